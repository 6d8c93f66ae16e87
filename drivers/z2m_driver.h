#pragma once
// Zigbee2MQTT driver.
//
// Topics (base = DriverOptions::z2m_base_topic, default "zigbee2mqtt"; subscribes "<base>/#"):
//   <base>/<name>                 JSON device state (name may contain '/', e.g. "hall/motion")
//   <base>/<name>/availability    "online"/"offline" (1.x legacy) or {"state":"online"} (2.x);
//                                 empty retained payload (left behind by a rename) = forget, ignored
//   <base>/<name>/<attr>          attribute output mode: plain value ("1987", "ON", "true")
//   <base>/<name>/set[/<attr>], <base>/<name>/get[/<attr>]   commands (ours or others') -> ignored
//   <base>/bridge/state           both forms; offline => online=0 for every known device
//   <base>/bridge/devices         learns names, power source, model, firmware -> DeviceInfo only
//   <base>/bridge/*               everything else ignored (events, logs, config)
//
// Device id: "z2m:<friendly_name>" ("z2m:kitchen/plug"); endpoint keys such as state_l2 become
// "z2m:<friendly_name>#l2".
//
// Field mapping (Z2M units come from the exposes definitions, so no conversion is needed):
//   power -> power_w (W)            energy -> energy_kwh (kWh, raw device counter)
//   voltage -> voltage_v (V)        current -> current_a (A)
//   state ON/OFF -> relay_on        temperature -> temperature_c    humidity -> humidity_pct
//   illuminance_lux, else illuminance -> illuminance_lux
//   occupancy, else presence -> motion
//   contact -> contact_open = !contact (true means CLOSED); not inverted for devices listed in
//              DriverOptions::inverted_contact_devices (by "z2m:<name>" or bare "<name>")
//   smoke -> smoke                  smoke_density -> smoke_density  carbon_monoxide -> co_detected
//   co -> co_ppm                    water_leak -> water_leak        battery -> battery_pct
//   linkquality -> link_quality (LQI 0-255)
//   Everything else (device_temperature, pressure, tamper, last_seen, ...) is not a metric.
//
// Traps handled:
//   - `voltage` is battery millivolts on battery devices: voltage_v only when the device is known
//     to be mains powered (bridge/devices) or carries no battery/battery_low field and the value
//     is below 1000 (no mains supply is 1000 V; a battery is ~3000 mV).
//   - legacy Hue: raw ZCL `illuminance` next to `illuminance_lux` -> only illuminance_lux is used.
//   - smoke with test:true (self-test): no smoke reading, FieldIssue SELF_TEST; the last seen `test`
//     flag is remembered so attribute-output topics and partial messages obey it too.
//   - null mock properties (HA integration) -> FieldIssue NO_VALUE, never 0/false.
//   - a friendly name containing '/' vs an attribute topic: a topic that is a known device is a
//     state topic; "<known device>/<attr>" is an attribute topic unless its payload is a JSON object
//     carrying linkquality (a new device nested under a known name); an unknown topic with a JSON
//     object payload is a new device.
//   - stale power while OFF, energy going down, x1000 spikes: emitted raw (EnergyCounter's job).
// Relay command: "<base>/<name>/set" {"state":"ON"} (or {"state_l2":"ON"}), only for devices seen
// reporting an ON/OFF state.
#include <memory>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

std::unique_ptr<Driver> make_z2m_driver(const DriverOptions& options);

}  // namespace hearth::drivers
