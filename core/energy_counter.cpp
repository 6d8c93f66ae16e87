#include "core/energy_counter.h"

#include <algorithm>

namespace hearth::core {
namespace {

// Largest increase believable over the elapsed time; a clock that jumped back allows only the slack.
double plausible_increase_kwh(const EnergyCounterLimits& limits, std::int64_t from_ms, std::int64_t to_ms) {
  const double hours = static_cast<double>(std::max<std::int64_t>(0, to_ms - from_ms)) / 3'600'000.0;
  return limits.max_power_w / 1000.0 * hours + limits.resolution_kwh;
}

EnergyUpdate accept_increase(EnergyCounterState& s, double raw, std::int64_t ts_ms, EnergyStep step) {
  s.total_kwh += raw - s.last_raw_kwh;
  s.last_raw_kwh = raw;
  s.last_ts_ms = ts_ms;
  s.pending_raw_kwh.reset();
  return {step, s.total_kwh};
}

}  // namespace

EnergyUpdate apply_energy_sample(EnergyCounterState& s, double raw, TimePoint ts, bool reset_hint,
                                 const EnergyCounterLimits& limits) {
  const std::int64_t ts_ms = to_epoch_ms(ts);
  if (!s.initialised) {
    s = EnergyCounterState{true, raw, raw, ts_ms, std::nullopt, 0};
    return {EnergyStep::first, s.total_kwh};
  }
  if (raw >= s.last_raw_kwh && reset_hint) {
    // The device says it restarted counting, but the new count is not below the old one (it
    // restarted from a low level and has already passed it). Everything it counted since the
    // restart is new energy; a count too large for the elapsed time (a replaced device with its
    // own lifetime total) is adopted as the new level without being counted.
    s.pending_raw_kwh.reset();
    const bool plausible = raw <= plausible_increase_kwh(limits, s.last_ts_ms, ts_ms);
    if (plausible) s.total_kwh += raw;
    s.last_raw_kwh = raw;
    s.last_ts_ms = ts_ms;
    return {plausible ? EnergyStep::reset : EnergyStep::rebased, s.total_kwh};
  }
  if (raw >= s.last_raw_kwh) {
    if (raw - s.last_raw_kwh <= plausible_increase_kwh(limits, s.last_ts_ms, ts_ms)) {
      return accept_increase(s, raw, ts_ms, EnergyStep::advance);
    }
    // A confirmed jump (glitch to 0 and back, or a replaced counter): adopt the level, count from there.
    if (s.pending_raw_kwh && raw >= *s.pending_raw_kwh &&
        raw - *s.pending_raw_kwh <= plausible_increase_kwh(limits, s.pending_ts_ms, ts_ms)) {
      s.last_raw_kwh = *s.pending_raw_kwh;
      return accept_increase(s, raw, ts_ms, EnergyStep::rebased);
    }
    s.pending_raw_kwh = raw;
    s.pending_ts_ms = ts_ms;
    return {EnergyStep::implausible, s.total_kwh};
  }
  // The counter went down.
  s.pending_raw_kwh.reset();
  if (reset_hint || raw < s.last_raw_kwh * limits.reset_ratio) {
    s.total_kwh += raw;  // counting from zero again
    s.last_raw_kwh = raw;
    s.last_ts_ms = ts_ms;
    return {EnergyStep::reset, s.total_kwh};
  }
  return {EnergyStep::rewind, s.total_kwh};  // hold until the counter passes its old high-water mark
}

const char* to_string(EnergyStep step) {
  switch (step) {
    case EnergyStep::first:
      return "first";
    case EnergyStep::advance:
      return "advance";
    case EnergyStep::reset:
      return "reset";
    case EnergyStep::rewind:
      return "rewind";
    case EnergyStep::implausible:
      return "implausible";
    case EnergyStep::rebased:
      return "rebased";
  }
  return "unknown";
}

}  // namespace hearth::core
