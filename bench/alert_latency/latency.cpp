#include "latency.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hearth::bench {

double percentile(const std::vector<double>& ascending, double p) {
  const auto n = ascending.size();
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n)));
  return ascending[std::clamp<std::size_t>(rank, 1, n) - 1];
}

LatencySummary summarise(std::vector<double> latencies_ms, std::size_t lost) {
  LatencySummary s;
  s.samples = latencies_ms.size() + lost;
  s.lost = lost;
  if (latencies_ms.empty()) return s;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  s.p50_ms = percentile(latencies_ms, 0.50);
  s.p90_ms = percentile(latencies_ms, 0.90);
  s.p99_ms = percentile(latencies_ms, 0.99);
  s.max_ms = latencies_ms.back();
  s.mean_ms = std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0) / static_cast<double>(latencies_ms.size());
  return s;
}

SampleBook::SampleBook(std::size_t size) : sent_(size), arrived_(size), waypoint_ms_(size) {}

void SampleBook::sent(std::size_t index, Clock::time_point t) {
  std::lock_guard lock(mu_);
  if (index < sent_.size()) sent_[index] = t;
}

bool SampleBook::arrived(std::size_t index, Clock::time_point t) {
  std::lock_guard lock(mu_);
  if (index >= arrived_.size() || arrived_[index]) return false;
  arrived_[index] = t;
  return true;
}

std::size_t SampleBook::arrived_count(std::size_t first, std::size_t count) const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (std::size_t i = first; i < first + count && i < sent_.size(); ++i) n += sent_[i] && arrived_[i] ? 1 : 0;
  return n;
}

LatencySummary SampleBook::summary(std::size_t first, std::size_t count) const {
  std::lock_guard lock(mu_);
  std::vector<double> latencies_ms;
  std::size_t lost = 0;
  for (std::size_t i = first; i < first + count && i < sent_.size(); ++i) {
    if (!sent_[i]) continue;
    if (!arrived_[i]) {
      ++lost;
      continue;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(*arrived_[i] - *sent_[i]).count());
  }
  return summarise(std::move(latencies_ms), lost);
}

SampleBook::Record SampleBook::record(std::size_t index) const {
  std::lock_guard lock(mu_);
  return {sent_.at(index), arrived_.at(index), waypoint_ms_.at(index)};
}

void SampleBook::waypoint(std::size_t index, std::int64_t epoch_ms) {
  std::lock_guard lock(mu_);
  if (index < waypoint_ms_.size() && !waypoint_ms_[index]) waypoint_ms_[index] = epoch_ms;
}

SampleBook::Legs SampleBook::legs(std::size_t first, std::size_t count,
                                  const std::function<double(Clock::time_point)>& wall_ms) const {
  std::lock_guard lock(mu_);
  std::vector<double> to, from;
  for (std::size_t i = first; i < first + count && i < sent_.size(); ++i) {
    if (!sent_[i] || !arrived_[i] || !waypoint_ms_[i]) continue;
    const double middle_ms = static_cast<double>(*waypoint_ms_[i]) + 0.5;
    to.push_back(middle_ms - wall_ms(*sent_[i]));
    from.push_back(wall_ms(*arrived_[i]) - middle_ms);
  }
  return {summarise(std::move(to), 0), summarise(std::move(from), 0)};
}

}  // namespace hearth::bench
