#pragma once
// RuleEngine: owns the rules built from a RulesConfig, fans readings and ticks out to them, and
// turns their raises and clears into AlertEvents through the AlertManager.
//
// Gateway wiring: Pipeline::set_reading_handler -> on_reading(reading); a steady timer (every few
// seconds, at most max_tick_gap apart) -> on_tick(now). Both return what happened; persist the
// events before publishing them (see alert_manager.h), then send any switch-off requests.
// Not thread-safe: call from the logic thread only.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/reading.h"
#include "rules/alert_manager.h"
#include "rules/rule.h"
#include "rules/rules_config.h"
#include "rules/wellbeing_rule.h"

namespace hearth::rules {

// Device facts and latest values, supplied by the gateway (over its DeviceRegistry). Contract:
// when on_reading(r) is called, latest() already includes r (the pipeline updates the registry
// before calling its reading handler).
class FactsProvider {
 public:
  virtual const DeviceFacts* device(std::string_view device_id) const = 0;
  virtual std::optional<LatestValue> latest(std::string_view device_id, core::Metric metric) const = 0;

 protected:
  ~FactsProvider() = default;
};

// A FactsProvider in memory, for tests and the replay tool. Bounded by max_devices.
class InMemoryFacts final : public FactsProvider {
 public:
  explicit InMemoryFacts(std::size_t max_devices = 2000) : max_devices_(max_devices) {}
  void set_device(DeviceFacts facts);
  // Keeps the newest value per device and metric (older timestamps are ignored).
  void record(const core::Reading& reading);
  const DeviceFacts* device(std::string_view device_id) const override;
  std::optional<LatestValue> latest(std::string_view device_id, core::Metric metric) const override;

 private:
  std::size_t max_devices_;
  std::map<std::string, DeviceFacts, std::less<>> devices_;
  std::map<std::pair<std::string, core::Metric>, LatestValue> latest_;
};

struct SwitchOffRequest {
  std::string device_id;
  std::string alert_id;  // the alert that asked for it; a failed switch-off should raise its own alert
  core::TimePoint at{};
};

struct EngineOutput {
  std::vector<AlertEvent> events;
  std::vector<SwitchOffRequest> switch_offs;
  // Activity events completed by this call (wellbeing): the gateway appends them to its history.
  // Each is final; persisting them is optional (the learned routine does not depend on them).
  std::vector<ActivityEvent> activity{};
};

struct EngineStats {
  std::uint64_t readings = 0;
  std::uint64_t retained_ignored = 0;
  std::uint64_t ticks = 0;
  std::uint64_t ticks_backwards = 0;       // ignored: time went back (clock stepped)
  std::uint64_t observation_restarts = 0;  // forward jumps or gaps longer than max_tick_gap
};

struct EngineConfig {
  AlertManagerConfig alerts;
  // Time moving forward by more than this between calls is a clock step or a suspended gateway:
  // absence-based rules restart their count (ctx.observing_since()).
  std::chrono::minutes max_tick_gap{5};
};

class RuleEngine final : private RuleContext {
 public:
  // facts must outlive the engine.
  RuleEngine(const RulesConfig& config, const FactsProvider& facts, EngineConfig engine = {});

  // Readings delivered from the broker's retained store (age unknown) are ignored.
  EngineOutput on_reading(const core::Reading& reading);
  EngineOutput on_tick(core::TimePoint now);

  // After a restart, before the first reading: the open alerts from the database.
  void restore(std::vector<core::Alert> open_alerts) { alerts_.restore(std::move(open_alerts)); }
  // Carer actions (API / MQTT) go straight to the manager; persist the returned event.
  AlertManager& alerts() { return alerts_; }
  const AlertManager& alerts() const { return alerts_; }
  // The gateway's clock status, as of the next tick (see RuleContext::clock_synchronised).
  void set_clock_synchronised(std::optional<bool> synchronised) { clock_synchronised_ = synchronised; }
  const EngineStats& stats() const { return stats_; }
  std::size_t rule_count() const { return rules_.size() + (wellbeing_ ? 1 : 0); }

  // Wellbeing (see wellbeing_rule.h). The householder's away switch; returns the alerts it clears.
  EngineOutput set_away(bool away);
  // nullptr when wellbeing is disabled. save_state()/routine_to_json() for persistence and the API.
  const WellbeingRule* wellbeing() const { return wellbeing_.get(); }
  // After a restart (or a config reload, which builds a new engine): the saved learned state.
  core::Result<void> restore_wellbeing(const nlohmann::json& state);

 private:
  bool advance(core::TimePoint t);
  void note_activity(const core::Reading& r);
  EngineOutput take_output();

  // RuleContext
  core::TimePoint now() const override { return now_; }
  core::TimePoint observing_since() const override { return observing_since_; }
  const DeviceFacts* device(std::string_view device_id) const override { return facts_.device(device_id); }
  std::optional<LatestValue> latest(std::string_view device_id, core::Metric metric) const override {
    return facts_.latest(device_id, metric);
  }
  std::optional<core::TimePoint> last_motion(std::string_view room) const override;
  std::optional<core::TimePoint> last_activity() const override { return last_activity_; }
  std::optional<bool> clock_synchronised() const override { return clock_synchronised_; }
  void raise(AlertCandidate candidate) override;
  void clear(const std::string& alert_id, core::TimePoint at) override;
  void request_switch_off(const std::string& device_id, const std::string& alert_id) override;

  const FactsProvider& facts_;
  InactivityConfig activity_config_;
  EngineConfig config_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::unique_ptr<WellbeingRule> wellbeing_;  // fed after the other rules; nullptr when disabled
  AlertManager alerts_;
  bool started_ = false;
  core::TimePoint now_{};
  core::TimePoint observing_since_{};
  std::map<std::string, core::TimePoint, std::less<>> last_motion_;  // by room ("" = anywhere)
  std::optional<core::TimePoint> last_activity_;
  std::optional<bool> clock_synchronised_;
  std::map<std::string, double, std::less<>> last_power_w_;  // for "rising above" appliance use
  EngineOutput pending_;
  EngineStats stats_;
};

}  // namespace hearth::rules
