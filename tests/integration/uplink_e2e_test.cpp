// End to end: hearthd -> the co-op's Mosquitto (TLS, password file, ACL; its CA and certificate
// made with the openssl CLI for each test) -> hearth-coordinator instances sharing the load. The
// broker goes down, hearthd is SIGKILLed, a coordinator is SIGKILLed; every alert event still ends
// up stored exactly once at the coordinator, in the gateway's order. Co-ops stay apart, and a
// coordinator's acknowledgement reaches the home's API. UplinkE2EOnPostgres runs the same with the
// coordinators sharing a PostgreSQL database (a private cluster started by the test) instead of
// one SQLite file.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/e2e_helpers.h"
#include "support/postgres_cluster.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* TOKEN = "uplink-token-0123456789abcdef0123456789";

std::string find_program(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/usr/local/bin/"}) {
    if (std::filesystem::exists(std::string(dir) + name)) return std::string(dir) + name;
  }
  return {};
}

class UplinkE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_MOSQUITTO();
    if (find_program("openssl").empty() || find_program("mosquitto_passwd").empty()) {
      if (running_in_ci()) FAIL() << "openssl and mosquitto_passwd are required in CI";
      GTEST_SKIP() << "openssl or mosquitto_passwd not installed";
    }
    std::filesystem::create_directories(coop_dir());
    std::filesystem::create_directories(home_dir());
    // Started as root, mosquitto drops to its own user: it must reach the brokers' folders.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::others_exec, std::filesystem::perm_options::add);
    if (postgres_) {
      start_postgres();
      if (IsSkipped() || HasFatalFailure()) return;
    }
    make_pki();
    make_users();
    home_ = std::make_unique<MosquittoBroker>(home_dir());
    ASSERT_TRUE(home_->start());
    coop_plain_port_ = free_port();
    tls_port_ = free_port();
    start_coop_broker();
    http_port_ = free_port();
    write_configs();
    devices_ = std::make_unique<mqtt::async_client>(home_->url(), "uplink-test-devices");
    devices_->connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const char* log : {"hearthd.log", "c1.log", "c2.log"})
        std::cerr << "---- " << log << " ----\n" << read_file(dir_.file(log)) << "---- end ----\n";
      std::cerr << "---- co-op broker ----\n" << read_file(coop_dir() + "/mosquitto.log") << "---- end ----\n";
    }
    if (devices_ && devices_->is_connected()) devices_->disconnect()->wait();
    hearthd_ = Process();
    c1_ = Process();
    c2_ = Process();
    if (coop_) coop_->stop();
    if (home_) home_->stop();
    pg_.reset();
  }

  void start_postgres() {
    HEARTH_REQUIRE_POSTGRESQL();
    pg_ = std::make_unique<PostgresCluster>(dir_.file("pg"));
    std::string error;
    ASSERT_TRUE(pg_->start(error)) << error;
    ASSERT_TRUE(pg_->create_database("coordinator", error)) << error;
  }

  std::string store_yaml() const {
    if (!postgres_) return "\nstore:\n  path: " + dir_.file("coordinator.db");
    return "\nstore:\n  backend: postgresql\n  conninfo: " + pg_->conninfo("coordinator") +
           "\n  password_file: " + pg_->password_file();
  }

  // One value from the coordinators' store (SQLite file or PostgreSQL database).
  std::string coordinator_scalar(const std::string& sqlite_sql, const std::string& postgres_sql = "") const {
    if (!postgres_) return db_scalar(dir_.file("coordinator.db"), sqlite_sql);
    return pg_->scalar("coordinator", postgres_sql.empty() ? sqlite_sql : postgres_sql);
  }

  std::string coop_dir() const { return dir_.file("coop"); }
  std::string home_dir() const { return dir_.file("home"); }
  std::string pki(const std::string& name) const { return coop_dir() + "/" + name; }
  std::string coop_url() const { return "mqtts://localhost:" + std::to_string(tls_port_); }

  static void run(const std::vector<std::string>& argv, const std::string& log) {
    Process p(argv, log);
    const auto status = p.wait(30s);
    ASSERT_TRUE(status.has_value() && *status == 0) << argv[0] << " failed:\n" << read_file(log);
  }

  // A throwaway CA and a server certificate for localhost / 127.0.0.1 (host name verification on).
  void make_pki() {
    const std::string openssl = find_program("openssl");
    const std::string log = dir_.file("openssl.log");
    std::ofstream(pki("ext.cnf")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    run({openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
         pki("ca.key"), "-out", pki("ca.crt"), "-days", "2", "-subj", "/CN=hearth-test-coop-ca"},
        log);
    run({openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
         pki("server.key"), "-out", pki("server.csr"), "-subj", "/CN=localhost"},
        log);
    run({openssl, "x509", "-req", "-in", pki("server.csr"), "-CA", pki("ca.crt"), "-CAkey", pki("ca.key"),
         "-CAcreateserial", "-out", pki("server.crt"), "-days", "2", "-extfile", pki("ext.cnf")},
        log);
  }

  // One broker user per gateway and one for the coordinators; the ACL confines each gateway to its
  // own home's topics (docs/uplink.md). "misconfigured" has a too-wide ACL, to test the coordinator's
  // own co-op check behind the broker's.
  void make_users() {
    const std::string passwd = find_program("mosquitto_passwd");
    bool first = true;
    for (const auto& [user, password] :
         std::vector<std::pair<std::string, std::string>>{{"gw-a1", "pw-gw-a1-0123456789"},
                                                          {"gw-b1", "pw-gw-b1-0123456789"},
                                                          {"coordinator", "pw-coordinator-0123456789"},
                                                          {"misconfigured", "pw-misconfigured-0123456789"}}) {
      std::vector<std::string> argv = {passwd, "-b"};
      if (first) argv.push_back("-c");
      argv.insert(argv.end(), {pki("passwd"), user, password});
      run(argv, dir_.file("passwd.log"));
      std::ofstream(dir_.file(user + ".pw")) << password << "\n";
      first = false;
    }
    std::ofstream(pki("acl")) << "user coordinator\n"
                              << "topic read hearth-uplink/v1/+/+/alert\n"
                              << "topic read hearth-uplink/v1/+/+/summary\n"
                              << "topic write hearth-uplink/v1/+/+/receipt\n"
                              << "topic write hearth-uplink/v1/+/+/ack-in\n"
                              << "topic write hearth-carer/v1/+/+/notify\n\n"
                              << "user misconfigured\n"
                              << "topic readwrite hearth-uplink/#\n";
    // Per-gateway entries, as the co-op's provisioning writes them (see docs/uplink.md).
    std::ofstream(pki("acl"), std::ios::app) << gateway_acl("coop-a", "gw-a1") << gateway_acl("coop-b", "gw-b1");
  }

  static std::string gateway_acl(const std::string& coop, const std::string& gw) {
    const std::string base = "hearth-uplink/v1/" + coop + "/" + gw + "/";
    return "\nuser " + gw + "\ntopic write " + base + "alert\ntopic write " + base + "summary\ntopic read " + base +
           "receipt\ntopic read " + base + "ack-in\n";
  }

  void start_coop_broker() {
    coop_ = std::make_unique<MosquittoBroker>(coop_dir(), coop_plain_port_);
    const std::string conf = "password_file " + pki("passwd") + "\nacl_file " + pki("acl") + "\nlistener " +
                             std::to_string(tls_port_) + " 127.0.0.1\ncafile " + pki("ca.crt") + "\ncertfile " +
                             pki("server.crt") + "\nkeyfile " + pki("server.key") + "\n";
    ASSERT_TRUE(coop_->start(conf, false));
    ASSERT_TRUE(wait_for_port(tls_port_, 5s));
  }

  void write_configs() {
    std::ofstream(dir_.file("hearth.yaml"))
        << "home_id: flat-7\nmqtt:\n  url: " << home_->url() << "\nstore:\n  path: " << dir_.file("hearth.db")
        << "\nhttp:\n  port: " << http_port_ << "\n  api_token: " << TOKEN << "\nuplink:\n  url: " << coop_url()
        << "\n  coop_id: coop-a\n  gateway_id: gw-a1\n  password_file: " << dir_.file("gw-a1.pw")
        << "\n  ca_file: " << pki("ca.crt") << "\n  receipt_timeout: 2s\n  retry_min: 200ms\n  retry_max: 2s\n";
    std::ofstream(dir_.file("coordinator.yaml"))
        << "mqtt:\n  url: " << coop_url()
        << "\n  username: coordinator\n  password_file: " << dir_.file("coordinator.pw")
        << "\n  ca_file: " << pki("ca.crt") << store_yaml()
        << "\ncoops:\n  coop-a:\n    gateways: [gw-a1]\n  coop-b:\n    gateways: [gw-b1]\n"
        << "escalation:\n  rotas:\n    gw-a1:\n      - {id: anna, name: Anna Jones, role: family, language: cy, "
           "ack_within: 10m}\n";
  }

  void start_hearthd() {
    hearthd_ = Process({HEARTHD_PATH, "--config", dir_.file("hearth.yaml")}, dir_.file("hearthd.log"));
    ASSERT_TRUE(wait_for_port(http_port_, 10s));
    ASSERT_TRUE(
        wait_until([&] { return api_get(http_port_, "/api/v1/health", TOKEN)["mqtt"]["connected"] == true; }, 15s));
  }

  Process start_coordinator(const std::string& instance) {
    Process p({COORDINATOR_PATH, "run", "--config", dir_.file("coordinator.yaml"), "--instance", instance},
              dir_.file(instance + ".log"));
    // Subscribed once its log says so (the broker drops messages while no instance is subscribed;
    // the gateway would resend them, but the tests should not depend on resends to begin).
    EXPECT_TRUE(wait_until(
        [&] { return read_file(dir_.file(instance + ".log")).find("connected to") != std::string::npos; }, 15s))
        << read_file(dir_.file(instance + ".log"));
    return p;
  }

  void raise(int room) {
    const std::string payload = R"({"battery":90,"smoke":true})";
    devices_->publish("zigbee2mqtt/room" + std::to_string(room) + "/smoke", payload.data(), payload.size(), 1, false)
        ->wait();
  }
  static std::string alert_id(int room) { return "smoke:z2m:room" + std::to_string(room) + "/smoke"; }

  // The uplink's message ids in the gateway's outbox order, and what the coordinator stored, in its order.
  std::string gateway_sequence() const {
    return db_scalar(dir_.file("hearth.db"),
                     "SELECT group_concat(message_id, '|') FROM (SELECT message_id FROM outbox WHERE channel = "
                     "'uplink' ORDER BY seq)");
  }
  std::string gateway_pending() const {
    return db_scalar(dir_.file("hearth.db"),
                     "SELECT count(*) FROM outbox WHERE channel = 'uplink' AND state = 'pending'");
  }
  std::string coordinator_sequence() const {
    return coordinator_scalar(
        "SELECT group_concat(message_id, '|') FROM (SELECT message_id FROM messages WHERE coop_id = "
        "'coop-a' AND home_id = 'gw-a1' AND kind = 'alert_event' ORDER BY id)",
        "SELECT string_agg(message_id, '|' ORDER BY id) FROM messages WHERE coop_id = 'coop-a' AND home_id = "
        "'gw-a1' AND kind = 'alert_event'");
  }
  int coordinator_count() const {
    const std::string n = coordinator_scalar("SELECT count(*) FROM messages");
    return n.empty() ? 0 : std::stoi(n);
  }

  // Every uplink message the gateway wrote is stored at the coordinator once, in the same order.
  void expect_everything_delivered_once_in_order(std::size_t at_least, std::chrono::seconds within) {
    const bool settled = wait_until(
        [&] {
          return gateway_pending() == "0" && !gateway_sequence().empty() &&
                 coordinator_sequence() == gateway_sequence();
        },
        within);
    EXPECT_TRUE(settled) << "gateway: " << gateway_sequence() << "\ncoordinator: " << coordinator_sequence()
                         << "\npending: " << gateway_pending();
    const std::string seq = coordinator_sequence();
    EXPECT_GE(static_cast<std::size_t>(std::count(seq.begin(), seq.end(), '|') + 1), at_least) << seq;
    const std::string dups = coordinator_scalar(
        "SELECT count(*) FROM (SELECT message_id FROM messages GROUP BY coop_id, home_id, message_id HAVING count(*) "
        "> 1) AS d");
    EXPECT_EQ(dups, "0");
  }

  // The c1-hangs-then-dies scenario, shared by the SQLite and PostgreSQL fixtures.
  void one_coordinator_killed_mid_stream() {
    c1_ = start_coordinator("c1");
    c2_ = start_coordinator("c2");
    start_hearthd();
    raise(1);
    ASSERT_TRUE(wait_until([&] { return coordinator_count() == 1; }, 20s));
    // c1 hangs (still connected, so the broker keeps handing it its share of the stream), then dies
    // with whatever it was handed: those messages are never stored or receipted by it.
    c1_.signal(SIGSTOP);
    for (int room = 2; room <= 8; ++room) raise(room);
    const auto timeouts = [&] {
      const auto m = http_get(http_port_, "/metrics", TOKEN);
      return m && m->body.find("hearth_uplink_receipt_timeouts_total 0") == std::string::npos;
    };
    ASSERT_TRUE(wait_until(timeouts, 20s)) << "a message went to the hung instance and had to be sent again";
    c1_.signal(SIGKILL);
    c1_ = Process();
    expect_everything_delivered_once_in_order(8, 45s);
    EXPECT_EQ(coordinator_count(), 8);
    // Eight alerts raised, Anna told of each exactly once, whichever instance did it.
    EXPECT_TRUE(wait_until(
        [&] {
          return coordinator_scalar("SELECT count(DISTINCT alert_id) FROM escalation_steps WHERE kind = 'notified'") ==
                 "8";
        },
        10s));
    EXPECT_EQ(coordinator_scalar("SELECT count(*) FROM escalation_steps WHERE kind = 'notified'"), "8");
  }

  bool postgres_ = false;  // set by UplinkE2EOnPostgres
  std::unique_ptr<PostgresCluster> pg_;
  TempDir dir_;
  std::unique_ptr<MosquittoBroker> home_;
  std::unique_ptr<MosquittoBroker> coop_;
  std::uint16_t coop_plain_port_ = 0;
  std::uint16_t tls_port_ = 0;
  std::uint16_t http_port_ = 0;
  std::unique_ptr<mqtt::async_client> devices_;
  Process hearthd_;
  Process c1_;
  Process c2_;
};

class UplinkE2EOnPostgres : public UplinkE2E {
 protected:
  UplinkE2EOnPostgres() { postgres_ = true; }
};

}  // namespace

TEST_F(UplinkE2E, BrokerDownWhileAlertsAreRaised) {
  c1_ = start_coordinator("c1");
  start_hearthd();
  raise(1);
  ASSERT_TRUE(wait_until([&] { return coordinator_count() == 1 && gateway_pending() == "0"; }, 20s))
      << "first alert stored and receipted";

  coop_->stop();  // the co-op's broker goes away; the home carries on
  for (int room = 2; room <= 4; ++room) raise(room);
  ASSERT_TRUE(wait_until([&] { return !api_alert(http_port_, TOKEN, alert_id(4)).is_null(); }, 10s));
  auto ack = http_request(http_port_, "POST", "/api/v1/alerts/" + alert_id(2) + "/ack", TOKEN,
                          R"({"by":"carer-anna","note":"on my way"})");
  ASSERT_TRUE(ack && ack->status == 200);
  ASSERT_TRUE(wait_until([&] { return gateway_pending() == "4"; }, 10s)) << gateway_pending();
  const auto metrics = http_get(http_port_, "/metrics", TOKEN);
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find("hearth_uplink_connected 0"), std::string::npos) << metrics->body;
  std::this_thread::sleep_for(3s);  // down for a while: hearthd keeps retrying, nothing is lost

  start_coop_broker();
  expect_everything_delivered_once_in_order(5, 40s);
  EXPECT_EQ(coordinator_count(), 5);
  const auto after = http_get(http_port_, "/metrics", TOKEN);
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(after->body.find("hearth_uplink_connected 1"), std::string::npos);
  EXPECT_NE(after->body.find(R"(hearth_outbox_messages{channel="uplink",state="delivered"} 5)"), std::string::npos)
      << after->body;
}

TEST_F(UplinkE2E, GatewayKilledWithMessagesPending) {
  start_hearthd();  // no coordinator yet: nothing can be receipted, so everything stays pending
  for (int room = 1; room <= 3; ++room) raise(room);
  ASSERT_TRUE(wait_until([&] { return gateway_pending() == "3"; }, 10s)) << gateway_pending();
  hearthd_.signal(SIGKILL);
  hearthd_ = Process();

  c1_ = start_coordinator("c1");
  start_hearthd();
  expect_everything_delivered_once_in_order(3, 30s);
  EXPECT_EQ(coordinator_count(), 3);
}

TEST_F(UplinkE2E, OneCoordinatorKilledMidStream) { one_coordinator_killed_mid_stream(); }

TEST_F(UplinkE2E, CoopsAreKeptApart) {
  c1_ = start_coordinator("c1");
  const auto client = [&](const std::string& user) {
    auto c = std::make_unique<mqtt::async_client>("ssl://localhost:" + std::to_string(tls_port_), "test-" + user,
                                                  mqtt::create_options(MQTTVERSION_5));
    mqtt::ssl_options ssl;
    ssl.set_trust_store(pki("ca.crt"));
    auto opts =
        mqtt::connect_options_builder()
            .mqtt_version(MQTTVERSION_5)
            .clean_start(true)
            .user_name(user)
            .password(read_file(dir_.file(user + ".pw")).substr(0, read_file(dir_.file(user + ".pw")).size() - 1))
            .ssl(ssl)
            .finalize();
    c->connect(opts)->wait();
    return c;
  };
  const json forged = {{"schema", 1},
                       {"type", "alert_event"},
                       {"message_id", "forged/1"},
                       {"home_id", "x"},
                       {"event", "raised"},
                       {"event_ms", 1'790'000'000'000},
                       {"alert",
                        {{"id", "smoke:x"},
                         {"rule", "smoke"},
                         {"severity", "emergency"},
                         {"state", "raised"},
                         {"raised_ms", 1'790'000'000'000}}}};
  const std::string payload = forged.dump();

  // Gateway gw-a1 (co-op A) publishing into co-op B's topics: the broker refuses (MQTT 5 PUBACK 0x87).
  auto gw = client("gw-a1");
  for (const std::string topic : {"hearth-uplink/v1/coop-b/gw-b1/alert", "hearth-uplink/v1/coop-b/gw-a1/alert"}) {
    auto tok = gw->publish(topic, payload.data(), payload.size(), 1, false);
    try {
      tok->wait();
      ADD_FAILURE() << "the broker accepted a publish to " << topic;
    } catch (const mqtt::exception& e) {
      EXPECT_EQ(e.get_reason_code(), 0x87) << topic << ": " << e.what();
    }
  }
  gw->disconnect()->wait();

  // With a broker ACL that is too wide, the coordinator still refuses: gw-a1 is not a co-op B gateway.
  auto wide = client("misconfigured");
  wide->publish("hearth-uplink/v1/coop-b/gw-a1/alert", payload.data(), payload.size(), 1, false)->wait();
  wide->publish("hearth-uplink/v1/coop-z/gw-a1/alert", payload.data(), payload.size(), 1, false)->wait();
  wide->disconnect()->wait();
  ASSERT_TRUE(
      wait_until([&] { return read_file(dir_.file("c1.log")).find("unknown_coop") != std::string::npos; }, 10s));
  EXPECT_NE(read_file(dir_.file("c1.log")).find("wrong_coop"), std::string::npos);
  EXPECT_EQ(coordinator_count(), 0);

  // The CLI keeps co-ops apart too: no acknowledging co-op A's home as co-op B.
  Process ack({COORDINATOR_PATH, "ack", "--config", dir_.file("coordinator.yaml"), "--coop", "coop-b", "--home",
               "gw-a1", "--alert", "smoke:x", "--by", "someone"},
              dir_.file("ack.log"));
  EXPECT_EQ(ack.wait(10s), 2);
}

TEST_F(UplinkE2E, CoordinatorAcknowledgementReachesTheHome) {
  c1_ = start_coordinator("c1");
  start_hearthd();
  raise(1);
  ASSERT_TRUE(wait_until([&] { return coordinator_count() == 1; }, 20s));
  ASSERT_TRUE(wait_until([&] { return api_alert(http_port_, TOKEN, alert_id(1))["state"] == "notified"; }, 10s))
      << "stored at the co-op counts as notified";

  run({COORDINATOR_PATH, "ack", "--config", dir_.file("coordinator.yaml"), "--coop", "coop-a", "--home", "gw-a1",
       "--alert", alert_id(1), "--by", "duty-coordinator", "--note", "calling now"},
      dir_.file("ack.log"));
  ASSERT_TRUE(wait_until(
      [&] { return api_alert(http_port_, TOKEN, alert_id(1))["acknowledged_by"] == "coop:duty-coordinator"; }, 15s))
      << api_alert(http_port_, TOKEN, alert_id(1)).dump();
  EXPECT_EQ(api_alert(http_port_, TOKEN, alert_id(1))["ack_note"], "calling now");
  EXPECT_TRUE(wait_until(
      [&] {
        return db_scalar(dir_.file("hearth.db"),
                         "SELECT count(*) FROM audit_log WHERE actor = 'coop:duty-coordinator' AND action = "
                         "'acknowledge_alert'") == "1";
      },
      10s));
  // The acknowledgement is an alert event too: it goes back up, and the co-op's report shows it.
  expect_everything_delivered_once_in_order(2, 20s);
  run({COORDINATOR_PATH, "report", "--config", dir_.file("coordinator.yaml"), "--coop", "coop-a"},
      dir_.file("report.log"));
  const std::string report = read_file(dir_.file("report.log"));
  EXPECT_NE(report.find(alert_id(1)), std::string::npos) << report;
  EXPECT_NE(report.find("coop:duty-coordinator"), std::string::npos) << report;
  EXPECT_NE(report.find("acknowledged"), std::string::npos) << report;

  // Escalation: Anna (first on the rota) was told, her app's broker took it, and the acknowledgement
  // stopped the escalation; each step with its time. One alert, acknowledged within 180 s.
  run({COORDINATOR_PATH, "report", "--config", dir_.file("coordinator.yaml"), "--coop", "coop-a", "--steps"},
      dir_.file("steps.log"));
  const std::string steps = read_file(dir_.file("steps.log"));
  EXPECT_NE(steps.find("notified\tAnna Jones\tfamily\tcy"), std::string::npos) << steps;
  EXPECT_NE(steps.find("delivered\tAnna Jones"), std::string::npos) << steps;
  EXPECT_NE(steps.find("acknowledged\tcoop:duty-coordinator"), std::string::npos) << steps;
  run({COORDINATOR_PATH, "report", "--config", dir_.file("coordinator.yaml"), "--coop", "coop-a", "--responses"},
      dir_.file("responses.log"));
  EXPECT_NE(read_file(dir_.file("responses.log")).find("1\t1\t"), std::string::npos)
      << read_file(dir_.file("responses.log"));
}

// Two hearth-coordinator instances sharing one PostgreSQL database (a private cluster on a free
// loopback port, password auth) behind the co-op's Mosquitto: one hangs and is killed mid-stream,
// every alert event is stored once, in order, and each first notification is sent once.
TEST_F(UplinkE2EOnPostgres, OneCoordinatorKilledMidStream) { one_coordinator_killed_mid_stream(); }

// The coordinator's acknowledgement (queued by the CLI in PostgreSQL, claimed by one instance)
// reaches the home, and the co-op's reports read the same database.
TEST_F(UplinkE2EOnPostgres, CoordinatorAcknowledgementReachesTheHome) {
  c1_ = start_coordinator("c1");
  c2_ = start_coordinator("c2");
  start_hearthd();
  raise(1);
  ASSERT_TRUE(wait_until([&] { return coordinator_count() == 1; }, 20s));
  run({COORDINATOR_PATH, "ack", "--config", dir_.file("coordinator.yaml"), "--coop", "coop-a", "--home", "gw-a1",
       "--alert", alert_id(1), "--by", "duty-coordinator", "--note", "calling now"},
      dir_.file("ack.log"));
  ASSERT_TRUE(wait_until(
      [&] { return api_alert(http_port_, TOKEN, alert_id(1))["acknowledged_by"] == "coop:duty-coordinator"; }, 15s))
      << api_alert(http_port_, TOKEN, alert_id(1)).dump();
  expect_everything_delivered_once_in_order(2, 20s);
  EXPECT_EQ(coordinator_scalar("SELECT count(*) FROM outgoing_acks WHERE state = 'sent'"), "1");
  run({COORDINATOR_PATH, "report", "--config", dir_.file("coordinator.yaml"), "--coop", "coop-a", "--steps"},
      dir_.file("steps.log"));
  const std::string steps = read_file(dir_.file("steps.log"));
  EXPECT_NE(steps.find("notified\tAnna Jones\tfamily\tcy"), std::string::npos) << steps;
  EXPECT_NE(steps.find("acknowledged\tcoop:duty-coordinator"), std::string::npos) << steps;
}
