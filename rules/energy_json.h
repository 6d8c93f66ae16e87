#pragma once
// JSON for the energy API (GET /api/v1/energy/summary, /energy/appliances, /advice, /savings):
// every kWh figure carries its provenance split, money is integer pence, advice is rendered in the
// reader's language with its key and parameters kept for other renderers. The gateway wraps these
// in its responses; nothing here does I/O.
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rules/energy_advice.h"
#include "rules/energy_ledger.h"
#include "rules/energy_savings.h"
#include "rules/fuel_poverty.h"
#include "rules/messages.h"

namespace hearth::rules::energy {

nlohmann::json usage_json(const PeriodUsage& u);
nlohmann::json appliances_json(const std::vector<ApplianceUsage>& appliances);
nlohmann::json home_json(const HomeUsage& home, const Tariff& tariff);
nlohmann::json advice_json(const std::vector<Advice>& advice, Language lang);
nlohmann::json savings_json(const SavingsResult& savings);
nlohmann::json fuel_poverty_json(const FuelPovertyIndicators& indicators);

}  // namespace hearth::rules::energy
