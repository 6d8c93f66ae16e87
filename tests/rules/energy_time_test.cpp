#include "rules/energy_time.h"

#include <gtest/gtest.h>

#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;

TEST(EnergyTime, UkClockIsGmtInWinterAndBstInSummer) {
  const LocalClock uk = uk_clock();
  EXPECT_EQ(uk.offset_at(utc(2024, 1, 15, 12)), 0min);
  EXPECT_EQ(uk.offset_at(utc(2024, 7, 1, 12)), 60min);
  // 2024: BST from 31 March 01:00 UTC to 27 October 01:00 UTC.
  EXPECT_EQ(uk.offset_at(utc(2024, 3, 31, 0, 59)), 0min);
  EXPECT_EQ(uk.offset_at(utc(2024, 3, 31, 1, 0)), 60min);
  EXPECT_EQ(uk.offset_at(utc(2024, 10, 27, 0, 59)), 60min);
  EXPECT_EQ(uk.offset_at(utc(2024, 10, 27, 1, 0)), 0min);
  EXPECT_EQ(uk.next_change(utc(2024, 1, 1)), utc(2024, 3, 31, 1));
  EXPECT_EQ(uk.next_change(utc(2024, 3, 31, 1)), utc(2024, 10, 27, 1));
  EXPECT_EQ(uk.next_change(utc(2024, 11, 1)), utc(2025, 3, 30, 1));
  EXPECT_FALSE(fixed_clock().next_change(utc(2024, 1, 1)).has_value());
}

TEST(EnergyTime, LocalDayFollowsSummerTime) {
  const LocalClock uk = uk_clock();
  // 23:30 UTC on 30 June is 00:30 BST on 1 July.
  EXPECT_EQ(format_day(uk.day_of(utc(2024, 6, 30, 23, 30))), "2024-07-01");
  EXPECT_EQ(uk.minute_of_day(utc(2024, 6, 30, 23, 30)), 30);
  EXPECT_EQ(format_day(fixed_clock().day_of(utc(2024, 6, 30, 23, 30))), "2024-06-30");
  EXPECT_EQ(uk.day_start(*parse_day("2024-07-01")), utc(2024, 6, 30, 23));
}

TEST(EnergyTime, ClockChangeDaysAre23And25HoursLong) {
  const LocalClock uk = uk_clock();
  const Day spring = *parse_day("2024-03-31");
  const Day autumn = *parse_day("2024-10-27");
  EXPECT_EQ(uk.day_end(spring) - uk.day_start(spring), std::chrono::hours{23});
  EXPECT_EQ(uk.day_end(autumn) - uk.day_start(autumn), std::chrono::hours{25});
  EXPECT_EQ(uk.day_end(spring + 1) - uk.day_start(spring + 1), std::chrono::hours{24});
}

TEST(EnergyTime, ParsesOnlyRealDates) {
  EXPECT_EQ(format_day(*parse_day("2024-02-29")), "2024-02-29");
  EXPECT_FALSE(parse_day("2023-02-29"));
  EXPECT_FALSE(parse_day("2024-1-01"));
  EXPECT_FALSE(parse_day("2024-01-01x"));
  EXPECT_FALSE(parse_day("20x4-01-01"));
  EXPECT_EQ(first_day_of_year(2024), *parse_day("2024-01-01"));
  EXPECT_EQ(year_of(*parse_day("2024-12-31")), 2024);
}

TEST(EnergyTime, WindowsWrapPastMidnight) {
  const MinuteWindow night{23 * 60, 7 * 60};
  EXPECT_TRUE(night.contains(23 * 60));
  EXPECT_TRUE(night.contains(0));
  EXPECT_TRUE(night.contains(6 * 60 + 59));
  EXPECT_FALSE(night.contains(7 * 60));
  EXPECT_FALSE(night.contains(12 * 60));
  EXPECT_FALSE((MinuteWindow{60, 60}.contains(60)));
}
