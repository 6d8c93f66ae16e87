#include "drivers/esphome_driver.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "drivers/driver_support.h"
#include "drivers/json_util.h"

namespace hearth::drivers {
namespace {

using core::Metric;

constexpr std::string_view DEVICE_PREFIX = "esphome:";

// Component types ESPHome's MQTT integration publishes under <prefix>/<component>/<object_id>/.
constexpr std::array<std::string_view, 20> COMPONENTS = {
    "sensor", "binary_sensor", "switch",  "text_sensor", "light",
    "fan",    "cover",         "climate", "number",      "select",
    "button", "lock",          "valve",   "text",        "datetime",
    "date",   "time",          "event",   "update",      "alarm_control_panel",
};
constexpr std::array<std::string_view, 4> STATE_COMPONENTS = {"sensor", "binary_sensor", "switch", "text_sensor"};

bool is_component(std::string_view c) { return std::find(COMPONENTS.begin(), COMPONENTS.end(), c) != COMPONENTS.end(); }

// The words of an object_id ("living_room_temperature" -> living, room, temperature).
class Words {
 public:
  explicit Words(std::string_view object_id) : text_(lower(object_id)) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text_.size(); ++i) {
      if (i == text_.size() || text_[i] == '_' || text_[i] == '-') {
        if (i > start) words_.push_back(std::string_view(text_).substr(start, i - start));
        start = i + 1;
      }
    }
  }
  Words(const Words&) = delete;
  Words& operator=(const Words&) = delete;

  bool has(std::string_view word) const { return std::find(words_.begin(), words_.end(), word) != words_.end(); }
  bool contains(std::string_view part) const { return text_.find(part) != std::string::npos; }

 private:
  std::string text_;
  std::vector<std::string_view> words_;
};

struct Inferred {
  Metric metric;
  double scale = 1.0;  // multiplies the payload into the metric's unit
};

// Without discovery the object_id is the only hint of what a sensor measures.
std::optional<Inferred> infer_sensor(std::string_view object_id) {
  const Words w(object_id);
  // The ESP's own die temperature is not the room's.
  if (w.has("internal") || w.has("cpu") || w.has("chip") || w.has("esp")) return std::nullopt;
  if (w.contains("battery") || w.has("batt")) {
    return w.contains("volt") ? std::nullopt : std::optional{Inferred{Metric::battery_pct}};
  }
  if ((w.contains("wifi") && w.contains("signal")) || w.has("rssi")) {
    return w.has("percent") || w.has("pct") ? std::nullopt : std::optional{Inferred{Metric::rssi_dbm}};
  }
  if (w.contains("temperature") || w.has("temp")) return Inferred{Metric::temperature_c};
  if (w.contains("humidity")) return w.has("absolute") ? std::nullopt : std::optional{Inferred{Metric::humidity_pct}};
  if (w.contains("illuminance") || w.has("lux")) return Inferred{Metric::illuminance_lux};
  if (w.contains("energy") || w.has("kwh") || w.has("wh")) {
    return Inferred{Metric::energy_kwh, w.has("wh") ? 0.001 : 1.0};
  }
  if (w.has("power")) {
    if (w.has("factor") || w.has("apparent") || w.has("reactive")) return std::nullopt;
    return Inferred{Metric::power_w};
  }
  if (w.contains("voltage")) return Inferred{Metric::voltage_v};
  if (w.has("current")) return Inferred{Metric::current_a};
  if (w.has("co") || w.contains("carbon_monoxide")) return Inferred{Metric::co_ppm};
  return std::nullopt;
}

std::optional<Metric> infer_binary(std::string_view object_id) {
  const Words w(object_id);
  if (w.contains("motion") || w.has("pir") || w.contains("occupancy") || w.contains("presence") ||
      w.contains("movement")) {
    return Metric::motion;
  }
  // Whole words only: a "doorbell" is not a door.
  if (w.has("door") || w.has("window") || w.has("contact") || w.has("opening") || w.has("reed")) {
    return Metric::contact_open;
  }
  if (w.contains("smoke")) return Metric::smoke;
  if (w.contains("leak") || w.contains("flood") || w.contains("water") || w.contains("moisture")) {
    return Metric::water_leak;
  }
  if (w.has("co") || w.contains("carbon_monoxide")) return Metric::co_detected;
  return std::nullopt;
}

// A topic split into its ESPHome parts. Node topics (status, debug) have an empty component.
struct EsphomeTopic {
  std::string prefix;
  std::string_view component;
  std::string_view object_id;
  std::string_view leaf;  // state / command, or status / debug
  bool known_prefix = false;
};

class EsphomeDriver final : public Driver {
 public:
  explicit EsphomeDriver(const DriverOptions& options)
      : prefixes_(options.esphome_prefixes), foreign_roots_{options.ha_discovery_prefix, options.z2m_base_topic} {
    // Longest first, so "home/living_room" wins over "home".
    std::sort(prefixes_.begin(), prefixes_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  }

  std::string_view name() const override { return "esphome"; }

  std::vector<std::string> subscriptions() const override {
    std::vector<std::string> subs;
    for (const auto c : STATE_COMPONENTS) subs.push_back("+/" + std::string(c) + "/+/state");
    subs.emplace_back("+/status");
    for (const auto& p : prefixes_) {
      subs.push_back(p + "/+/+/state");
      subs.push_back(p + "/status");
    }
    return subs;
  }

  Decoded decode(const Message& msg) override {
    const auto parsed = parse_topic(msg.topic);
    if (!parsed) return {};
    if (parsed->component.empty()) return decode_node_topic(*parsed, msg);
    if (parsed->leaf == "command") return ignored();  // our own (or HA's) commands echoed back
    if (parsed->component == "sensor") return decode_sensor(*parsed, msg);
    if (parsed->component == "binary_sensor") return decode_binary(*parsed, msg);
    if (parsed->component == "switch") return decode_switch(*parsed, msg);
    if (parsed->component == "text_sensor") return decode_text(*parsed, msg);
    return ignored();  // lights, numbers, buttons...: nothing Hearth normalises
  }

  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const override {
    const auto it = switches_.find(device_id);
    if (it == switches_.end()) return std::nullopt;
    const auto& [prefix, object_id] = it->second;
    return Outbound{prefix + "/switch/" + object_id + "/command", on ? "ON" : "OFF"};
  }

 private:
  struct Node {
    std::map<Metric, std::string> metric_owner;  // which object_id holds the plain node id per metric
    std::set<std::string> aliases;               // "esphome:<prefix>#<object_id>" ids handed out
  };

  std::optional<EsphomeTopic> parse_topic(std::string_view topic) const {
    for (const auto& root : foreign_roots_) {
      if (!root.empty() && topic.size() > root.size() && topic.starts_with(root) && topic[root.size()] == '/') {
        return std::nullopt;
      }
    }
    for (const auto& p : prefixes_) {
      if (topic.size() > p.size() && topic.starts_with(p) && topic[p.size()] == '/') {
        if (auto t = split_tail(p, topic.substr(p.size() + 1))) {
          t->known_prefix = true;
          return t;
        }
      }
    }
    return parse_default(topic);
  }

  // The part after a configured prefix: "status", "debug" or "<component>/<object_id>/<leaf>".
  static std::optional<EsphomeTopic> split_tail(const std::string& prefix, std::string_view tail) {
    const auto levels = split_topic(tail);
    if (levels.size() == 1 && (tail == "status" || tail == "debug")) return EsphomeTopic{prefix, {}, {}, tail};
    if (levels.size() == 3 && (levels[2] == "state" || levels[2] == "command") && !levels[0].empty() &&
        !levels[1].empty()) {
      return EsphomeTopic{prefix, levels[0], levels[1], levels[2]};
    }
    return std::nullopt;
  }

  // Unconfigured prefixes: "<prefix>/<component>/<object_id>/<leaf>" with a known component, at any
  // depth; "<node>/status" and "<node>/debug" at depth 2, or deeper for a prefix already seen.
  std::optional<EsphomeTopic> parse_default(std::string_view topic) const {
    const auto levels = split_topic(topic);
    const std::size_t n = levels.size();
    if (std::any_of(levels.begin(), levels.end(), [](std::string_view l) { return l.empty(); })) return std::nullopt;
    if (n >= 4 && (levels[n - 1] == "state" || levels[n - 1] == "command") && is_component(levels[n - 3])) {
      const auto prefix_len = static_cast<std::size_t>(levels[n - 3].data() - topic.data()) - 1;
      const std::string prefix(topic.substr(0, prefix_len));
      return EsphomeTopic{prefix, levels[n - 3], levels[n - 2], levels[n - 1], nodes_.contains(prefix)};
    }
    if (n >= 2 && (levels[n - 1] == "status" || levels[n - 1] == "debug")) {
      const std::string prefix(topic.substr(0, topic.size() - levels[n - 1].size() - 1));
      const bool known = nodes_.contains(prefix);
      if (n == 2 || known) return EsphomeTopic{prefix, {}, {}, levels[n - 1], known};
    }
    return std::nullopt;
  }

  Decoded decode_node_topic(const EsphomeTopic& t, const Message& msg) {
    if (t.leaf == "debug") return ignored();  // log lines
    const std::string word = lower(trim(msg.payload));
    if (word != "online" && word != "offline") {
      // "<x>/status" is a common shape; only claim odd payloads for nodes we know are ESPHome.
      if (!t.known_prefix) return {};
      return word.empty() ? ignored() : rejected(reason::UNKNOWN_PAYLOAD);
    }
    Node& node = nodes_[t.prefix];
    const double value = word == "online" ? 1.0 : 0.0;
    Decoded out = decoded();
    out.readings.push_back(make_reading(msg, base_id(t.prefix), Metric::online, value));
    for (const auto& alias : node.aliases) out.readings.push_back(make_reading(msg, alias, Metric::online, value));
    return out;
  }

  Decoded decode_sensor(const EsphomeTopic& t, const Message& msg) {
    Decoded out = decoded();
    const auto inferred = infer_sensor(t.object_id);
    if (!inferred) return out;  // a sensor we cannot interpret without discovery: no guess
    const std::string id = assign_id(t, inferred->metric);
    Number n = text_to_number(msg.payload);
    if (n.status == NumberStatus::ok) n.value *= inferred->scale;
    emit_number(out, msg, id, t.object_id, inferred->metric, n);
    return out;
  }

  Decoded decode_binary(const EsphomeTopic& t, const Message& msg) {
    const auto metric = infer_binary(t.object_id);
    if (!metric) return decoded();
    return decode_on_off(t, *metric, msg);
  }

  Decoded decode_switch(const EsphomeTopic& t, const Message& msg) {
    Decoded out = decode_on_off(t, Metric::relay_on, msg);
    switches_.insert_or_assign(assign_id(t, Metric::relay_on), std::pair{t.prefix, std::string(t.object_id)});
    return out;
  }

  Decoded decode_on_off(const EsphomeTopic& t, Metric metric, const Message& msg) {
    Decoded out = decoded();
    const std::string id = assign_id(t, metric);
    if (is_no_value_word(msg.payload)) return with_issue(std::move(out), id, t.object_id, reason::NO_VALUE);
    const auto on = text_to_bool(msg.payload);
    if (!on) return with_issue(std::move(out), id, t.object_id, reason::UNKNOWN_PAYLOAD);
    out.readings.push_back(make_reading(msg, id, metric, *on ? 1.0 : 0.0));
    return out;
  }

  // text_sensor values are free text; only the firmware version is worth keeping.
  Decoded decode_text(const EsphomeTopic& t, const Message& msg) {
    const std::string_view value = trim(msg.payload);
    if (!Words(t.object_id).contains("version") || is_no_value_word(value)) return ignored();
    Decoded out = decoded();
    out.devices.push_back(DeviceInfo{base_id(t.prefix), {}, {}, std::string(value)});
    return out;
  }

  // The node id for the first entity of each metric, "<node id>#<object_id>" for later ones.
  std::string assign_id(const EsphomeTopic& t, Metric metric) {
    Node& node = nodes_[t.prefix];
    const auto [it, inserted] = node.metric_owner.try_emplace(metric, std::string(t.object_id));
    std::string id = base_id(t.prefix);
    if (it->second == t.object_id) return id;
    id += "#";
    id += t.object_id;
    node.aliases.insert(id);
    return id;
  }

  static std::string base_id(std::string_view prefix) { return std::string(DEVICE_PREFIX) + std::string(prefix); }

  static Decoded with_issue(Decoded out, const std::string& id, std::string_view field, std::string_view why) {
    add_issue(out, id, field, why);
    return out;
  }

  static Decoded decoded() { return with_outcome(Outcome::decoded); }
  static Decoded ignored() { return with_outcome(Outcome::ignored); }
  static Decoded rejected(std::string_view why) { return with_outcome(Outcome::rejected, why); }

  std::vector<std::string> prefixes_;               // configured topic_prefix values
  std::array<std::string, 2> foreign_roots_;        // HA discovery prefix, Z2M base topic
  std::map<std::string, Node, std::less<>> nodes_;  // by prefix
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> switches_;  // id -> prefix, object_id
};

}  // namespace

std::unique_ptr<Driver> make_esphome_driver(const DriverOptions& options) {
  return std::make_unique<EsphomeDriver>(options);
}

}  // namespace hearth::drivers
