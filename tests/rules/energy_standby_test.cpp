// Standby and baseload detection on constructed traces, including noisy ones.
#include <gtest/gtest.h>

#include <random>

#include "rules/energy_ledger.h"
#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;

namespace {

const Day D0 = 19737;  // 2024-01-15

// A TV: standby_w with noise, on at on_w from 18:00 to 22:00, for `days` days, readings every minute.
void tv_week(EnergyLedger& ledger, const std::string& id, double standby_w, double noise_w, double on_w, int days,
             unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_w);
  for (int day = 0; day < days; ++day) {
    feed_power(ledger, id, at(day, 0), at(day + 1, 0), std::chrono::minutes{1}, [&](TimePoint t) {
      const int hour = static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(t - at(day, 0)).count());
      const double base = hour >= 18 && hour < 22 ? on_w : standby_w;
      return std::max(0.0, base + noise(rng));
    });
  }
}

}  // namespace

TEST(EnergyStandby, FindsTheStandbyLevelOfANoisyTv) {
  EnergyLedger ledger;
  ledger.set_device(plug("tv", "tv", "lounge"));
  tv_week(ledger, "tv", 14.0, 0.8, 85.0, 7, 42);
  const auto s = ledger.standby("tv", D0 + 6);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->standby_w, 14.0, 0.3);
  EXPECT_TRUE(s->steady);
  EXPECT_TRUE(s->reliable);
  EXPECT_NEAR(s->hours_per_day, 20.0, 0.5);
  EXPECT_NEAR(s->low_share, 20.0 / 24.0, 0.02);
  EXPECT_NEAR(s->kwh_per_year, s->standby_w * s->hours_per_day * 0.365, 1e-6);
  // 00:00-07:00 at standby: 7 h of the 20.
  EXPECT_NEAR(s->night_kwh_per_year, 14.0 * 7 * 365 / 1000.0, 1.5);
  EXPECT_EQ(s->days, 7);
}

TEST(EnergyStandby, AKettleThatIsOffHasNoStandbyDraw) {
  EnergyLedger ledger;
  ledger.set_device(plug("kettle", "kettle"));
  for (int day = 0; day < 3; ++day) {
    feed_power(ledger, "kettle", at(day, 0), at(day + 1, 0), std::chrono::minutes{1},
               [&](TimePoint t) { return t >= at(day, 7) && t < at(day, 7, 3) ? 2800.0 : 0.0; });
  }
  const auto s = ledger.standby("kettle", D0 + 2);
  ASSERT_TRUE(s);
  EXPECT_LT(s->standby_w, 0.1);
  EXPECT_EQ(s->pence_per_year, 0);
}

TEST(EnergyStandby, ADeviceThatIsAlwaysInUseHasNone) {
  EnergyLedger ledger;
  ledger.set_device(plug("server", "computer"));
  feed_constant(ledger, "server", at(0, 0), at(2, 0), 60.0);
  EXPECT_FALSE(ledger.standby("server", D0 + 1));
}

TEST(EnergyStandby, ALevelBelowTheMeteringFloorIsMarkedUnreliable) {
  EnergyLedger ledger;
  ledger.set_device(plug("radio", "hifi"));
  tv_week(ledger, "radio", 2.0, 0.2, 20.0, 2, 7);
  const auto s = ledger.standby("radio", D0 + 1);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->standby_w, 2.0, 0.3);
  EXPECT_FALSE(s->reliable);
}

TEST(EnergyStandby, TwoAlternatingLevelsAreNotSteady) {
  EnergyLedger ledger;
  ledger.set_device(plug("x", "av"));
  // Half the time 3 W, half 20 W, alternating every 5 minutes: no single standby level.
  feed_power(ledger, "x", at(0, 0), at(2, 0), std::chrono::minutes{5},
             [](TimePoint t) { return (hearth::core::to_epoch_ms(t) / 300'000) % 2 == 0 ? 3.0 : 20.0; });
  const auto s = ledger.standby("x", D0 + 1);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->steady);
}

TEST(EnergyStandby, BaseloadIsTheTenthPercentileOfTheMainsOrTheSumOfStandby) {
  EnergyLedger with_mains;
  with_mains.set_device(plug("meter", "mains"));
  // 90 W overnight (00-06), 400 W by day: the 10th percentile sits in the overnight level.
  feed_power(with_mains, "meter", at(0, 0), at(1, 0), std::chrono::minutes{1},
             [](TimePoint t) { return t < at(0, 6) ? 90.0 : 400.0; });
  with_mains.on_reading(reading("meter", Metric::power_w, 90.0, at(1, 0)));
  Provenance p = Provenance::estimated;
  const auto b = with_mains.baseload_w(D0, &p);
  ASSERT_TRUE(b);
  EXPECT_NEAR(*b, 90.0, 1.0);
  EXPECT_EQ(p, Provenance::measured);

  EnergyLedger plugs_only;
  plugs_only.set_device(plug("tv", "tv"));
  plugs_only.set_device(plug("box", "set_top_box"));
  tv_week(plugs_only, "tv", 1.5, 0.1, 90.0, 1, 1);
  tv_week(plugs_only, "box", 12.0, 0.1, 18.0 + 12.0, 1, 2);
  const auto e = plugs_only.baseload_w(D0, &p);
  ASSERT_TRUE(e);
  EXPECT_NEAR(*e, 13.5, 0.4);
  EXPECT_EQ(p, Provenance::estimated);
}
