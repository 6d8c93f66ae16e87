#include "coordinator/api_ack.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hearth::coordinator {
namespace {

using dashboard::HttpRequest;
using dashboard::HttpResponse;
using dashboard::json_error;
using nlohmann::json;

constexpr std::string_view TAG = "coordinator-api";

bool has_control_characters(const std::string& s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Bad input from a signed-in coordinator: counted, logged with the reason, answered 400.
HttpResponse bad(const ApiAccount& who, ApiStats& stats, const std::string& reason) {
  ++stats.bad_requests;
  spdlog::warn("{}: acknowledgement from {} refused: {}", TAG, who.name, reason);
  return json_error(400, reason);
}

constexpr std::string_view PREFIX = "/api/v1/coops/";
constexpr std::string_view SUFFIX = "/alerts/ack";

}  // namespace

bool is_ack_request(const HttpRequest& req) {
  const std::string_view p = req.path;
  return req.method == "POST" && p.size() > PREFIX.size() + SUFFIX.size() && p.substr(0, PREFIX.size()) == PREFIX &&
         p.substr(p.size() - SUFFIX.size()) == SUFFIX;
}

HttpResponse post_ack(const HttpRequest& req, const ApiAccount& who, const CoordinatorConfig& config,
                      CoordinatorStore& store, ApiStats& stats, std::int64_t now_ms) {
  if (!is_ack_request(req)) return json_error(405, "method not allowed");
  const std::string coop = req.path.substr(PREFIX.size(), req.path.size() - PREFIX.size() - SUFFIX.size());
  if (coop != who.coop_id) return json_error(404, "not found");  // as for reads: no co-op is revealed
  if (who.role != ApiRole::coordinator) {
    ++stats.forbidden;
    return json_error(403, "only coordinators acknowledge alerts");
  }
  const auto type = req.header("content-type");
  if (!type || type->rfind("application/json", 0) != 0) return bad(who, stats, "Content-Type must be application/json");
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) return bad(who, stats, "the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    // The name goes into the log: quoted and escaped as JSON, so it cannot forge a log line.
    if (key != "home" && key != "alert_id" && key != "note")
      return bad(who, stats, "unknown field " + json(key).dump(-1, ' ', false, json::error_handler_t::replace));
    if (!value.is_string()) return bad(who, stats, key + " must be a string");
  }
  const std::string home = body.value("home", "");
  const std::string alert = body.value("alert_id", "");
  const std::string note = body.value("note", "");
  if (home.empty() || alert.empty()) return bad(who, stats, "home and alert_id are required");
  if (note.size() > MAX_ACK_NOTE_BYTES)
    return bad(who, stats, "note longer than " + std::to_string(MAX_ACK_NOTE_BYTES) + " bytes");
  if (has_control_characters(note)) return bad(who, stats, "note has control characters");
  const auto coop_it = config.coops.find(coop);
  if (coop_it == config.coops.end() || !coop_it->second.contains(home)) return json_error(404, "no such home");
  const auto known = store.has_alert(coop, home, alert);
  if (!known) {
    spdlog::error("{}: {}", TAG, known.error().message);
    return json_error(500, "store unavailable");
  }
  if (!*known) return json_error(404, "no such alert");
  if (auto q = store.queue_ack(OutgoingAck{0, coop, home, alert, who.name, note, now_ms}); !q) {
    spdlog::error("{}: cannot queue acknowledgement: {}", TAG, q.error().message);
    return json_error(500, "store unavailable");
  }
  ++stats.acks;
  spdlog::info("{}: audit: {} ({}) acknowledged alert {} of home {} of co-op {}", TAG, who.name, to_string(who.role),
               alert, home, coop);
  HttpResponse r;
  r.status = 202;
  r.body = json{{"queued", true}, {"home", home}, {"alert_id", alert}, {"by", who.name}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace hearth::coordinator
