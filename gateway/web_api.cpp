// The dashboard's endpoints (docs/dashboard.md): first-run setup, sessions, accounts, the TV's
// home summary and its actions, the message catalogue and the live event stream.
#include <nlohmann/json.hpp>

#include "dashboard/http_message.h"
#include "gateway/alert_json.h"
#include "gateway/api.h"
#include "gateway/energy_service.h"
#include "rules/messages.h"

namespace hearth::gateway {
namespace {

using dashboard::HttpRequest;
using dashboard::HttpResponse;
using dashboard::json_error;
using nlohmann::json;

constexpr std::string_view COOKIE = "hearth_session";

HttpResponse json_response(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

json user_json(const User& u) {
  return {{"username", u.username},
          {"display_name", u.display_name},
          {"role", to_string(u.role)},
          {"language", u.language}};
}

std::optional<std::string> cookie_value(const HttpRequest& req, std::string_view name) {
  const auto header = req.header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string session_cookie(const ApiContext& ctx, const std::string& token, bool clear = false) {
  std::string c = std::string(COOKIE) + "=" + (clear ? "" : token) + "; Path=/; HttpOnly; SameSite=Strict";
  if (ctx.secure_cookies) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

std::optional<std::string> string_field(const json& body, const char* key) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_string()) return std::nullopt;
  return body[key].get<std::string>();
}

HttpResponse session_started(const ApiContext& ctx, const LoginOutcome& login, int status) {
  HttpResponse r =
      json_response({{"user", user_json(login.session.user)}, {"csrf_token", login.session.csrf_token}}, status);
  r.headers.emplace_back("Set-Cookie", session_cookie(ctx, login.token));
  return r;
}

HttpResponse setup(const HttpRequest& req, ApiContext& ctx) {
  if (ctx.accounts == nullptr) return json_error(503, "accounts are not available");
  if (req.method == "GET") {
    json out{{"setup_required", ctx.accounts->setup_required()}};
    // The code is shown on the box's own screen only; anyone else must be told it.
    if (ctx.accounts->setup_required() && is_loopback(req.remote_address)) out["code"] = ctx.accounts->setup_code();
    // Public (any client can read the certificate itself): the TV shows it for phones to compare.
    if (!ctx.tls_fingerprint_sha256.empty()) out["tls_fingerprint_sha256"] = ctx.tls_fingerprint_sha256;
    return json_response(out);
  }
  if (req.method != "POST") return json_error(405, "method not allowed");
  if (!ctx.accounts->setup_required()) return json_error(409, "already set up: log in");
  const auto body = json::parse(req.body, nullptr, false);
  NewUser first;
  first.user.username = string_field(body, "username").value_or("");
  first.user.display_name = string_field(body, "display_name").value_or(first.user.username);
  first.user.language = string_field(body, "language").value_or("en");
  first.password = string_field(body, "password").value_or("");
  auto user =
      ctx.accounts->complete_setup(string_field(body, "code").value_or(""), first, req.remote_address, ctx.now());
  if (!user) {
    const auto& m = user.error().message;
    const int status = m.find("setup code") != std::string::npos ? 403
                       : m.find("too many") != std::string::npos ? 429
                                                                 : 400;
    ctx.store->audit("anonymous@" + req.remote_address, "setup_failed", m);
    return json_error(status, m);
  }
  ctx.store->audit(user->username, "setup_completed", "admin account created");
  auto login = ctx.accounts->start_session(*user, ctx.now());
  if (!login) return json_error(500, login.error().message);
  return session_started(ctx, *login, 201);
}

HttpResponse login(const HttpRequest& req, ApiContext& ctx) {
  if (ctx.accounts == nullptr) return json_error(503, "accounts are not available");
  const auto body = json::parse(req.body, nullptr, false);
  const std::string username = string_field(body, "username").value_or("");
  const auto out =
      ctx.accounts->login(username, string_field(body, "password").value_or(""), req.remote_address, ctx.now());
  switch (out.kind) {
    case LoginOutcome::Kind::ok:
      ctx.store->audit(username, "login", req.remote_address);
      return session_started(ctx, out, 200);
    case LoginOutcome::Kind::bad_credentials:
      ctx.store->audit(username, "login_failed", req.remote_address);
      return json_error(401, "wrong username or password");
    case LoginOutcome::Kind::locked:
    case LoginOutcome::Kind::throttled: {
      ctx.store->audit(username, "login_refused", req.remote_address);
      HttpResponse r = json_error(429, out.kind == LoginOutcome::Kind::locked
                                           ? "too many failed logins: this account is locked for a while"
                                           : "too many failed logins from this address: wait a minute");
      r.headers.emplace_back("Retry-After", std::to_string(out.retry_after.count()));
      return r;
    }
  }
  return json_error(500, "unreachable");
}

HttpResponse session(const HttpRequest& req, ApiContext& ctx, const std::optional<Principal>& who) {
  if (req.method == "POST") return login(req, ctx);
  if (!who) return json_error(401, "not logged in");
  if (req.method == "DELETE") {
    if (!who->session_token.empty() && ctx.accounts != nullptr) ctx.accounts->logout(who->session_token);
    ctx.store->audit(who->name, "logout", "");
    HttpResponse r = json_response({{"logged_out", true}});
    r.headers.emplace_back("Set-Cookie", session_cookie(ctx, "", true));
    return r;
  }
  if (req.method != "GET") return json_error(405, "method not allowed");
  const std::string language = ctx.store->setting("language").value_or("en");
  const json user =
      who->role == Role::tv ? json{{"username", "tv"}, {"display_name", "TV"}, {"role", "tv"}, {"language", language}}
      : who->name == "api"
          ? json{{"username", "api"}, {"display_name", "API client"}, {"role", "admin"}, {"language", "en"}}
          : json::object();
  // A session's account was read afresh for this request, so a language change shows at once.
  return json_response({{"user", user.empty() ? user_json(who->account) : user}, {"csrf_token", who->csrf_token}});
}

const char* room_state(double temperature_c) {
  if (temperature_c < 16.0) return "cold";
  if (temperature_c < 18.0) return "cool";
  if (temperature_c > 25.0) return "warm";
  return "ok";
}

bool may_act_for_home(const std::optional<Principal>& who) {
  return who && (who->role == Role::tv || who->role == Role::householder || who->role == Role::admin);
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json home_summary(const ApiContext& ctx);

HttpResponse home_setting(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  const auto body = json::parse(req.body, nullptr, false);
  if (req.path == "/api/v1/home/away") {
    if (!body.is_object() || !body.contains("away") || !body["away"].is_boolean())
      return json_error(400, "body: {\"away\": true|false}");
    const bool away = body["away"].get<bool>();
    if (auto r = ctx.store->set_setting("away", away ? "1" : "0"); !r) return json_error(500, r.error().message);
    if (ctx.alerting != nullptr) ctx.alerting->set_away(away, ctx.now());  // no learned alerts while away
    ctx.store->audit(who.name, away ? "away_on" : "away_off", "");
  } else {
    const auto lang = string_field(body, "language");
    if (!lang || (*lang != "en" && *lang != "cy")) return json_error(400, "body: {\"language\": \"en\"|\"cy\"}");
    if (auto r = ctx.store->set_setting("language", *lang); !r) return json_error(500, r.error().message);
    if (who.cookie && ctx.accounts != nullptr) (void)ctx.accounts->set_language(who.name, *lang);
    ctx.store->audit(who.name, "language", *lang);
  }
  const json summary = home_summary(ctx);  // built once: for the live feed and for the answer
  if (ctx.live) ctx.live("home", dump(summary));
  return json_response(summary);
}

HttpResponse catalogue(const HttpRequest& req) {
  const std::string lang = req.query_param("lang").value_or("en");
  if (lang != "en" && lang != "cy") return json_error(400, "lang: en or cy");
  json messages = json::object();
  for (auto key : rules::message_keys()) {
    messages[std::string(key)] = rules::render(key, lang == "cy" ? rules::Language::cy : rules::Language::en, {});
  }
  return json_response({{"language", lang}, {"messages", messages}});
}

HttpResponse users(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  if (ctx.accounts == nullptr) return json_error(503, "accounts are not available");
  if (req.path == "/api/v1/users" && req.method == "GET") {
    auto all = ctx.accounts->users();
    if (!all) return json_error(500, all.error().message);
    json list = json::array();
    for (const auto& u : *all) list.push_back(user_json(u));
    ctx.store->audit(who.name, "list_users", "");
    return json_response({{"users", list}});
  }
  if (req.path == "/api/v1/users" && req.method == "POST") {
    const auto body = json::parse(req.body, nullptr, false);
    NewUser u;
    u.user.username = string_field(body, "username").value_or("");
    u.user.display_name = string_field(body, "display_name").value_or(u.user.username);
    u.user.language = string_field(body, "language").value_or("en");
    u.password = string_field(body, "password").value_or("");
    const auto role = role_from_string(string_field(body, "role").value_or(""));
    if (!role || *role == Role::tv) return json_error(400, "role: householder, carer, coordinator or admin");
    u.user.role = *role;
    auto created = ctx.accounts->create_user(u, ctx.now());
    if (!created) {
      return json_error(created.error().message.find("taken") != std::string::npos ? 409 : 400,
                        created.error().message);
    }
    ctx.store->audit(who.name, "create_user", created->username + " " + std::string(to_string(created->role)));
    return json_response({{"user", user_json(*created)}}, 201);
  }
  constexpr std::string_view PREFIX = "/api/v1/users/";
  if (req.path.rfind(PREFIX, 0) == 0 && req.method == "DELETE") {
    const std::string name = req.path.substr(PREFIX.size());
    if (name == who.name) return json_error(400, "you cannot delete your own account");
    if (auto r = ctx.accounts->delete_user(name); !r) return json_error(404, r.error().message);
    ctx.store->audit(who.name, "delete_user", name);
    return json_response({{"deleted", name}});
  }
  return json_error(405, "method not allowed");
}

HttpResponse audit(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  std::size_t limit = 200;
  if (auto l = req.query_param("limit")) {
    try {
      limit = std::clamp<std::size_t>(std::stoul(*l), 1, 5000);
    } catch (const std::exception&) {
      return json_error(400, "limit: a number");
    }
  }
  (void)ctx.store->flush();  // include what was queued a moment ago
  auto rows = ctx.store->audit_log(limit);
  if (!rows) return json_error(500, rows.error().message);
  json list = json::array();
  for (const auto& row : *rows) {
    list.push_back({{"ts_ms", std::stoll(row[0])}, {"actor", row[1]}, {"action", row[2]}, {"target", row[3]}});
  }
  ctx.store->audit(who.name, "read_audit_log", "");
  return json_response({{"entries", list}});
}

}  // namespace

bool is_loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address.rfind("127.", 0) == 0 || address == "::ffff:127.0.0.1";
}

std::optional<Principal> resolve_principal(const HttpRequest& req, ApiContext& ctx) {
  const std::string& token = ctx.config->http.api_token;
  if (const auto header = req.header("authorization")) {
    constexpr std::string_view PREFIX = "Bearer ";
    // No token configured: nobody gets in this way (no default credentials).
    if (!token.empty() && header->size() > PREFIX.size() && header->compare(0, PREFIX.size(), PREFIX) == 0 &&
        token_equals(std::string_view(*header).substr(PREFIX.size()), token)) {
      return Principal{"api", Role::admin, false, "", "", {}};
    }
    return std::nullopt;  // a wrong token is never silently downgraded to the TV
  }
  if (const auto cookie = cookie_value(req, COOKIE); cookie && ctx.accounts != nullptr) {
    if (auto s = ctx.accounts->session(*cookie, ctx.now())) {
      return Principal{s->user.username, s->user.role, true, s->csrf_token, *cookie, s->user};
    }
  }
  if (ctx.tv_from_loopback && is_loopback(req.remote_address) && !ctx.tv_csrf_token.empty()) {
    return Principal{"tv", Role::tv, false, ctx.tv_csrf_token, "", {}};
  }
  return std::nullopt;
}

namespace {

json home_summary(const ApiContext& ctx) {
  json rooms = json::array();
  json offline = json::array();
  std::int64_t last_activity_ms = 0;
  std::map<std::string, std::pair<double, std::int64_t>> by_room;  // newest temperature per room
  for (const auto& [id, d] : ctx.registry->all()) {
    if (auto it = d.latest.find(core::Metric::online); it != d.latest.end() && it->second.value < 0.5)
      offline.push_back(id);
    if (auto it = d.latest.find(core::Metric::motion); it != d.latest.end() && it->second.value > 0.5)
      last_activity_ms = std::max(last_activity_ms, core::to_epoch_ms(it->second.ts));
    auto t = d.latest.find(core::Metric::temperature_c);
    if (t == d.latest.end() || d.settings.room.empty()) continue;
    const auto ts = core::to_epoch_ms(t->second.ts);
    auto [slot, added] = by_room.try_emplace(d.settings.room, t->second.value, ts);
    if (!added && ts > slot->second.second) slot->second = {t->second.value, ts};
  }
  for (const auto& [room, v] : by_room) {
    rooms.push_back({{"room", room}, {"temperature_c", v.first}, {"ts_ms", v.second}, {"state", room_state(v.first)}});
  }
  json alerts = json::array();
  bool concern = false;  // an open learned alert: the TV never says "all is well" then
  if (ctx.alerting != nullptr) {
    for (const auto& a : ctx.alerting->open_alerts()) {
      alerts.push_back(alert_to_json(a));
      concern = concern || a.kind == "wellbeing";
    }
  }
  json wellbeing = nullptr;
  if (ctx.alerting != nullptr) {
    if (auto routine = ctx.alerting->routine_json()) {
      const auto r = json::parse(*routine, nullptr, false);
      json score = nullptr;
      if (r.is_object() && r.contains("scores") && r["scores"].is_array() && !r["scores"].empty())
        score = r["scores"].back().value("score", json(nullptr));
      wellbeing = {{"warming_up", r.is_object() ? r.value("warming_up", true) : true},
                   {"away", r.is_object() && r.value("away", false)},
                   {"all_is_well", !concern},
                   {"score", score}};
    }
  }
  return json{{"home_id", ctx.config->home_id},
              {"language", ctx.store->setting("language").value_or("en")},
              {"away", ctx.store->setting("away").value_or("0") == "1"},
              {"rooms", rooms},
              {"alerts", alerts},
              {"last_activity_ms", last_activity_ms == 0 ? json(nullptr) : json(last_activity_ms)},
              {"devices_offline", offline},
              {"energy", ctx.energy != nullptr ? ctx.energy->tv_energy_json(ctx.now()) : json(nullptr)},
              {"advice", ctx.energy != nullptr ? ctx.energy->tv_advice_json(ctx.now()) : json::array()},
              {"wellbeing", wellbeing}};
}

}  // namespace

std::string home_summary_json(const ApiContext& ctx) { return dump(home_summary(ctx)); }

std::optional<HttpResponse> handle_web_api(const HttpRequest& req, ApiContext& ctx,
                                           const std::optional<Principal>& who) {
  const std::string& p = req.path;
  if (p == "/api/v1/setup") return setup(req, ctx);
  if (p == "/api/v1/session") return session(req, ctx, who);
  if (p == "/api/v1/catalogue") return catalogue(req);
  const bool web = p == "/api/v1/home" || p == "/api/v1/home/away" || p == "/api/v1/home/language" ||
                   p == "/api/v1/callback" || p == "/api/v1/events" || p == "/api/v1/audit" || p == "/api/v1/users" ||
                   p.rfind("/api/v1/users/", 0) == 0 || p == "/api/v1/routine";
  if (!web) return std::nullopt;
  if (!who) return json_error(401, "not logged in");
  if (p == "/api/v1/home") {
    if (req.method != "GET") return json_error(405, "method not allowed");
    ctx.store->audit(who->name, "view_home", "");
    HttpResponse r;
    r.body = home_summary_json(ctx);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  if (p == "/api/v1/events") {
    if (req.method != "GET") return json_error(405, "method not allowed");
    ctx.store->audit(who->name, "watch_live", "");
    return dashboard::event_stream("live");
  }
  if (p == "/api/v1/home/away" || p == "/api/v1/home/language") {
    if (req.method != "POST") return json_error(405, "method not allowed");
    if (!may_act_for_home(who)) return json_error(403, "only the householder changes this");
    return home_setting(req, ctx, *who);
  }
  if (p == "/api/v1/routine") {
    if (req.method != "GET") return json_error(405, "method not allowed");
    if (who->role == Role::tv) return json_error(401, "not logged in");
    ctx.store->audit(who->name, "view_routine", "");  // health-like data: every view is recorded
    auto routine = ctx.alerting != nullptr ? ctx.alerting->routine_json() : std::nullopt;
    HttpResponse r;
    r.body = routine ? *routine : R"({"enabled":false})";
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  if (p == "/api/v1/callback") {
    if (req.method != "POST") return json_error(405, "method not allowed");
    if (who->role != Role::tv && who->role != Role::householder) return json_error(403, "for the householder");
    if (ctx.alerting == nullptr) return json_error(503, "alerts are not running");
    auto a = ctx.alerting->request_callback(who->role == Role::tv ? "" : who->name, ctx.now());
    ctx.store->audit(who->name, "callback_requested", "");
    return json_response({{"alert", alert_to_json(a)}}, 201);
  }
  if (who->role != Role::admin) return json_error(403, "admins only");
  if (p == "/api/v1/audit") return audit(req, ctx, *who);
  return users(req, ctx, *who);
}

}  // namespace hearth::gateway
