#pragma once
// Alert: what the rule engine tells carers, the dashboard and the uplink. Dependency-free so every
// layer can carry it. Lifecycle: raised -> notified -> acknowledged -> resolved (see
// rules/alert_manager.h for who moves it and when).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace hearth::core {

enum class Severity : std::uint8_t { info, warning, urgent, emergency };
enum class AlertState : std::uint8_t { raised, notified, acknowledged, resolved };

struct Alert {
  // Stable per condition: "<rule>:<subject>", e.g. "cold_home:zigbee2mqtt:lounge_temp". A condition
  // that ends and later comes back gets the same id with a new raised_at: (id, raised_at) names
  // one occurrence.
  std::string id;
  std::string rule;  // rule instance id from the config, e.g. "cold_home"
  std::string kind;  // rule kind: threshold, safety, appliance_left_on, inactivity, night_door, device_health
  Severity severity = Severity::info;
  AlertState state = AlertState::raised;
  std::string device_id;  // empty for home-wide alerts (inactivity)
  std::string room;
  TimePoint raised_at{};
  TimePoint trigger_ts{};  // time of the reading that triggered it
  TimePoint updated_at{};
  std::string message_key;                    // rules/messages catalogue key
  std::map<std::string, std::string> params;  // placeholder values for the catalogue
  std::map<std::string, double> evidence;     // raw numbers behind the alert (value, duration_min, ...)
  std::uint32_t flap_count = 0;               // times reopened because it came back within reraise_after
  std::string acknowledged_by, ack_note, resolved_by, resolve_note;
  std::optional<TimePoint> notified_at, acknowledged_at, resolved_at;

  bool is_open() const { return state != AlertState::resolved; }
  friend bool operator==(const Alert&, const Alert&) = default;
};

inline std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::urgent:
      return "urgent";
    case Severity::emergency:
      return "emergency";
  }
  return "info";
}

inline std::string_view to_string(AlertState s) {
  switch (s) {
    case AlertState::raised:
      return "raised";
    case AlertState::notified:
      return "notified";
    case AlertState::acknowledged:
      return "acknowledged";
    case AlertState::resolved:
      return "resolved";
  }
  return "raised";
}

inline std::optional<Severity> severity_from_string(std::string_view s) {
  for (auto v : {Severity::info, Severity::warning, Severity::urgent, Severity::emergency}) {
    if (to_string(v) == s) return v;
  }
  return std::nullopt;
}

inline std::optional<AlertState> alert_state_from_string(std::string_view s) {
  for (auto v : {AlertState::raised, AlertState::notified, AlertState::acknowledged, AlertState::resolved}) {
    if (to_string(v) == s) return v;
  }
  return std::nullopt;
}

}  // namespace hearth::core
