// The conformance suite's checks against an in-process device built on hearth_fw.h, over a tiny
// in-process broker (retained store, wildcard subscriptions, last will), on a simulated clock.
// Each deliberately broken device must fail exactly the check that covers its fault.
#include "conformance/conformance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/topic_filter.h"
#include "hearth_fw.h"

namespace {

using hearth::core::TimePoint;
using hearth::fw::CheckResult;
using hearth::fw::Conformance;
using hearth::fw::Verdict;
using namespace std::chrono_literals;

enum class Party { suite, device };

// Delivers in publish order, as one broker connection per party would.
class Broker {
 public:
  struct Delivery {
    Party to;
    std::string topic;
    std::string payload;
    bool retained;
  };

  void subscribe(Party who, const std::string& filter) {
    filters_[who].push_back(filter);
    for (const auto& [topic, payload] : retained_) {
      if (hearth::core::topic_matches(filter, topic)) queue_.push_back({who, topic, payload, true});
    }
  }
  void publish(const std::string& topic, const std::string& payload, bool retain) {
    if (retain) retained_[topic] = payload;
    // Like Mosquitto: one copy per matching subscription; live messages lose the retain flag.
    for (const auto& [who, filters] : filters_) {
      for (const auto& f : filters) {
        if (hearth::core::topic_matches(f, topic)) queue_.push_back({who, topic, payload, false});
      }
    }
  }
  void drop(Party who) { filters_.erase(who); }
  bool pop(Delivery& d) {
    if (queue_.empty()) return false;
    d = std::move(queue_.front());
    queue_.pop_front();
    return true;
  }
  bool has_retained(const std::string& topic) const { return retained_.contains(topic); }

 private:
  std::map<Party, std::vector<std::string>> filters_;
  std::map<std::string, std::string> retained_;
  std::deque<Delivery> queue_;
};

struct Faults {
  bool essential = false;  // accepts off on the essential relay
  bool units = false;      // energy labelled Wh
  bool retain_readings = false;
  bool no_will = false;
  bool no_ack = false;
  bool silent = false;            // never publishes anything
  bool energy_backwards = false;  // the counter decreases without a new counter id
  bool describe_not_retained = false;
};

// Firmware in miniature: a lamp relay, an essential fridge relay with metering, built on hearth_fw.h.
class Device {
 public:
  Device(Broker& broker, Faults faults) : broker_(broker), faults_(faults) {
    relays_[0] = {1, 0, 0};
    relays_[1] = {1, 1, 1};
  }

  void connect(TimePoint now) {
    if (faults_.silent) return;
    broker_.subscribe(Party::device, "hearth/v1/plug-7/cmd");
    static const hfw_capability CAPS[] = {{0, HFW_RELAY_ON, 1, 0},
                                          {0, HFW_POWER_W, 0, 0},
                                          {1, HFW_RELAY_ON, 1, 1},
                                          {1, HFW_ENERGY_KWH, 0, 0},
                                          {2, HFW_MOTION, 0, 0}};
    const hfw_description d{"Sim Plug", "0.1.0", BOOT, 1, 0, CAPS, 5};
    char buf[HFW_MAX_DESCRIBE_PAYLOAD + 1];
    std::size_t len = 0;
    EXPECT_EQ(hfw_encode_describe(buf, sizeof buf, &d, &len), HFW_OK);
    broker_.publish("hearth/v1/plug-7/describe", buf, !faults_.describe_not_retained);
    EXPECT_EQ(hfw_encode_status(buf, sizeof buf, 1, BOOT, &len), HFW_OK);
    broker_.publish("hearth/v1/plug-7/status", buf, true);
    publish_reading();
    next_reading_ = now + 1s;
  }

  void tick(TimePoint now) {
    if (faults_.silent || dead_ || now < next_reading_) return;
    publish_reading();
    next_reading_ = now + 1s;
  }

  void deliver(const Broker::Delivery& m) {
    if (dead_ || faults_.no_ack) return;
    hfw_relay relays[2] = {relays_[0], relays_[1]};
    if (faults_.essential) relays[1].essential = 0;
    hfw_ack ack;
    if (hfw_handle_command(m.payload.data(), m.payload.size(), m.retained, relays, 2, &ack) != HFW_OK) return;
    relays_[0].on = relays[0].on;
    relays_[1].on = relays[1].on;
    char buf[HFW_MAX_PAYLOAD + 1];
    std::size_t len = 0;
    EXPECT_EQ(hfw_encode_ack(buf, sizeof buf, &ack, &len), HFW_OK);
    broker_.publish("hearth/v1/plug-7/ack", buf, false);
    publish_reading();
  }

  // A power cut: the broker notices the dropped connection and publishes the will.
  void kill() {
    dead_ = true;
    broker_.drop(Party::device);
    if (!faults_.no_will) broker_.publish("hearth/v1/plug-7/status", R"({"state":"offline"})", true);
  }

  bool fridge_on() const { return relays_[1].on != 0; }

 private:
  static constexpr const char* BOOT = "0badf00d";

  void publish_reading() {
    char buf[HFW_MAX_PAYLOAD + 1];
    hfw_reading r;
    hfw_reading_begin(&r, buf, sizeof buf, BOOT, seq_++, 0);
    hfw_reading_flag(&r, 0, HFW_RELAY_ON, relays_[0].on);
    hfw_reading_number(&r, 0, HFW_POWER_W, relays_[0].on ? 60.0 : 0.0);
    hfw_reading_flag(&r, 1, HFW_RELAY_ON, relays_[1].on);
    energy_kwh_ += faults_.energy_backwards ? -0.5 : 0.5;
    hfw_reading_energy(&r, 1, 100.0 + energy_kwh_, BOOT);
    hfw_reading_flag(&r, 2, HFW_MOTION, 0);
    std::size_t len = 0;
    ASSERT_EQ(hfw_reading_end(&r, &len), HFW_OK);
    std::string payload(buf, len);
    if (faults_.units) payload.replace(payload.find("\"kWh\""), 5, "\"Wh\"");
    broker_.publish("hearth/v1/plug-7/reading", payload, faults_.retain_readings);
  }

  Broker& broker_;
  Faults faults_;
  hfw_relay relays_[2];
  std::uint32_t seq_ = 0;
  double energy_kwh_ = 0.0;
  TimePoint next_reading_{};
  bool dead_ = false;
};

struct Outcome {
  bool passed = false;
  std::vector<CheckResult> results;
  std::string report;
  bool fridge_on = false;

  Verdict verdict(std::string_view check_prefix) const {
    for (const auto& r : results) {
      if (r.name.starts_with(check_prefix)) return r.verdict;
    }
    ADD_FAILURE() << "no check named " << check_prefix;
    return Verdict::skip;
  }
  std::string detail(std::string_view check_prefix) const {
    for (const auto& r : results) {
      if (r.name.starts_with(check_prefix)) return r.detail;
    }
    return "";
  }
};

// Runs the suite against the device on a simulated clock: 100 ms ticks, every 10 s step timeout.
Outcome run_suite(Faults faults, bool power_cut = false, bool device_first = true) {
  Broker broker;
  Device device(broker, faults);
  TimePoint now = hearth::core::from_epoch_ms(1'767'225'600'000);
  if (device_first) device.connect(now);  // usually the device was running before the suite started
  hearth::fw::ConformanceOptions options{"plug-7", 10s, true};
  Conformance::PowerCut cut;
  if (power_cut) cut = [&] { device.kill(); };
  Conformance suite(
      options, [&](const hearth::fw::Outgoing& m) { broker.publish(m.topic, m.payload, false); },
      [&](const std::string& filter) { broker.subscribe(Party::suite, filter); }, cut);
  for (const auto& f : suite.subscriptions()) broker.subscribe(Party::suite, f);
  if (!device_first) device.connect(now);  // its retained messages reach the suite live, flag cleared
  for (int i = 0; i < 20000 && !suite.done(); ++i) {
    Broker::Delivery d;
    while (broker.pop(d)) {
      if (d.to == Party::device) {
        device.deliver(d);
      } else {
        suite.on_message({d.topic, d.payload, d.retained, now});
      }
    }
    suite.on_tick(now);
    device.tick(now);
    now += 100ms;
  }
  EXPECT_TRUE(suite.done());
  return Outcome{suite.passed(), suite.results(), suite.report(), device.fridge_on()};
}

TEST(Conformance, AConformingDevicePassesEveryCheck) {
  const Outcome o = run_suite({}, /*power_cut=*/true);
  EXPECT_TRUE(o.passed) << o.report;
  EXPECT_EQ(o.results.size(), 13U);
  for (const auto& r : o.results) EXPECT_EQ(r.verdict, Verdict::pass) << r.name << ": " << r.detail;
  EXPECT_NE(o.report.find("CONFORMS"), std::string::npos);
  EXPECT_TRUE(o.fridge_on);
}

TEST(Conformance, WithoutAPowerCutTheWillIsSkippedNotFailed) {
  const Outcome o = run_suite({});
  EXPECT_TRUE(o.passed) << o.report;
  EXPECT_EQ(o.verdict("last will"), Verdict::skip);
}

TEST(Conformance, AnEssentialRelayThatSwitchesOffFailsAndIsSwitchedBackOn) {
  Faults f;
  f.essential = true;
  const Outcome o = run_suite(f);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.verdict("essential relay refuses"), Verdict::fail) << o.report;
  EXPECT_NE(o.detail("essential relay refuses").find("SWITCHED OFF"), std::string::npos);
  EXPECT_TRUE(o.fridge_on);  // the suite restored it
  EXPECT_EQ(o.verdict("switchable relay"), Verdict::pass);
  EXPECT_NE(o.report.find("DOES NOT CONFORM"), std::string::npos);
}

TEST(Conformance, WrongUnitsBreakTheContract) {
  Faults f;
  f.units = true;
  const Outcome o = run_suite(f);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.verdict("every message follows"), Verdict::fail);
  EXPECT_NE(o.detail("every message follows").find("readings[3].unit wrong_unit"), std::string::npos)
      << o.detail("every message follows");
  EXPECT_EQ(o.verdict("essential relay refuses"), Verdict::pass);
}

TEST(Conformance, RetainedReadingsAreFound) {
  Faults f;
  f.retain_readings = true;
  const Outcome o = run_suite(f);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.verdict("no retained"), Verdict::fail) << o.report;
  EXPECT_NE(o.detail("no retained").find("reading"), std::string::npos);
}

TEST(Conformance, RetainedReadingsAreFoundAlsoWhenFirstSeenLive) {
  Faults f;
  f.retain_readings = true;
  const Outcome o = run_suite(f, false, /*device_first=*/false);  // only the probe sees the retain flag
  EXPECT_EQ(o.verdict("no retained"), Verdict::fail) << o.report;
}

TEST(Conformance, AMissingWillFailsOnlyWithAPowerCut) {
  Faults f;
  f.no_will = true;
  const Outcome o = run_suite(f, true);
  EXPECT_EQ(o.verdict("last will"), Verdict::fail) << o.report;
  EXPECT_FALSE(o.passed);
  EXPECT_TRUE(run_suite(f, false).passed);  // undetectable without cutting the device off
}

TEST(Conformance, ADeviceThatNeverAcknowledgesFailsTheCommandChecks) {
  Faults f;
  f.no_ack = true;
  const Outcome o = run_suite(f);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.verdict("switchable relay"), Verdict::fail);
  EXPECT_EQ(o.verdict("essential relay refuses"), Verdict::fail);
  EXPECT_EQ(o.verdict("missing relay"), Verdict::fail);
  EXPECT_EQ(o.verdict("malformed command"), Verdict::skip);  // nothing to compare with
  EXPECT_EQ(o.verdict("describe"), Verdict::pass);
}

TEST(Conformance, ASilentDeviceFailsObservationAndSkipsCommands) {
  Faults f;
  f.silent = true;
  const Outcome o = run_suite(f);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.verdict("describe"), Verdict::fail);
  EXPECT_EQ(o.verdict("status"), Verdict::fail);
  EXPECT_EQ(o.verdict("reading messages"), Verdict::fail);
  EXPECT_EQ(o.verdict("switchable relay"), Verdict::skip);
  EXPECT_EQ(o.verdict("essential relay refuses"), Verdict::skip);
}

TEST(Conformance, AnEnergyCounterGoingBackwardsIsCaught) {
  Faults f;
  f.energy_backwards = true;
  const Outcome o = run_suite(f);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.verdict("energy counters"), Verdict::fail) << o.report;
}

TEST(Conformance, ADeviceThatConnectsAfterTheSuiteIsJudgedByTheProbeSubscription) {
  const Outcome o = run_suite({}, false, /*device_first=*/false);
  EXPECT_TRUE(o.passed) << o.report;
  Faults f;
  f.describe_not_retained = true;
  const Outcome late = run_suite(f, false, false);
  EXPECT_EQ(late.verdict("describe"), Verdict::fail) << late.report;
  EXPECT_EQ(late.verdict("status"), Verdict::pass);
  EXPECT_EQ(run_suite(f).verdict("describe"), Verdict::fail);
}

TEST(Conformance, RepeatedViolationsAreCountedOnce) {
  Faults f;
  f.units = true;
  const std::string detail = run_suite(f).detail("every message follows");
  EXPECT_EQ(detail.find("wrong_unit"), detail.rfind("wrong_unit")) << detail;
  EXPECT_NE(detail.find("reading: readings[3].unit wrong_unit (x"), std::string::npos) << detail;
}

}  // namespace
