#pragma once
// The one duration grammar of Hearth: config files, `hearth replay --tick`, hearth-sim incidents.
#include <chrono>
#include <optional>
#include <string_view>

namespace hearth::core {

// "500ms", "30s", "5m" (or "5min"), "2h", or a bare number of seconds; spaces around the number
// and unit are allowed. nullopt when malformed, negative or too large to represent.
std::optional<std::chrono::milliseconds> parse_duration_text(std::string_view text);

}  // namespace hearth::core
