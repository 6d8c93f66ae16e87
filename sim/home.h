#pragma once
// The simulated home in DATA time: who is where, what each appliance draws, room temperatures.
//
// Data time is milliseconds since midnight of "day 0" of the home (its local clock). Everything
// here is a pure function of (seed, data time), except the thermal model, which integrates.
//  - Routine: the built-in synthetic home, one seeded plan per day (waking, kettle, meals, an
//    outing, TV, lamp, bed, a night-time bathroom trip, washing and dishwasher days) and the
//    heating schedule. Always used for the TV, lamp, fridge, toaster and heating (the recordings
//    read here do not have them).
//  - RefitPower: REFIT House 2 minutes (kettle, microwave, washing machine, dishwasher, whole house),
//    looping over its 14 days; gap minutes have no value (the plugs stay silent).
//  - RecordedEvents: CASAS or Ordonez motion and door events, looping over the recording's days.
// The recordings are read at run time from $HEARTH_SHARED/datasets and never copied.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hearth::sim {

using DataTime = std::chrono::milliseconds;  // since midnight of day 0, home-local
inline constexpr DataTime DAY{24LL * 3600 * 1000};

enum class Room : std::uint8_t { bedroom, bathroom, kitchen, living_room, hall, out };
std::string_view to_string(Room room);

enum class Appliance : std::uint8_t {
  kettle,
  microwave,
  washing_machine,
  dishwasher,
  tv,
  fridge,
  lamp,
  toaster,
  whole_house
};
std::string_view to_string(Appliance a);

enum class EventType : std::uint8_t { motion, front_door, lamp };
struct SensorEvent {
  DataTime at{0};
  EventType type = EventType::motion;
  Room room = Room::living_room;  // motion: where; front_door: hall; lamp: living room
  bool on = false;                // motion detected / door open / lamp switched on
};

// Deterministic randomness: a hash of (seed, a, b), not a stream, so any day can be computed alone.
std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);
double unit_random(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);  // [0, 1)

struct Visit {
  int start_min = 0;  // minutes since this day's midnight; may exceed 1440 (sleep runs past midnight)
  int end_min = 0;
  Room room = Room::bedroom;
};

struct DayPlan {
  int wake_min = 0;
  int bed_min = 0;
  std::vector<Visit> visits;       // in time order, covering wake..bed and any night trip
  std::vector<int> kettle_min;     // 3-minute boils
  std::vector<int> microwave_min;  // 4-minute runs
  std::vector<int> toaster_min;    // 3-minute toasts (breakfast on most days)
  std::optional<int> washing_min;  // 2-hour programme
  std::optional<int> dishwasher_min;
  int tv_on_min = 0, tv_off_min = 0;
  int lamp_on_min = 0, lamp_off_min = 0;
};

class Routine {
 public:
  explicit Routine(std::uint64_t seed) : seed_(seed) {}
  const DayPlan& day(std::int64_t index) const;
  // Where the resident is (Room::out when away; bedroom while asleep).
  Room place_at(DataTime t) const;
  double power_w(Appliance a, DataTime t) const;  // synthetic draw (whole_house: baseload + the rest)
  std::vector<SensorEvent> events(DataTime from, DataTime to) const;  // [from, to), in time order
  double heating_setpoint_c(Room room, DataTime t) const;
  double outdoor_c(DataTime t) const;

 private:
  std::uint64_t seed_;
  mutable std::map<std::int64_t, DayPlan> days_;  // bounded: pruned to a few days around use
};

class RefitPower {
 public:
  static core::Result<RefitPower> load(const std::filesystem::path& datasets_dir);
  // kettle, microwave, washing_machine, dishwasher or whole_house; nullopt in a gap minute or for
  // an appliance REFIT does not have.
  std::optional<double> power_w(Appliance a, DataTime t) const;
  std::size_t minutes() const { return rows_.size(); }

 private:
  struct Row {
    float w[5];  // whole house, kettle, dishwasher, washing machine, microwave
    bool gap;
  };
  std::vector<Row> rows_;
};

class RecordedEvents {
 public:
  // name: casas, ordonez_a, ordonez_b
  static core::Result<RecordedEvents> load(const std::filesystem::path& datasets_dir, std::string_view name);
  std::vector<SensorEvent> events(DataTime from, DataTime to) const;  // [from, to), looping
  std::size_t size() const { return events_.size(); }
  DataTime period() const { return period_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<SensorEvent> events_;  // offsets from the recording's first midnight, sorted
  DataTime period_{DAY};
};

// Room temperatures and humidity following the heating (a first-order model, integrated in steps
// of at most one data minute): heat when below the setpoint, lose heat to the outdoor air.
class ThermalModel {
 public:
  ThermalModel(const Routine& routine, DataTime start);  // warmed up over the 24 h before start
  void advance(DataTime to);
  double temperature_c(Room room) const;
  double humidity_pct(Room room) const;

 private:
  void step(DataTime dt);
  const Routine& routine_;
  DataTime now_;
  std::map<Room, double> temp_c_;
  double bathroom_humidity_pct_ = 55.0;
};

}  // namespace hearth::sim
