#include "rules/alert_manager.h"

#include <algorithm>
#include <utility>

namespace hearth::rules {

using core::Alert;
using core::AlertState;
using core::TimePoint;

std::string_view to_string(AlertEventType t) {
  switch (t) {
    case AlertEventType::raised:
      return "raised";
    case AlertEventType::updated:
      return "updated";
    case AlertEventType::reopened:
      return "reopened";
    case AlertEventType::notified:
      return "notified";
    case AlertEventType::acknowledged:
      return "acknowledged";
    case AlertEventType::resolved:
      return "resolved";
  }
  return "raised";
}

std::vector<AlertEvent> AlertManager::raise(const AlertCandidate& candidate, TimePoint now) {
  if (auto it = open_.find(candidate.id); it != open_.end()) return update_open(it->second, candidate, now);
  // A carer closed it while the condition persisted: stay quiet until the rule reports it cleared.
  // Latching (event) alerts have no clear, so each new event may raise again.
  if (!candidate.latching && suppressed_.contains(candidate.id)) return {};
  if (auto it = recently_cleared_.find(candidate.id); it != recently_cleared_.end()) {
    if (it->second.resolved_at && now - *it->second.resolved_at < config_.reraise_after) {
      return reopen(candidate.id, candidate, now);
    }
    recently_cleared_.erase(it);
  }
  std::vector<AlertEvent> events;
  if (!make_room(candidate.severity, now, events)) {
    ++dropped_;
    return events;
  }
  suppressed_.erase(candidate.id);
  Alert& alert = open_.emplace(candidate.id, make_alert(candidate, now)).first->second;
  events.push_back({AlertEventType::raised, alert});
  return events;
}

Alert AlertManager::make_alert(const AlertCandidate& c, TimePoint now) const {
  Alert a;
  a.id = c.id;
  a.rule = c.rule;
  a.kind = c.kind;
  a.severity = c.severity;
  a.state = AlertState::raised;
  a.device_id = c.device_id;
  a.room = c.room;
  a.raised_at = now;
  a.trigger_ts = c.trigger_ts;
  a.updated_at = now;
  a.message_key = c.message_key;
  a.params = c.params;
  a.evidence = c.evidence;
  return a;
}

std::vector<AlertEvent> AlertManager::update_open(Alert& alert, const AlertCandidate& c, TimePoint now) {
  // Never a second alert; only report a change worth persisting. Severity may rise (CO level
  // climbing) but never falls while open, so a carer is not told "less serious" by a wobble.
  const auto severity = std::max(alert.severity, c.severity);
  if (alert.evidence == c.evidence && alert.params == c.params && alert.severity == severity) return {};
  alert.evidence = c.evidence;
  alert.params = c.params;
  alert.message_key = c.message_key;
  alert.severity = severity;
  alert.updated_at = now;
  return {{AlertEventType::updated, alert}};
}

std::vector<AlertEvent> AlertManager::reopen(const std::string& id, const AlertCandidate& c, TimePoint now) {
  auto node = recently_cleared_.extract(id);
  Alert alert = std::move(node.mapped());
  // Back to where it was before the system resolved it: an acknowledged alert stays acknowledged,
  // so a flapping condition does not page the carer who is already on it.
  alert.state = alert.acknowledged_at ? AlertState::acknowledged
                : alert.notified_at   ? AlertState::notified
                                      : AlertState::raised;
  alert.resolved_at.reset();
  alert.resolved_by.clear();
  alert.resolve_note.clear();
  alert.evidence = c.evidence;
  alert.params = c.params;
  alert.severity = std::max(alert.severity, c.severity);
  alert.updated_at = now;
  ++alert.flap_count;
  std::vector<AlertEvent> events;
  if (!make_room(alert.severity, now, events)) {
    ++dropped_;
    return events;
  }
  Alert& stored = open_.emplace(id, std::move(alert)).first->second;
  events.push_back({AlertEventType::reopened, stored});
  return events;
}

bool AlertManager::make_room(core::Severity incoming, TimePoint now, std::vector<AlertEvent>& events) {
  if (open_.size() < config_.max_open) return true;
  auto victim = open_.end();
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (victim == open_.end() || it->second.severity < victim->second.severity ||
        (it->second.severity == victim->second.severity && it->second.raised_at < victim->second.raised_at)) {
      victim = it;
    }
  }
  if (victim == open_.end() || victim->second.severity >= incoming) return false;
  events.push_back(close(victim->first, "system:overflow", "too many open alerts", now));
  return true;
}

std::vector<AlertEvent> AlertManager::clear(const std::string& id, TimePoint now) {
  suppressed_.erase(id);
  if (!open_.contains(id)) return {};
  auto event = close(id, std::string(SYSTEM), "", now);
  prune_recently_cleared(now);
  recently_cleared_[id] = event.alert;
  return {std::move(event)};
}

AlertEvent AlertManager::close(const std::string& id, const std::string& by, const std::string& note, TimePoint now) {
  auto node = open_.extract(id);
  Alert alert = std::move(node.mapped());
  alert.state = AlertState::resolved;
  alert.resolved_by = by;
  alert.resolve_note = note;
  alert.resolved_at = now;
  alert.updated_at = now;
  remember_closed(alert);
  return {AlertEventType::resolved, std::move(alert)};
}

void AlertManager::prune_recently_cleared(TimePoint now) {
  // Bounded like everything else: entries past reraise_after are useless, and when still full the
  // oldest-keyed entry goes (worst case one flap is reported as a new alert, never lost).
  std::erase_if(recently_cleared_, [&](const auto& kv) {
    return !kv.second.resolved_at || now - *kv.second.resolved_at >= config_.reraise_after;
  });
  while (recently_cleared_.size() >= config_.max_open) recently_cleared_.erase(recently_cleared_.begin());
}

void AlertManager::remember_closed(const Alert& alert) {
  history_.push_back(alert);
  while (history_.size() > config_.max_history) history_.pop_front();
}

core::Result<AlertEvent> AlertManager::mark_notified(const std::string& id, TimePoint now) {
  auto it = open_.find(id);
  if (it == open_.end()) return core::make_error("no open alert " + id);
  Alert& a = it->second;
  if (!a.notified_at) a.notified_at = now;
  if (a.state == AlertState::raised) a.state = AlertState::notified;
  a.updated_at = now;
  return AlertEvent{AlertEventType::notified, a};
}

core::Result<AlertEvent> AlertManager::acknowledge(const std::string& id, const std::string& by,
                                                   const std::string& note, TimePoint now) {
  auto it = open_.find(id);
  if (it == open_.end()) return core::make_error("no open alert " + id);
  if (by.empty()) return core::make_error("acknowledge needs who is acknowledging");
  Alert& a = it->second;
  if (a.state == AlertState::acknowledged)
    return core::make_error("alert " + id + " already acknowledged by " + a.acknowledged_by);
  a.state = AlertState::acknowledged;
  a.acknowledged_by = by;
  a.ack_note = note;
  a.acknowledged_at = now;
  a.updated_at = now;
  return AlertEvent{AlertEventType::acknowledged, a};
}

core::Result<AlertEvent> AlertManager::resolve(const std::string& id, const std::string& by, const std::string& note,
                                               TimePoint now) {
  if (!open_.contains(id)) return core::make_error("no open alert " + id);
  if (by.empty()) return core::make_error("resolve needs who is resolving");
  if (suppressed_.size() < config_.max_open) suppressed_.insert(id);
  recently_cleared_.erase(id);
  return close(id, by, note, now);
}

void AlertManager::restore(std::vector<Alert> open_alerts) {
  for (auto& a : open_alerts) {
    if (!a.is_open() || open_.size() >= config_.max_open) continue;
    // The same id twice (a sloppy query): keep the most recently updated copy.
    auto it = open_.find(a.id);
    if (it != open_.end() && it->second.updated_at >= a.updated_at) continue;
    std::string id = a.id;
    open_.insert_or_assign(std::move(id), std::move(a));
  }
}

const Alert* AlertManager::find_open(const std::string& id) const {
  auto it = open_.find(id);
  return it == open_.end() ? nullptr : &it->second;
}

std::vector<Alert> AlertManager::open_alerts() const {
  std::vector<Alert> out;
  out.reserve(open_.size());
  for (const auto& [id, a] : open_) out.push_back(a);
  return out;
}

}  // namespace hearth::rules
