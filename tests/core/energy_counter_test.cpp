#include "core/energy_counter.h"

#include <gtest/gtest.h>

using namespace hearth::core;
using namespace std::chrono_literals;

namespace {
TimePoint at_min(int minutes) { return from_epoch_ms(1'700'000'000'000LL + minutes * 60'000LL); }
}  // namespace

TEST(EnergyCounter, AdvancesWithDeviceCounter) {
  EnergyCounterState s;
  EXPECT_EQ(apply_energy_sample(s, 184.319, at_min(0), false).step, EnergyStep::first);
  const auto u = apply_energy_sample(s, 184.321, at_min(5), false);
  EXPECT_EQ(u.step, EnergyStep::advance);
  EXPECT_DOUBLE_EQ(u.total_kwh, 184.321);
}

TEST(EnergyCounter, PowerCutRewindIsHeldNotRecounted) {
  // Tasmota after a power loss: Total drops by the unsaved part, then keeps counting from there.
  EnergyCounterState s;
  (void)apply_energy_sample(s, 184.321, at_min(0), false);
  EXPECT_EQ(apply_energy_sample(s, 183.902, at_min(90), false).step, EnergyStep::rewind);
  EXPECT_DOUBLE_EQ(apply_energy_sample(s, 184.100, at_min(95), false).total_kwh, 184.321);
  // Counting resumes once the old high-water mark is passed.
  EXPECT_NEAR(apply_energy_sample(s, 184.400, at_min(100), false).total_kwh, 184.400, 1e-9);
}

TEST(EnergyCounter, RebootToZeroAddsNewCount) {
  // Shelly Gen1 Plug S: the watt-minute counter restarts at 0 on reboot.
  EnergyCounterState s;
  (void)apply_energy_sample(s, 0.88545, at_min(0), false);
  const auto u = apply_energy_sample(s, 0.002, at_min(10), false);
  EXPECT_EQ(u.step, EnergyStep::reset);
  EXPECT_NEAR(u.total_kwh, 0.88745, 1e-9);
  EXPECT_NEAR(apply_energy_sample(s, 0.010, at_min(15), false).total_kwh, 0.89545, 1e-9);
}

TEST(EnergyCounter, ResetHintMakesAnyDropARestart) {
  // Tasmota TotalStartTime changed: a full reset even though the drop ratio alone says "rewind".
  EnergyCounterState s;
  (void)apply_energy_sample(s, 10.0, at_min(0), false);
  const auto u = apply_energy_sample(s, 9.0, at_min(5), true);
  EXPECT_EQ(u.step, EnergyStep::reset);
  EXPECT_DOUBLE_EQ(u.total_kwh, 19.0);
}

TEST(EnergyCounter, ResetHintCountsARestartThatIsNotBelowTheOldValue) {
  // A plug whose count was 0.05 kWh reboots, counts 0.2 kWh and reports with a new TotalStartTime:
  // 0.2 kWh were used since the restart, not 0.2 - 0.05.
  EnergyCounterState s;
  (void)apply_energy_sample(s, 0.05, at_min(0), false);
  const auto u = apply_energy_sample(s, 0.2, at_min(60), true);
  EXPECT_EQ(u.step, EnergyStep::reset);
  EXPECT_NEAR(u.total_kwh, 0.25, 1e-9);
  EXPECT_NEAR(apply_energy_sample(s, 0.3, at_min(70), false).total_kwh, 0.35, 1e-9);
}

TEST(EnergyCounter, ResetHintWithACountTooLargeForTheTimeAdoptsTheLevel) {
  // A replaced plug with its own lifetime total: its count is not energy used here.
  EnergyCounterState s;
  (void)apply_energy_sample(s, 1.0, at_min(0), false);
  const auto u = apply_energy_sample(s, 500.0, at_min(5), true);
  EXPECT_EQ(u.step, EnergyStep::rebased);
  EXPECT_DOUBLE_EQ(u.total_kwh, 1.0);
  EXPECT_NEAR(apply_energy_sample(s, 500.1, at_min(10), false).total_kwh, 1.1, 1e-9);
}

TEST(EnergyCounter, SpikeIsIgnored) {
  // Zigbee plug x1000 glitch for one message.
  EnergyCounterState s;
  (void)apply_energy_sample(s, 12.5, at_min(0), false);
  EXPECT_EQ(apply_energy_sample(s, 12500.0, at_min(1), false).step, EnergyStep::implausible);
  const auto u = apply_energy_sample(s, 12.51, at_min(2), false);
  EXPECT_EQ(u.step, EnergyStep::advance);
  EXPECT_NEAR(u.total_kwh, 12.51, 1e-9);
}

TEST(EnergyCounter, GlitchToZeroAndBackIsNotDoubleCounted) {
  EnergyCounterState s;
  (void)apply_energy_sample(s, 10.5, at_min(0), false);
  EXPECT_EQ(apply_energy_sample(s, 0.0, at_min(1), false).step, EnergyStep::reset);
  EXPECT_EQ(apply_energy_sample(s, 10.5, at_min(2), false).step, EnergyStep::implausible);
  const auto u = apply_energy_sample(s, 10.52, at_min(3), false);
  EXPECT_EQ(u.step, EnergyStep::rebased);
  EXPECT_NEAR(u.total_kwh, 10.52, 1e-9);
}

TEST(EnergyCounter, NeverNegativeUnderRandomWalk) {
  EnergyCounterState s;
  double raw = 5.0;
  double last_total = 0.0;
  unsigned seed = 12345;
  for (int i = 0; i < 5000; ++i) {
    seed = seed * 1103515245u + 12345u;
    const int r = static_cast<int>((seed >> 16) % 100);
    if (r < 3)
      raw = 0.0;  // reboot
    else if (r < 6)
      raw *= 0.9;  // rewind
    else if (r < 8)
      raw *= 1000.0;  // spike
    else
      raw += 0.01 * (r % 7);  // normal use
    if (raw > 1e6) raw = 5.0;
    const auto u = apply_energy_sample(s, raw, at_min(i), false);
    ASSERT_GE(u.total_kwh, last_total) << "step " << i;
    last_total = u.total_kwh;
  }
}

TEST(EnergyCounter, ClockJumpBackAllowsOnlyResolution) {
  EnergyCounterState s;
  (void)apply_energy_sample(s, 1.0, at_min(100), false);
  EXPECT_EQ(apply_energy_sample(s, 1.005, at_min(10), false).step, EnergyStep::advance);
  EXPECT_EQ(apply_energy_sample(s, 3.0, at_min(11), false).step, EnergyStep::implausible);
}
