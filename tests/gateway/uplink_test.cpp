// The co-op uplink without a broker: its config rules, how PUBACK reason codes become outbox
// outcomes, and the transport's receipt protocol against a fake MQTT client.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <utility>  // before Asio (asio#944)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <fstream>

#include "gateway/alerting.h"
#include "gateway/config.h"
#include "gateway/store.h"
#include "gateway/uplink.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;
using namespace std::chrono_literals;

namespace {

// Records publishes; the test answers each with a PUBACK when it wants to.
class FakeMqttClient final : public MqttClient {
 public:
  struct Sent {
    std::string topic, payload;
    UserProperties properties;
    std::function<void(PublishResult)> done;
  };
  void start() override {}
  void stop() override {}
  void subscribe(const std::string& filter) override { subscriptions.push_back(filter); }
  void publish(const std::string&, const std::string&, int, bool) override {}
  void publish_confirmed(const std::string& topic, const std::string& payload, int, const UserProperties& props,
                         std::function<void(PublishResult)> done) override {
    sent.push_back(Sent{topic, payload, props, std::move(done)});
  }
  void set_message_handler(MessageHandler h) override { on_message = std::move(h); }
  void set_connection_handler(ConnectionHandler) override {}
  MqttStats stats() const override {
    MqttStats s;
    s.connected = true;
    return s;
  }
  std::vector<std::string> subscriptions;
  std::vector<Sent> sent;
  MessageHandler on_message;
};

UplinkConfig uplink_config() {
  UplinkConfig u;
  u.url = "mqtts://coop.example:8883";
  u.coop_id = "coop-a";
  u.gateway_id = "gw-a1";
  u.receipt_timeout = 1s;
  return u;
}

OutboxMessage alert_message(const std::string& id) {
  OutboxMessage m;
  m.seq = 7;
  m.channel = UPLINK_CHANNEL;
  m.message_id = id;
  m.payload = nlohmann::json{{"schema", 1}, {"type", "alert_event"}, {"message_id", id}}.dump();
  return m;
}

std::string receipt(const std::string& id, const std::string& status) {
  return nlohmann::json{{"schema", 1}, {"type", "receipt"}, {"message_id", id}, {"status", status}}.dump();
}

struct TransportTest : ::testing::Test {
  boost::asio::io_context io;
  FakeMqttClient client;
  UplinkStats stats;
  std::vector<DeliveryResult> results;
  std::function<void(DeliveryResult)> record() {
    return [this](DeliveryResult r) { results.push_back(std::move(r)); };
  }
};

}  // namespace

TEST(UplinkConfig, ParsesAndNamesTheTopics) {
  test::TempDir dir;
  std::ofstream(dir.file("pw")) << "s3cret-password\n";
  auto c = parse_config(
      "uplink:\n  url: mqtts://coop.example:8883\n  coop_id: coop-a\n  gateway_id: gw-a1\n"
      "  password_file: " +
          dir.file("pw") + "\n  ca_file: /etc/hearth/coop-ca.pem\n  receipt_timeout: 5s\n",
      "t.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->uplink.password, "s3cret-password");
  EXPECT_EQ(c->uplink.receipt_timeout, 5s);
  EXPECT_EQ(uplink_topic(c->uplink, "alert"), "hearth-uplink/v1/coop-a/gw-a1/alert");
  const MqttConfig m = uplink_mqtt_config(c->uplink);
  EXPECT_EQ(m.version, 5);
  EXPECT_TRUE(m.tls.enabled);
  EXPECT_TRUE(m.tls.verify);
  EXPECT_FALSE(m.clean_start);
  EXPECT_GT(m.session_expiry.count(), 0);
  EXPECT_EQ(m.username, "gw-a1");
  for (const auto& line : describe_config(*c)) EXPECT_EQ(line.find("s3cret"), std::string::npos) << line;
}

TEST(UplinkConfig, RefusesUnsafeOrIncompleteSettings) {
  test::TempDir dir;
  std::ofstream(dir.file("pw")) << "pw\n";
  const std::string pw = "  password_file: " + dir.file("pw") + "\n";
  const auto parse = [&](const std::string& body) { return parse_config("uplink:\n" + body, "t.yaml"); };
  const std::string ids = "  coop_id: coop-a\n  gateway_id: gw-a1\n";
  EXPECT_TRUE(parse("  url: mqtt://127.0.0.1:1883\n" + ids + pw)) << "plain MQTT to loopback is allowed";
  auto plain = parse("  url: mqtt://coop.example:1883\n" + ids + pw);
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("uplink.url"), std::string::npos) << plain.error().message;
  EXPECT_FALSE(parse("  url: mqtts://coop.example:8883\n" + ids)) << "password_file is required";
  EXPECT_FALSE(parse("  url: mqtts://coop.example:8883\n" + ids + pw + "  password: inline\n")) << "no inline password";
  EXPECT_FALSE(parse("  url: mqtts://coop.example:8883\n  coop_id: coop/a\n  gateway_id: gw-a1\n" + pw));
  EXPECT_FALSE(parse("  url: mqtts://coop.example:8883\n" + ids + pw + "  cert_file: /c.pem\n")) << "cert needs key";
  EXPECT_FALSE(parse("  url: mqtts://coop.example:8883\n" + ids + pw + "  topic_prefix: a/#\n"));
  EXPECT_FALSE(parse("  url: mqtts://coop.example:8883\n" + ids + pw + "  colour: blue\n")) << "unknown key";
}

TEST(Uplink, PubackReasonCodesBecomeOutboxOutcomes) {
  EXPECT_EQ(classify_puback({true, 0, ""}).kind, DeliveryResult::Kind::delivered);
  EXPECT_EQ(classify_puback({true, 0x10, ""}).kind, DeliveryResult::Kind::delivered) << "no subscribers yet";
  EXPECT_EQ(classify_puback({false, 0x87, ""}).kind, DeliveryResult::Kind::retry) << "ACL being fixed";
  EXPECT_EQ(classify_puback({false, 0x97, ""}).kind, DeliveryResult::Kind::retry) << "quota";
  EXPECT_EQ(classify_puback({false, 0, "not connected"}).kind, DeliveryResult::Kind::retry);
  EXPECT_EQ(classify_puback({false, 0x99, ""}).kind, DeliveryResult::Kind::rejected);
  EXPECT_EQ(classify_puback({false, 0x90, ""}).kind, DeliveryResult::Kind::rejected);
}

TEST_F(TransportTest, DeliveredOnlyWhenTheCoordinatorsReceiptArrives) {
  UplinkTransport t(io, client, uplink_config(), stats);
  t.send(alert_message("h/a/raised/1"), record());
  ASSERT_EQ(client.sent.size(), 1u);
  EXPECT_EQ(client.sent[0].topic, "hearth-uplink/v1/coop-a/gw-a1/alert");
  EXPECT_EQ(client.sent[0].properties, (UserProperties{{"message_id", "h/a/raised/1"}, {"seq", "7"}}));
  client.sent[0].done(PublishResult{true, 0, ""});
  EXPECT_TRUE(results.empty()) << "a PUBACK alone is not delivery";
  t.on_receipt(receipt("h/a/other/2", "stored"));
  EXPECT_TRUE(results.empty()) << "a receipt for another message settles nothing";
  t.on_receipt(receipt("h/a/raised/1", "duplicate"));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, DeliveryResult::Kind::delivered);
  t.on_receipt(receipt("h/a/raised/1", "stored"));
  EXPECT_EQ(results.size(), 1u) << "done is called once";
  EXPECT_EQ(stats.stale_receipts, 2u);
}

TEST_F(TransportTest, NoReceiptInTimeMeansSendAgain) {
  UplinkTransport t(io, client, uplink_config(), stats);
  t.send(alert_message("h/a/raised/1"), record());
  client.sent[0].done(PublishResult{true, 0, ""});
  io.run_for(3s);  // the 1 s receipt timeout fires (no timing is asserted, only the outcome)
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, DeliveryResult::Kind::retry);
  EXPECT_EQ(stats.receipt_timeouts, 1u);
  t.on_receipt(receipt("h/a/raised/1", "stored"));
  EXPECT_EQ(results.size(), 1u) << "a late receipt after the timeout changes nothing";
}

TEST_F(TransportTest, APubackLostWithTheConnectionDoesNotBlockTheOutbox) {
  UplinkTransport t(io, client, uplink_config(), stats);
  t.send(alert_message("h/a/raised/1"), record());
  io.run_for(3s);  // no PUBACK ever comes: the same deadline applies
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, DeliveryResult::Kind::retry);
  client.sent[0].done(PublishResult{true, 0, ""});  // a very late PUBACK changes nothing
  EXPECT_EQ(results.size(), 1u);
}

TEST_F(TransportTest, RefusedPublishesAndReceiptsAndUnknownTypes) {
  UplinkTransport t(io, client, uplink_config(), stats);
  t.send(alert_message("m1"), record());
  client.sent[0].done(PublishResult{false, 0x87, ""});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, DeliveryResult::Kind::retry);

  t.send(alert_message("m2"), record());
  client.sent[1].done(PublishResult{true, 0, ""});
  t.on_receipt(receipt("m2", "refused"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].kind, DeliveryResult::Kind::rejected);

  OutboxMessage raw = alert_message("m3");
  raw.payload = R"({"type":"raw_readings"})";
  t.send(raw, record());
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[2].kind, DeliveryResult::Kind::rejected) << "only alert events and summaries go up";
  EXPECT_EQ(client.sent.size(), 2u);

  t.on_receipt("not json");
  t.on_receipt(R"({"type":"receipt"})");
  EXPECT_EQ(results.size(), 3u);
}

TEST_F(TransportTest, WithoutReceiptsThePubackIsDelivery) {
  UplinkConfig c = uplink_config();
  c.require_receipt = false;
  UplinkTransport t(io, client, c, stats);
  t.send(alert_message("m1"), record());
  client.sent[0].done(PublishResult{true, 0, ""});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, DeliveryResult::Kind::delivered);
}

TEST(Uplink, DailySummaryMessageCarriesItsIdAndKind) {
  const auto m =
      daily_summary_message("flat-7", "energy", "2026-11-21", R"({"kwh":7.5})", core::from_epoch_ms(1'790'000'000'000));
  EXPECT_EQ(m.channel, UPLINK_CHANNEL);
  EXPECT_EQ(m.message_id, "flat-7/summary/energy/2026-11-21");
  const auto j = nlohmann::json::parse(m.payload);
  EXPECT_EQ(j["type"], "daily_summary");
  EXPECT_EQ(j["message_id"], m.message_id);
  EXPECT_EQ(j["summary"]["kwh"], 7.5);
}

namespace {

// A real store and alerting behind the uplink, with the fake MQTT client.
struct UplinkHome {
  explicit UplinkHome(ConsentConfig consent) {
    StoreConfig cfg;
    cfg.path = dir.file("h.db");
    store = std::move(*Store::open(cfg));
    registry.touch("z2m:kitchen/smoke", "z2m", core::from_epoch_ms(1'790'000'000'000));
    alerting =
        std::make_unique<Alerting>("flat-7", registry, *store, [](const std::string&, const std::string&, bool) {});
    auto fake = std::make_unique<FakeMqttClient>();
    client = fake.get();
    uplink = std::make_unique<Uplink>(io, uplink_config(), consent, "flat-7", *store, *alerting, std::move(fake));
  }
  std::int64_t pending() { return store->outbox_counts(UPLINK_CHANNEL)->pending; }

  test::TempDir dir;
  boost::asio::io_context io;
  std::unique_ptr<Store> store;
  DeviceRegistry registry;
  std::unique_ptr<Alerting> alerting;
  FakeMqttClient* client = nullptr;
  std::unique_ptr<Uplink> uplink;
};

}  // namespace

TEST(Uplink, DailySummariesOnlyWithConsent) {
  UplinkHome without(ConsentConfig{true, false});
  EXPECT_FALSE(without.uplink->enqueue_summary("energy", "2026-11-21", R"({"kwh":7.5})", core::now_ms()));
  ASSERT_TRUE(without.store->flush());
  EXPECT_EQ(without.pending(), 0);
  EXPECT_EQ(without.uplink->stats().summaries_refused_consent, 1u);

  UplinkHome with(ConsentConfig{true, true});
  EXPECT_TRUE(with.uplink->enqueue_summary("energy", "2026-11-21", R"({"kwh":7.5})", core::now_ms()));
  EXPECT_FALSE(with.uplink->enqueue_summary("readings", "2026-11-21", R"({})", core::now_ms())) << "raw: never";
  EXPECT_FALSE(with.uplink->enqueue_summary("energy", "yesterday", R"({})", core::now_ms()));
  EXPECT_FALSE(with.uplink->enqueue_summary("energy", "2026-11-22", "{broken", core::now_ms()));
  ASSERT_TRUE(with.store->flush());
  EXPECT_EQ(with.pending(), 1);
  const auto head = with.store->outbox_head(UPLINK_CHANNEL);
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->message_id, "flat-7/summary/energy/2026-11-21");
}

// The householder changes their mind on the setup page: the next summary follows the new choice,
// and what was already agreed to stays in the outbox.
TEST(Uplink, ConsentChangedLiveAppliesToTheNextSummary) {
  UplinkHome home(ConsentConfig{true, true});
  EXPECT_TRUE(home.uplink->enqueue_summary("energy", "2026-11-20", R"({"kwh":6.1})", core::now_ms()));
  home.uplink->set_consent(ConsentConfig{true, false});
  EXPECT_FALSE(home.uplink->enqueue_summary("energy", "2026-11-21", R"({"kwh":7.5})", core::now_ms()));
  ASSERT_TRUE(home.store->flush());
  EXPECT_EQ(home.pending(), 1) << "the summary agreed to before stays";
  home.uplink->set_consent(ConsentConfig{true, true});
  EXPECT_TRUE(home.uplink->enqueue_summary("energy", "2026-11-22", R"({"kwh":5.0})", core::now_ms()));
  ASSERT_TRUE(home.store->flush());
  EXPECT_EQ(home.pending(), 2);
}

TEST(Uplink, TheCoopsAcknowledgementIsAppliedAndAudited) {
  UplinkHome home(ConsentConfig{});
  EXPECT_EQ(home.client->subscriptions, (std::vector<std::string>{"hearth-uplink/v1/coop-a/gw-a1/receipt",
                                                                  "hearth-uplink/v1/coop-a/gw-a1/ack-in"}));
  const auto t = core::from_epoch_ms(1'790'000'000'000);
  home.alerting->on_reading(core::Reading{"z2m:kitchen/smoke", core::Metric::smoke, 1.0, t});
  ASSERT_EQ(home.alerting->open_alerts().size(), 1u);
  const std::string id = home.alerting->open_alerts()[0].id;
  const std::string topic = "hearth-uplink/v1/coop-a/gw-a1/ack-in";
  home.client->on_message(InboundMessage{topic, "not json", false, t});
  home.client->on_message(InboundMessage{topic, R"({"type":"ack","alert_id":"nope","by":"dora"})", false, t});
  home.client->on_message(InboundMessage{topic, R"({"type":"ack","alert_id":")" + id + R"("})", false, t});
  EXPECT_EQ(home.uplink->stats().acks_rejected, 3u);
  EXPECT_EQ(home.alerting->open_alerts()[0].acknowledged_by, "");
  home.client->on_message(
      InboundMessage{topic, R"({"type":"ack","alert_id":")" + id + R"(","by":"dora","note":"calling"})", false, t});
  EXPECT_EQ(home.uplink->stats().acks_applied, 1u);
  EXPECT_EQ(home.alerting->open_alerts()[0].acknowledged_by, "coop:dora");
  ASSERT_TRUE(home.store->flush());
  const auto audit = home.store->audit_log(10);
  ASSERT_TRUE(audit);
  bool found = false;
  for (const auto& row : *audit) {
    for (std::size_t i = 0; i + 2 < row.size(); ++i) {
      if (row[i] == "coop:dora" && row[i + 1] == "acknowledge_alert" && row[i + 2] == id) found = true;
    }
  }
  EXPECT_TRUE(found) << "the co-op's acknowledgement is in the audit log";
}
