#include "coordinator/coordinator_store.h"

#include <array>
#include <string_view>

#include "coordinator/postgres_store.h"
#include "gateway/sqlite.h"

namespace hearth::coordinator {
namespace {

using core::Error;
using gateway::sqlite::Stmt;

// Numbered migrations; index i takes the schema from version i to i+1. Never edit a shipped one.
// Written for both backends: BIGINT and TEXT mean the same in SQLite and PostgreSQL, and ON CONFLICT
// ... DO UPDATE / DO NOTHING is shared syntax. The one difference: "INTEGER PRIMARY KEY" (SQLite's
// rowid) becomes "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" in the PostgreSQL backend
// (postgres_store.cpp rewrites it). SQLite keeps the version in PRAGMA user_version, PostgreSQL in
// a schema_version table.
constexpr std::array<std::string_view, 3> MIGRATIONS = {
    R"sql(
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  coop_id TEXT NOT NULL,
  home_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  received_ms BIGINT NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE (coop_id, home_id, message_id)
);
CREATE TABLE alert_events (
  message_row BIGINT PRIMARY KEY REFERENCES messages (id),
  coop_id TEXT NOT NULL,
  home_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  event TEXT NOT NULL,
  event_ms BIGINT NOT NULL,
  raised_ms BIGINT NOT NULL,
  received_ms BIGINT NOT NULL
);
CREATE INDEX alert_events_by_home ON alert_events (coop_id, home_id, message_row);
CREATE TABLE alerts (
  coop_id TEXT NOT NULL,
  home_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  raised_ms BIGINT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  received_ms BIGINT NOT NULL,
  acknowledged_ms BIGINT,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  resolved_ms BIGINT,
  updated_ms BIGINT NOT NULL,
  events BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (coop_id, home_id, alert_id, raised_ms)
);
CREATE TABLE summaries (
  coop_id TEXT NOT NULL,
  home_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  day TEXT NOT NULL,
  message_row BIGINT NOT NULL REFERENCES messages (id),
  received_ms BIGINT NOT NULL,
  PRIMARY KEY (coop_id, home_id, kind, day)
);
CREATE TABLE outgoing_acks (
  id INTEGER PRIMARY KEY,
  coop_id TEXT NOT NULL,
  home_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  by_whom TEXT NOT NULL,
  note TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  claimed_ms BIGINT,
  sent_ms BIGINT
);
CREATE INDEX outgoing_acks_open ON outgoing_acks (state, id);
)sql",
    // 2: escalation. One row per raised alert (state active until acknowledged, resolved or no one
    // is left) and every step with its time, for reports against telecare response standards.
    R"sql(
CREATE TABLE escalations (
  coop_id TEXT NOT NULL,
  home_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  raised_ms BIGINT NOT NULL,
  message_row BIGINT NOT NULL REFERENCES messages (id),
  step BIGINT NOT NULL DEFAULT -1,
  next_at_ms BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'active',
  PRIMARY KEY (coop_id, home_id, alert_id, raised_ms)
);
CREATE INDEX escalations_due ON escalations (state, next_at_ms);
CREATE TABLE escalation_steps (
  id INTEGER PRIMARY KEY,
  coop_id TEXT NOT NULL,
  home_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  raised_ms BIGINT NOT NULL,
  step BIGINT NOT NULL,
  kind TEXT NOT NULL,
  person_id TEXT NOT NULL,
  person_name TEXT NOT NULL,
  role TEXT NOT NULL,
  language TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX escalation_steps_by_alert ON escalation_steps (coop_id, home_id, alert_id, raised_ms, id);
)sql",
    // 3: which channel a delivery went by (mqtt, webhook, email) or an attendance came from, and a note.
    R"sql(
ALTER TABLE escalation_steps ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE escalation_steps ADD COLUMN note TEXT NOT NULL DEFAULT '';
)sql",
};

std::optional<std::int64_t> opt_int(const Stmt& s, int i) {
  return s.column_is_null(i) ? std::nullopt : std::optional<std::int64_t>(s.column_int(i));
}

class SqliteCoordinatorStore final : public CoordinatorStore {
 public:
  static core::Result<std::unique_ptr<CoordinatorStore>> open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    gateway::sqlite::Db db(raw);
    if (rc != SQLITE_OK) return Error{path + ": cannot open: " + gateway::sqlite::last_error(raw)};
    // Several instances may share the file: WAL, wait for each other's short transactions.
    sqlite3_busy_timeout(db.get(), 10'000);
    for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
      if (auto r = gateway::sqlite::exec(db.get(), pragma); !r) return Error{path + ": " + r.error().message};
    }
    auto store = std::unique_ptr<SqliteCoordinatorStore>(new SqliteCoordinatorStore(std::move(db), path));
    if (auto r = store->migrate(); !r) return r.error();
    return std::unique_ptr<CoordinatorStore>(std::move(store));
  }

  core::Result<StoreOutcome> store_alert_event(const AlertEventRecord& e) override {
    return in_transaction([&]() -> core::Result<StoreOutcome> {
      auto row = insert_message(e.coop_id, e.home_id, e.message_id, "alert_event", e.received_ms, e.payload);
      if (!row) return row.error();
      if (!*row) return StoreOutcome::duplicate;
      auto ev = prepare(
          "INSERT INTO alert_events (message_row, coop_id, home_id, alert_id, event, event_ms, raised_ms, "
          "received_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      if (!ev) return ev.error();
      ev->bind(1, **row).bind(2, e.coop_id).bind(3, e.home_id).bind(4, e.alert_id).bind(5, e.event);
      ev->bind(6, e.event_ms).bind(7, e.raised_ms).bind(8, e.received_ms);
      if (auto r = ev->run(); !r) return r.error();
      // The alert's latest state; an event older than what is stored only adds to the count.
      static const std::string UPSERT =
          "INSERT INTO alerts (coop_id, home_id, alert_id, raised_ms, rule, severity, state, received_ms, "
          "acknowledged_ms, acknowledged_by, resolved_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) " +
          std::string{ALERT_MERGE_SQL};
      auto up = prepare(UPSERT);
      if (!up) return up.error();
      up->bind(1, e.coop_id).bind(2, e.home_id).bind(3, e.alert_id).bind(4, e.raised_ms).bind(5, e.rule);
      up->bind(6, e.severity).bind(7, e.state).bind(8, e.received_ms);
      if (e.acknowledged_ms)
        up->bind(9, *e.acknowledged_ms);
      else
        up->bind_null(9);
      up->bind(10, e.acknowledged_by);
      if (e.resolved_ms)
        up->bind(11, *e.resolved_ms);
      else
        up->bind_null(11);
      up->bind(12, e.event_ms);
      if (auto r = up->run(); !r) return r.error();
      if (auto r = escalation_on_event(e, **row); !r) return r.error();
      return StoreOutcome::stored;
    });
  }

  core::Result<StoreOutcome> store_summary(const SummaryRecord& s) override {
    return in_transaction([&]() -> core::Result<StoreOutcome> {
      auto row = insert_message(s.coop_id, s.home_id, s.message_id, "daily_summary", s.received_ms, s.payload);
      if (!row) return row.error();
      if (!*row) return StoreOutcome::duplicate;
      auto q = prepare(
          "INSERT INTO summaries (coop_id, home_id, kind, day, message_row, received_ms) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (coop_id, home_id, kind, day) DO NOTHING");
      if (!q) return q.error();
      q->bind(1, s.coop_id).bind(2, s.home_id).bind(3, s.kind).bind(4, s.day).bind(5, **row).bind(6, s.received_ms);
      if (auto r = q->run(); !r) return r.error();
      return StoreOutcome::stored;
    });
  }

  core::Result<std::vector<AlertRow>> alerts(const std::string& coop_id) const override {
    auto q = prepare(
        "SELECT coop_id, home_id, alert_id, rule, severity, state, raised_ms, received_ms, acknowledged_ms, "
        "acknowledged_by, resolved_ms, events FROM alerts WHERE ? = '' OR coop_id = ? "
        "ORDER BY coop_id, home_id, raised_ms DESC, alert_id");
    if (!q) return q.error();
    q->bind(1, coop_id).bind(2, coop_id);
    std::vector<AlertRow> out;
    while (true) {
      auto more = q->step();
      if (!more) return more.error();
      if (!*more) break;
      AlertRow a;
      a.coop_id = q->column_text(0);
      a.home_id = q->column_text(1);
      a.alert_id = q->column_text(2);
      a.rule = q->column_text(3);
      a.severity = q->column_text(4);
      a.state = q->column_text(5);
      a.raised_ms = q->column_int(6);
      a.received_ms = q->column_int(7);
      a.acknowledged_ms = opt_int(*q, 8);
      a.acknowledged_by = q->column_text(9);
      a.resolved_ms = opt_int(*q, 10);
      a.events = q->column_int(11);
      out.push_back(std::move(a));
    }
    return out;
  }

  core::Result<std::vector<EventRow>> events(const std::string& coop_id, const std::string& home_id) const override {
    auto q = prepare(
        "SELECT e.message_row, e.coop_id, e.home_id, m.message_id, e.alert_id, e.event, e.event_ms "
        "FROM alert_events e JOIN messages m ON m.id = e.message_row WHERE e.coop_id = ? AND e.home_id = ? "
        "ORDER BY e.message_row");
    if (!q) return q.error();
    q->bind(1, coop_id).bind(2, home_id);
    std::vector<EventRow> out;
    while (true) {
      auto more = q->step();
      if (!more) return more.error();
      if (!*more) break;
      out.push_back(EventRow{q->column_int(0), q->column_text(1), q->column_text(2), q->column_text(3),
                             q->column_text(4), q->column_text(5), q->column_int(6)});
    }
    return out;
  }

  core::Result<bool> has_alert(const std::string& coop_id, const std::string& home_id,
                               const std::string& alert_id) const override {
    auto q = prepare("SELECT 1 FROM alerts WHERE coop_id = ? AND home_id = ? AND alert_id = ? LIMIT 1");
    if (!q) return q.error();
    q->bind(1, coop_id).bind(2, home_id).bind(3, alert_id);
    return q->step();
  }

  core::Result<std::vector<StoredSummary>> summaries(const std::string& coop_id, const std::string& kind,
                                                     const std::string& to_day) const override {
    auto q = prepare(
        "SELECT s.home_id, s.day, s.received_ms, m.payload FROM summaries s JOIN messages m ON m.id = s.message_row "
        "WHERE s.coop_id = ? AND s.kind = ? AND s.day <= ? ORDER BY s.home_id, s.day");
    if (!q) return q.error();
    q->bind(1, coop_id).bind(2, kind).bind(3, to_day);
    std::vector<StoredSummary> out;
    while (true) {
      auto more = q->step();
      if (!more) return more.error();
      if (!*more) break;
      out.push_back(StoredSummary{q->column_text(0), q->column_text(1), q->column_int(2), q->column_text(3)});
    }
    return out;
  }

  core::Result<void> queue_ack(const OutgoingAck& a) override {
    auto q = prepare(
        "INSERT INTO outgoing_acks (coop_id, home_id, alert_id, by_whom, note, created_ms) VALUES (?, ?, ?, ?, ?, ?)");
    if (!q) return q.error();
    q->bind(1, a.coop_id).bind(2, a.home_id).bind(3, a.alert_id).bind(4, a.by).bind(5, a.note).bind(6, a.created_ms);
    return q->run();
  }

  core::Result<std::vector<OutgoingAck>> claim_acks(std::int64_t now_ms, std::int64_t reclaim_after_ms,
                                                    std::size_t limit) override {
    return in_transaction([&]() -> core::Result<std::vector<OutgoingAck>> {
      auto q = prepare(
          "SELECT id, coop_id, home_id, alert_id, by_whom, note, created_ms FROM outgoing_acks "
          "WHERE state = 'pending' OR (state = 'sending' AND claimed_ms < ?) ORDER BY id LIMIT ?");
      if (!q) return q.error();
      q->bind(1, now_ms - reclaim_after_ms).bind(2, static_cast<std::int64_t>(limit));
      std::vector<OutgoingAck> out;
      while (true) {
        auto more = q->step();
        if (!more) return more.error();
        if (!*more) break;
        out.push_back(OutgoingAck{q->column_int(0), q->column_text(1), q->column_text(2), q->column_text(3),
                                  q->column_text(4), q->column_text(5), q->column_int(6)});
      }
      q->reset();
      // Inside this (immediate) transaction no other instance can claim the same rows.
      auto mark = prepare("UPDATE outgoing_acks SET state = 'sending', claimed_ms = ? WHERE id = ?");
      if (!mark) return mark.error();
      for (const auto& a : out) {
        mark->bind(1, now_ms).bind(2, a.id);
        if (auto r = mark->run(); !r) return r.error();
      }
      return out;
    });
  }

  core::Result<std::vector<EscalationStep>> advance_escalations(std::int64_t now_ms, const RotaFn& rota,
                                                                std::size_t limit) override {
    return in_transaction([&]() -> core::Result<std::vector<EscalationStep>> {
      auto q = prepare(
          "SELECT e.coop_id, e.home_id, e.alert_id, e.raised_ms, e.step, m.payload FROM escalations e "
          "JOIN messages m ON m.id = e.message_row WHERE e.state = 'active' AND e.next_at_ms <= ? "
          "ORDER BY e.next_at_ms LIMIT ?");
      if (!q) return q.error();
      q->bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
      struct Due {
        std::string coop, home, alert, payload;
        std::int64_t raised_ms, step;
      };
      std::vector<Due> due;
      while (true) {
        auto more = q->step();
        if (!more) return more.error();
        if (!*more) break;
        due.push_back(Due{q->column_text(0), q->column_text(1), q->column_text(2), q->column_text(5), q->column_int(3),
                          q->column_int(4)});
      }
      q->reset();
      auto update = prepare(
          "UPDATE escalations SET step = ?, next_at_ms = ?, state = ? WHERE coop_id = ? AND home_id = ? AND "
          "alert_id = ? AND raised_ms = ?");
      if (!update) return update.error();
      std::vector<EscalationStep> notify;
      for (const auto& d : due) {
        EscalationStep current;
        current.coop_id = d.coop;
        current.home_id = d.home;
        current.alert_id = d.alert;
        current.raised_ms = d.raised_ms;
        current.step = static_cast<int>(d.step);
        current.alert_payload = d.payload;
        auto [step, next_at, state] = next_escalation_step(rota(d.coop, d.home), std::move(current), now_ms);
        const auto next = static_cast<std::int64_t>(step.step);
        update->bind(1, next).bind(2, next_at).bind(3, state).bind(4, d.coop);
        update->bind(5, d.home).bind(6, d.alert).bind(7, d.raised_ms);
        if (auto r = update->run(); !r) return r.error();
        if (auto r = insert_step(step); !r) return r.error();
        if (!step.person_id.empty()) notify.push_back(std::move(step));
      }
      return notify;
    });
  }

  core::Result<void> record_step(const EscalationStep& step) override { return insert_step(step); }

  core::Result<std::vector<EscalationStep>> escalation_steps(const std::string& coop_id,
                                                             const std::string& home_id) const override {
    auto q = prepare(
        "SELECT coop_id, home_id, alert_id, raised_ms, step, kind, person_id, person_name, role, language, at_ms, "
        "channel, note FROM escalation_steps WHERE coop_id = ? AND (? = '' OR home_id = ?) ORDER BY id");
    if (!q) return q.error();
    q->bind(1, coop_id).bind(2, home_id).bind(3, home_id);
    std::vector<EscalationStep> out;
    while (true) {
      auto more = q->step();
      if (!more) return more.error();
      if (!*more) break;
      out.push_back(EscalationStep{q->column_text(0), q->column_text(1), q->column_text(2), q->column_int(3),
                                   static_cast<int>(q->column_int(4)), q->column_text(5), q->column_text(6),
                                   q->column_text(7), q->column_text(8), q->column_text(9), q->column_int(10), "",
                                   q->column_text(11), q->column_text(12)});
    }
    return out;
  }

  core::Result<ResponseSummary> response_summary(const std::string& coop_id) const override {
    auto q = prepare(
        "SELECT count(*), count(acknowledged_ms), "
        "coalesce(sum(CASE WHEN acknowledged_ms - raised_ms <= 60000 THEN 1 ELSE 0 END), 0), "
        "coalesce(sum(CASE WHEN acknowledged_ms - raised_ms <= 180000 THEN 1 ELSE 0 END), 0) "
        "FROM alerts WHERE coop_id = ?");
    if (!q) return q.error();
    q->bind(1, coop_id);
    auto row = q->step();
    if (!row) return row.error();
    return ResponseSummary{q->column_int(0), q->column_int(1), q->column_int(2), q->column_int(3)};
  }

  core::Result<bool> record_attended(EscalationStep step) override {
    return in_transaction([&]() -> core::Result<bool> {
      auto q = prepare("SELECT max(raised_ms) FROM alerts WHERE coop_id = ? AND home_id = ? AND alert_id = ?");
      if (!q) return q.error();
      q->bind(1, step.coop_id).bind(2, step.home_id).bind(3, step.alert_id);
      auto row = q->step();
      if (!row) return row.error();
      if (!*row || q->column_is_null(0)) return false;
      step.raised_ms = q->column_int(0);
      step.kind = "attended";
      q->reset();
      auto stop = prepare(
          "UPDATE escalations SET state = 'attended' WHERE coop_id = ? AND home_id = ? AND alert_id = ? AND "
          "raised_ms = ? AND state = 'active'");
      if (!stop) return stop.error();
      stop->bind(1, step.coop_id).bind(2, step.home_id).bind(3, step.alert_id).bind(4, step.raised_ms);
      if (auto r = stop->run(); !r) return r.error();
      if (auto r = insert_step(step); !r) return r.error();
      return true;
    });
  }

  core::Result<void> finish_ack(std::int64_t id, bool sent, std::int64_t now_ms) override {
    // Not sent (not connected, refused): back to pending for the next round.
    auto q = prepare(
        "UPDATE outgoing_acks SET state = CASE WHEN ? THEN 'sent' ELSE 'pending' END, "
        "sent_ms = CASE WHEN ? THEN ? ELSE NULL END, claimed_ms = CASE WHEN ? THEN claimed_ms ELSE NULL END "
        "WHERE id = ?");
    if (!q) return q.error();
    const std::int64_t flag = sent ? 1 : 0;
    q->bind(1, flag).bind(2, flag).bind(3, now_ms).bind(4, flag).bind(5, id);
    return q->run();
  }

 private:
  SqliteCoordinatorStore(gateway::sqlite::Db db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

  core::Result<Stmt> prepare(std::string_view sql) const { return Stmt::prepare(db_.get(), sql); }

  // BEGIN IMMEDIATE takes the write lock at once, so two instances never interleave a check and an insert.
  template <typename Fn>
  auto in_transaction(Fn fn) -> decltype(fn()) {
    if (auto r = gateway::sqlite::exec(db_.get(), "BEGIN IMMEDIATE"); !r) return r.error();
    auto result = fn();
    if (!result) {
      (void)gateway::sqlite::exec(db_.get(), "ROLLBACK");
      return result;
    }
    if (auto r = gateway::sqlite::exec(db_.get(), "COMMIT"); !r) {
      (void)gateway::sqlite::exec(db_.get(), "ROLLBACK");
      return r.error();
    }
    return result;
  }

  core::Result<void> insert_step(const EscalationStep& s) {
    auto q = prepare(
        "INSERT INTO escalation_steps (coop_id, home_id, alert_id, raised_ms, step, kind, person_id, person_name, "
        "role, language, at_ms, channel, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!q) return q.error();
    q->bind(1, s.coop_id).bind(2, s.home_id).bind(3, s.alert_id).bind(4, s.raised_ms);
    q->bind(5, static_cast<std::int64_t>(s.step)).bind(6, s.kind).bind(7, s.person_id).bind(8, s.person_name);
    q->bind(9, s.role).bind(10, s.language).bind(11, s.at_ms).bind(12, s.channel).bind(13, s.note);
    return q->run();
  }

  // Raised/reopened starts an escalation (due at once); an acknowledgement or a resolution stops it,
  // recorded with its own time from the home.
  core::Result<void> escalation_on_event(const AlertEventRecord& e, std::int64_t message_row) {
    if (e.event == "raised" || e.event == "reopened") {
      auto q = prepare(
          "INSERT INTO escalations (coop_id, home_id, alert_id, raised_ms, message_row, next_at_ms) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (coop_id, home_id, alert_id, raised_ms) DO NOTHING");
      if (!q) return q.error();
      q->bind(1, e.coop_id).bind(2, e.home_id).bind(3, e.alert_id).bind(4, e.raised_ms).bind(5, message_row);
      q->bind(6, e.received_ms);
      return q->run();
    }
    const bool acked = e.event == "acknowledged" && e.acknowledged_ms;
    const bool resolved = e.event == "resolved";
    if (!acked && !resolved) return {};
    auto q = prepare(
        "UPDATE escalations SET state = ? WHERE coop_id = ? AND home_id = ? AND alert_id = ? AND raised_ms = ? "
        "AND state = 'active'");
    if (!q) return q.error();
    q->bind(1, std::string_view(acked ? "acknowledged" : "resolved")).bind(2, e.coop_id).bind(3, e.home_id);
    q->bind(4, e.alert_id).bind(5, e.raised_ms);
    if (auto r = q->run(); !r) return r;
    if (sqlite3_changes(db_.get()) == 0) return {};
    return insert_step(EscalationStep{e.coop_id, e.home_id, e.alert_id, e.raised_ms, -1,
                                      acked ? "acknowledged" : "resolved", "", acked ? e.acknowledged_by : "", "", "",
                                      acked ? *e.acknowledged_ms : (e.resolved_ms ? *e.resolved_ms : e.event_ms), "",
                                      "", ""});
  }

  // The new row's id, or nullopt when (coop, home, message id) is already stored.
  core::Result<std::optional<std::int64_t>> insert_message(const std::string& coop, const std::string& home,
                                                           const std::string& message_id, const char* kind,
                                                           std::int64_t received_ms, const std::string& payload) {
    auto q = prepare(
        "INSERT INTO messages (coop_id, home_id, message_id, kind, received_ms, payload) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (coop_id, home_id, message_id) DO NOTHING");
    if (!q) return q.error();
    q->bind(1, coop).bind(2, home).bind(3, message_id).bind(4, std::string_view(kind)).bind(5, received_ms);
    q->bind(6, payload);
    if (auto r = q->run(); !r) return r.error();
    if (sqlite3_changes(db_.get()) == 0) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>(sqlite3_last_insert_rowid(db_.get()));
  }

  core::Result<void> migrate() {
    auto q = prepare("PRAGMA user_version");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    const auto version = q->column_int(0);
    q->reset();
    if (version > static_cast<std::int64_t>(MIGRATIONS.size())) {
      return Error{path_ + ": schema version " + std::to_string(version) +
                   " is newer than this hearth-coordinator understands (" + std::to_string(MIGRATIONS.size()) + ")"};
    }
    for (auto v = static_cast<std::size_t>(version); v < MIGRATIONS.size(); ++v) {
      const std::string sql = "BEGIN IMMEDIATE;\n" + std::string(MIGRATIONS[v]) +
                              "\nPRAGMA user_version = " + std::to_string(v + 1) + ";\nCOMMIT;";
      if (auto r = gateway::sqlite::exec(db_.get(), sql); !r) {
        (void)gateway::sqlite::exec(db_.get(), "ROLLBACK");
        // Another instance may have migrated the shared file meanwhile: check again before failing.
        auto again = prepare("PRAGMA user_version");
        if (again) {
          auto stepped = again->step();
          if (stepped && *stepped && again->column_int(0) > static_cast<std::int64_t>(v)) continue;
        }
        return Error{path_ + ": migration " + std::to_string(v + 1) + " failed: " + r.error().message};
      }
    }
    return {};
  }

  gateway::sqlite::Db db_;
  std::string path_;
};

}  // namespace

NextEscalation next_escalation_step(const std::vector<RotaStep>& rota, EscalationStep due, std::int64_t now_ms) {
  NextEscalation n;
  n.step = std::move(due);
  const auto next = static_cast<std::size_t>(n.step.step + 1);
  n.step.step = static_cast<int>(next);
  n.step.at_ms = now_ms;
  n.next_at_ms = now_ms;
  if (next < rota.size()) {
    const RotaStep& who = rota[next];
    n.step.kind = next == 0 ? "notified" : "escalated";
    n.step.person_id = who.id;
    n.step.person_name = who.name;
    n.step.role = who.role;
    n.step.language = who.language;
    n.next_at_ms = now_ms + who.ack_within.count();
  } else {
    n.step.kind = rota.empty() ? "no_rota" : "exhausted";
    n.step.alert_payload.clear();
    n.state = n.step.kind;
  }
  return n;
}

core::Result<std::unique_ptr<CoordinatorStore>> open_coordinator_store(const StoreSettings& settings) {
  if (settings.backend == "sqlite") return SqliteCoordinatorStore::open(settings.path);
  if (settings.backend == "postgresql") return open_postgres_store(settings);
  return Error{"store.backend " + settings.backend + " is not built into this hearth-coordinator"};
}

std::size_t coordinator_schema_version() { return MIGRATIONS.size(); }

std::string_view coordinator_migration(std::size_t version) {
  return version >= 1 && version <= MIGRATIONS.size() ? MIGRATIONS[version - 1] : std::string_view{};
}

}  // namespace hearth::coordinator
