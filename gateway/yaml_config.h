#pragma once
// Strict YAML config reading, shared by hearthd (gateway/config.cpp) and hearth-coordinator
// (coordinator/config.cpp): every error names the file, the line and the field; unknown keys and
// duplicate keys (which YAML would silently accept, usually hiding a typo) are refused.
// YamlParser throws YamlConfigError; parse_yaml_config turns that into a Result at the boundary,
// so exceptions never leave a config parser.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"

namespace hearth::gateway {

struct YamlConfigError {
  std::string message;
};

class YamlParser {
 public:
  explicit YamlParser(std::string source) : source_(std::move(source)) {}

  // "<source>:<line>: <key>: <what>".
  [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) const;
  void require_map(const YAML::Node& node, const std::string& key) const;
  // Refuses keys not in `allowed`, naming the first one; an empty `allowed` accepts any key (maps
  // keyed by ids, such as devices or co-ops).
  void only_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) const;
  std::string str(const YAML::Node& node, const std::string& key) const;  // non-empty scalar
  bool boolean(const YAML::Node& node, const std::string& key) const;
  long long integer(const YAML::Node& node, const std::string& key, long long lo, long long hi) const;
  double number(const YAML::Node& node, const std::string& key, double lo, double hi) const;  // finite
  // "500ms", "30s", "5m", "2h" or a bare number of seconds (core/duration.h).
  std::chrono::milliseconds duration(const YAML::Node& node, const std::string& key, std::chrono::milliseconds lo,
                                     std::chrono::milliseconds hi) const;
  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const;
  // The first line of the file the value names (a password kept out of the config file).
  std::string secret_file(const YAML::Node& node, const std::string& key) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

// Every map below `node` has each key once.
void reject_duplicate_keys(const YamlParser& p, const YAML::Node& node, const std::string& where);

// Loads `text` (called `source` in messages), refuses duplicate keys, and runs `parse` on the root.
template <class T>
core::Result<T> parse_yaml_config(const std::string& text, const std::string& source,
                                  const std::function<T(const YamlParser&, const YAML::Node&)>& parse) {
  const YamlParser p(source);
  try {
    const YAML::Node root = YAML::Load(text);
    reject_duplicate_keys(p, root, "");
    return parse(p, root);
  } catch (const YamlConfigError& e) {
    return core::Error{e.message};
  } catch (const YAML::Exception& e) {
    return core::Error{source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

// The whole of a config file, or an error naming it.
core::Result<std::string> read_config_file(const std::string& path);

// 1-64 letters, digits, '-' or '_': ids that become MQTT topic levels and file names.
bool config_id_valid(const std::string& s);
// An MQTT broker URL that is encrypted (mqtts://, ssl://), or plain only to this machine.
bool mqtt_url_encrypted_or_loopback(const std::string& url);

}  // namespace hearth::gateway
