// Hearth native driver (the hearth/v1 firmware contract): hand-written payloads in the contract's
// format, every refusal reason, the safety rule and claim requests.
#include "drivers/hearth_native_driver.h"

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
namespace why = native::why;

const auto T0 = hearth::core::from_epoch_ms(1'767'225'600'000);
const ReadingsAt has_readings{T0};

constexpr const char* PLUG_DESCRIBE =
    R"({"minor":0,"model":"Hearth Plug 1","firmware":"1.4.2","boot":"5d1c0e7a","interval_s":60,"power":"mains",
        "caps":[{"ch":0,"metric":"relay_on","switchable":true,"essential":false},
                {"ch":0,"metric":"power_w","unit":"W"},{"ch":0,"metric":"energy_kwh","unit":"kWh"},
                {"ch":1,"metric":"relay_on","switchable":true,"essential":true},
                {"ch":1,"metric":"power_w","unit":"W"},
                {"ch":2,"metric":"relay_on","switchable":false,"essential":false}]})";

class HearthNativeDriverTest : public testing::Test {
 protected:
  std::unique_ptr<HearthNativeDriver> driver = make_hearth_native_driver();
  int seq = 0;

  Decoded feed(std::string_view topic, std::string_view payload, bool retained = false) {
    return driver->decode(Message{topic, payload, retained, T0});
  }
  // A reading message from device `id` with the given samples and the next seq of boot 5d1c0e7a.
  Decoded reading(const std::string& samples, const std::string& id = "plug-7") {
    const std::string payload =
        R"({"boot":"5d1c0e7a","seq":)" + std::to_string(++seq) + R"(,"readings":[)" + samples + "]}";
    return feed("hearth/v1/" + id + "/reading", payload);
  }
  void describe_plug() { ASSERT_EQ(feed("hearth/v1/plug-7/describe", PLUG_DESCRIBE, true).outcome, Outcome::decoded); }
};

TEST_F(HearthNativeDriverTest, SubscribesToEveryDeviceTopicButCommands) {
  EXPECT_EQ(driver->name(), "hearth");
  EXPECT_EQ(driver->subscriptions(),
            (std::vector<std::string>{"hearth/v1/+/reading", "hearth/v1/+/status", "hearth/v1/+/describe",
                                      "hearth/v1/+/ack", "hearth/v1/+/claim"}));
}

TEST_F(HearthNativeDriverTest, ReadingBecomesReadingsPerChannel) {
  const auto d = reading(
      R"({"metric":"power_w","unit":"W","value":41.5},{"metric":"energy_kwh","unit":"kWh","value":12.3456,"counter":"5d1c0e7a"},
         {"metric":"relay_on","value":true},{"ch":1,"metric":"relay_on","value":false},
         {"ch":3,"metric":"temperature_c","unit":"Cel","value":-2.5},{"ch":3,"metric":"humidity_pct","unit":"%RH","value":81},
         {"ch":3,"metric":"motion","value":false},{"ch":3,"metric":"rssi_dbm","unit":"dBm","value":-71})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.issues.empty()) << dump(d);
  EXPECT_TRUE(has_readings(d, {{"hearth:plug-7", Metric::power_w, 41.5},
                               {"hearth:plug-7", Metric::energy_kwh, 12.3456},
                               {"hearth:plug-7", Metric::relay_on, 1},
                               {"hearth:plug-7#1", Metric::relay_on, 0},
                               {"hearth:plug-7#3", Metric::temperature_c, -2.5},
                               {"hearth:plug-7#3", Metric::humidity_pct, 81},
                               {"hearth:plug-7#3", Metric::motion, 0},
                               {"hearth:plug-7#3", Metric::rssi_dbm, -71}}));
}

TEST_F(HearthNativeDriverTest, TimestampIsOptionalAndReceiveTimeIsUsed) {
  const auto d =
      feed("hearth/v1/plug-7/reading",
           R"({"boot":"5d1c0e7a","seq":1,"ts":1767225000000,"readings":[{"metric":"power_w","unit":"W","value":3}]})");
  EXPECT_TRUE(has_readings(d, {{"hearth:plug-7", Metric::power_w, 3}}));  // stamped T0, not the device's ts
  EXPECT_TRUE(has_one_issue(
      feed("hearth/v1/plug-7/reading",
           R"({"boot":"5d1c0e7a","seq":2,"ts":1767225000,"readings":[{"metric":"power_w","unit":"W","value":3}]})"),
      "hearth:plug-7", "ts", reason::OUT_OF_RANGE));
}

TEST_F(HearthNativeDriverTest, WrongOrMissingUnitsAreRefusedPerSample) {
  const auto d = reading(
      R"({"metric":"energy_kwh","unit":"Wh","value":12345.6,"counter":"5d1c0e7a"},{"metric":"power_w","value":41.5},
         {"metric":"relay_on","unit":"bool","value":true},{"ch":1,"metric":"power_w","unit":"W","value":7})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(has_readings(d, {{"hearth:plug-7#1", Metric::power_w, 7}}));  // the good sample is still used
  EXPECT_TRUE(has_issues(d, {{"hearth:plug-7", "readings[0].unit", why::WRONG_UNIT},
                             {"hearth:plug-7", "readings[1].unit", why::MISSING_FIELD},
                             {"hearth:plug-7", "readings[2].unit", why::WRONG_UNIT}}));
}

TEST_F(HearthNativeDriverTest, SampleContractViolationsEachHaveAReason) {
  const auto d = reading(
      R"({"metric":"relay_on","value":"ON"},{"metric":"power_w","unit":"W","value":"41.5"},
         {"metric":"energy_kwh","unit":"kWh","value":1.5},{"metric":"voltage_v","unit":"V","value":230,"counter":"5d1c0e7a"},
         {"ch":1,"metric":"power_w","unit":"W","value":-3.2},{"metric":"humidity_pct","unit":"%RH","value":101},
         {"metric":"pressure_hpa","unit":"hPa","value":1013},{"metric":"current_a","unit":"A","value":1,"state_class":"x"},
         {"ch":16,"metric":"power_w","unit":"W","value":1},{"ch":2,"metric":"energy_kwh","unit":"kWh","value":1,"counter":"BOOT"},
         "power_w")");
  EXPECT_TRUE(d.readings.empty()) << dump(d);
  EXPECT_TRUE(has_issues(d, {{"hearth:plug-7", "readings[0].value", reason::WRONG_TYPE},
                             {"hearth:plug-7", "readings[1].value", reason::WRONG_TYPE},
                             {"hearth:plug-7", "readings[2].counter", why::MISSING_FIELD},
                             {"hearth:plug-7", "readings[3].counter", why::UNKNOWN_FIELD},
                             {"hearth:plug-7#1", "readings[4].value", reason::NEGATIVE_POWER},
                             {"hearth:plug-7", "readings[5].value", reason::OUT_OF_RANGE},
                             {"hearth:plug-7", "readings[6].metric", why::UNKNOWN_METRIC},
                             {"hearth:plug-7", "readings[7].state_class", why::UNKNOWN_FIELD},
                             {"hearth:plug-7", "readings[8].ch", reason::OUT_OF_RANGE},
                             {"hearth:plug-7#2", "readings[9].counter", why::BAD_VALUE},
                             {"hearth:plug-7", "readings[10]", reason::WRONG_TYPE}}));
}

TEST_F(HearthNativeDriverTest, ASampleMayAppearOnlyOncePerMessage) {
  const auto d =
      reading(R"({"metric":"power_w","unit":"W","value":1},{"ch":0,"metric":"power_w","unit":"W","value":2})");
  EXPECT_TRUE(has_readings(d, {{"hearth:plug-7", Metric::power_w, 1}}));
  EXPECT_TRUE(has_one_issue(d, "hearth:plug-7", "readings[1]", why::DUPLICATE_SAMPLE));
}

TEST_F(HearthNativeDriverTest, MessageLevelViolationsRejectTheMessageNamingTheField) {
  struct Case {
    const char* payload;
    std::string_view why;
    const char* field;
  };
  const std::vector<Case> cases = {
      {R"({"boot":"5d1c0e7a","seq":1,"Time":"x","readings":[{"metric":"power_w","unit":"W","value":4}]})",
       why::UNKNOWN_FIELD, "Time"},
      {R"({"boot":"5d1c0e7a","readings":[{"metric":"power_w","unit":"W","value":4}]})", why::MISSING_FIELD, "seq"},
      {R"({"boot":"boot-1","seq":1,"readings":[{"metric":"power_w","unit":"W","value":4}]})", why::BAD_VALUE, "boot"},
      {R"({"boot":"5d1c0e7a","seq":-1,"readings":[{"metric":"power_w","unit":"W","value":4}]})", reason::OUT_OF_RANGE,
       "seq"},
      {R"({"boot":"5d1c0e7a","seq":1.5,"readings":[{"metric":"power_w","unit":"W","value":4}]})", reason::WRONG_TYPE,
       "seq"},
      {R"({"boot":"5d1c0e7a","seq":4294967296,"readings":[{"metric":"power_w","unit":"W","value":4}]})",
       reason::OUT_OF_RANGE, "seq"},
      {R"({"boot":"5d1c0e7a","seq":1,"readings":[]})", reason::OUT_OF_RANGE, "readings"},
      {R"({"boot":"5d1c0e7a","seq":1,"readings":{"power_w":4}})", reason::WRONG_TYPE, "readings"},
      {R"({"boot":"5d1c0e7a","seq":1,"seq":2,"readings":[{"metric":"power_w","unit":"W","value":4}]})",
       why::DUPLICATE_KEY, "payload"},
      {R"({"boot":"5d1c0e7a","seq":1,"readings":[{"metric":"power_w","unit":"W","value":NaN}]})",
       reason::MALFORMED_JSON, "payload"},
      {R"([{"metric":"power_w","unit":"W","value":4}])", reason::WRONG_TYPE, "payload"},
      {R"({"boot":"5d1c0e7a","seq":1,"readings":[{"metric":"power_w","unit":"W","value":4}])", reason::MALFORMED_JSON,
       "payload"},
  };
  for (const auto& c : cases) {
    const auto d = feed("hearth/v1/plug-7/reading", c.payload);
    EXPECT_EQ(d.outcome, Outcome::rejected) << c.payload;
    EXPECT_EQ(d.reject_reason, c.why) << c.payload;
    EXPECT_TRUE(has_one_issue(d, "hearth:plug-7", c.field, c.why)) << c.payload;
  }
}

TEST_F(HearthNativeDriverTest, SeqMustIncreaseWithinABoot) {
  const std::string sample = R"([{"metric":"power_w","unit":"W","value":4}])";
  const auto msg = [&](const char* boot, int n) {
    return feed("hearth/v1/plug-7/reading", std::string(R"({"boot":")") + boot + R"(","seq":)" + std::to_string(n) +
                                                R"(,"readings":)" + sample + "}");
  };
  EXPECT_EQ(msg("5d1c0e7a", 10).outcome, Outcome::decoded);
  EXPECT_EQ(msg("5d1c0e7a", 10).outcome, Outcome::ignored);  // QoS 1 redelivery
  const auto stale = msg("5d1c0e7a", 9);
  EXPECT_EQ(stale.outcome, Outcome::rejected);
  EXPECT_EQ(stale.reject_reason, why::STALE_SEQ);
  EXPECT_EQ(msg("5d1c0e7a", 11).outcome, Outcome::decoded);
  EXPECT_EQ(msg("0000beef", 0).outcome, Outcome::decoded);  // rebooted: seq starts again
}

TEST_F(HearthNativeDriverTest, NewEnergyCounterIdMarksACounterReset) {
  const auto energy = [&](double kwh, const char* counter) {
    return reading(std::string(R"({"metric":"energy_kwh","unit":"kWh","value":)") + std::to_string(kwh) +
                   R"(,"counter":")" + counter + R"("})");
  };
  EXPECT_TRUE(has_readings(energy(10.5, "aaaa0001"), {{"hearth:plug-7", Metric::energy_kwh, 10.5, false}}));
  EXPECT_TRUE(has_readings(energy(10.75, "aaaa0001"), {{"hearth:plug-7", Metric::energy_kwh, 10.75, false}}));
  EXPECT_TRUE(has_readings(energy(0.01, "bbbb0002"), {{"hearth:plug-7", Metric::energy_kwh, 0.01, true}}));
  EXPECT_TRUE(has_readings(energy(0.02, "bbbb0002"), {{"hearth:plug-7", Metric::energy_kwh, 0.02, false}}));
}

TEST_F(HearthNativeDriverTest, DescribeAnnouncesDevicesPerChannel) {
  const auto d = feed("hearth/v1/plug-7/describe", PLUG_DESCRIBE, true);
  EXPECT_EQ(d.outcome, Outcome::decoded);
  ASSERT_EQ(d.devices.size(), 3U);
  for (const auto& info : d.devices) {
    EXPECT_EQ(info.model, "Hearth Plug 1");
    EXPECT_EQ(info.firmware, "1.4.2");
  }
  EXPECT_EQ(d.devices[0].device_id, "hearth:plug-7");
  EXPECT_EQ(d.devices[1].device_id, "hearth:plug-7#1");
  EXPECT_EQ(d.devices[2].device_id, "hearth:plug-7#2");
  const auto* desc = driver->description("plug-7");
  ASSERT_NE(desc, nullptr);
  EXPECT_EQ(desc->interval_s, 60);
  EXPECT_FALSE(desc->battery);
  ASSERT_NE(desc->find(1, Metric::relay_on), nullptr);
  EXPECT_TRUE(desc->find(1, Metric::relay_on)->essential);
  EXPECT_EQ(desc->find(1, Metric::energy_kwh), nullptr);
}

TEST_F(HearthNativeDriverTest, AfterDescribeUndeclaredSamplesAreRefused) {
  describe_plug();
  const auto d = reading(
      R"({"metric":"power_w","unit":"W","value":4},{"ch":1,"metric":"energy_kwh","unit":"kWh","value":1,"counter":"5d1c0e7a"})");
  EXPECT_TRUE(has_readings(d, {{"hearth:plug-7", Metric::power_w, 4}}));
  EXPECT_TRUE(has_one_issue(d, "hearth:plug-7#1", "readings[1]", why::UNDECLARED));
}

TEST_F(HearthNativeDriverTest, AnInvalidDescribeIsRefusedWholeAndTheLastGoodOneKept) {
  describe_plug();
  struct Case {
    std::string payload;
    std::string_view why;
    const char* field;
  };
  const std::string head =
      R"({"minor":0,"model":"X","firmware":"1","boot":"5d1c0e7a","interval_s":60,"power":"mains",)";
  const std::vector<Case> cases = {
      {head + R"("caps":[{"ch":1,"metric":"relay_on","switchable":true}]})", why::MISSING_FIELD, "caps[0].essential"},
      {head + R"("caps":[{"ch":0,"metric":"power_w","unit":"W","essential":true}]})", why::BAD_VALUE,
       "caps[0].essential"},
      {head + R"("caps":[{"ch":0,"metric":"power_w","unit":"kW"}]})", why::WRONG_UNIT, "caps[0].unit"},
      {head + R"("caps":[{"ch":0,"metric":"motion","unit":"bool"}]})", why::WRONG_UNIT, "caps[0].unit"},
      {head + R"("caps":[{"ch":0,"metric":"power_w","unit":"W"},{"ch":0,"metric":"power_w","unit":"W"}]})",
       why::DUPLICATE_SAMPLE, "caps[1]"},
      {head + R"("caps":[{"ch":0,"metric":"pressure_hpa","unit":"hPa"}]})", why::UNKNOWN_METRIC, "caps[0].metric"},
      {head + R"("caps":[]})", reason::OUT_OF_RANGE, "caps"},
      {head + R"("caps":[{"metric":"power_w","unit":"W"}]})", why::MISSING_FIELD, "caps[0].ch"},
      {R"({"minor":0,"model":"Plug \"Pro\"","firmware":"1","boot":"5d1c0e7a","interval_s":60,"power":"mains","caps":[{"ch":0,"metric":"power_w","unit":"W"}]})",
       why::BAD_VALUE, "model"},
      {R"({"model":"X","firmware":"1","boot":"5d1c0e7a","interval_s":60,"power":"mains","caps":[{"ch":0,"metric":"power_w","unit":"W"}]})",
       why::MISSING_FIELD, "minor"},
      {R"({"minor":0,"model":"X","firmware":"1","boot":"5d1c0e7a","interval_s":0,"power":"mains","caps":[{"ch":0,"metric":"power_w","unit":"W"}]})",
       reason::OUT_OF_RANGE, "interval_s"},
      {R"({"minor":0,"model":"X","firmware":"1","boot":"5d1c0e7a","interval_s":60,"power":"solar","caps":[{"ch":0,"metric":"power_w","unit":"W"}]})",
       why::BAD_VALUE, "power"},
  };
  for (const auto& c : cases) {
    const auto d = feed("hearth/v1/plug-7/describe", c.payload, true);
    EXPECT_EQ(d.outcome, Outcome::rejected) << c.payload;
    EXPECT_TRUE(has_one_issue(d, "hearth:plug-7", c.field, c.why)) << c.payload;
  }
  const auto* desc = driver->description("plug-7");
  ASSERT_NE(desc, nullptr);
  EXPECT_EQ(desc->model, "Hearth Plug 1");
  EXPECT_FALSE(driver->relay_command("hearth:plug-7#1", false).has_value());  // still essential
}

TEST_F(HearthNativeDriverTest, ANewerMinorIsReadWithUnknownFieldsAndMetricsIgnored) {
  const auto d =
      feed("hearth/v1/plug-9/describe",
           R"({"minor":3,"model":"X","firmware":"2.0","boot":"5d1c0e7a","interval_s":60,"power":"mains","colour":"red",
          "caps":[{"ch":0,"metric":"power_w","unit":"W","precision":2},{"ch":0,"metric":"pressure_hpa","unit":"hPa"}]})",
           true);
  ASSERT_EQ(d.outcome, Outcome::decoded) << dump(d) << d.reject_reason;
  ASSERT_NE(driver->description("plug-9"), nullptr);
  EXPECT_EQ(driver->description("plug-9")->caps.size(), 1U);
  const auto r = reading(
      R"({"metric":"power_w","unit":"W","value":4,"quality":"good"},{"metric":"pressure_hpa","unit":"hPa","value":1013})",
      "plug-9");
  EXPECT_TRUE(r.issues.empty()) << dump(r);
  EXPECT_TRUE(has_readings(r, {{"hearth:plug-9", Metric::power_w, 4}}));
  // A newer minor does not relax units: a field's meaning never changes within v1.
  EXPECT_TRUE(has_one_issue(reading(R"({"metric":"power_w","unit":"kW","value":4})", "plug-9"), "hearth:plug-9",
                            "readings[0].unit", why::WRONG_UNIT));
}

TEST_F(HearthNativeDriverTest, StatusIsAvailabilityForEveryChannel) {
  const ReadingsAt at{T0};
  auto d = feed("hearth/v1/plug-7/status", R"({"state":"online","boot":"5d1c0e7a"})", true);
  EXPECT_TRUE(at(d, {{"hearth:plug-7", Metric::online, 1}}));
  ASSERT_EQ(d.readings.size(), 1U);
  EXPECT_TRUE(d.readings[0].retained);
  describe_plug();
  d = feed("hearth/v1/plug-7/status", R"({"state":"offline"})");
  EXPECT_TRUE(at(d, {{"hearth:plug-7", Metric::online, 0},
                     {"hearth:plug-7#1", Metric::online, 0},
                     {"hearth:plug-7#2", Metric::online, 0}}));
  EXPECT_TRUE(has_one_issue(feed("hearth/v1/plug-7/status", R"({"state":"online"})"), "hearth:plug-7", "boot",
                            why::MISSING_FIELD));
  EXPECT_TRUE(has_one_issue(feed("hearth/v1/plug-7/status", R"({"state":"Online","boot":"5d1c0e7a"})"), "hearth:plug-7",
                            "state", why::BAD_VALUE));
  EXPECT_TRUE(
      has_one_issue(feed("hearth/v1/plug-7/status", "online"), "hearth:plug-7", "payload", reason::MALFORMED_JSON));
}

TEST_F(HearthNativeDriverTest, AckBecomesTheRelayStateAndARefusalAnIssue) {
  describe_plug();
  auto d = feed("hearth/v1/plug-7/ack", R"({"id":"h1","relay":0,"ok":true,"on":false})");
  EXPECT_TRUE(has_readings(d, {{"hearth:plug-7", Metric::relay_on, 0}}));
  EXPECT_TRUE(d.issues.empty());
  d = feed("hearth/v1/plug-7/ack", R"({"id":"h2","relay":1,"ok":false,"on":true,"reason":"essential"})");
  EXPECT_TRUE(has_readings(d, {{"hearth:plug-7#1", Metric::relay_on, 1}}));
  EXPECT_TRUE(has_one_issue(d, "hearth:plug-7#1", "cmd h2", why::REFUSED_ESSENTIAL));
  d = feed("hearth/v1/plug-7/ack", R"({"id":"h3","relay":9,"ok":false,"reason":"no_such_relay"})");
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(has_one_issue(d, "hearth:plug-7#9", "cmd h3", why::REFUSED_NO_SUCH_RELAY));
  d = feed("hearth/v1/plug-7/ack", R"({"id":"h4","relay":2,"ok":false,"on":false,"reason":"not_switchable"})");
  EXPECT_TRUE(has_one_issue(d, "hearth:plug-7#2", "cmd h4", why::REFUSED_NOT_SWITCHABLE));
  d = feed("hearth/v1/plug-7/ack", R"({"id":"h5","relay":0,"ok":false,"on":true,"reason":"failed"})");
  EXPECT_TRUE(has_one_issue(d, "hearth:plug-7", "cmd h5", why::REFUSED_FAILED));
}

TEST_F(HearthNativeDriverTest, InconsistentAcksAreRejected) {
  struct Case {
    const char* payload;
    std::string_view why;
    const char* field;
  };
  const std::vector<Case> cases = {
      {R"({"id":"h1","relay":0,"ok":false,"on":true})", why::MISSING_FIELD, "reason"},
      {R"({"id":"h1","relay":0,"ok":true,"on":true,"reason":"essential"})", why::BAD_VALUE, "reason"},
      {R"({"id":"h1","relay":9,"ok":false,"on":false,"reason":"no_such_relay"})", why::BAD_VALUE, "on"},
      {R"({"id":"h1","relay":0,"ok":false,"on":true,"reason":"busy"})", why::BAD_VALUE, "reason"},
      {R"({"id":"h1","relay":0,"ok":true})", why::MISSING_FIELD, "on"},
      {R"({"id":"a/b","relay":0,"ok":true,"on":true})", why::BAD_VALUE, "id"},
  };
  for (const auto& c : cases) {
    const auto d = feed("hearth/v1/plug-7/ack", c.payload);
    EXPECT_EQ(d.outcome, Outcome::rejected) << c.payload;
    EXPECT_TRUE(has_one_issue(d, "hearth:plug-7", c.field, c.why)) << c.payload;
  }
}

TEST_F(HearthNativeDriverTest, RelayCommandOnlyForDescribedSwitchableRelaysAndNeverOffForEssential) {
  EXPECT_FALSE(driver->relay_command("hearth:plug-7", true).has_value());  // not described yet
  describe_plug();
  const auto on = driver->relay_command("hearth:plug-7", true);
  ASSERT_TRUE(on.has_value());
  EXPECT_EQ(on->topic, "hearth/v1/plug-7/cmd");
  const auto cmd = nlohmann::json::parse(on->payload);
  EXPECT_EQ(cmd, (nlohmann::json{{"id", cmd["id"]}, {"relay", 0}, {"on", true}}));
  EXPECT_TRUE(native::valid_command_id(cmd["id"].get<std::string>()));
  const auto off = driver->relay_command("hearth:plug-7", false);
  ASSERT_TRUE(off.has_value());
  EXPECT_NE(nlohmann::json::parse(off->payload)["id"], cmd["id"]);  // ids correlate acks
  EXPECT_EQ(nlohmann::json::parse(off->payload)["on"], false);

  EXPECT_FALSE(driver->relay_command("hearth:plug-7#1", false).has_value());  // essential: never off
  const auto essential_on = driver->relay_command("hearth:plug-7#1", true);
  ASSERT_TRUE(essential_on.has_value());
  EXPECT_EQ(nlohmann::json::parse(essential_on->payload)["relay"], 1);
  EXPECT_FALSE(driver->relay_command("hearth:plug-7#2", true).has_value());  // not switchable
  EXPECT_FALSE(driver->relay_command("hearth:plug-7#5", true).has_value());  // no relay there
  EXPECT_FALSE(driver->relay_command("tasmota:plug-7", true).has_value());
}

TEST_F(HearthNativeDriverTest, TopicsOutsideTheContract) {
  const auto rejected_for = [&](std::string_view topic, std::string_view why, std::string_view payload = "{}") {
    const auto d = feed(topic, payload);
    return d.outcome == Outcome::rejected && d.reject_reason == why;
  };
  EXPECT_TRUE(rejected_for("hearth/v2/plug-7/reading", why::UNSUPPORTED_VERSION));
  EXPECT_TRUE(rejected_for("hearth/v1/status", why::UNKNOWN_TOPIC));  // a home id "v1" would land here
  EXPECT_TRUE(rejected_for("hearth/v1/plug-7/reading/extra", why::UNKNOWN_TOPIC));
  EXPECT_TRUE(rejected_for("hearth/v1/plug-7/telemetry", why::UNKNOWN_TOPIC));
  EXPECT_TRUE(rejected_for("hearth/v1/Plug-7/reading", why::BAD_DEVICE_ID));
  EXPECT_TRUE(rejected_for("hearth/v1/-plug/reading", why::BAD_DEVICE_ID));
  EXPECT_TRUE(rejected_for("hearth/v1/plug-7/reading", why::TOO_LARGE, std::string(1025, ' ')));
  EXPECT_EQ(feed("hearth/flat-7/status", "online").outcome, Outcome::not_mine);  // hearthd's own topics
  EXPECT_EQ(feed("hearth/v01/plug-7/reading", "{}").outcome, Outcome::not_mine);
  EXPECT_EQ(feed("tele/plug-7/SENSOR", "{}").outcome, Outcome::not_mine);
  EXPECT_EQ(feed("hearth/v1/plug-7/cmd", R"({"id":"h1","relay":0,"on":true})").outcome, Outcome::ignored);
  EXPECT_EQ(feed("hearth/v1/plug-7/describe", "", true).outcome, Outcome::ignored);  // retained message cleared
}

TEST_F(HearthNativeDriverTest, ClaimRequestsAreListedWithoutTheirCode) {
  const auto d =
      feed("hearth/v1/plug-new/claim", R"({"minor":0,"model":"Hearth Plug 1","firmware":"1.4.2","code":"7K3QM9TZ",)"
                                       R"("key":"8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f"})");
  EXPECT_EQ(d.outcome, Outcome::decoded);
  EXPECT_TRUE(d.readings.empty());
  EXPECT_TRUE(d.devices.empty());  // not a device until claimed
  const auto claims = driver->pending_claims();
  ASSERT_EQ(claims.size(), 1U);
  EXPECT_EQ(claims[0].device_id, "hearth:plug-new");
  EXPECT_EQ(claims[0].model, "Hearth Plug 1");
  EXPECT_EQ(claims[0].public_key_hex.size(), 64U);
  EXPECT_TRUE(driver->claim_code_matches("hearth:plug-new", "7K3QM9TZ"));
  EXPECT_TRUE(driver->claim_code_matches("hearth:plug-new", "7k3q-m9tz"));
  EXPECT_FALSE(driver->claim_code_matches("hearth:plug-new", "7K3QM9TX"));
  EXPECT_FALSE(driver->claim_code_matches("hearth:other", "7K3QM9TZ"));
  driver->forget_claim("hearth:plug-new");
  EXPECT_TRUE(driver->pending_claims().empty());
  EXPECT_FALSE(driver->claim_code_matches("hearth:plug-new", "7K3QM9TZ"));

  const auto bad =
      feed("hearth/v1/plug-new/claim", R"({"minor":0,"model":"X","firmware":"1","code":"7K3QM9TO","key":"8f40c5ad"})");
  EXPECT_TRUE(has_one_issue(bad, "hearth:plug-new", "code", why::BAD_VALUE));
}

TEST_F(HearthNativeDriverTest, PendingClaimsAreBounded) {
  const std::string body =
      R"({"minor":0,"model":"X","firmware":"1","code":"7K3QM9TZ","key":"8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f"})";
  for (std::size_t i = 0; i < native::MAX_PENDING_CLAIMS + 5; ++i) {
    driver->decode(Message{"hearth/v1/dev-" + std::to_string(i) + "/claim", body, false,
                           T0 + std::chrono::seconds{static_cast<int>(i)}});
  }
  const auto claims = driver->pending_claims();
  ASSERT_EQ(claims.size(), native::MAX_PENDING_CLAIMS);
  EXPECT_EQ(claims.front().device_id, "hearth:dev-5");  // the oldest were forgotten
  EXPECT_EQ(claims.back().device_id, "hearth:dev-36");
}

TEST_F(HearthNativeDriverTest, PerDeviceStateIsBounded) {
  for (std::size_t i = 0; i < native::MAX_DEVICES; ++i) {
    ASSERT_EQ(reading(R"({"metric":"power_w","unit":"W","value":1})", "d" + std::to_string(i)).outcome,
              Outcome::decoded);
  }
  const auto d = reading(R"({"metric":"power_w","unit":"W","value":1})", "one-too-many");
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reject_reason, why::TOO_MANY_DEVICES);
}

TEST(HearthNativeContract, ClaimCodesAreNormalisedAsPeopleTypeThem) {
  EXPECT_EQ(native::normalise_claim_code("7K3QM9TZ"), "7K3QM9TZ");
  EXPECT_EQ(native::normalise_claim_code("7k3q-m9tz"), "7K3QM9TZ");
  EXPECT_EQ(native::normalise_claim_code("O1IL 2345"), "01112345");
  EXPECT_EQ(native::normalise_claim_code("7K3QM9T"), "");
  EXPECT_EQ(native::normalise_claim_code("7K3QM9TZZ"), "");
  EXPECT_EQ(native::normalise_claim_code("7K3QM9TU"), "");  // U is not Crockford base32
  EXPECT_EQ(native::normalise_claim_code("7K3QM9T!"), "");
}

TEST(HearthNativeContract, IdsAndMetricTable) {
  EXPECT_TRUE(native::valid_device_id("plug-7"));
  EXPECT_TRUE(native::valid_device_id(std::string(32, 'a')));
  EXPECT_FALSE(native::valid_device_id(std::string(33, 'a')));
  EXPECT_FALSE(native::valid_device_id("_plug"));
  EXPECT_FALSE(native::valid_device_id("plug#1"));
  EXPECT_FALSE(native::valid_device_id(""));
  EXPECT_TRUE(native::valid_command_id("conf-2_b"));
  EXPECT_FALSE(native::valid_command_id(std::string(25, 'a')));
  for (const auto& spec : native::metric_specs()) {
    EXPECT_EQ(spec.name, hearth::core::to_string(spec.metric));  // wire names are Hearth's metric names
    EXPECT_EQ(spec.unit.empty(), hearth::core::is_boolean(spec.metric)) << spec.name;
  }
  EXPECT_EQ(native::topic("plug-7", "ack"), "hearth/v1/plug-7/ack");
  EXPECT_EQ(nlohmann::json::parse(native::encode_command("c1", 3, false)),
            (nlohmann::json{{"id", "c1"}, {"relay", 3}, {"on", false}}));
}

TEST(HearthNativeDispatch, DriverSetRoutesContractTopicsToTheNativeDriver) {
  auto set = DriverSet::make_default(DriverOptions{});
  const auto d = set.decode(Message{"hearth/v1/plug-7/status", R"({"state":"online","boot":"5d1c0e7a"})", true, T0});
  EXPECT_EQ(d.driver, "hearth");
  EXPECT_EQ(set.decode(Message{"tele/kettle/LWT", "Online", true, T0}).driver, "tasmota");
  const auto subs = set.subscriptions();
  EXPECT_NE(std::find(subs.begin(), subs.end(), "hearth/v1/+/reading"), subs.end());
}

}  // namespace
