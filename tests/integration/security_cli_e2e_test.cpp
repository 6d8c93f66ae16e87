// End to end: broker credentials, TLS to the broker, and the `hearth` CLI on a live database.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "sec-token-0123456789abcdef0123456789ab";

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

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

class SecurityCliE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    http_port_ = free_port();
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- hearthd log ----\n"
                << read_file(dir_.file("hearthd.log")) << "---- mosquitto log ----\n"
                << read_file(dir_.file("mosquitto.log")) << "---- end ----\n";
    }
    hearthd_ = Process();
    if (broker_) broker_->stop();
  }

  void start_hearthd(const std::string& mqtt_block) {
    std::ofstream(dir_.file("hearth.yaml")) << "home_id: sec-home\nmqtt:\n"
                                            << mqtt_block << "  reconnect_max: 2s\n"
                                            << "store:\n  path: " << dir_.file("hearth.db") << "\n"
                                            << "http:\n  port: " << http_port_ << "\n  api_token: " << TOKEN << "\n";
    hearthd_ = Process({HEARTHD_PATH, "--config", dir_.file("hearth.yaml")}, dir_.file("hearthd.log"));
    ASSERT_TRUE(wait_for_port(http_port_, 10s));
  }

  bool connected_within(std::chrono::milliseconds timeout) {
    return wait_until([&] { return api_get(http_port_, "/api/v1/health", TOKEN)["mqtt"]["connected"] == true; },
                      timeout);
  }

  void publish(const std::string& url, const std::string& user, const std::string& pass, const std::string& topic,
               const std::string& payload) {
    publish_once(url, topic, payload, user, pass);
  }

  bool device_seen(const std::string& id, std::chrono::milliseconds timeout) {
    return wait_until([&] { return !api_device(http_port_, TOKEN, id).is_null(); }, timeout);
  }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::uint16_t http_port_ = 0;
  Process hearthd_;
};

}  // namespace

TEST_F(SecurityCliE2E, UsernameAndPasswordFromAFile) {
  if (!have("mosquitto_passwd")) GTEST_SKIP() << "mosquitto_passwd not installed";
  const std::string pwfile = dir_.file("passwd");
  ASSERT_EQ(std::system(("mosquitto_passwd -b -c " + pwfile + " hearthd 's3cret pass' >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system(("mosquitto_passwd -b " + pwfile + " sensor sensorpw >/dev/null 2>&1").c_str()), 0);
  ASSERT_TRUE(broker_->start("password_file " + pwfile + "\n", /*anonymous=*/false));
  std::ofstream(dir_.file("mqtt-password")) << "s3cret pass\n";
  start_hearthd("  url: " + broker_->url() + "\n  username: hearthd\n  password_file: " + dir_.file("mqtt-password") +
                "\n");
  ASSERT_TRUE(connected_within(15s));
  publish(broker_->url(), "sensor", "sensorpw", "zigbee2mqtt/hall/pir", R"({"occupancy":true,"linkquality":80})");
  EXPECT_TRUE(device_seen("z2m:hall/pir", 10s));
  EXPECT_EQ(read_file(dir_.file("hearthd.log")).find("s3cret"), std::string::npos) << "password leaked to the log";
}

TEST_F(SecurityCliE2E, WrongPasswordIsRefusedAndRetried) {
  if (!have("mosquitto_passwd")) GTEST_SKIP() << "mosquitto_passwd not installed";
  const std::string pwfile = dir_.file("passwd");
  ASSERT_EQ(std::system(("mosquitto_passwd -b -c " + pwfile + " hearthd right >/dev/null 2>&1").c_str()), 0);
  ASSERT_TRUE(broker_->start("password_file " + pwfile + "\n", false));
  start_hearthd("  url: " + broker_->url() + "\n  username: hearthd\n  password: wrong\n");
  EXPECT_FALSE(connected_within(3s));
  ASSERT_TRUE(hearthd_.running());
  const auto log = read_file(dir_.file("hearthd.log"));
  EXPECT_NE(log.find("cannot connect"), std::string::npos) << log;
  EXPECT_NE(log.find("retrying"), std::string::npos) << log;
}

TEST_F(SecurityCliE2E, TlsToTheBrokerWithCaVerification) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  const std::string d = dir_.path().string();
  const std::string gen =
      "cd " + d +
      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=Hearth test CA' "
      "&& openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' "
      "&& printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext "
      "&& openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile "
      "san.ext"
      " >/dev/null 2>&1";
  ASSERT_EQ(std::system((gen + " 2>/dev/null").c_str()), 0);
  const std::uint16_t tls_port = free_port();
  ASSERT_TRUE(broker_->start("listener " + std::to_string(tls_port) + " 127.0.0.1\ncafile " + d + "/ca.pem\ncertfile " +
                             d + "/server.pem\nkeyfile " + d + "/server.key\n"));
  ASSERT_TRUE(wait_for_port(tls_port, 5s));
  start_hearthd("  url: mqtts://127.0.0.1:" + std::to_string(tls_port) + "\n  tls:\n    ca_file: " + d + "/ca.pem\n");
  ASSERT_TRUE(connected_within(15s));
  publish(broker_->url(), "", "", "zigbee2mqtt/hall/pir", R"({"occupancy":true,"linkquality":80})");
  EXPECT_TRUE(device_seen("z2m:hall/pir", 10s));
}

TEST_F(SecurityCliE2E, TlsRefusesAnUntrustedBroker) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  const std::string d = dir_.path().string();
  // The broker's certificate is self-signed; hearthd trusts a different CA.
  const std::string gen =
      "cd " + d +
      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.pem -days 2 "
      "-subj '/CN=127.0.0.1' -addext 'subjectAltName=IP:127.0.0.1' && openssl req -x509 -newkey rsa:2048 -nodes "
      "-keyout other.key -out other.pem -days 2 -subj '/CN=Other CA' >/dev/null 2>&1";
  ASSERT_EQ(std::system((gen + " 2>/dev/null").c_str()), 0);
  const std::uint16_t tls_port = free_port();
  ASSERT_TRUE(broker_->start("listener " + std::to_string(tls_port) + " 127.0.0.1\ncertfile " + d +
                             "/server.pem\nkeyfile " + d + "/server.key\n"));
  start_hearthd("  url: ssl://127.0.0.1:" + std::to_string(tls_port) + "\n  tls:\n    ca_file: " + d + "/other.pem\n");
  EXPECT_FALSE(connected_within(3s));
  EXPECT_TRUE(hearthd_.running());
}

TEST_F(SecurityCliE2E, CliListsDevicesQueriesAndExportsCsv) {
  ASSERT_TRUE(broker_->start());
  start_hearthd("  url: " + broker_->url() + "\n");
  ASSERT_TRUE(connected_within(15s));
  publish(broker_->url(), "", "", "zigbee2mqtt/study,desk",
          R"({"battery":70,"humidity":40,"linkquality":60,"temperature":21.25})");
  ASSERT_TRUE(device_seen("z2m:study,desk", 10s));
  std::this_thread::sleep_for(1200ms);  // past the commit window
  const std::string cli = std::string(HEARTH_CLI_PATH) + " --db " + dir_.file("hearth.db");
  const auto devices = run(cli + " devices");
  EXPECT_NE(devices.find("id,driver,model,name,first_seen,last_seen"), std::string::npos) << devices;
  EXPECT_NE(devices.find("\"z2m:study,desk\",z2m"), std::string::npos) << devices;  // quoted: it has a comma
  const auto readings = run(cli + " readings --device 'z2m:study,desk' --metric temperature_c");
  EXPECT_NE(readings.find("ts_ms,time_utc,value\n"), std::string::npos) << readings;
  EXPECT_NE(readings.find(",21.25\n"), std::string::npos) << readings;
  const auto exported = run(cli + " export -o " + dir_.file("out.csv") + " && cat " + dir_.file("out.csv"));
  EXPECT_NE(exported.find("device,metric,ts_ms,time_utc,value\n"), std::string::npos);
  EXPECT_NE(exported.find("\"z2m:study,desk\",humidity_pct,"), std::string::npos) << exported;
  EXPECT_NE(run(cli + " readings --device x:y --metric watts 2>&1").find("unknown metric"), std::string::npos);
  EXPECT_NE(run(std::string(HEARTH_CLI_PATH) + " --db /nonexistent.db devices 2>&1").find("no database"),
            std::string::npos);
}
