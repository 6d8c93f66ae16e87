#include "dashboard/tls_cert.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>

namespace hearth::dashboard {
namespace {

namespace fs = std::filesystem;
using core::Error;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Names = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

// The most recent OpenSSL error as text (and the queue cleared, so it does not leak into the next).
std::string openssl_error() {
  const unsigned long code = ERR_peek_last_error();
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    text = buf.data();
  }
  ERR_clear_error();
  return text;
}

Error failure(const std::string& what) { return Error{"tls: " + what + ": " + openssl_error()}; }

std::string errno_text() { return std::strerror(errno); }

bool valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  std::size_t label = 0;
  for (const char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > 63) return false;
  }
  return true;
}

bool is_ip_literal(std::string_view text) {
  const std::string s(text);
  std::array<unsigned char, 16> buf{};
  return ::inet_pton(AF_INET, s.c_str(), buf.data()) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

void add_unique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

core::TimePoint to_time_point(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return core::TimePoint{};
  return core::from_epoch_ms(static_cast<std::int64_t>(::timegm(&tm)) * 1000);
}

std::string colon_hex(const unsigned char* data, unsigned int size) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i > 0) out += ':';
    out += kHex[data[i] >> 4u];
    out += kHex[data[i] & 0xFu];
  }
  return out;
}

std::string base64(const unsigned char* data, int size) {
  std::string out(static_cast<std::size_t>(4 * ((size + 2) / 3)) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, size);
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

std::string key_description(EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "EC")) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", group.data(), group.size(), &len) == 1) {
      const std::string name(group.data(), len);
      if (name == "prime256v1" || name == "P-256") return "EC P-256";
      return "EC " + name;
    }
    return "EC " + std::to_string(bits);
  }
  if (EVP_PKEY_is_a(key, "RSA")) return "RSA " + std::to_string(bits);
  const char* type = EVP_PKEY_get0_type_name(key);
  return std::string(type != nullptr ? type : "unknown") + " " + std::to_string(bits);
}

std::string one_line_name(const X509_NAME* name) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::vector<std::string> alt_names(X509* cert) {
  std::vector<std::string> out;
  Names names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<std::size_t>(ASN1_STRING_length(s))));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      std::array<char, INET6_ADDRSTRLEN> text{};
      const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (::inet_ntop(family, ASN1_STRING_get0_data(ip), text.data(), text.size()) != nullptr) {
        out.push_back("IP:" + std::string(text.data()));
      }
    }
  }
  return out;
}

core::Result<CertificateInfo> describe(X509* cert) {
  CertificateInfo info;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), digest.data(), &size) != 1) return failure("cannot hash the certificate");
  info.fingerprint_sha256 = colon_hex(digest.data(), size);
  // Chromium's SPKI pin is the hash of the DER SubjectPublicKeyInfo (X509_pubkey_digest would
  // hash the key bits only).
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return failure("certificate has no readable public key");
  unsigned char* der = nullptr;
  const int der_size = i2d_PUBKEY(key, &der);
  if (der_size <= 0) return failure("cannot encode the public key");
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> der_owner(der, [](unsigned char* p) { OPENSSL_free(p); });
  if (EVP_Digest(der, static_cast<std::size_t>(der_size), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    return failure("cannot hash the public key");
  }
  info.spki_sha256_base64 = base64(digest.data(), static_cast<int>(size));
  info.key_type = key_description(key);
  info.subject = one_line_name(X509_get_subject_name(cert));
  info.subject_alt_names = alt_names(cert);
  info.not_before = to_time_point(X509_get0_notBefore(cert));
  info.not_after = to_time_point(X509_get0_notAfter(cert));
  info.self_signed = X509_self_signed(cert, 1) == 1;
  ERR_clear_error();  // X509_self_signed may leave a verification error behind
  return info;
}

core::Result<Cert> read_certificate(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return failure("cannot open " + path);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return failure(path + " is not a PEM certificate");
  return cert;
}

core::Result<Key> read_key(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return failure("cannot open " + path);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return failure(path + " is not a PEM private key (encrypted keys are not supported)");
  return key;
}

// Writes `contents` to `path` so that a reader sees the old file or the whole new one, never a
// part: a temporary file in the same directory, created with `mode`, fsynced, then renamed.
core::Result<void> write_atomically(const fs::path& path, const std::string& contents, mode_t mode) {
  std::string tmp = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());  // mode 0600
  if (fd < 0) return Error{"tls: cannot create a file next to " + path.string() + ": " + errno_text()};
  auto fail = [&](const std::string& step) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error{"tls: cannot " + step + " " + path.string() + ": " + why};
  };
  std::string_view rest = contents;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fchmod(fd, mode) != 0) return fail("set the mode of");
  if (::fsync(fd) != 0) return fail("sync");
  if (::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return Error{"tls: cannot write " + path.string() + ": " + why};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return Error{"tls: cannot rename into " + path.string() + ": " + why};
  }
  // The rename itself is durable only once the directory is synced.
  const int dir = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

core::Result<void> make_directory_for(const fs::path& file) {
  const fs::path dir = file.parent_path();
  if (dir.empty()) return {};
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  fs::create_directories(dir, ec);
  if (ec) return Error{"tls: cannot create " + dir.string() + ": " + ec.message()};
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);  // 0700
  if (ec) return Error{"tls: cannot set the mode of " + dir.string() + ": " + ec.message()};
  return {};
}

std::string pem_of_key(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string pem_of_cert(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

core::Result<void> add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return failure("cannot add extension " + value);
  return {};
}

core::Result<Cert> make_certificate(EVP_PKEY* key, const SelfSignedRequest& request) {
  Cert cert(X509_new());
  if (!cert) return failure("cannot allocate a certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return failure("cannot set the version");
  // A random 127-bit positive serial: browsers reject two certificates with one issuer and serial.
  Bignum serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return failure("cannot make a serial number");
  }
  // A day back: a box whose clock is a little behind (no RTC on a Pi) still accepts it at once.
  const long validity_s = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(request.validity).count());
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity_s) == nullptr) {
    return failure("cannot set the validity");
  }
  const std::string common_name = request.dns_names.empty() ? "hearth.local" : request.dns_names.front();
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add_entry = [&](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                      -1, -1, 0) == 1;
  };
  if (!add_entry("O", "Hearth") || !add_entry("CN", common_name)) return failure("cannot set the subject");
  if (X509_set_issuer_name(cert.get(), name) != 1) return failure("cannot set the issuer");
  if (X509_set_pubkey(cert.get(), key) != 1) return failure("cannot set the public key");

  std::string san;
  for (const auto& dns : request.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : request.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (san.empty()) return Error{"tls: a certificate needs at least one name"};
  // No keyUsage: a self-signed end-entity certificate that restricts it cannot vouch for itself
  // as a trust anchor in OpenSSL (curl --cacert), and ECDSA needs nothing else.
  for (const auto& [nid, value] :
       {std::pair{NID_basic_constraints, std::string("critical,CA:FALSE")},
        std::pair{NID_ext_key_usage, std::string("serverAuth")},
        std::pair{NID_subject_key_identifier, std::string("hash")}, std::pair{NID_subject_alt_name, san}}) {
    if (auto r = add_extension(cert.get(), nid, value); !r) return r.error();
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return failure("cannot sign the certificate");
  return cert;
}

bool names_are_valid(const SelfSignedRequest& request) {
  return std::all_of(request.dns_names.begin(), request.dns_names.end(), valid_dns_name) &&
         std::all_of(request.ip_addresses.begin(), request.ip_addresses.end(), is_ip_literal);
}

}  // namespace

std::string local_hostname() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return {};
  return buf.data();
}

SelfSignedRequest certificate_request_for(std::string_view listen_address, std::string_view hostname) {
  SelfSignedRequest request;
  if (valid_dns_name(hostname) && hostname != "localhost") {
    add_unique(request.dns_names, std::string(hostname));
    // "pi" answers as pi.local over mDNS (avahi): phones on the home network use that name.
    if (hostname.find('.') == std::string_view::npos) add_unique(request.dns_names, std::string(hostname) + ".local");
  }
  add_unique(request.dns_names, "hearth.local");
  add_unique(request.dns_names, "localhost");
  add_unique(request.ip_addresses, "127.0.0.1");
  add_unique(request.ip_addresses, "::1");
  if (listen_address != "0.0.0.0" && listen_address != "::" && !listen_address.empty()) {
    if (is_ip_literal(listen_address))
      add_unique(request.ip_addresses, std::string(listen_address));
    else if (valid_dns_name(listen_address))
      add_unique(request.dns_names, std::string(listen_address));
  }
  return request;
}

core::Result<CertificateInfo> inspect_certificate(const std::string& cert_file) {
  auto cert = read_certificate(cert_file);
  if (!cert) return cert.error();
  return describe(cert->get());
}

core::Result<CertificateInfo> ensure_self_signed_certificate(const SelfSignedRequest& request) {
  if (request.cert_file.empty() || request.key_file.empty()) return Error{"tls: cert_file and key_file are required"};
  if (!names_are_valid(request)) return Error{"tls: invalid DNS name or IP address for the certificate"};
  std::error_code ec;
  const bool have_cert = fs::exists(request.cert_file, ec);
  const bool have_key = fs::exists(request.key_file, ec);

  if (have_cert && !have_key) {
    return Error{"tls: " + request.cert_file + " exists without its key " + request.key_file +
                 ": restore the key, or delete the certificate to have a new pair made"};
  }
  Key key;
  if (have_key) {
    auto existing = read_key(request.key_file);
    if (!existing) return existing.error();
    key = std::move(*existing);
  }
  if (have_cert) {
    auto cert = read_certificate(request.cert_file);
    if (!cert) return cert.error();
    if (X509_check_private_key(cert->get(), key.get()) != 1) {
      return failure(request.cert_file + " does not belong to the key " + request.key_file);
    }
    return describe(cert->get());
  }

  if (auto r = make_directory_for(request.key_file); !r) return r.error();
  if (auto r = make_directory_for(request.cert_file); !r) return r.error();
  if (!key) {
    key.reset(EVP_EC_gen("P-256"));
    if (!key) return failure("cannot generate an EC P-256 key");
    const std::string pem = pem_of_key(key.get());
    if (pem.empty()) return failure("cannot encode the key");
    if (auto r = write_atomically(request.key_file, pem, 0600); !r) return r.error();
  }
  auto cert = make_certificate(key.get(), request);
  if (!cert) return cert.error();
  const std::string pem = pem_of_cert(cert->get());
  if (pem.empty()) return failure("cannot encode the certificate");
  if (auto r = write_atomically(request.cert_file, pem, 0644); !r) return r.error();
  auto info = describe(cert->get());
  if (info) info->created = true;
  return info;
}

}  // namespace hearth::dashboard
