#pragma once
// Shelly Gen1 (Plug S, 1/1PM, 2.5, EM/3EM, H&T, Door/Window 2, Motion, Flood, Smoke) over MQTT.
//
// Topics: everything under `shellies/<id>/` (subscribes to shellies/#). The MQTT id is user-set and
// may contain '/' (`shellies/kitchen/kettle/relay/0/power`), so the id is whatever lies between
// `shellies/` and a recognised tail (matched from the END of the topic, never by fixed depth).
// Topics under shellies/ whose tail is not a Gen1 one are `not_mine`: a Gen2 device may use a
// `shellies/...` topic_prefix. The Gen2 driver is therefore dispatched BEFORE this one (see
// driver_set.cpp); it claims `shellies/<x>/online` only for prefixes it has already seen as Gen2, so
// a retained Gen2 `online` that arrives before any Gen2 status is attributed here.
//
// Mapping (values are plain-text payloads unless noted; readings use the gateway receive time):
//   online                    -> online (true/false)
//   relay/<i>                 -> relay_on (on/off; `overpower` = off + out_of_range issue `relay/<i>:overpower`)
//   relay/<i>/power           -> power_w (negative: negative_power issue)
//   relay/<i>/energy          -> energy_kwh = watt-minutes / 60000 (raw counter; restarts at boot)
//   emeter/<i>/power          -> power_w, SIGNED (an EM clamp reports export as negative)
//   emeter/<i>/voltage|current-> voltage_v / current_a
//   emeter/<i>/total          -> energy_kwh = Wh / 1000 (emeter/<i>/energy, Wmin, is NOT used: two
//                                counters with different units on one id would corrupt the total)
//   sensor/temperature        -> temperature_c; the payload carries no unit, so it is °F only for
//                                ids in DriverOptions::fahrenheit_devices ("shelly:<id>" or "<id>")
//   sensor/humidity|battery|lux -> humidity_pct / battery_pct / illuminance_lux
//   sensor/state              -> contact_open (DW2: open=1, close=0)
//   sensor/flood|smoke|motion -> water_leak / smoke / motion (true/false)
//   ext_temperature/<i>, ext_humidity/<i> -> temperature_c / humidity_pct of the add-on probe
//   status (JSON, Motion)     -> motion, illuminance_lux (lux), battery_pct (bat)
//   info (JSON)               -> relays[].ison, meters[].power/total (Wmin), emeters[].power/voltage/
//                                current/total (Wh), wifi_sta.rssi (dBm), tmp/hum/bat (H&T)
//   announce (JSON, shellies/announce too) -> DeviceInfo (id, model, fw_ver)
//   overtemperature 1         -> out_of_range issue
//   Ignored (owned): temperature/temperature_f (device-internal, not the room), command topics
//   (our own), input*/longpush/roller/light/..., sensor/tilt|vibration|illumination|error|ext_power.
//
// Traps handled: Wmin vs Wh; 999 add-on sentinel -> no_value issue (never 999 °C); `close` not
//   `closed`; unit-less Fahrenheit; info `time:""`/`unixtime:0` never used as time.
//
// Device ids: `shelly:<mqtt id>`. Relay/emeter/meter index i > 0 is `shelly:<id>#<i>`; index 0 is the
//   base id. Add-on probes are `shelly:<id>#ext<i>` (they are separate sensors, not channels).
//
// relay_command: `shellies/<id>/relay/<i>/command`, payload on/off, for relays seen. Never retained.
#include <memory>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

std::unique_ptr<Driver> make_shelly_gen1_driver(const DriverOptions& options);

}  // namespace hearth::drivers
