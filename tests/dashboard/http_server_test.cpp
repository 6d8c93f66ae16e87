// End-to-end tests of HttpServer over real loopback sockets. The server runs on an io_context
// in a background thread; the test talks to it with blocking POSIX sockets (no Beast here: it
// would cost ~15 s of compile time) and touches the server only through on_io().
//
// Determinism: nothing asserts on durations. Waits are for events (bytes, EOF, a count reaching
// a value) and kPatience only keeps a broken build from hanging forever.
#include "dashboard/http_server.h"

#include <utility>  // before Asio (asio#944)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

namespace net = boost::asio;
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
  int status = 0;                                            // 0: no response (connection closed or timed out first)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
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
  if (head.substr(0, 9) != "HTTP/1.1 " && head.substr(0, 9) != "HTTP/1.0 ") return response;
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

// A blocking loopback client with a receive timeout (the hang guard).
class Client {
 public:
  explicit Client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{};
    timeout.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kPatience).count();
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Everything up to and including `marker`; "" if the connection ends first.
  std::string read_until(std::string_view marker) {
    std::size_t found;
    while ((found = buffer_.find(marker)) == std::string::npos) {
      if (!fill()) return {};
    }
    std::string out = buffer_.substr(0, found + marker.size());
    buffer_.erase(0, found + marker.size());
    return out;
  }

  std::string read_exact(std::size_t n) {
    while (buffer_.size() < n) {
      if (!fill()) return {};
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }

  // Status line and headers only (HEAD responses, SSE streams).
  Response read_head() { return parse_head(read_until("\r\n\r\n")); }

  Response read_response() {
    Response response = read_head();
    if (response.status == 0) return response;
    const auto length = response.header("content-length");
    if (length) response.body = read_exact(std::stoul(*length));
    return response;
  }

  // True once the server has closed the connection (EOF or reset); false on timeout.
  bool wait_closed() {
    char scratch[65536];
    while (true) {
      const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
      if (n > 0) continue;
      if (n == 0) return true;
      return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

  const std::string& pending() const { return buffer_; }

 private:
  bool fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

std::string get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_headers) + "\r\n";
}

class HttpServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (thread_.joinable()) {
      on_io([&] { server_->stop(); });
      work_.reset();
      thread_.join();
    }
    server_.reset();
  }

  // Starts the server on an ephemeral port, then runs the io_context in the background.
  void start(HttpServer::Options options = {}) {
    server_ = std::make_unique<HttpServer>(io_, std::move(options),
                                           [this](const HttpRequest& request) { return route(request); });
    auto port = server_->start();
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });  // even on failure, so that on_io() cannot hang
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
  }

  // Runs `f` on the server's thread and returns its result.
  template <class F>
  auto on_io(F f) -> std::invoke_result_t<F&> {
    std::packaged_task<std::invoke_result_t<F&>()> task(std::move(f));
    auto result = task.get_future();
    net::post(io_, [&task] { task(); });
    return result.get();
  }

  // Polls `condition` on the server's thread until it holds (or the hang guard gives up).
  bool eventually(const std::function<bool()>& condition) {
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    while (!on_io(condition)) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  std::size_t connections() {
    return on_io([&] { return server_->connection_count(); });
  }
  std::size_t subscribers(std::string channel = "updates") {
    return on_io([&] { return server_->subscriber_count(channel); });
  }
  void publish(std::string channel, std::string event, std::string data) {
    on_io([&] { server_->publish(channel, event, data); });
  }

  HttpResponse route(const HttpRequest& request) {
    ++calls_;
    if (request.path == "/hello") return HttpResponse{200, "application/json", R"({"hello":"world"})", {}, {}};
    if (request.path == "/echo") return echo(request);
    if (request.path == "/throw") throw std::runtime_error("boom");
    if (request.path == "/events") return event_stream("updates");
    if (request.path == "/empty") return HttpResponse{204, "application/json", "ignored", {}, {}};
    if (request.path == "/stop") {
      server_->stop();
      return HttpResponse{};
    }
    if (request.path == "/custom") {
      HttpResponse response{200, "text/plain; charset=utf-8", "custom", {}, {}};
      response.headers = {{"X-Hearth", "1"},
                          {"Cache-Control", "max-age=60"},
                          {"X-Injected", "a\r\nSet-Cookie: stolen=1"},
                          {"Bad Name", "x"},
                          {"Content-Length", "999"}};
      return response;
    }
    return json_error(404, "no route for " + request.path);
  }

  static HttpResponse echo(const HttpRequest& request) {
    std::string body = "method=" + request.method + "\npath=" + request.path + "\ntarget=" + request.target;
    for (const auto& [key, value] : request.query) body += "\nquery:" + key + "=" + value;
    body += "\nx-token=" + request.header("X-Token").value_or("-");
    body += "\nroom=" + request.query_param("room").value_or("-");
    body += "\nremote=" + request.remote_address + "\nbody=" + request.body;
    return HttpResponse{200, "text/plain", body, {}, {}};
  }

  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::thread thread_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> calls_{0};
};

// ---- plain request/response ------------------------------------------------------------------------

TEST_F(HttpServerTest, GetReturnsTheHandlersBodyWithStandardHeaders) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/hello")));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"hello":"world"})");
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.header("content-length"), "17");
  EXPECT_EQ(response.header("server"), "hearth");
  EXPECT_EQ(response.header("cache-control"), "no-store");
  EXPECT_EQ(response.header("x-content-type-options"), "nosniff");
}

TEST_F(HttpServerTest, RequestIsTranslatedForTheHandler) {
  start();
  Client client(port_);
  ASSERT_TRUE(
      client.send("POST /echo?room=living+room&x=%2F HTTP/1.1\r\nHost: localhost\r\nX-Token: abc\r\n"
                  "Content-Length: 7\r\n\r\npayload"));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body,
            "method=POST\npath=/echo\ntarget=/echo?room=living+room&x=%2F\nquery:room=living room\nquery:x=/"
            "\nx-token=abc\nroom=living room\nremote=127.0.0.1\nbody=payload");
  EXPECT_EQ(response.header("content-type"), "text/plain");
  EXPECT_FALSE(response.header("cache-control"));  // no-store is for JSON
}

TEST_F(HttpServerTest, ChunkedRequestBodyIsDecoded) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(
      "PUT /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("method=PUT"), std::string::npos);
  EXPECT_NE(response.body.find("body=abcde"), std::string::npos);
}

TEST_F(HttpServerTest, HandlerStatusAndErrorsPassThrough) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/nowhere")));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"error":"no route for /nowhere"})");
  EXPECT_EQ(response.header("cache-control"), "no-store");
}

TEST_F(HttpServerTest, HandlerHeadersOverrideDefaultsButCannotInjectOrReframe) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/custom")));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "custom");
  EXPECT_EQ(response.header("x-hearth"), "1");
  EXPECT_EQ(response.header("cache-control"), "max-age=60");
  EXPECT_EQ(response.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(response.header("content-length"), "6");
  EXPECT_EQ(response.header("server"), "hearth");
  EXPECT_FALSE(response.header("x-injected"));
  EXPECT_FALSE(response.header("set-cookie"));
  EXPECT_FALSE(response.header("bad name"));
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500AndTheServerKeepsServing) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/throw")));
  const Response failed = client.read_response();
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, R"({"error":"internal server error"})");
  EXPECT_EQ(failed.header("content-type"), "application/json");

  ASSERT_TRUE(client.send(get("/hello")));
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(HttpServerTest, HeadIsAnsweredLikeGetWithoutBody) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send("HEAD /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const Response head = client.read_head();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "17");  // what GET would send
  // No body follows: the next bytes on this keep-alive connection are the next response.
  ASSERT_TRUE(client.send(get("/nowhere")));
  EXPECT_EQ(client.read_response().status, 404);
  EXPECT_EQ(calls_, 2);
}

TEST_F(HttpServerTest, NoContentResponseHasNoBody) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/empty")));
  const Response empty = client.read_head();
  EXPECT_EQ(empty.status, 204);
  EXPECT_FALSE(empty.header("content-length"));
  ASSERT_TRUE(client.send(get("/hello")));
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(HttpServerTest, UnknownMethodIs405AndNeverReachesTheHandler) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send("TRACE /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 405);
  ASSERT_TRUE(response.header("allow"));
  EXPECT_NE(response.header("allow")->find("GET"), std::string::npos);
  EXPECT_EQ(calls_, 0);
  ASSERT_TRUE(client.send(get("/hello")));  // the connection is still usable
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(HttpServerTest, TraversalTargetsAre400AndNeverReachTheHandler) {
  start();
  for (const char* target : {"/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/x%00.js", "/a%zz"}) {
    Client client(port_);
    ASSERT_TRUE(client.send(get(target)));
    EXPECT_EQ(client.read_response().status, 400) << target;
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, ExpectContinueIsHonoured) {
  start();
  Client client(port_);
  ASSERT_TRUE(
      client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n"));
  EXPECT_EQ(client.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send("payload"));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("body=payload"), std::string::npos);
}

// ---- malformed and oversized requests --------------------------------------------------------------

TEST_F(HttpServerTest, GarbageIs400AndCloses) {
  start();
  for (const char* garbage : {"HELLO THERE\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                              "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "\x16\x03\x01 TLS hello\r\n\r\n",
                              "GET / HTTP/2.0\r\n\r\n"}) {  // Beast rejects versions other than 1.0/1.1 as malformed
    Client client(port_);
    ASSERT_TRUE(client.send(garbage));
    const Response response = client.read_response();
    EXPECT_EQ(response.status, 400) << garbage;
    EXPECT_EQ(response.header("connection"), "close");
    EXPECT_TRUE(client.wait_closed()) << garbage;
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndCloses) {
  HttpServer::Options options;
  options.body_limit_bytes = 16;
  start(options);
  {
    Client client(port_);
    ASSERT_TRUE(
        client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x')));
    const Response response = client.read_response();
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(response.body, R"({"error":"request body too large"})");
    EXPECT_TRUE(client.wait_closed());
  }
  {
    Client client(port_);  // without Content-Length the limit is enforced while reading chunks
    ASSERT_TRUE(
        client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"));
    EXPECT_EQ(client.read_response().status, 413);
    EXPECT_TRUE(client.wait_closed());
  }
  {
    Client client(port_);  // at the limit is fine
    ASSERT_TRUE(
        client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'y')));
    EXPECT_EQ(client.read_response().status, 200);
  }
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, HugeHeadersAre431AndClose) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/hello", "X-Big: " + std::string(16 * 1024, 'a') + "\r\n")));
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 431);
  EXPECT_TRUE(client.wait_closed());
  EXPECT_EQ(calls_, 0);
}

// ---- connections -----------------------------------------------------------------------------------

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/hello")));
  EXPECT_EQ(client.read_response().status, 200);
  ASSERT_TRUE(client.send(get("/nowhere")));
  EXPECT_EQ(client.read_response().status, 404);
  ASSERT_TRUE(client.send(get("/hello") + get("/hello")));  // pipelined
  EXPECT_EQ(client.read_response().body, R"({"hello":"world"})");
  EXPECT_EQ(client.read_response().body, R"({"hello":"world"})");
  EXPECT_EQ(connections(), 1u);
  EXPECT_EQ(calls_, 4);
}

TEST_F(HttpServerTest, ConnectionCloseAndHttp10CloseAfterTheResponse) {
  start();
  {
    Client client(port_);
    ASSERT_TRUE(client.send(get("/hello", "Connection: close\r\n")));
    const Response response = client.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.header("connection"), "close");
    EXPECT_TRUE(client.wait_closed());
  }
  {
    Client client(port_);
    ASSERT_TRUE(client.send("GET /hello HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(client.read_response().body, R"({"hello":"world"})");
    EXPECT_TRUE(client.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(HttpServerTest, IdleConnectionsAreClosedAfterTheReadTimeout) {
  HttpServer::Options options;
  options.read_timeout = 1s;
  start(options);
  Client silent(port_);  // never sends a byte
  Client idle(port_);    // goes idle after one request
  ASSERT_TRUE(idle.send(get("/hello")));
  EXPECT_EQ(idle.read_response().status, 200);
  Client partial(port_);  // stops in the middle of its headers
  ASSERT_TRUE(partial.send("GET /hello HTTP/1.1\r\nHost: loc"));

  EXPECT_TRUE(silent.wait_closed());
  EXPECT_TRUE(idle.wait_closed());
  EXPECT_TRUE(partial.wait_closed());
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitGet503) {
  HttpServer::Options options;
  options.max_connections = 2;
  start(options);
  auto first = std::make_unique<Client>(port_);
  Client second(port_);
  for (Client* client : {first.get(), &second}) {  // both accepted and served
    ASSERT_TRUE(client->send(get("/hello")));
    ASSERT_EQ(client->read_response().status, 200);
  }

  Client third(port_);
  const Response refused = third.read_response();
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body, R"({"error":"too many connections"})");
  EXPECT_TRUE(third.wait_closed());
  EXPECT_EQ(connections(), 2u);

  first.reset();  // frees a slot
  ASSERT_TRUE(eventually([&] { return server_->connection_count() == 1; }));
  Client fourth(port_);
  ASSERT_TRUE(fourth.send(get("/hello")));
  EXPECT_EQ(fourth.read_response().status, 200);
}

TEST_F(HttpServerTest, StopClosesTheListenerAndEveryConnection) {
  start();
  Client idle(port_);
  ASSERT_TRUE(idle.send(get("/hello")));
  ASSERT_EQ(idle.read_response().status, 200);
  Client stream(port_);
  ASSERT_TRUE(stream.send(get("/events")));
  ASSERT_EQ(stream.read_head().status, 200);
  EXPECT_EQ(connections(), 2u);

  on_io([&] { server_->stop(); });
  EXPECT_TRUE(idle.wait_closed());
  EXPECT_TRUE(stream.wait_closed());
  EXPECT_EQ(connections(), 0u);
  EXPECT_EQ(subscribers(), 0u);
  Client late(port_);
  EXPECT_FALSE(late.connected());
}

TEST_F(HttpServerTest, HandlerMayStopTheServer) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/stop")));
  EXPECT_TRUE(client.wait_closed());
  EXPECT_EQ(connections(), 0u);
}

// ---- start() errors ----------------------------------------------------------------------------------

TEST_F(HttpServerTest, StartReportsAnAddressInUse) {
  start();
  HttpServer::Options options;
  options.port = port_;
  auto result = on_io([&] {
    HttpServer second(io_, options, [](const HttpRequest&) { return HttpResponse{}; });
    return second.start();
  });
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("in use"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(std::to_string(port_)), std::string::npos) << result.error().message;
}

TEST(HttpServerStart, ReportsBadOptions) {
  net::io_context io;
  const auto handler = [](const HttpRequest&) { return HttpResponse{}; };
  {
    HttpServer::Options options;
    options.address = "not-an-address";
    HttpServer server(io, options, handler);
    auto result = server.start();
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("not-an-address"), std::string::npos) << result.error().message;
  }
  {
    HttpServer::Options options;
    options.max_connections = 0;
    HttpServer server(io, options, handler);
    auto result = server.start();
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("max_connections"), std::string::npos) << result.error().message;
  }
  {
    HttpServer server(io, HttpServer::Options{}, handler);
    ASSERT_TRUE(server.start());
    EXPECT_FALSE(server.start());  // once only
  }
}

// ---- Server-Sent Events ------------------------------------------------------------------------------

TEST_F(HttpServerTest, SseSubscriberReceivesItsChannelsEvents) {
  start();
  Client client(port_);
  ASSERT_TRUE(client.send(get("/events", "Accept: text/event-stream\r\n")));
  const Response head = client.read_head();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-type"), "text/event-stream");
  EXPECT_EQ(head.header("cache-control"), "no-store");
  EXPECT_EQ(head.header("x-content-type-options"), "nosniff");
  EXPECT_FALSE(head.header("content-length"));
  EXPECT_EQ(subscribers(), 1u);
  EXPECT_EQ(subscribers("other"), 0u);

  publish("other", "reading", "not for you");
  publish("updates", "reading", R"({"device":"plug","watts":12.5})");
  EXPECT_EQ(client.read_until("\n\n"), "event: reading\ndata: {\"device\":\"plug\",\"watts\":12.5}\n\n");
  publish("updates", "multi\nline", "first\nsecond\r\nthird");
  EXPECT_EQ(client.read_until("\n\n"), "event: multi line\ndata: first\ndata: second\ndata: third\n\n");
  publish("updates", "", "default event");
  EXPECT_EQ(client.read_until("\n\n"), "data: default event\n\n");

  client.close();
  EXPECT_TRUE(eventually([&] { return server_->subscriber_count("updates") == 0; }));
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(HttpServerTest, SseEventsGoToEverySubscriber) {
  start();
  Client a(port_);
  Client b(port_);
  for (Client* client : {&a, &b}) {
    ASSERT_TRUE(client->send(get("/events")));
    ASSERT_EQ(client->read_head().status, 200);
  }
  EXPECT_EQ(subscribers(), 2u);
  publish("updates", "tick", "1");
  EXPECT_EQ(a.read_until("\n\n"), "event: tick\ndata: 1\n\n");
  EXPECT_EQ(b.read_until("\n\n"), "event: tick\ndata: 1\n\n");
}

TEST_F(HttpServerTest, SseHeartbeatKeepsTheStreamWarm) {
  HttpServer::Options options;
  options.sse_heartbeat_interval = 1s;
  start(options);
  Client client(port_);
  ASSERT_TRUE(client.send(get("/events")));
  ASSERT_EQ(client.read_head().status, 200);
  EXPECT_EQ(client.read_until("\n\n"), ": heartbeat\n\n");
}

TEST_F(HttpServerTest, SseSubscriberThatFallsBehindIsDropped) {
  HttpServer::Options options;
  options.sse_queue_limit = 4;
  start(options);
  Client fast(port_);
  Client slow(port_);  // subscribes, then never reads
  for (Client* client : {&fast, &slow}) {
    ASSERT_TRUE(client->send(get("/events")));
    ASSERT_EQ(client->read_head().status, 200);
  }

  // Big events fill the slow client's socket buffers; after that its queue grows until the
  // limit. The fast client drains every event before the next one is published.
  const std::string payload(256 * 1024, 'x');
  int published = 0;
  while (subscribers() == 2 && published < 1000) {
    publish("updates", "bulk", payload);
    ++published;
    ASSERT_EQ(fast.read_until("\n\n").size(), payload.size() + 20) << "event " << published;
  }
  EXPECT_EQ(subscribers(), 1u);
  EXPECT_TRUE(slow.wait_closed());

  publish("updates", "after", "still here");
  EXPECT_EQ(fast.read_until("\n\n"), "event: after\ndata: still here\n\n");
}

}  // namespace
