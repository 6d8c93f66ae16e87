#pragma once
// Joins the rule engine to the gateway: feeds it readings and ticks, gives it device facts from
// the registry, and handles every alert event in the one order that never loses an alert:
// written to the database and committed first, then published (retained MQTT state, listeners).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "drivers/driver.h"
#include "gateway/device_registry.h"
#include "gateway/store.h"
#include "rules/rule_engine.h"

namespace hearth::gateway {

class Alerting {
 public:
  // publish(topic, payload, retained): the MQTT client's publish, or a test double.
  using PublishFn = std::function<void(const std::string& topic, const std::string& payload, bool retain)>;

  Alerting(std::string home_id, const DeviceRegistry& registry, Store& store, PublishFn publish,
           const rules::RulesConfig& config = {});
  ~Alerting();

  // Builds the relay command for a device (DriverSet::relay_command), or nullopt if it cannot be switched.
  using CommandFn = std::function<std::optional<drivers::Outbound>(const std::string& device_id, bool on)>;

  // Every alert event is also written to the outbox on these channels, in the same transaction as
  // the alert; after_commit runs once such messages are committed (to wake the senders).
  void set_outbox(std::vector<std::string> channels, std::function<void()> after_commit);
  // A channel delivered an alert event: a raised alert becomes "notified".
  void on_delivered(const std::string& payload, core::TimePoint now);
  // Automatic switch-off: the command is published (not retained) and must be confirmed by the
  // device reporting relay_on = 0 within confirm_within; otherwise a switch_off_failed alert is raised.
  void set_command_builder(CommandFn build, std::chrono::seconds confirm_within = std::chrono::seconds{30});
  // Told of every alert change after it is committed (the dashboard's live feed).
  void set_listener(std::function<void(const core::Alert&)> listener) { listener_ = std::move(listener); }
  // The householder pressed "ask for a call back": an info alert for the carers (one open at a time).
  core::Alert request_callback(const std::string& who, core::TimePoint now);
  // Wellbeing (rules/wellbeing_rule.h): the householder's away switch, the learned state to save and
  // restore (JSON text; nullopt while wellbeing is disabled) and the routine to show.
  void set_away(bool away, core::TimePoint now);
  std::optional<std::string> wellbeing_state() const;
  core::Result<void> restore_wellbeing(const std::string& state);
  std::optional<std::string> routine_json() const;
  void set_clock_synchronised(std::optional<bool> synchronised) { engine_->set_clock_synchronised(synchronised); }

  // New rules from a reloaded config; open alerts carry over, conditions in progress start again.
  // A new rule engine for a changed config. keep_learned false: the learned routine starts again
  // (after the householder erased the history it was learned from).
  void reconfigure(const rules::RulesConfig& config, bool keep_learned = true);
  // The householder's consent to alerts leaving the home: while false, alert events are not put
  // into the outbox (messages already there are still delivered: they were agreed to).
  void set_outbox_consent(bool alerts_may_leave) { outbox_consent_ = alerts_may_leave; }
  // Re-opens alerts that were open when hearthd stopped (they are not raised again).
  core::Result<std::size_t> restore();
  void on_reading(const core::Reading& reading);
  void on_tick(core::TimePoint now);
  core::Result<core::Alert> acknowledge(const std::string& id, const std::string& by, const std::string& note,
                                        core::TimePoint now);
  core::Result<core::Alert> resolve(const std::string& id, const std::string& by, const std::string& note,
                                    core::TimePoint now);
  // Handles "hearth/<home>/alerts/<id>/ack" and ".../resolve" ({"by":..., "note":...}). False if not such a topic.
  bool on_mqtt_command(const std::string& topic, const std::string& payload, core::TimePoint now);
  // Re-publishes every open alert's retained state (after a reconnect).
  void republish();

  const rules::RuleEngine& engine() const { return *engine_; }
  std::vector<core::Alert> open_alerts() const;
  std::vector<core::Alert> recent_alerts() const;  // open first, then recently closed
  std::string alert_topic(const std::string& id) const;
  std::string command_filter() const { return "hearth/" + home_id_ + "/alerts/+/+"; }

 private:
  class RegistryFacts;
  void handle(const rules::EngineOutput& out);
  void handle_event(const rules::AlertEvent& event);
  void switch_off(const rules::SwitchOffRequest& request);
  void switch_off_failed(const std::string& device_id, const std::string& reason, core::TimePoint now);
  void check_switch_off(const core::Reading& reading);
  void check_switch_off_deadlines(core::TimePoint now);

  struct PendingSwitchOff {
    std::string alert_id;
    core::TimePoint sent_at{};
  };

  std::string home_id_;
  Store& store_;
  PublishFn publish_;
  std::unique_ptr<RegistryFacts> facts_;
  std::unique_ptr<rules::RuleEngine> engine_;
  std::vector<std::string> outbox_channels_;
  bool outbox_consent_ = true;
  std::function<void()> after_commit_;
  CommandFn build_command_;
  std::chrono::seconds confirm_within_{30};
  std::map<std::string, PendingSwitchOff> switch_offs_;  // by device id
  std::function<void(const core::Alert&)> listener_;
};

// Alert ids contain ':' and '/'; in a topic level they are percent-encoded ('%', '/', '+', '#').
std::string encode_topic_level(const std::string& s);
std::string decode_topic_level(const std::string& s);

}  // namespace hearth::gateway
