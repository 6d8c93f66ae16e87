#include "drivers/driver_support.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace hearth::drivers {

using core::Metric;

Decoded with_outcome(Outcome o, std::string_view why) {
  Decoded d;
  d.outcome = o;
  d.reject_reason = std::string(why);
  return d;
}

core::Reading make_reading(const Message& msg, std::string device, Metric metric, double value, bool counter_reset) {
  core::Reading r;
  r.device_id = std::move(device);
  r.metric = metric;
  r.value = value;
  r.ts = msg.received;
  r.counter_reset = counter_reset;
  r.retained = msg.retained;
  return r;
}

void add_issue(Decoded& out, std::string device, std::string_view field, std::string_view why) {
  out.issues.push_back(FieldIssue{std::move(device), std::string(field), std::string(why)});
}

std::string_view reason_for(NumberStatus status) {
  switch (status) {
    case NumberStatus::no_value:
      return reason::NO_VALUE;
    case NumberStatus::non_finite:
      return reason::NON_FINITE;
    case NumberStatus::ok:
    case NumberStatus::wrong_type:
      break;
  }
  return reason::WRONG_TYPE;
}

std::string_view flag_reason(const nlohmann::json& v) {
  return v.is_null() ? reason::NO_VALUE : (v.is_string() ? reason::UNKNOWN_PAYLOAD : reason::WRONG_TYPE);
}

std::optional<std::string_view> range_problem(Metric metric, double v) {
  switch (metric) {
    case Metric::power_w:
      return v < 0 ? std::optional{reason::NEGATIVE_POWER} : std::nullopt;
    case Metric::energy_kwh:
    case Metric::voltage_v:
    case Metric::current_a:
    case Metric::illuminance_lux:
    case Metric::smoke_density:
    case Metric::co_ppm:
      return v < 0 ? std::optional{reason::OUT_OF_RANGE} : std::nullopt;
    case Metric::humidity_pct:
    case Metric::battery_pct:
      return v < 0 || v > 100 ? std::optional{reason::OUT_OF_RANGE} : std::nullopt;
    case Metric::link_quality:
      return v < 0 || v > 255 ? std::optional{reason::OUT_OF_RANGE} : std::nullopt;
    case Metric::temperature_c:
      return v < -273.15 ? std::optional{reason::OUT_OF_RANGE} : std::nullopt;
    default:
      return std::nullopt;
  }
}

void emit_number(Decoded& out, const Message& msg, const std::string& device, std::string_view field, Metric metric,
                 const Number& n) {
  if (n.status != NumberStatus::ok) return add_issue(out, device, field, reason_for(n.status));
  if (const auto problem = range_problem(metric, n.value)) return add_issue(out, device, field, *problem);
  out.readings.push_back(make_reading(msg, device, metric, n.value));
}

std::string channel_id(const std::string& base, int index) {
  return index <= 0 ? base : base + "#" + std::to_string(index);
}

std::optional<ChannelRef> parse_channel_id(std::string_view device_id, std::string_view prefix) {
  if (!device_id.starts_with(prefix)) return std::nullopt;
  ChannelRef ref{device_id.substr(prefix.size()), 0};
  if (const auto hash = ref.native.find('#'); hash != std::string_view::npos) {
    const auto n = parse_index(ref.native.substr(hash + 1));
    if (!n || *n == 0) return std::nullopt;
    ref.index = *n;
    ref.native = ref.native.substr(0, hash);
  }
  return ref;
}

void Sink::reading(const std::string& device, Metric metric, double value, bool counter_reset) {
  out_.readings.push_back(make_reading(msg_, device, metric, value, counter_reset));
}

void Sink::issue(const std::string& device, std::string field, std::string_view why) {
  out_.issues.push_back({device, std::move(field), std::string(why)});
}

std::optional<double> Sink::number(const std::string& device, const std::string& field, const Number& n) {
  if (n.status == NumberStatus::ok) return n.value;
  issue(device, field, reason_for(n.status));
  return std::nullopt;
}

std::optional<double> Sink::number(const std::string& device, const std::string& field, const nlohmann::json& v) {
  return number(device, field, to_number(v));
}

void Sink::flag(const std::string& device, const std::string& field, const nlohmann::json& v, Metric metric) {
  if (const auto b = to_bool(v)) {
    reading(device, metric, *b ? 1.0 : 0.0);
  } else {
    issue(device, field, flag_reason(v));
  }
}

void Sink::power(const std::string& device, const std::string& field, double w) {
  if (w < 0.0) {
    issue(device, field, reason::NEGATIVE_POWER);
  } else {
    reading(device, Metric::power_w, w);
  }
}

void Sink::bounded(const std::string& device, const std::string& field, double v, Metric metric, double lo, double hi) {
  if (v < lo || v > hi) {
    issue(device, field, reason::OUT_OF_RANGE);
  } else {
    reading(device, metric, v);
  }
}

Decoded Sink::finish() && {
  const bool any = !out_.readings.empty() || !out_.issues.empty() || !out_.devices.empty();
  out_.outcome = any ? Outcome::decoded : Outcome::ignored;
  return std::move(out_);
}

}  // namespace hearth::drivers
