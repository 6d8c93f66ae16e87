#include "core/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace hearth::core {

std::optional<std::chrono::milliseconds> parse_duration_text(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || n < 0) return std::nullopt;  // from_chars reports overflow instead of throwing
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  while (!unit.empty() && is_space(unit.front())) unit.remove_prefix(1);
  std::int64_t factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit.empty() || unit == "s")
    factor = 1000;
  else if (unit == "m" || unit == "min")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else
    return std::nullopt;
  if (n > std::numeric_limits<std::int64_t>::max() / factor) return std::nullopt;
  return std::chrono::milliseconds{n * factor};
}

}  // namespace hearth::core
