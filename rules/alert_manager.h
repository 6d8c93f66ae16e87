#pragma once
// The alert lifecycle: raised -> notified -> acknowledged -> resolved.
//
// CONTRACT WITH THE GATEWAY: every call that changes an alert returns the AlertEvent(s) describing
// the change, in order. The gateway must write each event's Alert to the database (and commit)
// BEFORE it publishes it on MQTT, the API, the live feed or a webhook, so an alert a carer has
// seen is never lost by a crash. After a restart it calls restore() with the open alerts from the
// database; those stay open and are not raised again.
//
// Same condition, one alert: raise() of an id that is open only updates its evidence. A condition
// that clears and comes back within reraise_after reopens the same alert (flap_count + 1, its
// acknowledgement kept) instead of paging again. A carer who resolves an alert whose condition
// persists is not paged again until the condition clears and comes back.
//
// Not thread-safe: runs on the gateway's logic thread, like everything else.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/result.h"
#include "rules/rule.h"

namespace hearth::rules {

enum class AlertEventType : std::uint8_t {
  raised,        // new alert: persist, then notify carers
  updated,       // evidence or message parameters changed: persist, refresh views, do not notify
  reopened,      // came back within reraise_after: persist, refresh; notify only if not acknowledged
  notified,      // the gateway told someone
  acknowledged,  // a carer took it on
  resolved,      // condition cleared (resolved_by "system"), closed by a carer, or evicted on overflow
};

std::string_view to_string(AlertEventType t);

struct AlertEvent {
  AlertEventType type = AlertEventType::raised;
  core::Alert alert;
};

struct AlertManagerConfig {
  std::chrono::minutes reraise_after{10};
  // At most max_open alerts are open. When full, a new alert evicts the oldest open alert of the
  // lowest severity if that is less severe (resolved_by "system:overflow", event returned);
  // otherwise the new one is dropped and counted. 1 000 open alerts in a home is a fault anyway.
  std::size_t max_open = 1000;
  std::size_t max_history = 1000;  // closed alerts kept in memory (the database keeps them all)
};

class AlertManager {
 public:
  static constexpr std::string_view SYSTEM = "system";

  explicit AlertManager(AlertManagerConfig config = {}) : config_(config) {}

  std::vector<AlertEvent> raise(const AlertCandidate& candidate, core::TimePoint now);
  // The condition ended: resolves the open alert (by "system"). Also lifts a carer's suppression.
  std::vector<AlertEvent> clear(const std::string& id, core::TimePoint now);

  core::Result<AlertEvent> mark_notified(const std::string& id, core::TimePoint now);
  core::Result<AlertEvent> acknowledge(const std::string& id, const std::string& by, const std::string& note,
                                       core::TimePoint now);
  // Closed by a carer. If the condition persists it is not raised again until it clears.
  core::Result<AlertEvent> resolve(const std::string& id, const std::string& by, const std::string& note,
                                   core::TimePoint now);

  // After a restart: open alerts from the database. Closed ones in the list are ignored.
  void restore(std::vector<core::Alert> open_alerts);

  const core::Alert* find_open(const std::string& id) const;
  std::vector<core::Alert> open_alerts() const;
  const std::deque<core::Alert>& history() const { return history_; }  // oldest first
  std::size_t dropped() const { return dropped_; }

 private:
  core::Alert make_alert(const AlertCandidate& c, core::TimePoint now) const;
  std::vector<AlertEvent> update_open(core::Alert& alert, const AlertCandidate& c, core::TimePoint now);
  std::vector<AlertEvent> reopen(const std::string& id, const AlertCandidate& c, core::TimePoint now);
  bool make_room(core::Severity incoming, core::TimePoint now, std::vector<AlertEvent>& events);
  AlertEvent close(const std::string& id, const std::string& by, const std::string& note, core::TimePoint now);
  void remember_closed(const core::Alert& alert);
  void prune_recently_cleared(core::TimePoint now);

  AlertManagerConfig config_;
  std::map<std::string, core::Alert> open_;
  // Recently cleared by the system, for flap damping; pruned lazily after reraise_after.
  std::map<std::string, core::Alert> recently_cleared_;
  std::set<std::string> suppressed_;  // resolved by a carer while the condition persisted
  std::deque<core::Alert> history_;
  std::size_t dropped_ = 0;
};

}  // namespace hearth::rules
