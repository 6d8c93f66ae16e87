#pragma once
// Helpers for the energy tests: instants on a fixed winter week, readings, and steady traces.
#include <chrono>
#include <string>

#include "core/reading.h"
#include "rules/energy_ledger.h"

namespace hearth::rules::energy::test {

using namespace std::chrono_literals;
using core::Metric;
using core::TimePoint;

// 2024-01-15 00:00 UTC (Monday; GMT, so local = UTC) + day/hour/minute.
inline TimePoint at(int day, int hh = 0, int mm = 0) {
  return core::from_epoch_ms(1'705'276'800'000LL + ((day * 24LL + hh) * 60 + mm) * 60'000LL);
}

// A UTC instant given as date and time.
inline TimePoint utc(int y, unsigned mo, unsigned d, int hh = 0, int mm = 0) {
  using namespace std::chrono;
  const sys_days day{year{y} / month{mo} / std::chrono::day{d}};
  return time_point_cast<milliseconds>(day + hours{hh} + minutes{mm});
}

inline core::Reading reading(const std::string& id, Metric m, double v, TimePoint t, bool reset = false) {
  return core::Reading{.device_id = id, .metric = m, .value = v, .ts = t, .counter_reset = reset, .retained = false};
}

inline EnergyDeviceFacts plug(const std::string& id, const std::string& kind, const std::string& room = "",
                              double rating_w = 3120.0, double calibration = 1.0) {
  EnergyDeviceFacts f;
  f.device.id = id;
  f.device.kind = kind;
  f.device.room = room;
  f.rating_w = rating_w;
  f.calibration_factor = calibration;
  return f;
}

// power_w every `step` over [from, to), value from f(t).
template <typename F>
void feed_power(EnergyLedger& ledger, const std::string& id, TimePoint from, TimePoint to, std::chrono::minutes step,
                F&& f) {
  for (TimePoint t = from; t < to; t += step) ledger.on_reading(reading(id, Metric::power_w, f(t), t));
}

inline void feed_constant(EnergyLedger& ledger, const std::string& id, TimePoint from, TimePoint to, double w,
                          std::chrono::minutes step = 1min) {
  feed_power(ledger, id, from, to, step, [w](TimePoint) { return w; });
}

inline double day_kwh(const EnergyLedger& ledger, const std::string& id, Day day) {
  const DeviceDay* d = ledger.device_day(id, day);
  return d == nullptr ? 0.0 : d->kwh.total();
}

}  // namespace hearth::rules::energy::test
