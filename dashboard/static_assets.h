#pragma once
// The web UI's files (dashboard/www/**), embedded in the binary at build time so hearthd serves
// them with no files to install and nothing to fetch from the internet. Lookup is by exact path
// in a fixed table: a request can only ever reach a file that was embedded.
#include <optional>
#include <span>
#include <string_view>

#include "dashboard/http_message.h"

namespace hearth::dashboard {

struct StaticAsset {
  std::string_view path;  // "/tv/index.html"
  std::string_view content_type;
  std::string_view body;
};

std::span<const StaticAsset> static_assets();

// The asset for a request path: "/tv/" and "/tv" map to "/tv/index.html", "/static/x.css" to
// itself; nullopt for anything else.
std::optional<StaticAsset> find_static_asset(std::string_view request_path);

// 200 with this asset and the headers below (the coordinator's pages use it for their own table).
HttpResponse asset_response(const StaticAsset& asset);

// 200 with the asset, cache headers (revalidate: pages change with upgrades) and a strict
// Content-Security-Policy (self only: no inline scripts, no third-party origins); 404 otherwise.
HttpResponse serve_static(std::string_view request_path);

}  // namespace hearth::dashboard
