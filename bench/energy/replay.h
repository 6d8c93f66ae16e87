#pragma once
// Turns the REFIT minutes into the MQTT traffic a Tasmota plug would send (tele/<plug>/SENSOR with
// ENERGY.Power and, when the scenario has one, ENERGY.Total with 3 decimals and TotalStartTime),
// decodes it with Hearth's real Tasmota driver, applies the gateway's energy counter
// (core::apply_energy_sample, as gateway/pipeline.cpp does) and feeds the EnergyLedger.
// Injected events: counter restarts (the plug reboots half a minute before a report and its
// counter starts again from zero with a new TotalStartTime) and Wi-Fi outages (no messages; the
// plug keeps metering).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "bench/energy/refit.h"
#include "rules/energy_ledger.h"

namespace hearth::bench::energy {

struct Scenario {
  std::string name;
  int counter_every_min = 0;  // 0: no ENERGY.Total in the payload
  bool bridging = true;       // EnergyConfig::bridge_from_power
  bool restarts = false;      // inject counter restarts
  bool outages = false;       // inject Wi-Fi outages
  bool checked = false;       // --check holds it to the 1% target
};

struct ChannelEvents {
  std::vector<std::size_t> restarts;                         // row index of the first report after a reboot
  std::vector<std::pair<std::size_t, std::size_t>> outages;  // [first, last) rows with no messages
};

// Per channel (REFIT_CHANNELS order), deterministic for a seed: one restart per plug per day at a
// minute when the appliance is running (if it runs that day) and one at a random minute; an outage
// of 30-180 minutes every third day.
std::vector<ChannelEvents> make_events(const std::vector<MinuteRow>& rows, unsigned seed);

struct ReplayStats {
  std::size_t messages = 0;
  std::size_t readings = 0;
  std::size_t counter_resets = 0;  // steps the energy counter reported as reset
};

std::string device_id(std::size_t channel);  // "tasmota:refit_kettle"; channel 0 is the mains clamp
rules::energy::EnergyDeviceFacts device_facts(std::size_t channel);

// traffic: when not null, every MQTT message is also written there as a JSON line
// {"topic","payload","ts_ms"} (the input of `hearth replay`).
std::unique_ptr<rules::energy::EnergyLedger> replay(const std::vector<MinuteRow>& rows, const Scenario& scenario,
                                                    const std::vector<ChannelEvents>& events,
                                                    const rules::energy::Tariff& tariff, ReplayStats& stats,
                                                    std::ostream* traffic = nullptr);

}  // namespace hearth::bench::energy
