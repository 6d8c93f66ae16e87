#include "gateway/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;

namespace {

constexpr std::int64_t T0 = 1'699'999'200'000;  // hour-aligned

core::Reading reading(const std::string& dev, core::Metric m, double v, std::int64_t ts_ms) {
  core::Reading r;
  r.device_id = dev;
  r.metric = m;
  r.value = v;
  r.ts = core::from_epoch_ms(ts_ms);
  return r;
}

std::unique_ptr<Store> open(const std::string& path) {
  StoreConfig cfg;
  cfg.path = path;
  auto s = Store::open(cfg);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

}  // namespace

TEST(Store, ReadingsAreQueuedUntilFlushAndSurviveReopen) {
  test::TempDir dir;
  const auto path = dir.file("h.db");
  {
    auto s = open(path);
    s->append(reading("tasmota:a", core::Metric::power_w, 12.5, T0));
    s->append(reading("tasmota:a", core::Metric::power_w, 13.5, T0 + 1000));
    EXPECT_EQ(s->pending(), 2u);
    auto before = s->readings("tasmota:a", core::Metric::power_w, 0, T0 * 2, Resolution::raw, 100);
    ASSERT_TRUE(before.has_value());
    EXPECT_TRUE(before->empty());  // not committed yet
    ASSERT_TRUE(s->flush().has_value());
    EXPECT_EQ(s->pending(), 0u);
    EXPECT_EQ(s->stats().readings_committed, 2u);
  }
  auto s = open(path);
  auto points = s->readings("tasmota:a", core::Metric::power_w, 0, T0 * 2, Resolution::raw, 100);
  ASSERT_TRUE(points.has_value());
  ASSERT_EQ(points->size(), 2u);
  EXPECT_EQ((*points)[0].ts_ms, T0);
  EXPECT_DOUBLE_EQ((*points)[1].value, 13.5);
  auto latest = s->latest_values();
  ASSERT_TRUE(latest.has_value());
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_DOUBLE_EQ(latest->front().second.value, 13.5);
}

TEST(Store, FlushAlertsCommitsAlertsAndOutboxButLeavesReadingsQueued) {
  test::TempDir dir;
  const auto path = dir.file("h.db");
  {
    auto s = open(path);
    s->append(reading("tasmota:a", core::Metric::power_w, 12.5, T0));
    s->save_alert("smoke:x", "raised", "raised", T0, R"({"id":"smoke:x"})");
    s->enqueue(OutboxMessage{0, "webhook", "m-1", "{}", T0, 0, 0});
    ASSERT_TRUE(s->flush_alerts().has_value());
    EXPECT_EQ(s->pending(), 1u);
    EXPECT_EQ(s->stats().alert_commits, 1u);
    EXPECT_EQ(s->open_alerts()->size(), 1u);
    ASSERT_TRUE(s->outbox_head("webhook")->has_value());
    EXPECT_TRUE(s->readings("tasmota:a", core::Metric::power_w, 0, T0 * 2, Resolution::raw, 10)->empty());
    ASSERT_TRUE(s->flush_alerts().has_value());  // nothing queued: no transaction
    EXPECT_EQ(s->stats().alert_commits, 1u);
    ASSERT_TRUE(s->flush().has_value());
    EXPECT_EQ(s->readings("tasmota:a", core::Metric::power_w, 0, T0 * 2, Resolution::raw, 10)->size(), 1u);
    // The alert was not written a second time by the group commit.
  }
  auto s = open(path);
  EXPECT_EQ(s->open_alerts()->size(), 1u);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM alert_events", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(Store, SameSeriesAndMillisecondIsStoredOnce) {
  test::TempDir dir;
  auto s = open(dir.file("h.db"));
  s->append(reading("z2m:x", core::Metric::temperature_c, 20.0, T0));
  s->append(reading("z2m:x", core::Metric::temperature_c, 20.0, T0));
  ASSERT_TRUE(s->flush().has_value());
  EXPECT_EQ(s->stats().readings_committed, 1u);
  EXPECT_EQ(s->stats().duplicates_ignored, 1u);
}

TEST(Store, RollsUpMinutesAndHoursAndPrunesByRetention) {
  test::TempDir dir;
  StoreConfig cfg;
  cfg.path = dir.file("h.db");
  cfg.raw_retention_days = 1;
  cfg.minute_retention_days = 2;
  cfg.hour_retention_days = 30;
  auto s = std::move(*Store::open(cfg));
  // Two minutes of readings: values 1..6 in minute 0, 10 and 20 in minute 1.
  for (int i = 1; i <= 6; ++i) s->append(reading("d:1", core::Metric::power_w, i, T0 + i * 5000));
  s->append(reading("d:1", core::Metric::power_w, 10, T0 + 60'000));
  s->append(reading("d:1", core::Metric::power_w, 20, T0 + 90'000));
  ASSERT_TRUE(s->flush().has_value());
  ASSERT_TRUE(s->maintain(core::from_epoch_ms(T0 + 2 * 3'600'000)).has_value());
  auto minutes = s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::minute, 100);
  ASSERT_TRUE(minutes.has_value());
  ASSERT_EQ(minutes->size(), 2u);
  EXPECT_DOUBLE_EQ((*minutes)[0].value, 3.5);
  EXPECT_EQ((*minutes)[0].count, 6);
  EXPECT_DOUBLE_EQ((*minutes)[0].min, 1.0);
  EXPECT_DOUBLE_EQ((*minutes)[1].max, 20.0);
  auto hours = s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::hour, 100);
  ASSERT_TRUE(hours.has_value());
  ASSERT_EQ(hours->size(), 1u);
  EXPECT_EQ((*hours)[0].count, 8);
  EXPECT_NEAR((*hours)[0].value, (21.0 + 30.0) / 8.0, 1e-9);
  // Three days later: raw and minute rows are gone, the hour survives.
  ASSERT_TRUE(s->maintain(core::from_epoch_ms(T0 + 3 * 86'400'000LL)).has_value());
  EXPECT_TRUE(s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::raw, 100)->empty());
  EXPECT_TRUE(s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::minute, 100)->empty());
  EXPECT_EQ(s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::hour, 100)->size(), 1u);
}

TEST(Store, RewindRecomputesRollupsAfterAClockStepBack) {
  test::TempDir dir;
  auto s = open(dir.file("h.db"));
  s->append(reading("d:1", core::Metric::power_w, 10, T0 + 10'000));
  ASSERT_TRUE(s->flush().has_value());
  ASSERT_TRUE(s->maintain(core::from_epoch_ms(T0 + 7'200'000)).has_value());
  EXPECT_EQ(s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::minute, 10)->front().count, 1);
  // The wall clock was stepped back: a reading lands in an already rolled-up minute.
  s->rewind_rollups(core::from_epoch_ms(T0 + 5'000));
  s->append(reading("d:1", core::Metric::power_w, 20, T0 + 20'000));
  ASSERT_TRUE(s->flush().has_value());
  ASSERT_TRUE(s->maintain(core::from_epoch_ms(T0 + 7'200'000)).has_value());
  const auto minute = s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::minute, 10)->front();
  EXPECT_EQ(minute.count, 2);
  EXPECT_DOUBLE_EQ(minute.value, 15.0);
  EXPECT_EQ(s->readings("d:1", core::Metric::power_w, 0, T0 * 2, Resolution::hour, 10)->front().count, 2);
}

TEST(Store, EnergyCountersDevicesAndAuditPersist) {
  test::TempDir dir;
  const auto path = dir.file("h.db");
  {
    auto s = open(path);
    core::EnergyCounterState c;
    c.initialised = true;
    c.total_kwh = 42.5;
    c.last_raw_kwh = 2.5;
    c.last_ts_ms = T0;
    c.pending_raw_kwh = 9000.0;
    s->save_energy_counter("shelly:plug", c);
    s->save_device({"shelly:plug", "shelly_gen1", "SHPLG-S", "1.14", "", T0, T0 + 5});
    s->audit("api", "read_readings", "shelly:plug power_w");
    ASSERT_TRUE(s->flush().has_value());
  }
  auto s = open(path);
  auto counters = s->energy_counters();
  ASSERT_TRUE(counters.has_value());
  const auto& c = counters->at("shelly:plug");
  EXPECT_DOUBLE_EQ(c.total_kwh, 42.5);
  ASSERT_TRUE(c.pending_raw_kwh.has_value());
  EXPECT_DOUBLE_EQ(*c.pending_raw_kwh, 9000.0);
  auto devices = s->devices();
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ(devices->front().model, "SHPLG-S");
  auto audit = s->audit_log(10);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0][2], "read_readings");
}

TEST(Store, MigratesAVersionOneDatabase) {
  test::TempDir dir;
  const auto path = dir.file("v1.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string v1 = std::string(migration_sql(1)) +
                         "INSERT INTO series (id, device_id, metric) VALUES (7, 'tasmota:old', 'power_w');"
                         "INSERT INTO readings (series_id, ts_ms, value) VALUES (7, 1000, 5.0), (7, 2000, 6.0);"
                         "PRAGMA user_version = 1;";
  ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto s = open(path);
  ASSERT_NE(s, nullptr);
  const auto points = *s->readings("tasmota:old", core::Metric::power_w, 0, 10'000, Resolution::raw, 10);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[1].value, 6.0);
  const auto latest = *s->latest_values();
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(core::to_epoch_ms(latest[0].second.ts), 2000);
  EXPECT_DOUBLE_EQ(latest[0].second.value, 6.0);
  s->append(reading("tasmota:old", core::Metric::power_w, 7.0, 3000));
  ASSERT_TRUE(s->flush().has_value());
  EXPECT_DOUBLE_EQ(s->latest_values()->front().second.value, 7.0);
}

TEST(Store, LatestKeepsTheNewestEvenWhenAnOlderReadingArrivesLater) {
  test::TempDir dir;
  auto s = open(dir.file("h.db"));
  s->append(reading("d:1", core::Metric::power_w, 2.0, T0 + 2000));
  s->append(reading("d:1", core::Metric::power_w, 1.0, T0 + 1000));
  ASSERT_TRUE(s->flush().has_value());
  s->append(reading("d:1", core::Metric::power_w, 0.5, T0 + 500));
  ASSERT_TRUE(s->flush().has_value());
  const auto latest = *s->latest_values();
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_DOUBLE_EQ(latest[0].second.value, 2.0);
}

TEST(Store, RefusesANewerSchema) {
  test::TempDir dir;
  const auto path = dir.file("h.db");
  { auto s = open(path); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  StoreConfig cfg;
  cfg.path = path;
  auto s = Store::open(cfg);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

TEST(Store, UnopenablePathIsAnError) {
  StoreConfig cfg;
  cfg.path = "/nonexistent-dir/for/sure/h.db";
  auto s = Store::open(cfg);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("/nonexistent-dir"), std::string::npos);
}

TEST(Store, EnergyDaysAreStoredOncePerDayAndPruned) {
  test::TempDir dir;
  const auto path = dir.file("h.db");
  {
    auto s = open(path);
    EXPECT_TRUE(*s->save_energy_day({"2026-11-20", R"({"first":true})", T0}));
    EXPECT_FALSE(*s->save_energy_day({"2026-11-20", R"({"second":true})", T0 + 1}));  // the first is kept
    EXPECT_TRUE(*s->save_energy_day({"2026-11-21", "{}", T0 + 2}));
    EXPECT_TRUE(*s->save_energy_day({"2025-01-01", "{}", T0 + 3}));
  }
  auto s = open(path);  // written at once: no flush needed
  const auto days = *s->energy_days("2026-01-01", "2026-12-31");
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].day, "2026-11-20");
  EXPECT_EQ(days[0].summary_json, R"({"first":true})");
  EXPECT_EQ(days[0].created_ms, T0);
  ASSERT_TRUE(s->prune_energy_days("2026-01-01").has_value());
  EXPECT_EQ(s->energy_days("0000-01-01", "9999-12-31")->size(), 2u);
}

TEST(Store, EnergyCounterRestartsAreKeptByDeviceAndTime) {
  test::TempDir dir;
  auto s = open(dir.file("h.db"));
  ASSERT_TRUE(s->save_energy_restart("tasmota:a", T0 + 10, "reset").has_value());
  ASSERT_TRUE(s->save_energy_restart("tasmota:b", T0 + 20, "rebased").has_value());
  ASSERT_TRUE(s->save_energy_restart("tasmota:a", T0 - 5, "rewind").has_value());
  const auto r = *s->energy_restarts(T0, T0 + 100);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r.at({"tasmota:a", T0 + 10}), "reset");
  EXPECT_EQ(r.at({"tasmota:b", T0 + 20}), "rebased");
  ASSERT_TRUE(s->prune_energy_restarts(T0 + 15).has_value());
  EXPECT_EQ(s->energy_restarts(0, T0 + 100)->size(), 1u);
}
