// Claiming a device end to end on a real Mosquitto with its dynamic-security plugin: the example
// firmware in claim mode asks on the shared provisioning account (which cannot publish readings),
// a wrong code is refused, the right one (typed loosely) makes the device's own broker account,
// the device opens its sealed credentials, reconnects as itself, and its readings reach hearthd;
// its account cannot publish as another device; after a restart it connects without claiming.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <filesystem>
#include <fstream>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

#if defined(HEARTH_FW_DEVICE_PATH)

using namespace hearth::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "claim-e2e-token-0123456789abcdef0123456";
constexpr const char* HEARTHD_PASSWORD = "hearthd-test-password-5b1c";
constexpr const char* PROVISIONING_PASSWORD = "provisioning-test-password-77";

std::string dynsec_plugin() {
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator("/usr/lib", ec)) {
    const auto candidate = dir.path() / "mosquitto_dynamic_security.so";
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
  }
  return {};
}

// One QoS 1 message as a given client; false if the broker refused the connection.
bool publish_as(const std::string& url, const std::string& client_id, const std::string& user,
                const std::string& password, const std::string& topic, const std::string& payload) {
  try {
    mqtt::async_client c(url, client_id);
    auto opts = mqtt::connect_options_builder().clean_session(true).user_name(user).password(password).finalize();
    c.connect(opts)->wait();
    c.publish(topic, payload.data(), payload.size(), 1, false)->wait();
    c.disconnect()->wait();
    return true;
  } catch (const mqtt::exception&) {
    return false;
  }
}

std::string mosquitto_ctrl() {
  return std::filesystem::exists("/usr/bin/mosquitto_ctrl") ? "/usr/bin/mosquitto_ctrl" : "";
}

class ClaimE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    if (dynsec_plugin().empty() || mosquitto_ctrl().empty()) {
      if (running_in_ci()) FAIL() << "Mosquitto's dynamic-security plugin and mosquitto_ctrl are required in CI";
      GTEST_SKIP() << "no mosquitto_dynamic_security.so or mosquitto_ctrl";
    }
    // The broker drops to its own user and rewrites the dynsec file when accounts change.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);
    ASSERT_EQ(ctrl_offline({"dynsec", "init", dir_.file("dynsec.json"), "hearthd", HEARTHD_PASSWORD}), 0);
    ::chmod(dir_.file("dynsec.json").c_str(), 0666);
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    ASSERT_TRUE(broker_->start(
        "plugin " + dynsec_plugin() + "\nplugin_opt_config_file " + dir_.file("dynsec.json") + "\n", false))
        << read_file(dir_.file("mosquitto.log"));
    // The installer's one-off set-up of the shared provisioning account (docs/firmware-contract.md).
    for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
             {"createRole", "hearth-provisioning"},
             {"addRoleACL", "hearth-provisioning", "publishClientSend", "hearth/v1/+/claim", "allow"},
             {"addRoleACL", "hearth-provisioning", "subscribePattern", "hearth/v1/+/provision", "allow"},
             {"createClient", "hearth-provisioning", "-p", PROVISIONING_PASSWORD},
             {"addClientRole", "hearth-provisioning", "hearth-provisioning"},
             // dynsec init's admin may only administer: hearthd also reads and writes the home's topics.
             {"createRole", "hearthd-home"},
             {"addRoleACL", "hearthd-home", "publishClientSend", "#", "allow"},
             {"addRoleACL", "hearthd-home", "subscribePattern", "#", "allow"},
             {"addClientRole", "hearthd", "hearthd-home"}}) {
      ASSERT_EQ(ctrl(cmd), 0) << cmd[0] << "\n" << read_file(dir_.file("ctrl.log"));
    }
    std::ofstream(dir_.file("hearthd.password")) << HEARTHD_PASSWORD << "\n";
    std::ofstream(dir_.file("provisioning.password")) << PROVISIONING_PASSWORD << "\n";
    std::ofstream(dir_.file("api-token")) << TOKEN << "\n";
    ::chmod(dir_.file("api-token").c_str(), 0600);
    ::chmod(dir_.file("hearthd.password").c_str(), 0600);
    http_port_ = free_port();
    std::ofstream(dir_.file("hearth.yaml"))
        << "home_id: claim-e2e\n"
        << "mqtt:\n  url: " << broker_->url()
        << "\n  username: hearthd\n  password_file: " << dir_.file("hearthd.password") << "\n"
        << "store:\n  path: " << dir_.file("hearth.db") << "\n"
        << "http:\n  address: 127.0.0.1\n  port: " << http_port_ << "\n  api_token_file: " << dir_.file("api-token")
        << "\n"
        << "provisioning:\n  accounts: dynsec\n  wrong_codes_before_lockout: 3\n";
    hearthd_ = Process({HEARTHD_PATH, "--config", dir_.file("hearth.yaml")}, dir_.file("hearthd.log"));
    ASSERT_TRUE(wait_for_port(http_port_, 10s)) << read_file(dir_.file("hearthd.log"));
    ASSERT_TRUE(
        wait_until([&] { return api_get(http_port_, "/api/v1/health", TOKEN)["mqtt"]["connected"] == true; }, 15s))
        << read_file(dir_.file("hearthd.log"));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- device log ----\n"
                << read_file(dir_.file("device.log")) << "---- hearthd log ----\n"
                << read_file(dir_.file("hearthd.log")) << "---- mosquitto log ----\n"
                << read_file(dir_.file("mosquitto.log")) << "---- end ----\n";
    }
    device_ = Process();
    hearthd_ = Process();
    if (broker_) broker_->stop();
  }

  int ctrl_offline(const std::vector<std::string>& args) {
    std::vector<std::string> argv{mosquitto_ctrl()};
    argv.insert(argv.end(), args.begin(), args.end());
    return Process(argv, dir_.file("ctrl.log")).wait(20s).value_or(-1);
  }
  int ctrl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"-h", "127.0.0.1",      "-p",    std::to_string(broker_->port()), "-u", "hearthd",
                                  "-P", HEARTHD_PASSWORD, "dynsec"};
    argv.insert(argv.end(), args.begin(), args.end());
    return ctrl_offline(argv);
  }

  void start_device() {
    device_ = Process({HEARTH_FW_DEVICE_PATH, "--url", broker_->url(), "--id", "plug-9", "--interval-ms", "500",
                       "--user", "hearth-provisioning", "--password-file", dir_.file("provisioning.password"),
                       "--claim", "7K3QM9TZ", "--credentials-file", dir_.file("device.credentials")},
                      dir_.file("device.log"));
  }

  json claim(const std::string& code, int& status) {
    const auto r =
        http_request(http_port_, "POST", "/api/v1/setup/claims/hearth:plug-9", TOKEN, json{{"code", code}}.dump());
    status = r ? r->status : 0;
    return r ? json::parse(r->body, nullptr, false) : json{};
  }

  json claim_state() {
    const json all = api_get(http_port_, "/api/v1/setup/claims", TOKEN);
    if (all.is_object() && all.contains("claims"))
      for (const auto& c : all["claims"])
        if (c["id"] == "hearth:plug-9") return c;
    return json::object();
  }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  Process hearthd_;
  Process device_;
  std::uint16_t http_port_ = 0;
};

TEST_F(ClaimE2E, DeviceIsClaimedWithTheCodeAndThenSpeaksAsItself) {
  start_device();
  ASSERT_TRUE(wait_until([&] { return claim_state().value("state", "") == "waiting"; }, 20s))
      << api_get(http_port_, "/api/v1/setup/claims", TOKEN).dump();
  EXPECT_EQ(api_get(http_port_, "/api/v1/setup/claims", TOKEN)["accounts"], "dynsec");
  EXPECT_EQ(claim_state().dump().find("7K3QM9TZ"), std::string::npos) << "the code is never shown";

  // The shared provisioning account may only ask: what it publishes as a device never reaches hearthd.
  EXPECT_TRUE(publish_as(broker_->url(), "plug-9", "hearth-provisioning", PROVISIONING_PASSWORD,
                         "hearth/v1/plug-9/status", R"({"state":"online","boot":"0badc0de"})"));

  int status = 0;
  claim("7K3QM9TA", status);
  EXPECT_EQ(status, 422) << "wrong code";
  const json started = claim("7k3q-m9tz", status);  // typed loosely, as people do
  ASSERT_EQ(status, 202) << started.dump();

  ASSERT_TRUE(wait_until([&] { return api_device(http_port_, TOKEN, "hearth:plug-9")["online"] == true; }, 30s))
      << api_get(http_port_, "/api/v1/setup/claims", TOKEN).dump();
  EXPECT_EQ(claim_state().value("state", ""), "sent");
  const std::string creds = read_file(dir_.file("device.credentials"));
  ASSERT_EQ(creds.rfind("plug-9\n", 0), 0u) << creds;
  const std::string password = creds.substr(7, creds.find('\n', 7) - 7);
  EXPECT_GE(password.size(), 32u);

  // Its own account is its own: bound to its client id, and only its own topics.
  ASSERT_TRUE(device_.stop(SIGTERM, 10s));
  EXPECT_FALSE(publish_as(broker_->url(), "someone-else", "plug-9", password, "hearth/v1/plug-9/status",
                          R"({"state":"online","boot":"01234567"})"))
      << "the account works only with the device's client id";
  EXPECT_TRUE(publish_as(broker_->url(), "plug-9", "plug-9", password, "hearth/v1/plug-8/status",
                         R"({"state":"online","boot":"01234567"})"));

  // Restarted (a power cut), it connects with what it stored, without claiming again.
  start_device();
  EXPECT_TRUE(wait_until(
      [&] {
        return read_file(dir_.file("device.log")).find("using the stored credentials of plug-9") != std::string::npos;
      },
      10s));
  EXPECT_TRUE(wait_until([&] { return api_device(http_port_, TOKEN, "hearth:plug-9")["online"] == true; }, 10s));
  EXPECT_TRUE(api_device(http_port_, TOKEN, "hearth:plug-8").is_null()) << "plug-9 published as plug-8";

  const std::string metrics = http_get(http_port_, "/metrics", TOKEN)->body;
  EXPECT_NE(metrics.find("hearth_provisioning_provisioned_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hearth_provisioning_wrong_codes_total 1"), std::string::npos);
}

TEST_F(ClaimE2E, RepeatedWrongCodesLockTheDeviceOut) {
  start_device();
  ASSERT_TRUE(wait_until([&] { return claim_state().value("state", "") == "waiting"; }, 20s));
  int status = 0;
  claim("AAAAAAAA", status);
  EXPECT_EQ(status, 422);
  claim("BBBBBBBB", status);
  EXPECT_EQ(status, 422);
  claim("CCCCCCCC", status);
  EXPECT_EQ(status, 429);
  claim("7K3QM9TZ", status);
  EXPECT_EQ(status, 429) << "the right code does not help while locked";
  EXPECT_EQ(claim_state().value("state", ""), "locked");
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("device.credentials")));
}

}  // namespace

#endif
