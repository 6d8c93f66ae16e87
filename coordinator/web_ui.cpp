#include "coordinator/web_ui.h"

#include <array>
#include <string>
#include <string_view>

#include "rules/messages.h"

namespace hearth::coordinator {
namespace {

using dashboard::HttpRequest;
using dashboard::HttpResponse;
using dashboard::StaticAsset;

// The home dashboard's helpers the coordinator's page reuses; nothing else of its table (the TV,
// carer and setup pages) is served here.
constexpr std::array<std::string_view, 2> SHARED = {"/static/common.js", "/static/hearth.css"};

std::optional<StaticAsset> find_in(std::span<const StaticAsset> table, std::string_view path) {
  for (const auto& a : table) {
    if (a.path == path) return a;
  }
  return std::nullopt;
}

std::optional<StaticAsset> find_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  if (auto own = find_in(coordinator_assets(), path)) return own;
  for (const auto shared : SHARED) {
    if (path == shared) return find_in(dashboard::static_assets(), path);
  }
  return std::nullopt;
}

HttpResponse catalogue(const HttpRequest& req) {
  const std::string lang = req.query_param("lang").value_or("en");
  if (lang != "en" && lang != "cy") return dashboard::json_error(400, "lang: en or cy");
  const auto language = lang == "cy" ? rules::Language::cy : rules::Language::en;
  std::string body = "{\"language\":\"" + lang + "\",\"messages\":{";
  bool first = true;
  for (const auto key : rules::message_keys()) {
    if (key.rfind("ui.", 0) != 0) continue;  // the pages' words; alert texts arrive rendered
    if (!first) body += ',';
    first = false;
    body +=
        '"' + dashboard::json_escape(key) + "\":\"" + dashboard::json_escape(rules::render(key, language, {})) + '"';
  }
  body += "}}";
  HttpResponse r;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::optional<HttpResponse> web_ui_route(const HttpRequest& req) {
  if (req.path == "/api/v1/catalogue") {
    if (req.method != "GET") return dashboard::json_error(405, "method not allowed");
    return catalogue(req);
  }
  auto asset = find_asset(req.path);
  if (!asset) {
    if (req.path.rfind("/api/", 0) == 0) return std::nullopt;
    return dashboard::json_error(404, "not found");
  }
  if (req.method != "GET") return dashboard::json_error(405, "method not allowed");
  return dashboard::asset_response(*asset);
}

}  // namespace hearth::coordinator
