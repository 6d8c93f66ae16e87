#include "core/metric.h"

#include <array>

namespace hearth::core {
namespace {

constexpr std::array<std::string_view, METRIC_COUNT> NAMES = {
    "power_w",         "energy_kwh",  "voltage_v",    "current_a", "relay_on",      "temperature_c", "humidity_pct",
    "illuminance_lux", "motion",      "contact_open", "smoke",     "smoke_density", "co_detected",   "co_ppm",
    "water_leak",      "battery_pct", "link_quality", "rssi_dbm",  "online",
};

}  // namespace

std::string_view to_string(Metric m) { return NAMES.at(static_cast<std::size_t>(m)); }

std::optional<Metric> metric_from_string(std::string_view name) {
  for (std::size_t i = 0; i < NAMES.size(); ++i) {
    if (NAMES[i] == name) return static_cast<Metric>(i);
  }
  return std::nullopt;
}

bool is_boolean(Metric m) {
  switch (m) {
    case Metric::relay_on:
    case Metric::motion:
    case Metric::contact_open:
    case Metric::smoke:
    case Metric::co_detected:
    case Metric::water_leak:
    case Metric::online:
      return true;
    default:
      return false;
  }
}

}  // namespace hearth::core
