#include "gateway/dashboard_tls.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

namespace hearth::gateway {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string utc_date(core::TimePoint t) {
  const std::time_t seconds = static_cast<std::time_t>(core::to_epoch_ms(t) / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

std::string default_tls_dir(const std::string& db_path) {
  const std::filesystem::path dir = std::filesystem::path(db_path).parent_path();
  return ((dir.empty() ? std::filesystem::path(".") : dir) / "tls").string();
}

core::Result<DashboardTls> prepare_dashboard_tls(const GatewayConfig& config) {
  DashboardTls tls;
  const auto& wanted = config.http.tls;
  if (!wanted.cert_file.empty()) {
    tls.cert_file = wanted.cert_file;
    tls.key_file = wanted.key_file;
    auto info = dashboard::inspect_certificate(tls.cert_file);
    if (!info) return core::Error{"http.tls.cert_file: " + info.error().message};
    tls.certificate = std::move(*info);
  } else {
    auto request = dashboard::certificate_request_for(config.http.address, dashboard::local_hostname());
    request.cert_file = default_tls_dir(config.store.path) + "/hearthd.crt";
    request.key_file = default_tls_dir(config.store.path) + "/hearthd.key";
    tls.cert_file = request.cert_file;
    tls.key_file = request.key_file;
    auto info = dashboard::ensure_self_signed_certificate(request);
    if (!info) return info.error();
    tls.certificate = std::move(*info);
    if (tls.certificate.created) {
      spdlog::warn("tls: made a self-signed certificate for the dashboard: {} (key {}, readable by this user only)",
                   tls.cert_file, tls.key_file);
    }
  }
  const auto& c = tls.certificate;
  // Every start: people compare this with what the phone shows on its first visit.
  spdlog::info("tls: certificate SHA-256 fingerprint {}", c.fingerprint_sha256);
  spdlog::info("tls: {} ({}), {}, valid until {}{}", tls.cert_file, c.key_type, join(c.subject_alt_names),
               utc_date(c.not_after), c.self_signed ? ", self-signed" : "");
  // What the TV kiosk's Chromium pins (--ignore-certificate-errors-spki-list): docs/dashboard.md.
  spdlog::info("tls: public key SPKI SHA-256 {}", c.spki_sha256_base64);
  const auto now = core::now_ms();
  if (c.not_after < now) {
    spdlog::error(
        "tls: the certificate {} expired on {}: browsers will refuse it (delete it and its key to "
        "have a new self-signed pair made, or configure another)",
        tls.cert_file, utc_date(c.not_after));
  } else if (c.not_after - now < std::chrono::hours{24 * 30}) {
    spdlog::warn("tls: the certificate {} expires on {}", tls.cert_file, utc_date(c.not_after));
  }
  return tls;
}

}  // namespace hearth::gateway
