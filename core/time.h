#pragma once
// Time vocabulary: instants are system_clock time points; stored as UTC epoch milliseconds.
#include <chrono>
#include <cstdint>

namespace hearth::core {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

inline std::int64_t to_epoch_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_epoch_ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds{ms}}; }
inline TimePoint now_ms() { return std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now()); }

}  // namespace hearth::core
