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
  std::string id;    // topic-safe person id: hearth-carer/v1/<coop>/<id>/notify
  std::string name;  // shown in reports
  std::string role;  // family, volunteer, paid, duty
  // Every channel listed is used (coordinator/notifier.h): mqtt (the carer app), webhook, email.
  // Default: mqtt, plus webhook and email when their address is given.
  std::vector<std::string> channels = {"mqtt"};
  std::string webhook_url;     // https://...; plain http only to loopback
  std::string webhook_secret;  // from webhook_secret_file; empty: requests are not signed. Never logged
  std::string email;           // one address; needs the co-op-level smtp: block
  std::string language;        // en, cy, or empty (unknown: both languages are sent)
  std::chrono::milliseconds ack_within{std::chrono::minutes{5}};
};

// The mail server escalation emails go through (libcurl SMTP). smtps:// (TLS from the start), or
// smtp:// with STARTTLS required; plain SMTP only to loopback. Off when `smtp:` is absent.
struct SmtpSettings {
  bool enabled = false;
  std::string url;  // smtps://mail.coop.example:465 or smtp://mail.coop.example:587
  std::string username;
  std::string password;  // from password_file; never logged
  std::string from;      // envelope and From: address
  std::string from_name = "Hearth";
  std::string ca_file;  // trust this CA instead of the system's
  std::chrono::seconds timeout{30};
};

// Retries of webhook and email notifications (coordinator/notifier.h): backoff doubling from
// retry_min to retry_max, given up after give_up_after (the escalation goes on regardless).
struct NotifySettings {
  std::chrono::milliseconds retry_min{std::chrono::seconds{5}};
  std::chrono::milliseconds retry_max{std::chrono::minutes{5}};
  std::chrono::milliseconds give_up_after{std::chrono::hours{1}};
  // `report --responses`: the share of alerts attended (someone arrived) within each of these.
  std::vector<std::chrono::milliseconds> attend_within = {std::chrono::minutes{30}, std::chrono::minutes{45}};
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
  SmtpSettings smtp;
  NotifySettings notify;
};

// A home's full rota: its own steps, then its co-op's duty coordinator. Empty: no escalation.
std::vector<RotaStep> rota_for(const CoordinatorConfig& config, const std::string& coop_id, const std::string& home_id);

core::Result<CoordinatorConfig> parse_coordinator_config(const std::string& yaml_text, const std::string& source);
core::Result<CoordinatorConfig> load_coordinator_config(const std::string& path);
// Every effective setting, secrets as ***, for the start-up log.
std::vector<std::string> describe_config(const CoordinatorConfig& config);
// A bare address name@domain.tld (no display name, no spaces or header-breaking characters).
bool email_address_valid(const std::string& address);
// smtps://host[:port] or smtp://host[:port] (no credentials in the URL).
bool smtp_url_valid(const std::string& url);
// smtp:// to anything but loopback: the connection must be upgraded with STARTTLS or fail.
bool smtp_requires_starttls(const std::string& url);

// The co-op a gateway belongs to, or empty when it is not registered.
std::string coop_of(const CoordinatorConfig& config, const std::string& gateway_id);

}  // namespace hearth::coordinator
