#include "bench/energy/refit.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace hearth::bench::energy {
namespace {

bool parse_number(const std::string& s, double& out) {
  const auto* end = s.data() + s.size();
  return std::from_chars(s.data(), end, out).ptr == end;
}

}  // namespace

core::Result<std::vector<MinuteRow>> load_refit_1min(const std::filesystem::path& datasets_dir) {
  const auto path = datasets_dir / REFIT_1MIN;
  std::ifstream in(path);
  if (!in) return core::make_error("cannot open " + path.string());
  std::string line;
  std::getline(in, line);
  if (line != "timestamp_utc,unix_s,aggregate_W,kettle_W,dishwasher_W,washing_machine_W,microwave_W,gap") {
    return core::make_error(path.string() + ": unexpected header '" + line + "'");
  }
  std::vector<MinuteRow> rows;
  std::size_t n = 1;
  while (std::getline(in, line)) {
    ++n;
    std::stringstream ss(line);
    std::string field;
    std::vector<std::string> f;
    while (std::getline(ss, field, ',')) f.push_back(field);
    if (f.size() != 8) return core::make_error(path.string() + ":" + std::to_string(n) + ": expected 8 fields");
    MinuteRow r;
    double unix_s = 0.0, gap = 0.0;
    bool ok = parse_number(f[1], unix_s) && parse_number(f[7], gap);
    for (std::size_t i = 0; i < r.w.size(); ++i) ok = ok && parse_number(f[2 + i], r.w[i]);
    if (!ok) return core::make_error(path.string() + ":" + std::to_string(n) + ": not a number");
    r.unix_s = static_cast<std::int64_t>(unix_s);
    r.gap = gap != 0.0;
    if (!rows.empty() && r.unix_s != rows.back().unix_s + 60) {
      return core::make_error(path.string() + ":" + std::to_string(n) + ": not a regular 1-minute grid");
    }
    rows.push_back(r);
  }
  if (rows.empty()) return core::make_error(path.string() + ": no rows");
  return rows;
}

}  // namespace hearth::bench::energy
