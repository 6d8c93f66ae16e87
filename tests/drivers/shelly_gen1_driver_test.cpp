// Shelly Gen1 driver: hand-written payloads in the Gen1 MQTT formats (not the shared fixtures).
#include "drivers/shelly_gen1_driver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drivers/driver_test_support.h"

namespace {

using namespace hearth::drivers;
using namespace hearth::drivers::test;  // Metric, Expected, has_issues, ...

const auto T0 = hearth::core::from_epoch_ms(1'741'100'000'000);
const ReadingsAt has_readings{T0};

DriverOptions options_with_fahrenheit() {
  DriverOptions o;
  o.fahrenheit_devices = {"shelly:shellyht-F0F0F0", "shellyht-BEEF01"};  // full id and bare MQTT id
  return o;
}

class ShellyGen1DriverTest : public testing::Test {
 protected:
  std::unique_ptr<Driver> driver = make_shelly_gen1_driver(options_with_fahrenheit());

  Decoded feed(std::string_view topic, std::string_view payload, bool retained = false) {
    return driver->decode(Message{topic, payload, retained, T0});
  }
};

constexpr const char* PLUG = "shelly:shellyplug-s-8CAAB5001122";

TEST_F(ShellyGen1DriverTest, NameAndSubscriptions) {
  EXPECT_EQ(driver->name(), "shelly_gen1");
  EXPECT_EQ(driver->subscriptions(), std::vector<std::string>{"shellies/#"});
}

TEST_F(ShellyGen1DriverTest, PlainTextTopicsTable) {
  struct Case {
    const char* topic;
    const char* payload;
    std::vector<Expected> expected;
  };
  const std::vector<Case> cases = {
      {"shellies/shellyplug-s-8CAAB5001122/online", "true", {{PLUG, Metric::online, 1.0}}},
      {"shellies/shellyplug-s-8CAAB5001122/online", "false", {{PLUG, Metric::online, 0.0}}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0", "on", {{PLUG, Metric::relay_on, 1.0}}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0", "off", {{PLUG, Metric::relay_on, 0.0}}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/power", "512.40", {{PLUG, Metric::power_w, 512.4}}},
      // Watt-minutes: 90030 Wmin = 1500.5 Wh = 1.5005 kWh.
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/energy", "90030", {{PLUG, Metric::energy_kwh, 1.5005}}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/energy", "7", {{PLUG, Metric::energy_kwh, 7.0 / 60000.0}}},
      {"shellies/shelly25-3C6105AABBCC/relay/1", "on", {{"shelly:shelly25-3C6105AABBCC#1", Metric::relay_on, 1.0}}},
      {"shellies/shelly25-3C6105AABBCC/relay/1/power",
       "41",
       {{"shelly:shelly25-3C6105AABBCC#1", Metric::power_w, 41.0}}},
      {"shellies/shellyht-1A2B3C/sensor/temperature",
       "19.25",
       {{"shelly:shellyht-1A2B3C", Metric::temperature_c, 19.25}}},
      {"shellies/shellyht-1A2B3C/sensor/humidity", "57.5", {{"shelly:shellyht-1A2B3C", Metric::humidity_pct, 57.5}}},
      {"shellies/shellyht-1A2B3C/sensor/battery", "64", {{"shelly:shellyht-1A2B3C", Metric::battery_pct, 64.0}}},
      {"shellies/shellydw2-C0FFEE/sensor/state", "open", {{"shelly:shellydw2-C0FFEE", Metric::contact_open, 1.0}}},
      {"shellies/shellydw2-C0FFEE/sensor/state", "close", {{"shelly:shellydw2-C0FFEE", Metric::contact_open, 0.0}}},
      {"shellies/shellydw2-C0FFEE/sensor/lux", "7", {{"shelly:shellydw2-C0FFEE", Metric::illuminance_lux, 7.0}}},
      {"shellies/shellyflood-ABC123/sensor/flood", "true", {{"shelly:shellyflood-ABC123", Metric::water_leak, 1.0}}},
      {"shellies/shellyflood-ABC123/sensor/flood", "false", {{"shelly:shellyflood-ABC123", Metric::water_leak, 0.0}}},
      {"shellies/shellysmoke-DEF456/sensor/smoke", "true", {{"shelly:shellysmoke-DEF456", Metric::smoke, 1.0}}},
      {"shellies/shelly1pm-111111/ext_temperature/1",
       "23.5",
       {{"shelly:shelly1pm-111111#ext1", Metric::temperature_c, 23.5}}},
      {"shellies/shelly1pm-111111/ext_humidity/0",
       "61",
       {{"shelly:shelly1pm-111111#ext0", Metric::humidity_pct, 61.0}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.topic) + " = " + c.payload);
    const auto d = feed(c.topic, c.payload);
    EXPECT_EQ(d.outcome, Outcome::decoded);
    EXPECT_TRUE(has_readings(d, c.expected));
    EXPECT_TRUE(d.issues.empty());
  }
}

TEST_F(ShellyGen1DriverTest, BadValuesBecomeIssuesNotZero) {
  struct Case {
    const char* topic;
    const char* payload;
    ExpectedIssue issue;
  };
  const std::vector<Case> cases = {
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/power", "-3.5", {PLUG, "relay/0/power", reason::NEGATIVE_POWER}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/power", "None", {PLUG, "relay/0/power", reason::NO_VALUE}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/power", "nan", {PLUG, "relay/0/power", reason::NO_VALUE}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/power", "lots", {PLUG, "relay/0/power", reason::WRONG_TYPE}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0/energy", "-60", {PLUG, "relay/0/energy", reason::OUT_OF_RANGE}},
      {"shellies/shellyplug-s-8CAAB5001122/relay/0", "maybe", {PLUG, "relay/0", reason::UNKNOWN_PAYLOAD}},
      {"shellies/shellyplug-s-8CAAB5001122/online", "yes please", {PLUG, "online", reason::UNKNOWN_PAYLOAD}},
      {"shellies/shellyht-1A2B3C/sensor/temperature",
       "999",
       {"shelly:shellyht-1A2B3C", "sensor/temperature", reason::NO_VALUE}},
      {"shellies/shellyht-1A2B3C/sensor/humidity",
       "999",
       {"shelly:shellyht-1A2B3C", "sensor/humidity", reason::NO_VALUE}},
      {"shellies/shellyht-1A2B3C/sensor/humidity",
       "104",
       {"shelly:shellyht-1A2B3C", "sensor/humidity", reason::OUT_OF_RANGE}},
      {"shellies/shellyht-1A2B3C/sensor/battery",
       "-1",
       {"shelly:shellyht-1A2B3C", "sensor/battery", reason::OUT_OF_RANGE}},
      {"shellies/shellydw2-C0FFEE/sensor/state",
       "ajar",
       {"shelly:shellydw2-C0FFEE", "sensor/state", reason::UNKNOWN_PAYLOAD}},
      {"shellies/shelly1pm-111111/ext_temperature/0",
       "999",
       {"shelly:shelly1pm-111111#ext0", "ext_temperature/0", reason::NO_VALUE}},
      {"shellies/shelly1pm-111111/ext_temperature/2",
       "-127",
       {"shelly:shelly1pm-111111#ext2", "ext_temperature/2", reason::OUT_OF_RANGE}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.topic) + " = " + c.payload);
    const auto d = feed(c.topic, c.payload);
    EXPECT_EQ(d.outcome, Outcome::decoded);
    EXPECT_TRUE(has_readings(d, {}));
    EXPECT_TRUE(has_issues(d, {c.issue}));
  }
}

TEST_F(ShellyGen1DriverTest, OverpowerIsRelayOffPlusAFault) {
  const auto d = feed("shellies/shellyplug-s-8CAAB5001122/relay/0", "overpower");
  EXPECT_TRUE(has_readings(d, {{PLUG, Metric::relay_on, 0.0}}));
  EXPECT_TRUE(has_issues(d, {{PLUG, "relay/0:overpower", reason::OUT_OF_RANGE}}));
  EXPECT_EQ(feed("shellies/shellyplug-s-8CAAB5001122/relay/0/overpower_value", "3120").outcome, Outcome::ignored);
  EXPECT_TRUE(has_issues(feed("shellies/shellyplug-s-8CAAB5001122/overtemperature", "1"),
                         {{PLUG, "overtemperature", reason::OUT_OF_RANGE}}));
  EXPECT_EQ(feed("shellies/shellyplug-s-8CAAB5001122/overtemperature", "0").outcome, Outcome::ignored);
}

TEST_F(ShellyGen1DriverTest, EmeterUsesWhTotalAndSignedPower) {
  const std::string em = "shelly:shellyem-A4CF12F00D00";
  EXPECT_TRUE(has_readings(feed("shellies/shellyem-A4CF12F00D00/emeter/0/total", "250123.4"),
                           {{em, Metric::energy_kwh, 250.1234}}));
  // `energy` is watt-minutes of a different counter: not mixed into the same id.
  EXPECT_EQ(feed("shellies/shellyem-A4CF12F00D00/emeter/0/energy", "88211").outcome, Outcome::ignored);
  EXPECT_EQ(feed("shellies/shellyem-A4CF12F00D00/emeter/0/total_returned", "1200.0").outcome, Outcome::ignored);
  // A grid clamp reports export as negative power: kept, it is a measurement.
  EXPECT_TRUE(has_readings(feed("shellies/shellyem-A4CF12F00D00/emeter/1/power", "-230.5"),
                           {{em + "#1", Metric::power_w, -230.5}}));
  EXPECT_TRUE(has_readings(feed("shellies/shellyem-A4CF12F00D00/emeter/0/voltage", "244.02"),
                           {{em, Metric::voltage_v, 244.02}}));
  EXPECT_TRUE(
      has_readings(feed("shellies/shellyem-A4CF12F00D00/emeter/0/current", "1.25"), {{em, Metric::current_a, 1.25}}));
}

TEST_F(ShellyGen1DriverTest, FahrenheitOnlyForConfiguredDevices) {
  // 71.6 °F = 22 °C; the device list accepts "shelly:<id>" and the bare MQTT id.
  EXPECT_TRUE(has_readings(feed("shellies/shellyht-F0F0F0/sensor/temperature", "71.6"),
                           {{"shelly:shellyht-F0F0F0", Metric::temperature_c, 22.0}}));
  EXPECT_TRUE(has_readings(feed("shellies/shellyht-BEEF01/sensor/temperature", "50"),
                           {{"shelly:shellyht-BEEF01", Metric::temperature_c, 10.0}}));
  EXPECT_TRUE(has_readings(feed("shellies/shellyht-0A0A0A/sensor/temperature", "71.6"),
                           {{"shelly:shellyht-0A0A0A", Metric::temperature_c, 71.6}}));
  // The 999 sentinel is checked before conversion.
  EXPECT_TRUE(has_issues(feed("shellies/shellyht-F0F0F0/sensor/temperature", "999"),
                         {{"shelly:shellyht-F0F0F0", "sensor/temperature", reason::NO_VALUE}}));
}

TEST_F(ShellyGen1DriverTest, InternalTemperatureIsNotRoomTemperature) {
  for (const auto* leaf : {"temperature", "temperature_f"}) {
    const auto d = feed(std::string("shellies/shellyplug-s-8CAAB5001122/") + leaf, "44.1");
    EXPECT_EQ(d.outcome, Outcome::ignored) << leaf;
    EXPECT_TRUE(d.readings.empty());
  }
}

TEST_F(ShellyGen1DriverTest, CustomMqttIdWithSlashes) {
  EXPECT_TRUE(has_readings(feed("shellies/garage/freezer/relay/0/power", "88.0"),
                           {{"shelly:garage/freezer", Metric::power_w, 88.0}}));
  EXPECT_TRUE(
      has_readings(feed("shellies/garage/freezer/relay/0", "on"), {{"shelly:garage/freezer", Metric::relay_on, 1.0}}));
  EXPECT_TRUE(
      has_readings(feed("shellies/garage/freezer/online", "true"), {{"shelly:garage/freezer", Metric::online, 1.0}}));
  EXPECT_TRUE(has_readings(feed("shellies/a/b/c/sensor/flood", "true"), {{"shelly:a/b/c", Metric::water_leak, 1.0}}));
  const auto cmd = driver->relay_command("shelly:garage/freezer", false);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->topic, "shellies/garage/freezer/relay/0/command");
  EXPECT_EQ(cmd->payload, "off");
}

TEST_F(ShellyGen1DriverTest, MotionStatusJson) {
  const std::string motion = "shelly:shellymotion2-E8DB84AA0011";
  EXPECT_TRUE(has_readings(
      feed("shellies/shellymotion2-E8DB84AA0011/status",
           R"({"motion":true,"timestamp":1741100000,"active":true,"vibration":false,"lux":212,"bat":58})"),
      {{motion, Metric::motion, 1.0}, {motion, Metric::illuminance_lux, 212.0}, {motion, Metric::battery_pct, 58.0}}));
  EXPECT_TRUE(has_readings(feed("shellies/shellymotion2-E8DB84AA0011/status", R"({"motion":false})"),
                           {{motion, Metric::motion, 0.0}}));
  const auto bad = feed("shellies/shellymotion2-E8DB84AA0011/status", R"({"motion":"perhaps","lux":null,"bat":"77"})");
  EXPECT_TRUE(has_readings(bad, {{motion, Metric::battery_pct, 77.0}}));
  EXPECT_TRUE(
      has_issues(bad, {{motion, "status.motion", reason::UNKNOWN_PAYLOAD}, {motion, "status.lux", reason::NO_VALUE}}));
  EXPECT_EQ(feed("shellies/shellymotion2-E8DB84AA0011/status", R"({"motion":tru)").reject_reason,
            reason::MALFORMED_JSON);
  EXPECT_EQ(feed("shellies/shellymotion2-E8DB84AA0011/status", "[true]").reject_reason, reason::WRONG_TYPE);
}

TEST_F(ShellyGen1DriverTest, InfoJsonBeforeTimeSync) {
  const auto d = feed("shellies/shelly1pm-84CCA8ABCDEF/info",
                      R"({"wifi_sta":{"connected":true,"ssid":"garden","ip":"10.0.5.9","rssi":-72},)"
                      R"("cloud":{"enabled":false,"connected":false},"mqtt":{"connected":true},"time":"","unixtime":0,)"
                      R"("serial":4,"has_update":false,"mac":"84CCA8ABCDEF","relays":[{"ison":false,"has_timer":false,)"
                      R"("overpower":false,"source":"http"}],"meters":[{"power":0.00,"overpower":0.00,"is_valid":true,)"
                      R"("timestamp":0,"counters":[0.000,0.000,0.000],"total":245160}],"temperature":39.12,)"
                      R"("overtemperature":false,"uptime":12})");
  const std::string id = "shelly:shelly1pm-84CCA8ABCDEF";
  EXPECT_EQ(d.outcome, Outcome::decoded);
  // 245160 Wmin = 4.086 kWh; the internal temperature (39.12) is not a reading.
  EXPECT_TRUE(has_readings(d, {{id, Metric::relay_on, 0.0},
                               {id, Metric::power_w, 0.0},
                               {id, Metric::energy_kwh, 4.086},
                               {id, Metric::rssi_dbm, -72.0}}));
  EXPECT_TRUE(driver->relay_command(id, true));  // a relay seen in info counts
}

TEST_F(ShellyGen1DriverTest, InfoJsonEmetersInvalidMetersAndHtClimate) {
  const auto em = feed("shellies/shellyem3-C45BBE000111/info",
                       R"({"relays":[{"ison":true,"overpower":true}],"emeters":[{"power":1500.5,"pf":0.97,)"
                       R"("current":6.55,"voltage":236.1,"is_valid":true,"total":99000.0,"total_returned":0.0},)"
                       R"({"power":10.0,"is_valid":false,"total":5.0}]})");
  const std::string id = "shelly:shellyem3-C45BBE000111";
  EXPECT_TRUE(has_readings(em, {{id, Metric::relay_on, 1.0},
                                {id, Metric::power_w, 1500.5},
                                {id, Metric::current_a, 6.55},
                                {id, Metric::voltage_v, 236.1},
                                {id, Metric::energy_kwh, 99.0}}));
  EXPECT_TRUE(has_issues(em, {{id, "info.relays[0].overpower", reason::OUT_OF_RANGE}}));

  // H&T: tmp carries the device unit; tC is Celsius whatever the setting.
  const std::string ht = "shelly:shellyht-F0F0F0";
  EXPECT_TRUE(has_readings(
      feed("shellies/shellyht-F0F0F0/info", R"({"tmp":{"value":68.9,"units":"F","tC":20.5,"tF":68.9,"is_valid":true},)"
                                            R"("hum":{"value":49,"is_valid":true},"bat":{"value":82,"voltage":2.91}})"),
      {{ht, Metric::temperature_c, 20.5}, {ht, Metric::humidity_pct, 49.0}, {ht, Metric::battery_pct, 82.0}}));
  EXPECT_TRUE(
      has_readings(feed("shellies/shellyht-F0F0F0/info", R"({"tmp":{"value":50.0,"units":"F","is_valid":true}})"),
                   {{ht, Metric::temperature_c, 10.0}}));
  EXPECT_EQ(feed("shellies/shellyht-F0F0F0/info", R"({"tmp":{"value":0,"is_valid":false}})").outcome, Outcome::ignored);
}

TEST_F(ShellyGen1DriverTest, AnnounceGivesDeviceInfo) {
  for (const auto* topic : {"shellies/announce", "shellies/shellyswitch25-A1B2C3D4E5F6/announce"}) {
    const auto d = feed(topic, R"({"id":"shellyswitch25-A1B2C3D4E5F6","model":"SHSW-25","mac":"A1B2C3D4E5F6",)"
                               R"("ip":"10.0.5.12","new_fw":true,"fw_ver":"20221027-091704/v1.12.1-ga9117d3"})");
    EXPECT_EQ(d.outcome, Outcome::decoded) << topic;
    ASSERT_EQ(d.devices.size(), 1u);
    EXPECT_EQ(d.devices[0].device_id, "shelly:shellyswitch25-A1B2C3D4E5F6");
    EXPECT_EQ(d.devices[0].model, "SHSW-25");
    EXPECT_EQ(d.devices[0].firmware, "20221027-091704/v1.12.1-ga9117d3");
  }
  EXPECT_EQ(feed("shellies/announce", R"({"model":"SHSW-25"})").outcome, Outcome::ignored);  // no id: nothing to say
  EXPECT_EQ(feed("shellies/announce", "{").reject_reason, reason::MALFORMED_JSON);
}

TEST_F(ShellyGen1DriverTest, OwnedButUnusedTopicsAreIgnored) {
  for (const auto& [topic, payload] : std::vector<std::pair<const char*, const char*>>{
           {"shellies/command", "announce"},
           {"shellies/shellyplug-s-8CAAB5001122/command", "update"},
           {"shellies/shellyplug-s-8CAAB5001122/relay/0/command", "on"},
           {"shellies/shelly25-3C6105AABBCC/input/0", "1"},
           {"shellies/shelly25-3C6105AABBCC/input_event/0", R"({"event":"S","event_cnt":3})"},
           {"shellies/shelly25-3C6105AABBCC/roller/0/pos", "40"},
           {"shellies/shellydw2-C0FFEE/sensor/tilt", "12"},
           {"shellies/shellydw2-C0FFEE/sensor/illumination", "dark"},
           {"shellies/shellyht-1A2B3C/sensor/ext_power", "true"},
           {"shellies/shellyplug-s-8CAAB5001122/relay/0", ""},
       }) {
    EXPECT_EQ(feed(topic, payload).outcome, Outcome::ignored) << topic;
  }
}

TEST_F(ShellyGen1DriverTest, Gen2AndOtherTopicsAreNotMine) {
  for (const auto* topic : {"shellies/plus2pm/events/rpc", "shellies/plus2pm/status/switch:0", "shellies/plus2pm/rpc",
                            "shellyplus1pm-a8032ab1f00d/online", "tele/shellies/STATE", "zigbee2mqtt/shellies",
                            "shellies", "shellies/x", "shellies//online"}) {
    EXPECT_EQ(feed(topic, "{}").outcome, Outcome::not_mine) << topic;
  }
}

TEST_F(ShellyGen1DriverTest, RelayCommandOnlyForRelaysSeen) {
  EXPECT_FALSE(driver->relay_command(PLUG, true));
  (void)feed("shellies/shellyplug-s-8CAAB5001122/relay/0/power", "12");
  EXPECT_FALSE(driver->relay_command(PLUG, true));  // power alone does not prove a switchable relay
  (void)feed("shellies/shellyplug-s-8CAAB5001122/relay/0", "off");
  (void)feed("shellies/shelly25-3C6105AABBCC/relay/1", "off");
  struct Case {
    std::string device;
    bool on;
    const char* topic;
    const char* payload;
  };
  for (const auto& c :
       {Case{PLUG, true, "shellies/shellyplug-s-8CAAB5001122/relay/0/command", "on"},
        Case{PLUG, false, "shellies/shellyplug-s-8CAAB5001122/relay/0/command", "off"},
        Case{"shelly:shelly25-3C6105AABBCC#1", true, "shellies/shelly25-3C6105AABBCC/relay/1/command", "on"}}) {
    const auto cmd = driver->relay_command(c.device, c.on);
    ASSERT_TRUE(cmd) << c.device;
    EXPECT_EQ(cmd->topic, c.topic);
    EXPECT_EQ(cmd->payload, c.payload);
  }
  for (const auto* id : {"shelly:shelly25-3C6105AABBCC", "shelly:shellyplug-s-8CAAB5001122#1",
                         "tasmota:shellyplug-s-8CAAB5001122", "shelly:shellyht-1A2B3C", "shelly:", "shelly:x#"}) {
    EXPECT_FALSE(driver->relay_command(id, true)) << id;
  }
}

TEST_F(ShellyGen1DriverTest, RetainedFlagAndReceiveTimeAreCarried) {
  const auto d = feed("shellies/shellyplug-s-8CAAB5001122/online", "true", /*retained=*/true);
  ASSERT_EQ(d.readings.size(), 1u);
  EXPECT_TRUE(d.readings[0].retained);
  EXPECT_EQ(d.readings[0].ts, T0);
}

}  // namespace
