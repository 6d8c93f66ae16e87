#include "gateway/store.h"

#include <spdlog/spdlog.h>

#include <array>
#include <unordered_map>

#include "gateway/sqlite.h"

namespace hearth::gateway {
namespace {

using core::Error;
using sqlite::Stmt;

constexpr std::int64_t MINUTE_MS = 60'000;
constexpr std::int64_t HOUR_MS = 3'600'000;
constexpr std::int64_t DAY_MS = 86'400'000;
constexpr std::int64_t OUTBOX_KEEP_DAYS = 30;

// Numbered migrations; index i takes the schema from version i to i+1. Never edit a shipped one.
constexpr std::array<std::string_view, 7> MIGRATIONS = {
    R"sql(
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  UNIQUE (device_id, metric)
);
CREATE TABLE readings (
  series_id INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (series_id, ts_ms)
) WITHOUT ROWID;
CREATE TABLE rollup_minute (
  series_id INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
  n INTEGER NOT NULL, mean REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
  PRIMARY KEY (series_id, bucket_ms)
) WITHOUT ROWID;
CREATE TABLE rollup_hour (
  series_id INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
  n INTEGER NOT NULL, mean REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
  PRIMARY KEY (series_id, bucket_ms)
) WITHOUT ROWID;
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  driver TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  firmware TEXT NOT NULL DEFAULT '',
  announced_name TEXT NOT NULL DEFAULT '',
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
);
CREATE TABLE energy_counters (
  device_id TEXT PRIMARY KEY,
  total_kwh REAL NOT NULL,
  last_raw_kwh REAL NOT NULL,
  last_ts_ms INTEGER NOT NULL,
  pending_raw_kwh REAL,
  pending_ts_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta VALUES ('rollup_minute_done_ms', 0), ('rollup_hour_done_ms', 0);
)sql",
    // 2: raw readings keyed by time first. Keyed by series, every commit rewrote one B-tree page
    // per series it touched (~12 KB written per reading at 80 readings/s, bench/README.md); keyed
    // by time, a commit appends to the rightmost pages. The latest value per series gets its own
    // small table instead of a max() over each series.
    R"sql(
CREATE TABLE readings_by_time (
  ts_ms INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (ts_ms, series_id)
) WITHOUT ROWID;
INSERT INTO readings_by_time (ts_ms, series_id, value) SELECT ts_ms, series_id, value FROM readings;
DROP TABLE readings;
ALTER TABLE readings_by_time RENAME TO readings;
CREATE TABLE latest (
  series_id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  value REAL NOT NULL
);
INSERT INTO latest (series_id, ts_ms, value) SELECT series_id, max(ts_ms), value FROM readings GROUP BY series_id;
)sql",
    // 3: alerts. `alerts` holds each alert's current state (JSON, gateway/alert_json.h);
    // `alert_events` is the append-only lifecycle log (raised, acknowledged, resolved, ...).
    R"sql(
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX alerts_open ON alerts (state) WHERE state <> 'resolved';
CREATE TABLE alert_events (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  alert_id TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL
);
)sql",
    // 4: the outbox. Everything that must leave the home (webhook calls, the co-op uplink) is
    // written here in the same transaction as the state it reports, then delivered in `seq` order
    // per channel. (channel, message_id) is unique: enqueueing the same message twice is a no-op,
    // and receivers de-duplicate on message_id, so a resend after a power cut is harmless.
    R"sql(
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  message_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  done_ms INTEGER,
  UNIQUE (channel, message_id)
);
CREATE INDEX outbox_pending ON outbox (channel, seq) WHERE state = 'pending';
)sql",
    // 5: dashboard accounts (gateway/accounts.h) and home settings set from the dashboard.
    // Sessions are stored as a hash of their token: a copied database holds no usable session.
    R"sql(
CREATE TABLE users (
  username TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT 'en',
  password_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql",
    // 6: activity events derived by the wellbeing rules (kettle used, in the kitchen, front door
    // opened, out of the home), kept as long as raw readings. Health-like data: never leaves the home.
    R"sql(
CREATE TABLE activity_events (
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  device_id TEXT NOT NULL,
  room TEXT NOT NULL,
  device_kind TEXT NOT NULL,
  PRIMARY KEY (start_ms, kind, device_id, room)
) WITHOUT ROWID;
)sql",
    // 7: daily energy summaries (rules/energy_summary.h, schema inside the JSON), one row per local
    // day, kept for energy.summary_retention_days: year to date, savings and the co-op's reports.
    R"sql(
CREATE TABLE energy_daily (
  day TEXT PRIMARY KEY,
  summary TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
-- Energy counter restarts (the stored energy_kwh totals are monotonic and do not show them), so a
-- ledger rebuilt from stored readings treats the interval before a restart as incomplete, as the
-- running one did.
CREATE TABLE energy_restarts (
  device_id TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  step TEXT NOT NULL,
  PRIMARY KEY (device_id, ts_ms)
) WITHOUT ROWID;
)sql",
};

std::string series_key(const std::string& device_id, core::Metric metric) {
  std::string key = device_id;
  key.push_back('\x1f');
  key += core::to_string(metric);
  return key;
}

}  // namespace

struct Store::Impl {
  StoreConfig config;
  sqlite::Db db;
  std::unordered_map<std::string, std::int64_t> series_ids;
  std::vector<core::Reading> queued;
  std::map<std::string, DeviceRow> queued_devices;
  std::map<std::string, core::EnergyCounterState> queued_counters;
  struct AuditEntry {
    std::int64_t ts_ms;
    std::string actor, action, target;
  };
  std::vector<AuditEntry> queued_audit;
  struct AlertRow {
    std::string id, state, type, body;
    std::int64_t updated_ms;
  };
  std::vector<AlertRow> queued_alerts;
  std::vector<OutboxMessage> queued_outbox;
  std::vector<ActivityRow> queued_activity;
  Stmt upsert_alert, insert_alert_event, insert_outbox, insert_activity;
  Stmt insert_audit;
  Stmt upsert_latest;
  Stmt insert_reading, insert_series, select_series, upsert_device, upsert_counter;

  // Alert rows, their lifecycle events and outbox messages, inside the caller's transaction.
  core::Result<void> write_alerts() {
    for (const auto& a : queued_alerts) {
      if (auto w = upsert_alert.bind(1, a.id).bind(2, a.state).bind(3, a.updated_ms).bind(4, a.body).run(); !w) {
        return w.error();
      }
      if (auto w = insert_alert_event.bind(1, a.updated_ms).bind(2, a.id).bind(3, a.type).bind(4, a.body).run(); !w) {
        return w.error();
      }
    }
    for (const auto& m : queued_outbox) {
      if (auto w =
              insert_outbox.bind(1, m.channel).bind(2, m.message_id).bind(3, m.payload).bind(4, m.created_ms).run();
          !w) {
        return w.error();
      }
    }
    return {};
  }

  core::Result<void> migrate() {
    auto q = Stmt::prepare(db.get(), "PRAGMA user_version");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    const auto version = q->column_int(0);
    q->reset();  // an open statement would lock the tables a migration drops
    if (version > static_cast<std::int64_t>(MIGRATIONS.size())) {
      return Error{config.path + ": database schema version " + std::to_string(version) +
                   " is newer than this hearthd understands (" + std::to_string(MIGRATIONS.size()) + ")"};
    }
    for (auto v = static_cast<std::size_t>(version); v < MIGRATIONS.size(); ++v) {
      std::string sql =
          "BEGIN;\n" + std::string(MIGRATIONS[v]) + "\nPRAGMA user_version = " + std::to_string(v + 1) + ";\nCOMMIT;";
      if (auto r = sqlite::exec(db.get(), sql); !r) {
        (void)sqlite::exec(db.get(), "ROLLBACK");
        return Error{config.path + ": migration " + std::to_string(v + 1) + " failed: " + r.error().message};
      }
    }
    return {};
  }

  core::Result<void> prepare_statements() {
    const auto prep = [&](Stmt& s, std::string_view sql) -> core::Result<void> {
      auto r = Stmt::prepare(db.get(), sql);
      if (!r) return r.error();
      s = std::move(*r);
      return {};
    };
    for (auto r :
         {prep(insert_reading, "INSERT OR IGNORE INTO readings (series_id, ts_ms, value) VALUES (?, ?, ?)"),
          prep(insert_series, "INSERT OR IGNORE INTO series (device_id, metric) VALUES (?, ?)"),
          prep(select_series, "SELECT id FROM series WHERE device_id = ? AND metric = ?"),
          prep(upsert_device,
               "INSERT INTO devices (id, driver, model, firmware, announced_name, first_seen_ms, last_seen_ms) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET driver = excluded.driver, "
               "model = CASE WHEN excluded.model = '' THEN model ELSE excluded.model END, "
               "firmware = CASE WHEN excluded.firmware = '' THEN firmware ELSE excluded.firmware END, "
               "announced_name = CASE WHEN excluded.announced_name = '' THEN announced_name "
               "ELSE excluded.announced_name END, last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)"),
          prep(upsert_latest,
               "INSERT INTO latest (series_id, ts_ms, value) VALUES (?, ?, ?) ON CONFLICT(series_id) DO "
               "UPDATE SET ts_ms = excluded.ts_ms, value = excluded.value WHERE excluded.ts_ms >= ts_ms"),
          prep(upsert_alert, "INSERT OR REPLACE INTO alerts (id, state, updated_ms, body) VALUES (?, ?, ?, ?)"),
          prep(insert_alert_event, "INSERT INTO alert_events (ts_ms, alert_id, type, body) VALUES (?, ?, ?, ?)"),
          prep(insert_outbox,
               "INSERT OR IGNORE INTO outbox (channel, message_id, payload, created_ms) VALUES (?, ?, ?, ?)"),
          prep(insert_activity,
               "INSERT OR IGNORE INTO activity_events (start_ms, end_ms, kind, device_id, room, device_kind) "
               "VALUES (?, ?, ?, ?, ?, ?)"),
          prep(insert_audit, "INSERT INTO audit_log (ts_ms, actor, action, target) VALUES (?, ?, ?, ?)"),
          prep(upsert_counter,
               "INSERT OR REPLACE INTO energy_counters (device_id, total_kwh, last_raw_kwh, last_ts_ms, "
               "pending_raw_kwh, pending_ts_ms) VALUES (?, ?, ?, ?, ?, ?)")}) {
      if (!r) return r;
    }
    return {};
  }

  core::Result<std::int64_t> series_id(const std::string& device_id, core::Metric metric) {
    const auto key = series_key(device_id, metric);
    if (auto it = series_ids.find(key); it != series_ids.end()) return it->second;
    if (auto r = insert_series.bind(1, device_id).bind(2, core::to_string(metric)).run(); !r) return r.error();
    select_series.bind(1, device_id).bind(2, core::to_string(metric));
    auto row = select_series.step();
    if (!row || !*row) {
      select_series.reset();
      return Error{"series lookup failed for " + device_id};
    }
    const auto id = select_series.column_int(0);
    select_series.reset();
    series_ids.emplace(key, id);
    return id;
  }

  core::Result<std::int64_t> meta(std::string_view key) const {
    auto q = Stmt::prepare(db.get(), "SELECT value FROM meta WHERE key = ?");
    if (!q) return q.error();
    q->bind(1, key);
    auto row = q->step();
    if (!row) return row.error();
    return *row ? q->column_int(0) : 0;
  }

  core::Result<void> set_meta(std::string_view key, std::int64_t value) {
    auto q = Stmt::prepare(db.get(), "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    if (!q) return q.error();
    return q->bind(1, key).bind(2, value).run();
  }

  // Aggregates closed buckets of `width_ms` from `source` into `target`, from the watermark up to `until_ms`.
  core::Result<std::size_t> roll_up(std::string_view source, bool source_is_raw, std::string_view target,
                                    std::string_view watermark_key, std::int64_t width_ms, std::int64_t until_ms) {
    auto done = meta(watermark_key);
    if (!done) return done.error();
    const std::int64_t from = *done;
    const std::int64_t to = until_ms / width_ms * width_ms;
    if (to <= from) return std::size_t{0};
    const std::string width = std::to_string(width_ms);
    const std::string sql =
        source_is_raw
            ? "INSERT OR REPLACE INTO " + std::string(target) + " SELECT series_id, ts_ms / " + width + " * " + width +
                  ", count(*), avg(value), min(value), max(value) FROM " + std::string(source) +
                  " WHERE ts_ms >= ? AND ts_ms < ? GROUP BY series_id, ts_ms / " + width
            : "INSERT OR REPLACE INTO " + std::string(target) + " SELECT series_id, bucket_ms / " + width + " * " +
                  width + ", sum(n), sum(mean * n) / sum(n), min(min), max(max) FROM " + std::string(source) +
                  " WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY series_id, bucket_ms / " + width;
    auto q = Stmt::prepare(db.get(), sql);
    if (!q) return q.error();
    // Recompute from the start of the bucket holding the watermark (earlier rows may have arrived).
    const std::int64_t start = from / width_ms * width_ms;
    if (auto r = q->bind(1, start).bind(2, to).run(); !r) return r.error();
    const auto changed = static_cast<std::size_t>(sqlite3_changes(db.get()));
    if (auto r = set_meta(watermark_key, to); !r) return r.error();
    return changed;
  }

  // Delivered and given-up messages are kept a while for diagnosis; pending ones never expire here.
  core::Result<void> prune_outbox(std::int64_t before_ms) {
    auto q = Stmt::prepare(db.get(), "DELETE FROM outbox WHERE state <> 'pending' AND done_ms < ?");
    if (!q) return q.error();
    return q->bind(1, before_ms).run();
  }

  core::Result<void> delete_before(std::string_view table, std::string_view column, std::int64_t before_ms) {
    auto q = Stmt::prepare(db.get(), "DELETE FROM " + std::string(table) + " WHERE " + std::string(column) + " < ?");
    if (!q) return q.error();
    return q->bind(1, before_ms).run();
  }
};

core::Result<std::unique_ptr<Store>> Store::open(const StoreConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(config.path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) return Error{config.path + ": cannot open database: " + sqlite::last_error(raw)};
  sqlite3_busy_timeout(raw, 5000);  // the `hearth` CLI may read concurrently
  const std::string pragmas = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                              (config.synchronous_full ? "FULL" : "NORMAL") + "; PRAGMA foreign_keys=ON;";
  if (auto r = sqlite::exec(raw, pragmas); !r) return Error{config.path + ": " + r.error().message};
  if (auto r = sqlite::exec(raw, "PRAGMA quick_check"); !r)
    return Error{config.path + ": integrity: " + r.error().message};
  if (auto r = impl->migrate(); !r) return r.error();
  if (auto r = impl->prepare_statements(); !r) return Error{config.path + ": " + r.error().message};
  return std::unique_ptr<Store>(new Store(std::move(impl)));  // NOLINT: private constructor
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  if (!impl_ || !impl_->db) return;
  (void)flush();
  sqlite3_wal_checkpoint_v2(impl_->db.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

void Store::append(const core::Reading& reading) {
  impl_->queued.push_back(reading);
  stats_.pending = impl_->queued.size();
}

void Store::save_device(const DeviceRow& device) { impl_->queued_devices[device.id] = device; }

void Store::save_energy_counter(const std::string& device_id, const core::EnergyCounterState& state) {
  impl_->queued_counters[device_id] = state;
}

void Store::audit(std::string actor, std::string action, std::string target) {
  impl_->queued_audit.push_back(
      {core::to_epoch_ms(core::now_ms()), std::move(actor), std::move(action), std::move(target)});
}

core::Result<std::vector<std::vector<std::string>>> Store::audit_log(std::size_t limit) const {
  auto q =
      Stmt::prepare(impl_->db.get(), "SELECT ts_ms, actor, action, target FROM audit_log ORDER BY id DESC LIMIT ?");
  if (!q) return q.error();
  q->bind(1, static_cast<std::int64_t>(limit));
  std::vector<std::vector<std::string>> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({std::to_string(q->column_int(0)), q->column_text(1), q->column_text(2), q->column_text(3)});
  }
  return out;
}

void Store::save_alert(std::string id, std::string state, std::string event_type, std::int64_t updated_ms,
                       std::string body) {
  impl_->queued_alerts.push_back({std::move(id), std::move(state), std::move(event_type), std::move(body), updated_ms});
}

core::Result<std::vector<std::string>> Store::open_alerts() const {
  auto q = Stmt::prepare(impl_->db.get(), "SELECT body FROM alerts WHERE state <> 'resolved' ORDER BY updated_ms");
  if (!q) return q.error();
  std::vector<std::string> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(q->column_text(0));
  }
  return out;
}

void Store::save_activity(ActivityRow row) { impl_->queued_activity.push_back(std::move(row)); }

core::Result<std::vector<ActivityRow>> Store::activity(std::int64_t from_ms, std::int64_t to_ms,
                                                       std::size_t limit) const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT start_ms, end_ms, kind, device_id, room, device_kind FROM activity_events "
                         "WHERE start_ms >= ? AND start_ms < ? ORDER BY start_ms LIMIT ?");
  if (!q) return q.error();
  q->bind(1, from_ms).bind(2, to_ms).bind(3, static_cast<std::int64_t>(limit));
  std::vector<ActivityRow> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({q->column_int(0), q->column_int(1), q->column_text(2), q->column_text(3), q->column_text(4),
                   q->column_text(5)});
  }
  return out;
}

void Store::enqueue(OutboxMessage message) { impl_->queued_outbox.push_back(std::move(message)); }

core::Result<std::optional<OutboxMessage>> Store::outbox_head(const std::string& channel) const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT seq, channel, message_id, payload, created_ms, attempts, next_attempt_ms FROM outbox "
                         "WHERE channel = ? AND state = 'pending' ORDER BY seq LIMIT 1");
  if (!q) return q.error();
  q->bind(1, channel);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<OutboxMessage>{};
  return std::optional<OutboxMessage>{OutboxMessage{q->column_int(0), q->column_text(1), q->column_text(2),
                                                    q->column_text(3), q->column_int(4),
                                                    static_cast<int>(q->column_int(5)), q->column_int(6)}};
}

core::Result<void> Store::outbox_finish(std::int64_t seq, OutboxState state, std::int64_t now_ms,
                                        const std::string& error) {
  const char* name = state == OutboxState::delivered  ? "delivered"
                     : state == OutboxState::rejected ? "rejected"
                     : state == OutboxState::expired  ? "expired"
                                                      : "pending";
  auto q = Stmt::prepare(impl_->db.get(),
                         "UPDATE outbox SET state = ?, done_ms = ?, last_error = ?, attempts = attempts + 1 "
                         "WHERE seq = ?");
  if (!q) return q.error();
  return q->bind(1, std::string_view(name)).bind(2, now_ms).bind(3, error).bind(4, seq).run();
}

core::Result<void> Store::outbox_retry_at(std::int64_t seq, int attempts, std::int64_t next_attempt_ms,
                                          const std::string& error) {
  auto q = Stmt::prepare(impl_->db.get(),
                         "UPDATE outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE seq = ?");
  if (!q) return q.error();
  return q->bind(1, static_cast<std::int64_t>(attempts)).bind(2, next_attempt_ms).bind(3, error).bind(4, seq).run();
}

core::Result<OutboxCounts> Store::outbox_counts(const std::string& channel) const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT state, count(*), min(created_ms) FROM outbox WHERE channel = ? GROUP BY state");
  if (!q) return q.error();
  q->bind(1, channel);
  OutboxCounts c;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    const auto state = q->column_text(0);
    const auto n = q->column_int(1);
    if (state == "pending") {
      c.pending = n;
      c.oldest_pending_ms = q->column_int(2);
    } else if (state == "delivered") {
      c.delivered = n;
    } else if (state == "rejected") {
      c.rejected = n;
    } else if (state == "expired") {
      c.expired = n;
    }
  }
  return c;
}

core::Result<bool> Store::save_energy_day(const EnergyDayRow& row) {
  auto q =
      Stmt::prepare(impl_->db.get(), "INSERT OR IGNORE INTO energy_daily (day, summary, created_ms) VALUES (?, ?, ?)");
  if (!q) return q.error();
  if (auto r = q->bind(1, row.day).bind(2, row.summary_json).bind(3, row.created_ms).run(); !r) return r.error();
  return sqlite3_changes(impl_->db.get()) > 0;
}

core::Result<std::vector<EnergyDayRow>> Store::energy_days(const std::string& from, const std::string& to) const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT day, summary, created_ms FROM energy_daily WHERE day >= ? AND day <= ? ORDER BY day");
  if (!q) return q.error();
  q->bind(1, from).bind(2, to);
  std::vector<EnergyDayRow> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({q->column_text(0), q->column_text(1), q->column_int(2)});
  }
  return out;
}

core::Result<void> Store::prune_energy_days(const std::string& before_day) {
  auto q = Stmt::prepare(impl_->db.get(), "DELETE FROM energy_daily WHERE day < ?");
  if (!q) return q.error();
  return q->bind(1, before_day).run();
}

core::Result<void> Store::save_energy_restart(const std::string& device_id, std::int64_t ts_ms,
                                              const std::string& step) {
  auto q = Stmt::prepare(impl_->db.get(),
                         "INSERT OR REPLACE INTO energy_restarts (device_id, ts_ms, step) VALUES (?, ?, ?)");
  if (!q) return q.error();
  return q->bind(1, device_id).bind(2, ts_ms).bind(3, step).run();
}

core::Result<std::map<std::pair<std::string, std::int64_t>, std::string>> Store::energy_restarts(
    std::int64_t from_ms, std::int64_t to_ms) const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT device_id, ts_ms, step FROM energy_restarts WHERE ts_ms >= ? AND ts_ms < ?");
  if (!q) return q.error();
  q->bind(1, from_ms).bind(2, to_ms);
  std::map<std::pair<std::string, std::int64_t>, std::string> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out[{q->column_text(0), q->column_int(1)}] = q->column_text(2);
  }
  return out;
}

core::Result<void> Store::prune_energy_restarts(std::int64_t before_ms) {
  auto q = Stmt::prepare(impl_->db.get(), "DELETE FROM energy_restarts WHERE ts_ms < ?");
  if (!q) return q.error();
  return q->bind(1, before_ms).run();
}

std::optional<std::string> Store::setting(const std::string& key) const {
  auto q = Stmt::prepare(impl_->db.get(), "SELECT value FROM settings WHERE key = ?");
  if (!q) return std::nullopt;
  q->bind(1, key);
  auto row = q->step();
  if (!row || !*row) return std::nullopt;
  return q->column_text(0);
}

core::Result<void> Store::set_setting(const std::string& key, const std::string& value) {
  auto q = Stmt::prepare(impl_->db.get(), "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
  if (!q) return q.error();
  return q->bind(1, key).bind(2, value).run();
}

std::size_t Store::pending() const { return impl_->queued.size(); }

core::Result<void> Store::flush() {
  Impl& s = *impl_;
  if (s.queued.empty() && s.queued_devices.empty() && s.queued_counters.empty() && s.queued_audit.empty() &&
      s.queued_alerts.empty() && s.queued_outbox.empty() && s.queued_activity.empty()) {
    return {};
  }
  if (auto r = sqlite::exec(s.db.get(), "BEGIN IMMEDIATE"); !r) {
    ++stats_.write_errors;
    return r;  // keep the queue: the next flush retries
  }
  const auto fail = [&](const core::Error& e) -> core::Result<void> {
    (void)sqlite::exec(s.db.get(), "ROLLBACK");
    s.series_ids.clear();  // ids created inside the rolled-back transaction are gone
    ++stats_.write_errors;
    return e;
  };
  std::uint64_t inserted = 0;
  std::unordered_map<std::int64_t, std::pair<std::int64_t, double>> newest;  // series -> (ts, value)
  for (const auto& r : s.queued) {
    auto id = s.series_id(r.device_id, r.metric);
    if (!id) return fail(id.error());
    const auto ts = core::to_epoch_ms(r.ts);
    if (auto w = s.insert_reading.bind(1, *id).bind(2, ts).bind(3, r.value).run(); !w) return fail(w.error());
    inserted += static_cast<std::uint64_t>(sqlite3_changes(s.db.get()));
    auto [it, added] = newest.try_emplace(*id, ts, r.value);
    if (!added && ts >= it->second.first) it->second = {ts, r.value};
  }
  for (const auto& [id, latest] : newest) {
    if (auto w = s.upsert_latest.bind(1, id).bind(2, latest.first).bind(3, latest.second).run(); !w) {
      return fail(w.error());
    }
  }
  for (const auto& [id, d] : s.queued_devices) {
    if (auto w = s.upsert_device.bind(1, d.id)
                     .bind(2, d.driver)
                     .bind(3, d.model)
                     .bind(4, d.firmware)
                     .bind(5, d.announced_name)
                     .bind(6, d.first_seen_ms)
                     .bind(7, d.last_seen_ms)
                     .run();
        !w) {
      return fail(w.error());
    }
  }
  for (const auto& [id, c] : s.queued_counters) {
    s.upsert_counter.bind(1, id).bind(2, c.total_kwh).bind(3, c.last_raw_kwh).bind(4, c.last_ts_ms);
    if (c.pending_raw_kwh)
      s.upsert_counter.bind(5, *c.pending_raw_kwh);
    else
      s.upsert_counter.bind_null(5);
    if (auto w = s.upsert_counter.bind(6, c.pending_ts_ms).run(); !w) return fail(w.error());
  }
  if (auto w = s.write_alerts(); !w) return fail(w.error());
  for (const auto& a : s.queued_activity) {
    if (auto w = s.insert_activity.bind(1, a.start_ms)
                     .bind(2, a.end_ms)
                     .bind(3, a.kind)
                     .bind(4, a.device_id)
                     .bind(5, a.room)
                     .bind(6, a.device_kind)
                     .run();
        !w) {
      return fail(w.error());
    }
  }
  for (const auto& a : s.queued_audit) {
    if (auto w = s.insert_audit.bind(1, a.ts_ms).bind(2, a.actor).bind(3, a.action).bind(4, a.target).run(); !w) {
      return fail(w.error());
    }
  }
  if (auto r = sqlite::exec(s.db.get(), "COMMIT"); !r) return fail(r.error());
  stats_.readings_committed += inserted;
  stats_.duplicates_ignored += s.queued.size() - inserted;
  ++stats_.commits;
  stats_.last_commit_ms = core::to_epoch_ms(core::now_ms());
  s.queued.clear();
  s.queued_devices.clear();
  s.queued_counters.clear();
  s.queued_audit.clear();
  s.queued_alerts.clear();
  s.queued_outbox.clear();
  s.queued_activity.clear();
  stats_.pending = 0;
  return {};
}

core::Result<void> Store::flush_alerts() {
  Impl& s = *impl_;
  if (s.queued_alerts.empty() && s.queued_outbox.empty()) return {};
  if (auto r = sqlite::exec(s.db.get(), "BEGIN IMMEDIATE"); !r) {
    ++stats_.write_errors;
    return r;
  }
  auto w = s.write_alerts();
  if (w) w = sqlite::exec(s.db.get(), "COMMIT");
  if (!w) {
    (void)sqlite::exec(s.db.get(), "ROLLBACK");
    ++stats_.write_errors;
    return w;  // still queued: the next flush() or flush_alerts() retries
  }
  ++stats_.commits;
  ++stats_.alert_commits;
  s.queued_alerts.clear();
  s.queued_outbox.clear();
  return {};
}

core::Result<std::size_t> Store::maintain(core::TimePoint now) {
  Impl& s = *impl_;
  const std::int64_t now_ms = core::to_epoch_ms(now);
  if (auto r = sqlite::exec(s.db.get(), "BEGIN IMMEDIATE"); !r) return r.error();
  auto minutes = s.roll_up("readings", true, "rollup_minute", "rollup_minute_done_ms", MINUTE_MS, now_ms);
  auto hours = minutes ? s.roll_up("rollup_minute", false, "rollup_hour", "rollup_hour_done_ms", HOUR_MS, now_ms)
                       : core::Result<std::size_t>(minutes.error());
  if (!hours) {
    (void)sqlite::exec(s.db.get(), "ROLLBACK");
    return hours.error();
  }
  // Raw rows are pruned only once rolled up, whatever the retention says.
  auto minute_done = s.meta("rollup_minute_done_ms");
  auto hour_done = s.meta("rollup_hour_done_ms");
  if (!minute_done || !hour_done) {
    (void)sqlite::exec(s.db.get(), "ROLLBACK");
    return Error{"rollup watermark unreadable"};
  }
  const auto raw_cut = std::min(now_ms - s.config.raw_retention_days * DAY_MS, *minute_done);
  const auto minute_cut = std::min(now_ms - s.config.minute_retention_days * DAY_MS, *hour_done);
  for (auto r :
       {s.delete_before("readings", "ts_ms", raw_cut), s.delete_before("rollup_minute", "bucket_ms", minute_cut),
        s.delete_before("rollup_hour", "bucket_ms", now_ms - s.config.hour_retention_days * DAY_MS),
        s.delete_before("audit_log", "ts_ms", now_ms - s.config.hour_retention_days * DAY_MS),
        s.prune_outbox(now_ms - OUTBOX_KEEP_DAYS * DAY_MS),
        s.delete_before("activity_events", "start_ms", now_ms - s.config.raw_retention_days * DAY_MS)}) {
    if (!r) {
      (void)sqlite::exec(s.db.get(), "ROLLBACK");
      return r.error();
    }
  }
  if (auto r = sqlite::exec(s.db.get(), "COMMIT"); !r) return r.error();
  return *minutes + *hours;
}

void Store::rewind_rollups(core::TimePoint from) {
  const auto ms = core::to_epoch_ms(from);
  for (const char* key : {"rollup_minute_done_ms", "rollup_hour_done_ms"}) {
    auto q = Stmt::prepare(impl_->db.get(), "UPDATE meta SET value = min(value, ?) WHERE key = ?");
    if (q) (void)q->bind(1, ms).bind(2, std::string_view(key)).run();
  }
}

core::Result<std::vector<DeviceRow>> Store::devices() const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT id, driver, model, firmware, announced_name, first_seen_ms, last_seen_ms FROM devices "
                         "ORDER BY id");
  if (!q) return q.error();
  std::vector<DeviceRow> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({q->column_text(0), q->column_text(1), q->column_text(2), q->column_text(3), q->column_text(4),
                   q->column_int(5), q->column_int(6)});
  }
  return out;
}

core::Result<std::vector<std::pair<std::string, std::string>>> Store::series() const {
  auto q = Stmt::prepare(impl_->db.get(), "SELECT device_id, metric FROM series ORDER BY device_id, metric");
  if (!q) return q.error();
  std::vector<std::pair<std::string, std::string>> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.emplace_back(q->column_text(0), q->column_text(1));
  }
  return out;
}

core::Result<std::map<std::string, core::EnergyCounterState>> Store::energy_counters() const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT device_id, total_kwh, last_raw_kwh, last_ts_ms, pending_raw_kwh, pending_ts_ms "
                         "FROM energy_counters");
  if (!q) return q.error();
  std::map<std::string, core::EnergyCounterState> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    core::EnergyCounterState c;
    c.initialised = true;
    c.total_kwh = q->column_double(1);
    c.last_raw_kwh = q->column_double(2);
    c.last_ts_ms = q->column_int(3);
    if (!q->column_is_null(4)) c.pending_raw_kwh = q->column_double(4);
    c.pending_ts_ms = q->column_int(5);
    out.emplace(q->column_text(0), c);
  }
  return out;
}

core::Result<std::vector<StoredPoint>> Store::readings(const std::string& device_id, core::Metric metric,
                                                       std::int64_t from_ms, std::int64_t to_ms, Resolution resolution,
                                                       std::size_t limit) const {
  const std::string sql =
      resolution == Resolution::raw
          ? "SELECT r.ts_ms, r.value, r.value, r.value, 1 FROM readings r JOIN series s ON s.id = r.series_id "
            "WHERE s.device_id = ? AND s.metric = ? AND r.ts_ms >= ? AND r.ts_ms < ? ORDER BY r.ts_ms LIMIT ?"
          : std::string("SELECT r.bucket_ms, r.mean, r.min, r.max, r.n FROM ") +
                (resolution == Resolution::minute ? "rollup_minute" : "rollup_hour") +
                " r JOIN series s ON s.id = r.series_id WHERE s.device_id = ? AND s.metric = ? AND r.bucket_ms >= ? "
                "AND r.bucket_ms < ? ORDER BY r.bucket_ms LIMIT ?";
  auto q = Stmt::prepare(impl_->db.get(), sql);
  if (!q) return q.error();
  q->bind(1, device_id)
      .bind(2, core::to_string(metric))
      .bind(3, from_ms)
      .bind(4, to_ms)
      .bind(5, static_cast<std::int64_t>(limit));
  std::vector<StoredPoint> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({q->column_int(0), q->column_double(1), q->column_double(2), q->column_double(3), q->column_int(4)});
  }
  return out;
}

core::Result<std::vector<std::pair<std::string, core::Reading>>> Store::latest_values() const {
  auto q =
      Stmt::prepare(impl_->db.get(),
                    "SELECT s.device_id, s.metric, l.ts_ms, l.value FROM latest l JOIN series s ON s.id = l.series_id");
  if (!q) return q.error();
  std::vector<std::pair<std::string, core::Reading>> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    const auto metric = core::metric_from_string(q->column_text(1));
    if (!metric) continue;  // written by a newer version; skip rather than fail start-up
    core::Reading r;
    r.device_id = q->column_text(0);
    r.metric = *metric;
    r.ts = core::from_epoch_ms(q->column_int(2));
    r.value = q->column_double(3);
    out.emplace_back(r.device_id, r);
  }
  return out;
}

core::Result<std::int64_t> Store::database_bytes() const {
  auto q = Stmt::prepare(impl_->db.get(), "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  return q->column_int(0);
}

core::Result<std::vector<AlertEventRow>> Store::alert_events(std::int64_t from_ms, std::size_t limit) const {
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT ts_ms, alert_id, type, body FROM alert_events WHERE ts_ms >= ? ORDER BY id LIMIT ?");
  if (!q) return q.error();
  q->bind(1, from_ms).bind(2, static_cast<std::int64_t>(limit));
  std::vector<AlertEventRow> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({q->column_int(0), q->column_text(1), q->column_text(2), q->column_text(3)});
  }
  return out;
}

core::Result<ErasedCounts> Store::erase_history() {
  if (auto r = flush(); !r) return r.error();
  sqlite3* db = impl_->db.get();
  ErasedCounts n;
  const auto run = [db](const char* sql, std::int64_t* count) -> core::Result<void> {
    if (auto r = sqlite::exec(db, sql); !r) return r;
    if (count != nullptr) *count += sqlite3_changes(db);
    return {};
  };
  if (auto r = sqlite::exec(db, "PRAGMA secure_delete = ON"); !r) return r.error();
  if (auto r = sqlite::exec(db, "BEGIN IMMEDIATE"); !r) return r.error();
  const std::pair<const char*, std::int64_t*> steps[] = {
      {"DELETE FROM readings", &n.readings},
      {"DELETE FROM rollup_minute", &n.rollups},
      {"DELETE FROM rollup_hour", &n.rollups},
      {"DELETE FROM latest", nullptr},
      {"DELETE FROM activity_events", &n.activity},
      {"DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE state = 'resolved')", &n.alert_events},
      {"DELETE FROM alerts WHERE state = 'resolved'", &n.alerts},
      {"DELETE FROM outbox WHERE state <> 'pending'", &n.outbox},
      {"DELETE FROM settings WHERE key = 'wellbeing_state'", nullptr},
      {"DELETE FROM energy_daily", &n.energy_days},
      {"DELETE FROM energy_restarts", &n.energy_days},
  };
  for (const auto& [sql, count] : steps) {
    if (auto r = run(sql, count); !r) {
      (void)sqlite::exec(db, "ROLLBACK");
      (void)sqlite::exec(db, "PRAGMA secure_delete = OFF");
      return r.error();
    }
  }
  auto done = sqlite::exec(db, "COMMIT");
  if (!done) (void)sqlite::exec(db, "ROLLBACK");
  (void)sqlite::exec(db, "PRAGMA secure_delete = OFF");
  if (!done) return done.error();
  // Old page images stay in the WAL until a checkpoint copies them over: overwrite them now.
  if (auto r = sqlite::exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"); !r) {
    spdlog::warn("store: erased, but the WAL checkpoint failed ({}); it happens at the next checkpoint",
                 r.error().message);
  }
  return n;
}

std::string_view migration_sql(std::size_t version) {
  return version >= 1 && version <= MIGRATIONS.size() ? MIGRATIONS[version - 1] : std::string_view{};
}

const char* to_string(Resolution r) {
  switch (r) {
    case Resolution::raw:
      return "raw";
    case Resolution::minute:
      return "minute";
    case Resolution::hour:
      return "hour";
  }
  return "raw";
}

std::optional<Resolution> resolution_from_string(std::string_view s) {
  if (s == "raw") return Resolution::raw;
  if (s == "minute") return Resolution::minute;
  if (s == "hour") return Resolution::hour;
  return std::nullopt;
}

}  // namespace hearth::gateway
