#pragma once
// Reading and issue emission shared by the drivers: every reading is stamped with the gateway
// receive time and the message's retained flag; every field that cannot become a reading is a
// FieldIssue with a drivers::reason code. Drivers decide which helper fits their documented rules.
#include <exception>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/driver.h"
#include "drivers/json_util.h"

namespace hearth::drivers {

// A Decoded with only an outcome (and the reject reason, for rejected).
Decoded with_outcome(Outcome o, std::string_view why = {});

// Runs decode(), turning an escaping exception (e.g. allocation failure, nlohmann type confusion)
// into `rejected` with `why`: a driver must never throw across Driver::decode.
template <typename F>
Decoded decode_guarded(F&& decode, std::string_view why) {
  try {
    return decode();
  } catch (const std::exception&) {
    return with_outcome(Outcome::rejected, why);
  }
}

core::Reading make_reading(const Message& msg, std::string device, core::Metric metric, double value,
                           bool counter_reset = false);
void add_issue(Decoded& out, std::string device, std::string_view field, std::string_view why);

// no_value and non_finite keep their names; wrong_type (and ok, which has no issue) is wrong_type.
std::string_view reason_for(NumberStatus status);
// Why a value that to_bool() refused is not a boolean: null -> no_value, a string -> unknown_payload,
// anything else -> wrong_type.
std::string_view flag_reason(const nlohmann::json& v);

// Physically impossible values: negative power (negative_power), negative energy/voltage/current/
// illuminance/smoke density/CO ppm, humidity or battery outside 0-100, LQI outside 0-255,
// temperature below absolute zero (out_of_range). nullopt when the value is plausible.
std::optional<std::string_view> range_problem(core::Metric metric, double v);
// A number that is ok and passes range_problem() becomes a reading; otherwise an issue on `field`
// with reason_for(status) or the range problem.
void emit_number(Decoded& out, const Message& msg, const std::string& device, std::string_view field,
                 core::Metric metric, const Number& n);

// "<base>#<index>" for a channel; the base id itself for index <= 0.
std::string channel_id(const std::string& base, int index);
// "<prefix><native>" or "<prefix><native>#<n>" (n >= 1) -> {native, n or 0}; nullopt otherwise.
struct ChannelRef {
  std::string_view native;
  int index = 0;
};
std::optional<ChannelRef> parse_channel_id(std::string_view device_id, std::string_view prefix);

// Collects what one message yields.
class Sink {
 public:
  explicit Sink(const Message& msg) : msg_(msg) {}

  void reading(const std::string& device, core::Metric metric, double value, bool counter_reset = false);
  void issue(const std::string& device, std::string field, std::string_view why);
  // The number as a finite value, or nullopt after an issue saying why not (reason_for).
  std::optional<double> number(const std::string& device, const std::string& field, const Number& n);
  std::optional<double> number(const std::string& device, const std::string& field, const nlohmann::json& v);
  // A boolean (to_bool) reading, or an issue with flag_reason().
  void flag(const std::string& device, const std::string& field, const nlohmann::json& v, core::Metric metric);
  // A power_w reading, or a negative_power issue for w < 0.
  void power(const std::string& device, const std::string& field, double w);
  // A reading if lo <= value <= hi, else an out_of_range issue.
  void bounded(const std::string& device, const std::string& field, double v, core::Metric metric, double lo,
               double hi);
  Decoded& out() { return out_; }
  // decoded when the message yielded anything; otherwise mine but nothing usable (ignored).
  Decoded finish() &&;

 private:
  Decoded out_;
  Message msg_;  // for the receive time and retained flag
};

}  // namespace hearth::drivers
