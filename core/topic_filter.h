#pragma once
// MQTT topic filter matching (MQTT 3.1.1 §4.7): '+' one level, '#' the rest (including the parent).
#include <string_view>

namespace hearth::core {

bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace hearth::core
