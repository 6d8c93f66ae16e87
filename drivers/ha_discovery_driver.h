#pragma once
// Home Assistant MQTT discovery driver: learns entities from discovery configs, then decodes their
// state and availability topics. Sits before the ESPHome driver in dispatch order so that learned
// ESPHome entities are decoded with their real device_class/unit instead of guessed ones.
//
// Topics (prefix = DriverOptions::ha_discovery_prefix, default "homeassistant"; subscribes "<prefix>/#"):
//   <prefix>/<component>/[<node_id>/]<object_id>/config   one entity; empty payload removes it
//   <prefix>/device/[<node_id>/]<object_id>/config        device-based: shared root options
//                                                         (state_topic, availability, ~, ...) plus
//                                                         per-entity configs under `cmps` with `p`
//   <prefix>/status                                       HA's birth message -> ignored
//   other topics under <prefix>                           ignored
//   learned state_topic / availability topics             decoded; returned once in Decoded::subscribe
// Config handling: abbreviations expanded (root, dev, o, availability[], cmps; unknown "*_t"/"*_tpl"
// keys become "*_topic"/"*_template"); "~" substituted at the start/end of every *_topic value and
// availability[].topic. Re-publishing a config replaces what it described.
//
// Mapping (component, device_class, unit -> metric, conversion):
//   sensor power W|kW -> power_w (kW x1000)      energy kWh|Wh|MWh -> energy_kwh (Wh /1000, MWh x1000)
//          voltage V|mV -> voltage_v (not battery voltage)         current A|mA -> current_a
//          temperature °C|°F|K -> temperature_c                    humidity % -> humidity_pct
//          illuminance lx -> illuminance_lux    battery % only -> battery_pct
//          signal_strength dBm -> rssi_dbm      carbon_monoxide ppm -> co_ppm
//          no device_class: inferred from the unit (W, kW, Wh, kWh, °C, °F, lx)
//   binary_sensor motion|occupancy|presence -> motion; door|window|opening|garage_door -> contact_open
//          (rendered value == payload_on means OPEN); smoke -> smoke; carbon_monoxide -> co_detected;
//          moisture -> water_leak.  payload_on/off (and switch state_on/off) may be JSON booleans:
//          values compare as text, case-insensitively, so true == "True" == "true".
//   switch -> relay_on; relay_command publishes payload_on/payload_off to command_topic.
//   A known device_class with a unit we cannot convert (battery in V, power in VA) is learned as
//   unsupported: counted, its state topic claimed (so nothing guesses a wrong unit), no readings.
// Templates: only {{ value }}, {{ value_json }}, {{ value_json.a.b }}, {{ value_json["a"] }},
//   {{ value_json['a'][0] }}. Anything else (filters, if-blocks, arithmetic) -> the entity is
//   learned as unsupported, counted (stats(), FieldIssue "value_template"/unknown_payload on the
//   config) and its state topic is NOT claimed. A JSON key missing from a shared state message is a
//   partial update: no reading, no issue. null / "None" -> FieldIssue NO_VALUE.
// Availability: availability_topic or availability[] (+ per-entry templates), payload_available /
//   payload_not_available (default online/offline), availability_mode latest|all|any -> `online`.
//
// Device ids:
//   ESPHome-origin configs (origin ESPHome, or abbreviated keys with state topic
//   "<prefix>/<component>/<object_id>/state"): "esphome:<prefix>", exactly as the ESPHome driver.
//   Zigbee2MQTT-origin configs (origin Zigbee2MQTT, or state topic under the z2m base topic): learned
//   for DeviceInfo ("z2m:<friendly name>") but their topics are NOT claimed or subscribed (the native
//   Z2M driver owns them; no duplicate devices).
//   Everything else: "ha:<first device identifier>", else "ha:<unique_id>", else "ha:<node/object id>".
//   A second entity of one device mapping to a metric already taken gets "<id>#<object_id>"
//   (object_id from the ESPHome state topic, the cmps key, or the discovery topic).
#include <cstddef>
#include <memory>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

struct HaDiscoveryStats {
  std::size_t entities = 0;        // currently learned (every origin)
  std::size_t unsupported = 0;     // of those: template outside the safe subset or unconvertible unit
  std::size_t claimed_topics = 0;  // state + availability topics decoded here
};

class HaDiscoveryDriver : public Driver {
 public:
  virtual HaDiscoveryStats stats() const = 0;
};

std::unique_ptr<HaDiscoveryDriver> make_ha_discovery_driver(const DriverOptions& options);

}  // namespace hearth::drivers
