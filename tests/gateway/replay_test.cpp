#include "gateway/replay.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

using namespace hearth;
using namespace hearth::gateway;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'767'250'800'000;  // 2026-01-01T07:00:00Z
constexpr std::int64_t MIN = 60'000;

std::string line(const std::string& topic, const json& payload, std::int64_t ts_ms) {
  return json{{"topic", topic}, {"payload", payload.dump()}, {"ts_ms", ts_ms}}.dump() + "\n";
}

struct ReplayRun {
  std::string out;
  std::string diagnostics;
  ReplayStats stats;
  std::vector<json> events;
};

ReplayRun run(const std::string& input, const GatewayConfig& config = {}) {
  std::istringstream in(input);
  std::ostringstream out, diag;
  ReplayOptions options;
  options.diagnostics = &diag;
  auto stats = replay(in, config, out, options);
  EXPECT_TRUE(stats.has_value()) << (stats ? "" : stats.error().message);
  ReplayRun r{out.str(), diag.str(), stats ? *stats : ReplayStats{}, {}};
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);) r.events.push_back(json::parse(l));
  return r;
}

GatewayConfig living_room_config() {
  GatewayConfig config;
  DeviceSettings room;
  room.room = "Living room";
  config.devices["z2m:living/temp"] = room;
  config.devices["z2m:living/motion"] = room;
  return config;
}

// A z2m sensor at 14.5 °C every 10 min for 3 h, with motion in the same room at the start.
std::string cold_living_room() {
  std::string in = line("zigbee2mqtt/living/motion", {{"occupancy", true}}, T0);
  for (int i = 0; i <= 18; ++i) {
    in += line("zigbee2mqtt/living/temp", {{"temperature", 14.5}, {"humidity", 55}}, T0 + i * 10 * MIN);
  }
  return in;
}

}  // namespace

TEST(ReplayParse, IsoTimesAndDurations) {
  EXPECT_EQ(parse_iso8601_utc_ms("2026-01-01T07:00:00Z"), T0);
  EXPECT_EQ(parse_iso8601_utc_ms("2026-01-01T07:00:00.250Z"), T0 + 250);
  EXPECT_EQ(parse_iso8601_utc_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_FALSE(parse_iso8601_utc_ms("2026-02-30T07:00:00Z"));
  EXPECT_FALSE(parse_iso8601_utc_ms("2026-01-01T07:00:00+01:00"));
  EXPECT_FALSE(parse_iso8601_utc_ms("2026-01-01"));
  EXPECT_EQ(parse_duration("30s"), std::chrono::seconds{30});
  EXPECT_EQ(parse_duration("500ms"), std::chrono::milliseconds{500});
  EXPECT_EQ(parse_duration("5m"), std::chrono::minutes{5});
  EXPECT_EQ(parse_duration("45"), std::chrono::seconds{45});
  EXPECT_FALSE(parse_duration("0s"));
  EXPECT_FALSE(parse_duration("-3s"));
  EXPECT_FALSE(parse_duration("3 weeks"));
}

TEST(Replay, SmokeRaisedThenResolved) {
  const std::string in =
      line("zigbee2mqtt/kitchen/smoke", {{"smoke", true}, {"battery", 90}, {"linkquality", 120}}, T0) +
      line("zigbee2mqtt/kitchen/smoke", {{"smoke", false}}, T0 + 5 * MIN);
  const ReplayRun r = run(in);
  ASSERT_EQ(r.events.size(), 2u) << r.out;
  for (const auto& e : r.events) {
    EXPECT_EQ(e["alert"]["id"], "smoke:z2m:kitchen/smoke");
    EXPECT_EQ(e["alert"]["severity"], "emergency");
  }
  EXPECT_EQ(r.events[0]["ts_ms"], T0);
  EXPECT_EQ(r.events[0]["alert"]["state"], "raised");
  EXPECT_EQ(r.events[1]["ts_ms"], T0 + 5 * MIN);
  EXPECT_EQ(r.events[1]["alert"]["state"], "resolved");
  EXPECT_EQ(r.stats.messages, 2u);
  EXPECT_EQ(r.stats.malformed, 0u);
  EXPECT_EQ(r.stats.events, 2u);
  // Output lines start with the simulated time.
  EXPECT_EQ(r.out.rfind("{\"ts_ms\":" + std::to_string(T0) + ",\"alert\":{", 0), 0u) << r.out;
}

TEST(Replay, IsoTimeAndRetainAccepted) {
  const std::string in =
      R"({"topic":"zigbee2mqtt/kitchen/smoke","payload":"{\"smoke\":true}","time":"2026-01-01T07:00:00Z","retain":false})"
      "\n";
  const ReplayRun r = run(in);
  ASSERT_EQ(r.events.size(), 1u) << r.out << r.diagnostics;
  EXPECT_EQ(r.events[0]["ts_ms"], T0);
}

TEST(Replay, ColdLivingRoomRaisesColdHomeAfterTwoHours) {
  const ReplayRun r = run(cold_living_room(), living_room_config());
  std::vector<json> cold;
  for (const auto& e : r.events) {
    if (e["alert"]["rule"] == "cold_home") cold.push_back(e);
  }
  ASSERT_EQ(cold.size(), 1u) << r.out;
  EXPECT_EQ(cold[0]["alert"]["state"], "raised");
  EXPECT_EQ(cold[0]["alert"]["severity"], "urgent");
  EXPECT_EQ(cold[0]["alert"]["device_id"], "z2m:living/temp");
  EXPECT_EQ(cold[0]["alert"]["room"], "Living room");
  EXPECT_EQ(cold[0]["ts_ms"], T0 + 120 * MIN) << r.out;
  EXPECT_EQ(r.stats.malformed, 0u);
}

TEST(Replay, ColdLivingRoomWithoutMotionStaysQuiet) {
  std::string in = cold_living_room();
  in = in.substr(in.find('\n') + 1);  // drop the motion line: nobody home, no cold_home alert
  const ReplayRun r = run(in, living_room_config());
  for (const auto& e : r.events) EXPECT_NE(e["alert"]["rule"], "cold_home") << r.out;
}

TEST(Replay, MalformedLinesAreCountedAndSkipped) {
  std::string in = "not json at all\n";
  in += line("zigbee2mqtt/kitchen/smoke", {{"smoke", true}}, T0);
  in += "\n";  // blank: skipped, not malformed
  in += R"({"topic":"zigbee2mqtt/kitchen/smoke"})"
        "\n";  // no payload
  in += R"({"topic":"x","payload":"{}","ts_ms":"soon"})"
        "\n";
  in += R"({"topic":"x","payload":"{}","time":"yesterday"})"
        "\n";
  in += R"({"topic":"x","payload":"{}","ts_ms":1,"retain":"yes"})"
        "\n";
  in += R"([1,2,3])"
        "\n";
  in += line("zigbee2mqtt/kitchen/smoke", {{"smoke", false}}, T0 + MIN);
  const ReplayRun r = run(in);
  EXPECT_EQ(r.stats.lines, 9u);
  EXPECT_EQ(r.stats.malformed, 6u);
  EXPECT_EQ(r.stats.messages, 2u);
  ASSERT_EQ(r.events.size(), 2u) << r.out;
  EXPECT_EQ(r.events[1]["alert"]["state"], "resolved");
  EXPECT_NE(r.diagnostics.find("line 1:"), std::string::npos) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("line 4:"), std::string::npos) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("line 8:"), std::string::npos) << r.diagnostics;
  EXPECT_EQ(r.diagnostics.find("line 3:"), std::string::npos) << r.diagnostics;
}

TEST(Replay, SameInputGivesByteIdenticalOutput) {
  std::string in = cold_living_room();
  in += line("zigbee2mqtt/kitchen/smoke", {{"smoke", true}}, T0 + 30 * MIN);
  in += line("zigbee2mqtt/kitchen/smoke", {{"smoke", false}}, T0 + 35 * MIN);
  const ReplayRun a = run(in, living_room_config());
  const ReplayRun b = run(in, living_room_config());
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
}

TEST(Replay, OutOfOrderLinesDoNotCrashOrRewindTheClock) {
  std::string in = line("zigbee2mqtt/kitchen/smoke", {{"smoke", true}}, T0 + 10 * MIN);
  in += line("zigbee2mqtt/kitchen/smoke", {{"smoke", false}}, T0);  // older than the clock
  in += line("zigbee2mqtt/living/temp", {{"temperature", 20.0}}, T0 - 24 * 60 * MIN);
  in += line("zigbee2mqtt/kitchen/smoke", {{"smoke", false}}, T0 + 15 * MIN);
  const ReplayRun r = run(in);
  EXPECT_EQ(r.stats.out_of_order, 2u);
  EXPECT_EQ(r.stats.messages, 4u);
  std::int64_t last = 0;
  for (const auto& e : r.events) {
    EXPECT_GE(e["ts_ms"].get<std::int64_t>(), last) << r.out;
    last = e["ts_ms"].get<std::int64_t>();
  }
  ASSERT_FALSE(r.events.empty());
  EXPECT_EQ(r.events.back()["alert"]["state"], "resolved") << r.out;
}

TEST(Replay, LongGapsAreShortenedNotTickedThrough) {
  std::string in = line("zigbee2mqtt/living/temp", {{"temperature", 20.0}}, T0);
  in += line("zigbee2mqtt/living/temp", {{"temperature", 20.5}}, T0 + 365LL * 24 * 60 * MIN);
  const ReplayRun r = run(in);
  EXPECT_EQ(r.stats.gaps_skipped, 1u);
  EXPECT_LE(r.stats.ticks, 7u * 24 * 120 + 3);
}

TEST(Replay, RejectsANonPositiveTick) {
  std::istringstream in;
  std::ostringstream out;
  ReplayOptions options;
  options.tick = std::chrono::milliseconds{0};
  EXPECT_FALSE(replay(in, GatewayConfig{}, out, options).has_value());
}

TEST(Replay, AlertTextNamesTheDeviceWhenItHasNoRoom) {
  const std::string in = line("zigbee2mqtt/attic/smoke", {{"smoke", true}}, T0);
  const ReplayRun bare = run(in);
  ASSERT_EQ(bare.events.size(), 1u);
  const std::string en = bare.events[0]["alert"]["text"]["en"];
  EXPECT_EQ(en.find('?'), std::string::npos) << en;
  EXPECT_NE(en.find("z2m:attic/smoke"), std::string::npos) << en;
  GatewayConfig named;
  DeviceSettings s;
  s.name = "Attic smoke alarm";
  named.devices["z2m:attic/smoke"] = s;
  const std::string with_name = run(in, named).events.at(0)["alert"]["text"]["cy"];
  EXPECT_NE(with_name.find("Attic smoke alarm"), std::string::npos) << with_name;
}
