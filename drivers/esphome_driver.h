#pragma once
// ESPHome native MQTT driver (the fallback for ESPHome nodes that HA discovery has not described).
//
// Topics (<prefix> = topic_prefix, default the node name; extra multi-level prefixes come from
// DriverOptions::esphome_prefixes):
//   <prefix>/sensor/<object_id>/state          bare number text ("21.4", "48", "nan", "None")
//   <prefix>/binary_sensor/<object_id>/state   ON / OFF
//   <prefix>/switch/<object_id>/state          ON / OFF -> relay_on
//   <prefix>/text_sensor/<object_id>/state     *version* -> DeviceInfo.firmware, others ignored
//   <prefix>/status                            online / offline (retained birth/will) -> online
//   <prefix>/debug, <prefix>/<component>/<object_id>/command, other components -> ignored
// Subscribes "+/<component>/+/state", "+/status" and the same under every extra prefix. Topics under
// the HA discovery prefix or the Z2M base topic are never taken.
//
// Device id: "esphome:<prefix>" ("esphome:home/living_room"). When a second entity of the same node
// maps to a metric already taken by another object_id, it becomes "esphome:<prefix>#<object_id>"
// (first come, first served; the HA discovery driver applies the same rule to ESPHome configs).
// `status` sets online for the node id and every such '#' id.
//
// State payloads carry no unit or meaning (that is only in discovery), so the metric is inferred from
// the object_id's words:
//   sensor:        temperature/temp -> temperature_c (°C assumed; chip/cpu/internal excluded)
//                  humidity -> humidity_pct          illuminance/lux -> illuminance_lux
//                  energy/kwh -> energy_kwh (kWh assumed; a "wh" word means Wh, /1000)
//                  power -> power_w (not power_factor/apparent/reactive)
//                  voltage -> voltage_v   current -> current_a   co/carbon_monoxide -> co_ppm
//                  battery -> battery_pct (battery voltage excluded)
//                  wifi_signal/rssi -> rssi_dbm (a percent variant excluded)
//                  anything else (co2, uptime, pressure...) -> decoded, no reading
//   binary_sensor: motion/pir/occupancy/presence -> motion; door/window/contact/opening -> contact_open
//                  (ON = open); smoke -> smoke; leak/water/flood/moisture -> water_leak;
//                  co/carbon_monoxide -> co_detected
//   switch:        relay_on
// Traps: "nan" (old firmware), "None" (new firmware) and empty payloads -> FieldIssue NO_VALUE;
// non-numbers -> WRONG_TYPE; negative power -> NEGATIVE_POWER; daily energy counters that drop to 0
// at midnight are emitted raw (EnergyCounter treats the drop as a restart).
// Relay command: "<prefix>/switch/<object_id>/command" ON/OFF for switches seen on a state topic.
#include <memory>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

std::unique_ptr<Driver> make_esphome_driver(const DriverOptions& options);

}  // namespace hearth::drivers
