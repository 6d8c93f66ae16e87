#include "gateway/device_registry.h"

namespace hearth::gateway {

std::string Device::display_name() const {
  if (!settings.name.empty()) return settings.name;
  if (!announced_name.empty()) return announced_name;
  return id;
}

Device* DeviceRegistry::touch(const std::string& id, std::string_view driver, core::TimePoint ts, bool* created) {
  if (created != nullptr) *created = false;
  if (auto it = devices_.find(id); it != devices_.end()) {
    if (ts > it->second.last_seen) it->second.last_seen = ts;
    return &it->second;
  }
  if (devices_.size() >= max_devices_) return nullptr;
  Device d;
  d.id = id;
  d.driver = std::string(driver);
  d.first_seen = ts;
  d.last_seen = ts;
  if (auto s = settings_.find(id); s != settings_.end()) d.settings = s->second;
  if (created != nullptr) *created = true;
  return &devices_.emplace(id, std::move(d)).first->second;
}

Device* DeviceRegistry::find(const std::string& id) {
  auto it = devices_.find(id);
  return it == devices_.end() ? nullptr : &it->second;
}

const Device* DeviceRegistry::find(const std::string& id) const {
  auto it = devices_.find(id);
  return it == devices_.end() ? nullptr : &it->second;
}

void DeviceRegistry::apply_settings(const std::map<std::string, DeviceSettings>& settings) {
  settings_ = settings;
  for (auto& [id, d] : devices_) {
    auto s = settings_.find(id);
    d.settings = s == settings_.end() ? DeviceSettings{} : s->second;
  }
}

}  // namespace hearth::gateway
