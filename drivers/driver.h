#pragma once
// The one interface every device ecosystem implements. A driver is a pure decoder: it never owns
// the MQTT connection (the gateway injects messages and publishes what it returns), keeps only
// the per-device state its format needs (Shelly NotifyStatus overlays, learned discovery), and
// never throws across this boundary.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/reading.h"

namespace hearth::drivers {

struct Message {
  std::string_view topic;
  std::string_view payload;
  bool retained = false;  // delivered from the broker's retained store: unknown age
  core::TimePoint received{};
};

// Stable snake_case reason codes; the gateway counts rejections by these.
namespace reason {
inline constexpr std::string_view MALFORMED_JSON = "malformed_json";
inline constexpr std::string_view WRONG_TYPE = "wrong_type";
inline constexpr std::string_view NON_FINITE = "non_finite";
inline constexpr std::string_view NEGATIVE_POWER = "negative_power";
inline constexpr std::string_view OUT_OF_RANGE = "out_of_range";
inline constexpr std::string_view NO_VALUE = "no_value";    // null/None/nan/sentinel: "no reading", not 0
inline constexpr std::string_view SELF_TEST = "self_test";  // e.g. Z2M smoke test:true
inline constexpr std::string_view UNKNOWN_PAYLOAD = "unknown_payload";
}  // namespace reason

// A field that could not become a reading; the rest of the message is still used.
struct FieldIssue {
  std::string device_id;
  std::string field;
  std::string reason;  // one of drivers::reason
};

struct DeviceInfo {
  std::string device_id;
  std::string model;
  std::string name;  // the device's own friendly name, if it announces one
  std::string firmware;
};

enum class Outcome : std::uint8_t {
  not_mine,  // another driver may take it
  decoded,   // mine; readings/devices/issues filled (readings may be empty, e.g. a partial update)
  ignored,   // mine, deliberately not used (our own commands echoed, logs, bridge events)
  rejected,  // mine, but unusable as a whole (malformed JSON, wrong type); reject_reason says why
};

struct Decoded {
  Outcome outcome = Outcome::not_mine;
  std::string reject_reason;
  std::vector<core::Reading> readings;
  std::vector<FieldIssue> issues;
  std::vector<DeviceInfo> devices;
  std::vector<std::string> subscribe;  // extra topic filters learned at run time (HA discovery)
};

struct Outbound {
  std::string topic;
  std::string payload;  // never published retained (retained commands cause ghost switching)
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string_view name() const = 0;  // "tasmota", "shelly_gen2": used in counters and logs
  // Topic filters to subscribe to at start-up.
  virtual std::vector<std::string> subscriptions() const = 0;
  // Decode one message. Must not throw; must return not_mine for topics it does not own.
  virtual Decoded decode(const Message& msg) = 0;
  // The command that switches a relay, if this driver knows the device and can switch it.
  virtual std::optional<Outbound> relay_command(std::string_view device_id, bool on) const = 0;
};

}  // namespace hearth::drivers
