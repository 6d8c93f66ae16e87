#include "gateway/api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;
using dashboard::HttpRequest;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'699'999'200'000;
constexpr const char* TOKEN = "0123456789abcdef0123456789abcdef";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.http.api_token = TOKEN;
    StoreConfig cfg;
    cfg.path = dir_.file("h.db");
    store_ = std::move(*Store::open(cfg));
    pipeline_ = std::make_unique<Pipeline>(drivers_, *store_, registry_, IngestConfig{}, [](const std::string&) {});
    ctx_.config = &config_;
    ctx_.registry = &registry_;
    ctx_.store = store_.get();
    ctx_.pipeline = pipeline_.get();
    ctx_.mqtt_stats = [] { return MqttStats{3, 1, 0, 0, true}; };
    ctx_.started = core::from_epoch_ms(T0);
    ctx_.now = [] { return core::from_epoch_ms(T0 + 90'000); };
    Device* d = registry_.touch("tasmota:kettle", "tasmota", core::from_epoch_ms(T0));
    d->settings.name = "Kettle";
    d->settings.room = "Kitchen";
    d->settings.kind = "kettle";
    d->online = true;
    d->latest[core::Metric::power_w] = {2100.0, core::from_epoch_ms(T0 + 1000), false};
    for (int i = 0; i < 5; ++i) {
      core::Reading r{"tasmota:kettle", core::Metric::power_w, 2000.0 + i, core::from_epoch_ms(T0 + i * 1000)};
      store_->append(r);
    }
    ASSERT_TRUE(store_->flush().has_value());
  }

  dashboard::HttpResponse get(const std::string& path, std::vector<std::pair<std::string, std::string>> query = {},
                              const std::string& token = TOKEN, const std::string& method = "GET") {
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.target = path;
    req.query = std::move(query);
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    return handle_api(req, ctx_);
  }

  test::TempDir dir_;
  GatewayConfig config_;
  drivers::DriverSet drivers_{std::vector<std::unique_ptr<drivers::Driver>>{}};
  DeviceRegistry registry_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
  ApiContext ctx_;
};

}  // namespace

TEST_F(ApiTest, RequiresTheBearerToken) {
  EXPECT_EQ(get("/api/v1/health", {}, "").status, 401);
  EXPECT_EQ(get("/api/v1/health", {}, "wrong-token").status, 401);
  EXPECT_EQ(get("/metrics", {}, "").status, 401);
  config_.http.api_token.clear();  // nothing configured: nobody gets in
  EXPECT_EQ(get("/api/v1/health", {}, "").status, 401);
}

TEST_F(ApiTest, HealthReportsCountersAndQueue) {
  const auto r = get("/api/v1/health");
  ASSERT_EQ(r.status, 200);
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["uptime_s"], 90);
  EXPECT_EQ(body["mqtt"]["connected"], true);
  EXPECT_EQ(body["counters"]["stored"], 5);
  EXPECT_EQ(body["queue_depth"], 0);
  EXPECT_TRUE(body["counters"]["rejected"].is_object());
  EXPECT_GT(body["store"]["database_bytes"].get<std::int64_t>(), 0);
}

TEST_F(ApiTest, DevicesListSettingsAndLatestValues) {
  const auto body = json::parse(get("/api/v1/devices").body);
  ASSERT_EQ(body["devices"].size(), 1u);
  const auto& d = body["devices"][0];
  EXPECT_EQ(d["id"], "tasmota:kettle");
  EXPECT_EQ(d["name"], "Kettle");
  EXPECT_EQ(d["room"], "Kitchen");
  EXPECT_EQ(d["kind"], "kettle");
  EXPECT_EQ(d["online"], true);
  EXPECT_EQ(d["last_seen_ms"], T0);
  EXPECT_DOUBLE_EQ(d["latest"]["power_w"]["value"].get<double>(), 2100.0);
}

TEST_F(ApiTest, ReadingsQueryAndValidation) {
  auto r = get("/api/v1/readings", {{"device", "tasmota:kettle"},
                                    {"metric", "power_w"},
                                    {"from", std::to_string(T0 + 1000)},
                                    {"to", std::to_string(T0 + 4000)}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = json::parse(r.body);
  ASSERT_EQ(body["points"].size(), 3u);
  EXPECT_EQ(body["points"][0]["ts_ms"], T0 + 1000);
  EXPECT_DOUBLE_EQ(body["points"][2]["value"].get<double>(), 2003.0);
  EXPECT_EQ(get("/api/v1/readings", {{"metric", "power_w"}}).status, 400);
  EXPECT_EQ(get("/api/v1/readings", {{"device", "x:y"}, {"metric", "watts"}}).status, 400);
  EXPECT_EQ(get("/api/v1/readings", {{"device", "x:y"}, {"metric", "power_w"}, {"from", "yesterday"}}).status, 400);
  EXPECT_EQ(get("/api/v1/readings", {{"device", "x:y"}, {"metric", "power_w"}, {"from", "5"}, {"to", "1"}}).status,
            400);
  EXPECT_EQ(get("/api/v1/readings", {{"device", "x:y"}, {"metric", "power_w"}, {"limit", "0"}}).status, 400);
  EXPECT_EQ(get("/api/v1/readings", {{"device", "x:y"}, {"metric", "power_w"}, {"resolution", "day"}}).status, 400);
}

TEST_F(ApiTest, PersonalDataAccessIsAudited) {
  (void)get("/api/v1/readings", {{"device", "tasmota:kettle"}, {"metric", "power_w"}});
  ASSERT_TRUE(store_->flush().has_value());
  const auto log = *store_->audit_log(10);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0][2], "read_readings");
  EXPECT_EQ(log[0][3], "tasmota:kettle power_w");
}

TEST_F(ApiTest, MetricsInPrometheusFormat) {
  const auto r = get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.content_type.find("text/plain"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE hearth_readings_stored_total counter\nhearth_readings_stored_total 5\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("hearth_mqtt_connected 1"), std::string::npos);
}

TEST_F(ApiTest, UnknownPathsAndMethods) {
  EXPECT_EQ(get("/api/v1/nothing").status, 404);
  EXPECT_EQ(get("/api/v1/devices", {}, TOKEN, "POST").status, 405);
  EXPECT_EQ(get("/index.html").status, 404);
}

TEST(TokenEquals, ComparesWholeStrings) {
  EXPECT_TRUE(token_equals("abc", "abc"));
  EXPECT_FALSE(token_equals("abd", "abc"));
  EXPECT_FALSE(token_equals("ab", "abc"));
  EXPECT_FALSE(token_equals("abcd", "abc"));
  EXPECT_FALSE(token_equals("", "abc"));
}
