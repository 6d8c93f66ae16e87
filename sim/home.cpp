#include "sim/home.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "bench/energy/refit.h"
#include "bench/wellbeing/datasets.h"

namespace hearth::sim {
namespace {

using namespace std::chrono_literals;

constexpr int MIN_PER_DAY = 24 * 60;
constexpr DataTime MINUTE{60'000};

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

DataTime at_minute(std::int64_t day, double minute) {
  return DataTime{day * DAY.count() + static_cast<std::int64_t>(std::llround(minute * 60'000.0))};
}

// Whole-programme power profiles by minute since start.
double washing_w(int m) {
  if (m < 15) return 2100.0;                         // heating the water
  if (m < 100) return (m % 10 < 2) ? 450.0 : 180.0;  // washing, with tumbles
  if (m < 115) return 520.0;                         // spin
  return 12.0;                                       // drain, end
}
double dishwasher_w(int m) {
  if (m < 20) return 2000.0;
  if (m < 60) return 85.0;
  if (m < 75) return 2000.0;
  return 10.0;
}

}  // namespace

std::string_view to_string(Room room) {
  switch (room) {
    case Room::bedroom:
      return "bedroom";
    case Room::bathroom:
      return "bathroom";
    case Room::kitchen:
      return "kitchen";
    case Room::living_room:
      return "living_room";
    case Room::hall:
      return "hall";
    case Room::out:
      return "out";
  }
  return "?";
}

std::string_view to_string(Appliance a) {
  switch (a) {
    case Appliance::kettle:
      return "kettle";
    case Appliance::microwave:
      return "microwave";
    case Appliance::washing_machine:
      return "washing_machine";
    case Appliance::dishwasher:
      return "dishwasher";
    case Appliance::tv:
      return "tv";
    case Appliance::fridge:
      return "fridge";
    case Appliance::lamp:
      return "lamp";
    case Appliance::toaster:
      return "toaster";
    case Appliance::whole_house:
      return "whole_house";
  }
  return "?";
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  // splitmix64 over the three inputs: the same values on every platform and standard library.
  std::uint64_t z = seed ^ (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xD1B54A32D192ED03ULL);
  for (int i = 0; i < 2; ++i) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
  }
  return z;
}

double unit_random(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  return static_cast<double>(mix(seed, a, b) >> 11) * 0x1.0p-53;
}

const DayPlan& Routine::day(std::int64_t d) const {
  if (auto it = days_.find(d); it != days_.end()) return it->second;
  // Keep the cache small; callers only hold a reference for the duration of one call.
  std::erase_if(days_, [d](const auto& kv) { return kv.first < d - 3 || kv.first > d + 3; });
  const auto r = [&](int k) {
    return unit_random(seed_, static_cast<std::uint64_t>(d), static_cast<std::uint64_t>(k));
  };
  const bool weekend = ((d % 7) + 7) % 7 >= 5;  // day 0 is a Monday (as REFIT's first day)
  DayPlan p;
  p.wake_min = 7 * 60 + (weekend ? 45 : 0) + static_cast<int>((r(1) - 0.5) * 60);
  p.bed_min = 22 * 60 + 45 + static_cast<int>((r(2) - 0.5) * 60);
  const auto add = [&](int a, int b, Room room) {
    if (b > a) p.visits.push_back({a, b, room});
  };
  const int w = p.wake_min;
  add(w, w + 15, Room::bathroom);
  add(w + 15, w + 40, Room::kitchen);
  p.kettle_min.push_back(w + 17);
  if (r(9) < 0.7) p.toaster_min.push_back(w + 18);
  const bool outing = r(3) < 0.6;
  if (outing) {
    const int leave = 10 * 60 + 20 + static_cast<int>(r(8) * 30);
    add(w + 40, leave, Room::living_room);
    add(leave, leave + 3, Room::hall);
    add(leave + 3, 11 * 60 + 50, Room::out);
    add(11 * 60 + 50, 11 * 60 + 53, Room::hall);
    add(11 * 60 + 53, 12 * 60 + 30, Room::living_room);
  } else {
    add(w + 40, 12 * 60 + 30, Room::living_room);
  }
  add(12 * 60 + 30, 13 * 60, Room::kitchen);
  p.microwave_min.push_back(12 * 60 + 35);
  p.kettle_min.push_back(12 * 60 + 50);
  if (r(4) < 0.4) p.washing_min = 13 * 60 + 5;
  add(13 * 60, 15 * 60 + 30, Room::living_room);
  add(15 * 60 + 30, 15 * 60 + 45, Room::kitchen);
  p.kettle_min.push_back(15 * 60 + 32);
  add(15 * 60 + 45, 17 * 60 + 30, Room::living_room);
  add(17 * 60 + 30, 18 * 60 + 15, Room::kitchen);
  p.microwave_min.push_back(17 * 60 + 40);
  p.kettle_min.push_back(18 * 60);
  if (r(5) < 0.4) p.dishwasher_min = 18 * 60 + 20;
  add(18 * 60 + 15, p.bed_min - 10, Room::living_room);
  p.tv_on_min = 18 * 60 + 30;
  p.tv_off_min = p.bed_min - 15;
  p.lamp_on_min = 18 * 60 + 15;
  p.lamp_off_min = p.bed_min - 10;
  add(p.bed_min - 10, p.bed_min, Room::bathroom);
  if (r(6) < 0.7) {
    const int trip = MIN_PER_DAY + 2 * 60 + static_cast<int>(r(7) * 120);  // in the small hours
    add(trip, trip + 5, Room::bathroom);
  }
  return days_.emplace(d, std::move(p)).first->second;
}

Room Routine::place_at(DataTime t) const {
  const std::int64_t d = floor_div(t.count(), DAY.count());
  const double m = static_cast<double>(t.count() - d * DAY.count()) / 60'000.0;
  for (const auto& v : day(d - 1).visits) {
    if (m + MIN_PER_DAY >= v.start_min && m + MIN_PER_DAY < v.end_min) return v.room;
  }
  for (const auto& v : day(d).visits) {
    if (m >= v.start_min && m < v.end_min) return v.room;
  }
  return Room::bedroom;  // asleep
}

double Routine::power_w(Appliance a, DataTime t) const {
  const std::int64_t d = floor_div(t.count(), DAY.count());
  const int m = static_cast<int>((t.count() - d * DAY.count()) / 60'000);
  const DayPlan& p = day(d);
  const auto running = [m](int start, int len) { return m >= start && m < start + len; };
  switch (a) {
    case Appliance::kettle:
      for (int k : p.kettle_min) {
        if (running(k, 3)) return 2750.0 + 60.0 * unit_random(seed_, static_cast<std::uint64_t>(d), 100 + k);
      }
      return 0.0;
    case Appliance::microwave:
      for (int k : p.microwave_min) {
        if (running(k, 4)) return 1150.0;
      }
      return 1.5;  // its clock
    case Appliance::washing_machine:
      return p.washing_min && running(*p.washing_min, 120) ? washing_w(m - *p.washing_min) : 0.8;
    case Appliance::dishwasher:
      return p.dishwasher_min && running(*p.dishwasher_min, 90) ? dishwasher_w(m - *p.dishwasher_min) : 0.5;
    case Appliance::tv:
      return running(p.tv_on_min, p.tv_off_min - p.tv_on_min) ? 92.0 + 8.0 * std::sin(m / 7.0) : 0.4;
    case Appliance::fridge: {
      const auto phase = (t.count() / 60'000 + static_cast<std::int64_t>(mix(seed_, 7) % 45)) % 45;
      return phase < 15 ? 85.0 : 1.0;  // compressor 15 min in 45
    }
    case Appliance::lamp:
      return 40.0;  // while its relay is on
    case Appliance::toaster:
      for (int k : p.toaster_min) {
        if (running(k, 3)) return 880.0 + 40.0 * unit_random(seed_, static_cast<std::uint64_t>(d), 200 + k);
      }
      return 0.0;
    case Appliance::whole_house: {
      double sum = 140.0;  // baseload: router, standby, boiler electronics
      for (auto x : {Appliance::kettle, Appliance::microwave, Appliance::washing_machine, Appliance::dishwasher,
                     Appliance::tv, Appliance::fridge, Appliance::toaster}) {
        sum += power_w(x, t);
      }
      if (running(p.lamp_on_min, p.lamp_off_min - p.lamp_on_min)) sum += 40.0;
      return sum;
    }
  }
  return 0.0;
}

std::vector<SensorEvent> Routine::events(DataTime from, DataTime to) const {
  std::vector<SensorEvent> out;
  if (to <= from) return out;
  const auto keep = [&](SensorEvent e) {
    if (e.at >= from && e.at < to) out.push_back(e);
  };
  for (std::int64_t d = floor_div(from.count(), DAY.count()) - 1; d <= floor_div(to.count(), DAY.count()); ++d) {
    const DayPlan& p = day(d);
    for (std::size_t i = 0; i < p.visits.size(); ++i) {
      const Visit& v = p.visits[i];
      if (v.room == Room::out) {
        keep({at_minute(d, v.start_min), EventType::front_door, Room::hall, true});
        keep({at_minute(d, v.start_min + 0.5), EventType::front_door, Room::hall, false});
        keep({at_minute(d, v.end_min), EventType::front_door, Room::hall, true});
        keep({at_minute(d, v.end_min + 0.5), EventType::front_door, Room::hall, false});
        continue;
      }
      // A PIR sees someone moving about: detection on arrival and again every 10 minutes; it
      // reports "clear" 90 s after the last movement.
      for (int m = v.start_min; m < v.end_min; m += 10) {
        const double jitter = unit_random(seed_, static_cast<std::uint64_t>(d), 1000 + m) * 0.5;
        keep({at_minute(d, m + jitter), EventType::motion, v.room, true});
        keep({at_minute(d, std::min(m + 8, v.end_min) + 1.5), EventType::motion, v.room, false});
      }
      if (v.start_min >= MIN_PER_DAY) {  // the night trip: out of bed and back
        keep({at_minute(d, v.start_min - 0.5), EventType::motion, Room::bedroom, true});
        keep({at_minute(d, v.end_min + 0.2), EventType::motion, Room::bedroom, true});
        keep({at_minute(d, v.end_min + 1.7), EventType::motion, Room::bedroom, false});
      }
    }
    keep({at_minute(d, p.lamp_on_min), EventType::lamp, Room::living_room, true});
    keep({at_minute(d, p.lamp_off_min), EventType::lamp, Room::living_room, false});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  return out;
}

double Routine::heating_setpoint_c(Room room, DataTime t) const {
  const auto m = (t.count() % DAY.count() + DAY.count()) % DAY.count() / 60'000;
  const bool day_time = m >= 6 * 60 + 30 && m < 22 * 60 + 30;
  // Night setback at 18.5 °C (the room settles a little below it): a warm-enough home never trips
  // the cold-home (16 °C) or cool-home (18 °C) rules by itself; only incidents do.
  if (!day_time) return 18.5;
  return room == Room::bedroom ? 19.0 : 20.5;
}

double Routine::outdoor_c(DataTime t) const {
  const double h = static_cast<double>((t.count() % DAY.count() + DAY.count()) % DAY.count()) / 3'600'000.0;
  return 7.0 + 3.0 * std::sin(2.0 * std::numbers::pi * (h - 9.0) / 24.0);
}

core::Result<RefitPower> RefitPower::load(const std::filesystem::path& datasets_dir) {
  auto rows = bench::energy::load_refit_1min(datasets_dir);
  if (!rows) return rows.error();
  RefitPower p;
  p.rows_.reserve(rows->size());
  for (const auto& r : *rows) {
    Row row{};
    for (std::size_t i = 0; i < 5; ++i) row.w[i] = static_cast<float>(r.w[i]);
    row.gap = r.gap;
    p.rows_.push_back(row);
  }
  return p;
}

std::optional<double> RefitPower::power_w(Appliance a, DataTime t) const {
  int col = -1;
  switch (a) {
    case Appliance::whole_house:
      col = 0;
      break;
    case Appliance::kettle:
      col = 1;
      break;
    case Appliance::dishwasher:
      col = 2;
      break;
    case Appliance::washing_machine:
      col = 3;
      break;
    case Appliance::microwave:
      col = 4;
      break;
    default:
      return std::nullopt;
  }
  if (rows_.empty()) return std::nullopt;
  // REFIT is UTC and the house was on British Summer Time (UTC+1): home-local 07:10 is row 06:10.
  const std::int64_t minute = floor_div((t - 1h).count(), MINUTE.count());
  const auto n = static_cast<std::int64_t>(rows_.size());
  const Row& row = rows_[static_cast<std::size_t>(((minute % n) + n) % n)];
  if (row.gap) return std::nullopt;
  return static_cast<double>(row.w[col]);
}

core::Result<RecordedEvents> RecordedEvents::load(const std::filesystem::path& datasets_dir, std::string_view name) {
  core::Result<bench::wellbeing::Recording> rec =
      core::make_error("unknown recording '" + std::string(name) + "' (casas, ordonez_a, ordonez_b)");
  if (name == "casas")
    rec = bench::wellbeing::load_casas(datasets_dir);
  else if (name == "ordonez_a")
    rec = bench::wellbeing::load_ordonez(datasets_dir, 'A');
  else if (name == "ordonez_b")
    rec = bench::wellbeing::load_ordonez(datasets_dir, 'B');
  if (!rec) return rec.error();
  if (rec->events.empty()) return core::make_error(rec->source + ": no events");
  std::map<std::string, std::pair<std::string, std::string>> facts;  // id -> room, kind
  for (const auto& f : rec->devices) facts[f.id] = {f.room, f.kind};
  const auto room_of = [](const std::string& room) -> std::optional<Room> {
    if (room == "Kitchen") return Room::kitchen;
    if (room == "Bathroom") return Room::bathroom;
    if (room == "Bedroom") return Room::bedroom;
    if (room == "Living room" || room == "Work area") return Room::living_room;
    if (room == "Entrance") return Room::hall;
    return std::nullopt;
  };
  RecordedEvents out;
  out.name_ = std::string(name);
  const auto first = rec->events.front().ts.time_since_epoch();
  const auto day0 = DataTime{floor_div(first.count(), DAY.count()) * DAY.count()};
  for (const auto& r : rec->events) {
    const auto& [room_name, kind] = facts[r.device_id];
    const auto room = room_of(room_name);
    const DataTime at = r.ts.time_since_epoch() - day0;
    if (r.metric == core::Metric::motion && room) {
      out.events_.push_back({at, EventType::motion, *room, r.value >= 0.5});
    } else if (r.metric == core::Metric::contact_open && kind == "entrance_door") {
      out.events_.push_back({at, EventType::front_door, Room::hall, r.value >= 0.5});
    }
    // Fridge/cupboard contacts and on/off appliance sensors: the plugs' data comes from REFIT.
  }
  std::stable_sort(out.events_.begin(), out.events_.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  const auto days = floor_div(out.events_.back().at.count(), DAY.count()) + 1;
  out.period_ = DataTime{days * DAY.count()};
  return out;
}

std::vector<SensorEvent> RecordedEvents::events(DataTime from, DataTime to) const {
  std::vector<SensorEvent> out;
  const std::int64_t p = period_.count();
  for (std::int64_t k = floor_div(from.count(), p); k * p < to.count(); ++k) {
    const DataTime base{k * p};
    const DataTime lo = std::max(from, base) - base;
    const DataTime hi = std::min(to, base + period_) - base;
    auto it = std::lower_bound(events_.begin(), events_.end(), lo, [](const auto& e, DataTime t) { return e.at < t; });
    for (; it != events_.end() && it->at < hi; ++it) {
      SensorEvent e = *it;
      e.at += base;
      out.push_back(e);
    }
  }
  return out;
}

ThermalModel::ThermalModel(const Routine& routine, DataTime start) : routine_(routine), now_(start - DAY) {
  for (Room r : {Room::living_room, Room::bedroom, Room::bathroom, Room::kitchen}) temp_c_[r] = 18.0;
  advance(start);
}

void ThermalModel::advance(DataTime to) {
  while (now_ < to) {
    const DataTime dt = std::min(MINUTE, to - now_);
    step(dt);
    now_ += dt;
  }
}

void ThermalModel::step(DataTime dt) {
  const double hours = static_cast<double>(dt.count()) / 3'600'000.0;
  const double outdoor = routine_.outdoor_c(now_);
  for (auto& [room, t] : temp_c_) {
    const double setpoint = routine_.heating_setpoint_c(room, now_);
    const double heat_c_per_h = std::clamp((setpoint - t) * 4.0, 0.0, 2.5);  // a modulating boiler
    const double loss_c_per_h = (t - outdoor) / 10.0;                        // a 10-hour time constant
    t += (heat_c_per_h - loss_c_per_h) * hours;
  }
  // Showers in the morning and evening bathroom visits steam the bathroom up; it clears in ~30 min.
  const bool showering = routine_.place_at(now_) == Room::bathroom;
  const double target = showering ? 85.0 : 55.0;
  bathroom_humidity_pct_ += (target - bathroom_humidity_pct_) * std::min(1.0, hours * 2.0);
}

double ThermalModel::temperature_c(Room room) const {
  const auto it = temp_c_.find(room);
  return it == temp_c_.end() ? routine_.outdoor_c(now_) : it->second;
}

double ThermalModel::humidity_pct(Room room) const {
  switch (room) {
    case Room::bathroom:
      return bathroom_humidity_pct_;
    case Room::bedroom:
      return 57.0;
    case Room::kitchen:
      return 52.0;
    default:
      return 49.0;
  }
}

}  // namespace hearth::sim
