// The co-op dashboard's server side without sockets: the pages and UI texts served without a token
// with the home dashboard's strict headers (coordinator/web_ui.h), and the acknowledgement endpoint
// (coordinator/api_ack.h): coordinator role and own co-op only, known home and alert only, bad bodies
// counted and refused, the acknowledgement queued for the home exactly as `hearth-coordinator ack` does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <map>

#include "coordinator/api.h"
#include "coordinator/api_ack.h"
#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/ingest.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::coordinator;
using dashboard::HttpRequest;
using dashboard::HttpResponse;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;
constexpr const char* ALERT = "smoke:z2m:kitchen/smoke";

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

struct DashboardPagesTest : ::testing::Test {
  void SetUp() override {
    std::ofstream(dir.file("pw")) << "pw\n";
    std::string yaml = "mqtt:\n  url: mqtts://b.example:8883\n  username: c\n  password_file: " + dir.file("pw") +
                       "\nstore:\n  path: " + dir.file("c.db") +
                       "\ncoops:\n  coop-a:\n    gateways: [gw-a1, gw-a2]\n  coop-b:\n    gateways: [gw-b1]\n"
                       "http:\n  port: 0\naccounts:\n";
    for (const auto& [name, role, coop] :
         std::vector<std::array<std::string, 3>>{{"coord-a", "coordinator", "coop-a"},
                                                 {"analyst-a", "analyst", "coop-a"},
                                                 {"coord-b", "coordinator", "coop-b"}}) {
      auto t = make_api_token(name, 1, 8192);  // lowest argon2id cost: tests only
      ASSERT_TRUE(t) << t.error().message;
      tokens[name] = t->token;
      yaml += "  - {name: " + name + ", role: " + role + ", coop: " + coop + ", token_hash: '" + t->hash + "'}\n";
    }
    auto c = parse_coordinator_config(yaml, "c.yaml");
    ASSERT_TRUE(c) << c.error().message;
    config = *c;
    auto s = open_coordinator_store(config.store);
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
    Ingest ingest(config, *store);
    const json alert{{"schema", 1},
                     {"type", "alert_event"},
                     {"message_id", "gw-a1/smoke/raised"},
                     {"home_id", "gw-a1"},
                     {"event", "raised"},
                     {"event_ms", T0},
                     {"alert",
                      {{"id", ALERT},
                       {"rule", "smoke"},
                       {"severity", "emergency"},
                       {"state", "raised"},
                       {"raised_ms", T0},
                       {"acknowledged_ms", nullptr},
                       {"acknowledged_by", ""},
                       {"resolved_ms", nullptr}}}};
    ASSERT_EQ(ingest.on_message("hearth-uplink/v1/coop-a/gw-a1/alert", alert.dump(), T0).kind,
              IngestResult::Kind::stored);
    api = std::make_unique<CoordinatorApi>(config, *store);
  }

  HttpResponse call(const std::string& method, const std::string& target, const std::string& token = "",
                    const std::string& body = "", const std::string& content_type = "application/json") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    auto parsed = dashboard::parse_target(target);
    EXPECT_TRUE(parsed);
    req.path = parsed->path;
    req.query = parsed->query;
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    if (!body.empty()) req.headers.emplace_back("content-type", content_type);
    req.body = body;
    req.remote_address = "10.0.0.1";
    return api->handle(req);
  }

  HttpResponse ack(const std::string& token, const json& body, const std::string& coop = "coop-a") {
    return call("POST", "/api/v1/coops/" + coop + "/alerts/ack", token, body.dump());
  }

  std::vector<OutgoingAck> queued() {
    auto claimed = store->claim_acks(T0 + 1000, 30'000, 100);
    EXPECT_TRUE(claimed);
    return claimed ? *claimed : std::vector<OutgoingAck>{};
  }

  test::TempDir dir;
  std::map<std::string, std::string> tokens;
  CoordinatorConfig config;
  std::unique_ptr<CoordinatorStore> store;
  std::unique_ptr<CoordinatorApi> api;
};

}  // namespace

TEST_F(DashboardPagesTest, PagesNeedNoTokenAndCarryStrictHeaders) {
  for (const std::string path : {"/", "/index.html"}) {
    const auto r = call("GET", path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("/static/coordinator.js"), std::string::npos);
    EXPECT_NE(header(r, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(header(r, "Content-Security-Policy").find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  }
  // Its own files and the two shared helpers; nothing else of the home dashboard's table.
  for (const std::string path :
       {"/static/coordinator.js", "/static/coordinator.css", "/static/common.js", "/static/hearth.css"})
    EXPECT_EQ(call("GET", path).status, 200) << path;
  for (const std::string path : {"/tv/", "/carer/index.html", "/static/tv.js", "/static/charts.js", "/nothing"})
    EXPECT_EQ(call("GET", path).status, 404) << path;
  EXPECT_EQ(call("POST", "/", "", "{}").status, 405);
  EXPECT_EQ(api->stats().requests, 0u);  // pages are not API requests
  // The API itself still needs the token.
  EXPECT_EQ(call("GET", "/api/v1/whoami").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/anything").status, 401);
}

TEST_F(DashboardPagesTest, CatalogueHasTheUiTextsInBothLanguages) {
  const auto en = call("GET", "/api/v1/catalogue?lang=en");
  const auto cy = call("GET", "/api/v1/catalogue?lang=cy");
  ASSERT_EQ(en.status, 200);
  ASSERT_EQ(cy.status, 200);
  EXPECT_EQ(header(en, "Cache-Control"), "no-store");
  const json e = json::parse(en.body);
  const json c = json::parse(cy.body);
  EXPECT_EQ(e["language"], "en");
  EXPECT_EQ(c["language"], "cy");
  EXPECT_EQ(e["messages"]["ui.coop.title"], "Hearth co-op");
  EXPECT_EQ(c["messages"]["ui.coop.title"], "Cydweithfa Hearth");
  EXPECT_EQ(c["messages"]["ui.coop.report.suppressed"], "Llai na {k} cartref: heb ei ddangos");  // filled by the page
  EXPECT_EQ(e["messages"].size(), c["messages"].size());
  for (const auto& [key, text] : e["messages"].items()) EXPECT_EQ(key.rfind("ui.", 0), 0u) << key;
  EXPECT_EQ(call("GET", "/api/v1/catalogue?lang=fr").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/catalogue", "", "{}").status, 405);
}

TEST_F(DashboardPagesTest, CoordinatorAcknowledgesAnAlertOfTheirCoop) {
  const auto r = ack(tokens["coord-a"], {{"home", "gw-a1"}, {"alert_id", ALERT}, {"note", "calling now"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["by"], "coord-a");
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].coop_id, "coop-a");
  EXPECT_EQ(q[0].home_id, "gw-a1");
  EXPECT_EQ(q[0].alert_id, ALERT);
  EXPECT_EQ(q[0].by, "coord-a");  // the account, not whatever the body says
  EXPECT_EQ(q[0].note, "calling now");
  EXPECT_EQ(api->stats().acks, 1u);
  // Without a note.
  EXPECT_EQ(ack(tokens["coord-a"], {{"home", "gw-a1"}, {"alert_id", ALERT}}).status, 202);
}

TEST_F(DashboardPagesTest, AcknowledgingIsForCoordinatorsOfTheCoopOnly) {
  const json body{{"home", "gw-a1"}, {"alert_id", ALERT}};
  EXPECT_EQ(ack("", body).status, 401);
  EXPECT_EQ(ack(tokens["coord-a"] + "x", body).status, 401);
  EXPECT_EQ(ack(tokens["analyst-a"], body).status, 403);
  EXPECT_EQ(ack(tokens["coord-b"], body).status, 404);            // another co-op: as if none
  EXPECT_EQ(ack(tokens["coord-b"], body, "coop-b").status, 404);  // its own co-op, another's home
  EXPECT_EQ(ack(tokens["coord-a"], body, "coop-z").status, 404);  // no such co-op
  EXPECT_EQ(ack(tokens["coord-a"], {{"home", "gw-a2"}, {"alert_id", ALERT}}).status, 404);  // not this home's
  EXPECT_EQ(ack(tokens["coord-a"], {{"home", "gw-b1"}, {"alert_id", ALERT}}).status, 404);
  EXPECT_EQ(ack(tokens["coord-a"], {{"home", "gw-a1"}, {"alert_id", "smoke:other"}}).status, 404);
  EXPECT_EQ(call("POST", "/api/v1/coops/coop-a/homes", tokens["coord-a"], body.dump()).status, 405);
  EXPECT_EQ(call("PUT", "/api/v1/coops/coop-a/alerts/ack", tokens["coord-a"], body.dump()).status, 405);
  EXPECT_TRUE(queued().empty());
  EXPECT_EQ(api->stats().acks, 0u);
}

TEST_F(DashboardPagesTest, BadAcknowledgementsAreCountedAndRefused) {
  const std::string t = tokens["coord-a"];
  const std::string path = "/api/v1/coops/coop-a/alerts/ack";
  const json ok{{"home", "gw-a1"}, {"alert_id", ALERT}};
  std::vector<HttpResponse> answers = {
      call("POST", path, t, "not json"),
      call("POST", path, t, "[1,2]"),
      call("POST", path, t, ok.dump(), "text/plain"),
      ack(t, {{"home", "gw-a1"}}),
      ack(t, {{"home", "gw-a1"}, {"alert_id", ALERT}, {"note", 5}}),
      ack(t, {{"home", "gw-a1"}, {"alert_id", ALERT}, {"by", "someone else"}}),
      ack(t, {{"home", "gw-a1"}, {"alert_id", ALERT}, {"note", std::string(MAX_ACK_NOTE_BYTES + 1, 'x')}}),
      ack(t, {{"home", "gw-a1"}, {"alert_id", ALERT}, {"note", "line\nbreak"}}),
  };
  for (std::size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].status, 400) << i << " " << answers[i].body;
    EXPECT_TRUE(json::parse(answers[i].body).contains("error")) << i;
  }
  EXPECT_EQ(api->stats().bad_requests, answers.size());
  EXPECT_TRUE(queued().empty());
  // A note of exactly the limit is fine.
  EXPECT_EQ(ack(t, {{"home", "gw-a1"}, {"alert_id", ALERT}, {"note", std::string(MAX_ACK_NOTE_BYTES, 'x')}}).status,
            202);
}
