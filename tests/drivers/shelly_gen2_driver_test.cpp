// Shelly Gen2+ (RPC firmware) driver: hand-written payloads in the Gen2 formats (not the shared fixtures).
#include "drivers/shelly_gen2_driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "drivers/driver_set.h"
#include "drivers/driver_test_support.h"

namespace {

using namespace hearth::drivers;
using namespace hearth::drivers::test;  // Metric, Expected, has_issues, ...

const auto T0 = hearth::core::from_epoch_ms(1'741'200'000'000);
const ReadingsAt has_readings{T0};

// A NotifyStatus / NotifyFullStatus frame as a Plus 1PM called shellyplus1pm-c4dd57a0b1c2 sends it.
std::string frame(std::string_view method, std::string_view params, std::string_view src = "shellyplus1pm-c4dd57a0b1c2",
                  std::string_view dst = "shellyplus1pm-c4dd57a0b1c2/events") {
  return R"({"src":")" + std::string(src) + R"(","dst":")" + std::string(dst) + R"(","method":")" +
         std::string(method) + R"(","params":)" + std::string(params) + "}";
}

constexpr std::string_view PREFIX = "shellyplus1pm-c4dd57a0b1c2";
constexpr const char* PM = "shelly:shellyplus1pm-c4dd57a0b1c2";
const std::string EVENTS = std::string(PREFIX) + "/events/rpc";
const std::string SWITCH0 = std::string(PREFIX) + "/status/switch:0";

class ShellyGen2DriverTest : public testing::Test {
 protected:
  std::unique_ptr<Driver> driver = make_shelly_gen2_driver(DriverOptions{});

  Decoded feed(std::string_view topic, std::string_view payload, bool retained = false) {
    return driver->decode(Message{topic, payload, retained, T0});
  }
};

TEST_F(ShellyGen2DriverTest, NameAndSubscriptionsCoverMultiLevelPrefixes) {
  EXPECT_EQ(driver->name(), "shelly_gen2");
  const auto subs = driver->subscriptions();
  for (const auto* s : {"+/online", "+/+/online", "+/events/rpc", "+/+/events/rpc", "+/+/+/events/rpc", "+/status/+",
                        "+/+/status/+", "+/+/+/status/+"}) {
    EXPECT_NE(std::find(subs.begin(), subs.end(), s), subs.end()) << s;
  }
}

TEST_F(ShellyGen2DriverTest, FullStatusMapsSwitchAndWifiAndSkipsInternalTemperature) {
  const auto d =
      feed(EVENTS, frame("NotifyFullStatus",
                         R"({"ts":1741199990.52,"cloud":{"connected":true},"input:0":{"id":0,"state":false},)"
                         R"("switch:0":{"id":0, "source":"HTTP_in", "output":true, "apower":402.7, )"
                         R"("voltage":229.8, "freq":49.9, "current":1.812, "pf":0.97, )"
                         R"("aenergy":{"total":1250.375,"by_minute":[6711.667,6702.001,0.000],)"
                         R"("minute_ts":1741199940},"temperature":{"tC":46.2, "tF":115.2}},)"
                         R"("sys":{"mac":"C4DD57A0B1C2","uptime":86400},)"
                         R"("wifi":{"sta_ip":"10.0.6.40","status":"got ip","ssid":"loft","rssi":-66}})"));
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{PM, Metric::relay_on, 1.0},
                               {PM, Metric::power_w, 402.7},
                               {PM, Metric::voltage_v, 229.8},
                               {PM, Metric::current_a, 1.812},
                               {PM, Metric::energy_kwh, 1.250375},
                               {PM, Metric::rssi_dbm, -66.0}}));
  EXPECT_TRUE(d.issues.empty());
  ASSERT_EQ(d.devices.size(), 1u);
  EXPECT_EQ(d.devices[0].device_id, PM);
  EXPECT_EQ(d.devices[0].model, "shellyplus1pm");
  // DeviceInfo is announced once per device id, not on every frame.
  EXPECT_TRUE(
      feed(EVENTS, frame("NotifyStatus", R"({"ts":1741199991.0,"switch:0":{"id":0,"apower":401.0}})")).devices.empty());
}

TEST_F(ShellyGen2DriverTest, NotifyStatusEmitsOnlyTheFieldsItCarries) {
  (void)feed(SWITCH0, R"({"id":0,"source":"button","output":true,"apower":99.0,"voltage":231.0,"current":0.43,)"
                      R"("aenergy":{"total":2000.0}})");
  EXPECT_TRUE(
      has_readings(feed(EVENTS, frame("NotifyStatus", R"({"ts":1741200001.11,"switch:0":{"id":0,"apower":120.25}})")),
                   {{PM, Metric::power_w, 120.25}}));
  EXPECT_TRUE(has_readings(
      feed(EVENTS,
           frame("NotifyStatus", R"({"ts":1741200060.0,"switch:0":{"id":0,"aenergy":{"by_minute":[2004.1,1650.0,0.0],)"
                                 R"("minute_ts":1741200000,"total":2002.004}}})")),
      {{PM, Metric::energy_kwh, 2.002004}}));
  EXPECT_TRUE(has_readings(
      feed(EVENTS, frame("NotifyStatus", R"({"ts":1741200100.5,"switch:0":{"id":0,"output":false,"source":"MQTT"}})")),
      {{PM, Metric::relay_on, 0.0}}));
  // A delta with nothing we map (id only, or another component) is ours but yields nothing.
  EXPECT_EQ(feed(EVENTS, frame("NotifyStatus", R"({"ts":1741200101.0,"switch:0":{"id":0}})")).outcome,
            Outcome::ignored);
  EXPECT_EQ(feed(EVENTS, frame("NotifyStatus", R"({"ts":1741200102.0,"cloud":{"connected":false}})")).outcome,
            Outcome::ignored);
}

TEST_F(ShellyGen2DriverTest, DeviceTimestampIsNeverUsed) {
  for (const auto* ts : {"3.07", "1741000000.5", "\"bogus\""}) {
    const auto d =
        feed(EVENTS, frame("NotifyStatus", std::string(R"({"ts":)") + ts + R"(,"switch:0":{"id":0,"apower":7.5}})"));
    ASSERT_EQ(d.readings.size(), 1u) << ts;
    EXPECT_EQ(d.readings[0].ts, T0) << ts;
  }
}

TEST_F(ShellyGen2DriverTest, CounterResetOnlyWhenInitAndTheCounterWentDown) {
  EXPECT_TRUE(has_readings(feed(SWITCH0, R"({"id":0, "source":"WS_in", "output":true, "aenergy":{"total":5000.0}})"),
                           {{PM, Metric::relay_on, 1.0}, {PM, Metric::energy_kwh, 5.0}}));
  // Rebooted on old firmware: source init and the counter restarted.
  EXPECT_TRUE(has_readings(feed(SWITCH0, R"({"id":0, "source":"init", "output":false, "aenergy":{"total":10.5}})"),
                           {{PM, Metric::relay_on, 0.0}, {PM, Metric::energy_kwh, 0.0105, /*reset=*/true}}));
  // The next full status still says init, but the counter only rose: not another reset.
  EXPECT_TRUE(has_readings(feed(SWITCH0, R"({"id":0, "source":"init", "output":false, "aenergy":{"total":20.5}})"),
                           {{PM, Metric::relay_on, 0.0}, {PM, Metric::energy_kwh, 0.0205}}));
  // A later delta without `source` relies on the overlay: still init, and a drop again (another reboot).
  EXPECT_TRUE(
      has_readings(feed(EVENTS, frame("NotifyStatus", R"({"ts":4.2,"switch:0":{"id":0,"aenergy":{"total":1.0}}})")),
                   {{PM, Metric::energy_kwh, 0.001, true}}));
}

TEST_F(ShellyGen2DriverTest, InitWithPersistedTotalIsNotAReset) {
  // Firmware >= 1.1.0 keeps totals across reboots: flagging would make EnergyCounter add it twice.
  (void)feed(SWITCH0, R"({"id":0,"source":"button","aenergy":{"total":7000.0}})");
  EXPECT_TRUE(has_readings(feed(SWITCH0, R"({"id":0,"source":"init","aenergy":{"total":7000.5}})"),
                           {{PM, Metric::energy_kwh, 7.0005}}));
  // A drop without init (e.g. a glitch) is left to EnergyCounter.
  EXPECT_TRUE(has_readings(feed(SWITCH0, R"({"id":0,"source":"button","aenergy":{"total":6999.0}})"),
                           {{PM, Metric::energy_kwh, 6.999}}));
}

TEST_F(ShellyGen2DriverTest, ProtectionErrorsAreIssuesAlongsideTheRelayState) {
  const auto d = feed(
      EVENTS, frame("NotifyStatus",
                    R"({"ts":1741200500.0,"switch:0":{"id":0,"output":false,"errors":["overpower","overtemp"]}})"));
  EXPECT_TRUE(has_readings(d, {{PM, Metric::relay_on, 0.0}}));
  EXPECT_TRUE(has_issues(d, {{PM, "switch:0.errors.overpower", reason::OUT_OF_RANGE},
                             {PM, "switch:0.errors.overtemp", reason::OUT_OF_RANGE}}));
}

TEST_F(ShellyGen2DriverTest, BadFieldsBecomeIssuesWhileTheRestIsRead) {
  const auto d =
      feed(SWITCH0, R"({"id":0, "source":"init", "output":"sometimes", "apower":-12.0, "voltage":[230],)"
                    R"( "current":"0.052", "aenergy":{"total":null}, "temperature":{"tC":null, "tF":null}})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{PM, Metric::current_a, 0.052}}));
  EXPECT_TRUE(has_issues(d, {{PM, "switch:0.output", reason::UNKNOWN_PAYLOAD},
                             {PM, "switch:0.apower", reason::NEGATIVE_POWER},
                             {PM, "switch:0.voltage", reason::WRONG_TYPE},
                             {PM, "switch:0.aenergy.total", reason::NO_VALUE}}));
  // A component that is not an object is named in an issue; the other components still count.
  const auto mixed = feed(EVENTS, frame("NotifyStatus", R"({"ts":1.0,"switch:0":"on","wifi":{"rssi":-71}})"));
  EXPECT_TRUE(has_readings(mixed, {{PM, Metric::rssi_dbm, -71.0}}));
  EXPECT_TRUE(has_issues(mixed, {{PM, "switch:0", reason::WRONG_TYPE}}));
}

TEST_F(ShellyGen2DriverTest, HtGen3Components) {
  const std::string ht = "shelly:shellyhtg3-e4b323aa0102";
  const auto full = feed("shellyhtg3-e4b323aa0102/events/rpc",
                         frame("NotifyFullStatus",
                               R"({"ts":1741203600.2,"devicepower:0":{"id":0,"battery":{"V":5.05,"percent":38},)"
                               R"("external":{"present":false}},"humidity:0":{"id":0,"rh":62.4},"ht_ui":{},)"
                               R"("temperature:0":{"id":0,"tC":17.8,"tF":64.0},"sys":{"uptime":1},)"
                               R"("wifi":{"rssi":-80}})",
                               "shellyhtg3-e4b323aa0102", "shellyhtg3-e4b323aa0102/events"));
  EXPECT_TRUE(has_readings(full, {{ht, Metric::battery_pct, 38.0},
                                  {ht, Metric::humidity_pct, 62.4},
                                  {ht, Metric::temperature_c, 17.8},
                                  {ht, Metric::rssi_dbm, -80.0}}));
  EXPECT_TRUE(has_readings(feed("shellyhtg3-e4b323aa0102/status/temperature:0", R"({"id":0,"tC":18.1,"tF":64.6})"),
                           {{ht, Metric::temperature_c, 18.1}}));
  EXPECT_TRUE(has_readings(feed("shellyhtg3-e4b323aa0102/status/humidity:0", R"({"id":0,"rh":61.0})"),
                           {{ht, Metric::humidity_pct, 61.0}}));
  EXPECT_TRUE(
      has_readings(feed("shellyhtg3-e4b323aa0102/status/devicepower:0", R"({"id":0,"battery":{"V":5.0,"percent":37}})"),
                   {{ht, Metric::battery_pct, 37.0}}));
  // Only tF present: converted. tC null: no reading, not 0.
  EXPECT_TRUE(has_readings(feed("shellyhtg3-e4b323aa0102/status/temperature:0", R"({"id":0,"tF":59.0})"),
                           {{ht, Metric::temperature_c, 15.0}}));
  const auto null_t = feed("shellyhtg3-e4b323aa0102/status/temperature:0", R"({"id":0,"tC":null,"tF":null})");
  EXPECT_TRUE(has_readings(null_t, {}));
  EXPECT_TRUE(has_issues(null_t, {{ht, "temperature:0.tC", reason::NO_VALUE}}));
  // A delta that only carries the battery voltage says nothing about the percentage.
  EXPECT_EQ(feed("shellyhtg3-e4b323aa0102/events/rpc",
                 frame("NotifyStatus", R"({"ts":7.0,"devicepower:0":{"id":0,"battery":{"V":4.9}}})",
                       "shellyhtg3-e4b323aa0102", "shellyhtg3-e4b323aa0102/events"))
                .outcome,
            Outcome::ignored);
}

TEST_F(ShellyGen2DriverTest, AddOnTemperatureIsAChannel) {
  EXPECT_TRUE(has_readings(feed(std::string(PREFIX) + "/status/temperature:100", R"({"id":100,"tC":4.5,"tF":40.1})"),
                           {{std::string(PM) + "#100", Metric::temperature_c, 4.5}}));
  EXPECT_TRUE(has_issues(feed(std::string(PREFIX) + "/status/temperature:101", R"({"id":101,"tC":999})"),
                         {{std::string(PM) + "#101", "temperature:101.tC", reason::NO_VALUE}}));
}

TEST_F(ShellyGen2DriverTest, SmokeAlarmAndMuteIsNotSafe) {
  const std::string smoke = "shelly:shellyplussmoke-08b61f0a0b0c";
  EXPECT_TRUE(has_readings(feed("shellyplussmoke-08b61f0a0b0c/status/smoke:0", R"({"id":0,"alarm":true,"mute":true})"),
                           {{smoke, Metric::smoke, 1.0}}));
  EXPECT_EQ(feed("shellyplussmoke-08b61f0a0b0c/events/rpc",
                 frame("NotifyStatus", R"({"ts":9.0,"smoke:0":{"id":0,"mute":true}})", "shellyplussmoke-08b61f0a0b0c"))
                .outcome,
            Outcome::decoded);  // DeviceInfo from src, but no smoke reading from a mute alone
  EXPECT_TRUE(
      feed("shellyplussmoke-08b61f0a0b0c/events/rpc",
           frame("NotifyStatus", R"({"ts":9.5,"smoke:0":{"id":0,"mute":false}})", "shellyplussmoke-08b61f0a0b0c"))
          .readings.empty());
  EXPECT_TRUE(
      has_readings(feed("shellyplussmoke-08b61f0a0b0c/status/smoke:0", R"({"id":0,"alarm":false,"mute":false})"),
                   {{smoke, Metric::smoke, 0.0}}));
}

TEST_F(ShellyGen2DriverTest, FloodWithUnpluggedProbeIsNotDry) {
  const std::string flood = "shelly:shellyfloodg4-30c6f7112233";
  const std::string topic = "shellyfloodg4-30c6f7112233/status/flood:0";
  EXPECT_TRUE(has_readings(feed(topic, R"({"id":0,"alarm":true,"mute":false})"), {{flood, Metric::water_leak, 1.0}}));
  const auto unplugged = feed(topic, R"({"id":0,"alarm":false,"mute":false,"errors":["cable_unplugged"]})");
  EXPECT_TRUE(has_readings(unplugged, {}));
  EXPECT_TRUE(has_issues(unplugged, {{flood, "flood:0.errors.cable_unplugged", reason::NO_VALUE},
                                     {flood, "flood:0.alarm", reason::NO_VALUE}}));
  // A delta without errors keeps the overlay's unplugged state.
  const auto delta =
      feed("shellyfloodg4-30c6f7112233/events/rpc",
           frame("NotifyStatus", R"({"ts":11.0,"flood:0":{"id":0,"alarm":false}})", "shellyfloodg4-30c6f7112233"));
  EXPECT_TRUE(has_readings(delta, {}));
  EXPECT_TRUE(has_issues(delta, {{flood, "flood:0.alarm", reason::NO_VALUE}}));
  // A leak is reported even while the probe complains: safety first.
  EXPECT_TRUE(has_readings(feed(topic, R"({"id":0,"alarm":true,"errors":["cable_unplugged"]})"),
                           {{flood, Metric::water_leak, 1.0}}));
  // A full status without errors clears it.
  EXPECT_TRUE(has_readings(feed(topic, R"({"id":0,"alarm":false,"mute":false})"), {{flood, Metric::water_leak, 0.0}}));
}

TEST_F(ShellyGen2DriverTest, CustomMultiLevelPrefixIsTheDeviceId) {
  const std::string boiler = "shelly:flat2/utility/boiler-relay";
  EXPECT_TRUE(has_readings(feed("flat2/utility/boiler-relay/status/switch:0",
                                R"({"id":0, "source":"timer", "output":true, "apower":3.1, "voltage":240.2,)"
                                R"( "current":0.031, "aenergy":{"total":88.8}})"),
                           {{boiler, Metric::relay_on, 1.0},
                            {boiler, Metric::power_w, 3.1},
                            {boiler, Metric::voltage_v, 240.2},
                            {boiler, Metric::current_a, 0.031},
                            {boiler, Metric::energy_kwh, 0.0888}}));
  const auto ev = feed("flat2/utility/boiler-relay/events/rpc",
                       frame("NotifyStatus", R"({"ts":1741200777.7,"switch:0":{"id":0,"apower":2.9}})",
                             "shellypro1pm-b8d61a001122", "flat2/utility/boiler-relay/events"));
  EXPECT_TRUE(has_readings(ev, {{boiler, Metric::power_w, 2.9}}));
  ASSERT_EQ(ev.devices.size(), 1u);
  EXPECT_EQ(ev.devices[0].device_id, boiler);
  EXPECT_EQ(ev.devices[0].model, "shellypro1pm");
  // The prefix is now known, so its online topic is ours although it does not look like a device id.
  EXPECT_TRUE(has_readings(feed("flat2/utility/boiler-relay/online", "false", true), {{boiler, Metric::online, 0.0}}));
}

TEST_F(ShellyGen2DriverTest, SecondSwitchIsAChannelAndCanBeSwitched) {
  const std::string pm2 = "shelly:shellyplus2pm-10061cc0ffee";
  EXPECT_TRUE(
      has_readings(feed("shellyplus2pm-10061cc0ffee/status/switch:1", R"({"id":1,"output":true,"apower":60.0})"),
                   {{pm2 + "#1", Metric::relay_on, 1.0}, {pm2 + "#1", Metric::power_w, 60.0}}));
  const auto cmd = driver->relay_command(pm2 + "#1", false);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->topic, "shellyplus2pm-10061cc0ffee/rpc");
  const auto rpc = nlohmann::json::parse(cmd->payload);
  EXPECT_EQ(rpc.at("src"), "hearth");
  EXPECT_EQ(rpc.at("method"), "Switch.Set");
  EXPECT_EQ(rpc.at("params").at("id"), 1);
  EXPECT_EQ(rpc.at("params").at("on"), false);
  EXPECT_TRUE(rpc.at("id").is_number());
  EXPECT_FALSE(driver->relay_command(pm2, true));  // switch:0 not seen yet
}

TEST_F(ShellyGen2DriverTest, RelayCommandOnlyForSwitchesSeen) {
  EXPECT_FALSE(driver->relay_command(PM, true));
  (void)feed(std::string(PREFIX) + "/online", "true");
  EXPECT_FALSE(driver->relay_command(PM, true));  // online alone does not prove a switch
  (void)feed(EVENTS, frame("NotifyStatus", R"({"ts":1.0,"switch:0":{"id":0,"apower":3.0}})"));
  const auto cmd = driver->relay_command(PM, true);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->topic, std::string(PREFIX) + "/rpc");
  EXPECT_EQ(nlohmann::json::parse(cmd->payload),
            nlohmann::json::parse(R"({"id":1,"src":"hearth","method":"Switch.Set","params":{"id":0,"on":true}})"));
  // A PM-only meter (pm1) and a sensor cannot be switched.
  (void)feed("shellypmmini-abcdef123456/status/pm1:0", R"({"id":0,"apower":14.0})");
  (void)feed("shellyhtg3-e4b323aa0102/status/temperature:0", R"({"id":0,"tC":18.0})");
  for (const auto* id : {"shelly:shellypmmini-abcdef123456", "shelly:shellyhtg3-e4b323aa0102",
                         "shelly:shellyplus1pm-c4dd57a0b1c2#1", "tasmota:shellyplus1pm-c4dd57a0b1c2", "shelly:"}) {
    EXPECT_FALSE(driver->relay_command(id, true)) << id;
  }
}

TEST_F(ShellyGen2DriverTest, PmMiniMetersWithoutRelay) {
  const std::string mini = "shelly:shellypmmini-abcdef123456";
  EXPECT_TRUE(has_readings(feed("shellypmmini-abcdef123456/status/pm1:0",
                                R"({"id":0,"voltage":233.4,"current":0.062,"apower":14.1,"aenergy":{"total":310.0}})"),
                           {{mini, Metric::voltage_v, 233.4},
                            {mini, Metric::current_a, 0.062},
                            {mini, Metric::power_w, 14.1},
                            {mini, Metric::energy_kwh, 0.31}}));
}

TEST_F(ShellyGen2DriverTest, OnlineClaimedOnlyForGen2LookingOrKnownPrefixes) {
  EXPECT_TRUE(has_readings(feed(std::string(PREFIX) + "/online", "true", true), {{PM, Metric::online, 1.0}}));
  EXPECT_TRUE(has_issues(feed(std::string(PREFIX) + "/online", "maybe"), {{PM, "online", reason::UNKNOWN_PAYLOAD}}));
  EXPECT_EQ(feed(std::string(PREFIX) + "/online", "", true).outcome, Outcome::ignored);
  // A Gen1 device (shellies/<id>/online) or any other <x>/online is left to other drivers...
  for (const auto* topic : {"shellies/shelly1-98F4ABF0F0F0/online", "shellies/plus2pm/online", "kitchen/online",
                            "shellyplus1pm/online", "shelly-zz/online"}) {
    EXPECT_EQ(feed(topic, "true").outcome, Outcome::not_mine) << topic;
  }
  // ...until that prefix has been seen speaking Gen2.
  (void)feed("shellies/plus2pm/status/switch:0", R"({"id":0,"output":false})");
  EXPECT_TRUE(
      has_readings(feed("shellies/plus2pm/online", "true"), {{"shelly:shellies/plus2pm", Metric::online, 1.0}}));
}

TEST_F(ShellyGen2DriverTest, OutboundAndRpcTrafficIsIgnored) {
  // Our own request, another client's request, and replies to RPC clients.
  EXPECT_EQ(
      feed("hearth/rpc", R"({"id":1,"src":"shellyplus1pm-c4dd57a0b1c2","dst":"hearth","result":{"was_on":false}})")
          .outcome,
      Outcome::ignored);
  EXPECT_EQ(feed("homebridge-x/rpc", R"({"id":7,"src":"shellyplus1pm-c4dd57a0b1c2","dst":"homebridge-x",)"
                                     R"("error":{"code":-103,"message":"bad id"}})")
                .outcome,
            Outcome::ignored);
  EXPECT_EQ(feed(std::string(PREFIX) + "/rpc", R"({"id":3,"src":"nodered","method":"Switch.Toggle","params":{"id":0}})")
                .outcome,
            Outcome::ignored);
  EXPECT_EQ(feed(std::string(PREFIX) + "/command/switch:0", "toggle").outcome, Outcome::ignored);
  // An unrelated <x>/rpc topic is not ours.
  EXPECT_EQ(feed("robot/rpc", "start").outcome, Outcome::not_mine);
  EXPECT_EQ(feed("robot/rpc", R"({"cmd":"start"})").outcome, Outcome::not_mine);
}

TEST_F(ShellyGen2DriverTest, MalformedFramesAreRejected) {
  struct Case {
    std::string topic;
    std::string payload;
    std::string_view reason;
  };
  for (const auto& c :
       {Case{EVENTS, R"({"src":"x","method":"NotifyStatus","params":{)", reason::MALFORMED_JSON},
        Case{EVENTS, "[]", reason::WRONG_TYPE}, Case{EVENTS, R"({"src":"x","params":{}})", reason::UNKNOWN_PAYLOAD},
        Case{EVENTS, R"({"src":"x","method":"NotifyStatus","params":[1]})", reason::WRONG_TYPE},
        Case{SWITCH0, "{\"id\":0,", reason::MALFORMED_JSON}, Case{SWITCH0, "true", reason::WRONG_TYPE}}) {
    SCOPED_TRACE(c.payload);
    const auto d = feed(c.topic, c.payload);
    EXPECT_EQ(d.outcome, Outcome::rejected);
    EXPECT_EQ(d.reject_reason, c.reason);
  }
  // NotifyEvent carries no state; unknown components are skipped.
  EXPECT_EQ(feed(EVENTS, frame("NotifyEvent", R"({"ts":1.0,"events":[{"component":"input:0","event":"single_push"}]})"))
                .readings.size(),
            0u);
  EXPECT_EQ(feed(std::string(PREFIX) + "/status/cover:0", R"({"id":0,"state":"open"})").outcome, Outcome::ignored);
}

TEST_F(ShellyGen2DriverTest, OtherEcosystemsAreNotMine) {
  for (const auto* topic : {"shellies/shelly1-98F4ABF0F0F0/relay/0", "shellies/shellyht-1A2B3C/sensor/temperature",
                            "shellies/shellymotion2-E8DB84AA0011/status", "tele/desk/STATE", "zigbee2mqtt/bridge/state",
                            "esp-node/status", "esp-node/sensor/t/state", "homeassistant/switch/x/config", "events/rpc",
                            "/events/rpc", "x/status/notacomponent"}) {
    EXPECT_EQ(feed(topic, "{}").outcome, Outcome::not_mine) << topic;
  }
}

TEST_F(ShellyGen2DriverTest, DispatchOrderSendsGen2UnderShelliesPrefixToGen2AndGen1ToGen1) {
  auto set = DriverSet::make_default(DriverOptions{});
  const auto msg = [](std::string_view topic, std::string_view payload) { return Message{topic, payload, false, T0}; };
  EXPECT_EQ(set.decode(msg("shellies/plus1/status/switch:0", R"({"id":0,"output":true})")).driver, "shelly_gen2");
  const auto gen2_online = set.decode(msg("shellies/plus1/online", "true"));
  EXPECT_EQ(gen2_online.driver, "shelly_gen2");
  EXPECT_TRUE(has_readings(gen2_online.decoded, {{"shelly:shellies/plus1", Metric::online, 1.0}}));
  const auto gen1_online = set.decode(msg("shellies/shelly1-98F4ABF0F0F0/online", "true"));
  EXPECT_EQ(gen1_online.driver, "shelly_gen1");
  EXPECT_TRUE(has_readings(gen1_online.decoded, {{"shelly:shelly1-98F4ABF0F0F0", Metric::online, 1.0}}));
  EXPECT_EQ(set.decode(msg("shellies/shelly1-98F4ABF0F0F0/relay/0", "on")).driver, "shelly_gen1");
  EXPECT_EQ(set.decode(msg("tele/desk/STATE", R"({"POWER":"ON"})")).driver, "tasmota");
}

}  // namespace
