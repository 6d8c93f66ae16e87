#include "drivers/z2m_driver.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "drivers/driver_support.h"
#include "drivers/json_util.h"

namespace hearth::drivers {
namespace {

using core::Metric;
using nlohmann::json;

constexpr std::string_view DEVICE_PREFIX = "z2m:";

// What we know about one device, from its own messages and from bridge/devices.
struct Z2mDevice {
  bool battery = false;                       // reports battery/battery_low, or bridge/devices says so: `voltage` is mV
  bool mains = false;                         // bridge/devices says mains powered: `voltage` is volts
  std::set<std::string, std::less<>> relays;  // "" for `state`, "l2" for `state_l2`
  std::optional<bool> available;              // own availability topic, when Z2M publishes one
  bool self_test = false;                     // last `test` flag seen (smoke detectors)
};

struct NumberRule {
  std::string_view key;
  Metric metric;
};
// Plain numeric fields; Z2M already uses the normalised units.
constexpr std::array<NumberRule, 8> NUMBER_FIELDS = {{
    {"power", Metric::power_w},
    {"energy", Metric::energy_kwh},
    {"current", Metric::current_a},
    {"temperature", Metric::temperature_c},
    {"humidity", Metric::humidity_pct},
    {"smoke_density", Metric::smoke_density},
    {"co", Metric::co_ppm},
    {"linkquality", Metric::link_quality},
}};
// Boolean fields whose true means the alarm/condition is present.
constexpr std::array<NumberRule, 2> FLAG_FIELDS = {{
    {"water_leak", Metric::water_leak},
    {"carbon_monoxide", Metric::co_detected},
}};
// Fields that may carry an endpoint suffix on multi-channel devices (state_l1, power_l2).
constexpr std::array<std::string_view, 5> ENDPOINT_FIELDS = {"state", "power", "energy", "current", "voltage"};

// "l2" / "left": the endpoint names Z2M converters append to per-channel keys.
bool is_endpoint_name(std::string_view ep) {
  if (ep == "left" || ep == "right" || ep == "center") return true;
  return ep.size() >= 2 && ep.front() == 'l' &&
         std::all_of(ep.begin() + 1, ep.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// "online"/"offline" as plain text, a JSON string, or {"state":"online"}.
std::optional<bool> parse_online(std::string_view payload) {
  const auto word = [](std::string_view w) -> std::optional<bool> {
    w = trim(w);
    if (iequals(w, "online")) return true;
    if (iequals(w, "offline")) return false;
    return std::nullopt;
  };
  const auto parsed = parse_json_lenient(payload);
  if (!parsed) return word(payload);
  if (parsed->is_string()) return word(parsed->get_ref<const std::string&>());
  if (parsed->is_object()) {
    const auto it = parsed->find("state");
    if (it != parsed->end() && it->is_string()) return word(it->get_ref<const std::string&>());
  }
  return std::nullopt;
}

bool looks_like_json_container(std::string_view payload) {
  payload = trim(payload);
  return !payload.empty() && (payload.front() == '{' || payload.front() == '[');
}

class Z2mDriver final : public Driver {
 public:
  explicit Z2mDriver(const DriverOptions& options)
      : base_(options.z2m_base_topic), inverted_contact_(options.inverted_contact_devices) {}

  std::string_view name() const override { return "z2m"; }
  std::vector<std::string> subscriptions() const override { return {base_ + "/#"}; }

  // Defensive: nlohmann throws on type confusion; a driver must never throw across decode().
  Decoded decode(const Message& msg) override {
    return decode_guarded([&] { return route(msg); }, reason::WRONG_TYPE);
  }

  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const override {
    if (!device_id.starts_with(DEVICE_PREFIX)) return std::nullopt;
    std::string_view native = device_id.substr(DEVICE_PREFIX.size());
    std::string_view endpoint;
    if (const auto hash = native.find('#'); hash != std::string_view::npos) {
      endpoint = native.substr(hash + 1);
      native = native.substr(0, hash);
    }
    const auto it = devices_.find(native);
    if (it == devices_.end() || !it->second.relays.contains(endpoint)) return std::nullopt;
    const std::string key = endpoint.empty() ? "state" : "state_" + std::string(endpoint);
    return Outbound{base_ + "/" + std::string(native) + "/set", "{\"" + key + "\":\"" + (on ? "ON" : "OFF") + "\"}"};
  }

 private:
  Decoded route(const Message& msg) {
    const std::string_view topic = msg.topic;
    if (topic.size() <= base_.size() || !topic.starts_with(base_) || topic[base_.size()] != '/') {
      return {};  // not_mine
    }
    const std::string_view rest = topic.substr(base_.size() + 1);
    if (rest == "bridge" || rest.starts_with("bridge/")) return decode_bridge(rest, msg);
    if (devices_.contains(rest)) return decode_state_payload(rest, msg);

    const auto levels = split_topic(rest);
    const std::string_view last = levels.back();
    if (levels.size() >= 2 && last == "availability") {
      return decode_availability(rest.substr(0, rest.size() - last.size() - 1), msg);
    }
    if (is_command(levels)) return ignored();
    if (levels.size() >= 2) {
      const std::string_view parent = rest.substr(0, rest.size() - last.size() - 1);
      if (devices_.contains(parent) && !is_nested_device_state(msg.payload)) {
        return decode_attribute(parent, last, msg);
      }
    }
    return decode_unknown_topic(rest, msg);
  }

  // "<name>/set", "<name>/get", "<name>/set/<attr>", "<name>/get/<attr>".
  static bool is_command(const std::vector<std::string_view>& levels) {
    const auto is_verb = [](std::string_view l) { return l == "set" || l == "get"; };
    if (levels.size() >= 2 && is_verb(levels.back())) return true;
    return levels.size() >= 3 && is_verb(levels[levels.size() - 2]);
  }

  // A full device message always carries linkquality; an attribute value (color, update) does not.
  static bool is_nested_device_state(std::string_view payload) {
    const auto parsed = parse_json_lenient(payload);
    return parsed && parsed->is_object() && parsed->contains("linkquality");
  }

  // A topic we have not seen: a JSON object is a (new) device; anything else is an attribute of a
  // device we do not know yet, which we cannot attribute safely.
  Decoded decode_unknown_topic(std::string_view rest, const Message& msg) {
    if (msg.payload.empty()) return ignored();
    const auto parsed = parse_json_lenient(msg.payload);
    if (!parsed) {
      if (looks_like_json_container(msg.payload)) return rejected(reason::MALFORMED_JSON);
      return ignored();
    }
    if (parsed->is_object()) return decode_state(rest, *parsed, msg);
    if (rest.find('/') == std::string_view::npos) return rejected(reason::WRONG_TYPE);
    return ignored();
  }

  Decoded decode_state_payload(std::string_view name_view, const Message& msg) {
    std::string_view why;
    const auto parsed = parse_json_object(msg.payload, why);
    if (!parsed) return rejected(why);
    return decode_state(name_view, *parsed, msg);
  }

  Decoded decode_state(std::string_view name_view, const json& state, const Message& msg) {
    const std::string device_name(name_view);
    Z2mDevice& dev = devices_[device_name];
    Decoded out = with_outcome(Outcome::decoded);
    decode_fields(device_name, dev, state, msg, out);
    return out;
  }

  // `<name>/<attr>` carries the attribute's value as text ("1987", "ON", "true") or JSON.
  Decoded decode_attribute(std::string_view name_view, std::string_view attr, const Message& msg) {
    const std::string device_name(name_view);
    json value;
    if (const auto parsed = parse_json_lenient(msg.payload)) {
      value = *parsed;
    } else {
      value = std::string(msg.payload);
    }
    json state = json::object();
    state[std::string(attr)] = std::move(value);
    Decoded out = with_outcome(Outcome::decoded);
    decode_fields(device_name, devices_[device_name], state, msg, out);
    return out;
  }

  Decoded decode_availability(std::string_view name_view, const Message& msg) {
    if (trim(msg.payload).empty()) {
      // Z2M clears the retained availability of a renamed device's old name.
      if (const auto it = devices_.find(name_view); it != devices_.end()) devices_.erase(it);
      return ignored();
    }
    const auto online = parse_online(msg.payload);
    if (!online) {
      return looks_like_json_container(msg.payload) && !parse_json_lenient(msg.payload)
                 ? rejected(reason::MALFORMED_JSON)
                 : rejected(reason::UNKNOWN_PAYLOAD);
    }
    const std::string device_name(name_view);
    Z2mDevice& dev = devices_[device_name];
    dev.available = *online;
    Decoded out = with_outcome(Outcome::decoded);
    // HA's availability_mode "all": a device is reachable only through a running bridge.
    const bool effective = *online && bridge_online_.value_or(true);
    out.readings.push_back(make_reading(msg, device_id(device_name), Metric::online, effective ? 1.0 : 0.0));
    return out;
  }

  Decoded decode_bridge(std::string_view rest, const Message& msg) {
    if (rest == "bridge/state") return decode_bridge_state(msg);
    if (rest == "bridge/devices") return decode_bridge_devices(msg);
    return ignored();
  }

  Decoded decode_bridge_state(const Message& msg) {
    const auto online = parse_online(msg.payload);
    if (!online) {
      if (trim(msg.payload).empty()) return ignored();
      return looks_like_json_container(msg.payload) && !parse_json_lenient(msg.payload)
                 ? rejected(reason::MALFORMED_JSON)
                 : rejected(reason::UNKNOWN_PAYLOAD);
    }
    bridge_online_ = *online;
    Decoded out = with_outcome(Outcome::decoded);
    for (const auto& [device_name, dev] : devices_) {
      // On bridge return, devices whose own availability still says offline stay offline.
      const bool effective = *online && dev.available.value_or(true);
      out.readings.push_back(make_reading(msg, device_id(device_name), Metric::online, effective ? 1.0 : 0.0));
    }
    return out;
  }

  // bridge/devices (retained) lists every device: authoritative names and power source.
  Decoded decode_bridge_devices(const Message& msg) {
    const auto parsed = parse_json_lenient(msg.payload);
    if (!parsed) return trim(msg.payload).empty() ? ignored() : rejected(reason::MALFORMED_JSON);
    if (!parsed->is_array()) return rejected(reason::WRONG_TYPE);
    Decoded out = with_outcome(Outcome::decoded);
    for (const auto& entry : *parsed) {
      if (!entry.is_object()) continue;
      const std::string device_name = string_of(entry, "friendly_name");
      if (device_name.empty() || string_of(entry, "type") == "Coordinator") continue;
      Z2mDevice& dev = devices_[device_name];
      const std::string power_source = string_of(entry, "power_source");
      dev.battery = dev.battery || power_source == "Battery";
      dev.mains = power_source.starts_with("Mains") || power_source.starts_with("DC");
      DeviceInfo info{device_id(device_name), {}, device_name, string_of(entry, "software_build_id")};
      if (const auto def = entry.find("definition"); def != entry.end() && def->is_object()) {
        info.model = string_of(*def, "model");
      }
      if (info.model.empty()) info.model = string_of(entry, "model_id");
      out.devices.push_back(std::move(info));
    }
    return out;
  }

  // ---- field mapping ----

  void decode_fields(const std::string& device_name, Z2mDevice& dev, const json& state, const Message& msg,
                     Decoded& out) const {
    const std::string id = device_id(device_name);
    if (state.contains("battery") || state.contains("battery_low")) dev.battery = true;
    if (const auto test = state.find("test"); test != state.end()) dev.self_test = to_bool(*test).value_or(false);

    for (const auto& rule : NUMBER_FIELDS) number_field(state, rule.key, rule.metric, id, msg, out);
    for (const auto& rule : FLAG_FIELDS) flag_field(state, rule.key, rule.metric, false, id, msg, out);
    battery_field(state, id, msg, out);
    voltage_field(state, "voltage", dev, id, msg, out);
    relay_field(state, "state", dev, "", id, msg, out);
    illuminance_field(state, id, msg, out);
    flag_field(state, state.contains("occupancy") ? "occupancy" : "presence", Metric::motion, false, id, msg, out);
    flag_field(state, "contact", Metric::contact_open, !is_inverted(device_name), id, msg, out);
    smoke_field(state, dev, id, msg, out);
    endpoint_fields(state, dev, device_name, msg, out);
  }

  void number_field(const json& state, std::string_view key, Metric metric, const std::string& id, const Message& msg,
                    Decoded& out) const {
    const auto it = state.find(key);
    if (it == state.end()) return;
    emit_number(out, msg, id, key, metric, to_number(*it));
  }

  // `invert` turns Z2M's "true = closed" contact into contact_open.
  void flag_field(const json& state, std::string_view key, Metric metric, bool invert, const std::string& id,
                  const Message& msg, Decoded& out) const {
    const auto it = state.find(key);
    if (it == state.end()) return;
    if (it->is_null()) return add_issue(out, id, key, reason::NO_VALUE);
    const auto flag = to_bool(*it);
    if (!flag) return add_issue(out, id, key, reason::WRONG_TYPE);
    out.readings.push_back(make_reading(msg, id, metric, (*flag != invert) ? 1.0 : 0.0));
  }

  void battery_field(const json& state, const std::string& id, const Message& msg, Decoded& out) const {
    number_field(state, "battery", Metric::battery_pct, id, msg, out);
  }

  // `voltage` is volts on mains devices but battery millivolts on battery devices.
  void voltage_field(const json& state, std::string_view key, const Z2mDevice& dev, const std::string& id,
                     const Message& msg, Decoded& out) const {
    const auto it = state.find(key);
    if (it == state.end()) return;
    if (!dev.mains && dev.battery) return;  // battery mV: no metric for it
    const Number n = to_number(*it);
    if (n.status == NumberStatus::ok && !dev.mains && n.value >= 1000.0) return;  // millivolts
    number_field(state, key, Metric::voltage_v, id, msg, out);
  }

  // state ON/OFF is a relay; other state words (covers OPEN/CLOSE, locks) are not.
  void relay_field(const json& state, std::string_view key, Z2mDevice& dev, std::string_view endpoint,
                   const std::string& id, const Message& msg, Decoded& out) const {
    const auto it = state.find(key);
    if (it == state.end()) return;
    if (it->is_null()) return add_issue(out, id, key, reason::NO_VALUE);
    if (!it->is_string() && !it->is_boolean()) return add_issue(out, id, key, reason::WRONG_TYPE);
    const auto on = to_bool(*it);
    if (!on || (it->is_string() && !is_on_off(it->get_ref<const std::string&>()))) return;
    dev.relays.emplace(endpoint);
    out.readings.push_back(make_reading(msg, id, Metric::relay_on, *on ? 1.0 : 0.0));
  }

  static bool is_on_off(std::string_view word) { return iequals(word, "on") || iequals(word, "off"); }

  // Legacy Hue/Aqara: `illuminance` is raw ZCL (10000*log10(lux)+1) when `illuminance_lux` exists.
  void illuminance_field(const json& state, const std::string& id, const Message& msg, Decoded& out) const {
    const std::string_view key = state.contains("illuminance_lux") ? "illuminance_lux" : "illuminance";
    number_field(state, key, Metric::illuminance_lux, id, msg, out);
  }

  // During a self-test the detector reports smoke:true; that must not page a carer.
  void smoke_field(const json& state, const Z2mDevice& dev, const std::string& id, const Message& msg,
                   Decoded& out) const {
    const auto it = state.find("smoke");
    if (it == state.end()) return;
    if (dev.self_test) return add_issue(out, id, "smoke", reason::SELF_TEST);
    flag_field(state, "smoke", Metric::smoke, false, id, msg, out);
  }

  // Multi-channel devices suffix keys with the endpoint: state_l1, power_l2 -> "z2m:<name>#l1".
  void endpoint_fields(const json& state, Z2mDevice& dev, const std::string& device_name, const Message& msg,
                       Decoded& out) const {
    for (const auto& [key, value] : state.items()) {
      const auto underscore = key.rfind('_');
      if (underscore == std::string::npos) continue;
      const std::string_view field = std::string_view(key).substr(0, underscore);
      const std::string_view endpoint = std::string_view(key).substr(underscore + 1);
      if (!is_endpoint_name(endpoint) ||
          std::find(ENDPOINT_FIELDS.begin(), ENDPOINT_FIELDS.end(), field) == ENDPOINT_FIELDS.end()) {
        continue;
      }
      const std::string id = device_id(device_name) + "#" + std::string(endpoint);
      if (field == "state") {
        relay_field(state, key, dev, endpoint, id, msg, out);
      } else if (field == "voltage") {
        voltage_field(state, key, dev, id, msg, out);
      } else {
        const Metric metric = field == "power"    ? Metric::power_w
                              : field == "energy" ? Metric::energy_kwh
                                                  : Metric::current_a;
        number_field(state, key, metric, id, msg, out);
      }
    }
  }

  bool is_inverted(const std::string& device_name) const {
    return inverted_contact_.contains(device_id(device_name)) || inverted_contact_.contains(device_name);
  }

  // ---- small helpers ----

  static std::string device_id(std::string_view device_name) {
    return std::string(DEVICE_PREFIX) + std::string(device_name);
  }

  static Decoded ignored() { return with_outcome(Outcome::ignored); }
  static Decoded rejected(std::string_view why) { return with_outcome(Outcome::rejected, why); }

  std::string base_;
  std::set<std::string> inverted_contact_;
  std::map<std::string, Z2mDevice, std::less<>> devices_;  // keyed by friendly name
  std::optional<bool> bridge_online_;                      // unknown until bridge/state arrives
};

}  // namespace

std::unique_ptr<Driver> make_z2m_driver(const DriverOptions& options) { return std::make_unique<Z2mDriver>(options); }

}  // namespace hearth::drivers
