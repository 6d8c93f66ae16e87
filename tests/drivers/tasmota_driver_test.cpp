// Tasmota driver: hand-written payloads in Tasmota's real formats (not the shared fixtures).
#include "drivers/tasmota_driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "drivers/driver_test_support.h"

namespace {

using namespace hearth::drivers;
using namespace hearth::drivers::test;  // Metric, Expected, has_issues, ...

const auto T0 = hearth::core::from_epoch_ms(1'741'000'000'000);
const ReadingsAt has_readings{T0};

class TasmotaDriverTest : public testing::Test {
 protected:
  std::unique_ptr<Driver> driver = make_tasmota_driver(DriverOptions{});

  Decoded feed(std::string_view topic, std::string_view payload, bool retained = false) {
    return driver->decode(Message{topic, payload, retained, T0});
  }
};

// A Sonoff Pow R2 style plug called "desk_heater" in the default FullTopic layout.
constexpr std::string_view HEATER_ENERGY =
    R"({"Time":"2025-03-02T18:10:00","ENERGY":{"TotalStartTime":"2024-09-15T10:00:00","Total":612.048,)"
    R"("Yesterday":3.870,"Today":1.262,"Period":11,"Power":1330,"ApparentPower":1342,"ReactivePower":180,)"
    R"("Factor":0.99,"Voltage":241,"Current":5.569}})";

TEST_F(TasmotaDriverTest, NameAndSubscriptions) {
  EXPECT_EQ(driver->name(), "tasmota");
  const auto subs = driver->subscriptions();
  for (const auto* s : {"tele/#", "stat/#", "tasmota/discovery/#"}) {
    EXPECT_NE(std::find(subs.begin(), subs.end(), s), subs.end()) << s;
  }
}

TEST_F(TasmotaDriverTest, LwtBecomesOnlineAndKeepsRetainedFlag) {
  const auto up = feed("tele/desk_heater/LWT", "Online", /*retained=*/true);
  EXPECT_EQ(up.outcome, Outcome::decoded);
  ASSERT_TRUE(has_readings(up, {{"tasmota:desk_heater", Metric::online, 1.0}}));
  EXPECT_TRUE(up.readings[0].retained);
  EXPECT_TRUE(has_readings(feed("tele/desk_heater/LWT", "Offline"), {{"tasmota:desk_heater", Metric::online, 0.0}}));
  EXPECT_FALSE(feed("tele/desk_heater/LWT", "Offline").readings[0].retained);

  const auto odd = feed("tele/desk_heater/LWT", "Sleeping");
  EXPECT_EQ(odd.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(odd, {}));
  EXPECT_TRUE(has_issues(odd, {{"tasmota:desk_heater", "LWT", reason::UNKNOWN_PAYLOAD}}));
}

TEST_F(TasmotaDriverTest, StateGivesRelayAndSignalInDbmNotRssiPercent) {
  const auto d = feed("tele/desk_heater/STATE",
                      R"({"Time":"2025-03-02T18:05:00","Uptime":"0T04:12:55","UptimeSec":15175,"Heap":27,)"
                      R"("SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,"POWER":"ON",)"
                      R"("Wifi":{"AP":1,"SSId":"attic","BSSId":"AA:BB:CC:00:11:22","Channel":11,"Mode":"11n",)"
                      R"("RSSI":88,"Signal":-49,"LinkCount":1,"Downtime":"0T00:00:03"}})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(
      d, {{"tasmota:desk_heater", Metric::relay_on, 1.0}, {"tasmota:desk_heater", Metric::rssi_dbm, -49.0}}));
  EXPECT_TRUE(d.issues.empty());
}

TEST_F(TasmotaDriverTest, EnergyFieldsMapToMetricsAndOthersAreDropped) {
  const auto d = feed("tele/desk_heater/SENSOR", HEATER_ENERGY);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{"tasmota:desk_heater", Metric::energy_kwh, 612.048},
                               {"tasmota:desk_heater", Metric::power_w, 1330.0},
                               {"tasmota:desk_heater", Metric::voltage_v, 241.0},
                               {"tasmota:desk_heater", Metric::current_a, 5.569}}));
  EXPECT_TRUE(d.issues.empty());
}

TEST_F(TasmotaDriverTest, PowerDeltaMessageWithoutPeriodAndWithStringNumbers) {
  const auto d = feed("tele/desk_heater/SENSOR",
                      R"({"Time":"2025-03-02T18:11:07","ENERGY":{"TotalStartTime":"2024-09-15T10:00:00",)"
                      R"("Total":"612.061","Yesterday":3.870,"Today":1.275,"Power":"96.5","Voltage":"240"}})");
  EXPECT_TRUE(has_readings(d, {{"tasmota:desk_heater", Metric::energy_kwh, 612.061},
                               {"tasmota:desk_heater", Metric::power_w, 96.5},
                               {"tasmota:desk_heater", Metric::voltage_v, 240.0}}));
}

TEST_F(TasmotaDriverTest, TotalStartTimeChangeFlagsOnlyTheFirstEnergyReadingAfterIt) {
  // First sighting: nothing to compare with, so no reset (the gateway may have restarted).
  ASSERT_TRUE(has_readings(
      feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"TotalStartTime":"2024-09-15T10:00:00","Total":612.1,"Power":0}})"),
      {{"tasmota:desk_heater", Metric::energy_kwh, 612.1}, {"tasmota:desk_heater", Metric::power_w, 0.0}}));
  // A drop with the same start time is a power-cut rewind: EnergyCounter's job, not a reset.
  EXPECT_TRUE(has_readings(
      feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"TotalStartTime":"2024-09-15T10:00:00","Total":611.7}})"),
      {{"tasmota:desk_heater", Metric::energy_kwh, 611.7}}));
  // EnergyTotal 0: a new start time.
  EXPECT_TRUE(has_readings(
      feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"TotalStartTime":"2025-03-02T19:00:00","Total":0.004}})"),
      {{"tasmota:desk_heater", Metric::energy_kwh, 0.004, /*reset=*/true}}));
  EXPECT_TRUE(has_readings(
      feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"TotalStartTime":"2025-03-02T19:00:00","Total":0.011}})"),
      {{"tasmota:desk_heater", Metric::energy_kwh, 0.011}}));
}

TEST_F(TasmotaDriverTest, ResetIsKeptUntilATotalCanBeEmitted) {
  (void)feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"TotalStartTime":"A","Total":5.0}})");
  const auto bad = feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"TotalStartTime":"B","Total":null}})");
  EXPECT_TRUE(has_issues(bad, {{"tasmota:desk_heater", "ENERGY.Total", reason::NO_VALUE}}));
  EXPECT_TRUE(has_readings(feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"TotalStartTime":"B","Total":0.2}})"),
                           {{"tasmota:desk_heater", Metric::energy_kwh, 0.2, true}}));
}

TEST_F(TasmotaDriverTest, PerPhaseArraysBecomeChannelsAndScalarTotalStaysOnDevice) {
  const auto d = feed("tele/garage_meter/SENSOR",
                      R"({"Time":"2025-03-02T12:00:00","ENERGY":{"TotalStartTime":"2024-01-01T00:00:00",)"
                      R"("Total":980.5,"Yesterday":8.1,"Today":2.2,"Period":[4,1,0],"Power":[410,95,0],)"
                      R"("Factor":[0.91,0.75,0.00],"Frequency":50,"Voltage":[231,232,230],)"
                      R"("Current":[1.951,0.546,0.0]}})");
  EXPECT_TRUE(has_readings(d, {{"tasmota:garage_meter", Metric::energy_kwh, 980.5},
                               {"tasmota:garage_meter#1", Metric::power_w, 410.0},
                               {"tasmota:garage_meter#2", Metric::power_w, 95.0},
                               {"tasmota:garage_meter#3", Metric::power_w, 0.0},
                               {"tasmota:garage_meter#1", Metric::voltage_v, 231.0},
                               {"tasmota:garage_meter#2", Metric::voltage_v, 232.0},
                               {"tasmota:garage_meter#3", Metric::voltage_v, 230.0},
                               {"tasmota:garage_meter#1", Metric::current_a, 1.951},
                               {"tasmota:garage_meter#2", Metric::current_a, 0.546},
                               {"tasmota:garage_meter#3", Metric::current_a, 0.0}}));
  // SetOption129 1: Total is per phase too.
  const auto so129 = feed("tele/garage_meter/SENSOR", R"({"ENERGY":{"Total":[600.25,300.125,80.0],"Power":[1,2,3]}})");
  EXPECT_TRUE(has_readings(so129, {{"tasmota:garage_meter#1", Metric::energy_kwh, 600.25},
                                   {"tasmota:garage_meter#2", Metric::energy_kwh, 300.125},
                                   {"tasmota:garage_meter#3", Metric::energy_kwh, 80.0},
                                   {"tasmota:garage_meter#1", Metric::power_w, 1.0},
                                   {"tasmota:garage_meter#2", Metric::power_w, 2.0},
                                   {"tasmota:garage_meter#3", Metric::power_w, 3.0}}));
}

TEST_F(TasmotaDriverTest, BadFieldsBecomeIssuesWhileGoodFieldsSurvive) {
  const auto d =
      feed("tele/desk_heater/SENSOR", R"({"ENERGY":{"Total":612.2,"Power":-4,"Voltage":{"v":1},"Current":true},)"
                                      R"("AM2301":{"Temperature":"warm","Humidity":140.0}})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{"tasmota:desk_heater", Metric::energy_kwh, 612.2}}));
  EXPECT_TRUE(has_issues(d, {{"tasmota:desk_heater", "ENERGY.Power", reason::NEGATIVE_POWER},
                             {"tasmota:desk_heater", "ENERGY.Voltage", reason::WRONG_TYPE},
                             {"tasmota:desk_heater", "ENERGY.Current", reason::WRONG_TYPE},
                             {"tasmota:desk_heater", "AM2301.Temperature", reason::WRONG_TYPE},
                             {"tasmota:desk_heater", "AM2301.Humidity", reason::OUT_OF_RANGE}}));
}

TEST_F(TasmotaDriverTest, ArrayElementIssuesNameTheElement) {
  const auto d = feed("tele/garage_meter/SENSOR", R"({"ENERGY":{"Power":[12,null,-1]}})");
  EXPECT_TRUE(has_readings(d, {{"tasmota:garage_meter#1", Metric::power_w, 12.0}}));
  EXPECT_TRUE(has_issues(d, {{"tasmota:garage_meter#2", "ENERGY.Power[1]", reason::NO_VALUE},
                             {"tasmota:garage_meter#3", "ENERGY.Power[2]", reason::NEGATIVE_POWER}}));
}

TEST_F(TasmotaDriverTest, NullAndLegacyBareNanAreNoValueNotZero) {
  struct Case {
    const char* name;
    const char* payload;
  };
  for (const auto& c : {Case{"null", R"({"SI7021":{"Temperature":null,"Humidity":null},"TempUnit":"C"})"},
                        Case{"bare nan", R"({"SI7021":{"Temperature":nan,"Humidity":nan},"TempUnit":"C"})"},
                        Case{"string nan", R"({"SI7021":{"Temperature":"nan","Humidity":"None"},"TempUnit":"C"})"}}) {
    SCOPED_TRACE(c.name);
    const auto d = feed("tele/loft_th/SENSOR", c.payload);
    EXPECT_EQ(d.outcome, Outcome::decoded);
    EXPECT_TRUE(has_readings(d, {}));
    EXPECT_TRUE(has_issues(d, {{"tasmota:loft_th", "SI7021.Temperature", reason::NO_VALUE},
                               {"tasmota:loft_th", "SI7021.Humidity", reason::NO_VALUE}}));
  }
}

TEST_F(TasmotaDriverTest, ClimateSensorsAndFahrenheit) {
  EXPECT_TRUE(has_readings(
      feed("tele/nursery_th/SENSOR",
           R"({"Time":"2025-03-02T07:00:00","AM2301":{"Temperature":21.3,"Humidity":44.9,"DewPoint":8.7},)"
           R"("TempUnit":"C"})"),
      {{"tasmota:nursery_th", Metric::temperature_c, 21.3}, {"tasmota:nursery_th", Metric::humidity_pct, 44.9}}));
  // SetOption8 1: every temperature in °F, said only by the top-level TempUnit.
  EXPECT_TRUE(has_readings(
      feed("tele/porch_th/SENSOR", R"({"SHT3X":{"Temperature":71.6,"Humidity":39.5,"DewPoint":45.1},"TempUnit":"F"})"),
      {{"tasmota:porch_th", Metric::temperature_c, 22.0}, {"tasmota:porch_th", Metric::humidity_pct, 39.5}}));
  // No TempUnit at all: Celsius.
  EXPECT_TRUE(has_readings(feed("tele/porch_th/SENSOR", R"({"BH1750":{"Illuminance":315}})"),
                           {{"tasmota:porch_th", Metric::illuminance_lux, 315.0}}));
}

TEST_F(TasmotaDriverTest, SeveralClimateSensorsAreSplitAndChipTemperatureIsSkipped) {
  const auto d =
      feed("tele/study_node/SENSOR",
           R"({"ESP32":{"Temperature":48.3},"BME280":{"Temperature":19.5,"Humidity":51.0,"Pressure":1011.3},)"
           R"("SHT4X":{"Temperature":19.9,"Humidity":50.2},"PressureUnit":"hPa","TempUnit":"C"})");
  EXPECT_TRUE(has_readings(d, {{"tasmota:study_node#BME280", Metric::temperature_c, 19.5},
                               {"tasmota:study_node#BME280", Metric::humidity_pct, 51.0},
                               {"tasmota:study_node#SHT4X", Metric::temperature_c, 19.9},
                               {"tasmota:study_node#SHT4X", Metric::humidity_pct, 50.2}}));
  // The ESP32 chip alone is not a room sensor either.
  EXPECT_EQ(feed("tele/study_node/SENSOR", R"({"ESP32":{"Temperature":51.0},"TempUnit":"C"})").outcome,
            Outcome::ignored);
}

TEST_F(TasmotaDriverTest, Ds18b20KeyedByIdAndPowerOnValueIsNoReading) {
  const auto first =
      feed("tele/tank_probes/SENSOR", R"({"DS18B20-1":{"Id":"01191E4B7A22","Temperature":54.5},)"
                                      R"("DS18B20-2":{"Id":"0319A1F0C4D1","Temperature":85.0},"TempUnit":"C"})");
  EXPECT_TRUE(has_readings(first, {{"tasmota:tank_probes#01191E4B7A22", Metric::temperature_c, 54.5}}));
  EXPECT_TRUE(has_issues(first, {{"tasmota:tank_probes#0319A1F0C4D1", "DS18B20-2.Temperature", reason::NO_VALUE}}));
  // A third probe renumbers them: the ids stay with the probes.
  const auto renumbered =
      feed("tele/tank_probes/SENSOR", R"({"DS18B20-1":{"Id":"0008AA11BB22","Temperature":17.25},)"
                                      R"("DS18B20-2":{"Id":"01191E4B7A22","Temperature":54.0},)"
                                      R"("DS18B20-3":{"Id":"0319A1F0C4D1","Temperature":61.5},"TempUnit":"C"})");
  EXPECT_TRUE(has_readings(renumbered, {{"tasmota:tank_probes#0008AA11BB22", Metric::temperature_c, 17.25},
                                        {"tasmota:tank_probes#01191E4B7A22", Metric::temperature_c, 54.0},
                                        {"tasmota:tank_probes#0319A1F0C4D1", Metric::temperature_c, 61.5}}));
  // A single probe keeps its id too (it stays stable when a second one is added); TempRes 0 integer.
  EXPECT_TRUE(
      has_readings(feed("tele/pond/SENSOR", R"({"DS18B20":{"Id":"00000A1B2C3D","Temperature":9},"TempUnit":"C"})"),
                   {{"tasmota:pond#00000A1B2C3D", Metric::temperature_c, 9.0}}));
  // 85 °C reported in °F (185) is the same power-on value.
  EXPECT_TRUE(
      has_issues(feed("tele/pond/SENSOR", R"({"DS18B20":{"Id":"00000A1B2C3D","Temperature":185.0},"TempUnit":"F"})"),
                 {{"tasmota:pond#00000A1B2C3D", "DS18B20.Temperature", reason::NO_VALUE}}));
}

TEST_F(TasmotaDriverTest, PirAsSwitchAndAsRuleTopicIsMotion) {
  EXPECT_TRUE(has_readings(feed("tele/landing_pir/SENSOR", R"({"Time":"2025-03-02T03:14:00","Switch1":"ON"})"),
                           {{"tasmota:landing_pir#1", Metric::motion, 1.0}}));
  EXPECT_TRUE(
      has_readings(feed("tele/landing_pir/SENSOR", R"({"Switch1":"OFF","Switch2":"ON"})"),
                   {{"tasmota:landing_pir#1", Metric::motion, 0.0}, {"tasmota:landing_pir#2", Metric::motion, 1.0}}));
  EXPECT_TRUE(has_readings(feed("stat/landing_pir/PIR1", "ON"), {{"tasmota:landing_pir#1", Metric::motion, 1.0}}));
  EXPECT_TRUE(has_readings(feed("stat/landing_pir/PIR1", "OFF"), {{"tasmota:landing_pir#1", Metric::motion, 0.0}}));
}

TEST_F(TasmotaDriverTest, RelayStateFromResultPlainTextAndSetOption4Json) {
  struct Case {
    const char* topic;
    const char* payload;
    std::vector<Expected> expected;
  };
  const std::vector<Case> cases = {
      {"stat/bath_fan/RESULT", R"({"POWER":"OFF"})", {{"tasmota:bath_fan", Metric::relay_on, 0.0}}},
      {"stat/bath_fan/POWER", "ON", {{"tasmota:bath_fan", Metric::relay_on, 1.0}}},
      {"stat/bath_fan/POWER", R"({"POWER":"OFF"})", {{"tasmota:bath_fan", Metric::relay_on, 0.0}}},
      {"stat/twin_relay/RESULT",
       R"({"POWER1":"ON","POWER2":"OFF"})",
       {{"tasmota:twin_relay#1", Metric::relay_on, 1.0}, {"tasmota:twin_relay#2", Metric::relay_on, 0.0}}},
      {"stat/twin_relay/POWER2", "1", {{"tasmota:twin_relay#2", Metric::relay_on, 1.0}}},
      {"tele/twin_relay/STATE",
       R"({"POWER1":"OFF","POWER2":"ON"})",
       {{"tasmota:twin_relay#1", Metric::relay_on, 0.0}, {"tasmota:twin_relay#2", Metric::relay_on, 1.0}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.topic) + " " + c.payload);
    const auto d = feed(c.topic, c.payload);
    EXPECT_EQ(d.outcome, Outcome::decoded);
    EXPECT_TRUE(has_readings(d, c.expected));
  }
  // A RESULT for another command (Dimmer, Timer...) is ours but carries no relay.
  EXPECT_EQ(feed("stat/bath_fan/RESULT", R"({"PowerDelta":"10%"})").outcome, Outcome::ignored);
}

TEST_F(TasmotaDriverTest, LocalisedStateTextNeedsDiscovery) {
  const auto unknown = feed("stat/flur_lampe/RESULT", R"({"POWER":"EIN"})");
  EXPECT_TRUE(has_readings(unknown, {}));
  EXPECT_TRUE(has_issues(unknown, {{"tasmota:flur_lampe", "POWER", reason::UNKNOWN_PAYLOAD}}));

  const auto cfg =
      feed("tasmota/discovery/5CCF7F0A0B0C/config",
           R"({"ip":"10.0.4.20","dn":"Flur Lampe","fn":["Flur",null],"hn":"flur-0B0C","mac":"5CCF7F0A0B0C",)"
           R"("md":"Sonoff Basic","ofln":"Offline","onln":"Online","state":["AUS","EIN","UMSCHALTEN","HALTEN"],)"
           R"("sw":"13.4.0","t":"flur_lampe","ft":"%prefix%/%topic%/","tp":["cmnd","stat","tele"],)"
           R"("rl":[1,0,0,0],"ver":1})",
           /*retained=*/true);
  EXPECT_EQ(cfg.outcome, Outcome::decoded);
  EXPECT_TRUE(cfg.subscribe.empty());  // default layout: already covered by tele/# and stat/#
  EXPECT_TRUE(has_readings(feed("stat/flur_lampe/RESULT", R"({"POWER":"EIN"})"),
                           {{"tasmota:flur_lampe", Metric::relay_on, 1.0}}));
  EXPECT_TRUE(has_readings(feed("stat/flur_lampe/POWER", "AUS"), {{"tasmota:flur_lampe", Metric::relay_on, 0.0}}));
}

TEST_F(TasmotaDriverTest, DiscoveryGivesDeviceInfoAndLearnsCustomFullTopicAndLwtTexts) {
  const auto cfg = feed("tasmota/discovery/84F3EB112233/config",
                        R"({"ip":"10.0.4.31","dn":"Hall Sensor","fn":["Hall Sensor"],"hn":"hall-2233",)"
                        R"("mac":"84F3EB112233","md":"Wemos D1 mini","ofln":"gone","onln":"here",)"
                        R"("state":["OFF","ON","TOGGLE","HOLD"],"sw":"14.1.0","t":"hall_sensor",)"
                        R"("ft":"home/%topic%/%prefix%/","tp":["cmnd","stat","tele"],"rl":[1],"ver":1})",
                        /*retained=*/true);
  ASSERT_EQ(cfg.outcome, Outcome::decoded);
  ASSERT_EQ(cfg.devices.size(), 1u);
  EXPECT_EQ(cfg.devices[0].device_id, "tasmota:hall_sensor");
  EXPECT_EQ(cfg.devices[0].model, "Wemos D1 mini");
  EXPECT_EQ(cfg.devices[0].name, "Hall Sensor");
  EXPECT_EQ(cfg.devices[0].firmware, "14.1.0");
  EXPECT_EQ(cfg.subscribe, (std::vector<std::string>{"home/hall_sensor/stat/+", "home/hall_sensor/tele/+"}));

  EXPECT_TRUE(
      has_readings(feed("home/hall_sensor/tele/LWT", "here", true), {{"tasmota:hall_sensor", Metric::online, 1.0}}));
  EXPECT_TRUE(
      has_readings(feed("home/hall_sensor/tele/LWT", "gone", true), {{"tasmota:hall_sensor", Metric::online, 0.0}}));
  EXPECT_TRUE(has_readings(
      feed("home/hall_sensor/tele/SENSOR", R"({"HTU21":{"Temperature":20.1,"Humidity":47.0},"TempUnit":"C"})"),
      {{"tasmota:hall_sensor", Metric::temperature_c, 20.1}, {"tasmota:hall_sensor", Metric::humidity_pct, 47.0}}));
  EXPECT_TRUE(has_readings(feed("home/hall_sensor/stat/RESULT", R"({"POWER":"ON"})"),
                           {{"tasmota:hall_sensor", Metric::relay_on, 1.0}}));
  const auto cmd = driver->relay_command("tasmota:hall_sensor", false);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->topic, "home/hall_sensor/cmnd/POWER");
  EXPECT_EQ(cmd->payload, "OFF");
  EXPECT_EQ(feed("home/hall_sensor/cmnd/POWER", "ON").outcome, Outcome::ignored);  // our own command
}

TEST_F(TasmotaDriverTest, DiscoveryHostnameAndCustomPrefixTokens) {
  const auto cfg = feed("tasmota/discovery/84F3EB445566/config",
                        R"({"hn":"shed-5566","mac":"84F3EB445566","t":"shed_plug","ft":"%prefix%/%hostname%/",)"
                        R"("tp":["do","st","tl"],"sw":"12.5.0","md":"Athom Plug"})");
  EXPECT_EQ(cfg.subscribe, (std::vector<std::string>{"st/shed-5566/+", "tl/shed-5566/+"}));
  EXPECT_TRUE(
      has_readings(feed("tl/shed-5566/STATE", R"({"POWER":"ON"})"), {{"tasmota:shed_plug", Metric::relay_on, 1.0}}));
  const auto cmd = driver->relay_command("tasmota:shed_plug", true);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->topic, "do/shed-5566/POWER");
  EXPECT_EQ(cmd->payload, "ON");
}

TEST_F(TasmotaDriverTest, CustomFullTopicIsRecognisedBeforeDiscovery) {
  EXPECT_TRUE(
      has_readings(feed("flat3/attic_fan/tele/STATE", R"({"POWER":"ON","Wifi":{"RSSI":40,"Signal":-80}})"),
                   {{"tasmota:attic_fan", Metric::relay_on, 1.0}, {"tasmota:attic_fan", Metric::rssi_dbm, -80.0}}));
  const auto cmd = driver->relay_command("tasmota:attic_fan", true);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->topic, "flat3/attic_fan/cmnd/POWER");
  // Only distinctive Tasmota commands are claimed this way.
  EXPECT_EQ(feed("flat3/attic_fan/tele/whatever", "1").outcome, Outcome::not_mine);
}

TEST_F(TasmotaDriverTest, DiscoveryEdgeCases) {
  EXPECT_EQ(feed("tasmota/discovery/84F3EB112233/sensors", R"({"sn":{"ENERGY":{"Total":1.0}},"ver":1})", true).outcome,
            Outcome::ignored);
  EXPECT_EQ(feed("tasmota/discovery/84F3EB112233/config", "", true).outcome, Outcome::ignored);
  const auto malformed = feed("tasmota/discovery/84F3EB112233/config", R"({"t":"x",)");
  EXPECT_EQ(malformed.outcome, Outcome::rejected);
  EXPECT_EQ(malformed.reject_reason, reason::MALFORMED_JSON);
  const auto no_topic = feed("tasmota/discovery/84F3EB112233/config", R"({"md":"x","t":""})");
  EXPECT_EQ(no_topic.outcome, Outcome::rejected);
  EXPECT_EQ(no_topic.reject_reason, reason::UNKNOWN_PAYLOAD);
  // A wildcard FullTopic cannot be a publish topic: fall back to the default layout.
  const auto wild = feed("tasmota/discovery/84F3EB778899/config", R"({"t":"odd_one","ft":"#/%topic%/"})");
  EXPECT_EQ(wild.outcome, Outcome::decoded);
  EXPECT_TRUE(wild.subscribe.empty());
}

TEST_F(TasmotaDriverTest, StatusResponsesWrapSensorAndState) {
  EXPECT_TRUE(has_readings(
      feed("stat/desk_heater/STATUS10",
           R"({"StatusSNS":{"Time":"2025-03-02T18:20:00","ENERGY":{"Total":612.3,"Power":1200}}})"),
      {{"tasmota:desk_heater", Metric::energy_kwh, 612.3}, {"tasmota:desk_heater", Metric::power_w, 1200.0}}));
  EXPECT_TRUE(
      has_readings(feed("stat/desk_heater/STATUS11", R"({"StatusSTS":{"POWER":"OFF","Wifi":{"Signal":-70}}})"),
                   {{"tasmota:desk_heater", Metric::relay_on, 0.0}, {"tasmota:desk_heater", Metric::rssi_dbm, -70.0}}));
  EXPECT_EQ(feed("stat/desk_heater/STATUS", R"({"Status":{"Module":1,"DeviceName":"Desk"}})").outcome,
            Outcome::ignored);
}

TEST_F(TasmotaDriverTest, MalformedAndWrongTypePayloadsAreRejected) {
  struct Case {
    const char* payload;
    std::string_view reason;
  };
  for (const auto& c :
       {Case{R"({"ENERGY":{"Total":1)", reason::MALFORMED_JSON}, Case{"not json", reason::MALFORMED_JSON},
        Case{"[1,2,3]", reason::WRONG_TYPE}, Case{"42", reason::WRONG_TYPE}}) {
    SCOPED_TRACE(c.payload);
    const auto d = feed("tele/desk_heater/SENSOR", c.payload);
    EXPECT_EQ(d.outcome, Outcome::rejected);
    EXPECT_EQ(d.reject_reason, c.reason);
    EXPECT_TRUE(d.readings.empty());
  }
  EXPECT_EQ(feed("tele/desk_heater/SENSOR", R"({"ENERGY":[1,2]})").issues.size(), 1u);
}

TEST_F(TasmotaDriverTest, OwnedButUnusedTopicsAreIgnored) {
  for (const auto* topic : {"tele/desk_heater/INFO1", "tele/desk_heater/UPTIME", "stat/desk_heater/LOGGING"}) {
    EXPECT_EQ(feed(topic, R"({"Info1":{"Module":"Sonoff Pow R2"}})").outcome, Outcome::ignored) << topic;
  }
  // Commands (ours, or a retained one left by another tool) and cleared retained topics.
  EXPECT_EQ(feed("cmnd/desk_heater/POWER", "ON", true).outcome, Outcome::ignored);
  EXPECT_EQ(feed("cmnd/desk_heater/POWER", "").outcome, Outcome::ignored);
  EXPECT_EQ(feed("tele/desk_heater/LWT", "", true).outcome, Outcome::ignored);
  EXPECT_EQ(feed("tele/desk_heater/SENSOR", R"({"Time":"2025-03-02T18:20:00"})").outcome, Outcome::ignored);
}

TEST_F(TasmotaDriverTest, OtherEcosystemsAreNotMine) {
  for (const auto* topic :
       {"zigbee2mqtt/hall_motion", "shellies/shellyplug-s-ABCDEF/relay/0", "shellyplus1pm-a1b2c3d4e5f6/events/rpc",
        "homeassistant/sensor/x/config", "kitchen-node/sensor/temp/state", "emon/emontx4/P1", "tele/orphan", "tele",
        "tasmota/discovery/x"}) {
    EXPECT_EQ(feed(topic, "{}").outcome, Outcome::not_mine) << topic;
  }
}

TEST_F(TasmotaDriverTest, RelayCommandOnlyForRelaysSeen) {
  EXPECT_FALSE(driver->relay_command("tasmota:desk_heater", true));  // never seen
  (void)feed("tele/desk_heater/SENSOR", HEATER_ENERGY);
  EXPECT_FALSE(driver->relay_command("tasmota:desk_heater", true));  // seen, but no relay yet
  (void)feed("stat/desk_heater/RESULT", R"({"POWER":"ON"})");
  (void)feed("stat/twin_relay/RESULT", R"({"POWER2":"ON"})");

  struct Case {
    const char* device;
    bool on;
    const char* topic;
    const char* payload;
  };
  for (const auto& c : {Case{"tasmota:desk_heater", true, "cmnd/desk_heater/POWER", "ON"},
                        Case{"tasmota:desk_heater", false, "cmnd/desk_heater/POWER", "OFF"},
                        Case{"tasmota:twin_relay#2", true, "cmnd/twin_relay/POWER2", "ON"}}) {
    const auto cmd = driver->relay_command(c.device, c.on);
    ASSERT_TRUE(cmd) << c.device;
    EXPECT_EQ(cmd->topic, c.topic);
    EXPECT_EQ(cmd->payload, c.payload);
  }
  for (const auto* id : {"tasmota:twin_relay#1", "tasmota:twin_relay", "tasmota:desk_heater#x", "tasmota:desk_heater#0",
                         "shelly:desk_heater", "desk_heater", "tasmota:"}) {
    EXPECT_FALSE(driver->relay_command(id, true)) << id;
  }
}

TEST_F(TasmotaDriverTest, HostilePayloadsNeverThrow) {
  std::string deep(100'000, '[');
  deep += std::string(100'000, ']');
  std::string wide = R"({"ENERGY":{"Power":[)";
  for (int i = 0; i < 500; ++i) wide += std::to_string(i) + ",";
  wide += "1]}}";
  for (const auto& payload :
       {deep, wide, std::string("\xff\xfe\x00garbage", 10), std::string(R"({"ENERGY":{"Total":1e999}})"),
        std::string(R"({"POWER":{"nested":[{"x":null}]}})")}) {
    Decoded d;
    EXPECT_NO_THROW(d = feed("tele/fuzz_plug/SENSOR", payload));
    EXPECT_NE(d.outcome, Outcome::not_mine);
  }
  // Output is bounded: 64 channels at most, and one issue says the rest was dropped.
  const auto capped = feed("tele/fuzz_plug/SENSOR", wide);
  EXPECT_EQ(capped.readings.size(), 64u);
  EXPECT_TRUE(has_issues(capped, {{"tasmota:fuzz_plug", "ENERGY.Power", reason::OUT_OF_RANGE}}));
  // nlohmann refuses a number that overflows a double.
  EXPECT_EQ(feed("tele/fuzz_plug/SENSOR", R"({"ENERGY":{"Total":1e999}})").reject_reason, reason::MALFORMED_JSON);
  EXPECT_TRUE(has_issues(feed("tele/fuzz_plug/SENSOR", R"({"ENERGY":{"Total":"1e999"}})"),
                         {{"tasmota:fuzz_plug", "ENERGY.Total", reason::NON_FINITE}}));
}

}  // namespace
