#pragma once
// Hearth native driver: the firmware contract Hearth publishes for co-op sensor firmware
// (docs/firmware-contract.md; C side firmware-interface/include/hearth_fw.h; JSON Schemas in
// firmware-interface/schemas/). This decoder is also the validator of the conformance suite,
// so it is strict: anything outside the contract is refused with a reason naming the field.
//
// Topics (<id> = [a-z0-9][a-z0-9_-]{0,31}), subscribed as hearth/v1/+/<leaf>:
//   reading   {"boot","seq","ts"?,"readings":[{"ch"?,"metric","unit"?,"value","counter"?}]} -> readings
//   status    {"state":"online"|"offline","boot"?} (retained; also the last will)            -> online
//   describe  {"minor","model","firmware","boot","interval_s","power","caps":[...]} (retained) -> DeviceInfo
//   ack       {"id","relay","ok","on"?,"reason"?}  -> relay_on of the resulting state; a refusal is
//             also an issue "refused_<reason>" (refused_essential: the safety rule at work)
//   claim     {"model","firmware","code","key"}    -> pending_claims(); not a device until claimed
//   cmd       commands (ours, echoed back)         -> ignored
// hearth/v<N>/... with N != 1 is rejected (unsupported_version); any other hearth/<x>/... is
// hearthd's own home topic space and not_mine, which is why home ids v<N> are reserved.
//
// Device ids: "hearth:<id>" for channel 0, "hearth:<id>#<ch>" for channels 1-15.
// Units are the contract's and are checked, never converted: power_w W, energy_kwh kWh,
// voltage_v V, current_a A, temperature_c Cel, humidity_pct %RH, illuminance_lux lx, co_ppm ppm,
// battery_pct %EL, rssi_dbm dBm; boolean metrics (relay_on, motion, contact_open, smoke,
// co_detected, water_leak) carry no unit and a JSON boolean value.
// Energy: a sample's "counter" id changing marks counter_reset (the device restarted counting).
// Strictness: unknown fields and metrics are refused unless the device's describe declares a newer
// contract minor than this driver knows, in which case they are ignored (forward compatible).
// Per message: duplicate JSON keys, a repeated (ch, metric), seq not increasing within a boot,
// and metrics the describe did not declare are refused too.
// Relay command: {"id":"h<n>","relay":<ch>,"on":<bool>} on hearth/v1/<id>/cmd, QoS 1, never retained,
// only for relays the describe declared switchable, and never "off" for an essential one.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/driver.h"

namespace hearth::drivers {

namespace native {

inline constexpr std::string_view DEVICE_PREFIX = "hearth:";
inline constexpr int CONTRACT_MINOR = 0;
inline constexpr std::size_t MAX_PAYLOAD_BYTES = 1024;
inline constexpr std::size_t MAX_DESCRIBE_BYTES = 2048;
inline constexpr int MAX_CHANNEL = 15;
inline constexpr std::size_t MAX_DEVICES = 256;        // per-device state; beyond it: too_many_devices
inline constexpr std::size_t MAX_PENDING_CLAIMS = 32;  // oldest forgotten first

// Reason codes of this driver, besides the shared drivers::reason ones.
namespace why {
inline constexpr std::string_view UNKNOWN_TOPIC = "unknown_topic";
inline constexpr std::string_view UNSUPPORTED_VERSION = "unsupported_version";
inline constexpr std::string_view BAD_DEVICE_ID = "bad_device_id";
inline constexpr std::string_view TOO_LARGE = "too_large";
inline constexpr std::string_view DUPLICATE_KEY = "duplicate_key";
inline constexpr std::string_view UNKNOWN_FIELD = "unknown_field";
inline constexpr std::string_view MISSING_FIELD = "missing_field";
inline constexpr std::string_view BAD_VALUE = "bad_value";  // wrong pattern or enum value
inline constexpr std::string_view UNKNOWN_METRIC = "unknown_metric";
inline constexpr std::string_view WRONG_UNIT = "wrong_unit";
inline constexpr std::string_view UNDECLARED = "undeclared";  // not in the device's describe
inline constexpr std::string_view DUPLICATE_SAMPLE = "duplicate_sample";
inline constexpr std::string_view STALE_SEQ = "stale_seq";
inline constexpr std::string_view TOO_MANY_DEVICES = "too_many_devices";
inline constexpr std::string_view REFUSED_ESSENTIAL = "refused_essential";
inline constexpr std::string_view REFUSED_NOT_SWITCHABLE = "refused_not_switchable";
inline constexpr std::string_view REFUSED_NO_SUCH_RELAY = "refused_no_such_relay";
inline constexpr std::string_view REFUSED_FAILED = "refused_failed";
}  // namespace why

struct MetricSpec {
  std::string_view name;  // as on the wire; equals core::to_string(metric)
  std::string_view unit;  // empty for boolean metrics
  core::Metric metric;
  double min;  // inclusive plausibility range
  double max;
};
// The contract's metrics, in the order of hearth_fw.h's hfw_metric.
std::span<const MetricSpec> metric_specs();
const MetricSpec* find_metric(std::string_view name);

struct Capability {
  int ch = 0;
  core::Metric metric = core::Metric::power_w;
  bool switchable = false;  // relay_on only
  bool essential = false;   // relay_on only: never switched off remotely
};

struct Description {
  int minor = 0;
  std::string model;
  std::string firmware;
  std::string boot;
  int interval_s = 0;
  bool battery = false;
  std::vector<Capability> caps;

  const Capability* find(int ch, core::Metric metric) const;
};

struct ClaimRequest {
  std::string device_id;  // "hearth:<id>"
  std::string model;
  std::string firmware;
  std::string public_key_hex;  // X25519; hearthd seals the device's credentials to it
  core::TimePoint first_seen{};
  core::TimePoint last_seen{};
};

bool valid_device_id(std::string_view id);
bool valid_command_id(std::string_view id);
// "hearth/v1/<id>/<leaf>".
std::string topic(std::string_view native_id, std::string_view leaf);
// The command payload, for tools that must send what relay_command() would refuse (conformance).
std::string encode_command(std::string_view command_id, int relay, bool on);
// A claim code as typed by a person ("7k3q-m9tz", O for 0, I/L for 1) in the wire form, or "".
std::string normalise_claim_code(std::string_view typed);

}  // namespace native

class HearthNativeDriver final : public Driver {
 public:
  std::string_view name() const override { return "hearth"; }
  std::vector<std::string> subscriptions() const override;
  Decoded decode(const Message& msg) override;
  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const override;

  // The device's latest valid describe, by native id ("plug-7"); nullptr if none seen.
  const native::Description* description(std::string_view native_id) const;

  // Claim requests seen, newest last; the claim code is kept out of this list (it is a secret).
  std::vector<native::ClaimRequest> pending_claims() const;
  // Whether `typed` (as a person typed it) is the code the device sent; constant time.
  bool claim_code_matches(std::string_view device_id, std::string_view typed) const;
  void forget_claim(std::string_view device_id);

 private:
  struct DeviceState {
    std::optional<native::Description> description;
    std::string boot;  // of the last reading message
    std::optional<std::uint32_t> seq;
    std::array<std::string, native::MAX_CHANNEL + 1> counters;  // energy counter id per channel
  };
  struct PendingClaim {
    native::ClaimRequest request;
    std::string code;
  };
  struct Topic {
    std::string_view id;
    std::string_view leaf;
  };

  Decoded decode_reading(const Topic& t, const Message& msg);
  Decoded decode_status(const Topic& t, const Message& msg);
  Decoded decode_describe(const Topic& t, const Message& msg);
  Decoded decode_ack(const Topic& t, const Message& msg);
  Decoded decode_claim(const Topic& t, const Message& msg);
  DeviceState* state_for(std::string_view id);
  bool lenient(std::string_view id) const;

  std::map<std::string, DeviceState, std::less<>> devices_;
  std::vector<PendingClaim> claims_;
  mutable std::uint64_t commands_built_ = 0;  // command ids only correlate acks; no state depends on it
};

std::unique_ptr<HearthNativeDriver> make_hearth_native_driver();

}  // namespace hearth::drivers
