#pragma once
// Alert <-> JSON, the one schema used in the database, on MQTT (hearth/<home>/alerts/<id>) and in
// the API (docs/alerts.md). Texts are rendered in English and Welsh from the message catalogue.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/alert.h"

namespace hearth::gateway {

inline constexpr int ALERT_SCHEMA_VERSION = 1;

nlohmann::json alert_to_json(const core::Alert& alert);
// nullopt for anything that is not a well-formed alert of a known schema version.
std::optional<core::Alert> alert_from_json(const nlohmann::json& j);

// One alert lifecycle event as it leaves the home (webhook, co-op uplink): schema, a message id
// that is the same every time this event is sent (receivers de-duplicate on it), the home, the
// event type and time, and the alert itself.
struct AlertEventMessage {
  std::string message_id;
  std::string payload;  // JSON
};
AlertEventMessage alert_event_message(const std::string& home_id, std::string_view event_type,
                                      const core::Alert& alert);

}  // namespace hearth::gateway
