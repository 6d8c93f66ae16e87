#pragma once
// The co-op analyst's view: energy savings and fuel-poverty indicators aggregated over the co-op's
// homes by day, ISO week or calendar month, k-anonymous. Pure functions over stored daily energy
// summaries (rules/energy_summary.h, as gateways send them); no home id, alert or text leaves here.
//
// The protection (docs/coordinator.md, "Analyst views and k-anonymity"):
//  1. The unit is the (co-op, day) cell. A day cell is shown only when at least k homes reported
//     that day; otherwise it is suppressed ("suppressed": true, no figures, no count). An empty
//     cell looks exactly like a cell of 1..k-1 homes.
//  2. A figure computed over a subgroup of the cell's homes (savings: homes with a baseline; the
//     self-rationing share: homes where heating was assessed; the income share: homes that
//     declared a band) is shown only when the subgroup has at least k homes AND the rest of the
//     cell is either empty or also has at least k homes, so "total minus sub-total" never isolates
//     fewer than k homes.
//  3. Weeks, months and the whole range are built only from the day cells (and, per figure, the day
//     figures) that passed 1 and 2. Every additive figure the analyst can ever see is therefore a sum
//     of shown day figures, whatever ranges and granularities are combined: differencing a week
//     against its days, or a range against a range one day longer, only yields sums over >= k homes.
//  4. Cells are final before anyone sees them: a day is shown only once `settle_days` have passed,
//     and a summary received later than that after its day is never counted (late after an
//     outage), so asking again later cannot reveal a late home's day by difference.
//  5. Output is deterministic (no noise to average away) and carries no home ids.
// Not protected against (documented): an analyst who already knows k-1 homes' figures learns the
// last one's; homogeneity (a share of 0% or 100% says something about every home in the cell);
// changes of k or of the co-op's membership between queries; inference over time from counts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rules/energy_summary.h"

namespace hearth::coordinator {

enum class Period : std::uint8_t { day, week, month };
std::optional<Period> period_from_string(std::string_view s);
std::string_view to_string(Period p);

// The `analytics:` section of the coordinator's config.
struct AnalyticsSettings {
  int k = 5;                                   // smallest group ever shown; at least 2
  int baseline_days = 28;                      // each home's first N days with data are its baseline (before advice)
  int min_baseline_days = 14;                  // a home with fewer valid baseline days is left out of savings
  double min_coverage = 0.9;                   // a day with less data is not used for savings (a gap is not a saving)
  double grid_kg_co2e_per_kwh = 0.20705;       // DESNZ 2024 UK electricity (rules/energy_savings.h)
  std::optional<std::int64_t> kit_cost_pence;  // per home, for payback months; absent: no payback
  int max_days = 3 * 366;                      // longest query range
  int settle_days = 3;  // a day is shown from settle_days + 1 days later; later arrivals never count
};

// One stored energy summary of one home (the home id only groups a home's days; never output).
struct HomeDay {
  std::string home_id;
  rules::energy::DailySummary summary;
  // Optional uplink field "fuel_poverty_status" (unknown, not_indicated, possible, indicated): the
  // home's status against the 10% income line, sent only when the householder declared an income
  // band and consented; the band and the income themselves never leave the home.
  std::string fuel_poverty_status;
  std::optional<rules::energy::Day> received_day;  // when it reached the co-op (UTC day); absent: on time
};

struct AnalyticsQuery {
  std::string coop_id;
  rules::energy::Day from = 0;  // inclusive, local days
  rules::energy::Day to = 0;    // inclusive
  Period by = Period::day;
  rules::energy::Day today = 0;  // days after today - settle_days - 1 are not final: suppressed
};

// A subgroup figure: absent values mean suppressed.
struct SavingsCell {
  bool suppressed = true;
  int homes = 0;
  double saved_kwh = 0.0;
  std::int64_t saved_pence = 0;
  std::optional<double> saved_pct;  // of the adjusted baseline
  double saved_kg_co2e = 0.0;
  std::optional<double> payback_months;  // kit cost / the mean home's monthly saving
};

struct ShareCell {
  bool suppressed = true;
  int homes = 0;     // the subgroup (assessed / declared)
  double share = 0;  // of the subgroup
};

struct AnalyticsCell {
  std::string period;  // "2026-01-15", "2026-W03", "2026-01"
  rules::energy::Day from = 0;
  rules::energy::Day to = 0;
  bool suppressed = true;
  int days_suppressed = 0;  // days of this period whose day cell was suppressed (not in the figures)
  int homes = 0;            // distinct homes over the shown days
  int home_days = 0;
  double electricity_kwh = 0.0;
  double gas_kwh = 0.0;
  std::int64_t energy_pence = 0;  // electricity + gas energy charges
  std::int64_t total_pence = 0;   // with standing charges
  double cold_home_hours = 0.0;
  SavingsCell savings;
  ShareCell self_rationing;  // share of assessed homes with at least one self-rationing day
  ShareCell above_10pct;     // share of declaring homes indicated above the 10% line
};

struct AnalyticsReport {
  std::string coop_id;
  rules::energy::Day from = 0;
  rules::energy::Day to = 0;
  Period by = Period::day;
  int k = 5;
  rules::energy::Day final_through = 0;  // the last final day (today - settle_days - 1)
  std::size_t late_summaries = 0;        // received too late to count (not per period: no cell detail)
  std::vector<AnalyticsCell> cells;
};

// Validates the query (from <= to, range within max_days) and aggregates. `days` may hold any days
// of the co-op's homes (earlier days serve as baselines); other co-ops' rows must not be passed.
core::Result<AnalyticsReport> aggregate(const std::vector<HomeDay>& days, const AnalyticsQuery& query,
                                        const AnalyticsSettings& settings);

// A stored summary payload (the uplink envelope {"summary": {...}}) -> HomeDay; nullopt when it is
// unreadable (the caller counts and skips it).
std::optional<HomeDay> home_day_from_payload(const std::string& home_id, const std::string& payload,
                                             std::int64_t received_ms);

std::string report_to_json(const AnalyticsReport& report);
std::string report_to_csv(const AnalyticsReport& report);

// ISO 8601 week label ("2026-W03") of a day, and the Monday starting its week.
std::string iso_week_label(rules::energy::Day day);
rules::energy::Day week_start(rules::energy::Day day);

}  // namespace hearth::coordinator
