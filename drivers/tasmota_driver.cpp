#include "drivers/tasmota_driver.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "core/units.h"
#include "drivers/driver_support.h"
#include "drivers/json_util.h"

namespace hearth::drivers {
namespace {

using core::Metric;
using nlohmann::json;

constexpr std::string_view ID_PREFIX = "tasmota:";
constexpr std::string_view DEFAULT_FULL_TOPIC = "%prefix%/%topic%/";
// Untrusted discovery and telemetry must not grow state or output without bound.
constexpr std::size_t MAX_DEVICES = 4096;
constexpr std::size_t MAX_CHANNELS = 64;
constexpr double DS18B20_POWER_ON_C = 85.0;
constexpr double ABSOLUTE_ZERO_C = -273.15;

enum class Prefix : std::uint8_t { cmnd, stat, tele };

bool has_wildcard(std::string_view s) { return s.find_first_of("+#") != std::string_view::npos; }

// "POWER" -> 0 (when bare is allowed), "POWER2" -> 2; nullopt when key is not stem[+number].
std::optional<int> numbered(std::string_view key, std::string_view stem, bool bare_allowed) {
  if (!key.starts_with(stem)) return std::nullopt;
  const std::string_view rest = key.substr(stem.size());
  if (rest.empty()) return bare_allowed ? std::optional<int>(0) : std::nullopt;
  const auto n = parse_index(rest);
  if (!n || *n == 0 || static_cast<std::size_t>(*n) > MAX_CHANNELS) return std::nullopt;
  return n;
}

std::optional<Prefix> prefix_of(std::string_view level, const std::array<std::string, 3>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (level == names[i]) return static_cast<Prefix>(i);
  }
  return std::nullopt;
}

const std::array<std::string, 3>& default_prefixes() {
  static const std::array<std::string, 3> names{"cmnd", "stat", "tele"};
  return names;
}

// Commands whose topic shape is distinctive enough to recognise a custom FullTopic before discovery.
bool is_known_command(std::string_view c) {
  return c == "SENSOR" || c == "STATE" || c == "LWT" || c == "RESULT" || numbered(c, "POWER", true) ||
         numbered(c, "STATUS", true);
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

struct Device {
  std::string cmnd_base;  // e.g. "cmnd/kettle_plug/": POWER commands are appended
  std::string online_text = "Online";
  std::string offline_text = "Offline";
  std::string off_text = "OFF";
  std::string on_text = "ON";
  std::set<int> relays;  // 0 = POWER, n = POWERn
  std::optional<std::string> total_start_time;
  bool reset_pending = false;  // TotalStartTime changed; flag the next energy reading
};

// ON/OFF in the device's StateText first (it replaces the JSON power text), then the usual forms.
std::optional<bool> state_of(const Device& dev, const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (iequals(trim(s), dev.on_text)) return true;
    if (iequals(trim(s), dev.off_text)) return false;
  }
  return to_bool(v);
}

void state_reading(Sink& sink, const Device& dev, const std::string& device, std::string field, const json& v,
                   Metric metric) {
  if (const auto on = state_of(dev, v)) {
    sink.reading(device, metric, *on ? 1.0 : 0.0);
    return;
  }
  sink.issue(device, std::move(field), flag_reason(v));
}

void decode_relays(const json& obj, Device& dev, const std::string& id, Sink& sink) {
  for (const auto& [key, value] : obj.items()) {
    const auto channel = numbered(key, "POWER", true);
    if (!channel) continue;
    dev.relays.insert(*channel);
    state_reading(sink, dev, channel_id(id, *channel), key, value, Metric::relay_on);
  }
}

void decode_state(const json& obj, Device& dev, const std::string& id, Sink& sink) {
  decode_relays(obj, dev, id, sink);
  const auto wifi = obj.find("Wifi");
  if (wifi == obj.end() || !wifi->is_object()) return;
  // Wifi.RSSI is a 0-100 quality percentage; Signal is the dBm value.
  const auto signal = wifi->find("Signal");
  if (signal == wifi->end()) return;
  if (const auto dbm = sink.number(id, "Wifi.Signal", *signal)) {
    if (*dbm < -150.0 || *dbm > 0.0) {
      sink.issue(id, "Wifi.Signal", reason::OUT_OF_RANGE);
    } else {
      sink.reading(id, Metric::rssi_dbm, *dbm);
    }
  }
}

void energy_value(Sink& sink, const std::string& device, const std::string& field, const json& v, Metric metric,
                  Device& dev) {
  const auto x = sink.number(device, field, v);
  if (!x) return;
  if (*x < 0.0) {
    sink.issue(device, field, metric == Metric::power_w ? reason::NEGATIVE_POWER : reason::OUT_OF_RANGE);
    return;
  }
  const bool reset = metric == Metric::energy_kwh && dev.reset_pending;
  sink.reading(device, metric, *x, reset);
}

void decode_energy(const json& energy, Device& dev, const std::string& id, Sink& sink) {
  if (const auto* start = string_field(energy, "TotalStartTime")) {
    // A new start time means Total was restarted (EnergyTotal 0, settings reset, replaced device).
    if (dev.total_start_time && *dev.total_start_time != *start) dev.reset_pending = true;
    dev.total_start_time = *start;
  }
  struct Field {
    const char* key;
    Metric metric;
  };
  static constexpr std::array<Field, 4> FIELDS{{{"Total", Metric::energy_kwh},
                                                {"Power", Metric::power_w},
                                                {"Voltage", Metric::voltage_v},
                                                {"Current", Metric::current_a}}};
  bool emitted_energy = false;
  for (const auto& f : FIELDS) {
    const auto it = energy.find(f.key);
    if (it == energy.end()) continue;
    const std::string field = std::string("ENERGY.") + f.key;
    const std::size_t before = sink.out().readings.size();
    if (it->is_array()) {
      // Per-phase / per-channel values (and Total too with SetOption129): channel n = element n-1.
      if (it->size() > MAX_CHANNELS) sink.issue(id, field, reason::OUT_OF_RANGE);
      const std::size_t n = std::min(it->size(), MAX_CHANNELS);
      for (std::size_t i = 0; i < n; ++i) {
        energy_value(sink, channel_id(id, static_cast<int>(i + 1)), field + "[" + std::to_string(i) + "]", (*it)[i],
                     f.metric, dev);
      }
    } else {
      energy_value(sink, id, field, *it, f.metric, dev);
    }
    if (f.metric == Metric::energy_kwh && sink.out().readings.size() > before) emitted_energy = true;
  }
  if (emitted_energy) dev.reset_pending = false;
}

bool is_internal_sensor(std::string_view key) { return key == "ESP32" || key == "ESP8266"; }

bool is_climate(const json& v) {
  return v.is_object() && (v.contains("Temperature") || v.contains("Humidity") || v.contains("Illuminance"));
}

void decode_climate(const std::string& key, const json& obj, const std::string& device, bool fahrenheit, Sink& sink) {
  if (const auto t = obj.find("Temperature"); t != obj.end()) {
    const std::string field = key + ".Temperature";
    if (const auto raw = sink.number(device, field, *t)) {
      const double c = fahrenheit ? core::units::fahrenheit_to_celsius(*raw) : *raw;
      if (key.starts_with("DS18") && std::abs(c - DS18B20_POWER_ON_C) < 1e-6) {
        sink.issue(device, field, reason::NO_VALUE);  // power-on register value: wiring/power fault
      } else if (c < ABSOLUTE_ZERO_C) {
        sink.issue(device, field, reason::OUT_OF_RANGE);
      } else {
        sink.reading(device, Metric::temperature_c, c);
      }
    }
  }
  if (const auto h = obj.find("Humidity"); h != obj.end()) {
    const std::string field = key + ".Humidity";
    if (const auto v = sink.number(device, field, *h)) {
      if (*v < 0.0 || *v > 100.0) {
        sink.issue(device, field, reason::OUT_OF_RANGE);
      } else {
        sink.reading(device, Metric::humidity_pct, *v);
      }
    }
  }
  if (const auto l = obj.find("Illuminance"); l != obj.end()) {
    const std::string field = key + ".Illuminance";
    if (const auto v = sink.number(device, field, *l)) {
      if (*v < 0.0) {
        sink.issue(device, field, reason::OUT_OF_RANGE);
      } else {
        sink.reading(device, Metric::illuminance_lux, *v);
      }
    }
  }
}

void decode_sensor(const json& obj, Device& dev, const std::string& id, Sink& sink) {
  const auto* unit = string_field(obj, "TempUnit");
  const bool fahrenheit = unit != nullptr && iequals(*unit, "F");  // SetOption8: every temperature is °F
  // Climate sensors without an Id share the base id unless a message carries several of them.
  std::size_t shared = 0;
  for (const auto& [key, value] : obj.items()) {
    if (!is_internal_sensor(key) && is_climate(value) && string_field(value, "Id") == nullptr) ++shared;
  }
  for (const auto& [key, value] : obj.items()) {
    if (key == "ENERGY") {
      if (value.is_object()) {
        decode_energy(value, dev, id, sink);
      } else {
        sink.issue(id, key, reason::WRONG_TYPE);
      }
      continue;
    }
    if (const auto n = numbered(key, "Switch", false)) {
      state_reading(sink, dev, channel_id(id, *n), key, value, Metric::motion);
      continue;
    }
    if (is_internal_sensor(key) || !is_climate(value)) continue;  // chip temperature is not the room's
    std::string device = id;
    if (const auto* sensor_id = string_field(value, "Id")) {
      device = id + "#" + *sensor_id;  // DS18B20-n numbering changes when probes are added
    } else if (shared > 1) {
      device = id + "#" + key;
    }
    decode_climate(key, value, device, fahrenheit, sink);
  }
}

class TasmotaDriver final : public Driver {
 public:
  std::string_view name() const override { return "tasmota"; }

  std::vector<std::string> subscriptions() const override { return {"tele/#", "stat/#", "tasmota/discovery/#"}; }

  Decoded decode(const Message& msg) override {
    return decode_guarded([&] { return decode_topic(msg); }, reason::UNKNOWN_PAYLOAD);
  }

  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const override {
    const auto ref = parse_channel_id(device_id, ID_PREFIX);
    if (!ref) return std::nullopt;
    const auto it = devices_.find(ref->native);
    if (it == devices_.end() || !it->second.relays.contains(ref->index)) return std::nullopt;
    std::string command = it->second.cmnd_base + "POWER";
    if (ref->index != 0) command += std::to_string(ref->index);
    return Outbound{std::move(command), on ? "ON" : "OFF"};
  }

 private:
  // Where a topic belongs: the device %topic%, which prefix, the command, and where its commands go.
  struct Route {
    std::string topic;
    Prefix prefix;
    std::string_view command;
    std::string cmnd_base;
  };
  // A learned "<FullTopic with prefix substituted>" head.
  struct Head {
    std::string topic;
    Prefix prefix;
    std::string cmnd_base;
  };

  Decoded decode_topic(const Message& msg) {
    const auto levels = split_topic(msg.topic);
    if (levels.size() == 4 && levels[0] == "tasmota" && levels[1] == "discovery" && !levels[2].empty()) {
      return decode_discovery(msg, levels[3]);
    }
    const auto route = resolve(msg.topic, levels);
    if (!route) return {};
    // cmnd/...: our own commands echoed, or a retained command left by another tool.
    if (route->prefix == Prefix::cmnd) return with_outcome(Outcome::ignored);
    if (trim(msg.payload).empty()) return with_outcome(Outcome::ignored);  // cleared retained topic
    Device& dev = device_for(*route);
    const std::string id = std::string(ID_PREFIX) + route->topic;
    const std::string_view cmd = route->command;
    // SetOption4 1 sends the JSON command result on stat/<t>/POWER as well as the plain text.
    if (is_json_command(cmd) || (numbered(cmd, "POWER", true) && trim(msg.payload).starts_with('{'))) {
      return decode_json_payload(msg, cmd, dev, id);
    }
    return decode_text_payload(msg, cmd, dev, id);
  }

  static bool is_json_command(std::string_view cmd) {
    return cmd == "STATE" || cmd == "SENSOR" || cmd == "RESULT" || numbered(cmd, "STATUS", true);
  }

  static Decoded decode_json_payload(const Message& msg, std::string_view cmd, Device& dev, const std::string& id) {
    std::string_view why;
    const auto obj = parse_json_object(msg.payload, why);
    if (!obj) return with_outcome(Outcome::rejected, why);
    Sink sink(msg);
    decode_json(cmd, *obj, dev, id, sink);
    return std::move(sink).finish();
  }

  static Decoded decode_text_payload(const Message& msg, std::string_view cmd, Device& dev, const std::string& id) {
    const std::string_view text = trim(msg.payload);
    Sink sink(msg);
    if (cmd == "LWT") {
      decode_lwt(text, dev, id, sink);
    } else if (const auto relay = numbered(cmd, "POWER", true)) {
      dev.relays.insert(*relay);
      state_reading(sink, dev, channel_id(id, *relay), std::string(cmd), json(std::string(text)), Metric::relay_on);
    } else if (const auto pir = numbered(cmd, "PIR", false)) {
      // Rule-published motion, e.g. `publish stat/%topic%/PIR1 ON` (Tasmota PIR docs).
      state_reading(sink, dev, channel_id(id, *pir), std::string(cmd), json(std::string(text)), Metric::motion);
    } else {
      return with_outcome(Outcome::ignored);  // INFO1, UPTIME, MARGINS, ...: ours, not telemetry
    }
    return std::move(sink).finish();
  }

  static void decode_json(std::string_view cmd, const json& obj, Device& dev, const std::string& id, Sink& sink) {
    if (cmd == "STATE") {
      decode_state(obj, dev, id, sink);
    } else if (cmd == "SENSOR") {
      decode_sensor(obj, dev, id, sink);
    } else if (!numbered(cmd, "STATUS", true)) {  // RESULT, or POWER with SetOption4 1
      decode_relays(obj, dev, id, sink);
    } else {  // STATUSn: Status 8/10 wrap a SENSOR payload, Status 11 a STATE payload
      if (const auto sns = obj.find("StatusSNS"); sns != obj.end() && sns->is_object()) {
        decode_sensor(*sns, dev, id, sink);
      }
      if (const auto sts = obj.find("StatusSTS"); sts != obj.end() && sts->is_object()) {
        decode_state(*sts, dev, id, sink);
      }
    }
  }

  static void decode_lwt(std::string_view text, const Device& dev, const std::string& id, Sink& sink) {
    if (text == dev.online_text || iequals(text, "online")) {
      sink.reading(id, Metric::online, 1.0);
    } else if (text == dev.offline_text || iequals(text, "offline")) {
      sink.reading(id, Metric::online, 0.0);
    } else {
      sink.issue(id, "LWT", reason::UNKNOWN_PAYLOAD);
    }
  }

  std::optional<Route> resolve(std::string_view topic, const std::vector<std::string_view>& levels) const {
    const auto slash = topic.rfind('/');
    if (slash == std::string_view::npos || slash + 1 == topic.size()) return std::nullopt;
    const std::string_view head = topic.substr(0, slash + 1);
    const std::string_view command = topic.substr(slash + 1);
    if (const auto it = heads_.find(head); it != heads_.end()) {
      return Route{it->second.topic, it->second.prefix, command, it->second.cmnd_base};
    }
    const std::size_t n = levels.size();
    // Default FullTopic %prefix%/%topic%/: everything between the prefix and the command is the topic.
    if (n >= 3) {
      if (const auto p = prefix_of(levels[0], default_prefixes())) {
        std::string t(head.substr(levels[0].size() + 1, head.size() - levels[0].size() - 2));
        if (t.empty()) return std::nullopt;
        std::string cmnd = "cmnd/" + t + "/";
        return Route{std::move(t), *p, command, std::move(cmnd)};
      }
    }
    // Custom FullTopic `<...>/%topic%/%prefix%/` not yet learned from discovery.
    if (n >= 4 && is_known_command(command) && !levels[n - 3].empty()) {
      if (const auto p = prefix_of(levels[n - 2], default_prefixes())) {
        std::string cmnd(head.substr(0, head.size() - levels[n - 2].size() - 1));
        cmnd += "cmnd/";
        return Route{std::string(levels[n - 3]), *p, command, std::move(cmnd)};
      }
    }
    return std::nullopt;
  }

  Device& device_for(const Route& route) {
    auto it = devices_.find(route.topic);
    if (it == devices_.end()) {
      if (devices_.size() >= MAX_DEVICES) {
        scratch_ = Device{};
        scratch_.cmnd_base = route.cmnd_base;
        return scratch_;
      }
      it = devices_.emplace(route.topic, Device{}).first;
    }
    it->second.cmnd_base = route.cmnd_base;  // the layout the device publishes with now wins
    return it->second;
  }

  Decoded decode_discovery(const Message& msg, std::string_view leaf) {
    // `sensors` is a retained snapshot of unknown age; live SENSOR messages follow within TelePeriod.
    if (leaf != "config" || trim(msg.payload).empty()) return with_outcome(Outcome::ignored);
    std::string_view why;
    const auto cfg = parse_json_object(msg.payload, why);
    if (!cfg) return with_outcome(Outcome::rejected, why);
    const auto* topic = string_field(*cfg, "t");
    if (topic == nullptr || has_wildcard(*topic)) return with_outcome(Outcome::rejected, reason::UNKNOWN_PAYLOAD);

    const auto heads = learned_heads(*cfg, *topic);
    Route route{*topic, Prefix::tele, {}, heads[0]};
    Device& dev = device_for(route);
    if (const auto* s = string_field(*cfg, "onln")) dev.online_text = *s;
    if (const auto* s = string_field(*cfg, "ofln")) dev.offline_text = *s;
    if (const auto st = cfg->find("state"); st != cfg->end() && st->is_array() && st->size() >= 2) {
      if ((*st)[0].is_string() && !(*st)[0].get_ref<const std::string&>().empty())
        dev.off_text = (*st)[0].get<std::string>();
      if ((*st)[1].is_string() && !(*st)[1].get_ref<const std::string&>().empty())
        dev.on_text = (*st)[1].get<std::string>();
    }

    Sink sink(msg);
    Decoded& out = sink.out();
    for (std::size_t k = 0; k < heads.size(); ++k) {
      if (heads_.size() < MAX_DEVICES * heads.size() || heads_.contains(heads[k])) {
        heads_[heads[k]] = Head{*topic, static_cast<Prefix>(k), heads[0]};
      }
      // stat/tele heads outside the default filters need their own subscription.
      if (k != 0 && !heads[k].starts_with("stat/") && !heads[k].starts_with("tele/")) {
        out.subscribe.push_back(heads[k] + "+");
      }
    }
    DeviceInfo info;
    info.device_id = std::string(ID_PREFIX) + *topic;
    if (const auto* s = string_field(*cfg, "md")) info.model = *s;
    if (const auto* s = string_field(*cfg, "dn")) {
      info.name = *s;
    } else if (const auto fn = cfg->find("fn");
               fn != cfg->end() && fn->is_array() && !fn->empty() && (*fn)[0].is_string()) {
      info.name = (*fn)[0].get<std::string>();
    }
    if (const auto* s = string_field(*cfg, "sw")) info.firmware = *s;
    out.devices.push_back(std::move(info));
    return std::move(sink).finish();
  }

  // The cmnd/stat/tele topic heads ("<FullTopic expanded>/") announced in a discovery config.
  static std::array<std::string, 3> learned_heads(const json& cfg, const std::string& topic) {
    std::string full_topic(DEFAULT_FULL_TOPIC);
    if (const auto* ft = string_field(cfg, "ft"); ft != nullptr && !has_wildcard(*ft)) full_topic = *ft;
    std::array<std::string, 3> prefixes = default_prefixes();
    if (const auto tp = cfg.find("tp"); tp != cfg.end() && tp->is_array()) {
      for (std::size_t i = 0; i < prefixes.size() && i < tp->size(); ++i) {
        const auto& p = (*tp)[i];
        if (p.is_string() && !p.get_ref<const std::string&>().empty() &&
            !has_wildcard(p.get_ref<const std::string&>())) {
          prefixes[i] = p.get<std::string>();
        }
      }
    }
    const auto* hostname = string_field(cfg, "hn");
    const auto* mac = string_field(cfg, "mac");
    std::array<std::string, 3> heads;
    for (std::size_t k = 0; k < heads.size(); ++k) {
      std::string h = full_topic;
      replace_all(h, "%prefix%", prefixes[k]);
      replace_all(h, "%topic%", topic);
      replace_all(h, "%hostname%", hostname != nullptr ? *hostname : topic);
      replace_all(h, "%id%", mac != nullptr ? *mac : topic);
      if (h.empty() || h.back() != '/') h.push_back('/');  // Tasmota appends the command after a '/'
      replace_all(h, "//", "/");
      heads[k] = std::move(h);
    }
    return heads;
  }

  std::map<std::string, Device, std::less<>> devices_;  // by %topic%
  std::map<std::string, Head, std::less<>> heads_;      // learned from discovery, by topic head
  Device scratch_;                                      // stands in once the device table is full
};

}  // namespace

std::unique_ptr<Driver> make_tasmota_driver(const DriverOptions& /*options*/) {
  return std::make_unique<TasmotaDriver>();
}

}  // namespace hearth::drivers
