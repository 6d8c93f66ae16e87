#pragma once
// Local calendar time for energy accounting. Days, tariff bands and "tonight" are local, and a
// ledger runs for months, so a fixed offset is not enough: LocalClock adds the EU/UK summer-time
// rule (last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC, +1 h). Pure
// computation on UTC instants; no time-zone database.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace hearth::rules::energy {

// A local calendar date as days since 1970-01-01.
using Day = std::int32_t;

enum class SummerTime : std::uint8_t { none, eu };

struct LocalClock {
  std::chrono::minutes standard_offset{0};  // UK: 0 (GMT)
  SummerTime summer_time = SummerTime::eu;

  // Offset in force at t (standard, or standard + 1 h in summer time).
  std::chrono::minutes offset_at(core::TimePoint t) const;
  // The next instant after t at which the offset changes; nullopt when it never does.
  std::optional<core::TimePoint> next_change(core::TimePoint t) const;
  Day day_of(core::TimePoint t) const;
  // Minutes since local midnight, 0..1439.
  int minute_of_day(core::TimePoint t) const;
  // Local midnight starting `day`, as a UTC instant. A summer-time change day is 23 or 25 h long.
  core::TimePoint day_start(Day day) const;
  core::TimePoint day_end(Day day) const { return day_start(day + 1); }
};

// The UK clock (GMT/BST); the default for Hearth homes.
inline LocalClock uk_clock() { return LocalClock{}; }
// A clock that never changes: GMT all year, as many Economy 7 meters keep.
inline LocalClock fixed_clock(std::chrono::minutes offset = std::chrono::minutes{0}) {
  return LocalClock{offset, SummerTime::none};
}

// A daily window [start_min, end_min) in minutes since local midnight; end < start wraps past
// midnight (00:00-07:00 is {0, 420}, 23:00-07:00 is {1380, 420}). Empty when start == end.
struct MinuteWindow {
  int start_min = 0;
  int end_min = 0;
  bool contains(int minute_of_day) const;
};

std::string format_day(Day day);                      // "2024-01-15"
std::optional<Day> parse_day(std::string_view text);  // strict "YYYY-MM-DD"
int year_of(Day day);
Day first_day_of_year(int year);

}  // namespace hearth::rules::energy
