#pragma once
// Runs everything a simulated home sends through Hearth's real drivers (DriverSet::make_default,
// the gateway's dispatch order) and keeps what they made of it.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "drivers/driver_set.h"
#include "sim/simulator.h"

namespace hearth::sim::test {

struct Seen {
  sim::WallTime at{0};
  std::string device_id;
  core::Metric metric = core::Metric::power_w;
  double value = 0.0;
};

class DriverSink {
 public:
  DriverSink() : drivers_(drivers::DriverSet::make_default(drivers::DriverOptions{})) {}

  void feed(const std::vector<Outgoing>& out, WallTime at) {
    for (const auto& o : out) feed_one(o, at);
  }

  void feed_one(const Outgoing& o, WallTime at) {
    messages.push_back(o);
    const auto d = drivers_.decode(drivers::Message{o.topic, o.payload, o.retain, core::from_epoch_ms(at.count())});
    if (d.driver.empty()) {
      ADD_FAILURE() << "no driver claimed " << o.topic << " " << o.payload;
      return;
    }
    if (d.decoded.outcome == drivers::Outcome::rejected)
      ADD_FAILURE() << d.driver << " rejected " << o.topic << " " << o.payload << ": " << d.decoded.reject_reason;
    for (const auto& issue : d.decoded.issues) {
      // A refusal of an essential relay is the contract at work, not a bad payload.
      if (issue.reason == "refused_essential") {
        ++refusals;
        continue;
      }
      ADD_FAILURE() << d.driver << " issue on " << o.topic << " " << o.payload << ": " << issue.field << " "
                    << issue.reason;
    }
    for (const auto& r : d.decoded.readings) {
      seen.push_back(Seen{at, r.device_id, r.metric, r.value});
      latest[{r.device_id, r.metric}] = r.value;
    }
    driver_of[o.topic] = std::string(d.driver);
    for (const auto& info : d.decoded.devices) devices[info.device_id] = info;
  }

  bool has(const std::string& device, core::Metric m) const { return latest.count({device, m}) > 0; }
  double value(const std::string& device, core::Metric m) const {
    const auto it = latest.find({device, m});
    return it == latest.end() ? -1e9 : it->second;
  }
  std::vector<Seen> of(const std::string& device, core::Metric m) const {
    std::vector<Seen> out;
    for (const auto& s : seen) {
      if (s.device_id == device && s.metric == m) out.push_back(s);
    }
    return out;
  }
  std::optional<drivers::Outbound> relay_command(const std::string& device, bool on) const {
    return drivers_.relay_command(device, on);
  }

  std::vector<Outgoing> messages;
  std::vector<Seen> seen;
  std::map<std::pair<std::string, core::Metric>, double> latest;
  std::map<std::string, std::string> driver_of;        // topic -> the driver that claimed it last
  std::map<std::string, drivers::DeviceInfo> devices;  // what devices announced about themselves
  int refusals = 0;

 private:
  drivers::DriverSet drivers_;
};

// Connects every link, then advances in `tick` steps until `until`, feeding the sink.
inline void run(Simulator& sim, DriverSink& sink, WallTime until, WallTime tick = WallTime{500},
                WallTime from = WallTime{0}) {
  if (from.count() == 0) {
    for (const auto& l : sim.links()) sink.feed(sim.on_connected(l.key, from), from);
  }
  for (WallTime t = from + tick; t <= until; t += tick) {
    auto step = sim.advance(t);
    sink.feed(step.messages, t);
    for (const auto& [key, up] : step.links) {
      if (up) sink.feed(sim.on_connected(key, t), t);
    }
  }
}

inline std::unique_ptr<Simulator> make_sim(SimOptions opt) {
  auto sim = Simulator::create(std::move(opt));
  if (!sim) {
    ADD_FAILURE() << sim.error().message;
    return nullptr;
  }
  return std::move(*sim);
}

}  // namespace hearth::sim::test
