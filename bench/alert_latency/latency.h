#pragma once
// Send and arrival times of numbered samples, and their latency percentiles. Samples are matched
// by number (taken from the topic or the alert id), never by arrival order.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "wire_mqtt.h"

namespace hearth::bench {

struct LatencySummary {
  std::size_t samples = 0;  // sent
  std::size_t lost = 0;     // sent, never arrived
  double p50_ms = 0.0;
  double p90_ms = 0.0;
  double p99_ms = 0.0;
  double max_ms = 0.0;
  double mean_ms = 0.0;
};

// Nearest-rank percentile (p in [0, 1]) of an ascending, non-empty vector.
double percentile(const std::vector<double>& ascending, double p);
LatencySummary summarise(std::vector<double> latencies_ms, std::size_t lost);

// Thread-safe: the sender records sends, a subscriber's reader thread records arrivals.
class SampleBook {
 public:
  explicit SampleBook(std::size_t size);

  void sent(std::size_t index, Clock::time_point t);
  // The first arrival of a sample counts; repeats and unknown numbers are ignored (false).
  bool arrived(std::size_t index, Clock::time_point t);
  // Samples in [first, first + count) that were sent and have arrived.
  std::size_t arrived_count(std::size_t first, std::size_t count) const;
  // Latencies of samples in [first, first + count); sent ones that never arrived count as lost.
  LatencySummary summary(std::size_t first, std::size_t count) const;

  // A wall-clock instant on the way (hearthd's trigger_ms: when it received the message).
  void waypoint(std::size_t index, std::int64_t epoch_ms);
  // Send -> waypoint and waypoint -> arrival for the arrived samples with a waypoint. wall_ms maps
  // a steady_clock instant to epoch milliseconds. The waypoint has 1 ms resolution (floored), so
  // its middle (+0.5 ms) is used.
  struct Legs {
    LatencySummary to_waypoint;
    LatencySummary from_waypoint;
  };
  Legs legs(std::size_t first, std::size_t count, const std::function<double(Clock::time_point)>& wall_ms) const;

  struct Record {
    std::optional<Clock::time_point> sent;
    std::optional<Clock::time_point> arrived;
    std::optional<std::int64_t> waypoint_ms;
  };
  Record record(std::size_t index) const;  // index < size

 private:
  mutable std::mutex mu_;
  std::vector<std::optional<Clock::time_point>> sent_;
  std::vector<std::optional<Clock::time_point>> arrived_;
  std::vector<std::optional<std::int64_t>> waypoint_ms_;
};

}  // namespace hearth::bench
