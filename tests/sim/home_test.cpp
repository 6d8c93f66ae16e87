// The synthetic home: a plausible, deterministic day; heating and room temperatures.
#include "sim/home.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace hearth::sim;
using namespace std::chrono_literals;

DataTime at(int day, int h, int m = 0) { return DataTime{day * DAY.count() + (h * 60 + m) * 60'000LL}; }

TEST(Routine, SameSeedSameDayDifferentSeedDifferentDay) {
  const Routine a(7), b(7), c(8);
  for (int d = 0; d < 5; ++d) {
    EXPECT_EQ(a.day(d).wake_min, b.day(d).wake_min);
    EXPECT_EQ(a.day(d).bed_min, b.day(d).bed_min);
    EXPECT_EQ(a.events(at(d, 0), at(d + 1, 0)).size(), b.events(at(d, 0), at(d + 1, 0)).size());
  }
  int differ = 0;
  for (int d = 0; d < 5; ++d) differ += a.day(d).wake_min != c.day(d).wake_min;
  EXPECT_GT(differ, 0);
  // A day computed alone equals the same day computed after others (no hidden stream state).
  const Routine fresh(7);
  EXPECT_EQ(fresh.day(4).wake_min, a.day(4).wake_min);
}

TEST(Routine, APlausibleDay) {
  const Routine r(3);
  for (int d = 0; d < 14; ++d) {
    const DayPlan& p = r.day(d);
    EXPECT_GE(p.wake_min, 6 * 60 + 30) << d;
    EXPECT_LE(p.wake_min, 8 * 60 + 15) << d;
    EXPECT_GE(p.bed_min, 22 * 60 + 15) << d;
    EXPECT_LE(p.bed_min, 23 * 60 + 15) << d;
    EXPECT_EQ(r.place_at(at(d, 5)), Room::bedroom);                   // asleep (night trips end by 4:05)
    EXPECT_EQ(r.place_at(at(d, 0, p.wake_min + 20)), Room::kitchen);  // breakfast
    EXPECT_GT(r.power_w(Appliance::kettle, at(d, 0, p.wake_min + 18)), 2000.0) << "morning kettle";
    EXPECT_LT(r.power_w(Appliance::kettle, at(d, 3)), 1.0);
    EXPECT_GT(r.power_w(Appliance::tv, at(d, 20)), 50.0) << "evening TV";
    EXPECT_LT(r.power_w(Appliance::tv, at(d, 9)), 1.0);
    EXPECT_GT(r.power_w(Appliance::whole_house, at(d, 3)), 100.0) << "baseload";
    EXPECT_GE(r.power_w(Appliance::whole_house, at(d, 20)), r.power_w(Appliance::tv, at(d, 20)) + 140.0);
  }
}

TEST(Routine, EventsAreOrderedAndMatchWhereTheResidentIs) {
  const Routine r(5);
  const auto ev = r.events(at(2, 0), at(3, 0));
  ASSERT_FALSE(ev.empty());
  EXPECT_TRUE(std::is_sorted(ev.begin(), ev.end(), [](const auto& a, const auto& b) { return a.at < b.at; }));
  int detections = 0, lamp = 0;
  for (const auto& e : ev) {
    EXPECT_GE(e.at, at(2, 0));
    EXPECT_LT(e.at, at(3, 0));
    if (e.type == EventType::motion && e.on) {
      ++detections;
      // A detection is in the room the resident is in (or the bedroom, getting up at night).
      const Room here = r.place_at(e.at + 1ms);
      EXPECT_TRUE(here == e.room || e.room == Room::bedroom) << to_string(e.room) << " vs " << to_string(here);
    }
    lamp += e.type == EventType::lamp;
  }
  EXPECT_GT(detections, 40);
  EXPECT_EQ(lamp, 2);  // on in the evening, off at bedtime
  // Split windows give the same events as one window.
  const auto first = r.events(at(2, 0), at(2, 13));
  const auto second = r.events(at(2, 13), at(3, 0));
  EXPECT_EQ(first.size() + second.size(), ev.size());
}

TEST(ThermalModel, HeatingKeepsTheHomeWarmAndTheNightAbove18) {
  const Routine r(1);
  ThermalModel m(r, at(0, 0));
  double min_c = 100, max_c = -100, evening_c = 0;
  for (int minute = 0; minute < 2 * 24 * 60; minute += 10) {
    m.advance(DataTime{minute * 60'000LL});
    const double t = m.temperature_c(Room::living_room);
    for (Room room : {Room::bedroom, Room::bathroom}) EXPECT_GT(m.temperature_c(room), 18.0) << to_string(room);
    min_c = std::min(min_c, t);
    max_c = std::max(max_c, t);
    if (minute == 24 * 60 + 20 * 60) evening_c = t;
  }
  EXPECT_GT(min_c, 18.0) << "no cold- or cool-home alert from the routine itself";
  EXPECT_LT(max_c, 21.5);
  EXPECT_GT(evening_c, 19.5);
  EXPECT_GT(m.humidity_pct(Room::living_room), 30.0);
}

TEST(ThermalModel, WithoutHeatingAColdNightLosesHeat) {
  // The outdoor curve is what the room would fall towards: colder at 3:00 than at 15:00.
  const Routine r(1);
  EXPECT_LT(r.outdoor_c(at(0, 3)), r.outdoor_c(at(0, 15)));
  EXPECT_LT(r.heating_setpoint_c(Room::living_room, at(0, 3)), r.heating_setpoint_c(Room::living_room, at(0, 19)));
}

}  // namespace
