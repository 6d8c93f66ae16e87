// What Alerting does beyond publishing: alert events into the outbox (same transaction), "notified"
// after a delivery, automatic switch-off with its confirmation, and the gateway clock alert.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway/alerting.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;
core::TimePoint at(std::chrono::milliseconds offset) { return core::from_epoch_ms(T0) + offset; }

struct Published {
  std::string topic, payload;
  bool retain;
};

class AlertingActions : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreConfig cfg;
    cfg.path = dir_.file("h.db");
    store_ = std::move(*Store::open(cfg));
    add_device("z2m:kitchen/smoke", "Kitchen", "other");
    Device* cooker = add_device("tasmota:cooker", "Kitchen", "cooker");
    cooker->settings.switchable = true;
  }

  Device* add_device(const std::string& id, const std::string& room, const std::string& kind) {
    Device* d = registry_.touch(id, "test", at(0ms));
    d->settings.room = room;
    d->settings.kind = kind;
    return d;
  }

  void make_alerting(rules::RulesConfig config = rules::default_rules_config()) {
    alerting_ = std::make_unique<Alerting>(
        "flat-1", registry_, *store_,
        [this](const std::string& t, const std::string& p, bool r) {
          published_.push_back({t, p, r});
        },
        config);
  }

  static rules::RulesConfig auto_off_config() {
    auto c = rules::default_rules_config();
    c.appliance_left_on.auto_switch_off = true;
    c.appliance_left_on.on_for = rules::minutes{45};
    return c;
  }

  // The cooker draws power with nobody in the kitchen until the left-on alert fires (at 45 min).
  void leave_cooker_on() {
    alerting_->on_reading({"tasmota:cooker", core::Metric::power_w, 1500.0, at(0ms)});
    for (auto t = 1min; t <= 50min && open_with_rule("appliance_left_on").empty(); t += 1min) {
      alerting_->on_reading({"tasmota:cooker", core::Metric::power_w, 1500.0, at(t)});
      alerting_->on_tick(at(t));
    }
    ASSERT_EQ(open_with_rule("appliance_left_on").size(), 1u);
  }

  std::vector<core::Alert> open_with_rule(const std::string& rule) const {
    std::vector<core::Alert> out;
    for (const auto& a : alerting_->open_alerts()) {
      if (a.rule == rule) out.push_back(a);
    }
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<Store> store_;
  DeviceRegistry registry_;
  std::unique_ptr<Alerting> alerting_;
  std::vector<Published> published_;
};

}  // namespace

TEST_F(AlertingActions, AlertEventsEnterTheOutboxInTheSameCommitAndDeliveryMarksThemNotified) {
  make_alerting();
  int wakes = 0;
  alerting_->set_outbox({"webhook", "uplink"}, [&] {
    ++wakes;
    // By the time the senders are woken, the messages are committed.
    EXPECT_EQ(store_->outbox_counts("webhook")->pending, 1);
  });
  alerting_->on_reading({"z2m:kitchen/smoke", core::Metric::smoke, 1.0, at(0ms)});
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(store_->outbox_counts("uplink")->pending, 1);
  auto head = store_->outbox_head("webhook");
  ASSERT_TRUE(head && *head);
  const auto j = nlohmann::json::parse((*head)->payload);
  EXPECT_EQ(j["type"], "alert_event");
  EXPECT_EQ(j["event"], "raised");
  EXPECT_EQ(j["home_id"], "flat-1");
  EXPECT_EQ(j["message_id"], (*head)->message_id);
  EXPECT_EQ(j["alert"]["severity"], "emergency");
  EXPECT_FALSE(j["alert"]["text"]["cy"].get<std::string>().empty());

  alerting_->on_delivered((*head)->payload, at(2s));
  const auto open = alerting_->open_alerts();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].state, core::AlertState::notified);
  EXPECT_EQ(store_->outbox_counts("webhook")->pending, 1) << "the notified echo is not sent out again";
  alerting_->on_delivered((*head)->payload, at(3s));  // a second channel delivering: no new event
  EXPECT_EQ(published_.size(), 2u);                   // raised, notified
}

TEST_F(AlertingActions, WithoutChannelsNothingEntersTheOutbox) {
  make_alerting();
  alerting_->on_reading({"z2m:kitchen/smoke", core::Metric::smoke, 1.0, at(0ms)});
  EXPECT_EQ(store_->outbox_counts("webhook")->pending, 0);
}

TEST_F(AlertingActions, SwitchOffIsSentAndConfirmedByTheDevice) {
  make_alerting(auto_off_config());
  std::vector<std::string> asked;
  alerting_->set_command_builder([&](const std::string& id, bool on) -> std::optional<drivers::Outbound> {
    asked.push_back(id + (on ? ":on" : ":off"));
    return drivers::Outbound{"cmnd/cooker/POWER", "OFF"};
  });
  leave_cooker_on();
  ASSERT_EQ(asked, (std::vector<std::string>{"tasmota:cooker:off"}));
  const auto cmd = std::find_if(published_.begin(), published_.end(),
                                [](const Published& p) { return p.topic == "cmnd/cooker/POWER"; });
  ASSERT_NE(cmd, published_.end());
  EXPECT_EQ(cmd->payload, "OFF");
  EXPECT_FALSE(cmd->retain) << "a retained off would switch the cooker off again at every reconnect";
  alerting_->on_reading({"tasmota:cooker", core::Metric::relay_on, 0.0, at(45min + 2s)});
  alerting_->on_tick(at(47min));
  EXPECT_TRUE(open_with_rule("switch_off_failed").empty());
}

TEST_F(AlertingActions, AnUnconfirmedSwitchOffRaisesItsOwnAlert) {
  make_alerting(auto_off_config());
  alerting_->set_command_builder(
      [](const std::string&, bool) {
        return std::optional<drivers::Outbound>(drivers::Outbound{"t", "OFF"});
      },
      30s);
  leave_cooker_on();
  alerting_->on_reading({"tasmota:cooker", core::Metric::relay_on, 1.0, at(45min + 5s)});  // still on
  alerting_->on_tick(at(45min + 20s));
  EXPECT_TRUE(open_with_rule("switch_off_failed").empty()) << "not before the confirmation time is up";
  alerting_->on_tick(at(46min));
  const auto failed = open_with_rule("switch_off_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].severity, core::Severity::urgent);
  EXPECT_EQ(failed[0].device_id, "tasmota:cooker");
  EXPECT_NE(failed[0].params.at("reason").find("did not confirm"), std::string::npos);
  EXPECT_EQ(open_with_rule("appliance_left_on").size(), 1u) << "the original alert stays open too";
}

TEST_F(AlertingActions, ADeviceNoDriverCanSwitchFailsAtOnce) {
  make_alerting(auto_off_config());
  alerting_->set_command_builder([](const std::string&, bool) { return std::optional<drivers::Outbound>{}; });
  leave_cooker_on();
  ASSERT_EQ(open_with_rule("switch_off_failed").size(), 1u);
}

TEST_F(AlertingActions, EssentialDevicesAreNeverSwitchedOffEvenIfAsked) {
  registry_.find("tasmota:cooker")->settings.essential = true;
  make_alerting(auto_off_config());
  int asked = 0;
  alerting_->set_command_builder([&](const std::string&, bool) {
    ++asked;
    return std::optional<drivers::Outbound>(drivers::Outbound{"t", "OFF"});
  });
  leave_cooker_on();
  EXPECT_EQ(asked, 0);
  EXPECT_EQ(open_with_rule("appliance_left_on").size(), 1u) << "the carer is still told";
}

TEST_F(AlertingActions, AnUnsynchronisedClockRaisesAWarningThatClearsOnceSet) {
  make_alerting();
  alerting_->set_clock_synchronised(false);
  alerting_->on_tick(at(0ms));
  alerting_->on_tick(at(29min));
  EXPECT_TRUE(open_with_rule("clock_unsynchronised").empty());
  alerting_->on_tick(at(31min));
  const auto open = open_with_rule("clock_unsynchronised");
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].severity, core::Severity::warning);
  alerting_->on_tick(at(40min));
  EXPECT_EQ(open_with_rule("clock_unsynchronised").size(), 1u) << "raised once";
  alerting_->set_clock_synchronised(true);
  alerting_->on_tick(at(41min));
  EXPECT_TRUE(open_with_rule("clock_unsynchronised").empty());
}

TEST_F(AlertingActions, AnUnknownClockStatusRaisesNothing) {
  make_alerting();
  alerting_->on_tick(at(0ms));
  alerting_->on_tick(at(5h));
  EXPECT_TRUE(open_with_rule("clock_unsynchronised").empty());
}

TEST_F(AlertingActions, WellbeingStateSurvivesARestartAndAReloadKeepsAway) {
  make_alerting();
  // A few days of a kettle in the morning, so there is something learned to lose.
  Device* kettle = add_device("tasmota:kettle", "Kitchen", "kettle");
  (void)kettle;
  for (int day = 0; day < 3; ++day) {
    const auto morning = at(std::chrono::hours{24 * day + 8});
    alerting_->on_reading({"tasmota:kettle", core::Metric::power_w, 2000.0, morning});
    alerting_->on_reading({"tasmota:kettle", core::Metric::power_w, 0.0, morning + 3min});
    for (auto t = 0min; t < 24h; t += 30min) alerting_->on_tick(at(std::chrono::hours{24 * day}) + t);
  }
  const auto saved = alerting_->wellbeing_state();
  ASSERT_TRUE(saved.has_value());
  const auto routine = nlohmann::json::parse(*alerting_->routine_json());
  EXPECT_FALSE(routine["away"].get<bool>());

  // A restarted gateway restores what was learned.
  make_alerting();
  ASSERT_TRUE(alerting_->restore_wellbeing(*saved).has_value());
  EXPECT_EQ(nlohmann::json::parse(*alerting_->wellbeing_state()), nlohmann::json::parse(*saved));
  EXPECT_FALSE(alerting_->restore_wellbeing("not json").has_value());

  // Away, then a config reload (SIGHUP builds a new engine): still away, still learned.
  alerting_->set_away(true, at(72h));
  alerting_->reconfigure(rules::default_rules_config());
  EXPECT_TRUE(nlohmann::json::parse(*alerting_->routine_json())["away"].get<bool>());
  EXPECT_EQ(nlohmann::json::parse(*alerting_->wellbeing_state())["days"], nlohmann::json::parse(*saved)["days"]);
}

TEST_F(AlertingActions, WellbeingCanBeTurnedOff) {
  auto c = rules::default_rules_config();
  c.wellbeing.enabled = false;
  make_alerting(c);
  EXPECT_FALSE(alerting_->wellbeing_state().has_value());
  EXPECT_FALSE(alerting_->routine_json().has_value());
}

TEST_F(AlertingActions, ActivityEventsAreStored) {
  make_alerting();
  add_device("tasmota:kettle", "Kitchen", "kettle");
  alerting_->on_reading({"tasmota:kettle", core::Metric::power_w, 2000.0, at(8h)});
  alerting_->on_reading({"tasmota:kettle", core::Metric::power_w, 0.0, at(8h + 3min)});
  alerting_->on_tick(at(8h + 5min));
  ASSERT_TRUE(store_->flush().has_value());
  const auto rows = store_->activity(0, std::numeric_limits<std::int64_t>::max(), 100);
  ASSERT_TRUE(rows.has_value());
  const auto use = std::find_if(rows->begin(), rows->end(), [](const ActivityRow& r) {
    return r.kind == "appliance_use" && r.device_id == "tasmota:kettle";
  });
  ASSERT_NE(use, rows->end()) << rows->size() << " activity rows";
  EXPECT_EQ(use->start_ms, T0 + 8 * 3'600'000);
  EXPECT_EQ(use->end_ms, T0 + 8 * 3'600'000 + 3 * 60'000);
  EXPECT_EQ(use->room, "Kitchen");
  EXPECT_EQ(use->device_kind, "kettle");
}
