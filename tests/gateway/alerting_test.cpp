#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway/alert_json.h"
#include "gateway/alerting.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;

namespace {

constexpr std::int64_t T0 = 1'699'999'200'000;

core::Alert sample() {
  core::Alert a;
  a.id = "smoke:z2m:kitchen/smoke";
  a.rule = "smoke";
  a.kind = "safety";
  a.severity = core::Severity::emergency;
  a.state = core::AlertState::acknowledged;
  a.device_id = "z2m:kitchen/smoke";
  a.room = "Kitchen";
  a.raised_at = core::from_epoch_ms(T0);
  a.trigger_ts = core::from_epoch_ms(T0 - 5);
  a.updated_at = core::from_epoch_ms(T0 + 60'000);
  a.message_key = "smoke_detected";
  a.params = {{"room", "Kitchen"}, {"device", "Kitchen smoke alarm"}};
  a.evidence = {{"smoke_density", 14.0}};
  a.flap_count = 2;
  a.acknowledged_by = "carer-anna";
  a.ack_note = "on my way";
  a.acknowledged_at = core::from_epoch_ms(T0 + 60'000);
  return a;
}

}  // namespace

TEST(AlertJson, RoundTripsEveryField) {
  const core::Alert a = sample();
  const auto j = alert_to_json(a);
  EXPECT_EQ(j["schema"], ALERT_SCHEMA_VERSION);
  EXPECT_EQ(j["severity"], "emergency");
  EXPECT_TRUE(j["resolved_ms"].is_null());
  EXPECT_FALSE(j["text"]["en"].get<std::string>().empty());
  EXPECT_FALSE(j["text"]["cy"].get<std::string>().empty());
  const auto back = alert_from_json(j);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, a);
}

TEST(AlertJson, RejectsWhatIsNotAnAlert) {
  auto j = alert_to_json(sample());
  EXPECT_FALSE(alert_from_json(nlohmann::json::array()).has_value());
  auto wrong_schema = j;
  wrong_schema["schema"] = 99;
  EXPECT_FALSE(alert_from_json(wrong_schema).has_value());
  auto bad_severity = j;
  bad_severity["severity"] = "apocalyptic";
  EXPECT_FALSE(alert_from_json(bad_severity).has_value());
  auto missing = j;
  missing.erase("raised_ms");
  EXPECT_FALSE(alert_from_json(missing).has_value());
}

TEST(AlertTopics, IdsWithSlashesAndWildcardsStayOneLevel) {
  EXPECT_EQ(encode_topic_level("smoke:z2m:kitchen/smoke"), "smoke:z2m:kitchen%2Fsmoke");
  EXPECT_EQ(encode_topic_level("a+b#c%d"), "a%2Bb%23c%25d");
  for (const std::string id : {"smoke:z2m:kitchen/smoke", "a+b#c%d/e", "100%2F", "%", "x%2"}) {
    EXPECT_EQ(decode_topic_level(encode_topic_level(id)), id) << id;
  }
}

TEST(Alerting, PersistsBeforePublishingAndHandlesMqttCommands) {
  test::TempDir dir;
  StoreConfig cfg;
  cfg.path = dir.file("h.db");
  auto store = std::move(*Store::open(cfg));
  DeviceRegistry registry;
  Device* d = registry.touch("z2m:kitchen/smoke", "z2m", core::from_epoch_ms(T0));
  d->settings.room = "Kitchen";
  std::vector<std::pair<std::string, std::string>> published;
  std::size_t rows_when_published = 0;
  std::size_t readings_pending_when_published = 0;
  Alerting alerting("flat-1", registry, *store, [&](const std::string& topic, const std::string& payload, bool) {
    rows_when_published = store->open_alerts()->size();  // what a crash right now would leave behind
    readings_pending_when_published = store->pending();
    published.emplace_back(topic, payload);
  });
  core::Reading smoke{"z2m:kitchen/smoke", core::Metric::smoke, 1.0, core::from_epoch_ms(T0)};
  store->append(smoke);  // as the pipeline does before the rules see it
  alerting.on_reading(smoke);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(rows_when_published, 1u);
  // The alert's commit did not wait for (or carry) the readings queued for the group commit.
  EXPECT_EQ(readings_pending_when_published, 1u);
  EXPECT_EQ(published[0].first, "hearth/flat-1/alerts/smoke:z2m:kitchen%2Fsmoke");
  EXPECT_FALSE(alerting.on_mqtt_command("hearth/flat-1/alerts/x", "{}", core::from_epoch_ms(T0)));
  EXPECT_TRUE(alerting.on_mqtt_command("hearth/flat-1/alerts/smoke:z2m:kitchen%2Fsmoke/ack", "not json",
                                       core::from_epoch_ms(T0 + 1000)));
  EXPECT_EQ(published.size(), 1u);  // no "by": ignored, logged
  EXPECT_TRUE(alerting.on_mqtt_command("hearth/flat-1/alerts/smoke:z2m:kitchen%2Fsmoke/ack", R"({"by":"bob"})",
                                       core::from_epoch_ms(T0 + 2000)));
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(published[1].second)["acknowledged_by"], "mqtt:bob");
  EXPECT_FALSE(alerting.resolve("no-such-alert", "anna", "", core::from_epoch_ms(T0 + 3000)).has_value());
}
