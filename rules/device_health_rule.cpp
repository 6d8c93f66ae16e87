// Device health: offline (online=0 for offline_for), stale (silent for stale_factor x its usual
// interval, learned as the median gap of its recent readings), battery low.
#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "rules/builtin_rules.h"
#include "rules/rule_util.h"

namespace hearth::rules {
namespace {

using core::Metric;
using core::TimePoint;

// Readings of one message share a timestamp (or nearly): gaps below this are one burst.
constexpr auto MIN_GAP = std::chrono::seconds{1};

class DeviceHealthRule final : public Rule {
 public:
  explicit DeviceHealthRule(DeviceHealthConfig config) : config_(config) {}

  std::string_view id() const override { return "device_health"; }

  void on_reading(const core::Reading& r, RuleContext& ctx) override {
    Device* d = device(r.device_id);
    if (d == nullptr) return;
    if (r.metric == Metric::online) {
      on_online(r, *d, ctx);
      return;
    }
    // online is the broker's verdict (LWT), not data: only real readings count for staleness.
    if (d->last_ts && r.ts <= *d->last_ts) return;  // duplicate, same burst or late
    if (d->last_ts && r.ts - *d->last_ts >= MIN_GAP) note_gap(*d, r.ts - *d->last_ts);
    d->last_ts = r.ts;
    if (d->stale.raised || d->stale.maybe_open) clear(d->stale, "device_stale:" + r.device_id, r.ts, ctx);
    if (r.metric == Metric::battery_pct) on_battery(r, *d, ctx);
  }

  void on_tick(RuleContext& ctx) override {
    for (auto& [id, d] : devices_) {
      check_offline(id, d, ctx);
      check_stale(id, d, ctx);
    }
    check_clock(ctx);
  }

 private:
  struct Flag {
    bool raised = false;
    bool maybe_open = true;  // a restored alert may be open after a restart
  };
  struct Device {
    std::optional<TimePoint> last_ts;
    std::optional<TimePoint> online_ts;
    std::deque<TimePoint::duration> gaps;
    std::optional<TimePoint> offline_since;
    Flag offline, stale, battery;
  };

  Device* device(const std::string& id) {
    auto it = devices_.find(id);
    if (it != devices_.end()) return &it->second;
    if (devices_.size() >= config_.max_devices) return nullptr;
    return &devices_[id];
  }

  void note_gap(Device& d, TimePoint::duration gap) {
    d.gaps.push_back(gap);
    while (d.gaps.size() > config_.gap_window) d.gaps.pop_front();
  }

  static void clear(Flag& f, const std::string& alert_id, TimePoint at, RuleContext& ctx) {
    ctx.clear(alert_id, at);
    f = Flag{.raised = false, .maybe_open = false};
  }

  void on_online(const core::Reading& r, Device& d, RuleContext& ctx) {
    if (d.online_ts && r.ts <= *d.online_ts) return;
    d.online_ts = r.ts;
    if (r.value < 0.5) {
      if (!d.offline_since) d.offline_since = r.ts;
      return;
    }
    d.offline_since.reset();
    if (d.offline.raised || d.offline.maybe_open) clear(d.offline, "device_offline:" + r.device_id, r.ts, ctx);
  }

  void on_battery(const core::Reading& r, Device& d, RuleContext& ctx) {
    const std::string alert_id = "battery_low:" + r.device_id;
    if (r.value < config_.battery_low_pct) {
      if (d.battery.raised) return;
      ctx.raise(candidate(alert_id, "battery_low", config_.battery_severity, r.device_id, r.ts, ctx,
                          {{"battery", detail::format_number(r.value, 0)}}, {{"battery_pct", r.value}}));
      d.battery.raised = true;
    } else if (r.value >= config_.battery_low_pct + config_.battery_hysteresis_pct &&
               (d.battery.raised || d.battery.maybe_open)) {
      clear(d.battery, alert_id, r.ts, ctx);
    }
  }

  void check_offline(const std::string& id, Device& d, RuleContext& ctx) {
    if (!d.offline_since || d.offline.raised) return;
    const TimePoint now = ctx.now();
    const TimePoint since = std::max(*d.offline_since, ctx.observing_since());
    if (now - since < config_.offline_for) return;
    const long long m = detail::whole_minutes(now - *d.offline_since);
    ctx.raise(candidate("device_offline:" + id, "device_offline", config_.offline_severity, id, *d.offline_since, ctx,
                        {{"duration_min", std::to_string(m)}}, {{"offline_min", static_cast<double>(m)}}));
    d.offline.raised = true;
  }

  // The unsynchronised time is counted on the clock in question, which is all there is; once a time
  // source sets it, the alert clears.
  void check_clock(RuleContext& ctx) {
    static const std::string ALERT_ID = "clock_unsynchronised:gateway";
    const auto synced = ctx.clock_synchronised();
    if (!synced) return;  // unknown (replay, tests without a clock source)
    if (*synced) {
      clock_unsynced_since_.reset();
      if (clock_.raised || clock_.maybe_open) clear(clock_, ALERT_ID, ctx.now(), ctx);
      return;
    }
    if (!clock_unsynced_since_) clock_unsynced_since_ = ctx.now();
    if (clock_.raised || ctx.now() - *clock_unsynced_since_ < config_.clock_unsynchronised_for) return;
    const long long m = detail::whole_minutes(ctx.now() - *clock_unsynced_since_);
    AlertCandidate c;
    c.id = ALERT_ID;
    c.rule = "clock_unsynchronised";
    c.kind = "device_health";
    c.severity = config_.clock_severity;
    c.trigger_ts = *clock_unsynced_since_;
    c.message_key = "clock_unsynchronised";
    c.params = {{"duration_min", std::to_string(m)}};
    c.evidence = {{"unsynchronised_min", static_cast<double>(m)}};
    ctx.raise(std::move(c));
    clock_.raised = true;
  }

  std::optional<TimePoint::duration> usual_interval(const Device& d) const {
    if (d.gaps.size() < config_.min_gaps) return std::nullopt;
    std::vector<TimePoint::duration> sorted(d.gaps.begin(), d.gaps.end());
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    return sorted[sorted.size() / 2];
  }

  void check_stale(const std::string& id, Device& d, RuleContext& ctx) {
    // An offline device is reported as offline, not also as stale.
    if (!d.last_ts || d.stale.raised || d.offline_since) return;
    const auto interval = usual_interval(d);
    if (!interval) return;  // not learned yet
    const auto factor_ms = std::chrono::milliseconds{
        static_cast<std::int64_t>(config_.stale_factor * static_cast<double>(interval->count()))};
    const auto stale_after = std::max<TimePoint::duration>(config_.stale_floor, factor_ms);
    const TimePoint now = ctx.now();
    if (now - std::max(*d.last_ts, ctx.observing_since()) < stale_after) return;
    const long long silent = detail::whole_minutes(now - *d.last_ts);
    const long long usual = std::max<long long>(1, detail::whole_minutes(*interval));
    ctx.raise(
        candidate("device_stale:" + id, "device_stale", config_.stale_severity, id, *d.last_ts, ctx,
                  {{"duration_min", std::to_string(silent)}, {"interval_min", std::to_string(usual)}},
                  {{"silent_min", static_cast<double>(silent)}, {"usual_interval_min", static_cast<double>(usual)}}));
    d.stale.raised = true;
  }

  AlertCandidate candidate(const std::string& alert_id, const std::string& key, core::Severity severity,
                           const std::string& device_id, TimePoint trigger, RuleContext& ctx,
                           std::map<std::string, std::string> params, std::map<std::string, double> evidence) const {
    const DeviceFacts* facts = ctx.device(device_id);
    AlertCandidate c;
    c.id = alert_id;
    c.rule = key;
    c.kind = "device_health";
    c.severity = severity;
    c.device_id = device_id;
    c.room = facts != nullptr ? facts->room : "";
    c.trigger_ts = trigger;
    c.message_key = key;
    c.params = std::move(params);
    c.params["device"] = facts != nullptr ? facts->display_name() : device_id;
    c.params["room"] = detail::place(facts, device_id);
    c.evidence = std::move(evidence);
    return c;
  }

  DeviceHealthConfig config_;
  std::map<std::string, Device> devices_;
  std::optional<TimePoint> clock_unsynced_since_;
  Flag clock_;
};

}  // namespace

std::unique_ptr<Rule> make_device_health_rule(const DeviceHealthConfig& config) {
  return std::make_unique<DeviceHealthRule>(config);
}

}  // namespace hearth::rules
