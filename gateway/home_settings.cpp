#include "gateway/home_settings.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gateway/store.h"

namespace hearth::gateway {
namespace {

using nlohmann::json;

constexpr std::size_t MAX_TEXT = 64;

core::Error field_error(const std::string& field, const std::string& why) { return core::Error{field + ": " + why}; }

std::optional<core::Error> unknown_keys(const json& j, std::initializer_list<const char*> allowed) {
  if (!j.is_object()) return core::Error{"expected a JSON object"};
  for (const auto& [key, value] : j.items()) {
    (void)value;
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      return field_error(key, "unknown field");
    }
  }
  return std::nullopt;
}

core::Result<std::string> text_field(const json& j, const char* key) {
  if (!j.contains(key)) return std::string{};
  if (!j[key].is_string()) return field_error(key, "expected text");
  auto s = j[key].get<std::string>();
  if (s.size() > MAX_TEXT) return field_error(key, "at most 64 characters");
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return field_error(key, "control characters are not allowed");
  }
  return s;
}

core::Result<bool> bool_field(const json& j, const char* key, bool fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_boolean()) return field_error(key, "expected true or false");
  return j[key].get<bool>();
}

std::optional<rules::Sensitivity> sensitivity_from_string(const std::string& s) {
  if (s == "low") return rules::Sensitivity::low;
  if (s == "normal") return rules::Sensitivity::normal;
  if (s == "high") return rules::Sensitivity::high;
  return std::nullopt;
}

const char* to_string(rules::Sensitivity s) {
  switch (s) {
    case rules::Sensitivity::low:
      return "low";
    case rules::Sensitivity::high:
      return "high";
    case rules::Sensitivity::normal:
      break;
  }
  return "normal";
}

std::optional<json> stored_json(const Store& store, const char* key) {
  const auto text = store.setting(key);
  if (!text) return std::nullopt;
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) {
    spdlog::error("settings: {} is not valid JSON; the YAML config applies instead", key);
    return std::nullopt;
  }
  return j;
}

core::Result<void> save(Store& store, const char* key, const json& value) {
  return store.set_setting(key, value.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

json device_settings_json(const DeviceSettings& s) {
  return {
      {"name", s.name}, {"room", s.room}, {"kind", s.kind}, {"essential", s.essential}, {"switchable", s.switchable}};
}

core::Result<DeviceSettings> device_settings_from_json(const json& j) {
  if (auto e = unknown_keys(j, {"name", "room", "kind", "essential", "switchable"})) return *e;
  DeviceSettings s;
  auto name = text_field(j, "name");
  if (!name) return name.error();
  auto room = text_field(j, "room");
  if (!room) return room.error();
  auto kind = text_field(j, "kind");
  if (!kind) return kind.error();
  auto essential = bool_field(j, "essential", false);
  if (!essential) return essential.error();
  auto switchable = bool_field(j, "switchable", false);
  if (!switchable) return switchable.error();
  s.name = *name;
  s.room = *room;
  if (!kind->empty()) s.kind = *kind;
  const auto& kinds = appliance_kinds();
  if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) {
    return field_error("kind", "unknown appliance kind '" + s.kind + "'");
  }
  s.essential = *essential;
  s.switchable = *switchable;
  if (s.essential && s.switchable) {
    return field_error("switchable", "an essential device is never switched off, so it cannot be switchable");
  }
  return s;
}

json consent_json(const ConsentConfig& c) { return {{"alerts", c.alerts}, {"daily_summaries", c.daily_summaries}}; }

core::Result<ConsentConfig> consent_from_json(const json& j) {
  if (auto e = unknown_keys(j, {"alerts", "daily_summaries"})) return *e;
  if (!j.contains("alerts") || !j.contains("daily_summaries")) {
    return core::Error{"both alerts and daily_summaries are required"};
  }
  auto alerts = bool_field(j, "alerts", false);
  if (!alerts) return alerts.error();
  auto summaries = bool_field(j, "daily_summaries", false);
  if (!summaries) return summaries.error();
  return ConsentConfig{*alerts, *summaries};
}

json rules_settings_json(const rules::RulesConfig& effective) {
  return {{"wellbeing_enabled", effective.wellbeing.enabled},
          {"wellbeing_sensitivity", to_string(effective.wellbeing.sensitivity)}};
}

core::Result<RulesOverrides> rules_overrides_from_json(const json& j) {
  if (auto e = unknown_keys(j, {"wellbeing_enabled", "wellbeing_sensitivity"})) return *e;
  RulesOverrides r;
  if (j.contains("wellbeing_enabled")) {
    if (!j["wellbeing_enabled"].is_boolean()) return field_error("wellbeing_enabled", "expected true or false");
    r.wellbeing_enabled = j["wellbeing_enabled"].get<bool>();
  }
  if (j.contains("wellbeing_sensitivity")) {
    const auto& v = j["wellbeing_sensitivity"];
    auto s = v.is_string() ? sensitivity_from_string(v.get<std::string>()) : std::nullopt;
    if (!s) return field_error("wellbeing_sensitivity", "expected low, normal or high");
    r.wellbeing_sensitivity = *s;
  }
  return r;
}

HomeOverrides load_overrides(const Store& store) {
  HomeOverrides o;
  if (auto j = stored_json(store, DEVICES_SETTING); j && j->is_object()) {
    for (const auto& [id, value] : j->items()) {
      auto s = device_settings_from_json(value);
      if (s) {
        o.devices[id] = *s;
      } else {
        spdlog::error("settings: device {} from the dashboard is unreadable ({}); the YAML config applies", id,
                      s.error().message);
      }
    }
  }
  if (auto j = stored_json(store, CONSENT_SETTING)) {
    if (auto c = consent_from_json(*j)) {
      o.consent = *c;
    } else {
      spdlog::error("settings: stored consent is unreadable ({}); the YAML config applies", c.error().message);
    }
  }
  if (auto j = stored_json(store, RULES_SETTING)) {
    if (auto r = rules_overrides_from_json(*j)) {
      o.rules = *r;
    } else {
      spdlog::error("settings: stored rule settings are unreadable ({}); the YAML config applies", r.error().message);
    }
  }
  return o;
}

std::map<std::string, DeviceSettings> effective_devices(const GatewayConfig& config, const HomeOverrides& o) {
  auto devices = config.devices;
  for (const auto& [id, s] : o.devices) devices[id] = s;
  return devices;
}

ConsentConfig effective_consent(const GatewayConfig& config, const HomeOverrides& o) {
  return o.consent.value_or(config.consent);
}

rules::RulesConfig effective_rules(const GatewayConfig& config, const HomeOverrides& o) {
  auto rules = config.rules;
  if (o.rules.wellbeing_enabled) rules.wellbeing.enabled = *o.rules.wellbeing_enabled;
  if (o.rules.wellbeing_sensitivity) rules.wellbeing.sensitivity = *o.rules.wellbeing_sensitivity;
  return rules;
}

core::Result<void> save_device_overrides(Store& store, const std::map<std::string, DeviceSettings>& devices) {
  json j = json::object();
  for (const auto& [id, s] : devices) j[id] = device_settings_json(s);
  return save(store, DEVICES_SETTING, j);
}

core::Result<void> save_consent(Store& store, const ConsentConfig& consent) {
  return save(store, CONSENT_SETTING, consent_json(consent));
}

core::Result<void> save_rules_overrides(Store& store, const RulesOverrides& rules) {
  json j = json::object();
  if (rules.wellbeing_enabled) j["wellbeing_enabled"] = *rules.wellbeing_enabled;
  if (rules.wellbeing_sensitivity) j["wellbeing_sensitivity"] = to_string(*rules.wellbeing_sensitivity);
  return save(store, RULES_SETTING, j);
}

}  // namespace hearth::gateway
