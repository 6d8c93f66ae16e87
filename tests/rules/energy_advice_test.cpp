#include "rules/energy_advice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/rules/energy_test_support.h"

using namespace hearth::rules::energy;
using namespace hearth::rules::energy::test;
using hearth::rules::Language;
using ::testing::HasSubstr;

namespace {

const Day D0 = 19737;  // 2024-01-15

Tariff flat(double rate = 20.0) {
  Tariff t;
  t.id = "flat";
  t.electricity.unit_rate_p_per_kwh = rate;
  t.electricity.standing_charge_p_per_day = 50.0;
  return t;
}

Tariff economy7() {
  Tariff t = flat(30.0);
  t.electricity.bands = {{"night", 0, 7 * 60, 15.0}};
  return t;
}

int minute_of(TimePoint t, int day) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(t - at(day, 0)).count());
}

// A simulated home: days of one-minute plug data and ten-minute room sensors. Readings are
// buffered and fed in time order (as the gateway delivers them), power first at equal times.
struct Home {
  EnergyLedger ledger;
  std::vector<hearth::core::Reading> pending;
  explicit Home(Tariff tariff = flat()) : ledger({}, std::move(tariff)) {}

  void add(const std::string& id, Metric m, double v, TimePoint t) { pending.push_back(reading(id, m, v, t)); }
  template <typename F>
  void power(const std::string& id, int days, std::chrono::minutes step, F&& f) {
    for (int d = 0; d < days; ++d) {
      for (TimePoint t = at(d, 0); t < at(d + 1, 0); t += step) add(id, Metric::power_w, f(t, d), t);
    }
  }
  void tv(int days, double standby_w) {
    ledger.set_device(plug("tv", "tv", "lounge"));
    power("tv", days, 1min, [&](TimePoint t, int d) {
      const int m = minute_of(t, d);
      return m >= 18 * 60 && m < 22 * 60 ? 90.0 : standby_w + 0.3 * ((m % 3) - 1);
    });
  }
  // A heater in `room` on at 2 kW during [on_from, on_to) local minutes each day.
  void heater(const std::string& room, int days, int on_from, int on_to) {
    ledger.set_device(plug("heater_" + room, "heater", room));
    power("heater_" + room, days, 1min, [&](TimePoint t, int d) {
      const int m = minute_of(t, d);
      return m >= on_from && m < on_to ? 2000.0 : 0.0;
    });
  }
  void temperature(const std::string& room, int days, double c) {
    ledger.set_device(plug("t_" + room, "climate", room));
    for (TimePoint t = at(0, 0); t <= at(days, 0); t += 10min) add("t_" + room, Metric::temperature_c, c, t);
  }
  void window_open_daily(const std::string& room, int days, int from_min, int to_min) {
    ledger.set_device(plug("w_" + room, "window", room));
    for (int d = 0; d < days; ++d) {
      add("w_" + room, Metric::contact_open, 1.0, at(d, 0, from_min));
      add("w_" + room, Metric::contact_open, 0.0, at(d, 0, to_min));
    }
  }
  void motion_daily(const std::string& room, int days, std::vector<int> minutes) {
    ledger.set_device(plug("m_" + room, "motion", room));
    for (int d = 0; d < days; ++d) {
      for (int m : minutes) add("m_" + room, Metric::motion, 1.0, at(d, 0, m));
    }
  }
  std::vector<Advice> advice(TimePoint now, const AdviceConfig& config = {}) {
    std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
      if (a.ts != b.ts) return a.ts < b.ts;
      return a.metric == Metric::power_w && b.metric != Metric::power_w;
    });
    for (const auto& r : pending) ledger.on_reading(r);
    pending.clear();
    return make_advice(ledger, now, config);
  }
};

const Advice* find(const std::vector<Advice>& advice, AdviceKind kind) {
  auto it = std::find_if(advice.begin(), advice.end(), [&](const Advice& a) { return a.kind == kind; });
  return it == advice.end() ? nullptr : &*it;
}

bool any_reduces_heating(const std::vector<Advice>& advice) {
  return std::any_of(advice.begin(), advice.end(), [](const Advice& a) { return a.reduces_heating; });
}

}  // namespace

TEST(EnergyAdvice, StandbyTipInPoundsInEnglishAndWelsh) {
  Home home;
  home.tv(7, 14.0);
  const auto advice = home.advice(at(6, 23, 59));
  const Advice* a = find(advice, AdviceKind::standby);
  ASSERT_NE(a, nullptr);
  const auto s = home.ledger.standby("tv", D0 + 6);
  ASSERT_TRUE(s);
  EXPECT_EQ(a->saving_pence_per_year, s->night_pence_per_year);
  EXPECT_NEAR(a->saving_kwh_per_year, 14.0 * 7 * 365 / 1000.0, 2.0);
  EXPECT_EQ(a->confidence, Confidence::high);
  EXPECT_FALSE(a->basis.empty());
  const std::string en = render(*a, Language::en);
  EXPECT_THAT(en, HasSubstr("draws 14 W on standby for about 20 hours a day"));
  EXPECT_THAT(en, HasSubstr("from 00:00 to 07:00 would save about " + format_pounds(a->saving_pence_per_year)));
  EXPECT_THAT(render(*a, Language::cy), HasSubstr("14 W ar fodd segur"));
}

TEST(EnergyAdvice, PeakShiftOnlyOnATimeOfUseTariff) {
  for (const bool tou : {true, false}) {
    Home home(tou ? economy7() : flat());
    home.ledger.set_device(plug("wm", "washing_machine", "kitchen"));
    home.power("wm", 7, 1min, [](TimePoint t, int d) { return t >= at(d, 18) && t < at(d, 19) ? 2000.0 : 0.0; });
    const auto advice = home.advice(at(6, 23, 59));
    const Advice* a = find(advice, AdviceKind::peak_shift);
    if (!tou) {
      EXPECT_EQ(a, nullptr);
      continue;
    }
    ASSERT_NE(a, nullptr);
    // 2 kWh a day at 30p that could be 15p.
    EXPECT_NEAR(static_cast<double>(a->saving_pence_per_year), 2.0 * 15.0 * 365, 2.0 * 15.0 * 365 * 0.01);
    EXPECT_THAT(render(*a, Language::en), HasSubstr("(00:00 to 07:00)"));
  }
}

TEST(EnergyAdvice, PeakShiftOutOfAPeakBandNamesTheRestOfTheDay) {
  Tariff peak = flat(20.0);
  peak.electricity.bands = {{"peak", 16 * 60, 19 * 60, 40.0}};  // dearer 16:00-19:00
  Home home(peak);
  home.ledger.set_device(plug("dw", "dishwasher", "kitchen"));
  home.power("dw", 7, 1min, [](TimePoint t, int d) { return t >= at(d, 17) && t < at(d, 18) ? 1500.0 : 0.0; });
  const auto advice = home.advice(at(6, 23, 59));
  const Advice* a = find(advice, AdviceKind::peak_shift);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->params.at("from"), "19:00");
  EXPECT_EQ(a->params.at("to"), "16:00");
  EXPECT_NEAR(static_cast<double>(a->saving_pence_per_year), 1.5 * 20.0 * 365, 1.5 * 20.0 * 365 * 0.01);
}

TEST(EnergyAdvice, HeaterWithTheWindowOpenInAWarmRoom) {
  Home home;
  home.temperature("lounge", 7, 20.5);
  home.motion_daily("lounge", 7, {8 * 60, 12 * 60, 16 * 60 + 50, 17 * 60 + 30, 20 * 60});
  home.window_open_daily("lounge", 7, 17 * 60, 18 * 60);
  home.heater("lounge", 7, 17 * 60, 18 * 60);
  const auto advice = home.advice(at(6, 23, 59));
  const Advice* a = find(advice, AdviceKind::heater_window_open);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->reduces_heating);
  EXPECT_EQ(a->room, "lounge");
  // 2 kWh a day with the window open, scaled to a 212-day heating season at 20p.
  EXPECT_NEAR(a->saving_kwh_per_year, 2.0 * 212, 2.0);
  EXPECT_EQ(a->saving_pence_per_year, std::llround(a->saving_kwh_per_year * 20.0));
  EXPECT_EQ(a->confidence, Confidence::low);
  EXPECT_EQ(find(advice, AdviceKind::heating_empty_room), nullptr);  // someone was there
  EXPECT_THAT(render(*a, Language::en), HasSubstr("while a window or door in the room was open"));
}

TEST(EnergyAdvice, HeatingAnEmptyWarmRoom) {
  Home home;
  home.temperature("bedroom", 7, 21.0);
  home.motion_daily("bedroom", 7, {7 * 60, 22 * 60});
  home.heater("bedroom", 7, 13 * 60, 15 * 60);  // nobody there since 07:00
  const auto advice = home.advice(at(6, 23, 59));
  const Advice* a = find(advice, AdviceKind::heating_empty_room);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->reduces_heating);
  EXPECT_NEAR(a->saving_kwh_per_year, 4.0 * 212, 4.0);
  EXPECT_THAT(render(*a, Language::cy), HasSubstr("ystafell"));
}

TEST(EnergyAdvice, RuleOfCareAColdRoomNeverGetsHeatLessButGetsHelp) {
  Home home;
  home.tv(7, 14.0);
  home.temperature("lounge", 7, 16.0);  // below 18 °C, and occupied
  home.motion_daily("lounge", 7, {8 * 60, 12 * 60, 16 * 60 + 50, 17 * 60 + 30, 20 * 60});
  home.window_open_daily("lounge", 7, 17 * 60, 18 * 60);
  home.heater("lounge", 7, 17 * 60, 18 * 60);
  home.temperature("bedroom", 7, 16.5);
  home.motion_daily("bedroom", 7, {7 * 60, 22 * 60});
  home.heater("bedroom", 7, 13 * 60, 15 * 60);  // "empty", but cold
  const auto advice = home.advice(at(6, 23, 59));
  EXPECT_FALSE(any_reduces_heating(advice));
  ASSERT_GE(advice.size(), 3U);
  EXPECT_EQ(advice[0].kind, AdviceKind::cold_home);  // care first, most cold hours first
  EXPECT_EQ(advice[1].kind, AdviceKind::cold_home);
  EXPECT_EQ(advice[0].room, "lounge");
  EXPECT_TRUE(advice[0].care);
  EXPECT_EQ(advice[0].key, "energy_cold_home_wales");
  EXPECT_EQ(advice[0].saving_pence_per_year, 0);
  const std::string en = render(advice[0], Language::en);
  EXPECT_THAT(en, HasSubstr("lounge was below 18 °C"));
  EXPECT_THAT(en, HasSubstr("Nest, 0808 808 2244"));
  EXPECT_THAT(en, HasSubstr("Warm Home Discount"));
  EXPECT_THAT(render(advice[0], Language::cy), HasSubstr("Gostyngiad Cartrefi Cynnes"));
  EXPECT_NE(find(advice, AdviceKind::standby), nullptr);  // money tips that do not touch heat remain

  AdviceConfig gb;
  gb.region = HelpRegion::great_britain;
  EXPECT_EQ(home.advice(at(6, 23, 59), gb)[0].key, "energy_cold_home_gb");
}

TEST(EnergyAdvice, RuleOfCareNoHeatLessWhereTheTemperatureIsUnknownOrDipped) {
  {
    Home home;  // no temperature sensor in the lounge
    home.motion_daily("lounge", 7, {8 * 60, 16 * 60 + 50, 17 * 60 + 30});
    home.window_open_daily("lounge", 7, 17 * 60, 18 * 60);
    home.heater("lounge", 7, 17 * 60, 18 * 60);
    EXPECT_FALSE(any_reduces_heating(home.advice(at(6, 23, 59))));
  }
  {
    Home home;  // warm but for one reading at 17.5 °C on one day
    home.temperature("lounge", 7, 20.5);
    home.add("t_lounge", Metric::temperature_c, 17.5, at(7, 0, 1));
    home.add("t_lounge", Metric::temperature_c, 20.5, at(7, 0, 2));
    home.motion_daily("lounge", 7, {8 * 60, 16 * 60 + 50, 17 * 60 + 30});
    home.window_open_daily("lounge", 7, 17 * 60, 18 * 60);
    home.heater("lounge", 7, 17 * 60, 18 * 60);
    EXPECT_FALSE(any_reduces_heating(home.advice(at(7, 1))));
  }
}

TEST(EnergyAdvice, RuleOfCareFiltersTipsFromAnySource) {
  Home home;
  home.temperature("hall", 2, 15.0);
  (void)home.advice(at(2, 0));
  std::vector<Advice> advice(1);
  advice[0].kind = AdviceKind::heating_empty_room;
  advice[0].key = "energy_heating_empty_room";
  advice[0].room = "hall";
  advice[0].reduces_heating = true;
  advice[0].saving_pence_per_year = 5000;
  apply_rule_of_care(advice, home.ledger, D0, D0 + 1);
  ASSERT_EQ(advice.size(), 1U);
  EXPECT_EQ(advice[0].kind, AdviceKind::cold_home);  // no motion sensors: counted as occupied
  EXPECT_FALSE(room_verified_warm(home.ledger, "hall", D0, D0 + 1));
}

TEST(EnergyAdvice, FridgeWhoseDutyCycleRises) {
  for (const bool rising : {true, false}) {
    Home home;
    home.ledger.set_device(plug("fridge", "fridge_freezer", "kitchen"));
    home.temperature("kitchen", 42, 19.0);
    home.power("fridge", 42, 3min, [&](TimePoint t, int d) {
      const int on_min = rising && d >= 28 ? 27 : 18;  // of every hour: 30% then 45%
      return minute_of(t, d) % 60 < on_min ? 100.0 : 0.5;
    });
    const auto advice = home.advice(at(42, 0, 1));
    const Advice* a = find(advice, AdviceKind::fridge_ageing);
    if (!rising) {
      EXPECT_EQ(a, nullptr);
      continue;
    }
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->params.at("duty_now"), "45");
    EXPECT_EQ(a->params.at("duty_before"), "30");
    EXPECT_NEAR(a->saving_kwh_per_year, (0.45 - 0.30) * 2.4 * 365, 3.0);
    EXPECT_EQ(a->confidence, Confidence::medium);  // same kitchen temperature in both windows
    EXPECT_FALSE(a->reduces_heating);
  }
}

TEST(EnergyAdvice, RankedBySavingAndCapped) {
  Home home(economy7());
  home.tv(7, 14.0);
  home.ledger.set_device(plug("wm", "washing_machine", "kitchen"));
  home.power("wm", 7, 1min, [](TimePoint t, int d) { return t >= at(d, 18) && t < at(d, 19) ? 2000.0 : 0.0; });
  auto advice = home.advice(at(6, 23, 59));
  ASSERT_EQ(advice.size(), 2U);
  EXPECT_GE(advice[0].saving_pence_per_year, advice[1].saving_pence_per_year);
  AdviceConfig one;
  one.max_items = 1;
  EXPECT_EQ(make_advice(home.ledger, at(6, 23, 59), one).size(), 1U);
}

TEST(EnergyAdvice, PoundsAsPeopleReadThem) {
  EXPECT_EQ(format_pounds(2400), "£24");
  EXPECT_EQ(format_pounds(1049), "£10");
  EXPECT_EQ(format_pounds(1050), "£11");
  EXPECT_EQ(format_pounds(450), "£4.50");
  EXPECT_EQ(format_pounds(80), "80p");
  EXPECT_EQ(format_pounds(-450), "-£4.50");
}
