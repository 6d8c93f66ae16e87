// End to end: a real Mosquitto on a free loopback port, the real hearthd binary, a real MQTT
// client publishing device traffic, and assertions on the HTTP API and the SQLite file.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <signal.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "e2e-token-0123456789abcdef0123456789";

std::string sensor_payload(double power_w, double total_kwh) {
  return R"({"Time":"2026-11-21T10:00:00","ENERGY":{"TotalStartTime":"2026-01-01T00:00:00","Total":)" +
         std::to_string(total_kwh) + R"(,"Yesterday":0.5,"Today":0.25,"Power":)" + std::to_string(power_w) +
         R"(,"ApparentPower":10,"ReactivePower":1,"Factor":0.9,"Voltage":241,"Current":0.05}})";
}

class GatewayE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    ASSERT_TRUE(broker_->start()) << read_file(dir_.file("mosquitto.log"));
    http_port_ = free_port();
    write_config("Kettle", 5);
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- hearthd log ----\n" << read_file(dir_.file("hearthd.log")) << "---- end ----\n";
    }
    hearthd_ = Process();
    if (broker_) broker_->stop();
  }

  void write_config(const std::string& kettle_name, int mqtt_version, const std::string& extra = "") {
    std::ofstream(dir_.file("hearth.yaml"))
        << "home_id: e2e-home\n"
        << "mqtt:\n  url: " << broker_->url() << "\n  version: " << mqtt_version << "\n  reconnect_max: 2s\n"
        << "store:\n  path: " << dir_.file("hearth.db") << "\n  commit_interval: 500ms\n"
        << "http:\n  port: " << http_port_ << "\n  api_token: " << TOKEN << "\n"
        << "devices:\n  tasmota:e2e_kettle: {name: " << kettle_name << ", room: Kitchen, kind: kettle}\n"
        << extra;
  }

  void start_hearthd() {
    hearthd_ = Process({HEARTHD_PATH, "--config", dir_.file("hearth.yaml")}, dir_.file("hearthd.log"));
    ASSERT_TRUE(wait_for_port(http_port_, 10s)) << "hearthd did not open its HTTP port";
    ASSERT_TRUE(wait_until([&] { return health()["mqtt"]["connected"] == true; }, 15s)) << "never connected";
  }

  json get_json(const std::string& target) { return api_get(http_port_, target, TOKEN); }
  json health() { return get_json("/api/v1/health"); }

  std::unique_ptr<mqtt::async_client> client(const std::string& id) {
    auto c = std::make_unique<mqtt::async_client>(broker_->url(), id);
    c->connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
    return c;
  }

  void publish(mqtt::async_client& c, const std::string& topic, const std::string& payload, bool retain = false) {
    c.publish(topic, payload.data(), payload.size(), 1, retain)->wait();
  }

  json device(const std::string& id) { return api_device(http_port_, TOKEN, id); }

  // Rows in the database itself, not through hearthd.
  std::int64_t db_count(const std::string& sql) {
    const std::string v = db_scalar(dir_.file("hearth.db"), sql);
    return v.empty() ? -1 : std::stoll(v);
  }
  std::string db_text(const std::string& sql) { return db_scalar(dir_.file("hearth.db"), sql); }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::uint16_t http_port_ = 0;
  Process hearthd_;
};

}  // namespace

TEST_F(GatewayE2E, IngestsDeviceTrafficIntoApiAndDatabase) {
  start_hearthd();
  auto pub = client("e2e-pub");
  publish(*pub, "tele/e2e_kettle/LWT", "Online", true);
  publish(*pub, "tele/e2e_kettle/SENSOR", sensor_payload(1987, 12.5));
  publish(*pub, "zigbee2mqtt/lounge/climate",
          R"({"battery":88,"humidity":51.5,"linkquality":132,"temperature":19.75})");
  ASSERT_TRUE(wait_until([&] { return !device("z2m:lounge/climate").is_null(); }, 10s));
  ASSERT_TRUE(wait_until([&] { return device("tasmota:e2e_kettle")["latest"].contains("power_w"); }, 10s));
  const json kettle = device("tasmota:e2e_kettle");
  EXPECT_EQ(kettle["name"], "Kettle");
  EXPECT_EQ(kettle["room"], "Kitchen");
  EXPECT_EQ(kettle["online"], true);
  EXPECT_DOUBLE_EQ(kettle["latest"]["power_w"]["value"].get<double>(), 1987.0);
  EXPECT_DOUBLE_EQ(kettle["latest"]["energy_kwh"]["value"].get<double>(), 12.5);
  const json climate = device("z2m:lounge/climate");
  EXPECT_DOUBLE_EQ(climate["latest"]["temperature_c"]["value"].get<double>(), 19.75);
  EXPECT_DOUBLE_EQ(climate["latest"]["humidity_pct"]["value"].get<double>(), 51.5);

  // Committed to SQLite within the commit window (500 ms), visible to another reader.
  ASSERT_TRUE(wait_until(
      [&] {
        return db_count(
                   "SELECT count(*) FROM readings r JOIN series s ON s.id = r.series_id "
                   "WHERE s.device_id = 'tasmota:e2e_kettle' AND s.metric = 'power_w'") == 1;
      },
      3s));
  const json points = get_json("/api/v1/readings?device=z2m%3Alounge%2Fclimate&metric=temperature_c");
  ASSERT_EQ(points["points"].size(), 1u);
  EXPECT_DOUBLE_EQ(points["points"][0]["value"].get<double>(), 19.75);
  const json h = health();
  EXPECT_GE(h["counters"]["stored"].get<int>(), 8);
  EXPECT_EQ(h["queue_depth"], 0);
}

TEST_F(GatewayE2E, BadInputIsCountedAndGoodTrafficStillFlows) {
  start_hearthd();
  auto pub = client("e2e-bad");
  publish(*pub, "tele/e2e_kettle/SENSOR", R"({"ENERGY":{"Power":)");     // truncated JSON
  publish(*pub, "tele/e2e_kettle/SENSOR", std::string(70 * 1024, '{'));  // over 64 KiB
  publish(*pub, "zigbee2mqtt/lounge/climate", R"({"temperature":"hot","humidity":48})");
  publish(*pub, "tele/e2e_kettle/SENSOR", sensor_payload(25, 13.0));
  ASSERT_TRUE(wait_until([&] { return device("tasmota:e2e_kettle")["latest"].contains("power_w"); }, 10s));
  const json h = health();
  EXPECT_EQ(h["counters"]["rejected"]["malformed_json"], 1);
  EXPECT_EQ(h["counters"]["rejected"]["payload_too_large"], 1);
  EXPECT_GE(h["counters"]["field_issues"]["wrong_type"].get<int>(), 1);
  EXPECT_TRUE(wait_until([&] { return device("z2m:lounge/climate")["latest"].contains("humidity_pct"); }, 5s));
  EXPECT_TRUE(hearthd_.running());
}

TEST_F(GatewayE2E, StatusIsOnlineRetainedAndLastWillSaysOffline) {
  start_hearthd();
  auto sub = client("e2e-status");
  sub->start_consuming();
  sub->subscribe("hearth/e2e-home/status", 1)->wait();
  auto msg = sub->try_consume_message_for(5s);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->get_payload_str(), "online");
  EXPECT_TRUE(msg->is_retained());
  hearthd_.signal(SIGKILL);  // no chance to say goodbye: the broker publishes the will
  msg = sub->try_consume_message_for(10s);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->get_payload_str(), "offline");
  start_hearthd();
  msg = sub->try_consume_message_for(10s);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->get_payload_str(), "online");
  ASSERT_TRUE(hearthd_.stop(SIGTERM).has_value());  // clean stop says offline itself
  msg = sub->try_consume_message_for(10s);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->get_payload_str(), "offline");
}

TEST_F(GatewayE2E, KillNineMidIngestLosesAtMostTheCommitWindow) {
  start_hearthd();
  auto pub = client("e2e-stream");
  // Distinct power values so every message is one identifiable row.
  std::vector<std::pair<int, std::chrono::steady_clock::time_point>> sent;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point killed_at{};
  for (int i = 1; std::chrono::steady_clock::now() - start < 3s; ++i) {
    publish(*pub, "tele/e2e_kettle/SENSOR", sensor_payload(100 + i, 20.0 + i * 0.001));
    sent.emplace_back(100 + i, std::chrono::steady_clock::now());
    if (killed_at == std::chrono::steady_clock::time_point{} && std::chrono::steady_clock::now() - start > 2s) {
      hearthd_.signal(SIGKILL);
      killed_at = std::chrono::steady_clock::now();
    }
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(hearthd_.wait(5s).has_value());
  EXPECT_EQ(db_text("PRAGMA integrity_check"), "ok");
  // Everything published more than the commit window (500 ms) plus slack before the kill is on disk.
  int must_have = 0;
  std::string in_list;
  for (const auto& [power, at] : sent) {
    if (at < killed_at - 1500ms) {
      ++must_have;
      in_list += (in_list.empty() ? "" : ",") + std::to_string(power);
    }
  }
  ASSERT_GT(must_have, 20);
  EXPECT_EQ(db_count("SELECT count(*) FROM readings r JOIN series s ON s.id = r.series_id WHERE s.device_id = "
                     "'tasmota:e2e_kettle' AND s.metric = 'power_w' AND r.value IN (" +
                     in_list + ")"),
            must_have);
  // It restarts on the same database and carries on.
  start_hearthd();
  publish(*pub, "tele/e2e_kettle/SENSOR", sensor_payload(5555, 30.0));
  EXPECT_TRUE(wait_until([&] { return device("tasmota:e2e_kettle")["latest"]["power_w"]["value"] == 5555.0; }, 10s));
}

TEST_F(GatewayE2E, ReconnectsAndResubscribesAfterBrokerRestart) {
  write_config("Kettle", 3);  // also exercises MQTT 3.1.1
  start_hearthd();
  broker_->stop();
  ASSERT_TRUE(wait_until([&] { return health()["mqtt"]["connected"] == false; }, 10s));
  ASSERT_TRUE(broker_->start());
  ASSERT_TRUE(wait_until([&] { return health()["mqtt"]["connected"] == true; }, 20s));
  auto pub = client("e2e-after");
  publish(*pub, "tele/e2e_kettle/SENSOR", sensor_payload(777, 14.0));
  EXPECT_TRUE(wait_until([&] { return device("tasmota:e2e_kettle")["latest"]["power_w"]["value"] == 777.0; }, 10s));
  EXPECT_GE(health()["mqtt"]["connection_losses"].get<int>(), 1);
}

TEST_F(GatewayE2E, SighupReloadsAndABadFileKeepsTheOldConfig) {
  start_hearthd();
  auto pub = client("e2e-reload");
  publish(*pub, "tele/e2e_kettle/SENSOR", sensor_payload(50, 1.0));
  ASSERT_TRUE(wait_until([&] { return device("tasmota:e2e_kettle")["name"] == "Kettle"; }, 10s));
  write_config("Big kettle", 5);
  hearthd_.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return device("tasmota:e2e_kettle")["name"] == "Big kettle"; }, 10s));
  write_config("Broken", 5, "surprise_key: 1\n");
  hearthd_.signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] { return read_file(dir_.file("hearthd.log")).find("config reload rejected") != std::string::npos; }, 10s));
  EXPECT_NE(read_file(dir_.file("hearthd.log")).find("surprise_key"), std::string::npos);
  EXPECT_EQ(device("tasmota:e2e_kettle")["name"], "Big kettle");
  EXPECT_TRUE(hearthd_.running());
}

TEST_F(GatewayE2E, ApiRefusesRequestsWithoutTheToken) {
  start_hearthd();
  auto r = http_get(http_port_, "/api/v1/devices", "");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
}
