// hearth-coordinator's HTTP API end to end: real Mosquitto, a running `hearth-coordinator run` with
// `http:` and accounts whose hashes come from `hearth-coordinator token`, real HTTP requests.
// Every endpoint answers 401 without a valid token, 404 for another co-op, 403 for a role's
// forbidden endpoint; an alert published over MQTT shows in the coordinator's homes; analysts get
// aggregates (JSON and CSV) with no home id.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Token {
  std::string token, hash;
};

Token make_token(TempDir& dir, const std::string& name) {
  Process p({COORDINATOR_PATH, "token", "--name", name}, dir.file(name + ".token"));
  EXPECT_EQ(p.wait(30s), 0);
  const std::string out = read_file(dir.file(name + ".token"));
  std::smatch m;
  Token t;
  if (std::regex_search(out, m, std::regex(R"(\): ([A-Za-z0-9_-]+\.[0-9a-f]{64})\n)"))) t.token = m[1];
  if (std::regex_search(out, m, std::regex(R"('(\$argon2id\$[^']+)')"))) t.hash = m[1];
  EXPECT_FALSE(t.token.empty() || t.hash.empty()) << out;
  return t;
}

}  // namespace

TEST(CoordinatorApiE2E, RolesAndCoopIsolationOverHttp) {
  HEARTH_REQUIRE_MOSQUITTO();
  TempDir dir;
  MosquittoBroker broker(dir.path().string());
  ASSERT_TRUE(broker.start());
  const auto coord_a = make_token(dir, "coord-a");
  const auto analyst_a = make_token(dir, "analyst-a");
  const auto coord_b = make_token(dir, "coord-b");
  const std::uint16_t http_port = free_port();
  std::ofstream(dir.file("pw")) << "pw\n";
  std::ofstream(dir.file("c.yaml")) << "mqtt:\n  url: " << broker.url()
                                    << "\n  username: c\n  password_file: " << dir.file("pw")
                                    << "\nstore:\n  path: " << dir.file("c.db")
                                    << "\ncoops:\n  coop-a:\n    gateways: [gw-a1, gw-a2]\n"
                                    << "  coop-b:\n    gateways: [gw-b1]\nhttp:\n  port: " << http_port
                                    << "\naccounts:\n"
                                    << "  - {name: coord-a, role: coordinator, coop: coop-a, token_hash: '"
                                    << coord_a.hash << "'}\n"
                                    << "  - {name: analyst-a, role: analyst, coop: coop-a, token_hash: '"
                                    << analyst_a.hash << "'}\n"
                                    << "  - {name: coord-b, role: coordinator, coop: coop-b, token_hash: '"
                                    << coord_b.hash << "'}\n";
  Process coordinator({COORDINATOR_PATH, "run", "--config", dir.file("c.yaml"), "--instance", "api"},
                      dir.file("coordinator.log"));
  ASSERT_TRUE(
      wait_until([&] { return read_file(dir.file("coordinator.log")).find("connected to") != std::string::npos; }, 15s))
      << read_file(dir.file("coordinator.log"));
  ASSERT_TRUE(wait_for_port(http_port, 5s));

  // An alert from gw-a1, over MQTT as a gateway sends it.
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const json alert{{"schema", 1},
                   {"type", "alert_event"},
                   {"message_id", "gw-a1/smoke/raised/1"},
                   {"home_id", "gw-a1"},
                   {"event", "raised"},
                   {"event_ms", now_ms},
                   {"alert",
                    {{"id", "smoke:z2m:kitchen/smoke"},
                     {"rule", "smoke"},
                     {"severity", "emergency"},
                     {"state", "raised"},
                     {"raised_ms", now_ms},
                     {"acknowledged_ms", nullptr},
                     {"acknowledged_by", ""},
                     {"resolved_ms", nullptr}}}};
  publish_once(broker.url(), "hearth-uplink/v1/coop-a/gw-a1/alert", alert.dump());
  ASSERT_TRUE(wait_until(
      [&] {
        const json homes = api_get(http_port, "/api/v1/coops/coop-a/homes", coord_a.token);
        return homes.contains("homes") && homes["homes"][0]["status"] == "alert";
      },
      15s))
      << read_file(dir.file("coordinator.log"));

  const std::string analytics = "/analytics?from=2026-01-01&to=2026-01-31&by=week";
  const std::vector<std::string> endpoints = {"/homes", "/alerts", "/alerts?home=gw-a1", analytics,
                                              analytics + "&format=csv"};
  for (const auto& e : endpoints) {
    const std::string a = "/api/v1/coops/coop-a" + e;
    const bool aggregates = e.rfind("/analytics", 0) == 0;
    EXPECT_EQ(http_get(http_port, a, "")->status, 401) << a;
    EXPECT_EQ(http_get(http_port, a, "coord-a.0123")->status, 401) << a;
    EXPECT_EQ(http_get(http_port, a, coord_a.token)->status, 200) << a;
    EXPECT_EQ(http_get(http_port, a, analyst_a.token)->status, aggregates ? 200 : 403) << a;
    EXPECT_EQ(http_get(http_port, a, coord_b.token)->status, 404) << a;  // another co-op
    EXPECT_EQ(http_get(http_port, "/api/v1/coops/coop-z" + e, coord_a.token)->status, 404) << e;
    if (aggregates) {
      const auto r = http_get(http_port, a, analyst_a.token);
      EXPECT_EQ(r->body.find("gw-"), std::string::npos) << r->body;
    }
  }
  EXPECT_EQ(http_get(http_port, "/api/v1/coops/coop-b/alerts?home=gw-a1", coord_b.token)->status, 404);
  const auto b = http_get(http_port, "/api/v1/coops/coop-b/homes", coord_b.token);
  ASSERT_EQ(b->status, 200);
  EXPECT_EQ(b->body.find("gw-a"), std::string::npos) << b->body;
  EXPECT_EQ(json::parse(b->body)["homes"][0]["status"], "ok");

  const auto csv = http_get(http_port, "/api/v1/coops/coop-a" + analytics + "&format=csv", analyst_a.token);
  EXPECT_EQ(csv->body.rfind("period,from,to,suppressed,", 0), 0u) << csv->body;
  const json report = api_get(http_port, "/api/v1/coops/coop-a" + analytics, analyst_a.token);
  ASSERT_EQ(report["periods"].size(), 5u) << report.dump();     // 2026-W01 .. 2026-W05
  EXPECT_TRUE(report["periods"][0]["suppressed"].get<bool>());  // two homes < k

  coordinator.stop(SIGTERM);
  const std::string log = read_file(dir.file("coordinator.log"));
  EXPECT_NE(log.find("audit: coord-a (coordinator) read homes of co-op coop-a"), std::string::npos) << log;
}
