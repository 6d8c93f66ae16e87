// The energy endpoints without sockets, fed through the real pipeline and Tasmota driver with a
// constructed trace (including a counter restart): who may read and change what, bad parameters,
// and the figures against hand-computed values; stored daily summaries (migration 7).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway/api.h"
#include "gateway/energy_service.h"
#include "rules/energy_summary.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;
using dashboard::HttpRequest;
using dashboard::HttpResponse;
using nlohmann::json;
namespace en = hearth::rules::energy;

namespace {

constexpr std::int64_t T0 = 1'795'341'600'000;  // 2026-11-22 10:00 UTC (GMT: local time too)
constexpr const char* TOKEN = "0123456789abcdef0123456789abcdef";
constexpr const char* REMOTE = "192.168.1.20";

AccountsOptions fast_hashing() {
  AccountsOptions o;
  o.ops_limit = 1;
  o.mem_limit = 8192;
  return o;
}

double total_kwh(const json& usage) {
  const auto& k = usage.at("kwh");
  return k.at("measured").get<double>() + k.at("bridged").get<double>() + k.at("estimated").get<double>();
}

class EnergyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.http.api_token = TOKEN;
    config_.devices["tasmota:washer"] = DeviceSettings{"Washer", "Kitchen", "washing_machine", false, false};
    StoreConfig cfg;
    cfg.path = dir_.file("h.db");
    store_ = std::move(*Store::open(cfg));
    accounts_ = std::move(*Accounts::open(cfg.path, fast_hashing()));
    registry_.apply_settings(config_.devices);
    pipeline_ = std::make_unique<Pipeline>(drivers_, *store_, registry_, IngestConfig{}, [](const std::string&) {});
    pipeline_->set_clock_step_detection(false);
    start_energy();
    ctx_.config = &config_;
    ctx_.registry = &registry_;
    ctx_.store = store_.get();
    ctx_.pipeline = pipeline_.get();
    ctx_.accounts = accounts_.get();
    ctx_.tv_csrf_token = "tv-csrf-0123456789";
    ctx_.now = [this] { return now_; };
  }

  // As App does: restore from the store, then readings from the pipeline.
  void start_energy() {
    energy_ = std::make_unique<EnergyService>(*store_, registry_, config_.energy);
    energy_->set_summary_hook([this](const en::DailySummary& s) { hooked_.push_back(s.date); });
    ASSERT_TRUE(energy_->restore(now_).has_value());
    pipeline_->set_reading_handler([this](const core::Reading& r, const Device& d) { energy_->on_reading(r, d); });
    pipeline_->set_energy_handler([this](const core::Reading& total, core::EnergyStep step, const Device& d) {
      energy_->on_energy_total(total, step, d);
    });
    ctx_.energy = energy_.get();
  }

  void publish_at(int minute, const std::string& payload) {
    now_ = core::from_epoch_ms(T0 + minute * 60'000LL);
    pipeline_->on_message({"tele/washer/SENSOR", payload, false, now_});
  }

  // 600 W for 40 minutes, with a counter restart at minute 15: 0.4 kWh, of which the 10 minutes
  // across the restart are bridged from power (the counter's interval is incomplete).
  void washer_trace() {
    publish_at(0, R"({"ENERGY":{"TotalStartTime":"2026-01-01T00:00:00","Total":1.000,"Power":600}})");
    publish_at(10, R"({"ENERGY":{"TotalStartTime":"2026-01-01T00:00:00","Total":1.100,"Power":600}})");
    publish_at(20, R"({"ENERGY":{"TotalStartTime":"2026-11-22T10:15:00","Total":0.050,"Power":600}})");
    publish_at(30, R"({"ENERGY":{"TotalStartTime":"2026-11-22T10:15:00","Total":0.150,"Power":600}})");
    publish_at(40, R"({"ENERGY":{"TotalStartTime":"2026-11-22T10:15:00","Total":0.250,"Power":0}})");
    now_ = core::from_epoch_ms(T0 + 45 * 60'000LL);
  }

  void store_day(const std::string& date, double kwh) {
    en::DailySummary s;
    s.day = *en::parse_day(date);
    s.date = date;
    s.electricity.measured = kwh;
    s.electricity_pence = std::llround(kwh * 22.36);
    s.standing_pence = 60;
    s.monitored_kwh = kwh;
    s.coverage = 1.0;
    s.tariff_id = "ofgem_cap_2024q3_dd_gas";
    ASSERT_TRUE(store_->save_energy_day({date, en::daily_summary_to_json(s), T0}).has_value());
  }

  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& cookie = "", const std::string& csrf = "", const std::string& remote = REMOTE,
                    const std::string& bearer = "") {
    HttpRequest req;
    req.method = method;
    auto target = dashboard::parse_target(path);
    if (!target) return dashboard::json_error(400, "bad target");
    req.path = target->path;
    req.query = target->query;
    req.target = path;
    req.body = body;
    req.remote_address = remote;
    if (!cookie.empty()) req.headers.emplace_back("cookie", "hearth_session=" + cookie);
    if (!csrf.empty()) req.headers.emplace_back("x-csrf-token", csrf);
    if (!bearer.empty()) req.headers.emplace_back("authorization", "Bearer " + bearer);
    return handle_api(req, ctx_);
  }
  HttpResponse api(const std::string& method, const std::string& path, const std::string& body = "") {
    return call(method, path, body, "", "", REMOTE, TOKEN);
  }

  struct Login {
    std::string cookie, csrf;
  };
  Login login_as(const std::string& name, Role role) {
    NewUser u;
    u.user.username = name;
    u.user.display_name = name;
    u.user.role = role;
    u.password = "a long enough password";
    EXPECT_TRUE(accounts_->create_user(u, now_).has_value());
    const auto r =
        call("POST", "/api/v1/session", json{{"username", name}, {"password", "a long enough password"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    std::string cookie;
    for (const auto& [k, v] : r.headers) {
      if (k == "Set-Cookie") cookie = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
    }
    return {cookie, json::parse(r.body)["csrf_token"]};
  }

  std::vector<std::string> audit_actions() {
    (void)store_->flush();
    std::vector<std::string> out;
    const auto rows = store_->audit_log(100);  // kept alive for the loop
    for (const auto& row : *rows) out.push_back(row[1] + " " + row[2]);
    return out;
  }

  test::TempDir dir_;
  core::TimePoint now_ = core::from_epoch_ms(T0);
  GatewayConfig config_;
  drivers::DriverSet drivers_ = drivers::DriverSet::make_default(drivers::DriverOptions{});
  DeviceRegistry registry_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<EnergyService> energy_;
  ApiContext ctx_;
  std::vector<std::string> hooked_;
};

const char* const ENDPOINTS[] = {"/api/v1/energy/summary", "/api/v1/energy/appliances", "/api/v1/energy/tariff",
                                 "/api/v1/advice",
                                 "/api/v1/savings?baseline=2026-10-25..2026-10-31&reporting=2026-11-01..2026-11-07"};

}  // namespace

TEST_F(EnergyApiTest, NobodyAndTheTvGetNothingCarersReadAndOnlyTheHouseholderOrAdminEditsTheTariff) {
  for (const char* p : ENDPOINTS) {
    EXPECT_EQ(call("GET", p).status, 401) << p;                           // not logged in
    EXPECT_EQ(call("GET", p, "", "", "", "127.0.0.1").status, 401) << p;  // the TV: the home summary only
    EXPECT_EQ(call("GET", p, "", "", "", REMOTE, "wrong-token-wrong-token-wrong-tok").status, 401) << p;
  }
  const Login carer = login_as("carer1", Role::carer);
  const Login home = login_as("margaret", Role::householder);
  EXPECT_EQ(call("GET", "/api/v1/energy/appliances", "", carer.cookie).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/advice", "", home.cookie).status, 200);
  const std::string tariff = en::tariff_to_json(en::shipped_tariffs().tariffs.at(1));
  EXPECT_EQ(call("PUT", "/api/v1/energy/tariff", tariff, carer.cookie, carer.csrf).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/energy/tariff", tariff, home.cookie).status, 403) << "no CSRF token";
  EXPECT_EQ(call("PUT", "/api/v1/energy/tariff", tariff, "", "tv-csrf-0123456789", "127.0.0.1").status, 401);
  const auto put = call("PUT", "/api/v1/energy/tariff", tariff, home.cookie, home.csrf);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(call("POST", "/api/v1/energy/summary", "{}", home.cookie, home.csrf).status, 405);
  ctx_.energy = nullptr;  // energy.enabled: false
  EXPECT_EQ(call("GET", "/api/v1/energy/summary", "", home.cookie).status, 503);
  EXPECT_TRUE(json::parse(home_summary_json(ctx_))["energy"].is_null());
  const auto actions = audit_actions();
  for (const char* a : {"carer1 view_energy_appliances", "margaret view_energy_advice", "margaret edit_energy_tariff"})
    EXPECT_NE(std::find(actions.begin(), actions.end(), a), actions.end()) << a;
}

TEST_F(EnergyApiTest, AppliancesAndSummaryMatchTheHandComputedTrace) {
  washer_trace();
  const auto r = api("GET", "/api/v1/energy/appliances");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = json::parse(r.body);
  ASSERT_EQ(body["appliances"].size(), 1u) << r.body;
  const auto& washer = body["appliances"][0];
  EXPECT_EQ(washer["device_id"], "tasmota:washer");
  EXPECT_EQ(washer["name"], "Washer");
  EXPECT_NEAR(total_kwh(washer["today"]), 0.4, 1e-6);
  EXPECT_NEAR(washer["today"]["kwh"]["measured"].get<double>(), 0.3, 1e-6);
  EXPECT_NEAR(washer["today"]["kwh"]["bridged"].get<double>(), 0.1, 1e-6);  // across the restart
  EXPECT_EQ(washer["today"]["pence"], 9);                                   // 0.4 kWh x 22.36 p = 8.94p

  const auto s = api("GET", "/api/v1/energy/summary");
  ASSERT_EQ(s.status, 200) << s.body;
  const auto summary = json::parse(s.body);
  EXPECT_NEAR(total_kwh(summary["today"]["electricity"]), 0.4, 1e-6);
  EXPECT_EQ(summary["tariff"]["id"], en::default_tariff().id);
  EXPECT_EQ(summary["date"], "2026-11-22");

  EXPECT_EQ(api("GET", "/api/v1/advice?lang=fr").status, 400);
  const auto a = api("GET", "/api/v1/advice?lang=cy");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(json::parse(a.body)["language"], "cy");
  EXPECT_TRUE(json::parse(a.body)["advice"].is_array());
}

TEST_F(EnergyApiTest, TheHomeSummaryCarriesTheTvFields) {
  EXPECT_TRUE(json::parse(home_summary_json(ctx_))["energy"].is_null()) << "nothing metered yet";
  washer_trace();
  const auto home = json::parse(home_summary_json(ctx_));
  ASSERT_TRUE(home["energy"].is_object()) << home.dump();
  // 9p of energy and today's standing charges (60.12 + 31.41 p/day under the default tariff).
  EXPECT_EQ(home["energy"]["today_cost_pence"], 9 + 92);
  EXPECT_NEAR(home["energy"]["today_kwh"].get<double>(), 0.4, 1e-6);
  EXPECT_TRUE(home["energy"]["usual_cost_pence"].is_null()) << "no stored days to compare with";
  ASSERT_EQ(home["energy"]["appliances"].size(), 1u);
  EXPECT_EQ(home["energy"]["appliances"][0]["name"], "Washer");
  EXPECT_EQ(home["energy"]["appliances"][0]["cost_pence"], 9);
  EXPECT_TRUE(home["advice"].is_array());
  // With stored days, a usual day by now: the mean energy charge pro rata (10:45 of 24 h) + standing.
  for (const char* d : {"2026-11-19", "2026-11-20", "2026-11-21"}) store_day(d, 10.0);
  const auto usual = json::parse(home_summary_json(ctx_))["energy"]["usual_cost_pence"];
  EXPECT_EQ(usual, std::llround(224.0 * 10.75 / 24.0) + 92);
}

TEST_F(EnergyApiTest, SavingsValidateTheirParametersAndComeFromStoredDays) {
  for (int d = 25; d <= 31; ++d) store_day("2026-10-" + std::to_string(d), 10.0);
  for (int d = 1; d <= 7; ++d) store_day("2026-11-0" + std::to_string(d), 8.0);
  for (const char* bad :
       {"/api/v1/savings", "/api/v1/savings?baseline=2026-10-25..2026-10-31",
        "/api/v1/savings?baseline=2026-10-31..2026-10-25&reporting=2026-11-01..2026-11-07",
        "/api/v1/savings?baseline=last%20week&reporting=2026-11-01..2026-11-07",
        "/api/v1/savings?baseline=2026-10-25..2026-11-03&reporting=2026-11-01..2026-11-07",
        "/api/v1/savings?baseline=2006-10-25..2026-10-31&reporting=2026-11-01..2026-11-07",
        "/api/v1/savings?baseline=2026-10-25..2026-10-31&reporting=2026-11-01..2026-11-07&kind=toaster",
        "/api/v1/savings?baseline=2026-02-30..2026-03-01&reporting=2026-11-01..2026-11-07"}) {
    const auto r = api("GET", bad);
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
    EXPECT_FALSE(json::parse(r.body).value("error", "").empty()) << bad;
  }
  const auto r = api("GET", ENDPOINTS[4]);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto s = json::parse(r.body);
  EXPECT_EQ(s["baseline_days"], 7);
  EXPECT_EQ(s["reporting_days"], 7);
  EXPECT_NEAR(s["adjusted_baseline_kwh"].get<double>(), 70.0, 1e-9);
  EXPECT_NEAR(s["actual_kwh"].get<double>(), 56.0, 1e-9);
  EXPECT_NEAR(s["saved_kwh"]["value"].get<double>(), 14.0, 1e-9);
  EXPECT_NEAR(s["saved_pct"]["value"].get<double>(), 20.0, 1e-6);
  // Days that were never stored: no figure, and the answer says why.
  const auto none = api("GET", "/api/v1/savings?baseline=2025-01-01..2025-01-31&reporting=2025-02-01..2025-02-28");
  EXPECT_EQ(none.status, 422) << none.body;
}

TEST_F(EnergyApiTest, YearToDateAfterARestartComesFromStoredSummaries) {
  for (int d = 25; d <= 31; ++d) store_day("2026-10-" + std::to_string(d), 10.0);
  washer_trace();
  const double before =
      total_kwh(json::parse(api("GET", "/api/v1/energy/summary").body)["year_to_date"]["electricity"]);
  EXPECT_NEAR(before, 70.4, 1e-6);
  // hearthd restarts: a fresh ledger rebuilt from the stored readings, the same year to date.
  ASSERT_TRUE(store_->flush().has_value());
  start_energy();
  const auto after = json::parse(api("GET", "/api/v1/energy/summary").body);
  EXPECT_NEAR(total_kwh(after["year_to_date"]["electricity"]), 70.4, 1e-6);
  EXPECT_NEAR(total_kwh(after["today"]["electricity"]), 0.4, 1e-6);
  // The restart recorded when it happened keeps the 10 minutes across it bridged, as before.
  const auto washer = json::parse(api("GET", "/api/v1/energy/appliances").body)["appliances"][0];
  EXPECT_NEAR(washer["today"]["kwh"]["bridged"].get<double>(), 0.1, 1e-6);
}

TEST_F(EnergyApiTest, CompletedDaysAreStoredOnceAndHandedToTheHook) {
  washer_trace();
  EXPECT_EQ(energy_->tick(now_), 0u);
  now_ = core::from_epoch_ms(T0 + 15 * 3'600'000LL);  // 01:00 the next day
  EXPECT_EQ(energy_->tick(now_), 1u);
  EXPECT_EQ(energy_->tick(now_), 0u);
  ASSERT_EQ(hooked_, std::vector<std::string>{"2026-11-22"});
  auto rows = store_->energy_days("2026-11-01", "2026-11-30");
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  auto parsed = en::parse_daily_summary(rows->at(0).summary_json);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_NEAR(parsed->electricity.total(), 0.4, 1e-6);
  // The same day again (a restart replays it): still one row, and the hook is not called again.
  EXPECT_FALSE(*store_->save_energy_day({"2026-11-22", "{}", T0}));
  start_energy();
  EXPECT_EQ(store_->energy_days("2026-11-01", "2026-11-30")->size(), 1u);
  EXPECT_TRUE(hooked_.size() == 1u);
}

TEST_F(EnergyApiTest, AnEditedTariffIsKeptAndPricesWhatComesNext) {
  auto t = en::shipped_tariffs().tariffs.at(1);
  t.id = "our_bill";
  t.electricity.unit_rate_p_per_kwh = 50.0;
  ASSERT_EQ(api("PUT", "/api/v1/energy/tariff", en::tariff_to_json(t)).status, 200);
  EXPECT_EQ(api("PUT", "/api/v1/energy/tariff", R"({"id":"x"})").status, 400);
  EXPECT_EQ(api("PUT", "/api/v1/energy/tariff", "not json").status, 400);
  const auto got = json::parse(api("GET", "/api/v1/energy/tariff").body);
  EXPECT_EQ(got["tariff"]["id"], "our_bill");
  EXPECT_EQ(got["edited"], true);
  washer_trace();
  EXPECT_EQ(json::parse(api("GET", "/api/v1/energy/appliances").body)["appliances"][0]["today"]["pence"], 20);
  start_energy();  // kept across a restart
  EXPECT_EQ(energy_->tariff().id, "our_bill");
  // A config naming another tariff wins over the edit.
  config_.energy.tariff = en::shipped_tariffs().tariffs.at(2);
  energy_->reconfigure(config_.energy);
  EXPECT_EQ(energy_->tariff().id, en::shipped_tariffs().tariffs.at(2).id);
}

TEST_F(EnergyApiTest, ADayMissedWhileStoppedIsSummarisedFromStoredReadingsAtStart) {
  washer_trace();
  ASSERT_TRUE(store_->flush().has_value());
  // hearthd was stopped before midnight and starts again the next morning: no tick saw the day end.
  now_ = core::from_epoch_ms(T0 + 22 * 3'600'000LL);
  start_energy();
  ASSERT_EQ(hooked_, std::vector<std::string>{"2026-11-22"}) << "only the day with data, not the empty days before";
  auto parsed = en::parse_daily_summary(store_->energy_days("2026-11-22", "2026-11-22")->at(0).summary_json);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_NEAR(parsed->electricity.total(), 0.4, 1e-6);
  EXPECT_EQ(parsed->counter_restarts, 1);
}
