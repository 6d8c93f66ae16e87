#pragma once
// Shelly Gen2 / Plus / Pro / Gen3 / Gen4 (RPC firmware) over MQTT.
//
// Topics (<prefix> = mqtt.topic_prefix: the device id by default, user-set and possibly multi-level):
//   <prefix>/events/rpc       NotifyStatus (changed fields only) / NotifyFullStatus / NotifyEvent frames
//   <prefix>/status/<comp:id> full status of one component (needs status_ntf)
//   <prefix>/online           true/false, retained
//   Subscriptions cover 1-, 2- and 3-level prefixes: +/online, +/events/rpc, +/status/+ and the
//   +/+/... and +/+/+/... variants. Claiming is strict: events/rpc and status/<name:id> are Gen2-only
//   shapes; `<prefix>/online` is claimed only for a prefix already seen in a Gen2 frame or one that
//   looks like a default Gen2 id (shelly<model>-<hex>), so `shellies/<gen1 id>/online` falls through
//   to the Gen1 driver. This driver is dispatched BEFORE Gen1 (driver_set.cpp) so that a Gen2 device
//   under a `shellies/...` prefix is not mistaken for a Gen1 id. Outbound shapes (<prefix>/rpc request
//   frames, RPC replies on <src>/rpc, <prefix>/command/<comp:id>) are `ignored`.
//
// Mapping (values from NotifyStatus deltas, NotifyFullStatus and status/<comp> alike):
//   switch:<i>.output         -> relay_on
//   switch:<i>.apower, pm1:<i>.apower -> power_w (negative: negative_power issue)
//   .voltage / .current       -> voltage_v / current_a
//   .aenergy.total            -> energy_kwh = Wh / 1000 (by_minute is mWh and is not used)
//   .errors[]                 -> one out_of_range issue per entry, field `switch:<i>.errors.<error>`
//   temperature:<i>.tC (tF if only that) -> temperature_c; null -> no_value issue
//   humidity:<i>.rh           -> humidity_pct
//   devicepower:<i>.battery.percent -> battery_pct
//   smoke:<i>.alarm           -> smoke (mute is NOT "safe": it only silences the siren; not used)
//   flood:<i>.alarm           -> water_leak; errors (cable_unplugged) -> no_value issue, and alarm:false
//                                is then withheld (no "dry" reading from a disconnected probe)
//   illuminance:<i>.lux       -> illuminance_lux
//   wifi.rssi                 -> rssi_dbm
//   online                    -> online
//   Not room temperature: switch:<i>.temperature (device-internal) is skipped.
//   src of events/rpc (the real device id) -> DeviceInfo{model = id without the MAC part}.
//
// Overlay: NotifyStatus carries only changed fields, so readings are emitted only for fields present
//   in the message (never defaults), while per component the driver keeps the last known values whose
//   meaning depends on earlier messages: switch `source` and `aenergy.total`, flood errors.
//   counter_reset: set on an energy reading when the switch's source (from this message or the
//   overlay) is "init" AND the total is below the last total seen: a reboot that restarted the
//   counter. A rising total after "init" is not flagged, because firmware >= 1.1.0 keeps its totals
//   across reboots and flagging it would make EnergyCounter count the whole total again.
//   Device `ts` is never used (before NTP it is seconds since boot): readings carry Message::received.
//
// Device ids: `shelly:<prefix>` (e.g. `shelly:shellyplus1pm-a8032ab12345`, or
//   `shelly:home/kitchen/kettle-plug` for a custom prefix: the prefix is the one id every topic of the
//   device carries). Component index i > 0 is `shelly:<prefix>#<i>` (switch:1, temperature:100 add-on).
//
// relay_command: JSON-RPC on `<prefix>/rpc`:
//   {"id":1,"src":"hearth","method":"Switch.Set","params":{"id":<i>,"on":true|false}}
//   chosen over <prefix>/command/switch:<i> because the RPC frame is the documented API and is enabled
//   by default; replies arrive on hearth/rpc and are not needed (the change arrives as NotifyStatus).
//   Only for switches this driver has seen. Never retained.
#include <memory>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

std::unique_ptr<Driver> make_shelly_gen2_driver(const DriverOptions& options);

}  // namespace hearth::drivers
