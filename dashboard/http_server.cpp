// The only translation unit that sees Beast (see http_server.h for why).
#include "dashboard/http_server.h"

#include <utility>  // before Asio: awaitable.hpp uses std::exchange without including it (asio#944)

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace hearth::dashboard {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = ssl::stream<tcp::socket>;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// A failing accept (EMFILE, ENOBUFS) would otherwise be retried in a tight loop.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// After an error response we drain what the client is still sending (e.g. the oversized body)
// before closing: closing with unread data makes the kernel send RST, which can destroy the
// response before the client reads it. Bounded in bytes here and in time by read_timeout.
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kHeartbeat = ": heartbeat\n\n";

// Short, so that a box whose certificate is replaced does not lock browsers out for long.
constexpr std::string_view kHsts = "max-age=86400";
// TLS 1.2 suites of Mozilla's "intermediate" profile: forward secrecy and AEAD only. TLS 1.3
// suites are all of that kind and stay at OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr unsigned char kTlsHandshakeRecord = 0x16;

// Written synchronously (best effort) to connections over max_connections, so that turning
// them away needs no per-connection state.
constexpr std::string_view kBusyResponse =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Server: hearth\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n"
    "Content-Length: 32\r\n"
    "\r\n"
    "{\"error\":\"too many connections\"}";

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// RFC 9110 token: what a header name may contain.
bool is_token(std::string_view s) {
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alnum || kSpecials.find(c) != std::string_view::npos;
  });
}

// Beast does not validate values on output: a CR/LF from a handler would allow header injection.
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7F);
  });
}

bool is_framing_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

bool is_allowed_method(std::string_view method) {
  constexpr std::array<std::string_view, 7> kMethods{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  return std::find(kMethods.begin(), kMethods.end(), method) != kMethods.end();
}

bool is_json(std::string_view content_type) { return lower(content_type).starts_with("application/json"); }

template <class Body>
void set_default(http::response<Body>& res, std::string_view name, std::string_view value) {
  if (res.find(name) == res.end()) res.set(name, value);
}

// Handler headers first, then defaults only where the handler set nothing: the handler wins.
template <class Body>
void apply_headers(http::response<Body>& res, const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (is_token(name) && is_field_value(value) && !is_framing_header(name)) res.insert(name, value);
  }
  set_default(res, "Server", "hearth");
  set_default(res, "X-Content-Type-Options", "nosniff");
  if (!response.content_type.empty() && is_field_value(response.content_type)) {
    set_default(res, "Content-Type", response.content_type);
  }
  if (is_json(response.content_type)) set_default(res, "Cache-Control", "no-store");
}

http::message_generator make_message(HttpResponse response, unsigned version, bool keep_alive, bool head) {
  if (response.status < 200 || response.status > 599) response = json_error(500, "handler returned an invalid status");
  const bool bodyless = response.status == 204 || response.status == 304;
  if (bodyless) {
    response.body.clear();
    response.content_type.clear();
  }
  http::response<http::string_body> res{static_cast<http::status>(response.status), version};
  apply_headers(res, response);
  if (!bodyless) res.content_length(response.body.size());
  res.keep_alive(keep_alive);
  if (head) {
    // Same headers as GET, including the Content-Length GET would have, but no body.
    return http::message_generator{http::response<http::empty_body>{std::move(res.base())}};
  }
  res.body() = std::move(response.body);
  return http::message_generator{std::move(res)};
}

// The response header that opens an SSE stream. The body is delimited by connection close
// (no Content-Length, no chunking), which every EventSource client and proxy understands.
http::message_generator make_stream_header(const HttpResponse& response, unsigned version) {
  http::response<http::empty_body> res{http::status::ok, version};
  HttpResponse stream = response;
  stream.content_type = "text/event-stream";
  apply_headers(res, stream);
  set_default(res, "Cache-Control", "no-store");
  set_default(res, "X-Accel-Buffering", "no");  // nginx would otherwise buffer the stream
  res.keep_alive(false);
  return http::message_generator{std::move(res)};
}

// Event names cannot span lines: a newline would let the caller forge other SSE fields.
void append_single_line(std::string& out, std::string_view text) {
  for (const char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
}

std::string format_event(std::string_view event, std::string_view data) {
  std::string out;
  if (!event.empty()) {
    out += "event: ";
    append_single_line(out, event);
    out += '\n';
  }
  // Every line of the data gets its own "data:" field; the client joins them with '\n'.
  std::size_t start = 0;
  while (true) {
    const std::size_t end = data.find_first_of("\r\n", start);
    out += "data: ";
    out.append(data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out += '\n';
  return out;
}

std::optional<core::Error> validate(const HttpServer::Options& options) {
  auto invalid = [](std::string what) { return core::make_error("http server: invalid options: " + what); };
  if (options.header_limit_bytes == 0) return invalid("header_limit_bytes must be positive");
  if (options.max_connections == 0) return invalid("max_connections must be positive");
  if (options.read_timeout.count() <= 0) return invalid("read_timeout must be positive");
  if (options.write_timeout.count() <= 0) return invalid("write_timeout must be positive");
  if (options.sse_queue_limit == 0) return invalid("sse_queue_limit must be positive");
  if (options.sse_heartbeat_interval.count() <= 0) return invalid("sse_heartbeat_interval must be positive");
  return std::nullopt;
}

// Redirect targets come from the client's Host header: only plain host[:port] is echoed back.
bool is_host(std::string_view s) {
  return !s.empty() && s.size() <= 255 && std::all_of(s.begin(), s.end(), [](char c) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alnum || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

// What a plain HTTP request to the TLS port gets: GET/HEAD with a usable Host and target are
// redirected to the same URL over https; anything else is told to use https.
HttpResponse plain_http_answer(std::string_view head) {
  const auto line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  HttpResponse refusal = json_error(400, "this port speaks HTTPS: use https://");
  if (sp2 == std::string_view::npos) return refusal;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view host;
  for (std::size_t at = line_end; at != std::string_view::npos && at + 2 < head.size();) {
    const std::size_t next = head.find("\r\n", at + 2);
    const std::string_view field = head.substr(at + 2, next == std::string_view::npos ? next : next - at - 2);
    const auto colon = field.find(':');
    if (colon != std::string_view::npos && iequals(field.substr(0, colon), "host")) {
      host = field.substr(colon + 1);
      while (!host.empty() && (host.front() == ' ' || host.front() == '\t')) host.remove_prefix(1);
      while (!host.empty() && (host.back() == ' ' || host.back() == '\t')) host.remove_suffix(1);
    }
    at = next;
  }
  if ((method != "GET" && method != "HEAD") || !is_host(host) || !parse_target(target) || !is_field_value(target)) {
    return refusal;
  }
  HttpResponse redirect = json_error(301, "moved to https");
  redirect.headers.emplace_back("Location", "https://" + std::string(host) + std::string(target));
  return redirect;
}

core::Result<std::unique_ptr<ssl::context>> make_tls_context(const HttpServer::Options::Tls& tls) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  auto failed = [](std::string what, const error_code& ec) {
    return core::make_error("http server: TLS: " + std::move(what) + ": " + ec.message());
  };
  error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                       ssl::context::single_dh_use,
                   ec);
  if (ec) return failed("cannot set options", ec);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return core::make_error("http server: TLS: cannot restrict protocol versions and ciphers");
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  ctx->use_certificate_chain_file(tls.cert_file, ec);
  if (ec) return failed("cannot load the certificate " + tls.cert_file, ec);
  ctx->use_private_key_file(tls.key_file, ssl::context::pem, ec);
  if (ec) return failed("cannot load the key " + tls.key_file, ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return core::make_error("http server: TLS: " + tls.key_file + " is not the key of " + tls.cert_file);
  }
  return ctx;
}

std::string handshake_error_text(const error_code& ec) {
  if (ec == ssl::error::stream_truncated || ec == net::error::eof) return "closed during the handshake";
  if (ec == net::error::timed_out) return "timed out";
  return ec.message();
}

}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  class Connection;
  template <class Stream>
  class BasicConnection;

  Impl(net::io_context& io, Options options, Handler handler);

  core::Result<std::uint16_t> start();
  void stop();
  std::size_t connection_count() const { return connections_.size(); }
  Stats stats() const { return stats_; }
  std::size_t subscriber_count(std::string_view channel) const;
  void publish(std::string_view channel, std::string_view event, std::string_view data);
  void release_handler() { handler_ = nullptr; }

  // For connections.
  const Options& options() const { return options_; }
  bool stopped() const { return stopped_; }
  HttpResponse dispatch(const HttpRequest& request);
  void forget(const Connection* connection) { connections_.erase(connection); }
  void handshake_done() { ++stats_.tls_handshakes; }
  void handshake_failed(const std::string& remote, const std::string& why);
  void plain_http_on_tls(const std::string& remote);

 private:
  core::Result<std::uint16_t> listen();
  void accept_next();
  void on_accept(error_code ec, tcp::socket socket);
  void retry_accept_later();
  void schedule_heartbeat();
  void send_heartbeat();
  std::vector<std::shared_ptr<Connection>> live_connections() const;
  void warn(const std::string& message) const {
    if (options_.log_warning) options_.log_warning(message);
  }

  Options options_;
  Handler handler_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_timer_;
  net::steady_timer heartbeat_timer_;
  std::unique_ptr<ssl::context> tls_;  // set by start() when options_.tls is
  // Weak: a connection's lifetime is owned by its pending operations, not by the registry.
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections_;
  Stats stats_;
  bool started_ = false;
  bool stopped_ = false;
};

// What the server needs of a connection, whatever it runs over.
class HttpServer::Impl::Connection {
 public:
  Connection() = default;
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual void close() = 0;
  virtual bool is_subscribed_to(std::string_view channel) const = 0;
  virtual bool is_idle_stream() const = 0;
  virtual void enqueue_event(std::shared_ptr<const std::string> message) = 0;
};

// One client connection: a keep-alive loop of read request -> call handler -> write response,
// which may turn into an SSE stream. Every pending operation holds a shared_ptr to it.
// Stream is tcp::socket (HTTP) or ssl::stream<tcp::socket> (HTTPS: a handshake comes first).
template <class Stream>
class HttpServer::Impl::BasicConnection final : public Connection,
                                                public std::enable_shared_from_this<BasicConnection<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  template <class... StreamArgs>
  BasicConnection(std::shared_ptr<Impl> server, StreamArgs&&... stream_args);
  ~BasicConnection() override { server_->forget(this); }

  void start();
  void close() override;
  bool is_subscribed_to(std::string_view channel) const override {
    return !closed_ && channel_ && *channel_ == channel;
  }
  bool is_idle_stream() const override { return !closed_ && channel_ && outbox_.empty(); }
  void enqueue_event(std::shared_ptr<const std::string> message) override;

 private:
  using Parser = http::request_parser<http::string_body>;

  tcp::socket& socket() { return beast::get_lowest_layer(stream_); }

  void sniff();
  void handshake();
  void on_handshake(error_code ec);
  void handshake_failed(const std::string& why);
  void read_plain_head();
  void answer_plain_http();

  void read_request();
  void on_header(error_code ec);
  void read_body();
  void on_request(error_code ec);
  void on_read_error(error_code ec);
  void handle_request();
  HttpResponse with_transport_headers(HttpResponse response) const;
  void write_response(http::message_generator message, bool keep_alive);
  void finish();
  void fail(int status, std::string_view message);
  void linger();
  void linger_read();

  void open_stream(const HttpResponse& response, unsigned version);
  void write_next_event();
  void watch_for_disconnect();

  void arm_deadline(std::chrono::seconds timeout);
  void disarm_deadline() { deadline_.expires_at(Clock::time_point::max()); }
  void on_deadline();

  std::shared_ptr<Impl> server_;
  Stream stream_;
  net::steady_timer deadline_;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::optional<std::string> channel_;  // set once this is an SSE stream
  bool stream_open_ = false;            // SSE response header written
  bool writing_ = false;
  std::deque<std::shared_ptr<const std::string>> outbox_;  // front is being written
  std::array<char, 4096> scratch_{};                       // discarded reads (linger, disconnect watch)
  std::size_t lingered_bytes_ = 0;
  std::string plain_head_;  // a plain HTTP request to the TLS port, read raw
  bool raw_ = false;        // TLS port, but the client speaks plain HTTP: bypass the TLS layer
  bool handshaking_ = false;
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------------
// Connection: TLS handshake (HTTPS only)

template <class Stream>
template <class... StreamArgs>
HttpServer::Impl::BasicConnection<Stream>::BasicConnection(std::shared_ptr<Impl> server, StreamArgs&&... stream_args)
    : server_(std::move(server)),
      stream_(std::forward<StreamArgs>(stream_args)...),
      deadline_(socket().get_executor()) {
  error_code ec;
  const auto endpoint = socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
  // Responses and events are single small writes; Nagle would hold back the next one for
  // the peer's delayed ACK (~40 ms per pipelined response).
  socket().set_option(tcp::no_delay(true), ec);
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::start() {
  if constexpr (kTls) {
    sniff();
  } else {
    read_request();
  }
}

// The first byte tells a TLS ClientHello (a handshake record) from a plain HTTP request, which
// must be answered in plain HTTP: once OpenSSL has consumed it, the request is lost.
template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::sniff() {
  handshaking_ = true;
  arm_deadline(server_->options().read_timeout);  // covers the wait and the whole handshake
  socket().async_wait(tcp::socket::wait_read, [self = this->shared_from_this()](error_code ec) {
    if (self->closed_) return self->on_handshake(net::error::timed_out);
    if (ec) return self->close();
    unsigned char first = 0;
    const std::size_t n = self->socket().receive(net::buffer(&first, 1), tcp::socket::message_peek, ec);
    if (ec || n == 0) return self->close();  // connected and left without a word: not worth a count
    if (first == kTlsHandshakeRecord) return self->handshake();
    if (first >= 'A' && first <= 'Z') return self->read_plain_head();
    self->handshake_failed("not a TLS handshake");
  });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::handshake() {
  if constexpr (kTls) {
    stream_.async_handshake(ssl::stream_base::server,
                            [self = this->shared_from_this()](error_code ec) { self->on_handshake(ec); });
  }
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::on_handshake(error_code ec) {
  if (closed_) ec = net::error::timed_out;  // the deadline (or stop()) closed the socket
  if (ec) return handshake_failed(handshake_error_text(ec));
  handshaking_ = false;
  server_->handshake_done();
  read_request();
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::handshake_failed(const std::string& why) {
  if (!handshaking_) return;
  handshaking_ = false;
  if (!server_->stopped()) server_->handshake_failed(remote_address_, why);
  close();
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::read_plain_head() {
  handshaking_ = false;
  raw_ = true;
  socket().async_read_some(net::buffer(scratch_), [self = this->shared_from_this()](error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) return self->close();
    self->plain_head_.append(self->scratch_.data(), n);
    if (self->plain_head_.find("\r\n\r\n") != std::string::npos) return self->answer_plain_http();
    if (self->plain_head_.size() > self->server_->options().header_limit_bytes) return self->close();
    self->read_plain_head();
  });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::answer_plain_http() {
  server_->plain_http_on_tls(remote_address_);
  arm_deadline(server_->options().write_timeout);
  beast::async_write(socket(), make_message(plain_http_answer(plain_head_), 11, false, false),
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->close();
                       self->linger();
                     });
}

// ---------------------------------------------------------------------------------------------
// Connection: request/response

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::read_request() {
  const Options& options = server_->options();
  parser_.emplace();  // Beast parsers handle exactly one message
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.header_limit_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser_->body_limit(options.body_limit_bytes);
  // One deadline covers keep-alive idle time, the header and the body: slow clients can't pin us.
  arm_deadline(options.read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::on_header(error_code ec) {
  if (closed_) return;
  if (ec) return on_read_error(ec);
  if (parser_->is_done()) return on_request({});
  const auto expect = parser_->get()[http::field::expect];
  if (!iequals(expect, "100-continue")) return read_body();
  // curl and others wait for this before sending a body; without it they stall for a second.
  net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                   [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                     if (self->closed_) return;
                     if (write_ec) return self->close();
                     self->read_body();
                   });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::read_body() {
  http::async_read(stream_, buffer_, *parser_,
                   [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_request(ec); });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::on_request(error_code ec) {
  if (closed_) return;
  if (ec) return on_read_error(ec);
  disarm_deadline();
  // Exceptions must not escape into io_context::run() and take the daemon down.
  try {
    handle_request();
  } catch (...) {
    close();
  }
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::on_read_error(error_code ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return close();  // client went away
  if (ec == http::error::body_limit) return fail(413, "request body too large");
  if (ec == http::error::header_limit) return fail(431, "request header fields too large");
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return fail(400, "malformed HTTP request");
  }
  close();  // socket and TLS errors, or the deadline closed the socket
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::handle_request() {
  auto message = parser_->release();
  const unsigned version = message.version();
  const bool keep_alive = message.keep_alive();
  const std::string_view method{message.method_string().data(), message.method_string().size()};
  if (!is_allowed_method(method)) {
    HttpResponse refusal = json_error(405, "method not allowed");
    refusal.headers.emplace_back("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    return write_response(make_message(with_transport_headers(std::move(refusal)), version, keep_alive, false),
                          keep_alive);
  }
  const std::string_view target{message.target().data(), message.target().size()};
  auto parsed = parse_target(target);
  if (!parsed) {
    return write_response(
        make_message(with_transport_headers(json_error(400, "invalid request target")), version, keep_alive, false),
        keep_alive);
  }

  const bool head = method == "HEAD";
  HttpRequest request;
  request.method = head ? "GET" : std::string(method);  // routes answer HEAD as GET; the body is dropped
  request.target = std::string(target);
  request.path = std::move(parsed->path);
  request.query = std::move(parsed->query);
  for (const auto& field : message) {
    request.headers.emplace_back(lower({field.name_string().data(), field.name_string().size()}),
                                 std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote_address = remote_address_;

  HttpResponse response = with_transport_headers(server_->dispatch(request));
  if (closed_) return;  // the handler stopped the server
  if (response.sse_channel && response.status == 200 && !head && method == "GET") {
    return open_stream(response, version);
  }
  write_response(make_message(std::move(response), version, keep_alive, head), keep_alive);
}

// HTTPS responses tell the browser to use nothing else for this host (unless the handler says).
template <class Stream>
HttpResponse HttpServer::Impl::BasicConnection<Stream>::with_transport_headers(HttpResponse response) const {
  if constexpr (kTls) {
    const bool set = std::any_of(response.headers.begin(), response.headers.end(),
                                 [](const auto& h) { return iequals(h.first, "Strict-Transport-Security"); });
    if (!set) response.headers.emplace_back("Strict-Transport-Security", std::string(kHsts));
  }
  return response;
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::write_response(http::message_generator message, bool keep_alive) {
  arm_deadline(server_->options().write_timeout);
  beast::async_write(stream_, std::move(message),
                     [self = this->shared_from_this(), keep_alive](error_code ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->close();
                       if (!keep_alive || self->server_->stopped()) return self->finish();
                       self->read_request();
                     });
}

// The last response was written: TLS says goodbye (close_notify) so that the client can tell
// the end from a truncation; plain TCP just closes.
template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::finish() {
  if constexpr (kTls) {
    if (!raw_) {
      arm_deadline(server_->options().write_timeout);
      stream_.async_shutdown([self = this->shared_from_this()](error_code) { self->close(); });
      return;
    }
  }
  close();
}

// Error responses after which the request stream is unusable: answer, then close gracefully.
template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::fail(int status, std::string_view message) {
  arm_deadline(server_->options().write_timeout);
  beast::async_write(stream_, make_message(with_transport_headers(json_error(status, message)), 11, false, false),
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->close();
                       self->linger();
                     });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::linger() {
  if constexpr (kTls) {
    // close_notify, then OpenSSL reads (and discards) until the client's own, within the deadline.
    if (!raw_) return finish();
  }
  error_code ignored;
  socket().shutdown(tcp::socket::shutdown_send, ignored);  // the client sees EOF after our response
  arm_deadline(server_->options().read_timeout);
  linger_read();
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::linger_read() {
  socket().async_read_some(net::buffer(scratch_), [self = this->shared_from_this()](error_code ec, std::size_t n) {
    if (self->closed_) return;
    self->lingered_bytes_ += n;
    if (ec || self->lingered_bytes_ > kLingerMaxBytes) return self->close();
    self->linger_read();
  });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket().close(ignored);  // pending operations complete with operation_aborted
  deadline_.cancel();
  server_->forget(this);
}

// ---------------------------------------------------------------------------------------------
// Connection: deadline

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::arm_deadline(std::chrono::seconds timeout) {
  deadline_.expires_after(timeout);  // also cancels the previous wait
  deadline_.async_wait([self = this->shared_from_this()](error_code ec) {
    if (!ec) self->on_deadline();
  });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::on_deadline() {
  // The wait may have completed just before being re-armed or disarmed: trust only the expiry.
  if (closed_ || deadline_.expiry() > Clock::now()) return;
  close();
}

// ---------------------------------------------------------------------------------------------
// Connection: Server-Sent Events

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::open_stream(const HttpResponse& response, unsigned version) {
  // Subscribed from here on: events published while the header is being written are queued.
  channel_ = response.sse_channel;
  arm_deadline(server_->options().write_timeout);
  beast::async_write(stream_, make_stream_header(response, version),
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->close();
                       self->disarm_deadline();
                       self->stream_open_ = true;
                       self->watch_for_disconnect();
                       self->write_next_event();
                     });
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::enqueue_event(std::shared_ptr<const std::string> message) {
  if (closed_) return;
  // A subscriber this far behind is not reading; dropping it bounds our memory.
  if (outbox_.size() >= server_->options().sse_queue_limit) return close();
  outbox_.push_back(std::move(message));
  write_next_event();
}

template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::write_next_event() {
  if (closed_ || !stream_open_ || writing_ || outbox_.empty()) return;
  writing_ = true;
  arm_deadline(server_->options().write_timeout);
  const std::string& front = *outbox_.front();
  net::async_write(stream_, net::buffer(front.data(), front.size()),
                   [self = this->shared_from_this()](error_code ec, std::size_t) {
                     self->writing_ = false;
                     if (self->closed_) return;
                     if (ec) return self->close();
                     self->outbox_.pop_front();
                     if (self->outbox_.empty()) self->disarm_deadline();
                     self->write_next_event();
                   });
}

// SSE clients send nothing; a pending read is how we learn that one has gone away.
template <class Stream>
void HttpServer::Impl::BasicConnection<Stream>::watch_for_disconnect() {
  stream_.async_read_some(net::buffer(scratch_), [self = this->shared_from_this()](error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->close();
    self->watch_for_disconnect();
  });
}

// ---------------------------------------------------------------------------------------------
// Impl

HttpServer::Impl::Impl(net::io_context& io, Options options, Handler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      acceptor_(io),
      accept_retry_timer_(io),
      heartbeat_timer_(io) {}

core::Result<std::uint16_t> HttpServer::Impl::start() {
  if (started_ || stopped_) return core::make_error("http server: start() may be called only once");
  started_ = true;
  if (auto invalid = validate(options_)) return *invalid;
  if (options_.tls) {
    auto ctx = make_tls_context(*options_.tls);
    if (!ctx) return ctx.error();
    tls_ = std::move(*ctx);
  }
  auto port = listen();
  if (!port) return port;
  accept_next();
  schedule_heartbeat();
  return port;
}

core::Result<std::uint16_t> HttpServer::Impl::listen() {
  const std::string where = options_.address + ":" + std::to_string(options_.port);
  error_code ec;
  const auto address = net::ip::make_address(options_.address, ec);
  if (ec) return core::make_error("http server: invalid listen address '" + options_.address + "': " + ec.message());
  const tcp::endpoint endpoint{address, options_.port};
  auto failed = [&](std::string_view step) {
    error_code ignored;
    acceptor_.close(ignored);
    return core::make_error("http server: cannot " + std::string(step) + " " + where + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return failed("open a socket for");
  // Lets a restarted daemon bind while old connections sit in TIME_WAIT.
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return failed("configure");
  acceptor_.bind(endpoint, ec);
  if (ec) return failed("bind to");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  const auto local = acceptor_.local_endpoint(ec);
  if (ec) return failed("query the port of");
  return local.port();
}

void HttpServer::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  heartbeat_timer_.cancel();
  for (const auto& connection : live_connections()) connection->close();
}

void HttpServer::Impl::accept_next() {
  acceptor_.async_accept(
      [self = shared_from_this()](error_code ec, tcp::socket socket) { self->on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(error_code ec, tcp::socket socket) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  if (ec) return retry_accept_later();
  if (connections_.size() >= options_.max_connections) {
    // Best effort and non-blocking: a fresh socket's send buffer always has room for this.
    // A TLS client would only see garbage: it gets the close alone.
    error_code ignored;
    socket.non_blocking(true, ignored);
    if (!tls_) socket.write_some(net::buffer(kBusyResponse.data(), kBusyResponse.size()), ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  } else if (tls_) {
    auto connection = std::make_shared<BasicConnection<TlsStream>>(shared_from_this(), std::move(socket), *tls_);
    connections_.emplace(connection.get(), connection);
    connection->start();
  } else {
    auto connection = std::make_shared<BasicConnection<tcp::socket>>(shared_from_this(), std::move(socket));
    connections_.emplace(connection.get(), connection);
    connection->start();
  }
  accept_next();
}

void HttpServer::Impl::retry_accept_later() {
  accept_retry_timer_.expires_after(kAcceptRetryDelay);
  accept_retry_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && !self->stopped_) self->accept_next();
  });
}

void HttpServer::Impl::schedule_heartbeat() {
  heartbeat_timer_.expires_after(options_.sse_heartbeat_interval);
  heartbeat_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->stopped_) return;
    self->send_heartbeat();
    self->schedule_heartbeat();
  });
}

void HttpServer::Impl::send_heartbeat() {
  const auto message = std::make_shared<const std::string>(kHeartbeat);
  for (const auto& connection : live_connections()) {
    if (connection->is_idle_stream()) connection->enqueue_event(message);  // busy streams need none
  }
}

std::vector<std::shared_ptr<HttpServer::Impl::Connection>> HttpServer::Impl::live_connections() const {
  // A snapshot: closing a connection while iterating erases it from connections_.
  std::vector<std::shared_ptr<Connection>> live;
  live.reserve(connections_.size());
  for (const auto& [key, weak] : connections_) {
    if (auto connection = weak.lock()) live.push_back(std::move(connection));
  }
  return live;
}

std::size_t HttpServer::Impl::subscriber_count(std::string_view channel) const {
  const auto live = live_connections();
  return static_cast<std::size_t>(std::count_if(
      live.begin(), live.end(), [&](const auto& connection) { return connection->is_subscribed_to(channel); }));
}

void HttpServer::Impl::publish(std::string_view channel, std::string_view event, std::string_view data) {
  if (stopped_) return;
  // Formatted once and shared by every subscriber's queue.
  const auto message = std::make_shared<const std::string>(format_event(event, data));
  for (const auto& connection : live_connections()) {
    if (connection->is_subscribed_to(channel)) connection->enqueue_event(message);
  }
}

void HttpServer::Impl::handshake_failed(const std::string& remote, const std::string& why) {
  ++stats_.tls_handshake_failures;
  warn("http server: TLS handshake with " + remote + " failed: " + why);
}

void HttpServer::Impl::plain_http_on_tls(const std::string& remote) {
  ++stats_.plain_http_on_tls;
  warn("http server: plain HTTP from " + remote + " on the HTTPS port: answered with a redirect to https (or a 400)");
}

HttpResponse HttpServer::Impl::dispatch(const HttpRequest& request) {
  if (!handler_) return json_error(503, "server is shutting down");
  try {
    return handler_(request);
  } catch (...) {
    return json_error(500, "internal server error");  // the daemon's handler does the logging
  }
}

// ---------------------------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(boost::asio::io_context& io, Options options, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  impl_->stop();
  // In-flight completions may keep Impl alive a little longer; they must not reach the
  // daemon's objects captured by the handler.
  impl_->release_handler();
}

core::Result<std::uint16_t> HttpServer::start() { return impl_->start(); }
void HttpServer::stop() { impl_->stop(); }
std::size_t HttpServer::connection_count() const { return impl_->connection_count(); }
HttpServer::Stats HttpServer::stats() const { return impl_->stats(); }
std::size_t HttpServer::subscriber_count(std::string_view channel) const { return impl_->subscriber_count(channel); }
void HttpServer::publish(std::string_view channel, std::string_view event, std::string_view data) {
  impl_->publish(channel, event, data);
}

}  // namespace hearth::dashboard
