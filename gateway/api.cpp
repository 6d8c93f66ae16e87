#include "gateway/api.h"
#include "gateway/provisioning.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <sstream>

#include "core/metric.h"
#include "dashboard/static_assets.h"
#include "gateway/alert_json.h"

namespace hearth::gateway {
namespace {

using dashboard::HttpRequest;
using dashboard::HttpResponse;
using dashboard::json_error;
using nlohmann::json;

constexpr std::size_t MAX_POINTS = 100'000;

HttpResponse json_response(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

std::optional<std::int64_t> parse_int(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc{} || ptr != s->data() + s->size()) return std::nullopt;
  return v;
}

bool has_role(const std::optional<Principal>& who, std::initializer_list<Role> roles) {
  if (!who) return false;
  for (Role r : roles) {
    if (who->role == r) return true;
  }
  return false;
}

HttpResponse unauthorised() {
  HttpResponse r = json_error(401, "log in, or send a bearer token");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"hearth\"");
  return r;
}

json counters_json(const ApiContext& ctx) {
  const IngestCounters& c = ctx.pipeline->counters();
  const StoreStats& s = ctx.store->stats();
  return {{"received", c.received},
          {"decoded", c.decoded},
          {"ignored", c.ignored},
          {"rejected", c.rejected},
          {"field_issues", c.field_issues},
          {"readings_accepted", c.readings},
          {"retained_not_stored", c.retained_not_stored},
          {"stored", s.readings_committed},
          {"store_duplicates_ignored", s.duplicates_ignored},
          {"by_driver", c.by_driver}};
}

HttpResponse health(const ApiContext& ctx) {
  const auto now = ctx.now();
  const MqttStats m = ctx.mqtt_stats ? ctx.mqtt_stats() : MqttStats{};
  const StoreStats& s = ctx.store->stats();
  const IngestCounters& c = ctx.pipeline->counters();
  auto db_bytes = ctx.store->database_bytes();
  json body = {
      {"status", m.connected && s.write_errors == 0 ? "ok" : "degraded"},
      {"home_id", ctx.config->home_id},
      {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(now - ctx.started).count()},
      {"time_ms", core::to_epoch_ms(now)},
      {"mqtt",
       {{"connected", m.connected},
        {"connects", m.connects},
        {"connection_losses", m.connection_losses},
        {"backpressure_waits", m.backpressure_waits}}},
      {"counters", counters_json(ctx)},
      {"queue_depth", ctx.store->pending()},
      {"store",
       {{"commits", s.commits},
        {"last_commit_ms", s.last_commit_ms},
        {"write_errors", s.write_errors},
        {"database_bytes", db_bytes ? *db_bytes : -1}}},
      {"devices", ctx.registry->size()},
      {"clock",
       {{"synchronised", ctx.clock_synchronised ? ctx.clock_synchronised() : true},
        {"jumps_back", c.clock_jumps_back},
        {"jumps_forward", c.clock_jumps_forward}}},
  };
  body["tls"] = {{"enabled", !ctx.tls_fingerprint_sha256.empty()}};
  if (!ctx.tls_fingerprint_sha256.empty()) {
    body["tls"]["fingerprint_sha256"] = ctx.tls_fingerprint_sha256;
    body["tls"]["handshake_failures"] = ctx.tls_handshake_failures ? ctx.tls_handshake_failures() : 0;
  }
  return json_response(body);
}

json device_json(const Device& d) {
  json latest = json::object();
  for (const auto& [metric, v] : d.latest) {
    latest[std::string(core::to_string(metric))] = {
        {"value", v.value}, {"ts_ms", core::to_epoch_ms(v.ts)}, {"retained", v.retained}};
  }
  return {{"id", d.id},
          {"driver", d.driver},
          {"name", d.display_name()},
          {"room", d.settings.room},
          {"kind", d.settings.kind},
          {"essential", d.settings.essential},
          {"switchable", d.settings.switchable},
          {"model", d.model},
          {"firmware", d.firmware},
          {"online", d.online ? json(*d.online) : json(nullptr)},
          {"first_seen_ms", core::to_epoch_ms(d.first_seen)},
          {"last_seen_ms", core::to_epoch_ms(d.last_seen)},
          {"latest", latest}};
}

HttpResponse devices(const ApiContext& ctx, const std::string& actor) {
  json list = json::array();
  for (const auto& [id, d] : ctx.registry->all()) list.push_back(device_json(d));
  ctx.store->audit(actor, "list_devices", "");
  return json_response({{"devices", list}});
}

HttpResponse readings(const HttpRequest& req, const ApiContext& ctx, const std::string& actor) {
  const auto device = req.query_param("device");
  const auto metric_name = req.query_param("metric");
  if (!device || device->empty()) return json_error(400, "missing parameter: device");
  if (!metric_name) return json_error(400, "missing parameter: metric");
  const auto metric = core::metric_from_string(*metric_name);
  if (!metric) return json_error(400, "unknown metric: " + *metric_name);
  const auto now_ms = core::to_epoch_ms(ctx.now());
  const auto from =
      req.query_param("from") ? parse_int(req.query_param("from")) : std::optional<std::int64_t>(now_ms - 86'400'000);
  const auto to = req.query_param("to") ? parse_int(req.query_param("to")) : std::optional<std::int64_t>(now_ms + 1);
  if (!from || !to) return json_error(400, "from and to are UTC epoch milliseconds");
  if (*from > *to) return json_error(400, "from is after to");
  const auto limit =
      req.query_param("limit") ? parse_int(req.query_param("limit")) : std::optional<std::int64_t>(10'000);
  if (!limit || *limit <= 0 || *limit > static_cast<std::int64_t>(MAX_POINTS)) {
    return json_error(400, "limit must be 1.." + std::to_string(MAX_POINTS));
  }
  const auto resolution = resolution_from_string(req.query_param("resolution").value_or("raw"));
  if (!resolution) return json_error(400, "resolution must be raw, minute or hour");
  auto points = ctx.store->readings(*device, *metric, *from, *to, *resolution, static_cast<std::size_t>(*limit));
  if (!points) return json_error(500, "query failed");
  ctx.store->audit(actor, "read_readings", *device + " " + *metric_name);
  json list = json::array();
  for (const auto& p : *points) {
    json point = {{"ts_ms", p.ts_ms}, {"value", p.value}};
    if (*resolution != Resolution::raw) {
      point["min"] = p.min;
      point["max"] = p.max;
      point["count"] = p.count;
    }
    list.push_back(std::move(point));
  }
  return json_response({{"device", *device},
                        {"metric", *metric_name},
                        {"resolution", to_string(*resolution)},
                        {"from_ms", *from},
                        {"to_ms", *to},
                        {"points", list}});
}

HttpResponse alerts(const HttpRequest& req, const ApiContext& ctx, const std::string& actor) {
  if (ctx.alerting == nullptr) return json_error(503, "alerts are not running");
  const auto state = req.query_param("state").value_or("all");
  if (state != "all" && state != "open") return json_error(400, "state must be open or all");
  const auto severity = req.query_param("severity");
  if (severity && !core::severity_from_string(*severity)) return json_error(400, "unknown severity");
  json list = json::array();
  const auto all = state == "open" ? ctx.alerting->open_alerts() : ctx.alerting->recent_alerts();
  for (const auto& a : all) {
    if (severity && core::to_string(a.severity) != *severity) continue;
    if (auto room = req.query_param("room"); room && a.room != *room) continue;
    list.push_back(alert_to_json(a));
  }
  ctx.store->audit(actor, "list_alerts", "");
  return json_response({{"alerts", list}});
}

// POST /api/v1/alerts/<id>/ack|resolve with {"by": "...", "note": "..."}.
HttpResponse alert_action(const HttpRequest& req, const ApiContext& ctx, const Principal& who) {
  if (ctx.alerting == nullptr) return json_error(503, "alerts are not running");
  constexpr std::string_view PREFIX = "/api/v1/alerts/";
  const std::string rest = req.path.substr(PREFIX.size());
  const auto slash = rest.rfind('/');
  const std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (action != "ack" && action != "resolve") return json_error(404, "no such endpoint: " + req.path);
  if (req.method != "POST") {
    HttpResponse r = json_error(405, "method not allowed");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  const std::string id = rest.substr(0, slash);
  const auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (!body.is_object()) return json_error(400, "body must be a JSON object");
  // A logged-in carer acts as themselves; an API client says on whose behalf it acts.
  const bool needs_by = who.name == "api";
  if (needs_by && (!body.contains("by") || !body["by"].is_string() || body["by"].get<std::string>().empty())) {
    return json_error(400, "body must be JSON with a non-empty \"by\" (who is acting) and an optional \"note\"");
  }
  const std::string by = needs_by ? body["by"].get<std::string>() : who.name;
  const std::string note = body.contains("note") && body["note"].is_string() ? body["note"].get<std::string>() : "";
  if (by.size() > 200 || note.size() > 2000) return json_error(400, "by or note too long");
  auto r = action == "ack" ? ctx.alerting->acknowledge(id, by, note, ctx.now())
                           : ctx.alerting->resolve(id, by, note, ctx.now());
  if (!r) return json_error(404, r.error().message);
  ctx.store->audit(needs_by ? "api:" + by : by, action == "ack" ? "acknowledge_alert" : "resolve_alert", id);
  return json_response(alert_to_json(*r));
}

// Prometheus label values escape backslash, quote and newline.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

HttpResponse metrics(const ApiContext& ctx) {
  const IngestCounters& c = ctx.pipeline->counters();
  const StoreStats& s = ctx.store->stats();
  const MqttStats m = ctx.mqtt_stats ? ctx.mqtt_stats() : MqttStats{};
  std::ostringstream out;
  const auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << v << '\n';
  };
  const auto gauge = [&](const char* name, const char* help, double v) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n" << name << ' ' << v << '\n';
  };
  counter("hearth_messages_received_total", "MQTT messages received.", c.received);
  counter("hearth_messages_decoded_total", "Messages a driver decoded.", c.decoded);
  counter("hearth_messages_ignored_total", "Messages a driver owns but deliberately skips.", c.ignored);
  out << "# HELP hearth_messages_rejected_total Messages rejected, by reason.\n"
         "# TYPE hearth_messages_rejected_total counter\n";
  for (const auto& [reason, n] : c.rejected) {
    out << "hearth_messages_rejected_total{reason=\"" << label(reason) << "\"} " << n << '\n';
  }
  out << "# HELP hearth_field_issues_total Fields not used, by reason.\n# TYPE hearth_field_issues_total counter\n";
  for (const auto& [reason, n] : c.field_issues) {
    out << "hearth_field_issues_total{reason=\"" << label(reason) << "\"} " << n << '\n';
  }
  counter("hearth_readings_stored_total", "Readings committed to the database.", s.readings_committed);
  counter("hearth_store_commits_total", "Database commits.", s.commits);
  counter("hearth_store_write_errors_total", "Failed database commits.", s.write_errors);
  gauge("hearth_store_queue_depth", "Readings waiting for the next commit.", static_cast<double>(ctx.store->pending()));
  gauge("hearth_devices", "Devices known.", static_cast<double>(ctx.registry->size()));
  gauge("hearth_mqtt_connected", "1 when connected to the broker.", m.connected ? 1.0 : 0.0);
  counter("hearth_mqtt_connection_losses_total", "Lost broker connections.", m.connection_losses);
  if (ctx.tls_handshake_failures) {
    counter("hearth_http_tls_handshake_failures_total", "Dashboard TLS handshakes that failed or timed out.",
            ctx.tls_handshake_failures());
  }
  if (!ctx.outbox_channels.empty()) {
    out << "# HELP hearth_outbox_messages Messages that must leave the home, by channel and state.\n"
           "# TYPE hearth_outbox_messages gauge\n";
  }
  for (const auto& channel : ctx.outbox_channels) {
    auto n = ctx.store->outbox_counts(channel);
    if (!n) continue;
    const std::string base = "hearth_outbox_messages{channel=\"" + label(channel) + "\",state=\"";
    out << base << "pending\"} " << n->pending << '\n'
        << base << "delivered\"} " << n->delivered << '\n'
        << base << "rejected\"} " << n->rejected << '\n'
        << base << "expired\"} " << n->expired << '\n';
  }
  if (ctx.uplink_metrics) out << ctx.uplink_metrics();
  if (ctx.provisioning != nullptr) {
    const auto& p = ctx.provisioning->stats();
    counter("hearth_provisioning_claims_started_total", "Claims with the right code (accounts being made).",
            p.claims_started);
    counter("hearth_provisioning_wrong_codes_total", "Claim attempts with a wrong code.", p.wrong_codes);
    counter("hearth_provisioning_lockouts_total", "Devices locked after too many wrong codes.", p.lockouts);
    counter("hearth_provisioning_provisioned_total", "Devices sent their sealed credentials.", p.provisioned);
    counter("hearth_provisioning_broker_failures_total", "Accounts the broker refused or did not answer for.",
            p.broker_failures);
    counter("hearth_provisioning_bad_broker_answers_total", "Unreadable dynamic-security answers.",
            p.bad_broker_answers);
  }
  gauge("hearth_uptime_seconds", "Seconds since start.",
        static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(ctx.now() - ctx.started).count()));
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = out.str();
  return r;
}

}  // namespace

bool token_equals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff |= static_cast<unsigned char>(b[i] ^ (i < a.size() ? a[i] : 0));
  }
  return diff == 0;
}

HttpResponse handle_api(const HttpRequest& req, ApiContext& ctx) {
  const bool is_api = req.path.rfind("/api/", 0) == 0 || req.path == "/metrics";
  if (!is_api) {
    if (req.method != "GET") return json_error(405, "method not allowed");
    if (req.path == "/") {
      HttpResponse r;
      r.status = 302;
      r.headers.emplace_back("Location", is_loopback(req.remote_address) ? "/tv/" : "/carer/");
      return r;
    }
    return dashboard::serve_static(req.path);
  }
  const std::optional<Principal> who = resolve_principal(req, ctx);
  // Cookie sessions and the TV change state only with the CSRF token they were given.
  const bool changes_state = req.method != "GET" && req.method != "HEAD";
  if (changes_state && who && (who->cookie || who->role == Role::tv)) {
    const auto token = req.header("x-csrf-token");
    if (!token || !secure_equals(*token, who->csrf_token)) return json_error(403, "missing or wrong X-CSRF-Token");
  }
  if (auto r = handle_web_api(req, ctx, who)) return std::move(*r);
  if (auto r = handle_setup_api(req, ctx, who)) return std::move(*r);
  if (auto r = handle_energy_api(req, ctx, who)) return std::move(*r);

  const bool staff = has_role(who, {Role::carer, Role::coordinator, Role::admin});
  if (req.path.rfind("/api/v1/alerts/", 0) == 0) {
    if (!staff) return who && who->role != Role::tv ? json_error(403, "carers only") : unauthorised();
    return alert_action(req, ctx, *who);
  }
  if (req.method != "GET") {
    if (!who || who->role == Role::tv) return unauthorised();
    HttpResponse r = json_error(405, "method not allowed");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (req.path == "/api/v1/alerts") {
    if (!who) return unauthorised();
    return alerts(req, ctx, who->name);
  }
  // Device data and diagnostics: people who care for the home, and its householder.
  const bool may_read = staff || has_role(who, {Role::householder});
  const bool known = req.path == "/api/v1/health" || req.path == "/api/v1/devices" || req.path == "/api/v1/readings" ||
                     req.path == "/metrics";
  if (!known) return who ? json_error(404, "no such endpoint: " + req.path) : unauthorised();
  if (!may_read) return !who || who->role == Role::tv ? unauthorised() : json_error(403, "not for this role");
  if (req.path == "/api/v1/health") return health(ctx);
  if (req.path == "/api/v1/devices") return devices(ctx, who->name);
  if (req.path == "/api/v1/readings") return readings(req, ctx, who->name);
  if (!has_role(who, {Role::admin})) return json_error(403, "admins only");
  return metrics(ctx);
}

}  // namespace hearth::gateway
