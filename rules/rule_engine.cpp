#include "rules/rule_engine.h"

#include <algorithm>
#include <utility>

#include "rules/builtin_rules.h"
#include "rules/rule_util.h"

namespace hearth::rules {

using core::Metric;
using core::TimePoint;

namespace {
// Rooms are few, but a misconfigured home must not grow the map without bound.
constexpr std::size_t MAX_ROOMS = 500;
}  // namespace

void InMemoryFacts::set_device(DeviceFacts facts) {
  if (devices_.size() >= max_devices_ && !devices_.contains(facts.id)) return;
  std::string id = facts.id;
  devices_.insert_or_assign(std::move(id), std::move(facts));
}

void InMemoryFacts::record(const core::Reading& r) {
  if (devices_.size() >= max_devices_ && !devices_.contains(r.device_id)) return;
  auto [it, inserted] = latest_.try_emplace({r.device_id, r.metric}, LatestValue{r.value, r.ts});
  if (!inserted && r.ts >= it->second.ts) it->second = {r.value, r.ts};
}

const DeviceFacts* InMemoryFacts::device(std::string_view device_id) const {
  auto it = devices_.find(device_id);
  return it == devices_.end() ? nullptr : &it->second;
}

std::optional<LatestValue> InMemoryFacts::latest(std::string_view device_id, Metric metric) const {
  auto it = latest_.find({std::string(device_id), metric});
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

RuleEngine::RuleEngine(const RulesConfig& config, const FactsProvider& facts, EngineConfig engine)
    : facts_(facts),
      activity_config_(config.inactivity),
      config_(engine),
      rules_(make_rules(config)),
      wellbeing_(config.wellbeing.enabled ? std::make_unique<WellbeingRule>(config.wellbeing, config.utc_offset)
                                          : nullptr),
      alerts_(engine.alerts) {}

bool RuleEngine::advance(TimePoint t) {
  if (!started_) {
    started_ = true;
    now_ = t;
    observing_since_ = t;
    return true;
  }
  if (t < now_) return false;
  if (t - now_ > config_.max_tick_gap) {
    observing_since_ = t;
    ++stats_.observation_restarts;
  }
  now_ = t;
  return true;
}

EngineOutput RuleEngine::on_reading(const core::Reading& reading) {
  if (reading.retained) {
    ++stats_.retained_ignored;
    return {};
  }
  ++stats_.readings;
  // A reading older than now (clock stepped back) still goes to the rules, which ignore it for
  // durations per series; now itself never moves back.
  (void)advance(reading.ts);
  note_activity(reading);
  for (auto& rule : rules_) rule->on_reading(reading, *this);
  if (wellbeing_) wellbeing_->on_reading(reading, *this);
  return take_output();
}

EngineOutput RuleEngine::on_tick(TimePoint now) {
  if (!advance(now)) {
    // Time went backwards: firing now would act on a clock we know is wrong, and re-running the
    // same interval would count it twice. Wait until time passes the high-water mark again.
    ++stats_.ticks_backwards;
    return {};
  }
  ++stats_.ticks;
  for (auto& rule : rules_) rule->on_tick(*this);
  if (wellbeing_) wellbeing_->on_tick(*this);
  return take_output();
}

void RuleEngine::note_activity(const core::Reading& r) {
  if (r.ts > now_) return;  // cannot happen after advance(); guards a future caller
  const auto mark = [&](TimePoint t) { last_activity_ = std::max(last_activity_.value_or(t), t); };
  if (r.metric == Metric::motion && r.value >= 0.5) {
    const DeviceFacts* f = facts_.device(r.device_id);
    const std::string room = f != nullptr ? f->room : "";
    for (const std::string& key : {room, std::string()}) {
      if (last_motion_.size() >= MAX_ROOMS && !last_motion_.contains(key)) continue;
      auto& t = last_motion_[key];
      t = std::max(t, r.ts);
    }
    mark(r.ts);
  } else if (r.metric == Metric::contact_open && r.value >= 0.5) {
    mark(r.ts);
  } else if (r.metric == Metric::power_w) {
    const DeviceFacts* f = facts_.device(r.device_id);
    if (f == nullptr || !detail::contains(activity_config_.activity_kinds, f->kind)) return;
    auto [it, inserted] = last_power_w_.try_emplace(r.device_id, 0.0);
    if (r.value > activity_config_.appliance_use_w && (inserted || it->second <= activity_config_.appliance_use_w)) {
      mark(r.ts);
    }
    it->second = r.value;
  }
}

std::optional<TimePoint> RuleEngine::last_motion(std::string_view room) const {
  auto it = last_motion_.find(room);
  if (it == last_motion_.end()) return std::nullopt;
  return it->second;
}

void RuleEngine::raise(AlertCandidate candidate) {
  auto events = alerts_.raise(candidate, now_);
  for (auto& e : events) pending_.events.push_back(std::move(e));
}

void RuleEngine::clear(const std::string& alert_id, TimePoint at) {
  // Resolved "now" in engine time; `at` (when the data showed it) is not earlier than raised_at.
  (void)at;
  auto events = alerts_.clear(alert_id, now_);
  for (auto& e : events) pending_.events.push_back(std::move(e));
}

void RuleEngine::request_switch_off(const std::string& device_id, const std::string& alert_id) {
  // Defence in depth: whatever a rule asks, an essential or non-switchable device is never switched.
  const DeviceFacts* f = facts_.device(device_id);
  if (f == nullptr || f->essential || !f->switchable) return;
  pending_.switch_offs.push_back({device_id, alert_id, now_});
}

EngineOutput RuleEngine::set_away(bool away) {
  if (!wellbeing_) return {};
  wellbeing_->set_away(away, *this);
  return take_output();
}

core::Result<void> RuleEngine::restore_wellbeing(const nlohmann::json& state) {
  if (!wellbeing_) return core::make_error("wellbeing is disabled");
  return wellbeing_->restore_state(state);
}

EngineOutput RuleEngine::take_output() {
  if (wellbeing_) pending_.activity = wellbeing_->take_activity();
  return std::exchange(pending_, EngineOutput{});
}

}  // namespace hearth::rules
