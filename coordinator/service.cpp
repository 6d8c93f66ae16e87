#include "coordinator/service.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <utility>  // before Asio (asio#944)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <csignal>

#include "coordinator/api.h"
#include "coordinator/attended.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/ingest.h"
#include "coordinator/notifier.h"
#include "core/time.h"
#include "dashboard/http_server.h"
#include "gateway/mqtt_client.h"

namespace hearth::coordinator {
namespace {

namespace net = boost::asio;
constexpr std::string_view TAG = "coordinator";
constexpr std::int64_t RECLAIM_AFTER_MS = 30'000;  // an ack claimed by an instance that died is sent again
constexpr std::size_t ACKS_PER_ROUND = 20;

}  // namespace

std::string ack_payload(const std::string& alert_id, const std::string& by, const std::string& note,
                        std::int64_t ack_id, std::int64_t created_ms) {
  return nlohmann::json{{"schema", 1},          {"type", "ack"}, {"message_id", "ack/" + std::to_string(ack_id)},
                        {"alert_id", alert_id}, {"by", by},      {"note", note},
                        {"ack_ms", created_ms}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string notification_payload(const EscalationStep& step) {
  using nlohmann::json;
  const auto event = json::parse(step.alert_payload, nullptr, false);
  const json alert =
      event.is_object() && event.contains("alert") && event["alert"].is_object() ? event["alert"] : json{};
  const json texts = alert.is_object() && alert.contains("text") && alert["text"].is_object() ? alert["text"] : json{};
  json text = json::object();
  for (const char* lang : {"en", "cy"}) {
    if ((step.language.empty() || step.language == lang) && texts.contains(lang) && texts[lang].is_string())
      text[lang] = texts[lang];
  }
  return json{{"schema", 1},
              {"type", "notify"},
              {"coop_id", step.coop_id},
              {"home_id", step.home_id},
              {"alert_id", step.alert_id},
              {"raised_ms", step.raised_ms},
              {"severity", alert.is_object() ? alert.value("severity", "") : ""},
              {"step", step.step},
              {"escalated", step.kind == "escalated"},
              {"to", {{"id", step.person_id}, {"name", step.person_name}, {"role", step.role}}},
              {"text", text},
              {"at_ms", step.at_ms}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

struct Service::Impl {
  CoordinatorConfig config;
  net::io_context io{1};
  net::signal_set stop_signals{io, SIGTERM, SIGINT};
  net::steady_timer ack_timer{io};
  net::steady_timer stats_timer{io};
  net::steady_timer escalation_timer{io};
  net::steady_timer notify_timer{io};
  std::unique_ptr<CoordinatorStore> store;
  // Webhook and email channels (coordinator/notifier.h); the transport outlives the notifier.
  std::unique_ptr<CurlNotifyTransport> notify_transport;
  std::unique_ptr<Notifier> notifier;
  std::unique_ptr<CarerInbox> carers;
  std::unique_ptr<Ingest> ingest;
  std::unique_ptr<gateway::MqttClient> mqtt;
  std::unique_ptr<CoordinatorApi> api;
  std::unique_ptr<dashboard::HttpServer> http;
  std::size_t acks_in_flight = 0;
  std::uint64_t retained_ignored = 0;

  void on_message(const gateway::InboundMessage& m) {
    if (m.retained) {
      ++retained_ignored;  // uplink messages are never retained; a retained one is stale or forged
      return;
    }
    if (carers->handles(m.topic)) {  // a carer app: someone arrived at the home (coordinator/attended.h)
      (void)carers->on_message(m.topic, m.payload, core::to_epoch_ms(m.received));
      return;
    }
    const IngestResult r = ingest->on_message(m.topic, m.payload, core::to_epoch_ms(m.received));
    // A new alert's first person is told now, not at the next tick (alert-to-first-notification latency).
    if (r.kind == IngestResult::Kind::stored) escalate();
    // Stored (committed) before the receipt goes: a receipt always means "safe here".
    if (!r.receipt_topic.empty() && !r.receipt.empty()) mqtt->publish(r.receipt_topic, r.receipt, 1, false);
  }

  void send_acks() {
    if (!mqtt->connected() || acks_in_flight > 0) return;
    const auto now = core::to_epoch_ms(core::now_ms());
    auto claimed = store->claim_acks(now, RECLAIM_AFTER_MS, ACKS_PER_ROUND);
    if (!claimed) {
      spdlog::error("{}: cannot read queued acknowledgements: {}", TAG, claimed.error().message);
      return;
    }
    for (const auto& a : *claimed) {
      ++acks_in_flight;
      mqtt->publish_confirmed(ingest->topic(a.coop_id, a.home_id, "ack-in"),
                              ack_payload(a.alert_id, a.by, a.note, a.id, a.created_ms), 1,
                              {{"message_id", "ack/" + std::to_string(a.id)}}, [this, a](gateway::PublishResult r) {
                                --acks_in_flight;
                                const auto done = core::to_epoch_ms(core::now_ms());
                                if (auto w = store->finish_ack(a.id, r.ok, done); !w)
                                  spdlog::error("{}: cannot record ack {}: {}", TAG, a.id, w.error().message);
                                if (r.ok)
                                  spdlog::info("{}: acknowledgement of {} by {} sent to {}/{}", TAG, a.alert_id, a.by,
                                               a.coop_id, a.home_id);
                                else
                                  spdlog::warn("{}: acknowledgement {} not sent ({}); will retry", TAG, a.id, r.detail);
                              });
    }
  }

  // Moves due escalations one step on (claimed in the store: one instance per step) and notifies.
  void escalate() {
    if (!mqtt->connected()) return;  // due steps wait; they are notified once connected
    const auto now = core::to_epoch_ms(core::now_ms());
    auto due = store->advance_escalations(
        now, [this](const std::string& coop, const std::string& home) { return rota_for(config, coop, home); }, 50);
    if (!due) {
      spdlog::error("{}: escalation: {}", TAG, due.error().message);
      return;
    }
    for (auto& step : *due) {
      spdlog::info("{}: alert {} of {}/{}: {} {} ({}, step {})", TAG, step.alert_id, step.coop_id, step.home_id,
                   step.kind, step.person_name, step.role, step.step);
      const auto rota = rota_for(config, step.coop_id, step.home_id);
      if (step.step >= 0 && static_cast<std::size_t>(step.step) < rota.size()) {
        const RotaStep& person = rota[static_cast<std::size_t>(step.step)];
        notifier->notify(step, person);
        if (std::find(person.channels.begin(), person.channels.end(), "mqtt") == person.channels.end()) continue;
      }
      const std::string topic = "hearth-carer/v1/" + step.coop_id + "/" + step.person_id + "/notify";
      mqtt->publish_confirmed(topic, notification_payload(step), 1, {}, [this, step](gateway::PublishResult r) {
        if (!r.ok) {
          spdlog::warn("{}: notification of {} for {} not delivered: {}", TAG, step.person_id, step.alert_id, r.detail);
          return;  // the step's deadline still runs: no acknowledgement means the next person is told
        }
        EscalationStep delivered = step;
        delivered.kind = "delivered";
        delivered.channel = "mqtt";
        delivered.alert_payload.clear();
        delivered.at_ms = core::to_epoch_ms(core::now_ms());
        if (auto w = store->record_step(delivered); !w)
          spdlog::error("{}: cannot record delivery: {}", TAG, w.error().message);
      });
    }
  }

  void arm_escalation_timer() {
    escalation_timer.expires_after(std::chrono::seconds{1});
    escalation_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      escalate();
      arm_escalation_timer();
    });
  }

  void arm_notify_timer() {
    notify_timer.expires_after(std::chrono::milliseconds{500});
    notify_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      notifier->poll();
      arm_notify_timer();
    });
  }

  void arm_ack_timer() {
    ack_timer.expires_after(std::chrono::milliseconds{500});
    ack_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      send_acks();
      arm_ack_timer();
    });
  }

  void log_stats() {
    const auto& s = ingest->stats();
    std::string rejected;
    for (const auto& [reason, n] : s.rejected) rejected += " " + reason + "=" + std::to_string(n);
    spdlog::info("{}: received {} stored {} duplicates {} store failures {} store reconnects {} rejected{}", TAG,
                 s.received, s.stored, s.duplicates, s.failed, store->reconnects(), rejected.empty() ? " 0" : rejected);
    if (!notifier) return;
    const auto& n = notifier->stats();
    std::string carer_rejected;
    for (const auto& [reason, count] : carers->rejected()) carer_rejected += " " + reason + "=" + std::to_string(count);
    spdlog::info(
        "{}: notify webhook/email: queued {} delivered {} retries {} failed {} dropped {} waiting {}; "
        "carer attended {} rejected{}",
        TAG, n.queued, n.delivered, n.retries, n.failed, n.dropped, notifier->waiting(), carers->recorded(),
        carer_rejected.empty() ? " 0" : carer_rejected);
  }

  void arm_stats_timer() {
    stats_timer.expires_after(std::chrono::minutes{1});
    stats_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      log_stats();
      arm_stats_timer();
    });
  }

  int run() {
    for (const auto& line : describe_config(config)) spdlog::info("{}", line);
    auto s = open_coordinator_store(config.store);
    if (!s) {
      spdlog::critical("{}", s.error().message);
      return 1;
    }
    store = std::move(*s);
    ingest = std::make_unique<Ingest>(config, *store);
    carers = std::make_unique<CarerInbox>(config, *store);
    notify_transport = std::make_unique<CurlNotifyTransport>(
        config.smtp, [this](std::function<void()> fn) { net::post(io, std::move(fn)); });
    notifier = std::make_unique<Notifier>(
        config, *notify_transport,
        [this](const EscalationStep& step) {
          if (auto w = store->record_step(step); !w)
            spdlog::error("{}: cannot record {} step: {}", TAG, step.kind, w.error().message);
        },
        [] { return core::to_epoch_ms(core::now_ms()); });
    gateway::MqttConfig mqtt_config = config.mqtt;
    mqtt_config.client_id = "hearth-coordinator-" + config.instance_id;
    mqtt = gateway::make_paho_mqtt_client(io, mqtt_config, std::nullopt);
    mqtt->set_message_handler([this](gateway::InboundMessage m) { on_message(m); });
    for (const auto& filter : ingest->subscriptions()) mqtt->subscribe(filter);
    mqtt->subscribe(carers->subscription());
    if (config.http.enabled) {
      api = std::make_unique<CoordinatorApi>(config, *store);
      dashboard::HttpServer::Options options;
      options.address = config.http.address;
      options.port = config.http.port;
      http = std::make_unique<dashboard::HttpServer>(
          io, options, [this](const dashboard::HttpRequest& req) { return api->handle(req); });
      auto port = http->start();
      if (!port) {
        spdlog::critical("{}: http {}:{}: {}", TAG, config.http.address, config.http.port, port.error().message);
        return 1;
      }
      spdlog::info("{}: API on http://{}:{}", TAG, config.http.address, *port);
    }
    mqtt->start();
    stop_signals.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      spdlog::info("{}: signal {}: stopping", TAG, signo);
      ack_timer.cancel();
      stats_timer.cancel();
      escalation_timer.cancel();
      notify_timer.cancel();
      mqtt->stop();
      if (http) http->stop();
      io.stop();
    });
    arm_ack_timer();
    arm_stats_timer();
    arm_escalation_timer();
    arm_notify_timer();
    spdlog::info("{}: instance {} serving {} co-op(s) on {}", TAG, config.instance_id, config.coops.size(),
                 ingest->subscriptions().front());
    io.run();
    log_stats();
    notifier.reset();  // before the transport; unfinished retries are lost (the steps are stored)
    notify_transport.reset();
    return 0;
  }
};

Service::Service(CoordinatorConfig config) : impl_(std::make_unique<Impl>()) { impl_->config = std::move(config); }
Service::~Service() = default;
int Service::run() { return impl_->run(); }

}  // namespace hearth::coordinator
