#include "rules/energy_savings.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace hearth::rules::energy {
namespace {

struct Fit {
  int p = 1;  // parameters: 1 (mean) or 2 (intercept + slope)
  double b0 = 0.0, b1 = 0.0;
  double s2 = 0.0;              // residual variance
  std::array<double, 3> inv{};  // (X'X)^-1 as [a, b, d] of the symmetric 2x2 [[a, b], [b, d]]
  double r2 = 0.0;
};

Fit fit_mean(const std::vector<SavingsDay>& days) {
  Fit f;
  const auto n = static_cast<double>(days.size());
  for (const auto& d : days) f.b0 += d.kwh / n;
  double sse = 0.0;
  for (const auto& d : days) sse += (d.kwh - f.b0) * (d.kwh - f.b0);
  f.s2 = days.size() > 1 ? sse / (n - 1.0) : 0.0;
  f.inv = {1.0 / n, 0.0, 0.0};
  return f;
}

std::optional<Fit> fit_hdd(const std::vector<SavingsDay>& days) {
  const auto n = static_cast<double>(days.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& d : days) {
    sx += *d.hdd;
    sy += d.kwh;
    sxx += *d.hdd * *d.hdd;
    sxy += *d.hdd * d.kwh;
  }
  const double det = n * sxx - sx * sx;
  if (days.size() < 3 || det <= 1e-12) return std::nullopt;
  Fit f;
  f.p = 2;
  f.b1 = (n * sxy - sx * sy) / det;
  f.b0 = (sy - f.b1 * sx) / n;
  f.inv = {sxx / det, -sx / det, n / det};
  double sse = 0.0, sst = 0.0;
  const double mean = sy / n;
  for (const auto& d : days) {
    const double e = d.kwh - (f.b0 + f.b1 * *d.hdd);
    sse += e * e;
    sst += (d.kwh - mean) * (d.kwh - mean);
  }
  f.s2 = sse / (n - 2.0);
  f.r2 = sst > 0.0 ? 1.0 - sse / sst : 0.0;
  return f;
}

bool all_have_hdd(const std::vector<SavingsDay>& days) {
  return std::all_of(days.begin(), days.end(), [](const SavingsDay& d) { return d.hdd.has_value(); });
}

std::optional<double> payback(std::optional<std::int64_t> kit_pence, double annual_pence) {
  if (!kit_pence || annual_pence <= 0.0) return std::nullopt;
  return static_cast<double>(*kit_pence) / (annual_pence / 12.0);
}

}  // namespace

double t95(int df) {
  static constexpr std::array<double, 30> TABLE = {
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
      2.120,  2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return TABLE[0];
  if (df <= 30) return TABLE[static_cast<std::size_t>(df - 1)];
  // 40: 2.021, 60: 2.000, 120: 1.980, infinity: 1.960; linear in 1/df between them.
  static constexpr std::array<std::pair<double, double>, 4> TAIL = {
      {{30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}}};
  const double x = 1.0 / df;
  for (std::size_t i = 0; i + 1 < TAIL.size(); ++i) {
    const auto [d0, t0] = TAIL[i];
    const auto [d1, t1] = TAIL[i + 1];
    if (df <= d1) return t0 + (t1 - t0) * (x - 1.0 / d0) / (1.0 / d1 - 1.0 / d0);
  }
  return 1.980 + (1.960 - 1.980) * (1.0 / 120.0 - x) / (1.0 / 120.0);
}

core::Result<SavingsResult> compute_savings(const std::vector<SavingsDay>& baseline,
                                            const std::vector<SavingsDay>& reporting, const SavingsConfig& config) {
  if (baseline.size() < 2) return core::make_error("savings: the baseline needs at least 2 days with data");
  if (reporting.empty()) return core::make_error("savings: the reporting period has no days with data");
  SavingsResult r;
  r.baseline_days = static_cast<int>(baseline.size());
  r.reporting_days = static_cast<int>(reporting.size());
  if (r.baseline_days < config.min_baseline_days) {
    r.warnings.push_back("baseline shorter than " + std::to_string(config.min_baseline_days) + " days");
  }

  Fit fit = fit_mean(baseline);
  if (config.weather_normalise) {
    if (!all_have_hdd(baseline) || !all_have_hdd(reporting)) {
      r.warnings.push_back("no degree-days for every day: not weather-normalised");
    } else {
      double lo = 1e9, hi = -1e9;
      for (const auto& d : baseline) lo = std::min(lo, *d.hdd), hi = std::max(hi, *d.hdd);
      auto hdd_fit = hi - lo >= config.min_hdd_range ? fit_hdd(baseline) : std::nullopt;
      if (!hdd_fit) {
        r.warnings.push_back("baseline degree-days span too little to fit a slope: not weather-normalised");
      } else if (hdd_fit->b1 < 0.0) {
        r.warnings.push_back("use falls as it gets colder in the baseline: not weather-normalised");
      } else {
        fit = *hdd_fit;
        r.weather_normalised = true;
        for (const auto& d : reporting) {
          if (*d.hdd < lo - 1e-9 || *d.hdd > hi + 1e-9) {
            r.warnings.push_back("reporting degree-days outside the baseline's range: the model extrapolates");
            break;
          }
        }
      }
    }
  }
  r.intercept_kwh_per_day = fit.b0;
  r.slope_kwh_per_hdd = fit.p == 2 ? fit.b1 : 0.0;
  r.r_squared = fit.r2;
  for (const auto& d : baseline) r.baseline_kwh += d.kwh;
  const double baseline_mean = r.baseline_kwh / r.baseline_days;
  r.cv_rmse = baseline_mean > 0.0 ? std::sqrt(fit.s2) / baseline_mean : 0.0;

  // Adjusted baseline = sum over reporting days of the model; s = sum of their regressors.
  const auto m = static_cast<double>(reporting.size());
  double s_hdd = 0.0, actual_pence = 0.0;
  for (const auto& d : reporting) {
    r.actual_kwh += d.kwh;
    actual_pence += d.pence;
    if (fit.p == 2) s_hdd += *d.hdd;
  }
  r.adjusted_baseline_kwh = fit.b0 * m + fit.b1 * s_hdd;
  const double leverage =
      fit.p == 2 ? fit.inv[0] * m * m + 2.0 * fit.inv[1] * m * s_hdd + fit.inv[2] * s_hdd * s_hdd : fit.inv[0] * m * m;
  const double se = std::sqrt(std::max(0.0, fit.s2 * (m + leverage)));
  const double half = t95(r.baseline_days - fit.p) * se;
  const double saved = r.adjusted_baseline_kwh - r.actual_kwh;
  r.saved_kwh = {saved, saved - half, saved + half};
  if (r.adjusted_baseline_kwh > 0.0) {
    const double k = 100.0 / r.adjusted_baseline_kwh;
    r.saved_pct = {saved * k, (saved - half) * k, (saved + half) * k};
  }
  r.rate_p_per_kwh =
      r.actual_kwh > 1e-9 && actual_pence > 0.0 ? actual_pence / r.actual_kwh : config.unit_rate_p_per_kwh;
  r.saved_pence = std::llround(saved * r.rate_p_per_kwh);
  r.saved_pence_low = std::llround((saved - half) * r.rate_p_per_kwh);
  r.saved_pence_high = std::llround((saved + half) * r.rate_p_per_kwh);
  const double co2 = config.grid_kg_co2e_per_kwh;
  r.saved_kg_co2e = {saved * co2, (saved - half) * co2, (saved + half) * co2};
  const double per_year = 365.0 / m;
  r.annual_saved_pence = std::llround(saved * r.rate_p_per_kwh * per_year);
  r.payback_months = payback(config.kit_cost_pence, saved * r.rate_p_per_kwh * per_year);
  r.payback_months_low = payback(config.kit_cost_pence, (saved + half) * r.rate_p_per_kwh * per_year);
  r.payback_months_high = payback(config.kit_cost_pence, (saved - half) * r.rate_p_per_kwh * per_year);
  if (half > std::abs(saved)) r.warnings.push_back("the saving is within the uncertainty band (not significant)");
  return r;
}

std::vector<SavingsDay> savings_days(const std::vector<DailySummary>& summaries, Day from, Day to,
                                     std::string_view kind, double min_coverage) {
  std::vector<SavingsDay> out;
  for (const auto& s : summaries) {
    if (s.day < from || s.day > to) continue;
    SavingsDay d{s.day, 0.0, 0.0, s.heating_degree_days};
    if (kind.empty()) {
      if (s.coverage < min_coverage) continue;
      d.kwh = s.electricity.total();
      d.pence = static_cast<double>(s.electricity_pence);
    } else {
      auto it =
          std::find_if(s.appliances.begin(), s.appliances.end(), [&](const ApplianceDay& a) { return a.kind == kind; });
      if (it == s.appliances.end() || it->coverage < min_coverage) continue;
      d.kwh = it->kwh.total();
      d.pence = static_cast<double>(it->pence);
    }
    out.push_back(d);
  }
  std::sort(out.begin(), out.end(), [](const SavingsDay& a, const SavingsDay& b) { return a.day < b.day; });
  return out;
}

std::vector<SavingsDay> savings_days(const EnergyLedger& ledger, std::string_view device_id, Day from, Day to,
                                     double min_coverage) {
  std::vector<SavingsDay> out;
  const auto& clock = ledger.config().clock;
  for (Day day = from; day <= to; ++day) {
    const DeviceDay* dd = ledger.device_day(device_id, day);
    if (dd == nullptr) continue;
    const double day_s = std::chrono::duration<double>(clock.day_end(day) - clock.day_start(day)).count();
    if (dd->covered_s < min_coverage * day_s) continue;
    out.push_back(SavingsDay{day, dd->kwh.total(), dd->pence, ledger.heating_degree_days(day, HDD_BASE_C)});
  }
  return out;
}

}  // namespace hearth::rules::energy
