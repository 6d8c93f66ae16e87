#include "coordinator/attended.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

namespace hearth::coordinator {
namespace {

using nlohmann::json;
constexpr std::string_view TAG = "attended";
constexpr std::string_view TOPIC_ROOT = "hearth-carer/v1/";
constexpr std::string_view TOPIC_LEAF = "/attended";
constexpr std::size_t MAX_BY = 200;
constexpr std::size_t MAX_NOTE = 2000;
constexpr std::size_t MAX_ALERT_ID = 200;

dashboard::HttpResponse json_response(int status, const json& body) {
  dashboard::HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::string_view to_string(AttendOutcome o) {
  switch (o) {
    case AttendOutcome::recorded:
      return "recorded";
    case AttendOutcome::bad_request:
      return "bad_request";
    case AttendOutcome::unknown_home:
      return "unknown_home";
    case AttendOutcome::unknown_alert:
      return "unknown_alert";
    case AttendOutcome::not_notified:
      return "not_notified";
  }
  return "?";
}

core::Result<AttendOutcome> record_attendance(CoordinatorStore& store, const CoordinatorConfig& config,
                                              const AttendRequest& r) {
  if (r.by.empty() || r.by.size() > MAX_BY || r.note.size() > MAX_NOTE || r.alert_id.empty() ||
      r.alert_id.size() > MAX_ALERT_ID)
    return AttendOutcome::bad_request;
  const auto coop = config.coops.find(r.coop_id);
  if (coop == config.coops.end() || !coop->second.contains(r.home_id)) return AttendOutcome::unknown_home;
  EscalationStep step;
  step.coop_id = r.coop_id;
  step.home_id = r.home_id;
  step.alert_id = r.alert_id;
  step.kind = "attended";
  step.person_id = r.person_id;
  step.person_name = r.by;
  step.at_ms = r.at_ms;
  step.channel = r.channel;
  step.note = r.note;
  auto done = store.record_attended(step);
  if (!done) return done.error();
  if (!*done) return AttendOutcome::unknown_alert;
  spdlog::info("{}: alert {} of {}/{} attended by {} (via {})", TAG, r.alert_id, r.coop_id, r.home_id, r.by, r.channel);
  return AttendOutcome::recorded;
}

CarerInbox::CarerInbox(const CoordinatorConfig& config, CoordinatorStore& store) : config_(config), store_(store) {}

std::string CarerInbox::subscription() const {
  return "$share/" + config_.share_group + "/" + std::string(TOPIC_ROOT) + "+/+" + std::string(TOPIC_LEAF);
}

bool CarerInbox::handles(const std::string& topic) const {
  return topic.rfind(TOPIC_ROOT, 0) == 0 && topic.size() > TOPIC_LEAF.size() &&
         topic.compare(topic.size() - TOPIC_LEAF.size(), TOPIC_LEAF.size(), TOPIC_LEAF) == 0;
}

AttendOutcome CarerInbox::reject(const std::string& reason, const std::string& topic) {
  const auto n = ++rejected_[reason];
  // Rate-limited: the first of each reason, then every 100th.
  if (n == 1 || n % 100 == 0) spdlog::warn("{}: rejected a carer message on {}: {} ({} so far)", TAG, topic, reason, n);
  return reason == "not_notified"    ? AttendOutcome::not_notified
         : reason == "unknown_alert" ? AttendOutcome::unknown_alert
         : reason == "unknown_home"  ? AttendOutcome::unknown_home
                                     : AttendOutcome::bad_request;
}

AttendOutcome CarerInbox::on_message(const std::string& topic, const std::string& payload, std::int64_t now_ms) {
  if (!handles(topic)) return reject("topic", topic);
  // hearth-carer/v1/<coop>/<person>/attended
  const std::string middle = topic.substr(TOPIC_ROOT.size(), topic.size() - TOPIC_ROOT.size() - TOPIC_LEAF.size());
  const auto slash = middle.find('/');
  if (slash == std::string::npos || middle.find('/', slash + 1) != std::string::npos) return reject("topic", topic);
  const std::string coop = middle.substr(0, slash);
  const std::string person = middle.substr(slash + 1);
  if (!config_.coops.contains(coop) || person.empty()) return reject("unknown_coop", topic);
  if (payload.size() > MAX_PAYLOAD_BYTES) return reject("too_large", topic);
  const json p = json::parse(payload, nullptr, false);
  if (!p.is_object()) return reject("not_json", topic);
  if (p.value("schema", json()) != json(1) || p.value("type", json()) != json("attended"))
    return reject("schema", topic);
  if (!p.contains("home_id") || !p["home_id"].is_string() || !p.contains("alert_id") || !p["alert_id"].is_string())
    return reject("fields", topic);
  if (p.contains("note") && !p["note"].is_string()) return reject("fields", topic);
  AttendRequest r;
  r.coop_id = coop;
  r.home_id = p["home_id"].get<std::string>();
  r.alert_id = p["alert_id"].get<std::string>();
  r.note = p.contains("note") ? p["note"].get<std::string>() : std::string();
  r.person_id = person;
  r.channel = "mqtt";
  r.at_ms = now_ms;  // the coordinator's clock: a phone's may be wrong
  if (!config_.coops.at(coop).contains(r.home_id)) return reject("unknown_home", topic);
  // Only someone this co-op told about this alert may say they are there.
  auto steps = store_.escalation_steps(coop, r.home_id);
  if (!steps) {
    spdlog::error("{}: {}", TAG, steps.error().message);
    return reject("store", topic);
  }
  const auto told = std::find_if(steps->begin(), steps->end(), [&](const EscalationStep& s) {
    return s.alert_id == r.alert_id && s.person_id == person && (s.kind == "notified" || s.kind == "escalated");
  });
  if (told == steps->end()) return reject("not_notified", topic);
  r.by = told->person_name;
  auto outcome = record_attendance(store_, config_, r);
  if (!outcome) {
    spdlog::error("{}: {}", TAG, outcome.error().message);
    return reject("store", topic);
  }
  if (*outcome != AttendOutcome::recorded) return reject(std::string(to_string(*outcome)), topic);
  ++recorded_;
  return AttendOutcome::recorded;
}

dashboard::HttpResponse attend_endpoint(CoordinatorStore& store, const CoordinatorConfig& config, const ApiAccount& who,
                                        const dashboard::HttpRequest& req, std::int64_t now_ms) {
  if (req.body.size() > CarerInbox::MAX_PAYLOAD_BYTES) return dashboard::json_error(413, "body too large");
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("home") || !body["home"].is_string() || !body.contains("alert_id") ||
      !body["alert_id"].is_string() || (body.contains("note") && !body["note"].is_string()))
    return dashboard::json_error(400, "expected {\"home\": ..., \"alert_id\": ..., \"note\": optional}");
  AttendRequest r;
  r.coop_id = who.coop_id;
  r.home_id = body["home"].get<std::string>();
  r.alert_id = body["alert_id"].get<std::string>();
  r.note = body.contains("note") ? body["note"].get<std::string>() : std::string();
  r.by = who.name;
  r.channel = "api";
  r.at_ms = now_ms;
  auto outcome = record_attendance(store, config, r);
  if (!outcome) {
    spdlog::error("{}: {}", TAG, outcome.error().message);
    return dashboard::json_error(500, "store unavailable");
  }
  switch (*outcome) {
    case AttendOutcome::recorded:
      spdlog::info("coordinator-api: audit: {} ({}) recorded alert {} of home {} attended, co-op {}", who.name,
                   to_string(who.role), r.alert_id, r.home_id, r.coop_id);
      return json_response(
          200,
          {{"recorded", true}, {"home", r.home_id}, {"alert_id", r.alert_id}, {"by", r.by}, {"attended_ms", r.at_ms}});
    case AttendOutcome::bad_request:
      return dashboard::json_error(400, "alert_id 1-200 characters, note at most 2000");
    case AttendOutcome::unknown_home:
    case AttendOutcome::unknown_alert:
    case AttendOutcome::not_notified:
      break;
  }
  return dashboard::json_error(404, "not found");
}

AttendedSummary attended_summary(const std::vector<AlertRow>& alerts, const std::vector<EscalationStep>& steps,
                                 const std::vector<std::chrono::milliseconds>& thresholds) {
  AttendedSummary out;
  for (const auto& t : thresholds) out.within.emplace_back(t, 0);
  // The first attendance of each raising of each alert.
  std::map<std::tuple<std::string, std::string, std::int64_t>, std::int64_t> first;
  for (const auto& s : steps) {
    if (s.kind != "attended") continue;
    auto [it, fresh] = first.emplace(std::make_tuple(s.home_id, s.alert_id, s.raised_ms), s.at_ms);
    if (!fresh) it->second = std::min(it->second, s.at_ms);
  }
  for (const auto& a : alerts) {
    ++out.alerts;
    const auto it = first.find(std::make_tuple(a.home_id, a.alert_id, a.raised_ms));
    if (it == first.end()) continue;
    ++out.attended;
    for (auto& [t, n] : out.within) {
      if (it->second - a.raised_ms <= t.count()) ++n;
    }
  }
  return out;
}

}  // namespace hearth::coordinator
