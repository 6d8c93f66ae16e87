#include "rules/energy_time.h"

#include <cstdio>

namespace hearth::rules::energy {
namespace {

using namespace std::chrono;

constexpr core::TimePoint::duration DAY_MS = duration_cast<milliseconds>(days{1});

// EU summer time for a year: [start, end) as UTC instants.
std::pair<core::TimePoint, core::TimePoint> summer_of(int y) {
  const year yr{y};
  const sys_days start_day{yr / March / Sunday[last]};
  const sys_days end_day{yr / October / Sunday[last]};
  return {time_point_cast<milliseconds>(start_day + hours{1}), time_point_cast<milliseconds>(end_day + hours{1})};
}

int utc_year(core::TimePoint t) { return static_cast<int>(year_month_day{floor<days>(t)}.year()); }

}  // namespace

minutes LocalClock::offset_at(core::TimePoint t) const {
  if (summer_time == SummerTime::none) return standard_offset;
  const auto [start, end] = summer_of(utc_year(t));
  return t >= start && t < end ? standard_offset + hours{1} : standard_offset;
}

std::optional<core::TimePoint> LocalClock::next_change(core::TimePoint t) const {
  if (summer_time == SummerTime::none) return std::nullopt;
  for (int y = utc_year(t); y <= utc_year(t) + 1; ++y) {
    const auto [start, end] = summer_of(y);
    if (start > t) return start;
    if (end > t) return end;
  }
  return std::nullopt;
}

Day LocalClock::day_of(core::TimePoint t) const {
  return static_cast<Day>(floor<days>(t + offset_at(t)).time_since_epoch().count());
}

int LocalClock::minute_of_day(core::TimePoint t) const {
  const auto local = t + offset_at(t);
  return static_cast<int>(duration_cast<minutes>(local - floor<days>(local)).count());
}

core::TimePoint LocalClock::day_start(Day d) const {
  const core::TimePoint local_midnight{DAY_MS * d};
  // The offset at the answer decides the answer; summer time never changes at local midnight in
  // the EU rule, so two rounds settle it.
  core::TimePoint t = local_midnight - standard_offset;
  t = local_midnight - offset_at(t);
  return local_midnight - offset_at(t);
}

bool MinuteWindow::contains(int m) const {
  if (start_min == end_min) return false;
  if (start_min < end_min) return m >= start_min && m < end_min;
  return m >= start_min || m < end_min;
}

std::string format_day(Day d) {
  const year_month_day ymd{sys_days{days{d}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<Day> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t k = 0; k < lengths[i]; ++k) {
      const char c = text[starts[i] + k];
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const year_month_day ymd{year{parts[0]}, month{static_cast<unsigned>(parts[1])},
                           day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<Day>(sys_days{ymd}.time_since_epoch().count());
}

int year_of(Day d) { return static_cast<int>(year_month_day{sys_days{days{d}}}.year()); }

Day first_day_of_year(int y) { return static_cast<Day>(sys_days{year{y} / January / 1}.time_since_epoch().count()); }

}  // namespace hearth::rules::energy
