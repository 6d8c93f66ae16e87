// Incident specs and scripts: NAME[:TARGET][@OFFSET][+DURATION].
#include "sim/incidents.h"

#include <gtest/gtest.h>

namespace {

using namespace hearth::sim;
using namespace std::chrono_literals;

TEST(Incidents, NameAloneTakesTheKindsDefaults) {
  auto inc = parse_incident("smoke");
  ASSERT_TRUE(inc) << inc.error().message;
  EXPECT_EQ(inc->kind, IncidentKind::smoke);
  EXPECT_EQ(inc->target, "kitchen/smoke");
  EXPECT_EQ(inc->at, 0ms);
  EXPECT_EQ(inc->duration, default_duration(IncidentKind::smoke));
}

TEST(Incidents, TargetOffsetAndDuration) {
  auto inc = parse_incident(" plug_offline:washing_machine@90s+5m ");
  ASSERT_TRUE(inc) << inc.error().message;
  EXPECT_EQ(inc->kind, IncidentKind::plug_offline);
  EXPECT_EQ(inc->target, "washing_machine");
  EXPECT_EQ(inc->at, 90s);
  EXPECT_EQ(inc->duration, 5min);
  EXPECT_FALSE(inc->active(89s));
  EXPECT_TRUE(inc->active(90s));
  EXPECT_TRUE(inc->active(90s + 5min - 1ms));
  EXPECT_FALSE(inc->active(90s + 5min));
}

TEST(Incidents, DashesAndEachOptionalPartAlone) {
  auto a = parse_incident("cold-snap+20m");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->kind, IncidentKind::cold_snap);
  EXPECT_EQ(a->target, "living_room/climate");
  EXPECT_EQ(a->duration, 20min);
  auto b = parse_incident("night_wandering@2h");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->at, 2h);
  EXPECT_EQ(b->target, "hall/front_door");
  auto c = parse_incident("fall:kitchen");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->target, "kitchen");
  EXPECT_EQ(c->duration, default_duration(IncidentKind::fall));
}

TEST(Incidents, MistakesAreErrorsThatSaySo) {
  for (const char* bad : {"", "flood", "smoke@", "smoke@soon", "smoke+0s", "smoke+-1m", "smoke:", "smoke@1m+2m!",
                          "broker_outage:kettle", "smoke+2m@1m"}) {
    auto inc = parse_incident(bad);
    EXPECT_FALSE(inc) << "'" << bad << "' parsed";
    if (!inc) {
      EXPECT_NE(inc.error().message.find("expected NAME"), std::string::npos) << inc.error().message;
    }
  }
  auto unknown = parse_incident("flood");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("broker_outage"), std::string::npos) << "lists the known names";
}

TEST(Incidents, ScriptSkipsCommentsAndNamesTheBadLine) {
  auto ok = parse_incident_script("# a cold evening\n\ncold_snap@5s+3m   # heating fails\r\nsmoke@1m\n", "cold.txt");
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->size(), 2U);
  EXPECT_EQ((*ok)[0].kind, IncidentKind::cold_snap);
  EXPECT_EQ((*ok)[0].duration, 3min);
  EXPECT_EQ((*ok)[1].at, 1min);
  auto bad = parse_incident_script("smoke\n\nsmok@1m\n", "x.txt");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("x.txt:3: ", 0), 0U) << bad.error().message;
}

TEST(Incidents, EveryKindRoundTripsItsName) {
  for (auto k : {IncidentKind::fall, IncidentKind::night_wandering, IncidentKind::cold_snap, IncidentKind::smoke,
                 IncidentKind::plug_offline, IncidentKind::broker_outage}) {
    EXPECT_EQ(incident_kind_from_string(to_string(k)), k);
    EXPECT_GT(default_duration(k).count(), 0);
    EXPECT_FALSE(default_target(k).empty());
  }
}

}  // namespace
