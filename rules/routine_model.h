#pragma once
// The learned daily routine of one home. Each local calendar day is summarised as 5-minute bins
// (when the data was live, and where there was activity); everything the model knows (usual
// get-up time, first meal, bedtime, quiet night hours, bathroom visits, time out, activity level,
// the daily score) is derived from the last window_days valid summaries. A restored list of
// summaries therefore gives exactly the same model, and the summaries are all the gateway saves.
#include <array>
#include <bitset>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/time.h"
#include "rules/wellbeing_config.h"

namespace hearth::rules {

inline constexpr int BIN_MIN = 5;
inline constexpr int BINS_PER_DAY = 24 * 60 / BIN_MIN;
using DayBins = std::bitset<BINS_PER_DAY>;

// A local calendar date as days since 1970-01-01 (local = UTC + utc_offset).
using LocalDay = std::int32_t;
LocalDay local_day(core::TimePoint t, std::chrono::minutes utc_offset);
int local_minute(core::TimePoint t, std::chrono::minutes utc_offset);
core::TimePoint local_midnight(LocalDay day, std::chrono::minutes utc_offset);  // as a UTC instant
bool is_weekend(LocalDay day);                                                  // Saturday or Sunday
std::string format_date(LocalDay day);                                          // "2024-01-15"
std::optional<LocalDay> parse_date(std::string_view text);
std::string format_hhmm(int minute_of_day);  // 1500 (after midnight) -> "01:00"

// One local calendar day. Bins hold "something happened in these 5 minutes".
struct DaySummary {
  LocalDay day = 0;
  DayBins observed;  // the engine was ticking and devices were reporting (see max_silence)
  DayBins day_room;  // signs of life outside bedroom and bathroom: other rooms, entrance, appliances
  DayBins bathroom;
  DayBins bedroom;
  DayBins meal;                 // kettle/meal appliance, fridge door, or motion in a meal room
  DayBins out;                  // out of the home
  bool away = false;            // away mode was on at some time of the day
  std::optional<double> score;  // 0-100, set when the day closed with a learned model

  friend bool operator==(const DaySummary&, const DaySummary&) = default;
};

void to_json(nlohmann::json& j, const DaySummary& d);
void from_json(const nlohmann::json& j, DaySummary& d);  // throws nlohmann::json::exception

// Per-day figures, all derived from the bins (free functions so tests can check each one).
int observed_min(const DaySummary& d);
bool has_activity(const DaySummary& d);
// Learnable: observed for min_day_coverage of the day, not away, and some activity (a day with none
// at all is an incident or missing data, never "the usual").
bool is_valid(const DaySummary& d, const WellbeingConfig& config);
// First day-room activity at or after day_start that is confirmed within up_confirm (see
// WellbeingConfig::up_confirm_bins). Minutes since the day's local midnight.
std::optional<int> got_up_min(const DaySummary& d, int day_start_min, const WellbeingConfig& config);
std::optional<int> first_meal_min(const DaySummary& d, int day_start_min);
// Last day-room activity before the next day's start; >= 1440 when after midnight. next may be null.
std::optional<int> bedtime_min(const DaySummary& d, const DaySummary* next, int day_start_min);
int bathroom_visits(const DaySummary& d);  // runs of bathroom bins, gaps of one bin merged
int active_min(const DaySummary& d);       // activity level: minutes (5-min bins) with any activity
int longest_out_min(const DaySummary& d);

// Share of learned days with day-room activity in each bin, smoothed (max of the bin and its two
// neighbours) so going to bed ten minutes later than ever is not "unusual".
using BinProfile = std::array<float, BINS_PER_DAY>;

// The night that ends on the morning of a date, in minutes from that date's midnight (from_min is
// negative: the evening before).
struct NightRange {
  int from_min = 0;
  int to_min = 0;
};

struct NightCount {
  int bins = 0;
  std::optional<int> first_min;  // as NightRange
  std::optional<int> last_min;
};
// Day-room activity in the night range, in bins where the home is usually quiet. prev (the evening
// before) or day may be null (not known yet).
NightCount night_unusual(const DaySummary* prev, const DaySummary* day, NightRange range, const BinProfile& quiet,
                         const WellbeingConfig& config);

struct TimeStats {
  int days = 0;
  int usual_min = 0;  // median
  int earliest_min = 0;
  int latest_min = 0;
  int low_min = 0;   // 10th percentile
  int high_min = 0;  // 90th percentile
  bool irregular = false;
};

struct CountStats {
  int days = 0;
  double usual = 0.0;  // median
  double high = 0.0;   // 90th percentile
  double max = 0.0;
};

enum class Profile : std::uint8_t { all, weekday, weekend };
std::string_view to_string(Profile p);

struct TimeWindow {
  TimeStats all, weekday, weekend;
  bool split = false;  // weekday and weekend learned apart (the data show a difference)
  Profile profile_for(LocalDay day) const;
  const TimeStats& stats(Profile p) const;
  const TimeStats& for_day(LocalDay day) const { return stats(profile_for(day)); }
};

struct LearnedRoutine {
  int valid_days = 0;
  bool warming_up = true;
  int day_start_min = 0;
  TimeWindow got_up, first_meal, bedtime;
  CountStats night_bins, bathroom_visits, active_min, longest_out_min;
  BinProfile quiet{};  // smoothed share of days with day-room activity per bin
  std::optional<LocalDay> first_day, last_day;
};

struct LearnedRoutine;
// From an hour after the usual bedtime (never more than night_span before the day start) until
// 30 min before the earliest usual get-up (10th percentile of that day's profile), or the day start
// while nothing is learned. Ends with the usual time, not with today's: wandering at 04:00 is not
// "up early", and getting up far earlier than ever shows as night-time activity.
NightRange night_range(const LearnedRoutine& learned, LocalDay night_of, const WellbeingConfig& config);

// Sensitivity as a factor on margins: low 1.5, normal 1, high 0.6.
double sensitivity_factor(Sensitivity s);
// When "not up" / "no meal" is raised (minutes since local midnight); nullopt with too few days.
std::optional<int> late_threshold_min(const TimeStats& stats, const WellbeingConfig& config, bool meal = false);
// Unusual night bins, and minutes out of the home, at which the alert is raised.
int night_threshold_bins(const LearnedRoutine& learned, const WellbeingConfig& config);
// Visits in a day at which the info alert, and then the warning, is raised.
std::pair<int, int> bathroom_thresholds(const LearnedRoutine& learned, const WellbeingConfig& config);
int absence_threshold_min(const LearnedRoutine& learned, const WellbeingConfig& config);

struct Trend {
  int days = 0;
  double recent = 0.0;  // mean score of the last 7 days
  double before = 0.0;  // mean score of the 7 days before
  double slope_per_day = 0.0;
  bool falling = false;
};

class RoutineModel {
 public:
  explicit RoutineModel(WellbeingConfig config);

  // Adds a closed day (replacing an earlier summary of the same date) and relearns. Keeps the last
  // window_days valid days, and nothing older than 3 x window_days.
  void add_day(DaySummary day);
  // Restores saved summaries (any order; invalid dates skipped by the caller) and relearns.
  void set_days(std::vector<DaySummary> days);

  const std::deque<DaySummary>& days() const { return days_; }
  const LearnedRoutine& learned() const { return learned_; }
  const WellbeingConfig& config() const { return config_; }
  const DaySummary* find(LocalDay day) const;

  // How typical `day` was against the current model (call before adding it): 100 = entirely usual.
  double score(const DaySummary& day) const;
  // Two-week trend of the stored scores up to and including `through`.
  Trend trend(LocalDay through) const;

 private:
  void trim();
  void relearn();
  int learn_day_start(const std::vector<const DaySummary*>& valid) const;

  WellbeingConfig config_;
  std::deque<DaySummary> days_;  // closed days, oldest first
  LearnedRoutine learned_;
};

// The model for people: per signal and profile, usual/earliest/latest, days of data, alert time.
nlohmann::json routine_to_json(const RoutineModel& model);

}  // namespace hearth::rules
