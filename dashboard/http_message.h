#pragma once
// Plain HTTP request/response types shared by the server and the daemon's routes.
// Deliberately free of Beast/Asio so that route code compiles fast; the server
// (http_server.cpp) is the only place that translates to and from the wire.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::dashboard {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"; a HEAD request is presented as "GET" (see HttpServer)
  std::string target;  // raw request target, e.g. "/api/devices?room=kitchen%201"
  std::string path;    // percent-decoded path, guaranteed safe by parse_target()
  QueryList query;     // decoded query pairs, in order, duplicates kept
  HeaderList headers;  // names lower-cased, values as sent, in order
  std::string body;
  std::string remote_address;

  // First header with this name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  // First query parameter with this exact (decoded) name.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers; they replace the server's defaults of the same name. Framing headers
  // (Content-Length, Transfer-Encoding, Connection) are owned by the server and ignored.
  HeaderList headers;
  // When set on a 200 answer to a GET, the connection becomes a Server-Sent Events stream
  // subscribed to this channel (see HttpServer::publish); body and content_type are ignored.
  std::optional<std::string> sse_channel;
};

// {"error":"<message>"} with the given status.
HttpResponse json_error(int status, std::string_view message);

// An answer that turns the connection into an SSE stream on `channel`.
HttpResponse event_stream(std::string channel);

// Escapes `text` for use inside a JSON string literal (without the quotes). Invalid UTF-8 is
// replaced by U+FFFD so that the output is always valid JSON, whatever the input bytes.
std::string json_escape(std::string_view text);

// Decodes %XX escapes (and '+' as space when `plus_as_space`, i.e. in query strings).
// nullopt for a malformed escape ('%' not followed by two hex digits).
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

struct ParsedTarget {
  std::string path;
  QueryList query;
};

// Splits and decodes an origin-form request target ("/path?query"). Returns nullopt for
// anything unsafe to hand to a route: not starting with '/', a fragment, malformed escapes,
// NUL bytes anywhere, control characters in the path, or a "." / ".." path segment after
// decoding (so "%2e%2e" and "..%2f" are caught too).
std::optional<ParsedTarget> parse_target(std::string_view target);

}  // namespace hearth::dashboard
