#pragma once
// Tolerant JSON helpers shared by the drivers. Devices send numbers as JSON numbers, as strings
// ("1843.27"), as null / "None" / "nan", and legacy Tasmota sends bare `nan` (invalid JSON).
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::drivers {

// Parses a payload, first turning bare NaN/Infinity tokens outside strings into null.
// Returns nullopt on malformed JSON. Never throws.
std::optional<nlohmann::json> parse_json_lenient(std::string_view payload);
// Same, for a payload that must be a JSON object: nullopt with `why` set to malformed_json or
// wrong_type otherwise.
std::optional<nlohmann::json> parse_json_object(std::string_view payload, std::string_view& why);

// obj[key] when it is a non-empty string, else nullptr (also for a non-object obj).
const std::string* string_field(const nlohmann::json& obj, std::string_view key);
// obj[key] when it is a string (possibly empty), else "" (also for a non-object obj).
std::string string_of(const nlohmann::json& obj, std::string_view key);

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

// ---- text helpers (ASCII) ----
std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::string lower(std::string_view s);
bool is_ident_char(char c);  // [A-Za-z0-9_]
// "", "none", "nan", "unknown", "unavailable" (trimmed, any case): a sensor's "no reading" words.
bool is_no_value_word(std::string_view text);
// A small decimal channel number ("2", at most 4 digits); nullopt for anything else.
std::optional<int> parse_index(std::string_view s);

}  // namespace hearth::drivers
