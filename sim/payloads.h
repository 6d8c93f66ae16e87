#pragma once
// What each ecosystem's real firmware puts on the wire, as pure functions (topic layout and
// payload shapes follow drivers/*_driver.h and ../shared/fixtures/devices/FORMATS.md). The tests
// decode every one of them with Hearth's own drivers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::sim::payload {

// ---- Tasmota (plug with an energy monitor; FullTopic %prefix%/%topic%/) ----
struct TasmotaEnergy {
  std::string total_start_time;  // "2026-11-22T04:00:00": changes only when the counter restarts
  double total_kwh = 0.0;
  double today_kwh = 0.0;
  double power_w = 0.0;
  double voltage_v = 240.0;
};
// tele/<t>/SENSOR
std::string tasmota_sensor(std::string_view time, const TasmotaEnergy& e);
// tele/<t>/STATE; relay state only for a device that has a relay.
std::string tasmota_state(std::string_view time, std::int64_t uptime_s, std::optional<bool> power_on, int rssi_dbm);
// stat/<t>/RESULT after a command or query.
std::string tasmota_result(bool power_on);
inline std::string tasmota_power_text(bool on) { return on ? "ON" : "OFF"; }
// cmnd/<t>/POWER payload as Tasmota reads it: ON/OFF/1/0/TRUE/FALSE/TOGGLE/2 (any case); an empty
// payload is a query (the current state). nullopt: not a power command (Tasmota answers with an error).
std::optional<bool> tasmota_power_command(std::string_view payload, bool current);

// ---- Shelly Gen2 (Plus Plug S), RPC over MQTT with notifications on <prefix>/events/rpc ----
struct ShellySwitch {
  bool output = true;
  std::string_view source = "init";  // what last changed the output: init, button, MQTT
  double apower_w = 0.0;
  double voltage_v = 239.0;
  double aenergy_total_wh = 0.0;
  double temperature_c = 36.0;  // the plug's own chip, not the room (the driver skips it)
};
std::string shelly_notify_full_status(std::string_view prefix, double ts_s, const ShellySwitch& sw, int rssi_dbm);
std::string shelly_notify_status(std::string_view prefix, double ts_s, const ShellySwitch& sw);
struct ShellyRpc {
  std::int64_t id = 0;
  std::string src;  // where the reply goes: <src>/rpc
  std::string method;
  int switch_id = 0;
  std::optional<bool> on;
};
std::optional<ShellyRpc> shelly_parse_rpc(std::string_view payload);
std::string shelly_rpc_result(std::string_view prefix, const ShellyRpc& rpc, bool was_on);
std::string shelly_rpc_error(std::string_view prefix, const ShellyRpc& rpc, int code, std::string_view message);

// ---- Zigbee2MQTT (one bridge; devices at zigbee2mqtt/<friendly name>) ----
std::string z2m_climate(double temperature_c, double humidity_pct, int battery_pct, int linkquality);
std::string z2m_motion(bool occupancy, int illuminance_lux, int battery_pct, int linkquality);
std::string z2m_contact(bool open, int battery_pct, int linkquality);  // contact:true means CLOSED
std::string z2m_smoke(bool smoke, double density, int battery_pct, int linkquality);
std::string z2m_availability(bool online);  // Z2M 2.x form {"state":"online"}

// "2014-04-14T06:10:00" for a data time in ms since day 0 (Tasmota's Time field, device-local).
std::string local_time_text(std::int64_t data_ms, std::int64_t day0_epoch_s);

}  // namespace hearth::sim::payload
