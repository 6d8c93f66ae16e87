// The setup page's overrides on top of the YAML (gateway/home_settings.h) and the store's erasure.
#include "gateway/home_settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "gateway/store.h"
#include "rules/messages.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;

std::unique_ptr<Store> open_store(const std::string& path) {
  StoreConfig cfg;
  cfg.path = path;
  auto s = Store::open(cfg);
  EXPECT_TRUE(s.has_value());
  return std::move(*s);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(HomeSettings, TheDashboardsRecordReplacesTheYamlsAndSurvivesReopening) {
  test::TempDir dir;
  GatewayConfig config;
  config.devices["tasmota:tv"] = DeviceSettings{"TV", "Lounge", "tv", false, true};
  config.devices["tasmota:fridge"] = DeviceSettings{"Fridge", "Kitchen", "fridge", true, false};
  config.consent = ConsentConfig{true, true};
  config.rules.wellbeing.sensitivity = rules::Sensitivity::normal;
  {
    auto store = open_store(dir.file("h.db"));
    ASSERT_TRUE(
        save_device_overrides(*store, {{"tasmota:tv", DeviceSettings{"Telly", "Front room", "tv", false, false}}}));
    ASSERT_TRUE(save_consent(*store, ConsentConfig{false, true}));
    ASSERT_TRUE(save_rules_overrides(*store, RulesOverrides{std::nullopt, rules::Sensitivity::low}));
  }
  auto store = open_store(dir.file("h.db"));
  const HomeOverrides o = load_overrides(*store);
  const auto devices = effective_devices(config, o);
  EXPECT_EQ(devices.at("tasmota:tv").name, "Telly");
  EXPECT_FALSE(devices.at("tasmota:tv").switchable) << "the whole record, not a merge";
  EXPECT_TRUE(devices.at("tasmota:fridge").essential) << "untouched devices keep the YAML's";
  EXPECT_FALSE(effective_consent(config, o).alerts);
  EXPECT_TRUE(effective_consent(config, o).daily_summaries);
  const auto rules = effective_rules(config, o);
  EXPECT_EQ(rules.wellbeing.sensitivity, rules::Sensitivity::low);
  EXPECT_TRUE(rules.wellbeing.enabled);
}

TEST(HomeSettings, UnreadableStoredValuesFallBackToTheYaml) {
  test::TempDir dir;
  auto store = open_store(dir.file("h.db"));
  GatewayConfig config;
  config.consent = ConsentConfig{false, false};
  ASSERT_TRUE(store->set_setting(CONSENT_SETTING, "{broken"));
  ASSERT_TRUE(store->set_setting(DEVICES_SETTING, R"({"a:b":{"kind":"spaceship"},"c:d":{"name":"ok"}})"));
  ASSERT_TRUE(store->set_setting(RULES_SETTING, R"({"wellbeing_sensitivity":7})"));
  const HomeOverrides o = load_overrides(*store);
  EXPECT_FALSE(o.consent.has_value());
  EXPECT_EQ(o.devices.size(), 1u);
  EXPECT_EQ(o.devices.at("c:d").name, "ok");
  EXPECT_FALSE(o.rules.wellbeing_sensitivity.has_value());
  EXPECT_FALSE(effective_consent(config, o).alerts);
}

TEST(HomeSettings, EveryApplianceKindHasALabelInBothLanguages) {
  for (const auto& kind : appliance_kinds()) {
    for (auto lang : {rules::Language::en, rules::Language::cy}) {
      EXPECT_TRUE(rules::has_message("ui.kind." + kind, lang)) << kind;
    }
  }
}

TEST(HomeSettings, DeviceSettingsJsonIsStrict) {
  EXPECT_TRUE(device_settings_from_json(json::parse(R"({"name":"Kettle","room":"Kitchen","kind":"kettle"})")));
  EXPECT_FALSE(device_settings_from_json(json::parse(R"([1,2])")));
  EXPECT_FALSE(device_settings_from_json(json::parse(R"({"name":5})")));
  EXPECT_FALSE(device_settings_from_json(json::parse(R"({"name":"a\u0007b"})")));
  EXPECT_FALSE(device_settings_from_json(json::parse(R"({"essential":"yes"})")));
  const auto both = device_settings_from_json(json::parse(R"({"essential":true,"switchable":true})"));
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("switchable"), std::string::npos);
}

TEST(Store, EraseHistoryOverwritesTheErasedBytesAndKeepsOpenAlertsAndPendingMessages) {
  test::TempDir dir;
  const auto path = dir.file("h.db");
  auto store = open_store(path);
  for (int i = 0; i < 500; ++i) {
    store->append({"z2m:bath/motion", core::Metric::motion, 1.0, core::from_epoch_ms(T0 + i * 1000)});
  }
  store->save_alert("old", "resolved", "resolved", T0, R"({"note":"FELL-IN-BATHROOM-MARKER"})");
  store->save_alert("now", "raised", "raised", T0, R"({"note":"OPEN-ALERT-MARKER"})");
  store->enqueue(OutboxMessage{0, "webhook", "sent", R"({"x":"DELIVERED-MARKER"})", T0, 0, 0});
  store->enqueue(OutboxMessage{0, "webhook", "waiting", R"({"x":"PENDING-MARKER"})", T0, 0, 0});
  store->save_activity(ActivityRow{T0, T0 + 60'000, "room_presence", "z2m:bath/motion", "Bathroom", ""});
  ASSERT_TRUE(store->set_setting("wellbeing_state", R"({"learned":"ROUTINE-MARKER"})"));
  ASSERT_TRUE(store->save_energy_day({"2026-11-20", R"({"note":"ENERGY-DAY-MARKER"})", T0}));
  ASSERT_TRUE(store->save_energy_restart("tasmota:kettle", T0, "reset"));
  ASSERT_TRUE(store->flush());
  ASSERT_TRUE(store->outbox_finish((*store->outbox_head("webhook"))->seq, OutboxState::delivered, T0, ""));

  auto n = store->erase_history();
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(n->readings, 500);
  EXPECT_EQ(n->alerts, 1);
  EXPECT_EQ(n->alert_events, 1);
  EXPECT_EQ(n->outbox, 1);
  EXPECT_EQ(n->activity, 1);
  EXPECT_EQ(n->energy_days, 2) << "the day's summary and the counter restart";
  EXPECT_TRUE(store->energy_days("2000-01-01", "2100-01-01")->empty());
  EXPECT_EQ(store->open_alerts()->size(), 1u);
  EXPECT_EQ((*store->outbox_head("webhook"))->message_id, "waiting");
  EXPECT_FALSE(store->setting("wellbeing_state").has_value());
  // Not just unlinked: the bytes are gone from the database file and its WAL.
  const std::string bytes = file_bytes(path) + file_bytes(path + "-wal");
  for (const char* gone : {"FELL-IN-BATHROOM-MARKER", "DELIVERED-MARKER", "ROUTINE-MARKER", "ENERGY-DAY-MARKER"}) {
    EXPECT_EQ(bytes.find(gone), std::string::npos) << gone;
  }
  EXPECT_NE(bytes.find("OPEN-ALERT-MARKER"), std::string::npos) << "sanity: the search finds what is kept";
}
