#pragma once
// Parameters of the wellbeing checks (issue 4): how readings become activity, how the routine is
// learned, and how far a day may stray from it before a carer is told. Plain struct with defaults;
// the gateway parses `rules.wellbeing` into it (strictly, like the other rule sections).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::rules {

// Per home, set by a carer. Scales every learned margin: low = wider windows, fewer alerts.
enum class Sensitivity : std::uint8_t { low, normal, high };

// How a device of one kind is seen in use from its power_w readings.
struct ApplianceUseProfile {
  std::string kind;
  // Use starts above on_w and ends below off_w. Both are raised for a device whose learned standby
  // draw is high (see ActivityDetector), so a TV idling at 12 W is not "on".
  double on_w = 20.0;
  double off_w = 5.0;
  std::chrono::seconds min_on{30};  // shorter runs are not a use (plug glitches, a fridge light)
  // Off for less than this and on again is the same use (a washing machine between phases).
  std::chrono::seconds merge_gap{0};
};

// kettle, microwave, cooker, toaster, tv, washing_machine, lamp.
std::vector<ApplianceUseProfile> default_appliance_profiles();

struct WellbeingConfig {
  bool enabled = true;

  // Learning. The model is relearned from the last window_days closed days at every local
  // midnight. No learned alert fires until warmup_days valid days are in the window.
  int window_days = 21;
  int warmup_days = 14;
  Sensitivity sensitivity = Sensitivity::normal;
  // Weekday and weekend windows are kept apart only when both have min_profile_days days and their
  // usual times differ by at least split_min_difference; otherwise one window for all days.
  int min_profile_days = 4;
  std::chrono::minutes split_min_difference{45};
  // A routine day starts here (local time): activity before it is still "the night". Until the
  // warm-up is over this value is used; after it, the middle of the home's quietest 4 h (learned).
  std::chrono::minutes day_start{4 * 60};
  bool learn_day_start = true;

  // Got up / first meal. Alert at the usual-late time (90th percentile) + margin, but for a regular
  // routine never earlier than usual + min_late nor later than usual + max_late (meal_max_late for
  // the first meal, a softer sign). A routine whose 10th-90th percentile spread exceeds
  // irregular_spread (shift work) is alerted only after the latest time seen + margin: fewer alerts
  // rather than false alarms. Urgent urgent_after later.
  std::chrono::minutes late_margin{60};
  std::chrono::minutes min_late{45};
  std::chrono::minutes max_late{120};
  std::chrono::minutes meal_max_late{180};
  std::chrono::minutes irregular_spread{180};
  std::chrono::minutes urgent_after{120};
  // "Got up" = day-room activity (not bedroom or bathroom) after the day start, confirmed within
  // up_confirm by day-room activity in up_confirm_bins different 5-minute bins, or by any further
  // activity and no return to the bedroom (sparse homes). A glass of water at 05:00 is not getting up.
  int up_confirm_bins = 3;
  std::chrono::minutes up_confirm{60};

  // Night: day-room activity from an hour after the usual bedtime (at most night_span before the day
  // start) until 30 min before the earliest usual get-up, in 5-minute bins in which this home is
  // active on at most quiet_probability of learned days (a bin next to a usual one counts as usual).
  std::chrono::minutes night_span{6 * 60};
  double quiet_probability = 0.1;
  int night_min_bins = 4;  // at least this many such bins (20 min) before an alert

  // Bathroom visits in a day (visits = bathroom activity separated by 10 min or more).
  int bathroom_min_extra = 3;  // alert above the usual-high count + max(this, 50% of usual)

  // Out of the home: an entrance door, then no indoor activity for out_after. Alert after the
  // longest usual absence (90th percentile) + absence_margin, never sooner than min_absence.
  std::chrono::minutes out_after{15};
  std::chrono::minutes min_absence{4 * 60};
  std::chrono::minutes absence_margin{120};

  // Data quality: a moment counts as observed only while the engine ticks and some device has
  // reported within max_silence. A day observed less than min_day_coverage is not learned, and
  // "not up yet" needs the morning so far observed too (silence is not inactivity).
  std::chrono::minutes max_silence{90};
  double min_day_coverage = 0.8;

  // Daily wellbeing score (0-100) and its two-week trend (info to the carer): the last 7 days'
  // mean at least trend_drop below the 7 before, with a falling slope.
  bool trend_alert = true;
  double trend_drop = 10.0;

  // Activity detection.
  std::vector<ApplianceUseProfile> appliances = default_appliance_profiles();
  std::chrono::minutes presence_gap{10};  // motion in a room this far apart = separate visits
  std::vector<std::string> meal_kinds{"kettle", "microwave", "cooker", "toaster", "fridge_door"};
  // Homes without appliance plugs: motion in these rooms counts as preparing food.
  std::vector<std::string> meal_rooms{};
  // Room names are matched case-insensitively as substrings ("Main bedroom" is a bedroom).
  std::vector<std::string> bedroom_rooms{"bedroom"};
  std::vector<std::string> bathroom_rooms{"bathroom", "toilet", "wc", "shower", "ensuite", "en-suite"};
  std::vector<std::string> entrance_rooms{"hall", "entrance", "porch"};
  std::vector<std::string> entrance_kinds{"entrance_door"};
  std::vector<std::string> fridge_kinds{"fridge", "fridge_door"};  // their contact is the fridge door
};

}  // namespace hearth::rules
