#include "drivers/shelly_gen2_driver.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "core/units.h"
#include "drivers/driver_support.h"
#include "drivers/json_util.h"

namespace hearth::drivers {
namespace {

using core::Metric;
using nlohmann::json;

constexpr std::string_view ID_PREFIX = "shelly:";
constexpr std::string_view RPC_SRC = "hearth";  // our RPC client id: replies go to hearth/rpc
// Untrusted input must not grow state or output without bound.
constexpr std::size_t MAX_DEVICES = 4096;
constexpr int MAX_COMPONENT_INDEX = 199;  // add-on sensors use 100..199
constexpr double SENTINEL = 999.0;
constexpr double MIN_TEMPERATURE_C = -100.0;
constexpr double HUGE_LIMIT = 1e12;

// "switch:0" -> {"switch", 0}; "wifi" -> {"wifi", -1}; nullopt for anything else.
struct ComponentKey {
  std::string_view name;
  int index = -1;
};
std::optional<ComponentKey> parse_component(std::string_view key) {
  const auto colon = key.find(':');
  const std::string_view name = key.substr(0, colon);
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
      })) {
    return std::nullopt;
  }
  if (colon == std::string_view::npos) return ComponentKey{name, -1};
  const auto index = parse_index(key.substr(colon + 1));
  if (!index) return std::nullopt;
  return ComponentKey{name, *index};
}

bool is_indexed_component(std::string_view key) {
  const auto c = parse_component(key);
  return c && c->index >= 0;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// The default topic prefix is the device id: shelly<model>-<MAC or its tail>.
bool looks_like_device_id(std::string_view prefix) {
  const auto dash = prefix.rfind('-');
  if (!prefix.starts_with("shelly") || dash == std::string_view::npos || prefix.find('/') != std::string_view::npos) {
    return false;
  }
  const std::string_view mac = prefix.substr(dash + 1);
  return mac.size() >= 6 && mac.size() <= 12 && is_hex(mac);
}

// A numeric member `key` of obj, range-checked, if present.
void member(Sink& sink, const std::string& device, const std::string& prefix, const json& obj, const char* key,
            Metric metric, double lo, double hi) {
  const auto it = obj.find(key);
  if (it == obj.end()) return;
  const std::string field = prefix + key;
  if (const auto v = sink.number(device, field, *it)) sink.bounded(device, field, *v, metric, lo, hi);
}

// Last known values of a metering component (switch:<i>, pm1:<i>) that later deltas depend on.
struct MeterState {
  std::optional<std::string> source;  // origin of the last change; "init" until something switches it
  std::optional<double> total_wh;     // last aenergy.total
};

struct Device {
  std::string src;                      // the real device id, from events/rpc
  std::map<int, MeterState> switches;   // switch:<i> seen: these can be switched
  std::map<int, MeterState> meters;     // pm1:<i>
  std::map<int, bool> flood_unplugged;  // flood:<i> reports errors:["cable_unplugged"]
};

// Temperature object {tC, tF}: prefer tC; a null tC means out of range / no probe.
void temperature(Sink& sink, const std::string& id, const std::string& key, const json& obj) {
  const auto tc = obj.find("tC");
  const auto tf = obj.find("tF");
  double celsius = 0.0;
  if (tc != obj.end() && to_number(*tc).status == NumberStatus::ok) {
    celsius = to_number(*tc).value;
  } else if (tf != obj.end() && to_number(*tf).status == NumberStatus::ok) {
    celsius = core::units::fahrenheit_to_celsius(to_number(*tf).value);
  } else if (tc != obj.end() || tf != obj.end()) {
    sink.issue(id, key + (tc != obj.end() ? ".tC" : ".tF"), reason_for(to_number(tc != obj.end() ? *tc : *tf).status));
    return;
  } else {
    return;
  }
  if (celsius >= SENTINEL) {
    sink.issue(id, key + ".tC", reason::NO_VALUE);
    return;
  }
  sink.bounded(id, key + ".tC", celsius, Metric::temperature_c, MIN_TEMPERATURE_C, HUGE_LIMIT);
}

void errors_as_issues(Sink& sink, const std::string& id, const std::string& key, const json& errors,
                      std::string_view why) {
  if (!errors.is_array()) {
    sink.issue(id, key + ".errors", reason::WRONG_TYPE);
    return;
  }
  for (const auto& e : errors) {
    sink.issue(id, key + ".errors." + (e.is_string() ? e.get<std::string>() : std::string("?")), why);
  }
}

// switch:<i> / pm1:<i>: relay, power, voltage, current, energy counter, protection errors.
void meter_status(Sink& sink, MeterState& state, const std::string& id, const std::string& key, const json& obj,
                  bool has_relay) {
  const std::string f = key + ".";
  if (const auto out = obj.find("output"); has_relay && out != obj.end())
    sink.flag(id, f + "output", *out, Metric::relay_on);
  if (const auto p = obj.find("apower"); p != obj.end()) {
    if (const auto w = sink.number(id, f + "apower", *p)) sink.power(id, f + "apower", *w);
  }
  member(sink, id, f, obj, "voltage", Metric::voltage_v, 0.0, HUGE_LIMIT);
  member(sink, id, f, obj, "current", Metric::current_a, 0.0, HUGE_LIMIT);
  if (const auto* source = string_field(obj, "source")) state.source = *source;
  const auto energy = obj.find("aenergy");
  if (energy != obj.end() && energy->is_object() && energy->contains("total")) {
    if (const auto wh = sink.number(id, f + "aenergy.total", energy->at("total"))) {
      if (*wh < 0.0) {
        sink.issue(id, f + "aenergy.total", reason::OUT_OF_RANGE);
      } else {
        // A reboot that restarted the counter: "init" and below the last total (see header).
        const bool reset = state.source == "init" && state.total_wh && *wh < *state.total_wh;
        sink.reading(id, Metric::energy_kwh, core::units::wh_to_kwh(*wh), reset);
        state.total_wh = *wh;
      }
    }
  }
  if (const auto errors = obj.find("errors"); errors != obj.end()) {
    errors_as_issues(sink, id, key, *errors, reason::OUT_OF_RANGE);  // overpower, overtemp, over/undervoltage
  }
}

void flood_status(Sink& sink, bool& unplugged, const std::string& id, const std::string& key, const json& obj,
                  bool full) {
  if (const auto errors = obj.find("errors"); errors != obj.end()) {
    unplugged = errors->is_array() && std::find(errors->begin(), errors->end(), "cable_unplugged") != errors->end();
    errors_as_issues(sink, id, key, *errors, reason::NO_VALUE);  // the probe cannot tell wet from dry
  } else if (full) {
    unplugged = false;  // a full status lists errors only while they occur
  }
  const auto alarm = obj.find("alarm");
  if (alarm == obj.end()) return;
  if (to_bool(*alarm) == false && unplugged) {
    sink.issue(id, key + ".alarm", reason::NO_VALUE);  // "no leak" from an unplugged probe is not "dry"
    return;
  }
  sink.flag(id, key + ".alarm", *alarm, Metric::water_leak);
}

class ShellyGen2Driver final : public Driver {
 public:
  std::string_view name() const override { return "shelly_gen2"; }

  std::vector<std::string> subscriptions() const override {
    return {"+/online",         "+/+/online", "+/+/+/online", "+/events/rpc",  "+/+/events/rpc",
            "+/+/+/events/rpc", "+/status/+", "+/+/status/+", "+/+/+/status/+"};
  }

  Decoded decode(const Message& msg) override {
    return decode_guarded([&] { return decode_topic(msg); }, reason::UNKNOWN_PAYLOAD);
  }

  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const override {
    const auto ref = parse_channel_id(device_id, ID_PREFIX);
    if (!ref) return std::nullopt;
    const auto it = devices_.find(ref->native);
    if (it == devices_.end() || !it->second.switches.contains(ref->index)) return std::nullopt;
    std::string frame = R"({"id":1,"src":")" + std::string(RPC_SRC) + R"(","method":"Switch.Set","params":{"id":)" +
                        std::to_string(ref->index) + R"(,"on":)" + (on ? "true" : "false") + "}}";
    return Outbound{std::string(ref->native) + "/rpc", std::move(frame)};
  }

 private:
  Decoded decode_topic(const Message& msg) {
    const auto levels = split_topic(msg.topic);
    const std::size_t n = levels.size();
    const auto prefix_before = [&](std::size_t tail) {
      std::size_t cut = 0;
      for (std::size_t i = n - tail; i < n; ++i) cut += levels[i].size() + 1;
      return msg.topic.substr(0, msg.topic.size() - cut);
    };
    if (n >= 3 && levels[n - 2] == "events" && levels[n - 1] == "rpc" && !prefix_before(2).empty()) {
      return decode_event(prefix_before(2), msg);
    }
    if (n >= 3 && levels[n - 2] == "status" && !prefix_before(2).empty()) {
      const std::string_view prefix = prefix_before(2);
      if (is_indexed_component(levels[n - 1]) || (devices_.contains(prefix) && parse_component(levels[n - 1]))) {
        return decode_status(prefix, levels[n - 1], msg);
      }
    }
    if (n >= 3 && levels[n - 2] == "command" && is_indexed_component(levels[n - 1])) {
      return with_outcome(Outcome::ignored);  // simple MQTT control: a command, not a state
    }
    if (n >= 2 && !levels[n - 1].empty()) {
      const std::string_view prefix = prefix_before(1);
      const std::string_view leaf = levels[n - 1];
      if (leaf == "online" && (devices_.contains(prefix) || looks_like_device_id(prefix))) {
        return decode_online(prefix, msg);
      }
      if (leaf == "rpc" && is_rpc_traffic(prefix, msg.payload)) return with_outcome(Outcome::ignored);
      if (leaf == "command" && devices_.contains(prefix)) return with_outcome(Outcome::ignored);
    }
    return {};
  }

  // Requests to a device (ours or another client's) and replies to a client: not device state.
  bool is_rpc_traffic(std::string_view prefix, std::string_view payload) const {
    if (prefix.empty()) return false;
    if (prefix == RPC_SRC || devices_.contains(prefix)) return true;
    const auto frame = parse_json_lenient(payload);
    return frame && frame->is_object() && string_field(*frame, "src") != nullptr &&
           (frame->contains("method") || frame->contains("result") || frame->contains("error"));
  }

  Device* device_for(std::string_view prefix) {
    auto it = devices_.find(prefix);
    if (it == devices_.end()) {
      if (devices_.size() >= MAX_DEVICES) return nullptr;
      it = devices_.emplace(std::string(prefix), Device{}).first;
    }
    return &it->second;
  }

  static std::string device_id(std::string_view prefix) { return std::string(ID_PREFIX) + std::string(prefix); }

  Decoded decode_online(std::string_view prefix, const Message& msg) {
    const std::string_view text = trim(msg.payload);
    if (text.empty()) return with_outcome(Outcome::ignored);  // cleared retained topic
    (void)device_for(prefix);
    Sink sink(msg);
    sink.flag(device_id(prefix), "online", json(std::string(text)), Metric::online);
    return std::move(sink).finish();
  }

  Decoded decode_status(std::string_view prefix, std::string_view component, const Message& msg) {
    if (trim(msg.payload).empty()) return with_outcome(Outcome::ignored);
    std::string_view why;
    const auto obj = parse_json_object(msg.payload, why);
    if (!obj) return with_outcome(Outcome::rejected, why);
    Device scratch;
    Device* dev = device_for(prefix);
    Sink sink(msg);
    apply_component(dev != nullptr ? *dev : scratch, device_id(prefix), std::string(component), *obj, true, sink);
    return std::move(sink).finish();
  }

  Decoded decode_event(std::string_view prefix, const Message& msg) {
    std::string_view why;
    const auto frame = parse_json_object(msg.payload, why);
    if (!frame) return with_outcome(Outcome::rejected, why);
    const auto* method = string_field(*frame, "method");
    if (method == nullptr) return with_outcome(Outcome::rejected, reason::UNKNOWN_PAYLOAD);
    Device scratch;
    Device* found = device_for(prefix);
    Device& dev = found != nullptr ? *found : scratch;
    const std::string id = device_id(prefix);
    Sink sink(msg);
    if (const auto* src = string_field(*frame, "src"); src != nullptr && *src != dev.src) {
      dev.src = *src;
      DeviceInfo info;
      info.device_id = id;
      info.model = src->substr(0, src->rfind('-'));
      sink.out().devices.push_back(std::move(info));
    }
    if (*method == "NotifyStatus" || *method == "NotifyFullStatus") {
      const auto params = frame->find("params");
      if (params == frame->end() || !params->is_object()) return with_outcome(Outcome::rejected, reason::WRONG_TYPE);
      const bool full = *method == "NotifyFullStatus";
      for (const auto& [key, value] : params->items()) {
        if (key != "ts") apply_component(dev, id, key, value, full, sink);  // ts: seconds since boot before NTP
      }
    }
    // NotifyEvent (button pushes, alarms as events) carries no state; the status change follows.
    return std::move(sink).finish();
  }

  static void apply_component(Device& dev, const std::string& base, const std::string& key, const json& obj, bool full,
                              Sink& sink) {
    const auto c = parse_component(key);
    if (!c || c->index > MAX_COMPONENT_INDEX) return;
    const std::string id = channel_id(base, c->index);
    const std::string_view name = c->name;
    const bool known = name == "switch" || name == "pm1" || name == "temperature" || name == "humidity" ||
                       name == "devicepower" || name == "smoke" || name == "flood" || name == "illuminance" ||
                       name == "wifi";
    if (!known) return;  // sys, cloud, mqtt, ble, input, ...: no metric
    if (!obj.is_object()) {
      sink.issue(id, key, reason::WRONG_TYPE);
      return;
    }
    const int index = std::max(c->index, 0);
    if (name == "switch") {
      meter_status(sink, dev.switches[index], id, key, obj, /*has_relay=*/true);
    } else if (name == "pm1") {
      meter_status(sink, dev.meters[index], id, key, obj, /*has_relay=*/false);
    } else if (name == "temperature") {
      temperature(sink, id, key, obj);
    } else if (name == "humidity") {
      member(sink, id, key + ".", obj, "rh", Metric::humidity_pct, 0.0, 100.0);
    } else if (name == "devicepower") {
      if (const auto battery = obj.find("battery"); battery != obj.end() && battery->is_object()) {
        member(sink, id, key + ".battery.", *battery, "percent", Metric::battery_pct, 0.0, 100.0);
      }
    } else if (name == "smoke") {
      // mute only silences the siren: it does not mean the smoke is gone, so it is not used.
      if (const auto alarm = obj.find("alarm"); alarm != obj.end())
        sink.flag(id, key + ".alarm", *alarm, Metric::smoke);
    } else if (name == "flood") {
      flood_status(sink, dev.flood_unplugged[index], id, key, obj, full);
    } else if (name == "illuminance") {
      member(sink, id, key + ".", obj, "lux", Metric::illuminance_lux, 0.0, HUGE_LIMIT);
    } else {
      member(sink, id, key + ".", obj, "rssi", Metric::rssi_dbm, -150.0, 0.0);
    }
  }

  std::map<std::string, Device, std::less<>> devices_;  // by topic prefix
};

}  // namespace

std::unique_ptr<Driver> make_shelly_gen2_driver(const DriverOptions& /*options*/) {
  return std::make_unique<ShellyGen2Driver>();
}

}  // namespace hearth::drivers
