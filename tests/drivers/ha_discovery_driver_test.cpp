// Home Assistant MQTT discovery driver: hand-written configs in the styles ESPHome (abbreviated),
// Zigbee2MQTT (full keys, JSON booleans) and other producers (~ base, device-based cmps) publish.
#include "drivers/ha_discovery_driver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drivers/driver_test_support.h"
#include "drivers/esphome_driver.h"
#include "drivers/z2m_driver.h"

namespace {

using namespace hearth::drivers;
using namespace hearth::drivers::test;  // Metric, Expected, has_issues, ...

const auto T0 = hearth::core::from_epoch_ms(1'736'901'000'000);
const ReadingsAt has_readings{T0};

using Topics = std::vector<std::string>;

// ESPHome-style abbreviated configs for a node called "study".
constexpr std::string_view STUDY_POWER_CONFIG =
    R"({"dev_cla":"power","unit_of_meas":"kW","stat_cla":"measurement","name":"Study Heater Power",)"
    R"("stat_t":"study/sensor/study_heater_power/state","avty_t":"study/status",)"
    R"("uniq_id":"ESPsensorstudy_heater_power","dev":{"ids":"c8f09e11aa22","name":"study",)"
    R"j("sw":"2024.12.4 (Feb  2 2025, 10:11:12)","mdl":"esp32-c3-devkitm-1","mf":"Espressif"}})j";
constexpr std::string_view STUDY_MOTION_CONFIG =
    R"({"dev_cla":"occupancy","name":"Desk Presence","stat_t":"study/binary_sensor/desk_presence/state",)"
    R"("avty_t":"study/status","uniq_id":"ESPbinary_sensordesk_presence","dev":{"ids":"c8f09e11aa22","name":"study"}})";

class HaDiscoveryDriverTest : public testing::Test {
 protected:
  std::unique_ptr<HaDiscoveryDriver> driver = make_ha_discovery_driver(DriverOptions{});

  Decoded feed(std::string_view topic, std::string_view payload, bool retained = false) {
    return driver->decode(Message{topic, payload, retained, T0});
  }
};

TEST_F(HaDiscoveryDriverTest, SubscribesToTheDiscoveryPrefix) {
  EXPECT_EQ(driver->name(), "ha_discovery");
  EXPECT_EQ(driver->subscriptions(), Topics{"homeassistant/#"});
  DriverOptions options;
  options.ha_discovery_prefix = "site/discovery";
  auto custom = make_ha_discovery_driver(options);
  EXPECT_EQ(custom->subscriptions(), Topics{"site/discovery/#"});
  const auto d = custom->decode(Message{"site/discovery/sensor/node9/t/config",
                                        R"({"device_class":"temperature","unit_of_measurement":"°C",)"
                                        R"("state_topic":"node9/t","unique_id":"node9-t"})",
                                        true, T0});
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_EQ(d.subscribe, Topics{"node9/t"});
  EXPECT_EQ(custom->decode(Message{"homeassistant/sensor/node9/t/config", "{}", true, T0}).outcome, Outcome::not_mine);
}

TEST_F(HaDiscoveryDriverTest, EsphomeConfigIsClaimedUnderTheEsphomeDeviceId) {
  auto d = feed("homeassistant/sensor/study/study_heater_power/config", STUDY_POWER_CONFIG, true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_EQ(d.subscribe, (Topics{"study/sensor/study_heater_power/state", "study/status"}));
  ASSERT_EQ(d.devices.size(), 1U);
  EXPECT_EQ(d.devices[0].device_id, "esphome:study");
  EXPECT_EQ(d.devices[0].model, "esp32-c3-devkitm-1");
  EXPECT_EQ(d.devices[0].name, "study");
  EXPECT_EQ(d.devices[0].firmware, "2024.12.4 (Feb  2 2025, 10:11:12)");

  d = feed("study/sensor/study_heater_power/state", "1.25", true);  // kW on the wire
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{"esphome:study", Metric::power_w, 1250}}));
  EXPECT_TRUE(d.readings.at(0).retained);

  d = feed("study/status", "offline", true);
  EXPECT_TRUE(has_readings(d, {{"esphome:study", Metric::online, 0}}));

  // A second entity of the node: only its new state topic is returned for subscription.
  d = feed("homeassistant/binary_sensor/study/desk_presence/config", STUDY_MOTION_CONFIG, true);
  EXPECT_EQ(d.subscribe, Topics{"study/binary_sensor/desk_presence/state"});
  EXPECT_TRUE(
      has_readings(feed("study/binary_sensor/desk_presence/state", "ON"), {{"esphome:study", Metric::motion, 1}}));
  // Availability shared by both entities of one device: one reading.
  EXPECT_TRUE(has_readings(feed("study/status", "online"), {{"esphome:study", Metric::online, 1}}));
  EXPECT_EQ(driver->stats().entities, 2U);
  EXPECT_EQ(driver->stats().unsupported, 0U);
}

TEST_F(HaDiscoveryDriverTest, UnitsAreConverted) {
  const std::string dev = R"("device":{"identifiers":["hub7"],"name":"Hub 7"},"state_topic":"hub7/state")";
  feed("homeassistant/sensor/hub7/energy/config",
       R"({"device_class":"energy","unit_of_measurement":"Wh","state_class":"total_increasing",)"
       R"("value_template":"{{ value_json.meter.total }}","unique_id":"hub7-e",)" +
           dev + "}");
  feed("homeassistant/sensor/hub7/temp/config",
       R"({"device_class":"temperature","unit_of_measurement":"°F","value_template":"{{ value_json[\"temp_f\"] }}",)"
       R"("unique_id":"hub7-t",)" +
           dev + "}");
  feed("homeassistant/sensor/hub7/load/config",
       R"({"device_class":"current","unit_of_measurement":"mA","value_template":"{{ value_json.load_ma }}",)"
       R"("unique_id":"hub7-i",)" +
           dev + "}");
  feed("homeassistant/sensor/hub7/watts/config",
       R"({"unit_of_measurement":"W","value_template":"{{ value_json.watts }}","unique_id":"hub7-p",)" + dev + "}");
  feed("homeassistant/sensor/hub7/rssi/config",
       R"({"device_class":"signal_strength","unit_of_measurement":"dBm","value_template":"{{ value_json.rssi }}",)"
       R"("unique_id":"hub7-s",)" +
           dev + "}");

  const auto d =
      feed("hub7/state", R"({"load_ma":450,"meter":{"total":15250},"rssi":-58,"temp_f":68.9,"watts":101.5})");
  EXPECT_TRUE(has_readings(d, {{"ha:hub7", Metric::energy_kwh, 15.25},
                               {"ha:hub7", Metric::temperature_c, 20.5},
                               {"ha:hub7", Metric::current_a, 0.45},
                               {"ha:hub7", Metric::power_w, 101.5},
                               {"ha:hub7", Metric::rssi_dbm, -58}}));
  EXPECT_TRUE(d.issues.empty());
}

TEST_F(HaDiscoveryDriverTest, BatteryMustBeAPercentage) {
  const auto cfg = feed("homeassistant/sensor/remote3/battery/config",
                        R"({"device_class":"battery","unit_of_measurement":"V","state_topic":"remote3/battery",)"
                        R"("unique_id":"remote3-batt","device":{"identifiers":"remote3"}})");
  EXPECT_EQ(cfg.outcome, Outcome::decoded);
  EXPECT_TRUE(has_one_issue(cfg, "ha:remote3", "unit_of_measurement", reason::UNKNOWN_PAYLOAD));
  EXPECT_EQ(driver->stats().unsupported, 1U);
  // Claimed (so nothing guesses a % from 2.9) but no reading.
  const auto d = feed("remote3/battery", "2.9");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.readings.empty());

  feed("homeassistant/sensor/remote4/battery/config",
       R"({"device_class":"battery","unit_of_measurement":"%","state_topic":"remote4/battery","unique_id":"r4b"})");
  EXPECT_TRUE(has_readings(feed("remote4/battery", "83"), {{"ha:r4b", Metric::battery_pct, 83}}));
}

TEST_F(HaDiscoveryDriverTest, SafeTemplateSubset) {
  const std::string tail = R"(,"state_topic":"tpl/state","device":{"identifiers":["tpl-1"]}})";
  feed("homeassistant/sensor/tpl1/a/config",
       R"({"device_class":"temperature","unit_of_measurement":"°C","value_template":"{{ value_json.a.b }}")" + tail);
  feed("homeassistant/sensor/tpl1/b/config",
       R"({"device_class":"humidity","unit_of_measurement":"%","value_template":"{{value_json['list'][1]}}")" + tail);
  feed("homeassistant/sensor/tpl1/c/config",
       R"({"device_class":"illuminance","unit_of_measurement":"lx","value_template":"{{ value_json[\"x\"] }}")" + tail);
  feed("homeassistant/sensor/tpl1/d/config",
       R"({"device_class":"battery","unit_of_measurement":"%","value_template":"{{ value }}",)"
       R"("state_topic":"tpl/raw","device":{"identifiers":["tpl-1"]}})");
  feed(
      "homeassistant/sensor/tpl1/e/config",
      R"({"device_class":"power","unit_of_measurement":"W","state_topic":"tpl/watts","device":{"identifiers":["tpl-1"]}})");
  EXPECT_EQ(driver->stats().unsupported, 0U);

  auto d = feed("tpl/state", R"({"a":{"b":7.5},"list":[3,64.25],"x":"12"})");
  EXPECT_TRUE(has_readings(d, {{"ha:tpl-1", Metric::temperature_c, 7.5},
                               {"ha:tpl-1", Metric::humidity_pct, 64.25},
                               {"ha:tpl-1", Metric::illuminance_lux, 12}}));
  EXPECT_TRUE(has_readings(feed("tpl/raw", "55"), {{"ha:tpl-1", Metric::battery_pct, 55}}));
  EXPECT_TRUE(has_readings(feed("tpl/watts", "230.5"), {{"ha:tpl-1", Metric::power_w, 230.5}}));
  // Keys missing from a shared state message: a partial update, not an error.
  d = feed("tpl/state", R"({"a":{"b":7.75}})");
  EXPECT_TRUE(has_readings(d, {{"ha:tpl-1", Metric::temperature_c, 7.75}}));
  EXPECT_TRUE(d.issues.empty());
}

TEST_F(HaDiscoveryDriverTest, UnsupportedTemplatesAreCountedAndNotClaimed) {
  const char* templates[] = {
      "{{ value_json.t | float(0) }}",
      "{% if value_json.t %}ON{% else %}OFF{% endif %}",
      "{{ value_json.t * 10 }}",
      "{{ states('sensor.x') }}",
  };
  int n = 0;
  for (const char* tpl : templates) {
    ++n;
    const std::string topic = "homeassistant/sensor/odd/t" + std::to_string(n) + "/config";
    const std::string state = "odd/t" + std::to_string(n);
    const std::string cfg = R"({"device_class":"temperature","unit_of_measurement":"°C","state_topic":")" + state +
                            R"(","value_template":")" + std::string(tpl) + R"(","unique_id":"odd)" + std::to_string(n) +
                            R"("})";
    const auto d = feed(topic, cfg);
    EXPECT_EQ(d.outcome, Outcome::decoded) << tpl;
    EXPECT_TRUE(d.subscribe.empty()) << tpl;
    EXPECT_TRUE(has_one_issue(d, "ha:odd" + std::to_string(n), "value_template", reason::UNKNOWN_PAYLOAD)) << tpl;
    EXPECT_EQ(feed(state, R"({"t":21})").outcome, Outcome::not_mine) << tpl;
  }
  EXPECT_EQ(driver->stats().entities, 4U);
  EXPECT_EQ(driver->stats().unsupported, 4U);
  EXPECT_EQ(driver->stats().claimed_topics, 0U);
}

TEST_F(HaDiscoveryDriverTest, Zigbee2mqttConfigsAreLearnedButNotClaimed) {
  const auto d = feed(
      "homeassistant/binary_sensor/0x00158d0009abcdef/contact/config",
      R"({"availability":[{"topic":"zigbee2mqtt/bridge/state","value_template":"{{ value_json.state }}"}],)"
      R"("availability_mode":"all","device":{"identifiers":["zigbee2mqtt_0x00158d0009abcdef"],"manufacturer":"Aqara",)"
      R"("model":"Door and window sensor","model_id":"MCCGQ11LM","name":"pantry/door"},"device_class":"door",)"
      R"("name":null,"object_id":"pantry/door","origin":{"name":"Zigbee2MQTT","sw":"2.2.0"},)"
      R"("payload_off":true,"payload_on":false,"state_topic":"zigbee2mqtt/pantry/door",)"
      R"("unique_id":"0x00158d0009abcdef_contact_zigbee2mqtt","value_template":"{{ value_json[\"contact\"] }}"})",
      true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.subscribe.empty());
  ASSERT_EQ(d.devices.size(), 1U);
  EXPECT_EQ(d.devices[0].device_id, "z2m:pantry/door");
  EXPECT_EQ(d.devices[0].model, "MCCGQ11LM");
  EXPECT_EQ(feed("zigbee2mqtt/pantry/door", R"({"contact":false,"linkquality":90})").outcome, Outcome::not_mine);
  EXPECT_EQ(feed("zigbee2mqtt/bridge/state", R"({"state":"online"})").outcome, Outcome::not_mine);

  // No origin block (older Z2M): the state topic under the Z2M base topic is enough.
  const auto old = feed("homeassistant/switch/0x00158d0009000001/switch/config",
                        R"({"command_topic":"zigbee2mqtt/den/lamp_plug/set","device":{"identifiers":)"
                        R"(["zigbee2mqtt_0x00158d0009000001"],"name":"den/lamp_plug"},"payload_off":"OFF",)"
                        R"("payload_on":"ON","state_topic":"zigbee2mqtt/den/lamp_plug",)"
                        R"("value_template":"{{ value_json.state }}"})");
  EXPECT_TRUE(old.subscribe.empty());
  EXPECT_EQ(feed("zigbee2mqtt/den/lamp_plug", R"({"state":"ON"})").outcome, Outcome::not_mine);
  EXPECT_FALSE(driver->relay_command("z2m:den/lamp_plug", true).has_value());  // the Z2M driver's job
  EXPECT_EQ(driver->stats().entities, 2U);
}

TEST_F(HaDiscoveryDriverTest, BinaryPayloadsMayBeJsonBooleans) {
  // Another bridge copying Z2M's style: contact true = closed, so payload_on (OPEN) is false.
  feed("homeassistant/binary_sensor/acme_gw/hallway_door/config",
       R"({"device_class":"door","payload_off":true,"payload_on":false,"state_topic":"acme/hallway_door",)"
       R"("value_template":"{{ value_json.contact }}","unique_id":"acme-hd","origin":{"name":"acme-gw"},)"
       R"("device":{"identifiers":["acme-hd-1"]}})");
  EXPECT_TRUE(
      has_readings(feed("acme/hallway_door", R"({"contact":true})"), {{"ha:acme-hd-1", Metric::contact_open, 0}}));
  EXPECT_TRUE(
      has_readings(feed("acme/hallway_door", R"({"contact":false})"), {{"ha:acme-hd-1", Metric::contact_open, 1}}));
  // Python-style text renders of booleans compare equal to the JSON booleans.
  EXPECT_TRUE(
      has_readings(feed("acme/hallway_door", R"({"contact":"False"})"), {{"ha:acme-hd-1", Metric::contact_open, 1}}));
  auto d = feed("acme/hallway_door", R"({"contact":"ajar"})");
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(has_one_issue(d, "ha:acme-hd-1", "hallway_door", reason::UNKNOWN_PAYLOAD));
  d = feed("acme/hallway_door", R"({"contact":null})");
  EXPECT_TRUE(has_one_issue(d, "ha:acme-hd-1", "hallway_door", reason::NO_VALUE));

  // Default payloads ON/OFF, other binary classes.
  feed("homeassistant/binary_sensor/acme_gw/utility_leak/config",
       R"({"device_class":"moisture","state_topic":"acme/utility_leak","unique_id":"acme-ul"})");
  EXPECT_TRUE(has_readings(feed("acme/utility_leak", "ON"), {{"ha:acme-ul", Metric::water_leak, 1}}));
  feed(
      "homeassistant/binary_sensor/acme_gw/kitchen_smoke/config",
      R"({"device_class":"smoke","state_topic":"acme/kitchen_smoke","unique_id":"acme-ks","pl_on":"ALARM","pl_off":"CLEAR"})");
  EXPECT_TRUE(has_readings(feed("acme/kitchen_smoke", "CLEAR"), {{"ha:acme-ks", Metric::smoke, 0}}));
  EXPECT_TRUE(has_readings(feed("acme/kitchen_smoke", "ALARM"), {{"ha:acme-ks", Metric::smoke, 1}}));
}

TEST_F(HaDiscoveryDriverTest, TildeBaseTopicAndCustomAvailabilityPayloads) {
  const auto d =
      feed("homeassistant/switch/shed_relay1/relay/config",
           R"({"~":"shed/relay1","name":"Shed heater","cmd_t":"~/set","stat_t":"~/state",)"
           R"("avty_t":"~/available","pl_avail":"yes","pl_not_avail":"no","json_attr_t":"attrs/~",)"
           R"("uniq_id":"shed_relay1","dev":{"ids":["SHED-R1"],"name":"Shed relay","mdl":"R1","sw":"0.9"}})");
  EXPECT_EQ(d.subscribe, (Topics{"shed/relay1/state", "shed/relay1/available"}));
  ASSERT_EQ(d.devices.size(), 1U);
  EXPECT_EQ(d.devices[0].device_id, "ha:SHED-R1");
  EXPECT_TRUE(has_readings(feed("shed/relay1/state", "ON"), {{"ha:SHED-R1", Metric::relay_on, 1}}));
  EXPECT_TRUE(has_readings(feed("shed/relay1/available", "no"), {{"ha:SHED-R1", Metric::online, 0}}));
  EXPECT_TRUE(has_readings(feed("shed/relay1/available", "yes"), {{"ha:SHED-R1", Metric::online, 1}}));
  const auto cmd = driver->relay_command("ha:SHED-R1", true);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, "shed/relay1/set");
  EXPECT_EQ(cmd->payload, "ON");

  // "~" at the end of a topic.
  const auto tail = feed("homeassistant/sensor/shed_relay1/temp/config",
                         R"({"~":"shed/relay1","dev_cla":"temperature","unit_of_meas":"°C","stat_t":"temperature/~",)"
                         R"("uniq_id":"shed_relay1_t","dev":{"ids":["SHED-R1"]}})");
  EXPECT_EQ(tail.subscribe, Topics{"temperature/shed/relay1"});
  EXPECT_TRUE(has_readings(feed("temperature/shed/relay1", "6.5"), {{"ha:SHED-R1", Metric::temperature_c, 6.5}}));
}

TEST_F(HaDiscoveryDriverTest, SwitchStatesAndCommandsUseTheirOwnPayloads) {
  feed("homeassistant/switch/pump7/pump/config",
       R"({"command_topic":"pump7/cmd","payload_on":"1","payload_off":"0","state_on":"running","state_off":"idle",)"
       R"("state_topic":"pump7/status","unique_id":"pump7","device":{"identifiers":"pump-7"}})");
  EXPECT_TRUE(has_readings(feed("pump7/status", "running"), {{"ha:pump-7", Metric::relay_on, 1}}));
  EXPECT_TRUE(has_readings(feed("pump7/status", "idle"), {{"ha:pump-7", Metric::relay_on, 0}}));
  auto cmd = driver->relay_command("ha:pump-7", false);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, "pump7/cmd");
  EXPECT_EQ(cmd->payload, "0");

  // A command_template would rewrite the payload: Hearth does not render it, so it does not command.
  feed("homeassistant/switch/fan2/fan/config",
       R"({"command_topic":"fan2/cmd","command_template":"{\"on\": {{ value }} }","state_topic":"fan2/state",)"
       R"("unique_id":"fan2","device":{"identifiers":"fan-2"}})");
  EXPECT_TRUE(has_readings(feed("fan2/state", "OFF"), {{"ha:fan-2", Metric::relay_on, 0}}));
  EXPECT_FALSE(driver->relay_command("ha:fan-2", true).has_value());
  EXPECT_FALSE(driver->relay_command("ha:unknown", true).has_value());
}

TEST_F(HaDiscoveryDriverTest, DeviceBasedDiscoveryWithComponents) {
  constexpr std::string_view CONFIG =
      R"({"dev":{"ids":"lr-air-01","name":"Living air","mf":"Acme","mdl":"AQ-2","sw":"3.4"},)"
      R"("o":{"name":"acme2mqtt","sw":"1.2"},"cmps":{)"
      R"("lr_t":{"p":"sensor","device_class":"temperature","unit_of_measurement":"°C",)"
      R"("value_template":"{{ value_json.t }}","unique_id":"lr-air-01-t"},)"
      R"("lr_co":{"p":"sensor","dev_cla":"carbon_monoxide","unit_of_meas":"ppm","val_tpl":"{{ value_json.co }}",)"
      R"("uniq_id":"lr-air-01-co"},)"
      R"("lr_old":{"p":"sensor"}},)"
      R"("state_topic":"acme/lr-air-01/state","availability_topic":"acme/lr-air-01/lwt","qos":1})";
  auto d = feed("homeassistant/device/lr_air_01/config", CONFIG, true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_EQ(d.subscribe, (Topics{"acme/lr-air-01/state", "acme/lr-air-01/lwt"}));
  ASSERT_EQ(d.devices.size(), 1U);
  EXPECT_EQ(d.devices[0].device_id, "ha:lr-air-01");
  EXPECT_EQ(d.devices[0].model, "AQ-2");
  EXPECT_EQ(d.devices[0].firmware, "3.4");
  EXPECT_EQ(driver->stats().entities, 2U);  // "lr_old" carries only its platform: removed

  d = feed("acme/lr-air-01/state", R"({"co":1,"t":22.5})");
  EXPECT_TRUE(has_readings(d, {{"ha:lr-air-01", Metric::temperature_c, 22.5}, {"ha:lr-air-01", Metric::co_ppm, 1}}));
  d = feed("acme/lr-air-01/lwt", "offline");
  EXPECT_TRUE(has_readings(d, {{"ha:lr-air-01", Metric::online, 0}}));

  d = feed("homeassistant/device/lr_air_01/config", "", true);  // removal of the whole device
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_EQ(driver->stats().entities, 0U);
  EXPECT_EQ(feed("acme/lr-air-01/state", R"({"co":1,"t":22.5})").outcome, Outcome::not_mine);
  EXPECT_EQ(feed("acme/lr-air-01/lwt", "online").outcome, Outcome::not_mine);
}

TEST_F(HaDiscoveryDriverTest, EmptyConfigRemovesAndRepublishReplaces) {
  feed(
      "homeassistant/sensor/attic9/probe/config",
      R"({"device_class":"temperature","unit_of_measurement":"°C","state_topic":"attic9/probe","unique_id":"attic9"})");
  EXPECT_TRUE(has_readings(feed("attic9/probe", "14.5"), {{"ha:attic9", Metric::temperature_c, 14.5}}));
  // Re-published as a humidity probe: the old meaning is gone.
  feed("homeassistant/sensor/attic9/probe/config",
       R"({"device_class":"humidity","unit_of_measurement":"%","state_topic":"attic9/probe","unique_id":"attic9"})");
  EXPECT_TRUE(has_readings(feed("attic9/probe", "66"), {{"ha:attic9", Metric::humidity_pct, 66}}));
  EXPECT_EQ(driver->stats().entities, 1U);

  const auto d = feed("homeassistant/sensor/attic9/probe/config", "", true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.readings.empty());
  EXPECT_EQ(driver->stats().entities, 0U);
  EXPECT_EQ(feed("attic9/probe", "66").outcome, Outcome::not_mine);
}

TEST_F(HaDiscoveryDriverTest, AvailabilityListModes) {
  feed("homeassistant/sensor/gw/dev9/config",
       R"({"availability":[{"topic":"gw/bridge","value_template":"{{ value_json.state }}"},)"
       R"({"topic":"gw/dev9/avail","payload_available":"up","payload_not_available":"down"}],)"
       R"("availability_mode":"all","device_class":"power","unit_of_measurement":"W","state_topic":"gw/dev9",)"
       R"("unique_id":"gw-dev9"})");
  auto d = feed("gw/bridge", R"({"state":"online"})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.readings.empty());  // "all": the device's own topic has not spoken yet
  EXPECT_TRUE(has_readings(feed("gw/dev9/avail", "up"), {{"ha:gw-dev9", Metric::online, 1}}));
  EXPECT_TRUE(has_readings(feed("gw/bridge", R"({"state":"offline"})"), {{"ha:gw-dev9", Metric::online, 0}}));
  EXPECT_TRUE(has_readings(feed("gw/bridge", R"({"state":"online"})"), {{"ha:gw-dev9", Metric::online, 1}}));
  d = feed("gw/dev9/avail", "sideways");
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(has_one_issue(d, "ha:gw-dev9", "availability", reason::UNKNOWN_PAYLOAD));

  feed("homeassistant/sensor/gw/dev10/config",
       R"({"availability":[{"topic":"gw/a10"},{"topic":"gw/b10"}],"availability_mode":"any",)"
       R"("device_class":"power","unit_of_measurement":"W","state_topic":"gw/dev10","unique_id":"gw-dev10"})");
  EXPECT_TRUE(feed("gw/a10", "offline").readings.empty());  // "any": b10 unknown yet
  EXPECT_TRUE(has_readings(feed("gw/b10", "online"), {{"ha:gw-dev10", Metric::online, 1}}));
  EXPECT_TRUE(has_readings(feed("gw/b10", "offline"), {{"ha:gw-dev10", Metric::online, 0}}));
}

TEST_F(HaDiscoveryDriverTest, SameMetricTwiceGetsObjectIdSuffix) {
  const std::string dev = R"(,"device":{"identifiers":["thermo-9"]}})";
  feed("homeassistant/sensor/thermo9/floor_temp/config",
       R"({"device_class":"temperature","unit_of_measurement":"°C","state_topic":"thermo9/floor")" + dev);
  feed("homeassistant/sensor/thermo9/air_temp/config",
       R"({"device_class":"temperature","unit_of_measurement":"°C","state_topic":"thermo9/air")" + dev);
  EXPECT_TRUE(has_readings(feed("thermo9/floor", "24"), {{"ha:thermo-9", Metric::temperature_c, 24}}));
  EXPECT_TRUE(has_readings(feed("thermo9/air", "20.5"), {{"ha:thermo-9#air_temp", Metric::temperature_c, 20.5}}));
}

TEST_F(HaDiscoveryDriverTest, BadStateValuesBecomeIssues) {
  const std::string tail = R"(,"device":{"identifiers":["meter-3"]}})";
  feed("homeassistant/sensor/meter3/p/config",
       R"({"device_class":"power","unit_of_measurement":"W","state_topic":"meter3/p")" + tail);
  feed("homeassistant/sensor/meter3/e/config",
       R"({"device_class":"energy","unit_of_measurement":"kWh","state_topic":"meter3/json",)"
       R"("value_template":"{{ value_json.kwh }}")" +
           tail);

  auto d = feed("meter3/p", "None");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_one_issue(d, "ha:meter-3", "p", reason::NO_VALUE));
  EXPECT_TRUE(has_one_issue(feed("meter3/p", "unavailable"), "ha:meter-3", "p", reason::NO_VALUE));
  EXPECT_TRUE(has_one_issue(feed("meter3/p", "-40"), "ha:meter-3", "p", reason::NEGATIVE_POWER));
  EXPECT_TRUE(has_one_issue(feed("meter3/p", "lots"), "ha:meter-3", "p", reason::WRONG_TYPE));
  EXPECT_TRUE(has_one_issue(feed("meter3/json", R"({"kwh":"inf"})"), "ha:meter-3", "e", reason::NON_FINITE));
  d = feed("meter3/json", R"({"kwh":)");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::MALFORMED_JSON);
  EXPECT_TRUE(has_readings(feed("meter3/json", R"({"kwh":"1843.27"})"), {{"ha:meter-3", Metric::energy_kwh, 1843.27}}));
}

TEST_F(HaDiscoveryDriverTest, DeviceIdFallsBackToUniqueIdThenTopic) {
  feed(
      "homeassistant/sensor/lonely/t/config",
      R"({"device_class":"temperature","unit_of_measurement":"°C","state_topic":"lonely/t","unique_id":"lonely-t-1"})");
  EXPECT_TRUE(has_readings(feed("lonely/t", "5"), {{"ha:lonely-t-1", Metric::temperature_c, 5}}));
  feed("homeassistant/sensor/bare/h/config",
       R"({"device_class":"humidity","unit_of_measurement":"%","state_topic":"bare/h"})");
  EXPECT_TRUE(has_readings(feed("bare/h", "40"), {{"ha:bare/h", Metric::humidity_pct, 40}}));
  feed("homeassistant/sensor/plain_h/config",
       R"({"device_class":"humidity","unit_of_measurement":"%","state_topic":"plain/h"})");
  EXPECT_TRUE(has_readings(feed("plain/h", "41"), {{"ha:plain_h", Metric::humidity_pct, 41}}));
}

TEST_F(HaDiscoveryDriverTest, IgnoredAndRejectedDiscoveryMessages) {
  EXPECT_EQ(feed("homeassistant/status", "online").outcome, Outcome::ignored);
  EXPECT_EQ(feed("homeassistant/sensor/attic/state", "12").outcome, Outcome::ignored);
  EXPECT_EQ(feed("homeassistant/sensor/config", "{}").outcome, Outcome::ignored);
  auto d = feed("homeassistant/sensor/attic/t/config", R"({"device_class":"temperature",)");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::MALFORMED_JSON);
  d = feed("homeassistant/sensor/attic/t/config", R"(["temperature"])");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::WRONG_TYPE);
  d = feed("homeassistant/device/attic/config", R"({"dev":{"ids":"x"},"cmps":"none"})");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::WRONG_TYPE);
  // Odd shapes inside a config never throw.
  d = feed("homeassistant/sensor/attic/w/config",
           R"({"device_class":7,"unit_of_measurement":["W"],"state_topic":{"t":1},"availability":"yes","dev":[1]})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_EQ(feed("tele/attic/SENSOR", "{}").outcome, Outcome::not_mine);
}

// The dispatch order of DriverSet (z2m, ha_discovery, esphome): discovery wins for what it has
// learned, the ESPHome driver guesses for the rest, Z2M topics stay with the Z2M driver.
class HaDiscoveryDispatchTest : public testing::Test {
 protected:
  std::vector<std::unique_ptr<Driver>> drivers;
  HaDiscoveryDispatchTest() {
    drivers.push_back(make_z2m_driver(DriverOptions{}));
    drivers.push_back(make_ha_discovery_driver(DriverOptions{}));
    drivers.push_back(make_esphome_driver(DriverOptions{}));
  }
  std::pair<std::string_view, Decoded> dispatch(std::string_view topic, std::string_view payload) {
    for (const auto& d : drivers) {
      Decoded out = d->decode(Message{topic, payload, true, T0});
      if (out.outcome != Outcome::not_mine) return {d->name(), std::move(out)};
    }
    return {"", Decoded{}};
  }
};

TEST_F(HaDiscoveryDispatchTest, DiscoveryWinsForLearnedEsphomeEntitiesOnly) {
  // Without discovery the ESPHome driver would guess kWh from the name; discovery says Wh.
  dispatch("homeassistant/sensor/boiler_esp/boiler_energy/config",
           R"({"dev_cla":"energy","unit_of_meas":"Wh","stat_cla":"total_increasing",)"
           R"("stat_t":"boiler_esp/sensor/boiler_energy/state","avty_t":"boiler_esp/status",)"
           R"("uniq_id":"ESPsensorboiler_energy","dev":{"ids":"24dcc3aa0101","name":"boiler_esp"}})");
  auto [who, d] = dispatch("boiler_esp/sensor/boiler_energy/state", "2500");
  EXPECT_EQ(who, "ha_discovery");
  EXPECT_TRUE(has_readings(d, {{"esphome:boiler_esp", Metric::energy_kwh, 2.5}}));
  auto [who2, d2] = dispatch("boiler_esp/sensor/boiler_flow_temperature/state", "55.5");
  EXPECT_EQ(who2, "esphome");
  EXPECT_TRUE(has_readings(d2, {{"esphome:boiler_esp", Metric::temperature_c, 55.5}}));

  dispatch("homeassistant/sensor/boiler_esp/boiler_energy/config", "");  // removed: the fallback takes over
  auto [who3, d3] = dispatch("boiler_esp/sensor/boiler_energy/state", "2.5");
  EXPECT_EQ(who3, "esphome");
  EXPECT_TRUE(has_readings(d3, {{"esphome:boiler_esp", Metric::energy_kwh, 2.5}}));
}

TEST_F(HaDiscoveryDispatchTest, Zigbee2mqttDevicesAppearOnce) {
  dispatch("homeassistant/sensor/0x00158d0009777777/power/config",
           R"({"device":{"identifiers":["zigbee2mqtt_0x00158d0009777777"],"name":"office_plug"},)"
           R"("device_class":"power","origin":{"name":"Zigbee2MQTT"},"state_topic":"zigbee2mqtt/office_plug",)"
           R"("unit_of_measurement":"W","value_template":"{{ value_json.power }}"})");
  auto [who, d] = dispatch("zigbee2mqtt/office_plug", R"({"linkquality":99,"power":61.5,"state":"ON"})");
  EXPECT_EQ(who, "z2m");
  EXPECT_TRUE(has_readings(d, {{"z2m:office_plug", Metric::power_w, 61.5},
                               {"z2m:office_plug", Metric::relay_on, 1},
                               {"z2m:office_plug", Metric::link_quality, 99}}));
}

}  // namespace
