#pragma once
// hearthd configuration: a plain struct parsed once from YAML (strictly: unknown keys, wrong types
// and out-of-range values are errors naming the file, line and key), then command-line overrides.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "drivers/driver_options.h"
#include "rules/fuel_poverty.h"
#include "rules/rules_config.h"
#include "rules/tariff.h"

namespace hearth::gateway {

struct TlsConfig {
  bool enabled = false;  // implied by an ssl:// or mqtts:// URL
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool verify = true;
};

struct MqttConfig {
  std::string url = "tcp://127.0.0.1:1883";
  int version = 5;        // 3 = MQTT 3.1.1, 5 = MQTT 5
  std::string client_id;  // default hearthd-<home_id>
  std::string username;
  std::string password;  // or password_file; never logged
  TlsConfig tls;
  std::chrono::seconds keepalive{30};
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{60};
  // MQTT 5 session: false + session_expiry > 0 keeps subscriptions and queued QoS 1 messages on the
  // broker across reconnects (the co-op uplink). The local broker connection keeps a clean start.
  bool clean_start = true;
  std::chrono::seconds session_expiry{0};
};

struct StoreConfig {
  std::string path = "/var/lib/hearth/hearth.db";
  std::chrono::milliseconds commit_interval{500};  // group commit: readings durable within 1 s
  int raw_retention_days = 14;
  int minute_retention_days = 30;
  int hour_retention_days = 3650;
  bool synchronous_full = true;  // fsync every commit: survives power cuts, not only crashes
};

struct HttpConfig {
  std::string address = "127.0.0.1";  // loopback by default
  std::uint16_t port = 8080;
  std::string api_token;  // from config or HEARTH_API_TOKEN; never from the command line
  // The box's own screen (Chromium kiosk on loopback) acts as the TV without logging in. Turn
  // off when a reverse proxy on the box forwards outside requests (they would look local).
  bool tv_from_loopback = true;
  // Behind a TLS-terminating proxy: session cookies get Secure (never sent over plain HTTP).
  bool secure_cookies = false;  // forced on by tls.enabled
  // hearthd's own HTTPS (dashboard/http_server.h). Without cert_file/key_file hearthd makes a
  // self-signed pair on first start: <store dir>/tls/hearthd.crt and hearthd.key.
  struct Tls {
    bool enabled = false;
    std::string cert_file;  // PEM; give both or neither
    std::string key_file;   // PEM, unencrypted
  } tls;
};

struct IngestConfig {
  std::size_t max_payload_bytes = 64 * 1024;
  std::chrono::milliseconds duplicate_window{1000};
};

struct DeviceSettings {
  std::string name;
  std::string room;
  // kettle, fridge, tv, heater, cooker, microwave, washing_machine, medical, lamp, entrance_door, other
  std::string kind = "other";
  bool essential = false;  // may never be switched off
  bool switchable = false;
  // Energy (rules/energy_ledger.h): the plug's maximum load (power above 1.25 x this is not
  // believed) and a factor from a check against a reference meter.
  double rating_w = 3120.0;
  double calibration_factor = 1.0;
};

// The home's energy settings (gateway/energy_service.h, docs/energy.md). The tariff here is the
// starting point; a tariff edited from the dashboard (PUT /api/v1/energy/tariff) is kept in the
// database and wins until the config names a different one.
struct EnergySettings {
  bool enabled = true;
  rules::energy::Tariff tariff = rules::energy::default_tariff();  // validated
  std::optional<rules::energy::IncomeBand> income;                 // declared by the householder
  double grid_kg_co2e_per_kwh = 0.20705;                           // DESNZ 2024, UK electricity
  std::optional<std::int64_t> kit_cost_pence;                      // for payback months
  // Default periods for /api/v1/savings and `hearth energy savings` (local days, inclusive).
  std::optional<std::pair<rules::energy::Day, rules::energy::Day>> baseline;
  std::optional<std::pair<rules::energy::Day, rules::energy::Day>> reporting;
  int summary_retention_days = 3650;  // stored daily summaries
};

// What may leave the home: the householder's choice, applied before anything enters the outbox.
struct ConsentConfig {
  bool alerts = true;           // alert events (webhook, co-op uplink)
  bool daily_summaries = true;  // daily energy/wellbeing summaries (co-op uplink)
};

// An HTTPS endpoint that receives alert events (gateway/webhook.h). Off while url is empty.
struct WebhookConfig {
  std::string url;      // https://...; plain http only to this machine (loopback)
  std::string secret;   // HMAC key (secret or secret_file), at least 16 characters; never logged
  std::string ca_file;  // trust this CA instead of the system's (a co-op's private CA)
  std::chrono::seconds timeout{10};
  std::chrono::milliseconds retry_min{1000};
  std::chrono::milliseconds retry_max{std::chrono::minutes{5}};
  std::chrono::hours give_up_after{24 * 7};
};

// The co-op uplink (gateway/uplink.h, docs/uplink.md): MQTT 5 over TLS to the co-op's broker with
// this gateway's own credentials. Off while url is empty.
struct UplinkConfig {
  std::string url;         // mqtts://host:8883 (or ssl://); plain mqtt:// / tcp:// only to loopback
  std::string coop_id;     // topic level: hearth-uplink/v1/<coop_id>/<gateway_id>/...
  std::string gateway_id;  // this gateway's MQTT username and topic level
  std::string password;    // from password_file only; never logged
  std::string ca_file;     // the co-op's CA; empty: the system's trust store
  std::string cert_file;   // optional client certificate (with key_file)
  std::string key_file;
  std::string topic_prefix = "hearth-uplink";
  // Delivered means stored by the coordinator: its receipt is awaited this long, then the message
  // is sent again (receivers de-duplicate). require_receipt: false trusts the broker's PUBACK alone.
  bool require_receipt = true;
  std::chrono::seconds receipt_timeout{30};
  std::chrono::seconds session_expiry{std::chrono::hours{24 * 7}};  // broker keeps acks for us this long
  std::chrono::milliseconds retry_min{1000};
  std::chrono::milliseconds retry_max{std::chrono::minutes{5}};
  std::chrono::hours give_up_after{24 * 30};
};

// Claiming hearth/v1 devices (gateway/provisioning.h, docs/firmware-contract.md).
struct ProvisioningConfig {
  enum class Accounts {
    off,     // claims are listed; claiming is refused (no way to give a device its own account)
    dynsec,  // Mosquitto's dynamic-security plugin: hearthd's broker user needs its admin role
    none,    // the broker has no accounts (a loopback demo): credentials are sent but not checked
  };
  Accounts accounts = Accounts::off;
  std::chrono::seconds broker_timeout{10};  // dynsec answer; then the claim fails and may be retried
  int wrong_codes_before_lockout = 5;       // per device, within lockout
  std::chrono::seconds lockout{15 * 60};
};

struct GatewayConfig {
  std::string source = "(defaults)";  // file the config came from, for messages
  std::string home_id = "home";
  std::string log_level = "info";
  MqttConfig mqtt;
  StoreConfig store;
  HttpConfig http;
  IngestConfig ingest;
  drivers::DriverOptions drivers;
  std::map<std::string, DeviceSettings> devices;
  rules::RulesConfig rules = rules::default_rules_config();
  ConsentConfig consent;
  WebhookConfig webhook;
  UplinkConfig uplink;
  EnergySettings energy;
  ProvisioningConfig provisioning;
};

struct Overrides {
  std::optional<std::string> mqtt_url;
  std::optional<std::string> db_path;
  std::optional<std::string> http_listen;  // ADDR:PORT
  std::optional<std::string> home_id;
  std::optional<std::string> log_level;
};

const std::vector<std::string>& appliance_kinds();

// The duration grammar lives in core/ (hearth-sim uses it too).
using core::parse_duration_text;

// "2024-01-01..2024-01-31": local days, inclusive, from <= to.
std::optional<std::pair<rules::energy::Day, rules::energy::Day>> parse_day_range(std::string_view text);

core::Result<GatewayConfig> parse_config(const std::string& yaml_text, const std::string& source_name);
core::Result<GatewayConfig> load_config_file(const std::string& path);
// Applies overrides, HEARTH_API_TOKEN and derived defaults, then cross-field checks.
core::Result<GatewayConfig> finalise_config(GatewayConfig config, const Overrides& overrides);
// Every effective setting, secrets as ***, for the start-up log.
std::vector<std::string> describe_config(const GatewayConfig& config);

}  // namespace hearth::gateway
