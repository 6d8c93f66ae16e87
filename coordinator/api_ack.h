#pragma once
// POST /api/v1/coops/<coop>/alerts/ack {"home": "<gateway>", "alert_id": "<alert id>", "note": "..."}:
// a coordinator acknowledges an alert from the dashboard, exactly as `hearth-coordinator ack` does
// from a shell: the acknowledgement is queued in the store (by = the account's name) and a running
// instance sends it to the home, whose TV then says that someone has seen it. Coordinator role
// only (403 for analysts), own co-op only (404 otherwise, as for reads), an unknown home or alert
// is 404, and every acknowledgement is audit-logged. Called by CoordinatorApi::handle after the
// token check.
#include <chrono>

#include "coordinator/api.h"

namespace hearth::coordinator {

inline constexpr std::size_t MAX_ACK_NOTE_BYTES = 500;

// True for POST /api/v1/coops/<anything>/alerts/ack: the requests post_ack answers.
bool is_ack_request(const dashboard::HttpRequest& req);

dashboard::HttpResponse post_ack(const dashboard::HttpRequest& req, const ApiAccount& who,
                                 const CoordinatorConfig& config, CoordinatorStore& store, ApiStats& stats,
                                 std::int64_t now_ms);

}  // namespace hearth::coordinator
