#include "rules/energy_ledger.h"

#include <algorithm>
#include <cmath>

#include "rules/energy_summary.h"

namespace hearth::rules::energy {
namespace {

using std::chrono::milliseconds;

constexpr double EPS_KWH = 1e-9;
constexpr double FINE_W = 0.1;
constexpr std::size_t FINE_BINS = 300;  // 0-30 W
constexpr double FINE_MAX_W = FINE_W * FINE_BINS;
// A counter's resolution (0.001-0.01 kWh) is slack for the plausibility check.
constexpr double COUNTER_SLACK_KWH = 0.01;
// A measured interval is spread like the bridged kWh inside it when these cover this much of it.
constexpr double PROPORTIONAL_MIN_COVER = 0.8;
// Bound on the bridged allocations kept for replacement (one per day, band and provenance).
constexpr std::size_t MAX_OPEN = 256;

double seconds_between(core::TimePoint a, core::TimePoint b) { return std::chrono::duration<double>(b - a).count(); }

double kwh_of(double power_w, double seconds) { return power_w * seconds / 3.6e6; }

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Next instant after t at which `window` starts or ends on the local clock.
core::TimePoint next_window_edge(core::TimePoint t, MinuteWindow w, const LocalClock& clock) {
  constexpr auto far = std::chrono::hours{48};
  if (w.start_min == w.end_min) return t + far;
  const auto local = t + clock.offset_at(t);
  const double m =
      std::chrono::duration<double, std::ratio<60>>(local - std::chrono::floor<std::chrono::days>(local)).count();
  double best = 2.0 * 24 * 60;
  for (int edge : {w.start_min, w.end_min}) {
    double ahead = edge - m;
    if (ahead <= 1e-9) ahead += 24 * 60;
    best = std::min(best, ahead);
  }
  return t + std::max(milliseconds{1}, milliseconds{static_cast<std::int64_t>(std::llround(best * 60'000.0))});
}

}  // namespace

// --- Provenance, Kwh ---

const char* to_string(Provenance p) {
  switch (p) {
    case Provenance::measured:
      return "measured";
    case Provenance::bridged:
      return "bridged";
    case Provenance::estimated:
      return "estimated";
  }
  return "estimated";
}

std::optional<Provenance> provenance_from_string(std::string_view s) {
  for (auto p : {Provenance::measured, Provenance::bridged, Provenance::estimated}) {
    if (s == to_string(p)) return p;
  }
  return std::nullopt;
}

Provenance Kwh::provenance() const {
  if (estimated > EPS_KWH) return Provenance::estimated;
  if (bridged > EPS_KWH) return Provenance::bridged;
  return Provenance::measured;
}

Kwh& Kwh::operator+=(const Kwh& o) {
  measured += o.measured;
  bridged += o.bridged;
  estimated += o.estimated;
  return *this;
}

namespace {

double& part(Kwh& k, Provenance p) {
  switch (p) {
    case Provenance::measured:
      return k.measured;
    case Provenance::bridged:
      return k.bridged;
    case Provenance::estimated:
      break;
  }
  return k.estimated;
}

}  // namespace

// --- PowerHistogram ---

PowerHistogram::PowerHistogram(double max_w)
    : s_(FINE_BINS + static_cast<std::size_t>(std::max(1.0, std::ceil(max_w - FINE_MAX_W))), 0.0F) {}

std::size_t PowerHistogram::bin_of(double power_w) const {
  if (!(power_w > 0.0)) return 0;
  const double i = power_w < FINE_MAX_W ? power_w / FINE_W : FINE_BINS + (power_w - FINE_MAX_W);
  return std::min(s_.size() - 1, static_cast<std::size_t>(i));
}

double PowerHistogram::bin_low(std::size_t i) {
  return i < FINE_BINS ? FINE_W * static_cast<double>(i) : FINE_MAX_W + static_cast<double>(i - FINE_BINS);
}

double PowerHistogram::bin_width(std::size_t i) { return i < FINE_BINS ? FINE_W : 1.0; }

void PowerHistogram::add(double power_w, double seconds) {
  if (seconds <= 0.0) return;
  if (power_w <= 0.0) {
    zero_s_ += seconds;
  } else {
    s_[bin_of(power_w)] += static_cast<float>(seconds);
  }
  total_s_ += seconds;
}

std::optional<double> PowerHistogram::quantile(double q) const {
  if (total_s_ <= 0.0) return std::nullopt;
  const double target = std::clamp(q, 0.0, 1.0) * total_s_;
  if (target <= zero_s_) return 0.0;
  double below = zero_s_;
  for (std::size_t i = 0; i < s_.size(); ++i) {
    const double here = s_[i];
    if (here > 0.0 && below + here >= target) {
      return bin_low(i) + bin_width(i) * std::clamp((target - below) / here, 0.0, 1.0);
    }
    below += here;
  }
  return bin_low(s_.size() - 1);
}

double PowerHistogram::seconds_between(double from_w, double to_w) const {
  double sum = from_w <= 0.0 && to_w >= 0.0 ? zero_s_ : 0.0;
  for (std::size_t i = 0; i < s_.size(); ++i) {
    const double lo = bin_low(i);
    const double hi = lo + bin_width(i);
    const double overlap = std::min(hi, to_w) - std::max(lo, from_w);
    if (overlap > 0.0) sum += s_[i] * overlap / bin_width(i);
  }
  return sum;
}

PowerHistogram& PowerHistogram::operator+=(const PowerHistogram& o) {
  for (std::size_t i = 0; i < std::min(s_.size(), o.s_.size()); ++i) s_[i] += o.s_[i];
  zero_s_ += o.zero_s_;
  total_s_ += o.total_s_;
  return *this;
}

std::optional<double> RoomDay::mean_c() const {
  if (temp_s <= 0.0) return std::nullopt;
  return temp_sum / temp_s;
}

// --- EnergyLedger: feeding ---

EnergyLedger::EnergyLedger(EnergyConfig config, Tariff tariff)
    : config_(std::move(config)), tariff_(std::move(tariff)) {}

void EnergyLedger::set_device(const EnergyDeviceFacts& facts) {
  Device* d = device(facts.device.id);
  if (d == nullptr) return;
  d->facts = facts;
  if (contains(config_.motion_kinds, facts.device.kind)) {
    any_motion_sensor_ = true;
    if (Room* r = room(facts.device.room)) r->has_motion_sensor = true;
  }
}

void EnergyLedger::set_tariff(Tariff tariff) { tariff_ = std::move(tariff); }

EnergyLedger::Device* EnergyLedger::device(const std::string& id) {
  if (auto it = devices_.find(id); it != devices_.end()) return &it->second;
  if (devices_.size() >= config_.max_devices) {
    ++devices_dropped_;
    return nullptr;
  }
  Device d;
  d.facts.device.id = id;
  return &devices_.emplace(id, std::move(d)).first->second;
}

EnergyLedger::Room* EnergyLedger::room(const std::string& name) {
  if (auto it = rooms_.find(name); it != rooms_.end()) return &it->second;
  if (rooms_.size() >= config_.max_rooms) return nullptr;
  return &rooms_[name];
}

const FuelTariff& EnergyLedger::fuel_of(const Device& d) const {
  return is_gas(d.facts) && tariff_.gas ? *tariff_.gas : tariff_.electricity;
}

bool EnergyLedger::is_heating(const EnergyDeviceFacts& f) const {
  return contains(config_.heating_kinds, f.device.kind);
}
bool EnergyLedger::is_fridge(const EnergyDeviceFacts& f) const { return contains(config_.fridge_kinds, f.device.kind); }
bool EnergyLedger::is_mains(const EnergyDeviceFacts& f) const { return contains(config_.mains_kinds, f.device.kind); }
bool EnergyLedger::is_gas(const EnergyDeviceFacts& f) const { return contains(config_.gas_kinds, f.device.kind); }

void EnergyLedger::note_time(core::TimePoint t) {
  if (t <= latest_) return;
  latest_ = t;
  const Day today = config_.clock.day_of(t);
  if (today > pruned_through_) {
    prune(today);
    pruned_through_ = today;
  }
}

void EnergyLedger::on_reading(const core::Reading& r) {
  if (r.retained || !std::isfinite(r.value)) return;
  switch (r.metric) {
    case core::Metric::power_w:
      note_time(r.ts);
      if (Device* d = device(r.device_id)) on_power(*d, r.ts, r.value);
      break;
    case core::Metric::energy_kwh: {
      const Device* d = device(r.device_id);
      if (d == nullptr) return;
      auto step = core::EnergyStep::advance;
      if (!d->counter) {
        step = core::EnergyStep::first;
      } else if (r.counter_reset || r.value < d->counter->value - EPS_KWH) {
        step = core::EnergyStep::reset;  // the interval since the last total is incomplete
      }
      on_energy_total(r, step);
      break;
    }
    case core::Metric::temperature_c:
      note_time(r.ts);
      on_temperature(r.device_id, r.ts, r.value);
      break;
    case core::Metric::motion:
      note_time(r.ts);
      on_motion(r.device_id, r.ts, r.value != 0.0);
      break;
    case core::Metric::contact_open:
      note_time(r.ts);
      on_contact(r.device_id, r.value != 0.0);
      break;
    default:
      break;
  }
}

void EnergyLedger::on_energy_total(const core::Reading& total, core::EnergyStep step) {
  if (!std::isfinite(total.value)) return;
  note_time(total.ts);
  Device* d = device(total.device_id);
  if (d == nullptr) return;
  if (d->counter && total.ts <= d->counter->ts) {
    ++out_of_order_;
    return;
  }
  close_counter_interval(*d, Sample{total.ts, total.value}, step, total.counter_reset);
}

void EnergyLedger::set_outdoor_mean_c(Day day, double mean_c) {
  if (std::isfinite(mean_c)) outdoor_feed_[day] = mean_c;
}

DeviceDay& EnergyLedger::day_of(Device& d, Day day) { return d.days[day]; }

EnergyLedger::HomeDay& EnergyLedger::home_day(Day day) { return home_days_[day]; }

int EnergyLedger::minute_index(Day day, core::TimePoint t) const {
  const auto into = std::chrono::duration_cast<std::chrono::minutes>(t - config_.clock.day_start(day)).count();
  return static_cast<int>(std::clamp<long long>(into, 0, 1499));
}

template <typename F>
void EnergyLedger::for_each_piece(core::TimePoint from, core::TimePoint to, const FuelTariff* fuel, F&& f) const {
  const LocalClock& clock = config_.clock;
  core::TimePoint t = from;
  while (t < to) {
    const Day day = clock.day_of(t);
    core::TimePoint end = std::min(to, clock.day_end(day));
    end = std::min(end, next_window_edge(t, config_.night, clock));
    if (auto change = clock.next_change(t)) end = std::min(end, *change);
    int band = 0;
    if (fuel != nullptr) {
      band = fuel->band_at(t, clock);
      end = std::min(end, fuel->next_band_change(t, clock));
    }
    const bool night = config_.night.contains(clock.minute_of_day(t));
    f(day, band, night, t, end);
    t = end;
  }
}

void EnergyLedger::on_power(Device& d, core::TimePoint t, double reported_w) {
  const double power_w = reported_w * d.facts.calibration_factor;
  const double max_w = d.facts.rating_w * config_.rating_margin;
  if (!(power_w >= 0.0) || power_w > max_w) {
    ++day_of(d, config_.clock.day_of(t)).implausible;  // flagged, never used
    return;
  }
  if (d.power) {
    const core::TimePoint t0 = d.power->ts;
    if (t <= t0) {
      if (t < t0) ++out_of_order_;
      return;
    }
    const double p0 = d.power->value;
    const core::TimePoint hold_end = std::min(t, t0 + config_.max_power_hold);
    power_segment(d, t0, hold_end, p0);
    if (config_.bridge_from_power && t > hold_end && t - hold_end <= config_.max_estimated_gap) {
      // The gap beyond the hold: the lower of the powers either side, and it says so.
      const core::TimePoint from = std::max(hold_end, d.accounted_until);
      if (from < t) {
        allocate(d, from, t, kwh_of(std::min(p0, power_w), seconds_between(from, t)), Provenance::estimated,
                 d.counter.has_value());
        d.accounted_until = t;
      }
    }
  }
  d.power = Sample{t, power_w};
}

void EnergyLedger::power_segment(Device& d, core::TimePoint from, core::TimePoint to, double power_w) {
  if (to <= from) return;
  const FuelTariff& fuel = fuel_of(d);
  const bool mains = is_mains(d.facts);
  const bool heater = is_heating(d.facts);
  const double on_w = is_fridge(d.facts) ? config_.fridge_on_w : heater ? config_.heater_on_w : config_.standby_max_w;
  const std::string& room_name = d.facts.device.room;
  const Room* r = nullptr;
  if (auto it = rooms_.find(room_name); heater && !room_name.empty() && it != rooms_.end()) r = &it->second;
  const bool any_open = r != nullptr && std::any_of(r->open_contacts.begin(), r->open_contacts.end(),
                                                    [](const auto& c) { return c.second; });
  const bool empty =
      r != nullptr && r->has_motion_sensor && (!r->last_motion || from - *r->last_motion > config_.empty_room_after);
  const bool warm = heater && room_warm(room_name, from);

  for_each_piece(from, to, &fuel, [&](Day day, int band, bool night, core::TimePoint a, core::TimePoint b) {
    const double s = seconds_between(a, b);
    const double k = kwh_of(power_w, s);
    DeviceDay& dd = day_of(d, day);
    dd.observed_s += s;
    if (power_w >= on_w) dd.on_s += s;
    if (power_w < config_.standby_max_w) {
      const double pence = k * fuel.rate_of_band(band);
      dd.low_kwh += k;
      dd.low_pence += pence;
      if (night) {
        dd.night_low_kwh += k;
        dd.night_low_pence += pence;
      }
      d.low_power.try_emplace(day, FINE_MAX_W).first->second.add(power_w, s);
    }
    if (mains) {
      HomeDay& h = home_day(day);
      if (!h.mains) h.mains.emplace(3000.0);
      h.mains->add(power_w, s);
    }
    if (heater && power_w >= config_.heater_on_w) {
      HomeDay& h = home_day(day);
      for (int m = minute_index(day, a); m <= minute_index(day, b - milliseconds{1}); ++m) {
        h.heating.set(static_cast<std::size_t>(m));
      }
      if (!warm) {
        dd.heat_not_warm_kwh += k;
      } else {
        if (any_open) dd.heat_open_kwh += k;
        if (empty) dd.heat_empty_kwh += k;
      }
    }
  });

  if (!config_.bridge_from_power) return;
  const core::TimePoint start = std::max(from, d.accounted_until);
  if (start >= to) return;
  allocate(d, start, to, kwh_of(power_w, seconds_between(start, to)), Provenance::bridged, d.counter.has_value());
  d.accounted_until = to;
}

void EnergyLedger::allocate(Device& d, core::TimePoint from, core::TimePoint to, double kwh, Provenance p,
                            bool record_open) {
  const FuelTariff& fuel = fuel_of(d);
  const double total_s = seconds_between(from, to);
  if (total_s <= 0.0) return;
  for_each_piece(from, to, &fuel, [&](Day day, int band, bool, core::TimePoint a, core::TimePoint b) {
    const double s = seconds_between(a, b);
    const double k = kwh * s / total_s;
    const double pence = k * fuel.rate_of_band(band);
    DeviceDay& dd = day_of(d, day);
    part(dd.kwh, p) += k;
    dd.band_kwh[static_cast<std::size_t>(band)] += k;
    dd.pence += pence;
    dd.covered_s += s;
    if (!record_open) return;
    auto it = std::find_if(d.open.begin(), d.open.end(),
                           [&](const OpenAlloc& o) { return o.day == day && o.band == band && o.provenance == p; });
    if (it == d.open.end()) {
      if (d.open.size() >= MAX_OPEN) {
        // A counter that stopped reporting: keep what was bridged, and never replace it later.
        d.open.clear();
        d.locked_until = std::max(d.locked_until, to);
      }
      d.open.push_back(OpenAlloc{day, band, p, k, pence, s});
    } else {
      it->kwh += k;
      it->pence += pence;
      it->seconds += s;
    }
  });
}

void EnergyLedger::retract_open(Device& d) {
  for (const auto& o : d.open) {
    auto it = d.days.find(o.day);
    if (it == d.days.end()) continue;  // pruned meanwhile
    DeviceDay& dd = it->second;
    part(dd.kwh, o.provenance) = std::max(0.0, part(dd.kwh, o.provenance) - o.kwh);
    auto& band = dd.band_kwh[static_cast<std::size_t>(o.band)];
    band = std::max(0.0, band - o.kwh);
    dd.pence = std::max(0.0, dd.pence - o.pence);
    dd.covered_s = std::max(0.0, dd.covered_s - o.seconds);
  }
  d.open.clear();
}

void EnergyLedger::close_counter_interval(Device& d, const Sample& next, core::EnergyStep step, bool restarted) {
  using core::EnergyStep;
  const Day day = config_.clock.day_of(next.ts);
  // The device said its counter restarted; apply_energy_sample reports that as an advance when the
  // new count is not below the old one, but the interval still lost what came before the restart.
  if (restarted && step == EnergyStep::advance) step = EnergyStep::reset;
  if (step == EnergyStep::reset || step == EnergyStep::rewind || step == EnergyStep::rebased) {
    ++day_of(d, day).counter_restarts;
  }
  const bool have_prev = d.counter.has_value();
  const Sample prev = have_prev ? *d.counter : Sample{};
  const double delta_kwh = have_prev ? (next.value - prev.value) * d.facts.calibration_factor : 0.0;
  const double hours = have_prev ? seconds_between(prev.ts, next.ts) / 3600.0 : 0.0;
  // More than the plug can pass: flagged, and power bridges the interval instead.
  const bool plausible = !have_prev || hours <= 0.0 ||
                         delta_kwh <= d.facts.rating_w * config_.rating_margin / 1000.0 * hours + COUNTER_SLACK_KWH;
  if (!plausible && step == EnergyStep::advance) ++day_of(d, day).implausible;
  const bool valid = have_prev && plausible && d.counter_usable && step == EnergyStep::advance && hours > 0.0 &&
                     delta_kwh >= -EPS_KWH && d.locked_until <= prev.ts;

  // Bring the bridged kWh up to the counter's time: a valid interval follows their profile, an
  // invalid one keeps them (a power reading in the same message comes after the counter).
  if (config_.bridge_from_power && have_prev && d.power && d.power->ts < next.ts) {
    const core::TimePoint hold_end = std::min(next.ts, d.power->ts + config_.max_power_hold);
    const core::TimePoint start = std::max(d.power->ts, d.accounted_until);
    if (start < hold_end) {
      allocate(d, start, hold_end, kwh_of(d.power->value, seconds_between(start, hold_end)), Provenance::bridged, true);
      d.accounted_until = hold_end;
    }
  }
  if (valid) {
    double open_kwh = 0.0;
    double open_s = 0.0;
    for (const auto& o : d.open) {
      open_kwh += o.kwh;
      open_s += o.seconds;
    }
    const auto profile = d.open;
    retract_open(d);
    const double measured_kwh = std::max(0.0, delta_kwh);
    const FuelTariff& fuel = fuel_of(d);
    if (open_kwh > EPS_KWH && open_s >= PROPORTIONAL_MIN_COVER * hours * 3600.0) {
      // Follow the bridged time profile (so kWh land in the right day and band), at the counter's total.
      for (const auto& o : profile) {
        const double k = measured_kwh * o.kwh / open_kwh;
        DeviceDay& dd = day_of(d, o.day);
        dd.kwh.measured += k;
        dd.band_kwh[static_cast<std::size_t>(o.band)] += k;
        dd.pence += k * fuel.rate_of_band(o.band);
      }
      // Coverage: the counter covers the whole interval.
      for_each_piece(prev.ts, next.ts, nullptr, [&](Day dday, int, bool, core::TimePoint a, core::TimePoint b) {
        day_of(d, dday).covered_s += seconds_between(a, b);
      });
    } else {
      allocate(d, prev.ts, next.ts, measured_kwh, Provenance::measured, false);
    }
    d.accounted_until = std::max(d.accounted_until, next.ts);
  } else if (have_prev && delta_kwh > EPS_KWH && d.counter_usable && d.locked_until <= prev.ts &&
             (step == EnergyStep::reset || step == EnergyStep::rebased)) {
    // What the counter saw after its restart is a floor for the interval: it wins when power data
    // (bridged and estimated kWh) account for less.
    double open_kwh = 0.0;
    for (const auto& o : d.open) open_kwh += o.kwh;
    if (delta_kwh > open_kwh) {
      retract_open(d);
      allocate(d, prev.ts, next.ts, delta_kwh, Provenance::measured, false);
      d.accounted_until = std::max(d.accounted_until, next.ts);
    }
  }
  d.open.clear();
  d.locked_until = std::max(d.locked_until, d.accounted_until);
  d.counter = next;
  d.counter_usable = step != EnergyStep::rewind;
}

void EnergyLedger::on_temperature(const std::string& device_id, core::TimePoint t, double value_c) {
  Device* d = device(device_id);
  if (d == nullptr) return;
  const auto& f = d->facts.device;
  const bool outdoor = contains(config_.outdoor_kinds, f.kind) || contains(config_.outdoor_rooms, f.room);
  if (outdoor) {
    auto& last = d->outdoor_temperature;
    if (last && t > last->ts) {
      const core::TimePoint to = std::min(t, last->ts + config_.max_temperature_age);
      const double v = last->value;
      for_each_piece(last->ts, to, nullptr, [&](Day day, int, bool, core::TimePoint a, core::TimePoint b) {
        HomeDay& h = home_day(day);
        h.outdoor_s += seconds_between(a, b);
        h.outdoor_sum += v * seconds_between(a, b);
      });
    }
    if (!last || t > last->ts) last = Sample{t, value_c};
    return;
  }
  Room* r = room(f.room);
  if (r == nullptr) return;
  auto& last = r->temperatures[device_id];
  if (last.ts != core::TimePoint{} && t > last.ts) {
    temperature_segment(f.room, last.ts, std::min(t, last.ts + config_.max_temperature_age), last.value);
  } else if (last.ts != core::TimePoint{} && t < last.ts) {
    ++out_of_order_;
    return;
  }
  last = Sample{t, value_c};
}

void EnergyLedger::temperature_segment(const std::string& room_name, core::TimePoint from, core::TimePoint to,
                                       double value_c) {
  Room& r = rooms_.at(room_name);
  const bool cold = value_c < config_.cold_c && occupied(r, from, to);
  for_each_piece(from, to, nullptr, [&](Day day, int, bool, core::TimePoint a, core::TimePoint b) {
    const double s = seconds_between(a, b);
    RoomDay& rd = r.days[day];
    rd.temp_s += s;
    rd.temp_sum += value_c * s;
    rd.min_c = std::min(rd.min_c, value_c);
    if (!cold) return;
    rd.cold_occupied_s += s;
    HomeDay& h = home_day(day);
    for (int m = minute_index(day, a); m <= minute_index(day, b - milliseconds{1}); ++m) {
      h.cold.set(static_cast<std::size_t>(m));
    }
  });
}

bool EnergyLedger::occupied(const Room& r, core::TimePoint from, core::TimePoint to) const {
  // Motion during the segment counts too: it is closed by the next reading, so motion that
  // arrived meanwhile is already known.
  const auto recent = [&](const std::optional<core::TimePoint>& m) {
    return m && from - *m <= config_.occupied_within && *m <= to;
  };
  if (r.has_motion_sensor) return recent(r.last_motion);
  if (any_motion_sensor_) return recent(last_motion_any_);
  return true;  // no motion sensors at all: assume someone is at home (a cold home is never hidden)
}

bool EnergyLedger::room_warm(const std::string& room_name, core::TimePoint t) const {
  auto it = rooms_.find(room_name);
  if (it == rooms_.end() || it->second.temperatures.empty()) return false;  // unknown is not warm
  bool any = false;
  for (const auto& [id, s] : it->second.temperatures) {
    if (t - s.ts > config_.max_temperature_age || s.ts - t > config_.max_temperature_age) continue;
    if (s.value < config_.cold_c) return false;
    any = true;
  }
  return any;
}

void EnergyLedger::on_motion(const std::string& device_id, core::TimePoint t, bool motion) {
  const Device* d = device(device_id);
  const std::string room_name = d != nullptr ? d->facts.device.room : std::string{};
  any_motion_sensor_ = true;
  Room* r = room(room_name);
  if (r != nullptr) r->has_motion_sensor = true;
  if (!motion) return;
  if (r != nullptr && (!r->last_motion || t > *r->last_motion)) r->last_motion = t;
  if (!last_motion_any_ || t > *last_motion_any_) last_motion_any_ = t;
}

void EnergyLedger::on_contact(const std::string& device_id, bool open) {
  const Device* d = device(device_id);
  if (d == nullptr) return;
  if (Room* r = room(d->facts.device.room)) r->open_contacts[device_id] = open;
}

void EnergyLedger::prune(Day today) {
  const Day keep_days = today - config_.max_days;
  const Day keep_detail = today - config_.detail_days;
  const Day keep_standby = today - config_.standby_window_days;
  for (auto& [id, d] : devices_) {
    d.days.erase(d.days.begin(), d.days.lower_bound(keep_days));
    d.low_power.erase(d.low_power.begin(), d.low_power.lower_bound(keep_standby));
  }
  for (auto& [name, r] : rooms_) r.days.erase(r.days.begin(), r.days.lower_bound(keep_days));
  home_days_.erase(home_days_.begin(), home_days_.lower_bound(keep_detail));
  outdoor_feed_.erase(outdoor_feed_.begin(), outdoor_feed_.lower_bound(keep_days));
}

std::vector<Day> EnergyLedger::completed_days(core::TimePoint now) {
  const Day today = config_.clock.day_of(now);
  std::vector<Day> out;
  if (last_completed_check_) {
    for (Day d = std::max(*last_completed_check_, today - config_.max_days); d < today; ++d) out.push_back(d);
  }
  if (!last_completed_check_ || today > *last_completed_check_) last_completed_check_ = today;
  note_time(now);
  return out;
}

// --- queries ---

std::vector<std::string> EnergyLedger::device_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, d] : devices_) ids.push_back(id);
  return ids;
}

const EnergyDeviceFacts* EnergyLedger::facts(std::string_view device_id) const {
  auto it = devices_.find(device_id);
  return it == devices_.end() ? nullptr : &it->second.facts;
}

const DeviceDay* EnergyLedger::device_day(std::string_view device_id, Day day) const {
  auto it = devices_.find(device_id);
  if (it == devices_.end()) return nullptr;
  auto dit = it->second.days.find(day);
  return dit == it->second.days.end() ? nullptr : &dit->second;
}

const RoomDay* EnergyLedger::room_day(std::string_view room_name, Day day) const {
  auto it = rooms_.find(room_name);
  if (it == rooms_.end()) return nullptr;
  auto dit = it->second.days.find(day);
  return dit == it->second.days.end() ? nullptr : &dit->second;
}

std::vector<std::string> EnergyLedger::rooms() const {
  std::vector<std::string> out;
  for (const auto& [name, r] : rooms_) out.push_back(name);
  return out;
}

PeriodUsage EnergyLedger::device_usage(std::string_view device_id, Day from, Day to, core::TimePoint now) const {
  PeriodUsage u;
  auto it = devices_.find(device_id);
  if (it == devices_.end() || to < from) return u;
  double pence = 0.0;
  double covered = 0.0;
  for (auto dit = it->second.days.lower_bound(from); dit != it->second.days.end() && dit->first <= to; ++dit) {
    u.kwh += dit->second.kwh;
    pence += dit->second.pence;
    covered += dit->second.covered_s;
  }
  u.pence = std::llround(pence);
  const core::TimePoint start = config_.clock.day_start(from);
  const core::TimePoint end = std::min(now, config_.clock.day_end(to));
  const double elapsed = seconds_between(start, end);
  u.coverage = elapsed > 0.0 ? std::clamp(covered / elapsed, 0.0, 1.0) : 0.0;
  return u;
}

std::optional<Standby> EnergyLedger::standby(std::string_view device_id, Day today) const {
  auto it = devices_.find(device_id);
  if (it == devices_.end()) return std::nullopt;
  const Device& d = it->second;
  const Day from = today - config_.standby_window_days;
  PowerHistogram low(FINE_MAX_W);
  for (auto hit = d.low_power.lower_bound(from); hit != d.low_power.end() && hit->first <= today; ++hit) {
    low += hit->second;
  }
  double observed = 0.0, low_kwh = 0.0, low_pence = 0.0, night_kwh = 0.0, night_pence = 0.0;
  int days = 0;
  for (auto dit = d.days.lower_bound(from); dit != d.days.end() && dit->first <= today; ++dit) {
    observed += dit->second.observed_s;
    low_kwh += dit->second.low_kwh;
    low_pence += dit->second.low_pence;
    night_kwh += dit->second.night_low_kwh;
    night_pence += dit->second.night_low_pence;
    days += dit->second.observed_s > 0.0 ? 1 : 0;
  }
  constexpr double MIN_OBSERVED_S = 6 * 3600.0;
  if (observed < MIN_OBSERVED_S || low.seconds() <= 0.0) return std::nullopt;
  Standby s;
  s.low_share = low.seconds() / observed;
  if (s.low_share < 0.2) return std::nullopt;  // nearly always in use: no standby state seen
  s.standby_w = *low.quantile(0.5);
  const double tolerance_w = std::max(1.0, 0.2 * s.standby_w);
  const double at_level_s = low.seconds_between(s.standby_w - tolerance_w, s.standby_w + tolerance_w);
  s.steady = at_level_s >= 0.6 * low.seconds();
  s.reliable = s.standby_w >= config_.min_reliable_w;
  s.days = days;
  s.hours_per_day = at_level_s / observed * 24.0;
  const double observed_days = observed / 86400.0;
  const double rate = low_kwh > EPS_KWH ? low_pence / low_kwh : fuel_of(d).unit_rate_p_per_kwh;
  s.kwh_per_year = s.standby_w * s.hours_per_day * 365.0 / 1000.0;
  s.pence_per_year = std::llround(s.kwh_per_year * rate);
  s.night_kwh_per_year = night_kwh / observed_days * 365.0;
  s.night_pence_per_year = std::llround(night_pence / observed_days * 365.0);
  return s;
}

std::optional<double> EnergyLedger::baseload_w(Day day, Provenance* provenance) const {
  bool have_mains = false;
  for (const auto& [id, d] : devices_) have_mains = have_mains || is_mains(d.facts);
  if (have_mains) {
    auto it = home_days_.find(day);
    constexpr double MIN_MAINS_S = 12 * 3600.0;
    if (it == home_days_.end() || !it->second.mains || it->second.mains->seconds() < MIN_MAINS_S) return std::nullopt;
    if (provenance != nullptr) *provenance = Provenance::measured;
    return it->second.mains->quantile(0.10);
  }
  // No whole-home meter: the monitored devices' standby levels, a lower bound.
  double sum = 0.0;
  bool any = false;
  for (const auto& [id, d] : devices_) {
    if (is_gas(d.facts)) continue;
    if (auto s = standby(id, day)) {
      sum += s->standby_w;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  if (provenance != nullptr) *provenance = Provenance::estimated;
  return sum;
}

namespace {

// Daily mean of the last up to 28 complete days with at least half a day of data, x 365.
template <typename DayRange>
PeriodUsage project_year(const DayRange& days, Day today) {
  PeriodUsage u;
  double kwh = 0.0, pence = 0.0;
  int n = 0;
  for (auto it = days.lower_bound(today - 28); it != days.end() && it->first < today; ++it) {
    if (it->second.covered_s < 0.5 * 86400.0) continue;
    kwh += it->second.kwh.total();
    pence += it->second.pence;
    ++n;
  }
  if (n == 0) return u;
  u.kwh.estimated = kwh / n * 365.0;
  u.pence = std::llround(pence / n * 365.0);
  u.coverage = n / 28.0;
  return u;
}

void add(PeriodUsage& into, const PeriodUsage& u, int n) {
  into.kwh += u.kwh;
  into.pence += u.pence;
  into.coverage = (into.coverage * (n - 1) + u.coverage) / n;  // mean over devices
}

}  // namespace

std::vector<ApplianceUsage> EnergyLedger::appliances(core::TimePoint now) const {
  const Day today = config_.clock.day_of(now);
  const Day jan1 = first_day_of_year(year_of(today));
  std::vector<ApplianceUsage> out;
  for (const auto& [id, d] : devices_) {
    if (is_mains(d.facts) || is_gas(d.facts) || d.days.empty()) continue;
    bool any_energy = false;
    for (const auto& [day, dd] : d.days) any_energy = any_energy || dd.covered_s > 0.0;
    if (!any_energy) continue;  // sensors (temperature, motion) only
    ApplianceUsage a;
    a.device_id = id;
    a.name = d.facts.device.display_name();
    a.kind = d.facts.device.kind;
    a.room = d.facts.device.room;
    a.today = device_usage(id, today, today, now);
    a.week = device_usage(id, today - 6, today, now);
    a.year_to_date = device_usage(id, jan1, today, now);
    a.projected_year = project_year(d.days, today);
    a.standby = standby(id, today);
    for (auto dit = d.days.lower_bound(today - 6); dit != d.days.end(); ++dit)
      a.implausible_readings += dit->second.implausible;
    out.push_back(std::move(a));
  }
  return out;
}

HomeUsage EnergyLedger::home(core::TimePoint now) const {
  const Day today = config_.clock.day_of(now);
  const Day jan1 = first_day_of_year(year_of(today));
  HomeUsage h;
  for (const auto& [id, d] : devices_) h.from_mains = h.from_mains || is_mains(d.facts);
  int n_elec = 0, n_gas = 0;
  for (const auto& [id, d] : devices_) {
    const bool gas = is_gas(d.facts);
    if (!gas && is_mains(d.facts) != h.from_mains) continue;
    bool any_energy = false;
    for (const auto& [day, dd] : d.days) any_energy = any_energy || dd.covered_s > 0.0;
    if (!any_energy) continue;
    const int n = gas ? ++n_gas : ++n_elec;
    add(gas ? h.gas_today : h.electricity_today, device_usage(id, today, today, now), n);
    add(gas ? h.gas_week : h.electricity_week, device_usage(id, today - 6, today, now), n);
    add(gas ? h.gas_year_to_date : h.electricity_year_to_date, device_usage(id, jan1, today, now), n);
    add(gas ? h.gas_projected_year : h.electricity_projected_year, project_year(d.days, today), n);
  }
  double standing = tariff_.electricity.standing_charge_p_per_day;
  if (tariff_.gas) standing += tariff_.gas->standing_charge_p_per_day;
  h.standing_pence_today = std::llround(standing);
  h.standing_pence_week = std::llround(standing * 7);
  h.standing_pence_year_to_date = std::llround(standing * (today - jan1 + 1));
  h.standing_pence_projected_year = std::llround(standing * 365);
  h.baseload_w = baseload_w(today, &h.baseload_provenance);
  if (!h.baseload_w) h.baseload_w = baseload_w(today - 1, &h.baseload_provenance);
  if (h.baseload_w) {
    h.baseload_pence_per_year = std::llround(*h.baseload_w * 8.76 * tariff_.electricity.unit_rate_p_per_kwh);
  }
  return h;
}

double EnergyLedger::cold_home_hours(Day day) const {
  auto it = home_days_.find(day);
  return it == home_days_.end() ? 0.0 : static_cast<double>(it->second.cold.count()) / 60.0;
}

std::optional<bool> EnergyLedger::self_rationing(Day day) const {
  bool heating_measured = false;
  for (const auto& [id, d] : devices_) {
    if (!is_heating(d.facts)) continue;
    auto dit = d.days.find(day);
    heating_measured = heating_measured || (dit != d.days.end() && dit->second.observed_s > 0.0);
  }
  if (!heating_measured) return std::nullopt;
  auto it = home_days_.find(day);
  if (it == home_days_.end()) return false;
  const auto cold_min = it->second.cold.count();
  constexpr std::size_t MIN_COLD_MIN = 120;
  if (cold_min < MIN_COLD_MIN) return false;
  const auto heated_while_cold = (it->second.cold & it->second.heating).count();
  return static_cast<double>(heated_while_cold) < 0.25 * static_cast<double>(cold_min);
}

std::optional<double> EnergyLedger::outdoor_mean_c(Day day) const {
  if (auto it = outdoor_feed_.find(day); it != outdoor_feed_.end()) return it->second;
  auto it = home_days_.find(day);
  const double day_s = seconds_between(config_.clock.day_start(day), config_.clock.day_end(day));
  if (it == home_days_.end() || it->second.outdoor_s < 0.75 * day_s) return std::nullopt;
  return it->second.outdoor_sum / it->second.outdoor_s;
}

std::optional<double> EnergyLedger::heating_degree_days(Day day, double base_c) const {
  auto mean = outdoor_mean_c(day);
  if (!mean) return std::nullopt;
  return std::max(0.0, base_c - *mean);
}

double EnergyLedger::heating_kwh(Day day) const {
  double kwh = 0.0;
  for (const auto& [id, d] : devices_) {
    const bool counts = is_heating(d.facts) || (is_gas(d.facts) && tariff_.heating_fuel == Fuel::gas);
    if (!counts) continue;
    if (auto it = d.days.find(day); it != d.days.end()) kwh += it->second.kwh.total();
  }
  return kwh;
}

DailySummary EnergyLedger::summarise(Day day) const {
  DailySummary s;
  s.day = day;
  s.date = format_day(day);
  s.tariff_id = tariff_.id;
  s.tariff_illustrative = tariff_.illustrative;
  s.prepayment = tariff_.prepayment;
  const double day_s = seconds_between(config_.clock.day_start(day), config_.clock.day_end(day));
  for (const auto& [id, d] : devices_) s.from_mains = s.from_mains || is_mains(d.facts);
  double elec_pence = 0.0, gas_pence = 0.0, home_covered = 0.0;
  int home_devices = 0;
  std::map<std::string, ApplianceDay> by_kind;
  for (const auto& [id, d] : devices_) {
    auto it = d.days.find(day);
    if (it == d.days.end()) continue;
    const DeviceDay& dd = it->second;
    s.implausible_readings += dd.implausible;
    s.counter_restarts += dd.counter_restarts;
    if (dd.covered_s <= 0.0) continue;
    if (is_gas(d.facts)) {
      s.gas += dd.kwh;
      gas_pence += dd.pence;
      continue;
    }
    if (is_mains(d.facts) == s.from_mains) {
      s.electricity += dd.kwh;
      elec_pence += dd.pence;
      home_covered += dd.covered_s;
      ++home_devices;
    }
    if (is_mains(d.facts)) continue;
    s.monitored_kwh += dd.kwh.total();
    ApplianceDay& a = by_kind[d.facts.device.kind];
    a.kind = d.facts.device.kind;
    ++a.devices;
    a.kwh += dd.kwh;
    a.pence += std::llround(dd.pence);
    a.coverage += dd.covered_s / day_s;
    if (auto sb = standby(id, day)) a.standby_w = a.standby_w.value_or(0.0) + sb->standby_w;
  }
  for (auto& [kind, a] : by_kind) {
    a.coverage = std::min(1.0, a.coverage / a.devices);
    s.appliances.push_back(a);
  }
  std::sort(s.appliances.begin(), s.appliances.end(), [](const ApplianceDay& a, const ApplianceDay& b) {
    return a.kwh.total() != b.kwh.total() ? a.kwh.total() > b.kwh.total() : a.kind < b.kind;
  });
  s.electricity_pence = std::llround(elec_pence);
  s.gas_pence = std::llround(gas_pence);
  double standing = tariff_.electricity.standing_charge_p_per_day;
  if (tariff_.gas) standing += tariff_.gas->standing_charge_p_per_day;
  s.standing_pence = std::llround(standing);
  if (s.from_mains) s.unmonitored_kwh = s.electricity.total() - s.monitored_kwh;
  s.coverage = home_devices > 0 ? std::min(1.0, home_covered / home_devices / day_s) : 0.0;
  s.baseload_w = baseload_w(day, &s.baseload_provenance);
  s.heating_kwh = heating_kwh(day);
  s.cold_home_hours = cold_home_hours(day);
  s.self_rationing = self_rationing(day);
  s.outdoor_mean_c = outdoor_mean_c(day);
  s.heating_degree_days = heating_degree_days(day);
  return s;
}

}  // namespace hearth::rules::energy
