#include "drivers/ha_discovery_driver.h"

#include <algorithm>
#include <cctype>
#include <charconv>
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

// ---- abbreviations (HA's homeassistant/components/mqtt/abbreviations.py, the parts we read) ----

using Table = std::map<std::string_view, std::string_view>;

const Table& entity_abbreviations() {
  static const Table table = {
      {"avty", "availability"},
      {"avty_mode", "availability_mode"},
      {"avty_t", "availability_topic"},
      {"avty_tpl", "availability_template"},
      {"cmd_t", "command_topic"},
      {"cmd_tpl", "command_template"},
      {"cmps", "components"},
      {"dev", "device"},
      {"dev_cla", "device_class"},
      {"en", "enabled_by_default"},
      {"ent_cat", "entity_category"},
      {"exp_aft", "expire_after"},
      {"frc_upd", "force_update"},
      {"ic", "icon"},
      {"json_attr_t", "json_attributes_topic"},
      {"json_attr_tpl", "json_attributes_template"},
      {"o", "origin"},
      {"obj_id", "object_id"},
      {"opt", "optimistic"},
      {"p", "platform"},
      {"pl_avail", "payload_available"},
      {"pl_not_avail", "payload_not_available"},
      {"pl_off", "payload_off"},
      {"pl_on", "payload_on"},
      {"qos", "qos"},
      {"ret", "retain"},
      {"stat_cla", "state_class"},
      {"stat_off", "state_off"},
      {"stat_on", "state_on"},
      {"stat_t", "state_topic"},
      {"stat_tpl", "state_template"},
      {"stat_val_tpl", "state_value_template"},
      {"sug_dsp_prc", "suggested_display_precision"},
      {"t", "topic"},
      {"uniq_id", "unique_id"},
      {"unit_of_meas", "unit_of_measurement"},
      {"val_tpl", "value_template"},
  };
  return table;
}

const Table& device_abbreviations() {
  static const Table table = {
      {"cns", "connections"},  {"ids", "identifiers"},       {"mf", "manufacturer"}, {"mdl", "model"},
      {"mdl_id", "model_id"},  {"hw", "hw_version"},         {"sw", "sw_version"},   {"sa", "suggested_area"},
      {"sn", "serial_number"}, {"via_device", "via_device"},
  };
  return table;
}

const Table& origin_abbreviations() {
  static const Table table = {{"sw", "sw_version"}, {"url", "support_url"}};
  return table;
}

std::string expand_key(std::string_view key, const Table& table) {
  if (const auto it = table.find(key); it != table.end()) return std::string(it->second);
  // HA's table is regular: every "*_t" is a topic and every "*_tpl" a template.
  if (&table == &entity_abbreviations()) {
    if (key.ends_with("_t")) return std::string(key.substr(0, key.size() - 2)) + "_topic";
    if (key.ends_with("_tpl")) return std::string(key.substr(0, key.size() - 4)) + "_template";
  }
  return std::string(key);
}

// Expands one config object (and its nested device/origin/availability/components).
json expand(const json& in, const Table& table, bool& abbreviated) {
  json out = json::object();
  for (const auto& [key, value] : in.items()) {
    std::string full = expand_key(key, table);
    if (full != key) abbreviated = true;
    out[std::move(full)] = value;
  }
  if (&table != &entity_abbreviations()) return out;
  if (auto it = out.find("device"); it != out.end() && it->is_object())
    *it = expand(*it, device_abbreviations(), abbreviated);
  if (auto it = out.find("origin"); it != out.end() && it->is_object())
    *it = expand(*it, origin_abbreviations(), abbreviated);
  if (auto it = out.find("availability"); it != out.end() && it->is_array()) {
    for (auto& entry : *it) {
      if (entry.is_object()) entry = expand(entry, table, abbreviated);
    }
  }
  if (auto it = out.find("components"); it != out.end() && it->is_object()) {
    for (auto& [id, component] : it->items()) {
      if (component.is_object()) component = expand(component, table, abbreviated);
    }
  }
  return out;
}

// "~" at the start or end of a *_topic value stands for the config's base topic.
void substitute_base(json& cfg) {
  const auto base_it = cfg.find("~");
  if (base_it == cfg.end() || !base_it->is_string()) return;
  const std::string base = base_it->get<std::string>();
  const auto apply = [&base](json& value) {
    if (!value.is_string()) return;
    std::string s = value.get<std::string>();
    if (s.empty()) return;
    if (s.front() == '~') s = base + s.substr(1);
    if (!s.empty() && s.back() == '~') s = s.substr(0, s.size() - 1) + base;
    value = s;
  };
  for (auto& [key, value] : cfg.items()) {
    if (std::string_view(key).ends_with("topic")) apply(value);
  }
  if (auto it = cfg.find("availability"); it != cfg.end() && it->is_array()) {
    for (auto& entry : *it) {
      if (entry.is_object() && entry.contains("topic")) apply(entry["topic"]);
    }
  }
}

// ---- small text helpers ----

// How HA (Python/Jinja) would print a value, normalised for comparison: true == "True" == "true".
std::string canonical(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) return lower(trim(v.get_ref<const std::string&>()));
  if (v.is_null()) return {};
  return v.dump();
}

bool is_no_value(const json& v) {
  return v.is_null() || (v.is_string() && is_no_value_word(v.get_ref<const std::string&>()));
}

// ---- templates: the safe subset ----

struct ValueTemplate {
  enum class Kind : std::uint8_t { payload, json_path, unsupported };
  Kind kind = Kind::payload;
  std::vector<std::string> path;  // object keys; all-digit steps also index arrays
};

ValueTemplate unsupported_template() { return {ValueTemplate::Kind::unsupported, {}}; }

// Parses "['key']", "[\"key\"]" or "[0]" at the front of `rest`.
std::optional<std::string> take_subscript(std::string_view& rest) {
  rest.remove_prefix(1);  // '['
  rest = trim(rest);
  std::string key;
  if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
    const char quote = rest.front();
    const auto close = rest.find(quote, 1);
    if (close == std::string_view::npos) return std::nullopt;
    key = std::string(rest.substr(1, close - 1));
    if (key.find('\\') != std::string::npos) return std::nullopt;  // no escape handling: unsupported
    rest.remove_prefix(close + 1);
  } else {
    std::size_t n = 0;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (n == 0) return std::nullopt;
    key = std::string(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  rest = trim(rest);
  if (rest.empty() || rest.front() != ']') return std::nullopt;
  rest.remove_prefix(1);
  return key;
}

ValueTemplate parse_template(std::string_view text) {
  text = trim(text);
  if (text.empty()) return {};
  if (!text.starts_with("{{") || !text.ends_with("}}") || text.size() < 4) return unsupported_template();
  const std::string_view inner = trim(text.substr(2, text.size() - 4));
  if (inner.find("{{") != std::string_view::npos || inner.find("}}") != std::string_view::npos ||
      inner.find("{%") != std::string_view::npos) {
    return unsupported_template();
  }
  if (inner == "value") return {};
  if (!inner.starts_with("value_json")) return unsupported_template();
  std::string_view rest = inner.substr(std::string_view("value_json").size());
  ValueTemplate t{ValueTemplate::Kind::json_path, {}};
  while (!rest.empty()) {
    if (rest.front() == '.') {
      rest.remove_prefix(1);
      std::size_t n = 0;
      while (n < rest.size() && is_ident_char(rest[n])) ++n;
      if (n == 0 || std::isdigit(static_cast<unsigned char>(rest.front()))) return unsupported_template();
      t.path.emplace_back(rest.substr(0, n));
      rest.remove_prefix(n);
    } else if (rest.front() == '[') {
      auto key = take_subscript(rest);
      if (!key) return unsupported_template();
      t.path.push_back(std::move(*key));
    } else {
      return unsupported_template();  // filters, operators, method calls
    }
  }
  return t;
}

struct Rendered {
  enum class Status : std::uint8_t { value, absent, malformed };
  Status status = Status::absent;
  json value;
};

Rendered render(const ValueTemplate& t, std::string_view payload, const std::optional<json>& parsed) {
  if (t.kind == ValueTemplate::Kind::payload) return {Rendered::Status::value, json(std::string(payload))};
  if (!parsed) return {Rendered::Status::malformed, {}};
  const json* cur = &*parsed;
  for (const auto& step : t.path) {
    if (cur->is_object()) {
      const auto it = cur->find(step);
      if (it == cur->end()) return {};
      cur = &*it;
    } else if (cur->is_array()) {
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(step.data(), step.data() + step.size(), index);
      if (ec != std::errc{} || end != step.data() + step.size() || index >= cur->size()) return {};
      cur = &(*cur)[index];
    } else {
      return {};
    }
  }
  return {Rendered::Status::value, *cur};
}

// ---- metric mapping ----

enum class Conversion : std::uint8_t { none, times_1000, div_1000, fahrenheit, kelvin };

double convert(Conversion c, double v) {
  switch (c) {
    case Conversion::times_1000:
      return v * 1000.0;
    case Conversion::div_1000:
      return v / 1000.0;
    case Conversion::fahrenheit:
      return core::units::fahrenheit_to_celsius(v);
    case Conversion::kelvin:
      return v - 273.15;
    default:
      return v;
  }
}

struct Mapping {
  std::optional<Metric> metric;
  Conversion conversion = Conversion::none;
  bool bad_unit = false;  // a class we map, in a unit we cannot convert
};

Mapping unit_mapping(Metric metric, std::string_view unit,
                     std::initializer_list<std::pair<std::string_view, Conversion>> units) {
  for (const auto& [u, c] : units) {
    if (unit == u) return {metric, c, false};
  }
  return {std::nullopt, Conversion::none, true};
}

std::string_view class_from_unit(std::string_view unit) {
  if (unit == "W" || unit == "kW") return "power";
  if (unit == "Wh" || unit == "kWh" || unit == "MWh") return "energy";
  if (unit == "°C" || unit == "°F" || unit == "℃" || unit == "℉") return "temperature";
  if (unit == "lx") return "illuminance";
  return {};
}

Mapping map_sensor(std::string_view device_class, std::string_view unit, std::string_view object_id) {
  using C = Conversion;
  if (device_class.empty()) device_class = class_from_unit(unit);
  if (device_class == "power") return unit_mapping(Metric::power_w, unit, {{"W", C::none}, {"kW", C::times_1000}});
  if (device_class == "energy") {
    return unit_mapping(Metric::energy_kwh, unit, {{"kWh", C::none}, {"Wh", C::div_1000}, {"MWh", C::times_1000}});
  }
  if (device_class == "voltage") {
    // A battery's voltage is not the mains voltage.
    if (lower(object_id).find("batt") != std::string::npos) return {};
    return unit_mapping(Metric::voltage_v, unit, {{"V", C::none}, {"mV", C::div_1000}});
  }
  if (device_class == "current") return unit_mapping(Metric::current_a, unit, {{"A", C::none}, {"mA", C::div_1000}});
  if (device_class == "temperature") {
    return unit_mapping(Metric::temperature_c, unit,
                        {{"°C", C::none},
                         {"℃", C::none},
                         {"C", C::none},
                         {"°F", C::fahrenheit},
                         {"℉", C::fahrenheit},
                         {"F", C::fahrenheit},
                         {"K", C::kelvin}});
  }
  if (device_class == "humidity") return unit_mapping(Metric::humidity_pct, unit, {{"%", C::none}});
  if (device_class == "illuminance") return unit_mapping(Metric::illuminance_lux, unit, {{"lx", C::none}});
  if (device_class == "battery") return unit_mapping(Metric::battery_pct, unit, {{"%", C::none}});
  if (device_class == "carbon_monoxide") return unit_mapping(Metric::co_ppm, unit, {{"ppm", C::none}});
  // LQI and percentages are not dBm; they simply have no metric.
  if (device_class == "signal_strength" && unit == "dBm") return {Metric::rssi_dbm, C::none, false};
  return {};
}

Mapping map_binary(std::string_view device_class) {
  if (device_class == "motion" || device_class == "occupancy" || device_class == "presence") return {Metric::motion};
  if (device_class == "door" || device_class == "window" || device_class == "opening" ||
      device_class == "garage_door") {
    return {Metric::contact_open};
  }
  if (device_class == "smoke") return {Metric::smoke};
  if (device_class == "carbon_monoxide") return {Metric::co_detected};
  if (device_class == "moisture") return {Metric::water_leak};
  return {};
}

Mapping map_component(std::string_view platform, const json& cfg, std::string_view object_id) {
  const std::string device_class = string_of(cfg, "device_class");
  if (platform == "sensor") return map_sensor(device_class, string_of(cfg, "unit_of_measurement"), object_id);
  if (platform == "binary_sensor") return map_binary(device_class);
  if (platform == "switch") return {Metric::relay_on};
  return {};
}

bool is_topic_name(std::string_view topic) {
  return !topic.empty() && topic.find_first_of("+#") == std::string_view::npos;
}

// ---- learned state ----

enum class Origin : std::uint8_t { native, esphome, z2m };

struct AvailabilitySource {
  std::string topic;
  json available = "online";
  json not_available = "offline";
  ValueTemplate tpl;
  std::optional<bool> state;  // last payload seen on this topic
};

struct Entity {
  std::string config_topic;  // removal key (with component_id for device-based configs)
  std::string component_id;
  std::string platform;
  std::string object_id;  // used in '#' ids and issue field names
  std::string device_id;
  Origin origin = Origin::native;
  bool claimed = false;   // its topics are decoded here
  bool supported = true;  // false: unsupported template or unit
  std::optional<Metric> metric;
  Conversion conversion = Conversion::none;
  ValueTemplate value;
  std::string state_topic;
  json state_on = "ON";
  json state_off = "OFF";
  std::vector<AvailabilitySource> availability;
  std::string availability_mode = "latest";
  std::string command_topic;
  std::string command_on = "ON";
  std::string command_off = "OFF";
};

std::string payload_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// "<prefix>/<component>/<object_id>/state" -> prefix, object_id (ESPHome's own topic layout).
std::optional<std::pair<std::string, std::string>> esphome_state_topic(std::string_view topic,
                                                                       std::string_view platform) {
  const auto levels = split_topic(topic);
  const std::size_t n = levels.size();
  if (n < 4 || levels[n - 1] != "state" || levels[n - 3] != platform || levels[n - 2].empty()) return std::nullopt;
  const auto prefix_len = static_cast<std::size_t>(levels[n - 3].data() - topic.data()) - 1;
  if (prefix_len == 0) return std::nullopt;
  return std::pair{std::string(topic.substr(0, prefix_len)), std::string(levels[n - 2])};
}

std::string first_identifier(const json& device) {
  if (!device.is_object()) return {};
  const auto it = device.find("identifiers");
  if (it == device.end()) return {};
  const json& first = it->is_array() ? (it->empty() ? json() : it->front()) : *it;
  if (first.is_string()) return first.get<std::string>();
  if (first.is_number()) return first.dump();
  return {};
}

// What a config says about where an entity comes from.
struct Provenance {
  Origin origin = Origin::native;
  std::string base_id;  // device id before any '#' suffix
  std::string object_id;
};

class HaDiscoveryDriverImpl final : public HaDiscoveryDriver {
 public:
  explicit HaDiscoveryDriverImpl(const DriverOptions& options)
      : prefix_(options.ha_discovery_prefix), z2m_base_(options.z2m_base_topic) {}

  std::string_view name() const override { return "ha_discovery"; }
  std::vector<std::string> subscriptions() const override { return {prefix_ + "/#"}; }

  // Defensive: a config of an unexpected shape must not escape as an exception.
  Decoded decode(const Message& msg) override {
    return decode_guarded([&] { return route(msg); }, reason::WRONG_TYPE);
  }

  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const override {
    for (const auto& e : entities_) {
      if (e.platform == "switch" && e.device_id == device_id && e.origin != Origin::z2m && !e.command_topic.empty()) {
        return Outbound{e.command_topic, on ? e.command_on : e.command_off};
      }
    }
    return std::nullopt;
  }

  HaDiscoveryStats stats() const override {
    HaDiscoveryStats s;
    s.entities = entities_.size();
    s.unsupported = static_cast<std::size_t>(
        std::count_if(entities_.begin(), entities_.end(), [](const Entity& e) { return !e.supported; }));
    std::set<std::string_view> topics;
    for (const auto& [topic, ids] : by_state_topic_) topics.insert(topic);
    for (const auto& [topic, ids] : by_availability_topic_) topics.insert(topic);
    s.claimed_topics = topics.size();
    return s;
  }

 private:
  Decoded route(const Message& msg) {
    const auto state = by_state_topic_.find(msg.topic);
    const auto avail = by_availability_topic_.find(msg.topic);
    if (state != by_state_topic_.end() || avail != by_availability_topic_.end()) {
      return decode_learned(msg, state != by_state_topic_.end() ? &state->second : nullptr,
                            avail != by_availability_topic_.end() ? &avail->second : nullptr);
    }
    const std::string_view topic = msg.topic;
    if (topic.size() > prefix_.size() && topic.starts_with(prefix_) && topic[prefix_.size()] == '/') {
      return decode_discovery(topic.substr(prefix_.size() + 1), msg);
    }
    return {};  // not_mine
  }

  // ---- discovery configs ----

  Decoded decode_discovery(std::string_view rest, const Message& msg) {
    const auto levels = split_topic(rest);
    if (levels.size() < 3 || levels.size() > 4 || levels.back() != "config") return with_outcome(Outcome::ignored);
    const std::string_view platform = levels.front();
    const std::string_view object_id = levels[levels.size() - 2];
    const std::string_view node_id = levels.size() == 4 ? levels[1] : std::string_view{};
    const std::string config_topic(msg.topic);

    if (trim(msg.payload).empty()) {  // an empty retained config removes the entity/device
      remove_config(config_topic);
      return with_outcome(Outcome::decoded);
    }
    std::string_view why;
    const auto parsed = parse_json_object(msg.payload, why);
    if (!parsed) return with_outcome(Outcome::rejected, why);

    bool abbreviated = false;
    const json cfg = expand(*parsed, entity_abbreviations(), abbreviated);
    remove_config(config_topic);  // a re-published config replaces the old one
    Decoded out = with_outcome(Outcome::decoded);
    if (platform == "device") {
      learn_device_config(cfg, config_topic, abbreviated, out);
    } else {
      json entity_cfg = cfg;
      substitute_base(entity_cfg);
      learn_entity(entity_cfg, std::string(platform), config_topic, {}, fallback_id(node_id, object_id),
                   std::string(object_id), abbreviated, out);
    }
    rebuild_indexes();
    collect_subscriptions(out);
    return out;
  }

  static std::string fallback_id(std::string_view node_id, std::string_view object_id) {
    return node_id.empty() ? std::string(object_id) : std::string(node_id) + "/" + std::string(object_id);
  }

  // Device-based discovery: root options are shared by every component under `components`.
  void learn_device_config(const json& cfg, const std::string& config_topic, bool abbreviated, Decoded& out) {
    const auto comps = cfg.find("components");
    if (comps == cfg.end() || !comps->is_object()) {
      out = with_outcome(Outcome::rejected, reason::WRONG_TYPE);
      return;
    }
    for (const auto& [component_id, component] : comps->items()) {
      if (!component.is_object()) continue;
      const std::string platform = string_of(component, "platform");
      if (platform.empty() || component.size() == 1) continue;  // only `p`: the component was removed
      json merged = component;
      for (const auto& [key, value] : cfg.items()) {
        if (key != "components" && !merged.contains(key)) merged[key] = value;
      }
      substitute_base(merged);
      learn_entity(merged, platform, config_topic, component_id, component_id, component_id, abbreviated, out);
    }
  }

  void learn_entity(const json& cfg, const std::string& platform, const std::string& config_topic,
                    const std::string& component_id, const std::string& fallback, const std::string& object_id,
                    bool abbreviated, Decoded& out) {
    Entity e;
    e.config_topic = config_topic;
    e.component_id = component_id;
    e.platform = platform;
    e.state_topic = string_of(cfg, "state_topic");
    const Provenance from = provenance(cfg, platform, e.state_topic, abbreviated, fallback, object_id);
    e.origin = from.origin;
    e.object_id = from.object_id;

    const Mapping mapping = map_component(platform, cfg, e.object_id);
    e.metric = mapping.metric;
    e.conversion = mapping.conversion;
    e.value = parse_template(string_of(cfg, "value_template"));
    e.device_id = e.metric ? assign_id(from.base_id, *e.metric, e.object_id) : from.base_id;
    learn_payloads(cfg, e);
    learn_availability(cfg, e);

    if (e.value.kind == ValueTemplate::Kind::unsupported) {
      e.supported = false;
      add_issue(out, e.device_id, "value_template", reason::UNKNOWN_PAYLOAD);
    } else if (mapping.bad_unit) {
      e.supported = false;
      add_issue(out, e.device_id, "unit_of_measurement", reason::UNKNOWN_PAYLOAD);
    }
    // Z2M topics belong to the native Z2M driver; unsupported templates are left to other drivers.
    e.claimed = e.origin != Origin::z2m && e.value.kind != ValueTemplate::Kind::unsupported;
    add_device_info(cfg, from.base_id, out);
    entities_.push_back(std::move(e));
  }

  Provenance provenance(const json& cfg, std::string_view platform, const std::string& state_topic, bool abbreviated,
                        const std::string& fallback, const std::string& object_id) const {
    const std::string origin_name = lower(string_of(cfg.value("origin", json::object()), "name"));
    const json device = cfg.value("device", json::object());
    if (origin_name == "zigbee2mqtt" || under_z2m(state_topic)) {
      std::string friendly =
          under_z2m(state_topic) ? state_topic.substr(z2m_base_.size() + 1) : string_of(device, "name");
      if (friendly.empty()) friendly = fallback;
      return {Origin::z2m, "z2m:" + friendly, object_id};
    }
    if (abbreviated || origin_name == "esphome") {
      if (const auto esp = esphome_state_topic(state_topic, platform)) {
        return {Origin::esphome, "esphome:" + esp->first, esp->second};
      }
    }
    std::string native = first_identifier(device);
    if (native.empty()) native = string_of(cfg, "unique_id");
    if (native.empty()) native = fallback;
    return {Origin::native, "ha:" + native, object_id};
  }

  bool under_z2m(std::string_view topic) const {
    return topic.size() > z2m_base_.size() && topic.starts_with(z2m_base_) && topic[z2m_base_.size()] == '/';
  }

  // The first entity of a device per metric keeps the plain id; later ones get "#<object_id>".
  std::string assign_id(const std::string& base_id, Metric metric, const std::string& object_id) {
    const auto [it, inserted] = metric_owner_.try_emplace({base_id, metric}, object_id);
    return it->second == object_id ? base_id : base_id + "#" + object_id;
  }

  static void learn_payloads(const json& cfg, Entity& e) {
    if (const auto on = cfg.find("payload_on"); on != cfg.end() && !on->is_null()) e.state_on = *on;
    if (const auto off = cfg.find("payload_off"); off != cfg.end() && !off->is_null()) e.state_off = *off;
    e.command_on = payload_text(e.state_on);
    e.command_off = payload_text(e.state_off);
    // A switch may report its state with different words than it is commanded with.
    if (const auto on = cfg.find("state_on"); on != cfg.end() && !on->is_null()) e.state_on = *on;
    if (const auto off = cfg.find("state_off"); off != cfg.end() && !off->is_null()) e.state_off = *off;
    // A command_template would rewrite the payload; we do not render those, so do not command.
    if (!cfg.contains("command_template")) e.command_topic = string_of(cfg, "command_topic");
  }

  static void learn_availability(const json& cfg, Entity& e) {
    if (const auto list = cfg.find("availability"); list != cfg.end() && list->is_array()) {
      for (const auto& entry : *list) {
        if (!entry.is_object()) continue;
        add_availability(e, string_of(entry, "topic"), entry, string_of(entry, "value_template"));
      }
    } else {
      add_availability(e, string_of(cfg, "availability_topic"), cfg, string_of(cfg, "availability_template"));
    }
    const std::string mode = string_of(cfg, "availability_mode");
    if (!mode.empty()) e.availability_mode = mode;
  }

  static void add_availability(Entity& e, const std::string& topic, const json& payloads, const std::string& tpl) {
    AvailabilitySource src;
    src.topic = topic;
    src.tpl = parse_template(tpl);
    if (!is_topic_name(topic) || src.tpl.kind == ValueTemplate::Kind::unsupported) return;
    if (const auto it = payloads.find("payload_available"); it != payloads.end() && !it->is_null()) src.available = *it;
    if (const auto it = payloads.find("payload_not_available"); it != payloads.end() && !it->is_null()) {
      src.not_available = *it;
    }
    e.availability.push_back(std::move(src));
  }

  static void add_device_info(const json& cfg, const std::string& device_id, Decoded& out) {
    const auto device = cfg.find("device");
    if (device == cfg.end() || !device->is_object()) return;
    const bool seen = std::any_of(out.devices.begin(), out.devices.end(),
                                  [&](const DeviceInfo& d) { return d.device_id == device_id; });
    if (seen) return;
    std::string model = string_of(*device, "model_id");
    if (model.empty()) model = string_of(*device, "model");
    out.devices.push_back(DeviceInfo{device_id, model, string_of(*device, "name"), string_of(*device, "sw_version")});
  }

  void remove_config(const std::string& config_topic) {
    std::erase_if(entities_, [&](const Entity& e) { return e.config_topic == config_topic; });
    rebuild_indexes();
  }

  void rebuild_indexes() {
    by_state_topic_.clear();
    by_availability_topic_.clear();
    for (std::size_t i = 0; i < entities_.size(); ++i) {
      const Entity& e = entities_[i];
      if (!e.claimed) continue;
      if (is_topic_name(e.state_topic)) by_state_topic_[e.state_topic].push_back(i);
      for (const auto& src : e.availability) {
        auto& list = by_availability_topic_[src.topic];
        if (list.empty() || list.back() != i) list.push_back(i);
      }
    }
  }

  void collect_subscriptions(Decoded& out) {
    const auto add = [&](const std::string& topic) {
      if (subscribed_.insert(topic).second) out.subscribe.push_back(topic);
    };
    for (const auto& [topic, ids] : by_state_topic_) add(topic);
    for (const auto& [topic, ids] : by_availability_topic_) add(topic);
  }

  // ---- learned topics ----

  Decoded decode_learned(const Message& msg, const std::vector<std::size_t>* state,
                         const std::vector<std::size_t>* avail) {
    const std::optional<json> parsed = parse_json_lenient(msg.payload);
    if (!parsed && state && !avail && all_need_json(*state))
      return with_outcome(Outcome::rejected, reason::MALFORMED_JSON);
    Decoded out = with_outcome(Outcome::decoded);
    if (state) {
      for (const std::size_t i : *state) decode_entity_state(entities_[i], msg, parsed, out);
    }
    if (avail) decode_availability(*avail, msg, parsed, out);
    return out;
  }

  bool all_need_json(const std::vector<std::size_t>& ids) const {
    return std::all_of(ids.begin(), ids.end(),
                       [&](std::size_t i) { return entities_[i].value.kind == ValueTemplate::Kind::json_path; });
  }

  void decode_entity_state(const Entity& e, const Message& msg, const std::optional<json>& parsed, Decoded& out) const {
    if (!e.metric || !e.supported) return;
    const Rendered r = render(e.value, msg.payload, parsed);
    if (r.status == Rendered::Status::absent) return;  // partial update of a shared JSON state topic
    if (r.status == Rendered::Status::malformed)
      return add_issue(out, e.device_id, e.object_id, reason::MALFORMED_JSON);
    if (e.platform == "sensor") return decode_number(e, r.value, msg, out);
    decode_on_off(e, r.value, msg, out);
  }

  static void decode_number(const Entity& e, const json& value, const Message& msg, Decoded& out) {
    Number n = to_number(value);
    if (n.status == NumberStatus::ok) n.value = convert(e.conversion, n.value);
    emit_number(out, msg, e.device_id, e.object_id, *e.metric, n);
  }

  // binary_sensor/switch: the rendered value is compared with payload_on/off (or state_on/off).
  static void decode_on_off(const Entity& e, const json& value, const Message& msg, Decoded& out) {
    if (is_no_value(value)) return add_issue(out, e.device_id, e.object_id, reason::NO_VALUE);
    const std::string v = canonical(value);
    double flag = 0.0;
    if (v == canonical(e.state_on)) {
      flag = 1.0;
    } else if (v != canonical(e.state_off)) {
      return add_issue(out, e.device_id, e.object_id, reason::UNKNOWN_PAYLOAD);
    }
    out.readings.push_back(make_reading(msg, e.device_id, *e.metric, flag));
  }

  void decode_availability(const std::vector<std::size_t>& ids, const Message& msg, const std::optional<json>& parsed,
                           Decoded& out) {
    std::string unknown_payload_device;  // first device whose availability payload we did not recognise
    std::set<std::string> done;
    for (const std::size_t i : ids) {
      Entity& e = entities_[i];
      std::optional<bool> latest;
      for (auto& src : e.availability) {
        if (src.topic != msg.topic) continue;
        const Rendered r = render(src.tpl, msg.payload, parsed);
        const std::string v = r.status == Rendered::Status::value ? canonical(r.value) : std::string{};
        if (r.status == Rendered::Status::value && v == canonical(src.available)) {
          src.state = true;
        } else if (r.status == Rendered::Status::value && v == canonical(src.not_available)) {
          src.state = false;
        } else {
          if (unknown_payload_device.empty()) unknown_payload_device = e.device_id;
          continue;
        }
        latest = src.state;
      }
      const auto online = combine(e, latest);
      if (online && done.insert(e.device_id).second) {
        out.readings.push_back(make_reading(msg, e.device_id, Metric::online, *online ? 1.0 : 0.0));
      }
    }
    if (!unknown_payload_device.empty() && out.readings.empty()) {
      add_issue(out, unknown_payload_device, "availability", reason::UNKNOWN_PAYLOAD);
    }
  }

  // availability_mode: latest (the message just seen decides), all, any.
  static std::optional<bool> combine(const Entity& e, std::optional<bool> latest) {
    if (!latest) return std::nullopt;
    if (e.availability_mode == "all") {
      bool all_known = true;
      for (const auto& src : e.availability) {
        if (src.state == false) return false;
        if (!src.state) all_known = false;
      }
      return all_known ? std::optional{true} : std::nullopt;
    }
    if (e.availability_mode == "any") {
      bool all_known = true;
      for (const auto& src : e.availability) {
        if (src.state == true) return true;
        if (!src.state) all_known = false;
      }
      return all_known ? std::optional{false} : std::nullopt;
    }
    return latest;
  }

  std::string prefix_;
  std::string z2m_base_;
  std::vector<Entity> entities_;
  std::map<std::pair<std::string, Metric>, std::string> metric_owner_;  // never shrinks: ids stay stable
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_state_topic_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_availability_topic_;
  std::set<std::string> subscribed_;
};

}  // namespace

std::unique_ptr<HaDiscoveryDriver> make_ha_discovery_driver(const DriverOptions& options) {
  return std::make_unique<HaDiscoveryDriverImpl>(options);
}

}  // namespace hearth::drivers
