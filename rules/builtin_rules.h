#pragma once
// Factories for the built-in rule kinds. The classes live in their .cpp files; the engine and
// tests only need the Rule interface. Alert ids: "<rule id>:<subject>", where the subject is the
// device id ("home" for inactivity).
//
// Time and data-quality decisions shared by all kinds:
// - Durations are measured on reading timestamps. A reading not newer than the previous one of
//   the same device and metric (duplicate, late, out-of-order) is ignored.
// - Stale data is not evidence: a condition only counts up to max_data_age past its last reading,
//   a gap longer than max_data_age restarts the count, and nothing is raised while the data is
//   stale. An alert that is already open stays open when its sensor goes quiet (silence is not
//   "all clear"); the device-health rule reports the silent sensor.
// - Rules that fire on absence (stale, inactivity) count from ctx.observing_since() at the
//   earliest, so a restart or clock step does not fire them all at once.
#include <memory>
#include <vector>

#include "rules/rule.h"
#include "rules/rules_config.h"

namespace hearth::rules {

std::unique_ptr<Rule> make_threshold_rule(const ThresholdRuleConfig& config, minutes utc_offset);
std::unique_ptr<Rule> make_safety_rule(const SafetyRuleConfig& config);
std::unique_ptr<Rule> make_appliance_left_on_rule(const ApplianceLeftOnConfig& config);
std::unique_ptr<Rule> make_inactivity_rule(const InactivityConfig& config, minutes utc_offset);
std::unique_ptr<Rule> make_night_door_rule(const NightDoorConfig& config, minutes utc_offset);
std::unique_ptr<Rule> make_device_health_rule(const DeviceHealthConfig& config);

// Every enabled rule of the config. Not wellbeing: RuleEngine owns that one (wellbeing_rule.h),
// because the gateway talks to it directly (away mode, saved state, the routine).
std::vector<std::unique_ptr<Rule>> make_rules(const RulesConfig& config);

}  // namespace hearth::rules
