// HttpServer over TLS on loopback, with a blocking OpenSSL client that trusts only the certificate
// made by ensure_self_signed_certificate (as a phone does once the person has checked it).
//
// Determinism: nothing asserts on durations. Waits are for events (bytes, EOF, a count reaching
// a value) and kPatience only keeps a broken build from hanging forever.
#include <utility>  // before Asio (asio#944)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "dashboard/http_server.h"
#include "dashboard/tls_cert.h"
#include "support/temp_dir.h"

namespace {

namespace net = boost::asio;
using hearth::dashboard::ensure_self_signed_certificate;
using hearth::dashboard::event_stream;
using hearth::dashboard::HttpRequest;
using hearth::dashboard::HttpResponse;
using hearth::dashboard::HttpServer;
using hearth::dashboard::json_error;
using namespace std::chrono_literals;

constexpr auto kPatience = 10s;  // hang guard only, never an expectation

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Response {
  int status = 0;  // 0: no response
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == lower(name)) return value;
    }
    return std::nullopt;
  }
};

Response parse_head(std::string_view head) {
  Response response;
  if (head.substr(0, 9) != "HTTP/1.1 ") return response;
  response.status = std::stoi(std::string(head.substr(9, 3)));
  std::size_t line = head.find("\r\n") + 2;
  while (line < head.size()) {
    const std::size_t end = head.find("\r\n", line);
    if (end == line || end == std::string_view::npos) break;
    const std::string_view field = head.substr(line, end - line);
    const std::size_t colon = field.find(':');
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers.emplace_back(lower(field.substr(0, colon)), std::string(value));
    line = end + 2;
  }
  return response;
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{};
  timeout.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kPatience).count();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads and writes through `Io` (plain socket or TLS); the HTTP parsing is shared.
class ClientBase {
 public:
  virtual ~ClientBase() = default;
  virtual bool send(std::string_view data) = 0;

  std::string read_until(std::string_view marker) {
    std::size_t found;
    while ((found = buffer_.find(marker)) == std::string::npos) {
      if (!fill()) return {};
    }
    std::string out = buffer_.substr(0, found + marker.size());
    buffer_.erase(0, found + marker.size());
    return out;
  }
  Response read_head() { return parse_head(read_until("\r\n\r\n")); }
  Response read_response() {
    Response response = read_head();
    if (response.status == 0) return response;
    if (const auto length = response.header("content-length")) {
      const std::size_t n = std::stoul(*length);
      while (buffer_.size() < n) {
        if (!fill()) return {};
      }
      response.body = buffer_.substr(0, n);
      buffer_.erase(0, n);
    }
    return response;
  }
  // True once the server has ended the connection; false on timeout.
  bool wait_closed() {
    while (true) {
      const int n = receive();
      if (n > 0) continue;
      return n == 0;
    }
  }

 protected:
  // > 0 bytes appended to chunk_, 0 closed, < 0 timeout.
  virtual int receive() = 0;
  bool fill() {
    const int n = receive();
    if (n <= 0) return false;
    buffer_.append(chunk_.data(), static_cast<std::size_t>(n));
    return true;
  }
  std::array<char, 16384> chunk_{};
  std::string buffer_;
};

class PlainClient : public ClientBase {
 public:
  explicit PlainClient(std::uint16_t port) : fd_(connect_loopback(port)) {}
  ~PlainClient() override {
    if (fd_ >= 0) ::close(fd_);
  }
  bool send(std::string_view data) override {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

 protected:
  int receive() override {
    const ssize_t n = ::recv(fd_, chunk_.data(), chunk_.size(), 0);
    if (n >= 0) return static_cast<int>(n);
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : 0;  // a reset is a close too
  }

 private:
  int fd_;
};

class TlsClient : public ClientBase {
 public:
  struct Config {
    std::string ca_file;  // trust only this; empty: no verification
    std::string expected_ip = "127.0.0.1";
    int max_version = 0;  // e.g. TLS1_1_VERSION to try an old protocol
  };

  TlsClient(std::uint16_t port, const Config& config) : fd_(connect_loopback(port)) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!config.ca_file.empty()) {
      SSL_CTX_load_verify_locations(ctx_, config.ca_file.c_str(), nullptr);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    if (config.max_version != 0) {
      SSL_CTX_set_security_level(ctx_, 0);  // let this client offer what the server must refuse
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, config.max_version);
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), config.expected_ip.c_str());
    handshake_ok_ = fd_ >= 0 && SSL_connect(ssl_) == 1;
    if (!handshake_ok_) {
      verify_result_ = SSL_get_verify_result(ssl_);
      ERR_clear_error();
    }
  }
  ~TlsClient() override {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }

  bool handshake_ok() const { return handshake_ok_; }
  long verify_result() const { return verify_result_; }
  std::string protocol() const { return SSL_get_version(ssl_); }
  bool send(std::string_view data) override {
    return handshake_ok_ &&
           SSL_write(ssl_, data.data(), static_cast<int>(data.size())) == static_cast<int>(data.size());
  }
  // After wait_closed(): whether the server said goodbye with close_notify.
  bool clean_shutdown() const { return (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0; }

 protected:
  int receive() override {
    if (!handshake_ok_) return 0;
    const int n = SSL_read(ssl_, chunk_.data(), static_cast<int>(chunk_.size()));
    if (n > 0) return n;
    const int error = SSL_get_error(ssl_, n);
    ERR_clear_error();
    if (error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
    return 0;
  }

 private:
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool handshake_ok_ = false;
  long verify_result_ = X509_V_OK;
};

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra) + "\r\n";
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto request = hearth::dashboard::certificate_request_for("127.0.0.1", "hearth-test");
    request.cert_file = dir_.file("tls/hearthd.crt");
    request.key_file = dir_.file("tls/hearthd.key");
    auto info = ensure_self_signed_certificate(request);
    ASSERT_TRUE(info) << info.error().message;
    cert_file_ = request.cert_file;
    key_file_ = request.key_file;
  }

  void TearDown() override {
    if (thread_.joinable()) {
      on_io([&] { server_->stop(); });
      work_.reset();
      thread_.join();
    }
    server_.reset();
  }

  HttpServer::Options tls_options() {
    HttpServer::Options options;
    options.tls = HttpServer::Options::Tls{cert_file_, key_file_};
    options.log_warning = [this](const std::string& message) {
      std::lock_guard lock(mutex_);
      warnings_.push_back(message);
    };
    return options;
  }

  void start(HttpServer::Options options) {
    server_ = std::make_unique<HttpServer>(io_, std::move(options),
                                           [this](const HttpRequest& request) { return route(request); });
    auto port = server_->start();
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
  }

  template <class F>
  auto on_io(F f) -> std::invoke_result_t<F&> {
    std::packaged_task<std::invoke_result_t<F&>()> task(std::move(f));
    auto result = task.get_future();
    net::post(io_, [&task] { task(); });
    return result.get();
  }

  bool eventually(const std::function<bool()>& condition) {
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    while (!on_io(condition)) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  HttpServer::Stats stats() {
    return on_io([&] { return server_->stats(); });
  }

  std::vector<std::string> warnings() {
    std::lock_guard lock(mutex_);
    return warnings_;
  }

  TlsClient::Config trusting() const { return TlsClient::Config{cert_file_, "127.0.0.1", 0}; }

  HttpResponse route(const HttpRequest& request) {
    if (request.path == "/hello") return HttpResponse{200, "application/json", R"({"hello":"world"})", {}, {}};
    if (request.path == "/events") return event_stream("updates");
    return json_error(404, "no route for " + request.path);
  }

  hearth::test::TempDir dir_;
  std::string cert_file_;
  std::string key_file_;
  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::thread thread_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> warnings_;
};

TEST_F(HttpsServerTest, GetWorksForAClientTrustingTheGeneratedCertificate) {
  start(tls_options());
  TlsClient client(port_, trusting());
  ASSERT_TRUE(client.handshake_ok()) << X509_verify_cert_error_string(client.verify_result());
  EXPECT_TRUE(client.protocol() == "TLSv1.3" || client.protocol() == "TLSv1.2") << client.protocol();
  ASSERT_TRUE(client.send(get("/hello")));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"hello":"world"})");
  EXPECT_EQ(response.header("strict-transport-security"), "max-age=86400");
  // Keep-alive works over TLS too, error responses included.
  ASSERT_TRUE(client.send(get("/nowhere")));
  const Response missing = client.read_response();
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.header("strict-transport-security"));
  EXPECT_EQ(stats().tls_handshakes, 1u);
  EXPECT_EQ(stats().tls_handshake_failures, 0u);
}

TEST_F(HttpsServerTest, ConnectionCloseEndsWithCloseNotify) {
  start(tls_options());
  TlsClient client(port_, trusting());
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.send(get("/hello", "Connection: close\r\n")));
  EXPECT_EQ(client.read_response().status, 200);
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(client.clean_shutdown());  // not a truncation
}

TEST_F(HttpsServerTest, TheCertificateIsRefusedForANameItDoesNotCarry) {
  start(tls_options());
  TlsClient client(port_, TlsClient::Config{cert_file_, "192.0.2.99", 0});
  EXPECT_FALSE(client.handshake_ok());
  EXPECT_EQ(client.verify_result(), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST_F(HttpsServerTest, ServerSentEventsStreamOverTls) {
  start(tls_options());
  TlsClient client(port_, trusting());
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.send(get("/events")));
  const Response head = client.read_head();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-type"), "text/event-stream");
  EXPECT_TRUE(head.header("strict-transport-security"));
  ASSERT_TRUE(eventually([&] { return server_->subscriber_count("updates") == 1; }));
  on_io([&] { server_->publish("updates", "reading", "{\"power_w\":42}"); });
  EXPECT_EQ(client.read_until("\n\n"), "event: reading\ndata: {\"power_w\":42}\n\n");
  on_io([&] { server_->publish("updates", "", "second"); });
  EXPECT_EQ(client.read_until("\n\n"), "data: second\n\n");
}

TEST_F(HttpsServerTest, PlainHttpToTheTlsPortIsRedirectedToHttps) {
  start(tls_options());
  PlainClient plain(port_);
  ASSERT_TRUE(plain.send("GET /tv/?rotate=5 HTTP/1.1\r\nHost: hearth.local:8443\r\n\r\n"));
  const Response response = plain.read_response();
  EXPECT_EQ(response.status, 301);
  EXPECT_EQ(response.header("location"), "https://hearth.local:8443/tv/?rotate=5");
  EXPECT_TRUE(plain.wait_closed());
  EXPECT_EQ(stats().plain_http_on_tls, 1u);
  EXPECT_EQ(stats().tls_handshake_failures, 0u);

  // Not a GET, or no usable Host: told to use https, and closed.
  for (const char* request : {"POST /api/v1/login HTTP/1.1\r\nHost: hearth.local\r\nContent-Length: 0\r\n\r\n",
                              "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"}) {
    PlainClient other(port_);
    ASSERT_TRUE(other.send(request));
    const Response refused = other.read_response();
    EXPECT_EQ(refused.status, 400) << request;
    EXPECT_FALSE(refused.header("location")) << request;
    EXPECT_NE(refused.body.find("https"), std::string::npos) << request;
    EXPECT_TRUE(other.wait_closed()) << request;
  }

  TlsClient client(port_, trusting());  // the server is unharmed
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.send(get("/hello")));
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(HttpsServerTest, GarbageHandshakesAreCountedLoggedAndHarmless) {
  start(tls_options());
  const std::vector<std::string> garbage = {
      std::string("\x16\x03\x01\x00\x05hello", 10),                       // a handshake record of nonsense
      std::string("\x16\x03\x03\xff\xff", 5) + std::string(300, '\x41'),  // oversized record length
      std::string("\x00\x01\x02\x03\xfe\xff", 6),                         // not TLS, not HTTP
      std::string("\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03", 11) + std::string(38, '\0'),  // bad ClientHello
  };
  for (const auto& bytes : garbage) {
    PlainClient client(port_);
    ASSERT_TRUE(client.send(bytes));
    EXPECT_TRUE(client.wait_closed());
  }
  ASSERT_TRUE(eventually([&] { return server_->stats().tls_handshake_failures == garbage.size(); }));
  EXPECT_EQ(stats().tls_handshakes, 0u);
  const auto logged = warnings();
  ASSERT_EQ(logged.size(), garbage.size());
  EXPECT_NE(logged[0].find("TLS handshake with 127.0.0.1 failed"), std::string::npos) << logged[0];
  EXPECT_NE(logged[2].find("not a TLS handshake"), std::string::npos) << logged[2];

  TlsClient client(port_, trusting());
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.send(get("/hello")));
  EXPECT_EQ(client.read_response().status, 200);
  EXPECT_EQ(on_io([&] { return server_->connection_count(); }), 1u);
}

TEST_F(HttpsServerTest, ProtocolsOlderThanTls12AreRefused) {
  start(tls_options());
  for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    TlsClient client(port_, TlsClient::Config{"", "127.0.0.1", version});
    EXPECT_FALSE(client.handshake_ok()) << version;
  }
  ASSERT_TRUE(eventually([&] { return server_->stats().tls_handshake_failures == 2; }));
  TlsClient modern(port_, TlsClient::Config{"", "127.0.0.1", TLS1_2_VERSION});
  EXPECT_TRUE(modern.handshake_ok());
  EXPECT_EQ(modern.protocol(), "TLSv1.2");
}

TEST_F(HttpsServerTest, AStalledHandshakeIsClosedAtTheReadTimeoutAndCounted) {
  HttpServer::Options options = tls_options();
  options.read_timeout = 1s;
  start(std::move(options));
  PlainClient silent(port_);  // connects, sends nothing
  EXPECT_TRUE(silent.wait_closed());
  ASSERT_TRUE(eventually([&] { return server_->stats().tls_handshake_failures == 1; }));
  const auto logged = warnings();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("timed out"), std::string::npos) << logged[0];

  PlainClient half(port_);  // a handshake record header, then nothing
  ASSERT_TRUE(half.send(std::string("\x16\x03\x01\x00\x80", 5)));
  EXPECT_TRUE(half.wait_closed());
  ASSERT_TRUE(eventually([&] { return server_->stats().tls_handshake_failures == 2; }));
}

TEST_F(HttpsServerTest, StartFailsWhenTheCertificateOrKeyCannotBeUsed) {
  {
    HttpServer::Options options = tls_options();
    options.tls->cert_file = dir_.file("missing.crt");
    HttpServer server(io_, options, [](const HttpRequest&) { return HttpResponse{}; });
    const auto port = server.start();
    ASSERT_FALSE(port);
    EXPECT_NE(port.error().message.find("missing.crt"), std::string::npos) << port.error().message;
  }
  {
    auto other = hearth::dashboard::certificate_request_for("127.0.0.1", "other");
    other.cert_file = dir_.file("other.crt");
    other.key_file = dir_.file("other.key");
    ASSERT_TRUE(ensure_self_signed_certificate(other));
    HttpServer::Options options = tls_options();
    options.tls->key_file = other.key_file;
    HttpServer server(io_, options, [](const HttpRequest&) { return HttpResponse{}; });
    const auto port = server.start();
    ASSERT_FALSE(port);
    EXPECT_NE(port.error().message.find("TLS"), std::string::npos) << port.error().message;
  }
}

TEST_F(HttpsServerTest, PlainServerIsUnchangedAndSendsNoHsts) {
  start(HttpServer::Options{});
  PlainClient client(port_);
  ASSERT_TRUE(client.send(get("/hello")));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.header("strict-transport-security"));
  EXPECT_EQ(stats().tls_handshakes, 0u);
}

}  // namespace
