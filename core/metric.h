#pragma once
// The normalised metrics. Every name carries its unit; booleans are stored as 0/1.
#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth::core {

enum class Metric : std::uint8_t {
  power_w,
  energy_kwh,  // monotonic per device (see EnergyCounter); drivers emit the raw device counter
  voltage_v,
  current_a,
  relay_on,
  temperature_c,
  humidity_pct,
  illuminance_lux,
  motion,
  contact_open,
  smoke,
  smoke_density,  // device-specific intensity scale (e.g. Xiaomi smoke_density), no unit
  co_detected,
  co_ppm,
  water_leak,
  battery_pct,
  link_quality,  // Zigbee LQI 0-255 (not comparable with dBm)
  rssi_dbm,      // Wi-Fi signal strength in dBm
  online,
};

inline constexpr std::size_t METRIC_COUNT = 19;

std::string_view to_string(Metric m);
std::optional<Metric> metric_from_string(std::string_view name);
// True for metrics whose value is 0/1.
bool is_boolean(Metric m);

}  // namespace hearth::core
