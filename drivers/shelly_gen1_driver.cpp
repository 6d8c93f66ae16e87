#include "drivers/shelly_gen1_driver.h"

#include <algorithm>
#include <initializer_list>
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

constexpr std::string_view ID_PREFIX = "shelly:";
// Untrusted input must not grow state or output without bound.
constexpr std::size_t MAX_DEVICES = 4096;
constexpr std::size_t MAX_CHANNELS = 64;
// Add-on/sensor "no probe or invalid" value (CoIoT range descriptors list 999 as invalid).
constexpr double SENTINEL = 999.0;
constexpr double MIN_TEMPERATURE_C = -100.0;  // below this a Shelly probe value is garbage
constexpr double HUGE_LIMIT = 1e12;           // upper bound where only "not negative" is checked

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Temperature with the 999 sentinel, the unit the device is configured for, and a sanity floor.
void temperature(Sink& sink, const std::string& device, const std::string& field, double raw, bool fahrenheit) {
  if (raw >= SENTINEL) {
    sink.issue(device, field, reason::NO_VALUE);
    return;
  }
  const double c = fahrenheit ? core::units::fahrenheit_to_celsius(raw) : raw;
  sink.bounded(device, field, c, Metric::temperature_c, MIN_TEMPERATURE_C, HUGE_LIMIT);
}

void humidity(Sink& sink, const std::string& device, const std::string& field, double v) {
  if (v >= SENTINEL) {
    sink.issue(device, field, reason::NO_VALUE);
    return;
  }
  sink.bounded(device, field, v, Metric::humidity_pct, 0.0, 100.0);
}

void rssi(Sink& sink, const std::string& device, const std::string& field, double dbm) {
  sink.bounded(device, field, dbm, Metric::rssi_dbm, -150.0, 0.0);
}

// Where a topic points: the MQTT id, the channel group ("relay", "sensor", "" for the device) and leaf.
struct Route {
  std::string id;
  std::string_view group;
  int index = -1;
  std::string_view leaf;

  std::string field() const {
    std::string f(group);
    if (index >= 0) f += "/" + std::to_string(index);
    if (!leaf.empty()) f += (f.empty() ? "" : "/") + std::string(leaf);
    return f;
  }
};

bool is_indexed_group(std::string_view s) {
  return one_of(s, {"relay", "emeter", "meter", "roller", "light", "white", "color", "input", "input_event", "longpush",
                    "ext_temperature", "ext_temperature_f", "ext_humidity", "ext_switch", "adc"});
}

bool is_device_leaf(std::string_view s) {
  return one_of(s, {"online", "announce", "info", "status", "command", "temperature", "temperature_f",
                    "overtemperature", "temperature_status", "overload", "loaderror", "voltage", "settings"});
}

// Matches a known Gen1 tail at the END of shellies/<id>/...; the id is what lies before it.
std::optional<Route> parse_route(const std::vector<std::string_view>& lv) {
  const std::size_t n = lv.size();
  if (n < 3 || lv[0] != "shellies") return std::nullopt;
  const auto make = [&](std::size_t tail, std::string_view group, int index,
                        std::string_view leaf) -> std::optional<Route> {
    std::string id;
    for (std::size_t i = 1; i < n - tail; ++i) {
      if (lv[i].empty()) return std::nullopt;
      if (!id.empty()) id += '/';
      id += lv[i];
    }
    return Route{std::move(id), group, index, leaf};
  };
  if (n >= 5 && is_indexed_group(lv[n - 3])) {
    if (const auto i = parse_index(lv[n - 2])) return make(3, lv[n - 3], *i, lv[n - 1]);
  }
  if (n >= 4 && is_indexed_group(lv[n - 2])) {
    if (const auto i = parse_index(lv[n - 1])) return make(2, lv[n - 2], *i, {});
  }
  if (n >= 4 && lv[n - 2] == "sensor") return make(2, "sensor", -1, lv[n - 1]);
  if (is_device_leaf(lv[n - 1])) return make(1, {}, -1, lv[n - 1]);
  return std::nullopt;
}

class ShellyGen1Driver final : public Driver {
 public:
  explicit ShellyGen1Driver(const DriverOptions& options)
      : fahrenheit_(options.fahrenheit_devices.begin(), options.fahrenheit_devices.end()) {}

  std::string_view name() const override { return "shelly_gen1"; }
  std::vector<std::string> subscriptions() const override { return {"shellies/#"}; }

  Decoded decode(const Message& msg) override {
    return decode_guarded([&] { return decode_topic(msg); }, reason::UNKNOWN_PAYLOAD);
  }

  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const override {
    const auto ref = parse_channel_id(device_id, ID_PREFIX);
    if (!ref) return std::nullopt;
    const auto it = relays_.find(ref->native);
    if (it == relays_.end() || !it->second.contains(ref->index)) return std::nullopt;
    return Outbound{"shellies/" + std::string(ref->native) + "/relay/" + std::to_string(ref->index) + "/command",
                    on ? "on" : "off"};
  }

 private:
  Decoded decode_topic(const Message& msg) {
    const auto levels = split_topic(msg.topic);
    if (levels.size() == 2 && levels[0] == "shellies") {
      if (levels[1] == "command") return with_outcome(Outcome::ignored);  // our broadcast "announce"
      if (levels[1] != "announce") return {};
      if (trim(msg.payload).empty()) return with_outcome(Outcome::ignored);
      return decode_json(msg, Route{}, &ShellyGen1Driver::decode_announce);
    }
    const auto route = parse_route(levels);
    if (!route) return {};  // e.g. a Gen2 device under a shellies/... topic_prefix
    if (trim(msg.payload).empty()) return with_outcome(Outcome::ignored);  // cleared retained topic
    const std::string_view g = route->group;
    if (g.empty() && route->leaf == "announce") return decode_json(msg, *route, &ShellyGen1Driver::decode_announce);
    if (g.empty() && route->leaf == "info") return decode_json(msg, *route, &ShellyGen1Driver::decode_info);
    if (g.empty() && route->leaf == "status") return decode_json(msg, *route, &ShellyGen1Driver::decode_status);

    Sink sink(msg);
    const std::string_view text = trim(msg.payload);
    if (g.empty()) {
      decode_device_leaf(*route, text, sink);
    } else if (g == "relay") {
      decode_relay(*route, text, sink);
    } else if (g == "emeter") {
      decode_emeter(*route, text, sink);
    } else if (g == "sensor") {
      decode_sensor(*route, text, sink);
    } else if ((g == "ext_temperature" || g == "ext_humidity") && route->leaf.empty()) {
      decode_probe(*route, text, sink);
    }
    return std::move(sink).finish();
  }

  using JsonDecoder = void (ShellyGen1Driver::*)(const Route&, const json&, Sink&);

  Decoded decode_json(const Message& msg, const Route& route, JsonDecoder decoder) {
    std::string_view why;
    const auto obj = parse_json_object(msg.payload, why);
    if (!obj) return with_outcome(Outcome::rejected, why);
    Sink sink(msg);
    (this->*decoder)(route, *obj, sink);
    return std::move(sink).finish();
  }

  static std::string device_id(const Route& r) { return std::string(ID_PREFIX) + r.id; }

  bool is_fahrenheit(const Route& r) const { return fahrenheit_.contains(device_id(r)) || fahrenheit_.contains(r.id); }

  void note_relay(const std::string& id, int index) {
    if (index < 0 || static_cast<std::size_t>(index) >= MAX_CHANNELS) return;
    if (relays_.size() >= MAX_DEVICES && !relays_.contains(id)) return;
    relays_[id].insert(index);
  }

  void decode_device_leaf(const Route& r, std::string_view text, Sink& sink) const {
    const std::string id = device_id(r);
    if (r.leaf == "online") {
      sink.flag(id, "online", json(std::string(text)), Metric::online);
    } else if (r.leaf == "overtemperature" && text_to_bool(text).value_or(false)) {
      sink.issue(id, "overtemperature", reason::OUT_OF_RANGE);  // the device switched its relay off
    }
    // temperature / temperature_f are the device's own (internal) temperature: not the room's.
  }

  void decode_relay(const Route& r, std::string_view text, Sink& sink) {
    const std::string id = channel_id(device_id(r), r.index);
    if (r.leaf.empty()) {
      note_relay(r.id, r.index);
      if (text == "overpower") {  // protection tripped: the relay is off, and that is a fault
        sink.reading(id, Metric::relay_on, 0.0);
        sink.issue(id, r.field() + ":overpower", reason::OUT_OF_RANGE);
      } else {
        sink.flag(id, r.field(), json(std::string(text)), Metric::relay_on);
      }
    } else if (r.leaf == "power") {
      if (const auto w = sink.number(id, r.field(), text_to_number(text))) sink.power(id, r.field(), *w);
    } else if (r.leaf == "energy") {
      if (const auto wmin = sink.number(id, r.field(), text_to_number(text))) {
        sink.bounded(id, r.field(), core::units::watt_minutes_to_kwh(*wmin), Metric::energy_kwh, 0.0, HUGE_LIMIT);
      }
    }
  }

  static void decode_emeter(const Route& r, std::string_view text, Sink& sink) {
    const std::string id = channel_id(device_id(r), r.index);
    const std::string field = r.field();
    const auto metric_of = [](std::string_view leaf) -> std::optional<Metric> {
      if (leaf == "power") return Metric::power_w;
      if (leaf == "voltage") return Metric::voltage_v;
      if (leaf == "current") return Metric::current_a;
      if (leaf == "total") return Metric::energy_kwh;
      return std::nullopt;  // energy (Wmin), total_returned, pf, reactive_power: not used
    };
    const auto metric = metric_of(r.leaf);
    if (!metric) return;
    const auto v = sink.number(id, field, text_to_number(text));
    if (!v) return;
    if (*metric == Metric::power_w) {
      sink.reading(id, Metric::power_w, *v);  // signed: an EM clamp reports export as negative power
    } else if (*metric == Metric::energy_kwh) {
      sink.bounded(id, field, core::units::wh_to_kwh(*v), Metric::energy_kwh, 0.0, HUGE_LIMIT);
    } else {
      sink.bounded(id, field, *v, *metric, 0.0, HUGE_LIMIT);
    }
  }

  void decode_sensor(const Route& r, std::string_view text, Sink& sink) const {
    const std::string id = device_id(r);
    const std::string field = r.field();
    const std::string_view leaf = r.leaf;
    if (leaf == "state") {  // Door/Window 2 says "close", not "closed"
      if (text == "open") {
        sink.reading(id, Metric::contact_open, 1.0);
      } else if (text == "close" || text == "closed") {
        sink.reading(id, Metric::contact_open, 0.0);
      } else {
        sink.issue(id, field, reason::UNKNOWN_PAYLOAD);
      }
    } else if (leaf == "flood" || leaf == "smoke" || leaf == "motion") {
      const Metric m = leaf == "flood" ? Metric::water_leak : (leaf == "smoke" ? Metric::smoke : Metric::motion);
      sink.flag(id, field, json(std::string(text)), m);
    } else if (leaf == "temperature" || leaf == "humidity" || leaf == "battery" || leaf == "lux") {
      const auto v = sink.number(id, field, text_to_number(text));
      if (!v) return;
      if (leaf == "temperature") {
        temperature(sink, id, field, *v, is_fahrenheit(r));
      } else if (leaf == "humidity") {
        humidity(sink, id, field, *v);
      } else if (leaf == "battery") {
        sink.bounded(id, field, *v, Metric::battery_pct, 0.0, 100.0);
      } else {
        sink.bounded(id, field, *v, Metric::illuminance_lux, 0.0, HUGE_LIMIT);
      }
    }
    // tilt, vibration, illumination (dark/twilight/bright), error, ext_power: no metric.
  }

  static void decode_probe(const Route& r, std::string_view text, Sink& sink) {
    const std::string id = device_id(r) + "#ext" + std::to_string(r.index);
    const auto v = sink.number(id, r.field(), text_to_number(text));
    if (!v) return;
    if (r.group == "ext_temperature") {
      temperature(sink, id, r.field(), *v, /*fahrenheit=*/false);  // ext_temperature_f carries °F
    } else {
      humidity(sink, id, r.field(), *v);
    }
  }

  void decode_announce(const Route& r, const json& obj, Sink& sink) {
    const auto id = obj.find("id");
    std::string mqtt_id = r.id;
    if (id != obj.end() && id->is_string() && !id->get_ref<const std::string&>().empty())
      mqtt_id = id->get<std::string>();
    if (mqtt_id.empty()) return;
    DeviceInfo info;
    info.device_id = std::string(ID_PREFIX) + mqtt_id;
    if (const auto m = obj.find("model"); m != obj.end() && m->is_string()) info.model = m->get<std::string>();
    if (const auto fw = obj.find("fw_ver"); fw != obj.end() && fw->is_string()) info.firmware = fw->get<std::string>();
    sink.out().devices.push_back(std::move(info));
  }

  // Shelly Motion: one JSON object (motion, vibration, lux, bat, ...); unknown keys are ignored.
  void decode_status(const Route& r, const json& obj, Sink& sink) {
    const std::string id = device_id(r);
    if (const auto m = obj.find("motion"); m != obj.end()) sink.flag(id, "status.motion", *m, Metric::motion);
    if (const auto l = obj.find("lux"); l != obj.end()) {
      if (const auto v = sink.number(id, "status.lux", *l)) {
        sink.bounded(id, "status.lux", *v, Metric::illuminance_lux, 0.0, HUGE_LIMIT);
      }
    }
    if (const auto b = obj.find("bat"); b != obj.end()) {
      if (const auto v = sink.number(id, "status.bat", *b))
        sink.bounded(id, "status.bat", *v, Metric::battery_pct, 0.0, 100.0);
    }
  }

  void decode_info(const Route& r, const json& obj, Sink& sink) {
    const std::string id = device_id(r);
    info_relays(r, obj, sink);
    info_meters(id, obj, sink);
    info_emeters(id, obj, sink);
    if (const auto w = obj.find("wifi_sta"); w != obj.end() && w->is_object()) {
      if (const auto v = w->find("rssi"); v != w->end()) {
        if (const auto dbm = sink.number(id, "info.wifi_sta.rssi", *v)) rssi(sink, id, "info.wifi_sta.rssi", *dbm);
      }
    }
    info_climate(r, obj, sink);
  }

  void info_relays(const Route& r, const json& obj, Sink& sink) {
    const auto relays = obj.find("relays");
    if (relays == obj.end() || !relays->is_array()) return;
    const std::size_t n = std::min(relays->size(), MAX_CHANNELS);
    for (std::size_t i = 0; i < n; ++i) {
      const json& relay = (*relays)[i];
      if (!relay.is_object() || !relay.contains("ison")) continue;
      const std::string id = channel_id(device_id(r), static_cast<int>(i));
      const std::string field = "info.relays[" + std::to_string(i) + "]";
      note_relay(r.id, static_cast<int>(i));
      sink.flag(id, field + ".ison", relay.at("ison"), Metric::relay_on);
      if (const auto op = relay.find("overpower"); op != relay.end() && to_bool(*op).value_or(false)) {
        sink.issue(id, field + ".overpower", reason::OUT_OF_RANGE);
      }
    }
  }

  static bool invalid(const json& obj) {
    const auto v = obj.find("is_valid");
    return v != obj.end() && v->is_boolean() && !v->get<bool>();
  }

  // Calls meter(id, "info.<key>[i].", element) for each valid object of the array obj[key] (channel i).
  template <typename F>
  static void each_meter(const std::string& base, const json& obj, const char* key, F&& meter) {
    const auto meters = obj.find(key);
    if (meters == obj.end() || !meters->is_array()) return;
    const std::size_t n = std::min(meters->size(), MAX_CHANNELS);
    for (std::size_t i = 0; i < n; ++i) {
      const json& m = (*meters)[i];
      if (!m.is_object() || invalid(m)) continue;
      meter(channel_id(base, static_cast<int>(i)), "info." + std::string(key) + "[" + std::to_string(i) + "].", m);
    }
  }

  // meters[]: power W and total in watt-minutes (the same counter as relay/<i>/energy).
  static void info_meters(const std::string& base, const json& obj, Sink& sink) {
    each_meter(base, obj, "meters", [&](const std::string& id, const std::string& field, const json& m) {
      if (const auto p = m.find("power"); p != m.end()) {
        if (const auto w = sink.number(id, field + "power", *p)) sink.power(id, field + "power", *w);
      }
      if (const auto t = m.find("total"); t != m.end()) {
        if (const auto wmin = sink.number(id, field + "total", *t)) {
          sink.bounded(id, field + "total", core::units::watt_minutes_to_kwh(*wmin), Metric::energy_kwh, 0.0,
                       HUGE_LIMIT);
        }
      }
    });
  }

  // emeters[] (EM/3EM): signed power, voltage, current, total in Wh.
  static void info_emeters(const std::string& base, const json& obj, Sink& sink) {
    each_meter(base, obj, "emeters", [&](const std::string& id, const std::string& field, const json& m) {
      if (const auto p = m.find("power"); p != m.end()) {
        if (const auto w = sink.number(id, field + "power", *p)) sink.reading(id, Metric::power_w, *w);
      }
      if (const auto v = m.find("voltage"); v != m.end()) {
        if (const auto x = sink.number(id, field + "voltage", *v))
          sink.bounded(id, field + "voltage", *x, Metric::voltage_v, 0.0, HUGE_LIMIT);
      }
      if (const auto c = m.find("current"); c != m.end()) {
        if (const auto x = sink.number(id, field + "current", *c))
          sink.bounded(id, field + "current", *x, Metric::current_a, 0.0, HUGE_LIMIT);
      }
      if (const auto t = m.find("total"); t != m.end()) {
        if (const auto wh = sink.number(id, field + "total", *t)) {
          sink.bounded(id, field + "total", core::units::wh_to_kwh(*wh), Metric::energy_kwh, 0.0, HUGE_LIMIT);
        }
      }
    });
  }

  // H&T info: tmp {value, units, tC, tF, is_valid}, hum {value}, bat {value}.
  void info_climate(const Route& r, const json& obj, Sink& sink) const {
    const std::string id = device_id(r);
    if (const auto tmp = obj.find("tmp"); tmp != obj.end() && tmp->is_object() && !invalid(*tmp)) {
      if (const auto tc = tmp->find("tC"); tc != tmp->end()) {
        if (const auto v = sink.number(id, "info.tmp.tC", *tc)) temperature(sink, id, "info.tmp.tC", *v, false);
      } else if (const auto value = tmp->find("value"); value != tmp->end()) {
        const auto units = tmp->find("units");
        const bool f = units != tmp->end() && units->is_string() && units->get_ref<const std::string&>() == "F";
        if (const auto v = sink.number(id, "info.tmp.value", *value)) temperature(sink, id, "info.tmp.value", *v, f);
      }
    }
    if (const auto hum = obj.find("hum"); hum != obj.end() && hum->is_object() && !invalid(*hum)) {
      if (const auto value = hum->find("value"); value != hum->end()) {
        if (const auto v = sink.number(id, "info.hum.value", *value)) humidity(sink, id, "info.hum.value", *v);
      }
    }
    if (const auto bat = obj.find("bat"); bat != obj.end() && bat->is_object()) {
      if (const auto value = bat->find("value"); value != bat->end()) {
        if (const auto v = sink.number(id, "info.bat.value", *value)) {
          sink.bounded(id, "info.bat.value", *v, Metric::battery_pct, 0.0, 100.0);
        }
      }
    }
  }

  std::set<std::string, std::less<>> fahrenheit_;
  std::map<std::string, std::set<int>, std::less<>> relays_;  // MQTT id -> relay indexes seen
};

}  // namespace

std::unique_ptr<Driver> make_shelly_gen1_driver(const DriverOptions& options) {
  return std::make_unique<ShellyGen1Driver>(options);
}

}  // namespace hearth::drivers
