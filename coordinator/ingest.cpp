#include "coordinator/ingest.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/time.h"

namespace hearth::coordinator {
namespace {

using nlohmann::json;

constexpr std::string_view TAG = "ingest";
constexpr int SCHEMA_VERSION = 1;
constexpr std::size_t MAX_ID_BYTES = 512;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

bool is_string(const json& j, const char* key, std::size_t max_bytes = MAX_ID_BYTES) {
  return j.contains(key) && j[key].is_string() && !j[key].get_ref<const std::string&>().empty() &&
         j[key].get_ref<const std::string&>().size() <= max_bytes;
}

bool is_time(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() && j[key].get<std::int64_t>() > 0;
}

std::optional<std::int64_t> optional_time(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer()) return std::nullopt;
  return j[key].get<std::int64_t>();
}

}  // namespace

Ingest::Ingest(const CoordinatorConfig& config, CoordinatorStore& store) : config_(config), store_(store) {}

std::vector<std::string> Ingest::subscriptions() const {
  const std::string base = "$share/" + config_.share_group + "/" + config_.topic_prefix + "/v1/+/+/";
  return {base + "alert", base + "summary"};
}

std::string Ingest::topic(const std::string& coop, const std::string& home, const std::string& leaf) const {
  return config_.topic_prefix + "/v1/" + coop + "/" + home + "/" + leaf;
}

IngestResult Ingest::reject(IngestResult::Kind kind, const std::string& reason, const std::string& topic,
                            const std::string& detail) {
  ++stats_.rejected[reason];
  const auto now = core::to_epoch_ms(core::now_ms());
  auto& last = last_log_ms_[reason];
  if (now - last >= 10'000) {  // one line per reason per 10 s: a misbehaving gateway cannot flood the log
    last = now;
    spdlog::warn("{}: {} on {}: {} ({} so far)", TAG, reason, topic, detail, stats_.rejected[reason]);
  }
  IngestResult r;
  r.kind = kind;
  r.reason = reason;
  return r;
}

IngestResult Ingest::on_message(const std::string& topic, const std::string& payload, std::int64_t now_ms) {
  ++stats_.received;
  using Kind = IngestResult::Kind;
  const auto levels = split(topic, '/');
  const auto prefix_levels = split(config_.topic_prefix, '/');
  if (levels.size() != prefix_levels.size() + 4) return reject(Kind::ignored, "bad_topic", topic, "unexpected shape");
  for (std::size_t i = 0; i < prefix_levels.size(); ++i) {
    if (levels[i] != prefix_levels[i]) return reject(Kind::ignored, "bad_topic", topic, "unexpected prefix");
  }
  const std::size_t b = prefix_levels.size();
  if (levels[b] != "v1") return reject(Kind::ignored, "unsupported_version", topic, "only v1 is understood");
  const std::string& coop = levels[b + 1];
  const std::string& home = levels[b + 2];
  const std::string& leaf = levels[b + 3];
  if (leaf != "alert" && leaf != "summary") return reject(Kind::ignored, "bad_topic", topic, "unknown leaf");
  // Tenant isolation: the co-op in the topic must be the one this gateway is registered with.
  const auto coop_it = config_.coops.find(coop);
  if (coop_it == config_.coops.end()) return reject(Kind::ignored, "unknown_coop", topic, "co-op not served here");
  if (!coop_it->second.contains(home)) {
    const std::string owner = coop_of(config_, home);
    return reject(Kind::ignored, owner.empty() ? "unknown_gateway" : "wrong_coop", topic,
                  owner.empty() ? "gateway not registered" : "gateway belongs to another co-op");
  }
  if (payload.size() > config_.max_payload_bytes) return reject(Kind::ignored, "too_large", topic, "payload too large");
  const auto j = json::parse(payload, nullptr, false);
  if (!j.is_object() || !is_string(j, "message_id"))
    return reject(Kind::ignored, "malformed", topic, "not a JSON object with a message_id");
  const std::string message_id = j["message_id"].get<std::string>();

  IngestResult result;
  result.receipt_topic = this->topic(coop, home, "receipt");
  const auto receipt = [&](const char* status, const std::string& detail) {
    json r{{"schema", SCHEMA_VERSION}, {"type", "receipt"}, {"message_id", message_id}, {"status", status}};
    if (!detail.empty()) r["detail"] = detail;
    return r.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  const auto refuse = [&](const std::string& reason, const std::string& detail) {
    IngestResult r = reject(Kind::refused, reason, topic, message_id + ": " + detail);
    r.receipt_topic = result.receipt_topic;
    r.receipt = receipt("refused", detail);
    return r;
  };
  if (j.value("schema", 0) != SCHEMA_VERSION) return refuse("unsupported_schema", "schema must be 1");
  const std::string type = j.value("type", "");

  core::Result<StoreOutcome> outcome = core::Error{""};
  if (leaf == "alert") {
    if (type != "alert_event") return refuse("wrong_type", "alert topic carries type alert_event");
    if (!is_string(j, "event", 32) || !is_time(j, "event_ms") || !j.contains("alert") || !j["alert"].is_object())
      return refuse("invalid_alert_event", "needs event, event_ms and alert");
    const json& a = j["alert"];
    if (!is_string(a, "id") || !is_string(a, "rule", 128) || !is_string(a, "severity", 32) ||
        !is_string(a, "state", 32) || !is_time(a, "raised_ms"))
      return refuse("invalid_alert", "alert needs id, rule, severity, state and raised_ms");
    static const std::set<std::string> EVENTS = {"raised",   "updated",      "reopened",
                                                 "notified", "acknowledged", "resolved"};
    if (!EVENTS.contains(j["event"].get<std::string>())) return refuse("invalid_alert_event", "unknown event");
    AlertEventRecord e;
    e.coop_id = coop;
    e.home_id = home;
    e.message_id = message_id;
    e.event = j["event"].get<std::string>();
    e.event_ms = j["event_ms"].get<std::int64_t>();
    e.alert_id = a["id"].get<std::string>();
    e.rule = a["rule"].get<std::string>();
    e.severity = a["severity"].get<std::string>();
    e.state = a["state"].get<std::string>();
    e.raised_ms = a["raised_ms"].get<std::int64_t>();
    e.acknowledged_ms = optional_time(a, "acknowledged_ms");
    e.acknowledged_by = a.contains("acknowledged_by") && a["acknowledged_by"].is_string()
                            ? a["acknowledged_by"].get<std::string>()
                            : "";
    e.resolved_ms = optional_time(a, "resolved_ms");
    e.received_ms = now_ms;
    e.payload = payload;
    outcome = store_.store_alert_event(e);
  } else {
    if (type != "daily_summary") return refuse("wrong_type", "summary topic carries type daily_summary");
    static const std::regex DAY(R"(\d{4}-\d{2}-\d{2})");
    const std::string kind = j.value("kind", "");
    const std::string day = is_string(j, "day", 10) ? j["day"].get<std::string>() : "";
    if ((kind != "energy" && kind != "wellbeing") || !std::regex_match(day, DAY) || !j.contains("summary") ||
        !j["summary"].is_object())
      return refuse("invalid_summary", "needs kind energy|wellbeing, day YYYY-MM-DD and a summary object");
    outcome = store_.store_summary(SummaryRecord{coop, home, message_id, kind, day, now_ms, payload});
  }
  if (!outcome) {
    ++stats_.failed;
    spdlog::error("{}: cannot store {} from {}/{}: {}; the gateway will send it again", TAG, message_id, coop, home,
                  outcome.error().message);
    IngestResult r;
    r.kind = Kind::failed;
    r.reason = "store_failed";
    return r;
  }
  if (*outcome == StoreOutcome::duplicate) {
    ++stats_.duplicates;
    result.kind = Kind::duplicate;
    result.receipt = receipt("duplicate", "");
  } else {
    ++stats_.stored;
    result.kind = Kind::stored;
    result.receipt = receipt("stored", "");
  }
  return result;
}

}  // namespace hearth::coordinator
