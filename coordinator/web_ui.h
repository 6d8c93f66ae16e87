#pragma once
// The coordinator's web pages (coordinator/www/, embedded at build time by
// dashboard/cmake/embed_assets.cmake, as the home dashboard's are). The pages hold no data and are
// served without a token; every figure comes from the API with the bearer token the page keeps in
// sessionStorage (docs/coordinator.md, "Dashboard pages").
#include <optional>
#include <span>

#include "dashboard/http_message.h"
#include "dashboard/static_assets.h"

namespace hearth::coordinator {

// Generated from coordinator/www at build time.
std::span<const dashboard::StaticAsset> coordinator_assets();

// The routes that need no token: "/" and "/index.html" (the page), "/static/<file>" from
// coordinator/www/static or, for the shared helpers only (common.js, hearth.css), from the home
// dashboard's table, and "/api/v1/catalogue?lang=en|cy" (the ui.* texts of rules/messages.cpp).
// Pages carry the home dashboard's strict headers (dashboard::asset_response: CSP self only, no
// inline script). Any other path outside /api/ is 404; nullopt for /api/…: the API's, behind the token.
std::optional<dashboard::HttpResponse> web_ui_route(const dashboard::HttpRequest& req);

}  // namespace hearth::coordinator
