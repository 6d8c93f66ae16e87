#include "rules/fuel_poverty.h"

#include <gtest/gtest.h>

#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;

namespace {

const Day D0 = 19737;  // 2024-01-15

// Days costing `pence_per_day` in total (energy + standing).
std::vector<DailySummary> days_costing(std::int64_t pence_per_day, int n, double cold_hours = 0.0) {
  std::vector<DailySummary> out;
  for (int i = 0; i < n; ++i) {
    DailySummary s;
    s.day = D0 + i;
    s.date = format_day(s.day);
    s.electricity_pence = pence_per_day - 60;
    s.standing_pence = 60;
    s.cold_home_hours = cold_hours;
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(FuelPoverty, ShareOfIncomeAgainstTheWelshTenPercentLine) {
  const auto days = days_costing(500, 28);  // £5 a day: £1,825 a year
  const auto none = fuel_poverty_indicators(days, std::nullopt);
  EXPECT_EQ(none.status, FuelPovertyStatus::unknown);
  EXPECT_EQ(none.annual_cost_pence, 182'500);

  const auto low = fuel_poverty_indicators(days, IncomeBand{1'000'000, 1'500'000});  // £10k-£15k
  EXPECT_EQ(low.status, FuelPovertyStatus::indicated);
  EXPECT_NEAR(*low.share_low, 182'500.0 / 1'500'000.0, 1e-12);
  EXPECT_NEAR(*low.share_high, 182'500.0 / 1'000'000.0, 1e-12);

  EXPECT_EQ(fuel_poverty_indicators(days, IncomeBand{1'500'000, 2'000'000}).status, FuelPovertyStatus::possible);
  EXPECT_EQ(fuel_poverty_indicators(days, IncomeBand{4'000'000, std::nullopt}).status,
            FuelPovertyStatus::not_indicated);
  EXPECT_EQ(fuel_poverty_indicators(days, IncomeBand{0, 1'000'000}).status, FuelPovertyStatus::indicated);
}

TEST(FuelPoverty, UsesOnlyTheLatestWindowAndCountsColdHours) {
  auto days = days_costing(300, 40, 2.0);
  days[39].cold_home_hours = 9.0;
  days[39].self_rationing = true;
  days[38].self_rationing = false;
  const auto f = fuel_poverty_indicators(days, std::nullopt);
  EXPECT_EQ(f.days, 28);
  EXPECT_NEAR(f.cold_home_hours, 27 * 2.0 + 9.0, 1e-9);
  EXPECT_NEAR(f.cold_home_hours_per_week, (27 * 2.0 + 9.0) / 28 * 7, 1e-9);
  EXPECT_EQ(f.self_rationing_days, 1);
  EXPECT_EQ(f.self_rationing_assessed_days, 2);
}

TEST(FuelPoverty, SelfRationingIsColdWithTheHeatingLeftOff) {
  for (const bool heats : {false, true}) {
    EnergyLedger ledger;
    ledger.set_device(plug("t", "climate", "lounge"));
    ledger.set_device(plug("heater", "heater", "lounge"));
    for (TimePoint t = at(0, 0); t <= at(1, 0); t += 10min) {
      // 16 °C from 14:00 to 20:00, 19 °C otherwise; the heater on only if `heats`.
      const bool cold = t >= at(0, 14) && t < at(0, 20);
      ledger.on_reading(reading("heater", Metric::power_w, heats && cold ? 1500.0 : 0.0, t));
      ledger.on_reading(reading("t", Metric::temperature_c, cold ? 16.0 : 19.0, t));
    }
    EXPECT_NEAR(ledger.cold_home_hours(D0), 6.0, 0.1);
    ASSERT_TRUE(ledger.self_rationing(D0));
    EXPECT_EQ(*ledger.self_rationing(D0), !heats);
  }
}

TEST(FuelPoverty, NoHeatingDataNoSelfRationingVerdict) {
  EnergyLedger ledger;
  ledger.set_device(plug("t", "climate", "lounge"));
  for (TimePoint t = at(0, 0); t <= at(1, 0); t += 10min)
    ledger.on_reading(reading("t", Metric::temperature_c, 15.0, t));
  EXPECT_NEAR(ledger.cold_home_hours(D0), 24.0, 0.1);
  EXPECT_FALSE(ledger.self_rationing(D0).has_value());
}

TEST(FuelPoverty, ColdHoursCountOnlyWhileTheRoomIsOccupied) {
  EnergyLedger ledger;
  ledger.set_device(plug("t", "climate", "spare_room"));
  ledger.set_device(plug("m", "motion", "spare_room"));
  for (TimePoint t = at(0, 0); t <= at(1, 0); t += 10min) {
    if (t == at(0, 8)) ledger.on_reading(reading("m", Metric::motion, 1.0, t));  // someone in: 12 h occupied
    ledger.on_reading(reading("t", Metric::temperature_c, 14.0, t));
  }
  // 08:00-20:00, give or take the 10-minute reading that straddles each edge.
  EXPECT_NEAR(ledger.cold_home_hours(D0), 12.0, 0.35);
}
