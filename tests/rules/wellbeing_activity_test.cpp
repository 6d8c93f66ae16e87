// ActivityDetector: readings -> activity events and signs of life.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "rules/activity.h"
#include "rules_test_support.h"

using namespace hearth::rules;
using namespace hearth::rules::sim;

namespace {

class Detector {
 public:
  explicit Detector(WellbeingConfig config = {}) : detector_(std::move(config)) {}

  void device(const std::string& id, const std::string& room, const std::string& kind) {
    facts_[id] = DeviceFacts{.id = id, .room = room, .kind = kind, .name = "", .essential = false, .switchable = false};
  }
  void feed(const std::string& id, Metric m, double v, TimePoint t) {
    hearth::core::Reading r{
        .device_id = id, .metric = m, .value = v, .ts = t, .counter_reset = false, .retained = false};
    auto it = facts_.find(id);
    detector_.on_reading(r, it == facts_.end() ? nullptr : &it->second, out_);
  }
  void tick(TimePoint t) { detector_.on_tick(t, out_); }
  ActivityOutput& out() { return out_; }

 private:
  std::map<std::string, DeviceFacts> facts_;
  ActivityDetector detector_;
  ActivityOutput out_;
};

}  // namespace

TEST(ActivityDetector, KettleUseIsOneEventAndAMealSignAtItsStart) {
  Detector d;
  d.device("kettle", "Kitchen", "kettle");
  d.feed("kettle", Metric::power_w, 0.4, at(7, 0));
  d.feed("kettle", Metric::power_w, 2150, at(7, 10));
  d.feed("kettle", Metric::power_w, 2210, at(7, 11));
  d.feed("kettle", Metric::power_w, 0.5, at(7, 13));
  ASSERT_EQ(d.out().events.size(), 1u);
  const ActivityEvent& e = d.out().events[0];
  EXPECT_EQ(e.kind, ActivityKind::appliance_use);
  EXPECT_EQ(e.device_kind, "kettle");
  EXPECT_EQ(e.room, "Kitchen");
  EXPECT_EQ(e.start, at(7, 10));
  EXPECT_EQ(e.end, at(7, 13));
  EXPECT_EQ(e.peak_power_w, 2210);
  ASSERT_EQ(d.out().signs.size(), 1u);
  EXPECT_EQ(d.out().signs[0].ts, at(7, 10));
  EXPECT_TRUE(d.out().signs[0].meal);
  EXPECT_EQ(d.out().signs[0].place, Place::day);
}

TEST(ActivityDetector, ShortSpikeIsNotAUse) {
  Detector d;
  d.device("kettle", "Kitchen", "kettle");
  d.feed("kettle", Metric::power_w, 2000, at(7, 0));
  d.feed("kettle", Metric::power_w, 0, at(7, 0) + 5s);
  EXPECT_TRUE(d.out().events.empty());
  EXPECT_TRUE(d.out().signs.empty());
}

TEST(ActivityDetector, LearnedStandbyKeepsAnIdlingTvOff) {
  Detector d;
  d.device("tv", "Lounge", "tv");
  // A TV idling at 14 W: "on" now needs more than twice the standby + 5 W (33 W), not just 30 W.
  for (int m = 0; m < 60; m += 5) d.feed("tv", Metric::power_w, 14, at(18, m));
  d.tick(at(19, 30));
  EXPECT_TRUE(d.out().events.empty());
  d.feed("tv", Metric::power_w, 31, at(20, 0));
  d.feed("tv", Metric::power_w, 31, at(20, 10));
  d.tick(at(20, 11));
  EXPECT_TRUE(d.out().signs.empty());
  d.feed("tv", Metric::power_w, 95, at(20, 20));
  d.feed("tv", Metric::power_w, 95, at(20, 25));
  ASSERT_EQ(d.out().signs.size(), 1u);
  EXPECT_EQ(d.out().signs[0].ts, at(20, 20));
  EXPECT_FALSE(d.out().signs[0].meal);
}

TEST(ActivityDetector, WashingMachinePhasesAreOneUse) {
  Detector d;
  d.device("wm", "Utility", "washing_machine");
  d.feed("wm", Metric::power_w, 2000, at(9, 0));
  d.feed("wm", Metric::power_w, 3, at(9, 20));  // pause between phases
  d.feed("wm", Metric::power_w, 400, at(9, 28));
  d.feed("wm", Metric::power_w, 2, at(10, 30));
  d.tick(at(10, 40));
  EXPECT_TRUE(d.out().events.empty());  // still within the merge gap
  d.tick(at(10, 46));
  ASSERT_EQ(d.out().events.size(), 1u);
  EXPECT_EQ(d.out().events[0].start, at(9, 0));
  EXPECT_EQ(d.out().events[0].end, at(10, 30));
}

TEST(ActivityDetector, MotionBecomesRoomVisits) {
  Detector d;
  d.device("m1", "Lounge", "other");
  d.device("m2", "Bathroom", "other");
  d.feed("m1", Metric::motion, 1, at(10, 0));
  d.feed("m1", Metric::motion, 0, at(10, 1));
  d.feed("m1", Metric::motion, 1, at(10, 8));
  d.feed("m1", Metric::motion, 1, at(10, 8));  // duplicate
  d.feed("m2", Metric::motion, 1, at(10, 12));
  d.tick(at(10, 15));
  EXPECT_TRUE(d.out().events.empty());
  d.feed("m1", Metric::motion, 1, at(10, 30));  // 22 min after the last: a new visit
  ASSERT_EQ(d.out().events.size(), 1u);
  EXPECT_EQ(d.out().events[0].kind, ActivityKind::room_presence);
  EXPECT_EQ(d.out().events[0].room, "Lounge");
  EXPECT_EQ(d.out().events[0].start, at(10, 0));
  EXPECT_EQ(d.out().events[0].end, at(10, 8));
  EXPECT_EQ(d.out().events[0].triggers, 2u);
  d.tick(at(11, 0));
  EXPECT_EQ(d.out().events.size(), 3u);  // bathroom and the second lounge visit closed
  ASSERT_EQ(d.out().signs.size(), 4u);
  EXPECT_EQ(d.out().signs[2].place, Place::bathroom);
}

TEST(ActivityDetector, DoorsAndFridge) {
  Detector d;
  d.device("front", "Hallway", "entrance_door");
  d.device("fridge", "Kitchen", "fridge");
  d.device("cupboard", "Kitchen", "other");
  d.feed("front", Metric::contact_open, 1, at(9, 0));
  d.feed("front", Metric::contact_open, 0, at(9, 1));
  d.feed("fridge", Metric::contact_open, 1, at(9, 30));
  d.feed("fridge", Metric::contact_open, 0, at(9, 31));
  d.feed("cupboard", Metric::contact_open, 1, at(9, 32));
  ASSERT_EQ(d.out().signs.size(), 3u);
  EXPECT_TRUE(d.out().signs[0].entrance_door);
  EXPECT_EQ(d.out().signs[0].place, Place::entrance);
  EXPECT_TRUE(d.out().signs[1].meal);
  EXPECT_FALSE(d.out().signs[2].meal);
  ASSERT_EQ(d.out().events.size(), 2u);
  EXPECT_EQ(d.out().events[0].kind, ActivityKind::entrance_door);
  EXPECT_EQ(d.out().events[1].kind, ActivityKind::fridge_door);
  d.tick(at(11, 0));  // the cupboard was left open: recorded, once
  ASSERT_EQ(d.out().events.size(), 3u);
  EXPECT_EQ(d.out().events[2].kind, ActivityKind::contact);
  EXPECT_EQ(d.out().events[2].room, "Kitchen");
  d.tick(at(12, 0));
  EXPECT_EQ(d.out().events.size(), 3u);
}

TEST(ActivityDetector, RoomsAreClassifiedByName) {
  const WellbeingConfig c;
  EXPECT_EQ(classify_room("Main Bedroom", c), Place::bedroom);
  EXPECT_EQ(classify_room("bathroom", c), Place::bathroom);
  EXPECT_EQ(classify_room("Downstairs WC", c), Place::bathroom);
  EXPECT_EQ(classify_room("Hallway", c), Place::entrance);
  EXPECT_EQ(classify_room("Kitchen", c), Place::day);
  EXPECT_EQ(classify_room("", c), Place::day);
}

TEST(ActivityDetector, EventJsonRoundTrip) {
  const ActivityEvent e{.kind = ActivityKind::appliance_use,
                        .device_id = "tasmota:kettle",
                        .room = "Kitchen",
                        .device_kind = "kettle",
                        .start = at(7, 10),
                        .end = at(7, 13),
                        .peak_power_w = 2210,
                        .triggers = 0};
  const nlohmann::json j = e;
  EXPECT_EQ(j.at("kind"), "appliance_use");
  EXPECT_EQ(j.at("start_ms"), hearth::core::to_epoch_ms(at(7, 10)));
  EXPECT_EQ(j.get<ActivityEvent>(), e);
  nlohmann::json bad = j;
  bad["kind"] = "teleport";
  EXPECT_THROW((void)bad.get<ActivityEvent>(), nlohmann::json::exception);
}
