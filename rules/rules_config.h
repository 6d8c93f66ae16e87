#pragma once
// Parameters of the built-in rules, as plain structs with sensible defaults. The gateway parses
// the home's YAML into a RulesConfig (strictly: unknown keys are errors) and hands it to
// RuleEngine; default_rules_config() is what a home gets with no rules section at all.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/metric.h"
#include "rules/wellbeing_config.h"

namespace hearth::rules {

using std::chrono::hours;
using std::chrono::minutes;

// A daily window in local time, as minutes since local midnight. end < start wraps past midnight
// (23:00-07:00 is {1380, 420}). Local time is UTC + RulesConfig::utc_offset: Hearth stays tz-free,
// the gateway passes the offset in force (and reloads it at a DST change).
struct DailyWindow {
  int start_min = 0;
  int end_min = 0;
};

inline constexpr DailyWindow NIGHT{23 * 60, 7 * 60};
inline constexpr DailyWindow WAKING{7 * 60, 23 * 60};

enum class Direction : std::uint8_t { below, above };

// A metric below/above a threshold for a duration. Entering needs value < threshold (below) or
// > threshold (above); leaving needs the value past threshold +/- hysteresis for clear_hold, so a
// value wobbling around the threshold neither resets the count nor clears and re-raises the alert.
struct ThresholdRuleConfig {
  std::string id;  // also the alert id prefix, e.g. "cold_home"
  bool enabled = true;
  core::Metric metric = core::Metric::temperature_c;
  Direction direction = Direction::below;
  double threshold = 16.0;
  double hysteresis = 0.5;  // in the metric's unit
  minutes duration{120};
  minutes clear_hold{10};
  // A reading older than this is not evidence: the count never runs more than max_data_age past
  // the last reading, and a gap longer than this restarts the count (see README "stale data").
  minutes max_data_age{30};
  core::Severity severity = core::Severity::urgent;
  std::string message_key = "cold_home";
  std::vector<std::string> rooms;    // empty: every room
  std::vector<std::string> devices;  // empty: every device with this metric
  // "While occupied": raise only if there was motion in the device's room within occupied_within.
  bool require_occupied = false;
  hours occupied_within{12};
  // Raise only while now is inside this window (overheating at night). Off when start == end.
  DailyWindow only_during{0, 0};
};

struct SafetyRuleConfig {
  bool enabled = true;
  double co_ppm_threshold = 50.0;
  core::Severity smoke_severity = core::Severity::emergency;
  core::Severity co_severity = core::Severity::emergency;
  core::Severity water_leak_severity = core::Severity::urgent;
};

struct ApplianceLeftOnConfig {
  bool enabled = true;
  std::vector<std::string> kinds{"cooker", "heater"};
  double threshold_w = 50.0;  // drawing more than this counts as on
  double hysteresis_w = 10.0;
  minutes on_for{45};  // on, with no motion in its room, for this long
  minutes max_data_age{30};
  core::Severity severity = core::Severity::urgent;
  // Request a switch-off when raised. Only ever for switchable, never for essential devices.
  bool auto_switch_off = false;
};

struct InactivityConfig {
  bool enabled = true;
  hours no_activity_for{6};
  DailyWindow waking{WAKING};  // only waking-hours time counts
  // Absence of activity is only evidence while devices are talking: with no reading at all for
  // this long (gateway or network down), no inactivity alert.
  minutes max_silence{60};
  core::Severity severity = core::Severity::urgent;
  // What counts as activity (the engine tracks it for all rules): motion=1 anywhere, an entrance
  // or any contact opening, and power_w rising above appliance_use_w on a device of these kinds
  // (heaters and fridges cycle on their own, so they are not signs of life).
  std::vector<std::string> activity_kinds{"kettle", "tv", "cooker", "microwave", "washing_machine", "lamp"};
  double appliance_use_w = 20.0;
};

struct NightDoorConfig {
  bool enabled = true;
  DailyWindow night{NIGHT};
  // Entrance doors: contact sensors whose device kind or room is named here.
  std::vector<std::string> kinds{"entrance_door"};
  std::vector<std::string> rooms{"hallway", "entrance", "porch"};
  core::Severity severity = core::Severity::urgent;
};

struct DeviceHealthConfig {
  bool enabled = true;
  minutes offline_for{10};
  // Stale: no reading for stale_factor x the device's usual interval (median gap of its last
  // readings, learned after min_gaps gaps), never less than stale_floor.
  double stale_factor = 3.0;
  minutes stale_floor{15};
  std::size_t min_gaps = 4;
  std::size_t gap_window = 9;
  double battery_low_pct = 15.0;
  double battery_hysteresis_pct = 5.0;
  core::Severity offline_severity = core::Severity::warning;
  core::Severity stale_severity = core::Severity::warning;
  core::Severity battery_severity = core::Severity::warning;
  // The gateway's clock not set from a time source for this long (a Pi has no battery clock: after
  // a power cut with no internet it restarts at the last saved time).
  minutes clock_unsynchronised_for{30};
  core::Severity clock_severity = core::Severity::warning;
  std::size_t max_devices = 2000;  // per-device state is capped; devices beyond it are not tracked
};

struct RulesConfig {
  minutes utc_offset{0};  // local time = UTC + utc_offset (DailyWindow)
  std::vector<ThresholdRuleConfig> thresholds;
  SafetyRuleConfig safety;
  ApplianceLeftOnConfig appliance_left_on;
  InactivityConfig inactivity;
  NightDoorConfig night_door;
  DeviceHealthConfig device_health;
  WellbeingConfig wellbeing;  // learned routine (wellbeing_config.h); built by RuleEngine, not make_rules
};

// cold_home (< 16 °C for 2 h while occupied, urgent), cool_home (< 18 °C for 2 h while occupied,
// info) and overheating (> 27 °C for 1 h at night, warning), plus every other rule kind enabled.
RulesConfig default_rules_config();

}  // namespace hearth::rules
