// Escalation with a simulated clock: every "now" is given by the test, so minutes pass instantly.
// A home's rota is told in order until someone acknowledges; every step is recorded with its time;
// the share acknowledged within 60 s and 180 s is reported per co-op. Run against SQLite here and
// against PostgreSQL in hearth_coordinator_postgresql_tests (support/test_store.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/ingest.h"
#include "coordinator/service.h"
#include "support/temp_dir.h"
#include "support/test_store.h"

using namespace hearth;
using namespace hearth::coordinator;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;
constexpr std::int64_t MIN = 60'000;

std::string config_text(const test::TempDir& dir, const std::string& escalation) {
  std::ofstream(dir.file("pw")) << "coordinator-password\n";
  return "mqtt:\n  url: mqtts://broker.example:8883\n  username: coordinator\n  password_file: " + dir.file("pw") +
         test::test_store_yaml(dir) +
         "\ncoops:\n  coop-a:\n    gateways: [gw-a1, gw-a2]\n  coop-b:\n    gateways: [gw-b1]\n" + escalation;
}

const std::string ROTAS =
    "escalation:\n"
    "  rotas:\n"
    "    gw-a1:\n"
    "      - {id: anna, name: Anna Jones, role: family, language: cy, ack_within: 5m}\n"
    "      - {id: ben, name: Ben Evans, role: volunteer, ack_within: 10m}\n"
    "  duty:\n"
    "    coop-a: {id: dora, name: Dora (duty), role: duty, language: en, ack_within: 15m}\n";

std::string event(const std::string& message_id, const std::string& ev, const std::string& alert_id,
                  std::int64_t raised_ms, std::int64_t event_ms, std::optional<std::int64_t> acked_ms = std::nullopt,
                  const std::string& by = "") {
  return json{{"schema", 1},
              {"type", "alert_event"},
              {"message_id", message_id},
              {"home_id", "flat-7"},
              {"event", ev},
              {"event_ms", event_ms},
              {"alert",
               {{"id", alert_id},
                {"rule", "smoke"},
                {"severity", "emergency"},
                {"state", acked_ms ? "acknowledged" : "raised"},
                {"raised_ms", raised_ms},
                {"acknowledged_ms", acked_ms ? json(*acked_ms) : json(nullptr)},
                {"acknowledged_by", by},
                {"text", {{"en", "Smoke in the kitchen"}, {"cy", "Mwg yn y gegin"}}}}}}
      .dump();
}

struct EscalationTest : ::testing::Test {
  void SetUp() override {
    HEARTH_REQUIRE_TEST_STORE();
    auto c = parse_coordinator_config(config_text(dir, ROTAS), "c.yaml");
    ASSERT_TRUE(c) << c.error().message;
    config = *c;
    auto s = open_coordinator_store(config.store);
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
    ingest = std::make_unique<Ingest>(config, *store);
  }

  std::vector<EscalationStep> tick(std::int64_t now_ms) {
    auto r = store->advance_escalations(
        now_ms, [this](const std::string& coop, const std::string& home) { return rota_for(config, coop, home); }, 50);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::vector<EscalationStep>{};
  }

  void receive(const std::string& payload, std::int64_t now_ms, const std::string& home = "gw-a1") {
    const auto r = ingest->on_message("hearth-uplink/v1/coop-a/" + home + "/alert", payload, now_ms);
    ASSERT_EQ(r.kind, IngestResult::Kind::stored) << r.reason;
  }

  test::TempDir dir;
  CoordinatorConfig config;
  std::unique_ptr<CoordinatorStore> store;
  std::unique_ptr<Ingest> ingest;
};

}  // namespace

TEST_F(EscalationTest, TellsTheRotaInOrderUntilNoOneIsLeft) {
  receive(event("m1", "raised", "smoke:k", T0, T0), T0 + 50);
  auto first = tick(T0 + 50);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].person_id, "anna");
  EXPECT_EQ(first[0].kind, "notified");
  EXPECT_EQ(first[0].step, 0);
  EXPECT_TRUE(tick(T0 + 50 + 5 * MIN - 1).empty()) << "Anna has 5 minutes";
  auto second = tick(T0 + 50 + 5 * MIN);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].person_id, "ben");
  EXPECT_EQ(second[0].kind, "escalated");
  auto third = tick(T0 + 50 + 15 * MIN);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].person_id, "dora") << "the co-op's duty coordinator comes last";
  EXPECT_TRUE(tick(T0 + 50 + 30 * MIN).empty());
  EXPECT_TRUE(tick(T0 + 50 + 300 * MIN).empty()) << "exhausted: nothing more";

  auto steps = store->escalation_steps("coop-a", "gw-a1");
  ASSERT_TRUE(steps);
  std::vector<std::pair<std::string, std::int64_t>> got;
  for (const auto& s : *steps) got.emplace_back(s.kind + ":" + s.person_id, s.at_ms);
  const std::vector<std::pair<std::string, std::int64_t>> want = {{"notified:anna", T0 + 50},
                                                                  {"escalated:ben", T0 + 50 + 5 * MIN},
                                                                  {"escalated:dora", T0 + 50 + 15 * MIN},
                                                                  {"exhausted:", T0 + 50 + 30 * MIN}};
  EXPECT_EQ(got, want);
}

TEST_F(EscalationTest, AnAcknowledgementStopsItAndIsRecordedWithItsTime) {
  receive(event("m1", "raised", "smoke:k", T0, T0), T0 + 50);
  ASSERT_EQ(tick(T0 + 50).size(), 1u);
  receive(event("m2", "acknowledged", "smoke:k", T0, T0 + 45'000, T0 + 45'000, "carer-anna"), T0 + 45'100);
  EXPECT_TRUE(tick(T0 + 60 * MIN).empty()) << "acknowledged: no one else is told";
  auto steps = store->escalation_steps("coop-a", "gw-a1");
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[1].kind, "acknowledged");
  EXPECT_EQ((*steps)[1].person_name, "carer-anna");
  EXPECT_EQ((*steps)[1].at_ms, T0 + 45'000);
}

TEST_F(EscalationTest, ReportsTheShareAcknowledgedWithin60And180Seconds) {
  // Four alerts: acknowledged after 30 s, 90 s and 200 s, and one never.
  const std::int64_t after_s[] = {30, 90, 200};
  for (int i = 0; i < 3; ++i) {
    const std::string id = "smoke:" + std::to_string(i);
    const std::int64_t raised = T0 + i * 10 * MIN;
    receive(event("r" + std::to_string(i), "raised", id, raised, raised), raised + 20);
    const std::int64_t acked = raised + after_s[i] * 1000;
    receive(event("a" + std::to_string(i), "acknowledged", id, raised, acked, acked, "carer"), acked + 20);
  }
  receive(event("r9", "raised", "smoke:9", T0 + 50 * MIN, T0 + 50 * MIN), T0 + 50 * MIN + 20);
  auto r = store->response_summary("coop-a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->alerts, 4);
  EXPECT_EQ(r->acknowledged, 3);
  EXPECT_EQ(r->within_60s, 1);
  EXPECT_EQ(r->within_180s, 2);
  auto other = store->response_summary("coop-b");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->alerts, 0) << "co-ops are reported apart";
}

TEST_F(EscalationTest, HomesWithoutARotaGoToTheDutyCoordinatorAndNeverToAnotherCoop) {
  receive(event("m1", "raised", "smoke:k", T0, T0), T0 + 50, "gw-a2");
  auto first = tick(T0 + 50);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].person_id, "dora");
  EXPECT_TRUE(rota_for(config, "coop-b", "gw-a1").empty()) << "a rota is only ever the home's own co-op's";
  EXPECT_EQ(rota_for(config, "coop-a", "gw-a1").size(), 3u);
}

TEST_F(EscalationTest, NotificationsUseThePersonsLanguageOrBoth) {
  receive(event("m1", "raised", "smoke:k", T0, T0), T0 + 50);
  auto anna = tick(T0 + 50);
  ASSERT_EQ(anna.size(), 1u);
  const json cy = json::parse(notification_payload(anna[0]));
  EXPECT_EQ(cy["text"], (json{{"cy", "Mwg yn y gegin"}})) << "Anna reads Welsh";
  EXPECT_EQ(cy["to"]["role"], "family");
  auto ben = tick(T0 + 50 + 5 * MIN);
  ASSERT_EQ(ben.size(), 1u);
  const json both = json::parse(notification_payload(ben[0]));
  EXPECT_EQ(both["text"], (json{{"en", "Smoke in the kitchen"}, {"cy", "Mwg yn y gegin"}})) << "unknown: both";
  EXPECT_TRUE(both["escalated"].get<bool>());
}

TEST(EscalationConfig, IsStrict) {
  test::TempDir dir;
  const auto fails = [&](const std::string& escalation, const std::string& key) {
    auto r = parse_coordinator_config(config_text(dir, escalation), "c.yaml");
    if (r) return ::testing::AssertionFailure() << "accepted: " << escalation;
    if (r.error().message.find(key) == std::string::npos)
      return ::testing::AssertionFailure() << r.error().message << " does not name " << key;
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(fails("escalation:\n  rotas:\n    gw-z9:\n      - {id: a, name: A, role: family}\n", "gw-z9"));
  EXPECT_TRUE(
      fails("escalation:\n  rotas:\n    gw-a1:\n      - {id: a, name: A, role: family, language: fr}\n", "language"));
  EXPECT_TRUE(
      fails("escalation:\n  rotas:\n    gw-a1:\n      - {id: a, name: A, role: family, channel: email}\n", "channel"));
  EXPECT_TRUE(fails("escalation:\n  rotas:\n    gw-a1:\n      - {id: a, name: A, role: boss}\n", "role"));
  EXPECT_TRUE(
      fails("escalation:\n  rotas:\n    gw-a1:\n      - {id: a, name: A, role: paid, ack_within: 1s}\n", "ack_within"));
  EXPECT_TRUE(fails("escalation:\n  duty:\n    coop-z: {id: d, name: D, role: duty}\n", "coop-z"));
}
