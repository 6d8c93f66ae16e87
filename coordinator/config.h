#pragma once
// hearth-coordinator configuration: a plain struct parsed once from YAML, strictly (unknown and
// duplicate keys, empty values, wrong types and out-of-range values are errors naming the file,
// line and key), like hearthd's. Every co-op served by this deployment lists its gateways: a
// message is only accepted from a gateway listed under the co-op named in its topic.
#include <chrono>
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
  std::string backend = "sqlite";  // "sqlite" or "postgresql" (coordinator/postgres_store.h)
  std::string path;                // SQLite file; instances on one host may share it (WAL)
  // PostgreSQL: a libpq keyword/value string or postgresql:// URL (store.conninfo or store.url),
  // never with a password in it; the password, if any, is read from store.password_file.
  std::string conninfo;
  std::string password;
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

// One step of an escalation rota: who is told, how, in which language, and how long they have to
// acknowledge before the next step is told (coordinator/escalation.h).
struct RotaStep {
  std::string id;                // topic-safe person id: hearth-carer/v1/<coop>/<id>/notify
  std::string name;              // shown in reports
  std::string role;              // family, volunteer, paid, duty
  std::string channel = "mqtt";  // mqtt (a carer app); webhook and email are not built yet
  std::string language;          // en, cy, or empty (unknown: both languages are sent)
  std::chrono::milliseconds ack_within{std::chrono::minutes{5}};
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
  // Per home (gateway id): its carers in order; then the home's co-op duty coordinator, if any.
  std::map<std::string, std::vector<RotaStep>> rotas;
  std::map<std::string, RotaStep> duty;  // co-op id -> duty coordinator
};

// A home's full rota: its own steps, then its co-op's duty coordinator. Empty: no escalation.
std::vector<RotaStep> rota_for(const CoordinatorConfig& config, const std::string& coop_id, const std::string& home_id);

core::Result<CoordinatorConfig> parse_coordinator_config(const std::string& yaml_text, const std::string& source);
core::Result<CoordinatorConfig> load_coordinator_config(const std::string& path);
// Every effective setting, secrets as ***, for the start-up log.
std::vector<std::string> describe_config(const CoordinatorConfig& config);
// The co-op a gateway belongs to, or empty when it is not registered.
std::string coop_of(const CoordinatorConfig& config, const std::string& gateway_id);

}  // namespace hearth::coordinator
