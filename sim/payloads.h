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

// ---- Shelly Gen1 (Plug S): plain-text values under shellies/<id>/, JSON only for announce/info ----
// relay/0: "on"/"off"; relay/0/power: W with two decimals ("93.72"); relay/0/energy: whole
// WATT-MINUTES since boot ("53127"; the Plug S does not keep it across a power cut).
inline std::string shelly_gen1_relay_text(bool on) { return on ? "on" : "off"; }
std::string shelly_gen1_power_text(double power_w);
std::string shelly_gen1_energy_text(double energy_wmin);
std::string shelly_gen1_temperature_text(double value);  // the plug's own chip ("31.84"), °C or °F
// shellies/announce and shellies/<id>/announce.
std::string shelly_gen1_announce(std::string_view id, std::string_view mac, std::string_view ip);
struct ShellyGen1Info {
  std::string mac;
  std::string ip;
  bool relay_on = true;
  double power_w = 0.0;
  double energy_wmin = 0.0;  // meters[0].total: the same counter as relay/0/energy
  double temperature_c = 32.0;
  int rssi_dbm = -60;
  std::int64_t uptime_s = 0;
};
// shellies/<id>/info (the periodic full status; no SNTP in the simulated home: time "" and unixtime 0).
std::string shelly_gen1_info(const ShellyGen1Info& info);
// relay/0/command as the firmware reads it: on/off/toggle. nullopt: not a relay command (ignored).
std::optional<bool> shelly_gen1_relay_command(std::string_view payload, bool current);

// ---- ESPHome (native MQTT component; topic_prefix = node name) ----
// A sensor's state: a bare number with the sensor's accuracy_decimals ("21.4", "48", "-67").
std::string esphome_state(double value, int accuracy_decimals);
// The Home Assistant discovery config the node publishes (retained) for one sensor, at
// homeassistant/sensor/<node>/<object_id>/config, with ESPHome's abbreviated keys.
struct EsphomeSensor {
  std::string object_id;  // lower-cased name, spaces as '_'
  std::string name;
  std::string device_class;  // temperature, humidity, signal_strength
  std::string unit;          // °C, %, dBm
  int accuracy_decimals = 1;
  bool diagnostic = false;  // entity_category diagnostic (the Wi-Fi signal)
};
std::string esphome_discovery_config(std::string_view node, std::string_view mac, const EsphomeSensor& sensor);

// ---- Zigbee2MQTT (one bridge; devices at zigbee2mqtt/<friendly name>) ----
std::string z2m_climate(double temperature_c, double humidity_pct, int battery_pct, int linkquality);
std::string z2m_motion(bool occupancy, int illuminance_lux, int battery_pct, int linkquality);
std::string z2m_contact(bool open, int battery_pct, int linkquality);  // contact:true means CLOSED
std::string z2m_smoke(bool smoke, double density, int battery_pct, int linkquality);
std::string z2m_availability(bool online);  // Z2M 2.x form {"state":"online"}

// "2014-04-14T06:10:00" for a data time in ms since day 0 (Tasmota's Time field, device-local).
std::string local_time_text(std::int64_t data_ms, std::int64_t day0_epoch_s);

}  // namespace hearth::sim::payload
