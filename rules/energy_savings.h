#pragma once
// Measured savings, IPMVP Option B style: a baseline period and a reporting period for one home
// or appliance; savings = adjusted baseline - actual. The baseline is a regression of daily kWh
// on heating degree-days (HDD, base 15.5 °C, the UK convention) when the baseline spans enough
// HDD, else its daily mean; the adjusted baseline is that model applied to the reporting days'
// HDD. The uncertainty band is the 95% prediction interval of the adjusted-baseline sum under
// ordinary least squares (independent daily errors; no autocorrelation correction: see
// docs/energy.md). Reported in kWh, pence, %, kg CO2e (configurable grid factor) and payback months.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rules/energy_ledger.h"
#include "rules/energy_summary.h"

namespace hearth::rules::energy {

// DESNZ/DEFRA greenhouse gas conversion factors 2024, UK electricity (generation, location-based,
// excluding transmission and distribution losses): 0.20705 kg CO2e per kWh.
inline constexpr double UK_GRID_KG_CO2E_PER_KWH_2024 = 0.20705;
inline constexpr double HDD_BASE_C = 15.5;

struct SavingsDay {
  Day day = 0;
  double kwh = 0.0;
  double pence = 0.0;  // energy charge for those kWh (0: use the config's unit rate)
  std::optional<double> hdd;
};

struct SavingsConfig {
  bool weather_normalise = true;  // regress on HDD when every baseline and reporting day has one
  double grid_kg_co2e_per_kwh = UK_GRID_KG_CO2E_PER_KWH_2024;
  std::optional<std::int64_t> kit_cost_pence;  // for payback
  double unit_rate_p_per_kwh = 0.0;            // when the days carry no pence
  int min_baseline_days = 7;
  double min_hdd_range = 3.0;  // the baseline's HDD must span this much to fit a slope
};

// A central estimate and its 95% interval.
struct Estimate {
  double value = 0.0;
  double low = 0.0;
  double high = 0.0;
};

struct SavingsResult {
  int baseline_days = 0;
  int reporting_days = 0;
  bool weather_normalised = false;
  double intercept_kwh_per_day = 0.0;
  double slope_kwh_per_hdd = 0.0;
  double r_squared = 0.0;
  double cv_rmse = 0.0;  // residual standard error / mean daily baseline kWh
  double baseline_kwh = 0.0;
  double adjusted_baseline_kwh = 0.0;
  double actual_kwh = 0.0;
  Estimate saved_kwh;
  Estimate saved_pct;  // of the adjusted baseline
  std::int64_t saved_pence = 0;
  std::int64_t saved_pence_low = 0;
  std::int64_t saved_pence_high = 0;
  double rate_p_per_kwh = 0.0;
  Estimate saved_kg_co2e;
  std::int64_t annual_saved_pence = 0;  // saved_pence x 365 / reporting_days
  // Kit cost / monthly saving; nullopt when there is no kit cost or no saving. payback_months_high
  // is nullopt when the interval's low end is no saving at all.
  std::optional<double> payback_months;
  std::optional<double> payback_months_low;
  std::optional<double> payback_months_high;
  std::vector<std::string> warnings;
};

core::Result<SavingsResult> compute_savings(const std::vector<SavingsDay>& baseline,
                                            const std::vector<SavingsDay>& reporting, const SavingsConfig& config = {});

// Daily series from stored summaries over [from, to]: the home's electricity (kind empty), or one
// appliance kind; days whose coverage is below min_coverage are left out (a gap is not a saving).
std::vector<SavingsDay> savings_days(const std::vector<DailySummary>& summaries, Day from, Day to,
                                     std::string_view kind = {}, double min_coverage = 0.9);
// The same from the ledger for one device.
std::vector<SavingsDay> savings_days(const EnergyLedger& ledger, std::string_view device_id, Day from, Day to,
                                     double min_coverage = 0.9);

// Two-sided 95% Student t quantile for df degrees of freedom (table, interpolated).
double t95(int df);

}  // namespace hearth::rules::energy
