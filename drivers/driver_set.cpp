#include "drivers/driver_set.h"

#include <algorithm>

#include "drivers/esphome_driver.h"
#include "drivers/ha_discovery_driver.h"
#include "drivers/hearth_native_driver.h"
#include "drivers/shelly_gen1_driver.h"
#include "drivers/shelly_gen2_driver.h"
#include "drivers/tasmota_driver.h"
#include "drivers/z2m_driver.h"

namespace hearth::drivers {

DriverSet::DriverSet(std::vector<std::unique_ptr<Driver>> drivers) : drivers_(std::move(drivers)) {}

DriverSet DriverSet::make_default(const DriverOptions& options) {
  std::vector<std::unique_ptr<Driver>> list;
  // First: hearth/v<N>/... is ours alone, and no learned discovery topic may claim it.
  list.push_back(make_hearth_native_driver());
  list.push_back(make_tasmota_driver(options));
  list.push_back(make_shelly_gen2_driver(options));
  list.push_back(make_shelly_gen1_driver(options));
  list.push_back(make_z2m_driver(options));
  list.push_back(make_ha_discovery_driver(options));
  list.push_back(make_esphome_driver(options));
  return DriverSet(std::move(list));
}

std::vector<std::string> DriverSet::subscriptions() const {
  std::vector<std::string> all;
  for (const auto& d : drivers_) {
    for (auto& s : d->subscriptions()) {
      if (std::find(all.begin(), all.end(), s) == all.end()) all.push_back(std::move(s));
    }
  }
  return all;
}

Dispatch DriverSet::decode(const Message& msg) {
  for (const auto& d : drivers_) {
    Decoded out = d->decode(msg);
    if (out.outcome != Outcome::not_mine) return {d->name(), std::move(out)};
  }
  return {};
}

std::optional<Outbound> DriverSet::relay_command(std::string_view device_id, bool on) const {
  // Drivers answer only for devices they have seen, so asking each in turn is unambiguous.
  for (const auto& d : drivers_) {
    if (auto cmd = d->relay_command(device_id, on)) return cmd;
  }
  return std::nullopt;
}

}  // namespace hearth::drivers
