#pragma once
// hearthd's energy accounting (issue 5, docs/energy.md): owns the EnergyLedger (rules/energy_ledger.h)
// and drives it as rules/README.md "Contract with the gateway" says. Runs on the logic thread only.
//
// - Readings: on_energy_total() for each accepted energy_kwh total with the EnergyStep the pipeline's
//   counter returned and the driver's counter_reset flag; on_reading() for everything else.
// - tick() (maintenance timer): each local day the ledger completes is summarised, stored (migration
//   7, one row per day, idempotent) and handed to the summary hook (the co-op uplink, later).
// - The ledger has no save/restore: restore() replays the stored raw readings of the last
//   `replay_days` days into a fresh ledger (today, the week, standby and advice survive a restart),
//   and year to date, projections, savings and fuel-poverty indicators come from stored summaries.
// - The tariff is the config's, unless the home edited it (set_tariff: kept in the settings table
//   and used until the config names another tariff).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/energy_counter.h"
#include "core/reading.h"
#include "core/result.h"
#include "gateway/config.h"
#include "gateway/device_registry.h"
#include "gateway/store.h"
#include "rules/energy_advice.h"
#include "rules/energy_ledger.h"
#include "rules/energy_savings.h"
#include "rules/energy_summary.h"

namespace hearth::gateway {

class EnergyService {
 public:
  using SummaryFn = std::function<void(const rules::energy::DailySummary&)>;
  static constexpr int DEFAULT_REPLAY_DAYS = 8;  // the standby window (7 days) and today

  EnergyService(Store& store, const DeviceRegistry& registry, const EnergySettings& settings,
                rules::energy::EnergyConfig ledger_config = {});

  // Called with every newly stored daily summary (not for days already stored).
  void set_summary_hook(SummaryFn fn) { on_summary_ = std::move(fn); }
  // Replays the stored raw readings from local midnight `replay_days` days ago up to now. With
  // store_missing, complete days the store has no summary for are summarised and stored.
  core::Result<std::size_t> restore(core::TimePoint now, int replay_days = DEFAULT_REPLAY_DAYS,
                                    bool store_missing = true);
  // SIGHUP: new settings, and the devices' facts again (kind, room, rating, calibration).
  void reconfigure(const EnergySettings& settings);
  void refresh_devices();

  void on_reading(const core::Reading& reading, const Device& device);
  void on_energy_total(const core::Reading& total, core::EnergyStep step, const Device& device);
  // Stores the summaries of completed days and prunes old ones. Returns how many were stored.
  std::size_t tick(core::TimePoint now);

  // --- what the API, the TV and the CLI show (JSON through rules/energy_json.h) ---
  nlohmann::json summary_json(core::TimePoint now) const;
  nlohmann::json appliances_json(core::TimePoint now) const;
  nlohmann::json advice_json(core::TimePoint now, rules::Language lang) const;
  // The TV's energy card ({today_cost_pence, usual_cost_pence, today_kwh, appliances[]}) and its
  // advice cards ([{kind, text:{en,cy}, saving_pence_per_year, care}]).
  nlohmann::json tv_energy_json(core::TimePoint now) const;
  nlohmann::json tv_advice_json(core::TimePoint now) const;
  // Savings over stored days; kind empty: the home's electricity, else one appliance kind.
  core::Result<rules::energy::SavingsResult> savings(std::pair<rules::energy::Day, rules::energy::Day> baseline,
                                                     std::pair<rules::energy::Day, rules::energy::Day> reporting,
                                                     const std::string& kind) const;
  std::vector<rules::energy::DailySummary> stored_summaries(rules::energy::Day from, rules::energy::Day to) const;

  const rules::energy::Tariff& tariff() const { return ledger_.tariff(); }
  bool tariff_edited() const { return tariff_edited_; }
  // The home's own tariff (validated), kept in the settings table.
  core::Result<void> set_tariff(const rules::energy::Tariff& tariff);
  const EnergySettings& settings() const { return settings_; }
  const rules::energy::EnergyLedger& ledger() const { return ledger_; }
  // The first local day the ledger has every reading of (the start of the replay, or the first start).
  rules::energy::Day ledger_since() const { return ledger_since_; }

 private:
  void ensure_device(const Device& device);
  void apply_tariff();
  // only_with_data: not for a day the ledger saw nothing of (before the home had devices).
  bool store_summary(rules::energy::Day day, core::TimePoint now, bool only_with_data);

  Store& store_;
  const DeviceRegistry& registry_;
  EnergySettings settings_;
  rules::energy::EnergyLedger ledger_;
  rules::energy::AdviceConfig advice_config_;
  SummaryFn on_summary_;
  bool tariff_edited_ = false;
  bool metered_ = false;  // some device reported power or an energy counter
  rules::energy::Day ledger_since_ = 0;
  rules::energy::Day last_prune_ = 0;
};

}  // namespace hearth::gateway
