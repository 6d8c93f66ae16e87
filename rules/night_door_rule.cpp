// Entrance door opened during the night window (possible wandering). An event, not a condition:
// the alert latches until a carer resolves it; further openings while it is open are counted.
#include <map>
#include <optional>

#include "rules/builtin_rules.h"
#include "rules/rule_util.h"

namespace hearth::rules {
namespace {

using core::TimePoint;

constexpr std::size_t MAX_DEVICES = 500;

class NightDoorRule final : public Rule {
 public:
  NightDoorRule(NightDoorConfig config, minutes utc_offset) : config_(std::move(config)), utc_offset_(utc_offset) {}

  std::string_view id() const override { return "night_door"; }

  void on_reading(const core::Reading& r, RuleContext& ctx) override {
    if (r.metric != core::Metric::contact_open) return;
    const DeviceFacts* facts = ctx.device(r.device_id);
    if (facts == nullptr || !is_entrance(*facts)) return;
    auto it = doors_.find(r.device_id);
    if (it == doors_.end()) {
      if (doors_.size() >= MAX_DEVICES) return;
      it = doors_.emplace(r.device_id, Door{}).first;
    }
    Door& d = it->second;
    if (d.last_ts && r.ts <= *d.last_ts) return;  // duplicate or late
    const bool open = r.value >= 0.5;
    // Unknown previous state counts as closed: missing a wandering resident after a restart is
    // worse than one extra alert.
    const bool opened = open && d.open != true;
    d.last_ts = r.ts;
    d.open = open;
    if (!opened || !detail::in_window(r.ts, config_.night, utc_offset_)) return;
    const std::string alert_id = "night_door:" + r.device_id;
    // Openings are counted per night; the evidence of the open alert shows how many.
    const TimePoint night = detail::window_start(r.ts, config_.night, utc_offset_);
    d.openings = d.night == night ? d.openings + 1 : 1;
    d.night = night;
    ctx.raise(candidate(alert_id, *facts, r, d.openings));
  }

  void on_tick(RuleContext&) override {}

 private:
  struct Door {
    std::optional<TimePoint> last_ts;
    std::optional<bool> open;
    std::optional<TimePoint> night;  // start of the night the openings were counted in
    int openings = 0;
  };

  bool is_entrance(const DeviceFacts& f) const {
    return detail::contains(config_.kinds, f.kind) || detail::contains_room(config_.rooms, f.room);
  }

  AlertCandidate candidate(const std::string& alert_id, const DeviceFacts& facts, const core::Reading& r,
                           int openings) const {
    AlertCandidate c;
    c.id = alert_id;
    c.rule = "night_door";
    c.kind = "night_door";
    c.severity = config_.severity;
    c.device_id = r.device_id;
    c.room = facts.room;
    c.trigger_ts = r.ts;
    c.message_key = "night_door";
    c.latching = true;
    c.params = {{"device", facts.display_name()},
                {"room", detail::place(&facts, r.device_id)},
                {"time", detail::local_hhmm(r.ts, utc_offset_)}};
    c.evidence = {{"openings", static_cast<double>(openings)},
                  {"opened_at_ms", static_cast<double>(core::to_epoch_ms(r.ts))}};
    return c;
  }

  NightDoorConfig config_;
  minutes utc_offset_;
  std::map<std::string, Door> doors_;
};

}  // namespace

std::unique_ptr<Rule> make_night_door_rule(const NightDoorConfig& config, minutes utc_offset) {
  return std::make_unique<NightDoorRule>(config, utc_offset);
}

}  // namespace hearth::rules
