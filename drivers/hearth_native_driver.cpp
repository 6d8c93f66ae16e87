#include "drivers/hearth_native_driver.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "drivers/driver_support.h"
#include "drivers/json_util.h"

namespace hearth::drivers {
namespace {

using core::Metric;
using nlohmann::json;
namespace why = native::why;

constexpr std::string_view ROOT = "hearth";
constexpr std::string_view VERSION = "v1";
constexpr std::size_t MAX_SAMPLES = 16;
constexpr std::size_t MAX_CAPS = 24;
constexpr std::size_t HEX_ID_LEN = 8;
constexpr std::size_t CLAIM_CODE_LEN = 8;
constexpr std::size_t PUBLIC_KEY_HEX_LEN = 64;
constexpr std::size_t MAX_TEXT = 32;
constexpr std::int64_t MAX_INTERVAL_S = 86400;
constexpr std::int64_t MIN_TS_MS = 1'000'000'000'000;  // 2001: a seconds timestamp is an error
constexpr std::int64_t MAX_TS_MS = 9'999'999'999'999;

constexpr std::array<native::MetricSpec, 16> SPECS = {{
    {"power_w", "W", Metric::power_w, 0.0, 1e6},
    {"energy_kwh", "kWh", Metric::energy_kwh, 0.0, 1e9},
    {"voltage_v", "V", Metric::voltage_v, 0.0, 1e5},
    {"current_a", "A", Metric::current_a, 0.0, 1e4},
    {"temperature_c", "Cel", Metric::temperature_c, -273.15, 1e4},
    {"humidity_pct", "%RH", Metric::humidity_pct, 0.0, 100.0},
    {"illuminance_lux", "lx", Metric::illuminance_lux, 0.0, 1e6},
    {"co_ppm", "ppm", Metric::co_ppm, 0.0, 1e6},
    {"battery_pct", "%EL", Metric::battery_pct, 0.0, 100.0},
    {"rssi_dbm", "dBm", Metric::rssi_dbm, -200.0, 50.0},
    {"relay_on", "", Metric::relay_on, 0.0, 1.0},
    {"motion", "", Metric::motion, 0.0, 1.0},
    {"contact_open", "", Metric::contact_open, 0.0, 1.0},
    {"smoke", "", Metric::smoke, 0.0, 1.0},
    {"co_detected", "", Metric::co_detected, 0.0, 1.0},
    {"water_leak", "", Metric::water_leak, 0.0, 1.0},
}};

bool is_hex_id(std::string_view s) {
  return s.size() == HEX_ID_LEN &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_text(std::string_view s) {
  return !s.empty() && s.size() <= MAX_TEXT && std::all_of(s.begin(), s.end(), [](char c) {
    return is_ident_char(c) || c == ' ' || c == '.' || c == '+' || c == '-';
  });
}

bool is_crockford(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
}

bool is_claim_code(std::string_view s) {
  return s.size() == CLAIM_CODE_LEN && std::all_of(s.begin(), s.end(), is_crockford);
}

bool is_public_key(std::string_view s) {
  return s.size() == PUBLIC_KEY_HEX_LEN &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_any(std::string_view) { return true; }

// "v<N>": the contract major in the second topic level (N without a leading zero).
bool is_version_level(std::string_view s) {
  return s.size() >= 2 && s.size() <= 4 && s[0] == 'v' && s[1] != '0' &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string base_id(std::string_view native_id) { return std::string(native::DEVICE_PREFIX) + std::string(native_id); }

// Strict JSON (no NaN tokens, unlike the other drivers) that also notices repeated keys, which
// nlohmann would silently resolve to the last one while the C scanner refuses them.
struct Parsed {
  std::optional<json> doc;
  std::string_view why;
};

Parsed parse_object(std::string_view payload) {
  std::vector<std::set<std::string>> keys;
  bool duplicate = false;
  json::parser_callback_t note_keys = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == json::parse_event_t::key && !keys.empty() && parsed.is_string()) {
      if (!keys.back().insert(parsed.get<std::string>()).second) duplicate = true;
    }
    return true;
  };
  json doc = json::parse(payload.begin(), payload.end(), note_keys, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return {std::nullopt, reason::MALFORMED_JSON};
  if (duplicate) return {std::nullopt, why::DUPLICATE_KEY};
  if (!doc.is_object()) return {std::nullopt, reason::WRONG_TYPE};
  return {std::move(doc), {}};
}

// The first key of obj not in `allowed`; none when the device speaks a newer minor (lenient).
std::optional<std::string> unknown_key(const json& obj, std::initializer_list<std::string_view> allowed, bool lenient) {
  if (lenient) return std::nullopt;
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) return key;
  }
  return std::nullopt;
}

struct Problem {
  std::string field;
  std::string_view why;
};

// Typed access to one JSON object's fields; the first contract violation is kept in `problem`.
class Fields {
 public:
  Fields(const json& obj, std::string prefix) : obj_(obj), prefix_(std::move(prefix)) {}

  const json* get(std::string_view key, bool required) {
    const auto it = obj_.find(key);
    if (it == obj_.end()) {
      if (required) fail(key, why::MISSING_FIELD);
      return nullptr;
    }
    return &*it;
  }

  std::optional<std::string> string(std::string_view key, bool (*valid)(std::string_view), bool required = true) {
    const json* v = get(key, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return failed(key, reason::WRONG_TYPE);
    const auto& s = v->get_ref<const std::string&>();
    if (!valid(s)) return failed(key, why::BAD_VALUE);
    return s;
  }

  // An integer (JSON Schema sense: 3.0 counts) in [lo, hi].
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi, bool required = true) {
    const json* v = get(key, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number()) return failed(key, reason::WRONG_TYPE);
    std::optional<std::int64_t> n;
    if (v->is_number_unsigned()) {
      const auto u = v->get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) n = static_cast<std::int64_t>(u);
    } else if (v->is_number_integer()) {
      n = v->get<std::int64_t>();
    } else {
      const double d = v->get<double>();
      if (!std::isfinite(d) || std::floor(d) != d) return failed(key, reason::WRONG_TYPE);
      if (d >= -9.0e15 && d <= 9.0e15) n = static_cast<std::int64_t>(d);
    }
    if (!n || *n < lo || *n > hi) return failed(key, reason::OUT_OF_RANGE);
    return n;
  }

  std::optional<bool> boolean(std::string_view key, bool required = true) {
    const json* v = get(key, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean()) return failed(key, reason::WRONG_TYPE);
    return v->get<bool>();
  }

  void fail(std::string_view key, std::string_view why) {
    if (!problem) problem = Problem{prefix_ + std::string(key), why};
  }
  std::nullopt_t failed(std::string_view key, std::string_view why) {
    fail(key, why);
    return std::nullopt;
  }

  std::optional<Problem> problem;

 private:
  const json& obj_;
  std::string prefix_;
};

Decoded decoded() { return with_outcome(Outcome::decoded); }
Decoded ignored() { return with_outcome(Outcome::ignored); }

// Rejected as a whole, with an issue naming the field so tools (conformance) can say what was wrong.
Decoded rejected(std::string_view why, const std::string& device, std::string_view field) {
  Decoded out = with_outcome(Outcome::rejected, why);
  add_issue(out, device, field, why);
  return out;
}

Decoded rejected(const Problem& p, const std::string& device) { return rejected(p.why, device, p.field); }

std::string_view refusal_reason(std::string_view wire) {
  if (wire == "essential") return why::REFUSED_ESSENTIAL;
  if (wire == "not_switchable") return why::REFUSED_NOT_SWITCHABLE;
  if (wire == "no_such_relay") return why::REFUSED_NO_SUCH_RELAY;
  return why::REFUSED_FAILED;
}

bool is_refusal(std::string_view s) {
  return s == "essential" || s == "not_switchable" || s == "no_such_relay" || s == "failed";
}

bool is_state(std::string_view s) { return s == "online" || s == "offline"; }
bool is_power_source(std::string_view s) { return s == "mains" || s == "battery"; }

// One element of a reading message's "readings" array.
class SampleDecoder {
 public:
  SampleDecoder(Decoded& out, const Message& msg, const std::string& base, const native::Description* description,
                std::array<std::string, native::MAX_CHANNEL + 1>& counters, bool lenient)
      : out_(out), msg_(msg), base_(base), description_(description), counters_(counters), lenient_(lenient) {}

  void decode(const json& sample, std::size_t index) {
    const std::string where = "readings[" + std::to_string(index) + "]";
    if (!sample.is_object()) return add_issue(out_, base_, where, reason::WRONG_TYPE);
    if (const auto key = unknown_key(sample, {"ch", "metric", "unit", "value", "counter"}, lenient_)) {
      return add_issue(out_, base_, where + "." + *key, why::UNKNOWN_FIELD);
    }
    Fields f(sample, where + ".");
    const auto ch = f.integer("ch", 0, native::MAX_CHANNEL, false).value_or(0);
    const auto name = f.string("metric", is_any);
    if (f.problem) return add_issue(out_, base_, f.problem->field, f.problem->why);
    const std::string id = channel_id(base_, static_cast<int>(ch));
    const native::MetricSpec* spec = native::find_metric(*name);
    if (spec == nullptr) {
      if (!lenient_) add_issue(out_, id, where + ".metric", why::UNKNOWN_METRIC);
      return;
    }
    if (description_ != nullptr && description_->find(static_cast<int>(ch), spec->metric) == nullptr) {
      return add_issue(out_, id, where, why::UNDECLARED);
    }
    if (!seen_.insert({static_cast<int>(ch), spec->metric}).second) {
      return add_issue(out_, id, where, why::DUPLICATE_SAMPLE);
    }
    if (spec->unit.empty()) return decode_flag(f, sample, *spec, id, where);
    decode_number(f, sample, *spec, static_cast<std::size_t>(ch), id, where);
  }

 private:
  void decode_flag(Fields& f, const json& sample, const native::MetricSpec& spec, const std::string& id,
                   const std::string& where) {
    if (sample.contains("unit")) return add_issue(out_, id, where + ".unit", why::WRONG_UNIT);
    if (sample.contains("counter")) return add_issue(out_, id, where + ".counter", why::UNKNOWN_FIELD);
    const auto on = f.boolean("value");
    if (!on) return add_issue(out_, id, f.problem->field, f.problem->why);
    out_.readings.push_back(make_reading(msg_, id, spec.metric, *on ? 1.0 : 0.0));
  }

  void decode_number(Fields& f, const json& sample, const native::MetricSpec& spec, std::size_t ch,
                     const std::string& id, const std::string& where) {
    const json* unit = f.get("unit", true);
    if (unit == nullptr) return add_issue(out_, id, where + ".unit", why::MISSING_FIELD);
    if (!unit->is_string() || unit->get_ref<const std::string&>() != spec.unit) {
      return add_issue(out_, id, where + ".unit", why::WRONG_UNIT);
    }
    const json* value = f.get("value", true);
    if (value == nullptr || !value->is_number()) {
      return add_issue(out_, id, where + ".value", value == nullptr ? why::MISSING_FIELD : reason::WRONG_TYPE);
    }
    const double v = value->get<double>();
    if (!std::isfinite(v)) return add_issue(out_, id, where + ".value", reason::NON_FINITE);
    if (v < spec.min || v > spec.max) {
      const bool negative_power = spec.metric == Metric::power_w && v < 0.0;
      return add_issue(out_, id, where + ".value", negative_power ? reason::NEGATIVE_POWER : reason::OUT_OF_RANGE);
    }
    bool reset = false;
    if (spec.metric == Metric::energy_kwh) {
      const auto counter = f.string("counter", is_hex_id);
      if (!counter) return add_issue(out_, id, f.problem->field, f.problem->why);
      // A new counter id means the device restarted counting from zero (reboot, user reset).
      reset = !counters_[ch].empty() && counters_[ch] != *counter;
      counters_[ch] = *counter;
    } else if (sample.contains("counter")) {
      return add_issue(out_, id, where + ".counter", why::UNKNOWN_FIELD);
    }
    out_.readings.push_back(make_reading(msg_, id, spec.metric, v, reset));
  }

  Decoded& out_;
  const Message& msg_;
  const std::string& base_;
  const native::Description* description_;
  std::array<std::string, native::MAX_CHANNEL + 1>& counters_;
  bool lenient_;
  std::set<std::pair<int, Metric>> seen_;
};

// One element of a describe's "caps" array; nullopt with `problem` set when it breaks the contract,
// nullopt without a problem for an unknown metric from a newer minor (skipped).
std::optional<native::Capability> decode_capability(const json& cap, std::size_t index, bool lenient,
                                                    std::optional<Problem>& problem) {
  const std::string where = "caps[" + std::to_string(index) + "]";
  const auto fail = [&](std::string field, std::string_view why) {
    problem = Problem{std::move(field), why};
    return std::nullopt;
  };
  if (!cap.is_object()) return fail(where, reason::WRONG_TYPE);
  if (const auto key = unknown_key(cap, {"ch", "metric", "unit", "switchable", "essential"}, lenient)) {
    return fail(where + "." + *key, why::UNKNOWN_FIELD);
  }
  Fields f(cap, where + ".");
  const auto ch = f.integer("ch", 0, native::MAX_CHANNEL);
  const auto name = f.string("metric", is_any);
  if (f.problem) return fail(f.problem->field, f.problem->why);
  const native::MetricSpec* spec = native::find_metric(*name);
  if (spec == nullptr) {
    if (lenient) return std::nullopt;  // a metric from a newer minor: skipped
    return fail(where + ".metric", why::UNKNOWN_METRIC);
  }
  const json* unit = f.get("unit", false);
  if (spec->unit.empty()
          ? unit != nullptr
          : (unit == nullptr || !unit->is_string() || unit->get_ref<const std::string&>() != spec->unit)) {
    return fail(where + ".unit", unit == nullptr ? why::MISSING_FIELD : why::WRONG_UNIT);
  }
  native::Capability c{static_cast<int>(*ch), spec->metric, false, false};
  if (spec->metric == Metric::relay_on) {
    // No defaults for the safety flags: a relay must say whether it is essential.
    const auto switchable = f.boolean("switchable");
    const auto essential = f.boolean("essential");
    if (f.problem) return fail(f.problem->field, f.problem->why);
    c.switchable = *switchable;
    c.essential = *essential;
  } else if (cap.contains("switchable") || cap.contains("essential")) {
    return fail(where + (cap.contains("essential") ? ".essential" : ".switchable"), why::BAD_VALUE);
  }
  return c;
}

}  // namespace

namespace native {

std::span<const MetricSpec> metric_specs() { return SPECS; }

const MetricSpec* find_metric(std::string_view name) {
  const auto it = std::find_if(SPECS.begin(), SPECS.end(), [&](const MetricSpec& s) { return s.name == name; });
  return it == SPECS.end() ? nullptr : &*it;
}

const Capability* Description::find(int ch, Metric metric) const {
  const auto it =
      std::find_if(caps.begin(), caps.end(), [&](const Capability& c) { return c.ch == ch && c.metric == metric; });
  return it == caps.end() ? nullptr : &*it;
}

bool valid_device_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return lower_or_digit(id[0]) &&
         std::all_of(id.begin() + 1, id.end(), [&](char c) { return lower_or_digit(c) || c == '_' || c == '-'; });
}

bool valid_command_id(std::string_view id) {
  return !id.empty() && id.size() <= 24 &&
         std::all_of(id.begin(), id.end(), [](char c) { return is_ident_char(c) || c == '-'; });
}

std::string topic(std::string_view native_id, std::string_view leaf) {
  return std::string(ROOT) + "/" + std::string(VERSION) + "/" + std::string(native_id) + "/" + std::string(leaf);
}

std::string encode_command(std::string_view command_id, int relay, bool on) {
  json cmd = {{"id", std::string(command_id)}, {"relay", relay}, {"on", on}};
  return cmd.dump();
}

std::string normalise_claim_code(std::string_view typed) {
  std::string code;
  for (const char raw : typed) {
    if (raw == '-' || raw == ' ') continue;
    char c = (raw >= 'a' && raw <= 'z') ? static_cast<char>(raw - 'a' + 'A') : raw;
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (!is_crockford(c) || code.size() == CLAIM_CODE_LEN) return {};
    code.push_back(c);
  }
  return code.size() == CLAIM_CODE_LEN ? code : std::string{};
}

}  // namespace native

std::vector<std::string> HearthNativeDriver::subscriptions() const {
  std::vector<std::string> subs;
  for (const auto leaf : {"reading", "status", "describe", "ack", "claim"}) subs.push_back(native::topic("+", leaf));
  return subs;
}

Decoded HearthNativeDriver::decode(const Message& msg) {
  return decode_guarded(
      [&]() -> Decoded {
        const auto levels = split_topic(msg.topic);
        if (levels.size() < 2 || levels[0] != ROOT || !is_version_level(levels[1])) return {};
        if (levels[1] != VERSION) return with_outcome(Outcome::rejected, why::UNSUPPORTED_VERSION);
        if (levels.size() != 4) return with_outcome(Outcome::rejected, why::UNKNOWN_TOPIC);
        if (!native::valid_device_id(levels[2])) return with_outcome(Outcome::rejected, why::BAD_DEVICE_ID);
        const Topic t{levels[2], levels[3]};
        if (t.leaf == "cmd") return ignored();  // our own commands, echoed by a wide subscription
        // An empty payload clears a retained message (decommissioning); it is not a message.
        if (msg.payload.empty()) return ignored();
        const std::size_t limit = t.leaf == "describe" ? native::MAX_DESCRIBE_BYTES : native::MAX_PAYLOAD_BYTES;
        if (msg.payload.size() > limit) return rejected(why::TOO_LARGE, base_id(t.id), "payload");
        if (t.leaf == "reading") return decode_reading(t, msg);
        if (t.leaf == "status") return decode_status(t, msg);
        if (t.leaf == "describe") return decode_describe(t, msg);
        if (t.leaf == "ack") return decode_ack(t, msg);
        if (t.leaf == "claim") return decode_claim(t, msg);
        return with_outcome(Outcome::rejected, why::UNKNOWN_TOPIC);
      },
      reason::MALFORMED_JSON);
}

HearthNativeDriver::DeviceState* HearthNativeDriver::state_for(std::string_view id) {
  if (const auto it = devices_.find(id); it != devices_.end()) return &it->second;
  if (devices_.size() >= native::MAX_DEVICES) return nullptr;
  return &devices_[std::string(id)];
}

bool HearthNativeDriver::lenient(std::string_view id) const {
  const auto* d = description(id);
  return d != nullptr && d->minor > native::CONTRACT_MINOR;
}

Decoded HearthNativeDriver::decode_reading(const Topic& t, const Message& msg) {
  const std::string base = base_id(t.id);
  auto parsed = parse_object(msg.payload);
  if (!parsed.doc) return rejected(parsed.why, base, "payload");
  const json& doc = *parsed.doc;
  DeviceState* dev = state_for(t.id);
  if (dev == nullptr) return rejected(why::TOO_MANY_DEVICES, base, "payload");
  const bool lax = lenient(t.id);
  if (const auto key = unknown_key(doc, {"boot", "seq", "ts", "readings"}, lax)) {
    return rejected(why::UNKNOWN_FIELD, base, *key);
  }
  Fields f(doc, "");
  const auto boot = f.string("boot", is_hex_id);
  const auto seq = f.integer("seq", 0, std::numeric_limits<std::uint32_t>::max());
  (void)f.integer("ts", MIN_TS_MS, MAX_TS_MS, false);  // informational: Hearth stamps receive time
  const json* samples = f.get("readings", true);
  if (samples != nullptr && !samples->is_array()) f.fail("readings", reason::WRONG_TYPE);
  if (samples != nullptr && samples->is_array() && (samples->empty() || samples->size() > MAX_SAMPLES)) {
    f.fail("readings", reason::OUT_OF_RANGE);
  }
  if (f.problem) return rejected(*f.problem, base);

  const auto n = static_cast<std::uint32_t>(*seq);
  if (dev->boot == *boot && dev->seq && n <= *dev->seq) {
    // The same seq again is a QoS 1 redelivery; an older one is a replay or a firmware bug.
    return n == *dev->seq ? ignored() : rejected(why::STALE_SEQ, base, "seq");
  }
  dev->boot = *boot;
  dev->seq = n;
  Decoded out = decoded();
  const native::Description* description = dev->description ? &*dev->description : nullptr;
  SampleDecoder samples_decoder(out, msg, base, description, dev->counters, lax);
  for (std::size_t i = 0; i < samples->size(); ++i) samples_decoder.decode((*samples)[i], i);
  return out;
}

Decoded HearthNativeDriver::decode_status(const Topic& t, const Message& msg) {
  const std::string base = base_id(t.id);
  auto parsed = parse_object(msg.payload);
  if (!parsed.doc) return rejected(parsed.why, base, "payload");
  if (const auto key = unknown_key(*parsed.doc, {"state", "boot"}, lenient(t.id))) {
    return rejected(why::UNKNOWN_FIELD, base, *key);
  }
  Fields f(*parsed.doc, "");
  const auto state = f.string("state", is_state);
  const auto boot = f.string("boot", is_hex_id, false);
  if (!f.problem && *state == "online" && !boot) f.fail("boot", why::MISSING_FIELD);
  if (f.problem) return rejected(*f.problem, base);

  const double online = *state == "online" ? 1.0 : 0.0;
  Decoded out = decoded();
  out.readings.push_back(make_reading(msg, base, Metric::online, online));
  if (const auto* d = description(t.id)) {
    std::set<int> channels;
    for (const auto& c : d->caps) {
      if (c.ch > 0 && channels.insert(c.ch).second) {
        out.readings.push_back(make_reading(msg, channel_id(base, c.ch), Metric::online, online));
      }
    }
  }
  return out;
}

Decoded HearthNativeDriver::decode_describe(const Topic& t, const Message& msg) {
  const std::string base = base_id(t.id);
  auto parsed = parse_object(msg.payload);
  if (!parsed.doc) return rejected(parsed.why, base, "payload");
  const json& doc = *parsed.doc;
  Fields f(doc, "");
  const auto minor = f.integer("minor", 0, 255);
  if (f.problem) return rejected(*f.problem, base);
  const bool lax = *minor > native::CONTRACT_MINOR;
  if (const auto key = unknown_key(doc, {"minor", "model", "firmware", "boot", "interval_s", "power", "caps"}, lax)) {
    return rejected(why::UNKNOWN_FIELD, base, *key);
  }
  native::Description d;
  d.minor = static_cast<int>(*minor);
  d.model = f.string("model", is_text).value_or("");
  d.firmware = f.string("firmware", is_text).value_or("");
  d.boot = f.string("boot", is_hex_id).value_or("");
  d.interval_s = static_cast<int>(f.integer("interval_s", 1, MAX_INTERVAL_S).value_or(0));
  d.battery = f.string("power", is_power_source).value_or("") == "battery";
  const json* caps = f.get("caps", true);
  if (caps != nullptr && !caps->is_array()) f.fail("caps", reason::WRONG_TYPE);
  if (caps != nullptr && caps->is_array() && (caps->empty() || caps->size() > MAX_CAPS)) {
    f.fail("caps", reason::OUT_OF_RANGE);
  }
  if (f.problem) return rejected(*f.problem, base);

  // A describe is taken whole or not at all: a half-read one could lose an essential flag.
  std::optional<Problem> problem;
  for (std::size_t i = 0; i < caps->size() && !problem; ++i) {
    auto cap = decode_capability((*caps)[i], i, lax, problem);
    if (!cap) continue;
    if (d.find(cap->ch, cap->metric) != nullptr) {
      problem = Problem{"caps[" + std::to_string(i) + "]", why::DUPLICATE_SAMPLE};
    } else {
      d.caps.push_back(*cap);
    }
  }
  if (problem) return rejected(*problem, base);
  DeviceState* dev = state_for(t.id);
  if (dev == nullptr) return rejected(why::TOO_MANY_DEVICES, base, "payload");

  Decoded out = decoded();
  std::set<int> channels;
  for (const auto& c : d.caps) channels.insert(c.ch);
  channels.insert(0);
  for (const int ch : channels) out.devices.push_back(DeviceInfo{channel_id(base, ch), d.model, {}, d.firmware});
  dev->description = std::move(d);
  return out;
}

Decoded HearthNativeDriver::decode_ack(const Topic& t, const Message& msg) {
  const std::string base = base_id(t.id);
  auto parsed = parse_object(msg.payload);
  if (!parsed.doc) return rejected(parsed.why, base, "payload");
  if (const auto key = unknown_key(*parsed.doc, {"id", "relay", "ok", "on", "reason"}, lenient(t.id))) {
    return rejected(why::UNKNOWN_FIELD, base, *key);
  }
  Fields f(*parsed.doc, "");
  const auto id = f.string("id", [](std::string_view s) { return native::valid_command_id(s); });
  const auto relay = f.integer("relay", 0, native::MAX_CHANNEL);
  const auto ok = f.boolean("ok");
  const auto on = f.boolean("on", false);
  const auto refusal = f.string("reason", is_refusal, false);
  if (!f.problem) {
    if (*ok && refusal) f.fail("reason", why::BAD_VALUE);
    if (!*ok && !refusal) f.fail("reason", why::MISSING_FIELD);
    const bool no_relay = refusal && *refusal == "no_such_relay";
    if (!no_relay && !on) f.fail("on", why::MISSING_FIELD);
    if (no_relay && on) f.fail("on", why::BAD_VALUE);
  }
  if (f.problem) return rejected(*f.problem, base);

  Decoded out = decoded();
  const std::string channel = channel_id(base, static_cast<int>(*relay));
  if (on) {
    const auto* d = description(t.id);
    if (d != nullptr && d->find(static_cast<int>(*relay), Metric::relay_on) == nullptr) {
      add_issue(out, channel, "relay", why::UNDECLARED);
    } else {
      out.readings.push_back(make_reading(msg, channel, Metric::relay_on, *on ? 1.0 : 0.0));
    }
  }
  if (!*ok) add_issue(out, channel, "cmd " + *id, refusal_reason(*refusal));
  return out;
}

Decoded HearthNativeDriver::decode_claim(const Topic& t, const Message& msg) {
  const std::string base = base_id(t.id);
  auto parsed = parse_object(msg.payload);
  if (!parsed.doc) return rejected(parsed.why, base, "payload");
  Fields f(*parsed.doc, "");
  const auto minor = f.integer("minor", 0, 255);
  if (f.problem) return rejected(*f.problem, base);
  if (const auto key =
          unknown_key(*parsed.doc, {"minor", "model", "firmware", "code", "key"}, *minor > native::CONTRACT_MINOR)) {
    return rejected(why::UNKNOWN_FIELD, base, *key);
  }
  const auto model = f.string("model", is_text);
  const auto firmware = f.string("firmware", is_text);
  const auto code = f.string("code", is_claim_code);
  const auto key = f.string("key", is_public_key);
  if (f.problem) return rejected(*f.problem, base);

  auto it =
      std::find_if(claims_.begin(), claims_.end(), [&](const PendingClaim& c) { return c.request.device_id == base; });
  if (it == claims_.end()) {
    if (claims_.size() >= native::MAX_PENDING_CLAIMS) {
      claims_.erase(std::min_element(claims_.begin(), claims_.end(), [](const auto& a, const auto& b) {
        return a.request.last_seen < b.request.last_seen;
      }));
    }
    claims_.push_back(PendingClaim{native::ClaimRequest{base, {}, {}, {}, msg.received, msg.received}, {}});
    it = std::prev(claims_.end());
  }
  it->request.model = *model;
  it->request.firmware = *firmware;
  it->request.public_key_hex = *key;
  it->request.last_seen = msg.received;
  it->code = *code;
  return decoded();  // recorded for the dashboard; the device is not a device until claimed
}

std::optional<Outbound> HearthNativeDriver::relay_command(std::string_view device_id, bool on) const {
  const auto ref = parse_channel_id(device_id, native::DEVICE_PREFIX);
  if (!ref) return std::nullopt;
  const auto* d = description(ref->native);
  if (d == nullptr) return std::nullopt;
  const auto* relay = d->find(ref->index, Metric::relay_on);
  if (relay == nullptr || !relay->switchable) return std::nullopt;
  // The safety rule holds on both sides: the device refuses, and Hearth never asks.
  if (relay->essential && !on) return std::nullopt;
  const std::string id = "h" + std::to_string(++commands_built_);
  return Outbound{native::topic(ref->native, "cmd"), native::encode_command(id, ref->index, on)};
}

const native::Description* HearthNativeDriver::description(std::string_view native_id) const {
  const auto it = devices_.find(native_id);
  return it == devices_.end() || !it->second.description ? nullptr : &*it->second.description;
}

std::vector<native::ClaimRequest> HearthNativeDriver::pending_claims() const {
  std::vector<native::ClaimRequest> out;
  for (const auto& c : claims_) out.push_back(c.request);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.last_seen < b.last_seen; });
  return out;
}

bool HearthNativeDriver::claim_code_matches(std::string_view device_id, std::string_view typed) const {
  const auto it = std::find_if(claims_.begin(), claims_.end(),
                               [&](const PendingClaim& c) { return c.request.device_id == device_id; });
  const std::string code = native::normalise_claim_code(typed);
  if (it == claims_.end() || code.size() != it->code.size()) return false;
  unsigned diff = 0;  // no early exit: the time taken says nothing about how much matched
  for (std::size_t i = 0; i < code.size(); ++i) diff |= static_cast<unsigned char>(code[i] ^ it->code[i]);
  return diff == 0;
}

void HearthNativeDriver::forget_claim(std::string_view device_id) {
  std::erase_if(claims_, [&](const PendingClaim& c) { return c.request.device_id == device_id; });
}

std::unique_ptr<HearthNativeDriver> make_hearth_native_driver() { return std::make_unique<HearthNativeDriver>(); }

}  // namespace hearth::drivers
