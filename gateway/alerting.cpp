#include "gateway/alerting.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "gateway/alert_json.h"
#include "rules/builtin_rules.h"
#include "rules/messages.h"

namespace hearth::gateway {

// Device facts and latest values straight from the registry (the registry outlives this).
class Alerting::RegistryFacts final : public rules::FactsProvider {
 public:
  explicit RegistryFacts(const DeviceRegistry& registry) : registry_(registry) {}

  const rules::DeviceFacts* device(std::string_view device_id) const override {
    const Device* d = registry_.find(std::string(device_id));
    if (d == nullptr) return nullptr;
    auto& f = cache_[d->id];  // a stable address for the caller, refreshed on every lookup
    f = rules::DeviceFacts{
        d->id, d->settings.room, d->settings.kind, d->display_name(), d->settings.essential, d->settings.switchable};
    return &f;
  }

  std::optional<rules::LatestValue> latest(std::string_view device_id, core::Metric metric) const override {
    const Device* d = registry_.find(std::string(device_id));
    if (d == nullptr) return std::nullopt;
    auto it = d->latest.find(metric);
    if (it == d->latest.end() || it->second.retained) return std::nullopt;
    return rules::LatestValue{it->second.value, it->second.ts};
  }

 private:
  const DeviceRegistry& registry_;
  mutable std::map<std::string, rules::DeviceFacts> cache_;
};

std::string encode_topic_level(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '/')
      out += "%2F";
    else if (c == '+')
      out += "%2B";
    else if (c == '#')
      out += "%23";
    else
      out.push_back(c);
  }
  return out;
}

std::string decode_topic_level(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string code = s.substr(i + 1, 2);
      const char c = code == "25" ? '%' : code == "2F" ? '/' : code == "2B" ? '+' : code == "23" ? '#' : '\0';
      if (c != '\0') {
        out.push_back(c);
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

Alerting::Alerting(std::string home_id, const DeviceRegistry& registry, Store& store, PublishFn publish,
                   const rules::RulesConfig& config)
    : home_id_(std::move(home_id)),
      store_(store),
      publish_(std::move(publish)),
      facts_(std::make_unique<RegistryFacts>(registry)),
      engine_(std::make_unique<rules::RuleEngine>(config, *facts_)) {}

Alerting::~Alerting() = default;

std::string Alerting::alert_topic(const std::string& id) const {
  return "hearth/" + home_id_ + "/alerts/" + encode_topic_level(id);
}

void Alerting::reconfigure(const rules::RulesConfig& config, bool keep_learned) {
  auto open = engine_->alerts().open_alerts();
  // A reload must not restart the routine's warm-up; an erasure must.
  const auto learned = keep_learned ? wellbeing_state() : std::nullopt;
  const bool away = engine_->wellbeing() != nullptr && engine_->wellbeing()->away();
  engine_ = std::make_unique<rules::RuleEngine>(config, *facts_);
  engine_->restore(std::move(open));
  if (learned) (void)restore_wellbeing(*learned);
  if (away) (void)engine_->set_away(true);
  spdlog::info("alerts: {} rules active, {} open alert(s) kept", engine_->rule_count(), open_alerts().size());
}

core::Result<std::size_t> Alerting::restore() {
  auto bodies = store_.open_alerts();
  if (!bodies) return bodies.error();
  std::vector<core::Alert> open;
  for (const auto& body : *bodies) {
    auto alert = alert_from_json(nlohmann::json::parse(body, nullptr, false));
    if (alert)
      open.push_back(std::move(*alert));
    else
      spdlog::error("alerts: an open alert in the database could not be read; skipped");
  }
  const std::size_t n = open.size();
  engine_->restore(std::move(open));
  return n;
}

void Alerting::on_reading(const core::Reading& reading) {
  check_switch_off(reading);
  handle(engine_->on_reading(reading));
}

void Alerting::on_tick(core::TimePoint now) {
  check_switch_off_deadlines(now);
  handle(engine_->on_tick(now));
}

void Alerting::set_outbox(std::vector<std::string> channels, std::function<void()> after_commit) {
  outbox_channels_ = std::move(channels);
  after_commit_ = std::move(after_commit);
}

void Alerting::on_delivered(const std::string& payload, core::TimePoint now) {
  const auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || j.value("type", "") != "alert_event") return;
  const std::string event = j.value("event", "");
  if (event != "raised" && event != "reopened") return;
  const auto* alert = j.find("alert") != j.end() && j["alert"].is_object() ? &j["alert"] : nullptr;
  if (alert == nullptr) return;
  const std::string id = alert->value("id", "");
  const core::Alert* open = engine_->alerts().find_open(id);
  if (open == nullptr || open->notified_at) return;  // closed since, or already notified
  if (auto e = engine_->alerts().mark_notified(id, now)) handle(rules::EngineOutput{{*e}, {}});
}

void Alerting::set_command_builder(CommandFn build, std::chrono::seconds confirm_within) {
  build_command_ = std::move(build);
  confirm_within_ = confirm_within;
}

void Alerting::switch_off(const rules::SwitchOffRequest& request) {
  const rules::DeviceFacts* facts = facts_->device(request.device_id);
  // The rules never ask for these; refusing here too means one bug cannot cut an essential supply.
  if (facts == nullptr || facts->essential || !facts->switchable) {
    spdlog::error("alerts: switch-off of {} refused: the device is not marked switchable, or is essential",
                  request.device_id);
    return;
  }
  std::optional<drivers::Outbound> command = build_command_ ? build_command_(request.device_id, false) : std::nullopt;
  if (!command) {
    switch_off_failed(request.device_id, "no way to send it a switch command", request.at);
    return;
  }
  spdlog::warn("alerts: switching off {} ({}) for alert {}", facts->display_name(), request.device_id,
               request.alert_id);
  store_.audit("hearthd", "switch_off", request.device_id);
  publish_(command->topic, command->payload, false);  // never retained: a retained "off" would replay
  switch_offs_[request.device_id] = PendingSwitchOff{request.alert_id, request.at};
}

void Alerting::check_switch_off(const core::Reading& r) {
  if (r.retained) return;
  auto it = switch_offs_.find(r.device_id);
  if (it == switch_offs_.end()) return;
  const bool off =
      (r.metric == core::Metric::relay_on && r.value < 0.5) || (r.metric == core::Metric::power_w && r.value < 1.0);
  if (!off || r.ts < it->second.sent_at) return;
  spdlog::info("alerts: {} confirmed off ({})", r.device_id, core::to_string(r.metric));
  store_.audit("hearthd", "switch_off_confirmed", r.device_id);
  switch_offs_.erase(it);
}

void Alerting::check_switch_off_deadlines(core::TimePoint now) {
  for (auto it = switch_offs_.begin(); it != switch_offs_.end();) {
    if (now - it->second.sent_at < confirm_within_) {
      ++it;
      continue;
    }
    const std::string device_id = it->first;
    it = switch_offs_.erase(it);
    switch_off_failed(device_id, "it did not confirm within " + std::to_string(confirm_within_.count()) + " s", now);
  }
}

void Alerting::switch_off_failed(const std::string& device_id, const std::string& reason, core::TimePoint now) {
  const rules::DeviceFacts* facts = facts_->device(device_id);
  rules::AlertCandidate c;
  c.id = "switch_off_failed:" + device_id;
  c.rule = "switch_off_failed";
  c.kind = "appliance";
  c.severity = core::Severity::urgent;
  c.device_id = device_id;
  c.room = facts != nullptr ? facts->room : "";
  c.trigger_ts = now;
  c.message_key = "switch_off_failed";
  c.params = {{"device", facts != nullptr ? facts->display_name() : device_id},
              {"room", facts != nullptr && !facts->room.empty() ? facts->room : device_id},
              {"reason", reason}};
  c.latching = true;  // nothing clears it: a carer checks the appliance and closes it
  spdlog::error("alerts: switch-off of {} failed: {}", device_id, reason);
  handle(rules::EngineOutput{engine_->alerts().raise(c, now), {}});
}

void Alerting::handle(const rules::EngineOutput& out) {
  for (const auto& a : out.activity) {
    store_.save_activity(ActivityRow{core::to_epoch_ms(a.start), core::to_epoch_ms(a.end),
                                     std::string(rules::to_string(a.kind)), a.device_id, a.room, a.device_kind});
  }
  if (out.events.empty() && out.switch_offs.empty()) return;
  for (const auto& e : out.events) {
    store_.save_alert(e.alert.id, std::string(core::to_string(e.alert.state)), std::string(rules::to_string(e.type)),
                      core::to_epoch_ms(e.alert.updated_at), alert_to_json(e.alert).dump());
    // "notified" is the outbox's own echo (a delivery happened); receivers already have the alert.
    if (outbox_channels_.empty() || !outbox_consent_ || e.type == rules::AlertEventType::notified) continue;
    auto message = alert_event_message(home_id_, rules::to_string(e.type), e.alert);
    for (const auto& channel : outbox_channels_) {
      store_.enqueue(
          OutboxMessage{0, channel, message.message_id, message.payload, core::to_epoch_ms(e.alert.updated_at), 0, 0});
    }
  }
  // Written and committed before anything is told: a crash after this point loses no alert. Only
  // the alert rows: the readings queued since the last group commit would make every alert wait
  // for them (bench/alert-latency measured that as most of the median).
  if (auto r = store_.flush_alerts(); !r) {
    spdlog::critical("alerts: could not commit {} alert event(s): {}; publishing anyway", out.events.size(),
                     r.error().message);
  }
  for (const auto& e : out.events) handle_event(e);
  if (!out.events.empty() && !outbox_channels_.empty() && after_commit_) after_commit_();
  for (const auto& request : out.switch_offs) switch_off(request);
}

void Alerting::handle_event(const rules::AlertEvent& e) {
  const auto& a = e.alert;
  const auto text = rules::render(a.message_key, rules::Language::en, a.params);
  if (e.type == rules::AlertEventType::raised || e.type == rules::AlertEventType::reopened) {
    spdlog::warn("ALERT {} [{}] {}", a.id, core::to_string(a.severity), text);
  } else {
    spdlog::info("alert {} {}", a.id, rules::to_string(e.type));
  }
  publish_(alert_topic(a.id), alert_to_json(a).dump(), true);
  if (listener_) listener_(a);
}

void Alerting::set_away(bool away, core::TimePoint now) {
  (void)now;  // the engine's clock is the last reading or tick
  handle(engine_->set_away(away));
}

std::optional<std::string> Alerting::wellbeing_state() const {
  if (engine_->wellbeing() == nullptr) return std::nullopt;
  return engine_->wellbeing()->save_state().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Result<void> Alerting::restore_wellbeing(const std::string& state) {
  const auto j = nlohmann::json::parse(state, nullptr, false);
  if (j.is_discarded()) return core::Error{"saved wellbeing state is not JSON"};
  return engine_->restore_wellbeing(j);
}

std::optional<std::string> Alerting::routine_json() const {
  if (engine_->wellbeing() == nullptr) return std::nullopt;
  return engine_->wellbeing()->routine_to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Alert Alerting::request_callback(const std::string& who, core::TimePoint now) {
  rules::AlertCandidate c;
  c.id = "callback_requested:home";
  c.rule = "callback_requested";
  c.kind = "request";
  c.severity = core::Severity::info;
  c.trigger_ts = now;
  c.message_key = who.empty() ? "callback_requested_tv" : "callback_requested";
  c.params = {{"who", who}};
  c.latching = true;  // a carer closes it once they have called
  handle(rules::EngineOutput{engine_->alerts().raise(c, now), {}});
  const core::Alert* open = engine_->alerts().find_open(c.id);
  return open != nullptr ? *open : core::Alert{};
}

core::Result<core::Alert> Alerting::acknowledge(const std::string& id, const std::string& by, const std::string& note,
                                                core::TimePoint now) {
  auto e = engine_->alerts().acknowledge(id, by, note, now);
  if (!e) return e.error();
  handle(rules::EngineOutput{{*e}, {}});
  return e->alert;
}

core::Result<core::Alert> Alerting::resolve(const std::string& id, const std::string& by, const std::string& note,
                                            core::TimePoint now) {
  auto e = engine_->alerts().resolve(id, by, note, now);
  if (!e) return e.error();
  handle(rules::EngineOutput{{*e}, {}});
  return e->alert;
}

bool Alerting::on_mqtt_command(const std::string& topic, const std::string& payload, core::TimePoint now) {
  const std::string prefix = "hearth/" + home_id_ + "/alerts/";
  if (topic.rfind(prefix, 0) != 0) return false;
  const std::string rest = topic.substr(prefix.size());
  const auto slash = rest.rfind('/');
  if (slash == std::string::npos) return false;
  const std::string action = rest.substr(slash + 1);
  if (action != "ack" && action != "resolve") return false;
  const std::string id = decode_topic_level(rest.substr(0, slash));
  const auto body = nlohmann::json::parse(payload, nullptr, false);
  const std::string by = body.is_object() ? body.value("by", "") : "";
  const std::string note = body.is_object() ? body.value("note", "") : "";
  if (by.empty()) {
    spdlog::warn("alerts: {} on MQTT for {} ignored: payload needs {{\"by\": \"<who>\"}}", action, id);
    return true;
  }
  auto r = action == "ack" ? acknowledge(id, "mqtt:" + by, note, now) : resolve(id, "mqtt:" + by, note, now);
  if (!r) spdlog::warn("alerts: {} on MQTT for {}: {}", action, id, r.error().message);
  return true;
}

void Alerting::republish() {
  for (const auto& a : open_alerts()) publish_(alert_topic(a.id), alert_to_json(a).dump(), true);
}

std::vector<core::Alert> Alerting::open_alerts() const { return engine_->alerts().open_alerts(); }

std::vector<core::Alert> Alerting::recent_alerts() const {
  std::vector<core::Alert> out = engine_->alerts().open_alerts();
  const auto& history = engine_->alerts().history();
  out.insert(out.end(), history.rbegin(), history.rend());
  return out;
}

}  // namespace hearth::gateway
