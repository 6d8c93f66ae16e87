#pragma once
// Wellbeing checks (issue 4): learns the person's daily routine from activity and tells a carer
// when a day breaks it. Alerts (ids carry the local date, so each day stands alone):
//   wellbeing:not_up:<date>      not up by the usual time + margin      warning -> urgent; clears when up
//   wellbeing:no_meal:<date>     no kettle/meal appliance by then       warning -> urgent; clears at a meal
//   wellbeing:night:<date>       unusual night-time activity (the night ending that morning), warning, latching
//   wellbeing:absence:<date>     out of the home far longer than usual  warning; clears when back
//   wellbeing:bathroom:<date>    bathroom visits far above usual        info -> warning, latching
//   wellbeing:trend:home         daily score falling for two weeks      info; clears when it recovers
// None fires while the model warms up, while away mode is on, or while the data is not live.
//
// Persistence: save_state() is everything learned (day summaries) plus today's progress; the
// gateway stores it (e.g. hourly and at shutdown) and hands it to restore_state() at start.
// Activity events are handed out once through take_activity() (the engine puts them in
// EngineOutput::activity).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "rules/activity.h"
#include "rules/routine_model.h"
#include "rules/rule.h"
#include "rules/wellbeing_config.h"

namespace hearth::rules {

class WellbeingRule final : public Rule {
 public:
  static constexpr int STATE_SCHEMA = 1;

  WellbeingRule(WellbeingConfig config, std::chrono::minutes utc_offset);

  std::string_view id() const override { return "wellbeing"; }
  void on_reading(const core::Reading& reading, RuleContext& ctx) override;
  void on_tick(RuleContext& ctx) override;

  // The householder's "away" switch (the TV). On: no learned alert, today's open not-up, no-meal
  // and absence alerts are cleared, and every day touched by away mode is left out of learning.
  void set_away(bool away, RuleContext& ctx);
  bool away() const { return away_; }

  // Activity events completed since the last call (bounded: the oldest are dropped past 10 000).
  std::vector<ActivityEvent> take_activity();

  // Learned state for the gateway to save and restore across restarts.
  nlohmann::json save_state() const;
  // Replaces the learned state. On error nothing changes.
  core::Result<void> restore_state(const nlohmann::json& state);

  // What GET /api/v1/routine and `hearth routine` show: the learned windows per profile, counts,
  // scores, away, and today so far.
  nlohmann::json routine_to_json() const;

  const RoutineModel& model() const { return model_; }
  const DaySummary& today() const { return today_; }

 private:
  struct DayFlags {
    bool up_seen = false;  // the person was seen up today (not-up is cleared once)
    bool meal_seen = false;
    bool not_up_raised = false;  // raised today (and maybe escalated)
    bool not_up_urgent = false;
    bool no_meal_raised = false;
    bool no_meal_urgent = false;
    int bathroom_level = 0;             // 0 none, 1 info raised, 2 warning raised
    bool night_raised = false;          // for the night ending this morning
    bool evening_night_raised = false;  // for the night starting this evening (tomorrow's id)
  };

  void roll_to(core::TimePoint now, RuleContext& ctx);
  void close_today(RuleContext& ctx);
  void mark_observed(core::TimePoint now, RuleContext& ctx);
  void on_sign(const ActivitySign& sign, RuleContext& ctx);
  void update_absence(core::TimePoint now);
  void end_absence(core::TimePoint at, RuleContext& ctx);
  bool live(core::TimePoint now) const;
  bool alerts_allowed(core::TimePoint now) const;
  std::optional<int> up_min_today() const;
  bool maybe_up_now(core::TimePoint now) const;
  double morning_coverage(core::TimePoint now) const;

  void check_late(core::TimePoint now, RuleContext& ctx, bool meal);
  void check_night(core::TimePoint now, RuleContext& ctx);
  void check_absence(core::TimePoint now, RuleContext& ctx);
  void check_bathroom(core::TimePoint now, RuleContext& ctx);
  void check_trend(RuleContext& ctx);
  AlertCandidate candidate(std::string kind, std::string id_subject, core::Severity severity,
                           core::TimePoint trigger) const;
  std::string alert_id(std::string_view kind, LocalDay day) const;
  void set_bin(DayBins& bins, core::TimePoint t);

  WellbeingConfig config_;
  std::chrono::minutes utc_offset_;
  ActivityDetector detector_;
  RoutineModel model_;
  DaySummary today_;
  bool started_ = false;
  bool away_ = false;
  DayFlags flags_;
  std::optional<core::TimePoint> last_reading_;
  std::optional<core::TimePoint> last_tick_;
  std::optional<core::TimePoint> last_day_sign_;  // last day-room sign (for "maybe up")
  std::optional<core::TimePoint> door_at_;        // entrance door opened, no indoor activity since
  std::optional<core::TimePoint> out_since_;      // out of the home since (the door time)
  std::optional<std::string> absence_alert_;      // id of the raised absence alert
  bool trend_raised_ = false;
  std::vector<ActivityEvent> activity_;
};

// routine_to_json() as lines for a terminal (`hearth routine`).
std::string routine_to_text(const nlohmann::json& routine);

// For `hearth routine` without a running engine: the description of a saved state.
core::Result<nlohmann::json> describe_saved_routine(const nlohmann::json& state, const WellbeingConfig& config,
                                                    std::chrono::minutes utc_offset);

}  // namespace hearth::rules
