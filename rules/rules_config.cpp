#include "rules/rules_config.h"

#include "rules/builtin_rules.h"

namespace hearth::rules {

RulesConfig default_rules_config() {
  RulesConfig c;
  ThresholdRuleConfig cold;
  cold.id = "cold_home";
  cold.threshold = 16.0;
  cold.severity = core::Severity::urgent;
  cold.message_key = "cold_home";
  cold.require_occupied = true;

  ThresholdRuleConfig cool = cold;
  cool.id = "cool_home";
  cool.threshold = 18.0;
  cool.severity = core::Severity::info;
  cool.message_key = "cool_home";

  ThresholdRuleConfig hot;
  hot.id = "overheating";
  hot.direction = Direction::above;
  hot.threshold = 27.0;
  hot.duration = minutes{60};
  hot.severity = core::Severity::warning;
  hot.message_key = "overheating";
  hot.only_during = NIGHT;

  c.thresholds = {cold, cool, hot};
  return c;
}

std::vector<std::unique_ptr<Rule>> make_rules(const RulesConfig& config) {
  std::vector<std::unique_ptr<Rule>> rules;
  if (config.safety.enabled) rules.push_back(make_safety_rule(config.safety));
  for (const auto& t : config.thresholds) {
    if (t.enabled) rules.push_back(make_threshold_rule(t, config.utc_offset));
  }
  if (config.appliance_left_on.enabled) rules.push_back(make_appliance_left_on_rule(config.appliance_left_on));
  if (config.inactivity.enabled) rules.push_back(make_inactivity_rule(config.inactivity, config.utc_offset));
  if (config.night_door.enabled) rules.push_back(make_night_door_rule(config.night_door, config.utc_offset));
  if (config.device_health.enabled) rules.push_back(make_device_health_rule(config.device_health));
  return rules;
}

}  // namespace hearth::rules
