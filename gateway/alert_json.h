#pragma once
// Alert <-> JSON, the one schema used in the database, on MQTT (hearth/<home>/alerts/<id>) and in
// the API (docs/alerts.md). Texts are rendered in English and Welsh from the message catalogue.
#include <nlohmann/json_fwd.hpp>
#include <optional>

#include "core/alert.h"

namespace hearth::gateway {

inline constexpr int ALERT_SCHEMA_VERSION = 1;

nlohmann::json alert_to_json(const core::Alert& alert);
// nullopt for anything that is not a well-formed alert of a known schema version.
std::optional<core::Alert> alert_from_json(const nlohmann::json& j);

}  // namespace hearth::gateway
