#pragma once
// Turns a device's raw energy counter (which resets on reboot, rewinds after a power cut,
// glitches to 0 or spikes x1000) into a per-device total that is monotonic, never negative
// and never double-counts. Pure logic; the caller persists EnergyCounterState.
#include <cstdint>
#include <optional>

#include "core/time.h"

namespace hearth::core {

struct EnergyCounterState {
  bool initialised = false;
  double total_kwh = 0.0;     // what Hearth reports as energy_kwh
  double last_raw_kwh = 0.0;  // device counter at the last accepted sample
  std::int64_t last_ts_ms = 0;
  // A jump too large for the elapsed time is held here until the next sample confirms it.
  std::optional<double> pending_raw_kwh;
  std::int64_t pending_ts_ms = 0;
};

enum class EnergyStep : std::uint8_t {
  first,        // first sample: total starts at the device counter
  advance,      // normal increase (or no change)
  reset,        // counter restarted from zero: the new value is added
  rewind,       // small drop (unsaved energy lost on power cut, flip-flop glitch): held, not re-counted
  implausible,  // increase faster than max_power_w allows: held pending confirmation
  rebased,      // a held jump was confirmed by the next sample: adopt the new level, count only after it
};

struct EnergyUpdate {
  EnergyStep step = EnergyStep::advance;
  double total_kwh = 0.0;
};

struct EnergyCounterLimits {
  double max_power_w = 23000.0;  // a 100 A UK supply; plugs may pass their own rating
  double resolution_kwh = 0.01;  // slack for counter rounding
  double reset_ratio = 0.5;      // a drop below this share of the last value is a restart
};

EnergyUpdate apply_energy_sample(EnergyCounterState& state, double raw_kwh, TimePoint ts, bool reset_hint,
                                 const EnergyCounterLimits& limits = {});

const char* to_string(EnergyStep step);

}  // namespace hearth::core
