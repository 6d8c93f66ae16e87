#pragma once
// Durable storage of readings in SQLite (WAL). Readings are queued in memory and written by
// flush() in one transaction (group commit, driven by a timer: committed within
// commit_interval of arrival). Raw readings are rolled up into 1-minute and hourly statistics
// and pruned by age, so an SD card never fills. Schema changes are numbered migrations.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/energy_counter.h"
#include "core/reading.h"
#include "core/result.h"
#include "gateway/config.h"

namespace hearth::gateway {

struct DeviceRow {
  std::string id;
  std::string driver;
  std::string model;
  std::string firmware;
  std::string announced_name;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
};

struct StoredPoint {
  std::int64_t ts_ms = 0;
  double value = 0.0;  // raw value, or the bucket mean
  double min = 0.0;
  double max = 0.0;
  std::int64_t count = 1;
};

// A message that must leave the home, durable until delivered (migration 4, gateway/outbox.h).
struct OutboxMessage {
  std::int64_t seq = 0;  // delivery order within a channel; assigned by the database
  std::string channel;   // "webhook", "uplink", ...
  std::string message_id;
  std::string payload;
  std::int64_t created_ms = 0;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
};

// One activity event from the wellbeing rules (rules/activity.h), as stored (migration 6).
struct ActivityRow {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string kind;  // appliance_use, room_presence, entrance_door, fridge_door, contact, out_of_home
  std::string device_id;
  std::string room;
  std::string device_kind;
};

// One lifecycle event of an alert, as stored (migration 3): the alert's JSON after the event.
struct AlertEventRow {
  std::int64_t ts_ms = 0;
  std::string alert_id;
  std::string type;
  std::string body;
};

// What erase_history() removed, by kind of row.
struct ErasedCounts {
  std::int64_t readings = 0;
  std::int64_t rollups = 0;
  std::int64_t activity = 0;
  std::int64_t alerts = 0;
  std::int64_t alert_events = 0;
  std::int64_t outbox = 0;
  std::int64_t energy_days = 0;  // energy_daily and energy_restarts rows
};

// One home's energy on one local day (rules/energy_summary.h DailySummary as JSON), migration 7.
struct EnergyDayRow {
  std::string day;  // "YYYY-MM-DD", local
  std::string summary_json;
  std::int64_t created_ms = 0;
};

enum class OutboxState : std::uint8_t { pending, delivered, rejected, expired };

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t delivered = 0;
  std::int64_t rejected = 0;  // the receiver refused it for good (e.g. HTTP 400)
  std::int64_t expired = 0;   // undeliverable for longer than the channel allows
  std::int64_t oldest_pending_ms = 0;
};

enum class Resolution : std::uint8_t { raw, minute, hour };

struct StoreStats {
  std::uint64_t readings_committed = 0;
  std::uint64_t commits = 0;
  std::uint64_t alert_commits = 0;       // of which flush_alerts()
  std::uint64_t duplicates_ignored = 0;  // same series and millisecond already stored
  std::uint64_t write_errors = 0;
  std::int64_t last_commit_ms = 0;
  std::size_t pending = 0;
};

class Store {
 public:
  static constexpr int SCHEMA_VERSION = 7;

  static core::Result<std::unique_ptr<Store>> open(const StoreConfig& config);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Queue work for the next flush.
  void append(const core::Reading& reading);
  void save_device(const DeviceRow& device);
  void save_energy_counter(const std::string& device_id, const core::EnergyCounterState& state);
  // Who read or changed personal data, written with the next flush (kept with the hourly data).
  void audit(std::string actor, std::string action, std::string target);
  core::Result<std::vector<std::vector<std::string>>> audit_log(std::size_t limit) const;
  // An alert's new state and the lifecycle event that produced it (body: gateway/alert_json.h).
  // Callers flush() before telling anyone about the alert: written first, announced second.
  void save_alert(std::string id, std::string state, std::string event_type, std::int64_t updated_ms, std::string body);
  core::Result<std::vector<std::string>> open_alerts() const;  // bodies of alerts not resolved

  // Queued like everything else: written by the next flush(), in the same transaction as the
  // alert it reports. A message_id already in the channel is ignored (idempotent enqueue).
  void enqueue(OutboxMessage message);
  // The oldest pending message of a channel (delivery is in order: a failing head blocks the rest).
  core::Result<std::optional<OutboxMessage>> outbox_head(const std::string& channel) const;
  // Marks a message delivered, rejected or expired (written at once, not queued).
  core::Result<void> outbox_finish(std::int64_t seq, OutboxState state, std::int64_t now_ms, const std::string& error);
  core::Result<void> outbox_retry_at(std::int64_t seq, int attempts, std::int64_t next_attempt_ms,
                                     const std::string& error);
  core::Result<OutboxCounts> outbox_counts(const std::string& channel) const;

  // Activity events, written with the next flush; kept as long as raw readings.
  void save_activity(ActivityRow row);
  core::Result<std::vector<ActivityRow>> activity(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit) const;

  // Daily energy summaries, written at once. A day already stored is kept as it is (idempotent):
  // returns whether this call added the row.
  core::Result<bool> save_energy_day(const EnergyDayRow& row);
  // Days in ["from", "to"] (inclusive, "YYYY-MM-DD"), oldest first.
  core::Result<std::vector<EnergyDayRow>> energy_days(const std::string& from, const std::string& to) const;
  core::Result<void> prune_energy_days(const std::string& before_day);
  // Energy counter restarts (step: reset, rebased, rewind, or "flag" for the driver's hint), written
  // at once; keyed by (device, reading time) for rebuilding the ledger from stored readings.
  core::Result<void> save_energy_restart(const std::string& device_id, std::int64_t ts_ms, const std::string& step);
  core::Result<std::map<std::pair<std::string, std::int64_t>, std::string>> energy_restarts(std::int64_t from_ms,
                                                                                            std::int64_t to_ms) const;
  core::Result<void> prune_energy_restarts(std::int64_t before_ms);

  // Home settings changed from the dashboard (language, away, consent), written at once.
  std::optional<std::string> setting(const std::string& key) const;
  core::Result<void> set_setting(const std::string& key, const std::string& value);

  // Every lifecycle event from from_ms on, oldest first (the householder's data export).
  core::Result<std::vector<AlertEventRow>> alert_events(std::int64_t from_ms, std::size_t limit) const;
  // The householder's erasure: readings, rollups and latest values, activity, resolved alerts with
  // their events, finished outbox messages and the learned routine (setting wellbeing_state), with
  // SQLite's secure_delete on and the WAL truncated so the bytes are overwritten, not just
  // unlinked. Kept: open alerts (someone may need help now) and pending outbox messages, devices,
  // accounts, settings and the audit log (who did what, no readings). Flushes the queue first.
  core::Result<ErasedCounts> erase_history();

  core::Result<void> flush();  // one transaction for everything queued
  // Only the queued alerts and outbox messages, in their own small transaction: an alert is
  // durable before it is announced without waiting for the readings queued since the last group
  // commit (those follow within commit_interval, as always).
  core::Result<void> flush_alerts();
  std::size_t pending() const;
  const StoreStats& stats() const { return stats_; }

  // Rolls up closed minutes/hours up to `now` and prunes by retention. Returns rows rolled up.
  core::Result<std::size_t> maintain(core::TimePoint now);
  // After the wall clock jumps backwards, buckets from `from` on are recomputed.
  void rewind_rollups(core::TimePoint from);

  core::Result<std::vector<DeviceRow>> devices() const;
  // Every (device id, metric name) that has data.
  core::Result<std::vector<std::pair<std::string, std::string>>> series() const;
  core::Result<std::map<std::string, core::EnergyCounterState>> energy_counters() const;
  core::Result<std::vector<StoredPoint>> readings(const std::string& device_id, core::Metric metric,
                                                  std::int64_t from_ms, std::int64_t to_ms, Resolution resolution,
                                                  std::size_t limit) const;
  // Latest stored value per (device, metric), to restore state after a restart.
  core::Result<std::vector<std::pair<std::string, core::Reading>>> latest_values() const;
  core::Result<std::int64_t> database_bytes() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  StoreStats stats_;
};

const char* to_string(Resolution r);
// The SQL of migration `version` (1-based), for tests that build an older database.
std::string_view migration_sql(std::size_t version);
std::optional<Resolution> resolution_from_string(std::string_view s);

}  // namespace hearth::gateway
