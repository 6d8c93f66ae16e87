#pragma once
// EnergyLedger: per-device and per-home energy accounting from normalised readings. It turns
// energy_kwh totals and power_w readings into kWh and pence per local day, per tariff band and per
// provenance, and keeps what advice and fuel-poverty indicators need (standby levels, heater use
// with windows open or rooms empty, fridge duty cycles, cold occupied minutes, outdoor
// temperature). Pure logic: readings carry their time, now is passed in, memory is bounded.
//
// Provenance of every kWh:
//   measured  - from the device's energy counter: the difference of two totals with no restart,
//               rewind or implausible jump between them (core::apply_energy_sample decides those).
//   bridged   - integrated from power_w (each reading holds until the next, at most max_power_hold)
//               where no valid counter interval covers the time: counter restarts, rewinds, devices
//               without counters. A later valid counter interval replaces bridged kWh by measured.
//   estimated - a data gap longer than max_power_hold (up to max_estimated_gap) filled with the
//               lower of the powers either side; projections; a baseload without a mains meter.
//
// Readings of one device must arrive in time order across metrics (the gateway stamps them with
// its receive time, so they do); a reading older than the device's last one is ignored and counted.
// Room state (open windows, motion, temperature) is taken as it stands when a device's interval is
// closed by its next reading, so the home's readings should arrive roughly in time order too.
//
// How the gateway feeds it (Pipeline::set_reading_handler): every accepted, non-retained reading
// goes to on_reading(); for energy_kwh the pipeline's monotonic total is passed together with the
// core::EnergyStep that apply_energy_sample returned (on_energy_total), because the step says
// whether the interval since the previous total is complete. on_reading() with an energy_kwh
// reading infers the step (counter_reset flag, or a total that went down).
#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/energy_counter.h"
#include "core/reading.h"
#include "rules/energy_time.h"
#include "rules/rule.h"
#include "rules/tariff.h"

namespace hearth::rules::energy {

enum class Provenance : std::uint8_t { measured, bridged, estimated };
const char* to_string(Provenance p);
std::optional<Provenance> provenance_from_string(std::string_view s);

// kWh split by provenance. A figure's provenance is its weakest part (any estimated kWh make it
// estimated; else any bridged make it bridged).
struct Kwh {
  double measured = 0.0;
  double bridged = 0.0;
  double estimated = 0.0;

  double total() const { return measured + bridged + estimated; }
  Provenance provenance() const;
  Kwh& operator+=(const Kwh& o);
  friend bool operator==(const Kwh&, const Kwh&) = default;
};

// What the ledger needs to know about a device, beyond the rules' DeviceFacts.
struct EnergyDeviceFacts {
  DeviceFacts device;
  double rating_w = 3120.0;  // the plug's maximum load (a UK 13 A plug at 240 V)
  // Reported power and energy are multiplied by this (from a check against a reference meter;
  // cheap plugs read 20% or more off).
  double calibration_factor = 1.0;
};

struct EnergyConfig {
  LocalClock clock = uk_clock();
  bool bridge_from_power = true;  // false: counters only (for comparison in bench/energy)
  std::chrono::minutes max_power_hold{15};
  std::chrono::hours max_estimated_gap{6};
  double rating_margin = 1.25;  // power above rating x margin is implausible and not used
  double min_reliable_w = 5.0;  // metering chips are unreliable below this: standby figures say so
  double standby_max_w = 30.0;  // a steady draw below this, when not in use, is standby
  int standby_window_days = 7;
  MinuteWindow night{0, 7 * 60};  // "switch off at the plug overnight" window (local)
  double cold_c = 18.0;
  std::chrono::hours occupied_within{12};  // a room counts as occupied this long after motion
  std::chrono::minutes max_temperature_age{60};
  std::chrono::minutes empty_room_after{60};  // a room with a motion sensor and no motion this long is empty
  double heater_on_w = 100.0;
  double fridge_on_w = 30.0;  // compressor running
  std::vector<std::string> heating_kinds{"heater", "storage_heater", "panel_heater", "fan_heater", "oil_heater"};
  std::vector<std::string> fridge_kinds{"fridge", "freezer", "fridge_freezer"};
  std::vector<std::string> mains_kinds{"mains"};  // a whole-home meter or clamp: the home's total
  std::vector<std::string> gas_kinds{"gas_meter"};
  std::vector<std::string> outdoor_kinds{"outdoor"};
  std::vector<std::string> outdoor_rooms{"outdoor", "outside", "garden"};
  std::vector<std::string> motion_kinds{"motion", "pir", "presence"};  // their room "has a motion sensor"
  std::size_t max_devices = 64;
  std::size_t max_rooms = 32;
  int max_days = 400;    // per-day kWh, pence and room figures (year to date, savings)
  int detail_days = 35;  // per-minute cold/heating bitsets and the mains power histogram
};

// Time-weighted distribution of power: 0.1 W bins up to 30 W (standby), then 1 W bins up to
// max_w (baseload); anything above max_w counts in the last bin.
class PowerHistogram {
 public:
  explicit PowerHistogram(double max_w = 3000.0);
  void add(double power_w, double seconds);
  double seconds() const { return total_s_; }
  // Time-weighted quantile (0..1), interpolated linearly inside a bin; nullopt when empty.
  std::optional<double> quantile(double q) const;
  double seconds_between(double from_w, double to_w) const;
  // Both must have the same max_w.
  PowerHistogram& operator+=(const PowerHistogram& o);

 private:
  std::size_t bin_of(double power_w) const;
  static double bin_low(std::size_t i);
  static double bin_width(std::size_t i);
  std::vector<float> s_;
  double zero_s_ = 0.0;  // exactly 0 W (off): kept apart so an off device reads 0, not half a bin
  double total_s_ = 0.0;
};

// One device on one local day.
struct DeviceDay {
  Kwh kwh;
  double pence = 0.0;  // energy charge at the tariff in force when the kWh were allocated
  std::array<double, MAX_BANDS> band_kwh{};
  double covered_s = 0.0;   // time with data (counter intervals, power holds, estimated fills)
  double observed_s = 0.0;  // time with a power reading in force
  double on_s = 0.0;        // time above the kind's "on" level (fridge compressor, heater)
  double low_kwh = 0.0;     // energy drawn below standby_max_w
  double low_pence = 0.0;
  double night_low_kwh = 0.0;  // ... inside the night window
  double night_low_pence = 0.0;
  double heat_open_kwh = 0.0;   // heaters: while a window/door in the room was open, room >= cold_c
  double heat_empty_kwh = 0.0;  // heaters: with the room empty, room >= cold_c
  // heaters: while the room was below cold_c or its temperature unknown (never "heat less")
  double heat_not_warm_kwh = 0.0;
  int implausible = 0;  // power or counter readings not used
  int counter_restarts = 0;
};

// One room (or the home, room "") on one local day.
struct RoomDay {
  double temp_s = 0.0;
  double temp_sum = 0.0;  // time-weighted sum: mean = temp_sum / temp_s
  double min_c = 1e9;
  double cold_occupied_s = 0.0;  // occupied and below cold_c
  std::optional<double> mean_c() const;
};

struct Standby {
  double standby_w = 0.0;      // time-weighted median of the low-power readings
  double hours_per_day = 0.0;  // time at that level (within max(1 W, 20%)) per day
  double low_share = 0.0;      // share of observed time below standby_max_w
  bool steady = false;         // most low-power time sits at the median level
  bool reliable = false;       // standby_w >= min_reliable_w
  int days = 0;                // days that contributed
  double kwh_per_year = 0.0;   // standby_w x hours_per_day x 365
  std::int64_t pence_per_year = 0;
  double night_kwh_per_year = 0.0;  // drawn below standby_max_w in the night window
  std::int64_t night_pence_per_year = 0;
};

struct PeriodUsage {
  Kwh kwh;
  std::int64_t pence = 0;
  double coverage = 0.0;  // share of the period's elapsed time with data
};

struct ApplianceUsage {
  std::string device_id;
  std::string name;
  std::string kind;
  std::string room;
  PeriodUsage today;
  PeriodUsage week;  // the last 7 local days including today
  PeriodUsage year_to_date;
  PeriodUsage projected_year;  // recent daily mean x 365: always estimated
  std::optional<Standby> standby;
  int implausible_readings = 0;  // within the week
};

struct HomeUsage {
  bool from_mains = false;  // electricity from a whole-home meter; else the sum of plugs
  PeriodUsage electricity_today, electricity_week, electricity_year_to_date, electricity_projected_year;
  PeriodUsage gas_today, gas_week, gas_year_to_date, gas_projected_year;
  std::int64_t standing_pence_today = 0, standing_pence_week = 0, standing_pence_year_to_date = 0,
               standing_pence_projected_year = 0;
  std::optional<double> baseload_w;
  Provenance baseload_provenance = Provenance::estimated;
  std::int64_t baseload_pence_per_year = 0;
};

struct DailySummary;  // energy_summary.h

class EnergyLedger {
 public:
  explicit EnergyLedger(EnergyConfig config = {}, Tariff tariff = default_tariff());

  // Facts for a device; may be called again when they change (calibration, rating). Devices
  // beyond max_devices are not tracked (devices_dropped()).
  void set_device(const EnergyDeviceFacts& facts);
  // Applies from now on; kWh already allocated keep the price they were charged at.
  void set_tariff(Tariff tariff);
  const Tariff& tariff() const { return tariff_; }
  const EnergyConfig& config() const { return config_; }

  // power_w, energy_kwh (step inferred), temperature_c, motion, contact_open; others are ignored.
  void on_reading(const core::Reading& reading);
  // energy_kwh: the pipeline's monotonic total and the step apply_energy_sample returned for it.
  // Keep the driver's counter_reset flag on `total`: a restart the step does not show (the new
  // count not below the old one) still means the interval before it is incomplete.
  void on_energy_total(const core::Reading& total, core::EnergyStep step);
  // An outdoor mean temperature from a feed outside the home (weather service); wins over sensors.
  void set_outdoor_mean_c(Day day, double mean_c);

  // Local days that ended since the previous call (the gateway stores their summary). The first
  // call only starts the count.
  std::vector<Day> completed_days(core::TimePoint now);

  // --- queries ---
  Day today(core::TimePoint now) const { return config_.clock.day_of(now); }
  std::vector<std::string> device_ids() const;
  const EnergyDeviceFacts* facts(std::string_view device_id) const;
  const DeviceDay* device_day(std::string_view device_id, Day day) const;
  const RoomDay* room_day(std::string_view room, Day day) const;
  std::vector<std::string> rooms() const;
  // Sum over [from, to] inclusive.
  PeriodUsage device_usage(std::string_view device_id, Day from, Day to, core::TimePoint now) const;
  std::optional<Standby> standby(std::string_view device_id, Day today) const;
  std::optional<double> baseload_w(Day day, Provenance* provenance = nullptr) const;
  std::vector<ApplianceUsage> appliances(core::TimePoint now) const;
  HomeUsage home(core::TimePoint now) const;
  // Occupied minutes with some room below cold_c, as hours.
  double cold_home_hours(Day day) const;
  // Cold for 2 h or more while heating was on for under a quarter of the cold time; nullopt when
  // heating is not measured (gas without a meter, no heater plugs) or the home was not cold.
  std::optional<bool> self_rationing(Day day) const;
  std::optional<double> outdoor_mean_c(Day day) const;
  std::optional<double> heating_degree_days(Day day, double base_c = 15.5) const;
  double heating_kwh(Day day) const;
  bool is_heating(const EnergyDeviceFacts& f) const;
  bool is_fridge(const EnergyDeviceFacts& f) const;
  bool is_mains(const EnergyDeviceFacts& f) const;
  bool is_gas(const EnergyDeviceFacts& f) const;
  DailySummary summarise(Day day) const;

  std::size_t devices_dropped() const { return devices_dropped_; }
  std::size_t out_of_order() const { return out_of_order_; }

 private:
  struct Sample {
    core::TimePoint ts{};
    double value = 0.0;
  };
  // Bridged or estimated kWh allocated since the last counter sample: replaced when the next
  // counter interval turns out valid.
  struct OpenAlloc {
    Day day = 0;
    int band = 0;
    Provenance provenance = Provenance::bridged;
    double kwh = 0.0;
    double pence = 0.0;
    double seconds = 0.0;
  };
  struct Device {
    EnergyDeviceFacts facts;
    std::optional<Sample> power;
    std::optional<Sample> counter;      // last total (pipeline's monotonic kWh) and when
    bool counter_usable = false;        // the last sample may start a measured interval
    core::TimePoint accounted_until{};  // energy allocated (measured or bridged) up to here
    // Bridged kWh up to here are not in `open` (allocated before the current counter anchor
    // existed): a counter interval starting earlier would count them twice, so it is not used.
    core::TimePoint locked_until{};
    std::vector<OpenAlloc> open;
    std::map<Day, DeviceDay> days;
    std::map<Day, PowerHistogram> low_power;  // standby window only
    std::optional<Sample> outdoor_temperature;
  };
  struct Room {
    std::optional<core::TimePoint> last_motion;
    bool has_motion_sensor = false;
    std::map<std::string, bool> open_contacts;   // device -> open
    std::map<std::string, Sample> temperatures;  // device -> last reading
    std::map<Day, RoomDay> days;
  };
  struct HomeDay {
    std::bitset<1500> cold;     // minute of the local day: an occupied room below cold_c
    std::bitset<1500> heating;  // a heater above heater_on_w
    double outdoor_s = 0.0, outdoor_sum = 0.0;
    std::optional<PowerHistogram> mains;
  };

  Device* device(const std::string& id);
  Room* room(const std::string& name);
  const FuelTariff& fuel_of(const Device& d) const;
  void on_power(Device& d, core::TimePoint t, double power_w);
  void on_temperature(const std::string& device_id, core::TimePoint t, double value_c);
  void on_motion(const std::string& device_id, core::TimePoint t, bool motion);
  void on_contact(const std::string& device_id, bool open);
  void power_segment(Device& d, core::TimePoint from, core::TimePoint to, double power_w);
  void allocate(Device& d, core::TimePoint from, core::TimePoint to, double kwh, Provenance p, bool record_open);
  void close_counter_interval(Device& d, const Sample& next, core::EnergyStep step, bool restarted);
  void retract_open(Device& d);
  void temperature_segment(const std::string& room_name, core::TimePoint from, core::TimePoint to, double value_c);
  bool occupied(const Room& r, core::TimePoint from, core::TimePoint to) const;
  bool room_warm(const std::string& room_name, core::TimePoint t) const;
  HomeDay& home_day(Day day);
  void note_time(core::TimePoint t);
  void prune(Day today);
  template <typename F>
  void for_each_piece(core::TimePoint from, core::TimePoint to, const FuelTariff* fuel, F&& f) const;
  int minute_index(Day day, core::TimePoint t) const;
  DeviceDay& day_of(Device& d, Day day);

  EnergyConfig config_;
  Tariff tariff_;
  std::map<std::string, Device, std::less<>> devices_;
  std::map<std::string, Room, std::less<>> rooms_;
  std::map<Day, HomeDay> home_days_;
  std::map<Day, double> outdoor_feed_;
  bool any_motion_sensor_ = false;
  std::optional<core::TimePoint> last_motion_any_;
  core::TimePoint latest_{};
  std::optional<Day> last_completed_check_;
  Day pruned_through_ = 0;
  std::size_t devices_dropped_ = 0;
  std::size_t out_of_order_ = 0;
};

}  // namespace hearth::rules::energy
