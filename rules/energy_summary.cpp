#include "rules/energy_summary.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace hearth::rules::energy {
namespace {

using nlohmann::json;

template <typename T>
void put_optional(json& j, const char* key, const std::optional<T>& v) {
  j[key] = v ? json(*v) : json(nullptr);
}

template <typename T>
std::optional<T> get_optional(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

Provenance provenance_at(const json& j, const char* key) {
  const auto text = j.at(key).get<std::string>();
  auto p = provenance_from_string(text);
  if (!p) throw std::runtime_error(std::string(key) + ": unknown provenance '" + text + "'");
  return *p;
}

}  // namespace

void to_json(json& j, const Kwh& k) {
  j = json{{"measured", k.measured},
           {"bridged", k.bridged},
           {"estimated", k.estimated},
           {"total", k.total()},
           {"provenance", to_string(k.provenance())}};
}

void from_json(const json& j, Kwh& k) {
  k.measured = j.at("measured").get<double>();
  k.bridged = j.at("bridged").get<double>();
  k.estimated = j.at("estimated").get<double>();
}

void to_json(json& j, const DailySummary& s) {
  json appliances = json::array();
  for (const auto& a : s.appliances) {
    json ja{{"kind", a.kind}, {"devices", a.devices}, {"kwh", a.kwh}, {"pence", a.pence}, {"coverage", a.coverage}};
    put_optional(ja, "standby_w", a.standby_w);
    appliances.push_back(std::move(ja));
  }
  j = json{{"schema", s.schema},
           {"date", s.date},
           {"day", s.day},
           {"from_mains", s.from_mains},
           {"electricity_kwh", s.electricity},
           {"electricity_pence", s.electricity_pence},
           {"standing_pence", s.standing_pence},
           {"gas_kwh", s.gas},
           {"gas_pence", s.gas_pence},
           {"total_pence", s.total_pence()},
           {"monitored_kwh", s.monitored_kwh},
           {"appliances", appliances},
           {"baseload_provenance", to_string(s.baseload_provenance)},
           {"heating_kwh", s.heating_kwh},
           {"cold_home_hours", s.cold_home_hours},
           {"coverage", s.coverage},
           {"implausible_readings", s.implausible_readings},
           {"counter_restarts", s.counter_restarts},
           {"tariff_id", s.tariff_id},
           {"tariff_illustrative", s.tariff_illustrative},
           {"prepayment", s.prepayment}};
  put_optional(j, "unmonitored_kwh", s.unmonitored_kwh);
  put_optional(j, "baseload_w", s.baseload_w);
  put_optional(j, "self_rationing", s.self_rationing);
  put_optional(j, "outdoor_mean_c", s.outdoor_mean_c);
  put_optional(j, "heating_degree_days", s.heating_degree_days);
}

void from_json(const json& j, DailySummary& s) {
  s.schema = j.at("schema").get<int>();
  if (s.schema != DAILY_SUMMARY_SCHEMA) {
    throw std::runtime_error("schema " + std::to_string(s.schema) + " is not supported");
  }
  s.date = j.at("date").get<std::string>();
  s.day = j.at("day").get<Day>();
  if (parse_day(s.date) != s.day) throw std::runtime_error("date and day disagree");
  s.from_mains = j.at("from_mains").get<bool>();
  s.electricity = j.at("electricity_kwh").get<Kwh>();
  s.electricity_pence = j.at("electricity_pence").get<std::int64_t>();
  s.standing_pence = j.at("standing_pence").get<std::int64_t>();
  s.gas = j.at("gas_kwh").get<Kwh>();
  s.gas_pence = j.at("gas_pence").get<std::int64_t>();
  s.monitored_kwh = j.at("monitored_kwh").get<double>();
  s.unmonitored_kwh = get_optional<double>(j, "unmonitored_kwh");
  s.appliances.clear();
  for (const auto& ja : j.at("appliances")) {
    ApplianceDay a;
    a.kind = ja.at("kind").get<std::string>();
    a.devices = ja.at("devices").get<int>();
    a.kwh = ja.at("kwh").get<Kwh>();
    a.pence = ja.at("pence").get<std::int64_t>();
    a.coverage = ja.at("coverage").get<double>();
    a.standby_w = get_optional<double>(ja, "standby_w");
    s.appliances.push_back(std::move(a));
  }
  s.baseload_w = get_optional<double>(j, "baseload_w");
  s.baseload_provenance = provenance_at(j, "baseload_provenance");
  s.heating_kwh = j.at("heating_kwh").get<double>();
  s.cold_home_hours = j.at("cold_home_hours").get<double>();
  s.self_rationing = get_optional<bool>(j, "self_rationing");
  s.outdoor_mean_c = get_optional<double>(j, "outdoor_mean_c");
  s.heating_degree_days = get_optional<double>(j, "heating_degree_days");
  s.coverage = j.at("coverage").get<double>();
  s.implausible_readings = j.at("implausible_readings").get<int>();
  s.counter_restarts = j.at("counter_restarts").get<int>();
  s.tariff_id = j.at("tariff_id").get<std::string>();
  s.tariff_illustrative = j.at("tariff_illustrative").get<bool>();
  s.prepayment = j.at("prepayment").get<bool>();
}

std::string daily_summary_to_json(const DailySummary& s) { return json(s).dump(); }

core::Result<DailySummary> parse_daily_summary(std::string_view json_text) {
  try {
    return json::parse(json_text).get<DailySummary>();
  } catch (const std::exception& e) {
    return core::make_error(std::string("daily summary: ") + e.what());
  }
}

}  // namespace hearth::rules::energy
