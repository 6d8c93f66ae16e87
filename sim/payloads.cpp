#include "sim/payloads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace hearth::sim::payload {
namespace {

using nlohmann::json;

double round_to(double v, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

std::string tasmota_sensor(std::string_view time, const TasmotaEnergy& e) {
  const double current_a = e.voltage_v > 0 ? e.power_w / e.voltage_v : 0.0;
  json energy = {{"TotalStartTime", e.total_start_time},
                 {"Total", round_to(e.total_kwh, 3)},
                 {"Yesterday", 0.0},
                 {"Today", round_to(e.today_kwh, 3)},
                 {"Power", static_cast<long>(std::lround(e.power_w))},
                 {"ApparentPower", static_cast<long>(std::lround(e.power_w * 1.02))},
                 {"ReactivePower", static_cast<long>(std::lround(e.power_w * 0.2))},
                 {"Factor", e.power_w > 0.5 ? 0.98 : 0.0},
                 {"Voltage", static_cast<long>(std::lround(e.voltage_v))},
                 {"Current", round_to(current_a, 3)}};
  return json{{"Time", time}, {"ENERGY", std::move(energy)}}.dump();
}

std::string tasmota_state(std::string_view time, std::int64_t uptime_s, std::optional<bool> power_on, int rssi_dbm) {
  const std::int64_t days = uptime_s / 86400, rem = uptime_s % 86400;
  char uptime[32];
  std::snprintf(uptime, sizeof uptime, "%lldT%02lld:%02lld:%02lld", static_cast<long long>(days),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem % 3600 / 60),
                static_cast<long long>(rem % 60));
  json j = {{"Time", time},           {"Uptime", uptime}, {"UptimeSec", uptime_s}, {"Heap", 26},
            {"SleepMode", "Dynamic"}, {"Sleep", 50},      {"LoadAvg", 19},         {"MqttCount", 1}};
  if (power_on) j["POWER"] = tasmota_power_text(*power_on);
  // RSSI is a 0-100 % quality, Signal the dBm (the driver uses only Signal).
  j["Wifi"] = {{"AP", 1},
               {"SSId", "hearth-demo"},
               {"RSSI", std::clamp(2 * (rssi_dbm + 100), 0, 100)},
               {"Signal", rssi_dbm},
               {"LinkCount", 1},
               {"Downtime", "0T00:00:03"}};
  return j.dump();
}

std::string tasmota_result(bool power_on) { return json{{"POWER", tasmota_power_text(power_on)}}.dump(); }

std::optional<bool> tasmota_power_command(std::string_view payload, bool current) {
  const std::string p = upper(payload);
  if (p.empty()) return current;
  if (p == "ON" || p == "1" || p == "TRUE") return true;
  if (p == "OFF" || p == "0" || p == "FALSE") return false;
  if (p == "TOGGLE" || p == "2") return !current;
  return std::nullopt;
}

namespace {
json shelly_switch_json(const ShellySwitch& sw, bool full) {
  const double current_a = sw.voltage_v > 0 ? sw.apower_w / sw.voltage_v : 0.0;
  json j = {{"id", 0},
            {"output", sw.output},
            {"apower", round_to(sw.apower_w, 1)},
            {"voltage", round_to(sw.voltage_v, 1)},
            {"current", round_to(current_a, 3)},
            {"aenergy", {{"total", round_to(sw.aenergy_total_wh, 3)}, {"by_minute", {0.0, 0.0, 0.0}}}}};
  if (full) {
    j["source"] = sw.source;
    j["temperature"] = {{"tC", round_to(sw.temperature_c, 1)}, {"tF", round_to(sw.temperature_c * 1.8 + 32, 1)}};
  }
  return j;
}
}  // namespace

std::string shelly_notify_full_status(std::string_view prefix, double ts_s, const ShellySwitch& sw, int rssi_dbm) {
  json params = {
      {"ts", round_to(ts_s, 2)},
      {"switch:0", shelly_switch_json(sw, true)},
      {"wifi", {{"sta_ip", "192.168.1.42"}, {"status", "got ip"}, {"ssid", "hearth-demo"}, {"rssi", rssi_dbm}}},
      {"sys", {{"restart_required", false}, {"available_updates", json::object()}}}};
  return json{{"src", prefix},
              {"dst", std::string(prefix) + "/events"},
              {"method", "NotifyFullStatus"},
              {"params", std::move(params)}}
      .dump();
}

std::string shelly_notify_status(std::string_view prefix, double ts_s, const ShellySwitch& sw) {
  json s = shelly_switch_json(sw, false);
  s["source"] = sw.source;
  return json{{"src", prefix},
              {"dst", std::string(prefix) + "/events"},
              {"method", "NotifyStatus"},
              {"params", {{"ts", round_to(ts_s, 2)}, {"switch:0", std::move(s)}}}}
      .dump();
}

std::optional<ShellyRpc> shelly_parse_rpc(std::string_view payload) {
  const json j = json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("method") || !j["method"].is_string()) return std::nullopt;
  ShellyRpc rpc;
  rpc.method = j["method"].get<std::string>();
  if (j.contains("id") && j["id"].is_number_integer()) rpc.id = j["id"].get<std::int64_t>();
  if (j.contains("src") && j["src"].is_string()) rpc.src = j["src"].get<std::string>();
  if (const auto it = j.find("params"); it != j.end() && it->is_object()) {
    if (it->contains("id") && (*it)["id"].is_number_integer()) rpc.switch_id = (*it)["id"].get<int>();
    if (it->contains("on") && (*it)["on"].is_boolean()) rpc.on = (*it)["on"].get<bool>();
  }
  return rpc;
}

std::string shelly_rpc_result(std::string_view prefix, const ShellyRpc& rpc, bool was_on) {
  return json{{"id", rpc.id}, {"src", prefix}, {"dst", rpc.src}, {"result", {{"was_on", was_on}}}}.dump();
}

std::string shelly_rpc_error(std::string_view prefix, const ShellyRpc& rpc, int code, std::string_view message) {
  return json{{"id", rpc.id}, {"src", prefix}, {"dst", rpc.src}, {"error", {{"code", code}, {"message", message}}}}
      .dump();
}

std::string shelly_gen1_power_text(double power_w) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::max(0.0, power_w));
  return buf;
}

std::string shelly_gen1_energy_text(double energy_wmin) {
  return std::to_string(static_cast<long long>(std::floor(std::max(0.0, energy_wmin))));
}

std::string shelly_gen1_temperature_text(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", value);
  return buf;
}

std::string shelly_gen1_announce(std::string_view id, std::string_view mac, std::string_view ip) {
  return json{{"id", id}, {"model", "SHPLG-S"}, {"mac", mac},
              {"ip", ip}, {"new_fw", false},    {"fw_ver", "20230913-114244/v1.14.0-gcb84623"}}
      .dump();
}

std::string shelly_gen1_info(const ShellyGen1Info& i) {
  // counters[]: watt-minutes in each of the last three whole minutes, i.e. about the average W.
  const double w = round_to(i.power_w, 2);
  json j = {{"wifi_sta", {{"connected", true}, {"ssid", "hearth-demo"}, {"ip", i.ip}, {"rssi", i.rssi_dbm}}},
            {"cloud", {{"enabled", false}, {"connected", false}}},
            {"mqtt", {{"connected", true}}},
            {"time", ""},
            {"unixtime", 0},
            {"serial", 1},
            {"has_update", false},
            {"mac", i.mac},
            {"relays", json::array({{{"ison", i.relay_on},
                                     {"has_timer", false},
                                     {"timer_started", 0},
                                     {"timer_duration", 0},
                                     {"timer_remaining", 0},
                                     {"overpower", false},
                                     {"source", "input"}}})},
            {"meters", json::array({{{"power", w},
                                     {"is_valid", true},
                                     {"timestamp", 0},
                                     {"counters", {w, w, w}},
                                     {"total", static_cast<long long>(std::floor(std::max(0.0, i.energy_wmin)))}}})},
            {"temperature", round_to(i.temperature_c, 2)},
            {"overtemperature", false},
            {"uptime", i.uptime_s}};
  return j.dump();
}

std::optional<bool> shelly_gen1_relay_command(std::string_view payload, bool current) {
  if (payload == "on") return true;
  if (payload == "off") return false;
  if (payload == "toggle") return !current;
  return std::nullopt;
}

std::string esphome_state(double value, int accuracy_decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", std::clamp(accuracy_decimals, 0, 6), value);
  std::string out = buf;
  if (out == "-0") out = "0";
  return out;
}

std::string esphome_discovery_config(std::string_view node, std::string_view mac, const EsphomeSensor& sensor) {
  const std::string prefix(node);
  json j = {{"dev_cla", sensor.device_class},
            {"unit_of_meas", sensor.unit},
            {"stat_cla", "measurement"},
            {"name", sensor.name}};
  if (sensor.diagnostic) j["ent_cat"] = "diagnostic";
  j["stat_t"] = prefix + "/sensor/" + sensor.object_id + "/state";
  j["avty_t"] = prefix + "/status";
  j["uniq_id"] = "ESPsensor" + sensor.object_id;
  j["dev"] = {{"ids", mac},        {"name", node},      {"sw", "2024.10.2 (Jan 14 2025, 07:00:00)"},
              {"mdl", "esp32dev"}, {"mf", "Espressif"}, {"cns", json::array({json::array({"mac", mac})})}};
  return j.dump();
}

std::string z2m_climate(double temperature_c, double humidity_pct, int battery_pct, int linkquality) {
  return json{{"battery", battery_pct},
              {"humidity", round_to(humidity_pct, 1)},
              {"linkquality", linkquality},
              {"temperature", round_to(temperature_c, 2)}}
      .dump();
}

std::string z2m_motion(bool occupancy, int illuminance_lux, int battery_pct, int linkquality) {
  return json{{"battery", battery_pct},
              {"illuminance_lux", illuminance_lux},
              {"linkquality", linkquality},
              {"occupancy", occupancy}}
      .dump();
}

std::string z2m_contact(bool open, int battery_pct, int linkquality) {
  return json{{"battery", battery_pct}, {"contact", !open}, {"linkquality", linkquality}}.dump();
}

std::string z2m_smoke(bool smoke, double density, int battery_pct, int linkquality) {
  return json{{"battery", battery_pct},
              {"battery_low", false},
              {"linkquality", linkquality},
              {"smoke", smoke},
              {"smoke_density", round_to(density, 1)},
              {"test", false}}
      .dump();
}

std::string z2m_availability(bool online) { return json{{"state", online ? "online" : "offline"}}.dump(); }

std::string local_time_text(std::int64_t data_ms, std::int64_t day0_epoch_s) {
  const std::time_t t = static_cast<std::time_t>(day0_epoch_s + data_ms / 1000 - (data_ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace hearth::sim::payload
