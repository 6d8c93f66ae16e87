// The setup page's endpoints: devices (rooms, kinds, essential/switchable), consent, the wellbeing
// checks' settings, and the householder's data (export, erasure). Overrides are kept in the store
// (gateway/home_settings.h); the App applies them through ApiContext::overrides_changed.
#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>

#include "gateway/alert_json.h"
#include "gateway/api.h"
#include "gateway/home_settings.h"
#include "gateway/provisioning.h"

namespace hearth::gateway {
namespace {

using dashboard::HttpRequest;
using dashboard::HttpResponse;
using dashboard::json_error;
using nlohmann::json;

constexpr std::string_view DEVICES_PREFIX = "/api/v1/setup/devices/";
constexpr std::string_view CLAIMS_PREFIX = "/api/v1/setup/claims/";
constexpr std::size_t EXPORT_MAX_ROWS = 1'000'000;  // per series or table; a home has far fewer
constexpr std::int64_t DAY_MS = 86'400'000;

HttpResponse json_response(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

bool is(const Principal& who, std::initializer_list<Role> roles) {
  for (Role r : roles) {
    if (who.role == r) return true;
  }
  return false;
}

std::optional<json> body_json(const HttpRequest& req) {
  auto j = json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void changed(ApiContext& ctx) {
  if (ctx.overrides_changed) ctx.overrides_changed();
}

// Devices the home knows: seen on the broker, or declared in the YAML (maybe not plugged in yet).
HttpResponse list_devices(ApiContext& ctx, const Principal& who) {
  const HomeOverrides o = load_overrides(*ctx.store);
  const auto effective = effective_devices(*ctx.config, o);
  json list = json::array();
  const auto source = [&](const std::string& id) {
    if (o.devices.count(id) != 0) return "dashboard";
    return ctx.config->devices.count(id) != 0 ? "config" : "default";
  };
  for (const auto& [id, d] : ctx.registry->all()) {
    list.push_back({{"id", id},
                    {"driver", d.driver},
                    {"model", d.model},
                    {"announced_name", d.announced_name},
                    {"online", d.online ? json(*d.online) : json(nullptr)},
                    {"last_seen_ms", core::to_epoch_ms(d.last_seen)},
                    {"settings", device_settings_json(d.settings)},
                    {"source", source(id)}});
  }
  for (const auto& [id, s] : effective) {
    if (ctx.registry->find(id) != nullptr) continue;
    list.push_back({{"id", id},
                    {"driver", id.substr(0, id.find(':'))},
                    {"model", ""},
                    {"announced_name", ""},
                    {"online", nullptr},
                    {"last_seen_ms", nullptr},
                    {"settings", device_settings_json(s)},
                    {"source", source(id)}});
  }
  ctx.store->audit(who.name, "view_setup_devices", "");
  return json_response({{"devices", list}, {"kinds", appliance_kinds()}, {"may_set_safety", who.role == Role::admin}});
}

HttpResponse put_device(const HttpRequest& req, ApiContext& ctx, const Principal& who, const std::string& id) {
  HomeOverrides o = load_overrides(*ctx.store);
  const auto effective = effective_devices(*ctx.config, o);
  const auto current = effective.find(id);
  const Device* seen = ctx.registry->find(id);
  if (seen == nullptr && current == effective.end()) return json_error(404, "no such device: " + id);
  if (req.method == "DELETE") {
    if (who.role != Role::admin) return json_error(403, "only an admin returns a device to the installer's settings");
    if (o.devices.erase(id) == 0) return json_error(404, "this device has no settings from the dashboard");
  } else {
    auto j = body_json(req);
    if (!j) return json_error(400, "the body is not JSON");
    auto s = device_settings_from_json(*j);
    if (!s) return json_error(400, s.error().message);
    const DeviceSettings before = current != effective.end() ? current->second : DeviceSettings{};
    // Essential and switchable decide what Hearth may switch off: the installer's (admin's) call.
    if (who.role != Role::admin && (s->essential != before.essential || s->switchable != before.switchable)) {
      return json_error(403, "only an admin marks a device essential or switchable");
    }
    o.devices[id] = *s;
  }
  if (auto r = save_device_overrides(*ctx.store, o.devices); !r) return json_error(500, r.error().message);
  ctx.store->audit(who.name, req.method == "DELETE" ? "device_settings_reset" : "device_settings", id);
  changed(ctx);
  const auto now_effective = effective_devices(*ctx.config, o);
  const auto it = now_effective.find(id);
  return json_response(
      {{"id", id}, {"settings", device_settings_json(it != now_effective.end() ? it->second : DeviceSettings{})}});
}

HttpResponse consent(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  if (req.method == "GET") {
    ctx.store->audit(who.name, "view_consent", "");
    return json_response(consent_json(effective_consent(*ctx.config, load_overrides(*ctx.store))));
  }
  if (req.method != "PUT") return json_error(405, "method not allowed");
  // What leaves the home is the householder's choice (an admin may record it for them).
  if (!is(who, {Role::householder, Role::admin})) return json_error(403, "only the householder changes this");
  auto j = body_json(req);
  if (!j) return json_error(400, "the body is not JSON");
  auto c = consent_from_json(*j);
  if (!c) return json_error(400, c.error().message);
  if (auto r = save_consent(*ctx.store, *c); !r) return json_error(500, r.error().message);
  ctx.store->audit(
      who.name, "consent_changed",
      std::string("alerts=") + (c->alerts ? "yes" : "no") + " daily_summaries=" + (c->daily_summaries ? "yes" : "no"));
  changed(ctx);
  return json_response(consent_json(*c));
}

HttpResponse rules_settings(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  if (req.method == "GET") {
    return json_response(rules_settings_json(effective_rules(*ctx.config, load_overrides(*ctx.store))));
  }
  if (req.method != "PUT") return json_error(405, "method not allowed");
  auto j = body_json(req);
  if (!j) return json_error(400, "the body is not JSON");
  auto r = rules_overrides_from_json(*j);
  if (!r) return json_error(400, r.error().message);
  // Turning the learned checks off is the householder's (or admin's) choice; a carer tunes them.
  if (r->wellbeing_enabled && !is(who, {Role::householder, Role::admin})) {
    return json_error(403, "only the householder turns the wellbeing checks on or off");
  }
  HomeOverrides o = load_overrides(*ctx.store);
  if (r->wellbeing_enabled) o.rules.wellbeing_enabled = r->wellbeing_enabled;
  if (r->wellbeing_sensitivity) o.rules.wellbeing_sensitivity = r->wellbeing_sensitivity;
  if (auto w = save_rules_overrides(*ctx.store, o.rules); !w) return json_error(500, w.error().message);
  ctx.store->audit(who.name, "rules_changed", j->dump());
  changed(ctx);
  return json_response(rules_settings_json(effective_rules(*ctx.config, o)));
}

std::string utc_iso(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Everything Hearth keeps about the home except raw readings (those are per day: below), as one
// JSON document: the householder's right of access, readable without Hearth.
HttpResponse export_all(ApiContext& ctx, const Principal& who) {
  const auto now_ms = core::to_epoch_ms(ctx.now());
  json series = json::array();
  auto all = ctx.store->series();
  if (!all) return json_error(500, all.error().message);
  for (const auto& [device, metric_name] : *all) {
    const auto metric = core::metric_from_string(metric_name);
    if (!metric) continue;
    auto points = ctx.store->readings(device, *metric, 0, now_ms + DAY_MS, Resolution::hour, EXPORT_MAX_ROWS);
    if (!points) return json_error(500, points.error().message);
    json rows = json::array();
    for (const auto& p : *points) rows.push_back({p.ts_ms, p.value, p.min, p.max, p.count});
    series.push_back({{"device", device}, {"metric", metric_name}, {"hourly", rows}});
  }
  json events = json::array();
  auto ev = ctx.store->alert_events(0, EXPORT_MAX_ROWS);
  if (!ev) return json_error(500, ev.error().message);
  for (const auto& e : *ev) {
    events.push_back({{"ts_ms", e.ts_ms},
                      {"alert_id", e.alert_id},
                      {"type", e.type},
                      {"alert", json::parse(e.body, nullptr, false)}});
  }
  json activity = json::array();
  auto act = ctx.store->activity(0, now_ms + DAY_MS, EXPORT_MAX_ROWS);
  if (!act) return json_error(500, act.error().message);
  for (const auto& a : *act) {
    activity.push_back({{"start_ms", a.start_ms},
                        {"end_ms", a.end_ms},
                        {"kind", a.kind},
                        {"device", a.device_id},
                        {"room", a.room},
                        {"device_kind", a.device_kind}});
  }
  json devices = json::array();
  for (const auto& [id, d] : ctx.registry->all()) {
    devices.push_back(
        {{"id", id}, {"driver", d.driver}, {"model", d.model}, {"settings", device_settings_json(d.settings)}});
  }
  const HomeOverrides o = load_overrides(*ctx.store);
  json doc = {{"format", "hearth-export/1"},
              {"home_id", ctx.config->home_id},
              {"exported_at", utc_iso(now_ms)},
              {"exported_by", who.name},
              {"consent", consent_json(effective_consent(*ctx.config, o))},
              {"devices", devices},
              {"readings_hourly_columns", {"hour_start_ms", "mean", "min", "max", "count"}},
              {"readings_hourly", series},
              {"alert_events", events},
              {"activity", activity},
              {"raw_readings", "GET /api/v1/export/readings?day=YYYY-MM-DD, one UTC day of raw readings as CSV"}};
  json energy_days = json::array();
  if (auto days = ctx.store->energy_days("0000-01-01", "9999-12-31")) {
    for (const auto& d : *days)
      energy_days.push_back({{"day", d.day}, {"summary", json::parse(d.summary_json, nullptr, false)}});
  }
  doc["energy_daily"] = energy_days;
  if (auto routine = ctx.alerting != nullptr ? ctx.alerting->routine_json() : std::nullopt) {
    doc["learned_routine"] = json::parse(*routine, nullptr, false);
  }
  ctx.store->audit(who.name, "export", "all");
  HttpResponse r = json_response(doc);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"hearth-" + ctx.config->home_id + ".json\"");
  return r;
}

std::optional<std::int64_t> parse_day_ms(const std::string& day) {
  // YYYY-MM-DD, UTC midnight
  int y = 0;
  int m = 0;
  int d = 0;
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return std::nullopt;
  const auto num = [&](std::size_t at, std::size_t len, int& out) {
    const auto [p, ec] = std::from_chars(day.data() + at, day.data() + at + len, out);
    return ec == std::errc{} && p == day.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d) || m < 1 || m > 12 || d < 1 || d > 31 || y < 1970) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  const std::time_t t = timegm(&tm);
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != d) return std::nullopt;  // 31 April
  return static_cast<std::int64_t>(t) * 1000;
}

HttpResponse export_day(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  const auto day = req.query_param("day");
  const auto from = day ? parse_day_ms(*day) : std::nullopt;
  if (!from) return json_error(400, "day must be a date, YYYY-MM-DD (UTC)");
  auto all = ctx.store->series();
  if (!all) return json_error(500, all.error().message);
  std::string csv = "device,metric,ts_ms,time_utc,value\n";
  for (const auto& [device, metric_name] : *all) {
    const auto metric = core::metric_from_string(metric_name);
    if (!metric) continue;
    auto points = ctx.store->readings(device, *metric, *from, *from + DAY_MS, Resolution::raw, EXPORT_MAX_ROWS);
    if (!points) return json_error(500, points.error().message);
    for (const auto& p : *points) {
      // Device ids are <driver>:<native id>; quote them in case a native id holds a comma or quote.
      std::string quoted = "\"";
      for (char c : device) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += '"';
      csv += quoted + "," + metric_name + "," + std::to_string(p.ts_ms) + "," + utc_iso(p.ts_ms) + "," +
             json(p.value).dump() + "\n";
    }
  }
  ctx.store->audit(who.name, "export", "readings " + *day);
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(csv);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"hearth-readings-" + *day + ".csv\"");
  return r;
}

// Deleting the history cannot be undone: the person confirms in words and, when logged in with a
// password, gives it again (so a phone left logged in cannot be used to wipe the record).
HttpResponse erase(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  if (req.method != "POST") return json_error(405, "method not allowed");
  auto j = body_json(req);
  if (!j || !j->is_object()) return json_error(400, "the body is not JSON");
  if (j->value("confirm", std::string{}) != "erase") return json_error(400, "confirm must be \"erase\"");
  if (who.cookie) {
    if (ctx.accounts == nullptr) return json_error(503, "accounts are not running");
    const auto password = j->value("password", std::string{});
    auto login = ctx.accounts->login(who.name, password, req.remote_address, ctx.now());
    if (login.kind != LoginOutcome::Kind::ok) {
      ctx.store->audit(who.name, "erase_refused", "password");
      return json_error(403, "the password is not right");
    }
    ctx.accounts->logout(login.token);  // only a check: the extra session goes at once
  }
  if (!ctx.erase_history) return json_error(503, "erasure is not available");
  auto n = ctx.erase_history();
  if (!n) return json_error(500, n.error().message);
  ctx.store->audit(who.name, "erase_history",
                   std::to_string(n->readings) + " readings, " + std::to_string(n->alerts) + " alerts, " +
                       std::to_string(n->activity) + " activity events");
  return json_response({{"erased",
                         {{"readings", n->readings},
                          {"rollups", n->rollups},
                          {"activity", n->activity},
                          {"alerts", n->alerts},
                          {"alert_events", n->alert_events},
                          {"outbox", n->outbox},
                          {"energy_days", n->energy_days}}},
                        {"kept", "open alerts, messages not yet delivered, devices, accounts, settings, audit log"}});
}

// Devices asking to be claimed (docs/firmware-contract.md): listed without their codes.
HttpResponse list_claims(ApiContext& ctx, const Principal& who) {
  json list = json::array();
  const auto& p = *ctx.provisioning;
  for (const auto& c : p.claims()) {
    list.push_back({{"id", c.device_id},
                    {"model", c.model},
                    {"firmware", c.firmware},
                    {"first_seen_ms", core::to_epoch_ms(c.first_seen)},
                    {"last_seen_ms", core::to_epoch_ms(c.last_seen)},
                    {"state", c.state},
                    {"error", c.error},
                    {"locked_until_ms", c.locked_until ? json(core::to_epoch_ms(*c.locked_until)) : json(nullptr)}});
  }
  ctx.store->audit(who.name, "view_claims", "");
  return json_response({{"accounts", std::string{accounts_name(p.config().accounts)}}, {"claims", list}});
}

HttpResponse claim_device(const HttpRequest& req, ApiContext& ctx, const Principal& who, const std::string& id) {
  auto j = body_json(req);
  if (!j || !j->is_object() || !j->contains("code") || !(*j)["code"].is_string())
    return json_error(400, "the body must be {\"code\": \"...\"}");
  const auto r = ctx.provisioning->claim(id, (*j)["code"].get<std::string>());
  static constexpr std::string_view OUTCOME[] = {"started",        "wrong_code",     "locked",
                                                 "unknown_device", "not_configured", "busy"};
  ctx.store->audit(who.name, "claim_device", id + " " + std::string{OUTCOME[static_cast<int>(r.outcome)]});
  switch (r.outcome) {
    case ClaimOutcome::started: {
      if (ctx.live) ctx.live("claims", "{}");
      std::string state = "provisioning";  // "sent" at once when the broker has no accounts
      for (const auto& c : ctx.provisioning->claims())
        if (c.device_id == id) state = c.state;
      return json_response({{"id", id}, {"state", state}, {"message", r.message}}, 202);
    }
    case ClaimOutcome::wrong_code:
      return json_error(422, r.message);
    case ClaimOutcome::locked: {
      auto resp = json_error(429, r.message);
      resp.headers.emplace_back("Retry-After", std::to_string(r.retry_after.count()));
      return resp;
    }
    case ClaimOutcome::unknown_device:
      return json_error(404, r.message);
    case ClaimOutcome::busy:
      return json_error(409, r.message);
    case ClaimOutcome::not_configured:
      break;
  }
  return json_error(503, r.message);
}

HttpResponse claims(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  if (ctx.provisioning == nullptr) return json_error(503, "the hearth/v1 driver is not running");
  if (req.path == "/api/v1/setup/claims") {
    if (req.method != "GET") return json_error(405, "method not allowed");
    return list_claims(ctx, who);
  }
  if (req.method != "POST") return json_error(405, "method not allowed");
  return claim_device(req, ctx, who, req.path.substr(CLAIMS_PREFIX.size()));
}

}  // namespace

std::optional<HttpResponse> handle_setup_api(const HttpRequest& req, ApiContext& ctx,
                                             const std::optional<Principal>& who) {
  const std::string& p = req.path;
  const bool devices_item = p.rfind(DEVICES_PREFIX, 0) == 0 && p.size() > DEVICES_PREFIX.size();
  const bool claims_path =
      p == "/api/v1/setup/claims" || (p.rfind(CLAIMS_PREFIX, 0) == 0 && p.size() > CLAIMS_PREFIX.size());
  const bool mine = p == "/api/v1/setup/devices" || devices_item || claims_path || p == "/api/v1/setup/consent" ||
                    p == "/api/v1/setup/rules" || p == "/api/v1/export" || p == "/api/v1/export/readings" ||
                    p == "/api/v1/data/erase";
  if (!mine) return std::nullopt;
  if (!who || who->role == Role::tv) return json_error(401, "not logged in");
  const bool householder_or_admin = is(*who, {Role::householder, Role::admin});
  if (p == "/api/v1/setup/consent") {
    if (!is(*who, {Role::householder, Role::admin, Role::carer})) return json_error(403, "not for this role");
    return consent(req, ctx, *who);
  }
  if (p == "/api/v1/setup/rules") {
    if (!is(*who, {Role::householder, Role::admin, Role::carer})) return json_error(403, "not for this role");
    return rules_settings(req, ctx, *who);
  }
  if (!householder_or_admin) return json_error(403, "for the householder or an admin");
  if (claims_path) return claims(req, ctx, *who);
  if (p == "/api/v1/setup/devices") {
    if (req.method != "GET") return json_error(405, "method not allowed");
    return list_devices(ctx, *who);
  }
  if (devices_item) {
    if (req.method != "PUT" && req.method != "DELETE") return json_error(405, "method not allowed");
    return put_device(req, ctx, *who, p.substr(DEVICES_PREFIX.size()));
  }
  if (p == "/api/v1/data/erase") return erase(req, ctx, *who);
  if (req.method != "GET") return json_error(405, "method not allowed");
  return p == "/api/v1/export" ? export_all(ctx, *who) : export_day(req, ctx, *who);
}

}  // namespace hearth::gateway
