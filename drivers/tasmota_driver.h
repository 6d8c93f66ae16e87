#pragma once
// Tasmota (ESP8266/ESP32 plugs, relays, sensor nodes) over its native MQTT topics.
//
// Topics: the FullTopic is `%prefix%/%topic%/` by default (tele/<t>/SENSOR, stat/<t>/RESULT, ...).
//   Subscribes to tele/#, stat/#, tasmota/discovery/#. A custom FullTopic (e.g.
//   `tasmota/bedroom/%topic%/%prefix%/`) is learned from the retained native discovery config
//   `tasmota/discovery/<MAC>/config` (ft, t, tp, hn, mac; %hostname% and %id% are substituted) and
//   its stat/tele filters are returned in Decoded::subscribe. Before discovery arrives, a topic
//   `<...>/<t>/<tele|stat|cmnd>/<SENSOR|STATE|LWT|RESULT|POWERn|STATUSn>` is read as that layout.
//   cmnd/... (our own commands, or a retained one left by another tool) is `ignored`.
//
// Mapping (readings are always stamped with the gateway receive time; device Time/Epoch is unused):
//   tele LWT                 -> online (the discovery onln/ofln literals, else Online/Offline)
//   STATE|RESULT POWER[n]    -> relay_on (text compared with the discovery StateText state[0]/state[1],
//   stat POWER[n] (text/JSON)   else ON/OFF/1/0/true/false; an unknown text is an unknown_payload issue)
//   STATE Wifi.Signal        -> rssi_dbm (Wifi.RSSI is a 0-100 % quality and is NOT used)
//   SENSOR ENERGY.Total      -> energy_kwh, raw device counter (already kWh); counter_reset when
//                               ENERGY.TotalStartTime differs from the last one seen for the device
//   SENSOR ENERGY.Power      -> power_w (negative: negative_power issue)
//   SENSOR ENERGY.Voltage/.Current -> voltage_v / current_a
//   SENSOR <Drv>.Temperature -> temperature_c, converted when top-level TempUnit is "F"
//   SENSOR <Drv>.Humidity / .Illuminance -> humidity_pct / illuminance_lux
//   SENSOR Switch<n>, stat PIR<n> -> motion (FORMATS §8: a PIR is wired as a switch or a rule topic)
//   stat STATUSn {StatusSNS|StatusSTS} -> decoded as SENSOR / STATE.
//   Yesterday/Today/Period/ApparentPower/ReactivePower/Factor/Frequency/DewPoint/Pressure: not metrics.
//   tasmota/discovery/<MAC>/config -> DeviceInfo (md, dn, sw). .../sensors is `ignored`: it is a
//   retained snapshot of unknown age, and the live SENSOR follows within TelePeriod.
//
// Traps handled: legacy bare `nan` (lenient parse) and null -> no_value issue, never 0; numbers as
//   strings; ENERGY fields as a number OR a per-phase array (SetOption129); DS18B20 85.0 °C power-on
//   value -> no_value; ESP32 chip temperature (internal) skipped; localised StateText ("AN");
//   custom LWT literals; prefix not at the first topic level.
//
// Device ids: `tasmota:<%topic%>`. Channels: a numbered key or array element is channel n:
//   POWER -> `tasmota:t`, POWER2 -> `tasmota:t#2`, ENERGY "Power":[a,b,c] -> `#1`,`#2`,`#3` (scalar
//   ENERGY fields stay on the base id), Switch1/PIR1 -> `#1`. A sensor object carrying an `Id`
//   (DS18B20, single or several) is `tasmota:t#<Id>`, never the unstable DS18B20-n number; other
//   climate sensors use the base id, or `#<key>` (e.g. `#BME280`) when one message has several.
//   Note: SetOption26 makes a single-relay device report POWER1, i.e. `#1`.
//
// relay_command: `<cmnd prefix path>/POWER` or `/POWER<n>`, payload ON/OFF, for relays this driver
//   has seen; the path follows the device's learned or observed FullTopic. Never retained.
#include <memory>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

std::unique_ptr<Driver> make_tasmota_driver(const DriverOptions& options);

}  // namespace hearth::drivers
