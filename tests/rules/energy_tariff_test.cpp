#include "rules/tariff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;
using ::testing::HasSubstr;

namespace {

std::string with_electricity(const std::string& electricity, const std::string& extra = "") {
  return R"({"id":"t","source":"bill","source_date":"2024-07-01","electricity":)" + electricity + extra + "}";
}

Tariff economy7(bool on_gmt) {
  Tariff t;
  t.id = "e7";
  t.electricity.unit_rate_p_per_kwh = 30.0;
  t.electricity.standing_charge_p_per_day = 50.0;
  t.electricity.bands = {{"night", 0, 7 * 60, 15.0}};
  t.electricity.bands_on_gmt = on_gmt;
  return t;
}

}  // namespace

TEST(Tariff, ShippedFileParsesAndEveryTariffSaysWhereItsFiguresComeFrom) {
  const auto parsed = parse_tariffs(shipped_tariffs_json());
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_FALSE(parsed->tariffs.empty());
  EXPECT_FALSE(parsed->source.empty());
  for (const auto& t : parsed->tariffs) {
    EXPECT_FALSE(t.source.empty()) << t.id;
    EXPECT_TRUE(parse_day(t.source_date)) << t.id;
    EXPECT_TRUE(validate(t)) << t.id;
    // Example rates must say so; the time-of-use one in the file has no published single source.
    if (t.electricity.time_of_use()) {
      EXPECT_TRUE(t.illustrative) << t.id;
    }
  }
  EXPECT_EQ(&default_tariff(), &shipped_tariffs().tariffs.front());
  EXPECT_EQ(shipped_tariffs().tariffs.size(), parsed->tariffs.size());
}

TEST(Tariff, RoundTripsThroughJson) {
  Tariff t = economy7(true);
  t.prepayment = true;
  t.gas = FuelTariff{6.0, 30.0, {}, false};
  t.heating_fuel = Fuel::gas;
  t.source = "my bill";
  t.source_date = "2024-09-01";
  const auto back = parse_tariff(tariff_to_json(t));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, t);
}

TEST(Tariff, RejectsBadInputNamingTheField) {
  const auto unknown = parse_tariff(
      with_electricity(R"({"unit_rate_p_per_kwh":20,"standing_charge_p_per_day":50})", R"(,"colour":"red")"));
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message, HasSubstr("colour"));

  const auto negative = parse_tariff(with_electricity(R"({"unit_rate_p_per_kwh":-1,"standing_charge_p_per_day":50})"));
  ASSERT_FALSE(negative);
  EXPECT_THAT(negative.error().message, HasSubstr("electricity.unit_rate_p_per_kwh"));

  const auto overlap =
      parse_tariff(with_electricity(R"({"unit_rate_p_per_kwh":30,"standing_charge_p_per_day":50,"bands":[)"
                                    R"({"name":"night","start":"00:00","end":"07:00","unit_rate_p_per_kwh":15},)"
                                    R"({"name":"early","start":"06:00","end":"08:00","unit_rate_p_per_kwh":20}]})"));
  ASSERT_FALSE(overlap);
  EXPECT_THAT(overlap.error().message, HasSubstr("bands[1]"));

  const auto empty_band =
      parse_tariff(with_electricity(R"({"unit_rate_p_per_kwh":30,"standing_charge_p_per_day":50,"bands":[)"
                                    R"({"name":"x","start":"07:00","end":"07:00","unit_rate_p_per_kwh":15}]})"));
  EXPECT_FALSE(empty_band);

  const auto bad_time =
      parse_tariff(with_electricity(R"({"unit_rate_p_per_kwh":30,"standing_charge_p_per_day":50,"bands":[)"
                                    R"({"name":"x","start":"24:00","end":"07:00","unit_rate_p_per_kwh":15}]})"));
  EXPECT_FALSE(bad_time);

  const auto gas_missing = parse_tariff(
      with_electricity(R"({"unit_rate_p_per_kwh":20,"standing_charge_p_per_day":50})", R"(,"heating_fuel":"gas")"));
  ASSERT_FALSE(gas_missing);
  EXPECT_THAT(gas_missing.error().message, HasSubstr("gas"));

  EXPECT_FALSE(parse_tariff("{not json"));
  EXPECT_FALSE(parse_tariffs(R"({"schema":2,"tariffs":[]})"));
}

TEST(Tariff, Economy7OnGmtMovesToOneToEightInSummerTime) {
  const LocalClock uk = uk_clock();
  const FuelTariff gmt = economy7(true).electricity;
  const FuelTariff local = economy7(false).electricity;
  // 00:30 BST (23:30 UTC): night on the local clock, still day on a GMT meter.
  EXPECT_EQ(local.band_at(utc(2024, 6, 30, 23, 30), uk), 1);
  EXPECT_EQ(gmt.band_at(utc(2024, 6, 30, 23, 30), uk), 0);
  // 07:30 BST (06:30 UTC): day locally, night on the GMT meter.
  EXPECT_EQ(local.band_at(utc(2024, 7, 1, 6, 30), uk), 0);
  EXPECT_EQ(gmt.band_at(utc(2024, 7, 1, 6, 30), uk), 1);
  // In winter they agree.
  EXPECT_EQ(gmt.band_at(utc(2024, 1, 15, 6, 59), uk), local.band_at(utc(2024, 1, 15, 6, 59), uk));
  EXPECT_EQ(gmt.rate_of_band(1), 15.0);
  EXPECT_EQ(gmt.cheapest_band(), 1);
  EXPECT_TRUE(gmt.time_of_use());
}

TEST(Tariff, NextBandChangeIsTheNextEdge) {
  const LocalClock uk = uk_clock();
  const FuelTariff e7 = economy7(false).electricity;
  EXPECT_EQ(e7.next_band_change(utc(2024, 1, 15, 5, 30), uk), utc(2024, 1, 15, 7));
  EXPECT_EQ(e7.next_band_change(utc(2024, 1, 15, 7), uk), utc(2024, 1, 16, 0));
  // A flat tariff on the local clock changes nothing until the clocks change.
  FuelTariff flat;
  flat.unit_rate_p_per_kwh = 20.0;
  EXPECT_EQ(flat.next_band_change(utc(2024, 3, 30, 12), uk), utc(2024, 3, 31, 1));
  EXPECT_FALSE(flat.time_of_use());
}
