#include "gateway/energy_service.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "rules/energy_json.h"
#include "rules/fuel_poverty.h"

namespace hearth::gateway {
namespace {

namespace en = rules::energy;
using nlohmann::json;

constexpr const char* TARIFF_KEY = "energy_tariff";            // the home's edited tariff (JSON)
constexpr const char* TARIFF_BASE_KEY = "energy_tariff_base";  // the config's tariff id it replaced
constexpr int USUAL_DAYS = 28;                                 // "a usual day": the last 28 stored days
constexpr int MIN_USUAL_DAYS = 3;
constexpr int RESTART_KEEP_DAYS = 60;

en::EnergyDeviceFacts facts_of(const Device& d) {
  en::EnergyDeviceFacts f;
  f.device = rules::DeviceFacts{
      d.id, d.settings.room, d.settings.kind, d.display_name(), d.settings.essential, d.settings.switchable};
  f.rating_w = d.settings.rating_w;
  f.calibration_factor = d.settings.calibration_factor;
  return f;
}

bool is_energy_input(core::Metric m) {
  using core::Metric;
  return m == Metric::power_w || m == Metric::temperature_c || m == Metric::motion || m == Metric::contact_open;
}

en::SavingsConfig savings_config(const EnergySettings& s, const en::Tariff& tariff) {
  en::SavingsConfig c;
  c.grid_kg_co2e_per_kwh = s.grid_kg_co2e_per_kwh;
  c.kit_cost_pence = s.kit_cost_pence;
  c.unit_rate_p_per_kwh = tariff.electricity.unit_rate_p_per_kwh;
  return c;
}

}  // namespace

EnergyService::EnergyService(Store& store, const DeviceRegistry& registry, const EnergySettings& settings,
                             en::EnergyConfig ledger_config)
    : store_(store), registry_(registry), settings_(settings), ledger_(std::move(ledger_config), settings.tariff) {
  apply_tariff();
  refresh_devices();
}

void EnergyService::apply_tariff() {
  en::Tariff tariff = settings_.tariff;
  tariff_edited_ = false;
  const auto edited = store_.setting(TARIFF_KEY);
  const auto base = store_.setting(TARIFF_BASE_KEY);
  if (edited && base && *base == settings_.tariff.id) {
    if (auto t = en::parse_tariff(*edited)) {
      tariff = std::move(*t);
      tariff_edited_ = true;
    } else {
      spdlog::warn("energy: the home's saved tariff cannot be read ({}); using {}", t.error().message, tariff.id);
    }
  } else if (edited) {
    spdlog::info("energy: the config names tariff {}; the tariff edited earlier (for {}) is not used", tariff.id,
                 base.value_or("?"));
  }
  ledger_.set_tariff(std::move(tariff));
}

core::Result<void> EnergyService::set_tariff(const en::Tariff& tariff) {
  if (auto v = en::validate(tariff); !v) return v.error();
  if (auto r = store_.set_setting(TARIFF_KEY, en::tariff_to_json(tariff)); !r) return r.error();
  if (auto r = store_.set_setting(TARIFF_BASE_KEY, settings_.tariff.id); !r) return r.error();
  ledger_.set_tariff(tariff);
  tariff_edited_ = true;
  return {};
}

void EnergyService::reconfigure(const EnergySettings& settings) {
  settings_ = settings;
  apply_tariff();
  refresh_devices();
}

void EnergyService::refresh_devices() {
  for (const auto& [id, d] : registry_.all()) ledger_.set_device(facts_of(d));
}

void EnergyService::ensure_device(const Device& device) {
  if (ledger_.facts(device.id) == nullptr) ledger_.set_device(facts_of(device));
}

void EnergyService::on_reading(const core::Reading& reading, const Device& device) {
  if (!is_energy_input(reading.metric) || reading.retained) return;
  ensure_device(device);
  metered_ = metered_ || reading.metric == core::Metric::power_w;
  ledger_.on_reading(reading);
}

void EnergyService::on_energy_total(const core::Reading& total, core::EnergyStep step, const Device& device) {
  if (total.retained) return;
  ensure_device(device);
  metered_ = true;
  const bool restart = step == core::EnergyStep::reset || step == core::EnergyStep::rebased ||
                       step == core::EnergyStep::rewind || total.counter_reset;
  if (restart) {
    const std::string name = step == core::EnergyStep::advance ? "reset" : core::to_string(step);
    if (auto r = store_.save_energy_restart(total.device_id, core::to_epoch_ms(total.ts), name); !r)
      spdlog::warn("energy: counter restart of {} not stored: {}", total.device_id, r.error().message);
  }
  ledger_.on_energy_total(total, step);
}

bool EnergyService::store_summary(en::Day day, core::TimePoint now, bool only_with_data) {
  const en::DailySummary summary = ledger_.summarise(day);
  if (only_with_data && summary.coverage <= 0.0 && summary.electricity.total() <= 0.0 && summary.gas.total() <= 0.0)
    return false;
  auto added = store_.save_energy_day({summary.date, en::daily_summary_to_json(summary), core::to_epoch_ms(now)});
  if (!added) {
    spdlog::error("energy: cannot store the summary of {}: {}", summary.date, added.error().message);
    return false;
  }
  if (!*added) return false;
  spdlog::info("energy: {} summarised: {:.2f} kWh electricity, {}p with standing charges", summary.date,
               summary.electricity.total(), summary.total_pence());
  if (on_summary_) on_summary_(summary);
  return true;
}

std::size_t EnergyService::tick(core::TimePoint now) {
  std::size_t stored = 0;
  for (en::Day day : ledger_.completed_days(now)) stored += store_summary(day, now, false) ? 1 : 0;
  const en::Day today = ledger_.today(now);
  if (today != last_prune_) {
    last_prune_ = today;
    if (auto r = store_.prune_energy_days(en::format_day(today - settings_.summary_retention_days)); !r)
      spdlog::warn("energy: cannot prune old summaries: {}", r.error().message);
    // Restarts matter only while their readings can be replayed (raw readings: days, not years).
    const auto keep_from = ledger_.config().clock.day_start(today - RESTART_KEEP_DAYS);
    if (auto r = store_.prune_energy_restarts(core::to_epoch_ms(keep_from)); !r)
      spdlog::warn("energy: cannot prune old counter restarts: {}", r.error().message);
  }
  return stored;
}

core::Result<std::size_t> EnergyService::restore(core::TimePoint now, int replay_days, bool store_missing) {
  const auto& clock = ledger_.config().clock;
  const en::Day today = clock.day_of(now);
  ledger_since_ = today - std::max(0, replay_days);
  (void)ledger_.completed_days(now);  // days completed by the replay are handled below
  auto series = store_.series();
  if (!series) return series.error();
  std::size_t fed = 0;
  for (en::Day day = ledger_since_; day <= today; ++day) {
    // One local day at a time: memory stays bounded by a day's readings.
    const auto from_ms = core::to_epoch_ms(clock.day_start(day));
    const auto to_ms = std::min(core::to_epoch_ms(clock.day_end(day)), core::to_epoch_ms(now) + 1);
    std::vector<core::Reading> readings;
    for (const auto& [device_id, metric_name] : *series) {
      const auto metric = core::metric_from_string(metric_name);
      if (!metric || (*metric != core::Metric::energy_kwh && !is_energy_input(*metric))) continue;
      auto points = store_.readings(device_id, *metric, from_ms, to_ms, Resolution::raw, 10'000'000);
      if (!points) return points.error();
      for (const auto& p : *points) {
        core::Reading r;
        r.device_id = device_id;
        r.metric = *metric;
        r.value = p.value;
        r.ts = core::from_epoch_ms(p.ts_ms);
        readings.push_back(std::move(r));
      }
    }
    std::stable_sort(readings.begin(), readings.end(),
                     [](const core::Reading& a, const core::Reading& b) { return a.ts < b.ts; });
    auto restarts = store_.energy_restarts(from_ms, to_ms);
    if (!restarts) return restarts.error();
    for (auto& r : readings) {
      if (const Device* d = registry_.find(r.device_id)) ensure_device(*d);
      metered_ = metered_ || r.metric == core::Metric::power_w || r.metric == core::Metric::energy_kwh;
      // Stored energy_kwh values are the pipeline's monotonic totals: the ledger infers each step,
      // except at the restarts recorded when they happened.
      if (r.metric == core::Metric::energy_kwh) {
        if (auto it = restarts->find({r.device_id, core::to_epoch_ms(r.ts)}); it != restarts->end()) {
          r.counter_reset = true;
          const auto step = it->second == "rebased"  ? core::EnergyStep::rebased
                            : it->second == "rewind" ? core::EnergyStep::rewind
                                                     : core::EnergyStep::reset;
          ledger_.on_energy_total(r, step);
          continue;
        }
      }
      ledger_.on_reading(r);
    }
    fed += readings.size();
  }
  if (store_missing) {
    for (en::Day day = ledger_since_; day < today; ++day) {
      if (ledger_.device_ids().empty()) break;
      (void)store_summary(day, now, true);
    }
  }
  return fed;
}

std::vector<en::DailySummary> EnergyService::stored_summaries(en::Day from, en::Day to) const {
  std::vector<en::DailySummary> out;
  auto rows = store_.energy_days(en::format_day(from), en::format_day(to));
  if (!rows) {
    spdlog::error("energy: cannot read stored summaries: {}", rows.error().message);
    return out;
  }
  for (const auto& row : *rows) {
    auto s = en::parse_daily_summary(row.summary_json);
    if (s)
      out.push_back(std::move(*s));
    else
      spdlog::warn("energy: stored summary of {} not used: {}", row.day, s.error().message);
  }
  return out;
}

json EnergyService::summary_json(core::TimePoint now) const {
  en::HomeUsage home = ledger_.home(now);
  const en::Day today = ledger_.today(now);
  // Year to date: the stored summaries of this year's days before the ledger's own.
  const en::Day year_start = en::first_day_of_year(en::year_of(today));
  const auto before =
      ledger_since_ > year_start ? stored_summaries(year_start, ledger_since_ - 1) : std::vector<en::DailySummary>{};
  for (const auto& s : before) {
    home.electricity_year_to_date.kwh += s.electricity;
    home.electricity_year_to_date.pence += s.electricity_pence;
    home.gas_year_to_date.kwh += s.gas;
    home.gas_year_to_date.pence += s.gas_pence;
  }  // standing charges: the ledger already counts every day of the year
  if (!before.empty()) {
    const double ledger_days = static_cast<double>(today - std::max(ledger_since_, year_start)) + 1.0;
    double covered = home.electricity_year_to_date.coverage * ledger_days;
    for (const auto& s : before) covered += s.coverage;
    home.electricity_year_to_date.coverage = covered / (static_cast<double>(today - year_start) + 1.0);
  }
  // Projected year: from the stored days when they reach further back than the ledger.
  const auto recent = stored_summaries(today - USUAL_DAYS, today - 1);
  if (static_cast<int>(recent.size()) > today - ledger_since_) {
    double kwh = 0.0, pence = 0.0, gas_kwh = 0.0, gas_pence = 0.0;
    for (const auto& s : recent) {
      kwh += s.electricity.total();
      pence += static_cast<double>(s.electricity_pence);
      gas_kwh += s.gas.total();
      gas_pence += static_cast<double>(s.gas_pence);
    }
    const double scale = 365.0 / static_cast<double>(recent.size());
    home.electricity_projected_year = {en::Kwh{0.0, 0.0, kwh * scale}, std::llround(pence * scale), 1.0};
    home.gas_projected_year = {en::Kwh{0.0, 0.0, gas_kwh * scale}, std::llround(gas_pence * scale), 1.0};
  }
  const auto window = stored_summaries(today - 28, today - 1);
  json out = en::home_json(home, ledger_.tariff());
  out["tariff"]["edited"] = tariff_edited_;
  out["date"] = en::format_day(today);
  out["ledger_since"] = en::format_day(ledger_since_);
  out["year_to_date_stored_days"] = before.size();
  out["fuel_poverty"] = en::fuel_poverty_json(en::fuel_poverty_indicators(window, settings_.income));
  out["income_band_declared"] = settings_.income.has_value();
  return out;
}

json EnergyService::appliances_json(core::TimePoint now) const {
  return json{{"date", en::format_day(ledger_.today(now))},
              {"ledger_since", en::format_day(ledger_since_)},
              {"tariff_id", ledger_.tariff().id},
              {"appliances", en::appliances_json(ledger_.appliances(now))}};
}

json EnergyService::advice_json(core::TimePoint now, rules::Language lang) const {
  return json{{"language", lang == rules::Language::cy ? "cy" : "en"},
              {"advice", en::advice_json(en::make_advice(ledger_, now, advice_config_), lang)}};
}

json EnergyService::tv_energy_json(core::TimePoint now) const {
  if (!metered_) return nullptr;  // the TV says "not measured yet"
  const en::HomeUsage home = ledger_.home(now);
  const en::Day today = ledger_.today(now);
  json out;
  const std::int64_t energy_today = home.electricity_today.pence + home.gas_today.pence;
  out["today_cost_pence"] = energy_today + home.standing_pence_today;
  out["today_kwh"] = home.electricity_today.kwh.total() + home.gas_today.kwh.total();
  out["today_provenance"] = en::to_string(home.electricity_today.kwh.provenance());
  // A usual day by now: the mean energy charge of the last stored days, pro rata for the time of
  // day, plus today's standing charge (estimated; shown only with a few days to go on).
  const auto& clock = ledger_.config().clock;
  const auto days = stored_summaries(today - USUAL_DAYS, today - 1);
  if (static_cast<int>(days.size()) >= MIN_USUAL_DAYS) {
    double energy = 0.0;
    for (const auto& s : days) energy += static_cast<double>(s.electricity_pence + s.gas_pence);
    const double day_s = std::chrono::duration<double>(clock.day_end(today) - clock.day_start(today)).count();
    const double elapsed_s = std::chrono::duration<double>(now - clock.day_start(today)).count();
    const double share = std::clamp(elapsed_s / day_s, 0.0, 1.0);
    out["usual_cost_pence"] =
        std::llround(energy / static_cast<double>(days.size()) * share) + home.standing_pence_today;
    out["usual_days"] = days.size();
  } else {
    out["usual_cost_pence"] = nullptr;
  }
  json top = json::array();
  auto appliances = ledger_.appliances(now);
  std::erase_if(appliances, [&](const en::ApplianceUsage& a) {
    const auto* f = ledger_.facts(a.device_id);
    return f != nullptr && (ledger_.is_mains(*f) || ledger_.is_gas(*f));
  });
  std::stable_sort(appliances.begin(), appliances.end(),
                   [](const auto& a, const auto& b) { return a.today.pence > b.today.pence; });
  for (const auto& a : appliances) {
    if (a.today.kwh.total() <= 0.0) continue;
    top.push_back({{"device_id", a.device_id},
                   {"name", a.name},
                   {"kind", a.kind},
                   {"cost_pence", a.today.pence},
                   {"energy_kwh", a.today.kwh.total()},
                   {"provenance", en::to_string(a.today.kwh.provenance())}});
  }
  out["appliances"] = top;
  out["tariff_illustrative"] = ledger_.tariff().illustrative;
  return out;
}

json EnergyService::tv_advice_json(core::TimePoint now) const {
  json out = json::array();
  for (const auto& a : en::make_advice(ledger_, now, advice_config_)) {
    out.push_back({{"kind", en::to_string(a.kind)},
                   {"key", a.key},
                   {"text", {{"en", en::render(a, rules::Language::en)}, {"cy", en::render(a, rules::Language::cy)}}},
                   {"saving_pence_per_year", a.saving_pence_per_year},
                   {"care", a.care}});
  }
  return out;
}

core::Result<en::SavingsResult> EnergyService::savings(std::pair<en::Day, en::Day> baseline,
                                                       std::pair<en::Day, en::Day> reporting,
                                                       const std::string& kind) const {
  const auto all =
      stored_summaries(std::min(baseline.first, reporting.first), std::max(baseline.second, reporting.second));
  const auto b = en::savings_days(all, baseline.first, baseline.second, kind);
  const auto r = en::savings_days(all, reporting.first, reporting.second, kind);
  return en::compute_savings(b, r, savings_config(settings_, ledger_.tariff()));
}

}  // namespace hearth::gateway
