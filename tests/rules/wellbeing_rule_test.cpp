// The wellbeing rule through the engine, on synthetic weeks (simulated clock, 5-minute ticks).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "rules/messages.h"
#include "wellbeing_test_support.h"

using namespace hearth::rules;
using namespace hearth::rules::sim;
using hearth::core::Severity;

namespace {

constexpr int WARMUP = 14;

// Minutes since that day's local midnight.
int minute_of(TimePoint t) { return local_minute(t, std::chrono::minutes{0}); }

}  // namespace

TEST(Wellbeing, RegularPersonHasNoAlertsAndAMissedMorningIsCaughtWithinTheMargin) {
  WellbeingHome h;
  h.live(0, 20);  // three weeks, up at 07:00 every day
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised).empty());
  const LearnedRoutine& l = h.wellbeing().model().learned();
  EXPECT_FALSE(l.warming_up);
  EXPECT_FALSE(l.got_up.split);
  const int usual = l.got_up.all.usual_min;

  DayPlan missed;
  missed.up_min.reset();
  h.plan(21, missed);
  h.run_until(at(14, 0, 21));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "not_up");
  ASSERT_EQ(raised.size(), 1u);
  const auto& a = raised[0].alert;
  EXPECT_EQ(a.id, "wellbeing:not_up:2024-02-05");
  EXPECT_EQ(a.severity, Severity::warning);
  const int detected = minute_of(a.raised_at);
  EXPECT_GE(detected, usual + 45);   // not before usual + min_late
  EXPECT_LE(detected, usual + 120);  // within two hours of the usual time
  EXPECT_EQ(render(a.message_key, Language::en, a.params), "Not up yet: usually up by " + format_hhmm(usual) +
                                                               " (latest " + format_hhmm(l.got_up.all.latest_min) +
                                                               " in 21 days); no activity by " + format_hhmm(detected));
  // Still nothing two hours later: the same alert, now urgent.
  const auto updated = h.wellbeing_events(AlertEventType::updated, "not_up");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].alert.severity, Severity::urgent);
  EXPECT_EQ(minute_of(updated[0].alert.updated_at), detected + 120);
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised, "no_meal").empty());  // one incident, one alert
}

TEST(Wellbeing, NotUpClearsWhenThePersonIsSeen) {
  WellbeingHome h;
  h.live(0, 20);
  DayPlan late;
  late.up_min = 10 * 60;
  h.plan(21, late);
  h.run_until(at(12, 0, 21));
  ASSERT_EQ(h.wellbeing_events(AlertEventType::raised, "not_up").size(), 1u);
  const auto resolved = h.wellbeing_events(AlertEventType::resolved, "not_up");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].alert.resolved_by, "system");
  EXPECT_EQ(minute_of(*resolved[0].alert.resolved_at), 10 * 60 + 15);  // first kitchen motion
}

TEST(Wellbeing, WarmUpSuppressesLearnedAlerts) {
  WellbeingHome h;
  h.live(0, 9);
  DayPlan missed;
  missed.up_min.reset();
  h.live(10, 10, missed);
  EXPECT_TRUE(h.wellbeing().model().learned().warming_up);
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised).empty());
}

TEST(Wellbeing, WeekendLieInsGetTheirOwnWindow) {
  WellbeingHome h;
  DayPlan weekday;
  DayPlan weekend;
  weekend.up_min = 9 * 60 + 30;
  for (int d = 0; d <= 20; ++d)
    h.plan(d, is_weekend(local_day(at(12, 0, d), std::chrono::minutes{0})) ? weekend : weekday);
  h.run_until(at(0, 0, 21));
  const TimeWindow& w = h.wellbeing().model().learned().got_up;
  ASSERT_TRUE(w.split);
  EXPECT_EQ(w.weekday.usual_min, 7 * 60 + 15);
  EXPECT_EQ(w.weekend.usual_min, 9 * 60 + 45);
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised).empty());  // lie-ins are usual at weekends

  // Monday (day 21): nobody up. Caught against the weekday window, long before a lie-in ends.
  DayPlan missed;
  missed.up_min.reset();
  h.plan(21, missed);
  h.run_until(at(12, 0, 21));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "not_up");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_LT(minute_of(raised[0].alert.raised_at), 9 * 60);
  EXPECT_EQ(raised[0].alert.params.at("usual"), "07:15");
}

TEST(Wellbeing, ShiftWorkWidensTheWindowInsteadOfRaisingFalseAlarms) {
  WellbeingHome h;
  DayPlan early, late;
  early.up_min = 5 * 60 + 30;
  early.bed_min = 21 * 60 + 30;
  late.up_min = 13 * 60;
  late.bed_min = 23 * 60 + 50;
  for (int d = 0; d <= 27; ++d) h.plan(d, (d / 7) % 2 == 0 ? early : late);  // rotating weekly
  h.run_until(at(0, 0, 28));
  const TimeStats& s = h.wellbeing().model().learned().got_up.all;
  EXPECT_TRUE(s.irregular);
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised).empty());

  // A late-shift day is not "not up" at 09:00; a day with nobody up is still caught.
  DayPlan missed;
  missed.up_min.reset();
  h.plan(28, missed);
  h.run_until(at(23, 0, 28));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "not_up");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_GE(minute_of(raised[0].alert.raised_at), s.latest_min);
}

TEST(Wellbeing, HolidayInAwayModeRaisesNothingAndIsNotLearned) {
  WellbeingHome h;
  h.live(0, 15);
  const int valid_before = h.wellbeing().model().learned().valid_days;
  h.engine().set_away(true);
  DayPlan empty_home;
  empty_home.up_min.reset();
  empty_home.night_bathroom = 0;
  h.live(16, 22, empty_home);
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised).empty());
  EXPECT_EQ(h.wellbeing().model().learned().valid_days, valid_before);
  EXPECT_TRUE(h.wellbeing().model().find(local_day(at(12, 0, 18), std::chrono::minutes{0}))->away);

  // Back: away off; that day is partly away (not learned), then the usual checks resume.
  h.plan(23, DayPlan{});
  h.run_until(at(9, 0, 23));
  h.engine().set_away(false);
  h.live(23, 24);
  DayPlan missed;
  missed.up_min.reset();
  h.plan(25, missed);
  h.run_until(at(12, 0, 25));
  EXPECT_EQ(h.wellbeing_events(AlertEventType::raised, "not_up").size(), 1u);
  EXPECT_EQ(h.wellbeing().model().learned().valid_days, valid_before + 1);  // day 24 only
}

TEST(Wellbeing, AwayClearsTodaysNotUpAlert) {
  WellbeingHome h;
  h.live(0, 20);
  DayPlan missed;
  missed.up_min.reset();
  h.plan(21, missed);
  h.run_until(at(10, 0, 21));
  ASSERT_EQ(h.wellbeing_events(AlertEventType::raised, "not_up").size(), 1u);
  const auto out = h.engine().set_away(true);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].type, AlertEventType::resolved);
  EXPECT_TRUE(h.engine().wellbeing()->away());
}

TEST(Wellbeing, NoKettleByTheUsualTime) {
  WellbeingHome h;
  h.live(0, 20);
  DayPlan no_kettle;
  no_kettle.kettle = false;
  h.plan(21, no_kettle);
  h.run_until(at(12, 0, 21));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "no_meal");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].alert.severity, Severity::warning);
  EXPECT_THAT(render(raised[0].alert.message_key, Language::en, raised[0].alert.params),
              ::testing::StartsWith("No kettle or meal appliance used yet: usually by 07:15"));
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised, "not_up").empty());
}

TEST(Wellbeing, NightWanderingInUsuallyQuietHours) {
  WellbeingHome h;
  h.live(0, 20);
  DayPlan wander;
  for (int m = 2 * 60; m <= 3 * 60; m += 6) wander.night_lounge.push_back(m);
  h.plan(21, wander);
  h.run_until(at(12, 0, 21));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "night");
  ASSERT_EQ(raised.size(), 1u);
  const auto& a = raised[0].alert;
  EXPECT_EQ(a.id, "wellbeing:night:2024-02-05");
  EXPECT_EQ(a.severity, Severity::warning);
  EXPECT_LT(minute_of(a.raised_at), 2 * 60 + 30);  // while it happens
  EXPECT_EQ(a.params.at("from"), "02:00");
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised, "not_up").empty());
}

TEST(Wellbeing, UnusuallyLongAbsenceAndItsEnd) {
  WellbeingHome h;
  DayPlan shopping;
  shopping.out = std::make_pair(10 * 60, 11 * 60 + 30);
  for (int d = 0; d <= 20; ++d) h.plan(d, d % 3 == 0 ? shopping : DayPlan{});
  h.run_until(at(0, 0, 21));
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised).empty());
  const int threshold = absence_threshold_min(h.wellbeing().model().learned(), h.wellbeing().model().config());
  EXPECT_EQ(threshold, 4 * 60);  // short trips: the floor applies

  DayPlan long_trip;
  long_trip.out = std::make_pair(10 * 60, 19 * 60);
  h.plan(21, long_trip);
  h.run_until(at(20, 0, 21));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "absence");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(minute_of(raised[0].alert.raised_at), 14 * 60);
  EXPECT_EQ(raised[0].alert.params.at("since"), "10:00");
  const auto resolved = h.wellbeing_events(AlertEventType::resolved, "absence");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(minute_of(*resolved[0].alert.resolved_at), 19 * 60);
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised, "not_up").empty());
}

TEST(Wellbeing, BathroomVisitsFarAboveUsual) {
  WellbeingHome h;
  h.live(0, 20);
  DayPlan many;
  many.day_bathroom = 16;
  h.plan(21, many);
  h.run_until(at(0, 0, 22));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "bathroom");
  ASSERT_FALSE(raised.empty());
  EXPECT_EQ(raised[0].alert.severity, Severity::info);
  const auto updated = h.wellbeing_events(AlertEventType::updated, "bathroom");
  ASSERT_EQ(updated.size(), 1u);  // escalated once, to warning
  EXPECT_EQ(updated[0].alert.severity, Severity::warning);
  EXPECT_THAT(render(raised[0].alert.message_key, Language::en, raised[0].alert.params),
              ::testing::HasSubstr("a possible sign of infection"));
}

TEST(Wellbeing, RestartWithSavedStateKeepsTheModel) {
  WellbeingHome h;
  h.live(0, 20);
  const nlohmann::json saved = h.engine().wellbeing()->save_state();
  const LearnedRoutine before = h.wellbeing().model().learned();

  h.restart();  // a new engine: everything learned is gone...
  EXPECT_TRUE(h.wellbeing().model().learned().warming_up);
  ASSERT_TRUE(h.engine().restore_wellbeing(saved));  // ...until the gateway restores it
  EXPECT_EQ(h.wellbeing().model().learned().valid_days, before.valid_days);
  EXPECT_EQ(h.wellbeing().model().learned().got_up.all.usual_min, before.got_up.all.usual_min);
  EXPECT_EQ(h.engine().wellbeing()->save_state(), saved);

  DayPlan missed;
  missed.up_min.reset();
  h.plan(21, missed);
  h.run_until(at(12, 0, 21));
  EXPECT_EQ(h.wellbeing_events(AlertEventType::raised, "not_up").size(), 1u);
}

TEST(Wellbeing, BadSavedStateIsRejectedAndChangesNothing) {
  WellbeingHome h;
  h.live(0, 15);
  const int valid = h.wellbeing().model().learned().valid_days;
  nlohmann::json bad = h.engine().wellbeing()->save_state();
  bad["days"][0]["date"] = "not a date";
  const auto r = h.engine().restore_wellbeing(bad);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("wellbeing state"));
  EXPECT_EQ(h.wellbeing().model().learned().valid_days, valid);
  EXPECT_FALSE(h.engine().restore_wellbeing(nlohmann::json{{"schema", 99}}));
}

TEST(Wellbeing, MissingDataIsExcludedNotLearnedAsInactivity) {
  WellbeingHome h;
  h.live(0, 20);
  const int valid_before = h.wellbeing().model().learned().valid_days;
  // The hub goes offline for a whole day: no readings, so no "not up" alert (silence is not
  // inactivity) and the day is not learned.
  DayPlan silent;
  silent.sensors_silent = true;
  h.live(21, 21, silent);
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised).empty());
  h.live(22, 22);
  const DaySummary* gap = h.wellbeing().model().find(local_day(at(12, 0, 21), std::chrono::minutes{0}));
  ASSERT_NE(gap, nullptr);
  EXPECT_FALSE(is_valid(*gap, h.wellbeing().model().config()));
  EXPECT_EQ(h.wellbeing().model().learned().valid_days, std::min(21, valid_before + 1));
  EXPECT_EQ(*h.wellbeing().model().learned().last_day, local_day(at(12, 0, 22), std::chrono::minutes{0}));
}

TEST(Wellbeing, GatewayDownOvernightGivesNoMorningAlert) {
  WellbeingHome h;
  h.live(0, 20);
  DayPlan missed;
  missed.up_min.reset();
  h.plan(21, missed);
  h.run_until(at(0, 0, 21));
  // No ticks between 00:00 and 10:00 (gateway down); the restarted count must not see a whole
  // unobserved morning as "not up".
  h.set_now(at(10, 0, 21));
  h.run_until(at(11, 0, 21));
  EXPECT_TRUE(h.wellbeing_events(AlertEventType::raised, "not_up").empty());
}

TEST(Wellbeing, TwoWeeksOfDeclineIsAnInfoTrend) {
  WellbeingHome h;
  h.live(0, WARMUP + 6);
  // Getting up later and doing less, day by day.
  for (int d = WARMUP + 7; d <= WARMUP + 21; ++d) {
    DayPlan p;
    const int k = d - (WARMUP + 7);
    p.up_min = 7 * 60 + 8 * k;
    p.bed_min = 22 * 60 + 30 - 25 * k;
    p.kettle = k < 7;
    h.plan(d, p);
  }
  h.run_until(at(0, 0, WARMUP + 22));
  const auto raised = h.wellbeing_events(AlertEventType::raised, "trend");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].alert.id, "wellbeing:trend:home");
  EXPECT_EQ(raised[0].alert.severity, Severity::info);
  EXPECT_LT(std::stod(raised[0].alert.params.at("score_now")), std::stod(raised[0].alert.params.at("score_before")));
}

TEST(Wellbeing, ActivityEventsComeOutOfTheEngine) {
  WellbeingHome h;
  h.device("kettle2", "Kitchen", "kettle");
  h.feed("kettle2", Metric::power_w, 2000, at(7, 0));
  const auto on = h.engine().on_reading({.device_id = "kettle2",
                                         .metric = Metric::power_w,
                                         .value = 0,
                                         .ts = at(7, 3),
                                         .counter_reset = false,
                                         .retained = false});
  ASSERT_EQ(on.activity.size(), 1u);
  EXPECT_EQ(on.activity[0].kind, ActivityKind::appliance_use);
  EXPECT_EQ(on.activity[0].start, at(7, 0));
  EXPECT_TRUE(h.engine().on_tick(at(7, 4)).activity.empty());  // handed out once
}

TEST(Wellbeing, RoutineJsonShowsWarmUpThenWindows) {
  WellbeingHome h;
  h.live(0, 3);
  nlohmann::json j = h.engine().wellbeing()->routine_to_json();
  EXPECT_EQ(j.at("warming_up"), true);
  EXPECT_EQ(j.at("valid_days"), 4);
  EXPECT_EQ(j.at("away"), false);
  h.live(4, 20);
  j = h.engine().wellbeing()->routine_to_json();
  EXPECT_EQ(j.at("warming_up"), false);
  EXPECT_EQ(j.at("windows")[0].at("usual"), "07:15");
  EXPECT_EQ(j.at("today").at("date"), "2024-02-05");
  const auto described =
      describe_saved_routine(h.engine().wellbeing()->save_state(), WellbeingConfig{}, std::chrono::minutes{0});
  ASSERT_TRUE(described);
  EXPECT_EQ(described->at("windows"), j.at("windows"));
  EXPECT_THAT(routine_to_text(j), ::testing::HasSubstr("got_up     all      usual 07:15"));
  EXPECT_THAT(routine_to_text(j), ::testing::Not(::testing::HasSubstr("WARMING UP")));
}

TEST(Wellbeing, DisabledMeansNoRuleAndNoActivity) {
  WellbeingConfig off;
  off.enabled = false;
  WellbeingHome h(off);
  EXPECT_EQ(h.engine().wellbeing(), nullptr);
  EXPECT_EQ(h.engine().rule_count(), 0u);
  EXPECT_FALSE(h.engine().restore_wellbeing(nlohmann::json::object()));
  EXPECT_TRUE(h.engine().set_away(true).events.empty());
}
