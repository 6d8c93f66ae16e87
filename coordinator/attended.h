#pragma once
// The "attended" step: someone arrived at the home. Recorded from three places, each into the same
// escalation step (kind "attended", `channel` naming where it came from), which also stops the
// alert's escalation if it is still running:
//   - `hearth-coordinator attend --coop C --home H --alert A --by NAME [--note TEXT]`  (channel cli)
//   - POST /api/v1/coops/<coop>/alerts/attend {"home", "alert_id", "note"}, coordinator role,
//     audited, by = the account's name                                              (channel api)
//   - a carer app: hearth-carer/v1/<coop>/<person>/attended {"schema":1,"type":"attended",
//     "home_id","alert_id","note"} (coordinator/schemas/attended.schema.json), accepted only for an
//     alert that person was notified of                                             (channel mqtt)
// `report --responses` adds the share of alerts attended within each `escalation.notify.attend_within`.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "dashboard/http_message.h"

namespace hearth::coordinator {

struct AttendRequest {
  std::string coop_id;
  std::string home_id;
  std::string alert_id;
  std::string by;         // who arrived (shown in reports)
  std::string person_id;  // mqtt: the carer's id from the topic
  std::string note;
  std::string channel;  // cli, api, mqtt
  std::int64_t at_ms = 0;
};

enum class AttendOutcome : std::uint8_t { recorded, bad_request, unknown_home, unknown_alert, not_notified };
std::string_view to_string(AttendOutcome o);

// Checks the home belongs to the co-op and the text sizes (by 1-200, note at most 2000), then
// records it. Store failures are errors; everything else is an outcome.
core::Result<AttendOutcome> record_attendance(CoordinatorStore& store, const CoordinatorConfig& config,
                                              const AttendRequest& request);

// MQTT messages from carer apps (topic hearth-carer/v1/<coop>/<person>/attended). Logic thread only.
class CarerInbox {
 public:
  static constexpr std::size_t MAX_PAYLOAD_BYTES = 4096;
  CarerInbox(const CoordinatorConfig& config, CoordinatorStore& store);
  // The shared subscription, so one instance of several records each message.
  std::string subscription() const;
  bool handles(const std::string& topic) const;
  // Validates and records; bad input is counted by reason and logged, never thrown.
  AttendOutcome on_message(const std::string& topic, const std::string& payload, std::int64_t now_ms);
  const std::map<std::string, std::uint64_t>& rejected() const { return rejected_; }
  std::uint64_t recorded() const { return recorded_; }

 private:
  AttendOutcome reject(const std::string& reason, const std::string& topic);

  const CoordinatorConfig& config_;
  CoordinatorStore& store_;
  std::map<std::string, std::uint64_t> rejected_;
  std::uint64_t recorded_ = 0;
};

// POST /api/v1/coops/<coop>/alerts/attend for an authenticated coordinator of that co-op (api.cpp
// checks the account, the role and the co-op first).
dashboard::HttpResponse attend_endpoint(CoordinatorStore& store, const CoordinatorConfig& config, const ApiAccount& who,
                                        const dashboard::HttpRequest& req, std::int64_t now_ms);

// The share of alerts attended within each threshold of being raised at the home.
struct AttendedSummary {
  std::int64_t alerts = 0;
  std::int64_t attended = 0;
  std::vector<std::pair<std::chrono::milliseconds, std::int64_t>> within;  // threshold, alerts attended by then
};
AttendedSummary attended_summary(const std::vector<AlertRow>& alerts, const std::vector<EscalationStep>& steps,
                                 const std::vector<std::chrono::milliseconds>& thresholds);

}  // namespace hearth::coordinator
