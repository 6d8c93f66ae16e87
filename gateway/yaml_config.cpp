#include "gateway/yaml_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/duration.h"

namespace hearth::gateway {

void YamlParser::fail(const YAML::Node& node, const std::string& key, const std::string& what) const {
  std::ostringstream out;
  out << source_;
  if (node.IsDefined() && node.Mark().line >= 0) out << ":" << node.Mark().line + 1;
  out << ": " << key << ": " << what;
  throw YamlConfigError{out.str()};
}

void YamlParser::require_map(const YAML::Node& node, const std::string& key) const {
  if (!node.IsMap()) fail(node, key.empty() ? "(top level)" : key, "expected a mapping");
}

void YamlParser::only_keys(const YAML::Node& node, const std::string& where,
                           const std::set<std::string>& allowed) const {
  require_map(node, where);
  if (allowed.empty()) return;
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (!allowed.contains(key)) fail(kv.first, where.empty() ? key : where + "." + key, "unknown key");
  }
}

std::string YamlParser::str(const YAML::Node& node, const std::string& key) const {
  if (!node.IsScalar()) fail(node, key, "expected a string");
  auto v = node.as<std::string>();
  if (v.empty()) fail(node, key, "empty value");
  return v;
}

bool YamlParser::boolean(const YAML::Node& node, const std::string& key) const {
  bool v = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) fail(node, key, "expected true or false");
  return v;
}

long long YamlParser::integer(const YAML::Node& node, const std::string& key, long long lo, long long hi) const {
  long long v = 0;
  if (!node.IsScalar() || !YAML::convert<long long>::decode(node, v)) fail(node, key, "expected an integer");
  if (v < lo || v > hi) fail(node, key, "out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  return v;
}

double YamlParser::number(const YAML::Node& node, const std::string& key, double lo, double hi) const {
  double v = 0.0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, v) || !std::isfinite(v))
    fail(node, key, "expected a number");
  if (v < lo || v > hi) fail(node, key, "out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  return v;
}

std::chrono::milliseconds YamlParser::duration(const YAML::Node& node, const std::string& key,
                                               std::chrono::milliseconds lo, std::chrono::milliseconds hi) const {
  const auto v = core::parse_duration_text(str(node, key));
  if (!v) fail(node, key, "expected a duration like 500ms, 30s, 5m or 2h");
  if (*v < lo || *v > hi) fail(node, key, "out of range");
  return *v;
}

std::vector<std::string> YamlParser::strings(const YAML::Node& node, const std::string& key) const {
  if (!node.IsSequence()) fail(node, key, "expected a list");
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(str(item, key));
  return out;
}

std::string YamlParser::secret_file(const YAML::Node& node, const std::string& key) const {
  const std::string path = str(node, key);
  std::ifstream in(path);
  if (!in) fail(node, key, "cannot read " + path);
  std::string secret;
  std::getline(in, secret);
  if (secret.empty()) fail(node, key, path + " is empty");
  return secret;
}

void reject_duplicate_keys(const YamlParser& p, const YAML::Node& node, const std::string& where) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      const std::string path = where.empty() ? key : where + "." + key;
      if (!seen.insert(key).second) p.fail(kv.first, path, "duplicate key");
      reject_duplicate_keys(p, kv.second, path);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) reject_duplicate_keys(p, item, where);
  }
}

core::Result<std::string> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Error{path + ": cannot open config file"};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool config_id_valid(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

bool mqtt_url_encrypted_or_loopback(const std::string& url) {
  for (const char* tls : {"mqtts://", "ssl://"}) {
    if (url.rfind(tls, 0) == 0) return url.size() > std::string_view(tls).size();
  }
  for (const char* scheme : {"mqtt://", "tcp://"}) {
    for (const char* host : {"127.0.0.1:", "localhost:", "[::1]:"}) {
      if (url.rfind(std::string(scheme) + host, 0) == 0) return true;
    }
  }
  return false;
}

}  // namespace hearth::gateway
