#include "rules/energy_ledger.h"

#include <gtest/gtest.h>

#include <map>

#include "core/energy_counter.h"
#include "rules/energy_summary.h"
#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;
using hearth::core::EnergyCounterState;
using hearth::core::EnergyStep;

namespace {

Tariff flat(double rate = 20.0, double standing = 50.0) {
  Tariff t;
  t.id = "flat";
  t.electricity.unit_rate_p_per_kwh = rate;
  t.electricity.standing_charge_p_per_day = standing;
  return t;
}

Tariff economy7_gmt() {
  Tariff t = flat(30.0);
  t.id = "e7";
  t.electricity.bands = {{"night", 0, 7 * 60, 15.0}};
  t.electricity.bands_on_gmt = true;
  return t;
}

// What the gateway's pipeline does with a raw device counter before the ledger sees it.
struct Pipeline {
  EnergyLedger& ledger;
  EnergyCounterState state;
  void counter(const std::string& id, double raw_kwh, TimePoint t, bool reset_hint = false) {
    const auto u = hearth::core::apply_energy_sample(state, raw_kwh, t, reset_hint);
    if (u.step == EnergyStep::implausible) return;  // the pipeline holds it back
    ledger.on_energy_total(reading(id, Metric::energy_kwh, u.total_kwh, t), u.step);
  }
};

const Day D0 = 19737;  // 2024-01-15

}  // namespace

TEST(EnergyLedger, PowerOnlyIsBridgedAndPriced) {
  EnergyLedger ledger({}, flat(20.0));
  ledger.set_device(plug("kettle", "kettle"));
  feed_constant(ledger, "kettle", at(0, 10), at(0, 11), 1000.0);
  ledger.on_reading(reading("kettle", Metric::power_w, 0.0, at(0, 11)));
  const DeviceDay* d = ledger.device_day("kettle", D0);
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->kwh.bridged, 1.0, 1e-9);
  EXPECT_NEAR(d->kwh.measured, 0.0, 1e-12);
  EXPECT_EQ(d->kwh.provenance(), Provenance::bridged);
  EXPECT_NEAR(d->pence, 20.0, 1e-6);
  EXPECT_NEAR(d->covered_s, 3600.0, 1e-6);
}

TEST(EnergyLedger, CounterIntervalsAreMeasuredAndReplaceTheBridgedKwh) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("tv", "tv"));
  for (int m = 0; m <= 120; ++m) {
    const TimePoint t = at(0, 10, m);
    ledger.on_reading(reading("tv", Metric::power_w, 500.0, t));
    if (m % 5 == 0) ledger.on_reading(reading("tv", Metric::energy_kwh, 100.0 + 0.5 * m / 60.0, t));
  }
  const DeviceDay* d = ledger.device_day("tv", D0);
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->kwh.measured, 1.0, 1e-9);
  EXPECT_NEAR(d->kwh.bridged, 0.0, 1e-9);
  EXPECT_EQ(d->kwh.provenance(), Provenance::measured);
  EXPECT_NEAR(d->covered_s, 7200.0, 1e-3);
}

TEST(EnergyLedger, CounterRestartIsBridgedFromPowerAndCountedOnce) {
  for (const bool bridging : {true, false}) {
    EnergyConfig config;
    config.bridge_from_power = bridging;
    EnergyLedger ledger(config, flat());
    ledger.set_device(plug("heater", "heater", "lounge"));
    Pipeline pipe{ledger, {}};
    // 1.2 kW for an hour; a Zigbee-style counter every 15 min that reboots to zero at 10:20.
    const std::map<int, double> raw{{0, 5.0}, {15, 5.3}, {30, 0.2}, {45, 0.5}, {60, 0.8}};  // 0.2: 10 min since
    for (int m = 0; m <= 60; ++m) {
      ledger.on_reading(reading("heater", Metric::power_w, m < 60 ? 1200.0 : 0.0, at(0, 10, m)));
      if (auto it = raw.find(m); it != raw.end()) pipe.counter("heater", it->second, at(0, 10, m));
    }
    const DeviceDay* d = ledger.device_day("heater", D0);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->counter_restarts, 1);
    if (bridging) {
      EXPECT_NEAR(d->kwh.total(), 1.2, 1e-6);  // the 5 minutes before the reboot come from power
      EXPECT_NEAR(d->kwh.bridged, 0.3, 1e-6);
      EXPECT_NEAR(d->kwh.measured, 0.9, 1e-6);
    } else {
      EXPECT_NEAR(d->kwh.total(), 1.1, 1e-6);  // counters alone lose them
      EXPECT_EQ(d->kwh.provenance(), Provenance::measured);
    }
  }
}

TEST(EnergyLedger, CounterRestartWhenTheTotalArrivesBeforeThePowerInTheSameMessage) {
  // Tasmota sends Total before Power in one message: the restarted interval must still be bridged,
  // and the next valid interval must not take those bridged kWh back.
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("kettle", "kettle"));
  Pipeline pipe{ledger, {}};
  double raw = 3.0;
  for (int m = 0; m <= 10; ++m) {
    const TimePoint t = at(0, 7, m);
    if (m == 5) raw = 2400.0 * 30 / 3.6e6;  // rebooted 30 s ago: counts from zero
    pipe.counter("kettle", raw, t, m == 5);
    ledger.on_reading(reading("kettle", Metric::power_w, m < 10 ? 2400.0 : 0.0, t));
    raw += 2400.0 * 60 / 3.6e6;
  }
  const DeviceDay* d = ledger.device_day("kettle", D0);
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->kwh.total(), 0.4, 1e-6);
  EXPECT_NEAR(d->kwh.bridged, 0.04, 1e-6);  // the minute that held the restart
  EXPECT_EQ(d->counter_restarts, 1);
}

TEST(EnergyLedger, ResetInferredWithoutTheStepWhenTheTotalFalls) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("p", "other"));
  const std::map<int, double> totals{{0, 10.0}, {10, 10.1}, {20, 0.05}, {30, 0.15}};  // fell at 20: a restart
  for (int m = 0; m <= 30; ++m) {
    ledger.on_reading(reading("p", Metric::power_w, m < 30 ? 600.0 : 0.0, at(0, 9, m)));
    if (auto it = totals.find(m); it != totals.end()) {
      ledger.on_reading(reading("p", Metric::energy_kwh, it->second, at(0, 9, m)));
    }
  }
  const DeviceDay* d = ledger.device_day("p", D0);
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->kwh.total(), 0.3, 1e-6);
  EXPECT_EQ(d->counter_restarts, 1);
}

TEST(EnergyLedger, GapsAreHeldThenEstimatedThenLeftOpen) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("fridge", "fridge"));
  const auto feed = [&](TimePoint t, double w) { ledger.on_reading(reading("fridge", Metric::power_w, w, t)); };
  // 10-minute gap (inside the 15-minute hold): bridged as if no gap.
  feed(at(0, 1), 100.0);
  feed(at(0, 1, 10), 100.0);
  const DeviceDay* d = ledger.device_day("fridge", D0);
  EXPECT_NEAR(d->kwh.bridged, 100.0 / 6.0 / 1000.0, 1e-9);
  EXPECT_NEAR(d->kwh.estimated, 0.0, 1e-12);
  // 2-hour gap: 15 minutes held, the rest estimated at the lower of the two readings.
  feed(at(0, 3, 10), 60.0);
  EXPECT_NEAR(d->kwh.bridged, (100.0 / 6.0 + 25.0) / 1000.0, 1e-9);
  EXPECT_NEAR(d->kwh.estimated, 60.0 * 1.75 / 1000.0, 1e-9);
  EXPECT_EQ(d->kwh.provenance(), Provenance::estimated);
  // 8-hour gap: longer than hold + max_estimated_gap: only the hold counts, coverage shows the hole.
  const double before = d->kwh.total();
  feed(at(0, 11, 10), 60.0);
  EXPECT_NEAR(d->kwh.total() - before, 60.0 * 0.25 / 1000.0, 1e-9);
  const auto usage = ledger.device_usage("fridge", D0, D0, at(0, 11, 10));
  EXPECT_LT(usage.coverage, 0.5);
}

TEST(EnergyLedger, AnOutageTheCounterSpansIsMeasured) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("heater", "heater"));
  double total = 50.0;
  for (int m = 0; m <= 6 * 60; ++m) {
    const TimePoint t = at(0, 10) + std::chrono::minutes{m};
    const bool offline = m > 120 && m < 240;  // Wi-Fi down 12:00-14:00; the plug keeps metering
    if (m > 0) total += 1.0 / 60.0;           // 1 kW
    if (offline) continue;
    ledger.on_reading(reading("heater", Metric::power_w, 1000.0, t));
    ledger.on_reading(reading("heater", Metric::energy_kwh, total, t));
  }
  const DeviceDay* d = ledger.device_day("heater", D0);
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->kwh.measured, 6.0, 1e-6);
  EXPECT_NEAR(d->kwh.bridged + d->kwh.estimated, 0.0, 1e-9);
}

TEST(EnergyLedger, CalibrationScalesPowerAndCounter) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("a", "other", "", 3120.0, 0.8));
  ledger.set_device(plug("b", "other", "", 3120.0, 0.8));
  feed_constant(ledger, "a", at(0, 8), at(0, 9), 1000.0);
  ledger.on_reading(reading("a", Metric::power_w, 0.0, at(0, 9)));
  ledger.on_reading(reading("b", Metric::energy_kwh, 10.0, at(0, 8)));
  ledger.on_reading(reading("b", Metric::energy_kwh, 11.0, at(0, 9)));
  EXPECT_NEAR(day_kwh(ledger, "a", D0), 0.8, 1e-9);
  EXPECT_NEAR(day_kwh(ledger, "b", D0), 0.8, 1e-9);
}

TEST(EnergyLedger, ReadingsImplausibleForThePlugAreFlaggedNotUsed) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("lamp", "lamp", "", 1000.0));
  for (int m = 0; m <= 60; ++m) {
    const double w = m == 30 ? 9000.0 : (m < 60 ? 600.0 : 0.0);  // 9 kW through a 1 kW plug
    ledger.on_reading(reading("lamp", Metric::power_w, w, at(0, 12, m)));
  }
  // A counter rising at 6 kW through the same plug: flagged; power bridges instead.
  ledger.on_reading(reading("lamp", Metric::energy_kwh, 1.0, at(0, 12, 0)));
  ledger.on_reading(reading("lamp", Metric::energy_kwh, 7.0, at(0, 13, 0)));
  const DeviceDay* d = ledger.device_day("lamp", D0);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->implausible, 2);
  EXPECT_NEAR(d->kwh.total(), 0.6, 1e-9);
  EXPECT_EQ(d->kwh.provenance(), Provenance::bridged);
  EXPECT_EQ(ledger.summarise(D0).implausible_readings, 2);
}

TEST(EnergyLedger, ConsumptionIsSplitAtMidnight) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("h", "heater"));
  feed_constant(ledger, "h", at(0, 23), at(1, 1), 1000.0, std::chrono::minutes{7});
  ledger.on_reading(reading("h", Metric::power_w, 0.0, at(1, 1)));
  EXPECT_NEAR(day_kwh(ledger, "h", D0), 1.0, 1e-9);
  EXPECT_NEAR(day_kwh(ledger, "h", D0 + 1), 1.0, 1e-9);
}

TEST(EnergyLedger, Economy7BoundarySplitsTheCost) {
  EnergyLedger ledger({}, economy7_gmt());
  ledger.set_device(plug("storage", "storage_heater"));
  feed_constant(ledger, "storage", at(0, 6), at(0, 8), 2000.0, std::chrono::minutes{13});
  ledger.on_reading(reading("storage", Metric::power_w, 0.0, at(0, 8)));
  const DeviceDay* d = ledger.device_day("storage", D0);
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->band_kwh[1], 2.0, 1e-9);  // 06:00-07:00 night
  EXPECT_NEAR(d->band_kwh[0], 2.0, 1e-9);  // 07:00-08:00 day
  EXPECT_NEAR(d->pence, 2.0 * 15.0 + 2.0 * 30.0, 1e-6);
}

TEST(EnergyLedger, Economy7OnAGmtMeterIsNightUntilEightInSummer) {
  EnergyLedger ledger({}, economy7_gmt());
  ledger.set_device(plug("w", "washing_machine"));
  // 07:00-08:00 BST = 06:00-07:00 UTC: still night on the meter's GMT clock.
  feed_constant(ledger, "w", utc(2024, 7, 1, 6), utc(2024, 7, 1, 7), 1000.0);
  ledger.on_reading(reading("w", Metric::power_w, 0.0, utc(2024, 7, 1, 7)));
  const DeviceDay* d = ledger.device_day("w", *parse_day("2024-07-01"));
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->band_kwh[1], 1.0, 1e-9);
  EXPECT_NEAR(d->pence, 15.0, 1e-6);
}

TEST(EnergyLedger, TheAutumnClockChangeDayHas25Hours) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("router", "router"));
  const Day day = *parse_day("2024-10-27");
  const LocalClock uk = uk_clock();
  feed_constant(ledger, "router", uk.day_start(day) - std::chrono::hours{1}, uk.day_end(day) + std::chrono::hours{1},
                100.0, std::chrono::minutes{10});
  ledger.on_reading(reading("router", Metric::power_w, 100.0, uk.day_end(day) + std::chrono::hours{1}));
  EXPECT_NEAR(day_kwh(ledger, "router", day), 2.5, 1e-9);
  EXPECT_NEAR(day_kwh(ledger, "router", day + 1), 0.1, 1e-9);
}

TEST(EnergyLedger, AMeasuredIntervalAcrossMidnightFollowsThePowerProfile) {
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("d", "dishwasher"));
  for (int m = 0; m <= 120; ++m) {
    const TimePoint t = at(0, 23) + std::chrono::minutes{m};
    ledger.on_reading(reading("d", Metric::power_w, m >= 30 && m < 60 ? 2000.0 : 0.0, t));
    if (m == 0) ledger.on_reading(reading("d", Metric::energy_kwh, 10.0, t));
    if (m == 120) ledger.on_reading(reading("d", Metric::energy_kwh, 11.0, t));
  }
  // A linear split would put half after midnight; the power profile says it all ran before.
  EXPECT_NEAR(ledger.device_day("d", D0)->kwh.measured, 1.0, 1e-9);
  EXPECT_NEAR(day_kwh(ledger, "d", D0 + 1), 0.0, 1e-9);
}

TEST(EnergyLedger, ACounterThatStopsReportingLeavesTheBridgedKwhAlone) {
  // One counter sample, then ten months of power only: the bridged kWh kept for replacement are
  // bounded, and a counter that comes back after that cannot take them back.
  EnergyLedger ledger({}, flat());
  ledger.set_device(plug("p", "other"));
  ledger.on_reading(reading("p", Metric::energy_kwh, 5.0, at(0, 0)));
  feed_constant(ledger, "p", at(0, 0), at(300, 0), 50.0, std::chrono::minutes{10});
  ledger.on_reading(reading("p", Metric::power_w, 50.0, at(300, 0)));
  ledger.on_reading(reading("p", Metric::energy_kwh, 6.0, at(300, 0)));  // 1 kWh: far less than 360 kWh
  double total = 0.0;
  for (int day = 0; day < 300; ++day) total += day_kwh(ledger, "p", D0 + day);
  EXPECT_NEAR(total, 50.0 * 24 * 300 / 1000.0, 1e-6);
}

TEST(EnergyLedger, LateReadingsAreIgnoredAndDevicesAreCapped) {
  EnergyConfig config;
  config.max_devices = 2;
  EnergyLedger ledger(config, flat());
  ledger.on_reading(reading("a", Metric::power_w, 100.0, at(0, 1)));
  ledger.on_reading(reading("a", Metric::power_w, 100.0, at(0, 2)));
  ledger.on_reading(reading("a", Metric::power_w, 1000.0, at(0, 1, 30)));  // late
  ledger.on_reading(reading("a", Metric::power_w, 100.0, at(0, 3)));
  // Two hour-long gaps: 15 min held + 45 min estimated at 100 W each; the late 1 kW is not in it.
  EXPECT_NEAR(day_kwh(ledger, "a", D0), 0.2, 1e-9);
  EXPECT_EQ(ledger.out_of_order(), 1U);
  ledger.on_reading(reading("b", Metric::power_w, 1.0, at(0, 1)));
  ledger.on_reading(reading("c", Metric::power_w, 1.0, at(0, 1)));
  EXPECT_EQ(ledger.device_ids().size(), 2U);
  EXPECT_EQ(ledger.devices_dropped(), 1U);
}

TEST(EnergyLedger, DaysRollAndOldOnesArePruned) {
  EnergyConfig config;
  config.max_days = 3;
  EnergyLedger ledger(config, flat());
  EXPECT_TRUE(ledger.completed_days(at(0, 12)).empty());
  for (int day = 0; day < 6; ++day) {
    feed_constant(ledger, "p", at(day, 0), at(day, 1), 100.0, std::chrono::minutes{10});
    ledger.on_reading(reading("p", Metric::power_w, 0.0, at(day, 1)));
  }
  EXPECT_EQ(ledger.completed_days(at(2, 0, 5)), (std::vector<Day>{D0, D0 + 1}));
  EXPECT_EQ(ledger.completed_days(at(2, 5)), std::vector<Day>{});
  EXPECT_EQ(ledger.device_day("p", D0), nullptr);  // older than max_days
  EXPECT_NE(ledger.device_day("p", D0 + 5), nullptr);
}

TEST(EnergyLedger, ApplianceAndHomeReportsCarryPenceAndProvenance) {
  EnergyLedger ledger({}, flat(20.0, 50.0));
  ledger.set_device(plug("kettle", "kettle", "kitchen"));
  ledger.set_device(plug("meter", "mains"));
  for (int day = 0; day < 3; ++day) {
    for (TimePoint t = at(day, 0); t < at(day + 1, 0); t += 1min) {
      ledger.on_reading(reading("kettle", Metric::power_w, t >= at(day, 7) && t < at(day, 7, 6) ? 2000.0 : 0.0, t));
      ledger.on_reading(reading("meter", Metric::power_w, 300.0, t));
    }
  }
  ledger.on_reading(reading("kettle", Metric::power_w, 0.0, at(3, 0)));
  ledger.on_reading(reading("meter", Metric::power_w, 300.0, at(3, 0)));
  const auto apps = ledger.appliances(at(3, 0));
  ASSERT_EQ(apps.size(), 1U);  // the mains meter is the home, not an appliance
  EXPECT_EQ(apps[0].kind, "kettle");
  EXPECT_NEAR(apps[0].week.kwh.total(), 0.6, 1e-9);
  EXPECT_EQ(apps[0].week.pence, 12);
  EXPECT_NEAR(apps[0].week.coverage, 0.5, 1e-6);  // 3 days of data in the 6 days of the week so far
  EXPECT_EQ(apps[0].projected_year.kwh.provenance(), Provenance::estimated);
  EXPECT_NEAR(apps[0].projected_year.kwh.total(), 0.2 * 365, 1e-6);
  const auto home = ledger.home(at(2, 23, 59));
  EXPECT_TRUE(home.from_mains);
  EXPECT_NEAR(home.electricity_week.kwh.total(), 3 * 7.2, 1e-6);
  EXPECT_EQ(home.standing_pence_week, 350);
  ASSERT_TRUE(home.baseload_w);
  EXPECT_EQ(home.baseload_provenance, Provenance::measured);
  EXPECT_NEAR(*home.baseload_w, 300.0, 1.0);
  const auto s = ledger.summarise(D0);
  ASSERT_TRUE(s.unmonitored_kwh);
  EXPECT_NEAR(*s.unmonitored_kwh, 7.2 - 0.2, 1e-6);
}
