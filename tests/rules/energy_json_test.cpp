#include "rules/energy_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;
using hearth::rules::Language;

TEST(EnergyJson, AppliancesAndHomeCarryPenceAndProvenance) {
  EnergyLedger ledger;
  ledger.set_device(plug("kettle", "kettle", "kitchen"));
  for (TimePoint t = at(0, 0); t <= at(1, 0); t += 1min) {
    ledger.on_reading(reading("kettle", Metric::power_w, t >= at(0, 7) && t < at(0, 7, 3) ? 2400.0 : 0.0, t));
  }
  const auto apps = appliances_json(ledger.appliances(at(0, 23, 59)));
  ASSERT_EQ(apps.size(), 1U);
  EXPECT_EQ(apps[0]["kind"], "kettle");
  EXPECT_EQ(apps[0]["today"]["kwh"]["provenance"], "bridged");
  EXPECT_NEAR(apps[0]["today"]["kwh"]["total"].get<double>(), 0.12, 1e-9);
  EXPECT_TRUE(apps[0]["today"]["pence"].is_number_integer());
  const auto home = home_json(ledger.home(at(0, 23, 59)), ledger.tariff());
  EXPECT_FALSE(home["from_mains"].get<bool>());
  EXPECT_EQ(home["today"]["total_pence"].get<std::int64_t>(),
            home["today"]["electricity"]["pence"].get<std::int64_t>() +
                home["today"]["gas"]["pence"].get<std::int64_t>() +
                home["today"]["standing_pence"].get<std::int64_t>());
  EXPECT_EQ(home["tariff"]["id"], default_tariff().id);
}

TEST(EnergyJson, AdviceIsRenderedInTheReadersLanguage) {
  Advice a;
  a.kind = AdviceKind::standby;
  a.key = "energy_standby";
  a.params = {{"device", "TV"},  {"standby_w", "14"}, {"hours", "20"},       {"cost_year", "£24"},
              {"from", "00:00"}, {"to", "07:00"},     {"saving_year", "£11"}};
  a.saving_pence_per_year = 1100;
  const auto en = advice_json({a}, Language::en);
  const auto cy = advice_json({a}, Language::cy);
  EXPECT_EQ(en[0]["saving_pence_per_year"], 1100);
  EXPECT_NE(en[0]["text"], cy[0]["text"]);
  EXPECT_EQ(en[0]["params"]["device"], "TV");
  EXPECT_EQ(en[0]["confidence"], "low");
}

TEST(EnergyJson, SavingsKeepTheirBands) {
  std::vector<SavingsDay> baseline, reporting;
  for (int i = 0; i < 10; ++i) baseline.push_back({i, 10.0 + (i % 3) * 0.5, 250.0, std::nullopt});
  for (int i = 10; i < 17; ++i) reporting.push_back({i, 8.0 + (i % 2) * 0.5, 200.0, std::nullopt});
  const auto r = compute_savings(baseline, reporting);
  ASSERT_TRUE(r);
  const auto j = savings_json(*r);
  EXPECT_LT(j["saved_kwh"]["low"].get<double>(), j["saved_kwh"]["value"].get<double>());
  EXPECT_GT(j["saved_kwh"]["high"].get<double>(), j["saved_kwh"]["value"].get<double>());
  EXPECT_FALSE(j["weather_normalised"].get<bool>());
  EXPECT_TRUE(j["payback_months"]["value"].is_null());  // no kit cost given
}
