#include "gateway/pipeline.h"

#include <gtest/gtest.h>

#include <charconv>
#include <sstream>

#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;

namespace {

constexpr std::int64_t T0 = 1'699'999'200'000;

// A test driver for topics "t/<device>": payload "metric=value;metric=value", "!malformed" to
// reject the whole message, "cmd" to be ignored; "x=..." becomes a field issue.
class FakeDriver final : public drivers::Driver {
 public:
  std::string_view name() const override { return "fake"; }
  std::vector<std::string> subscriptions() const override { return {"t/#"}; }
  drivers::Decoded decode(const drivers::Message& m) override {
    drivers::Decoded out;
    if (m.topic.rfind("t/", 0) != 0) return out;
    const std::string dev = "fake:" + std::string(m.topic.substr(2));
    if (m.payload == "!malformed") {
      out.outcome = drivers::Outcome::rejected;
      out.reject_reason = "malformed_json";
      return out;
    }
    if (m.payload == "cmd") {
      out.outcome = drivers::Outcome::ignored;
      return out;
    }
    out.outcome = drivers::Outcome::decoded;
    std::stringstream ss{std::string(m.payload)};
    std::string item;
    while (std::getline(ss, item, ';')) {
      const auto eq = item.find('=');
      const auto metric = core::metric_from_string(item.substr(0, eq));
      if (!metric) {
        out.issues.push_back({dev, item.substr(0, eq), "wrong_type"});
        continue;
      }
      core::Reading r;
      r.device_id = dev;
      r.metric = *metric;
      const std::string v = item.substr(eq + 1);
      r.value = v == "nan" ? std::numeric_limits<double>::quiet_NaN() : std::stod(v);
      r.counter_reset = item.find("reset") != std::string::npos;
      r.ts = m.received;
      r.retained = m.retained;
      out.readings.push_back(r);
    }
    return out;
  }
  std::optional<drivers::Outbound> relay_command(std::string_view, bool) const override { return std::nullopt; }
};

drivers::DriverSet fake_drivers() {
  std::vector<std::unique_ptr<drivers::Driver>> list;
  list.push_back(std::make_unique<FakeDriver>());
  return drivers::DriverSet(std::move(list));
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    pipeline_.reset();
    store_.reset();
    registry_ = DeviceRegistry{};
    StoreConfig cfg;
    cfg.path = dir_.file("h.db");
    store_ = std::move(*Store::open(cfg));
    IngestConfig ingest;
    ingest.max_payload_bytes = 1024;
    pipeline_ = std::make_unique<Pipeline>(drivers_, *store_, registry_, ingest,
                                           [this](const std::string& f) { subscribed_.push_back(f); });
  }

  void send(const std::string& topic, const std::string& payload, std::int64_t offset_ms = 0, bool retained = false) {
    pipeline_->on_message({topic, payload, retained, core::from_epoch_ms(T0 + offset_ms)});
  }

  std::vector<StoredPoint> stored(const std::string& dev, core::Metric m) {
    EXPECT_TRUE(store_->flush().has_value());
    return *store_->readings(dev, m, 0, T0 * 2, Resolution::raw, 1000);
  }

  test::TempDir dir_;
  drivers::DriverSet drivers_ = fake_drivers();
  DeviceRegistry registry_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::string> subscribed_;
};

}  // namespace

TEST_F(PipelineTest, GoodReadingsAreStoredAndDevicesDiscovered) {
  send("t/plug", "power_w=120;voltage_v=239.5");
  EXPECT_EQ(pipeline_->counters().decoded, 1u);
  EXPECT_EQ(pipeline_->counters().readings, 2u);
  const Device* d = registry_.find("fake:plug");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->driver, "fake");
  EXPECT_DOUBLE_EQ(d->latest.at(core::Metric::power_w).value, 120.0);
  ASSERT_EQ(stored("fake:plug", core::Metric::voltage_v).size(), 1u);
}

TEST_F(PipelineTest, BadInputIsCountedByReasonAndGoodFieldsAroundItKept) {
  send("t/plug", std::string(2000, 'x'));  // oversized
  send("t/plug", "!malformed", 1);         // whole message unusable
  send("other/topic", "power_w=1", 2);     // nobody's topic
  send("t/plug", "cmd", 3);                // owned, ignored
  send("t/plug", "power_w=-5;bogus=1;temperature_c=nan;humidity_pct=140;energy_kwh=1.5", 4);
  const auto& c = pipeline_->counters();
  EXPECT_EQ(c.received, 5u);
  EXPECT_EQ(c.rejected.at("payload_too_large"), 1u);
  EXPECT_EQ(c.rejected.at("malformed_json"), 1u);
  EXPECT_EQ(c.rejected.at("unknown_topic"), 1u);
  EXPECT_EQ(c.ignored, 1u);
  EXPECT_EQ(c.field_issues.at("negative_power"), 1u);
  EXPECT_EQ(c.field_issues.at("wrong_type"), 1u);
  EXPECT_EQ(c.field_issues.at("non_finite"), 1u);
  EXPECT_EQ(c.field_issues.at("out_of_range"), 1u);
  // The one good field of the mixed message was still stored.
  ASSERT_EQ(stored("fake:plug", core::Metric::energy_kwh).size(), 1u);
  EXPECT_TRUE(stored("fake:plug", core::Metric::power_w).empty());
}

TEST_F(PipelineTest, DuplicateWithinWindowIsDroppedButNotLater) {
  send("t/pir", "motion=1", 0);
  send("t/pir", "motion=1", 200);   // QoS 1 redelivery
  send("t/pir", "motion=1", 5000);  // a new event, same payload
  EXPECT_EQ(pipeline_->counters().rejected.at("duplicate"), 1u);
  EXPECT_EQ(stored("fake:pir", core::Metric::motion).size(), 2u);
}

TEST_F(PipelineTest, RetainedUpdatesStateButNotTheTimeSeries) {
  send("t/th", "temperature_c=19.5", 0, /*retained=*/true);
  EXPECT_EQ(pipeline_->counters().retained_not_stored, 1u);
  const Device* d = registry_.find("fake:th");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->latest.at(core::Metric::temperature_c).retained);
  EXPECT_TRUE(stored("fake:th", core::Metric::temperature_c).empty());
}

TEST_F(PipelineTest, EnergyIsMonotonicAcrossResetsAndRestart) {
  send("t/plug", "energy_kwh=10.0", 0);
  send("t/plug", "energy_kwh=10.2", 60'000);   // 12 kW for a minute: plausible
  send("t/plug", "energy_kwh=0.1", 120'000);   // reboot: counter from zero
  send("t/plug", "energy_kwh=9000", 180'000);  // x1000 glitch: held
  EXPECT_EQ(pipeline_->counters().field_issues.at("energy_counter_reset"), 1u);
  EXPECT_EQ(pipeline_->counters().field_issues.at("energy_implausible_jump"), 1u);
  ASSERT_TRUE(store_->flush().has_value());
  reopen();  // a restart: the counter state comes back from the database
  ASSERT_TRUE(pipeline_->restore().has_value());
  send("t/plug", "energy_kwh=0.3", 240'000);
  const auto points = stored("fake:plug", core::Metric::energy_kwh);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_DOUBLE_EQ(points[0].value, 10.0);
  EXPECT_DOUBLE_EQ(points[1].value, 10.2);
  EXPECT_NEAR(points[2].value, 10.3, 1e-9);
  EXPECT_NEAR(points[3].value, 10.5, 1e-9);
  for (std::size_t i = 1; i < points.size(); ++i) EXPECT_GE(points[i].value, points[i - 1].value);
}

TEST_F(PipelineTest, RestoreBringsBackDevicesAndLatestValues) {
  send("t/plug", "power_w=42;online=1");
  ASSERT_TRUE(store_->flush().has_value());
  reopen();
  ASSERT_TRUE(pipeline_->restore().has_value());
  const Device* d = registry_.find("fake:plug");
  ASSERT_NE(d, nullptr);
  EXPECT_DOUBLE_EQ(d->latest.at(core::Metric::power_w).value, 42.0);
  ASSERT_TRUE(d->online.has_value());
  EXPECT_TRUE(*d->online);
}

TEST_F(PipelineTest, OutOfOrderReadingsAreKeptButCounted) {
  pipeline_->set_clock_step_detection(false);  // as when replaying recorded traffic
  send("t/th", "temperature_c=20", 10'000);
  send("t/th", "temperature_c=21", 5'000);  // 5 s older: replayed traffic, or a clock step back
  EXPECT_EQ(pipeline_->counters().field_issues.at("out_of_order"), 1u);
  EXPECT_EQ(stored("fake:th", core::Metric::temperature_c).size(), 2u);
  EXPECT_DOUBLE_EQ(registry_.find("fake:th")->latest.at(core::Metric::temperature_c).value, 20.0);
}

TEST_F(PipelineTest, WallClockStepBackIsNoticed) {
  send("t/th", "temperature_c=20", 3'600'000);
  send("t/th", "temperature_c=21", 0);  // the wall clock went back an hour between two messages
  EXPECT_EQ(pipeline_->counters().clock_jumps_back, 1u);
}

TEST_F(PipelineTest, RegistryIsBounded) {
  registry_ = DeviceRegistry{2};
  send("t/a", "power_w=1");
  send("t/b", "power_w=1");
  send("t/c", "power_w=1");
  EXPECT_EQ(registry_.size(), 2u);
  EXPECT_EQ(pipeline_->counters().field_issues.at("too_many_devices"), 1u);
}

TEST_F(PipelineTest, SameMillisecondReadingsOfOneSeriesAreAllKept) {
  // A backlog drained in one go: three messages of one plug share a receive millisecond.
  send("t/plug", "power_w=100", 0);
  send("t/plug", "power_w=200", 0);
  send("t/plug", "power_w=300", 0);
  send("t/plug", "power_w=400", 1);  // next millisecond, already taken by a bumped reading
  const auto points = stored("fake:plug", core::Metric::power_w);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].ts_ms, T0);
  EXPECT_EQ(points[1].ts_ms, T0 + 1);
  EXPECT_EQ(points[2].ts_ms, T0 + 2);
  EXPECT_DOUBLE_EQ(points[2].value, 300.0);
  EXPECT_EQ(points[3].ts_ms, T0 + 3);
  EXPECT_EQ(store_->stats().duplicates_ignored, 0u);
}

TEST_F(PipelineTest, TheEnergyHandlerGetsTheStepAndTheDriversRestartFlag) {
  struct Seen {
    double value;
    core::EnergyStep step;
    bool reset;
  };
  std::vector<Seen> energy;
  std::vector<bool> readings_reset;
  pipeline_->set_energy_handler([&](const core::Reading& r, core::EnergyStep step, const Device& d) {
    EXPECT_EQ(d.id, "fake:plug");
    energy.push_back({r.value, step, r.counter_reset});
  });
  pipeline_->set_reading_handler(
      [&](const core::Reading& r, const Device&) { readings_reset.push_back(r.counter_reset); });
  send("t/plug", "energy_kwh=0.05;power_w=5", 0);
  send("t/plug", "energy_kwh=0.2 reset", 3'600'000);  // restarted, and already past the old count
  send("t/plug", "energy_kwh=0.3", 4'200'000);
  ASSERT_EQ(energy.size(), 3u);
  EXPECT_EQ(energy[0].step, core::EnergyStep::first);
  EXPECT_EQ(energy[1].step, core::EnergyStep::reset);
  EXPECT_TRUE(energy[1].reset);
  EXPECT_NEAR(energy[1].value, 0.25, 1e-9);  // the monotonic total counts the 0.2 kWh since the restart
  EXPECT_EQ(energy[2].step, core::EnergyStep::advance);
  EXPECT_FALSE(energy[2].reset);
  // The stored and rule-facing copies carry the total, with the flag cleared.
  EXPECT_EQ(readings_reset, (std::vector<bool>{false, false, false, false}));
  const auto points = stored("fake:plug", core::Metric::energy_kwh);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_NEAR(points[1].value, 0.25, 1e-9);
}
