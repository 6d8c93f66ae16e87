#pragma once
// hearth-coordinator configuration: a plain struct parsed once from YAML, strictly (unknown and
// duplicate keys, empty values, wrong types and out-of-range values are errors naming the file,
// line and key), like hearthd's. Every co-op served by this deployment lists its gateways: a
// message is only accepted from a gateway listed under the co-op named in its topic.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "coordinator/analytics.h"
#include "core/result.h"
#include "gateway/config.h"

namespace hearth::coordinator {

struct StoreSettings {
  std::string backend = "sqlite";  // "sqlite" (built in); "postgresql" is reserved for a libpqxx backend
  std::string path;                // SQLite file; instances on one host may share it (WAL)
};

// The coordinator's HTTP API (coordinator/api.h). Plain HTTP, so loopback only: put a TLS reverse
// proxy in front for remote users (docs/coordinator.md). Off when `http:` is absent.
struct HttpSettings {
  bool enabled = false;
  std::string address = "127.0.0.1";
  std::uint16_t port = 8090;
};

enum class ApiRole : std::uint8_t { coordinator, analyst };
std::string_view to_string(ApiRole r);

// A static API account: a bearer token "<name>.<secret>" whose secret is kept only as an argon2id
// hash (`hearth-coordinator token --name NAME` makes both). One co-op per account.
struct ApiAccount {
  std::string name;
  ApiRole role = ApiRole::analyst;
  std::string coop_id;
  std::string token_hash;  // $argon2id$...
};

struct CoordinatorConfig {
  std::string source = "(defaults)";
  std::string log_level = "info";
  std::string instance_id;  // MQTT client id suffix; unique per running instance (--instance)
  gateway::MqttConfig mqtt;
  std::string share_group = "hearth-coordinators";  // $share/<group>/...: instances share the load
  std::string topic_prefix = "hearth-uplink";
  StoreSettings store;
  std::map<std::string, std::set<std::string>> coops;  // co-op id -> its gateway ids
  std::size_t max_payload_bytes = 256 * 1024;
  AnalyticsSettings analytics;
  HttpSettings http;
  std::vector<ApiAccount> accounts;
};

core::Result<CoordinatorConfig> parse_coordinator_config(const std::string& yaml_text, const std::string& source);
core::Result<CoordinatorConfig> load_coordinator_config(const std::string& path);
// Every effective setting, secrets as ***, for the start-up log.
std::vector<std::string> describe_config(const CoordinatorConfig& config);
// The co-op a gateway belongs to, or empty when it is not registered.
std::string coop_of(const CoordinatorConfig& config, const std::string& gateway_id);

}  // namespace hearth::coordinator
