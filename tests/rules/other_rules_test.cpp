// Safety, appliance left on, inactivity, night door and device health, each through the engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/messages.h"
#include "rules_test_support.h"

using namespace hearth::rules;
using namespace hearth::rules::sim;
using hearth::core::Severity;

namespace {

RulesConfig only(bool safety, bool appliance, bool inactivity, bool door, bool health) {
  RulesConfig c = default_rules_config();
  c.thresholds.clear();
  c.safety.enabled = safety;
  c.appliance_left_on.enabled = appliance;
  c.inactivity.enabled = inactivity;
  c.night_door.enabled = door;
  c.device_health.enabled = health;
  return c;
}

const AlertEvent* last_of(const Home& h, AlertEventType type) {
  for (auto it = h.events().rbegin(); it != h.events().rend(); ++it) {
    if (it->type == type) return &*it;
  }
  return nullptr;
}

}  // namespace

TEST(SafetyRule, SmokeIsAnImmediateEmergencyWithRoomAndDensity) {
  Home h(only(true, false, false, false, false));
  h.device("s1", "Kitchen");
  h.feed("s1", Metric::smoke_density, 3.5, at(3));
  EXPECT_TRUE(h.feed("s1", Metric::smoke, 0, at(3)).empty());
  h.feed("s1", Metric::smoke_density, 42.0, at(3, 1));
  auto e = h.feed("s1", Metric::smoke, 1, at(3, 1));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::raised);
  EXPECT_EQ(e[0].alert.id, "smoke:s1");
  EXPECT_EQ(e[0].alert.severity, Severity::emergency);
  EXPECT_EQ(e[0].alert.room, "Kitchen");
  EXPECT_EQ(e[0].alert.trigger_ts, at(3, 1));
  EXPECT_EQ(e[0].alert.evidence.at("smoke_density"), 42.0);
  EXPECT_EQ(render(e[0].alert.message_key, Language::en, e[0].alert.params), "Smoke detected in Kitchen (s1)");
  // Repeats are the same alert; a denser reading only updates the evidence.
  EXPECT_TRUE(h.feed("s1", Metric::smoke, 1, at(3, 2)).empty());
  e = h.feed("s1", Metric::smoke_density, 80.0, at(3, 3));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::updated);
  // A late "clear" (older than the alarm) is ignored; a fresh one resolves it.
  EXPECT_TRUE(h.feed("s1", Metric::smoke, 0, at(3, 0)).empty());
  e = h.feed("s1", Metric::smoke, 0, at(3, 10));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::resolved);
  EXPECT_EQ(h.count(AlertEventType::raised), 1u);
}

TEST(SafetyRule, CarbonMonoxideByPpmOrFlagAndWaterLeak) {
  Home h(only(true, false, false, false, false));
  h.device("co1", "Lounge");
  h.device("w1", "Bathroom");
  EXPECT_TRUE(h.feed("co1", Metric::co_ppm, 30, at(2)).empty());
  auto e = h.feed("co1", Metric::co_ppm, 65, at(2, 5));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].alert.id, "co:co1");
  EXPECT_EQ(e[0].alert.severity, Severity::emergency);
  EXPECT_EQ(e[0].alert.evidence.at("co_ppm"), 65.0);
  h.feed("co1", Metric::co_detected, 1, at(2, 6));  // same condition, same alert
  EXPECT_EQ(h.count(AlertEventType::raised), 1u);
  h.feed("co1", Metric::co_ppm, 10, at(2, 20));  // ppm fine but the flag still says CO
  EXPECT_EQ(h.count(AlertEventType::resolved), 0u);
  h.feed("co1", Metric::co_detected, 0, at(2, 21));
  EXPECT_EQ(h.count(AlertEventType::resolved, "co:"), 1u);
  e = h.feed("w1", Metric::water_leak, 1, at(4));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].alert.severity, Severity::urgent);
  EXPECT_EQ(render("water_leak", Language::cy, e[0].alert.params), "Dŵr yn gollwng yn Bathroom (w1)");
}

TEST(ApplianceLeftOn, CookerOnWithNobodyInTheKitchen) {
  Home h(only(false, true, false, false, false));
  h.device("cooker", "Kitchen", "cooker");
  h.device("m1", "Kitchen");
  h.feed("m1", Metric::motion, 1, at(17, 50));
  for (int m = 0; m <= 60; m += 5) {
    h.run_to(at(18, m));
    h.feed("cooker", Metric::power_w, 1800, at(18, m));
  }
  // On since 18:00, last motion 17:50: unattended 45 min at 18:45.
  ASSERT_EQ(h.count(AlertEventType::raised), 1u);
  const auto* e = last_of(h, AlertEventType::raised);
  EXPECT_EQ(e->alert.raised_at, at(18, 45));
  EXPECT_EQ(e->alert.severity, Severity::urgent);
  EXPECT_EQ(render(e->alert.message_key, Language::en, e->alert.params),
            "cooker in Kitchen on for 45 min (1800 W) with nobody in the room");
  EXPECT_TRUE(h.switch_offs().empty());  // auto switch-off is off by default
  h.feed("cooker", Metric::power_w, 2, at(19, 5));
  EXPECT_EQ(h.count(AlertEventType::resolved), 1u);
}

TEST(ApplianceLeftOn, MotionInTheRoomMeansAttended) {
  Home h(only(false, true, false, false, false));
  h.device("cooker", "Kitchen", "cooker");
  h.device("m1", "Kitchen");
  for (int m = 0; m <= 90; m += 5) {
    h.run_to(at(18) + m * 1min);
    h.feed("cooker", Metric::power_w, 1800, at(18) + m * 1min);
    if (m % 30 == 0) h.feed("m1", Metric::motion, 1, at(18) + m * 1min);
  }
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
}

TEST(ApplianceLeftOn, AutoSwitchOffOnlyForSwitchableNonEssential) {
  RulesConfig c = only(false, true, false, false, false);
  c.appliance_left_on.auto_switch_off = true;
  Home h(c);
  h.device("heater", "Bedroom", "heater", /*switchable=*/true);
  h.device("oxygen", "Bedroom", "heater", /*switchable=*/true, /*essential=*/true);
  h.device("fire", "Lounge", "heater", /*switchable=*/false);
  for (int m = 0; m <= 50; m += 5) {
    h.run_to(at(1) + m * 1min);
    for (const char* d : {"heater", "oxygen", "fire"}) h.feed(d, Metric::power_w, 2000, at(1) + m * 1min);
  }
  EXPECT_EQ(h.count(AlertEventType::raised), 3u);
  ASSERT_EQ(h.switch_offs().size(), 1u);
  EXPECT_EQ(h.switch_offs()[0].device_id, "heater");
  EXPECT_EQ(h.switch_offs()[0].alert_id, "appliance_left_on:heater");
  EXPECT_EQ(h.engine().alerts().find_open("appliance_left_on:heater")->message_key, "appliance_left_on_auto_off");
  EXPECT_EQ(h.engine().alerts().find_open("appliance_left_on:oxygen")->message_key, "appliance_left_on");
}

TEST(Inactivity, CountsWakingHoursOnly) {
  Home h(only(false, false, true, false, false));
  h.device("m1", "Lounge");
  h.device("t1", "Lounge");
  h.feed("m1", Metric::motion, 1, at(22));  // last movement, then bed
  for (TimePoint t = at(22, 10); t <= at(14, 0, 1); t += 10min) {
    h.run_to(t);
    h.feed("t1", Metric::temperature_c, 20, t);  // devices keep talking
  }
  // 22:00 -> 07:00 is night; 07:00 + 6 h = 13:00.
  ASSERT_EQ(h.count(AlertEventType::raised), 1u);
  const auto* e = last_of(h, AlertEventType::raised);
  EXPECT_EQ(e->alert.raised_at, at(13, 0, 1));
  EXPECT_EQ(render("inactivity", Language::en, e->alert.params), "No movement or appliance use for 6 h");
  h.feed("m1", Metric::motion, 1, at(14, 5, 1));
  EXPECT_EQ(h.count(AlertEventType::resolved), 1u);
}

TEST(Inactivity, ApplianceUseCountsAndSilenceIsNotInactivity) {
  Home h(only(false, false, true, false, false));
  h.device("kettle", "Kitchen", "kettle");
  h.device("t1", "Lounge");
  h.run_to(at(7));
  h.feed("kettle", Metric::power_w, 2200, at(9));  // a cup of tea at 9
  h.feed("kettle", Metric::power_w, 0, at(9, 3));
  for (TimePoint t = at(9, 10); t <= at(13, 50); t += 10min) {
    h.run_to(t);
    h.feed("t1", Metric::temperature_c, 20, t);
  }
  // From 13:50 every device is silent (network down): at 15:00 (9:00 + 6 h) silence is not evidence.
  h.run_to(at(16));
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
  // Devices talk again and still nobody has moved: now it is raised.
  h.feed("t1", Metric::temperature_c, 20, at(16));
  h.run_to(at(16, 1));
  EXPECT_EQ(h.count(AlertEventType::raised), 1u);
}

TEST(NightDoor, EntranceDoorOpenedAtNight) {
  Home h(only(false, false, false, true, false));
  h.device("front", "Hallway", "other");
  h.device("back", "Garden room", "entrance_door");
  h.device("fridge_door", "Kitchen", "other");
  h.device("hall_door", "hallway", "other");
  EXPECT_TRUE(h.feed("front", Metric::contact_open, 0, at(22)).empty());
  EXPECT_TRUE(h.feed("hall_door", Metric::contact_open, 1, at(14)).empty());   // daytime
  EXPECT_TRUE(h.feed("fridge_door", Metric::contact_open, 1, at(2)).empty());  // not an entrance
  EXPECT_TRUE(h.feed("back", Metric::contact_open, 1, at(21)).empty());        // before the night window
  h.feed("back", Metric::contact_open, 0, at(21, 5));
  auto e = h.feed("back", Metric::contact_open, 1, at(2, 14, 1));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].alert.id, "night_door:back");
  EXPECT_EQ(e[0].alert.severity, Severity::urgent);
  EXPECT_EQ(render("night_door", Language::en, e[0].alert.params),
            "back in Garden room opened at 02:14 during the night");
  EXPECT_TRUE(h.feed("back", Metric::contact_open, 1, at(2, 15, 1)).empty());  // still open: not a new opening
  h.feed("back", Metric::contact_open, 0, at(2, 20, 1));
  e = h.feed("back", Metric::contact_open, 1, at(3, 0, 1));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::updated);
  EXPECT_EQ(e[0].alert.evidence.at("openings"), 2.0);
  EXPECT_EQ(h.count(AlertEventType::resolved), 0u);  // latching: a carer resolves it
}

TEST(DeviceHealth, OfflineForTenMinutes) {
  Home h(only(false, false, false, false, true));
  h.device("plug", "Lounge");
  h.run_to(at(9));
  h.feed("plug", Metric::online, 0, at(9));
  h.run_to(at(9, 9));
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
  h.run_to(at(9, 10));
  ASSERT_EQ(h.count(AlertEventType::raised), 1u);
  EXPECT_EQ(h.events().back().alert.id, "device_offline:plug");
  EXPECT_EQ(render("device_offline", Language::en, h.events().back().alert.params), "plug (Lounge) offline for 10 min");
  h.feed("plug", Metric::online, 1, at(9, 30));
  EXPECT_EQ(h.count(AlertEventType::resolved), 1u);
}

TEST(DeviceHealth, StaleAfterThreeUsualIntervalsWithAFloor) {
  Home h(only(false, false, false, false, true));
  h.device("t1", "Lounge");
  for (int m = 0; m <= 50; m += 10) {  // learns a 10-min interval
    h.run_to(at(9, m));
    h.feed("t1", Metric::temperature_c, 20, at(9, m));
    h.feed("t1", Metric::humidity_pct, 50, at(9, m));  // same burst: not a gap
  }
  h.run_to(at(10, 19));
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
  h.run_to(at(10, 20));  // 30 min = 3 x 10 min of silence
  ASSERT_EQ(h.count(AlertEventType::raised), 1u);
  EXPECT_EQ(render("device_stale", Language::en, h.events().back().alert.params),
            "t1 (Lounge) has sent no data for 30 min (usually every 10 min)");
  h.feed("t1", Metric::temperature_c, 20, at(10, 40));
  EXPECT_EQ(h.count(AlertEventType::resolved), 1u);
}

TEST(DeviceHealth, RestartOrClockStepDoesNotMakeEverythingStaleAtOnce) {
  Home h(only(false, false, false, false, true));
  h.device("t1", "Lounge");
  for (int m = 0; m <= 50; m += 10) {
    h.run_to(at(9, m));
    h.feed("t1", Metric::temperature_c, 20, at(9, m));
  }
  h.tick(at(12));  // gateway suspended / clock stepped 3 h
  EXPECT_EQ(h.count(AlertEventType::raised), 0u);
  EXPECT_EQ(h.engine().stats().observation_restarts, 1u);
  h.run_to(at(12, 30));  // counted from the restart: 30 min of silence now
  EXPECT_EQ(h.count(AlertEventType::raised), 1u);
}

TEST(DeviceHealth, BatteryLowWithHysteresis) {
  Home h(only(false, false, false, false, true));
  h.device("door", "Hallway");
  EXPECT_TRUE(h.feed("door", Metric::battery_pct, 40, at(1)).empty());
  auto e = h.feed("door", Metric::battery_pct, 12, at(2));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].alert.id, "battery_low:door");
  EXPECT_EQ(render("battery_low", Language::cy, e[0].alert.params), "Batri door (Hallway) ar 12 %");
  EXPECT_TRUE(h.feed("door", Metric::battery_pct, 16, at(3)).empty());  // inside the band
  e = h.feed("door", Metric::battery_pct, 95, at(4));                   // new battery
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::resolved);
}
