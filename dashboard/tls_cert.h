#pragma once
// The dashboard's TLS certificate: a self-signed one made on first start (EC P-256, X.509 v3,
// ten years, subjectAltName = the names a phone or the box itself uses), and what people need to
// check it: the SHA-256 fingerprint browsers show. OpenSSL stays in tls_cert.cpp.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace hearth::dashboard {

struct CertificateInfo {
  std::string fingerprint_sha256;              // of the DER certificate, "AB:CD:..." as browsers show it
  std::string spki_sha256_base64;              // of the public key (Chromium --ignore-certificate-errors-spki-list)
  std::vector<std::string> subject_alt_names;  // "DNS:hearth.local", "IP:127.0.0.1", in certificate order
  std::string subject;                         // one line, e.g. "CN=hearth.local, O=Hearth"
  std::string key_type;                        // "EC P-256", "RSA 2048", ...
  core::TimePoint not_before{};
  core::TimePoint not_after{};
  bool self_signed = false;  // issuer == subject and the signature verifies with its own key
  bool created = false;      // made by this call (ensure_self_signed_certificate)
};

struct SelfSignedRequest {
  std::string cert_file;  // PEM, mode 0644
  std::string key_file;   // PEM (PKCS#8), mode 0600
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // IPv4 or IPv6 literals
  std::chrono::hours validity{24 * 3653};
};

// The names the certificate is made for: `hostname` (when it is a valid DNS name), hearth.local,
// localhost, 127.0.0.1 and ::1, and `listen_address` unless it is a wildcard (0.0.0.0, ::).
SelfSignedRequest certificate_request_for(std::string_view listen_address, std::string_view hostname);
// This machine's hostname (gethostname), or "" when it has none.
std::string local_hostname();

// Reuses the pair when both files exist (never overwrites them; the key must match the
// certificate); makes a certificate for an existing key alone (an interrupted first start); makes
// both otherwise. Files are written atomically (temporary file, fsync, rename) and the key is
// readable by this user only. Missing parent directories are created with mode 0700. A
// certificate without its key is an error: the fix (delete it) is left to a person.
core::Result<CertificateInfo> ensure_self_signed_certificate(const SelfSignedRequest& request);

// Reads a PEM certificate (an operator's own, or the generated one).
core::Result<CertificateInfo> inspect_certificate(const std::string& cert_file);

}  // namespace hearth::dashboard
