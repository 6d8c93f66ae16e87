// The simulated home end to end on a real Mosquitto: hearth-sim's native devices pass the firmware
// conformance suite, and the demo (hearthd with the demo's config + hearth-sim) turns an injected
// smoke incident into the emergency alert and a cold-snap script into the cold-home alert; the
// Shelly Gen1 plug's and the ESPHome sensor's readings and wills reach hearthd.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <sys/stat.h>
#include <fstream>
#include <sstream>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

#if defined(HEARTH_SIM_PATH)

using namespace hearth::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "sim-e2e-token-0123456789abcdef01234567";

class SimE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    ASSERT_TRUE(broker_->start()) << read_file(dir_.file("mosquitto.log"));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- hearth-sim log ----\n"
                << read_file(dir_.file("sim.log")) << "---- hearthd log ----\n"
                << read_file(dir_.file("hearthd.log")) << "---- end ----\n";
    }
    sim_ = Process();
    hearthd_ = Process();
    if (broker_) broker_->stop();
  }

  // The same home every run: synthetic (no recordings needed), Monday 10:00, one data minute per second.
  void start_sim(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {HEARTH_SIM_PATH, "--url",   broker_->url(), "--data", "synthetic", "--start",
                                     "10:00",         "--speed", "60",           "--seed", "7"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    sim_ = Process(argv, dir_.file("sim.log"));
  }

  std::string run_conformance(const std::string& device, const std::vector<std::string>& extra, int& status) {
    std::vector<std::string> argv = {
        HEARTH_FW_CONFORMANCE_PATH, "--url", broker_->url(), "--device", device, "--timeout", "20"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const std::string log = dir_.file("conformance-" + device + ".log");
    Process suite(argv, log);
    const auto rc = suite.wait(180s);
    status = rc.value_or(-1000);
    return read_file(log);
  }

  // The demo's hearthd config: packaging/demo/hearth-demo.yaml.in filled in as run-demo does, with
  // the devices section printed by hearth-sim itself.
  void write_demo_config() {
    std::string text = read_file(HEARTH_DEMO_CONFIG);
    ASSERT_FALSE(text.empty());
    const auto fill = [&](const std::string& key, const std::string& value) {
      for (auto at = text.find(key); at != std::string::npos; at = text.find(key)) text.replace(at, key.size(), value);
    };
    http_port_ = free_port();
    std::ofstream(dir_.file("api-token")) << TOKEN << "\n";
    ::chmod(dir_.file("api-token").c_str(), 0600);
    fill("@MQTT_URL@", broker_->url());
    fill("@DB_PATH@", dir_.file("hearth.db"));
    fill("@HTTP_PORT@", std::to_string(http_port_));
    fill("@TOKEN_FILE@", dir_.file("api-token"));
    Process print({HEARTH_SIM_PATH, "--print-config", "--data", "synthetic"}, dir_.file("devices.yaml"));
    ASSERT_EQ(print.wait(30s), 0);
    const std::string devices = read_file(dir_.file("devices.yaml"));
    ASSERT_NE(devices.find("z2m:kitchen/smoke: {name: Kitchen smoke alarm, room: Kitchen"), std::string::npos)
        << devices;
    ASSERT_NE(devices.find("hearth:plug-1: {name: Fridge, room: Kitchen, kind: fridge, essential: true"),
              std::string::npos)
        << devices;
    ASSERT_NE(devices.find("shelly:shellyplug-s-C45BBE7F3A21: {name: Toaster, room: Kitchen"), std::string::npos)
        << devices;
    ASSERT_NE(devices.find("esphome:kitchen-climate: {name: Kitchen sensor, room: Kitchen"), std::string::npos)
        << devices;
    std::ofstream(dir_.file("hearth.yaml")) << text << devices;
  }

  void start_hearthd() {
    hearthd_ = Process({HEARTHD_PATH, "--config", dir_.file("hearth.yaml")}, dir_.file("hearthd.log"));
    ASSERT_TRUE(wait_for_port(http_port_, 10s)) << read_file(dir_.file("hearthd.log"));
    ASSERT_TRUE(
        wait_until([&] { return api_get(http_port_, "/api/v1/health", TOKEN)["mqtt"]["connected"] == true; }, 15s));
  }

  // The first alert state published for `id` in `state` (messages are kept, so the order in which
  // two alerts are awaited does not matter), or null JSON.
  json wait_alert(mqtt::async_client& sub, const std::string& id, const std::string& state,
                  std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (const auto& j : alerts_) {
        if (j.value("id", "") == id && j.value("state", "") == state) return j;
      }
      if (std::chrono::steady_clock::now() >= deadline) return json{};
      if (auto msg = sub.try_consume_message_for(500ms)) {
        auto j = json::parse(msg->get_payload_str(), nullptr, false);
        if (j.is_object()) alerts_.push_back(std::move(j));
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  Process sim_;
  Process hearthd_;
  std::uint16_t http_port_ = 0;
  std::vector<json> alerts_;
};

TEST_F(SimE2E, NativeDevicesPassTheFirmwareConformanceSuite) {
  start_sim();
  int status = 0;
  // The room sensor has no relay: the switching checks are skipped, everything else must pass.
  std::string out = run_conformance("bathroom-sensor", {}, status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("CONFORMS"), std::string::npos) << out;
  // The plug: a switchable lamp, the essential fridge that refuses "off", and the last will when
  // the simulator is killed (every simulated device has its own connection and will).
  out = run_conformance("plug-1", {"--power-cut-cmd", "kill -9 " + std::to_string(sim_.pid())}, status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("PASS  essential relay refuses \"off\""), std::string::npos) << out;
  EXPECT_NE(out.find("PASS  switchable relay follows on/off commands"), std::string::npos) << out;
  EXPECT_NE(out.find("PASS  last will publishes status \"offline\""), std::string::npos) << out;
  EXPECT_EQ(out.find("  FAIL  "), std::string::npos) << out;
  EXPECT_FALSE(sim_.running()) << "the power cut really happened";
}

TEST_F(SimE2E, DemoHomeRaisesTheSmokeAndColdHomeAlerts) {
  write_demo_config();
  mqtt::async_client sub(broker_->url(), "sim-e2e-alerts");
  sub.start_consuming();
  sub.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
  sub.subscribe("hearth/demo-home/alerts/#", 1)->wait();
  start_hearthd();

  std::ofstream(dir_.file("cold.txt")) << "# the heating fails while she is at home\ncold_snap@2s+2m\n";
  start_sim({"--incident", "smoke@5s+20s", "--incidents", dir_.file("cold.txt")});

  // The Shelly Gen1 toaster plug (plain-text shellies/... topics, watt-minutes) and the ESPHome
  // kitchen sensor (status, discovery configs, retained states) reach hearthd through the broker
  // as the devices the printed config names.
  const std::string gen1 = "shelly:shellyplug-s-C45BBE7F3A21";
  const std::string esp = "esphome:kitchen-climate";
  const auto has = [](const json& d, const char* metric) {
    return d.is_object() && d["latest"].is_object() && d["latest"].contains(metric);
  };
  ASSERT_TRUE(wait_until(
      [&] {
        const json g = api_device(http_port_, TOKEN, gen1);
        const json e = api_device(http_port_, TOKEN, esp);
        return g.is_object() && g["online"] == true && has(g, "power_w") && has(g, "energy_kwh") &&
               has(g, "relay_on") && e.is_object() && e["online"] == true && has(e, "temperature_c") &&
               has(e, "humidity_pct") && has(e, "rssi_dbm");
      },
      20s))
      << api_device(http_port_, TOKEN, gen1).dump() << "\n"
      << api_device(http_port_, TOKEN, esp).dump();
  const json toaster = api_device(http_port_, TOKEN, gen1);
  EXPECT_EQ(toaster["driver"], "shelly_gen1");
  EXPECT_EQ(toaster["name"], "Toaster");
  EXPECT_EQ(toaster["model"], "SHPLG-S") << "from its announce";
  EXPECT_EQ(toaster["latest"]["relay_on"]["value"], 1.0);
  EXPECT_GE(toaster["latest"]["energy_kwh"]["value"].get<double>(), 0.0);
  const json kitchen = api_device(http_port_, TOKEN, esp);
  EXPECT_EQ(kitchen["name"], "Kitchen sensor");
  EXPECT_EQ(kitchen["room"], "Kitchen");
  const double kitchen_c = kitchen["latest"]["temperature_c"]["value"].get<double>();
  EXPECT_GT(kitchen_c, 15.0);
  EXPECT_LT(kitchen_c, 25.0);
  const double kitchen_rh = kitchen["latest"]["humidity_pct"]["value"].get<double>();
  EXPECT_GT(kitchen_rh, 20.0);
  EXPECT_LT(kitchen_rh, 95.0);

  const std::string smoke_id = "smoke:z2m:kitchen/smoke";
  const json smoke = wait_alert(sub, smoke_id, "raised", 30s);
  ASSERT_FALSE(smoke.is_null()) << "no smoke alert on MQTT";
  EXPECT_EQ(smoke["severity"], "emergency");
  EXPECT_EQ(smoke["room"], "Kitchen");
  EXPECT_NE(smoke["text"]["en"].get<std::string>().find("Kitchen"), std::string::npos);
  const json api_smoke = api_alert(http_port_, TOKEN, smoke_id);
  ASSERT_FALSE(api_smoke.is_null()) << "not in the API";
  EXPECT_EQ(api_smoke["severity"], "emergency");
  // The alarm stops at 25 s: the alert resolves by itself.
  EXPECT_FALSE(wait_alert(sub, smoke_id, "resolved", 30s).is_null());

  // Cold home: the living room below 16 °C for the demo's 1 minute, with the resident in it.
  const std::string cold_id = "cold_home:z2m:living_room/climate";
  const json cold = wait_alert(sub, cold_id, "raised", 120s);
  ASSERT_FALSE(cold.is_null()) << "no cold-home alert on MQTT";
  EXPECT_EQ(cold["severity"], "urgent");
  EXPECT_EQ(cold["room"], "Living room");
  EXPECT_EQ(api_alert(http_port_, TOKEN, cold_id)["state"], "raised");
  // Nothing else of the routine looked like an emergency.
  for (const auto& a : alerts_) EXPECT_TRUE(a["severity"] != "emergency" || a["id"] == smoke_id) << a.dump();

  // An incident injected into the running simulator (what the demo's README shows): the kettle
  // plug's connection drops and its last will reaches hearthd; the other plugs stay online.
  publish_once(broker_->url(), "hearth-sim/incident", "plug_offline:kettle+5m");
  EXPECT_TRUE(wait_until([&] { return api_device(http_port_, TOKEN, "tasmota:kettle")["online"] == false; }, 10s))
      << api_device(http_port_, TOKEN, "tasmota:kettle").dump();
  EXPECT_EQ(api_device(http_port_, TOKEN, "tasmota:microwave")["online"], true);
  // The same for the Gen1 plug, whose will ("false") is not retained, as on a real Plug S.
  publish_once(broker_->url(), "hearth-sim/incident", "plug_offline:toaster+5m");
  EXPECT_TRUE(wait_until([&] { return api_device(http_port_, TOKEN, gen1)["online"] == false; }, 10s))
      << api_device(http_port_, TOKEN, gen1).dump();
  EXPECT_EQ(api_device(http_port_, TOKEN, esp)["online"], true);

  // Ctrl-C: the simulator stops cleanly and its devices' wills say they are gone.
  sim_.signal(SIGINT);
  const auto rc = sim_.wait(15s);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0);
  EXPECT_TRUE(wait_until([&] { return api_device(http_port_, TOKEN, "tasmota:microwave")["online"] == false; }, 10s))
      << api_device(http_port_, TOKEN, "tasmota:microwave").dump();
  EXPECT_TRUE(wait_until([&] { return api_device(http_port_, TOKEN, esp)["online"] == false; }, 10s))
      << api_device(http_port_, TOKEN, esp).dump();
}

}  // namespace

#endif  // HEARTH_SIM_PATH
