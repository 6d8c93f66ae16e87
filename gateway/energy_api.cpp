// The energy endpoints (docs/api.md, docs/energy.md): what the home and each appliance use and
// cost, advice, measured savings and the home's tariff. Personal data: every read is audited.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "gateway/api.h"
#include "gateway/energy_service.h"
#include "rules/energy_json.h"

namespace hearth::gateway {
namespace {

using dashboard::HttpRequest;
using dashboard::HttpResponse;
using dashboard::json_error;
using nlohmann::json;
namespace en = rules::energy;

constexpr int MAX_PERIOD_DAYS = 3660;

HttpResponse json_response(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse method_not_allowed(const char* allow) {
  HttpResponse r = json_error(405, "method not allowed");
  r.headers.emplace_back("Allow", allow);
  return r;
}

using DayRange = std::pair<en::Day, en::Day>;

// nullopt + error set: bad parameter; nullopt + no error: absent.
std::optional<DayRange> range_param(const HttpRequest& req, const char* name, const std::optional<DayRange>& fallback,
                                    std::string& error) {
  const auto text = req.query_param(name);
  if (!text) {
    if (!fallback) error = std::string("missing parameter: ") + name + "=YYYY-MM-DD..YYYY-MM-DD";
    return fallback;
  }
  const auto range = parse_day_range(*text);
  if (!range) {
    error = std::string(name) + ": expected YYYY-MM-DD..YYYY-MM-DD with the first day not after the last";
    return std::nullopt;
  }
  if (range->second - range->first + 1 > MAX_PERIOD_DAYS) {
    error = std::string(name) + ": at most " + std::to_string(MAX_PERIOD_DAYS) + " days";
    return std::nullopt;
  }
  return range;
}

HttpResponse savings(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  const EnergySettings& s = ctx.energy->settings();
  std::string error;
  const auto baseline = range_param(req, "baseline", s.baseline, error);
  if (!error.empty()) return json_error(400, error);
  const auto reporting = range_param(req, "reporting", s.reporting, error);
  if (!error.empty()) return json_error(400, error);
  if (baseline->second >= reporting->first && reporting->second >= baseline->first)
    return json_error(400, "baseline and reporting periods overlap");
  const std::string kind = req.query_param("kind").value_or("");
  if (!kind.empty()) {
    const auto& kinds = appliance_kinds();
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
      return json_error(400, "kind: unknown appliance kind '" + kind + "'");
  }
  ctx.store->audit(
      who.name, "view_energy_savings",
      en::format_day(baseline->first) + ".." + en::format_day(reporting->second) + (kind.empty() ? "" : " " + kind));
  auto result = ctx.energy->savings(*baseline, *reporting, kind);
  if (!result) return json_error(422, "no savings figure from the stored days: " + result.error().message);
  json body = en::savings_json(*result);
  body["baseline"] = {{"from", en::format_day(baseline->first)}, {"to", en::format_day(baseline->second)}};
  body["reporting"] = {{"from", en::format_day(reporting->first)}, {"to", en::format_day(reporting->second)}};
  body["kind"] = kind.empty() ? json("home electricity") : json(kind);
  return json_response(body);
}

HttpResponse tariff(const HttpRequest& req, ApiContext& ctx, const Principal& who) {
  if (req.method == "GET") {
    json body = json::parse(en::tariff_to_json(ctx.energy->tariff()));
    ctx.store->audit(who.name, "view_energy_tariff", "");
    return json_response({{"tariff", body}, {"edited", ctx.energy->tariff_edited()}});
  }
  if (req.method != "PUT") return method_not_allowed("GET, PUT");
  if (who.role != Role::householder && who.role != Role::admin)
    return json_error(403, "only the householder or an admin changes the tariff");
  auto parsed = en::parse_tariff(req.body);
  if (!parsed) return json_error(400, "tariff: " + parsed.error().message);
  if (auto r = ctx.energy->set_tariff(*parsed); !r) return json_error(400, "tariff: " + r.error().message);
  ctx.store->audit(who.name, "edit_energy_tariff", parsed->id);
  if (ctx.live) ctx.live("home", home_summary_json(ctx));
  return json_response({{"tariff", json::parse(en::tariff_to_json(ctx.energy->tariff()))}, {"edited", true}});
}

}  // namespace

std::optional<HttpResponse> handle_energy_api(const HttpRequest& req, ApiContext& ctx,
                                              const std::optional<Principal>& who) {
  const std::string& p = req.path;
  const bool mine = p == "/api/v1/energy/summary" || p == "/api/v1/energy/appliances" || p == "/api/v1/energy/tariff" ||
                    p == "/api/v1/advice" || p == "/api/v1/savings";
  if (!mine) return std::nullopt;
  // Energy use says when someone is home: for the householder and the people who care for them.
  if (!who || who->role == Role::tv) return json_error(401, "log in, or send a bearer token");
  if (ctx.energy == nullptr) return json_error(503, "energy accounting is off (energy.enabled: false)");
  if (p == "/api/v1/energy/tariff") return tariff(req, ctx, *who);
  if (req.method != "GET") return method_not_allowed("GET");
  const auto now = ctx.now();
  if (p == "/api/v1/energy/summary") {
    ctx.store->audit(who->name, "view_energy_summary", "");
    return json_response(ctx.energy->summary_json(now));
  }
  if (p == "/api/v1/energy/appliances") {
    ctx.store->audit(who->name, "view_energy_appliances", "");
    return json_response(ctx.energy->appliances_json(now));
  }
  if (p == "/api/v1/advice") {
    const std::string lang = req.query_param("lang").value_or(ctx.store->setting("language").value_or("en"));
    if (lang != "en" && lang != "cy") return json_error(400, "lang: en or cy");
    ctx.store->audit(who->name, "view_energy_advice", "");
    return json_response(ctx.energy->advice_json(now, lang == "cy" ? rules::Language::cy : rules::Language::en));
  }
  return savings(req, ctx, *who);
}

}  // namespace hearth::gateway
