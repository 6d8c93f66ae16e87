#pragma once
// Assertions shared by the driver tests: exact reading and issue sets of a Decoded, with a dump of
// what the driver produced on failure. Header-only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drivers/driver.h"

namespace hearth::drivers::test {

using core::Metric;

struct Expected {
  std::string device;
  Metric metric;
  double value;
  bool reset = false;  // counter_reset
};

struct ExpectedIssue {
  ExpectedIssue(std::string device_id, std::string field_name, std::string_view why)
      : device(std::move(device_id)), field(std::move(field_name)), reason(why) {}
  std::string device;
  std::string field;
  std::string reason;
};

inline std::string dump(const Decoded& d) {
  std::ostringstream s;
  for (const auto& r : d.readings) {
    s << "\n  " << r.device_id << " " << to_string(r.metric) << "=" << r.value << (r.counter_reset ? " reset" : "");
  }
  for (const auto& i : d.issues) s << "\n  issue " << i.device_id << " " << i.field << " " << i.reason;
  return s.str();
}

// Exactly these readings (any order), each present once with its counter_reset flag and stamped
// with the receive time given at construction. A suite declares
// `const ReadingsAt has_readings{T0};` and asserts `EXPECT_TRUE(has_readings(d, {{id, metric, v}}))`.
class ReadingsAt {
 public:
  explicit ReadingsAt(core::TimePoint ts) : ts_(ts) {}

  testing::AssertionResult operator()(const Decoded& d, const std::vector<Expected>& expected) const {
    if (d.readings.size() != expected.size()) {
      return testing::AssertionFailure() << "expected " << expected.size() << " readings, got" << dump(d);
    }
    for (const auto& e : expected) {
      const auto n = std::count_if(d.readings.begin(), d.readings.end(), [&](const core::Reading& r) {
        return r.device_id == e.device && r.metric == e.metric && std::abs(r.value - e.value) < 1e-9 &&
               r.counter_reset == e.reset && r.ts == ts_;
      });
      if (n != 1) {
        return testing::AssertionFailure() << "missing " << e.device << " " << to_string(e.metric) << "=" << e.value
                                           << (e.reset ? " reset" : "") << "; got" << dump(d);
      }
    }
    return testing::AssertionSuccess();
  }

 private:
  core::TimePoint ts_;
};

// Exactly these issues (any order).
inline testing::AssertionResult has_issues(const Decoded& d, const std::vector<ExpectedIssue>& expected) {
  if (d.issues.size() != expected.size()) {
    return testing::AssertionFailure() << "expected " << expected.size() << " issues, got" << dump(d);
  }
  for (const auto& e : expected) {
    const bool found = std::any_of(d.issues.begin(), d.issues.end(), [&](const FieldIssue& i) {
      return i.device_id == e.device && i.field == e.field && i.reason == e.reason;
    });
    if (!found) {
      return testing::AssertionFailure() << "missing issue " << e.device << " " << e.field << " " << e.reason
                                         << dump(d);
    }
  }
  return testing::AssertionSuccess();
}

inline testing::AssertionResult has_one_issue(const Decoded& d, std::string_view device, std::string_view field,
                                              std::string_view why) {
  return has_issues(d, {{std::string(device), std::string(field), why}});
}

}  // namespace hearth::drivers::test
