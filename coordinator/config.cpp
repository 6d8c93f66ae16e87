#include "coordinator/config.h"

#include "gateway/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hearth::coordinator {
namespace {

using core::Error;
using gateway::config_id_valid;
using gateway::mqtt_url_encrypted_or_loopback;
using gateway::YamlParser;

bool on_loopback(const std::string& url, const std::string& scheme) {
  for (const char* host : {"127.0.0.1", "localhost", "[::1]"}) {
    const std::string prefix = scheme + host;
    if (url.rfind(prefix, 0) == 0 &&
        (url.size() == prefix.size() || url[prefix.size()] == ':' || url[prefix.size()] == '/'))
      return true;
  }
  return false;
}

void parse_mqtt(const YamlParser& p, const YAML::Node& n, gateway::MqttConfig& m) {
  p.only_keys(n, "mqtt", {"url", "username", "password_file", "ca_file", "cert_file", "key_file"});
  for (const char* key : {"url", "username", "password_file"}) {
    if (!n[key]) p.fail(n, std::string("mqtt.") + key, "required");
  }
  m.url = p.str(n["url"], "mqtt.url");
  if (!mqtt_url_encrypted_or_loopback(m.url))
    p.fail(n["url"], "mqtt.url", "must be mqtts:// or ssl:// (plain mqtt:// only to 127.0.0.1, localhost or [::1])");
  m.username = p.str(n["username"], "mqtt.username");
  m.password = p.secret_file(n["password_file"], "mqtt.password_file");
  if (n["ca_file"]) m.tls.ca_file = p.str(n["ca_file"], "mqtt.ca_file");
  if (n["cert_file"]) m.tls.cert_file = p.str(n["cert_file"], "mqtt.cert_file");
  if (n["key_file"]) m.tls.key_file = p.str(n["key_file"], "mqtt.key_file");
  if (m.tls.cert_file.empty() != m.tls.key_file.empty())
    p.fail(n, "mqtt.cert_file", "give both cert_file and key_file, or neither");
  m.tls.enabled = m.url.rfind("mqtts://", 0) == 0 || m.url.rfind("ssl://", 0) == 0;
  m.tls.verify = true;
  m.version = 5;
  m.clean_start = true;  // see docs/uplink.md: receipts, not broker sessions, carry the guarantee
}

// A password written into the connection string itself: libpq's "password=" keyword, or
// "user:password@" in a URL. Refused: it belongs in store.password_file (mode 0600).
bool conninfo_has_password(const std::string& c) {
  if (c.rfind("postgresql://", 0) == 0 || c.rfind("postgres://", 0) == 0) {
    const auto start = c.find("://") + 3;
    const auto end = c.find_first_of("/?", start);
    const std::string authority = c.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const auto at = authority.rfind('@');
    if (at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos) return true;
    const auto query = c.find('?');
    return query != std::string::npos && (c.find("password=", query) != std::string::npos);
  }
  for (std::size_t at = c.find("password"); at != std::string::npos; at = c.find("password", at + 1)) {
    const bool word_start = at == 0 || c[at - 1] == ' ' || c[at - 1] == '\t';
    auto next = c.find_first_not_of(" \t", at + 8);
    if (word_start && next != std::string::npos && c[next] == '=') return true;
  }
  return false;
}

// libpq's sslmode values; given in the connection string (sslmode=verify-full for a remote server).
bool sslmode_valid(const std::string& c) {
  const auto at = c.find("sslmode=");
  if (at == std::string::npos) return true;
  const auto end = c.find_first_of(" &\t", at);
  const std::string mode = c.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  for (const char* ok : {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
    if (mode == ok) return true;
  return false;
}

void parse_store(const YamlParser& p, const YAML::Node& n, StoreSettings& s) {
  p.only_keys(n, "store", {"backend", "path", "url", "conninfo", "password_file"});
  if (n["backend"]) s.backend = p.str(n["backend"], "store.backend");
  if (s.backend != "sqlite" && s.backend != "postgresql")
    p.fail(n["backend"], "store.backend", "expected sqlite or postgresql");
  if (s.backend == "sqlite") {
    for (const char* key : {"url", "conninfo", "password_file"}) {
      if (n[key]) p.fail(n[key], std::string("store.") + key, "only with backend: postgresql");
    }
    if (!n["path"]) p.fail(n, "store.path", "required");
    s.path = p.str(n["path"], "store.path");
    return;
  }
  if (n["path"]) p.fail(n["path"], "store.path", "only with backend: sqlite (PostgreSQL takes store.conninfo)");
  if (n["url"] && n["conninfo"]) p.fail(n["conninfo"], "store.conninfo", "give store.url or store.conninfo, not both");
  const char* key = n["url"] ? "url" : "conninfo";
  if (!n[key]) p.fail(n, "store.conninfo", "required with backend: postgresql (or store.url)");
  const std::string where = std::string("store.") + key;
  s.conninfo = p.str(n[key], where);
  if (n["url"] && s.conninfo.rfind("postgresql://", 0) != 0 && s.conninfo.rfind("postgres://", 0) != 0)
    p.fail(n[key], where, "expected a postgresql:// URL");
  if (n["conninfo"] && s.conninfo.find("://") != std::string::npos)
    p.fail(n[key], where, "a URL goes in store.url; store.conninfo takes libpq keyword=value pairs");
  if (conninfo_has_password(s.conninfo))
    p.fail(n[key], where, "no password in the connection string: put it in a file named by store.password_file");
  if (!sslmode_valid(s.conninfo))
    p.fail(n[key], where, "sslmode must be disable, allow, prefer, require, verify-ca or verify-full");
  if (n["password_file"]) s.password = p.secret_file(n["password_file"], "store.password_file");
}

void parse_coops(const YamlParser& p, const YAML::Node& n, std::map<std::string, std::set<std::string>>& coops) {
  p.only_keys(n, "coops", {});
  std::map<std::string, std::string> owner;  // gateway -> co-op: a gateway belongs to one co-op only
  for (const auto& kv : n) {
    const std::string coop = kv.first.as<std::string>();
    const std::string where = "coops." + coop;
    if (!config_id_valid(coop)) p.fail(kv.first, where, "use 1-64 letters, digits, '-' or '_'");
    p.only_keys(kv.second, where, {"gateways"});
    const YAML::Node list = kv.second["gateways"];
    if (!list || !list.IsSequence() || list.size() == 0)
      p.fail(kv.second, where + ".gateways", "expected a non-empty list");
    auto& gateways = coops[coop];
    for (const auto& item : list) {
      const std::string gw = p.str(item, where + ".gateways");
      if (!config_id_valid(gw)) p.fail(item, where + ".gateways", "'" + gw + "': use 1-64 letters, digits, '-' or '_'");
      if (auto [it, fresh] = owner.emplace(gw, coop); !fresh)
        p.fail(item, where + ".gateways", "'" + gw + "' is already listed under co-op " + it->second);
      gateways.insert(gw);
    }
  }
  if (coops.empty()) p.fail(n, "coops", "list at least one co-op");
}

void parse_analytics(const YamlParser& p, const YAML::Node& n, AnalyticsSettings& a) {
  p.only_keys(n, "analytics",
              {"k", "baseline_days", "min_baseline_days", "grid_kg_co2e_per_kwh", "kit_cost_pence", "settle_days"});
  if (n["k"]) a.k = static_cast<int>(p.integer(n["k"], "analytics.k", 2, 1000));
  if (n["baseline_days"])
    a.baseline_days = static_cast<int>(p.integer(n["baseline_days"], "analytics.baseline_days", 7, 366));
  if (n["min_baseline_days"])
    a.min_baseline_days = static_cast<int>(p.integer(n["min_baseline_days"], "analytics.min_baseline_days", 3, 366));
  if (a.min_baseline_days > a.baseline_days)
    p.fail(n, "analytics.min_baseline_days", "must not exceed analytics.baseline_days");
  if (n["grid_kg_co2e_per_kwh"])
    a.grid_kg_co2e_per_kwh = p.number(n["grid_kg_co2e_per_kwh"], "analytics.grid_kg_co2e_per_kwh", 0.0, 2.0);
  if (n["settle_days"]) a.settle_days = static_cast<int>(p.integer(n["settle_days"], "analytics.settle_days", 0, 60));
  if (n["kit_cost_pence"])
    a.kit_cost_pence = p.integer(n["kit_cost_pence"], "analytics.kit_cost_pence", 1, 100'000'000);
}

void parse_http(const YamlParser& p, const YAML::Node& n, HttpSettings& h) {
  p.only_keys(n, "http", {"address", "port"});
  h.enabled = true;
  if (n["address"]) h.address = p.str(n["address"], "http.address");
  if (h.address != "127.0.0.1" && h.address != "::1")
    p.fail(n["address"], "http.address",
           "plain HTTP only on loopback (127.0.0.1 or ::1); put a TLS reverse proxy in front (docs/coordinator.md)");
  if (n["port"]) h.port = static_cast<std::uint16_t>(p.integer(n["port"], "http.port", 0, 65535));
}

void parse_accounts(const YamlParser& p, const YAML::Node& n, const CoordinatorConfig& c,
                    std::vector<ApiAccount>& out) {
  if (!n.IsSequence()) p.fail(n, "accounts", "expected a list");
  std::set<std::string> names;
  for (const auto& item : n) {
    p.only_keys(item, "accounts[]", {"name", "role", "coop", "token_hash"});
    for (const char* key : {"name", "role", "coop", "token_hash"}) {
      if (!item[key]) p.fail(item, std::string("accounts[].") + key, "required");
    }
    ApiAccount a;
    a.name = p.str(item["name"], "accounts[].name");
    if (!config_id_valid(a.name)) p.fail(item["name"], "accounts[].name", "use 1-64 letters, digits, '-' or '_'");
    if (!names.insert(a.name).second) p.fail(item["name"], "accounts[].name", "'" + a.name + "' listed twice");
    const std::string role = p.str(item["role"], "accounts[].role");
    if (role == "coordinator")
      a.role = ApiRole::coordinator;
    else if (role == "analyst")
      a.role = ApiRole::analyst;
    else
      p.fail(item["role"], "accounts[].role", "expected coordinator or analyst");
    a.coop_id = p.str(item["coop"], "accounts[].coop");
    if (!c.coops.contains(a.coop_id)) p.fail(item["coop"], "accounts[].coop", "no co-op '" + a.coop_id + "'");
    a.token_hash = p.str(item["token_hash"], "accounts[].token_hash");
    if (a.token_hash.rfind("$argon2id$", 0) != 0)
      p.fail(item["token_hash"], "accounts[].token_hash", "expected an argon2id hash ($argon2id$...)");
    out.push_back(std::move(a));
  }
}

// Personal data leaves the co-op only encrypted: plain http is allowed to this machine alone.
bool webhook_url_allowed(const std::string& url) {
  if (url.rfind("https://", 0) == 0) return url.size() > 8;
  for (const char* local : {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/",
                            "http://[::1]:", "http://[::1]/"}) {
    if (url.rfind(local, 0) == 0) return true;
  }
  return false;
}

RotaStep parse_step(const YamlParser& p, const YAML::Node& n, const std::string& where) {
  p.only_keys(n, where,
              {"id", "name", "role", "channel", "channels", "language", "ack_within", "webhook", "webhook_secret_file",
               "email"});
  RotaStep s;
  for (const char* key : {"id", "name", "role"}) {
    if (!n[key]) p.fail(n, where + "." + key, "required");
  }
  s.id = p.str(n["id"], where + ".id");
  if (!config_id_valid(s.id)) p.fail(n["id"], where + ".id", "use 1-64 letters, digits, '-' or '_'");
  s.name = p.str(n["name"], where + ".name");
  s.role = p.str(n["role"], where + ".role");
  static const std::set<std::string> ROLES = {"family", "volunteer", "paid", "duty"};
  if (!ROLES.contains(s.role)) p.fail(n["role"], where + ".role", "expected family, volunteer, paid or duty");
  if (n["webhook"]) {
    s.webhook_url = p.str(n["webhook"], where + ".webhook");
    if (!webhook_url_allowed(s.webhook_url))
      p.fail(n["webhook"], where + ".webhook", "must be https:// (plain http only to 127.0.0.1, localhost or [::1])");
  }
  if (n["webhook_secret_file"]) {
    if (!n["webhook"]) p.fail(n["webhook_secret_file"], where + ".webhook_secret_file", "give webhook too");
    s.webhook_secret = p.secret_file(n["webhook_secret_file"], where + ".webhook_secret_file");
    if (s.webhook_secret.size() < 16)
      p.fail(n["webhook_secret_file"], where + ".webhook_secret_file", "the secret must be at least 16 characters");
  }
  if (n["email"]) {
    s.email = p.str(n["email"], where + ".email");
    if (!email_address_valid(s.email)) p.fail(n["email"], where + ".email", "expected one address, name@domain");
  }
  if (n["channel"] && n["channels"]) p.fail(n["channels"], where + ".channels", "give channel or channels");
  if (n["channel"] || n["channels"]) {
    const YAML::Node list = n["channel"] ? n["channel"] : n["channels"];
    const std::string key = where + (n["channel"] ? ".channel" : ".channels");
    s.channels.clear();
    if (list.IsSequence()) {
      for (const auto& item : list) s.channels.push_back(p.str(item, key));
    } else {
      s.channels.push_back(p.str(list, key));
    }
    if (s.channels.empty()) p.fail(list, key, "list at least one of mqtt, webhook, email");
    std::set<std::string> seen;
    for (const auto& c : s.channels) {
      if (c != "mqtt" && c != "webhook" && c != "email")
        p.fail(list, key, "'" + c + "': expected mqtt, webhook or email");
      if (!seen.insert(c).second) p.fail(list, key, "'" + c + "' listed twice");
      if (c == "webhook" && s.webhook_url.empty()) p.fail(list, key, "webhook needs " + where + ".webhook (its URL)");
      if (c == "email" && s.email.empty()) p.fail(list, key, "email needs " + where + ".email (the address)");
    }
  } else {
    if (!s.webhook_url.empty()) s.channels.emplace_back("webhook");
    if (!s.email.empty()) s.channels.emplace_back("email");
  }
  if (n["language"]) s.language = p.str(n["language"], where + ".language");
  if (!s.language.empty() && s.language != "en" && s.language != "cy")
    p.fail(n["language"], where + ".language", "expected en or cy (leave out when unknown: both are sent)");
  if (n["ack_within"]) {
    const auto d = gateway::parse_duration_text(p.str(n["ack_within"], where + ".ack_within"));
    if (!d || *d < std::chrono::seconds{10} || *d > std::chrono::hours{24})
      p.fail(n["ack_within"], where + ".ack_within", "expected a duration from 10s to 24h");
    s.ack_within = *d;
  }
  return s;
}

void parse_smtp(const YamlParser& p, const YAML::Node& n, SmtpSettings& s) {
  p.only_keys(n, "smtp", {"url", "username", "password_file", "from", "from_name", "ca_file", "timeout"});
  for (const char* key : {"url", "from"}) {
    if (!n[key]) p.fail(n, std::string("smtp.") + key, "required");
  }
  s.enabled = true;
  s.url = p.str(n["url"], "smtp.url");
  if (!smtp_url_valid(s.url))
    p.fail(n["url"], "smtp.url",
           "expected smtps://host[:port] or smtp://host[:port] (STARTTLS is required off loopback)");
  if (n["username"]) s.username = p.str(n["username"], "smtp.username");
  if (n["password_file"]) s.password = p.secret_file(n["password_file"], "smtp.password_file");
  if (s.username.empty() != s.password.empty())
    p.fail(n, "smtp.password_file", "give both username and password_file, or neither");
  s.from = p.str(n["from"], "smtp.from");
  if (!email_address_valid(s.from)) p.fail(n["from"], "smtp.from", "expected one address, name@domain");
  if (n["from_name"]) {
    s.from_name = p.str(n["from_name"], "smtp.from_name");
    if (s.from_name.find_first_of("\r\n\"<>") != std::string::npos)
      p.fail(n["from_name"], "smtp.from_name", "no quotes, angle brackets or line breaks");
  }
  if (n["ca_file"]) s.ca_file = p.str(n["ca_file"], "smtp.ca_file");
  if (n["timeout"])
    s.timeout = std::chrono::duration_cast<std::chrono::seconds>(
        p.duration(n["timeout"], "smtp.timeout", std::chrono::seconds{1}, std::chrono::seconds{300}));
}

void parse_notify(const YamlParser& p, const YAML::Node& n, NotifySettings& s) {
  using std::chrono::milliseconds;
  p.only_keys(n, "escalation.notify", {"retry_min", "retry_max", "give_up_after", "attend_within"});
  if (n["retry_min"])
    s.retry_min = p.duration(n["retry_min"], "escalation.notify.retry_min", milliseconds{100}, milliseconds{600'000});
  if (n["retry_max"])
    s.retry_max =
        p.duration(n["retry_max"], "escalation.notify.retry_max", milliseconds{1000}, milliseconds{3'600'000});
  if (s.retry_max < s.retry_min)
    p.fail(n["retry_max"], "escalation.notify.retry_max", "must not be less than retry_min");
  if (n["give_up_after"])
    s.give_up_after = p.duration(n["give_up_after"], "escalation.notify.give_up_after", milliseconds{10'000},
                                 milliseconds{86'400'000});
  if (n["attend_within"]) {
    const YAML::Node list = n["attend_within"];
    if (!list.IsSequence() || list.size() == 0 || list.size() > 5)
      p.fail(list, "escalation.notify.attend_within", "expected a list of 1-5 durations");
    s.attend_within.clear();
    for (const auto& item : list)
      s.attend_within.push_back(
          p.duration(item, "escalation.notify.attend_within", milliseconds{60'000}, milliseconds{86'400'000}));
  }
}

void parse_escalation(const YamlParser& p, const YAML::Node& n, CoordinatorConfig& c) {
  p.only_keys(n, "escalation", {"rotas", "duty", "notify"});
  if (n["notify"]) parse_notify(p, n["notify"], c.notify);
  if (n["rotas"]) {
    p.only_keys(n["rotas"], "escalation.rotas", {});
    for (const auto& kv : n["rotas"]) {
      const std::string home = kv.first.as<std::string>();
      const std::string where = "escalation.rotas." + home;
      if (coop_of(c, home).empty()) p.fail(kv.first, where, "not a gateway of any co-op in coops");
      if (!kv.second.IsSequence() || kv.second.size() == 0) p.fail(kv.second, where, "expected a non-empty list");
      auto& steps = c.rotas[home];
      for (std::size_t i = 0; i < kv.second.size(); ++i)
        steps.push_back(parse_step(p, kv.second[i], where + "[" + std::to_string(i) + "]"));
    }
  }
  if (n["duty"]) {
    p.only_keys(n["duty"], "escalation.duty", {});
    for (const auto& kv : n["duty"]) {
      const std::string coop = kv.first.as<std::string>();
      if (!c.coops.contains(coop)) p.fail(kv.first, "escalation.duty." + coop, "not a co-op in coops");
      c.duty[coop] = parse_step(p, kv.second, "escalation.duty." + coop);
    }
  }
}

CoordinatorConfig parse_root(const YamlParser& p, const YAML::Node& root) {
  CoordinatorConfig c;
  c.source = p.source();
  p.only_keys(root, "",
              {"log_level", "instance_id", "mqtt", "share_group", "topic_prefix", "store", "coops", "max_payload_bytes",
               "analytics", "http", "accounts", "escalation", "smtp"});
  for (const char* key : {"mqtt", "store", "coops"}) {
    if (!root[key]) p.fail(root, key, "required");
  }
  if (root["log_level"]) c.log_level = p.str(root["log_level"], "log_level");
  static const std::set<std::string> LEVELS = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!LEVELS.contains(c.log_level)) p.fail(root["log_level"], "log_level", "unknown level '" + c.log_level + "'");
  if (root["instance_id"]) {
    c.instance_id = p.str(root["instance_id"], "instance_id");
    if (!config_id_valid(c.instance_id))
      p.fail(root["instance_id"], "instance_id", "use 1-64 letters, digits, '-' or '_'");
  }
  parse_mqtt(p, root["mqtt"], c.mqtt);
  if (root["share_group"]) {
    c.share_group = p.str(root["share_group"], "share_group");
    if (!config_id_valid(c.share_group))
      p.fail(root["share_group"], "share_group", "use 1-64 letters, digits, '-' or '_'");
  }
  if (root["topic_prefix"]) {
    c.topic_prefix = p.str(root["topic_prefix"], "topic_prefix");
    const auto& t = c.topic_prefix;
    if (t.find_first_of("+#$") != std::string::npos || t.front() == '/' || t.back() == '/' ||
        t.find("//") != std::string::npos)
      p.fail(root["topic_prefix"], "topic_prefix", "no wildcards, '$', empty levels or leading/trailing '/'");
  }
  parse_store(p, root["store"], c.store);
  parse_coops(p, root["coops"], c.coops);
  if (root["smtp"]) parse_smtp(p, root["smtp"], c.smtp);
  if (root["escalation"]) parse_escalation(p, root["escalation"], c);
  if (!c.smtp.enabled) {
    const auto needs_smtp = [](const RotaStep& s) {
      return std::find(s.channels.begin(), s.channels.end(), "email") != s.channels.end();
    };
    for (const auto& [home, steps] : c.rotas) {
      for (const auto& s : steps) {
        if (needs_smtp(s))
          p.fail(root["escalation"], "smtp",
                 "escalation.rotas." + home + ": " + s.id + " has email but there is no smtp: block");
      }
    }
    for (const auto& [coop, s] : c.duty) {
      if (needs_smtp(s))
        p.fail(root["escalation"], "smtp", "escalation.duty." + coop + " has email but there is no smtp: block");
    }
  }
  if (root["max_payload_bytes"])
    c.max_payload_bytes =
        static_cast<std::size_t>(p.integer(root["max_payload_bytes"], "max_payload_bytes", 1024, 16 * 1024 * 1024));
  if (root["analytics"]) parse_analytics(p, root["analytics"], c.analytics);
  if (root["http"]) parse_http(p, root["http"], c.http);
  if (root["accounts"]) parse_accounts(p, root["accounts"], c, c.accounts);
  if (c.http.enabled && c.accounts.empty()) p.fail(root["http"], "accounts", "http is on but no account can use it");
  return c;
}

}  // namespace

core::Result<CoordinatorConfig> parse_coordinator_config(const std::string& yaml_text, const std::string& source) {
  return gateway::parse_yaml_config<CoordinatorConfig>(yaml_text, source, parse_root);
}

core::Result<CoordinatorConfig> load_coordinator_config(const std::string& path) {
  auto text = gateway::read_config_file(path);
  if (!text) return text.error();
  return parse_coordinator_config(*text, path);
}

std::vector<std::string> describe_config(const CoordinatorConfig& c) {
  std::vector<std::string> out = {
      "config: " + c.source,
      "instance_id: " + c.instance_id,
      "mqtt: url=" + c.mqtt.url + " username=" + c.mqtt.username +
          " password=*** tls=" + (c.mqtt.tls.enabled ? "on" : "off") +
          " ca_file=" + (c.mqtt.tls.ca_file.empty() ? "(system)" : c.mqtt.tls.ca_file),
      "share_group: " + c.share_group + " topic_prefix: " + c.topic_prefix,
      "store: " + c.store.backend + " " + (c.store.backend == "sqlite" ? c.store.path : c.store.conninfo) +
          (c.store.password.empty() ? "" : " password ***"),
  };
  for (const auto& [coop, gateways] : c.coops) {
    out.push_back("coop " + coop + ": " + std::to_string(gateways.size()) + " gateway(s)" +
                  (c.duty.contains(coop) ? ", duty coordinator " + c.duty.at(coop).id : ""));
  }
  out.push_back("analytics: k=" + std::to_string(c.analytics.k) +
                " baseline_days=" + std::to_string(c.analytics.baseline_days));
  out.push_back(c.http.enabled ? "http: " + c.http.address + ":" + std::to_string(c.http.port) +
                                     " accounts=" + std::to_string(c.accounts.size())
                               : std::string("http: off"));
  out.push_back("escalation rotas: " + std::to_string(c.rotas.size()) + " home(s)");
  out.push_back(c.smtp.enabled ? "smtp: " + c.smtp.url + " from=" + c.smtp.from +
                                     (c.smtp.username.empty() ? std::string(" (no login)")
                                                              : " username=" + c.smtp.username + " password=***") +
                                     (smtp_requires_starttls(c.smtp.url) ? " starttls=required" : "")
                               : std::string("smtp: off"));
  return out;
}

std::vector<RotaStep> rota_for(const CoordinatorConfig& c, const std::string& coop_id, const std::string& home_id) {
  std::vector<RotaStep> out;
  if (coop_of(c, home_id) != coop_id) return out;  // never another co-op's carers
  if (auto it = c.rotas.find(home_id); it != c.rotas.end()) out = it->second;
  if (auto it = c.duty.find(coop_id); it != c.duty.end()) out.push_back(it->second);
  return out;
}

bool email_address_valid(const std::string& a) {
  const auto at = a.find('@');
  if (a.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= a.size() ||
      a.find('@', at + 1) != std::string::npos)
    return false;
  for (const unsigned char c : a) {
    if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == ':' || c == '\\' || c == '[' || c == ']')
      return false;
  }
  return a.find('.', at) != std::string::npos;
}

bool smtp_url_valid(const std::string& url) {
  for (const char* scheme : {"smtps://", "smtp://"}) {
    const std::string_view sv(scheme);
    if (url.rfind(scheme, 0) != 0) continue;
    const std::string rest = url.substr(sv.size());
    if (rest.empty() || rest.find_first_of(" \r\n@") != std::string::npos) return false;
    return true;
  }
  return false;
}

bool smtp_requires_starttls(const std::string& url) {
  return url.rfind("smtp://", 0) == 0 && !on_loopback(url, "smtp://");
}

std::string_view to_string(ApiRole r) { return r == ApiRole::coordinator ? "coordinator" : "analyst"; }

std::string coop_of(const CoordinatorConfig& c, const std::string& gateway_id) {
  for (const auto& [coop, gateways] : c.coops) {
    if (gateways.contains(gateway_id)) return coop;
  }
  return {};
}

}  // namespace hearth::coordinator
