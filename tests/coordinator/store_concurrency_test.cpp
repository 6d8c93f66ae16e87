// Two store handles (two instances) racing on one store from two threads: every message is stored
// once, every escalation step is done by exactly one of them, every acknowledgement claimed by
// exactly one. Runs against SQLite (BEGIN IMMEDIATE) here and against PostgreSQL (row locks, SKIP
// LOCKED) in hearth_coordinator_postgresql_tests. No timing: the checks are on counts and ids.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

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
constexpr int ALERTS = 120;

std::string raised(int i) {
  return json{{"schema", 1},
              {"type", "alert_event"},
              {"message_id", "m" + std::to_string(i)},
              {"home_id", "flat"},
              {"event", "raised"},
              {"event_ms", T0 + i},
              {"alert",
               {{"id", "smoke:" + std::to_string(i)},
                {"rule", "smoke"},
                {"severity", "emergency"},
                {"state", "raised"},
                {"raised_ms", T0 + i}}}}
      .dump();
}

struct StoreConcurrency : ::testing::Test {
  void SetUp() override {
    HEARTH_REQUIRE_TEST_STORE();
    std::ofstream(dir.file("pw")) << "coordinator-password\n";
    auto c = parse_coordinator_config(
        "mqtt:\n  url: mqtts://broker.example:8883\n  username: coordinator\n  password_file: " + dir.file("pw") +
            test::test_store_yaml(dir) +
            "\ncoops:\n  coop-a:\n    gateways: [gw-a1]\nescalation:\n  rotas:\n    gw-a1:\n"
            "      - {id: anna, name: Anna, role: family, ack_within: 5m}\n"
            "      - {id: ben, name: Ben, role: volunteer, ack_within: 5m}\n",
        "c.yaml");
    ASSERT_TRUE(c) << c.error().message;
    config = *c;
    for (auto* s : {&a, &b}) {
      auto opened = open_coordinator_store(config.store);
      ASSERT_TRUE(opened) << opened.error().message;
      *s = std::move(*opened);
    }
  }

  // Runs fn(store, instance) on both handles at once.
  template <typename Fn>
  void race(Fn fn) {
    std::thread t1([&] { fn(*a, 0); });
    std::thread t2([&] { fn(*b, 1); });
    t1.join();
    t2.join();
  }

  test::TempDir dir;
  CoordinatorConfig config;
  std::unique_ptr<CoordinatorStore> a;
  std::unique_ptr<CoordinatorStore> b;
};

}  // namespace

TEST_F(StoreConcurrency, EachMessageIsStoredOnceWhenBothInstancesReceiveIt) {
  std::array<std::uint64_t, 2> stored{}, duplicate{}, failed{};
  race([&](CoordinatorStore& store, int who) {
    Ingest ingest(config, store);
    for (int i = 0; i < ALERTS; ++i) {
      const auto r = ingest.on_message("hearth-uplink/v1/coop-a/gw-a1/alert", raised(i), T0 + 1000 + i);
      if (r.kind == IngestResult::Kind::stored)
        ++stored[who];
      else if (r.kind == IngestResult::Kind::duplicate)
        ++duplicate[who];
      else
        ++failed[who];
    }
  });
  EXPECT_EQ(failed[0] + failed[1], 0u);
  EXPECT_EQ(stored[0] + stored[1], static_cast<std::uint64_t>(ALERTS));
  EXPECT_EQ(duplicate[0] + duplicate[1], static_cast<std::uint64_t>(ALERTS));
  auto events = a->events("coop-a", "gw-a1");
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events->size(), static_cast<std::size_t>(ALERTS));
  auto alerts = b->alerts("coop-a");
  ASSERT_TRUE(alerts);
  EXPECT_EQ(alerts->size(), static_cast<std::size_t>(ALERTS));
  for (const auto& row : *alerts) EXPECT_EQ(row.events, 1) << row.alert_id;
}

TEST_F(StoreConcurrency, EachEscalationStepIsDoneByExactlyOneInstance) {
  Ingest ingest(config, *a);
  for (int i = 0; i < ALERTS; ++i)
    ASSERT_EQ(ingest.on_message("hearth-uplink/v1/coop-a/gw-a1/alert", raised(i), T0 + 1000).kind,
              IngestResult::Kind::stored);
  const auto rota = [this](const std::string& coop, const std::string& home) { return rota_for(config, coop, home); };
  std::mutex mu;
  std::map<std::string, int> told;  // "alert/person" -> times told
  std::array<std::size_t, 2> by_instance{};
  std::array<std::string, 2> errors;
  // Two rounds of deadlines (Anna at once, Ben 5 minutes later), both instances ticking in small batches.
  for (const std::int64_t now : {T0 + 1000, T0 + 1000 + 5 * 60'000}) {
    race([&](CoordinatorStore& store, int who) {
      while (true) {
        auto due = store.advance_escalations(now, rota, 7);
        if (!due) {
          errors[who] = due.error().message;
          return;
        }
        if (due->empty()) return;
        std::lock_guard lock(mu);
        by_instance[who] += due->size();
        for (const auto& step : *due) ++told[step.alert_id + "/" + step.person_id];
      }
    });
  }
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  EXPECT_EQ(told.size(), static_cast<std::size_t>(2 * ALERTS)) << "every alert: Anna, then Ben";
  for (const auto& [key, times] : told) EXPECT_EQ(times, 1) << key << " told more than once";
  EXPECT_EQ(by_instance[0] + by_instance[1], static_cast<std::size_t>(2 * ALERTS));
  auto steps = a->escalation_steps("coop-a", "gw-a1");
  ASSERT_TRUE(steps);
  EXPECT_EQ(steps->size(), static_cast<std::size_t>(2 * ALERTS)) << "each step recorded once";
}

TEST_F(StoreConcurrency, EachAcknowledgementIsClaimedByExactlyOneInstance) {
  for (int i = 0; i < ALERTS; ++i)
    ASSERT_TRUE(a->queue_ack(OutgoingAck{0, "coop-a", "gw-a1", "smoke:" + std::to_string(i), "duty", "", T0}));
  std::mutex mu;
  std::multiset<std::int64_t> claimed;
  std::array<std::string, 2> errors;
  race([&](CoordinatorStore& store, int who) {
    while (true) {
      auto got = store.claim_acks(T0 + 100, 30'000, 5);
      if (!got) {
        errors[who] = got.error().message;
        return;
      }
      if (got->empty()) return;
      std::lock_guard lock(mu);
      for (const auto& ack : *got) claimed.insert(ack.id);
    }
  });
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(ALERTS));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), static_cast<std::size_t>(ALERTS))
      << "an acknowledgement was claimed twice";
}

#ifdef HEARTH_TEST_STORE_POSTGRESQL
// The server drops the connection (a restart, a failover, an idle timeout): the next call
// reconnects, says so in the log, counts it, and succeeds; nothing stored is lost.
TEST_F(StoreConcurrency, ReconnectsWhenTheServerDropsTheConnection) {
  Ingest ingest(config, *a);
  ASSERT_EQ(ingest.on_message("hearth-uplink/v1/coop-a/gw-a1/alert", raised(1), T0).kind, IngestResult::Kind::stored);
  EXPECT_EQ(a->reconnects(), 0u);
  test::PostgresCluster* pg = test::postgresql_test_cluster();
  ASSERT_NE(pg, nullptr);
  std::string error;
  const auto killed = pg->psql("postgres",
                               "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = "
                               "'client backend' AND pid <> pg_backend_pid()",
                               &error);
  ASSERT_TRUE(killed) << error;
  EXPECT_NE(*killed, "0\n") << "the stores' connections were terminated";
  auto alerts = a->alerts("coop-a");
  ASSERT_TRUE(alerts) << alerts.error().message;
  EXPECT_EQ(alerts->size(), 1u);
  EXPECT_EQ(a->reconnects(), 1u);
  EXPECT_EQ(ingest.on_message("hearth-uplink/v1/coop-a/gw-a1/alert", raised(2), T0).kind, IngestResult::Kind::stored);
  EXPECT_EQ(ingest.on_message("hearth-uplink/v1/coop-a/gw-a1/alert", raised(1), T0).kind,
            IngestResult::Kind::duplicate);
  auto theirs = b->alerts("coop-a");
  ASSERT_TRUE(theirs) << theirs.error().message;
  EXPECT_EQ(theirs->size(), 2u);
  EXPECT_EQ(b->reconnects(), 1u) << "the other handle's connection was dropped too";
}
#endif
