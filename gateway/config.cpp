#include "gateway/config.h"

#include "gateway/yaml_config.h"

#include "rules/messages.h"

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

namespace hearth::gateway {
namespace {

using core::Error;

void parse_tls(const YamlParser& p, const YAML::Node& n, TlsConfig& tls) {
  p.only_keys(n, "mqtt.tls", {"enabled", "ca_file", "cert_file", "key_file", "verify"});
  if (n["enabled"]) tls.enabled = p.boolean(n["enabled"], "mqtt.tls.enabled");
  if (n["ca_file"]) tls.ca_file = p.str(n["ca_file"], "mqtt.tls.ca_file");
  if (n["cert_file"]) tls.cert_file = p.str(n["cert_file"], "mqtt.tls.cert_file");
  if (n["key_file"]) tls.key_file = p.str(n["key_file"], "mqtt.tls.key_file");
  if (n["verify"]) tls.verify = p.boolean(n["verify"], "mqtt.tls.verify");
}

void parse_mqtt(const YamlParser& p, const YAML::Node& n, MqttConfig& m) {
  using std::chrono::seconds;
  p.only_keys(n, "mqtt",
              {"url", "version", "client_id", "username", "password", "password_file", "tls", "keepalive",
               "reconnect_min", "reconnect_max"});
  if (n["url"]) m.url = p.str(n["url"], "mqtt.url");
  if (n["version"]) {
    m.version = static_cast<int>(p.integer(n["version"], "mqtt.version", 3, 5));
    if (m.version == 4) p.fail(n["version"], "mqtt.version", "use 3 (MQTT 3.1.1) or 5");
  }
  if (n["client_id"]) m.client_id = p.str(n["client_id"], "mqtt.client_id");
  if (n["username"]) m.username = p.str(n["username"], "mqtt.username");
  if (n["password"] && n["password_file"])
    p.fail(n["password_file"], "mqtt.password_file", "give password or password_file, not both");
  if (n["password"]) m.password = p.str(n["password"], "mqtt.password");
  if (n["password_file"]) m.password = p.secret_file(n["password_file"], "mqtt.password_file");
  if (n["tls"]) parse_tls(p, n["tls"], m.tls);
  const auto secs = [&](const char* key, seconds lo, seconds hi) {
    return std::chrono::duration_cast<seconds>(p.duration(n[key], std::string("mqtt.") + key, lo, hi));
  };
  if (n["keepalive"]) m.keepalive = secs("keepalive", seconds{5}, seconds{3600});
  if (n["reconnect_min"]) m.reconnect_min = secs("reconnect_min", seconds{1}, seconds{300});
  if (n["reconnect_max"]) m.reconnect_max = secs("reconnect_max", seconds{1}, seconds{3600});
}

void parse_store(const YamlParser& p, const YAML::Node& n, StoreConfig& s) {
  using std::chrono::milliseconds;
  p.only_keys(
      n, "store",
      {"path", "commit_interval", "raw_retention_days", "minute_retention_days", "hour_retention_days", "synchronous"});
  if (n["path"]) s.path = p.str(n["path"], "store.path");
  if (n["commit_interval"]) {
    s.commit_interval = p.duration(n["commit_interval"], "store.commit_interval", milliseconds{10}, milliseconds{1000});
  }
  if (n["raw_retention_days"])
    s.raw_retention_days = static_cast<int>(p.integer(n["raw_retention_days"], "store.raw_retention_days", 1, 3650));
  if (n["minute_retention_days"])
    s.minute_retention_days =
        static_cast<int>(p.integer(n["minute_retention_days"], "store.minute_retention_days", 1, 3650));
  if (n["hour_retention_days"])
    s.hour_retention_days =
        static_cast<int>(p.integer(n["hour_retention_days"], "store.hour_retention_days", 1, 36500));
  if (n["synchronous"]) {
    const auto v = p.str(n["synchronous"], "store.synchronous");
    if (v != "full" && v != "normal") p.fail(n["synchronous"], "store.synchronous", "expected full or normal");
    s.synchronous_full = v == "full";
  }
}

void parse_http(const YamlParser& p, const YAML::Node& n, HttpConfig& h) {
  p.only_keys(n, "http",
              {"address", "port", "api_token", "api_token_file", "tv_from_loopback", "secure_cookies", "tls"});
  if (const auto& t = n["tls"]) {
    p.only_keys(t, "http.tls", {"enabled", "cert_file", "key_file"});
    if (t["enabled"]) h.tls.enabled = p.boolean(t["enabled"], "http.tls.enabled");
    if (t["cert_file"]) h.tls.cert_file = p.str(t["cert_file"], "http.tls.cert_file");
    if (t["key_file"]) h.tls.key_file = p.str(t["key_file"], "http.tls.key_file");
    if (h.tls.cert_file.empty() != h.tls.key_file.empty())
      p.fail(t, "http.tls", "give both cert_file and key_file, or neither (a self-signed pair is made)");
  }
  if (n["secure_cookies"]) h.secure_cookies = p.boolean(n["secure_cookies"], "http.secure_cookies");
  if (n["tv_from_loopback"]) h.tv_from_loopback = p.boolean(n["tv_from_loopback"], "http.tv_from_loopback");
  if (n["address"]) h.address = p.str(n["address"], "http.address");
  if (n["port"]) h.port = static_cast<std::uint16_t>(p.integer(n["port"], "http.port", 0, 65535));
  if (n["api_token"]) h.api_token = p.str(n["api_token"], "http.api_token");
  if (n["api_token_file"]) h.api_token = p.secret_file(n["api_token_file"], "http.api_token_file");
}

void parse_ingest(const YamlParser& p, const YAML::Node& n, IngestConfig& i) {
  p.only_keys(n, "ingest", {"max_payload_bytes", "duplicate_window"});
  if (n["max_payload_bytes"]) {
    i.max_payload_bytes =
        static_cast<std::size_t>(p.integer(n["max_payload_bytes"], "ingest.max_payload_bytes", 256, 1 << 20));
  }
  if (n["duplicate_window"]) {
    i.duplicate_window = p.duration(n["duplicate_window"], "ingest.duplicate_window", std::chrono::milliseconds{0},
                                    std::chrono::milliseconds{60000});
  }
}

void parse_drivers(const YamlParser& p, const YAML::Node& n, drivers::DriverOptions& d) {
  p.only_keys(
      n, "drivers",
      {"z2m_base_topic", "ha_discovery_prefix", "esphome_prefixes", "fahrenheit_devices", "inverted_contact_devices"});
  if (n["z2m_base_topic"]) d.z2m_base_topic = p.str(n["z2m_base_topic"], "drivers.z2m_base_topic");
  if (n["ha_discovery_prefix"]) d.ha_discovery_prefix = p.str(n["ha_discovery_prefix"], "drivers.ha_discovery_prefix");
  if (n["esphome_prefixes"]) d.esphome_prefixes = p.strings(n["esphome_prefixes"], "drivers.esphome_prefixes");
  if (n["fahrenheit_devices"]) {
    for (auto& s : p.strings(n["fahrenheit_devices"], "drivers.fahrenheit_devices")) d.fahrenheit_devices.insert(s);
  }
  if (n["inverted_contact_devices"]) {
    for (auto& s : p.strings(n["inverted_contact_devices"], "drivers.inverted_contact_devices")) {
      d.inverted_contact_devices.insert(s);
    }
  }
}

void parse_devices(const YamlParser& p, const YAML::Node& n, std::map<std::string, DeviceSettings>& devices) {
  p.require_map(n, "devices");
  for (const auto& kv : n) {
    const auto id = kv.first.as<std::string>();
    const std::string where = "devices." + id;
    if (id.find(':') == std::string::npos) p.fail(kv.first, where, "device ids look like <driver>:<native id>");
    const YAML::Node& d = kv.second;
    p.only_keys(d, where, {"name", "room", "kind", "essential", "switchable", "rating_w", "calibration_factor"});
    DeviceSettings s;
    if (d["name"]) s.name = p.str(d["name"], where + ".name");
    if (d["room"]) s.room = p.str(d["room"], where + ".room");
    if (d["kind"]) {
      s.kind = p.str(d["kind"], where + ".kind");
      const auto& kinds = appliance_kinds();
      if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) {
        p.fail(d["kind"], where + ".kind", "unknown appliance kind '" + s.kind + "'");
      }
    }
    if (d["essential"]) s.essential = p.boolean(d["essential"], where + ".essential");
    if (d["switchable"]) s.switchable = p.boolean(d["switchable"], where + ".switchable");
    if (d["rating_w"]) s.rating_w = p.number(d["rating_w"], where + ".rating_w", 1.0, 23000.0);
    if (d["calibration_factor"])
      s.calibration_factor = p.number(d["calibration_factor"], where + ".calibration_factor", 0.2, 5.0);
    devices[id] = s;
  }
}

core::Severity parse_severity(const YamlParser& p, const YAML::Node& n, const std::string& key) {
  const auto v = core::severity_from_string(p.str(n, key));
  if (!v) p.fail(n, key, "expected info, warning, urgent or emergency");
  return *v;
}

std::chrono::minutes whole_minutes(const YamlParser& p, const YAML::Node& n, const std::string& key,
                                   std::chrono::minutes lo, std::chrono::minutes hi) {
  return std::chrono::duration_cast<std::chrono::minutes>(p.duration(n, key, lo, hi));
}

// "23:00-07:00" (local time); equal ends disable the window.
rules::DailyWindow parse_window(const YamlParser& p, const YAML::Node& n, const std::string& key) {
  static const std::regex RE(R"(^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$)");
  std::smatch m;
  const std::string text = p.str(n, key);
  if (!std::regex_match(text, m, RE)) p.fail(n, key, "expected a local time window like 23:00-07:00");
  const int h1 = std::stoi(m[1].str()), m1 = std::stoi(m[2].str()), h2 = std::stoi(m[3].str()),
            m2 = std::stoi(m[4].str());
  if (h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) p.fail(n, key, "hours 0-23, minutes 0-59");
  return {h1 * 60 + m1, h2 * 60 + m2};
}

rules::ThresholdRuleConfig parse_threshold(const YamlParser& p, const YAML::Node& n, const std::string& where) {
  using std::chrono::minutes;
  p.only_keys(n, where,
              {"id", "enabled", "metric", "below", "above", "hysteresis", "for", "clear_hold", "max_data_age",
               "severity", "message_key", "rooms", "devices", "occupied", "occupied_within", "during"});
  rules::ThresholdRuleConfig t;
  if (!n["id"]) p.fail(n, where + ".id", "required");
  t.id = p.str(n["id"], where + ".id");
  t.message_key = t.id;
  if (n["enabled"]) t.enabled = p.boolean(n["enabled"], where + ".enabled");
  if (!n["metric"]) p.fail(n, where + ".metric", "required");
  const auto metric = core::metric_from_string(p.str(n["metric"], where + ".metric"));
  if (!metric || core::is_boolean(*metric))
    p.fail(n["metric"], where + ".metric", "expected a numeric metric such as temperature_c");
  t.metric = *metric;
  if (n["below"].IsDefined() == n["above"].IsDefined()) p.fail(n, where, "give exactly one of below or above");
  t.direction = n["below"] ? rules::Direction::below : rules::Direction::above;
  const auto& limit = n["below"] ? n["below"] : n["above"];
  t.threshold = p.number(limit, where + (n["below"] ? ".below" : ".above"), -1e9, 1e9);
  if (n["hysteresis"]) t.hysteresis = p.number(n["hysteresis"], where + ".hysteresis", 0.0, 1e6);
  if (n["for"]) t.duration = whole_minutes(p, n["for"], where + ".for", minutes{0}, minutes{7 * 24 * 60});
  if (n["clear_hold"])
    t.clear_hold = whole_minutes(p, n["clear_hold"], where + ".clear_hold", minutes{0}, minutes{24 * 60});
  if (n["max_data_age"])
    t.max_data_age = whole_minutes(p, n["max_data_age"], where + ".max_data_age", minutes{1}, minutes{7 * 24 * 60});
  if (n["severity"]) t.severity = parse_severity(p, n["severity"], where + ".severity");
  if (n["message_key"]) t.message_key = p.str(n["message_key"], where + ".message_key");
  if (!rules::has_message(t.message_key, rules::Language::en) ||
      !rules::has_message(t.message_key, rules::Language::cy))
    p.fail(n, where + ".message_key", "no message '" + t.message_key + "' in the catalogue");
  if (n["rooms"]) t.rooms = p.strings(n["rooms"], where + ".rooms");
  if (n["devices"]) t.devices = p.strings(n["devices"], where + ".devices");
  if (n["occupied"]) t.require_occupied = p.boolean(n["occupied"], where + ".occupied");
  if (n["occupied_within"]) {
    t.occupied_within = std::chrono::duration_cast<std::chrono::hours>(
        p.duration(n["occupied_within"], where + ".occupied_within", std::chrono::hours{1}, std::chrono::hours{72}));
  }
  if (n["during"]) t.only_during = parse_window(p, n["during"], where + ".during");
  return t;
}

void parse_rules(const YamlParser& p, const YAML::Node& n, rules::RulesConfig& r) {
  using std::chrono::minutes;
  p.only_keys(n, "rules",
              {"utc_offset_min", "thresholds", "safety", "appliance_left_on", "inactivity", "night_door",
               "device_health", "wellbeing"});
  if (n["utc_offset_min"])
    r.utc_offset = minutes{p.integer(n["utc_offset_min"], "rules.utc_offset_min", -14 * 60, 14 * 60)};
  if (n["thresholds"]) {
    if (!n["thresholds"].IsSequence()) p.fail(n["thresholds"], "rules.thresholds", "expected a list");
    r.thresholds.clear();  // a list given replaces the defaults
    std::set<std::string> ids;
    for (std::size_t i = 0; i < n["thresholds"].size(); ++i) {
      auto t = parse_threshold(p, n["thresholds"][i], "rules.thresholds[" + std::to_string(i) + "]");
      if (!ids.insert(t.id).second)
        p.fail(n["thresholds"][i], "rules.thresholds[" + std::to_string(i) + "].id", "duplicate id");
      r.thresholds.push_back(std::move(t));
    }
  }
  if (const auto& s = n["safety"]) {
    p.only_keys(s, "rules.safety", {"enabled", "co_ppm_threshold"});
    if (s["enabled"]) r.safety.enabled = p.boolean(s["enabled"], "rules.safety.enabled");
    if (s["co_ppm_threshold"])
      r.safety.co_ppm_threshold = p.number(s["co_ppm_threshold"], "rules.safety.co_ppm_threshold", 1, 10000);
  }
  if (const auto& a = n["appliance_left_on"]) {
    p.only_keys(a, "rules.appliance_left_on",
                {"enabled", "kinds", "threshold_w", "on_for", "auto_switch_off", "severity"});
    auto& c = r.appliance_left_on;
    if (a["enabled"]) c.enabled = p.boolean(a["enabled"], "rules.appliance_left_on.enabled");
    if (a["kinds"]) c.kinds = p.strings(a["kinds"], "rules.appliance_left_on.kinds");
    if (a["threshold_w"]) c.threshold_w = p.number(a["threshold_w"], "rules.appliance_left_on.threshold_w", 1, 20000);
    if (a["on_for"])
      c.on_for = whole_minutes(p, a["on_for"], "rules.appliance_left_on.on_for", minutes{1}, minutes{24 * 60});
    if (a["auto_switch_off"])
      c.auto_switch_off = p.boolean(a["auto_switch_off"], "rules.appliance_left_on.auto_switch_off");
    if (a["severity"]) c.severity = parse_severity(p, a["severity"], "rules.appliance_left_on.severity");
  }
  if (const auto& a = n["inactivity"]) {
    p.only_keys(a, "rules.inactivity", {"enabled", "no_activity_for", "waking", "severity"});
    auto& c = r.inactivity;
    if (a["enabled"]) c.enabled = p.boolean(a["enabled"], "rules.inactivity.enabled");
    if (a["no_activity_for"]) {
      c.no_activity_for = std::chrono::duration_cast<std::chrono::hours>(p.duration(
          a["no_activity_for"], "rules.inactivity.no_activity_for", std::chrono::hours{1}, std::chrono::hours{48}));
    }
    if (a["waking"]) c.waking = parse_window(p, a["waking"], "rules.inactivity.waking");
    if (a["severity"]) c.severity = parse_severity(p, a["severity"], "rules.inactivity.severity");
  }
  if (const auto& a = n["night_door"]) {
    p.only_keys(a, "rules.night_door", {"enabled", "night", "kinds", "rooms", "severity"});
    auto& c = r.night_door;
    if (a["enabled"]) c.enabled = p.boolean(a["enabled"], "rules.night_door.enabled");
    if (a["night"]) c.night = parse_window(p, a["night"], "rules.night_door.night");
    if (a["kinds"]) c.kinds = p.strings(a["kinds"], "rules.night_door.kinds");
    if (a["rooms"]) c.rooms = p.strings(a["rooms"], "rules.night_door.rooms");
    if (a["severity"]) c.severity = parse_severity(p, a["severity"], "rules.night_door.severity");
  }
  if (const auto& a = n["wellbeing"]) {
    p.only_keys(a, "rules.wellbeing", {"enabled", "window_days", "warmup_days", "sensitivity"});
    auto& c = r.wellbeing;
    if (a["enabled"]) c.enabled = p.boolean(a["enabled"], "rules.wellbeing.enabled");
    if (a["window_days"])
      c.window_days = static_cast<int>(p.integer(a["window_days"], "rules.wellbeing.window_days", 7, 90));
    if (a["warmup_days"])
      c.warmup_days = static_cast<int>(p.integer(a["warmup_days"], "rules.wellbeing.warmup_days", 3, 60));
    if (c.warmup_days > c.window_days)
      p.fail(a["warmup_days"] ? a["warmup_days"] : a, "rules.wellbeing.warmup_days", "must not exceed window_days");
    if (a["sensitivity"]) {
      const auto v = p.str(a["sensitivity"], "rules.wellbeing.sensitivity");
      if (v == "low")
        c.sensitivity = rules::Sensitivity::low;
      else if (v == "normal")
        c.sensitivity = rules::Sensitivity::normal;
      else if (v == "high")
        c.sensitivity = rules::Sensitivity::high;
      else
        p.fail(a["sensitivity"], "rules.wellbeing.sensitivity", "expected low, normal or high");
    }
  }
  if (const auto& a = n["device_health"]) {
    p.only_keys(a, "rules.device_health",
                {"enabled", "offline_for", "stale_factor", "battery_low_pct", "clock_unsynchronised_for"});
    auto& c = r.device_health;
    if (a["enabled"]) c.enabled = p.boolean(a["enabled"], "rules.device_health.enabled");
    if (a["offline_for"])
      c.offline_for =
          whole_minutes(p, a["offline_for"], "rules.device_health.offline_for", minutes{1}, minutes{7 * 24 * 60});
    if (a["stale_factor"]) c.stale_factor = p.number(a["stale_factor"], "rules.device_health.stale_factor", 1.5, 100);
    if (a["battery_low_pct"])
      c.battery_low_pct = p.number(a["battery_low_pct"], "rules.device_health.battery_low_pct", 1, 90);
    if (a["clock_unsynchronised_for"]) {
      c.clock_unsynchronised_for =
          whole_minutes(p, a["clock_unsynchronised_for"], "rules.device_health.clock_unsynchronised_for", minutes{1},
                        minutes{7 * 24 * 60});
    }
  }
}

void parse_consent(const YamlParser& p, const YAML::Node& n, ConsentConfig& c) {
  p.only_keys(n, "consent", {"alerts", "daily_summaries"});
  if (n["alerts"]) c.alerts = p.boolean(n["alerts"], "consent.alerts");
  if (n["daily_summaries"]) c.daily_summaries = p.boolean(n["daily_summaries"], "consent.daily_summaries");
}

// Personal data leaves the home only encrypted: plain http is allowed to this machine alone.
bool webhook_url_allowed(const std::string& url) {
  if (url.rfind("https://", 0) == 0) return url.size() > 8;
  for (const char* local : {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/",
                            "http://[::1]:", "http://[::1]/"}) {
    if (url.rfind(local, 0) == 0) return true;
  }
  return false;
}

void parse_webhook(const YamlParser& p, const YAML::Node& n, WebhookConfig& w) {
  using std::chrono::milliseconds;
  p.only_keys(n, "webhook",
              {"url", "secret", "secret_file", "ca_file", "timeout", "retry_min", "retry_max", "give_up_after"});
  if (!n["url"]) p.fail(n, "webhook.url", "required when webhook is given");
  w.url = p.str(n["url"], "webhook.url");
  if (!webhook_url_allowed(w.url))
    p.fail(n["url"], "webhook.url", "must be https:// (plain http only to 127.0.0.1, localhost or [::1])");
  if (n["secret"] && n["secret_file"]) p.fail(n["secret_file"], "webhook.secret_file", "give secret or secret_file");
  if (n["secret"]) w.secret = p.str(n["secret"], "webhook.secret");
  if (n["secret_file"]) w.secret = p.secret_file(n["secret_file"], "webhook.secret_file");
  if (w.secret.size() < 16)
    p.fail(n, "webhook.secret", "required, at least 16 characters (the receiver checks the signature with it)");
  if (n["ca_file"]) w.ca_file = p.str(n["ca_file"], "webhook.ca_file");
  if (n["timeout"]) {
    w.timeout = std::chrono::duration_cast<std::chrono::seconds>(
        p.duration(n["timeout"], "webhook.timeout", milliseconds{1000}, milliseconds{120'000}));
  }
  if (n["retry_min"])
    w.retry_min = p.duration(n["retry_min"], "webhook.retry_min", milliseconds{100}, milliseconds{600'000});
  if (n["retry_max"]) {
    w.retry_max = p.duration(n["retry_max"], "webhook.retry_max", milliseconds{1000}, milliseconds{86'400'000});
  }
  if (w.retry_max < w.retry_min) p.fail(n["retry_max"], "webhook.retry_max", "must not be less than retry_min");
  if (n["give_up_after"]) {
    w.give_up_after = std::chrono::duration_cast<std::chrono::hours>(p.duration(
        n["give_up_after"], "webhook.give_up_after", milliseconds{3'600'000}, milliseconds{90LL * 86'400'000}));
  }
}

void parse_uplink(const YamlParser& p, const YAML::Node& n, UplinkConfig& u) {
  using std::chrono::milliseconds;
  p.only_keys(n, "uplink",
              {"url", "coop_id", "gateway_id", "password_file", "ca_file", "cert_file", "key_file", "topic_prefix",
               "require_receipt", "receipt_timeout", "session_expiry", "retry_min", "retry_max", "give_up_after"});
  for (const char* key : {"url", "coop_id", "gateway_id", "password_file"}) {
    if (!n[key]) p.fail(n, std::string("uplink.") + key, "required when uplink is given");
  }
  u.url = p.str(n["url"], "uplink.url");
  if (!mqtt_url_encrypted_or_loopback(u.url))
    p.fail(n["url"], "uplink.url", "must be mqtts:// or ssl:// (plain mqtt:// only to 127.0.0.1, localhost or [::1])");
  u.coop_id = p.str(n["coop_id"], "uplink.coop_id");
  if (!config_id_valid(u.coop_id)) p.fail(n["coop_id"], "uplink.coop_id", "use 1-64 letters, digits, '-' or '_'");
  u.gateway_id = p.str(n["gateway_id"], "uplink.gateway_id");
  if (!config_id_valid(u.gateway_id))
    p.fail(n["gateway_id"], "uplink.gateway_id", "use 1-64 letters, digits, '-' or '_'");
  u.password = p.secret_file(n["password_file"], "uplink.password_file");
  if (n["ca_file"]) u.ca_file = p.str(n["ca_file"], "uplink.ca_file");
  if (n["cert_file"]) u.cert_file = p.str(n["cert_file"], "uplink.cert_file");
  if (n["key_file"]) u.key_file = p.str(n["key_file"], "uplink.key_file");
  if (u.cert_file.empty() != u.key_file.empty())
    p.fail(n, "uplink.cert_file", "give both cert_file and key_file, or neither");
  if (n["topic_prefix"]) {
    u.topic_prefix = p.str(n["topic_prefix"], "uplink.topic_prefix");
    const auto& t = u.topic_prefix;
    if (t.find_first_of("+#$") != std::string::npos || t.front() == '/' || t.back() == '/' ||
        t.find("//") != std::string::npos)
      p.fail(n["topic_prefix"], "uplink.topic_prefix", "no wildcards, '$', empty levels or leading/trailing '/'");
  }
  if (n["require_receipt"]) u.require_receipt = p.boolean(n["require_receipt"], "uplink.require_receipt");
  const auto secs = [&](const char* key, milliseconds lo, milliseconds hi) {
    return std::chrono::duration_cast<std::chrono::seconds>(p.duration(n[key], std::string("uplink.") + key, lo, hi));
  };
  if (n["receipt_timeout"]) u.receipt_timeout = secs("receipt_timeout", milliseconds{1000}, milliseconds{600'000});
  if (n["session_expiry"])
    u.session_expiry = secs("session_expiry", milliseconds{60'000}, milliseconds{90LL * 86'400'000});
  if (n["retry_min"])
    u.retry_min = p.duration(n["retry_min"], "uplink.retry_min", milliseconds{100}, milliseconds{600'000});
  if (n["retry_max"])
    u.retry_max = p.duration(n["retry_max"], "uplink.retry_max", milliseconds{1000}, milliseconds{86'400'000});
  if (u.retry_max < u.retry_min) p.fail(n["retry_max"], "uplink.retry_max", "must not be less than retry_min");
  if (n["give_up_after"]) {
    u.give_up_after = std::chrono::duration_cast<std::chrono::hours>(p.duration(
        n["give_up_after"], "uplink.give_up_after", milliseconds{3'600'000}, milliseconds{365LL * 86'400'000}));
  }
}

// An inline tariff is written in YAML in the same form as rules/data/tariffs.json; it is turned
// into JSON and checked by the same parser (rules/tariff.h).
nlohmann::json yaml_to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : n) out[kv.first.as<std::string>()] = yaml_to_json(kv.second);
    return out;
  }
  if (n.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : n) out.push_back(yaml_to_json(item));
    return out;
  }
  if (n.IsNull()) return nullptr;
  const std::string text = n.as<std::string>();
  if (n.Tag() != "!") {  // unquoted scalars may be numbers or booleans; quoted ones are strings
    if (text == "true" || text == "false") return text == "true";
    double d = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc{} && end == text.data() + text.size()) return d;
  }
  return text;
}

void parse_energy(const YamlParser& p, const YAML::Node& n, EnergySettings& e) {
  namespace en = rules::energy;
  p.only_keys(n, "energy",
              {"enabled", "tariff", "heating_fuel", "prepayment", "income_band", "grid_kg_co2e_per_kwh",
               "kit_cost_pence", "baseline", "reporting", "summary_retention_days"});
  if (n["enabled"]) e.enabled = p.boolean(n["enabled"], "energy.enabled");
  if (const auto& t = n["tariff"]) {
    if (t.IsScalar()) {
      const auto id = p.str(t, "energy.tariff");
      const en::Tariff* shipped = en::shipped_tariffs().find(id);
      if (shipped == nullptr) {
        std::string ids;
        for (const auto& known : en::shipped_tariffs().tariffs) ids += (ids.empty() ? "" : ", ") + known.id;
        p.fail(t, "energy.tariff", "no shipped tariff '" + id + "' (known: " + ids + "; or give the tariff inline)");
      }
      e.tariff = *shipped;
    } else if (t.IsMap()) {
      auto parsed = en::parse_tariff(yaml_to_json(t).dump());
      if (!parsed) p.fail(t, "energy.tariff", parsed.error().message);
      e.tariff = std::move(*parsed);
    } else {
      p.fail(t, "energy.tariff", "expected a shipped tariff id or a tariff mapping");
    }
  }
  if (const auto& f = n["heating_fuel"]) {
    const auto v = p.str(f, "energy.heating_fuel");
    if (v != "gas" && v != "electricity") p.fail(f, "energy.heating_fuel", "expected gas or electricity");
    e.tariff.heating_fuel = v == "gas" ? en::Fuel::gas : en::Fuel::electricity;
    if (e.tariff.heating_fuel == en::Fuel::gas && !e.tariff.gas)
      p.fail(f, "energy.heating_fuel", "gas heating needs a tariff with gas rates (energy.tariff)");
  }
  if (n["prepayment"]) e.tariff.prepayment = p.boolean(n["prepayment"], "energy.prepayment");
  if (auto v = en::validate(e.tariff); !v) p.fail(n, "energy.tariff", v.error().message);
  if (const auto& b = n["income_band"]) {
    p.only_keys(b, "energy.income_band", {"low_pence_per_year", "high_pence_per_year"});
    en::IncomeBand band;
    if (!b["low_pence_per_year"]) p.fail(b, "energy.income_band.low_pence_per_year", "required");
    band.low_pence_per_year =
        p.integer(b["low_pence_per_year"], "energy.income_band.low_pence_per_year", 0, 100'000'000'00LL);
    if (b["high_pence_per_year"]) {
      band.high_pence_per_year =
          p.integer(b["high_pence_per_year"], "energy.income_band.high_pence_per_year", 1, 100'000'000'00LL);
      if (*band.high_pence_per_year <= band.low_pence_per_year)
        p.fail(b["high_pence_per_year"], "energy.income_band.high_pence_per_year", "must be above low_pence_per_year");
    }
    e.income = band;
  }
  if (n["grid_kg_co2e_per_kwh"])
    e.grid_kg_co2e_per_kwh = p.number(n["grid_kg_co2e_per_kwh"], "energy.grid_kg_co2e_per_kwh", 0.0, 2.0);
  if (n["kit_cost_pence"]) e.kit_cost_pence = p.integer(n["kit_cost_pence"], "energy.kit_cost_pence", 0, 100'000'00);
  for (const char* key : {"baseline", "reporting"}) {
    if (!n[key]) continue;
    const auto range = parse_day_range(p.str(n[key], std::string("energy.") + key));
    if (!range)
      p.fail(n[key], std::string("energy.") + key, "expected YYYY-MM-DD..YYYY-MM-DD (first day not after last)");
    (std::string_view(key) == "baseline" ? e.baseline : e.reporting) = range;
  }
  if (n["summary_retention_days"])
    e.summary_retention_days =
        static_cast<int>(p.integer(n["summary_retention_days"], "energy.summary_retention_days", 30, 36500));
}

void parse_provisioning(const YamlParser& p, const YAML::Node& n, ProvisioningConfig& c) {
  using Accounts = ProvisioningConfig::Accounts;
  p.only_keys(n, "provisioning", {"accounts", "broker_timeout", "wrong_codes_before_lockout", "lockout"});
  if (n["accounts"]) {
    const std::string a = p.str(n["accounts"], "provisioning.accounts");
    if (a == "dynsec") {
      c.accounts = Accounts::dynsec;
    } else if (a == "none") {
      c.accounts = Accounts::none;
    } else if (a == "off") {
      c.accounts = Accounts::off;
    } else {
      p.fail(n["accounts"], "provisioning.accounts", "must be dynsec, none or off");
    }
  }
  if (n["broker_timeout"])
    c.broker_timeout = std::chrono::duration_cast<std::chrono::seconds>(p.duration(
        n["broker_timeout"], "provisioning.broker_timeout", std::chrono::seconds{1}, std::chrono::minutes{5}));
  if (n["wrong_codes_before_lockout"])
    c.wrong_codes_before_lockout =
        static_cast<int>(p.integer(n["wrong_codes_before_lockout"], "provisioning.wrong_codes_before_lockout", 1, 20));
  if (n["lockout"])
    c.lockout = std::chrono::duration_cast<std::chrono::seconds>(
        p.duration(n["lockout"], "provisioning.lockout", std::chrono::minutes{1}, std::chrono::hours{24}));
}

GatewayConfig parse_root(const YamlParser& p, const YAML::Node& root) {
  GatewayConfig c;
  c.source = p.source();
  if (root.IsNull()) return c;  // an empty file means defaults
  p.only_keys(root, "",
              {"home_id", "log_level", "mqtt", "store", "http", "ingest", "drivers", "devices", "rules", "consent",
               "webhook", "uplink", "energy", "provisioning"});
  if (root["home_id"]) c.home_id = p.str(root["home_id"], "home_id");
  if (root["log_level"]) c.log_level = p.str(root["log_level"], "log_level");
  if (root["mqtt"]) parse_mqtt(p, root["mqtt"], c.mqtt);
  if (root["store"]) parse_store(p, root["store"], c.store);
  if (root["http"]) parse_http(p, root["http"], c.http);
  if (root["ingest"]) parse_ingest(p, root["ingest"], c.ingest);
  if (root["drivers"]) parse_drivers(p, root["drivers"], c.drivers);
  if (root["devices"]) parse_devices(p, root["devices"], c.devices);
  if (root["rules"]) parse_rules(p, root["rules"], c.rules);
  if (root["consent"]) parse_consent(p, root["consent"], c.consent);
  if (root["webhook"]) parse_webhook(p, root["webhook"], c.webhook);
  if (root["uplink"]) parse_uplink(p, root["uplink"], c.uplink);
  if (root["energy"]) parse_energy(p, root["energy"], c.energy);
  if (root["provisioning"]) parse_provisioning(p, root["provisioning"], c.provisioning);
  return c;
}

bool valid_home_id(const std::string& id) {
  static const std::regex RE("^[A-Za-z0-9_-]{1,64}$");
  // hearth/v1/... is the firmware contract's namespace (firmware-interface/): v<N> is reserved.
  static const std::regex RESERVED("^v[0-9]+$");
  return std::regex_match(id, RE) && !std::regex_match(id, RESERVED);
}

}  // namespace

const std::vector<std::string>& appliance_kinds() {
  static const std::vector<std::string> KINDS = {
      "kettle", "fridge", "tv", "heater", "cooker", "microwave", "washing_machine", "medical", "lamp", "other",
      // energy (rules/energy_ledger.h, rules/energy_advice.h)
      "dishwasher", "tumble_dryer", "freezer", "fridge_freezer", "set_top_box", "av", "hifi", "games_console",
      "computer", "monitor", "printer", "coffee_machine", "speaker", "charger", "router", "storage_heater",
      "panel_heater", "fan_heater", "oil_heater", "mains", "gas_meter", "outdoor"};
  return KINDS;
}

std::optional<std::pair<rules::energy::Day, rules::energy::Day>> parse_day_range(std::string_view text) {
  const auto dots = text.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  const auto from = rules::energy::parse_day(text.substr(0, dots));
  const auto to = rules::energy::parse_day(text.substr(dots + 2));
  if (!from || !to || *from > *to) return std::nullopt;
  return std::pair{*from, *to};
}

core::Result<GatewayConfig> parse_config(const std::string& yaml_text, const std::string& source_name) {
  return parse_yaml_config<GatewayConfig>(yaml_text, source_name, parse_root);
}

core::Result<GatewayConfig> load_config_file(const std::string& path) {
  auto text = read_config_file(path);
  if (!text) return text.error();
  return parse_config(*text, path);
}

core::Result<GatewayConfig> finalise_config(GatewayConfig c, const Overrides& o) {
  if (o.mqtt_url) c.mqtt.url = *o.mqtt_url;
  if (o.db_path) c.store.path = *o.db_path;
  if (o.home_id) c.home_id = *o.home_id;
  if (o.log_level) c.log_level = *o.log_level;
  if (o.http_listen) {
    const auto colon = o.http_listen->rfind(':');
    if (colon == std::string::npos) return Error{"--http: expected ADDR:PORT, got '" + *o.http_listen + "'"};
    c.http.address = o.http_listen->substr(0, colon);
    const std::string port = o.http_listen->substr(colon + 1);
    char* end = nullptr;
    const long n = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || n < 0 || n > 65535) return Error{"--http: bad port '" + port + "'"};
    c.http.port = static_cast<std::uint16_t>(n);
    if (!c.http.address.empty() && c.http.address.front() == '[' && c.http.address.back() == ']') {
      c.http.address = c.http.address.substr(1, c.http.address.size() - 2);
    }
  }
  if (const char* token = std::getenv("HEARTH_API_TOKEN"); token != nullptr && *token != '\0') {
    c.http.api_token = token;
  }
  if (c.http.tls.enabled) c.http.secure_cookies = true;  // cookies never travel over plain HTTP
  if (!valid_home_id(c.home_id))
    return Error{c.source + ": home_id: use 1-64 letters, digits, '-' or '_' (not v1, v2, ...: reserved for firmware)"};
  if (c.mqtt.client_id.empty()) c.mqtt.client_id = "hearthd-" + c.home_id;
  const std::string& url = c.mqtt.url;
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "tcp" && scheme != "mqtt" && scheme != "ssl" && scheme != "mqtts" && scheme != "ws" &&
      scheme != "wss") {
    return Error{c.source + ": mqtt.url: expected tcp://, mqtt://, ssl://, mqtts://, ws:// or wss://, got '" + url +
                 "'"};
  }
  if (scheme == "ssl" || scheme == "mqtts" || scheme == "wss") c.mqtt.tls.enabled = true;
  if (c.mqtt.reconnect_min > c.mqtt.reconnect_max) {
    return Error{c.source + ": mqtt.reconnect_min is larger than mqtt.reconnect_max"};
  }
  static const std::set<std::string> LEVELS = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!LEVELS.contains(c.log_level)) return Error{c.source + ": log_level: unknown level '" + c.log_level + "'"};
  if (c.store.raw_retention_days > c.store.minute_retention_days ||
      c.store.minute_retention_days > c.store.hour_retention_days) {
    return Error{c.source + ": store: retention must grow from raw to minute to hour"};
  }
  return c;
}

std::vector<std::string> describe_config(const GatewayConfig& c) {
  const auto secret = [](const std::string& s) { return s.empty() ? std::string("(none)") : std::string("***"); };
  return {
      "config: " + c.source,
      "home_id: " + c.home_id,
      "mqtt: url=" + c.mqtt.url + " version=" + std::to_string(c.mqtt.version) + " client_id=" + c.mqtt.client_id +
          " username=" + (c.mqtt.username.empty() ? "(none)" : c.mqtt.username) +
          " password=" + secret(c.mqtt.password) + " tls=" + (c.mqtt.tls.enabled ? "on" : "off"),
      "store: path=" + c.store.path + " commit_interval_ms=" + std::to_string(c.store.commit_interval.count()) +
          " retention_days raw/minute/hour=" + std::to_string(c.store.raw_retention_days) + "/" +
          std::to_string(c.store.minute_retention_days) + "/" + std::to_string(c.store.hour_retention_days) +
          " synchronous=" + (c.store.synchronous_full ? "full" : "normal"),
      "http: " + c.http.address + ":" + std::to_string(c.http.port) + " api_token=" + secret(c.http.api_token) +
          " tls=" +
          (!c.http.tls.enabled            ? std::string("off")
           : c.http.tls.cert_file.empty() ? std::string("on (self-signed)")
                                          : "on cert_file=" + c.http.tls.cert_file),
      "ingest: max_payload_bytes=" + std::to_string(c.ingest.max_payload_bytes) +
          " duplicate_window_ms=" + std::to_string(c.ingest.duplicate_window.count()),
      "drivers: z2m_base_topic=" + c.drivers.z2m_base_topic + " ha_discovery_prefix=" + c.drivers.ha_discovery_prefix,
      "devices configured: " + std::to_string(c.devices.size()),
      std::string("consent: alerts=") + (c.consent.alerts ? "yes" : "no") +
          " daily_summaries=" + (c.consent.daily_summaries ? "yes" : "no"),
      "webhook: " + (c.webhook.url.empty() ? std::string("off") : c.webhook.url + " secret=***"),
      "uplink: " + (c.uplink.url.empty()
                        ? std::string("off")
                        : c.uplink.url + " coop_id=" + c.uplink.coop_id + " gateway_id=" + c.uplink.gateway_id +
                              " password=***" + " topic_prefix=" + c.uplink.topic_prefix +
                              " require_receipt=" + (c.uplink.require_receipt ? "yes" : "no")),
      std::string("energy: ") + (c.energy.enabled ? "on" : "off") + " tariff=" + c.energy.tariff.id +
          (c.energy.tariff.illustrative ? " (illustrative rates)" : "") +
          " heating_fuel=" + rules::energy::to_string(c.energy.tariff.heating_fuel) + " prepayment=" +
          (c.energy.tariff.prepayment ? "yes" : "no") + " income_band=" + (c.energy.income ? "declared" : "none"),
      std::string("provisioning: accounts=") +
          (c.provisioning.accounts == ProvisioningConfig::Accounts::dynsec ? "dynsec"
           : c.provisioning.accounts == ProvisioningConfig::Accounts::none ? "none (broker without accounts)"
                                                                           : "off (claims listed, not claimable)"),
  };
}

}  // namespace hearth::gateway
