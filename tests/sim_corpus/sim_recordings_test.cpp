// hearth-sim on the real recordings in $HEARTH_SHARED/datasets (REFIT House 2, CASAS, Ordonez),
// checked against the figures their READMEs give. Skips, saying so, when they are absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "sim/home.h"
#include "sim/sim_test_support.h"
#include "sim/simulator.h"

namespace {

using namespace hearth::sim;
using namespace std::chrono_literals;
using hearth::core::Metric;

std::filesystem::path datasets() {
  const char* shared = std::getenv("HEARTH_SHARED");
  return std::filesystem::path(shared != nullptr ? shared : "../shared") / "datasets";
}

class SimRecordings : public testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(datasets() / "refit_house2") ||
        !std::filesystem::exists(datasets() / "casas_al_smarthome_sample")) {
      GTEST_SKIP() << "recordings not found in " << datasets() << " (set HEARTH_SHARED); skipping";
    }
  }
  static DataTime at(int day, int h, int m) { return DataTime{day * DAY.count() + (h * 60 + m) * 60'000LL}; }
};

TEST_F(SimRecordings, RefitMinutesInHomeLocalTime) {
  auto refit = RefitPower::load(datasets());
  ASSERT_TRUE(refit) << refit.error().message;
  EXPECT_EQ(refit->minutes(), 20160U);  // 14 days
  // README: first kettle use on 2014-04-14 at 06:09 UTC, i.e. 07:09 British Summer Time.
  EXPECT_GT(refit->power_w(Appliance::kettle, at(0, 7, 9)).value_or(0), 1000.0);
  EXPECT_LT(refit->power_w(Appliance::kettle, at(0, 7, 5)).value_or(0), 1000.0);
  // README: no data on 2014-04-18 from 13:53 to 15:43 UTC (day 4, 14:53-16:43 local): silent plugs.
  EXPECT_FALSE(refit->power_w(Appliance::whole_house, at(4, 15, 30)).has_value());
  EXPECT_TRUE(refit->power_w(Appliance::whole_house, at(4, 17, 0)).has_value());
  EXPECT_FALSE(refit->power_w(Appliance::tv, at(0, 20, 0)).has_value()) << "REFIT's excerpt has no TV";
  // It loops: day 14 is day 0 again.
  EXPECT_EQ(refit->power_w(Appliance::kettle, at(14, 7, 9)), refit->power_w(Appliance::kettle, at(0, 7, 9)));
}

TEST_F(SimRecordings, CasasEventsMatchTheReadmeFigures) {
  auto rec = RecordedEvents::load(datasets(), "casas");
  ASSERT_TRUE(rec) << rec.error().message;
  EXPECT_EQ(rec->period(), 30 * DAY);
  // README, 2011-06-15: 117 ON events in the kitchen area, one of which is KitchenLight (a light
  // switch, not a motion sensor, and not replayed), and 5 FrontDoor OPEN.
  int kitchen_on = 0, door_open = 0;
  for (const auto& e : rec->events(DataTime{0}, DAY)) {
    kitchen_on += e.type == EventType::motion && e.room == Room::kitchen && e.on;
    door_open += e.type == EventType::front_door && e.on;
  }
  EXPECT_EQ(kitchen_on, 117 - 1);
  EXPECT_EQ(door_open, 5);
  // Looping: the 31st day replays the first.
  EXPECT_EQ(rec->events(30 * DAY, 31 * DAY).size(), rec->events(DataTime{0}, DAY).size());
  auto ordonez = RecordedEvents::load(datasets(), "ordonez_b");
  ASSERT_TRUE(ordonez) << ordonez.error().message;
  EXPECT_GT(ordonez->size(), 1000U);
  EXPECT_FALSE(RecordedEvents::load(datasets(), "aruba"));
}

TEST_F(SimRecordings, ARecordedMorningAsDeviceTraffic) {
  SimOptions o;
  o.speed = 60;
  o.start = at(0, 7, 0);
  o.datasets_dir = datasets();
  auto sim = test::make_sim(o);
  ASSERT_TRUE(sim);
  EXPECT_NE(sim->source_summary().find("REFIT"), std::string::npos);
  test::DriverSink sink;
  test::run(*sim, sink, 3min, 1s);  // 07:00-10:00, every message through the drivers
  const auto kettle = sink.of("tasmota:kettle", Metric::power_w);
  EXPECT_TRUE(std::any_of(kettle.begin(), kettle.end(), [](const auto& s) { return s.value > 1000; }));
  const auto house = sink.of("tasmota:house_meter", Metric::power_w);
  ASSERT_FALSE(house.empty());
  int motion = 0;
  for (const auto& s : sink.seen) motion += s.metric == Metric::motion && s.value == 1.0;
  EXPECT_GT(motion, 10) << "CASAS morning movement";
}

}  // namespace
