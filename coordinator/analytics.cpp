#include "coordinator/analytics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "rules/energy_savings.h"
#include "rules/energy_time.h"

namespace hearth::coordinator {
namespace {

using core::Error;
using nlohmann::json;
using rules::energy::Day;
using rules::energy::format_day;
using rules::energy::parse_day;

constexpr double DAYS_PER_MONTH = 365.25 / 12.0;

// One home's figures on one day, as the day cell sees them.
struct HomeFigures {
  const HomeDay* day = nullptr;
  std::optional<double> saved_kwh;  // present: the home is in the savings subgroup that day
  double adjusted_kwh = 0.0;
  double saved_pence = 0.0;
};

// Whether a subgroup figure may be shown: the subgroup and the rest of the cell both >= k (or no rest).
bool subgroup_shown(std::size_t sub, std::size_t all, int k) {
  const auto kk = static_cast<std::size_t>(k);
  return sub >= kk && (all - sub == 0 || all - sub >= kk);
}

bool declared(const std::string& status) {
  return status == "not_indicated" || status == "possible" || status == "indicated";
}

Day month_start(Day d) { return *parse_day(format_day(d).substr(0, 8) + "01"); }
Day next_month_start(Day d) {
  const std::string s = format_day(d);
  int year = std::stoi(s.substr(0, 4));
  int month = std::stoi(s.substr(5, 2)) + 1;
  if (month == 13) month = 1, ++year;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01", year, month);
  return *parse_day(buf);
}

double round_to(double v, double unit) { return std::round(v / unit) * unit; }

// A home's baseline model: adjusted kWh for a day = intercept + slope x HDD.
struct Baseline {
  Day ends = 0;  // first day after the baseline window
  double intercept = 0.0;
  double slope = 0.0;
};

std::optional<Baseline> baseline_of(const std::vector<const HomeDay*>& days, Day to, const AnalyticsSettings& s) {
  if (days.empty()) return std::nullopt;
  std::vector<rules::energy::DailySummary> summaries;
  summaries.reserve(days.size());
  for (const auto* d : days) summaries.push_back(d->summary);
  const Day first = days.front()->summary.day;
  const Day ends = first + s.baseline_days;
  auto baseline = rules::energy::savings_days(summaries, first, ends - 1, {}, s.min_coverage);
  if (static_cast<int>(baseline.size()) < s.min_baseline_days) return std::nullopt;
  auto reporting = rules::energy::savings_days(summaries, ends, to, {}, s.min_coverage);
  if (reporting.empty()) return std::nullopt;
  rules::energy::SavingsConfig config;
  config.min_baseline_days = s.min_baseline_days;
  config.grid_kg_co2e_per_kwh = s.grid_kg_co2e_per_kwh;
  auto fit = rules::energy::compute_savings(baseline, reporting, config);
  if (!fit) return std::nullopt;
  return Baseline{ends, fit->intercept_kwh_per_day, fit->weather_normalised ? fit->slope_kwh_per_hdd : 0.0};
}

struct DayCell {
  std::vector<HomeFigures> homes;
  bool shown = false;
  bool savings_shown = false;
  bool rationing_shown = false;
  bool income_shown = false;
};

struct PeriodRange {
  std::string label;
  Day from = 0;
  Day to = 0;
};

std::vector<PeriodRange> periods(Day from, Day to, Period by) {
  std::vector<PeriodRange> out;
  Day d = from;
  while (d <= to) {
    Day start = d, end = d;
    std::string label;
    switch (by) {
      case Period::day:
        label = format_day(d);
        break;
      case Period::week:
        start = week_start(d);
        end = start + 6;
        label = iso_week_label(d);
        break;
      case Period::month:
        start = month_start(d);
        end = next_month_start(d) - 1;
        label = format_day(d).substr(0, 7);
        break;
    }
    out.push_back(PeriodRange{label, std::max(start, from), std::min(end, to)});
    d = end + 1;
  }
  return out;
}

AnalyticsCell build_cell(const PeriodRange& p, const std::map<Day, DayCell>& day_cells,
                         const AnalyticsSettings& settings) {
  AnalyticsCell c;
  c.period = p.label;
  c.from = p.from;
  c.to = p.to;
  std::set<std::string> homes, savings_homes, assessed, rationing;
  std::map<std::string, std::string> status;  // latest declared status per home
  double saved_pence = 0.0, adjusted_kwh = 0.0, energy_pence = 0.0, total_pence = 0.0;
  int savings_home_days = 0;
  for (Day d = p.from; d <= p.to; ++d) {
    const auto it = day_cells.find(d);
    if (it == day_cells.end() || !it->second.shown) {
      ++c.days_suppressed;
      continue;
    }
    const DayCell& cell = it->second;
    for (const auto& h : cell.homes) {
      const auto& s = h.day->summary;
      homes.insert(h.day->home_id);
      ++c.home_days;
      c.electricity_kwh += s.electricity.total();
      c.gas_kwh += s.gas.total();
      energy_pence += static_cast<double>(s.electricity_pence + s.gas_pence);
      total_pence += static_cast<double>(s.total_pence());
      c.cold_home_hours += s.cold_home_hours;
      if (cell.savings_shown && h.saved_kwh) {
        savings_homes.insert(h.day->home_id);
        ++savings_home_days;
        c.savings.saved_kwh += *h.saved_kwh;
        adjusted_kwh += h.adjusted_kwh;
        saved_pence += h.saved_pence;
      }
      if (cell.rationing_shown && s.self_rationing) {
        assessed.insert(h.day->home_id);
        if (*s.self_rationing) rationing.insert(h.day->home_id);
      }
      if (cell.income_shown && declared(h.day->fuel_poverty_status))
        status[h.day->home_id] = h.day->fuel_poverty_status;
    }
  }
  c.homes = static_cast<int>(homes.size());
  c.suppressed = c.homes == 0;
  if (c.suppressed) {  // nothing of a suppressed cell is output: reset every figure
    AnalyticsCell empty;
    empty.period = p.label;
    empty.from = p.from;
    empty.to = p.to;
    empty.days_suppressed = c.days_suppressed;
    return empty;
  }
  c.energy_pence = std::llround(energy_pence);
  c.total_pence = std::llround(total_pence);
  if (!savings_homes.empty()) {
    auto& sv = c.savings;
    sv.suppressed = false;
    sv.homes = static_cast<int>(savings_homes.size());
    sv.saved_pence = std::llround(saved_pence);
    if (adjusted_kwh > 0.0) sv.saved_pct = 100.0 * sv.saved_kwh / adjusted_kwh;
    sv.saved_kg_co2e = sv.saved_kwh * settings.grid_kg_co2e_per_kwh;
    if (settings.kit_cost_pence && saved_pence > 0.0) {
      const double monthly_per_home = saved_pence / savings_home_days * DAYS_PER_MONTH;
      sv.payback_months = static_cast<double>(*settings.kit_cost_pence) / monthly_per_home;
    }
  }
  if (!assessed.empty()) {
    c.self_rationing = {false, static_cast<int>(assessed.size()),
                        static_cast<double>(rationing.size()) / static_cast<double>(assessed.size())};
  }
  if (!status.empty()) {
    const auto above =
        std::count_if(status.begin(), status.end(), [](const auto& kv) { return kv.second == "indicated"; });
    c.above_10pct = {false, static_cast<int>(status.size()),
                     static_cast<double>(above) / static_cast<double>(status.size())};
  }
  return c;
}

json share_json(const ShareCell& s) {
  if (s.suppressed) return json{{"suppressed", true}};
  return json{{"suppressed", false}, {"homes", s.homes}, {"share", round_to(s.share, 0.001)}};
}

std::string csv_number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::optional<Period> period_from_string(std::string_view s) {
  if (s == "day") return Period::day;
  if (s == "week") return Period::week;
  if (s == "month") return Period::month;
  return std::nullopt;
}

std::string_view to_string(Period p) {
  switch (p) {
    case Period::day:
      return "day";
    case Period::week:
      return "week";
    case Period::month:
      return "month";
  }
  return "day";
}

Day week_start(Day day) {
  const int weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday; Monday = 0
  return day - weekday;
}

std::string iso_week_label(Day day) {
  const Day thursday = week_start(day) + 3;  // the ISO year is the year of the week's Thursday
  const int year = rules::energy::year_of(thursday);
  const int week = (thursday - rules::energy::first_day_of_year(year)) / 7 + 1;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-W%02d", year, week);
  return buf;
}

std::optional<HomeDay> home_day_from_payload(const std::string& home_id, const std::string& payload,
                                             std::int64_t received_ms) {
  try {
    const json envelope = json::parse(payload);
    HomeDay h;
    h.home_id = home_id;
    if (received_ms > 0) h.received_day = static_cast<Day>(received_ms / 86'400'000);
    const json& summary = envelope.at("summary");
    h.summary = summary.get<rules::energy::DailySummary>();
    if (auto it = summary.find("fuel_poverty_status"); it != summary.end() && it->is_string())
      h.fuel_poverty_status = it->get<std::string>();
    return h;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

core::Result<AnalyticsReport> aggregate(const std::vector<HomeDay>& days, const AnalyticsQuery& q,
                                        const AnalyticsSettings& settings) {
  if (settings.k < 2) return Error{"analytics.k must be at least 2"};
  if (q.from > q.to) return Error{"from is after to"};
  if (q.to - q.from + 1 > settings.max_days)
    return Error{"range longer than " + std::to_string(settings.max_days) + " days"};

  const Day final_through = q.today - settings.settle_days - 1;
  std::size_t late = 0;
  // Each home's days in order (earlier days are its baseline), without summaries that arrived after
  // their day had settled: they would change a cell someone may already have seen.
  std::map<std::string, std::vector<const HomeDay*>> by_home;
  for (const auto& d : days) {
    if (d.received_day && *d.received_day > d.summary.day + settings.settle_days) {
      ++late;
      continue;
    }
    if (d.summary.day <= final_through) by_home[d.home_id].push_back(&d);
  }
  std::map<Day, DayCell> day_cells;
  for (auto& [home, list] : by_home) {
    std::sort(list.begin(), list.end(),
              [](const HomeDay* a, const HomeDay* b) { return a->summary.day < b->summary.day; });
    const auto baseline = baseline_of(list, final_through, settings);
    for (const HomeDay* d : list) {
      const auto& s = d->summary;
      if (s.day < q.from || s.day > q.to) continue;
      HomeFigures f{d, std::nullopt, 0.0, 0.0};
      const double kwh = s.electricity.total();
      if (baseline && s.day >= baseline->ends && s.coverage >= settings.min_coverage &&
          (baseline->slope == 0.0 || s.heating_degree_days)) {
        f.adjusted_kwh = baseline->intercept + baseline->slope * s.heating_degree_days.value_or(0.0);
        f.saved_kwh = f.adjusted_kwh - kwh;
        const double rate = kwh > 1e-9 ? static_cast<double>(s.electricity_pence) / kwh : 0.0;
        f.saved_pence = *f.saved_kwh * rate;
      }
      day_cells[s.day].homes.push_back(f);
    }
  }
  for (auto& [day, cell] : day_cells) {
    const std::size_t n = cell.homes.size();
    cell.shown = n >= static_cast<std::size_t>(settings.k);
    if (!cell.shown) continue;
    std::size_t savings = 0, assessed = 0, income = 0;
    for (const auto& h : cell.homes) {
      savings += h.saved_kwh ? 1 : 0;
      assessed += h.day->summary.self_rationing ? 1 : 0;
      income += declared(h.day->fuel_poverty_status) ? 1 : 0;
    }
    cell.savings_shown = subgroup_shown(savings, n, settings.k);
    cell.rationing_shown = subgroup_shown(assessed, n, settings.k);
    cell.income_shown = subgroup_shown(income, n, settings.k);
  }

  AnalyticsReport report{q.coop_id, q.from, q.to, q.by, settings.k, final_through, late, {}};
  for (const auto& p : periods(q.from, q.to, q.by)) report.cells.push_back(build_cell(p, day_cells, settings));
  return report;
}

std::string report_to_json(const AnalyticsReport& r) {
  json cells = json::array();
  for (const auto& c : r.cells) {
    json j{{"period", c.period}, {"from", format_day(c.from)}, {"to", format_day(c.to)}, {"suppressed", c.suppressed}};
    if (c.suppressed) {
      cells.push_back(std::move(j));
      continue;
    }
    j["days_suppressed"] = c.days_suppressed;
    j["homes"] = c.homes;
    j["home_days"] = c.home_days;
    j["electricity_kwh"] = round_to(c.electricity_kwh, 0.001);
    j["gas_kwh"] = round_to(c.gas_kwh, 0.001);
    j["energy_pence"] = c.energy_pence;
    j["total_pence"] = c.total_pence;
    json savings{{"suppressed", c.savings.suppressed}};
    if (!c.savings.suppressed) {
      const auto& s = c.savings;
      savings["homes"] = s.homes;
      savings["saved_kwh"] = round_to(s.saved_kwh, 0.001);
      savings["saved_pence"] = s.saved_pence;
      savings["saved_pct"] = s.saved_pct ? json(round_to(*s.saved_pct, 0.1)) : json(nullptr);
      savings["saved_kg_co2e"] = round_to(s.saved_kg_co2e, 0.01);
      savings["payback_months"] = s.payback_months ? json(round_to(*s.payback_months, 0.1)) : json(nullptr);
    }
    j["savings"] = std::move(savings);
    j["fuel_poverty"] = json{{"cold_home_hours", round_to(c.cold_home_hours, 0.1)},
                             {"cold_home_hours_per_home_day", round_to(c.cold_home_hours / c.home_days, 0.01)},
                             {"self_rationing", share_json(c.self_rationing)},
                             {"above_10pct_income", share_json(c.above_10pct)}};
    cells.push_back(std::move(j));
  }
  return json{{"coop", r.coop_id},
              {"from", format_day(r.from)},
              {"to", format_day(r.to)},
              {"by", to_string(r.by)},
              {"k", r.k},
              {"final_through", format_day(r.final_through)},
              {"late_summaries", r.late_summaries},
              {"periods", std::move(cells)}}
      .dump();
}

std::string report_to_csv(const AnalyticsReport& r) {
  std::ostringstream out;
  out << "period,from,to,suppressed,days_suppressed,homes,home_days,electricity_kwh,gas_kwh,energy_pence,total_pence,"
         "savings_suppressed,savings_homes,saved_kwh,saved_pence,saved_pct,saved_kg_co2e,payback_months,"
         "cold_home_hours,cold_home_hours_per_home_day,self_rationing_suppressed,self_rationing_homes,"
         "self_rationing_share,above_10pct_suppressed,above_10pct_homes,above_10pct_share\r\n";
  const auto share = [&](const ShareCell& s) {
    if (s.suppressed) return std::string("true,,");
    return "false," + std::to_string(s.homes) + "," + csv_number(s.share, 3);
  };
  for (const auto& c : r.cells) {
    // Labels are generated here (digits, '-', 'W'): nothing needs quoting.
    out << c.period << ',' << format_day(c.from) << ',' << format_day(c.to) << ',' << (c.suppressed ? "true" : "false");
    if (c.suppressed) {
      out << std::string(22, ',') << "\r\n";
      continue;
    }
    out << ',' << c.days_suppressed << ',' << c.homes << ',' << c.home_days << ',' << csv_number(c.electricity_kwh, 3)
        << ',' << csv_number(c.gas_kwh, 3) << ',' << c.energy_pence << ',' << c.total_pence << ',';
    const auto& s = c.savings;
    if (s.suppressed) {
      out << "true,,,,,,";
    } else {
      out << "false," << s.homes << ',' << csv_number(s.saved_kwh, 3) << ',' << s.saved_pence << ','
          << (s.saved_pct ? csv_number(*s.saved_pct, 1) : "") << ',' << csv_number(s.saved_kg_co2e, 2) << ','
          << (s.payback_months ? csv_number(*s.payback_months, 1) : "");
    }
    out << ',' << csv_number(c.cold_home_hours, 1) << ',' << csv_number(c.cold_home_hours / c.home_days, 2) << ','
        << share(c.self_rationing) << ',' << share(c.above_10pct) << "\r\n";
  }
  return out.str();
}

}  // namespace hearth::coordinator
