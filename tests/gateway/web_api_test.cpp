// The dashboard's endpoints without sockets: first-run setup, sessions and cookies, CSRF, roles
// (including unauthenticated and wrong-role access), login lockout, the TV on loopback, static
// files (including traversal), and the audit trail.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>

#include "dashboard/static_assets.h"
#include "gateway/api.h"
#include "gateway/home_settings.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;
using dashboard::HttpRequest;
using dashboard::HttpResponse;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;
constexpr const char* TOKEN = "0123456789abcdef0123456789abcdef";
constexpr const char* REMOTE = "192.168.1.20";  // a phone on the home network

AccountsOptions fast_hashing() {
  AccountsOptions o;
  o.ops_limit = 1;  // argon2id still, at its minimum cost: tests hash many passwords
  o.mem_limit = 8192;
  return o;
}

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class WebApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.http.api_token = TOKEN;
    config_.home_id = "flat-9";
    StoreConfig cfg;
    cfg.path = dir_.file("h.db");
    store_ = std::move(*Store::open(cfg));
    accounts_ = std::move(*Accounts::open(cfg.path, fast_hashing()));
    pipeline_ = std::make_unique<Pipeline>(drivers_, *store_, registry_, IngestConfig{}, [](const std::string&) {});
    alerting_ =
        std::make_unique<Alerting>("flat-9", registry_, *store_, [](const std::string&, const std::string&, bool) {});
    ctx_.config = &config_;
    ctx_.registry = &registry_;
    ctx_.store = store_.get();
    ctx_.pipeline = pipeline_.get();
    ctx_.alerting = alerting_.get();
    ctx_.accounts = accounts_.get();
    ctx_.tv_csrf_token = "tv-csrf-0123456789";
    ctx_.now = [this] { return now_; };
    ctx_.live = [this](std::string_view event, const std::string&) { live_.emplace_back(event); };
    Device* t = registry_.touch("z2m:lounge/temp", "z2m", now_);
    t->settings.room = "Lounge";
    t->latest[core::Metric::temperature_c] = {15.2, now_, false};
  }

  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& cookie = "", const std::string& csrf = "", const std::string& remote = REMOTE,
                    const std::string& bearer = "") {
    HttpRequest req;
    req.method = method;
    auto target = dashboard::parse_target(path);
    if (!target) return dashboard::json_error(400, "bad target");  // what the server answers
    req.path = target->path;
    req.query = target->query;
    req.target = path;
    req.body = body;
    req.remote_address = remote;
    if (!cookie.empty()) req.headers.emplace_back("cookie", "theme=dark; hearth_session=" + cookie);
    if (!csrf.empty()) req.headers.emplace_back("x-csrf-token", csrf);
    if (!bearer.empty()) req.headers.emplace_back("authorization", "Bearer " + bearer);
    return handle_api(req, ctx_);
  }

  // Session cookie value from a Set-Cookie header.
  static std::string cookie_of(const HttpResponse& r) {
    const std::string c = header(r, "Set-Cookie");
    const auto eq = c.find('=');
    return c.substr(eq + 1, c.find(';') - eq - 1);
  }

  struct Login {
    std::string cookie, csrf;
  };

  Login setup_admin() {
    const auto r = call("POST", "/api/v1/setup",
                        json{{"code", accounts_->setup_code()},
                             {"username", "installer"},
                             {"password", "correct horse battery"},
                             {"display_name", "Installer"}}
                            .dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return {cookie_of(r), json::parse(r.body)["csrf_token"]};
  }

  Login add_and_login(const Login& admin, const std::string& name, const std::string& role) {
    const auto made = call("POST", "/api/v1/users",
                           json{{"username", name}, {"password", "a long enough password"}, {"role", role}}.dump(),
                           admin.cookie, admin.csrf);
    EXPECT_EQ(made.status, 201) << made.body;
    const auto r =
        call("POST", "/api/v1/session", json{{"username", name}, {"password", "a long enough password"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return {cookie_of(r), json::parse(r.body)["csrf_token"]};
  }

  test::TempDir dir_;
  core::TimePoint now_ = core::from_epoch_ms(T0);
  GatewayConfig config_;
  drivers::DriverSet drivers_{std::vector<std::unique_ptr<drivers::Driver>>{}};
  DeviceRegistry registry_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Alerting> alerting_;
  ApiContext ctx_;
  std::vector<std::string> live_;
};

}  // namespace

TEST_F(WebApiTest, FirstRunCodeIsShownOnlyOnTheBoxAndWorksOnce) {
  ASSERT_TRUE(accounts_->setup_required());
  const std::string code = accounts_->setup_code();
  EXPECT_TRUE(std::regex_match(code, std::regex("^[0-9]{4}-[0-9]{4}$"))) << code;
  EXPECT_FALSE(json::parse(call("GET", "/api/v1/setup").body).contains("code")) << "not to a phone";
  EXPECT_EQ(json::parse(call("GET", "/api/v1/setup", "", "", "", "127.0.0.1").body)["code"], code);
  const auto wrong = call("POST", "/api/v1/setup",
                          json{{"code", "0000-0000"}, {"username", "x"}, {"password", "correct horse battery"}}.dump());
  EXPECT_EQ(wrong.status, code == "0000-0000" ? 201 : 403);
  const auto weak =
      call("POST", "/api/v1/setup", json{{"code", code}, {"username", "x"}, {"password", "short"}}.dump());
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(weak.body.find("10 characters"), std::string::npos);
  const Login admin = setup_admin();
  EXPECT_FALSE(accounts_->setup_required());
  EXPECT_EQ(call("POST", "/api/v1/setup", json{{"code", code}}.dump()).status, 409) << "the code is spent";
  const auto me = json::parse(call("GET", "/api/v1/session", "", admin.cookie).body);
  EXPECT_EQ(me["user"]["role"], "admin");
}

TEST_F(WebApiTest, SessionCookieIsHttpOnlyStrictAndStoredOnlyAsAHash) {
  const auto r =
      call("POST", "/api/v1/setup",
           json{{"code", accounts_->setup_code()}, {"username", "inst"}, {"password", "correct horse battery"}}.dump());
  const std::string set_cookie = header(r, "Set-Cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "plain HTTP: Secure would drop the cookie";
  const std::string token = cookie_of(r);
  EXPECT_EQ(token.size(), 64u);
  ctx_.secure_cookies = true;
  const auto again =
      call("POST", "/api/v1/session", json{{"username", "inst"}, {"password", "correct horse battery"}}.dump());
  EXPECT_NE(header(again, "Set-Cookie").find("Secure"), std::string::npos);
  // Nothing in the database file equals the token.
  std::ifstream db(dir_.file("h.db"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(db)), {});
  std::ifstream wal(dir_.file("h.db-wal"), std::ios::binary);
  const std::string wal_bytes((std::istreambuf_iterator<char>(wal)), {});
  EXPECT_EQ(bytes.find(token), std::string::npos);
  EXPECT_EQ(wal_bytes.find(token), std::string::npos);
}

TEST_F(WebApiTest, StateChangesWithACookieNeedTheCsrfToken) {
  const Login admin = setup_admin();
  const std::string body =
      json{{"username", "carer1"}, {"password", "a long enough password"}, {"role", "carer"}}.dump();
  EXPECT_EQ(call("POST", "/api/v1/users", body, admin.cookie).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/users", body, admin.cookie, "wrong").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/users", body, admin.cookie, admin.csrf).status, 201);
  EXPECT_EQ(call("GET", "/api/v1/users", "", admin.cookie).status, 200) << "reads need no token";
  // An API client with the bearer token carries no ambient credential: no CSRF token needed.
  EXPECT_EQ(call("POST", "/api/v1/home/away", R"({"away":true})", "", "", REMOTE, TOKEN).status, 200);
  // The TV on the box needs its own token (a web page shown on the TV cannot read it).
  EXPECT_EQ(call("POST", "/api/v1/home/away", R"({"away":false})", "", "", "127.0.0.1").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/home/away", R"({"away":false})", "", "tv-csrf-0123456789", "127.0.0.1").status, 200);
}

TEST_F(WebApiTest, EveryRoleGetsOnlyWhatItNeeds) {
  const Login admin = setup_admin();
  const Login carer = add_and_login(admin, "carer1", "carer");
  const Login home = add_and_login(admin, "margaret", "householder");
  alerting_->on_reading({"z2m:kitchen/smoke", core::Metric::smoke, 1.0, now_});
  const std::string alert = "/api/v1/alerts/smoke:z2m:kitchen/smoke/ack";
  // Nobody: nothing but the login, setup state and the catalogue.
  for (const char* p : {"/api/v1/home", "/api/v1/alerts", "/api/v1/devices", "/api/v1/users", "/api/v1/audit",
                        "/api/v1/events", "/metrics", "/api/v1/health"}) {
    EXPECT_EQ(call("GET", p).status, 401) << p;
  }
  EXPECT_EQ(call("GET", "/api/v1/catalogue").status, 200);
  // The householder: their home, not the accounts or acknowledging alerts.
  EXPECT_EQ(call("GET", "/api/v1/home", "", home.cookie).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/users", "", home.cookie).status, 403);
  EXPECT_EQ(call("POST", alert, "{}", home.cookie, home.csrf).status, 403);
  EXPECT_EQ(call("GET", "/metrics", "", home.cookie).status, 403);
  // The carer: alerts and readings, not accounts, not the householder's switches.
  EXPECT_EQ(call("GET", "/api/v1/users", "", carer.cookie).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/audit", "", carer.cookie).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/home/away", R"({"away":true})", carer.cookie, carer.csrf).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/devices", "", carer.cookie).status, 200);
  const auto acked = call("POST", alert, R"({"note":"calling now"})", carer.cookie, carer.csrf);
  ASSERT_EQ(acked.status, 200) << acked.body;
  EXPECT_EQ(json::parse(acked.body)["acknowledged_by"], "carer1") << "the logged-in carer, whatever the body says";
  // The TV: the home, its alerts and its own switches; no device data, no acknowledging.
  EXPECT_EQ(call("GET", "/api/v1/home", "", "", "", "127.0.0.1").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/alerts", "", "", "", "127.0.0.1").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/devices", "", "", "", "127.0.0.1").status, 401);
  EXPECT_EQ(call("POST", alert, "{}", "", "tv-csrf-0123456789", "127.0.0.1").status, 401);
  ctx_.tv_from_loopback = false;
  EXPECT_EQ(call("GET", "/api/v1/home", "", "", "", "127.0.0.1").status, 401);
}

TEST_F(WebApiTest, RepeatedWrongPasswordsLockTheAccount) {
  const Login admin = setup_admin();
  add_and_login(admin, "carer1", "carer");
  const std::string bad = json{{"username", "carer1"}, {"password", "not the password"}}.dump();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call("POST", "/api/v1/session", bad, "", "", "10.0.0." + std::to_string(i)).status, 401);
  const std::string good = json{{"username", "carer1"}, {"password", "a long enough password"}}.dump();
  const auto locked = call("POST", "/api/v1/session", good);
  EXPECT_EQ(locked.status, 429) << "locked even with the right password";
  EXPECT_FALSE(header(locked, "Retry-After").empty());
  now_ += std::chrono::minutes{16};
  EXPECT_EQ(call("POST", "/api/v1/session", good).status, 200);
  // Unknown usernames answer exactly like wrong passwords.
  const auto unknown = call("POST", "/api/v1/session", json{{"username", "nobody"}, {"password", "x"}}.dump());
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body, call("POST", "/api/v1/session", bad).body);
}

TEST_F(WebApiTest, OneAddressGuessingManyNamesIsThrottled) {
  setup_admin();
  int throttled = 0;
  for (int i = 0; i < 30; ++i) {
    const auto r =
        call("POST", "/api/v1/session", json{{"username", "user" + std::to_string(i)}, {"password", "guess"}}.dump());
    if (r.status == 429) ++throttled;
  }
  EXPECT_GT(throttled, 0);
  EXPECT_EQ(call("POST", "/api/v1/session",
                 json{{"username", "installer"}, {"password", "correct horse battery"}}.dump(), "", "", "192.168.1.99")
                .status,
            200)
      << "another address is not affected";
}

TEST_F(WebApiTest, LogoutEndsTheSessionAndSessionsExpire) {
  const Login admin = setup_admin();
  EXPECT_EQ(call("DELETE", "/api/v1/session", "", admin.cookie, admin.csrf).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/users", "", admin.cookie).status, 401);
  const auto r =
      call("POST", "/api/v1/session", json{{"username", "installer"}, {"password", "correct horse battery"}}.dump());
  const std::string cookie = cookie_of(r);
  now_ += std::chrono::hours{11};
  EXPECT_EQ(call("GET", "/api/v1/users", "", cookie).status, 200);
  now_ += std::chrono::hours{11};  // used 11 h ago: within the 12 h idle limit
  EXPECT_EQ(call("GET", "/api/v1/users", "", cookie).status, 200);
  now_ += std::chrono::hours{13};  // idle too long
  EXPECT_EQ(call("GET", "/api/v1/users", "", cookie).status, 401);
}

TEST_F(WebApiTest, HomeSummaryAwayLanguageAndCallback) {
  const auto tv = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return call(method, path, body, "", method == "GET" ? "" : "tv-csrf-0123456789", "127.0.0.1");
  };
  auto home = json::parse(tv("GET", "/api/v1/home").body);
  EXPECT_EQ(home["home_id"], "flat-9");
  EXPECT_EQ(home["language"], "en");
  EXPECT_EQ(home["away"], false);
  ASSERT_EQ(home["rooms"].size(), 1u);
  EXPECT_EQ(home["rooms"][0]["room"], "Lounge");
  EXPECT_EQ(home["rooms"][0]["state"], "cold");
  EXPECT_TRUE(home["energy"].is_null());
  EXPECT_EQ(tv("POST", "/api/v1/home/language", R"({"language":"de"})").status, 400);
  EXPECT_EQ(json::parse(tv("POST", "/api/v1/home/language", R"({"language":"cy"})").body)["language"], "cy");
  EXPECT_EQ(json::parse(tv("POST", "/api/v1/home/away", R"({"away":true})").body)["away"], true);
  EXPECT_EQ(live_, (std::vector<std::string>{"home", "home"})) << "dashboards hear about it";
  EXPECT_EQ(json::parse(tv("GET", "/api/v1/session").body)["user"]["language"], "cy") << "remembered for the home";
  const auto cb = tv("POST", "/api/v1/callback", "{}");
  ASSERT_EQ(cb.status, 201);
  const auto alert = json::parse(cb.body)["alert"];
  EXPECT_EQ(alert["severity"], "info");
  EXPECT_FALSE(alert["text"]["cy"].get<std::string>().empty());
  EXPECT_EQ(json::parse(tv("GET", "/api/v1/home").body)["alerts"].size(), 1u);
}

TEST_F(WebApiTest, CatalogueServesEveryStringInBothLanguages) {
  const auto en = json::parse(call("GET", "/api/v1/catalogue?lang=en").body);
  const auto cy = json::parse(call("GET", "/api/v1/catalogue?lang=cy").body);
  EXPECT_EQ(en["messages"].size(), cy["messages"].size());
  EXPECT_EQ(en["messages"]["smoke"], "Smoke detected in {room} ({device})") << "placeholders left for the page";
  EXPECT_NE(en["messages"]["smoke"], cy["messages"]["smoke"]);
}

TEST_F(WebApiTest, AdminsReadTheAuditLogOfWhoDidWhat) {
  const Login admin = setup_admin();
  add_and_login(admin, "carer1", "carer");
  const auto log = json::parse(call("GET", "/api/v1/audit", "", admin.cookie).body)["entries"];
  std::set<std::string> actions;
  for (const auto& e : log) actions.insert(e["actor"].get<std::string>() + ":" + e["action"].get<std::string>());
  EXPECT_TRUE(actions.contains("installer:setup_completed"));
  EXPECT_TRUE(actions.contains("installer:create_user"));
  EXPECT_TRUE(actions.contains("carer1:login"));
}

TEST_F(WebApiTest, StaticFilesAreServedFromTheEmbeddedTableOnly) {
  const auto assets = dashboard::static_assets();
  if (assets.empty()) GTEST_SKIP() << "no files in dashboard/www yet";
  const auto page = call("GET", std::string(assets.front().path));
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  for (const char* p : {"/static/../../etc/passwd", "/tv/../../gateway/app.cpp", "/static/%2e%2e/%2e%2e/etc/passwd",
                        "/etc/passwd", "/static/", "/tv/index.html/"}) {
    const int status = call("GET", p).status;
    EXPECT_TRUE(status == 400 || status == 404) << p << " answered " << status;
  }
  EXPECT_EQ(call("POST", std::string(assets.front().path)).status, 405);
  EXPECT_EQ(header(call("GET", "/", "", "", "", "127.0.0.1"), "Location"), "/tv/");
  EXPECT_EQ(header(call("GET", "/"), "Location"), "/carer/");
}

TEST_F(WebApiTest, TheRoutineIsForCarersAndTheHouseholderAndEveryViewIsAudited) {
  const Login admin = setup_admin();
  const Login carer = add_and_login(admin, "carer1", "carer");
  EXPECT_EQ(call("GET", "/api/v1/routine").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/routine", "", "", "", "127.0.0.1").status, 401) << "not on the TV";
  const auto r = call("GET", "/api/v1/routine", "", carer.cookie);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto routine = json::parse(r.body);
  EXPECT_TRUE(routine["warming_up"].get<bool>());
  EXPECT_FALSE(routine["away"].get<bool>());
  // Away from the TV reaches the learned checks.
  EXPECT_EQ(call("POST", "/api/v1/home/away", R"({"away":true})", "", "tv-csrf-0123456789", "127.0.0.1").status, 200);
  EXPECT_TRUE(json::parse(call("GET", "/api/v1/routine", "", carer.cookie).body)["away"].get<bool>());
  const auto home = json::parse(call("GET", "/api/v1/home", "", "", "", "127.0.0.1").body);
  ASSERT_TRUE(home["wellbeing"].is_object());
  EXPECT_TRUE(home["wellbeing"]["warming_up"].get<bool>()) << "the TV shows no 'all is well' before it has learned";
  EXPECT_TRUE(home["wellbeing"]["away"].get<bool>());
  const auto log = json::parse(call("GET", "/api/v1/audit", "", admin.cookie).body)["entries"];
  int views = 0;
  for (const auto& e : log) views += e["action"] == "view_routine" && e["actor"] == "carer1" ? 1 : 0;
  EXPECT_EQ(views, 2);
}

// ---------------------------------------------------------------------------------------------
// The setup page (gateway/setup_api.cpp): devices, consent, rule settings, export and erasure.

TEST_F(WebApiTest, SetupDevicesHouseholderNamesAndPlacesAdminDecidesWhatMaySwitchOff) {
  config_.devices["tasmota:heater"] = DeviceSettings{"Heater", "Bedroom", "heater", false, true};
  int applied = 0;
  ctx_.overrides_changed = [&] { ++applied; };
  const Login admin = setup_admin();
  const Login home = add_and_login(admin, "mair", "householder");
  const Login carer = add_and_login(admin, "carer1", "carer");
  EXPECT_EQ(call("GET", "/api/v1/setup/devices").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/setup/devices", "", "", "", "127.0.0.1").status, 401) << "not from the TV";
  EXPECT_EQ(call("GET", "/api/v1/setup/devices", "", carer.cookie).status, 403);
  const auto list = call("GET", "/api/v1/setup/devices", "", home.cookie);
  ASSERT_EQ(list.status, 200) << list.body;
  const auto j = json::parse(list.body);
  std::set<std::string> ids;
  for (const auto& d : j["devices"]) ids.insert(d["id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"z2m:lounge/temp", "tasmota:heater"})) << "seen, and declared but not seen";
  EXPECT_FALSE(j["may_set_safety"].get<bool>());

  const std::string path = "/api/v1/setup/devices/z2m:lounge%2Ftemp";
  const std::string rename = R"({"name":"Lounge sensor","room":"Front room","kind":"other"})";
  EXPECT_EQ(call("PUT", path, rename, home.cookie).status, 403) << "no CSRF token";
  const auto put = call("PUT", path, rename, home.cookie, home.csrf);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(load_overrides(*store_).devices.at("z2m:lounge/temp").room, "Front room");
  // Safety flags: the householder may not change them, an admin may, never both at once.
  const std::string heater = "/api/v1/setup/devices/tasmota:heater";
  EXPECT_EQ(call("PUT", heater, R"({"name":"Heater","room":"Bedroom","kind":"heater","switchable":false})", home.cookie,
                 home.csrf)
                .status,
            403);
  EXPECT_EQ(call("PUT", heater, R"({"name":"Heater","room":"Bedroom","kind":"heater","switchable":true})", home.cookie,
                 home.csrf)
                .status,
            200)
      << "unchanged flags are fine";
  EXPECT_EQ(
      call("PUT", heater, R"({"kind":"heater","essential":true,"switchable":true})", admin.cookie, admin.csrf).status,
      400);
  EXPECT_EQ(call("PUT", heater, R"({"kind":"heater","essential":true})", admin.cookie, admin.csrf).status, 200);
  EXPECT_TRUE(effective_devices(config_, load_overrides(*store_)).at("tasmota:heater").essential);
  EXPECT_EQ(call("PUT", heater, R"({"kind":"spaceship"})", admin.cookie, admin.csrf).status, 400);
  EXPECT_EQ(call("PUT", heater, R"({"colour":"red"})", admin.cookie, admin.csrf).status, 400);
  EXPECT_EQ(call("PUT", heater, "{not json", admin.cookie, admin.csrf).status, 400);
  EXPECT_EQ(call("PUT", heater, json{{"name", std::string(65, 'x')}}.dump(), admin.cookie, admin.csrf).status, 400);
  EXPECT_EQ(call("PUT", "/api/v1/setup/devices/tasmota:nope", "{}", admin.cookie, admin.csrf).status, 404);
  // Back to the installer's YAML: admin only.
  EXPECT_EQ(call("DELETE", heater, "", home.cookie, home.csrf).status, 403);
  EXPECT_EQ(call("DELETE", heater, "", admin.cookie, admin.csrf).status, 200);
  EXPECT_FALSE(effective_devices(config_, load_overrides(*store_)).at("tasmota:heater").essential);
  const auto log = json::parse(call("GET", "/api/v1/audit", "", admin.cookie).body)["entries"];
  int changes = 0;
  for (const auto& e : log) changes += e["action"] == "device_settings" ? 1 : 0;
  EXPECT_EQ(changes, 3);
}

TEST_F(WebApiTest, ConsentIsTheHouseholdersChoiceAndRulesSensitivityACarersToo) {
  config_.consent = ConsentConfig{true, true};
  const Login admin = setup_admin();
  const Login home = add_and_login(admin, "mair", "householder");
  const Login carer = add_and_login(admin, "carer1", "carer");
  EXPECT_EQ(json::parse(call("GET", "/api/v1/setup/consent", "", carer.cookie).body)["alerts"], true);
  const std::string none = R"({"alerts":false,"daily_summaries":false})";
  EXPECT_EQ(call("PUT", "/api/v1/setup/consent", none, carer.cookie, carer.csrf).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/setup/consent", R"({"alerts":false})", home.cookie, home.csrf).status, 400);
  EXPECT_EQ(
      call("PUT", "/api/v1/setup/consent", R"({"alerts":"no","daily_summaries":false})", home.cookie, home.csrf).status,
      400);
  ASSERT_EQ(call("PUT", "/api/v1/setup/consent", none, home.cookie, home.csrf).status, 200);
  EXPECT_FALSE(effective_consent(config_, load_overrides(*store_)).alerts);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/setup/consent", "", home.cookie).body)["daily_summaries"], false);

  EXPECT_EQ(call("PUT", "/api/v1/setup/rules", R"({"wellbeing_sensitivity":"high"})", carer.cookie, carer.csrf).status,
            200);
  EXPECT_EQ(call("PUT", "/api/v1/setup/rules", R"({"wellbeing_enabled":false})", carer.cookie, carer.csrf).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/setup/rules", R"({"wellbeing_sensitivity":"max"})", home.cookie, home.csrf).status,
            400);
  ASSERT_EQ(call("PUT", "/api/v1/setup/rules", R"({"wellbeing_enabled":false})", home.cookie, home.csrf).status, 200);
  const auto rules = effective_rules(config_, load_overrides(*store_));
  EXPECT_EQ(rules.wellbeing.sensitivity, rules::Sensitivity::high) << "kept from the carer's change";
  EXPECT_FALSE(rules.wellbeing.enabled);
  const auto log = json::parse(call("GET", "/api/v1/audit", "", admin.cookie).body)["entries"];
  int consent = 0;
  for (const auto& e : log) consent += e["action"] == "consent_changed" && e["actor"] == "mair" ? 1 : 0;
  EXPECT_EQ(consent, 1);
}

TEST_F(WebApiTest, TheHouseholderExportsEverythingAndErasesTheHistoryWithTheirPassword) {
  ctx_.erase_history = [this] { return store_->erase_history(); };
  const Login admin = setup_admin();
  const Login home = add_and_login(admin, "mair", "householder");
  const Login carer = add_and_login(admin, "carer1", "carer");
  store_->append({"z2m:lounge/temp", core::Metric::temperature_c, 15.2, core::from_epoch_ms(T0)});
  store_->append({"z2m:lounge/temp", core::Metric::temperature_c, 15.4, core::from_epoch_ms(T0 + 60'000)});
  store_->save_alert("resolved-one", "resolved", "resolved", T0, R"({"id":"resolved-one"})");
  store_->save_alert("open-one", "raised", "raised", T0, R"({"id":"open-one"})");
  ASSERT_TRUE(store_->save_energy_day({"2026-09-20", R"({"date":"2026-09-20","electricity_pence":123})", T0}));
  ASSERT_TRUE(store_->flush().has_value());

  EXPECT_EQ(call("GET", "/api/v1/export", "", carer.cookie).status, 403);
  const auto doc = call("GET", "/api/v1/export", "", home.cookie);
  ASSERT_EQ(doc.status, 200) << doc.body;
  const auto j = json::parse(doc.body);
  EXPECT_EQ(j["format"], "hearth-export/1");
  EXPECT_EQ(j["alert_events"].size(), 2u);
  ASSERT_EQ(j["energy_daily"].size(), 1u);
  EXPECT_EQ(j["energy_daily"][0]["summary"]["electricity_pence"], 123);
  EXPECT_NE(header(doc, "Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/v1/export/readings?day=2026-02-30", "", home.cookie).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/export/readings", "", home.cookie).status, 400);
  const auto csv = call("GET", "/api/v1/export/readings?day=2026-09-21", "", home.cookie);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type.rfind("text/csv", 0), 0u);
  EXPECT_NE(csv.body.find("\"z2m:lounge/temp\",temperature_c," + std::to_string(T0)), std::string::npos) << csv.body;

  const std::string erase = "/api/v1/data/erase";
  EXPECT_EQ(call("POST", erase, R"({"confirm":"erase","password":"x"})", carer.cookie, carer.csrf).status, 403);
  EXPECT_EQ(call("POST", erase, R"({"password":"a long enough password"})", home.cookie, home.csrf).status, 400);
  EXPECT_EQ(call("POST", erase, R"({"confirm":"erase","password":"wrong one"})", home.cookie, home.csrf).status, 403);
  EXPECT_EQ(store_->readings("z2m:lounge/temp", core::Metric::temperature_c, 0, T0 * 2, Resolution::raw, 10)->size(),
            2u)
      << "nothing erased without the password";
  const auto done =
      call("POST", erase, R"({"confirm":"erase","password":"a long enough password"})", home.cookie, home.csrf);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(json::parse(done.body)["erased"]["readings"], 2);
  EXPECT_EQ(json::parse(done.body)["erased"]["energy_days"], 1);
  EXPECT_TRUE(
      store_->readings("z2m:lounge/temp", core::Metric::temperature_c, 0, T0 * 2, Resolution::raw, 10)->empty());
  const auto open = store_->open_alerts();
  ASSERT_EQ(open->size(), 1u) << "an open alert stays: someone may need help now";
  EXPECT_EQ(store_->alert_events(0, 10)->size(), 1u);
  const auto log = json::parse(call("GET", "/api/v1/audit", "", admin.cookie).body)["entries"];
  std::set<std::string> actions;
  for (const auto& e : log) actions.insert(e["action"].get<std::string>());
  EXPECT_TRUE(actions.count("erase_history") == 1 && actions.count("erase_refused") == 1 &&
              actions.count("export") == 1);
}
