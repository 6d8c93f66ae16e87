// Claiming hearth/v1 devices (gateway/provisioning.h): the code check and lockout, the broker
// account request, and the sealed credentials a device can open with its own key, and only it.
#include "gateway/provisioning.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "drivers/hearth_native_driver.h"
#include "hearth_fw.h"

using namespace hearth;
using namespace hearth::gateway;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

class RecordingMqtt final : public MqttClient {
 public:
  struct Sent {
    std::string topic, payload;
  };
  void start() override {}
  void stop() override {}
  void subscribe(const std::string&) override {}
  void publish(const std::string& topic, const std::string& payload, int, bool retain) override {
    EXPECT_FALSE(retain) << topic;  // neither account requests nor credentials may be retained
    sent.push_back({topic, payload});
  }
  void publish_confirmed(const std::string&, const std::string&, int, const UserProperties&,
                         std::function<void(PublishResult)>) override {}
  void set_message_handler(MessageHandler) override {}
  void set_connection_handler(ConnectionHandler) override {}
  MqttStats stats() const override { return {}; }
  std::vector<Sent> sent;
};

struct Keys {
  std::array<unsigned char, crypto_box_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_box_SECRETKEYBYTES> sk{};
  Keys() { crypto_box_keypair(pk.data(), sk.data()); }
  std::string public_hex() const {
    std::string hex(pk.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), pk.data(), pk.size());
    hex.pop_back();
    return hex;
  }
};

class ProvisioningTest : public ::testing::Test {
 protected:
  ProvisioningTest() { EXPECT_GE(sodium_init(), 0); }

  void device_asks(const std::string& id, const std::string& code, const Keys& keys) {
    const std::string topic = "hearth/v1/" + id + "/claim";
    const std::string payload = R"({"minor":0,"model":"Hearth Plug 1","firmware":"1.4.2","code":")" + code +
                                R"(","key":")" + keys.public_hex() + R"("})";
    driver.decode(drivers::Message{topic, payload, false, now});
  }

  std::unique_ptr<Provisioner> make(ProvisioningConfig::Accounts accounts) {
    ProvisioningConfig c;
    c.accounts = accounts;
    c.broker_timeout = 10s;
    c.wrong_codes_before_lockout = 3;
    c.lockout = 15min;
    return std::make_unique<Provisioner>(c, driver, mqtt, [this] { return now; });
  }

  // What a device does with the provision message: hfw_decode_provision, open, hfw_decode_credentials.
  static std::optional<hfw_credentials> open(const std::string& payload, const Keys& keys) {
    std::array<std::uint8_t, HFW_MAX_SEALED> sealed{}, plain{};
    std::size_t n = 0;
    if (hfw_decode_provision(payload.data(), payload.size(), sealed.data(), sealed.size(), &n) != HFW_OK)
      return std::nullopt;
    if (crypto_box_seal_open(plain.data(), sealed.data(), n, keys.pk.data(), keys.sk.data()) != 0) return std::nullopt;
    hfw_credentials c{};
    if (hfw_decode_credentials(plain.data(), n - crypto_box_SEALBYTES, &c) != HFW_OK) return std::nullopt;
    return c;
  }

  std::string dynsec_answer(const json& commands, const std::string& error_on = "") const {
    json responses = json::array();
    for (const auto& c : commands["commands"]) {
      json r{{"command", c["command"]}, {"correlationData", c["correlationData"]}};
      if (c["command"] == "deleteClient") r["error"] = "Client not found";  // a first claim
      if (c["command"] == error_on) r["error"] = "Internal error";
      responses.push_back(r);
    }
    return json{{"responses", responses}}.dump();
  }

  core::TimePoint now = core::TimePoint{} + 1'800'000'000'000ms;
  drivers::HearthNativeDriver driver;
  RecordingMqtt mqtt;
};

TEST_F(ProvisioningTest, DynsecAccountThenSealedCredentialsOnlyTheDeviceCanOpen) {
  Keys keys, other;
  device_asks("plug-7", "7K3QM9TZ", keys);
  auto p = make(ProvisioningConfig::Accounts::dynsec);
  ASSERT_EQ(p->subscriptions(), std::vector<std::string>{"$CONTROL/dynamic-security/v1/response"});
  ASSERT_EQ(p->claims().size(), 1u);
  EXPECT_EQ(p->claims()[0].state, "waiting");

  // Typed as a person would: lower case, a dash, O for 0 is not in this code but the dash is.
  const auto r = p->claim("hearth:plug-7", "7k3q-m9tz");
  ASSERT_EQ(r.outcome, ClaimOutcome::started) << r.message;
  ASSERT_EQ(mqtt.sent.size(), 1u);
  EXPECT_EQ(mqtt.sent[0].topic, "$CONTROL/dynamic-security/v1");
  const json commands = json::parse(mqtt.sent[0].payload);
  ASSERT_EQ(commands["commands"].size(), 4u);
  const json& create = commands["commands"][3];
  EXPECT_EQ(create["command"], "createClient");
  EXPECT_EQ(create["username"], "plug-7");
  EXPECT_EQ(create["clientid"], "plug-7");
  const std::string password = create["password"];
  EXPECT_GE(password.size(), 32u);
  // Least privilege: only its own topics, nothing under another device.
  for (const auto& acl : commands["commands"][2]["acls"])
    EXPECT_EQ(acl["topic"].get<std::string>().rfind("hearth/v1/plug-7/", 0), 0u) << acl.dump();
  EXPECT_EQ(p->claims()[0].state, "provisioning");
  EXPECT_EQ(p->claim("hearth:plug-7", "7K3QM9TZ").outcome, ClaimOutcome::busy);

  EXPECT_TRUE(p->on_message({"$CONTROL/dynamic-security/v1/response", dynsec_answer(commands), false, now}));
  ASSERT_EQ(mqtt.sent.size(), 2u);
  EXPECT_EQ(mqtt.sent[1].topic, "hearth/v1/plug-7/provision");
  EXPECT_EQ(mqtt.sent[1].payload.find(password), std::string::npos) << "the password travels sealed";
  const auto creds = open(mqtt.sent[1].payload, keys);
  ASSERT_TRUE(creds);
  EXPECT_STREQ(creds->username, "plug-7");
  EXPECT_EQ(std::string{creds->password}, password);
  EXPECT_FALSE(open(mqtt.sent[1].payload, other)) << "another device's key cannot open it";

  EXPECT_TRUE(driver.pending_claims().empty());
  ASSERT_EQ(p->claims().size(), 1u);
  EXPECT_EQ(p->claims()[0].state, "sent");
  EXPECT_EQ(p->stats().provisioned, 1u);
}

TEST_F(ProvisioningTest, WrongCodesLockTheDeviceOutForAWhile) {
  Keys keys;
  device_asks("plug-7", "7K3QM9TZ", keys);
  auto p = make(ProvisioningConfig::Accounts::dynsec);
  EXPECT_EQ(p->claim("hearth:plug-7", "7K3QM9TA").outcome, ClaimOutcome::wrong_code);
  EXPECT_EQ(p->claim("hearth:plug-7", "nonsense").outcome, ClaimOutcome::wrong_code);
  const auto third = p->claim("hearth:plug-7", "00000000");
  EXPECT_EQ(third.outcome, ClaimOutcome::locked);
  EXPECT_EQ(third.retry_after, 15min);
  // Locked: even the right code is refused, and nothing reaches the broker.
  EXPECT_EQ(p->claim("hearth:plug-7", "7K3QM9TZ").outcome, ClaimOutcome::locked);
  EXPECT_TRUE(mqtt.sent.empty());
  EXPECT_EQ(p->claims()[0].state, "locked");
  now += 15min + 1s;
  EXPECT_EQ(p->claim("hearth:plug-7", "7K3QM9TZ").outcome, ClaimOutcome::started);
  EXPECT_EQ(p->stats().wrong_codes, 3u);
  EXPECT_EQ(p->stats().lockouts, 1u);
}

TEST_F(ProvisioningTest, UnknownDevicesAndAnUnconfiguredGatewayAreRefused) {
  Keys keys;
  device_asks("plug-7", "7K3QM9TZ", keys);
  auto off = make(ProvisioningConfig::Accounts::off);
  EXPECT_EQ(off->claim("hearth:plug-8", "7K3QM9TZ").outcome, ClaimOutcome::unknown_device);
  EXPECT_EQ(off->claim("tasmota:plug-7", "7K3QM9TZ").outcome, ClaimOutcome::unknown_device);
  EXPECT_EQ(off->claim("hearth:plug-7", "7K3QM9TZ").outcome, ClaimOutcome::not_configured);
  EXPECT_TRUE(off->subscriptions().empty());
  EXPECT_TRUE(mqtt.sent.empty());
}

TEST_F(ProvisioningTest, BrokerRefusalOrSilenceFailsTheClaimWhichCanBeRetried) {
  Keys keys;
  device_asks("plug-7", "7K3QM9TZ", keys);
  auto p = make(ProvisioningConfig::Accounts::dynsec);
  ASSERT_EQ(p->claim("hearth:plug-7", "7K3QM9TZ").outcome, ClaimOutcome::started);
  const json commands = json::parse(mqtt.sent[0].payload);
  // Someone else's answer (an installer's mosquitto_ctrl) is not ours.
  EXPECT_TRUE(p->on_message({"$CONTROL/dynamic-security/v1/response",
                             R"({"responses":[{"command":"listClients","correlationData":"x"}]})", false, now}));
  EXPECT_TRUE(p->on_message({"$CONTROL/dynamic-security/v1/response", "not json", false, now}));
  EXPECT_EQ(p->stats().bad_broker_answers, 1u);
  EXPECT_EQ(p->claims()[0].state, "provisioning");
  EXPECT_TRUE(
      p->on_message({"$CONTROL/dynamic-security/v1/response", dynsec_answer(commands, "createClient"), false, now}));
  EXPECT_EQ(mqtt.sent.size(), 1u) << "no credentials for an account that was not made";
  EXPECT_EQ(p->claims()[0].state, "failed");
  EXPECT_NE(p->claims()[0].error.find("createClient"), std::string::npos);

  ASSERT_EQ(p->claim("hearth:plug-7", "7K3QM9TZ").outcome, ClaimOutcome::started);
  now += 11s;
  p->tick();
  EXPECT_EQ(p->claims()[0].state, "failed");
  EXPECT_EQ(p->stats().broker_failures, 2u);
  EXPECT_FALSE(p->on_message({"hearth/v1/plug-7/reading", "{}", false, now})) << "not the broker's answer";
}

TEST_F(ProvisioningTest, BrokerWithoutAccountsGetsTheCredentialsAtOnce) {
  Keys keys;
  device_asks("sensor-2", "ABCDEFGH", keys);
  auto p = make(ProvisioningConfig::Accounts::none);
  ASSERT_EQ(p->claim("hearth:sensor-2", "abcdefgh").outcome, ClaimOutcome::started);
  ASSERT_EQ(mqtt.sent.size(), 1u);
  EXPECT_EQ(mqtt.sent[0].topic, "hearth/v1/sensor-2/provision");
  const auto creds = open(mqtt.sent[0].payload, keys);
  ASSERT_TRUE(creds);
  EXPECT_STREQ(creds->username, "sensor-2");
}

TEST(ProvisionMessage, FirmwareDecoderRefusesWhatIsNotTheContract) {
  std::array<std::uint8_t, HFW_MAX_SEALED> out{};
  std::size_t n = 0;
  const std::string hex(2 * 60, 'a');
  const auto decode = [&](const std::string& s) {
    return hfw_decode_provision(s.data(), s.size(), out.data(), out.size(), &n);
  };
  EXPECT_EQ(decode(R"({"minor":0,"sealed":")" + hex + "\"}"), HFW_OK);
  EXPECT_EQ(n, 60u);
  EXPECT_EQ(decode(R"({"minor":0})"), HFW_ERR_MISSING);
  EXPECT_EQ(decode(R"({"minor":0,"sealed":"abc"})"), HFW_ERR_SYNTAX) << "odd hex";
  EXPECT_EQ(decode(R"({"minor":0,"sealed":"AB"})"), HFW_ERR_SYNTAX) << "upper-case hex";
  EXPECT_EQ(decode(R"({"minor":0,"sealed":"abab"})"), HFW_ERR_INVALID) << "shorter than the seal itself";
  EXPECT_EQ(decode(R"({"minor":0,"sealed":")" + std::string(2 * 300, 'b') + "\"}"), HFW_ERR_OVERFLOW);
  EXPECT_EQ(decode(R"({"minor":0,"sealed":")" + hex + R"(","extra":1})"), HFW_ERR_UNEXPECTED);
  EXPECT_EQ(decode(R"({"minor":0,"sealed":")" + hex + R"(","sealed":")" + hex + "\"}"), HFW_ERR_UNEXPECTED);

  hfw_credentials c{};
  const auto creds = [&](const std::string& s) {
    return hfw_decode_credentials(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), &c);
  };
  EXPECT_EQ(creds(R"({"username":"plug-7","password":"abcdefghijklmnop_-12"})"), HFW_OK);
  EXPECT_EQ(creds(R"({"username":"Plug 7","password":"abcdefghijklmnop"})"), HFW_ERR_INVALID);
  EXPECT_EQ(creds(R"({"username":"plug-7","password":"short"})"), HFW_ERR_INVALID);
  EXPECT_STREQ(c.password, "") << "nothing half-decoded is left behind";
  EXPECT_EQ(creds(R"({"username":"plug-7"})"), HFW_ERR_MISSING);
}

}  // namespace
