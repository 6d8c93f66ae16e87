#pragma once
// Small helpers shared by the built-in rules (internal to rules/).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "rules/rule.h"
#include "rules/rules_config.h"

namespace hearth::rules::detail {

// Minutes since local midnight (local = UTC + offset).
inline int local_minute_of_day(core::TimePoint t, minutes utc_offset) {
  const auto local = t + utc_offset;
  const auto day_start = std::chrono::floor<std::chrono::days>(local);
  return static_cast<int>(std::chrono::duration_cast<minutes>(local - day_start).count());
}

inline bool window_enabled(DailyWindow w) { return w.start_min != w.end_min; }

inline bool in_window(core::TimePoint t, DailyWindow w, minutes utc_offset) {
  const int m = local_minute_of_day(t, utc_offset);
  if (w.start_min <= w.end_min) return m >= w.start_min && m < w.end_min;
  return m >= w.start_min || m < w.end_min;  // wraps past midnight
}

// Start of the window occurrence containing t (t must be inside the window).
inline core::TimePoint window_start(core::TimePoint t, DailyWindow w, minutes utc_offset) {
  int into = local_minute_of_day(t, utc_offset) - w.start_min;
  if (into < 0) into += 24 * 60;
  return t - minutes{into} -
         std::chrono::duration_cast<std::chrono::milliseconds>((t + utc_offset).time_since_epoch() % minutes{1});
}

inline long long whole_minutes(core::TimePoint::duration d) {
  return std::max<long long>(0, std::chrono::duration_cast<minutes>(d).count());
}

inline std::string format_number(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

inline std::string local_hhmm(core::TimePoint t, minutes utc_offset) {
  const int m = local_minute_of_day(t, utc_offset);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02d:%02d", m / 60, m % 60);
  return buf;
}

inline bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Room names come from people (config, dashboard): "Hallway" and "hallway" are the same room.
inline bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

inline bool contains_room(const std::vector<std::string>& rooms, std::string_view room) {
  return std::any_of(rooms.begin(), rooms.end(), [&](const std::string& r) { return iequals(r, room); });
}

// Where an alert happened, for its text: the room, or the device's own name when it has no room
// yet (never a bare "?": a carer must know which device to look at).
inline std::string place(const DeviceFacts* facts, std::string_view device_id) {
  if (facts == nullptr) return std::string(device_id);
  return facts->room.empty() ? facts->display_name() : facts->room;
}

}  // namespace hearth::rules::detail
