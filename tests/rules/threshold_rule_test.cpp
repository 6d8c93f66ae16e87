#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/messages.h"
#include "rules_test_support.h"

using namespace hearth::rules;
using namespace hearth::rules::sim;
using hearth::core::Severity;

namespace {

// Temperature readings every 10 min in [from, to), ticking every minute in between.
void temps(Home& h, TimePoint from, TimePoint to, double value, const std::string& dev = "t1") {
  for (TimePoint t = from; t < to; t += 10min) {
    h.run_to(t);
    h.feed(dev, Metric::temperature_c, value, t);
  }
  h.run_to(to);
}

// Only the threshold rules, so absence-based rules do not join in.
RulesConfig thresholds_only() {
  RulesConfig c = default_rules_config();
  c.inactivity.enabled = false;
  c.device_health.enabled = false;
  return c;
}

Home lounge() {
  Home h(thresholds_only());
  h.device("t1", "Lounge");
  h.device("m1", "Lounge");
  h.feed("m1", Metric::motion, 1, at(8));
  h.set_now(at(8));
  return h;
}

}  // namespace

TEST(ThresholdRule, ColdHomeAfterTwoHoursWhileOccupied) {
  Home h = lounge();
  temps(h, at(9), at(10, 59), 14.2);
  EXPECT_EQ(h.count(AlertEventType::raised, "cold_home:"), 0u);
  temps(h, at(10, 59), at(11, 30), 14.2);
  ASSERT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
  const auto& a = h.events()[0].alert.id == "cold_home:t1" ? h.events()[0].alert : h.events()[1].alert;
  EXPECT_EQ(a.id, "cold_home:t1");
  EXPECT_EQ(a.severity, Severity::urgent);
  EXPECT_EQ(a.room, "Lounge");
  EXPECT_EQ(a.raised_at, at(11));
  EXPECT_EQ(a.trigger_ts, at(10, 59));  // the last reading before the tick that completed 2 h
  EXPECT_THAT(render(a.message_key, Language::en, a.params),
              ::testing::StartsWith("Lounge 14.2 °C for 2 h, below 16 °C"));
  EXPECT_THAT(render(a.message_key, Language::cy, a.params),
              ::testing::StartsWith("Lounge 14.2 °C ers 2 awr, o dan 16 °C"));
  // The advisory (below 18 °C) fires too, as info.
  EXPECT_EQ(h.count(AlertEventType::raised, "cool_home:t1"), 1u);
}

TEST(ThresholdRule, NotRaisedWhenRoomUnoccupied) {
  Home h(thresholds_only());
  h.device("t1", "Lounge");
  h.device("m1", "Lounge");
  h.feed("m1", Metric::motion, 1, at(8, 0, -1));  // 25 h before: nobody lives in this room now
  temps(h, at(9), at(13), 14.0);
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
}

TEST(ThresholdRule, HysteresisKeepsOneAlertWhileValuesFlap) {
  Home h = lounge();
  // 15.9 / 16.3 / 15.8 ...: inside the 16-16.5 band the run continues.
  for (int i = 0; i < 15; ++i) {
    h.run_to(at(9) + i * 10min);
    h.feed("t1", Metric::temperature_c, i % 2 ? 16.3 : 15.9, at(9) + i * 10min);
  }
  h.run_to(at(11, 30));
  EXPECT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
  // A short excursion above the band (< clear_hold 10 min) does not clear it.
  h.feed("t1", Metric::temperature_c, 16.8, at(11, 31));
  h.run_to(at(11, 36));
  h.feed("t1", Metric::temperature_c, 15.9, at(11, 36));
  h.run_to(at(12));
  EXPECT_EQ(h.count(AlertEventType::resolved, "cold_home:"), 0u);
  // Above the band for clear_hold: resolved by the system.
  h.feed("t1", Metric::temperature_c, 17.0, at(12, 1));
  h.run_to(at(12, 10));
  h.feed("t1", Metric::temperature_c, 17.1, at(12, 10));
  h.run_to(at(12, 11));
  ASSERT_EQ(h.count(AlertEventType::resolved, "cold_home:"), 1u);
  EXPECT_EQ(h.events().back().alert.resolved_by, "system");
  EXPECT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
}

TEST(ThresholdRule, SensorGoingSilentMidConditionDoesNotKeepCounting) {
  Home h = lounge();
  temps(h, at(9), at(10), 14.0);  // 1 h of cold, then the sensor goes quiet
  h.run_to(at(13));
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
  // It comes back: the gap restarts the count (2 h of fresh evidence needed again).
  temps(h, at(13), at(14, 55), 14.0);
  EXPECT_EQ(h.count(AlertEventType::raised, "cold_home:"), 0u);
  temps(h, at(14, 55), at(15, 5), 14.0);
  EXPECT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
}

TEST(ThresholdRule, OpenAlertStaysOpenWhenSensorGoesSilent) {
  Home h = lounge();
  temps(h, at(9), at(11, 10), 14.0);
  ASSERT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
  h.run_to(at(18));  // silence is not "all clear"
  EXPECT_EQ(h.count(AlertEventType::resolved, "cold_home:"), 0u);
}

TEST(ThresholdRule, ClockJumpsNeitherFireNorDoubleCount) {
  Home h = lounge();
  temps(h, at(9), at(10), 14.0);
  // Clock stepped back an hour: ticks in the past are ignored.
  for (TimePoint t = at(9); t < at(10); t += 1min) h.tick(t);
  EXPECT_EQ(h.engine().stats().ticks_backwards, 60u);
  // Clock stepped forward 3 h: the count never runs past the last reading + max_data_age.
  h.tick(at(13));
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
}

TEST(ThresholdRule, DuplicateAndLateReadingsAreIgnored) {
  Home h = lounge();
  temps(h, at(9), at(10, 30), 14.0);
  // A late warm reading (older timestamp) must not break the run; a duplicate changes nothing.
  h.feed("t1", Metric::temperature_c, 19.0, at(9, 45));
  h.feed("t1", Metric::temperature_c, 14.0, at(10, 20));
  temps(h, at(10, 30), at(11, 1), 14.0);
  EXPECT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
}

TEST(ThresholdRule, OverheatingOnlyAtNight) {
  Home h(thresholds_only());
  h.device("t1", "Bedroom");
  temps(h, at(13), at(16), 29.0);  // hot afternoon: not this rule's business
  EXPECT_EQ(h.count(AlertEventType::raised, "overheating:"), 0u);
  temps(h, at(16), at(23, 30), 20.0);
  temps(h, at(23, 30), at(0, 40, 1), 28.0);
  ASSERT_EQ(h.count(AlertEventType::raised, "overheating:"), 1u);
  EXPECT_EQ(h.events().back().alert.severity, Severity::warning);
  EXPECT_EQ(h.events().back().alert.raised_at, at(0, 30, 1));
}

TEST(ThresholdRule, RetainedReadingsAreIgnored) {
  Home h = lounge();
  h.feed("t1", Metric::temperature_c, 10.0, at(9), /*retained=*/true);
  EXPECT_EQ(h.engine().stats().retained_ignored, 1u);
  h.run_to(at(11, 30));
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
}

TEST(ThresholdRule, RestartWithOpenAlertDoesNotRaiseAgainAndStillClears) {
  Home h = lounge();
  temps(h, at(9), at(11, 10), 14.0);
  ASSERT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
  auto open = h.engine().alerts().open_alerts();
  h.restart();
  h.engine().restore(open);
  h.feed("m1", Metric::motion, 1, at(11, 15));
  temps(h, at(11, 20), at(14), 14.0);  // still cold after the restart
  EXPECT_EQ(h.count(AlertEventType::raised, "cold_home:"), 1u);
  temps(h, at(14), at(14, 30), 19.0);  // warm again: the restored alerts are cleared
  EXPECT_EQ(h.count(AlertEventType::resolved, "cold_home:"), 1u);
  EXPECT_EQ(h.count(AlertEventType::resolved, "cool_home:"), 1u);
  EXPECT_TRUE(h.engine().alerts().open_alerts().empty());
}
