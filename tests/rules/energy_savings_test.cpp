#include "rules/energy_savings.h"

#include <gtest/gtest.h>

#include <random>

using namespace hearth::rules::energy;

namespace {

// Daily kWh = base + slope x HDD + noise, scaled by (1 - cut) in the reporting period.
std::vector<SavingsDay> series(int n, Day first, double base, double slope, double hdd_from, double hdd_to, double cut,
                               double noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> e(0.0, noise);
  std::vector<SavingsDay> out;
  for (int i = 0; i < n; ++i) {
    const double hdd = hdd_from + (hdd_to - hdd_from) * ((i * 7) % n) / std::max(1, n - 1);
    const double kwh = (base + slope * hdd) * (1.0 - cut) + e(rng);
    out.push_back({first + i, kwh, kwh * 25.0, hdd});
  }
  return out;
}

double true_saving(const std::vector<SavingsDay>& reporting, double base, double slope, double cut) {
  double s = 0.0;
  for (const auto& d : reporting) s += (base + slope * *d.hdd) * cut;
  return s;
}

}  // namespace

TEST(EnergySavings, WithoutWeatherTheBaselineIsTheDailyMean) {
  const auto baseline = series(14, 100, 10.0, 0.0, 5.0, 5.0, 0.0, 0.5, 1);
  const auto reporting = series(14, 114, 10.0, 0.0, 5.0, 5.0, 0.2, 0.5, 2);
  SavingsConfig config;
  config.weather_normalise = false;
  config.kit_cost_pence = 15'000;
  const auto r = compute_savings(baseline, reporting, config);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->weather_normalised);
  // The truth (2 kWh a day) lies inside the 95% band; the band is a few kWh wide for this noise.
  EXPECT_LT(r->saved_kwh.low, 28.0);
  EXPECT_GT(r->saved_kwh.high, 28.0);
  EXPECT_LT(r->saved_kwh.high - r->saved_kwh.low, 14.0);
  EXPECT_LT(r->saved_pct.low, 20.0);
  EXPECT_GT(r->saved_pct.high, 20.0);
  EXPECT_NEAR(r->rate_p_per_kwh, 25.0, 1e-9);
  EXPECT_EQ(r->saved_pence, std::llround(r->saved_kwh.value * 25.0));
  EXPECT_NEAR(r->saved_kg_co2e.value, r->saved_kwh.value * UK_GRID_KG_CO2E_PER_KWH_2024, 1e-9);
  ASSERT_TRUE(r->payback_months);
  EXPECT_NEAR(*r->payback_months, 15'000.0 / (r->saved_pence * 365.0 / 14 / 12), 0.05);
  ASSERT_TRUE(r->payback_months_low && r->payback_months_high);
  EXPECT_LT(*r->payback_months_low, *r->payback_months);
  EXPECT_GT(*r->payback_months_high, *r->payback_months);
}

TEST(EnergySavings, DegreeDaysNormaliseAColderReportingPeriod) {
  // Heating load 4 kWh + 1.2 kWh per degree-day; the reporting fortnight is much colder and 15% leaner.
  const auto baseline = series(21, 100, 4.0, 1.2, 2.0, 10.0, 0.0, 0.6, 3);
  const auto reporting = series(14, 121, 4.0, 1.2, 6.0, 10.0, 0.15, 0.6, 4);
  const double truth = true_saving(reporting, 4.0, 1.2, 0.15);
  const auto normalised = compute_savings(baseline, reporting);
  ASSERT_TRUE(normalised) << normalised.error().message;
  EXPECT_TRUE(normalised->weather_normalised);
  EXPECT_NEAR(normalised->slope_kwh_per_hdd, 1.2, 0.15);
  EXPECT_GT(normalised->r_squared, 0.9);
  EXPECT_LT(normalised->saved_kwh.low, truth);
  EXPECT_GT(normalised->saved_kwh.high, truth);
  // Ignoring the weather, the colder fortnight hides most of the saving.
  SavingsConfig raw;
  raw.weather_normalise = false;
  const auto naive = compute_savings(baseline, reporting, raw);
  ASSERT_TRUE(naive);
  EXPECT_LT(naive->saved_kwh.value, truth * 0.5);
  EXPECT_GT(std::abs(naive->saved_kwh.value - truth), std::abs(normalised->saved_kwh.value - truth));
}

TEST(EnergySavings, FallsBackToTheMeanWithAWarningWhenDegreeDaysCannotCarryASlope) {
  auto baseline = series(14, 100, 10.0, 0.0, 5.0, 5.5, 0.0, 0.3, 5);  // HDD span 0.5
  auto reporting = series(7, 114, 10.0, 0.0, 5.0, 5.5, 0.1, 0.3, 6);
  const auto narrow = compute_savings(baseline, reporting);
  ASSERT_TRUE(narrow);
  EXPECT_FALSE(narrow->weather_normalised);
  EXPECT_FALSE(narrow->warnings.empty());
  reporting[3].hdd.reset();
  const auto missing = compute_savings(series(14, 100, 4.0, 1.0, 0.0, 10.0, 0.0, 0.3, 7), reporting);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->weather_normalised);
}

TEST(EnergySavings, NoSavingMeansNoPaybackAndEmptyPeriodsAreErrors) {
  const auto baseline = series(14, 100, 10.0, 0.0, 5.0, 5.0, 0.0, 0.5, 8);
  const auto reporting = series(14, 114, 10.0, 0.0, 5.0, 5.0, -0.1, 0.5, 9);  // used more
  SavingsConfig config;
  config.kit_cost_pence = 10'000;
  const auto r = compute_savings(baseline, reporting, config);
  ASSERT_TRUE(r);
  EXPECT_LT(r->saved_kwh.value, 0.0);
  EXPECT_FALSE(r->payback_months);
  EXPECT_FALSE(compute_savings(baseline, {}));
  EXPECT_FALSE(compute_savings({}, reporting));
}

TEST(EnergySavings, StudentTQuantiles) {
  EXPECT_DOUBLE_EQ(t95(1), 12.706);
  EXPECT_DOUBLE_EQ(t95(12), 2.179);
  EXPECT_NEAR(t95(45), 2.014, 0.003);
  EXPECT_NEAR(t95(100000), 1.96, 0.001);
  for (int df = 1; df < 500; ++df) EXPECT_GE(t95(df), t95(df + 1)) << df;
}

TEST(EnergySavings, DailySeriesFromSummariesSkipsDaysWithGaps) {
  std::vector<DailySummary> days(5);
  for (int i = 0; i < 5; ++i) {
    days[static_cast<std::size_t>(i)].day = 200 + i;
    days[static_cast<std::size_t>(i)].electricity.measured = 8.0 + i;
    days[static_cast<std::size_t>(i)].electricity_pence = 200;
    days[static_cast<std::size_t>(i)].coverage = i == 2 ? 0.5 : 1.0;
    days[static_cast<std::size_t>(i)].appliances = {ApplianceDay{"kettle", 1, Kwh{0.4, 0, 0}, 10, 1.0, {}}};
  }
  const auto home = savings_days(days, 200, 203);
  ASSERT_EQ(home.size(), 3U);
  EXPECT_EQ(home[2].day, 203);
  EXPECT_DOUBLE_EQ(home[2].kwh, 11.0);
  const auto kettle = savings_days(days, 200, 204, "kettle");
  EXPECT_EQ(kettle.size(), 5U);
}
