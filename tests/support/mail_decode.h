#pragma once
// Test-side decoding of what coordinator/notifier.cpp encodes, written independently of it: base64
// (RFC 4648), RFC 2047 "B" encoded-words, and splitting an RFC 5322 message into headers and body.
#include <map>
#include <string>
#include <string_view>

namespace hearth::test {

inline std::string base64_decode(std::string_view in) {
  static const std::string ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned int bits = 0;
  int count = 0;
  for (const char c : in) {
    if (c == '=') break;
    const auto v = ALPHABET.find(c);
    if (v == std::string::npos) continue;  // line breaks
    bits = (bits << 6) | static_cast<unsigned int>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// "=?UTF-8?B?...?=" words (folded with CRLF + space) back to UTF-8; plain text unchanged.
inline std::string decode_header_words(std::string_view v) {
  std::string out;
  std::size_t i = 0;
  while (i < v.size()) {
    const auto start = v.find("=?UTF-8?B?", i);
    if (start == std::string_view::npos) {
      out.append(v.substr(i));
      break;
    }
    const std::string_view between = v.substr(i, start - i);
    if (between.find_first_not_of(" \r\n\t") != std::string_view::npos) out.append(between);
    const auto end = v.find("?=", start + 10);
    if (end == std::string_view::npos) return out + std::string(v.substr(start));
    out += base64_decode(v.substr(start + 10, end - start - 10));
    i = end + 2;
  }
  return out;
}

struct MailMessage {
  std::map<std::string, std::string> headers;  // unfolded, as sent (name as written)
  std::string body;                            // as sent (still transfer-encoded)
};

inline MailMessage parse_mail(const std::string& raw) {
  MailMessage m;
  const auto split = raw.find("\r\n\r\n");
  const std::string head = raw.substr(0, split);
  m.body = split == std::string::npos ? std::string() : raw.substr(split + 4);
  std::string last;
  std::size_t i = 0;
  while (i < head.size()) {
    auto eol = head.find("\r\n", i);
    if (eol == std::string::npos) eol = head.size();
    const std::string line = head.substr(i, eol - i);
    i = eol + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !last.empty()) {
      m.headers[last] += "\r\n" + line;
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    last = line.substr(0, colon);
    m.headers[last] = line.substr(colon + 1 + (colon + 1 < line.size() && line[colon + 1] == ' ' ? 1 : 0));
  }
  return m;
}

}  // namespace hearth::test
