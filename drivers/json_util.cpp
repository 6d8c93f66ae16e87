#include "drivers/json_util.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "drivers/driver.h"

namespace hearth::drivers {
namespace {

// Replaces bare nan / NaN / inf / Infinity tokens (outside strings) with null.
std::string null_out_non_finite(std::string_view in) {
  static constexpr std::string_view TOKENS[] = {"-Infinity", "Infinity", "-inf", "inf", "NaN", "nan", "-nan"};
  std::string out;
  out.reserve(in.size());
  bool in_string = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < in.size())
        out.push_back(in[++i]);
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      continue;
    }
    bool replaced = false;
    if (i == 0 || !is_ident_char(in[i - 1])) {
      for (std::string_view tok : TOKENS) {
        if (in.substr(i, tok.size()) == tok && (i + tok.size() == in.size() || !is_ident_char(in[i + tok.size()]))) {
          out += "null";
          i += tok.size() - 1;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<nlohmann::json> parse_json_lenient(std::string_view payload) {
  auto parsed = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded()) return parsed;
  parsed = nlohmann::json::parse(null_out_non_finite(payload), nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::optional<nlohmann::json> parse_json_object(std::string_view payload, std::string_view& why) {
  auto parsed = parse_json_lenient(payload);
  if (!parsed) {
    why = reason::MALFORMED_JSON;
    return std::nullopt;
  }
  if (!parsed->is_object()) {
    why = reason::WRONG_TYPE;
    return std::nullopt;
  }
  return parsed;
}

const std::string* string_field(const nlohmann::json& obj, std::string_view key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return nullptr;
  return &it->get_ref<const std::string&>();
}

std::string string_of(const nlohmann::json& obj, std::string_view key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

Number text_to_number(std::string_view text) {
  text = trim(text);
  if (text.empty() || iequals(text, "none") || iequals(text, "null") || iequals(text, "unknown") ||
      iequals(text, "unavailable")) {
    return {NumberStatus::no_value, 0.0};
  }
  if (iequals(text, "nan") || iequals(text, "-nan")) return {NumberStatus::no_value, 0.0};
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) return {NumberStatus::non_finite, 0.0};
  if (ec != std::errc{} || ptr != end) return {NumberStatus::wrong_type, 0.0};
  if (!std::isfinite(value)) return {NumberStatus::non_finite, 0.0};
  return {NumberStatus::ok, value};
}

Number to_number(const nlohmann::json& v) {
  if (v.is_null()) return {NumberStatus::no_value, 0.0};
  if (v.is_number()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return {NumberStatus::non_finite, 0.0};
    return {NumberStatus::ok, d};
  }
  if (v.is_string()) return text_to_number(v.get_ref<const std::string&>());
  return {NumberStatus::wrong_type, 0.0};
}

std::optional<bool> text_to_bool(std::string_view text) {
  text = trim(text);
  if (iequals(text, "on") || iequals(text, "true") || text == "1") return true;
  if (iequals(text, "off") || iequals(text, "false") || text == "0") return false;
  return std::nullopt;
}

std::optional<bool> to_bool(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer() || v.is_number_unsigned()) {
    const auto i = v.get<long long>();
    if (i == 0 || i == 1) return i == 1;
    return std::nullopt;
  }
  if (v.is_string()) return text_to_bool(v.get_ref<const std::string&>());
  return std::nullopt;
}

std::vector<std::string_view> split_topic(std::string_view topic) {
  std::vector<std::string_view> levels;
  std::size_t start = 0;
  while (true) {
    const auto slash = topic.find('/', start);
    levels.push_back(topic.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return levels;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool is_no_value_word(std::string_view text) {
  const std::string t = lower(trim(text));
  return t.empty() || t == "none" || t == "nan" || t == "unknown" || t == "unavailable";
}

std::optional<int> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 4 || !std::isdigit(static_cast<unsigned char>(s.front()))) return std::nullopt;
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace hearth::drivers
