#pragma once
// What energy costs a home: unit rates (p/kWh), standing charges (p/day), time-of-use bands
// (Economy 7), the prepayment flag, and gas declared as a separate fuel when the home heats with
// it. Rates are prices and may carry fractions of a penny (Ofgem publishes 22.36 p/kWh); every
// amount of money computed from them is rounded to integer pence where it is shown or stored.
//
// Shipped defaults live in rules/data/tariffs.json (each tariff with its source and date); the
// build compiles that file in (shipped_tariffs()), and a home's own edited tariff is parsed from
// the JSON the gateway keeps for it (parse_tariff / tariff_to_json).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "rules/energy_time.h"

namespace hearth::rules::energy {

enum class Fuel : std::uint8_t { electricity, gas };
const char* to_string(Fuel fuel);

// A daily time-of-use window [start_min, end_min) in minutes since midnight; end < start wraps
// past midnight (Economy 7 00:00-07:00 is {0, 420}).
struct TariffBand {
  std::string name;  // "night"
  int start_min = 0;
  int end_min = 0;
  double unit_rate_p_per_kwh = 0.0;

  friend bool operator==(const TariffBand&, const TariffBand&) = default;
};

// Band index 0 is "outside every band" (the day rate); band i >= 1 is bands[i - 1].
inline constexpr int MAX_BANDS = 4;

struct FuelTariff {
  double unit_rate_p_per_kwh = 0.0;
  double standing_charge_p_per_day = 0.0;
  std::vector<TariffBand> bands;  // at most MAX_BANDS - 1, not overlapping
  // Many Economy 7 meters keep GMT all year, so their night moves to 01:00-08:00 in summer time.
  bool bands_on_gmt = false;

  int band_count() const { return 1 + static_cast<int>(bands.size()); }
  double rate_of_band(int band) const;
  std::string_view band_name(int band) const;  // "standard" for band 0 without bands, else "day"
  int band_at(core::TimePoint t, const LocalClock& clock) const;
  // The next instant after t at which the band can change (a band edge or a clock change).
  core::TimePoint next_band_change(core::TimePoint t, const LocalClock& clock) const;
  bool time_of_use() const;
  int cheapest_band() const;

  friend bool operator==(const FuelTariff&, const FuelTariff&) = default;
};

struct Tariff {
  std::string id;
  std::string name;
  std::string source;       // where the figures come from (URL or "your bill")
  std::string source_date;  // when they were published or checked, "YYYY-MM-DD"
  std::string valid_from;   // "YYYY-MM-DD", empty when open
  std::string valid_to;
  bool illustrative = false;  // example rates: the home must enter its own before money is trusted
  bool prepayment = false;
  FuelTariff electricity;
  std::optional<FuelTariff> gas;  // declared when the home has gas (for heating or cooking)
  Fuel heating_fuel = Fuel::electricity;

  friend bool operator==(const Tariff&, const Tariff&) = default;
};

struct TariffCatalogue {
  std::string source;
  std::string updated;
  std::vector<Tariff> tariffs;

  const Tariff* find(std::string_view id) const;
};

// Checks ranges and bands (rates 0-1000 p/kWh, standing 0-1000 p/day, bands inside the day, not
// empty, not overlapping, gas present when heating_fuel is gas). The message names the field.
core::Result<void> validate(const Tariff& tariff);

core::Result<TariffCatalogue> parse_tariffs(std::string_view json_text);
core::Result<Tariff> parse_tariff(std::string_view json_text);
std::string tariff_to_json(const Tariff& tariff);

// The compiled-in copy of rules/data/tariffs.json, and its parsed form (parsed once; the build
// embeds a file that the unit tests parse, so a broken file fails the tests, not hearthd).
std::string_view shipped_tariffs_json();
const TariffCatalogue& shipped_tariffs();
// The default for a home with no tariff configured: the catalogue's first tariff.
const Tariff& default_tariff();

}  // namespace hearth::rules::energy
