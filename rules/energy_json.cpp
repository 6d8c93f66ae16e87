#include "rules/energy_json.h"

#include <nlohmann/json.hpp>

#include "rules/energy_summary.h"

namespace hearth::rules::energy {
namespace {

using nlohmann::json;

template <typename T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json estimate_json(const Estimate& e) { return json{{"value", e.value}, {"low", e.low}, {"high", e.high}}; }

json standby_json(const Standby& s) {
  return json{{"standby_w", s.standby_w},
              {"hours_per_day", s.hours_per_day},
              {"steady", s.steady},
              {"reliable", s.reliable},
              {"days", s.days},
              {"kwh_per_year", s.kwh_per_year},
              {"pence_per_year", s.pence_per_year},
              {"night_kwh_per_year", s.night_kwh_per_year},
              {"night_pence_per_year", s.night_pence_per_year},
              {"provenance", "measured"}};
}

}  // namespace

json usage_json(const PeriodUsage& u) { return json{{"kwh", u.kwh}, {"pence", u.pence}, {"coverage", u.coverage}}; }

json appliances_json(const std::vector<ApplianceUsage>& appliances) {
  json out = json::array();
  for (const auto& a : appliances) {
    out.push_back({{"device_id", a.device_id},
                   {"name", a.name},
                   {"kind", a.kind},
                   {"room", a.room},
                   {"today", usage_json(a.today)},
                   {"week", usage_json(a.week)},
                   {"year_to_date", usage_json(a.year_to_date)},
                   {"projected_year", usage_json(a.projected_year)},
                   {"standby", a.standby ? standby_json(*a.standby) : json(nullptr)},
                   {"implausible_readings", a.implausible_readings}});
  }
  return out;
}

json home_json(const HomeUsage& h, const Tariff& tariff) {
  const auto period = [](const PeriodUsage& elec, const PeriodUsage& gas, std::int64_t standing) {
    return json{{"electricity", usage_json(elec)},
                {"gas", usage_json(gas)},
                {"standing_pence", standing},
                {"total_pence", elec.pence + gas.pence + standing}};
  };
  return json{
      {"from_mains", h.from_mains},
      {"today", period(h.electricity_today, h.gas_today, h.standing_pence_today)},
      {"week", period(h.electricity_week, h.gas_week, h.standing_pence_week)},
      {"year_to_date", period(h.electricity_year_to_date, h.gas_year_to_date, h.standing_pence_year_to_date)},
      {"projected_year", period(h.electricity_projected_year, h.gas_projected_year, h.standing_pence_projected_year)},
      {"baseload_w", optional_json(h.baseload_w)},
      {"baseload_provenance", to_string(h.baseload_provenance)},
      {"baseload_pence_per_year", h.baseload_pence_per_year},
      {"tariff",
       {{"id", tariff.id},
        {"name", tariff.name},
        {"illustrative", tariff.illustrative},
        {"prepayment", tariff.prepayment},
        {"source", tariff.source},
        {"source_date", tariff.source_date}}}};
}

json advice_json(const std::vector<Advice>& advice, Language lang) {
  json out = json::array();
  for (const auto& a : advice) {
    out.push_back({{"kind", to_string(a.kind)},
                   {"key", a.key},
                   {"params", a.params},
                   {"text", render(a, lang)},
                   {"saving_pence_per_year", a.saving_pence_per_year},
                   {"saving_kwh_per_year", a.saving_kwh_per_year},
                   {"saving_provenance", "estimated"},
                   {"confidence", to_string(a.confidence)},
                   {"basis", a.basis},
                   {"device_id", a.device_id},
                   {"room", a.room},
                   {"care", a.care}});
  }
  return out;
}

json savings_json(const SavingsResult& s) {
  return json{{"baseline_days", s.baseline_days},
              {"reporting_days", s.reporting_days},
              {"weather_normalised", s.weather_normalised},
              {"model",
               {{"intercept_kwh_per_day", s.intercept_kwh_per_day},
                {"slope_kwh_per_hdd", s.slope_kwh_per_hdd},
                {"r_squared", s.r_squared},
                {"cv_rmse", s.cv_rmse},
                {"hdd_base_c", HDD_BASE_C}}},
              {"baseline_kwh", s.baseline_kwh},
              {"adjusted_baseline_kwh", s.adjusted_baseline_kwh},
              {"actual_kwh", s.actual_kwh},
              {"saved_kwh", estimate_json(s.saved_kwh)},
              {"saved_pct", estimate_json(s.saved_pct)},
              {"saved_pence", {{"value", s.saved_pence}, {"low", s.saved_pence_low}, {"high", s.saved_pence_high}}},
              {"rate_p_per_kwh", s.rate_p_per_kwh},
              {"saved_kg_co2e", estimate_json(s.saved_kg_co2e)},
              {"annual_saved_pence", s.annual_saved_pence},
              {"payback_months",
               {{"value", optional_json(s.payback_months)},
                {"low", optional_json(s.payback_months_low)},
                {"high", optional_json(s.payback_months_high)}}},
              {"interval", "95% prediction interval, OLS, independent daily errors"},
              {"warnings", s.warnings}};
}

json fuel_poverty_json(const FuelPovertyIndicators& f) {
  return json{{"days", f.days},
              {"cold_home_hours", f.cold_home_hours},
              {"cold_home_hours_per_week", f.cold_home_hours_per_week},
              {"self_rationing_days", f.self_rationing_days},
              {"self_rationing_assessed_days", f.self_rationing_assessed_days},
              {"annual_cost_pence", f.annual_cost_pence},
              {"annual_cost_provenance", "estimated"},
              {"share_of_income_low", optional_json(f.share_low)},
              {"share_of_income_high", optional_json(f.share_high)},
              {"status", to_string(f.status)},
              {"prepayment", f.prepayment}};
}

}  // namespace hearth::rules::energy
