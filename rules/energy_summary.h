#pragma once
// DailySummary: one home on one local day, as the gateway stores it and the co-op uplink sends it.
// It carries figures only, grouped by appliance kind (no device names, no rooms), each with its
// provenance, so a co-op analyst can tell measured kWh from bridged or estimated ones.
// JSON field names carry units; "schema" is bumped on any change of meaning.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "rules/energy_ledger.h"

namespace hearth::rules::energy {

inline constexpr int DAILY_SUMMARY_SCHEMA = 1;

struct ApplianceDay {
  std::string kind;  // "kettle", "tv", ... (the device kind; several devices of a kind are summed)
  int devices = 0;
  Kwh kwh;
  std::int64_t pence = 0;
  double coverage = 0.0;  // mean share of the day with data
  std::optional<double> standby_w;

  friend bool operator==(const ApplianceDay&, const ApplianceDay&) = default;
};

struct DailySummary {
  int schema = DAILY_SUMMARY_SCHEMA;
  Day day = 0;
  std::string date;         // "YYYY-MM-DD", local
  bool from_mains = false;  // electricity from a whole-home meter; else the sum of monitored plugs
  Kwh electricity;
  std::int64_t electricity_pence = 0;  // energy charge only
  std::int64_t standing_pence = 0;     // electricity + gas standing charges for the day
  Kwh gas;
  std::int64_t gas_pence = 0;
  double monitored_kwh = 0.0;             // sum of appliance plugs
  std::optional<double> unmonitored_kwh;  // mains - plugs, when there is a mains meter
  std::vector<ApplianceDay> appliances;   // by kind, largest first
  std::optional<double> baseload_w;
  Provenance baseload_provenance = Provenance::estimated;
  double heating_kwh = 0.0;
  double cold_home_hours = 0.0;
  std::optional<bool> self_rationing;
  std::optional<double> outdoor_mean_c;
  std::optional<double> heating_degree_days;  // base 15.5 °C
  double coverage = 0.0;                      // share of the day the home total has data for
  int implausible_readings = 0;
  int counter_restarts = 0;
  std::string tariff_id;
  bool tariff_illustrative = false;
  bool prepayment = false;

  std::int64_t total_pence() const { return electricity_pence + gas_pence + standing_pence; }
  friend bool operator==(const DailySummary&, const DailySummary&) = default;
};

void to_json(nlohmann::json& j, const Kwh& k);
void from_json(const nlohmann::json& j, Kwh& k);
void to_json(nlohmann::json& j, const DailySummary& s);
void from_json(const nlohmann::json& j, DailySummary& s);  // throws std::exception on bad input

std::string daily_summary_to_json(const DailySummary& s);
// Rejects malformed JSON, a wrong schema and missing fields (the message says which).
core::Result<DailySummary> parse_daily_summary(std::string_view json_text);

}  // namespace hearth::rules::energy
