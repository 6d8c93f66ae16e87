#pragma once
// The coordinator's storage. One interface, one schema (numbered migrations, written in the SQL
// common to SQLite and PostgreSQL where possible; coordinator_store.cpp notes each difference), so
// the PostgreSQL backend (coordinator/postgres_store.h, libpqxx) implements the same interface.
// SQLite (WAL) by default, which several instances on one host may share; PostgreSQL for instances
// on several hosts.
//
// Idempotent by construction: every message is stored under UNIQUE (coop_id, home_id, message_id),
// so a resend is recognised in the same transaction and reported as a duplicate, never stored twice.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/config.h"
#include "core/result.h"

namespace hearth::coordinator {

enum class StoreOutcome : std::uint8_t { stored, duplicate };

// One alert event as received (fields checked by coordinator/ingest.h).
struct AlertEventRecord {
  std::string coop_id;
  std::string home_id;  // the gateway id from the topic
  std::string message_id;
  std::string event;  // raised, updated, reopened, acknowledged, resolved
  std::int64_t event_ms = 0;
  std::string alert_id;
  std::string rule;
  std::string severity;
  std::string state;
  std::int64_t raised_ms = 0;
  std::optional<std::int64_t> acknowledged_ms;
  std::string acknowledged_by;
  std::optional<std::int64_t> resolved_ms;
  std::int64_t received_ms = 0;
  std::string payload;
};

struct SummaryRecord {
  std::string coop_id;
  std::string home_id;
  std::string message_id;
  std::string kind;  // energy, wellbeing
  std::string day;   // YYYY-MM-DD
  std::int64_t received_ms = 0;
  std::string payload;
};

// One alert as the co-op knows it: raised at the home, first received here, acknowledged, resolved.
struct AlertRow {
  std::string coop_id;
  std::string home_id;
  std::string alert_id;
  std::string rule;
  std::string severity;
  std::string state;
  std::int64_t raised_ms = 0;
  std::int64_t received_ms = 0;
  std::optional<std::int64_t> acknowledged_ms;
  std::string acknowledged_by;
  std::optional<std::int64_t> resolved_ms;
  std::int64_t events = 0;
};

// One stored alert event, in arrival order (tests and audits).
struct EventRow {
  std::int64_t row = 0;
  std::string coop_id;
  std::string home_id;
  std::string message_id;
  std::string alert_id;
  std::string event;
  std::int64_t event_ms = 0;
};

// One stored daily summary (analytics reads these; the payload is the uplink envelope).
struct StoredSummary {
  std::string home_id;
  std::string day;  // YYYY-MM-DD
  std::int64_t received_ms = 0;
  std::string payload;
};

// A coordinator's acknowledgement on its way to the home (written by `hearth-coordinator ack`).
struct OutgoingAck {
  std::int64_t id = 0;
  std::string coop_id;
  std::string home_id;
  std::string alert_id;
  std::string by;
  std::string note;
  std::int64_t created_ms = 0;
};

// One recorded step of an alert's escalation (docs/uplink.md#escalation-coordinator):
// notified (first person), escalated (a later person), delivered (one channel took it: `channel`
// says which), delivery_failed (a channel gave up), acknowledged, attended (someone arrived at the
// home), resolved, exhausted (no one left), no_rota.
struct EscalationStep {
  std::string coop_id;
  std::string home_id;
  std::string alert_id;
  std::int64_t raised_ms = 0;
  int step = -1;  // index in the home's rota; -1 for events not tied to a step
  std::string kind;
  std::string person_id;
  std::string person_name;
  std::string role;
  std::string language;
  std::int64_t at_ms = 0;
  std::string alert_payload;  // notified/escalated: the alert event that raised it (texts in en and cy)
  std::string channel;        // delivered, delivery_failed: mqtt, webhook or email; attended: cli, api, mqtt
  std::string note;           // attended: the note given; delivery_failed: why
};

// Share of a co-op's alerts acknowledged within 60 s and 180 s of being raised at the home.
struct ResponseSummary {
  std::int64_t alerts = 0;
  std::int64_t acknowledged = 0;
  std::int64_t within_60s = 0;
  std::int64_t within_180s = 0;
};

// How an alert event updates the stored alert, in every backend: the ON CONFLICT clause of
// INSERT INTO alerts (...). The newest event's state and severity win; the first acknowledgement
// is kept; a resolution sticks; every event adds to the count.
inline constexpr std::string_view ALERT_MERGE_SQL =
    "ON CONFLICT (coop_id, home_id, alert_id, raised_ms) DO UPDATE SET events = alerts.events + 1, "
    "state = CASE WHEN excluded.updated_ms >= alerts.updated_ms THEN excluded.state ELSE alerts.state END, "
    "severity = CASE WHEN excluded.updated_ms >= alerts.updated_ms THEN excluded.severity "
    "ELSE alerts.severity END, "
    "acknowledged_ms = COALESCE(alerts.acknowledged_ms, excluded.acknowledged_ms), "
    "acknowledged_by = CASE WHEN alerts.acknowledged_ms IS NULL THEN excluded.acknowledged_by "
    "ELSE alerts.acknowledged_by END, "
    "resolved_ms = COALESCE(excluded.resolved_ms, alerts.resolved_ms), "
    "updated_ms = CASE WHEN excluded.updated_ms > alerts.updated_ms THEN excluded.updated_ms "
    "ELSE alerts.updated_ms END";

// The next step of an escalation that has come due, the same in every backend: the next person on
// the rota is told (kind notified for the first, escalated after), or it ends (no_rota, exhausted).
struct NextEscalation {
  EscalationStep step;
  std::int64_t next_at_ms = 0;   // when the step after this one is due
  std::string state = "active";  // or "no_rota", "exhausted": the escalations row's new state
};
NextEscalation next_escalation_step(const std::vector<RotaStep>& rota, EscalationStep due, std::int64_t now_ms);

class CoordinatorStore {
 public:
  virtual ~CoordinatorStore() = default;
  virtual core::Result<StoreOutcome> store_alert_event(const AlertEventRecord& record) = 0;
  virtual core::Result<StoreOutcome> store_summary(const SummaryRecord& record) = 0;
  // Alerts, newest first; coop_id empty: every co-op (operators only; the CLI asks for one co-op).
  virtual core::Result<std::vector<AlertRow>> alerts(const std::string& coop_id) const = 0;
  virtual core::Result<std::vector<EventRow>> events(const std::string& coop_id, const std::string& home_id) const = 0;
  virtual core::Result<bool> has_alert(const std::string& coop_id, const std::string& home_id,
                                       const std::string& alert_id) const = 0;
  // One co-op's summaries of one kind up to and including `to_day` (YYYY-MM-DD), by home and day.
  virtual core::Result<std::vector<StoredSummary>> summaries(const std::string& coop_id, const std::string& kind,
                                                             const std::string& to_day) const = 0;
  virtual core::Result<void> queue_ack(const OutgoingAck& ack) = 0;
  // Claims up to `limit` acknowledgements to send: pending ones, and ones another instance claimed
  // more than `reclaim_after_ms` ago without sending (it died). One instance wins each claim.
  virtual core::Result<std::vector<OutgoingAck>> claim_acks(std::int64_t now_ms, std::int64_t reclaim_after_ms,
                                                            std::size_t limit) = 0;
  virtual core::Result<void> finish_ack(std::int64_t id, bool sent, std::int64_t now_ms) = 0;

  // Escalation (started when a raised/reopened event is stored, stopped by an acknowledgement or a
  // resolution): every escalation due at now_ms moves one step along its home's rota, in one
  // transaction, so one instance does each step. Returns the notifications to send.
  using RotaFn = std::function<std::vector<RotaStep>(const std::string& coop_id, const std::string& home_id)>;
  virtual core::Result<std::vector<EscalationStep>> advance_escalations(std::int64_t now_ms, const RotaFn& rota,
                                                                        std::size_t limit) = 0;
  virtual core::Result<void> record_step(const EscalationStep& step) = 0;
  virtual core::Result<std::vector<EscalationStep>> escalation_steps(const std::string& coop_id,
                                                                     const std::string& home_id) const = 0;
  virtual core::Result<ResponseSummary> response_summary(const std::string& coop_id) const = 0;
  // Records that someone arrived at the home (kind "attended"; step.raised_ms is filled in with the
  // alert's latest raising) and stops its escalation if it is still running. False, with nothing
  // recorded, when the co-op has no such alert from that home.
  virtual core::Result<bool> record_attended(EscalationStep step) = 0;
  // Connections re-made after one was lost (PostgreSQL); always 0 for SQLite.
  virtual std::uint64_t reconnects() const { return 0; }
};

// "sqlite" opens (creating and migrating) the file; "postgresql" connects and migrates the database.
core::Result<std::unique_ptr<CoordinatorStore>> open_coordinator_store(const StoreSettings& settings);

// The number of migrations, and migration `version`'s SQL (1-based) in SQLite's spelling; the
// PostgreSQL backend rewrites the one dialect difference (see coordinator_store.cpp).
std::size_t coordinator_schema_version();
std::string_view coordinator_migration(std::size_t version);

}  // namespace hearth::coordinator
