#pragma once
// A normalised reading: what every driver produces and everything downstream consumes.
#include <string>

#include "core/metric.h"
#include "core/time.h"

namespace hearth::core {

struct Reading {
  // "<driver>:<native id>", e.g. "tasmota:kettle_plug"; a channel of a multi-channel device
  // is "<driver>:<native id>#<channel>" ('#' cannot occur in an MQTT topic name).
  std::string device_id;
  Metric metric = Metric::power_w;
  double value = 0.0;  // always in the metric's unit; booleans are 0/1
  TimePoint ts{};      // gateway receive time (device clocks are not trusted)
  // For energy_kwh: the device says its counter restarted (Tasmota TotalStartTime changed,
  // Shelly source "init"); EnergyCounter treats the value as counting from zero.
  bool counter_reset = false;
  // Delivered from the broker's retained store: last known value, of unknown age.
  bool retained = false;

  friend bool operator==(const Reading&, const Reading&) = default;
};

}  // namespace hearth::core
