#pragma once
// The wellbeing evaluation: replays a recorded home through the real RuleEngine on a simulated
// clock, once untouched (false learned alerts per week) and again with injected incidents on
// randomly chosen days, fixed seed (detection rate and time to detection).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/wellbeing/datasets.h"
#include "core/alert.h"
#include "rules/routine_model.h"

namespace hearth::bench::wellbeing {

struct EvalConfig {
  int warmup_days = 7;  // the recordings are 14-30 days: learn from the first week, evaluate the rest
  int trials = 30;      // incidents per type, each on a different evaluation day (at most all of them)
  std::uint64_t seed = 20240115;
  std::chrono::minutes tick{1};
  // Real sensors check in (battery, link quality) even when nobody moves; the recordings hold
  // state changes only, so every device is given an `online` reading this often.
  std::chrono::minutes check_in{30};
  std::chrono::minutes missed_morning_for{180};  // nothing from the night until usual get-up + this
  std::chrono::minutes wandering_for{60};
};

enum class Incident : std::uint8_t { missed_morning, no_activity_day, night_wandering };
std::string_view to_string(Incident i);

struct RaisedAlert {
  std::string id;
  core::TimePoint raised_at{};
  core::Severity severity = core::Severity::info;
  std::string text;  // English
};

struct IncidentResult {
  Incident type = Incident::missed_morning;
  rules::LocalDay day = 0;
  core::TimePoint start{}, end{};      // what was removed or added
  core::TimePoint reference{};         // the usual get-up time (the wandering's start for nights)
  std::optional<RaisedAlert> learned;  // first learned alert of a matching kind in [start, end of day]
  std::optional<RaisedAlert> fixed;    // first non-learned alert (inactivity, night door) likewise
  double ttd_min() const;              // learned alert time - reference
};

struct HomeResult {
  std::string name;
  int days = 0;                            // whole days in the recording
  int eval_days = 0;                       // whole days after the warm-up
  std::vector<RaisedAlert> false_learned;  // untouched run, evaluation days
  std::vector<RaisedAlert> fixed_alerts;   // untouched run, non-learned rules, evaluation days
  std::vector<IncidentResult> incidents;
  int untouched_days_injected_runs = 0;  // days away from the incident in injected runs
  int false_learned_injected_runs = 0;
  std::string day_start;               // learned, at the end of the untouched run
  std::string usual_up;                // got-up window(s) at the end, for the report
  std::vector<std::string> day_lines;  // per-day figures of the untouched run's final model (--days)
  std::string routine_text;            // routine_to_text at the end of the untouched run
  double false_per_week() const {
    return eval_days > 0 ? 7.0 * static_cast<double>(false_learned.size()) / eval_days : 0;
  }
};

HomeResult evaluate(const Recording& recording, const EvalConfig& config);

}  // namespace hearth::bench::wellbeing
