#pragma once
// Synthetic weeks for the wellbeing tests: one person living alone, with motion sensors in the
// kitchen, lounge, bedroom and bathroom, a kettle plug, an entrance door and a room thermometer
// that reports every 15 minutes (so the data is live even when nobody moves).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "rules_test_support.h"

namespace hearth::rules::sim {

// One day, in minutes since that day's local midnight (values past 1440 run into the next day).
struct DayPlan {
  std::optional<int> up_min = 7 * 60;  // nullopt: nobody gets up (nothing after the night)
  int bed_min = 22 * 60 + 30;
  bool kettle = true;
  int night_bathroom = 1;                  // bathroom trips at night (before getting up)
  int day_bathroom = 4;                    // bathroom visits in the day
  std::optional<std::pair<int, int>> out;  // leaves, comes back
  std::vector<int> night_lounge;           // extra lounge motion at these minutes (wandering)
  bool sensors_silent = false;             // nothing at all reported (hub offline)
};

struct Event {
  TimePoint t;
  std::string device;
  Metric metric;
  double value;
};

inline RulesConfig wellbeing_only(WellbeingConfig wellbeing = {}) {
  RulesConfig c = default_rules_config();
  c.thresholds.clear();
  c.safety.enabled = false;
  c.appliance_left_on.enabled = false;
  c.inactivity.enabled = false;
  c.night_door.enabled = false;
  c.device_health.enabled = false;
  c.wellbeing = std::move(wellbeing);
  return c;
}

class WellbeingHome : public Home {
 public:
  explicit WellbeingHome(WellbeingConfig wellbeing = {}) : Home(wellbeing_only(std::move(wellbeing))) { add_devices(); }

  void add_devices() {
    device("m_kitchen", "Kitchen");
    device("m_lounge", "Lounge");
    device("m_bedroom", "Bedroom");
    device("m_bath", "Bathroom");
    device("kettle", "Kitchen", "kettle");
    device("door", "Hallway", "entrance_door");
    device("thermo", "Lounge");
  }

  // Appends day `day`'s events to the schedule.
  void plan(int day, const DayPlan& p) {
    const auto t = [&](int minute) { return at(0, 0, day) + std::chrono::minutes{minute}; };
    if (p.sensors_silent) return;
    for (int m = 0; m < 24 * 60; m += 15) add(t(m), "thermo", Metric::temperature_c, 20.0);
    for (int i = 0; i < p.night_bathroom; ++i) {
      const int m = 2 * 60 + 30 + i * 60;
      motion(t(m - 2), "m_bedroom");
      motion(t(m), "m_bath");
      motion(t(m + 3), "m_bath");
      motion(t(m + 6), "m_bedroom");
    }
    for (int m : p.night_lounge) motion(t(m), "m_lounge");
    if (!p.up_min) return;
    const int up = *p.up_min;
    motion(t(up - 2), "m_bedroom");
    motion(t(up), "m_bath");
    motion(t(up + 5), "m_bath");
    motion(t(up + 15), "m_kitchen");
    motion(t(up + 17), "m_kitchen");
    if (p.kettle) {
      add(t(up + 18), "kettle", Metric::power_w, 2200.0);
      add(t(up + 21), "kettle", Metric::power_w, 0.0);
    }
    const auto outside = [&](int m) { return p.out && m >= p.out->first && m < p.out->second; };
    for (int m = up + 30; m < p.bed_min - 10; m += 20) {
      if (!outside(m)) motion(t(m), m % 120 < 20 ? "m_kitchen" : "m_lounge");
    }
    for (int i = 0; i < p.day_bathroom; ++i) {
      const int m = up + 60 + i * std::max(20, (p.bed_min - up - 90) / std::max(1, p.day_bathroom));
      if (!outside(m)) motion(t(m), "m_bath");
    }
    if (p.out) {
      motion(t(p.out->first - 1), "m_lounge");
      add(t(p.out->first), "door", Metric::contact_open, 1.0);
      add(t(p.out->first) + 20s, "door", Metric::contact_open, 0.0);
      add(t(p.out->second), "door", Metric::contact_open, 1.0);
      add(t(p.out->second) + 20s, "door", Metric::contact_open, 0.0);
      motion(t(p.out->second + 1), "m_kitchen");
    }
    motion(t(p.bed_min - 10), "m_lounge");
    motion(t(p.bed_min - 5), "m_bath");
    motion(t(p.bed_min), "m_bedroom");
  }

  // Runs the schedule up to t (ticks every 5 minutes between readings), then ticks on to t.
  void run_until(TimePoint t) {
    std::stable_sort(schedule_.begin(), schedule_.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
    std::size_t i = 0;
    for (; i < schedule_.size() && schedule_[i].t <= t; ++i) {
      run_to(schedule_[i].t, 5min);
      feed(schedule_[i].device, schedule_[i].metric, schedule_[i].value, schedule_[i].t);
    }
    schedule_.erase(schedule_.begin(), schedule_.begin() + static_cast<std::ptrdiff_t>(i));
    run_to(t, 5min);
  }

  // Plans and runs days [first, last] with the same plan.
  void live(int first, int last, const DayPlan& p = {}) {
    for (int d = first; d <= last; ++d) plan(d, p);
    run_until(at(0, 0, last + 1));
  }

  std::vector<AlertEvent> wellbeing_events(AlertEventType type, const std::string& kind = "") const {
    std::vector<AlertEvent> out;
    const std::string prefix = "wellbeing:" + kind;
    for (const auto& e : events()) {
      if (e.type == type && e.alert.id.starts_with(prefix)) out.push_back(e);
    }
    return out;
  }

  const WellbeingRule& wellbeing() { return *engine().wellbeing(); }

 private:
  void add(TimePoint t, const std::string& device, Metric m, double v) { schedule_.push_back({t, device, m, v}); }
  void motion(TimePoint t, const std::string& device) {
    add(t, device, Metric::motion, 1.0);
    add(t + 30s, device, Metric::motion, 0.0);
  }

  std::vector<Event> schedule_;
};

}  // namespace hearth::rules::sim
