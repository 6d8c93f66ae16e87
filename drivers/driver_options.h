#pragma once
// Per-installation settings the drivers need (from the gateway config).
#include <set>
#include <string>
#include <vector>

namespace hearth::drivers {

struct DriverOptions {
  std::string z2m_base_topic = "zigbee2mqtt";
  std::string ha_discovery_prefix = "homeassistant";
  // Extra ESPHome topic_prefix values (the default node-name prefix is matched as "+").
  std::vector<std::string> esphome_prefixes;
  // Device ids whose temperature arrives in Fahrenheit with no unit in the payload (Shelly Gen1 H&T).
  std::set<std::string> fahrenheit_devices;
  // Zigbee contact sensors wired the other way round (some Tuya devices).
  std::set<std::string> inverted_contact_devices;
};

}  // namespace hearth::drivers
