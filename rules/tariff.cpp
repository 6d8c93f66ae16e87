#include "rules/tariff.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace hearth::rules::energy {
namespace {

using nlohmann::json;
using std::chrono::minutes;

constexpr int DAY_MIN = 24 * 60;
constexpr double MAX_RATE_P_PER_KWH = 1000.0;
constexpr double MAX_STANDING_P_PER_DAY = 1000.0;

// Minutes (with fraction) since midnight on the band clock.
double band_minute(core::TimePoint t, bool on_gmt, const LocalClock& clock) {
  const auto offset = on_gmt ? clock.standard_offset : clock.offset_at(t);
  const auto local = t + offset;
  const auto into_day = local - std::chrono::floor<std::chrono::days>(local);
  return std::chrono::duration<double, std::ratio<60>>(into_day).count();
}

bool in_band(double minute, const TariffBand& b) {
  if (b.start_min <= b.end_min) return minute >= b.start_min && minute < b.end_min;
  return minute >= b.start_min || minute < b.end_min;
}

// The minutes of the day covered by a band, as a 1440-entry mask (for the overlap check).
std::vector<bool> band_mask(const TariffBand& b) {
  std::vector<bool> mask(DAY_MIN, false);
  for (int m = 0; m < DAY_MIN; ++m) mask[static_cast<std::size_t>(m)] = in_band(m, b);
  return mask;
}

core::Result<void> check_rate(double v, double max, const std::string& field) {
  if (!std::isfinite(v) || v < 0.0 || v > max) {
    return core::make_error(field + " must be between 0 and " + std::to_string(static_cast<int>(max)));
  }
  return {};
}

core::Result<void> validate_fuel(const FuelTariff& f, const std::string& prefix) {
  if (auto r = check_rate(f.unit_rate_p_per_kwh, MAX_RATE_P_PER_KWH, prefix + ".unit_rate_p_per_kwh"); !r) return r;
  if (auto r = check_rate(f.standing_charge_p_per_day, MAX_STANDING_P_PER_DAY, prefix + ".standing_charge_p_per_day");
      !r)
    return r;
  if (f.band_count() > MAX_BANDS) {
    return core::make_error(prefix + ".bands: at most " + std::to_string(MAX_BANDS - 1) + " bands");
  }
  std::vector<bool> used(DAY_MIN, false);
  for (std::size_t i = 0; i < f.bands.size(); ++i) {
    const auto& b = f.bands[i];
    const std::string name = prefix + ".bands[" + std::to_string(i) + "]";
    if (b.start_min < 0 || b.start_min >= DAY_MIN || b.end_min < 0 || b.end_min >= DAY_MIN) {
      return core::make_error(name + ": start/end must be times of day (00:00-23:59)");
    }
    if (b.start_min == b.end_min) return core::make_error(name + ": empty band (start == end)");
    if (auto r = check_rate(b.unit_rate_p_per_kwh, MAX_RATE_P_PER_KWH, name + ".unit_rate_p_per_kwh"); !r) return r;
    const auto mask = band_mask(b);
    for (int m = 0; m < DAY_MIN; ++m) {
      const auto k = static_cast<std::size_t>(m);
      if (mask[k] && used[k]) return core::make_error(name + ": overlaps an earlier band");
      used[k] = used[k] || mask[k];
    }
  }
  return {};
}

// --- JSON ---

void require_known_keys(const json& j, std::initializer_list<std::string_view> known, const std::string& where) {
  if (!j.is_object()) throw std::runtime_error(where + ": expected an object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw std::runtime_error(where + ": unknown key '" + key + "'");
    }
  }
}

// "HH:MM" -> minutes since midnight.
int parse_hhmm(const json& j, const std::string& where) {
  const auto s = j.get<std::string>();
  if (s.size() != 5 || s[2] != ':') throw std::runtime_error(where + ": expected \"HH:MM\"");
  for (std::size_t i : {0U, 1U, 3U, 4U}) {
    if (s[i] < '0' || s[i] > '9') throw std::runtime_error(where + ": expected \"HH:MM\"");
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) throw std::runtime_error(where + ": not a time of day");
  return h * 60 + m;
}

std::string format_hhmm(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

FuelTariff fuel_from_json(const json& j, const std::string& where) {
  require_known_keys(j, {"unit_rate_p_per_kwh", "standing_charge_p_per_day", "bands", "bands_on_gmt"}, where);
  FuelTariff f;
  f.unit_rate_p_per_kwh = j.at("unit_rate_p_per_kwh").get<double>();
  f.standing_charge_p_per_day = j.at("standing_charge_p_per_day").get<double>();
  f.bands_on_gmt = j.value("bands_on_gmt", false);
  if (j.contains("bands")) {
    std::size_t i = 0;
    for (const auto& jb : j.at("bands")) {
      const std::string name = where + ".bands[" + std::to_string(i++) + "]";
      require_known_keys(jb, {"name", "start", "end", "unit_rate_p_per_kwh"}, name);
      f.bands.push_back({jb.at("name").get<std::string>(), parse_hhmm(jb.at("start"), name + ".start"),
                         parse_hhmm(jb.at("end"), name + ".end"), jb.at("unit_rate_p_per_kwh").get<double>()});
    }
  }
  return f;
}

json fuel_to_json(const FuelTariff& f) {
  json j{{"unit_rate_p_per_kwh", f.unit_rate_p_per_kwh}, {"standing_charge_p_per_day", f.standing_charge_p_per_day}};
  if (!f.bands.empty()) {
    json bands = json::array();
    for (const auto& b : f.bands) {
      bands.push_back({{"name", b.name},
                       {"start", format_hhmm(b.start_min)},
                       {"end", format_hhmm(b.end_min)},
                       {"unit_rate_p_per_kwh", b.unit_rate_p_per_kwh}});
    }
    j["bands"] = bands;
    j["bands_on_gmt"] = f.bands_on_gmt;
  }
  return j;
}

Tariff tariff_from_json(const json& j, const std::string& where) {
  require_known_keys(j,
                     {"id", "name", "source", "source_date", "valid_from", "valid_to", "illustrative", "prepayment",
                      "electricity", "gas", "heating_fuel", "note"},
                     where);
  Tariff t;
  t.id = j.at("id").get<std::string>();
  t.name = j.value("name", t.id);
  t.source = j.at("source").get<std::string>();
  t.source_date = j.at("source_date").get<std::string>();
  t.valid_from = j.value("valid_from", "");
  t.valid_to = j.value("valid_to", "");
  t.illustrative = j.value("illustrative", false);
  t.prepayment = j.value("prepayment", false);
  t.electricity = fuel_from_json(j.at("electricity"), where + ".electricity");
  if (j.contains("gas") && !j.at("gas").is_null()) t.gas = fuel_from_json(j.at("gas"), where + ".gas");
  const auto fuel = j.value("heating_fuel", "electricity");
  if (fuel == "gas") {
    t.heating_fuel = Fuel::gas;
  } else if (fuel != "electricity") {
    throw std::runtime_error(where + ".heating_fuel: 'electricity' or 'gas'");
  }
  if (t.id.empty()) throw std::runtime_error(where + ".id: must not be empty");
  for (const auto* date : {&t.source_date, &t.valid_from, &t.valid_to}) {
    if (!date->empty() && !parse_day(*date)) throw std::runtime_error(where + ": dates are \"YYYY-MM-DD\"");
  }
  if (auto ok = validate(t); !ok) throw std::runtime_error(where + "." + ok.error().message);
  return t;
}

json tariff_json(const Tariff& t) {
  json j{{"id", t.id},
         {"name", t.name},
         {"source", t.source},
         {"source_date", t.source_date},
         {"illustrative", t.illustrative},
         {"prepayment", t.prepayment},
         {"electricity", fuel_to_json(t.electricity)},
         {"heating_fuel", to_string(t.heating_fuel)}};
  if (!t.valid_from.empty()) j["valid_from"] = t.valid_from;
  if (!t.valid_to.empty()) j["valid_to"] = t.valid_to;
  if (t.gas) j["gas"] = fuel_to_json(*t.gas);
  return j;
}

template <typename T, typename F>
core::Result<T> guarded_parse(std::string_view text, F&& f) {
  try {
    return f(json::parse(text));
  } catch (const std::exception& e) {
    return core::make_error(std::string("tariff: ") + e.what());
  }
}

}  // namespace

// The compiled-in copy of rules/data/tariffs.json (tariff_data.cpp, generated by the build).
extern const char* const SHIPPED_TARIFFS_JSON;

const char* to_string(Fuel fuel) { return fuel == Fuel::gas ? "gas" : "electricity"; }

double FuelTariff::rate_of_band(int band) const {
  if (band <= 0 || band > static_cast<int>(bands.size())) return unit_rate_p_per_kwh;
  return bands[static_cast<std::size_t>(band - 1)].unit_rate_p_per_kwh;
}

std::string_view FuelTariff::band_name(int band) const {
  if (band <= 0 || band > static_cast<int>(bands.size())) return bands.empty() ? "standard" : "day";
  return bands[static_cast<std::size_t>(band - 1)].name;
}

int FuelTariff::band_at(core::TimePoint t, const LocalClock& clock) const {
  if (bands.empty()) return 0;
  const double m = band_minute(t, bands_on_gmt, clock);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    if (in_band(m, bands[i])) return static_cast<int>(i) + 1;
  }
  return 0;
}

core::TimePoint FuelTariff::next_band_change(core::TimePoint t, const LocalClock& clock) const {
  constexpr auto far = std::chrono::hours{24 * 366};
  core::TimePoint next = t + far;
  if (!bands_on_gmt) {
    if (auto change = clock.next_change(t)) next = std::min(next, *change);
  }
  if (bands.empty()) return next;
  const double m = band_minute(t, bands_on_gmt, clock);
  double best = 2.0 * DAY_MIN;
  for (const auto& b : bands) {
    for (int edge : {b.start_min, b.end_min}) {
      double ahead = edge - m;
      if (ahead <= 1e-9) ahead += DAY_MIN;
      best = std::min(best, ahead);
    }
  }
  const auto ahead_ms = std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(best * 60'000.0))};
  return std::min(next, t + std::max(ahead_ms, std::chrono::milliseconds{1}));
}

bool FuelTariff::time_of_use() const {
  return std::any_of(bands.begin(), bands.end(),
                     [&](const TariffBand& b) { return b.unit_rate_p_per_kwh != unit_rate_p_per_kwh; });
}

int FuelTariff::cheapest_band() const {
  int best = 0;
  for (int b = 1; b < band_count(); ++b) {
    if (rate_of_band(b) < rate_of_band(best)) best = b;
  }
  return best;
}

const Tariff* TariffCatalogue::find(std::string_view id) const {
  for (const auto& t : tariffs) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

core::Result<void> validate(const Tariff& t) {
  if (auto r = validate_fuel(t.electricity, "electricity"); !r) return r;
  if (t.gas) {
    if (auto r = validate_fuel(*t.gas, "gas"); !r) return r;
  }
  if (t.heating_fuel == Fuel::gas && !t.gas) return core::make_error("heating_fuel is gas but no gas tariff is given");
  return {};
}

core::Result<TariffCatalogue> parse_tariffs(std::string_view json_text) {
  return guarded_parse<TariffCatalogue>(json_text, [](const json& j) {
    require_known_keys(j, {"schema", "source", "updated", "note", "tariffs"}, "catalogue");
    if (j.at("schema").get<int>() != 1) throw std::runtime_error("catalogue: unsupported schema");
    TariffCatalogue c;
    c.source = j.value("source", "");
    c.updated = j.value("updated", "");
    std::size_t i = 0;
    for (const auto& jt : j.at("tariffs")) {
      c.tariffs.push_back(tariff_from_json(jt, "tariffs[" + std::to_string(i++) + "]"));
    }
    if (c.tariffs.empty()) throw std::runtime_error("catalogue: no tariffs");
    return c;
  });
}

core::Result<Tariff> parse_tariff(std::string_view json_text) {
  return guarded_parse<Tariff>(json_text, [](const json& j) { return tariff_from_json(j, "tariff"); });
}

std::string tariff_to_json(const Tariff& tariff) { return tariff_json(tariff).dump(); }

std::string_view shipped_tariffs_json() { return SHIPPED_TARIFFS_JSON; }

const TariffCatalogue& shipped_tariffs() {
  static const TariffCatalogue catalogue = [] {
    auto parsed = parse_tariffs(shipped_tariffs_json());
    // The same file is parsed by the unit tests, so this only fires on a build that skipped them.
    if (!parsed) throw std::logic_error("shipped tariffs.json: " + parsed.error().message);
    return std::move(parsed).value();
  }();
  return catalogue;
}

const Tariff& default_tariff() { return shipped_tariffs().tariffs.front(); }

}  // namespace hearth::rules::energy
