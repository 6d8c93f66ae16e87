#pragma once
// Energy advice: a ranked list of concrete tips, each from measured data in the ledger, with a
// saving in pence and kWh per year, a confidence, and a plain statement of what it is based on.
// Tips carry a message key and parameters (rules/messages.h) so they render in English or Welsh.
//
// Rule of care (enforced here, in apply_rule_of_care, and unit-tested): no tip that would lower
// heating is ever given for a room that was below 18 °C (cold_c) in the evidence period, or whose
// temperature is unknown. Such a room gets a cold-home tip instead, pointing to help (in Wales the
// Nest scheme and the Warm Home Discount), ranked above every money-saving tip.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rules/energy_ledger.h"
#include "rules/messages.h"

namespace hearth::rules::energy {

enum class Confidence : std::uint8_t { low, medium, high };
const char* to_string(Confidence c);

enum class AdviceKind : std::uint8_t {
  cold_home,           // care: a room too cold while occupied
  standby,             // switch off at the plug overnight
  peak_shift,          // run a heavy appliance in the cheap band of a time-of-use tariff
  heater_window_open,  // heater on while a window/door in the room is open
  heating_empty_room,  // heater on in a room nobody has been in for a while
  fridge_ageing,       // fridge compressor duty cycle rising
};
const char* to_string(AdviceKind k);

enum class HelpRegion : std::uint8_t { wales, great_britain };

struct Advice {
  AdviceKind kind = AdviceKind::standby;
  std::string key;  // message key in rules/messages.cpp
  std::map<std::string, std::string> params;
  std::int64_t saving_pence_per_year = 0;
  double saving_kwh_per_year = 0.0;
  Confidence confidence = Confidence::low;
  std::string basis;  // what was measured, over how long (English; for analysts and logs)
  std::string device_id;
  std::string room;
  bool care = false;             // a care message (cold home): ranked first, no saving
  double cold_hours = 0.0;       // care: occupied hours below cold_c in the period
  bool reduces_heating = false;  // following it would lower the heat in `room`
};

struct AdviceConfig {
  int period_days = 7;  // evidence: the last period_days local days, today included
  std::vector<std::string> standby_kinds{"tv",       "set_top_box", "av",      "hifi",      "games_console",
                                         "computer", "monitor",     "printer", "microwave", "coffee_machine",
                                         "speaker",  "charger"};
  double min_standby_w = 1.0;
  std::int64_t min_saving_pence_per_year = 100;  // below £1 a year a tip is noise
  // Appliances worth moving to the cheap band. Not tumble dryers: fire services advise against
  // running them overnight or unattended.
  std::vector<std::string> shiftable_kinds{"washing_machine", "dishwasher"};
  int heating_season_days = 212;  // October to April: heating tips are scaled to a season, not a year
  double fridge_rise_ratio = 1.15;
  double fridge_min_rise = 0.05;  // and at least 5 points of duty cycle
  int fridge_window_days = 14;
  int fridge_gap_days = 28;  // compare with the same length of time this long before
  double min_cold_hours = 1.0;
  HelpRegion region = HelpRegion::wales;
  std::size_t max_items = 10;
};

// The ranked tips for the home at `now`: care tips first (most cold hours first), then by saving.
std::vector<Advice> make_advice(const EnergyLedger& ledger, core::TimePoint now, const AdviceConfig& config = {});

// Drops every tip that reduces heating in a room not verified warm over [from, to] (some time
// below cold_c, or no temperature data), and adds a cold-home tip for each room that had occupied
// cold hours. make_advice calls it last; it is public so any other source of tips goes through it.
void apply_rule_of_care(std::vector<Advice>& advice, const EnergyLedger& ledger, Day from, Day to,
                        const AdviceConfig& config = {});

// Whether a room's temperature was measured at or above cold_c all through [from, to].
bool room_verified_warm(const EnergyLedger& ledger, const std::string& room, Day from, Day to);

std::string render(const Advice& advice, Language lang);

// "£24" (whole pounds from £10), "£4.50", "80p".
std::string format_pounds(std::int64_t pence);

}  // namespace hearth::rules::energy
