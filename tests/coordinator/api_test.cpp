// The coordinator's HTTP API without sockets (coordinator/api.h): bearer tokens (argon2id), roles,
// and tenant isolation on every endpoint: an account of co-op B gets 404 for every co-op A path,
// exactly as for a co-op that does not exist; analysts get 403 for homes and alerts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "coordinator/api.h"
#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/ingest.h"
#include "rules/energy_summary.h"
#include "rules/energy_time.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::coordinator;
using dashboard::HttpRequest;
using dashboard::HttpResponse;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;

struct Account {
  std::string name, role, coop, token;
};

struct ApiTest : ::testing::Test {
  void SetUp() override {
    std::ofstream(dir.file("pw")) << "pw\n";
    std::string yaml = "mqtt:\n  url: mqtts://b.example:8883\n  username: c\n  password_file: " + dir.file("pw") +
                       "\nstore:\n  path: " + dir.file("c.db") +
                       "\ncoops:\n  coop-a:\n    gateways: [gw-a1, gw-a2, gw-a3, gw-a4, gw-a5]\n"
                       "  coop-b:\n    gateways: [gw-b1, gw-b2, gw-b3, gw-b4, gw-b5]\n"
                       "http:\n  port: 0\naccounts:\n";
    for (auto& a : accounts) {
      auto t = make_api_token(a.name, 1, 8192);  // lowest argon2id cost: tests only
      ASSERT_TRUE(t) << t.error().message;
      a.token = t->token;
      yaml += "  - {name: " + a.name + ", role: " + a.role + ", coop: " + a.coop + ", token_hash: '" + t->hash + "'}\n";
    }
    auto c = parse_coordinator_config(yaml, "c.yaml");
    ASSERT_TRUE(c) << c.error().message;
    config = *c;
    auto s = open_coordinator_store(config.store);
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
    Ingest ingest(config, *store);
    // An alert and five homes' energy summaries in each co-op.
    for (const std::string coop : {"coop-a", "coop-b"}) {
      const std::string g = coop == "coop-a" ? "gw-a" : "gw-b";
      const json alert{{"schema", 1},
                       {"type", "alert_event"},
                       {"message_id", g + "1/smoke/raised"},
                       {"home_id", g + "1"},
                       {"event", "raised"},
                       {"event_ms", T0},
                       {"alert",
                        {{"id", "smoke:" + coop + "-secret"},
                         {"rule", "smoke"},
                         {"severity", "emergency"},
                         {"state", "raised"},
                         {"raised_ms", T0},
                         {"acknowledged_ms", nullptr},
                         {"acknowledged_by", ""},
                         {"resolved_ms", nullptr}}}};
      ASSERT_EQ(ingest.on_message("hearth-uplink/v1/" + coop + "/" + g + "1/alert", alert.dump(), T0).kind,
                IngestResult::Kind::stored);
      for (int i = 1; i <= 5; ++i) {
        rules::energy::DailySummary day;
        day.day = *rules::energy::parse_day("2026-01-01");
        day.date = "2026-01-01";
        day.electricity.measured = coop == "coop-a" ? 1.0 : 100.0;
        day.coverage = 1.0;
        const std::string gw = g + std::to_string(i);
        const json envelope{{"schema", 1},
                            {"type", "daily_summary"},
                            {"message_id", gw + "/summary/energy/2026-01-01"},
                            {"home_id", gw},
                            {"kind", "energy"},
                            {"day", "2026-01-01"},
                            {"summary", json::parse(rules::energy::daily_summary_to_json(day))}};
        const std::int64_t received_ms = (day.day + 1) * std::int64_t{86'400'000};  // the next morning
        ASSERT_EQ(
            ingest.on_message("hearth-uplink/v1/" + coop + "/" + gw + "/summary", envelope.dump(), received_ms).kind,
            IngestResult::Kind::stored);
      }
    }
    api = std::make_unique<CoordinatorApi>(config, *store);
  }

  HttpResponse get(const std::string& target, const std::string& token, const std::string& address = "10.0.0.1",
                   const std::string& method = "GET") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    auto parsed = dashboard::parse_target(target);
    EXPECT_TRUE(parsed);
    req.path = parsed->path;
    req.query = parsed->query;
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    req.remote_address = address;
    return api->handle(req);
  }
  const Account& account(const std::string& name) const {
    return *std::find_if(accounts.begin(), accounts.end(), [&](const Account& a) { return a.name == name; });
  }

  test::TempDir dir;
  std::vector<Account> accounts = {{"coord-a", "coordinator", "coop-a", ""},
                                   {"analyst-a", "analyst", "coop-a", ""},
                                   {"coord-b", "coordinator", "coop-b", ""},
                                   {"analyst-b", "analyst", "coop-b", ""}};
  CoordinatorConfig config;
  std::unique_ptr<CoordinatorStore> store;
  std::unique_ptr<CoordinatorApi> api;
};

// Every endpoint under a co-op, with the role that may use it.
const std::vector<std::pair<std::string, std::string>> ENDPOINTS = {
    {"/homes", "coordinator"},
    {"/alerts", "coordinator"},
    {"/alerts?home=gw-a1", "coordinator"},
    {"/steps", "coordinator"},
    {"/steps?home=gw-a1", "coordinator"},
    {"/responses", "coordinator"},
    {"/analytics?from=2026-01-01&to=2026-01-01", "both"},
    {"/analytics?from=2026-01-01&to=2026-01-31&by=week&format=csv", "both"},
};

}  // namespace

TEST_F(ApiTest, EveryEndpointNeedsAValidToken) {
  int n = 0;
  for (const auto& [path, role] : ENDPOINTS) {
    const std::string target = "/api/v1/coops/coop-a" + path;
    const std::string from = "10.0.1." + std::to_string(++n);  // below the per-address throttle
    EXPECT_EQ(get(target, "", from).status, 401) << target;
    EXPECT_EQ(get(target, "coord-a.0000", from).status, 401) << target;
    EXPECT_EQ(get(target, account("coord-a").token + "x", from).status, 401) << target;
    // Another account's name with coord-a's secret.
    EXPECT_EQ(get(target, account("coord-b").token.substr(0, 7) + account("coord-a").token.substr(7), from).status,
              401);
    const auto r = get(target, "");
    EXPECT_EQ(r.body.find("coop"), std::string::npos);
  }
  EXPECT_EQ(get("/api/v1/whoami", "").status, 401);
}

TEST_F(ApiTest, EachRoleSeesItsOwnCoopOnly) {
  for (const auto& [path, role] : ENDPOINTS) {
    for (const auto& a : accounts) {
      for (const std::string coop : {"coop-a", "coop-b", "coop-z"}) {
        const std::string target = "/api/v1/coops/" + coop + path;
        const auto r = get(target, a.token);
        int expected = 200;
        if (coop != a.coop) {
          expected = 404;  // another co-op and no co-op look the same
        } else if (role == "coordinator" && a.role != "coordinator") {
          expected = 403;
        } else if (path.find("home=gw-a1") != std::string::npos && coop != "coop-a") {
          expected = 404;  // a home of another co-op under one's own co-op
        }
        EXPECT_EQ(r.status, expected) << a.name << " " << target << " " << r.body;
        if (r.status != 200) continue;
        // Nothing of the other co-op in any answer.
        const std::string other = a.coop == "coop-a" ? "b" : "a";
        EXPECT_EQ(r.body.find("gw-" + other), std::string::npos) << r.body;
        EXPECT_EQ(r.body.find("coop-" + other), std::string::npos) << r.body;
        if (a.role == "analyst") {
          EXPECT_EQ(r.body.find("gw-"), std::string::npos) << "an analyst saw a home id: " << r.body;
          EXPECT_EQ(r.body.find("secret"), std::string::npos);
        }
      }
    }
  }
}

TEST_F(ApiTest, CoordinatorsSeeTheirHomesAndAlerts) {
  auto r = get("/api/v1/coops/coop-a/homes", account("coord-a").token);
  ASSERT_EQ(r.status, 200);
  const json homes = json::parse(r.body)["homes"];
  ASSERT_EQ(homes.size(), 5u);
  EXPECT_EQ(homes[0]["home"], "gw-a1");
  EXPECT_EQ(homes[0]["status"], "alert");
  EXPECT_EQ(homes[0]["latest_alert"]["alert_id"], "smoke:coop-a-secret");
  EXPECT_EQ(homes[1]["status"], "ok");
  r = get("/api/v1/coops/coop-a/alerts?home=gw-a2", account("coord-a").token);
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(json::parse(r.body)["alerts"].empty());
  r = get("/api/v1/whoami", account("analyst-b").token);
  EXPECT_EQ(json::parse(r.body), (json{{"name", "analyst-b"}, {"role", "analyst"}, {"coop", "coop-b"}}));
}

TEST_F(ApiTest, CoordinatorsSeeEscalationStepsAndResponseShares) {
  EscalationStep s;
  s.coop_id = "coop-a";
  s.home_id = "gw-a1";
  s.alert_id = "smoke:coop-a-secret";
  s.kind = "attended";
  s.person_id = "ben";
  s.person_name = "Ben Evans";
  s.at_ms = T0 + 20 * 60'000;  // 20 minutes after it was raised
  s.channel = "api";
  s.note = "with her now";
  auto recorded = store->record_attended(s);
  ASSERT_TRUE(recorded && *recorded) << (recorded ? "no such alert" : recorded.error().message);

  auto r = get("/api/v1/coops/coop-a/steps?home=gw-a1", account("coord-a").token);
  ASSERT_EQ(r.status, 200) << r.body;
  const json steps = json::parse(r.body)["steps"];
  const auto attended = std::find_if(steps.begin(), steps.end(), [](const json& j) { return j["kind"] == "attended"; });
  ASSERT_NE(attended, steps.end()) << steps.dump();
  EXPECT_EQ((*attended)["person_name"], "Ben Evans");
  EXPECT_EQ((*attended)["note"], "with her now");
  EXPECT_EQ((*attended)["at_ms"], T0 + 20 * 60'000);
  r = get("/api/v1/coops/coop-a/steps?home=gw-a1&alert=another", account("coord-a").token);
  EXPECT_TRUE(json::parse(r.body)["steps"].empty());
  EXPECT_EQ(get("/api/v1/coops/coop-a/steps?home=gw-b1", account("coord-a").token).status, 404)
      << "another co-op's home";

  r = get("/api/v1/coops/coop-a/responses", account("coord-a").token);
  ASSERT_EQ(r.status, 200) << r.body;
  const json resp = json::parse(r.body);
  EXPECT_EQ(resp["alerts"], 1);
  EXPECT_EQ(resp["acknowledged"], 0);
  EXPECT_EQ(resp["attended"], 1);
  ASSERT_EQ(resp["attended_within"].size(), 2u);  // the defaults: 30 and 45 minutes
  EXPECT_EQ(resp["attended_within"][0], (json{{"minutes", 30}, {"alerts", 1}}));
  // Co-op B sees none of it.
  r = get("/api/v1/coops/coop-b/steps", account("coord-b").token);
  EXPECT_EQ(r.body.find("Ben Evans"), std::string::npos);
}

TEST_F(ApiTest, AnalyticsAsJsonAndCsv) {
  auto r = get("/api/v1/coops/coop-b/analytics?from=2026-01-01&to=2026-01-02", account("analyst-b").token);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  EXPECT_EQ(j["k"], 5);
  EXPECT_EQ(j["periods"][0]["homes"], 5);
  EXPECT_DOUBLE_EQ(j["periods"][0]["electricity_kwh"].get<double>(), 500.0);  // co-op b's own 5 x 100 kWh
  EXPECT_TRUE(j["periods"][1]["suppressed"].get<bool>());
  r = get("/api/v1/coops/coop-b/analytics?from=2026-01-01&to=2026-01-02&format=csv", account("analyst-b").token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(r.body.rfind("period,from,to,suppressed,", 0), 0u);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 3);
  bool attachment = false;
  for (const auto& [name, value] : r.headers) attachment |= name == "Content-Disposition";
  EXPECT_TRUE(attachment);
}

TEST_F(ApiTest, BadParametersAre400) {
  const std::string t = account("analyst-a").token;
  for (const std::string q :
       {"", "?from=2026-01-01", "?to=2026-01-01", "?from=2026-13-01&to=2026-01-01", "?from=2026-01-02&to=2026-01-01",
        "?from=2026-01-01&to=2026-01-01&by=year", "?from=2026-01-01&to=2026-01-01&format=xml",
        "?from=2000-01-01&to=2026-01-01", "?from=yesterday&to=today"}) {
    const auto r = get("/api/v1/coops/coop-a/analytics" + q, t);
    EXPECT_EQ(r.status, 400) << q << " " << r.body;
    EXPECT_TRUE(json::parse(r.body).contains("error"));
  }
  EXPECT_EQ(get("/api/v1/coops/coop-a/analytics?from=2026-01-01&to=2026-01-01", t, "10.0.0.1", "POST").status, 405);
  EXPECT_EQ(get("/api/v1/coops/coop-a/nothing", t).status, 404);
  EXPECT_EQ(get("/api/v1/coops/coop-a", t).status, 404);
  EXPECT_EQ(get("/api/v1/coops/coop-a/homes/extra", account("coord-a").token).status, 404);
}

TEST_F(ApiTest, RepeatedFailuresFromOneAddressAreThrottled) {
  for (int i = 0; i < 10; ++i) EXPECT_EQ(get("/api/v1/whoami", "coord-a.wrong", "10.9.9.9").status, 401);
  EXPECT_EQ(get("/api/v1/whoami", "coord-a.wrong", "10.9.9.9").status, 429);
  EXPECT_EQ(get("/api/v1/whoami", account("coord-a").token, "10.9.9.9").status, 429);  // not even tried
  EXPECT_EQ(get("/api/v1/whoami", account("coord-a").token, "10.9.9.8").status, 200);  // other addresses unaffected
  EXPECT_EQ(api->stats().throttled, 2u);
}

TEST(CoordinatorConfigApi, AnalyticsHttpAndAccountsAreStrict) {
  test::TempDir dir;
  std::ofstream(dir.file("pw")) << "pw\n";
  const std::string base = "mqtt:\n  url: mqtts://b.example:8883\n  username: c\n  password_file: " + dir.file("pw") +
                           "\nstore:\n  path: " + dir.file("c.db") + "\ncoops:\n  coop-a:\n    gateways: [gw-a1]\n";
  const std::string account = "accounts:\n  - {name: x, role: analyst, coop: coop-a, token_hash: '$argon2id$v=19$m'}\n";
  auto ok = parse_coordinator_config(
      base + "analytics:\n  k: 7\n  kit_cost_pence: 9000\nhttp:\n  port: 8091\n" + account, "c.yaml");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->analytics.k, 7);
  EXPECT_EQ(ok->analytics.kit_cost_pence, 9000);
  EXPECT_TRUE(ok->http.enabled);
  EXPECT_EQ(ok->accounts.size(), 1u);
  const auto fails = [&](const std::string& text, const std::string& key) {
    auto r = parse_coordinator_config(base + text, "c.yaml");
    if (r) return ::testing::AssertionFailure() << "accepted: " << text;
    if (r.error().message.find(key) == std::string::npos)
      return ::testing::AssertionFailure() << "message does not name " << key << ": " << r.error().message;
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(fails("analytics:\n  k: 1\n", "analytics.k"));
  EXPECT_TRUE(fails("analytics:\n  kk: 5\n", "analytics.kk"));
  EXPECT_TRUE(fails("http:\n  address: 0.0.0.0\n" + account, "http.address"));
  EXPECT_TRUE(fails("http:\n  port: 8091\n", "accounts"));
  EXPECT_TRUE(fails("accounts:\n  - {name: x, role: admin, coop: coop-a, token_hash: '$argon2id$'}\n", "role"));
  EXPECT_TRUE(fails("accounts:\n  - {name: x, role: analyst, coop: coop-z, token_hash: '$argon2id$'}\n", "coop"));
  EXPECT_TRUE(fails("accounts:\n  - {name: x, role: analyst, coop: coop-a, token_hash: 'plain'}\n", "token_hash"));
  EXPECT_TRUE(fails(account + "  - {name: x, role: analyst, coop: coop-a, token_hash: '$argon2id$'}\n", "twice"));
  EXPECT_TRUE(fails("accounts:\n  - {name: 'x.y', role: analyst, coop: coop-a, token_hash: '$argon2id$'}\n", "name"));
}
