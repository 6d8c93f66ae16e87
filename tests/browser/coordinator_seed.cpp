// hearth-coordinator-seed: writes daily energy summaries into a coordinator store through the real
// CoordinatorStore (as ingest would, but with the arrival time given), for the co-op dashboard's
// browser test (coordinator.test.js). Summaries of past days cannot arrive over MQTT in a test:
// one received now for a day that has already settled is never counted (docs/coordinator.md, rule 4).
//
// Usage: hearth-coordinator-seed STORE_PATH < lines
//   summary <coop> <home> <YYYY-MM-DD> <electricity_kwh> <cold_home_hours> <self_rationing: 0|1|->
// Each summary is received the morning after its day. Exit 0 when every line was stored.
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

#include "coordinator/coordinator_store.h"
#include "rules/energy_summary.h"
#include "rules/energy_time.h"

using namespace hearth;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hearth-coordinator-seed STORE_PATH < lines\n";
    return 2;
  }
  coordinator::StoreSettings settings;
  settings.path = argv[1];
  auto store = coordinator::open_coordinator_store(settings);
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  std::string line;
  int stored = 0;
  int line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::istringstream in(line);
    std::string what, coop, home, date, rationing;
    double kwh = 0, cold_h = 0;
    if (!(in >> what >> coop >> home >> date >> kwh >> cold_h >> rationing) || what != "summary") {
      std::cerr << "line " << line_no << ": expected 'summary coop home date kwh cold_h 0|1|-'\n";
      return 2;
    }
    const auto day = rules::energy::parse_day(date);
    if (!day) {
      std::cerr << "line " << line_no << ": bad date " << date << "\n";
      return 2;
    }
    rules::energy::DailySummary s;
    s.day = *day;
    s.date = date;
    s.from_mains = true;
    s.electricity.measured = kwh;
    s.electricity_pence = std::llround(kwh * 24.5);
    s.standing_pence = 60;
    s.coverage = 1.0;
    s.cold_home_hours = cold_h;
    if (rationing != "-") s.self_rationing = rationing == "1";
    s.tariff_id = "browser-test";
    const std::string message_id = home + "/summary/energy/" + date;
    const std::string payload = R"({"schema":1,"type":"daily_summary","message_id":")" + message_id +
                                R"(","home_id":")" + home + R"(","kind":"energy","day":")" + date + R"(","summary":)" +
                                rules::energy::daily_summary_to_json(s) + "}";
    const std::int64_t received_ms = (*day + 1) * std::int64_t{86'400'000} + 6 * 3'600'000;  // next morning
    auto r = (*store)->store_summary(
        coordinator::SummaryRecord{coop, home, message_id, "energy", date, received_ms, payload});
    if (!r) {
      std::cerr << "line " << line_no << ": " << r.error().message << "\n";
      return 1;
    }
    ++stored;
  }
  std::cout << "stored " << stored << " summaries\n";
  return 0;
}
