#pragma once
// hearthd's HTTPS for the dashboard (http.tls): which certificate it uses, made self-signed on the
// first start when none is configured, and the fingerprint people compare with their phone's.
#include <string>

#include "core/result.h"
#include "dashboard/tls_cert.h"
#include "gateway/config.h"

namespace hearth::gateway {

struct DashboardTls {
  std::string cert_file;
  std::string key_file;
  dashboard::CertificateInfo certificate;
};

// <directory of the database>/tls: where the self-signed pair lives (hearthd.crt, hearthd.key).
std::string default_tls_dir(const std::string& db_path);

// http.tls.cert_file/key_file when given (checked, never changed); otherwise the self-signed pair
// in default_tls_dir(), made on first start for this box's names. Logs the certificate's SHA-256
// fingerprint at every start and warns when it has expired or expires within 30 days.
core::Result<DashboardTls> prepare_dashboard_tls(const GatewayConfig& config);

}  // namespace hearth::gateway
