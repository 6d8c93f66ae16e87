#include "dashboard/http_message.h"

#include <algorithm>
#include <cstddef>

namespace hearth::dashboard {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool in_range(std::string_view s, std::size_t i, unsigned char lo, unsigned char hi) {
  if (i >= s.size()) return false;
  const auto c = static_cast<unsigned char>(s[i]);
  return c >= lo && c <= hi;
}

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode Table 3-7), 0 if malformed.
// Overlong forms, surrogates and code points above U+10FFFF are malformed.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  auto tail = [&](std::size_t n, unsigned char lo, unsigned char hi) -> std::size_t {
    if (!in_range(s, i + 1, lo, hi)) return 0;
    for (std::size_t k = 2; k <= n; ++k) {
      if (!in_range(s, i + k, 0x80, 0xBF)) return 0;
    }
    return n + 1;
  };
  if (c >= 0xC2 && c <= 0xDF) return tail(1, 0x80, 0xBF);
  if (c == 0xE0) return tail(2, 0xA0, 0xBF);
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return tail(2, 0x80, 0xBF);
  if (c == 0xED) return tail(2, 0x80, 0x9F);
  if (c == 0xF0) return tail(3, 0x90, 0xBF);
  if (c >= 0xF1 && c <= 0xF3) return tail(3, 0x80, 0xBF);
  if (c == 0xF4) return tail(3, 0x80, 0x8F);
  return 0;
}

void append_control_escape(std::string& out, char c) {
  switch (c) {
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  out += "\\u00";
  out += kHex[u >> 4];
  out += kHex[u & 0x0F];
}

bool is_dot_segment(std::string_view segment) { return segment == "." || segment == ".."; }

// Path checks after decoding: decoding may create '/' (from %2F) and dots, so segments are
// examined on the decoded form, which is what routes and file lookups will see.
bool is_safe_path(std::string_view path) {
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;  // NUL and other controls: never legitimate in a path
  }
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (is_dot_segment(path.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

std::optional<QueryList> parse_query(std::string_view query) {
  QueryList out;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;  // "a=1&&b=2"
    const std::size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    if (key->find('\0') != std::string::npos || value->find('\0') != std::string::npos) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

HttpResponse json_error(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body = "{\"error\":\"" + json_escape(message) + "\"}";
  return response;
}

HttpResponse event_stream(std::string channel) {
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.sse_channel = std::move(channel);
  return response;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text.substr(i, n));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      append_control_escape(out, c);
    } else {
      out += c;
    }
    i += n;
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) return std::nullopt;  // truncated escape: "%" or "%4"
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<ParsedTarget> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;     // origin-form only
  if (target.find('#') != std::string_view::npos) return std::nullopt;  // clients never send fragments
  if (target.find('\0') != std::string_view::npos) return std::nullopt;

  const std::size_t qmark = target.find('?');
  auto path = percent_decode(target.substr(0, qmark), false);
  if (!path || !is_safe_path(*path)) return std::nullopt;

  ParsedTarget parsed;
  parsed.path = std::move(*path);
  if (qmark != std::string_view::npos) {
    auto query = parse_query(target.substr(qmark + 1));
    if (!query) return std::nullopt;
    parsed.query = std::move(*query);
  }
  return parsed;
}

}  // namespace hearth::dashboard
