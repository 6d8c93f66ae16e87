#include "gateway/alert_json.h"

#include <nlohmann/json.hpp>

#include "rules/messages.h"

namespace hearth::gateway {
namespace {

using nlohmann::json;

json optional_ms(const std::optional<core::TimePoint>& t) { return t ? json(core::to_epoch_ms(*t)) : json(nullptr); }

std::optional<core::TimePoint> optional_time(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return core::from_epoch_ms(j[key].get<std::int64_t>());
}

}  // namespace

json alert_to_json(const core::Alert& a) {
  return {{"schema", ALERT_SCHEMA_VERSION},
          {"id", a.id},
          {"rule", a.rule},
          {"kind", a.kind},
          {"severity", std::string(core::to_string(a.severity))},
          {"state", std::string(core::to_string(a.state))},
          {"device_id", a.device_id},
          {"room", a.room},
          {"raised_ms", core::to_epoch_ms(a.raised_at)},
          {"trigger_ms", core::to_epoch_ms(a.trigger_ts)},
          {"updated_ms", core::to_epoch_ms(a.updated_at)},
          {"message_key", a.message_key},
          {"params", a.params},
          {"text",
           {{"en", rules::render(a.message_key, rules::Language::en, a.params)},
            {"cy", rules::render(a.message_key, rules::Language::cy, a.params)}}},
          {"evidence", a.evidence},
          {"flap_count", a.flap_count},
          {"notified_ms", optional_ms(a.notified_at)},
          {"acknowledged_ms", optional_ms(a.acknowledged_at)},
          {"acknowledged_by", a.acknowledged_by},
          {"ack_note", a.ack_note},
          {"resolved_ms", optional_ms(a.resolved_at)},
          {"resolved_by", a.resolved_by},
          {"resolve_note", a.resolve_note}};
}

std::optional<core::Alert> alert_from_json(const json& j) {
  try {
    if (!j.is_object() || j.value("schema", 0) != ALERT_SCHEMA_VERSION) return std::nullopt;
    core::Alert a;
    a.id = j.at("id").get<std::string>();
    a.rule = j.at("rule").get<std::string>();
    a.kind = j.at("kind").get<std::string>();
    const auto severity = core::severity_from_string(j.at("severity").get<std::string>());
    const auto state = core::alert_state_from_string(j.at("state").get<std::string>());
    if (!severity || !state || a.id.empty()) return std::nullopt;
    a.severity = *severity;
    a.state = *state;
    a.device_id = j.at("device_id").get<std::string>();
    a.room = j.at("room").get<std::string>();
    a.raised_at = core::from_epoch_ms(j.at("raised_ms").get<std::int64_t>());
    a.trigger_ts = core::from_epoch_ms(j.at("trigger_ms").get<std::int64_t>());
    a.updated_at = core::from_epoch_ms(j.at("updated_ms").get<std::int64_t>());
    a.message_key = j.at("message_key").get<std::string>();
    a.params = j.at("params").get<std::map<std::string, std::string>>();
    a.evidence = j.at("evidence").get<std::map<std::string, double>>();
    a.flap_count = j.value("flap_count", 0u);
    a.notified_at = optional_time(j, "notified_ms");
    a.acknowledged_at = optional_time(j, "acknowledged_ms");
    a.acknowledged_by = j.value("acknowledged_by", "");
    a.ack_note = j.value("ack_note", "");
    a.resolved_at = optional_time(j, "resolved_ms");
    a.resolved_by = j.value("resolved_by", "");
    a.resolve_note = j.value("resolve_note", "");
    return a;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

AlertEventMessage alert_event_message(const std::string& home_id, std::string_view event_type,
                                      const core::Alert& alert) {
  const auto event_ms = core::to_epoch_ms(alert.updated_at);
  AlertEventMessage m;
  m.message_id = home_id + "/" + alert.id + "/" + std::string(event_type) + "/" + std::to_string(event_ms);
  m.payload = nlohmann::json{{"schema", ALERT_SCHEMA_VERSION},
                             {"type", "alert_event"},
                             {"message_id", m.message_id},
                             {"home_id", home_id},
                             {"event", event_type},
                             {"event_ms", event_ms},
                             {"alert", alert_to_json(alert)}}
                  .dump();
  return m;
}

}  // namespace hearth::gateway
