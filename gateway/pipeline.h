#pragma once
// One message's way through the gateway: size check -> duplicate check -> driver -> validation
// -> energy counter -> device registry -> store. Runs on the io_context thread. Bad input is
// counted by reason and logged rate-limited; it never throws and never drops the good readings
// decoded from the same message.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>

#include "core/reading.h"
#include "drivers/driver_set.h"
#include "gateway/config.h"
#include "gateway/device_registry.h"
#include "gateway/log_limiter.h"
#include "gateway/store.h"

namespace hearth::gateway {

struct InboundMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
  core::TimePoint received{};
};

struct IngestCounters {
  std::uint64_t received = 0;
  std::uint64_t decoded = 0;                          // messages a driver used
  std::uint64_t ignored = 0;                          // messages a driver owns but deliberately skips (commands, logs)
  std::uint64_t readings = 0;                         // readings accepted for storage
  std::uint64_t retained_not_stored = 0;              // retained replays: update state, not the time series
  std::map<std::string, std::uint64_t> rejected;      // whole messages, by reason
  std::map<std::string, std::uint64_t> field_issues;  // single fields, by reason
  std::map<std::string, std::uint64_t> by_driver;
  std::uint64_t clock_jumps_back = 0;
  std::uint64_t clock_jumps_forward = 0;
};

class Pipeline {
 public:
  using SubscribeFn = std::function<void(const std::string& filter)>;
  // Called for every accepted reading, after it is queued for storage (rules and live views hook here).
  using ReadingFn = std::function<void(const core::Reading&, const Device&)>;

  Pipeline(drivers::DriverSet& drivers, Store& store, DeviceRegistry& registry, IngestConfig config,
           SubscribeFn subscribe);

  void on_message(const InboundMessage& msg);
  void set_reading_handler(ReadingFn fn) { on_reading_ = std::move(fn); }
  // Called for every accepted energy_kwh total, after the reading handler, with the step the
  // energy counter took and the driver's counter_reset flag kept on the reading (the copy that is
  // stored and given to the reading handler has it cleared). The energy ledger needs both.
  using EnergyFn = std::function<void(const core::Reading& total, core::EnergyStep step, const Device&)>;
  void set_energy_handler(EnergyFn fn) { on_energy_ = std::move(fn); }
  void set_config(const IngestConfig& config) { config_ = config; }
  // Off when message times come from a recording rather than the wall clock.
  void set_clock_step_detection(bool on) { detect_clock_steps_ = on; }
  const IngestCounters& counters() const { return counters_; }
  // Restores devices, energy counters and latest values from the store after a restart.
  core::Result<void> restore();

 private:
  void reject(const InboundMessage& msg, std::string_view reason, std::string_view driver);
  bool is_duplicate(const InboundMessage& msg);
  void note_clock(core::TimePoint received);
  void accept(core::Reading reading, std::string_view driver);
  bool validate(const core::Reading& r, std::string& reason) const;
  bool apply_energy(core::Reading& r, Device& device, core::EnergyStep& step);
  void note_online(Device& device, bool online);

  drivers::DriverSet& drivers_;
  Store& store_;
  DeviceRegistry& registry_;
  IngestConfig config_;
  SubscribeFn subscribe_;
  ReadingFn on_reading_;
  EnergyFn on_energy_;
  IngestCounters counters_;
  bool detect_clock_steps_ = true;
  LogLimiter log_limiter_;
  struct LastPayload {
    std::size_t hash = 0;
    core::TimePoint at{};
  };
  std::unordered_map<std::string, LastPayload> last_payload_;
  std::unordered_map<std::string, core::TimePoint> last_series_ts_;  // time the series' last reading was stored under
  // Wall vs steady clock, to notice the wall clock being stepped (NTP sync on a Pi without RTC).
  std::optional<std::pair<core::TimePoint, std::chrono::steady_clock::time_point>> clock_ref_;
};

}  // namespace hearth::gateway
