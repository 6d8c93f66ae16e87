// End to end: alert events leave the home through the webhook, with a real Mosquitto, a real
// hearthd and a real HTTP receiver. The receiver fails, disappears, and hearthd is killed with
// messages pending; every event still arrives, in order, with a valid signature.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <set>

#include "gateway/webhook.h"
#include "support/e2e_helpers.h"
#include "support/http_receiver.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "webhook-token-0123456789abcdef012345";
constexpr const char* SECRET = "webhook-secret-0123456789";

class WebhookE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    ASSERT_TRUE(broker_->start());
    http_port_ = free_port();
  }

  void TearDown() override {
    if (HasFailure())
      std::cerr << "---- hearthd log ----\n" << read_file(dir_.file("hearthd.log")) << "---- end ----\n";
    hearthd_ = Process();
    if (broker_) broker_->stop();
  }

  void write_config(const std::string& webhook_url) {
    std::ofstream(dir_.file("hearth.yaml"))
        << "home_id: hook-home\nmqtt:\n  url: " << broker_->url() << "\nstore:\n  path: " << dir_.file("hearth.db")
        << "\nhttp:\n  port: " << http_port_ << "\n  api_token: " << TOKEN << "\nwebhook:\n  url: " << webhook_url
        << "\n  secret: " << SECRET << "\n  timeout: 2s\n  retry_min: 100ms\n  retry_max: 1s\ndevices:\n"
        << "  z2m:kitchen/smoke: {name: Kitchen smoke alarm, room: Kitchen}\n"
        << "  z2m:bathroom/leak: {name: Bathroom leak sensor, room: Bathroom}\n";
  }

  void start_hearthd() {
    hearthd_ = Process({HEARTHD_PATH, "--config", dir_.file("hearth.yaml")}, dir_.file("hearthd.log"));
    ASSERT_TRUE(wait_for_port(http_port_, 10s));
    ASSERT_TRUE(
        wait_until([&] { return api_get(http_port_, "/api/v1/health", TOKEN)["mqtt"]["connected"] == true; }, 15s));
  }

  json alert_from_api(const std::string& id) { return api_alert(http_port_, TOKEN, id); }

  static void expect_signed(const hearth::dashboard::HttpRequest& r) {
    const auto ts = r.header("x-hearth-timestamp");
    ASSERT_TRUE(ts.has_value());
    EXPECT_EQ(r.header("x-hearth-signature"),
              "sha256=" + hearth::gateway::webhook_signature(SECRET, std::stoll(*ts), r.body));
    EXPECT_EQ(r.header("x-hearth-message-id"), json::parse(r.body)["message_id"].get<std::string>());
  }

  // (alert id, event) of each accepted request, in arrival order, without repeats.
  static std::vector<std::pair<std::string, std::string>> events(HttpReceiver& receiver) {
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::string> seen;
    for (const auto& r : receiver.accepted()) {
      const json j = json::parse(r.body);
      if (!seen.insert(j["message_id"].get<std::string>()).second) continue;  // a resend: de-duplicated
      out.emplace_back(j["alert"]["id"].get<std::string>(), j["event"].get<std::string>());
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::uint16_t http_port_ = 0;
  Process hearthd_;
};

}  // namespace

TEST_F(WebhookE2E, AlertEventsReachTheReceiverThroughFailuresAndAKilledGateway) {
  auto receiver = std::make_unique<HttpReceiver>(std::deque<int>{503, 500});  // two failures, then 200
  const std::uint16_t hook_port = receiver->port();
  write_config(receiver->url());
  start_hearthd();

  publish_once(broker_->url(), "zigbee2mqtt/kitchen/smoke", R"({"battery":95,"smoke":true,"smoke_density":14})");
  ASSERT_TRUE(wait_until([&] { return !receiver->accepted().empty(); }, 20s)) << "no delivery after retries";
  const auto received = receiver->received();
  ASSERT_EQ(received.size(), 3u) << "503 and 500 were retried";
  for (const auto& r : received) {
    EXPECT_EQ(r.body, received.front().body) << "a retry resends the same message";
    expect_signed(r);
  }
  const json first = json::parse(received.front().body);
  EXPECT_EQ(first["event"], "raised");
  EXPECT_EQ(first["home_id"], "hook-home");
  EXPECT_EQ(first["alert"]["severity"], "emergency");
  ASSERT_TRUE(wait_until([&] { return alert_from_api("smoke:z2m:kitchen/smoke")["state"] == "notified"; }, 10s))
      << "a delivered alert is marked notified";

  // The receiver goes away. Meanwhile a leak is raised and a carer acknowledges it; then the
  // gateway is killed (no clean shutdown) with all of that still waiting in the outbox.
  receiver.reset();
  publish_once(broker_->url(), "zigbee2mqtt/bathroom/leak", R"({"battery":80,"water_leak":true})");
  ASSERT_TRUE(wait_until([&] { return !alert_from_api("water_leak:z2m:bathroom/leak").is_null(); }, 10s));
  auto ack = http_request(http_port_, "POST", "/api/v1/alerts/water_leak:z2m:bathroom/leak/ack", TOKEN,
                          R"({"by":"carer-anna","note":"on my way"})");
  ASSERT_TRUE(ack && ack->status == 200);
  ASSERT_TRUE(wait_until(
      [&] { return db_scalar(dir_.file("hearth.db"), "SELECT count(*) FROM outbox WHERE state = 'pending'") == "2"; },
      10s));
  hearthd_.signal(SIGKILL);
  hearthd_ = Process();

  receiver = std::make_unique<HttpReceiver>(std::deque<int>{}, hook_port);  // back, same address
  start_hearthd();
  ASSERT_TRUE(wait_until([&] { return events(*receiver).size() >= 2; }, 20s));
  const auto got = events(*receiver);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (std::pair<std::string, std::string>{"water_leak:z2m:bathroom/leak", "raised"}));
  EXPECT_EQ(got[1], (std::pair<std::string, std::string>{"water_leak:z2m:bathroom/leak", "acknowledged"}));
  for (const auto& r : receiver->accepted()) expect_signed(r);
  // The receiver records a request before hearthd reads its answer: wait for the bookkeeping.
  EXPECT_TRUE(wait_until(
      [&] { return db_scalar(dir_.file("hearth.db"), "SELECT count(*) FROM outbox WHERE state = 'pending'") == "0"; },
      10s));
}

TEST_F(WebhookE2E, ARefusedMessageIsNotRetriedAndDoesNotBlockTheNext) {
  HttpReceiver receiver(std::deque<int>{400});
  write_config(receiver.url());
  start_hearthd();
  publish_once(broker_->url(), "zigbee2mqtt/kitchen/smoke", R"({"smoke":true})");
  publish_once(broker_->url(), "zigbee2mqtt/bathroom/leak", R"({"water_leak":true})");
  ASSERT_TRUE(wait_until([&] { return receiver.accepted().size() == 1; }, 20s));
  EXPECT_EQ(receiver.received().size(), 2u);
  EXPECT_EQ(db_scalar(dir_.file("hearth.db"), "SELECT count(*) FROM outbox WHERE state = 'rejected'"), "1");
  const auto metrics = http_request(http_port_, "GET", "/metrics", TOKEN, "");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find(R"(hearth_outbox_messages{channel="webhook",state="rejected"} 1)"), std::string::npos)
      << metrics->body;
}
