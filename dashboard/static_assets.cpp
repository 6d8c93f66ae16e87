#include "dashboard/static_assets.h"

#include <string>

namespace hearth::dashboard {

std::optional<StaticAsset> find_static_asset(std::string_view request_path) {
  std::string path(request_path);
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path.back() == '/') path += "index.html";
  for (const auto& a : static_assets()) {
    if (a.path == path) return a;
  }
  // "/tv" without the slash: the directory's page.
  const std::string index = path + "/index.html";
  for (const auto& a : static_assets()) {
    if (a.path == index) return a;
  }
  return std::nullopt;
}

HttpResponse serve_static(std::string_view request_path) {
  auto asset = find_static_asset(request_path);
  if (!asset) return json_error(404, "not found");
  return asset_response(*asset);
}

HttpResponse asset_response(const StaticAsset& asset) {
  HttpResponse r;
  r.content_type = std::string(asset.content_type);
  r.body = std::string(asset.body);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                         "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace hearth::dashboard
