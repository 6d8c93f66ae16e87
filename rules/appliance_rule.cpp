// Appliance left on: a cooker/heater-class device drawing power for longer than on_for with no
// motion in its room for that time. Optionally asks the gateway to switch it off.
#include <algorithm>
#include <map>
#include <optional>

#include "rules/builtin_rules.h"
#include "rules/rule_util.h"

namespace hearth::rules {
namespace {

using core::TimePoint;

constexpr std::size_t MAX_DEVICES = 2000;

class ApplianceLeftOnRule final : public Rule {
 public:
  explicit ApplianceLeftOnRule(ApplianceLeftOnConfig config) : config_(std::move(config)) {}

  std::string_view id() const override { return "appliance_left_on"; }

  void on_reading(const core::Reading& r, RuleContext& ctx) override {
    if (r.metric != core::Metric::power_w) return;
    const DeviceFacts* facts = ctx.device(r.device_id);
    if (facts == nullptr || !detail::contains(config_.kinds, facts->kind)) return;
    Subject* s = subject(r.device_id);
    if (s == nullptr || (s->has_last && r.ts <= s->last_ts)) return;  // full, duplicate or late
    const bool gap = s->has_last && r.ts - s->last_ts > config_.max_data_age;
    s->has_last = true;
    s->last_ts = r.ts;
    s->last_power_w = r.value;
    if (r.value > config_.threshold_w) {
      if (!s->on_since || (gap && !s->raised)) s->on_since = r.ts;
    } else if (r.value < config_.threshold_w - config_.hysteresis_w) {
      s->on_since.reset();
      if (s->raised || s->maybe_open) ctx.clear(alert_id(r.device_id), r.ts);
      s->raised = false;
      s->maybe_open = false;
    }
    evaluate(r.device_id, *s, ctx);
  }

  void on_tick(RuleContext& ctx) override {
    for (auto& [device_id, s] : subjects_) evaluate(device_id, s, ctx);
  }

 private:
  struct Subject {
    bool has_last = false;
    bool raised = false;
    bool maybe_open = true;
    TimePoint last_ts{};
    double last_power_w = 0.0;
    std::optional<TimePoint> on_since;
  };

  std::string alert_id(const std::string& device_id) const { return "appliance_left_on:" + device_id; }

  Subject* subject(const std::string& id) {
    auto it = subjects_.find(id);
    if (it != subjects_.end()) return &it->second;
    if (subjects_.size() >= MAX_DEVICES) return nullptr;
    return &subjects_[id];
  }

  void evaluate(const std::string& device_id, Subject& s, RuleContext& ctx) {
    const TimePoint now = ctx.now();
    if (!s.on_since || s.raised || now - s.last_ts > config_.max_data_age) return;
    const TimePoint counted_until = std::min(now, s.last_ts + config_.max_data_age);
    if (counted_until - *s.on_since < config_.on_for) return;
    const DeviceFacts* facts = ctx.device(device_id);
    if (facts == nullptr) return;
    // A device with no room is judged by motion anywhere in the home.
    const auto motion = ctx.last_motion(facts->room);
    if (motion && *motion > counted_until - config_.on_for) return;  // someone has been there
    const bool switch_off = config_.auto_switch_off && facts->switchable && !facts->essential;
    ctx.raise(candidate(device_id, *facts, s, counted_until - *s.on_since, switch_off));
    if (switch_off) ctx.request_switch_off(device_id, alert_id(device_id));
    s.raised = true;
    s.maybe_open = true;
  }

  AlertCandidate candidate(const std::string& device_id, const DeviceFacts& facts, const Subject& s,
                           TimePoint::duration on_for, bool switch_off) const {
    AlertCandidate c;
    c.id = alert_id(device_id);
    c.rule = "appliance_left_on";
    c.kind = "appliance_left_on";
    c.severity = config_.severity;
    c.device_id = device_id;
    c.room = facts.room;
    c.trigger_ts = s.last_ts;
    c.message_key = switch_off ? "appliance_left_on_auto_off" : "appliance_left_on";
    const long long minutes_on = detail::whole_minutes(on_for);
    c.params = {{"device", facts.display_name()},
                {"room", detail::place(&facts, device_id)},
                {"power", detail::format_number(s.last_power_w, 0)},
                {"duration_min", std::to_string(minutes_on)}};
    c.evidence = {{"power_w", s.last_power_w},
                  {"duration_min", static_cast<double>(minutes_on)},
                  {"switch_off_requested", switch_off ? 1.0 : 0.0}};
    return c;
  }

  ApplianceLeftOnConfig config_;
  std::map<std::string, Subject> subjects_;
};

}  // namespace

std::unique_ptr<Rule> make_appliance_left_on_rule(const ApplianceLeftOnConfig& config) {
  return std::make_unique<ApplianceLeftOnRule>(config);
}

}  // namespace hearth::rules
