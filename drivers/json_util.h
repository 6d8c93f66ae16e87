#pragma once
// Tolerant JSON helpers shared by the drivers. Devices send numbers as JSON numbers, as strings
// ("1843.27"), as null / "None" / "nan", and legacy Tasmota sends bare `nan` (invalid JSON).
#include <nlohmann/json_fwd.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hearth::drivers {

// Parses a payload, first turning bare NaN/Infinity tokens outside strings into null.
// Returns nullopt on malformed JSON. Never throws.
std::optional<nlohmann::json> parse_json_lenient(std::string_view payload);

enum class NumberStatus : std::uint8_t { ok, no_value, non_finite, wrong_type };
struct Number {
  NumberStatus status = NumberStatus::no_value;
  double value = 0.0;
};
// A JSON number or numeric string. null, "", "None", "nan", "unknown", "unavailable" are no_value;
// NaN/Inf (as strings) are non_finite; objects, arrays, bools and other strings are wrong_type.
Number to_number(const nlohmann::json& v);
// Same for a plain-text payload ("21.4", "nan", "None").
Number text_to_number(std::string_view text);

// "ON"/"OFF", "on"/"off", "true"/"false", "1"/"0", JSON bools and 0/1 numbers.
std::optional<bool> to_bool(const nlohmann::json& v);
std::optional<bool> text_to_bool(std::string_view text);

// Splits "a/b/c" into levels.
std::vector<std::string_view> split_topic(std::string_view topic);

}  // namespace hearth::drivers
