// The PostgreSQL backend of CoordinatorStore. libpqxx (Debian 12: 6.4) is used here and nowhere
// else, so only this translation unit pays for its headers; its exceptions are caught here and
// returned as core::Result values.
//
// Concurrency, and why it is correct across instances on several hosts:
// - Transactions run at READ COMMITTED, the PostgreSQL default.
// - Idempotency is the unique index: INSERT ... ON CONFLICT (coop_id, home_id, message_id) DO
//   NOTHING RETURNING id. Two instances inserting the same message at once: the second waits on the
//   first's index entry and, once it commits, gets no row back: a duplicate, never two rows.
// - Escalation steps and acknowledgement claims take the due rows with SELECT ... FOR UPDATE SKIP
//   LOCKED, then update them in the same transaction. A row another instance holds is skipped (not
//   waited for), and a row it has already moved on no longer matches when PostgreSQL re-checks the
//   WHERE clause on the newest version, so each step is done, and each acknowledgement claimed, by
//   exactly one instance, without instances queueing behind each other. We chose this over
//   SERIALIZABLE with retry because every contended operation here is "take the due rows": with
//   SKIP LOCKED the losers do other work instead of failing and retrying the whole transaction.
// - Storing a message is one prepared statement (data-modifying CTEs) in autocommit: atomic, one
//   round trip, and its commit waits for the WAL flush, so a receipt means durable. The escalation
//   step's transaction does not wait for the flush (see advance_escalations): a crash of the
//   server can repeat a notification, never lose one.
// - Deadlocks and serialization failures (SQLSTATE class 40) are still retried, a few times, as a
//   lost connection is: the transaction never committed, so running it again is safe.
#include "coordinator/postgres_store.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <string_view>

namespace hearth::coordinator {
namespace {

using core::Error;
constexpr const char* TAG = "coordinator.postgresql";
// pg_advisory_xact_lock key for migrations ("hearthco" in ASCII): instances starting together take turns.
constexpr std::int64_t MIGRATION_LOCK = 0x6865617274686330;
constexpr int ATTEMPTS = 3;
constexpr std::chrono::seconds RECONNECT_EVERY{2};

// The shared migrations in PostgreSQL's dialect: SQLite's rowid alias becomes an identity column.
std::string postgres_migration(std::size_t version) {
  std::string sql(coordinator_migration(version));
  const std::string_view from = "INTEGER PRIMARY KEY";
  const std::string_view to = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
  for (auto at = sql.find(from); at != std::string::npos; at = sql.find(from, at + to.size()))
    sql.replace(at, from.size(), to);
  return sql;
}

// A nullable BIGINT parameter: libpqxx 6 sends a null const char* as NULL.
struct NullableInt {
  explicit NullableInt(const std::optional<std::int64_t>& v) : text(v ? std::to_string(*v) : ""), null(!v) {}
  const char* get() const { return null ? nullptr : text.c_str(); }
  std::string text;
  bool null;
};

std::optional<std::int64_t> opt_int(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::int64_t>(f.as<std::int64_t>());
}

// The conninfo without a password, for log lines (libpq parses it; we print only safe keywords).
std::string describe_conninfo(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  if (opts == nullptr) return "(unparsable conninfo)";
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string_view(o->keyword) == "password") continue;
    const std::string_view k = o->keyword;
    if (k == "host" || k == "hostaddr" || k == "port" || k == "dbname" || k == "user" || k == "sslmode")
      out += (out.empty() ? "" : " ") + std::string(k) + "=" + o->val;
  }
  PQconninfoFree(opts);
  return out;
}

class PostgresCoordinatorStore final : public CoordinatorStore {
 public:
  PostgresCoordinatorStore(std::string conninfo, std::string described)
      : conninfo_(std::move(conninfo)), described_(std::move(described)) {}

  core::Result<void> open_and_migrate() {
    return run("migrate", [&](pqxx::transaction_base& tx) {
      tx.exec_params("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK);
      tx.exec0(
          "CREATE TABLE IF NOT EXISTS schema_version (one INTEGER PRIMARY KEY CHECK (one = 1), version BIGINT NOT "
          "NULL)");
      tx.exec0("INSERT INTO schema_version (one, version) VALUES (1, 0) ON CONFLICT (one) DO NOTHING");
      const auto version = tx.exec1("SELECT version FROM schema_version")[0].as<std::int64_t>();
      const auto known = static_cast<std::int64_t>(coordinator_schema_version());
      if (version > known) {
        throw std::runtime_error("schema version " + std::to_string(version) +
                                 " is newer than this hearth-coordinator understands (" + std::to_string(known) + ")");
      }
      for (auto v = version; v < known; ++v) {
        tx.exec(postgres_migration(static_cast<std::size_t>(v + 1)));
        tx.exec_params0("UPDATE schema_version SET version = $1", v + 1);
        spdlog::info("{}: {}: migrated to schema version {}", TAG, described_, v + 1);
      }
    });
  }

  // One statement (data-modifying CTEs), so one round trip in autocommit: the message, its event,
  // the alert's latest state, and the escalation it starts or stops, all or nothing. Every part
  // reads `m`, which is empty for a message already stored, so a resend changes nothing.
  core::Result<StoreOutcome> store_alert_event(const AlertEventRecord& e) override {
    return run_autocommit("store alert event", [&](pqxx::transaction_base& tx) {
      const NullableInt acked(e.acknowledged_ms);
      const NullableInt resolved(e.resolved_ms);
      const bool starts = e.event == "raised" || e.event == "reopened";
      const bool acks = e.event == "acknowledged" && e.acknowledged_ms;
      const std::string stop = acks ? "acknowledged" : e.event == "resolved" ? "resolved" : "";
      const std::int64_t stop_at = acks ? *e.acknowledged_ms : (e.resolved_ms ? *e.resolved_ms : e.event_ms);
      const auto r = tx.exec_prepared("store_alert_event", e.coop_id, e.home_id, e.message_id, e.received_ms, e.payload,
                                      e.alert_id, e.event, e.event_ms, e.raised_ms, e.rule, e.severity, e.state,
                                      acked.get(), e.acknowledged_by, resolved.get(), starts, stop, stop_at,
                                      std::string(acks ? e.acknowledged_by : ""));
      return r.empty() ? StoreOutcome::duplicate : StoreOutcome::stored;
    });
  }

  core::Result<StoreOutcome> store_summary(const SummaryRecord& s) override {
    return run_autocommit("store summary", [&](pqxx::transaction_base& tx) {
      const auto r = tx.exec_prepared("store_summary", s.coop_id, s.home_id, s.message_id, s.received_ms, s.payload,
                                      s.kind, s.day);
      return r.empty() ? StoreOutcome::duplicate : StoreOutcome::stored;
    });
  }

  // ORDER BY ... COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
  core::Result<std::vector<AlertRow>> alerts(const std::string& coop_id) const override {
    return run("read alerts", [&](pqxx::transaction_base& tx) {
      const auto r = tx.exec_params(
          "SELECT coop_id, home_id, alert_id, rule, severity, state, raised_ms, received_ms, acknowledged_ms, "
          "acknowledged_by, resolved_ms, events FROM alerts WHERE $1 = '' OR coop_id = $1 "
          "ORDER BY coop_id COLLATE \"C\", home_id COLLATE \"C\", raised_ms DESC, alert_id COLLATE \"C\"",
          coop_id);
      std::vector<AlertRow> out;
      out.reserve(r.size());
      for (const auto& row : r) {
        AlertRow a;
        a.coop_id = row[0].as<std::string>();
        a.home_id = row[1].as<std::string>();
        a.alert_id = row[2].as<std::string>();
        a.rule = row[3].as<std::string>();
        a.severity = row[4].as<std::string>();
        a.state = row[5].as<std::string>();
        a.raised_ms = row[6].as<std::int64_t>();
        a.received_ms = row[7].as<std::int64_t>();
        a.acknowledged_ms = opt_int(row[8]);
        a.acknowledged_by = row[9].as<std::string>();
        a.resolved_ms = opt_int(row[10]);
        a.events = row[11].as<std::int64_t>();
        out.push_back(std::move(a));
      }
      return out;
    });
  }

  core::Result<std::vector<EventRow>> events(const std::string& coop_id, const std::string& home_id) const override {
    return run("read events", [&](pqxx::transaction_base& tx) {
      const auto r = tx.exec_params(
          "SELECT e.message_row, e.coop_id, e.home_id, m.message_id, e.alert_id, e.event, e.event_ms "
          "FROM alert_events e JOIN messages m ON m.id = e.message_row WHERE e.coop_id = $1 AND e.home_id = $2 "
          "ORDER BY e.message_row",
          coop_id, home_id);
      std::vector<EventRow> out;
      out.reserve(r.size());
      for (const auto& row : r) {
        out.push_back(EventRow{row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                               row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                               row[6].as<std::int64_t>()});
      }
      return out;
    });
  }

  core::Result<bool> has_alert(const std::string& coop_id, const std::string& home_id,
                               const std::string& alert_id) const override {
    return run("read alert", [&](pqxx::transaction_base& tx) {
      return !tx.exec_params("SELECT 1 FROM alerts WHERE coop_id = $1 AND home_id = $2 AND alert_id = $3 LIMIT 1",
                             coop_id, home_id, alert_id)
                  .empty();
    });
  }

  core::Result<std::vector<StoredSummary>> summaries(const std::string& coop_id, const std::string& kind,
                                                     const std::string& to_day) const override {
    return run("read summaries", [&](pqxx::transaction_base& tx) {
      const auto r = tx.exec_params(
          "SELECT s.home_id, s.day, s.received_ms, m.payload FROM summaries s JOIN messages m ON m.id = "
          "s.message_row WHERE s.coop_id = $1 AND s.kind = $2 AND s.day COLLATE \"C\" <= $3 "
          "ORDER BY s.home_id COLLATE \"C\", s.day COLLATE \"C\"",
          coop_id, kind, to_day);
      std::vector<StoredSummary> out;
      out.reserve(r.size());
      for (const auto& row : r) {
        out.push_back(StoredSummary{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>(),
                                    row[3].as<std::string>()});
      }
      return out;
    });
  }

  core::Result<void> queue_ack(const OutgoingAck& a) override {
    return run("queue acknowledgement", [&](pqxx::transaction_base& tx) {
      tx.exec_params0(
          "INSERT INTO outgoing_acks (coop_id, home_id, alert_id, by_whom, note, created_ms) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          a.coop_id, a.home_id, a.alert_id, a.by, a.note, a.created_ms);
    });
  }

  core::Result<std::vector<OutgoingAck>> claim_acks(std::int64_t now_ms, std::int64_t reclaim_after_ms,
                                                    std::size_t limit) override {
    return run("claim acknowledgements", [&](pqxx::transaction_base& tx) {
      // One statement: lock the claimable rows (skipping any another instance is claiming) and mark them.
      const auto r = tx.exec_params(
          "UPDATE outgoing_acks SET state = 'sending', claimed_ms = $1 WHERE id IN ("
          "SELECT id FROM outgoing_acks WHERE state = 'pending' OR (state = 'sending' AND claimed_ms < $2) "
          "ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) "
          "RETURNING id, coop_id, home_id, alert_id, by_whom, note, created_ms",
          now_ms, now_ms - reclaim_after_ms, static_cast<std::int64_t>(limit));
      std::vector<OutgoingAck> out;
      out.reserve(r.size());
      for (const auto& row : r) {
        out.push_back(OutgoingAck{row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                                  row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                                  row[6].as<std::int64_t>()});
      }
      std::sort(out.begin(), out.end(), [](const OutgoingAck& a, const OutgoingAck& b) { return a.id < b.id; });
      return out;
    });
  }

  core::Result<void> finish_ack(std::int64_t id, bool sent, std::int64_t now_ms) override {
    // Not sent (not connected, refused): back to pending for the next round.
    return run("finish acknowledgement", [&](pqxx::transaction_base& tx) {
      tx.exec_params0(
          "UPDATE outgoing_acks SET state = CASE WHEN $1::boolean THEN 'sent' ELSE 'pending' END, "
          "sent_ms = CASE WHEN $1::boolean THEN $2::bigint ELSE NULL END, "
          "claimed_ms = CASE WHEN $1::boolean THEN claimed_ms ELSE NULL END WHERE id = $3",
          sent, now_ms, id);
    });
  }

  core::Result<std::vector<EscalationStep>> advance_escalations(std::int64_t now_ms, const RotaFn& rota,
                                                                std::size_t limit) override {
    // Most calls find nothing due: one autocommit round trip says so before a transaction is opened.
    auto any = run_autocommit("check escalations", [&](pqxx::transaction_base& tx) {
      return !tx.exec_prepared("escalation_due", now_ms).empty();
    });
    if (!any) return core::Result<std::vector<EscalationStep>>(any.error());
    if (!*any) return core::Result<std::vector<EscalationStep>>(std::vector<EscalationStep>{});
    return run("advance escalations", [&](pqxx::transaction_base& tx) {
      // Not waiting for this commit's WAL flush (one fdatasync, ~3.6 ms on the development VM, was
      // half the cost of every alert): the row locks and the commit's visibility to the other
      // instances are unchanged, so one instance still does each step. Only if the database
      // server itself crashes within its WAL writer's delay is the step lost: the escalation is
      // then due again and that person is told twice, never not told. Storing the message (and
      // the escalation row it starts) stays a synchronous commit: a receipt means durable.
      tx.exec0("SET LOCAL synchronous_commit = off");
      // FOR UPDATE OF e SKIP LOCKED: the due escalations no other instance is advancing right now.
      const auto due = tx.exec_params(
          "SELECT e.coop_id, e.home_id, e.alert_id, e.raised_ms, e.step, m.payload FROM escalations e "
          "JOIN messages m ON m.id = e.message_row WHERE e.state = 'active' AND e.next_at_ms <= $1 "
          "ORDER BY e.next_at_ms LIMIT $2 FOR UPDATE OF e SKIP LOCKED",
          now_ms, static_cast<std::int64_t>(limit));
      std::vector<EscalationStep> notify;
      for (const auto& d : due) {
        const std::string coop = d[0].as<std::string>();
        const std::string home = d[1].as<std::string>();
        const std::string alert = d[2].as<std::string>();
        const auto raised_ms = d[3].as<std::int64_t>();
        EscalationStep current;
        current.coop_id = coop;
        current.home_id = home;
        current.alert_id = alert;
        current.raised_ms = raised_ms;
        current.step = static_cast<int>(d[4].as<std::int64_t>());
        current.alert_payload = d[5].as<std::string>();
        auto [step, next_at, state] = next_escalation_step(rota(coop, home), std::move(current), now_ms);
        const auto next = static_cast<std::int64_t>(step.step);
        // The escalation's new step and its record, in one round trip.
        tx.exec_params0(
            "WITH u AS (UPDATE escalations SET step = $1, next_at_ms = $2, state = $3 WHERE coop_id = $4 AND "
            "home_id = $5 AND alert_id = $6 AND raised_ms = $7) "
            "INSERT INTO escalation_steps (coop_id, home_id, alert_id, raised_ms, step, kind, person_id, person_name, "
            "role, language, at_ms) VALUES ($4, $5, $6, $7, $1, $8, $9, $10, $11, $12, $13)",
            next, next_at, state, coop, home, alert, raised_ms, step.kind, step.person_id, step.person_name, step.role,
            step.language, step.at_ms);
        if (!step.person_id.empty()) notify.push_back(std::move(step));
      }
      return notify;
    });
  }

  core::Result<void> record_step(const EscalationStep& step) override {
    return run("record escalation step", [&](pqxx::transaction_base& tx) { insert_step(tx, step); });
  }

  core::Result<std::vector<EscalationStep>> escalation_steps(const std::string& coop_id,
                                                             const std::string& home_id) const override {
    return run("read escalation steps", [&](pqxx::transaction_base& tx) {
      const auto r = tx.exec_params(
          "SELECT coop_id, home_id, alert_id, raised_ms, step, kind, person_id, person_name, role, language, at_ms, "
          "channel, note FROM escalation_steps WHERE coop_id = $1 AND ($2 = '' OR home_id = $2) ORDER BY id",
          coop_id, home_id);
      std::vector<EscalationStep> out;
      out.reserve(r.size());
      for (const auto& row : r) {
        out.push_back(EscalationStep{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                                     row[3].as<std::int64_t>(), static_cast<int>(row[4].as<std::int64_t>()),
                                     row[5].as<std::string>(), row[6].as<std::string>(), row[7].as<std::string>(),
                                     row[8].as<std::string>(), row[9].as<std::string>(), row[10].as<std::int64_t>(), "",
                                     row[11].as<std::string>(), row[12].as<std::string>()});
      }
      return out;
    });
  }

  core::Result<ResponseSummary> response_summary(const std::string& coop_id) const override {
    return run("read responses", [&](pqxx::transaction_base& tx) {
      const auto row = tx.exec_params1(
          "SELECT count(*), count(acknowledged_ms), "
          "coalesce(sum(CASE WHEN acknowledged_ms - raised_ms <= 60000 THEN 1 ELSE 0 END), 0), "
          "coalesce(sum(CASE WHEN acknowledged_ms - raised_ms <= 180000 THEN 1 ELSE 0 END), 0) "
          "FROM alerts WHERE coop_id = $1",
          coop_id);
      return ResponseSummary{row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>(),
                             row[3].as<std::int64_t>()};
    });
  }

  core::Result<bool> record_attended(EscalationStep step) override {
    return run("record attended", [&](pqxx::transaction_base& tx) {
      const auto r =
          tx.exec_params1("SELECT max(raised_ms) FROM alerts WHERE coop_id = $1 AND home_id = $2 AND alert_id = $3",
                          step.coop_id, step.home_id, step.alert_id);
      if (r[0].is_null()) return false;
      step.raised_ms = r[0].as<std::int64_t>();
      step.kind = "attended";
      // Waits for an instance advancing this escalation (its row lock), then stops it if still active.
      tx.exec_params0(
          "UPDATE escalations SET state = 'attended' WHERE coop_id = $1 AND home_id = $2 AND alert_id = $3 AND "
          "raised_ms = $4 AND state = 'active'",
          step.coop_id, step.home_id, step.alert_id, step.raised_ms);
      insert_step(tx, step);
      return true;
    });
  }

  std::uint64_t reconnects() const override { return reconnects_.load(); }

 private:
  // Runs fn in one transaction on the (re)made connection: commits if it returns, rolls back if it
  // throws. A lost connection or a deadlock/serialization failure before the commit is retried;
  // a connection lost during the commit is an error (the outcome is unknown; the callers' next
  // attempt is idempotent: a resent message is recognised, a claim is reclaimed after its timeout).
  template <typename Fn>
  auto run(const char* what, Fn fn) const -> core::Result<decltype(fn(std::declval<pqxx::transaction_base&>()))> {
    return run_in<pqxx::work>(what, fn);
  }
  // One statement, atomic by itself: no BEGIN/COMMIT round trips.
  template <typename Fn>
  auto run_autocommit(const char* what, Fn fn) const
      -> core::Result<decltype(fn(std::declval<pqxx::transaction_base&>()))> {
    return run_in<pqxx::nontransaction>(what, fn);
  }

  template <typename Tx, typename Fn>
  auto run_in(const char* what, Fn fn) const -> core::Result<decltype(fn(std::declval<pqxx::transaction_base&>()))> {
    using T = decltype(fn(std::declval<pqxx::transaction_base&>()));
    std::string last_error;
    for (int attempt = 1; attempt <= ATTEMPTS; ++attempt) {
      try {
        if (!conn_ || !conn_->is_open()) {
          const bool again = was_connected_;
          conn_.reset();
          // While the server is unreachable, try at most every RECONNECT_EVERY, so each message
          // fails fast (no receipt: its gateway resends) instead of blocking the io thread.
          const auto now = std::chrono::steady_clock::now();
          if (now < next_connect_) {
            return Error{std::string("postgresql ") + described_ + ": " + what + ": not connected (" +
                         trim(last_connect_error_) + "); trying again shortly"};
          }
          try {
            conn_ = std::make_unique<pqxx::connection>(conninfo_);
          } catch (const std::exception& e) {
            next_connect_ = now + RECONNECT_EVERY;
            last_connect_error_ = e.what();
            spdlog::warn("{}: {}: cannot connect: {}", TAG, described_, trim(e.what()));
            return Error{std::string("postgresql ") + described_ + ": " + what + ": cannot connect: " + trim(e.what())};
          }
          prepare_statements(*conn_);
          was_connected_ = true;
          if (again) {
            reconnects_.fetch_add(1);
            spdlog::warn("{}: {}: reconnected ({} reconnects so far)", TAG, described_, reconnects_.load());
          } else {
            spdlog::info("{}: connected to {} (server version {})", TAG, described_, conn_->server_version());
          }
        }
        Tx tx(*conn_);
        if constexpr (std::is_void_v<T>) {
          fn(tx);
          tx.commit();
          return {};
        } else {
          T result = fn(tx);
          tx.commit();
          return result;
        }
      } catch (const pqxx::in_doubt_error& e) {
        conn_.reset();
        return Error{std::string("postgresql ") + described_ + ": " + what +
                     ": connection lost while committing; outcome unknown: " + e.what()};
      } catch (const pqxx::broken_connection& e) {
        last_error = e.what();
        conn_.reset();
        spdlog::warn("{}: {}: {}: connection lost ({}); reconnecting (attempt {} of {})", TAG, described_, what,
                     trim(e.what()), attempt, ATTEMPTS);
      } catch (const pqxx::transaction_rollback& e) {
        last_error = e.what();
        spdlog::info("{}: {}: {} ({}); retrying", TAG, described_, what, trim(e.what()));
      } catch (const std::exception& e) {
        return Error{std::string("postgresql ") + described_ + ": " + what + ": " + trim(e.what())};
      }
    }
    return Error{std::string("postgresql ") + described_ + ": " + what + ": gave up after " + std::to_string(ATTEMPTS) +
                 " attempts: " + trim(last_error)};
  }

  // The hot statements, prepared once per connection (parsed and planned once, not per message).
  static void prepare_statements(pqxx::connection& c) {
    c.prepare(
        "store_alert_event",
        "WITH m AS (INSERT INTO messages (coop_id, home_id, message_id, kind, received_ms, payload) "
        "VALUES ($1::text, $2::text, $3::text, 'alert_event', $4::bigint, $5::text) "
        "ON CONFLICT (coop_id, home_id, message_id) DO NOTHING RETURNING id), "
        "ev AS (INSERT INTO alert_events (message_row, coop_id, home_id, alert_id, event, event_ms, raised_ms, "
        "received_ms) SELECT id, $1, $2, $6::text, $7::text, $8::bigint, $9::bigint, $4 FROM m), "
        // The alert's latest state; an event older than what is stored only adds to the count.
        "al AS (INSERT INTO alerts (coop_id, home_id, alert_id, raised_ms, rule, severity, state, received_ms, "
        "acknowledged_ms, acknowledged_by, resolved_ms, updated_ms) "
        "SELECT $1, $2, $6, $9, $10::text, $11::text, $12::text, $4, $13::bigint, $14::text, $15::bigint, $8 "
        "FROM m " +
            std::string{ALERT_MERGE_SQL} +
            "), "
            // Raised/reopened starts an escalation, due at once.
            "es AS (INSERT INTO escalations (coop_id, home_id, alert_id, raised_ms, message_row, next_at_ms) "
            "SELECT $1, $2, $6, $9, id, $4 FROM m WHERE $16::boolean "
            "ON CONFLICT (coop_id, home_id, alert_id, raised_ms) DO NOTHING), "
            // An acknowledgement or a resolution stops it, recorded with its own time from the home. The
            // UPDATE waits for an instance advancing the same escalation (its row lock), then re-checks.
            "stop AS (UPDATE escalations SET state = $17::text WHERE $17::text <> '' AND EXISTS (SELECT 1 FROM m) "
            "AND coop_id = $1 AND home_id = $2 AND alert_id = $6 AND raised_ms = $9 AND state = 'active' "
            "RETURNING 1), "
            "st AS (INSERT INTO escalation_steps (coop_id, home_id, alert_id, raised_ms, step, kind, person_id, "
            "person_name, role, language, at_ms) SELECT $1, $2, $6, $9, -1, $17, '', $19::text, '', '', "
            "$18::bigint FROM stop) "
            "SELECT id FROM m");
    c.prepare("store_summary",
              "WITH m AS (INSERT INTO messages (coop_id, home_id, message_id, kind, received_ms, payload) "
              "VALUES ($1::text, $2::text, $3::text, 'daily_summary', $4::bigint, $5::text) "
              "ON CONFLICT (coop_id, home_id, message_id) DO NOTHING RETURNING id), "
              "s AS (INSERT INTO summaries (coop_id, home_id, kind, day, message_row, received_ms) "
              "SELECT $1, $2, $6::text, $7::text, id, $4 FROM m ON CONFLICT (coop_id, home_id, kind, day) DO NOTHING) "
              "SELECT id FROM m");
    c.prepare("escalation_due", "SELECT 1 FROM escalations WHERE state = 'active' AND next_at_ms <= $1 LIMIT 1");
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  static void insert_step(pqxx::transaction_base& tx, const EscalationStep& s) {
    tx.exec_params0(
        "INSERT INTO escalation_steps (coop_id, home_id, alert_id, raised_ms, step, kind, person_id, person_name, "
        "role, language, at_ms, channel, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        s.coop_id, s.home_id, s.alert_id, s.raised_ms, static_cast<std::int64_t>(s.step), s.kind, s.person_id,
        s.person_name, s.role, s.language, s.at_ms, s.channel, s.note);
  }

  std::string conninfo_;  // with the password, if any: never logged
  std::string described_;
  mutable std::unique_ptr<pqxx::connection> conn_;
  mutable bool was_connected_ = false;
  mutable std::chrono::steady_clock::time_point next_connect_{};
  mutable std::string last_connect_error_;
  mutable std::atomic<std::uint64_t> reconnects_{0};
};

std::string quote_conninfo_value(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

core::Result<std::string> postgres_conninfo_with_password(const std::string& conninfo, const std::string& password) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err != nullptr ? err : "out of memory";
    if (err != nullptr) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return Error{"store.conninfo: " + why};
  }
  // Rebuilt as keyword=value pairs (a URL cannot take an extra keyword), password last.
  std::string out;
  bool has_connect_timeout = false;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string_view(o->keyword) == "password") continue;
    if (std::string_view(o->keyword) == "connect_timeout") has_connect_timeout = true;
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "=" + quote_conninfo_value(o->val);
  }
  PQconninfoFree(opts);
  // A server that does not answer must not hold the io thread for the kernel's TCP timeout.
  if (!has_connect_timeout) out += (out.empty() ? "" : " ") + std::string("connect_timeout='5'");
  if (!password.empty()) out += (out.empty() ? "" : " ") + std::string("password=") + quote_conninfo_value(password);
  return out;
}

core::Result<std::unique_ptr<CoordinatorStore>> open_postgres_store(const StoreSettings& settings) {
  auto conninfo = postgres_conninfo_with_password(settings.conninfo, settings.password);
  if (!conninfo) return conninfo.error();
  auto store = std::make_unique<PostgresCoordinatorStore>(*conninfo, describe_conninfo(settings.conninfo));
  if (auto r = store->open_and_migrate(); !r) return r.error();
  return std::unique_ptr<CoordinatorStore>(std::move(store));
}

}  // namespace hearth::coordinator
