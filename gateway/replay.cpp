#include "gateway/replay.h"

#include <charconv>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "drivers/driver_set.h"
#include "gateway/alerting.h"
#include "gateway/device_registry.h"
#include "gateway/energy_service.h"
#include "gateway/store.h"

namespace hearth::gateway {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t FLUSH_EVERY = 4096;  // queued readings; keeps memory bounded on long recordings

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

struct Record {
  InboundMessage msg;
  std::int64_t ts_ms = 0;
};

// One input line -> a record, or the reason it is not one.
std::optional<Record> parse_line(const std::string& line, std::string& why) {
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    why = "not a JSON object";
    return std::nullopt;
  }
  Record rec;
  const auto topic = j.find("topic");
  if (topic == j.end() || !topic->is_string() || topic->get_ref<const std::string&>().empty()) {
    why = "\"topic\" missing or not a non-empty string";
    return std::nullopt;
  }
  rec.msg.topic = topic->get<std::string>();
  const auto payload = j.find("payload");
  if (payload == j.end() || payload->is_null()) {
    why = "\"payload\" missing";
    return std::nullopt;
  }
  // A string is the payload as received; an object or array is taken as its JSON text.
  rec.msg.payload = payload->is_string() ? payload->get<std::string>() : payload->dump();
  const auto ts = j.find("ts_ms");
  const auto time = j.find("time");
  if (ts != j.end()) {
    if (!ts->is_number_integer()) {
      why = "\"ts_ms\" not an integer";
      return std::nullopt;
    }
    rec.ts_ms = ts->get<std::int64_t>();
  } else if (time != j.end()) {
    const auto ms = time->is_string() ? parse_iso8601_utc_ms(time->get_ref<const std::string&>()) : std::nullopt;
    if (!ms) {
      why = "\"time\" not an ISO-8601 UTC time (2026-01-01T07:00:00Z)";
      return std::nullopt;
    }
    rec.ts_ms = *ms;
  } else {
    why = "neither \"ts_ms\" nor \"time\"";
    return std::nullopt;
  }
  if (rec.ts_ms < 0) {
    why = "time before 1970";
    return std::nullopt;
  }
  if (const auto retain = j.find("retain"); retain != j.end()) {
    if (!retain->is_boolean()) {
      why = "\"retain\" not a boolean";
      return std::nullopt;
    }
    rec.msg.retained = retain->get<bool>();
  }
  rec.msg.received = core::from_epoch_ms(rec.ts_ms);
  return rec;
}

core::TimePoint ceil_to(core::TimePoint t, milliseconds step) {
  const auto ms = core::to_epoch_ms(t);
  const auto s = step.count();
  return core::from_epoch_ms((ms + s - 1) / s * s);
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_utc_ms(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int frac_ms = 0;
  if (s[pos] == '.') {
    ++pos;
    int scale = 100, n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  const std::string_view zone = s.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const auto days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return ((static_cast<std::int64_t>(days) * 24 + h) * 60 + mi) * 60'000 + sec * 1000LL + frac_ms;
}

std::optional<milliseconds> parse_duration(std::string_view s) {
  auto d = parse_duration_text(s);  // the config grammar; a replay tick must also be positive
  if (!d || *d <= milliseconds::zero()) return std::nullopt;
  return d;
}

core::Result<ReplayStats> replay(std::istream& input, const GatewayConfig& config, std::ostream& out,
                                 const ReplayOptions& options) {
  if (options.tick <= milliseconds::zero()) return core::make_error("replay: tick must be positive");
  if (options.max_gap < options.tick) return core::make_error("replay: max_gap must be at least one tick");

  // A private in-memory database: nothing of the replay survives it, nothing on disk is touched.
  StoreConfig store_config;
  store_config.path = ":memory:";
  store_config.synchronous_full = false;
  auto opened = Store::open(store_config);
  if (!opened) return core::make_error("replay: " + opened.error().message);
  Store& store = **opened;

  ReplayStats stats;
  core::TimePoint now{};  // the simulated clock: never goes back
  auto drivers = drivers::DriverSet::make_default(config.drivers);
  DeviceRegistry registry;
  registry.apply_settings(config.devices);
  Pipeline pipeline(drivers, store, registry, config.ingest, [](const std::string&) {});
  pipeline.set_clock_step_detection(false);
  Alerting alerting(
      config.home_id, registry, store,
      [&](const std::string&, const std::string& payload, bool) {
        out << "{\"ts_ms\":" << core::to_epoch_ms(now) << ",\"alert\":" << payload << "}\n";
        ++stats.events;
      },
      config.rules);
  std::optional<EnergyService> energy;
  if (options.energy_out != nullptr) {
    energy.emplace(store, registry, config.energy);
    pipeline.set_energy_handler([&](const core::Reading& total, core::EnergyStep step, const Device& d) {
      energy->on_energy_total(total, step, d);
    });
  }
  pipeline.set_reading_handler([&](const core::Reading& r, const Device& d) {
    alerting.on_reading(r);
    if (energy) energy->on_reading(r, d);
  });

  std::optional<core::TimePoint> next_tick;
  const auto tick = [&](core::TimePoint t) {
    now = t;
    alerting.on_tick(t);
    if (energy) energy->tick(t);
    ++stats.ticks;
  };
  // Every tick boundary up to and including t, then the clock stands at t.
  const auto advance_to = [&](core::TimePoint t) {
    if (!next_tick) next_tick = ceil_to(t, options.tick);
    if (*next_tick <= t && t - *next_tick > options.max_gap) {
      ++stats.gaps_skipped;
      next_tick = ceil_to(t - options.max_gap, options.tick);
    }
    while (*next_tick <= t) {
      tick(*next_tick);
      *next_tick += options.tick;
    }
    now = t;
  };

  std::string line;
  bool any = false;
  while (std::getline(input, line)) {
    ++stats.lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string why;
    auto rec = parse_line(line, why);
    if (!rec) {
      ++stats.malformed;
      if (options.diagnostics != nullptr) *options.diagnostics << "replay: line " << stats.lines << ": " << why << '\n';
      continue;
    }
    if (any && rec->msg.received < now) {
      ++stats.out_of_order;  // processed at its own time; the clock stays where it is
    } else {
      advance_to(rec->msg.received);
    }
    any = true;
    ++stats.messages;
    pipeline.on_message(rec->msg);
    if (store.pending() >= FLUSH_EVERY) {
      if (auto r = store.flush(); !r) return core::make_error("replay: " + r.error().message);
    }
  }
  if (input.bad()) return core::make_error("replay: read error after line " + std::to_string(stats.lines));
  // One more tick after the end, so rules waiting on a duration can fire if the data says so.
  if (any) tick(now + options.tick);
  if (auto r = store.flush(); !r) return core::make_error("replay: " + r.error().message);
  if (energy) {
    nlohmann::json days = nlohmann::json::array();
    for (const auto& s : energy->stored_summaries(0, energy->ledger().today(now)))
      days.push_back(nlohmann::json::parse(rules::energy::daily_summary_to_json(s)));
    const nlohmann::json result{
        {"appliances", energy->appliances_json(now)}, {"summary", energy->summary_json(now)}, {"days", days}};
    *options.energy_out << result.dump(2) << '\n';
    options.energy_out->flush();
  }
  out.flush();
  stats.ingest = pipeline.counters();
  return stats;
}

}  // namespace hearth::gateway
