// End to end: a safety alert from real device traffic through a real Mosquitto, its retained MQTT
// state, the API, acknowledgement by API and by MQTT, and a restart with an open alert.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <cstdlib>
#include <fstream>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "alert-token-0123456789abcdef0123456789";
constexpr const char* SMOKE_ID = "smoke:z2m:kitchen/smoke";

class AlertsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    ASSERT_TRUE(broker_->start());
    http_port_ = free_port();
    std::ofstream(dir_.file("hearth.yaml"))
        << "home_id: alert-home\nmqtt:\n  url: " << broker_->url() << "\nstore:\n  path: " << dir_.file("hearth.db")
        << "\nhttp:\n  port: " << http_port_ << "\n  api_token: " << TOKEN << "\ndevices:\n"
        << "  z2m:kitchen/smoke: {name: Kitchen smoke alarm, room: Kitchen}\n"
        << "  z2m:bathroom/leak: {name: Bathroom leak sensor, room: Bathroom}\n";
    sub_ = std::make_unique<mqtt::async_client>(broker_->url(), "alert-watcher");
    sub_->start_consuming();
    sub_->connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
    sub_->subscribe("hearth/alert-home/alerts/#", 1)->wait();
  }

  void TearDown() override {
    if (HasFailure())
      std::cerr << "---- hearthd log ----\n" << read_file(dir_.file("hearthd.log")) << "---- end ----\n";
    hearthd_ = Process();
    if (broker_) broker_->stop();
  }

  void start_hearthd() {
    hearthd_ = Process({HEARTHD_PATH, "--config", dir_.file("hearth.yaml")}, dir_.file("hearthd.log"));
    ASSERT_TRUE(wait_for_port(http_port_, 10s));
    ASSERT_TRUE(
        wait_until([&] { return api_get(http_port_, "/api/v1/health", TOKEN)["mqtt"]["connected"] == true; }, 15s));
  }

  void publish(const std::string& topic, const std::string& payload) { publish_once(broker_->url(), topic, payload); }

  // The next alert state published for `id` in `state`, or null JSON.
  json next_state(const std::string& id, const std::string& state, std::chrono::seconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto msg = sub_->try_consume_message_for(500ms);
      if (!msg) continue;
      auto j = json::parse(msg->get_payload_str(), nullptr, false);
      if (j.is_object() && j.value("id", "") == id && j.value("state", "") == state) {
        last_retained_ = msg->is_retained();
        last_topic_ = msg->get_topic();
        return j;
      }
    }
    return json{};
  }

  json alert_from_api(const std::string& id) { return api_alert(http_port_, TOKEN, id); }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<mqtt::async_client> sub_;
  std::uint16_t http_port_ = 0;
  Process hearthd_;
  bool last_retained_ = false;
  std::string last_topic_;
};

}  // namespace

TEST_F(AlertsE2E, SmokeRaisesAnEmergencyThatCarersAcknowledge) {
  start_hearthd();
  publish("zigbee2mqtt/kitchen/smoke", R"({"battery":95,"linkquality":110,"smoke":true,"smoke_density":14})");
  const json raised = next_state(SMOKE_ID, "raised");
  ASSERT_FALSE(raised.is_null()) << "no raised alert on MQTT";
  EXPECT_EQ(raised["severity"], "emergency");
  EXPECT_EQ(raised["room"], "Kitchen");
  EXPECT_EQ(last_topic_, "hearth/alert-home/alerts/smoke:z2m:kitchen%2Fsmoke");
  EXPECT_FALSE(raised["text"]["en"].get<std::string>().empty());
  EXPECT_FALSE(raised["text"]["cy"].get<std::string>().empty());
  EXPECT_NE(raised["text"]["en"], raised["text"]["cy"]);
  EXPECT_GT(raised["trigger_ms"].get<std::int64_t>(), 0);

  // Written to the database before it was announced.
  EXPECT_EQ(db_scalar(dir_.file("hearth.db"), "SELECT state FROM alerts WHERE id = 'smoke:z2m:kitchen/smoke'"),
            "raised");
  ASSERT_EQ(alert_from_api(SMOKE_ID)["state"], "raised");

  // A carer acknowledges through the API; the home (and anyone subscribed) sees it on MQTT.
  auto bad = http_request(http_port_, "POST", "/api/v1/alerts/smoke:z2m:kitchen/smoke/ack", TOKEN, R"({"note":"x"})");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);  // who is acting is required
  EXPECT_EQ(http_request(http_port_, "POST", "/api/v1/alerts/nope/ack", TOKEN, R"({"by":"anna"})")->status, 404);
  auto ack = http_request(http_port_, "POST", "/api/v1/alerts/smoke:z2m:kitchen/smoke/ack", TOKEN,
                          R"({"by":"carer-anna","note":"on my way"})");
  ASSERT_TRUE(ack.has_value());
  ASSERT_EQ(ack->status, 200) << ack->body;
  const json acked = next_state(SMOKE_ID, "acknowledged");
  ASSERT_FALSE(acked.is_null());
  EXPECT_EQ(acked["acknowledged_by"], "carer-anna");
  EXPECT_EQ(acked["ack_note"], "on my way");

  // Smoke clears: the alert resolves by itself.
  publish("zigbee2mqtt/kitchen/smoke", R"({"battery":95,"linkquality":110,"smoke":false,"smoke_density":0})");
  const json resolved = next_state(SMOKE_ID, "resolved");
  ASSERT_FALSE(resolved.is_null());
  EXPECT_EQ(resolved["resolved_by"].get<std::string>().rfind("system", 0), 0u);
}

TEST_F(AlertsE2E, AcknowledgementOverMqttAndRestartKeepsTheAlertOpen) {
  start_hearthd();
  publish("zigbee2mqtt/bathroom/leak", R"({"battery":80,"linkquality":90,"water_leak":true})");
  const json raised = next_state("water_leak:z2m:bathroom/leak", "raised");
  ASSERT_FALSE(raised.is_null());
  EXPECT_EQ(raised["severity"], "urgent");
  publish("hearth/alert-home/alerts/water_leak:z2m:bathroom%2Fleak/ack", R"({"by":"carer-bob"})");
  const json acked = next_state("water_leak:z2m:bathroom/leak", "acknowledged");
  ASSERT_FALSE(acked.is_null());
  EXPECT_EQ(acked["acknowledged_by"], "mqtt:carer-bob");

  hearthd_.signal(SIGKILL);
  ASSERT_TRUE(hearthd_.wait(5s).has_value());
  start_hearthd();
  // Still open, same occurrence; the leak reported again does not raise a second alert.
  publish("zigbee2mqtt/bathroom/leak", R"({"battery":80,"linkquality":91,"water_leak":true})");
  ASSERT_TRUE(wait_until([&] { return !alert_from_api("water_leak:z2m:bathroom/leak").is_null(); }, 10s));
  const json after = alert_from_api("water_leak:z2m:bathroom/leak");
  EXPECT_EQ(after["state"], "acknowledged");
  EXPECT_EQ(after["raised_ms"], raised["raised_ms"]);
  EXPECT_TRUE(next_state("water_leak:z2m:bathroom/leak", "raised", 3s).is_null()) << "raised twice";
  EXPECT_EQ(
      db_scalar(
          dir_.file("hearth.db"),
          "SELECT count(*) FROM alert_events WHERE alert_id = 'water_leak:z2m:bathroom/leak' AND type = 'raised'"),
      "1");
}
