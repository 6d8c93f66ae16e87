// Threshold with duration and hysteresis (cold home, advisory, overheating, any metric).
#include <algorithm>
#include <map>
#include <optional>

#include "rules/builtin_rules.h"
#include "rules/rule_util.h"

namespace hearth::rules {
namespace {

using core::TimePoint;

constexpr std::size_t MAX_SUBJECTS = 2000;

class ThresholdRule final : public Rule {
 public:
  ThresholdRule(ThresholdRuleConfig config, minutes utc_offset) : config_(std::move(config)), utc_offset_(utc_offset) {}

  std::string_view id() const override { return config_.id; }

  void on_reading(const core::Reading& r, RuleContext& ctx) override {
    if (r.metric != config_.metric) return;
    const DeviceFacts* facts = ctx.device(r.device_id);
    if (!applies(r.device_id, facts)) return;
    Subject* s = subject(r.device_id);
    if (s == nullptr) return;
    if (s->has_last && r.ts <= s->last_ts) return;  // duplicate or late: not evidence of duration
    const bool gap = s->has_last && r.ts - s->last_ts > config_.max_data_age;
    s->has_last = true;
    s->last_ts = r.ts;
    s->last_value = r.value;
    if (violates(r.value)) {
      s->clear_since.reset();
      if (!s->in_violation || (gap && !s->raised)) start_run(*s, r.ts);
    } else if (past_exit(r.value)) {
      on_past_exit(r.device_id, *s, r.ts, ctx);
    } else {
      // Inside the hysteresis band: neither starts nor ends the condition, but interrupts a clear.
      s->clear_since.reset();
      if (s->in_violation && gap && !s->raised) start_run(*s, r.ts);
    }
    evaluate(r.device_id, *s, ctx);
  }

  void on_tick(RuleContext& ctx) override {
    for (auto& [device_id, s] : subjects_) evaluate(device_id, s, ctx);
  }

 private:
  struct Subject {
    bool has_last = false;
    bool in_violation = false;
    bool raised = false;
    // After a (re)start an alert may be open from before (restored): the first definite "clear"
    // reading tells the manager, once.
    bool maybe_open = true;
    TimePoint run_since{};
    TimePoint last_ts{};
    double last_value = 0.0;
    std::optional<TimePoint> clear_since;
  };

  bool applies(const std::string& device_id, const DeviceFacts* facts) const {
    if (!config_.devices.empty() && !detail::contains(config_.devices, device_id)) return false;
    if (!config_.rooms.empty() && (facts == nullptr || !detail::contains_room(config_.rooms, facts->room)))
      return false;
    return true;
  }

  Subject* subject(const std::string& device_id) {
    auto it = subjects_.find(device_id);
    if (it != subjects_.end()) return &it->second;
    if (subjects_.size() >= MAX_SUBJECTS) return nullptr;
    return &subjects_[device_id];
  }

  bool violates(double v) const {
    return config_.direction == Direction::below ? v < config_.threshold : v > config_.threshold;
  }
  bool past_exit(double v) const {
    return config_.direction == Direction::below ? v >= config_.threshold + config_.hysteresis
                                                 : v <= config_.threshold - config_.hysteresis;
  }

  static void start_run(Subject& s, TimePoint ts) {
    s.in_violation = true;
    s.run_since = ts;
  }

  std::string alert_id(const std::string& device_id) const { return config_.id + ":" + device_id; }

  void on_past_exit(const std::string& device_id, Subject& s, TimePoint ts, RuleContext& ctx) {
    if (s.raised) {
      if (!s.clear_since) s.clear_since = ts;  // must stay past the band for clear_hold
      return;
    }
    s.in_violation = false;
    if (s.maybe_open) {
      ctx.clear(alert_id(device_id), ts);
      s.maybe_open = false;
    }
  }

  void evaluate(const std::string& device_id, Subject& s, RuleContext& ctx) {
    const TimePoint now = ctx.now();
    const bool fresh = s.has_last && now - s.last_ts <= config_.max_data_age;
    if (!fresh) return;  // stale data neither raises nor clears
    if (s.in_violation && !s.raised) {
      maybe_raise(device_id, s, ctx);
    } else if (s.raised && s.clear_since && now - *s.clear_since >= config_.clear_hold) {
      ctx.clear(alert_id(device_id), now);
      s.in_violation = false;
      s.raised = false;
      s.maybe_open = false;
      s.clear_since.reset();
    }
  }

  void maybe_raise(const std::string& device_id, Subject& s, RuleContext& ctx) {
    const TimePoint now = ctx.now();
    // Never count past what the data covers (a forward clock jump or a silent sensor).
    const TimePoint counted_until = std::min(now, s.last_ts + config_.max_data_age);
    const auto held = counted_until - s.run_since;
    if (held < config_.duration) return;
    if (detail::window_enabled(config_.only_during) && !detail::in_window(now, config_.only_during, utc_offset_)) {
      return;
    }
    const DeviceFacts* facts = ctx.device(device_id);
    const std::string room = facts != nullptr ? facts->room : "";
    if (config_.require_occupied) {
      const auto motion = ctx.last_motion(room);
      if (room.empty() || !motion || now - *motion > config_.occupied_within) return;
    }
    ctx.raise(candidate(device_id, facts, s, held));
    s.raised = true;
    s.maybe_open = true;
  }

  AlertCandidate candidate(const std::string& device_id, const DeviceFacts* facts, const Subject& s,
                           TimePoint::duration held) const {
    AlertCandidate c;
    c.id = alert_id(device_id);
    c.rule = config_.id;
    c.kind = "threshold";
    c.severity = config_.severity;
    c.device_id = device_id;
    c.room = facts != nullptr ? facts->room : "";
    c.trigger_ts = s.last_ts;
    c.message_key = config_.message_key;
    const long long held_min = detail::whole_minutes(held);
    const bool whole = config_.threshold == static_cast<double>(static_cast<long long>(config_.threshold));
    c.params = {{"room", detail::place(facts, device_id)},
                {"device", facts != nullptr ? facts->display_name() : device_id},
                {"metric", std::string(core::to_string(config_.metric))},
                {"value", detail::format_number(s.last_value, 1)},
                {"threshold", detail::format_number(config_.threshold, whole ? 0 : 1)},
                {"duration_min", std::to_string(held_min)}};
    c.evidence = {{"value", s.last_value},
                  {"threshold", config_.threshold},
                  {"duration_min", static_cast<double>(held_min)},
                  {"since_ms", static_cast<double>(core::to_epoch_ms(s.run_since))}};
    return c;
  }

  ThresholdRuleConfig config_;
  minutes utc_offset_;
  std::map<std::string, Subject> subjects_;
};

}  // namespace

std::unique_ptr<Rule> make_threshold_rule(const ThresholdRuleConfig& config, minutes utc_offset) {
  return std::make_unique<ThresholdRule>(config, utc_offset);
}

}  // namespace hearth::rules
