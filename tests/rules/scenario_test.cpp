// A day in one home, minute by minute with the default rules: exactly the expected alerts.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "rules/messages.h"
#include "rules_test_support.h"

using namespace hearth::rules;
using namespace hearth::rules::sim;

namespace {

struct Scheduled {
  TimePoint t;
  std::string device;
  Metric metric;
  double value;
};

std::vector<Scheduled> a_day() {
  std::vector<Scheduled> s;
  for (TimePoint t = at(0); t < at(24); t += 10min) {
    // The heating fails at 08:00 and is fixed at 11:00.
    const double lounge = t >= at(8) && t < at(11) ? 15.0 : 19.5;
    s.push_back({t, "t_lounge", Metric::temperature_c, lounge});
  }
  for (TimePoint t = at(0); t < at(24); t += 5min) {
    // The cooker's clock draws 1 W; dinner is cooked 17:00-18:10 and forgotten after 17:05.
    const double cooker = t >= at(17) && t < at(18, 10) ? 1500.0 : 1.0;
    s.push_back({t, "cooker", Metric::power_w, cooker});
  }
  s.push_back({at(2, 30), "front", Metric::contact_open, 1});  // wandering at night
  s.push_back({at(2, 32), "front", Metric::contact_open, 0});
  for (int h : {7, 9, 12, 21}) s.push_back({at(h, 30), "m_lounge", Metric::motion, 1});
  s.push_back({at(7, 35), "kettle", Metric::power_w, 2000});
  s.push_back({at(7, 38), "kettle", Metric::power_w, 0});
  s.push_back({at(17, 5), "m_kitchen", Metric::motion, 1});
  s.push_back({at(18, 5), "s_kitchen", Metric::smoke_density, 30});  // the forgotten pan smokes
  s.push_back({at(18, 5), "s_kitchen", Metric::smoke, 1});
  s.push_back({at(18, 7), "s_kitchen", Metric::smoke, 0});
  s.push_back({at(20), "m_kitchen", Metric::battery_pct, 14});
  std::stable_sort(s.begin(), s.end(), [](const auto& a, const auto& b) { return a.t < b.t; });
  return s;
}

}  // namespace

TEST(Scenario, ADayOfReadingsGivesExactlyTheExpectedAlerts) {
  Home h;  // default rules
  h.device("t_lounge", "Lounge");
  h.device("m_lounge", "Lounge");
  h.device("m_kitchen", "Kitchen");
  h.device("s_kitchen", "Kitchen");
  h.device("cooker", "Kitchen", "cooker");
  h.device("kettle", "Kitchen", "kettle");
  h.device("front", "Hallway");
  const auto schedule = a_day();
  auto next = schedule.begin();
  for (TimePoint t = at(0); t < at(24); t += 1min) {
    for (; next != schedule.end() && next->t == t; ++next) h.feed(next->device, next->metric, next->value, t);
    h.tick(t);
  }
  using E = AlertEventType;
  const std::vector<std::tuple<E, std::string, TimePoint>> expected = {
      {E::raised, "night_door:front", at(2, 30)},
      {E::raised, "cold_home:t_lounge", at(10)},
      {E::raised, "cool_home:t_lounge", at(10)},
      {E::resolved, "cold_home:t_lounge", at(11, 10)},
      {E::resolved, "cool_home:t_lounge", at(11, 10)},
      {E::raised, "appliance_left_on:cooker", at(17, 50)},
      {E::raised, "smoke:s_kitchen", at(18, 5)},
      {E::resolved, "smoke:s_kitchen", at(18, 7)},
      {E::resolved, "appliance_left_on:cooker", at(18, 10)},
      {E::raised, "battery_low:m_kitchen", at(20)},
  };
  std::vector<std::tuple<E, std::string, TimePoint>> got;
  for (const auto& e : h.events()) got.emplace_back(e.type, e.alert.id, e.alert.updated_at);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], expected[i]) << i << ": " << to_string(std::get<0>(got[i])) << " " << std::get<1>(got[i]);
  }
  // Every alert explains itself in both languages, with every placeholder filled.
  for (const auto& e : h.events()) {
    for (auto lang : {Language::en, Language::cy}) {
      const auto text = render(e.alert.message_key, lang, e.alert.params);
      EXPECT_EQ(text.find('{'), std::string::npos) << text;
    }
  }
  const auto open = h.engine().alerts().open_alerts();
  ASSERT_EQ(open.size(), 2u);  // the night door waits for a carer; the battery for a new battery
}
