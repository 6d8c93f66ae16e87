#pragma once
// hearthd's JSON API (v1) and Prometheus metrics: a pure function of the request and a read-only
// view of the daemon's state, so it is tested without sockets. Machine clients authenticate with
// "Authorization: Bearer <token>"; every access to personal data is written to the audit log.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dashboard/http_message.h"
#include "gateway/alerting.h"
#include "gateway/device_registry.h"
#include "gateway/mqtt_client.h"
#include "gateway/pipeline.h"
#include "gateway/store.h"

namespace hearth::gateway {

struct ApiContext {
  const GatewayConfig* config = nullptr;
  const DeviceRegistry* registry = nullptr;
  Store* store = nullptr;  // queries and audit rows
  const Pipeline* pipeline = nullptr;
  std::function<MqttStats()> mqtt_stats;
  std::function<bool()> clock_synchronised;
  Alerting* alerting = nullptr;              // alerts list, acknowledge, resolve
  std::vector<std::string> outbox_channels;  // channels reported on /metrics
  core::TimePoint started{};
  std::function<core::TimePoint()> now = core::now_ms;
};

dashboard::HttpResponse handle_api(const dashboard::HttpRequest& request, ApiContext& ctx);

// Constant-time comparison, so the token cannot be guessed byte by byte from response times.
bool token_equals(std::string_view a, std::string_view b);

}  // namespace hearth::gateway
