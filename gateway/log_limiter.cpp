#include "gateway/log_limiter.h"

namespace hearth::gateway {

bool LogLimiter::allow(const std::string& key, std::chrono::steady_clock::time_point now, std::uint64_t* suppressed) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) entries_.clear();  // bounded: forget old keys rather than grow
    entries_.emplace(key, Entry{now, 0});
    if (suppressed != nullptr) *suppressed = 0;
    return true;
  }
  if (now - it->second.last < interval_) {
    ++it->second.suppressed;
    return false;
  }
  if (suppressed != nullptr) *suppressed = it->second.suppressed;
  it->second = Entry{now, 0};
  return true;
}

}  // namespace hearth::gateway
