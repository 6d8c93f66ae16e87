#pragma once
// The one message catalogue: every alert explains itself in English and Welsh. Alerts carry a
// message key and parameters, not text, so the dashboard, uplink and webhook render in the
// reader's language at the time they show it.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::rules {

enum class Language : std::uint8_t { en, cy };

// Renders `key` with `{name}` placeholders filled from params. Parameters whose name ends in
// "_min" hold whole minutes and are rendered as a duration in the language ("2 h 10 min",
// "2 awr 10 munud"). A placeholder without a parameter is left as "{name}" so the gap is visible;
// an unknown key renders as the key itself.
std::string render(std::string_view key, Language lang, const std::map<std::string, std::string>& params);

// "2 h 10 min" / "2 awr 10 munud".
std::string format_duration(long long minutes, Language lang);

// Every key in the catalogue, and whether it has text in a language (for tests and diagnostics).
std::vector<std::string_view> message_keys();
bool has_message(std::string_view key, Language lang);

}  // namespace hearth::rules
