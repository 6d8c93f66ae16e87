#include "rules/energy_summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {
const Day D0 = 19737;  // 2024-01-15
}

TEST(EnergySummary, ADayOfDataRoundTripsThroughJsonWithoutNamesOrRooms) {
  EnergyLedger ledger;
  ledger.set_device(plug("tasmota:kettle_plug", "kettle", "Mam's kitchen"));
  ledger.set_device(plug("meter", "mains"));
  ledger.set_device(plug("outside", "outdoor"));
  for (TimePoint t = at(0, 0); t <= at(1, 0); t += 1min) {
    const bool boiling = t >= at(0, 7) && t < at(0, 7, 4);
    ledger.on_reading(reading("tasmota:kettle_plug", Metric::power_w, boiling ? 2500.0 : 0.0, t));
    ledger.on_reading(reading("meter", Metric::power_w, boiling ? 2700.0 : 200.0, t));
    ledger.on_reading(reading("outside", Metric::temperature_c, 5.5, t));
  }
  const DailySummary s = ledger.summarise(D0);
  EXPECT_EQ(s.date, "2024-01-15");
  EXPECT_TRUE(s.from_mains);
  EXPECT_NEAR(s.electricity.total(), 200.0 * 24 / 1000 + 2.5 * 4 / 60, 1e-6);
  ASSERT_EQ(s.appliances.size(), 1U);
  EXPECT_EQ(s.appliances[0].kind, "kettle");
  EXPECT_NEAR(s.appliances[0].kwh.total(), 2.5 * 4 / 60, 1e-9);
  ASSERT_TRUE(s.outdoor_mean_c);
  EXPECT_NEAR(*s.heating_degree_days, 10.0, 1e-9);
  EXPECT_NEAR(s.coverage, 1.0, 1e-6);
  ASSERT_TRUE(s.baseload_w);
  EXPECT_NEAR(*s.baseload_w, 200.0, 1.0);
  EXPECT_EQ(s.standing_pence, std::llround(default_tariff().electricity.standing_charge_p_per_day +
                                           default_tariff().gas->standing_charge_p_per_day));

  const std::string text = daily_summary_to_json(s);
  EXPECT_THAT(text, Not(HasSubstr("kitchen")));
  EXPECT_THAT(text, Not(HasSubstr("tasmota")));
  EXPECT_THAT(text, HasSubstr("\"provenance\":\"bridged\""));
  const auto back = parse_daily_summary(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(EnergySummary, RejectsOtherSchemasAndMissingFields) {
  DailySummary s;
  s.day = D0;
  s.date = format_day(D0);
  auto text = daily_summary_to_json(s);
  EXPECT_TRUE(parse_daily_summary(text));
  auto wrong = text;
  wrong.replace(wrong.find("\"schema\":1"), 10, "\"schema\":9");
  EXPECT_FALSE(parse_daily_summary(wrong));
  EXPECT_FALSE(parse_daily_summary(R"({"schema":1,"date":"2024-01-15"})"));
  EXPECT_FALSE(parse_daily_summary("[]"));
  auto mismatch = text;
  mismatch.replace(mismatch.find("2024-01-15"), 10, "2024-01-16");
  EXPECT_FALSE(parse_daily_summary(mismatch));
}
