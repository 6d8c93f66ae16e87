// RoutineModel and the per-day figures it learns from.
#include <gtest/gtest.h>

#include <initializer_list>
#include <nlohmann/json.hpp>

#include "rules/routine_model.h"

using namespace hearth::rules;

namespace {

constexpr LocalDay MONDAY = 19737;  // 2024-01-15

void set(DayBins& bins, std::initializer_list<int> minutes) {
  for (int m : minutes) bins.set(static_cast<std::size_t>(m / BIN_MIN));
}

// A whole day observed, up at `up` (three day-room bins), a meal, bed at `bed`, two bathroom visits.
DaySummary day(LocalDay d, int up, int bed = 22 * 60) {
  DaySummary s;
  s.day = d;
  s.observed.set();
  set(s.day_room, {up, up + 10, up + 20, 12 * 60, 15 * 60, bed});
  set(s.meal, {up + 15});
  set(s.bathroom, {up - 5, 14 * 60});
  set(s.bedroom, {up - 10});
  return s;
}

WellbeingConfig small_window(int warmup = 7) {
  WellbeingConfig c;
  c.warmup_days = warmup;
  c.window_days = 21;
  return c;
}

}  // namespace

TEST(RoutineDay, GotUpNeedsConfirmationSoAGlassOfWaterIsNotGettingUp) {
  const WellbeingConfig c;
  DaySummary s;
  set(s.day_room, {5 * 60, 8 * 60 + 10, 8 * 60 + 25, 8 * 60 + 40});  // 05:00 alone, then up at 08:10
  EXPECT_EQ(got_up_min(s, 4 * 60, c), 8 * 60 + 10);
  // Before the day start it does not count at all.
  DaySummary night;
  set(night.day_room, {3 * 60, 3 * 60 + 5, 3 * 60 + 10});
  EXPECT_FALSE(got_up_min(night, 4 * 60, c).has_value());
}

TEST(RoutineDay, SparseHomeGotUpIsConfirmedByNotGoingBackToBed) {
  const WellbeingConfig c;
  DaySummary s;
  set(s.day_room, {10 * 60 + 30});
  set(s.bathroom, {10 * 60 + 40});
  EXPECT_EQ(got_up_min(s, 6 * 60, c), 10 * 60 + 30);
  set(s.bedroom, {10 * 60 + 50});  // back to bed within the hour: not up yet
  EXPECT_FALSE(got_up_min(s, 6 * 60, c).has_value());
}

TEST(RoutineDay, BedtimeAfterMidnightIsPastTwentyFourHours) {
  DaySummary d, next;
  set(d.day_room, {8 * 60, 23 * 60 + 30});
  set(next.day_room, {60, 9 * 60});
  EXPECT_EQ(bedtime_min(d, &next, 4 * 60), 24 * 60 + 60);
  EXPECT_EQ(bedtime_min(d, nullptr, 4 * 60), 23 * 60 + 30);
}

TEST(RoutineDay, BathroomVisitsAreRunsWithShortGapsMerged) {
  DaySummary d;
  set(d.bathroom, {100, 105, 115, 200, 300, 305});  // 100-115: one visit (one empty bin between)
  EXPECT_EQ(bathroom_visits(d), 3);
  set(d.bathroom, {500});
  EXPECT_EQ(bathroom_visits(d), 4);
}

TEST(RoutineDay, ValidityNeedsCoverageActivityAndNotAway) {
  const WellbeingConfig c;
  DaySummary d = day(MONDAY, 7 * 60);
  EXPECT_TRUE(is_valid(d, c));
  d.away = true;
  EXPECT_FALSE(is_valid(d, c));
  d = day(MONDAY, 7 * 60);
  d.observed.reset();
  for (int b = 0; b < BINS_PER_DAY / 2; ++b) d.observed.set(static_cast<std::size_t>(b));  // half a day
  EXPECT_FALSE(is_valid(d, c));
  DaySummary empty;
  empty.observed.set();
  EXPECT_FALSE(is_valid(empty, c));
}

TEST(RoutineDay, JsonRoundTripAndStrictParsing) {
  DaySummary d = day(MONDAY, 7 * 60 + 35);
  d.out.set(200);
  d.score = 87.5;
  const nlohmann::json j = d;
  EXPECT_EQ(j.at("date"), "2024-01-15");
  EXPECT_EQ(j.at("observed").get<std::string>().size(), 72u);
  EXPECT_EQ(j.get<DaySummary>(), d);
  nlohmann::json bad = j;
  bad["meal"] = "zz";
  EXPECT_THROW((void)bad.get<DaySummary>(), nlohmann::json::exception);
  bad = j;
  bad["date"] = "2024-02-30";
  EXPECT_THROW((void)bad.get<DaySummary>(), nlohmann::json::exception);
}

TEST(RoutineDates, WeekendsAndFormatting) {
  EXPECT_FALSE(is_weekend(MONDAY));
  EXPECT_TRUE(is_weekend(MONDAY + 5));
  EXPECT_TRUE(is_weekend(MONDAY + 6));
  EXPECT_EQ(format_date(MONDAY), "2024-01-15");
  EXPECT_EQ(parse_date("2024-01-15"), MONDAY);
  EXPECT_EQ(format_hhmm(24 * 60 + 75), "01:15");
}

TEST(RoutineModel, WarmsUpThenLearnsUsualAndLatest) {
  RoutineModel m(small_window());
  for (int i = 0; i < 6; ++i) m.add_day(day(MONDAY + i, 7 * 60 + 5 * i));
  EXPECT_TRUE(m.learned().warming_up);
  m.add_day(day(MONDAY + 6, 7 * 60 + 30));
  const LearnedRoutine& l = m.learned();
  EXPECT_FALSE(l.warming_up);
  EXPECT_EQ(l.valid_days, 7);
  EXPECT_FALSE(l.got_up.split);
  EXPECT_EQ(l.got_up.all.days, 7);
  EXPECT_EQ(l.got_up.all.usual_min, 7 * 60 + 15);
  EXPECT_EQ(l.got_up.all.earliest_min, 7 * 60);
  EXPECT_EQ(l.got_up.all.latest_min, 7 * 60 + 30);
  EXPECT_EQ(l.first_meal.all.usual_min, 7 * 60 + 30);
  EXPECT_EQ(l.bathroom_visits.usual, 2.0);
  EXPECT_EQ(l.bedtime.all.days, 6);  // the last day's night is not over yet
}

TEST(RoutineModel, LateThresholdRegularIrregularAndSensitivity) {
  WellbeingConfig c;
  TimeStats regular{.days = 14,
                    .usual_min = 480,
                    .earliest_min = 450,
                    .latest_min = 530,
                    .low_min = 460,
                    .high_min = 520,
                    .irregular = false};
  EXPECT_EQ(late_threshold_min(regular, c), 520 + 60);
  EXPECT_EQ(late_threshold_min(regular, c, true), 520 + 60);
  regular.high_min = 640;  // a wide but regular spread: capped at usual + max_late (meal: + 3 h)
  EXPECT_EQ(late_threshold_min(regular, c), 480 + 120);
  EXPECT_EQ(late_threshold_min(regular, c, true), 480 + 180);
  regular.high_min = 480;  // a very tight routine and a small margin: never sooner than usual + min_late
  c.late_margin = std::chrono::minutes{20};
  EXPECT_EQ(late_threshold_min(regular, c), 480 + 45);
  c.late_margin = std::chrono::minutes{60};
  const TimeStats shift{.days = 14,
                        .usual_min = 600,
                        .earliest_min = 330,
                        .latest_min = 850,
                        .low_min = 340,
                        .high_min = 845,
                        .irregular = true};
  EXPECT_EQ(late_threshold_min(shift, c), 850 + 60);
  c.sensitivity = Sensitivity::low;
  regular.high_min = 520;
  EXPECT_EQ(late_threshold_min(regular, c), 520 + 90);
  c.sensitivity = Sensitivity::high;  // margin 36 min, capped at usual + 72 min
  EXPECT_EQ(late_threshold_min(regular, c), 480 + 72);
  regular.days = 3;
  EXPECT_FALSE(late_threshold_min(regular, c).has_value());
}

TEST(RoutineModel, WeekendWindowOnlyWhenTheDataShowADifference) {
  RoutineModel same(small_window());
  RoutineModel lie_ins(small_window());
  for (int i = 0; i < 21; ++i) {
    const bool weekend = is_weekend(MONDAY + i);
    same.add_day(day(MONDAY + i, 7 * 60 + (i % 3) * 10));
    lie_ins.add_day(day(MONDAY + i, weekend ? 9 * 60 + 30 : 7 * 60 + (i % 3) * 10));
  }
  EXPECT_FALSE(same.learned().got_up.split);
  const TimeWindow& w = lie_ins.learned().got_up;
  ASSERT_TRUE(w.split);
  EXPECT_EQ(w.weekend.usual_min, 9 * 60 + 30);
  EXPECT_EQ(w.weekday.usual_min, 7 * 60 + 10);
  EXPECT_EQ(w.profile_for(MONDAY + 5), Profile::weekend);
  EXPECT_EQ(&w.for_day(MONDAY + 2), &w.weekday);
}

TEST(RoutineModel, WindowKeepsTheLastValidDaysAndSkipsInvalidOnes) {
  RoutineModel m(small_window());
  for (int i = 0; i < 30; ++i) {
    DaySummary d = day(MONDAY + i, 7 * 60);
    if (i >= 10 && i < 17) d.away = true;  // a week away: kept for context, never learned
    m.add_day(d);
  }
  EXPECT_EQ(m.learned().valid_days, 21);
  EXPECT_EQ(*m.learned().first_day, MONDAY + 2);  // 21 valid days back, skipping the 7 away
  EXPECT_EQ(*m.learned().last_day, MONDAY + 29);
}

TEST(RoutineModel, LearnsALateSleepersDayStart) {
  // Up at 10:30, to bed at 02:30: a 04:00 day start would cut the evening in two.
  RoutineModel m(small_window());
  for (int i = 0; i < 10; ++i) {
    DaySummary d;
    d.day = MONDAY + i;
    d.observed.set();
    for (int t = 0; t < 150; t += 20) set(d.day_room, {t});                 // 00:00-02:30
    for (int t = 10 * 60 + 30; t < 24 * 60; t += 20) set(d.day_room, {t});  // 10:30-24:00
    m.add_day(d);
  }
  const int start = m.learned().day_start_min;
  EXPECT_GT(start, 4 * 60);
  EXPECT_LT(start, 10 * 60 + 30);
  EXPECT_EQ(m.learned().got_up.all.usual_min, 10 * 60 + 30);
  EXPECT_EQ(m.learned().bedtime.all.usual_min, 24 * 60 + 140);
}

TEST(RoutineModel, NightActivityCountsOnlyUsuallyQuietBins) {
  RoutineModel m(small_window());
  for (int i = 0; i < 10; ++i) m.add_day(day(MONDAY + i, 7 * 60));
  const LearnedRoutine& l = m.learned();
  DaySummary tonight = day(MONDAY + 10, 7 * 60);
  set(tonight.day_room, {2 * 60, 2 * 60 + 10, 2 * 60 + 20, 2 * 60 + 30});
  // From an hour after the usual 22:00 bedtime to 30 min before the earliest usual get-up.
  const NightRange range = night_range(l, MONDAY + 10, m.config());
  EXPECT_EQ(range.from_min, 23 * 60 - 24 * 60);
  EXPECT_EQ(range.to_min, 7 * 60 - 30);
  const NightCount n = night_unusual(m.find(MONDAY + 9), &tonight, range, l.quiet, m.config());
  EXPECT_EQ(n.bins, 4);
  EXPECT_EQ(n.first_min, 2 * 60);
  EXPECT_EQ(n.last_min, 2 * 60 + 35);
  EXPECT_EQ(l.night_bins.usual, 0.0);
  // A bin next to a usual one is usual too (smoothing); two bins away it is quiet.
  EXPECT_EQ(l.quiet[(22 * 60 - 5) / BIN_MIN], 1.0F);
  EXPECT_EQ(l.quiet[(22 * 60 - 10) / BIN_MIN], 0.0F);
  EXPECT_EQ(night_threshold_bins(l, m.config()), 4);
}

TEST(RoutineModel, ScoreDropsForALateStartAndLittleActivity) {
  RoutineModel m(small_window());
  for (int i = 0; i < 10; ++i) m.add_day(day(MONDAY + i, 7 * 60 + (i % 2) * 10));
  EXPECT_GE(m.score(day(MONDAY + 10, 7 * 60 + 5)), 95.0);
  DaySummary late = day(MONDAY + 10, 10 * 60 + 30);
  EXPECT_LT(m.score(late), 90.0);
  DaySummary nothing;
  nothing.day = MONDAY + 10;
  nothing.observed.set();
  EXPECT_LE(m.score(nothing), 30.0);
}

TEST(RoutineModel, DescribeListsEveryProfileWithUsualLatestDaysAndAlertTime) {
  RoutineModel m(small_window());
  for (int i = 0; i < 8; ++i) m.add_day(day(MONDAY + i, 8 * 60 + 10));
  const nlohmann::json j = routine_to_json(m);
  EXPECT_EQ(j.at("warming_up"), false);
  EXPECT_EQ(j.at("valid_days"), 8);
  const auto& w = j.at("windows");
  ASSERT_EQ(w.size(), 9u);  // got_up, first_meal, bedtime x all, weekday, weekend
  EXPECT_EQ(w[0].at("signal"), "got_up");
  EXPECT_EQ(w[0].at("profile"), "all");
  EXPECT_EQ(w[0].at("in_use"), true);
  EXPECT_EQ(w[0].at("usual"), "08:10");
  EXPECT_EQ(w[0].at("latest"), "08:10");
  EXPECT_EQ(w[0].at("days"), 8);
  EXPECT_EQ(w[0].at("alert_after"), "09:10");  // latest (= usual here) + 60 min
  EXPECT_EQ(w[6].at("signal"), "bedtime");
  EXPECT_TRUE(w[6].at("alert_after").is_null());
}
