#pragma once
// Rate-limits log lines per key, so a device flooding bad payloads cannot flood the journal.
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace hearth::gateway {

class LogLimiter {
 public:
  explicit LogLimiter(std::chrono::seconds interval = std::chrono::seconds{60}, std::size_t max_keys = 1024)
      : interval_(interval), max_keys_(max_keys) {}

  // True when a line for `key` may be logged now; *suppressed gets how many were skipped since.
  bool allow(const std::string& key, std::chrono::steady_clock::time_point now, std::uint64_t* suppressed);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point last;
    std::uint64_t suppressed = 0;
  };
  std::chrono::seconds interval_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace hearth::gateway
