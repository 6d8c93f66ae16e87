// End to end: Tasmota plug traffic with ENERGY.Total and Power, including a counter restart whose
// new count is not below the old one, through a real Mosquitto into hearthd; per-appliance kWh and
// cost from /api/v1/energy/appliances against hand-computed values, before and after a restart of
// hearthd; /api/v1/advice and /summary answer; `hearth energy` reads the same from the database.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "energy-token-0123456789abcdef01234567";
constexpr const char* WASHER = "tasmota:washer";

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

double total_kwh(const json& usage) {
  const auto& k = usage.at("kwh");
  return k.at("measured").get<double>() + k.at("bridged").get<double>() + k.at("estimated").get<double>();
}

class EnergyE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    ASSERT_TRUE(broker_->start());
    http_port_ = free_port();
    // 1000 p/kWh (an inline tariff, the highest rate allowed) so a few Wh make whole pence; the
    // plug's rating lets a counter rise 5 Wh in a second without being called implausible.
    std::ofstream(dir_.file("hearth.yaml"))
        << "home_id: energy-home\nmqtt:\n  url: " << broker_->url() << "\nstore:\n  path: " << dir_.file("hearth.db")
        << "\nhttp:\n  port: " << http_port_ << "\n  api_token: " << TOKEN << "\ndevices:\n"
        << "  tasmota:washer: {name: Washer, room: Kitchen, kind: washing_machine, rating_w: 20000}\n"
        << "energy:\n  tariff:\n    id: test_rate\n    name: Test rate\n    source: this test\n"
        << "    source_date: \"2026-01-01\"\n"
        << "    electricity: {unit_rate_p_per_kwh: 1000, standing_charge_p_per_day: 50}\n"
        << "    heating_fuel: electricity\n";
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

  // Each reading at least 1.1 s after the previous one (readings are stamped on receipt).
  void plug(const std::string& start_time, double total_kwh, double power_w) {
    std::this_thread::sleep_for(1100ms);
    char payload[256];
    std::snprintf(payload, sizeof payload, R"({"ENERGY":{"TotalStartTime":"%s","Total":%.3f,"Power":%.0f}})",
                  start_time.c_str(), total_kwh, power_w);
    publish_once(broker_->url(), "tele/washer/SENSOR", payload);
  }

  json washer() {
    const json all = api_get(http_port_, "/api/v1/energy/appliances", TOKEN);
    if (!all.contains("appliances")) return json{};
    for (const auto& a : all["appliances"]) {
      if (a["device_id"] == WASHER) return a;
    }
    return json{};
  }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::uint16_t http_port_ = 0;
  Process hearthd_;
};

}  // namespace

TEST_F(EnergyE2E, PlugCountersAndARestartGiveTheHandComputedKwhAndCost) {
  start_hearthd();
  // Counts 1, 6, 11 Wh; the plug restarts (new TotalStartTime) and has counted 12 Wh since, more
  // than before the restart; then 17 Wh. Power 0 throughout, so nothing is bridged from power.
  // Measured: 5 + 5 + 12 (what the counter saw after the restart) + 5 = 27 Wh = 27p at 1000 p/kWh.
  plug("2026-01-01T00:00:00", 0.001, 0);
  plug("2026-01-01T00:00:00", 0.006, 0);
  plug("2026-01-01T00:00:00", 0.011, 0);
  plug("2026-11-22T10:15:00", 0.012, 0);
  plug("2026-11-22T10:15:00", 0.017, 0);
  // The stored monotonic total counts the restart's 12 Wh (core::apply_energy_sample with the hint).
  ASSERT_TRUE(wait_until(
      [&] {
        const json d = api_device(http_port_, TOKEN, WASHER);
        return d.contains("latest") && d["latest"].contains("energy_kwh") &&
               std::abs(d["latest"]["energy_kwh"]["value"].get<double>() - 0.028) < 1e-9;
      },
      10s))
      << api_device(http_port_, TOKEN, WASHER).dump();

  const json w = washer();
  ASSERT_FALSE(w.is_null());
  EXPECT_EQ(w["name"], "Washer");
  EXPECT_NEAR(total_kwh(w["today"]), 0.027, 1e-9) << w.dump();
  EXPECT_NEAR(w["today"]["kwh"]["measured"].get<double>(), 0.027, 1e-9);
  EXPECT_EQ(w["today"]["pence"], 27);

  const json advice = api_get(http_port_, "/api/v1/advice?lang=cy", TOKEN);
  ASSERT_TRUE(advice.contains("advice")) << advice.dump();
  EXPECT_TRUE(advice["advice"].is_array());
  const json summary = api_get(http_port_, "/api/v1/energy/summary", TOKEN);
  ASSERT_TRUE(summary.contains("today")) << summary.dump();
  EXPECT_NEAR(total_kwh(summary["today"]["electricity"]), 0.027, 1e-9);
  EXPECT_EQ(summary["tariff"]["id"], "test_rate");
  auto unauthenticated = http_get(http_port_, "/api/v1/energy/appliances", "");
  ASSERT_TRUE(unauthenticated.has_value());
  EXPECT_EQ(unauthenticated->status, 401);

  // A restart of hearthd: the ledger is rebuilt from the stored readings and counter restarts.
  ASSERT_EQ(hearthd_.stop(SIGTERM), 0);
  start_hearthd();
  const json again = washer();
  ASSERT_FALSE(again.is_null());
  EXPECT_NEAR(total_kwh(again["today"]), 0.027, 1e-9) << again.dump();
  EXPECT_EQ(again["today"]["pence"], 27);

  // The CLI reads the same from the database.
  const std::string cli = std::string(HEARTH_CLI_PATH) + " --db " + dir_.file("hearth.db") +
                          " energy appliances --json --config " + dir_.file("hearth.yaml");
  const json fromcli = json::parse(run(cli), nullptr, false);
  ASSERT_TRUE(fromcli.contains("appliances")) << run(cli);
  ASSERT_EQ(fromcli["appliances"].size(), 1u);
  EXPECT_NEAR(total_kwh(fromcli["appliances"][0]["today"]), 0.027, 1e-9);
  EXPECT_EQ(fromcli["appliances"][0]["today"]["pence"], 27);

  // The householder's export carries the stored daily summaries (one is written here directly:
  // completing a real day would take a day).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("hearth.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  EXPECT_EQ(sqlite3_exec(db, R"(INSERT INTO energy_daily VALUES ('2026-01-01', '{"schema":1,"date":"2026-01-01"}', 1))",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const std::string exported = run(std::string(HEARTH_CLI_PATH) + " --db " + dir_.file("hearth.db") + " export");
  EXPECT_NE(
      exported.find(R"(home,energy_daily_summary,1,1970-01-01T00:00:00.001Z,"{""schema"":1,""date"":""2026-01-01""}")"),
      std::string::npos)
      << exported;
}
