#pragma once
// Small HTTP/1.1 server for hearthd's JSON API and live updates (Server-Sent Events).
//
// Threading: everything runs on the daemon's single io_context thread. The handler is called
// on that thread, and every member function must be called from it too (or before run()).
// Beast stays inside http_server.cpp (pimpl) because it costs ~15 s per translation unit.
//
// HTTPS: with Options::tls set, the same server speaks TLS 1.2/1.3 only (ECDHE + AEAD ciphers)
// and adds Strict-Transport-Security. A plain HTTP request to that port gets a redirect to https
// (GET/HEAD with a valid Host) or a 400, never a hang; anything else that is not a TLS handshake,
// and every handshake that fails or times out (read_timeout), is counted and logged.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "dashboard/http_message.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace hearth::dashboard {

class HttpServer {
 public:
  // Every resource a client can make the server hold is bounded by one of these.
  struct Options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;                           // 0: ephemeral, see start()
    std::size_t body_limit_bytes = 64 * 1024;         // larger bodies: 413
    std::size_t header_limit_bytes = 8 * 1024;        // start line + headers; larger: 431
    std::chrono::seconds read_timeout{30};            // per request, including keep-alive idle time
    std::chrono::seconds write_timeout{30};           // per response / per SSE write
    std::size_t max_connections = 64;                 // beyond: 503 and close
    std::size_t sse_queue_limit = 256;                // SSE messages a subscriber may lag behind
    std::chrono::seconds sse_heartbeat_interval{15};  // comment lines keep proxies from timing out
    // HTTPS when set: a PEM certificate (chain) and its unencrypted PEM key. start() fails when
    // they cannot be loaded or do not match.
    struct Tls {
      std::string cert_file;
      std::string key_file;
    };
    std::optional<Tls> tls;
    // Called on the io_context thread for events worth a log line (a failed TLS handshake, plain
    // HTTP on the TLS port). The caller rate-limits; may be empty.
    std::function<void(const std::string& message)> log_warning;
  };
  struct Stats {
    std::uint64_t tls_handshakes = 0;          // completed
    std::uint64_t tls_handshake_failures = 0;  // failed, timed out, or not TLS at all
    std::uint64_t plain_http_on_tls = 0;       // plain HTTP requests to the TLS port (answered in plain HTTP)
  };
  // Called on the io_context thread for every well-formed request. Exceptions become a 500.
  // It may call publish() and stop(), but must not destroy the server.
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // The io_context must outlive the server.
  HttpServer(boost::asio::io_context& io, Options options, Handler handler);
  ~HttpServer();  // stop()s; the handler is never called afterwards
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting; returns the bound port (useful with port 0). Call once.
  core::Result<std::uint16_t> start();
  // Closes the listener, every connection and every SSE stream. Idempotent; not restartable.
  void stop();

  // Open connections, including SSE streams.
  std::size_t connection_count() const;
  Stats stats() const;
  // SSE streams currently subscribed to `channel`.
  std::size_t subscriber_count(std::string_view channel) const;

  // Sends "event: <event>\ndata: <data>\n\n" to every subscriber of `channel`. Multi-line data
  // becomes several data: lines; an empty event name omits the event: line ("message").
  // A subscriber already sse_queue_limit messages behind is disconnected instead.
  void publish(std::string_view channel, std::string_view event, std::string_view data);

 private:
  class Impl;
  // Shared with in-flight operations, so that completions arriving after ~HttpServer are safe.
  std::shared_ptr<Impl> impl_;
};

}  // namespace hearth::dashboard
