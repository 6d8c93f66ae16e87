#pragma once
// hearthd's JSON API (v1) and Prometheus metrics: a pure function of the request and a read-only
// view of the daemon's state, so it is tested without sockets. Machine clients authenticate with
// "Authorization: Bearer <token>"; every access to personal data is written to the audit log.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dashboard/http_message.h"
#include "gateway/accounts.h"
#include "gateway/alerting.h"
#include "gateway/device_registry.h"
#include "gateway/mqtt_client.h"
#include "gateway/pipeline.h"
#include "gateway/store.h"

namespace hearth::gateway {

class EnergyService;  // gateway/energy_service.h
class Provisioner;    // gateway/provisioning.h

// Who is asking: an account's session (cookie), an API client (bearer token: acts as admin, no
// CSRF since it carries no ambient credentials), or the TV on the box itself (loopback, no login).
struct Principal {
  std::string name;  // username, "api" or "tv"
  Role role = Role::tv;
  bool cookie = false;        // authenticated by the session cookie: state changes need CSRF
  std::string csrf_token;     // what X-CSRF-Token must carry (cookie sessions and the TV)
  std::string session_token;  // the cookie value, for logout
  User account;               // cookie sessions: the account as read for this request
};

struct ApiContext {
  const GatewayConfig* config = nullptr;
  const DeviceRegistry* registry = nullptr;
  Store* store = nullptr;  // queries and audit rows
  const Pipeline* pipeline = nullptr;
  std::function<MqttStats()> mqtt_stats;
  std::function<bool()> clock_synchronised;
  Alerting* alerting = nullptr;              // alerts list, acknowledge, resolve
  std::vector<std::string> outbox_channels;  // channels reported on /metrics
  Accounts* accounts = nullptr;              // dashboard accounts; nullptr: bearer token only
  bool tv_from_loopback = true;              // requests from the box itself act as the TV without a login
  bool secure_cookies = false;               // TLS in front: cookies get Secure
  std::string tv_csrf_token;                 // per process; the TV reads it from GET /api/v1/session
  // Live updates to dashboards (SSE channel "live"): event name and JSON data.
  std::function<void(std::string_view event, const std::string& data)> live;
  // The setup page (gateway/setup_api.cpp): the App re-reads the dashboard's overrides and applies
  // them (devices, rules, consent); and erases the home's history (store and learned routine).
  std::function<void()> overrides_changed;
  std::function<core::Result<ErasedCounts>()> erase_history;
  core::TimePoint started{};
  std::function<core::TimePoint()> now = core::now_ms;
  // hearthd's own HTTPS (http.tls): the certificate's SHA-256 fingerprint, which the TV's setup
  // screen and /api/v1/health show so that people can check what their phone is shown (empty:
  // plain HTTP), and the handshakes that failed so far.
  std::string tls_fingerprint_sha256;
  std::function<std::uint64_t()> tls_handshake_failures;
  EnergyService* energy = nullptr;  // energy endpoints and the TV's energy cards; nullptr: energy off
  // The co-op uplink's Prometheus lines for /metrics (gateway/uplink.h); empty when not configured.
  std::function<std::string()> uplink_metrics;
  // Claiming hearth/v1 devices from the setup page; nullptr: the native driver is not running.
  Provisioner* provisioning = nullptr;
};

// Everything hearthd serves: the web UI's files, the JSON API and /metrics.
dashboard::HttpResponse handle_api(const dashboard::HttpRequest& request, ApiContext& ctx);

// gateway/web_api.cpp: who is asking, and the dashboard's own endpoints (accounts, sessions, home
// summary, live events). nullopt from handle_web_api: not one of its endpoints.
std::optional<Principal> resolve_principal(const dashboard::HttpRequest& request, ApiContext& ctx);
std::optional<dashboard::HttpResponse> handle_web_api(const dashboard::HttpRequest& request, ApiContext& ctx,
                                                      const std::optional<Principal>& who);
// gateway/setup_api.cpp: devices, consent, rule settings, export and erasure of the home's data.
std::optional<dashboard::HttpResponse> handle_setup_api(const dashboard::HttpRequest& request, ApiContext& ctx,
                                                        const std::optional<Principal>& who);
// gateway/energy_api.cpp: /api/v1/energy/summary, /energy/appliances, /energy/tariff, /advice and
// /savings (docs/api.md). nullopt: not one of its endpoints.
std::optional<dashboard::HttpResponse> handle_energy_api(const dashboard::HttpRequest& request, ApiContext& ctx,
                                                         const std::optional<Principal>& who);
// The TV's summary of the home (GET /api/v1/home), also pushed as the "home" live event.
std::string home_summary_json(const ApiContext& ctx);
bool is_loopback(const std::string& address);

// Constant-time comparison, so the token cannot be guessed byte by byte from response times.
bool token_equals(std::string_view a, std::string_view b);

}  // namespace hearth::gateway
