// hearth-coordinator without MQTT: strict config, co-op isolation, payload validation and
// idempotent storage in a real SQLite file (shared by two store handles, as two instances share it).
// The same file is built again as hearth_coordinator_postgresql_tests, where the store is a fresh
// database in a private PostgreSQL cluster (support/test_store.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/ingest.h"
#include "support/temp_dir.h"
#include "support/test_store.h"

using namespace hearth;
using namespace hearth::coordinator;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;

std::string config_text(const test::TempDir& dir) {
  std::ofstream(dir.file("pw")) << "coordinator-password\n";
  return "mqtt:\n  url: mqtts://broker.example:8883\n  username: coordinator\n  password_file: " + dir.file("pw") +
         test::test_store_yaml(dir) +
         "\ncoops:\n  coop-a:\n    gateways: [gw-a1, gw-a2]\n  coop-b:\n    gateways: [gw-b1]\n";
}

std::string alert_event(const std::string& message_id, const std::string& event, const std::string& alert_id,
                        std::int64_t event_ms, const json& extra = json::object()) {
  json alert{{"id", alert_id},        {"rule", "smoke"},       {"severity", "emergency"},
             {"state", "raised"},     {"raised_ms", T0},       {"acknowledged_ms", nullptr},
             {"acknowledged_by", ""}, {"resolved_ms", nullptr}};
  alert.update(extra);
  return json{{"schema", 1},         {"type", "alert_event"}, {"message_id", message_id},
              {"home_id", "flat-7"}, {"event", event},        {"event_ms", event_ms},
              {"alert", alert}}
      .dump();
}

struct IngestTest : ::testing::Test {
  void SetUp() override {
    HEARTH_REQUIRE_TEST_STORE();
    auto c = parse_coordinator_config(config_text(dir), "c.yaml");
    ASSERT_TRUE(c) << c.error().message;
    config = *c;
    auto s = open_coordinator_store(config.store);
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
    ingest = std::make_unique<Ingest>(config, *store);
  }
  test::TempDir dir;
  CoordinatorConfig config;
  std::unique_ptr<CoordinatorStore> store;
  std::unique_ptr<Ingest> ingest;
};

}  // namespace

TEST(CoordinatorConfig, IsStrict) {
  test::TempDir dir;
  const std::string good = config_text(dir);
  auto c = parse_coordinator_config(good, "c.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->mqtt.version, 5);
  EXPECT_TRUE(c->mqtt.tls.enabled);
  EXPECT_EQ(coop_of(*c, "gw-b1"), "coop-b");
  EXPECT_EQ(coop_of(*c, "gw-z9"), "");
  for (const auto& line : describe_config(*c)) EXPECT_EQ(line.find("coordinator-password"), std::string::npos);

  const auto fails = [&](const std::string& text, const std::string& key) {
    auto r = parse_coordinator_config(text, "c.yaml");
    if (r) return ::testing::AssertionFailure() << "accepted: " << text;
    if (r.error().message.find(key) == std::string::npos)
      return ::testing::AssertionFailure() << "message does not name " << key << ": " << r.error().message;
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(fails(good + "colour: blue\n", "colour"));
  EXPECT_TRUE(fails(good + "coops: {}\n", "coops"));  // duplicate top-level key
  std::string plain = good;
  plain.replace(plain.find("mqtts://broker.example"), 22, "mqtt://broker.example");
  EXPECT_TRUE(fails(plain, "mqtt.url"));
  EXPECT_TRUE(fails(good.substr(0, good.find("coops:")) + "coops:\n  coop-a:\n    gateways: [gw-1]\n  coop-b:\n"
                                                          "    gateways: [gw-1]\n",
                    "already listed"));
  std::string other =
      good.substr(0, good.find("\nstore:\n")) + "\nstore:\n  backend: oracle\n" + good.substr(good.find("\ncoops:"));
  EXPECT_TRUE(fails(other, "store.backend"));
}

TEST_F(IngestTest, StoresOnceAndAcknowledgesTheDuplicate) {
  const std::string topic = "hearth-uplink/v1/coop-a/gw-a1/alert";
  const std::string payload = alert_event("flat-7/smoke/raised/1", "raised", "smoke:k", T0);
  auto first = ingest->on_message(topic, payload, T0 + 40);
  EXPECT_EQ(first.kind, IngestResult::Kind::stored);
  EXPECT_EQ(first.receipt_topic, "hearth-uplink/v1/coop-a/gw-a1/receipt");
  EXPECT_EQ(json::parse(first.receipt)["status"], "stored");
  EXPECT_EQ(json::parse(first.receipt)["message_id"], "flat-7/smoke/raised/1");

  // A second instance sharing the file sees the first one's row: the resend is a duplicate.
  auto other_store = open_coordinator_store(config.store);
  ASSERT_TRUE(other_store);
  Ingest other(config, **other_store);
  auto again = other.on_message(topic, payload, T0 + 900);
  EXPECT_EQ(again.kind, IngestResult::Kind::duplicate);
  EXPECT_EQ(json::parse(again.receipt)["status"], "duplicate");

  auto events = store->events("coop-a", "gw-a1");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  auto alerts = store->alerts("coop-a");
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].received_ms, T0 + 40) << "received is the first arrival";
  EXPECT_EQ((*alerts)[0].raised_ms, T0);
}

TEST_F(IngestTest, FollowsTheAlertThroughItsLifecycle) {
  const std::string topic = "hearth-uplink/v1/coop-a/gw-a1/alert";
  ASSERT_EQ(ingest->on_message(topic, alert_event("m1", "raised", "smoke:k", T0), T0 + 10).kind,
            IngestResult::Kind::stored);
  ASSERT_EQ(ingest
                ->on_message(topic,
                             alert_event("m2", "acknowledged", "smoke:k", T0 + 60'000,
                                         {{"state", "acknowledged"},
                                          {"acknowledged_ms", T0 + 60'000},
                                          {"acknowledged_by", "carer-anna"}}),
                             T0 + 60'050)
                .kind,
            IngestResult::Kind::stored);
  auto alerts = store->alerts("coop-a");
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  const AlertRow& a = (*alerts)[0];
  EXPECT_EQ(a.state, "acknowledged");
  EXPECT_EQ(a.acknowledged_ms, T0 + 60'000);
  EXPECT_EQ(a.acknowledged_by, "carer-anna");
  EXPECT_EQ(a.events, 2);
  EXPECT_EQ(a.received_ms, T0 + 10);
}

TEST_F(IngestTest, KeepsCoopsApart) {
  const std::string payload = alert_event("m1", "raised", "smoke:k", T0);
  // gw-a1 belongs to coop-a: a message naming it under coop-b is not stored and gets no answer.
  auto wrong = ingest->on_message("hearth-uplink/v1/coop-b/gw-a1/alert", payload, T0);
  EXPECT_EQ(wrong.kind, IngestResult::Kind::ignored);
  EXPECT_EQ(wrong.reason, "wrong_coop");
  EXPECT_TRUE(wrong.receipt_topic.empty());
  EXPECT_EQ(ingest->on_message("hearth-uplink/v1/coop-z/gw-a1/alert", payload, T0).reason, "unknown_coop");
  EXPECT_EQ(ingest->on_message("hearth-uplink/v1/coop-a/gw-x/alert", payload, T0).reason, "unknown_gateway");
  EXPECT_EQ(ingest->on_message("hearth-uplink/v2/coop-a/gw-a1/alert", payload, T0).reason, "unsupported_version");
  auto alerts_b = store->alerts("coop-b");
  ASSERT_TRUE(alerts_b);
  EXPECT_TRUE(alerts_b->empty());
  auto all = store->alerts("");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(ingest->stats().rejected.at("wrong_coop"), 1u);
}

TEST_F(IngestTest, BadInputIsCountedNeverStored) {
  const std::string topic = "hearth-uplink/v1/coop-a/gw-a1/alert";
  for (const std::string bad : {"", "not json", "[]", "{\"message_id\": 5}", "{\"message_id\":\"\"}"}) {
    auto r = ingest->on_message(topic, bad, T0);
    EXPECT_EQ(r.kind, IngestResult::Kind::ignored) << bad;
    EXPECT_TRUE(r.receipt.empty()) << bad;
  }
  // From a known gateway with a message id but invalid: refused, with a receipt saying so.
  json wrong_schema = json::parse(alert_event("m1", "raised", "a", T0));
  wrong_schema["schema"] = 2;
  json no_alert = json::parse(alert_event("m2", "raised", "a", T0));
  no_alert.erase("alert");
  json bad_event = json::parse(alert_event("m3", "exploded", "a", T0));
  json bad_time = json::parse(alert_event("m4", "raised", "a", T0));
  bad_time["event_ms"] = "yesterday";
  for (const auto& bad : {wrong_schema, no_alert, bad_event, bad_time}) {
    auto r = ingest->on_message(topic, bad.dump(), T0);
    EXPECT_EQ(r.kind, IngestResult::Kind::refused) << bad.dump();
    EXPECT_EQ(json::parse(r.receipt)["status"], "refused");
  }
  // The summary topic carries summaries only.
  EXPECT_EQ(
      ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/summary", alert_event("m5", "raised", "a", T0), T0).reason,
      "wrong_type");
  auto events = store->events("coop-a", "gw-a1");
  ASSERT_TRUE(events);
  EXPECT_TRUE(events->empty());
  EXPECT_EQ(ingest->stats().stored, 0u);
}

TEST_F(IngestTest, StoresDailySummariesOncePerDay) {
  const std::string topic = "hearth-uplink/v1/coop-a/gw-a2/summary";
  const auto summary = [](const std::string& day) {
    return json{
        {"schema", 1}, {"type", "daily_summary"},  {"message_id", "flat-9/summary/energy/" + day}, {"kind", "energy"},
        {"day", day},  {"summary", {{"kwh", 7.5}}}}
        .dump();
  };
  EXPECT_EQ(ingest->on_message(topic, summary("2026-11-20"), T0).kind, IngestResult::Kind::stored);
  EXPECT_EQ(ingest->on_message(topic, summary("2026-11-20"), T0 + 1).kind, IngestResult::Kind::duplicate);
  EXPECT_EQ(ingest->on_message(topic, summary("2026-11-21"), T0 + 2).kind, IngestResult::Kind::stored);
  EXPECT_EQ(ingest->on_message(topic, summary("21/11/2026"), T0 + 3).kind, IngestResult::Kind::refused);
}

TEST_F(IngestTest, SubscribesThroughASharedSubscription) {
  const auto subs = ingest->subscriptions();
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0], "$share/hearth-coordinators/hearth-uplink/v1/+/+/alert");
  EXPECT_EQ(subs[1], "$share/hearth-coordinators/hearth-uplink/v1/+/+/summary");
}

TEST_F(IngestTest, AnAcknowledgementIsClaimedByOneInstanceAndReclaimedIfItDies) {
  ASSERT_TRUE(store->queue_ack(OutgoingAck{0, "coop-a", "gw-a1", "smoke:k", "duty", "", T0}));
  auto other_store = open_coordinator_store(config.store);
  ASSERT_TRUE(other_store);
  auto mine = store->claim_acks(T0 + 100, 30'000, 10);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 1u);
  auto theirs = (*other_store)->claim_acks(T0 + 200, 30'000, 10);
  ASSERT_TRUE(theirs);
  EXPECT_TRUE(theirs->empty()) << "claimed by the first instance";
  auto later = (*other_store)->claim_acks(T0 + 100 + 30'001, 30'000, 10);
  ASSERT_TRUE(later);
  ASSERT_EQ(later->size(), 1u) << "the first instance never reported back: reclaimed";
  ASSERT_TRUE((*other_store)->finish_ack((*later)[0].id, true, T0 + 40'000));
  auto none = store->claim_acks(T0 + 999'999, 30'000, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty()) << "sent acknowledgements are not sent again";
}

TEST(CoordinatorConfig, ShippedExampleParses) {
  std::ifstream in(std::string(HEARTH_SOURCE_DIR) + "/packaging/coordinator.yaml.example");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  // The example's password file does not exist here: point it at one that does.
  test::TempDir dir;
  std::ofstream(dir.file("pw")) << "coordinator-password\n";
  const std::string from = "/etc/hearth-coordinator/mqtt.password";
  text.replace(text.find(from), from.size(), dir.file("pw"));
  auto c = parse_coordinator_config(text, "coordinator.yaml.example");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->coops.size(), 2u);
  EXPECT_EQ(rota_for(*c, "coop-a", "gw-0042").size(), 3u);
  EXPECT_EQ(rota_for(*c, "coop-a", "gw-0043").size(), 1u);
  EXPECT_TRUE(rota_for(*c, "coop-b", "gw-0107").empty());
}
