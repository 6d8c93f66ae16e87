// Each ecosystem's payloads decoded by Hearth's own drivers (the gateway's DriverSet).
#include "sim/payloads.h"

#include <gtest/gtest.h>

#include "sim_test_support.h"

namespace {

using namespace hearth::sim;
using namespace hearth::sim::test;
using hearth::core::Metric;

Outgoing msg(std::string topic, std::string payload, bool retain = false) {
  return Outgoing{"x", std::move(topic), std::move(payload), 0, retain};
}

TEST(Payloads, TasmotaSensorStateLwtAndResult) {
  DriverSink sink;
  payload::TasmotaEnergy e;
  e.total_start_time = "2026-11-22T04:00:00";
  e.total_kwh = 12.3456;
  e.power_w = 2803.4;
  e.voltage_v = 240.2;
  sink.feed({msg("tele/kettle/LWT", "Online", true),
             msg("tele/kettle/SENSOR", payload::tasmota_sensor("2026-11-22T07:10:00", e)),
             msg("tele/kettle/STATE", payload::tasmota_state("2026-11-22T07:10:00", 3725, true, -63))},
            WallTime{1000});
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::online), 1.0);
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::power_w), 2803.0);  // Tasmota reports whole watts
  EXPECT_NEAR(sink.value("tasmota:kettle", Metric::energy_kwh), 12.346, 1e-9);
  EXPECT_NEAR(sink.value("tasmota:kettle", Metric::current_a), 2803.4 / 240.2, 1e-3);
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::relay_on), 1.0);
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::rssi_dbm), -63.0);  // Signal, not the 0-100 RSSI
  sink.feed({msg("stat/kettle/RESULT", payload::tasmota_result(false)), msg("tele/kettle/LWT", "Offline", true)},
            WallTime{2000});
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::relay_on), 0.0);
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::online), 0.0);
  // A meter without a relay says nothing about one.
  DriverSink meter;
  meter.feed({msg("tele/house_meter/STATE", payload::tasmota_state("2026-11-22T07:10:00", 5, std::nullopt, -70))},
             WallTime{1});
  EXPECT_FALSE(meter.has("tasmota:house_meter", Metric::relay_on));
}

TEST(Payloads, TasmotaPowerCommandsAsTheFirmwareReadsThem) {
  EXPECT_EQ(payload::tasmota_power_command("OFF", true), false);
  EXPECT_EQ(payload::tasmota_power_command("on", false), true);
  EXPECT_EQ(payload::tasmota_power_command("0", true), false);
  EXPECT_EQ(payload::tasmota_power_command("toggle", true), false);
  EXPECT_EQ(payload::tasmota_power_command("", true), true);  // a query
  EXPECT_EQ(payload::tasmota_power_command("blink", true), std::nullopt);
}

TEST(Payloads, ShellyGen2FullStatusNotifyAndRpc) {
  DriverSink sink;
  payload::ShellySwitch sw;
  sw.apower_w = 93.4;
  sw.aenergy_total_wh = 1534.25;
  const std::string prefix = "shellyplusplugs-d8bfc0a1b2c3";
  const std::string id = "shelly:" + prefix;
  sink.feed({msg(prefix + "/online", "true", true),
             msg(prefix + "/events/rpc", payload::shelly_notify_full_status(prefix, 1.7e9, sw, -61))},
            WallTime{1});
  EXPECT_EQ(sink.value(id, Metric::online), 1.0);
  EXPECT_NEAR(sink.value(id, Metric::power_w), 93.4, 1e-9);
  EXPECT_NEAR(sink.value(id, Metric::energy_kwh), 1.53425, 1e-9);
  EXPECT_EQ(sink.value(id, Metric::relay_on), 1.0);
  EXPECT_EQ(sink.value(id, Metric::rssi_dbm), -61.0);
  EXPECT_FALSE(sink.has(id, Metric::temperature_c)) << "the plug's chip is not the room";
  sw.output = false;
  sw.source = "MQTT";
  sw.apower_w = 0;
  sink.feed({msg(prefix + "/events/rpc", payload::shelly_notify_status(prefix, 1.7e9 + 5, sw))}, WallTime{2});
  EXPECT_EQ(sink.value(id, Metric::relay_on), 0.0);
  EXPECT_EQ(sink.value(id, Metric::power_w), 0.0);

  // The gateway's own switch command parses as the plug's RPC, and the reply is the Gen2 shape.
  const auto cmd = sink.relay_command(id, false);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, prefix + "/rpc");
  const auto rpc = payload::shelly_parse_rpc(cmd->payload);
  ASSERT_TRUE(rpc.has_value());
  EXPECT_EQ(rpc->method, "Switch.Set");
  EXPECT_EQ(rpc->on, false);
  EXPECT_EQ(rpc->switch_id, 0);
  const auto reply = payload::shelly_rpc_result(prefix, *rpc, true);
  EXPECT_NE(reply.find(R"("result":{"was_on":true})"), std::string::npos) << reply;
  EXPECT_NE(reply.find(R"("dst":")" + rpc->src + "\""), std::string::npos) << reply;
  EXPECT_FALSE(payload::shelly_parse_rpc("not json"));
}

TEST(Payloads, Zigbee2MqttSensors) {
  DriverSink sink;
  sink.feed({msg("zigbee2mqtt/bridge/state", R"({"state":"online"})", true),
             msg("zigbee2mqtt/living_room/climate/availability", payload::z2m_availability(true), true),
             msg("zigbee2mqtt/living_room/climate", payload::z2m_climate(19.234, 48.06, 87, 140)),
             msg("zigbee2mqtt/hall/motion", payload::z2m_motion(true, 180, 91, 80)),
             msg("zigbee2mqtt/hall/front_door", payload::z2m_contact(true, 95, 100)),
             msg("zigbee2mqtt/kitchen/smoke", payload::z2m_smoke(true, 18.0, 99, 120))},
            WallTime{1});
  EXPECT_EQ(sink.value("z2m:living_room/climate", Metric::online), 1.0);
  EXPECT_NEAR(sink.value("z2m:living_room/climate", Metric::temperature_c), 19.23, 1e-9);
  EXPECT_NEAR(sink.value("z2m:living_room/climate", Metric::humidity_pct), 48.1, 1e-9);
  EXPECT_EQ(sink.value("z2m:living_room/climate", Metric::battery_pct), 87.0);
  EXPECT_EQ(sink.value("z2m:hall/motion", Metric::motion), 1.0);
  EXPECT_EQ(sink.value("z2m:hall/front_door", Metric::contact_open), 1.0) << "contact:false is an open door";
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 1.0);
  sink.feed({msg("zigbee2mqtt/hall/front_door", payload::z2m_contact(false, 95, 100)),
             msg("zigbee2mqtt/kitchen/smoke", payload::z2m_smoke(false, 0, 99, 120)),
             msg("zigbee2mqtt/living_room/climate/availability", payload::z2m_availability(false), true)},
            WallTime{2});
  EXPECT_EQ(sink.value("z2m:hall/front_door", Metric::contact_open), 0.0);
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 0.0);
  EXPECT_EQ(sink.value("z2m:living_room/climate", Metric::online), 0.0);
}

TEST(Payloads, ShellyGen1PlugSpeaksPlainTextAndWattMinutes) {
  EXPECT_EQ(payload::shelly_gen1_power_text(93.719), "93.72");
  EXPECT_EQ(payload::shelly_gen1_power_text(0.0), "0.00");
  EXPECT_EQ(payload::shelly_gen1_energy_text(59999.9), "59999") << "whole watt-minutes";
  EXPECT_EQ(payload::shelly_gen1_relay_command("on", false), true);
  EXPECT_EQ(payload::shelly_gen1_relay_command("off", true), false);
  EXPECT_EQ(payload::shelly_gen1_relay_command("toggle", true), false);
  EXPECT_EQ(payload::shelly_gen1_relay_command("ON", false), std::nullopt) << "the firmware wants lower case";

  DriverSink sink;
  const std::string id = "shellyplug-s-C45BBE7F3A21";
  const std::string hid = "shelly:" + id;
  const std::string base = "shellies/" + id + "/";
  payload::ShellyGen1Info info;
  info.mac = "C45BBE7F3A21";
  info.ip = "192.168.1.61";
  info.relay_on = true;
  info.power_w = 884.318;
  info.energy_wmin = 53127.6;
  info.rssi_dbm = -66;
  info.uptime_s = 27;
  sink.feed(
      {msg(base + "online", "true"), msg("shellies/announce", payload::shelly_gen1_announce(id, info.mac, info.ip)),
       msg(base + "announce", payload::shelly_gen1_announce(id, info.mac, info.ip)),
       msg(base + "relay/0", payload::shelly_gen1_relay_text(true)),
       msg(base + "relay/0/power", payload::shelly_gen1_power_text(884.318)),
       msg(base + "relay/0/energy", payload::shelly_gen1_energy_text(53127.6)),
       msg(base + "temperature", payload::shelly_gen1_temperature_text(35.84)),
       msg(base + "temperature_f", payload::shelly_gen1_temperature_text(96.51)), msg(base + "overtemperature", "0")},
      WallTime{1});
  for (const auto& [topic, driver] : sink.driver_of) EXPECT_EQ(driver, "shelly_gen1") << topic;
  EXPECT_EQ(sink.value(hid, Metric::online), 1.0);
  EXPECT_EQ(sink.value(hid, Metric::relay_on), 1.0);
  EXPECT_NEAR(sink.value(hid, Metric::power_w), 884.32, 1e-9);
  EXPECT_NEAR(sink.value(hid, Metric::energy_kwh), 53127.0 / 60000.0, 1e-12) << "Wmin / 60000 = kWh";
  EXPECT_FALSE(sink.has(hid, Metric::temperature_c)) << "the plug's chip is not the room";
  ASSERT_EQ(sink.devices.count(hid), 1U);
  EXPECT_EQ(sink.devices.at(hid).model, "SHPLG-S");

  // The periodic info JSON carries the same counter (meters[0].total, Wmin) and the Wi-Fi signal.
  DriverSink from_info;
  from_info.feed({msg(base + "info", payload::shelly_gen1_info(info))}, WallTime{2});
  EXPECT_EQ(from_info.value(hid, Metric::relay_on), 1.0);
  EXPECT_NEAR(from_info.value(hid, Metric::power_w), 884.32, 1e-9);
  EXPECT_NEAR(from_info.value(hid, Metric::energy_kwh), 53127.0 / 60000.0, 1e-12);
  EXPECT_EQ(from_info.value(hid, Metric::rssi_dbm), -66.0);

  // The gateway's switch command is one the plug obeys; then the will.
  const auto cmd = sink.relay_command(hid, false);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, base + "relay/0/command");
  EXPECT_EQ(payload::shelly_gen1_relay_command(cmd->payload, true), false);
  sink.feed({msg(base + "relay/0", payload::shelly_gen1_relay_text(false)), msg(base + "online", "false")},
            WallTime{3});
  EXPECT_EQ(sink.value(hid, Metric::relay_on), 0.0);
  EXPECT_EQ(sink.value(hid, Metric::online), 0.0);
}

TEST(Payloads, EsphomeSensorStatesWithAndWithoutDiscovery) {
  EXPECT_EQ(payload::esphome_state(21.449, 1), "21.4");
  EXPECT_EQ(payload::esphome_state(47.6, 0), "48") << "accuracy_decimals 0: no decimal point";
  EXPECT_EQ(payload::esphome_state(-0.3, 0), "0");
  const std::string node = "kitchen-climate";
  const std::string hid = "esphome:" + node;
  const payload::EsphomeSensor temp{"kitchen_temperature", "Kitchen Temperature", "temperature", "°C", 1, false};
  const payload::EsphomeSensor hum{"kitchen_humidity", "Kitchen Humidity", "humidity", "%", 0, false};
  const payload::EsphomeSensor wifi{"wifi_signal", "WiFi Signal", "signal_strength", "dBm", 0, true};
  const auto states = [&](double t, double h, double rssi) {
    return std::vector<Outgoing>{msg(node + "/sensor/kitchen_temperature/state", payload::esphome_state(t, 1), true),
                                 msg(node + "/sensor/kitchen_humidity/state", payload::esphome_state(h, 0), true),
                                 msg(node + "/sensor/wifi_signal/state", payload::esphome_state(rssi, 0), true)};
  };

  // With the discovery configs first (as the node sends them), the HA discovery driver decodes the
  // states with their real unit and class, under the ESPHome driver's own device id.
  DriverSink sink;
  sink.feed({msg(node + "/status", "online", true)}, WallTime{1});
  for (const auto* s : {&temp, &hum, &wifi}) {
    sink.feed({msg("homeassistant/sensor/" + node + "/" + s->object_id + "/config",
                   payload::esphome_discovery_config(node, "a4cf12ab7e21", *s), true)},
              WallTime{1});
  }
  sink.feed(states(19.26, 61.4, -63.2), WallTime{2});
  EXPECT_EQ(sink.driver_of.at(node + "/sensor/kitchen_temperature/state"), "ha_discovery");
  EXPECT_EQ(sink.value(hid, Metric::online), 1.0);
  EXPECT_NEAR(sink.value(hid, Metric::temperature_c), 19.3, 1e-9);
  EXPECT_EQ(sink.value(hid, Metric::humidity_pct), 61.0);
  EXPECT_EQ(sink.value(hid, Metric::rssi_dbm), -63.0);
  sink.feed({msg(node + "/status", "offline", true)}, WallTime{3});
  EXPECT_EQ(sink.value(hid, Metric::online), 0.0);

  // A gateway that missed the retained configs still reads the same values by the ESPHome driver.
  DriverSink plain;
  plain.feed(states(19.26, 61.4, -63.2), WallTime{1});
  EXPECT_EQ(plain.driver_of.at(node + "/sensor/kitchen_temperature/state"), "esphome");
  EXPECT_NEAR(plain.value(hid, Metric::temperature_c), 19.3, 1e-9);
  EXPECT_EQ(plain.value(hid, Metric::humidity_pct), 61.0);
  EXPECT_EQ(plain.value(hid, Metric::rssi_dbm), -63.0);
}

TEST(Payloads, LocalTimeText) {
  EXPECT_EQ(payload::local_time_text(0, 1'397'433'600), "2014-04-14T00:00:00");
  EXPECT_EQ(payload::local_time_text((6 * 60 + 10) * 60'000LL + 999, 1'397'433'600), "2014-04-14T06:10:00");
  EXPECT_EQ(payload::local_time_text(DAY.count() + 1000, 1'397'433'600), "2014-04-15T00:00:01");
}

}  // namespace
