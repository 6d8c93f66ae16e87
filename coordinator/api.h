#pragma once
// The coordinator's HTTP API (docs/coordinator.md), as a handler over the plain request/response
// types of dashboard/http_message.h, so it is tested without sockets; service.cpp serves it with
// dashboard::HttpServer on the service's io_context.
//
// Every request carries "Authorization: Bearer <name>.<secret>" of a static account from the config
// (argon2id hash of the secret). Roles:
//   coordinator  GET /api/v1/coops/<own co-op>/homes, /alerts[?home=], /analytics;
//                POST /api/v1/coops/<own co-op>/alerts/attend (coordinator/attended.h), audited
//   analyst      GET /api/v1/coops/<own co-op>/analytics?from=&to=&by=day|week|month[&format=csv]
//   both         GET /api/v1/whoami
//   coordinator  POST /api/v1/coops/<own co-op>/alerts/ack (coordinator/api_ack.h)
// The dashboard's pages and UI texts need no token (coordinator/web_ui.h).
// Another co-op's path answers 404 exactly as a co-op that does not exist; a role's forbidden
// endpoint answers 403. Reads of homes and alerts (personal data) are audit-logged.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "core/result.h"
#include "dashboard/http_message.h"

namespace hearth::coordinator {

struct ApiStats {
  std::uint64_t requests = 0;
  std::uint64_t unauthorised = 0;
  std::uint64_t forbidden = 0;
  std::uint64_t throttled = 0;
  std::uint64_t acks = 0;          // acknowledgements queued from the dashboard (coordinator/api_ack.h)
  std::uint64_t bad_requests = 0;  // malformed acknowledgement bodies
};

class CoordinatorApi {
 public:
  // config and store must outlive this. Logic thread only.
  CoordinatorApi(const CoordinatorConfig& config, CoordinatorStore& store);

  dashboard::HttpResponse handle(const dashboard::HttpRequest& req, std::chrono::steady_clock::time_point now);
  dashboard::HttpResponse handle(const dashboard::HttpRequest& req) {
    return handle(req, std::chrono::steady_clock::now());
  }
  const ApiStats& stats() const { return stats_; }

 private:
  const ApiAccount* authenticate(const dashboard::HttpRequest& req, std::chrono::steady_clock::time_point now,
                                 bool& throttled);

  const CoordinatorConfig& config_;
  CoordinatorStore& store_;
  ApiStats stats_;
  // Verified tokens (keyed by a BLAKE2b hash of the token, never the token) -> account, until expiry:
  // argon2id runs once per token per 10 minutes, not per request.
  std::map<std::string, std::pair<const ApiAccount*, std::chrono::steady_clock::time_point>> verified_;
  // Failed attempts per remote address in the current minute (argon2id costs CPU: bounded).
  std::map<std::string, std::pair<int, std::chrono::steady_clock::time_point>> failures_;
};

struct NewToken {
  std::string token;  // "<name>.<secret>", shown once
  std::string hash;   // for accounts[].token_hash
};
// A fresh random token for an account and its argon2id hash. Tests pass lower costs.
core::Result<NewToken> make_api_token(const std::string& name, unsigned long long ops_limit = 2,
                                      std::size_t mem_limit = 64ULL * 1024 * 1024);

// Loads one co-op's energy summaries and aggregates them (coordinator/analytics.h); bad dates,
// periods and ranges are errors with a message for the user.
core::Result<AnalyticsReport> coop_analytics(const CoordinatorStore& store, const AnalyticsSettings& settings,
                                             const std::string& coop_id, const std::string& from, const std::string& to,
                                             const std::string& by);

}  // namespace hearth::coordinator
