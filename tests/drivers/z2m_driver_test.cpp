// Zigbee2MQTT driver: hand-written payloads in Z2M's real formats (sorted keys, legacy and 2.x forms).
#include "drivers/z2m_driver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drivers/driver_test_support.h"

namespace {

using namespace hearth::drivers;
using namespace hearth::drivers::test;  // Metric, Expected, has_issues, ...

const auto T0 = hearth::core::from_epoch_ms(1'736'900'000'000);
const ReadingsAt has_readings{T0};

Message msg(std::string_view topic, std::string_view payload, bool retained = false) {
  return Message{topic, payload, retained, T0};
}

constexpr std::string_view PLUG_ON =
    R"({"child_lock":"LOCK","current":4.12,"energy":87.5,"indicator_mode":"on","linkquality":201,"power":948.3,)"
    R"("power_outage_memory":"off","state":"ON","voltage":230.4})";

class Z2mDriverTest : public testing::Test {
 protected:
  std::unique_ptr<Driver> driver = make_z2m_driver(DriverOptions{});

  Decoded feed(std::string_view topic, std::string_view payload, bool retained = false) {
    return driver->decode(msg(topic, payload, retained));
  }
};

TEST_F(Z2mDriverTest, SubscribesToBaseTopicAndLeavesOtherTopics) {
  EXPECT_EQ(driver->name(), "z2m");
  EXPECT_EQ(driver->subscriptions(), std::vector<std::string>{"zigbee2mqtt/#"});
  EXPECT_EQ(feed("zigbee2mqttx/study_lamp", R"({"state":"ON"})").outcome, Outcome::not_mine);
  EXPECT_EQ(feed("tele/study_lamp/STATE", R"({"POWER":"ON"})").outcome, Outcome::not_mine);
  EXPECT_EQ(feed("zigbee2mqtt", "{}").outcome, Outcome::not_mine);
}

TEST(Z2mDriverOptions, CustomBaseTopic) {
  DriverOptions options;
  options.z2m_base_topic = "zb/home";
  auto driver = make_z2m_driver(options);
  EXPECT_EQ(driver->subscriptions(), std::vector<std::string>{"zb/home/#"});
  EXPECT_EQ(driver->decode(msg("zigbee2mqtt/study_lamp", R"({"state":"ON"})")).outcome, Outcome::not_mine);
  const auto d = driver->decode(msg("zb/home/study_lamp", R"({"linkquality":33,"state":"ON"})"));
  EXPECT_TRUE(has_readings(d, {{"z2m:study_lamp", Metric::relay_on, 1}, {"z2m:study_lamp", Metric::link_quality, 33}}));
}

TEST_F(Z2mDriverTest, PlugStateMapsEveryPowerField) {
  const auto d = feed("zigbee2mqtt/lounge/heater_plug", PLUG_ON, /*retained=*/true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  const std::string id = "z2m:lounge/heater_plug";
  EXPECT_TRUE(has_readings(d, {{id, Metric::power_w, 948.3},
                               {id, Metric::energy_kwh, 87.5},
                               {id, Metric::current_a, 4.12},
                               {id, Metric::voltage_v, 230.4},
                               {id, Metric::relay_on, 1},
                               {id, Metric::link_quality, 201}}));
  EXPECT_TRUE(d.issues.empty());
  for (const auto& r : d.readings) EXPECT_TRUE(r.retained);
}

TEST_F(Z2mDriverTest, StalePowerWhileOffAndCounterGlitchesAreEmittedRaw) {
  feed("zigbee2mqtt/lounge/heater_plug", PLUG_ON);
  const std::string id = "z2m:lounge/heater_plug";
  auto d = feed("zigbee2mqtt/lounge/heater_plug",
                R"({"current":0.03,"energy":87.5,"linkquality":190,"power":4,"state":"OFF","voltage":231})");
  EXPECT_TRUE(has_readings(d, {{id, Metric::power_w, 4},
                               {id, Metric::energy_kwh, 87.5},
                               {id, Metric::current_a, 0.03},
                               {id, Metric::voltage_v, 231},
                               {id, Metric::relay_on, 0},
                               {id, Metric::link_quality, 190}}));
  d = feed("zigbee2mqtt/lounge/heater_plug", R"({"energy":86.9,"linkquality":190})");
  EXPECT_TRUE(has_readings(d, {{id, Metric::energy_kwh, 86.9}, {id, Metric::link_quality, 190}}));
  d = feed("zigbee2mqtt/lounge/heater_plug", R"({"energy":86900,"linkquality":190})");
  EXPECT_TRUE(has_readings(d, {{id, Metric::energy_kwh, 86900}, {id, Metric::link_quality, 190}}));
}

TEST_F(Z2mDriverTest, CommandTopicsAreIgnored) {
  feed("zigbee2mqtt/lounge/heater_plug", PLUG_ON);
  for (const auto* topic : {"zigbee2mqtt/lounge/heater_plug/set", "zigbee2mqtt/lounge/heater_plug/set/state",
                            "zigbee2mqtt/lounge/heater_plug/get", "zigbee2mqtt/lounge/heater_plug/get/power",
                            "zigbee2mqtt/never_seen/set"}) {
    const auto d = feed(topic, R"({"state":"OFF"})");
    EXPECT_EQ(d.outcome, Outcome::ignored) << topic;
    EXPECT_TRUE(d.readings.empty()) << topic;
  }
  EXPECT_EQ(feed("zigbee2mqtt/lounge/heater_plug/set/state", "TOGGLE").outcome, Outcome::ignored);
}

TEST_F(Z2mDriverTest, AttributeTopicOfAKnownDevice) {
  feed("zigbee2mqtt/lounge/heater_plug", PLUG_ON);
  const std::string id = "z2m:lounge/heater_plug";
  auto d = feed("zigbee2mqtt/lounge/heater_plug/power", "951");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{id, Metric::power_w, 951}}));
  d = feed("zigbee2mqtt/lounge/heater_plug/state", "OFF");
  EXPECT_TRUE(has_readings(d, {{id, Metric::relay_on, 0}}));
  // Attributes Hearth does not map are still the device's: decoded, nothing emitted.
  d = feed("zigbee2mqtt/lounge/heater_plug/child_lock", "UNLOCK");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.readings.empty());
}

TEST_F(Z2mDriverTest, AttributeTopicOfAnUnknownDeviceIsNotANewDevice) {
  // Without having seen "porch/lamp", ".../brightness" = "120" must not become device "porch/lamp/brightness".
  const auto d = feed("zigbee2mqtt/porch/lamp/brightness", "120");
  EXPECT_EQ(d.outcome, Outcome::ignored);
  EXPECT_TRUE(d.readings.empty());
  EXPECT_FALSE(driver->relay_command("z2m:porch/lamp/brightness", true).has_value());
}

TEST_F(Z2mDriverTest, FriendlyNameWithSlashUnderAKnownNameIsItsOwnDevice) {
  feed("zigbee2mqtt/garden", R"({"linkquality":40,"state":"ON"})");
  // A full device message (it carries linkquality) nested under the known name "garden".
  auto d = feed("zigbee2mqtt/garden/shed_sensor", R"({"humidity":71.5,"linkquality":66,"temperature":8.25})");
  EXPECT_TRUE(has_readings(d, {{"z2m:garden/shed_sensor", Metric::humidity_pct, 71.5},
                               {"z2m:garden/shed_sensor", Metric::temperature_c, 8.25},
                               {"z2m:garden/shed_sensor", Metric::link_quality, 66}}));
  // From now on the nested name is a device of its own, not an attribute of "garden".
  d = feed("zigbee2mqtt/garden/shed_sensor", R"({"linkquality":65,"temperature":8.5})");
  EXPECT_TRUE(has_readings(d, {{"z2m:garden/shed_sensor", Metric::temperature_c, 8.5},
                               {"z2m:garden/shed_sensor", Metric::link_quality, 65}}));
}

TEST_F(Z2mDriverTest, AvailabilityBothFormsAndEmptyRetainedAfterRename) {
  const std::string id = "z2m:lounge/heater_plug";
  auto d = feed("zigbee2mqtt/lounge/heater_plug/availability", R"({"state":"online"})", true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{id, Metric::online, 1}}));
  EXPECT_TRUE(d.readings.at(0).retained);
  d = feed("zigbee2mqtt/lounge/heater_plug/availability", "offline", true);
  EXPECT_TRUE(has_readings(d, {{id, Metric::online, 0}}));
  d = feed("zigbee2mqtt/lounge/heater_plug/availability", "online");
  EXPECT_TRUE(has_readings(d, {{id, Metric::online, 1}}));

  // Rename: Z2M clears the old name's retained availability. Forget it, do not call it offline.
  feed("zigbee2mqtt/bedside_lamp/availability", R"({"state":"online"})", true);
  d = feed("zigbee2mqtt/bedside_lamp/availability", "", true);
  EXPECT_EQ(d.outcome, Outcome::ignored);
  EXPECT_TRUE(d.readings.empty());
  d = feed("zigbee2mqtt/bridge/state", R"({"state":"offline"})", true);
  EXPECT_TRUE(has_readings(d, {{id, Metric::online, 0}}));  // the forgotten name is not listed
}

TEST_F(Z2mDriverTest, BadAvailabilityPayloadsAreRejected) {
  auto d = feed("zigbee2mqtt/lounge/heater_plug/availability", "maybe");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::UNKNOWN_PAYLOAD);
  d = feed("zigbee2mqtt/lounge/heater_plug/availability", R"({"state":)");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::MALFORMED_JSON);
}

TEST_F(Z2mDriverTest, BridgeStateBothFormsDrivesEveryDevice) {
  auto d = feed("zigbee2mqtt/bridge/state", "online", true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.readings.empty());  // nothing known yet
  feed("zigbee2mqtt/lounge/heater_plug", PLUG_ON);
  feed("zigbee2mqtt/attic_th", R"({"battery":64,"humidity":55,"linkquality":30,"temperature":12.5})");
  feed("zigbee2mqtt/cellar_th/availability", "offline");

  d = feed("zigbee2mqtt/bridge/state", R"({"state":"offline"})", true);
  EXPECT_TRUE(has_readings(d, {{"z2m:lounge/heater_plug", Metric::online, 0},
                               {"z2m:attic_th", Metric::online, 0},
                               {"z2m:cellar_th", Metric::online, 0}}));
  // A device availability seen while the bridge is down cannot make the device reachable.
  d = feed("zigbee2mqtt/attic_th/availability", "online");
  EXPECT_TRUE(has_readings(d, {{"z2m:attic_th", Metric::online, 0}}));

  // Back online (legacy form): devices return, except the one whose own availability is offline.
  d = feed("zigbee2mqtt/bridge/state", "online");
  EXPECT_TRUE(has_readings(d, {{"z2m:lounge/heater_plug", Metric::online, 1},
                               {"z2m:attic_th", Metric::online, 1},
                               {"z2m:cellar_th", Metric::online, 0}}));
  d = feed("zigbee2mqtt/bridge/state", R"({"state":"sleepy"})");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::UNKNOWN_PAYLOAD);
}

TEST_F(Z2mDriverTest, OtherBridgeTopicsAreIgnored) {
  for (const auto* topic : {"zigbee2mqtt/bridge/event", "zigbee2mqtt/bridge/logging", "zigbee2mqtt/bridge/info",
                            "zigbee2mqtt/bridge/response/device/rename", "zigbee2mqtt/bridge/groups"}) {
    const auto d = feed(topic, R"({"data":{"friendly_name":"attic_th"},"type":"device_interview"})");
    EXPECT_EQ(d.outcome, Outcome::ignored) << topic;
  }
}

TEST_F(Z2mDriverTest, BridgeDevicesTeachesPowerSourceAndModel) {
  const auto d =
      feed("zigbee2mqtt/bridge/devices",
           R"([{"friendly_name":"Coordinator","ieee_address":"0x00124b0001","type":"Coordinator"},)"
           R"({"definition":{"model":"SP 120","vendor":"innr"},"friendly_name":"study/fan_plug",)"
           R"j("ieee_address":"0x00158d0001","power_source":"Mains (single phase)","software_build_id":"2.1",)j"
           R"("type":"Router"},)"
           R"({"definition":{"model":"WSDCGQ11LM","vendor":"Aqara"},"friendly_name":"study/climate",)"
           R"("ieee_address":"0x00158d0002","power_source":"Battery","type":"EndDevice"}])",
           true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  ASSERT_EQ(d.devices.size(), 2U);
  EXPECT_EQ(d.devices[0].device_id, "z2m:study/fan_plug");
  EXPECT_EQ(d.devices[0].model, "SP 120");
  EXPECT_EQ(d.devices[0].firmware, "2.1");
  EXPECT_EQ(d.devices[1].device_id, "z2m:study/climate");

  // Known mains device: `voltage` is volts, even without any other hint in the message.
  auto s = feed("zigbee2mqtt/study/fan_plug", R"({"linkquality":120,"voltage":229})");
  EXPECT_TRUE(has_readings(
      s, {{"z2m:study/fan_plug", Metric::voltage_v, 229}, {"z2m:study/fan_plug", Metric::link_quality, 120}}));
  // Known battery device: `voltage` is millivolts even when it looks like volts.
  s = feed("zigbee2mqtt/study/climate", R"({"linkquality":80,"voltage":300})");
  EXPECT_TRUE(has_readings(s, {{"z2m:study/climate", Metric::link_quality, 80}}));
  EXPECT_EQ(feed("zigbee2mqtt/bridge/devices", R"([{"friendly_name":)").reject_reason, reason::MALFORMED_JSON);
}

TEST_F(Z2mDriverTest, BatteryVoltageIsMillivoltsNotMainsVoltage) {
  auto d =
      feed("zigbee2mqtt/attic_th",
           R"({"battery":88,"humidity":55.1,"linkquality":30,"pressure":1002.5,"temperature":12.5,"voltage":2890})");
  EXPECT_TRUE(has_readings(d, {{"z2m:attic_th", Metric::battery_pct, 88},
                               {"z2m:attic_th", Metric::humidity_pct, 55.1},
                               {"z2m:attic_th", Metric::temperature_c, 12.5},
                               {"z2m:attic_th", Metric::link_quality, 30}}));
  // A later partial message: the device is remembered as battery powered.
  d = feed("zigbee2mqtt/attic_th", R"({"linkquality":31,"voltage":2870})");
  EXPECT_TRUE(has_readings(d, {{"z2m:attic_th", Metric::link_quality, 31}}));
  // Never seen, no battery field, but 2950 cannot be a mains voltage.
  d = feed("zigbee2mqtt/porch_button", R"({"action":"single","linkquality":12,"voltage":2950})");
  EXPECT_TRUE(has_readings(d, {{"z2m:porch_button", Metric::link_quality, 12}}));
}

TEST_F(Z2mDriverTest, LegacyRawIlluminanceDefersToLuxField) {
  auto d = feed("zigbee2mqtt/stairs_motion",
                R"({"battery":97,"illuminance":21761,"illuminance_lux":150,"linkquality":99,"occupancy":false})");
  EXPECT_TRUE(has_readings(d, {{"z2m:stairs_motion", Metric::illuminance_lux, 150},
                               {"z2m:stairs_motion", Metric::battery_pct, 97},
                               {"z2m:stairs_motion", Metric::motion, 0},
                               {"z2m:stairs_motion", Metric::link_quality, 99}}));
  d = feed("zigbee2mqtt/stairs_motion", R"({"illuminance":312,"linkquality":99,"occupancy":true})");  // Z2M 2.x
  EXPECT_TRUE(has_readings(d, {{"z2m:stairs_motion", Metric::illuminance_lux, 312},
                               {"z2m:stairs_motion", Metric::motion, 1},
                               {"z2m:stairs_motion", Metric::link_quality, 99}}));
  d = feed("zigbee2mqtt/desk_radar", R"({"linkquality":140,"presence":true})");
  EXPECT_TRUE(has_readings(d, {{"z2m:desk_radar", Metric::motion, 1}, {"z2m:desk_radar", Metric::link_quality, 140}}));
}

TEST_F(Z2mDriverTest, ContactTrueMeansClosed) {
  auto d = feed("zigbee2mqtt/patio_door", R"({"battery":76,"contact":true,"linkquality":110,"voltage":3010})");
  EXPECT_TRUE(has_readings(d, {{"z2m:patio_door", Metric::contact_open, 0},
                               {"z2m:patio_door", Metric::battery_pct, 76},
                               {"z2m:patio_door", Metric::link_quality, 110}}));
  d = feed("zigbee2mqtt/patio_door", R"({"battery":76,"contact":false,"linkquality":110,"voltage":3010})");
  EXPECT_TRUE(has_readings(d, {{"z2m:patio_door", Metric::contact_open, 1},
                               {"z2m:patio_door", Metric::battery_pct, 76},
                               {"z2m:patio_door", Metric::link_quality, 110}}));
}

TEST(Z2mDriverOptions, InvertedContactDevices) {
  DriverOptions options;
  options.inverted_contact_devices = {"z2m:shed_door", "larder_door"};  // by device id or bare name
  auto driver = make_z2m_driver(options);
  auto d = driver->decode(msg("zigbee2mqtt/shed_door", R"({"contact":true,"linkquality":5})"));
  EXPECT_TRUE(
      has_readings(d, {{"z2m:shed_door", Metric::contact_open, 1}, {"z2m:shed_door", Metric::link_quality, 5}}));
  d = driver->decode(msg("zigbee2mqtt/larder_door", R"({"contact":false})"));
  EXPECT_TRUE(has_readings(d, {{"z2m:larder_door", Metric::contact_open, 0}}));
  d = driver->decode(msg("zigbee2mqtt/patio_door", R"({"contact":true})"));
  EXPECT_TRUE(has_readings(d, {{"z2m:patio_door", Metric::contact_open, 0}}));
}

TEST_F(Z2mDriverTest, SmokeSelfTestIsNotAnAlarm) {
  auto d = feed("zigbee2mqtt/hall_smoke",
                R"({"battery":99,"linkquality":50,"smoke":true,"smoke_density":4,"test":true,"voltage":3050})");
  EXPECT_TRUE(has_readings(d, {{"z2m:hall_smoke", Metric::smoke_density, 4},
                               {"z2m:hall_smoke", Metric::battery_pct, 99},
                               {"z2m:hall_smoke", Metric::link_quality, 50}}));
  EXPECT_TRUE(has_issues(d, {{"z2m:hall_smoke", "smoke", std::string(reason::SELF_TEST)}}));
  // Attribute-output topics carry no `test` field: the remembered flag still applies.
  d = feed("zigbee2mqtt/hall_smoke/smoke", "true");
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(has_issues(d, {{"z2m:hall_smoke", "smoke", std::string(reason::SELF_TEST)}}));

  d = feed("zigbee2mqtt/hall_smoke", R"({"linkquality":50,"smoke":true,"smoke_density":31,"test":false})");
  EXPECT_TRUE(has_readings(d, {{"z2m:hall_smoke", Metric::smoke, 1},
                               {"z2m:hall_smoke", Metric::smoke_density, 31},
                               {"z2m:hall_smoke", Metric::link_quality, 50}}));
  EXPECT_TRUE(d.issues.empty());
}

TEST_F(Z2mDriverTest, CarbonMonoxideAndWaterLeak) {
  auto d = feed("zigbee2mqtt/utility_co", R"({"battery_low":false,"carbon_monoxide":false,"co":3,"linkquality":70})");
  EXPECT_TRUE(has_readings(d, {{"z2m:utility_co", Metric::co_detected, 0},
                               {"z2m:utility_co", Metric::co_ppm, 3},
                               {"z2m:utility_co", Metric::link_quality, 70}}));
  d = feed("zigbee2mqtt/sink_leak", R"({"battery":100,"linkquality":88,"water_leak":true})");
  EXPECT_TRUE(has_readings(d, {{"z2m:sink_leak", Metric::water_leak, 1},
                               {"z2m:sink_leak", Metric::battery_pct, 100},
                               {"z2m:sink_leak", Metric::link_quality, 88}}));
}

TEST_F(Z2mDriverTest, NullMockPropertiesAreNoValueNotZero) {
  const auto d = feed("zigbee2mqtt/guest_motion",
                      R"({"battery":null,"illuminance":null,"linkquality":144,"occupancy":null,"voltage":null})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{"z2m:guest_motion", Metric::link_quality, 144}}));
  const std::string no_value(reason::NO_VALUE);
  EXPECT_TRUE(has_issues(d, {{"z2m:guest_motion", "battery", no_value},
                             {"z2m:guest_motion", "illuminance", no_value},
                             {"z2m:guest_motion", "occupancy", no_value}}));
}

TEST_F(Z2mDriverTest, BadFieldsBecomeIssuesAndKeepTheGoodOnes) {
  const auto d = feed("zigbee2mqtt/workshop_plug",
                      R"({"battery":140,"current":{"a":1},"energy":"twelve","humidity":"60.5","linkquality":77,)"
                      R"("power":-12,"state":7,"temperature":"19.75"})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{"z2m:workshop_plug", Metric::temperature_c, 19.75},
                               {"z2m:workshop_plug", Metric::humidity_pct, 60.5},
                               {"z2m:workshop_plug", Metric::link_quality, 77}}));
  EXPECT_TRUE(has_issues(d, {{"z2m:workshop_plug", "power", std::string(reason::NEGATIVE_POWER)},
                             {"z2m:workshop_plug", "energy", std::string(reason::WRONG_TYPE)},
                             {"z2m:workshop_plug", "current", std::string(reason::WRONG_TYPE)},
                             {"z2m:workshop_plug", "battery", std::string(reason::OUT_OF_RANGE)},
                             {"z2m:workshop_plug", "state", std::string(reason::WRONG_TYPE)}}));
}

TEST_F(Z2mDriverTest, MalformedOrNonObjectStateIsRejected) {
  auto d = feed("zigbee2mqtt/study_lamp", R"({"state":"ON",)");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::MALFORMED_JSON);
  feed("zigbee2mqtt/study_lamp", R"({"linkquality":90,"state":"ON"})");
  d = feed("zigbee2mqtt/study_lamp", "not json at all");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::MALFORMED_JSON);
  d = feed("zigbee2mqtt/study_lamp", "[1,2]");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::WRONG_TYPE);
  d = feed("zigbee2mqtt/landing_lamp", "42");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::WRONG_TYPE);
}

TEST_F(Z2mDriverTest, UnmappedFieldsAndLastSeenAreHarmless) {
  const auto d =
      feed("zigbee2mqtt/study_lamp",
           R"({"brightness":180,"color":{"x":0.31,"y":0.32},"last_seen":1736900000123,"linkquality":90,)"
           R"("power_on_behavior":"previous","power_outage_count":4,"state":"OFF","update":{"state":"idle"}})");
  EXPECT_TRUE(has_readings(d, {{"z2m:study_lamp", Metric::relay_on, 0}, {"z2m:study_lamp", Metric::link_quality, 90}}));
  EXPECT_TRUE(d.issues.empty());
}

TEST_F(Z2mDriverTest, NonRelayStateWordsAreNotRelays) {
  const auto d = feed("zigbee2mqtt/bay_blind", R"({"linkquality":61,"position":40,"state":"OPEN"})");
  EXPECT_TRUE(has_readings(d, {{"z2m:bay_blind", Metric::link_quality, 61}}));
  EXPECT_TRUE(d.issues.empty());
  EXPECT_FALSE(driver->relay_command("z2m:bay_blind", true).has_value());
}

TEST_F(Z2mDriverTest, MultiChannelEndpointKeys) {
  const auto d =
      feed("zigbee2mqtt/bathroom/double_switch",
           R"({"linkquality":150,"power_l1":36.5,"power_on_behavior_l1":"off","state_l1":"ON","state_l2":"OFF"})");
  EXPECT_TRUE(has_readings(d, {{"z2m:bathroom/double_switch#l1", Metric::relay_on, 1},
                               {"z2m:bathroom/double_switch#l1", Metric::power_w, 36.5},
                               {"z2m:bathroom/double_switch#l2", Metric::relay_on, 0},
                               {"z2m:bathroom/double_switch", Metric::link_quality, 150}}));
  const auto cmd = driver->relay_command("z2m:bathroom/double_switch#l2", true);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, "zigbee2mqtt/bathroom/double_switch/set");
  EXPECT_EQ(cmd->payload, R"({"state_l2":"ON"})");
  EXPECT_FALSE(driver->relay_command("z2m:bathroom/double_switch", true).has_value());  // no plain `state`
  EXPECT_FALSE(driver->relay_command("z2m:bathroom/double_switch#l3", true).has_value());
}

TEST_F(Z2mDriverTest, RelayCommandOnlyForSeenRelays) {
  EXPECT_FALSE(driver->relay_command("z2m:lounge/heater_plug", true).has_value());  // not seen yet
  feed("zigbee2mqtt/lounge/heater_plug", PLUG_ON);
  feed("zigbee2mqtt/attic_th", R"({"battery":64,"linkquality":30,"temperature":12.5})");
  auto cmd = driver->relay_command("z2m:lounge/heater_plug", false);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, "zigbee2mqtt/lounge/heater_plug/set");
  EXPECT_EQ(cmd->payload, R"({"state":"OFF"})");
  cmd = driver->relay_command("z2m:lounge/heater_plug", true);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->payload, R"({"state":"ON"})");
  EXPECT_FALSE(driver->relay_command("z2m:attic_th", true).has_value());
  EXPECT_FALSE(driver->relay_command("esphome:lounge/heater_plug", true).has_value());
  EXPECT_FALSE(driver->relay_command("lounge/heater_plug", true).has_value());
}

}  // namespace
