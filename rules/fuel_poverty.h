#pragma once
// Fuel-poverty indicators from a home's daily summaries: cold-home hours (occupied rooms below
// 18 °C), a self-rationing signal (cold while heating stays low), and, when the householder has
// declared an income band, the share of income spent on energy. Wales counts a household as fuel
// poor when it would need to spend more than 10% of its income on energy; Hearth sees actual
// spending, and a household that rations spends less than it needs, so the share here is a floor
// and the cold-home and self-rationing signals matter as much as the share.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/energy_summary.h"

namespace hearth::rules::energy {

// Annual household income, as a band (people declare a band, not a figure). high absent: "and over".
struct IncomeBand {
  std::int64_t low_pence_per_year = 0;
  std::optional<std::int64_t> high_pence_per_year;
};

enum class FuelPovertyStatus : std::uint8_t {
  unknown,        // no income band declared, or no cost data
  not_indicated,  // share below the threshold across the whole band
  possible,       // the threshold falls inside the band
  indicated,      // share above the threshold across the whole band
};
const char* to_string(FuelPovertyStatus s);

struct FuelPovertyConfig {
  double threshold_share = 0.10;  // Wales
  int window_days = 28;           // the summaries used: the most recent this many days
};

struct FuelPovertyIndicators {
  int days = 0;
  double cold_home_hours = 0.0;
  double cold_home_hours_per_week = 0.0;
  int self_rationing_days = 0;
  int self_rationing_assessed_days = 0;  // days where heating use was measured
  std::int64_t annual_cost_pence = 0;    // (energy + standing) daily mean x 365: estimated
  std::optional<double> share_low;       // annual cost / top of the income band
  std::optional<double> share_high;      // annual cost / bottom of the income band
  FuelPovertyStatus status = FuelPovertyStatus::unknown;
  bool prepayment = false;  // prepayment homes are likelier to self-disconnect
};

// Uses the summaries of the latest window_days days present (any order).
FuelPovertyIndicators fuel_poverty_indicators(const std::vector<DailySummary>& summaries,
                                              const std::optional<IncomeBand>& income,
                                              const FuelPovertyConfig& config = {});

}  // namespace hearth::rules::energy
