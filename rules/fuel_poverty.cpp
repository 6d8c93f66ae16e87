#include "rules/fuel_poverty.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth::rules::energy {

const char* to_string(FuelPovertyStatus s) {
  switch (s) {
    case FuelPovertyStatus::unknown:
      return "unknown";
    case FuelPovertyStatus::not_indicated:
      return "not_indicated";
    case FuelPovertyStatus::possible:
      return "possible";
    case FuelPovertyStatus::indicated:
      return "indicated";
  }
  return "unknown";
}

FuelPovertyIndicators fuel_poverty_indicators(const std::vector<DailySummary>& summaries,
                                              const std::optional<IncomeBand>& income,
                                              const FuelPovertyConfig& config) {
  FuelPovertyIndicators out;
  if (summaries.empty()) return out;
  Day latest = summaries.front().day;
  for (const auto& s : summaries) latest = std::max(latest, s.day);
  std::int64_t cost_pence = 0;
  for (const auto& s : summaries) {
    if (s.day <= latest - config.window_days) continue;
    ++out.days;
    out.cold_home_hours += s.cold_home_hours;
    cost_pence += s.total_pence();
    out.prepayment = out.prepayment || s.prepayment;
    if (s.self_rationing) {
      ++out.self_rationing_assessed_days;
      out.self_rationing_days += *s.self_rationing ? 1 : 0;
    }
  }
  if (out.days == 0) return out;
  out.cold_home_hours_per_week = out.cold_home_hours / out.days * 7.0;
  out.annual_cost_pence = std::llround(static_cast<double>(cost_pence) / out.days * 365.0);
  if (!income || out.annual_cost_pence <= 0) return out;
  const auto cost = static_cast<double>(out.annual_cost_pence);
  out.share_high = income->low_pence_per_year > 0 ? cost / static_cast<double>(income->low_pence_per_year)
                                                  : std::numeric_limits<double>::infinity();
  out.share_low = income->high_pence_per_year && *income->high_pence_per_year > 0
                      ? cost / static_cast<double>(*income->high_pence_per_year)
                      : 0.0;
  if (*out.share_low > config.threshold_share) {
    out.status = FuelPovertyStatus::indicated;
  } else if (*out.share_high > config.threshold_share) {
    out.status = FuelPovertyStatus::possible;
  } else {
    out.status = FuelPovertyStatus::not_indicated;
  }
  return out;
}

}  // namespace hearth::rules::energy
