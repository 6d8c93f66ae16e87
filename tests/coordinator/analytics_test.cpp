// The analyst's k-anonymous aggregates (coordinator/analytics.h): every figure suppressed below k
// homes, shown at k; subgroup figures suppressed when "total minus sub-total" would isolate fewer
// than k homes; weeks and months built only from shown days (differencing); periods; bad queries.
// Expected figures are computed here from the same inputs, independently of the code under test.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "coordinator/analytics.h"
#include "coordinator/api.h"
#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/ingest.h"
#include "rules/energy_time.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::coordinator;
using nlohmann::json;
using rules::energy::Day;
using rules::energy::parse_day;

namespace {

const Day JAN1 = *parse_day("2026-01-01");  // a Thursday

rules::energy::DailySummary summary(Day day, double kwh) {
  rules::energy::DailySummary s;
  s.day = day;
  s.date = rules::energy::format_day(day);
  s.electricity.measured = kwh;
  s.electricity_pence = std::llround(kwh * 25.0);
  s.standing_pence = 60;
  s.gas.measured = kwh / 2;
  s.gas_pence = std::llround(kwh / 2 * 6.0);
  s.coverage = 1.0;
  s.cold_home_hours = 0.5;
  s.tariff_id = "test";
  return s;
}

HomeDay home_day(const std::string& home, Day day, double kwh) {
  HomeDay d;
  d.home_id = home;
  d.summary = summary(day, kwh);
  return d;
}

std::string home(int i) { return "h" + std::to_string(i); }

// `homes` homes reporting every day of [from, to], home i using base + i kWh.
void add_homes(std::vector<HomeDay>& days, int first, int homes, Day from, Day to, double base = 5.0) {
  for (int i = first; i < first + homes; ++i) {
    for (Day d = from; d <= to; ++d) days.push_back(home_day(home(i), d, base + i));
  }
}

AnalyticsSettings settings(int k = 5) {
  AnalyticsSettings s;
  s.k = k;
  return s;
}

AnalyticsReport run(const std::vector<HomeDay>& days, Day from, Day to, Period by, const AnalyticsSettings& s) {
  auto r = aggregate(days, AnalyticsQuery{"coop-a", from, to, by, to + 100}, s);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : AnalyticsReport{};
}

double sum_kwh(const std::vector<HomeDay>& days, Day from, Day to) {
  double total = 0;
  for (const auto& d : days) {
    if (d.summary.day >= from && d.summary.day <= to) total += d.summary.electricity.total();
  }
  return total;
}

}  // namespace

TEST(Analytics, ADayOfKMinusOneHomesIsSuppressedAndOfKHomesShown) {
  for (int k : {2, 5, 7}) {
    std::vector<HomeDay> days;
    add_homes(days, 0, k - 1, JAN1, JAN1);      // day 1: k-1 homes
    add_homes(days, 0, k, JAN1 + 1, JAN1 + 1);  // day 2: k homes
    const auto r = run(days, JAN1, JAN1 + 2, Period::day, settings(k));
    ASSERT_EQ(r.cells.size(), 3u);
    EXPECT_TRUE(r.cells[0].suppressed) << "k=" << k;
    EXPECT_EQ(r.cells[0].homes, 0);
    EXPECT_EQ(r.cells[0].electricity_kwh, 0.0);
    EXPECT_FALSE(r.cells[1].suppressed);
    EXPECT_EQ(r.cells[1].homes, k);
    EXPECT_DOUBLE_EQ(r.cells[1].electricity_kwh, sum_kwh(days, JAN1 + 1, JAN1 + 1));
    EXPECT_TRUE(r.cells[2].suppressed);  // no home at all looks the same as k-1 homes

    // Nothing of a suppressed cell is output, in JSON or CSV.
    const json j = json::parse(report_to_json(r));
    EXPECT_EQ(j["periods"][0],
              (json{{"period", "2026-01-01"}, {"from", "2026-01-01"}, {"to", "2026-01-01"}, {"suppressed", true}}));
    EXPECT_EQ(j["periods"][2].size(), 4u);
    EXPECT_EQ(j["periods"][1]["homes"], k);
  }
}

TEST(Analytics, EveryShownFigureAggregatesAtLeastKHomes) {
  std::vector<HomeDay> days;
  add_homes(days, 0, 6, JAN1, JAN1 + 40);
  for (auto& d : days) {
    d.summary.self_rationing = d.summary.day % 2 == 0;
    d.fuel_poverty_status = "indicated";
  }
  const auto r = run(days, JAN1, JAN1 + 40, Period::day, settings(5));
  for (const auto& c : r.cells) {
    ASSERT_FALSE(c.suppressed);
    EXPECT_GE(c.homes, 5);
    EXPECT_DOUBLE_EQ(c.electricity_kwh, sum_kwh(days, c.from, c.to));
    EXPECT_DOUBLE_EQ(c.cold_home_hours, 0.5 * 6);
    EXPECT_EQ(c.self_rationing.homes, 6);
    EXPECT_DOUBLE_EQ(c.self_rationing.share, c.from % 2 == 0 ? 1.0 : 0.0);
    EXPECT_EQ(c.above_10pct.homes, 6);
    if (!c.savings.suppressed) {
      EXPECT_GE(c.savings.homes, 5);
    }
  }
}

TEST(Analytics, ASubgroupFigureIsShownOnlyWhenItAndTheRestOfTheCellHaveKHomes) {
  // 10 homes on one day; `sub` of them declared an income band / had heating assessed.
  struct Case {
    int sub;
    bool shown;
  };
  for (const Case c : {Case{4, false}, Case{5, true}, Case{6, false}, Case{9, false}, Case{10, true}}) {
    std::vector<HomeDay> days;
    add_homes(days, 0, 10, JAN1, JAN1);
    for (int i = 0; i < c.sub; ++i) {
      days[static_cast<std::size_t>(i)].fuel_poverty_status = i % 2 == 0 ? "indicated" : "not_indicated";
      days[static_cast<std::size_t>(i)].summary.self_rationing = i == 0;
    }
    const auto r = run(days, JAN1, JAN1, Period::day, settings(5));
    ASSERT_EQ(r.cells.size(), 1u);
    const auto& cell = r.cells[0];
    EXPECT_FALSE(cell.suppressed);
    EXPECT_EQ(cell.above_10pct.suppressed, !c.shown) << "subgroup " << c.sub << " of 10";
    EXPECT_EQ(cell.self_rationing.suppressed, !c.shown) << "subgroup " << c.sub << " of 10";
    if (c.shown) {
      EXPECT_EQ(cell.above_10pct.homes, c.sub);
      EXPECT_DOUBLE_EQ(cell.above_10pct.share, static_cast<double>((c.sub + 1) / 2) / c.sub);
      EXPECT_DOUBLE_EQ(cell.self_rationing.share, 1.0 / c.sub);
    }
    const json j = json::parse(report_to_json(r));
    EXPECT_EQ(j["periods"][0]["fuel_poverty"]["above_10pct_income"].contains("share"), c.shown);
  }
}

TEST(Analytics, SavingsAgainstEachHomesBaselineWithKAnonymity) {
  AnalyticsSettings s = settings(5);
  s.baseline_days = 28;
  s.min_baseline_days = 14;
  s.kit_cost_pence = 12'000;
  const Day report_from = JAN1 + 28;
  // 5 homes: 10 kWh/day + i in the baseline, 2 kWh less afterwards (weather not normalised: no HDD).
  std::vector<HomeDay> days;
  for (int i = 0; i < 5; ++i) {
    for (Day d = JAN1; d < report_from + 14; ++d)
      days.push_back(home_day(home(i), d, (d < report_from ? 10.0 : 8.0) + i));
  }
  auto r = run(days, report_from, report_from + 13, Period::month, s);
  ASSERT_FALSE(r.cells.empty());
  double saved = 0, adjusted = 0, pence = 0;
  int home_days = 0;
  for (const auto& d : days) {
    if (d.summary.day < report_from) continue;
    const double base = d.summary.electricity.total() + 2.0;
    saved += base - d.summary.electricity.total();
    adjusted += base;
    pence += 2.0 * static_cast<double>(d.summary.electricity_pence) / d.summary.electricity.total();
    ++home_days;
  }
  double shown_saved = 0;
  std::int64_t shown_pence = 0;
  for (const auto& c : r.cells) {
    ASSERT_FALSE(c.savings.suppressed);
    EXPECT_EQ(c.savings.homes, 5);
    shown_saved += c.savings.saved_kwh;
    shown_pence += c.savings.saved_pence;
  }
  EXPECT_NEAR(shown_saved, saved, 1e-6);
  EXPECT_NEAR(static_cast<double>(shown_pence), pence, 2.0);
  r = run(days, report_from, report_from + 13, Period::day, s);
  const auto& first = r.cells.front().savings;
  ASSERT_TRUE(first.saved_pct);
  EXPECT_NEAR(*first.saved_pct, 100.0 * (2.0 * 5) / (adjusted / home_days * 5), 1e-6);
  EXPECT_NEAR(first.saved_kg_co2e, 10.0 * s.grid_kg_co2e_per_kwh, 1e-9);
  ASSERT_TRUE(first.payback_months);
  EXPECT_NEAR(*first.payback_months, 12'000.0 / (static_cast<double>(first.saved_pence) / 5 * 365.25 / 12), 1e-6);

  // A sixth home without a baseline: savings over 5 of 6 would differ from the total by one home.
  add_homes(days, 5, 1, report_from, report_from + 13);
  r = run(days, report_from, report_from + 13, Period::week, s);
  for (const auto& c : r.cells) {
    EXPECT_FALSE(c.suppressed);
    EXPECT_EQ(c.homes, 6);
    EXPECT_TRUE(c.savings.suppressed) << c.period;
  }
  // Days before each home's baseline ends are not savings; a home with too short a baseline has none.
  r = run(days, JAN1, JAN1 + 27, Period::month, s);
  for (const auto& c : r.cells) EXPECT_TRUE(c.savings.suppressed);
}

TEST(Analytics, WeeksAndMonthsAreSumsOfShownDaysSoDifferencingRevealsNothing) {
  // Mon 2026-01-05 .. Sun 2026-01-11: 5 homes each day; on Sunday a 6th home reports, and on Saturday
  // one of the 5 is missing (4 homes: suppressed).
  const Day monday = *parse_day("2026-01-05");
  std::vector<HomeDay> days;
  add_homes(days, 0, 5, monday, monday + 6);
  days.erase(std::remove_if(days.begin(), days.end(),
                            [&](const HomeDay& d) { return d.home_id == home(4) && d.summary.day == monday + 5; }),
             days.end());
  add_homes(days, 5, 1, monday + 6, monday + 6, 50.0);
  const auto s = settings(5);
  const auto by_day = run(days, monday, monday + 6, Period::day, s);
  const auto by_week = run(days, monday, monday + 6, Period::week, s);
  const auto by_month = run(days, monday, monday + 6, Period::month, s);
  ASSERT_EQ(by_day.cells.size(), 7u);
  ASSERT_EQ(by_week.cells.size(), 1u);
  EXPECT_EQ(by_week.cells[0].period, "2026-W02");
  EXPECT_TRUE(by_day.cells[5].suppressed);
  double shown = 0;
  int home_days = 0;
  for (const auto& c : by_day.cells) {
    if (!c.suppressed) shown += c.electricity_kwh, home_days += c.home_days;
  }
  // The week is exactly the shown days: week minus the shown days is 0, not Saturday's 4 homes.
  EXPECT_DOUBLE_EQ(by_week.cells[0].electricity_kwh, shown);
  EXPECT_EQ(by_week.cells[0].home_days, home_days);
  EXPECT_EQ(by_week.cells[0].days_suppressed, 1);
  EXPECT_LT(by_week.cells[0].electricity_kwh, sum_kwh(days, monday, monday + 6));
  EXPECT_DOUBLE_EQ(by_month.cells[0].electricity_kwh, shown);

  // A range one day longer: the difference is a whole shown day, never a single home.
  const auto shorter = run(days, monday, monday + 5, Period::month, s);
  const auto longer = run(days, monday, monday + 6, Period::month, s);
  EXPECT_DOUBLE_EQ(longer.cells[0].electricity_kwh - shorter.cells[0].electricity_kwh, by_day.cells[6].electricity_kwh);
  EXPECT_EQ(by_day.cells[6].homes, 6);
}

TEST(Analytics, OnlySettledDaysAreShownAndLateSummariesNeverCount) {
  std::vector<HomeDay> days;
  add_homes(days, 0, 6, JAN1, JAN1 + 9);
  for (auto& d : days) d.received_day = d.summary.day + 1;
  // Home 5's summary of day 3 arrived 4 days late (after an outage): with settle_days 3 it never
  // counts, so the day looks the same before and after it arrived.
  auto late = std::find_if(days.begin(), days.end(),
                           [](const HomeDay& d) { return d.home_id == "h5" && d.summary.day == JAN1 + 3; });
  late->received_day = JAN1 + 3 + 4;
  const auto s = settings(5);
  auto r = aggregate(days, AnalyticsQuery{"coop-a", JAN1, JAN1 + 9, Period::day, JAN1 + 10}, s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->final_through, JAN1 + 6);
  EXPECT_EQ(r->late_summaries, 1u);
  EXPECT_EQ(r->cells[3].homes, 5);
  EXPECT_DOUBLE_EQ(r->cells[3].electricity_kwh, sum_kwh(days, JAN1 + 3, JAN1 + 3) - late->summary.electricity.total());
  EXPECT_EQ(r->cells[6].homes, 6);
  for (int i = 7; i <= 9; ++i) EXPECT_TRUE(r->cells[static_cast<std::size_t>(i)].suppressed) << i;  // not final
  // Asked again ten days later: the settled days have not changed.
  auto again = aggregate(days, AnalyticsQuery{"coop-a", JAN1, JAN1 + 9, Period::day, JAN1 + 20}, s);
  ASSERT_TRUE(again);
  for (int i = 0; i <= 6; ++i) {
    const auto n = static_cast<std::size_t>(i);
    EXPECT_EQ(again->cells[n].electricity_kwh, r->cells[n].electricity_kwh);
  }
  EXPECT_FALSE(again->cells[9].suppressed);
  const json j = json::parse(report_to_json(*r));
  EXPECT_EQ(j["final_through"], rules::energy::format_day(JAN1 + 6));
  EXPECT_EQ(j["late_summaries"], 1);
}

TEST(Analytics, PeriodsFollowTheCalendar) {
  EXPECT_EQ(iso_week_label(*parse_day("2026-01-01")), "2026-W01");
  EXPECT_EQ(iso_week_label(*parse_day("2027-01-01")), "2026-W53");  // a Friday: ISO year 2026
  EXPECT_EQ(iso_week_label(*parse_day("2024-12-30")), "2025-W01");
  EXPECT_EQ(week_start(*parse_day("2026-01-11")), *parse_day("2026-01-05"));
  EXPECT_EQ(week_start(*parse_day("2026-01-05")), *parse_day("2026-01-05"));

  std::vector<HomeDay> days;
  add_homes(days, 0, 5, *parse_day("2026-01-20"), *parse_day("2026-03-10"));
  const auto r = run(days, *parse_day("2026-01-20"), *parse_day("2026-03-10"), Period::month, settings());
  ASSERT_EQ(r.cells.size(), 3u);
  EXPECT_EQ(r.cells[0].period, "2026-01");
  EXPECT_EQ(rules::energy::format_day(r.cells[0].from), "2026-01-20");  // clipped to the range
  EXPECT_EQ(rules::energy::format_day(r.cells[1].from), "2026-02-01");
  EXPECT_EQ(rules::energy::format_day(r.cells[1].to), "2026-02-28");
  EXPECT_EQ(r.cells[1].home_days, 5 * 28);
  EXPECT_EQ(rules::energy::format_day(r.cells[2].to), "2026-03-10");
}

TEST(Analytics, RejectsBadQueries) {
  const std::vector<HomeDay> none;
  EXPECT_FALSE(aggregate(none, AnalyticsQuery{"c", JAN1 + 1, JAN1, Period::day}, settings()));
  EXPECT_FALSE(aggregate(none, AnalyticsQuery{"c", JAN1, JAN1 + 5000, Period::day}, settings()));
  EXPECT_FALSE(aggregate(none, AnalyticsQuery{"c", JAN1, JAN1, Period::day}, settings(1)));
  EXPECT_FALSE(period_from_string("year"));
}

TEST(Analytics, CsvHasOneRowPerPeriodAndTheSameColumnsEverywhere) {
  std::vector<HomeDay> days;
  add_homes(days, 0, 5, JAN1, JAN1 + 2);
  add_homes(days, 5, 3, JAN1 + 4, JAN1 + 4);  // a suppressed day
  const auto r = run(days, JAN1, JAN1 + 4, Period::day, settings());
  const std::string csv = report_to_csv(r);
  std::istringstream in(csv);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.back(), '\r');
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 1u + 5u);
  const auto columns = [](const std::string& l) { return std::count(l.begin(), l.end(), ',') + 1; };
  for (const auto& l : lines) EXPECT_EQ(columns(l), columns(lines[0])) << l;
  EXPECT_EQ(lines[1].rfind("2026-01-01,2026-01-01,2026-01-01,false,0,5,5,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[5].rfind("2026-01-05,2026-01-05,2026-01-05,true,,", 0), 0u) << lines[5];
  EXPECT_EQ(lines[5].find_first_not_of(",\r", std::string("2026-01-05,2026-01-05,2026-01-05,true").size()),
            std::string::npos);
}

TEST(Analytics, ReadsWhatGatewaysSendThroughIngestAndTheStore) {
  test::TempDir dir;
  std::ofstream(dir.file("pw")) << "pw\n";
  std::string gateways;
  for (int i = 0; i < 6; ++i) gateways += (i ? ", " : "") + home(i);
  auto config = parse_coordinator_config(
      "mqtt:\n  url: mqtts://b.example:8883\n  username: c\n  password_file: " + dir.file("pw") +
          "\nstore:\n  path: " + dir.file("c.db") + "\ncoops:\n  coop-a:\n    gateways: [" + gateways +
          "]\n  coop-b:\n    gateways: [other]\n",
      "c.yaml");
  ASSERT_TRUE(config) << config.error().message;
  auto store = open_coordinator_store(config->store);
  ASSERT_TRUE(store);
  Ingest ingest(*config, **store);
  double expected = 0;
  const auto send = [&](const std::string& coop, const std::string& gw, Day day, double kwh) {
    json s = json::parse(rules::energy::daily_summary_to_json(summary(day, kwh)));
    s["fuel_poverty_status"] = "possible";
    const std::string date = rules::energy::format_day(day);
    const json envelope{{"schema", 1},   {"type", "daily_summary"}, {"message_id", gw + "/summary/energy/" + date},
                        {"home_id", gw}, {"kind", "energy"},        {"day", date},
                        {"summary", s}};
    return ingest.on_message("hearth-uplink/v1/" + coop + "/" + gw + "/summary", envelope.dump(), 1).kind;
  };
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(send("coop-a", home(i), JAN1, 3.0 + i), IngestResult::Kind::stored);
    expected += 3.0 + i;
  }
  ASSERT_EQ(send("coop-b", "other", JAN1, 1000.0), IngestResult::Kind::stored);  // another co-op: never counted
  auto r = coop_analytics(**store, config->analytics, "coop-a", "2026-01-01", "2026-01-01", "day");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->cells.size(), 1u);
  EXPECT_EQ(r->cells[0].homes, 6);
  EXPECT_DOUBLE_EQ(r->cells[0].electricity_kwh, expected);
  EXPECT_EQ(r->cells[0].above_10pct.homes, 6);
  EXPECT_DOUBLE_EQ(r->cells[0].above_10pct.share, 0.0);  // "possible" is not above the line
  const std::string out = report_to_json(*r) + report_to_csv(*r);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out.find("\"" + home(i) + "\""), std::string::npos);

  EXPECT_FALSE(coop_analytics(**store, config->analytics, "coop-a", "2026-1-1", "2026-01-01", "day"));
  EXPECT_FALSE(coop_analytics(**store, config->analytics, "coop-a", "2026-01-01", "2026-01-01", "fortnight"));
  EXPECT_FALSE(coop_analytics(**store, config->analytics, "coop-a", "2026-01-02", "2026-01-01", "day"));
}
