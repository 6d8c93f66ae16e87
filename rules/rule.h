#pragma once
// The narrow interface between rules and the rest of Hearth. Rules see readings, device facts,
// latest values and an injected clock; they never see the store, MQTT or the wall clock.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/alert.h"
#include "core/reading.h"
#include "core/time.h"

namespace hearth::rules {

// What rules need to know about a device (the gateway fills it from its registry and config).
struct DeviceFacts {
  std::string id;
  std::string room;
  std::string kind = "other";  // kettle, fridge, tv, heater, cooker, microwave, washing_machine, medical, lamp, other
  std::string name;            // display name; rules fall back to id when empty
  bool essential = false;      // may never be switched off
  bool switchable = false;     // Hearth may switch it off

  const std::string& display_name() const { return name.empty() ? id : name; }
};

struct LatestValue {
  double value = 0.0;
  core::TimePoint ts{};
};

// What a rule asks the AlertManager to open (or to update, if that id is already open).
struct AlertCandidate {
  std::string id;  // "<rule>:<subject>"
  std::string rule;
  std::string kind;
  core::Severity severity = core::Severity::info;
  std::string device_id;
  std::string room;
  core::TimePoint trigger_ts{};
  std::string message_key;
  std::map<std::string, std::string> params;
  std::map<std::string, double> evidence;
  // An event rather than a condition (a door opened at night): there is nothing to "clear", so the
  // alert stays open until a carer resolves it, and a later event may raise it again at once.
  bool latching = false;
};

class RuleContext {
 public:
  // Current time from the injected clock; never goes backwards within one engine.
  virtual core::TimePoint now() const = 0;
  // Start of the current unbroken observation (engine start, restart, or after a clock jump or a
  // long gap between ticks). Rules that fire on absence of data or activity count from here, so a
  // restart or a clock step does not make everything "stale" at once.
  virtual core::TimePoint observing_since() const = 0;
  // nullptr when the device is unknown. The pointer is valid for the current call only.
  virtual const DeviceFacts* device(std::string_view device_id) const = 0;
  virtual std::optional<LatestValue> latest(std::string_view device_id, core::Metric metric) const = 0;
  // Last motion=1 in a room (empty room: anywhere), and last sign of life anywhere (motion, or an
  // appliance starting to draw power).
  virtual std::optional<core::TimePoint> last_motion(std::string_view room) const = 0;
  virtual std::optional<core::TimePoint> last_activity() const = 0;
  // Whether the gateway's wall clock is set from a time source (NTP); nullopt when not known
  // (replay, tests). Readings are stamped with this clock, so an unset one makes every time suspect.
  virtual std::optional<bool> clock_synchronised() const = 0;
  // Opens the alert, or updates its evidence when that id is already open.
  virtual void raise(AlertCandidate candidate) = 0;
  // The condition behind alert_id has ended. Harmless when nothing is open under that id.
  virtual void clear(const std::string& alert_id, core::TimePoint at) = 0;
  // Asks the gateway to switch a device off; the gateway sends the command and checks its
  // acknowledgement. Rules call it only for switchable, non-essential devices.
  virtual void request_switch_off(const std::string& device_id, const std::string& alert_id) = 0;

 protected:
  ~RuleContext() = default;
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string_view id() const = 0;
  // Called for every accepted, non-retained reading, in arrival order. Readings may be duplicated
  // or late; rules ignore them for durations.
  virtual void on_reading(const core::Reading& reading, RuleContext& ctx) = 0;
  // Called periodically (the gateway's timer, or the replay's simulated clock) for hold times and
  // "no data for N" conditions. ctx.now() never goes backwards between calls.
  virtual void on_tick(RuleContext& ctx) = 0;
};

}  // namespace hearth::rules
