// Runs every example message under $HEARTH_SHARED/fixtures/devices through the real driver set
// and checks the cited normalisations (fixtures/devices/README.md, "Expected normalisation").
// The shared corpus is reference material, never copied into the project: without it, skip.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/energy_counter.h"
#include "drivers/driver_set.h"

using namespace hearth;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Line {
  std::string file;
  int number = 0;
  std::string topic;
  std::string payload;
  bool retained = false;
  std::string note;
};

fs::path fixtures_dir() {
  const char* env = std::getenv("HEARTH_SHARED");
  return fs::path(env != nullptr ? env : "../shared") / "fixtures" / "devices";
}

std::vector<Line> load(const std::string& file) {
  std::vector<Line> out;
  std::ifstream in(fixtures_dir() / file);
  std::string text;
  int n = 0;
  while (std::getline(in, text)) {
    ++n;
    if (text.empty()) continue;
    const json j = json::parse(text);
    out.push_back({file, n, j.at("topic"), j.at("payload"), j.value("retain", false), j.value("note", "")});
  }
  return out;
}

class Corpus : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fixtures_dir())) {
      GTEST_SKIP() << "shared corpus not found at " << fixtures_dir()
                   << " (set HEARTH_SHARED to the shared/ folder); skipping corpus tests";
    }
  }

  // Feeds a whole file in order through one driver set (drivers keep per-device state).
  std::vector<std::pair<Line, drivers::Dispatch>> decode_file(const std::string& file) {
    std::vector<std::pair<Line, drivers::Dispatch>> out;
    core::TimePoint t = core::from_epoch_ms(1'736'840'000'000);
    for (auto& line : load(file)) {
      t += std::chrono::seconds{30};
      drivers::Message m{line.topic, line.payload, line.retained, t};
      auto d = set_.decode(m);
      out.emplace_back(std::move(line), std::move(d));
    }
    return out;
  }

  static std::optional<double> value_of(const drivers::Decoded& d, core::Metric metric,
                                        const std::string& device_prefix = "") {
    for (const auto& r : d.readings) {
      if (r.metric == metric && r.device_id.rfind(device_prefix, 0) == 0) return r.value;
    }
    return std::nullopt;
  }

  drivers::DriverSet set_ = drivers::DriverSet::make_default(drivers::DriverOptions{});
};

const std::vector<std::string>& supported_files() {
  static const std::vector<std::string> FILES = {"tasmota.jsonl",     "shelly_gen1.jsonl",
                                                 "shelly_gen2.jsonl", "zigbee2mqtt.jsonl",
                                                 "esphome.jsonl",     "homeassistant_discovery.jsonl"};
  return FILES;
}

}  // namespace

TEST_F(Corpus, EveryMessageOfSupportedEcosystemsIsClaimedAndNoneRejected) {
  std::size_t lines = 0;
  for (const auto& file : supported_files()) {
    for (const auto& [line, d] : decode_file(file)) {
      ++lines;
      const bool outbound = line.note.rfind("OUTBOUND", 0) == 0;
      SCOPED_TRACE(file + ":" + std::to_string(line.number) + " " + line.topic);
      if (outbound) {
        // Commands the gateway itself would publish: never turned into readings.
        EXPECT_TRUE(d.decoded.readings.empty());
        continue;
      }
      EXPECT_NE(d.decoded.outcome, drivers::Outcome::not_mine) << "no driver claimed it";
      EXPECT_NE(d.decoded.outcome, drivers::Outcome::rejected) << d.decoded.reject_reason;
      for (const auto& r : d.decoded.readings) {
        EXPECT_TRUE(std::isfinite(r.value));
        EXPECT_NE(r.device_id.find(':'), std::string::npos) << r.device_id;
        EXPECT_EQ(r.retained, line.retained);
      }
    }
  }
  EXPECT_GT(lines, 150u);
}

TEST_F(Corpus, OpenEnergyMonitorIsNotClaimedYet) {
  // No emonhub driver ships yet; its messages must be left alone, not misread by another driver.
  for (const auto& [line, d] : decode_file("openenergymonitor.jsonl")) {
    SCOPED_TRACE(line.topic);
    EXPECT_TRUE(d.decoded.readings.empty());
  }
}

TEST_F(Corpus, CitedNormalisations) {
  bool saw_wmin = false, saw_em_total = false, saw_gen2 = false, saw_fahrenheit = false, saw_contact = false,
       saw_aqara = false, saw_esphome_nan = false, saw_tasmota_null = false, saw_sentinel = false;
  for (const auto& file : supported_files()) {
    for (const auto& [line, d] : decode_file(file)) {
      SCOPED_TRACE(file + ":" + std::to_string(line.number) + " " + line.topic);
      const auto& dec = d.decoded;
      if (line.topic.ends_with("/relay/0/energy") && line.payload == "53127") {
        saw_wmin = true;
        ASSERT_TRUE(value_of(dec, core::Metric::energy_kwh));
        EXPECT_NEAR(*value_of(dec, core::Metric::energy_kwh), 0.88545, 1e-9);
      }
      if (line.topic.ends_with("/emeter/0/total") && line.payload == "1289431.6") {
        saw_em_total = true;
        ASSERT_TRUE(value_of(dec, core::Metric::energy_kwh));
        EXPECT_NEAR(*value_of(dec, core::Metric::energy_kwh), 1289.4316, 1e-9);
      }
      if (line.payload.find("\"total\":41873.516") != std::string::npos) {
        saw_gen2 = true;
        ASSERT_TRUE(value_of(dec, core::Metric::energy_kwh));
        EXPECT_NEAR(*value_of(dec, core::Metric::energy_kwh), 41.873516, 1e-9);
      }
      if (line.topic == "tele/th_lounge/SENSOR") {
        saw_fahrenheit = true;
        ASSERT_TRUE(value_of(dec, core::Metric::temperature_c));
        EXPECT_NEAR(*value_of(dec, core::Metric::temperature_c), 19.39, 0.01);
      }
      if (line.topic == "zigbee2mqtt/front_door" && line.payload.find("\"contact\":true") != std::string::npos) {
        saw_contact = true;
        ASSERT_TRUE(value_of(dec, core::Metric::contact_open));
        EXPECT_EQ(*value_of(dec, core::Metric::contact_open), 0.0);
      }
      if (line.topic == "zigbee2mqtt/hall_motion" && line.payload.find("\"voltage\":3035") != std::string::npos) {
        saw_aqara = true;
        EXPECT_FALSE(value_of(dec, core::Metric::voltage_v)) << "battery millivolts read as mains volts";
      }
      if (line.topic == "livingroom/sensor/living_room_temperature/state" &&
          (line.payload == "nan" || line.payload == "None")) {
        saw_esphome_nan = true;
        EXPECT_FALSE(value_of(dec, core::Metric::temperature_c)) << "no reading, not 0";
      }
      if (line.topic == "tele/th_garage/SENSOR" || line.topic == "tele/th_shed/SENSOR") {
        saw_tasmota_null = true;
        EXPECT_FALSE(value_of(dec, core::Metric::temperature_c));
        EXPECT_FALSE(value_of(dec, core::Metric::humidity_pct));
      }
      if (line.payload == "999") {
        saw_sentinel = true;
        EXPECT_TRUE(dec.readings.empty()) << "Shelly 999 sentinel read as a value";
      }
    }
  }
  EXPECT_TRUE(saw_wmin && saw_em_total && saw_gen2 && saw_fahrenheit && saw_contact && saw_aqara && saw_esphome_nan &&
              saw_tasmota_null && saw_sentinel)
      << "a cited fixture line was not found; the shared corpus changed";
}

TEST_F(Corpus, TasmotaCounterDropNeverMakesEnergyGoBackwards) {
  core::EnergyCounterState state;
  double last_total = -1.0;
  int samples = 0;
  for (const auto& [line, d] : decode_file("tasmota.jsonl")) {
    for (const auto& r : d.decoded.readings) {
      if (r.device_id != "tasmota:plug_kettle" || r.metric != core::Metric::energy_kwh) continue;
      const auto u = core::apply_energy_sample(state, r.value, r.ts, r.counter_reset);
      EXPECT_GE(u.total_kwh, last_total) << line.payload;
      last_total = u.total_kwh;
      ++samples;
    }
  }
  EXPECT_GE(samples, 3);  // 184.319, 184.321, then the drop to 183.902 and the reset to 0
  EXPECT_NEAR(last_total, 184.321, 1e-9);
}
