#include "coordinator/api.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <vector>

#include "coordinator/api_ack.h"
#include "coordinator/attended.h"
#include "coordinator/web_ui.h"
#include "core/time.h"
#include "rules/energy_time.h"

namespace hearth::coordinator {
namespace {

using core::Error;
using dashboard::HttpRequest;
using dashboard::HttpResponse;
using dashboard::json_error;
using nlohmann::json;

constexpr std::string_view TAG = "coordinator-api";
constexpr auto VERIFIED_FOR = std::chrono::minutes{10};
constexpr int MAX_FAILURES_PER_MINUTE = 10;
constexpr std::size_t MAX_TOKEN_BYTES = 256;

HttpResponse json_response(const json& body) {
  HttpResponse r;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::string fingerprint(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 1;
  while (i <= path.size()) {
    const auto slash = path.find('/', i);
    const auto end = slash == std::string::npos ? path.size() : slash;
    parts.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return parts;
}

// One escalation step for the coordinator (the alert's own texts stay out: GET .../alerts has the alert).
json step_json(const EscalationStep& s) {
  return {{"home", s.home_id},      {"alert_id", s.alert_id},   {"raised_ms", s.raised_ms},     {"step", s.step},
          {"kind", s.kind},         {"person_id", s.person_id}, {"person_name", s.person_name}, {"role", s.role},
          {"language", s.language}, {"at_ms", s.at_ms},         {"channel", s.channel},         {"note", s.note}};
}

json alert_json(const AlertRow& a) {
  const auto opt = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
  return json{{"home", a.home_id},
              {"alert_id", a.alert_id},
              {"rule", a.rule},
              {"severity", a.severity},
              {"state", a.state},
              {"raised_ms", a.raised_ms},
              {"received_ms", a.received_ms},
              {"acknowledged_ms", opt(a.acknowledged_ms)},
              {"acknowledged_by", a.acknowledged_by},
              {"resolved_ms", opt(a.resolved_ms)},
              {"events", a.events}};
}

void audit(const ApiAccount& who, const std::string& what, const std::string& coop) {
  spdlog::info("{}: audit: {} ({}) read {} of co-op {}", TAG, who.name, to_string(who.role), what, coop);
}

// GET .../steps[?home=&alert=]: every recorded escalation step (who was told, by which channel, who
// acknowledged or attended, when); GET .../responses: the telecare response shares of
// `hearth-coordinator report --responses`. Coordinators only; the caller checked role and co-op.
HttpResponse escalation_report(const CoordinatorStore& store, const CoordinatorConfig& config, const ApiAccount& who,
                               const std::string& coop, const std::string& leaf, const HttpRequest& req) {
  const auto home = req.query_param("home");
  if (home && !config.coops.at(coop).contains(*home)) return json_error(404, "not found");
  auto steps = store.escalation_steps(coop, home.value_or(""));
  if (!steps) {
    spdlog::error("{}: {}", TAG, steps.error().message);
    return json_error(500, "store unavailable");
  }
  if (leaf == "steps") {
    const auto alert = req.query_param("alert");
    json out = json::array();
    for (const auto& s : *steps)
      if (!alert || s.alert_id == *alert) out.push_back(step_json(s));
    audit(who, "escalation steps" + (home ? " of home " + *home : std::string{}), coop);
    return json_response({{"coop", coop}, {"steps", std::move(out)}});
  }
  if (home) return json_error(400, "responses are for the whole co-op");
  auto summary = store.response_summary(coop);
  auto alerts = store.alerts(coop);
  if (!summary || !alerts) return json_error(500, "store unavailable");
  const auto attended = attended_summary(*alerts, *steps, config.notify.attend_within);
  json within = json::array();
  for (const auto& [threshold, n] : attended.within)
    within.push_back({{"minutes", std::chrono::duration_cast<std::chrono::minutes>(threshold).count()}, {"alerts", n}});
  audit(who, "responses", coop);
  return json_response({{"coop", coop},
                        {"alerts", summary->alerts},
                        {"acknowledged", summary->acknowledged},
                        {"acknowledged_within_60s", summary->within_60s},
                        {"acknowledged_within_180s", summary->within_180s},
                        {"attended", attended.attended},
                        {"attended_within", std::move(within)}});
}

}  // namespace

CoordinatorApi::CoordinatorApi(const CoordinatorConfig& config, CoordinatorStore& store)
    : config_(config), store_(store) {}

const ApiAccount* CoordinatorApi::authenticate(const HttpRequest& req, std::chrono::steady_clock::time_point now,
                                               bool& throttled) {
  throttled = false;
  const auto header = req.header("authorization");
  if (!header || header->size() > MAX_TOKEN_BYTES || header->rfind("Bearer ", 0) != 0) return nullptr;
  const std::string token = header->substr(7);
  const std::string key = fingerprint(token);
  if (auto it = verified_.find(key); it != verified_.end()) {
    if (now < it->second.second) return it->second.first;
    verified_.erase(it);
  }
  if (failures_.size() > 10'000 && !failures_.contains(req.remote_address)) {
    // Bounded: forget windows that have ended (an address can only gain from that after a minute).
    std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.second > std::chrono::minutes{1}; });
  }
  auto& [failures, since] = failures_[req.remote_address];
  if (now - since > std::chrono::minutes{1}) failures = 0, since = now;
  if (failures >= MAX_FAILURES_PER_MINUTE) {
    throttled = true;
    return nullptr;
  }
  const auto dot = token.find('.');
  const ApiAccount* account = nullptr;
  if (dot != std::string::npos) {
    const std::string name = token.substr(0, dot);
    for (const auto& a : config_.accounts) {
      if (a.name == name) account = &a;
    }
  }
  const std::string secret = dot == std::string::npos ? std::string() : token.substr(dot + 1);
  if (account == nullptr || crypto_pwhash_str_verify(account->token_hash.c_str(), secret.data(), secret.size()) != 0) {
    ++failures;
    return nullptr;
  }
  if (verified_.size() > 1000) verified_.clear();  // bounded; at worst argon2id runs again
  verified_[key] = {account, now + VERIFIED_FOR};
  return account;
}

HttpResponse CoordinatorApi::handle(const HttpRequest& req, std::chrono::steady_clock::time_point now) {
  if (auto page = web_ui_route(req)) return std::move(*page);  // the dashboard's pages: no data, no token
  ++stats_.requests;
  bool throttled = false;
  const ApiAccount* who = authenticate(req, now, throttled);
  if (throttled) {
    ++stats_.throttled;
    HttpResponse r = json_error(429, "too many failed attempts: wait a minute");
    r.headers.emplace_back("Retry-After", "60");
    return r;
  }
  if (who == nullptr) {
    ++stats_.unauthorised;
    HttpResponse r = json_error(401, "a valid bearer token is required");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"hearth-coordinator\"");
    return r;
  }
  if (is_ack_request(req)) return post_ack(req, *who, config_, store_, stats_, core::to_epoch_ms(core::now_ms()));
  const auto parts = split_path(req.path);
  // POST /api/v1/coops/<coop>/alerts/attend: someone arrived at the home (coordinator/attended.h).
  if (req.method == "POST" && parts.size() == 6 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "coops" &&
      parts[4] == "alerts" && parts[5] == "attend") {
    if (parts[3] != who->coop_id) return json_error(404, "not found");
    if (who->role != ApiRole::coordinator) {
      ++stats_.forbidden;
      return json_error(403, "coordinators only");
    }
    return attend_endpoint(store_, config_, *who, req, core::to_epoch_ms(core::now_ms()));
  }
  if (req.method != "GET") return json_error(405, "method not allowed");
  if (parts.size() == 3 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "whoami")
    return json_response({{"name", who->name}, {"role", to_string(who->role)}, {"coop", who->coop_id}});
  if (parts.size() != 5 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "coops")
    return json_error(404, "not found");
  const std::string& coop = parts[3];
  const std::string& leaf = parts[4];
  // Another co-op, or none: the same answer, so an account cannot even learn which co-ops exist.
  if (coop != who->coop_id) return json_error(404, "not found");
  if (leaf == "analytics") {
    const auto from = req.query_param("from");
    const auto to = req.query_param("to");
    const std::string by = req.query_param("by").value_or("day");
    const std::string format = req.query_param("format").value_or("json");
    if (!from || !to) return json_error(400, "from and to (YYYY-MM-DD) are required");
    if (format != "json" && format != "csv") return json_error(400, "format: json or csv");
    auto report = coop_analytics(store_, config_.analytics, coop, *from, *to, by);
    if (!report) return json_error(400, report.error().message);
    spdlog::info("{}: {} ({}) read analytics {}..{} by {} of co-op {}", TAG, who->name, to_string(who->role), *from,
                 *to, by, coop);
    if (format == "json") return json_response(json::parse(report_to_json(*report)));
    HttpResponse r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = report_to_csv(*report);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"hearth-" + coop + "-" + *from + "-" + *to + "-" + by + ".csv\"");
    return r;
  }
  if (leaf != "homes" && leaf != "alerts" && leaf != "steps" && leaf != "responses")
    return json_error(404, "not found");
  if (who->role != ApiRole::coordinator) {
    ++stats_.forbidden;
    return json_error(403, "analysts see aggregates only");
  }
  const auto& gateways = config_.coops.at(coop);
  if (leaf == "steps" || leaf == "responses") return escalation_report(store_, config_, *who, coop, leaf, req);
  auto rows = store_.alerts(coop);  // this co-op only
  if (!rows) {
    spdlog::error("{}: {}", TAG, rows.error().message);
    return json_error(500, "store unavailable");
  }
  if (leaf == "alerts") {
    const auto home = req.query_param("home");
    if (home && !gateways.contains(*home)) return json_error(404, "not found");
    json out = json::array();
    for (const auto& a : *rows) {
      if (!home || a.home_id == *home) out.push_back(alert_json(a));
    }
    audit(*who, home ? "alerts of home " + *home : std::string("alerts"), coop);
    return json_response({{"coop", coop}, {"alerts", std::move(out)}});
  }
  json homes = json::array();
  for (const auto& gw : gateways) {
    int open = 0, total = 0;
    const AlertRow* latest = nullptr;
    for (const auto& a : *rows) {
      if (a.home_id != gw) continue;
      ++total;
      if (!a.resolved_ms) ++open;
      if (latest == nullptr || a.raised_ms > latest->raised_ms) latest = &a;
    }
    homes.push_back({{"home", gw},
                     {"status", open > 0 ? "alert" : "ok"},
                     {"open_alerts", open},
                     {"alerts", total},
                     {"latest_alert", latest != nullptr ? alert_json(*latest) : json(nullptr)}});
  }
  audit(*who, "homes", coop);
  return json_response({{"coop", coop}, {"homes", std::move(homes)}});
}

core::Result<NewToken> make_api_token(const std::string& name, unsigned long long ops_limit, std::size_t mem_limit) {
  if (sodium_init() < 0) return Error{"libsodium failed to initialise"};
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  std::string secret(sizeof raw * 2 + 1, '\0');
  sodium_bin2hex(secret.data(), secret.size(), raw, sizeof raw);
  secret.pop_back();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, secret.data(), secret.size(), ops_limit, mem_limit, crypto_pwhash_ALG_ARGON2ID13) !=
      0)
    return Error{"token hashing ran out of memory"};
  return NewToken{name + "." + secret, hash};
}

core::Result<AnalyticsReport> coop_analytics(const CoordinatorStore& store, const AnalyticsSettings& settings,
                                             const std::string& coop_id, const std::string& from, const std::string& to,
                                             const std::string& by) {
  const auto from_day = rules::energy::parse_day(from);
  const auto to_day = rules::energy::parse_day(to);
  if (!from_day) return Error{"from: expected a date YYYY-MM-DD"};
  if (!to_day) return Error{"to: expected a date YYYY-MM-DD"};
  const auto period = period_from_string(by);
  if (!period) return Error{"by: day, week or month"};
  const auto today = static_cast<rules::energy::Day>(core::to_epoch_ms(core::now_ms()) / 86'400'000);
  AnalyticsQuery q{coop_id, *from_day, *to_day, *period, today};
  if (q.from > q.to) return Error{"from is after to"};
  if (q.to - q.from + 1 > settings.max_days)
    return Error{"range longer than " + std::to_string(settings.max_days) + " days"};
  auto rows = store.summaries(coop_id, "energy", to);
  if (!rows) return rows.error();
  std::vector<HomeDay> days;
  days.reserve(rows->size());
  std::size_t unreadable = 0;
  for (const auto& r : *rows) {
    auto d = home_day_from_payload(r.home_id, r.payload, r.received_ms);
    if (d)
      days.push_back(std::move(*d));
    else
      ++unreadable;
  }
  if (unreadable > 0) spdlog::warn("{}: {} unreadable energy summaries of co-op {} skipped", TAG, unreadable, coop_id);
  return aggregate(days, q, settings);
}

}  // namespace hearth::coordinator
