// Inactivity: no motion and no appliance use anywhere for no_activity_for, counting waking-hours
// time only (a resident asleep at 06:00 after going to bed at 22:00 is not "inactive for 8 h").
#include <algorithm>
#include <optional>

#include "rules/builtin_rules.h"
#include "rules/rule_util.h"

namespace hearth::rules {
namespace {

using core::TimePoint;

constexpr const char* ALERT_ID = "inactivity:home";

class InactivityRule final : public Rule {
 public:
  InactivityRule(InactivityConfig config, minutes utc_offset) : config_(config), utc_offset_(utc_offset) {}

  std::string_view id() const override { return "inactivity"; }

  void on_reading(const core::Reading& r, RuleContext& ctx) override {
    last_reading_ = std::max(last_reading_.value_or(r.ts), r.ts);
    maybe_clear(ctx);
  }

  void on_tick(RuleContext& ctx) override {
    maybe_clear(ctx);
    if (raised_) return;
    const TimePoint now = ctx.now();
    if (!detail::in_window(now, config_.waking, utc_offset_)) return;
    // Silence from every device is a broken gateway or network, not evidence of inactivity.
    if (!last_reading_ || now - *last_reading_ > config_.max_silence) return;
    TimePoint since = std::max(ctx.observing_since(), detail::window_start(now, config_.waking, utc_offset_));
    if (auto activity = ctx.last_activity()) since = std::max(since, *activity);
    if (now - since < config_.no_activity_for) return;
    ctx.raise(candidate(now - since));
    raised_ = true;
    raised_at_ = now;
  }

 private:
  void maybe_clear(RuleContext& ctx) {
    const auto activity = ctx.last_activity();
    if (!activity) return;
    // After a restart a restored inactivity alert may be open: the first activity clears it.
    if ((raised_ && *activity > raised_at_) || (!raised_ && maybe_open_)) {
      ctx.clear(ALERT_ID, *activity);
      raised_ = false;
      maybe_open_ = false;
    }
  }

  AlertCandidate candidate(TimePoint::duration inactive) const {
    AlertCandidate c;
    c.id = ALERT_ID;
    c.rule = "inactivity";
    c.kind = "inactivity";
    c.severity = config_.severity;
    c.trigger_ts = *last_reading_;
    c.message_key = "inactivity";
    const long long m = detail::whole_minutes(inactive);
    c.params = {{"duration_min", std::to_string(m)}};
    c.evidence = {{"duration_min", static_cast<double>(m)}};
    return c;
  }

  InactivityConfig config_;
  minutes utc_offset_;
  std::optional<TimePoint> last_reading_;
  bool raised_ = false;
  bool maybe_open_ = true;
  TimePoint raised_at_{};
};

}  // namespace

std::unique_ptr<Rule> make_inactivity_rule(const InactivityConfig& config, minutes utc_offset) {
  return std::make_unique<InactivityRule>(config, utc_offset);
}

}  // namespace hearth::rules
