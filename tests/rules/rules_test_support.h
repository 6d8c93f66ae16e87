#pragma once
// A simulated home for rule tests: in-memory facts, an engine, and a clock the test moves.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "rules/rule_engine.h"

namespace hearth::rules::sim {

using namespace std::chrono_literals;
using core::Metric;
using core::TimePoint;

// 2024-01-15 00:00 UTC (a Monday) + day/hour/minute.
inline TimePoint at(int hh, int mm = 0, int day = 0) {
  return core::from_epoch_ms(1'705'276'800'000LL + ((day * 24LL + hh) * 60 + mm) * 60'000LL);
}

class Home {
 public:
  explicit Home(RulesConfig config = default_rules_config(), EngineConfig engine = {})
      : config_(std::move(config)), engine_config_(engine) {
    restart();
  }

  // A new engine over the same facts, as after a gateway restart (rule state is lost).
  void restart() { engine_ = std::make_unique<RuleEngine>(config_, facts_, engine_config_); }

  void device(const std::string& id, const std::string& room, const std::string& kind = "other",
              bool switchable = false, bool essential = false) {
    facts_.set_device(
        {.id = id, .room = room, .kind = kind, .name = "", .essential = essential, .switchable = switchable});
  }

  std::vector<AlertEvent> feed(const std::string& id, Metric m, double v, TimePoint t, bool retained = false) {
    core::Reading r{.device_id = id, .metric = m, .value = v, .ts = t, .counter_reset = false, .retained = retained};
    facts_.record(r);
    return collect(engine_->on_reading(r));
  }

  std::vector<AlertEvent> tick(TimePoint t) {
    now_ = t;
    return collect(engine_->on_tick(t));
  }

  // Ticks every `step` from the last tick up to and including t.
  std::vector<AlertEvent> run_to(TimePoint t, std::chrono::minutes step = 1min) {
    std::vector<AlertEvent> out;
    for (TimePoint x = now_ + step; x <= t; x += step) {
      auto e = tick(x);
      out.insert(out.end(), e.begin(), e.end());
    }
    return out;
  }

  RuleEngine& engine() { return *engine_; }
  const std::vector<AlertEvent>& events() const { return events_; }
  const std::vector<SwitchOffRequest>& switch_offs() const { return switch_offs_; }
  void set_now(TimePoint t) { now_ = t; }

  std::size_t count(AlertEventType type, const std::string& id_prefix = "") const {
    std::size_t n = 0;
    for (const auto& e : events_) n += e.type == type && e.alert.id.starts_with(id_prefix) ? 1 : 0;
    return n;
  }

 private:
  std::vector<AlertEvent> collect(EngineOutput out) {
    events_.insert(events_.end(), out.events.begin(), out.events.end());
    switch_offs_.insert(switch_offs_.end(), out.switch_offs.begin(), out.switch_offs.end());
    return out.events;
  }

  RulesConfig config_;
  EngineConfig engine_config_;
  InMemoryFacts facts_;
  std::unique_ptr<RuleEngine> engine_;
  TimePoint now_ = at(0);
  std::vector<AlertEvent> events_;
  std::vector<SwitchOffRequest> switch_offs_;
};

}  // namespace hearth::rules::sim
