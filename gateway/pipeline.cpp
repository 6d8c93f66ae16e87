#include "gateway/pipeline.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <functional>

namespace hearth::gateway {
namespace {

constexpr std::size_t MAX_TRACKED_TOPICS = 20'000;
constexpr auto CLOCK_STEP_TOLERANCE = std::chrono::seconds{2};
constexpr auto SAME_BURST = std::chrono::milliseconds{1000};

struct Range {
  double lo;
  double hi;
};

// Physically plausible ranges; a value outside is a device or unit fault, not a reading.
std::optional<Range> plausible_range(core::Metric m) {
  using core::Metric;
  switch (m) {
    case Metric::power_w:
      return Range{0.0, 100'000.0};
    case Metric::energy_kwh:
      return Range{0.0, 1.0e9};
    case Metric::voltage_v:
      return Range{0.0, 500.0};
    case Metric::current_a:
      return Range{0.0, 200.0};
    case Metric::temperature_c:
      return Range{-50.0, 100.0};
    case Metric::humidity_pct:
      return Range{0.0, 100.0};
    case Metric::illuminance_lux:
      return Range{0.0, 200'000.0};
    case Metric::battery_pct:
      return Range{0.0, 100.0};
    case Metric::link_quality:
      return Range{0.0, 255.0};
    case Metric::rssi_dbm:
      return Range{-150.0, 0.0};
    case Metric::co_ppm:
      return Range{0.0, 10'000.0};
    case Metric::smoke_density:
      return Range{0.0, 1.0e6};
    default:
      return std::nullopt;  // booleans are checked separately
  }
}

std::string series_key(const core::Reading& r) { return r.device_id + '\x1f' + std::string(core::to_string(r.metric)); }

}  // namespace

Pipeline::Pipeline(drivers::DriverSet& drivers, Store& store, DeviceRegistry& registry, IngestConfig config,
                   SubscribeFn subscribe)
    : drivers_(drivers), store_(store), registry_(registry), config_(config), subscribe_(std::move(subscribe)) {}

void Pipeline::reject(const InboundMessage& msg, std::string_view reason, std::string_view driver) {
  ++counters_.rejected[std::string(reason)];
  std::uint64_t suppressed = 0;
  const std::string key = std::string(reason) + '\x1f' + std::string(driver);
  if (log_limiter_.allow(key, std::chrono::steady_clock::now(), &suppressed)) {
    spdlog::warn("rejected message on '{}' ({} bytes): {}{}{}", msg.topic.substr(0, 200), msg.payload.size(), reason,
                 driver.empty() ? "" : " from driver " + std::string(driver),
                 suppressed > 0 ? " (" + std::to_string(suppressed) + " similar suppressed)" : "");
  }
}

bool Pipeline::is_duplicate(const InboundMessage& msg) {
  if (config_.duplicate_window.count() == 0 || msg.retained) return false;
  const std::size_t hash = std::hash<std::string>{}(msg.payload);
  if (last_payload_.size() >= MAX_TRACKED_TOPICS) last_payload_.clear();
  auto [it, inserted] = last_payload_.try_emplace(msg.topic, LastPayload{hash, msg.received});
  if (inserted) return false;
  const bool duplicate = it->second.hash == hash && msg.received >= it->second.at &&
                         msg.received - it->second.at < config_.duplicate_window;
  if (!duplicate) it->second = LastPayload{hash, msg.received};
  return duplicate;
}

void Pipeline::note_clock(core::TimePoint received) {
  if (!detect_clock_steps_) return;
  const auto steady = std::chrono::steady_clock::now();
  if (clock_ref_) {
    const auto wall_delta = received - clock_ref_->first;
    const auto steady_delta = std::chrono::duration_cast<std::chrono::milliseconds>(steady - clock_ref_->second);
    const auto skew = wall_delta - steady_delta;
    if (skew < -CLOCK_STEP_TOLERANCE) {
      ++counters_.clock_jumps_back;
      spdlog::warn("wall clock stepped back by {} ms; rollups from then on will be recomputed", -skew.count());
      store_.rewind_rollups(received);
      last_series_ts_.clear();
    } else if (skew > CLOCK_STEP_TOLERANCE) {
      ++counters_.clock_jumps_forward;
      spdlog::info("wall clock stepped forward by {} ms (e.g. NTP sync)", skew.count());
    }
  }
  clock_ref_.emplace(received, steady);
}

void Pipeline::on_message(const InboundMessage& msg) {
  ++counters_.received;
  if (msg.payload.size() > config_.max_payload_bytes) return reject(msg, "payload_too_large", "");
  if (is_duplicate(msg)) return reject(msg, "duplicate", "");
  note_clock(msg.received);
  const drivers::Message m{msg.topic, msg.payload, msg.retained, msg.received};
  drivers::Dispatch d = drivers_.decode(m);
  using drivers::Outcome;
  if (d.decoded.outcome == Outcome::not_mine) return reject(msg, "unknown_topic", "");
  ++counters_.by_driver[std::string(d.driver)];
  for (const auto& filter : d.decoded.subscribe) subscribe_(filter);
  if (d.decoded.outcome == Outcome::ignored) {
    ++counters_.ignored;
    return;
  }
  if (d.decoded.outcome == Outcome::rejected) {
    return reject(msg, d.decoded.reject_reason.empty() ? "rejected" : d.decoded.reject_reason, d.driver);
  }
  ++counters_.decoded;
  for (const auto& info : d.decoded.devices) {
    Device* dev = registry_.touch(info.device_id, d.driver, msg.received);
    if (dev == nullptr) continue;
    if (!info.model.empty()) dev->model = info.model;
    if (!info.firmware.empty()) dev->firmware = info.firmware;
    if (!info.name.empty()) dev->announced_name = info.name;
    store_.save_device({dev->id, dev->driver, dev->model, dev->firmware, dev->announced_name,
                        core::to_epoch_ms(dev->first_seen), core::to_epoch_ms(dev->last_seen)});
  }
  for (const auto& issue : d.decoded.issues) {
    ++counters_.field_issues[issue.reason];
    if (issue.reason == drivers::reason::NO_VALUE) continue;  // normal for sensors; counted, not logged
    std::uint64_t suppressed = 0;
    if (log_limiter_.allow(issue.reason + '\x1f' + issue.device_id, std::chrono::steady_clock::now(), &suppressed)) {
      spdlog::warn("{}: field '{}' not used: {}", issue.device_id, issue.field, issue.reason);
    }
  }
  for (auto& r : d.decoded.readings) accept(std::move(r), d.driver);
}

bool Pipeline::validate(const core::Reading& r, std::string& reason) const {
  if (!std::isfinite(r.value)) {
    reason = "non_finite";
    return false;
  }
  if (core::is_boolean(r.metric)) {
    if (r.value != 0.0 && r.value != 1.0) {
      reason = "out_of_range";
      return false;
    }
    return true;
  }
  if (r.metric == core::Metric::power_w && r.value < 0.0) {
    reason = "negative_power";
    return false;
  }
  if (auto range = plausible_range(r.metric); range && (r.value < range->lo || r.value > range->hi)) {
    reason = "out_of_range";
    return false;
  }
  return true;
}

void Pipeline::accept(core::Reading r, std::string_view driver) {
  std::string reason;
  if (!validate(r, reason)) {
    ++counters_.field_issues[reason];
    std::uint64_t suppressed = 0;
    if (log_limiter_.allow(reason + '\x1f' + r.device_id, std::chrono::steady_clock::now(), &suppressed)) {
      spdlog::warn("{}: {} value {} not used: {}", r.device_id, core::to_string(r.metric), r.value, reason);
    }
    return;
  }
  bool created = false;
  Device* device = registry_.touch(r.device_id, driver, r.ts, &created);
  if (device == nullptr) {
    ++counters_.field_issues["too_many_devices"];
    return;
  }
  if (created) {
    spdlog::info("new device {} (driver {})", r.device_id, driver);
    store_.save_device({device->id, device->driver, "", "", "", core::to_epoch_ms(r.ts), core::to_epoch_ms(r.ts)});
  }
  if (r.metric == core::Metric::online) note_online(*device, r.value != 0.0);
  if (r.retained) {
    // Last known value of unknown age: good for current state, wrong for the time series.
    ++counters_.retained_not_stored;
    device->latest[r.metric] = {r.value, r.ts, true};
    return;
  }
  auto& last_ts = last_series_ts_[series_key(r)];
  // Readings of one series received in the same millisecond (a backlog drained at once) are all
  // real: stamp each a millisecond after the previous rather than let the store drop them. Only a
  // small lag is closed this way; anything older is genuinely out of order.
  if (last_ts != core::TimePoint{} && r.ts <= last_ts && last_ts - r.ts < SAME_BURST) {
    r.ts = last_ts + std::chrono::milliseconds{1};
  }
  const bool in_order = r.ts >= last_ts;
  if (!in_order)
    ++counters_.field_issues["out_of_order"];
  else
    last_ts = r.ts;
  const bool restarted = r.counter_reset;
  core::EnergyStep step = core::EnergyStep::advance;
  if (r.metric == core::Metric::energy_kwh && (!in_order || !apply_energy(r, *device, step))) return;
  ++counters_.readings;
  store_.append(r);
  auto& latest = device->latest[r.metric];
  if (in_order || latest.retained) latest = {r.value, r.ts, false};
  if (on_reading_) on_reading_(r, *device);
  if (on_energy_ && r.metric == core::Metric::energy_kwh) {
    core::Reading total = r;
    total.counter_reset = restarted;
    on_energy_(total, step, *device);
  }
}

bool Pipeline::apply_energy(core::Reading& r, Device& device, core::EnergyStep& step) {
  const auto update = core::apply_energy_sample(device.energy, r.value, r.ts, r.counter_reset);
  step = update.step;
  store_.save_energy_counter(device.id, device.energy);
  switch (update.step) {
    case core::EnergyStep::implausible:
      ++counters_.field_issues["energy_implausible_jump"];
      spdlog::warn("{}: energy counter jumped to {} kWh, too fast to be real; held until confirmed", device.id,
                   r.value);
      return false;
    case core::EnergyStep::rewind:
      ++counters_.field_issues["energy_counter_rewind"];
      break;
    case core::EnergyStep::reset:
      ++counters_.field_issues["energy_counter_reset"];
      spdlog::info("{}: energy counter restarted (device reboot or reset); total kept at {:.3f} kWh", device.id,
                   update.total_kwh);
      break;
    default:
      break;
  }
  r.value = update.total_kwh;
  r.counter_reset = false;
  return true;
}

void Pipeline::note_online(Device& device, bool online) {
  if (device.online == online) return;
  const bool was_known = device.online.has_value();
  device.online = online;
  if (online)
    spdlog::info("{} is online{}", device.id, was_known ? " again" : "");
  else
    spdlog::warn("{} went offline", device.id);
}

core::Result<void> Pipeline::restore() {
  auto rows = store_.devices();
  if (!rows) return rows.error();
  for (const auto& row : *rows) {
    Device* d = registry_.touch(row.id, row.driver, core::from_epoch_ms(row.first_seen_ms));
    if (d == nullptr) break;
    d->model = row.model;
    d->firmware = row.firmware;
    d->announced_name = row.announced_name;
    d->last_seen = core::from_epoch_ms(row.last_seen_ms);
  }
  auto counters = store_.energy_counters();
  if (!counters) return counters.error();
  for (const auto& [id, state] : *counters) {
    if (Device* d = registry_.find(id)) d->energy = state;
  }
  auto latest = store_.latest_values();
  if (!latest) return latest.error();
  for (const auto& [id, r] : *latest) {
    if (Device* d = registry_.find(id)) {
      d->latest[r.metric] = {r.value, r.ts, false};
      last_series_ts_[series_key(r)] = r.ts;
      if (r.metric == core::Metric::online) d->online = r.value != 0.0;
    }
  }
  return {};
}

}  // namespace hearth::gateway
