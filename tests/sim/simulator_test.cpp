// The engine end to end without a broker: every message through the real drivers, determinism,
// each incident, and commands built by the drivers answered as the real devices answer them.
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "drivers/hearth_native_driver.h"
#include "sim_test_support.h"

namespace {

using namespace hearth::sim;
using namespace hearth::sim::test;
using namespace std::chrono_literals;
using hearth::core::Metric;

constexpr const char* GEN1 = "shelly:shellyplug-s-C45BBE7F3A21";
constexpr const char* GEN1_LINK = "shellyplug-s-C45BBE7F3A21";
constexpr const char* ESPHOME = "esphome:kitchen-climate";

SimOptions synthetic(std::vector<Incident> incidents = {}) {
  SimOptions o;
  o.speed = 60;
  o.start = DataTime{(10 * 60 + 0) * 60'000LL};  // Monday 10:00
  o.seed = 42;
  o.boot_entropy = 99;
  o.incidents = std::move(incidents);
  return o;
}

Incident incident(const std::string& spec) {
  auto inc = parse_incident(spec);
  EXPECT_TRUE(inc) << spec;
  return inc ? *inc : Incident{};
}

TEST(Simulator, EveryMessageOfADayDecodesWithTheDrivers) {
  auto sim = make_sim(synthetic());
  ASSERT_TRUE(sim);
  DriverSink sink;
  run(*sim, sink, 24min, 1s);  // a whole data day at speed 60
  EXPECT_GT(sink.messages.size(), 3000U);
  // Every device of the home is seen, and every Hearth device of the config exists.
  for (const auto& d : sim->hearth_devices()) {
    const bool seen =
        std::any_of(sink.seen.begin(), sink.seen.end(), [&](const Seen& s) { return s.device_id == d.id; });
    EXPECT_TRUE(seen) << d.id;
  }
  // A day has activity: the kettle boiled, motion in several rooms, the lamp switched, the door used.
  const auto kettle = sink.of("tasmota:kettle", Metric::power_w);
  EXPECT_TRUE(std::any_of(kettle.begin(), kettle.end(), [](const Seen& s) { return s.value > 2000; }));
  std::set<std::string> rooms;
  for (const auto& s : sink.seen) {
    if (s.metric == Metric::motion && s.value == 1.0) rooms.insert(s.device_id);
  }
  EXPECT_GE(rooms.size(), 4U);
  const auto lamp = sink.of("hearth:plug-1#1", Metric::relay_on);
  EXPECT_TRUE(std::any_of(lamp.begin(), lamp.end(), [](const Seen& s) { return s.value == 1.0; }));
  // Energy counters never go down within a run (the Shelly Gen1 toaster's only on a power cut).
  for (const auto* id : {"tasmota:kettle", "tasmota:house_meter", "hearth:plug-1", GEN1}) {
    const auto e = sink.of(id, Metric::energy_kwh);
    ASSERT_FALSE(e.empty()) << id;
    for (std::size_t i = 1; i < e.size(); ++i) EXPECT_GE(e[i].value, e[i - 1].value) << id;
    EXPECT_GT(e.back().value, e.front().value) << id;
  }
  // The whole-house meter is the sum of more than its parts (baseload), never less.
  EXPECT_GT(sink.of("tasmota:house_meter", Metric::energy_kwh).back().value, 2.0);
  // Room temperatures stay in a warm home's range without incidents.
  for (const auto& s : sink.of("z2m:living_room/climate", Metric::temperature_c)) {
    EXPECT_GT(s.value, 17.5);
    EXPECT_LT(s.value, 22.0);
  }
}

TEST(Simulator, SameSeedSameTrafficOtherSeedOtherTraffic) {
  const auto traffic = [](std::uint64_t seed) {
    SimOptions o = synthetic();
    o.seed = seed;
    auto sim = make_sim(o);
    DriverSink sink;
    run(*sim, sink, 10min, 700ms);
    std::vector<std::string> out;
    for (const auto& m : sink.messages) out.push_back(m.topic + " " + m.payload);
    return out;
  };
  const auto a = traffic(5), b = traffic(5), c = traffic(6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Simulator, NativeDevicesFollowTheContract) {
  auto sim = make_sim(synthetic());
  DriverSink sink;
  run(*sim, sink, 5s);
  // Retained describe and status first, then readings; all QoS 1, only describe/status retained.
  std::vector<std::string> plug_topics;
  for (const auto& m : sink.messages) {
    if (m.link != "plug-1") continue;
    plug_topics.push_back(m.topic);
    EXPECT_EQ(m.qos, 1) << m.topic;
    EXPECT_EQ(m.retain, m.topic.ends_with("/describe") || m.topic.ends_with("/status")) << m.topic;
  }
  ASSERT_GE(plug_topics.size(), 3U);
  EXPECT_EQ(plug_topics[0], "hearth/v1/plug-1/describe");
  EXPECT_EQ(plug_topics[1], "hearth/v1/plug-1/status");
  EXPECT_EQ(plug_topics[2], "hearth/v1/plug-1/reading");
  EXPECT_EQ(sink.value("hearth:plug-1", Metric::online), 1.0);
  EXPECT_EQ(sink.value("hearth:plug-1", Metric::relay_on), 1.0) << "the fridge is on";
  EXPECT_TRUE(sink.has("hearth:bathroom-sensor", Metric::temperature_c));
  const auto& links = sim->links();
  const auto plug = std::find_if(links.begin(), links.end(), [](const Link& l) { return l.key == "plug-1"; });
  ASSERT_NE(plug, links.end());
  EXPECT_EQ(plug->will_topic, "hearth/v1/plug-1/status");
  EXPECT_EQ(plug->will_payload, R"({"state":"offline"})");
  EXPECT_EQ(plug->subscriptions, std::vector<std::string>{"hearth/v1/plug-1/cmd"});
}

TEST(Simulator, CommandsBuiltByTheDriversAreAnsweredLikeRealDevices) {
  auto sim = make_sim(synthetic());
  DriverSink sink;
  run(*sim, sink, 3s);
  const auto answer = [&](const std::string& link, const hearth::drivers::Outbound& cmd) {
    auto out = sim->on_message(link, cmd.topic, cmd.payload, false, 4s);
    sink.feed(out, 4s);
    return out;
  };
  // Tasmota: cmnd/kettle/POWER OFF -> stat RESULT/POWER, and the plug then reports 0 W.
  auto off = sink.relay_command("tasmota:kettle", false);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->topic, "cmnd/kettle/POWER");
  EXPECT_FALSE(answer("tasmota-kettle", *off).empty());
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::relay_on), 0.0);
  run(*sim, sink, 8s, 1s, 4s);
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::power_w), 0.0);
  // Shelly Gen2: Switch.Set over RPC -> reply to the caller and a NotifyStatus.
  auto tv_off = sink.relay_command("shelly:shellyplusplugs-d8bfc0a1b2c3", false);
  ASSERT_TRUE(tv_off);
  const auto replies = answer("shellyplusplugs-d8bfc0a1b2c3", *tv_off);
  ASSERT_EQ(replies.size(), 2U);
  EXPECT_EQ(replies[0].topic, "hearth/rpc");
  EXPECT_EQ(sink.value("shelly:shellyplusplugs-d8bfc0a1b2c3", Metric::relay_on), 0.0);
  // Native: the lamp switches; the driver never even builds "off" for the essential fridge...
  auto lamp_on = sink.relay_command("hearth:plug-1#1", true);
  ASSERT_TRUE(lamp_on);
  const auto acks = answer("plug-1", *lamp_on);
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks[0].topic, "hearth/v1/plug-1/ack");
  EXPECT_NE(acks[0].payload.find(R"("ok":true)"), std::string::npos) << acks[0].payload;
  EXPECT_EQ(sink.value("hearth:plug-1#1", Metric::relay_on), 1.0);
  EXPECT_FALSE(sink.relay_command("hearth:plug-1", false).has_value());
  // ...and the device refuses it anyway when someone else sends it (the firmware's safety rule).
  const std::string fridge_off = hearth::drivers::native::encode_command("x1", 0, false);
  const auto refused = sim->on_message("plug-1", "hearth/v1/plug-1/cmd", fridge_off, false, 5s);
  ASSERT_EQ(refused.size(), 1U);
  EXPECT_EQ(refused[0].payload, R"({"id":"x1","relay":0,"ok":false,"on":true,"reason":"essential"})");
  sink.feed(refused, 5s);
  EXPECT_EQ(sink.refusals, 1);
  EXPECT_EQ(sink.value("hearth:plug-1", Metric::relay_on), 1.0);
  // A retained or malformed command is ignored without an ack; so is a bad Tasmota payload's effect.
  const std::string lamp_off = hearth::drivers::native::encode_command("x2", 1, false);
  EXPECT_TRUE(sim->on_message("plug-1", "hearth/v1/plug-1/cmd", lamp_off, true, 5s).empty());
  EXPECT_TRUE(sim->on_message("plug-1", "hearth/v1/plug-1/cmd", "{", false, 5s).empty());
  EXPECT_EQ(sim->on_message("tasmota-kettle", "cmnd/kettle/POWER", "blink", false, 5s).at(0).payload,
            R"({"Command":"Error"})");
  EXPECT_EQ(sim->stats().bad_commands, 3U);
}

TEST(Simulator, SmokeIncidentRaisesAndClears) {
  auto sim = make_sim(synthetic({incident("smoke@10s+30s")}));
  DriverSink sink;
  run(*sim, sink, 9s);
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 0.0);
  run(*sim, sink, 10s, 500ms, 9s);
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 1.0) << "at once when it starts";
  run(*sim, sink, 39s, 500ms, 10s);
  for (const auto& s : sink.of("z2m:kitchen/smoke", Metric::smoke)) {
    if (s.at >= 10s && s.at < 40s) {
      EXPECT_EQ(s.value, 1.0);
    }
  }
  run(*sim, sink, 41s, 500ms, 39s);
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 0.0);
}

TEST(Simulator, ColdSnapTakesTheLivingRoomBelow16WithTheResidentHome) {
  auto sim = make_sim(synthetic({incident("cold_snap@5s+60s")}));
  DriverSink sink;
  run(*sim, sink, 2min, 500ms);
  bool cold = false;
  for (const auto& s : sink.of("z2m:living_room/climate", Metric::temperature_c)) {
    if (s.at < 5s || s.at > 60s + 5s + 15s) {
      EXPECT_GT(s.value, 17.5) << "at " << s.at.count() << " ms";
    }
    if (s.at >= 5s + 15s && s.at < 65s) {
      EXPECT_LT(s.value, 14.2) << "held at 14 °C after the ramp";
      cold = true;
    }
  }
  EXPECT_TRUE(cold);
  // Reported often enough to be seen, and somebody is in that room.
  const auto temps = sink.of("z2m:living_room/climate", Metric::temperature_c);
  EXPECT_GE(std::count_if(temps.begin(), temps.end(), [](const Seen& s) { return s.at >= 5s && s.at < 65s; }), 10);
  const auto motion = sink.of("z2m:living_room/motion", Metric::motion);
  EXPECT_TRUE(std::any_of(motion.begin(), motion.end(), [](const Seen& s) { return s.at >= 5s && s.value == 1.0; }));
}

TEST(Simulator, PlugOfflineDropsItsConnectionAndBringsItBack) {
  auto sim = make_sim(synthetic({incident("plug_offline:kettle@5s+10s"), incident("plug_offline:hall/motion@5s+10s")}));
  DriverSink sink;
  std::vector<std::pair<std::string, bool>> changes;
  for (const auto& l : sim->links()) sink.feed(sim->on_connected(l.key, 0s), 0s);
  for (WallTime t = 500ms; t <= 20s; t += 500ms) {
    auto step = sim->advance(t);
    sink.feed(step.messages, t);
    for (const auto& c : step.links) {
      changes.push_back(c);
      if (c.second) sink.feed(sim->on_connected(c.first, t), t);
    }
    if (t > 5s && t < 15s) {
      for (const auto& m : step.messages) {
        EXPECT_NE(m.link, "tasmota-kettle") << "an offline plug is silent";
        EXPECT_NE(m.topic, "zigbee2mqtt/hall/motion") << "an unavailable Zigbee device is silent";
      }
    }
  }
  const std::vector<std::pair<std::string, bool>> expected{{"tasmota-kettle", false}, {"tasmota-kettle", true}};
  EXPECT_EQ(changes, expected);
  // Zigbee has no connection of its own: the bridge says it is unavailable, then available.
  const auto online = sink.of("z2m:hall/motion", Metric::online);
  ASSERT_GE(online.size(), 3U);
  EXPECT_EQ(online[online.size() - 2].value, 0.0);
  EXPECT_EQ(online.back().value, 1.0);
  EXPECT_EQ(sink.value("tasmota:kettle", Metric::online), 1.0) << "LWT Online again on reconnect";
}

TEST(Simulator, BrokerOutageDropsEveryDeviceAndRestoresThem) {
  auto sim = make_sim(synthetic({incident("broker_outage@3s+5s")}));
  DriverSink sink;
  for (const auto& l : sim->links()) sink.feed(sim->on_connected(l.key, 0s), 0s);
  std::size_t down = 0, up = 0;
  for (WallTime t = 500ms; t <= 12s; t += 500ms) {
    auto step = sim->advance(t);
    if (t > 3s && t < 8s) {
      EXPECT_TRUE(step.messages.empty()) << "nothing is sent during the outage";
    }
    for (const auto& c : step.links) (c.second ? up : down) += 1;
    sink.feed(step.messages, t);
  }
  EXPECT_EQ(down, sim->links().size());
  EXPECT_EQ(up, sim->links().size());
}

TEST(Simulator, ANativeDeviceRebootsAfterAPowerCutButNotAfterAnOutage) {
  auto sim = make_sim(synthetic({incident("broker_outage@2s+2s"), incident("plug_offline:plug-1@6s+2s")}));
  DriverSink sink;
  std::vector<std::string> boots;
  const auto note_boot = [&](const std::vector<Outgoing>& out) {
    for (const auto& m : out) {
      if (m.topic == "hearth/v1/plug-1/status" && m.payload.find("online") != std::string::npos)
        boots.push_back(m.payload);
    }
  };
  for (const auto& l : sim->links()) note_boot(sim->on_connected(l.key, 0s));
  for (WallTime t = 500ms; t <= 10s; t += 500ms) {
    for (const auto& [key, up] : sim->advance(t).links) {
      if (up) note_boot(sim->on_connected(key, t));
    }
  }
  ASSERT_EQ(boots.size(), 3U);
  EXPECT_EQ(boots[0], boots[1]) << "a reconnect is not a reboot";
  EXPECT_NE(boots[1], boots[2]) << "unplugged and plugged in again: a new boot";
}

TEST(Simulator, FallStopsAllActivityAfterOneLastMovement) {
  auto sim = make_sim(synthetic({incident("fall:kitchen@5s+3min")}));
  DriverSink sink;
  run(*sim, sink, 4min, 1s);
  int detections_during = 0;
  for (const auto& s : sink.seen) {
    // After the last movement has cleared (10 s), no sensor sees anyone.
    if (s.at > 20s && s.at < 185s && s.metric == Metric::motion && s.value == 1.0) ++detections_during;
    if (s.at > 5s && s.at < 185s && (s.metric == Metric::contact_open && s.value == 1.0)) {
      ADD_FAILURE() << "door opened during a fall";
    }
    if (s.at > 5s && s.at < 185s && s.device_id == "tasmota:kettle" && s.metric == Metric::power_w) {
      EXPECT_EQ(s.value, 0.0);
    }
  }
  EXPECT_EQ(detections_during, 0);
  const auto kitchen = sink.of("z2m:kitchen/motion", Metric::motion);
  EXPECT_TRUE(std::any_of(kitchen.begin(), kitchen.end(), [](const Seen& s) { return s.at == 5s && s.value == 1.0; }))
      << "the last sign of life is where the fall happened";
  // Three data hours of a normal day do have movement, so the silence is the incident's.
  DriverSink normal;
  auto sim2 = make_sim(synthetic());
  run(*sim2, normal, 4min, 1s);
  int detections = 0;
  for (const auto& s : normal.seen)
    detections += s.at > 20s && s.at < 185s && s.metric == Metric::motion && s.value == 1.0;
  EXPECT_GT(detections, 5);
}

TEST(Simulator, NightWanderingOpensAndClosesTheFrontDoor) {
  auto sim = make_sim(synthetic({incident("night_wandering@3s+20s")}));
  DriverSink sink;
  run(*sim, sink, 30s, 500ms);
  const auto door = sink.of("z2m:hall/front_door", Metric::contact_open);
  const auto opened = std::find_if(door.begin(), door.end(), [](const Seen& s) { return s.value == 1.0; });
  ASSERT_NE(opened, door.end());
  EXPECT_EQ(opened->at, 3s);
  EXPECT_EQ(door.back().value, 0.0);
  const auto hall = sink.of("z2m:hall/motion", Metric::motion);
  EXPECT_TRUE(std::any_of(hall.begin(), hall.end(), [](const Seen& s) { return s.at == 3s && s.value == 1.0; }));
}

TEST(Simulator, AnIncidentInjectedWhileRunningCountsFromThen) {
  auto sim = make_sim(synthetic());
  DriverSink sink;
  run(*sim, sink, 20s);
  ASSERT_TRUE(sim->schedule(incident("smoke@2s+5s"), 20s));
  const auto wrong = sim->schedule(incident("plug_offline:hairdryer"), 20s);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("kettle"), std::string::npos) << wrong.error().message;
  run(*sim, sink, 21s, 500ms, 20s);
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 0.0);
  run(*sim, sink, 22s, 500ms, 21s);
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 1.0);
  run(*sim, sink, 28s, 500ms, 22s);
  EXPECT_EQ(sink.value("z2m:kitchen/smoke", Metric::smoke), 0.0);
}

TEST(Simulator, TheFirstReportsCarryTheLoadAtTheStart) {
  SimOptions o = synthetic();
  o.start = DataTime{(20 * 60) * 60'000LL};  // 20:00: the TV is on
  auto sim = make_sim(o);
  DriverSink sink;
  for (const auto& l : sim->links()) sink.feed(sim->on_connected(l.key, 0s), 0s);
  EXPECT_GT(sink.value("shelly:shellyplusplugs-d8bfc0a1b2c3", Metric::power_w), 50.0);
  EXPECT_GT(sink.value("tasmota:house_meter", Metric::power_w), 140.0);
}

TEST(Simulator, AnIncidentOnSomethingTheHomeLacksIsAnError) {
  for (const char* spec : {"smoke:hall/motion", "cold_snap:kitchen/smoke", "fall:garage", "night_wandering:back_door",
                           "plug_offline:hairdryer"}) {
    auto sim = Simulator::create(synthetic({incident(spec)}));
    EXPECT_FALSE(sim) << spec;
  }
  for (const char* spec :
       {"cold_snap:bathroom-sensor", "plug_offline:tv", "plug_offline:plug-1", "plug_offline:kitchen/smoke",
        "fall:living_room", "plug_offline:toaster", "plug_offline:shellyplug-s-C45BBE7F3A21",
        "plug_offline:kitchen-climate", "cold_snap:kitchen-climate"}) {
    auto sim = Simulator::create(synthetic({incident(spec)}));
    EXPECT_TRUE(sim) << spec << ": " << (sim ? "" : sim.error().message);
  }
}

// The Shelly Gen1 toaster plug at breakfast: power while toasting, energy in watt-minutes that
// the driver turns into kWh, matching the power it reported.
TEST(Simulator, TheShellyGen1ToasterReportsBreakfastInWattMinutes) {
  const Routine routine(42);
  std::int64_t day = 0;
  while (day < 14 && routine.day(day).toaster_min.empty()) ++day;
  ASSERT_LT(day, 14) << "no toast in two weeks";
  const int toast_min = routine.day(day).toaster_min.front();
  SimOptions o = synthetic();
  o.start = DataTime{day * DAY.count() + (toast_min - 2) * 60'000LL};
  auto sim = make_sim(o);
  DriverSink sink;
  run(*sim, sink, 8s, 500ms);  // 8 data minutes: two before the toast, three toasting, three after
  const auto power = sink.of(GEN1, Metric::power_w);
  EXPECT_TRUE(std::any_of(power.begin(), power.end(), [](const Seen& s) { return s.value > 800.0; }));
  EXPECT_EQ(power.back().value, 0.0) << "done";
  const auto energy = sink.of(GEN1, Metric::energy_kwh);
  ASSERT_GE(energy.size(), 2U);
  // Three minutes at 880-920 W: 2640-2760 Wmin, 0.044-0.046 kWh (whole watt-minutes on the wire).
  EXPECT_GT(energy.back().value - energy.front().value, 0.043);
  EXPECT_LT(energy.back().value - energy.front().value, 0.047);
  // Gen1 traffic is plain text, QoS 0 and not retained (the plug's MQTT defaults).
  for (const auto& m : sink.messages) {
    if (m.link != GEN1_LINK) continue;
    EXPECT_EQ(m.qos, 0) << m.topic;
    EXPECT_FALSE(m.retain) << m.topic;
  }
  const auto& links = sim->links();
  const auto link = std::find_if(links.begin(), links.end(), [](const Link& l) { return l.key == GEN1_LINK; });
  ASSERT_NE(link, links.end());
  EXPECT_EQ(link->will_topic, "shellies/shellyplug-s-C45BBE7F3A21/online");
  EXPECT_EQ(link->will_payload, "false");
  EXPECT_FALSE(link->will_retain);
}

TEST(Simulator, TheGen1PlugObeysTheGatewaysCommandAndAnswersAnnounce) {
  auto sim = make_sim(synthetic());
  DriverSink sink;
  run(*sim, sink, 3s);
  const auto off = sink.relay_command(GEN1, false);
  ASSERT_TRUE(off);
  const auto answer = sim->on_message(GEN1_LINK, off->topic, off->payload, false, 4s);
  ASSERT_EQ(answer.size(), 2U);
  EXPECT_EQ(answer[0].topic, "shellies/shellyplug-s-C45BBE7F3A21/relay/0");
  EXPECT_EQ(answer[0].payload, "off");
  EXPECT_EQ(answer[1].payload, "0.00");
  sink.feed(answer, 4s);
  EXPECT_EQ(sink.value(GEN1, Metric::relay_on), 0.0);
  run(*sim, sink, 8s, 1s, 4s);
  for (const auto& s : sink.of(GEN1, Metric::power_w)) {
    if (s.at >= 4s) {
      EXPECT_EQ(s.value, 0.0) << "switched off: no load";
    }
  }
  const auto announce = sim->on_message(GEN1_LINK, "shellies/command", "announce", false, 9s);
  ASSERT_EQ(announce.size(), 2U);
  EXPECT_EQ(announce[0].topic, "shellies/announce");
  EXPECT_EQ(announce[1].topic, "shellies/shellyplug-s-C45BBE7F3A21/announce");
  const auto bad_before = sim->stats().bad_commands;
  EXPECT_TRUE(sim->on_message(GEN1_LINK, off->topic, "OFF", false, 9s).empty()) << "lower case only";
  EXPECT_TRUE(sim->on_message(GEN1_LINK, "shellies/shellyplug-s-C45BBE7F3A21/command", "update_fw", false, 9s).empty());
  EXPECT_EQ(sim->stats().bad_commands, bad_before + 2);
  EXPECT_TRUE(sim->on_message("kitchen-climate", "homeassistant/status", "offline", true, 9s).empty());
}

TEST(Simulator, TheEsphomeNodeSendsStatusDiscoveryAndRetainedStates) {
  auto sim = make_sim(synthetic());
  DriverSink sink;
  run(*sim, sink, 3s);
  std::vector<std::string> topics;
  for (const auto& m : sink.messages) {
    if (m.link != "kitchen-climate") continue;
    topics.push_back(m.topic);
    EXPECT_TRUE(m.retain) << m.topic << ": status, discovery and states are all retained by ESPHome";
    EXPECT_EQ(m.qos, 0) << m.topic;
  }
  ASSERT_GE(topics.size(), 7U);
  EXPECT_EQ(topics[0], "kitchen-climate/status");
  EXPECT_EQ(topics[1], "homeassistant/sensor/kitchen-climate/kitchen_temperature/config");
  EXPECT_EQ(topics[4], "kitchen-climate/sensor/kitchen_temperature/state");
  EXPECT_EQ(sink.driver_of.at("kitchen-climate/sensor/kitchen_temperature/state"), "ha_discovery");
  EXPECT_EQ(sink.value(ESPHOME, Metric::online), 1.0);
  EXPECT_GT(sink.value(ESPHOME, Metric::temperature_c), 17.5);
  EXPECT_LT(sink.value(ESPHOME, Metric::temperature_c), 22.5);
  EXPECT_TRUE(sink.has(ESPHOME, Metric::humidity_pct));
  EXPECT_TRUE(sink.has(ESPHOME, Metric::rssi_dbm));
  // Home Assistant's birth message: the configs and states again.
  const auto again = sim->on_message("kitchen-climate", "homeassistant/status", "online", true, 4s);
  EXPECT_EQ(again.size(), 6U);
}

TEST(Simulator, NewDevicesGoOfflineAndComeBackLikeTheOthers) {
  auto sim = make_sim(synthetic({incident("plug_offline:toaster@3s+4s"), incident("plug_offline:kitchen-climate@3s+4s"),
                                 incident("broker_outage@10s+3s")}));
  DriverSink sink;
  std::vector<std::pair<std::string, bool>> changes;
  const auto energy_text = [&] {
    std::string last;
    for (const auto& m : sink.messages) {
      if (m.topic == "shellies/shellyplug-s-C45BBE7F3A21/relay/0/energy") last = m.payload;
    }
    return last;
  };
  for (const auto& l : sim->links()) sink.feed(sim->on_connected(l.key, 0s), 0s);
  std::string before_cut, before_outage;
  for (WallTime t = 500ms; t <= 16s; t += 500ms) {
    if (t == 3s) before_cut = energy_text();
    if (t == 10s) before_outage = energy_text();
    auto step = sim->advance(t);
    sink.feed(step.messages, t);
    for (const auto& c : step.links) {
      if (c.first == GEN1_LINK || c.first == "kitchen-climate") changes.push_back(c);
      if (c.second) sink.feed(sim->on_connected(c.first, t), t);
    }
    if ((t > 3s && t < 7s) || (t > 10s && t < 13s)) {
      for (const auto& m : step.messages) {
        EXPECT_NE(m.link, GEN1_LINK) << "an offline plug is silent";
        EXPECT_NE(m.link, "kitchen-climate") << "an offline node is silent";
      }
    }
  }
  for (const std::string key : {GEN1_LINK, "kitchen-climate"}) {
    std::vector<bool> ups;
    for (const auto& [k, up] : changes) {
      if (k == key) ups.push_back(up);
    }
    EXPECT_EQ(ups, (std::vector<bool>{false, true, false, true})) << key << ": unplugged, back, outage, back";
  }
  EXPECT_EQ(sink.value(GEN1, Metric::online), 1.0) << "online true again on reconnect";
  EXPECT_EQ(sink.value(ESPHOME, Metric::online), 1.0) << "status online again on reconnect";
  // Unplugged, the Plug S forgets its watt-minutes (a new boot); a broker outage is no power cut.
  const auto after_cut = sink.of(GEN1, Metric::energy_kwh);
  ASSERT_FALSE(before_cut.empty());
  const auto at_reconnect = std::find_if(after_cut.begin(), after_cut.end(), [](const Seen& s) { return s.at >= 7s; });
  ASSERT_NE(at_reconnect, after_cut.end());
  EXPECT_EQ(at_reconnect->value, 0.0) << "the counter restarts at boot (was " << before_cut << " Wmin)";
  const auto at_return = std::find_if(after_cut.begin(), after_cut.end(), [](const Seen& s) { return s.at >= 13s; });
  ASSERT_NE(at_return, after_cut.end());
  EXPECT_GE(at_return->value * 60000.0, std::stod(before_outage) - 1e-6) << "kept across the outage";
}

TEST(Simulator, AColdSnapOnTheEsphomeSensorChillsTheKitchen) {
  auto sim = make_sim(synthetic({incident("cold_snap:kitchen-climate@2s+40s")}));
  DriverSink sink;
  run(*sim, sink, 40s, 500ms);
  const auto temps = sink.of(ESPHOME, Metric::temperature_c);
  EXPECT_TRUE(std::any_of(temps.begin(), temps.end(), [](const Seen& s) { return s.at > 15s && s.value < 14.3; }));
  const auto motion = sink.of("z2m:kitchen/motion", Metric::motion);
  EXPECT_TRUE(std::any_of(motion.begin(), motion.end(), [](const Seen& s) { return s.at >= 2s && s.value == 1.0; }));
}

TEST(Simulator, StartTimesAndSpeedMapWallToDataTime) {
  EXPECT_EQ(parse_start("07:30"), DataTime{(7 * 60 + 30) * 60'000LL});
  EXPECT_EQ(parse_start("3/23:59"), DataTime{3 * DAY.count() + (23 * 60 + 59) * 60'000LL});
  for (const char* bad : {"7:30", "24:00", "12:60", "x/10:00", "/10:00", "10-00"})
    EXPECT_FALSE(parse_start(bad)) << bad;
  SimOptions o = synthetic();
  o.speed = 120;
  auto sim = make_sim(o);
  (void)sim->advance(30s);
  EXPECT_EQ(sim->data_time(), o.start + 1h);
  (void)sim->advance(10s);  // time never runs backwards
  EXPECT_EQ(sim->data_time(), o.start + 1h);
  o.speed = 0;
  EXPECT_FALSE(Simulator::create(o));
}

}  // namespace
