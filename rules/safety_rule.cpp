// Safety, immediate: smoke, carbon monoxide, water leak. Raised on the first reading that says
// so, with the room and any intensity the device reports; cleared when the sensor reports clear.
#include <map>
#include <optional>

#include "rules/builtin_rules.h"
#include "rules/rule_util.h"

namespace hearth::rules {
namespace {

using core::Metric;
using core::TimePoint;

constexpr std::size_t MAX_DEVICES = 2000;

enum class Hazard : std::uint8_t { smoke, co, water_leak };

std::string hazard_name(Hazard h) {
  switch (h) {
    case Hazard::smoke:
      return "smoke";
    case Hazard::co:
      return "co";
    case Hazard::water_leak:
      return "water_leak";
  }
  return "smoke";
}

class SafetyRule final : public Rule {
 public:
  explicit SafetyRule(SafetyRuleConfig config) : config_(config) {}

  std::string_view id() const override { return "safety"; }

  void on_reading(const core::Reading& r, RuleContext& ctx) override {
    if (!is_safety_metric(r.metric)) return;
    Device* d = device(r.device_id);
    if (d == nullptr) return;
    auto& last = d->last_ts[r.metric];
    if (last && r.ts <= *last) return;  // duplicate or late
    last = r.ts;
    switch (r.metric) {
      case Metric::smoke:
      case Metric::smoke_density:
        update(Hazard::smoke, d->smoke, r, ctx, smoke_active(r, *d));
        break;
      case Metric::co_detected:
        d->co_detected = r.value >= 0.5;
        update(Hazard::co, d->co, r, ctx, d->co_detected || d->co_high);
        break;
      case Metric::co_ppm:
        d->co_high = r.value >= config_.co_ppm_threshold;
        update(Hazard::co, d->co, r, ctx, d->co_detected || d->co_high);
        break;
      case Metric::water_leak:
        update(Hazard::water_leak, d->leak, r, ctx, r.value >= 0.5);
        break;
      default:
        break;
    }
  }

  void on_tick(RuleContext&) override {}

 private:
  struct Device {
    std::map<Metric, std::optional<TimePoint>> last_ts;
    std::optional<bool> smoke, co, leak;  // unknown after start: a restored alert may be open
    bool co_detected = false;
    bool co_high = false;
  };

  static bool is_safety_metric(Metric m) {
    return m == Metric::smoke || m == Metric::smoke_density || m == Metric::co_detected || m == Metric::co_ppm ||
           m == Metric::water_leak;
  }

  static std::optional<bool> smoke_active(const core::Reading& r, const Device& d) {
    if (r.metric == Metric::smoke) return r.value >= 0.5;
    return d.smoke;  // density alone neither raises nor clears; it refreshes the evidence
  }

  void update(Hazard h, std::optional<bool>& state, const core::Reading& r, RuleContext& ctx,
              std::optional<bool> active) {
    if (!active) return;
    const std::string alert = hazard_name(h) + ":" + r.device_id;
    if (*active) {
      ctx.raise(candidate(h, alert, r, ctx));  // repeated raises only refresh the evidence
    } else if (state != false) {
      ctx.clear(alert, r.ts);
    }
    state = *active;
  }

  core::Severity severity(Hazard h) const {
    switch (h) {
      case Hazard::smoke:
        return config_.smoke_severity;
      case Hazard::co:
        return config_.co_severity;
      case Hazard::water_leak:
        return config_.water_leak_severity;
    }
    return core::Severity::emergency;
  }

  AlertCandidate candidate(Hazard h, const std::string& alert, const core::Reading& r, RuleContext& ctx) const {
    const DeviceFacts* facts = ctx.device(r.device_id);
    AlertCandidate c;
    c.id = alert;
    c.rule = hazard_name(h);
    c.kind = "safety";
    c.severity = severity(h);
    c.device_id = r.device_id;
    c.room = facts != nullptr ? facts->room : "";
    c.trigger_ts = r.ts;
    c.message_key = hazard_name(h);
    const std::string name = facts != nullptr ? facts->display_name() : r.device_id;
    c.params = {{"room", detail::place(facts, r.device_id)}, {"device", name}};
    add_evidence(c, r, ctx,
                 h == Hazard::smoke ? std::initializer_list<Metric>{Metric::smoke, Metric::smoke_density}
                 : h == Hazard::co  ? std::initializer_list<Metric>{Metric::co_detected, Metric::co_ppm}
                                    : std::initializer_list<Metric>{Metric::water_leak});
    return c;
  }

  // Intensity from this reading or the device's latest value of the related metrics.
  static void add_evidence(AlertCandidate& c, const core::Reading& r, RuleContext& ctx,
                           std::initializer_list<Metric> metrics) {
    for (Metric m : metrics) {
      std::optional<double> v;
      if (r.metric == m) {
        v = r.value;
      } else if (auto latest = ctx.latest(r.device_id, m)) {
        v = latest->value;
      }
      if (!v) continue;
      c.evidence[std::string(core::to_string(m))] = *v;
      if (m == Metric::co_ppm) c.params["co_ppm"] = detail::format_number(*v, 0);
      if (m == Metric::smoke_density) c.params["smoke_density"] = detail::format_number(*v, 1);
    }
  }

  Device* device(const std::string& id) {
    auto it = devices_.find(id);
    if (it != devices_.end()) return &it->second;
    if (devices_.size() >= MAX_DEVICES) return nullptr;
    return &devices_[id];
  }

  SafetyRuleConfig config_;
  std::map<std::string, Device> devices_;
};

}  // namespace

std::unique_ptr<Rule> make_safety_rule(const SafetyRuleConfig& config) { return std::make_unique<SafetyRule>(config); }

}  // namespace hearth::rules
