// The self-signed certificate made on first start: names, key type, validity, file modes, reuse.
// The certificate is read back with OpenSSL itself, not with the code under test.
#include "dashboard/tls_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "support/temp_dir.h"

namespace {

using hearth::dashboard::certificate_request_for;
using hearth::dashboard::ensure_self_signed_certificate;
using hearth::dashboard::inspect_certificate;
using hearth::dashboard::SelfSignedRequest;
using hearth::test::TempDir;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

CertPtr load_cert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  CertPtr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777u;
}

bool has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

class TlsCertTest : public ::testing::Test {
 protected:
  SelfSignedRequest request(const std::string& address = "192.0.2.10") {
    SelfSignedRequest r = certificate_request_for(address, "hearthbox");
    r.cert_file = (dir_.path() / "tls" / "hearthd.crt").string();
    r.key_file = (dir_.path() / "tls" / "hearthd.key").string();
    return r;
  }
  TempDir dir_;
};

TEST(CertificateNames, IncludeTheHostnameHearthLocalLoopbackAndASpecificAddress) {
  const SelfSignedRequest r = certificate_request_for("192.0.2.10", "hearthbox");
  EXPECT_TRUE(has(r.dns_names, "hearthbox"));
  EXPECT_TRUE(has(r.dns_names, "hearthbox.local"));  // mDNS name of the same box
  EXPECT_TRUE(has(r.dns_names, "hearth.local"));
  EXPECT_TRUE(has(r.dns_names, "localhost"));
  EXPECT_TRUE(has(r.ip_addresses, "127.0.0.1"));
  EXPECT_TRUE(has(r.ip_addresses, "::1"));
  EXPECT_TRUE(has(r.ip_addresses, "192.0.2.10"));
}

TEST(CertificateNames, WildcardAddressesAndInvalidHostnamesAreLeftOut) {
  for (const char* any : {"0.0.0.0", "::"}) {
    const SelfSignedRequest r = certificate_request_for(any, "bad_host name");
    EXPECT_FALSE(has(r.ip_addresses, any)) << any;
    EXPECT_EQ(r.dns_names, (std::vector<std::string>{"hearth.local", "localhost"})) << any;
    EXPECT_EQ(r.ip_addresses, (std::vector<std::string>{"127.0.0.1", "::1"})) << any;
  }
}

TEST_F(TlsCertTest, FirstStartCreatesAnEcP256CertificateWithTheBoxsNames) {
  const auto info = ensure_self_signed_certificate(request());
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(info->created);

  CertPtr cert = load_cert(request().cert_file);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_self_signed(cert.get(), 1), 1);  // issuer == subject, signature verifies

  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(key, "EC"));
  char group[64] = {};
  std::size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len), 1);
  EXPECT_EQ(std::string(group, len), "prime256v1");
  EXPECT_EQ(info->key_type, "EC P-256");

  for (const char* name : {"DNS:hearthbox", "DNS:hearthbox.local", "DNS:hearth.local", "DNS:localhost", "IP:127.0.0.1",
                           "IP:::1", "IP:192.0.2.10"}) {
    EXPECT_TRUE(has(info->subject_alt_names, name)) << name;
  }
  // The same names as OpenSSL's own host check sees them.
  EXPECT_EQ(X509_check_host(cert.get(), "hearth.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "hearthbox", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "example.org", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.0.2.10", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.0.2.11", 0), 0);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
}

TEST_F(TlsCertTest, ValidForAboutTenYearsFromNow) {
  const auto info = ensure_self_signed_certificate(request());
  ASSERT_TRUE(info) << info.error().message;
  CertPtr cert = load_cert(request().cert_file);
  ASSERT_TRUE(cert);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert.get())), 1);  // from now
  EXPECT_GE(days, 3650);
  EXPECT_LE(days, 3660);
  EXPECT_LE(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);  // already valid
  const auto span = info->not_after - info->not_before;
  EXPECT_GE(span, std::chrono::hours{24 * 3650});
}

TEST_F(TlsCertTest, KeyIsPrivateAndTheDirectoryIsTheDaemonsAlone) {
  ASSERT_TRUE(ensure_self_signed_certificate(request()));
  EXPECT_EQ(mode_of(request().key_file), 0600u);
  EXPECT_EQ(mode_of(request().cert_file), 0644u);
  EXPECT_EQ(mode_of((dir_.path() / "tls").string()), 0700u);
  // Atomic writes leave no temporary files behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_.path() / "tls")) ++entries;
  EXPECT_EQ(entries, 2u);
  EXPECT_NE(slurp(request().key_file).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

TEST_F(TlsCertTest, FingerprintIsTheSha256OfTheDerCertificate) {
  const auto info = ensure_self_signed_certificate(request());
  ASSERT_TRUE(info) << info.error().message;
  CertPtr cert = load_cert(request().cert_file);
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert.get(), &der);
  ASSERT_GT(size, 0);
  unsigned char digest[32];
  unsigned int digest_size = 0;
  ASSERT_EQ(EVP_Digest(der, static_cast<std::size_t>(size), digest, &digest_size, EVP_sha256(), nullptr), 1);
  OPENSSL_free(der);
  char hex[4];
  std::string expected;
  for (unsigned i = 0; i < digest_size; ++i) {
    std::snprintf(hex, sizeof hex, "%02X", digest[i]);
    expected += (i ? ":" : "") + std::string(hex);
  }
  EXPECT_EQ(info->fingerprint_sha256, expected);
  EXPECT_EQ(info->fingerprint_sha256.size(), 32u * 3 - 1);
  EXPECT_EQ(info->spki_sha256_base64.size(), 44u);  // base64 of 32 bytes
}

TEST_F(TlsCertTest, SecondStartReusesThePairAndNeverOverwritesIt) {
  const auto first = ensure_self_signed_certificate(request());
  ASSERT_TRUE(first) << first.error().message;
  const std::string cert_pem = slurp(request().cert_file);
  const std::string key_pem = slurp(request().key_file);
  const auto cert_time = std::filesystem::last_write_time(request().cert_file);

  // Even when asked for other names: an existing certificate is the operator's to replace.
  const auto second = ensure_self_signed_certificate(request("198.51.100.7"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->fingerprint_sha256, first->fingerprint_sha256);
  EXPECT_EQ(slurp(request().cert_file), cert_pem);
  EXPECT_EQ(slurp(request().key_file), key_pem);
  EXPECT_EQ(std::filesystem::last_write_time(request().cert_file), cert_time);
}

TEST_F(TlsCertTest, AKeyLeftByAnInterruptedStartGetsItsCertificate) {
  ASSERT_TRUE(ensure_self_signed_certificate(request()));
  const std::string key_pem = slurp(request().key_file);
  std::filesystem::remove(request().cert_file);
  const auto again = ensure_self_signed_certificate(request());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->created);
  EXPECT_EQ(slurp(request().key_file), key_pem);  // same key, new certificate
}

TEST_F(TlsCertTest, ACertificateWithoutItsKeyIsAnErrorAndIsLeftAlone) {
  ASSERT_TRUE(ensure_self_signed_certificate(request()));
  const std::string cert_pem = slurp(request().cert_file);
  std::filesystem::remove(request().key_file);
  const auto r = ensure_self_signed_certificate(request());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("without its key"), std::string::npos) << r.error().message;
  EXPECT_EQ(slurp(request().cert_file), cert_pem);
  EXPECT_FALSE(std::filesystem::exists(request().key_file));
}

TEST_F(TlsCertTest, AKeyThatDoesNotMatchIsRefused) {
  ASSERT_TRUE(ensure_self_signed_certificate(request()));
  SelfSignedRequest other = request();
  other.cert_file = dir_.file("other.crt");
  other.key_file = dir_.file("other.key");
  ASSERT_TRUE(ensure_self_signed_certificate(other));
  std::filesystem::copy_file(other.key_file, request().key_file, std::filesystem::copy_options::overwrite_existing);
  const auto r = ensure_self_signed_certificate(request());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not belong"), std::string::npos) << r.error().message;
}

TEST_F(TlsCertTest, GarbageFilesAreErrorsNotCrashes) {
  std::filesystem::create_directories(dir_.path() / "tls");
  std::ofstream(request().cert_file) << "not a certificate";
  std::ofstream(request().key_file) << "not a key";
  EXPECT_FALSE(ensure_self_signed_certificate(request()));
  EXPECT_FALSE(inspect_certificate(request().cert_file));
  EXPECT_FALSE(inspect_certificate(dir_.file("missing.crt")));
}

TEST_F(TlsCertTest, InspectReadsAnOperatorsCertificate) {
  const auto made = ensure_self_signed_certificate(request());
  ASSERT_TRUE(made);
  const auto read = inspect_certificate(request().cert_file);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_FALSE(read->created);
  EXPECT_TRUE(read->self_signed);
  EXPECT_EQ(read->fingerprint_sha256, made->fingerprint_sha256);
  EXPECT_EQ(read->spki_sha256_base64, made->spki_sha256_base64);
  EXPECT_NE(read->subject.find("hearthbox"), std::string::npos) << read->subject;
}

}  // namespace
