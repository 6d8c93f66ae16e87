#pragma once
// What the householder and the admin change on the dashboard's setup page, on top of the YAML
// config: device names, rooms and kinds (essential/switchable: admin only), what may leave the
// home (consent), and how sensitive the wellbeing checks are. Kept in the store's settings table
// (one JSON value per key below), so it survives restarts and config reloads; the YAML stays the
// installer's baseline and a device's dashboard record replaces its YAML entry as a whole.
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "gateway/config.h"

namespace hearth::gateway {

class Store;

inline constexpr const char* DEVICES_SETTING = "setup.devices";  // {"<device id>": DeviceSettings}
inline constexpr const char* CONSENT_SETTING = "setup.consent";  // {"alerts": bool, "daily_summaries": bool}
inline constexpr const char* RULES_SETTING = "setup.rules";      // {"wellbeing_enabled", "wellbeing_sensitivity"}

struct RulesOverrides {
  std::optional<bool> wellbeing_enabled;
  std::optional<rules::Sensitivity> wellbeing_sensitivity;
};

struct HomeOverrides {
  std::map<std::string, DeviceSettings> devices;
  std::optional<ConsentConfig> consent;
  RulesOverrides rules;
};

// Unreadable stored values are logged and skipped (the YAML then applies), never fatal.
HomeOverrides load_overrides(const Store& store);

// The config with the overrides applied: what the daemon runs with.
std::map<std::string, DeviceSettings> effective_devices(const GatewayConfig& config, const HomeOverrides& o);
ConsentConfig effective_consent(const GatewayConfig& config, const HomeOverrides& o);
rules::RulesConfig effective_rules(const GatewayConfig& config, const HomeOverrides& o);

// JSON forms (API bodies and stored values), strictly checked: unknown keys, wrong types, names
// or rooms longer than 64 characters or with control characters, unknown kinds, and a device both
// essential and switchable are errors naming the field.
nlohmann::json device_settings_json(const DeviceSettings& s);
core::Result<DeviceSettings> device_settings_from_json(const nlohmann::json& j);
nlohmann::json consent_json(const ConsentConfig& c);
core::Result<ConsentConfig> consent_from_json(const nlohmann::json& j);
nlohmann::json rules_settings_json(const rules::RulesConfig& effective);  // what runs
core::Result<RulesOverrides> rules_overrides_from_json(const nlohmann::json& j);

// Write one part back (the settings table is written at once, not queued).
core::Result<void> save_device_overrides(Store& store, const std::map<std::string, DeviceSettings>& devices);
core::Result<void> save_consent(Store& store, const ConsentConfig& consent);
core::Result<void> save_rules_overrides(Store& store, const RulesOverrides& rules);

}  // namespace hearth::gateway
