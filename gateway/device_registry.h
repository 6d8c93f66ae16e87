#pragma once
// Every device Hearth has seen: discovered automatically from traffic, with display name, room,
// appliance kind and essential/switchable flags assigned by config (later by the dashboard).
// Holds the latest value per metric and the energy counter state. Bounded: max_devices.
#include <map>
#include <optional>
#include <string>

#include "core/energy_counter.h"
#include "core/reading.h"
#include "gateway/config.h"

namespace hearth::gateway {

struct LatestValue {
  double value = 0.0;
  core::TimePoint ts{};
  bool retained = false;  // known only from a retained message: age unknown
};

struct Device {
  std::string id;
  std::string driver;
  std::string model;
  std::string firmware;
  std::string announced_name;
  DeviceSettings settings;  // from config; name defaults to the announced name or the id
  std::optional<bool> online;
  core::TimePoint first_seen{};
  core::TimePoint last_seen{};
  std::map<core::Metric, LatestValue> latest;
  core::EnergyCounterState energy;

  std::string display_name() const;
};

class DeviceRegistry {
 public:
  explicit DeviceRegistry(std::size_t max_devices = 2000) : max_devices_(max_devices) {}

  // Returns the device, creating it if new; nullptr when the registry is full.
  Device* touch(const std::string& id, std::string_view driver, core::TimePoint ts, bool* created = nullptr);
  Device* find(const std::string& id);
  const Device* find(const std::string& id) const;
  const std::map<std::string, Device>& all() const { return devices_; }
  void apply_settings(const std::map<std::string, DeviceSettings>& settings);
  std::size_t size() const { return devices_.size(); }

 private:
  std::size_t max_devices_;
  std::map<std::string, Device> devices_;
  std::map<std::string, DeviceSettings> settings_;
};

}  // namespace hearth::gateway
