// ESPHome native MQTT driver: hand-written payloads in ESPHome's real formats.
#include "drivers/esphome_driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "drivers/driver_test_support.h"

namespace {

using namespace hearth::drivers;
using namespace hearth::drivers::test;  // Metric, Expected, has_issues, ...

const auto T0 = hearth::core::from_epoch_ms(1'736'900'500'000);
const ReadingsAt has_readings{T0};

class EsphomeDriverTest : public testing::Test {
 protected:
  std::unique_ptr<Driver> driver = make_esphome_driver(DriverOptions{});

  Decoded feed(std::string_view topic, std::string_view payload, bool retained = true) {
    return driver->decode(Message{topic, payload, retained, T0});
  }
};

TEST_F(EsphomeDriverTest, SubscribesToNodeStateAndStatusTopics) {
  EXPECT_EQ(driver->name(), "esphome");
  const auto subs = driver->subscriptions();
  for (const auto* s :
       {"+/sensor/+/state", "+/binary_sensor/+/state", "+/switch/+/state", "+/text_sensor/+/state", "+/status"}) {
    EXPECT_NE(std::find(subs.begin(), subs.end(), s), subs.end()) << s;
  }
}

TEST_F(EsphomeDriverTest, SensorMetricIsInferredFromObjectId) {
  const std::string id = "esphome:garage_node";
  const auto d = feed("garage_node/sensor/garage_temperature/state", "18.25");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{id, Metric::temperature_c, 18.25}}));
  ASSERT_EQ(d.readings.size(), 1U);
  EXPECT_TRUE(d.readings[0].retained);
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/garage_humidity/state", "61"), {{id, Metric::humidity_pct, 61}}));
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/freezer_power/state", "412.7"), {{id, Metric::power_w, 412.7}}));
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/freezer_total_daily_energy/state", "3.5"),
                           {{id, Metric::energy_kwh, 3.5}}));
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/wifi_signal/state", "-71"), {{id, Metric::rssi_dbm, -71}}));
  EXPECT_TRUE(
      has_readings(feed("garage_node/sensor/bench_illuminance/state", "320"), {{id, Metric::illuminance_lux, 320}}));
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/battery_level/state", "76"), {{id, Metric::battery_pct, 76}}));
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/mains_voltage/state", "238.9"), {{id, Metric::voltage_v, 238.9}}));
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/freezer_current/state", "1.73"), {{id, Metric::current_a, 1.73}}));
  EXPECT_TRUE(has_readings(feed("garage_node/sensor/boiler_co/state", "9"), {{id, Metric::co_ppm, 9}}));
}

TEST_F(EsphomeDriverTest, EnergyNamedInWattHoursIsConverted) {
  EXPECT_TRUE(has_readings(feed("utility/sensor/washer_energy_wh/state", "1530"),
                           {{"esphome:utility", Metric::energy_kwh, 1.53}}));
}

TEST_F(EsphomeDriverTest, UninterpretableSensorsAreDecodedWithoutReadings) {
  for (const auto* topic :
       {"garage_node/sensor/co2/state", "garage_node/sensor/uptime/state", "garage_node/sensor/air_pressure/state",
        "garage_node/sensor/internal_temperature/state", "garage_node/sensor/battery_voltage/state",
        "garage_node/sensor/power_factor/state", "garage_node/sensor/wifi_signal_percent/state"}) {
    const auto d = feed(topic, "42");
    EXPECT_EQ(d.outcome, Outcome::decoded) << topic;
    EXPECT_TRUE(d.readings.empty()) << topic;
    EXPECT_TRUE(d.issues.empty()) << topic;
  }
}

TEST_F(EsphomeDriverTest, NanNoneAndEmptyAreNoValue) {
  for (const auto* payload : {"nan", "None", "", "NaN"}) {
    const auto d = feed("garage_node/sensor/garage_temperature/state", payload);
    EXPECT_EQ(d.outcome, Outcome::decoded) << payload;
    EXPECT_TRUE(d.readings.empty()) << payload;
    EXPECT_TRUE(has_one_issue(d, "esphome:garage_node", "garage_temperature", reason::NO_VALUE)) << payload;
  }
  auto d = feed("garage_node/sensor/garage_temperature/state", "warm");
  EXPECT_TRUE(has_one_issue(d, "esphome:garage_node", "garage_temperature", reason::WRONG_TYPE));
  d = feed("garage_node/sensor/freezer_power/state", "-3.2");
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(has_one_issue(d, "esphome:garage_node", "freezer_power", reason::NEGATIVE_POWER));
  d = feed("garage_node/binary_sensor/side_door/state", "None");
  EXPECT_TRUE(has_one_issue(d, "esphome:garage_node", "side_door", reason::NO_VALUE));
}

TEST_F(EsphomeDriverTest, BinarySensors) {
  const std::string id = "esphome:porch";
  EXPECT_TRUE(has_readings(feed("porch/binary_sensor/porch_pir/state", "ON"), {{id, Metric::motion, 1}}));
  EXPECT_TRUE(has_readings(feed("porch/binary_sensor/porch_pir/state", "OFF"), {{id, Metric::motion, 0}}));
  EXPECT_TRUE(has_readings(feed("porch/binary_sensor/front_door/state", "ON"), {{id, Metric::contact_open, 1}}));
  EXPECT_TRUE(has_readings(feed("porch/binary_sensor/boot_room_leak/state", "OFF"), {{id, Metric::water_leak, 0}}));
  EXPECT_TRUE(has_readings(feed("porch/binary_sensor/smoke_alarm/state", "ON"), {{id, Metric::smoke, 1}}));
  auto d = feed("porch/binary_sensor/porch_pir/state", "MAYBE");
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(has_one_issue(d, id, "porch_pir", reason::UNKNOWN_PAYLOAD));
  d = feed("porch/binary_sensor/doorbell_button/state", "ON");  // no meaning Hearth normalises
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.readings.empty());
}

TEST_F(EsphomeDriverTest, SwitchStateAndRelayCommand) {
  EXPECT_FALSE(driver->relay_command("esphome:kitchen_esp", true).has_value());  // not seen yet
  auto d = feed("kitchen_esp/switch/kettle_relay/state", "ON");
  EXPECT_TRUE(has_readings(d, {{"esphome:kitchen_esp", Metric::relay_on, 1}}));
  d = feed("kitchen_esp/switch/kettle_relay/state", "OFF");
  EXPECT_TRUE(has_readings(d, {{"esphome:kitchen_esp", Metric::relay_on, 0}}));

  auto cmd = driver->relay_command("esphome:kitchen_esp", false);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, "kitchen_esp/switch/kettle_relay/command");
  EXPECT_EQ(cmd->payload, "OFF");
  cmd = driver->relay_command("esphome:kitchen_esp", true);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->payload, "ON");
  // Our own command echoed back by the broker.
  EXPECT_EQ(feed("kitchen_esp/switch/kettle_relay/command", "ON", false).outcome, Outcome::ignored);
  EXPECT_FALSE(driver->relay_command("esphome:garage_node", true).has_value());
}

TEST_F(EsphomeDriverTest, SecondEntityForAMetricGetsObjectIdSuffix) {
  EXPECT_TRUE(has_readings(feed("bedroom_esp/sensor/bedroom_temperature/state", "19.5"),
                           {{"esphome:bedroom_esp", Metric::temperature_c, 19.5}}));
  EXPECT_TRUE(has_readings(feed("bedroom_esp/sensor/outside_temperature/state", "4.0"),
                           {{"esphome:bedroom_esp#outside_temperature", Metric::temperature_c, 4.0}}));
  // Assignment is sticky: the first one keeps the plain node id.
  EXPECT_TRUE(has_readings(feed("bedroom_esp/sensor/bedroom_temperature/state", "19.75"),
                           {{"esphome:bedroom_esp", Metric::temperature_c, 19.75}}));
  // Two switches: the second is commanded through its own id.
  feed("bedroom_esp/switch/lamp_relay/state", "OFF");
  feed("bedroom_esp/switch/fan_relay/state", "ON");
  const auto cmd = driver->relay_command("esphome:bedroom_esp#fan_relay", true);
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->topic, "bedroom_esp/switch/fan_relay/command");
  // The node's status covers every id handed out for it.
  const auto d = feed("bedroom_esp/status", "offline");
  EXPECT_TRUE(has_readings(d, {{"esphome:bedroom_esp", Metric::online, 0},
                               {"esphome:bedroom_esp#outside_temperature", Metric::online, 0},
                               {"esphome:bedroom_esp#fan_relay", Metric::online, 0}}));
}

TEST_F(EsphomeDriverTest, StatusAndDebugTopics) {
  auto d = feed("study_esp/status", "online");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{"esphome:study_esp", Metric::online, 1}}));
  EXPECT_TRUE(d.readings.at(0).retained);
  EXPECT_TRUE(has_readings(feed("study_esp/status", "offline"), {{"esphome:study_esp", Metric::online, 0}}));
  EXPECT_EQ(feed("study_esp/debug", "[I][app:102]: ESPHome version 2024.11.1 compiled").outcome, Outcome::ignored);
  // Odd payload on a node we know: ours, but unusable.
  d = feed("study_esp/status", "rebooting");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, reason::UNKNOWN_PAYLOAD);
  // "<x>/status" with another payload from a stranger is somebody else's topic.
  EXPECT_EQ(feed("octoprint/status", R"({"state":"printing"})").outcome, Outcome::not_mine);
}

TEST_F(EsphomeDriverTest, ForeignTopicsAreNotMine) {
  for (const auto* topic :
       {"homeassistant/status", "homeassistant/sensor/attic/state", "zigbee2mqtt/sensor/x/state", "tele/sonoff/STATE",
        "shellies/plug-s/relay/0/power", "study_esp/sensor/state", "study_esp/gadget/thing/state", "/sensor/x/state"}) {
    EXPECT_EQ(feed(topic, "online").outcome, Outcome::not_mine) << topic;
  }
}

TEST(EsphomeDriverOptions, ConfiguredMultiLevelPrefix) {
  DriverOptions options;
  options.esphome_prefixes = {"flat", "flat/ground/esp"};
  auto driver = make_esphome_driver(options);
  const auto subs = driver->subscriptions();
  EXPECT_NE(std::find(subs.begin(), subs.end(), "flat/ground/esp/+/+/state"), subs.end());
  EXPECT_NE(std::find(subs.begin(), subs.end(), "flat/ground/esp/status"), subs.end());

  auto d = driver->decode(Message{"flat/ground/esp/sensor/hall_temperature/state", "20.5", true, T0});
  EXPECT_TRUE(has_readings(d, {{"esphome:flat/ground/esp", Metric::temperature_c, 20.5}}));
  d = driver->decode(Message{"flat/ground/esp/status", "online", true, T0});
  EXPECT_TRUE(has_readings(d, {{"esphome:flat/ground/esp", Metric::online, 1}}));
  d = driver->decode(Message{"flat/ground/esp/debug", "[D] hello", true, T0});
  EXPECT_EQ(d.outcome, Outcome::ignored);
}

TEST_F(EsphomeDriverTest, UnconfiguredMultiLevelPrefixStillDecodes) {
  auto d = feed("house/loft/sensor/loft_humidity/state", "58.5");
  EXPECT_TRUE(has_readings(d, {{"esphome:house/loft", Metric::humidity_pct, 58.5}}));
  // Once the prefix is known, its deeper status topic is recognised too.
  d = feed("house/loft/status", "online");
  EXPECT_TRUE(has_readings(d, {{"esphome:house/loft", Metric::online, 1}}));
  EXPECT_EQ(feed("house/cellar/status", "online").outcome, Outcome::not_mine);
}

TEST_F(EsphomeDriverTest, TextSensorsAndOtherComponents) {
  auto d = feed("study_esp/text_sensor/esphome_version/state", "2024.12.4");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  ASSERT_EQ(d.devices.size(), 1U);
  EXPECT_EQ(d.devices[0].device_id, "esphome:study_esp");
  EXPECT_EQ(d.devices[0].firmware, "2024.12.4");
  EXPECT_EQ(feed("study_esp/text_sensor/ip_address/state", "10.1.2.3").outcome, Outcome::ignored);
  EXPECT_EQ(feed("study_esp/light/desk_lamp/state", R"({"state":"ON","brightness":200})").outcome, Outcome::ignored);
  EXPECT_EQ(feed("study_esp/number/target/state", "21").outcome, Outcome::ignored);
}

}  // namespace
