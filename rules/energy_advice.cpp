#include "rules/energy_advice.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hearth::rules::energy {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Watts as people read them: "14", "2.5".
std::string watts(double w) { return w >= 10.0 ? fixed(std::round(w), 0) : fixed(w, 1); }

std::string hhmm(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minute / 60) % 24, minute % 60);
  return buf;
}

struct DeviceTotals {
  DeviceDay sum;
  int days = 0;
};

// The device's figures summed over [from, to].
DeviceTotals totals(const EnergyLedger& ledger, const std::string& id, Day from, Day to) {
  DeviceTotals t;
  for (Day d = from; d <= to; ++d) {
    const DeviceDay* dd = ledger.device_day(id, d);
    if (dd == nullptr) continue;
    ++t.days;
    t.sum.kwh += dd->kwh;
    t.sum.pence += dd->pence;
    for (std::size_t b = 0; b < dd->band_kwh.size(); ++b) t.sum.band_kwh[b] += dd->band_kwh[b];
    t.sum.covered_s += dd->covered_s;
    t.sum.observed_s += dd->observed_s;
    t.sum.on_s += dd->on_s;
    t.sum.heat_open_kwh += dd->heat_open_kwh;
    t.sum.heat_empty_kwh += dd->heat_empty_kwh;
    t.sum.heat_not_warm_kwh += dd->heat_not_warm_kwh;
  }
  return t;
}

double mean_rate(const DeviceDay& d, double fallback) {
  return d.kwh.total() > 1e-9 ? d.pence / d.kwh.total() : fallback;
}

Confidence confidence_for_days(double observed_days) {
  if (observed_days >= 5.0) return Confidence::high;
  if (observed_days >= 2.0) return Confidence::medium;
  return Confidence::low;
}

Confidence lower(Confidence a, Confidence b) {
  return static_cast<Confidence>(std::min(static_cast<int>(a), static_cast<int>(b)));
}

void standby_tip(std::vector<Advice>& out, const EnergyLedger& ledger, const std::string& id,
                 const EnergyDeviceFacts& f, Day today, const AdviceConfig& config) {
  if (f.device.essential || !contains(config.standby_kinds, f.device.kind)) return;
  const auto s = ledger.standby(id, today);
  if (!s || !s->steady || s->standby_w < config.min_standby_w) return;
  if (s->night_pence_per_year < config.min_saving_pence_per_year) return;
  const MinuteWindow night = ledger.config().night;
  Advice a;
  a.kind = AdviceKind::standby;
  a.key = "energy_standby";
  a.device_id = id;
  a.room = f.device.room;
  a.saving_pence_per_year = s->night_pence_per_year;
  a.saving_kwh_per_year = s->night_kwh_per_year;
  a.confidence = confidence_for_days(s->days);
  if (!s->reliable) a.confidence = Confidence::low;  // plug meters are unreliable at a few watts
  a.params = {{"device", f.device.display_name()},
              {"standby_w", watts(s->standby_w)},
              {"hours", fixed(s->hours_per_day, 0)},
              {"cost_year", format_pounds(s->pence_per_year)},
              {"from", hhmm(night.start_min)},
              {"to", hhmm(night.end_min)},
              {"saving_year", format_pounds(s->night_pence_per_year)}};
  a.basis = "measured standby " + fixed(s->standby_w, 1) + " W (median of low-power readings), " +
            fixed(s->hours_per_day, 1) + " h/day at that level over " + std::to_string(s->days) + " days" +
            (s->reliable ? "" : "; below the plug's reliable range");
  out.push_back(std::move(a));
}

void peak_tip(std::vector<Advice>& out, const EnergyLedger& ledger, const std::string& id, const EnergyDeviceFacts& f,
              Day from, Day to, const AdviceConfig& config) {
  const FuelTariff& fuel = ledger.tariff().electricity;
  if (!fuel.time_of_use() || !contains(config.shiftable_kinds, f.device.kind)) return;
  const auto t = totals(ledger, id, from, to);
  const double covered_days = t.sum.covered_s / 86400.0;
  if (covered_days < 1.0) return;
  const int cheap = fuel.cheapest_band();
  const double cheap_rate = fuel.rate_of_band(cheap);
  double extra_pence = 0.0, peak_kwh = 0.0;
  for (int b = 0; b < fuel.band_count(); ++b) {
    const double rate = fuel.rate_of_band(b);
    if (rate <= cheap_rate) continue;
    const double kwh = t.sum.band_kwh[static_cast<std::size_t>(b)];
    peak_kwh += kwh;
    extra_pence += kwh * (rate - cheap_rate);
  }
  const auto saving = std::llround(extra_pence / covered_days * 365.0);
  if (saving < config.min_saving_pence_per_year) return;
  // The cheap hours as a window: the cheapest band, or, when that is "outside the bands" of a
  // one-band tariff (a peak band), the rest of the day.
  int cheap_from = 0, cheap_to = 0;
  if (cheap > 0) {
    cheap_from = fuel.bands[static_cast<std::size_t>(cheap - 1)].start_min;
    cheap_to = fuel.bands[static_cast<std::size_t>(cheap - 1)].end_min;
  } else if (fuel.bands.size() == 1) {
    cheap_from = fuel.bands[0].end_min;
    cheap_to = fuel.bands[0].start_min;
  } else {
    return;  // no single cheap window to name
  }
  Advice a;
  a.kind = AdviceKind::peak_shift;
  a.key = "energy_peak_shift";
  a.device_id = id;
  a.room = f.device.room;
  a.saving_pence_per_year = saving;
  a.saving_kwh_per_year = 0.0;                                                  // the same energy, at a cheaper time
  a.confidence = lower(confidence_for_days(covered_days), Confidence::medium);  // depends on habits
  a.params = {{"device", f.device.display_name()}, {"kwh", fixed(peak_kwh, 1)}, {"days", std::to_string(t.days)},
              {"from", hhmm(cheap_from)},          {"to", hhmm(cheap_to)},      {"saving_year", format_pounds(saving)}};
  a.basis = "measured " + fixed(peak_kwh, 2) + " kWh outside the cheapest band over " + fixed(covered_days, 1) +
            " days of data; saving = those kWh x the rate difference, scaled to a year";
  out.push_back(std::move(a));
}

void heater_tips(std::vector<Advice>& out, const EnergyLedger& ledger, const std::string& id,
                 const EnergyDeviceFacts& f, Day from, Day to, const AdviceConfig& config) {
  if (!ledger.is_heating(f) || f.device.room.empty()) return;
  const auto t = totals(ledger, id, from, to);
  const double observed_days = t.sum.observed_s / 86400.0;
  if (observed_days < 1.0) return;
  const double rate = mean_rate(t.sum, ledger.tariff().electricity.unit_rate_p_per_kwh);
  const auto add = [&](AdviceKind kind, const char* key, double kwh, const char* what) {
    const double kwh_year = kwh / observed_days * config.heating_season_days;
    const auto pence = std::llround(kwh_year * rate);
    if (pence < config.min_saving_pence_per_year) return;
    Advice a;
    a.kind = kind;
    a.key = key;
    a.device_id = id;
    a.room = f.device.room;
    a.reduces_heating = true;
    a.saving_pence_per_year = pence;
    a.saving_kwh_per_year = kwh_year;
    a.confidence = Confidence::low;  // an upper bound: some of that heat was still useful
    a.params = {{"device", f.device.display_name()},
                {"room", f.device.room},
                {"kwh", fixed(kwh, 1)},
                {"cost", format_pounds(std::llround(kwh * rate))},
                {"days", std::to_string(t.days)},
                {"saving_year", format_pounds(pence)}};
    a.basis = std::string("measured ") + fixed(kwh, 2) + " kWh of heater use " + what + " over " +
              fixed(observed_days, 1) + " days, room at or above 18 °C; scaled to a " +
              std::to_string(config.heating_season_days) + "-day heating season; an upper bound";
    out.push_back(std::move(a));
  };
  add(AdviceKind::heater_window_open, "energy_heater_window_open", t.sum.heat_open_kwh,
      "with a window or door in the room open");
  add(AdviceKind::heating_empty_room, "energy_heating_empty_room", t.sum.heat_empty_kwh,
      "with nobody in the room for over an hour");
}

void fridge_tip(std::vector<Advice>& out, const EnergyLedger& ledger, const std::string& id, const EnergyDeviceFacts& f,
                Day today, const AdviceConfig& config) {
  if (!ledger.is_fridge(f)) return;
  const Day recent_to = today - 1;
  const Day recent_from = today - config.fridge_window_days;
  const Day before_to = recent_to - config.fridge_gap_days;
  const Day before_from = recent_from - config.fridge_gap_days;
  const auto recent = totals(ledger, id, recent_from, recent_to);
  const auto before = totals(ledger, id, before_from, before_to);
  const double window_s = config.fridge_window_days * 86400.0;
  if (recent.sum.observed_s < 0.5 * window_s || before.sum.observed_s < 0.5 * window_s) return;
  const double duty_now = recent.sum.on_s / recent.sum.observed_s;
  const double duty_before = before.sum.on_s / before.sum.observed_s;
  if (duty_now < duty_before * config.fridge_rise_ratio || duty_now - duty_before < config.fridge_min_rise) return;
  if (recent.sum.covered_s <= 0.0 || before.sum.covered_s <= 0.0) return;
  const double kwh_day_now = recent.sum.kwh.total() / (recent.sum.covered_s / 86400.0);
  const double kwh_day_before = before.sum.kwh.total() / (before.sum.covered_s / 86400.0);
  const double extra_kwh_year = (kwh_day_now - kwh_day_before) * 365.0;
  const double rate = mean_rate(recent.sum, ledger.tariff().electricity.unit_rate_p_per_kwh);
  const auto pence = std::llround(extra_kwh_year * rate);
  if (!(extra_kwh_year > 0.0) || pence < config.min_saving_pence_per_year) return;
  // A warmer kitchen makes any fridge work harder: then the rise says less about the fridge.
  Confidence confidence = Confidence::medium;
  double temp_now = 0, temp_s_now = 0, temp_before = 0, temp_s_before = 0;
  for (Day d = recent_from; d <= recent_to; ++d) {
    if (const RoomDay* r = ledger.room_day(f.device.room, d)) temp_now += r->temp_sum, temp_s_now += r->temp_s;
  }
  for (Day d = before_from; d <= before_to; ++d) {
    if (const RoomDay* r = ledger.room_day(f.device.room, d)) temp_before += r->temp_sum, temp_s_before += r->temp_s;
  }
  std::string ambient = "kitchen temperature not measured";
  if (temp_s_now > 0 && temp_s_before > 0) {
    const double diff = temp_now / temp_s_now - temp_before / temp_s_before;
    ambient = "room " + fixed(diff, 1) + " °C warmer than before";
    if (diff >= 2.0) confidence = Confidence::low;
  } else {
    confidence = Confidence::low;
  }
  const int weeks = (config.fridge_gap_days + config.fridge_window_days) / 7;
  Advice a;
  a.kind = AdviceKind::fridge_ageing;
  a.key = "energy_fridge_ageing";
  a.device_id = id;
  a.room = f.device.room;
  a.saving_pence_per_year = pence;
  a.saving_kwh_per_year = extra_kwh_year;
  a.confidence = confidence;
  a.params = {{"device", f.device.display_name()},
              {"duty_now", fixed(duty_now * 100.0, 0)},
              {"duty_before", fixed(duty_before * 100.0, 0)},
              {"weeks", std::to_string(weeks)},
              {"extra_kwh", fixed(extra_kwh_year, 0)},
              {"saving_year", format_pounds(pence)}};
  a.basis = "measured compressor duty " + fixed(duty_now * 100.0, 1) + "% over the last " +
            std::to_string(config.fridge_window_days) + " days against " + fixed(duty_before * 100.0, 1) + "% " +
            std::to_string(config.fridge_gap_days) + " days earlier; " + ambient;
  out.push_back(std::move(a));
}

int rank_of(const Advice& a) { return a.care ? 0 : 1; }

}  // namespace

const char* to_string(Confidence c) {
  switch (c) {
    case Confidence::low:
      return "low";
    case Confidence::medium:
      return "medium";
    case Confidence::high:
      return "high";
  }
  return "low";
}

const char* to_string(AdviceKind k) {
  switch (k) {
    case AdviceKind::cold_home:
      return "cold_home";
    case AdviceKind::standby:
      return "standby";
    case AdviceKind::peak_shift:
      return "peak_shift";
    case AdviceKind::heater_window_open:
      return "heater_window_open";
    case AdviceKind::heating_empty_room:
      return "heating_empty_room";
    case AdviceKind::fridge_ageing:
      return "fridge_ageing";
  }
  return "unknown";
}

std::string format_pounds(std::int64_t pence) {
  if (pence < 0) return "-" + format_pounds(-pence);
  if (pence < 100) return std::to_string(pence) + "p";
  if (pence >= 1000) return "£" + std::to_string((pence + 50) / 100);
  char buf[32];
  std::snprintf(buf, sizeof buf, "£%lld.%02lld", static_cast<long long>(pence / 100),
                static_cast<long long>(pence % 100));
  return buf;
}

bool room_verified_warm(const EnergyLedger& ledger, const std::string& room, Day from, Day to) {
  const double cold_c = ledger.config().cold_c;
  int days_with_data = 0;
  for (Day d = from; d <= to; ++d) {
    const RoomDay* r = ledger.room_day(room, d);
    if (r == nullptr || r->temp_s <= 0.0) continue;
    if (r->min_c < cold_c) return false;
    ++days_with_data;
  }
  return days_with_data * 2 >= (to - from + 1);
}

void apply_rule_of_care(std::vector<Advice>& advice, const EnergyLedger& ledger, Day from, Day to,
                        const AdviceConfig& config) {
  std::erase_if(advice, [&](const Advice& a) {
    return a.reduces_heating && (a.room.empty() || !room_verified_warm(ledger, a.room, from, to));
  });
  for (const auto& room : ledger.rooms()) {
    double cold_s = 0.0, min_c = 1e9;
    for (Day d = from; d <= to; ++d) {
      if (const RoomDay* r = ledger.room_day(room, d)) {
        cold_s += r->cold_occupied_s;
        min_c = std::min(min_c, r->min_c);
      }
    }
    const double hours = cold_s / 3600.0;
    if (hours < config.min_cold_hours) continue;
    const bool present = std::any_of(advice.begin(), advice.end(), [&](const Advice& a) {
      return a.kind == AdviceKind::cold_home && a.room == room;
    });
    if (present) continue;
    Advice a;
    a.kind = AdviceKind::cold_home;
    a.key = config.region == HelpRegion::wales ? "energy_cold_home_wales" : "energy_cold_home_gb";
    a.room = room;
    a.care = true;
    a.cold_hours = hours;
    a.confidence = Confidence::high;
    a.params = {{"room", room.empty() ? "home" : room},
                {"hours", fixed(hours, 0)},
                {"days", std::to_string(to - from + 1)},
                {"min_c", fixed(min_c, 1)},
                {"threshold", fixed(ledger.config().cold_c, 0)}};
    a.basis = "measured " + fixed(hours, 1) + " occupied hours below " + fixed(ledger.config().cold_c, 0) +
              " °C over " + std::to_string(to - from + 1) + " days (lowest " + fixed(min_c, 1) + " °C)";
    advice.push_back(std::move(a));
  }
}

std::vector<Advice> make_advice(const EnergyLedger& ledger, core::TimePoint now, const AdviceConfig& config) {
  const Day today = ledger.today(now);
  const Day from = today - config.period_days + 1;
  std::vector<Advice> out;
  for (const auto& id : ledger.device_ids()) {
    const EnergyDeviceFacts* f = ledger.facts(id);
    if (f == nullptr || ledger.is_mains(*f) || ledger.is_gas(*f)) continue;
    standby_tip(out, ledger, id, *f, today, config);
    peak_tip(out, ledger, id, *f, from, today, config);
    heater_tips(out, ledger, id, *f, from, today, config);
    fridge_tip(out, ledger, id, *f, today, config);
  }
  apply_rule_of_care(out, ledger, from, today, config);
  std::stable_sort(out.begin(), out.end(), [](const Advice& a, const Advice& b) {
    if (rank_of(a) != rank_of(b)) return rank_of(a) < rank_of(b);
    if (a.care) return a.cold_hours > b.cold_hours;
    if (a.saving_pence_per_year != b.saving_pence_per_year) return a.saving_pence_per_year > b.saving_pence_per_year;
    return a.confidence > b.confidence;
  });
  if (out.size() > config.max_items) out.resize(config.max_items);
  return out;
}

std::string render(const Advice& advice, Language lang) {
  return hearth::rules::render(advice.key, lang, advice.params);
}

}  // namespace hearth::rules::energy
