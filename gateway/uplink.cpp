#include "gateway/uplink.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <utility>  // before Asio (asio#944)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <regex>
#include <sstream>

#include "gateway/alerting.h"

namespace hearth::gateway {
namespace {

using nlohmann::json;
namespace net = boost::asio;

constexpr std::string_view TAG = "uplink";
constexpr std::size_t MAX_DOWN_PAYLOAD_BYTES = 16 * 1024;

// MQTT 5 reason codes (OASIS MQTT 5.0, 2.4).
constexpr int RC_TOPIC_NAME_INVALID = 0x90;
constexpr int RC_PACKET_TOO_LARGE = 0x95;
constexpr int RC_PAYLOAD_FORMAT_INVALID = 0x99;
constexpr int RC_NOT_AUTHORIZED = 0x87;

}  // namespace

std::string uplink_topic(const UplinkConfig& c, std::string_view leaf) {
  return c.topic_prefix + "/v" + std::to_string(UPLINK_SCHEMA_VERSION) + "/" + c.coop_id + "/" + c.gateway_id + "/" +
         std::string(leaf);
}

MqttConfig uplink_mqtt_config(const UplinkConfig& u) {
  MqttConfig m;
  m.url = u.url;
  m.version = 5;
  m.client_id = "hearthd-uplink-" + u.gateway_id;
  m.username = u.gateway_id;
  m.password = u.password;
  m.tls.enabled = u.url.rfind("mqtts://", 0) == 0 || u.url.rfind("ssl://", 0) == 0;
  m.tls.ca_file = u.ca_file;
  m.tls.cert_file = u.cert_file;
  m.tls.key_file = u.key_file;
  m.tls.verify = true;  // peer certificate and host name, always
  m.keepalive = std::chrono::seconds{30};
  m.reconnect_min = std::chrono::seconds{1};
  m.reconnect_max = std::chrono::seconds{60};
  m.clean_start = false;
  m.session_expiry = u.session_expiry;
  return m;
}

DeliveryResult classify_puback(const PublishResult& r) {
  std::string detail = r.detail.empty() ? "PUBACK reason code " + std::to_string(r.reason_code) : r.detail;
  if (r.ok) return {DeliveryResult::Kind::delivered, detail};
  if (r.reason_code == RC_TOPIC_NAME_INVALID || r.reason_code == RC_PACKET_TOO_LARGE ||
      r.reason_code == RC_PAYLOAD_FORMAT_INVALID) {
    return {DeliveryResult::Kind::rejected, detail};
  }
  if (r.reason_code == RC_NOT_AUTHORIZED) detail += " (not authorised: check the broker's ACL for this gateway)";
  return {DeliveryResult::Kind::retry, detail};
}

OutboxMessage daily_summary_message(const std::string& home_id, std::string_view kind, std::string_view day,
                                    const std::string& summary_json, core::TimePoint now) {
  OutboxMessage m;
  m.channel = UPLINK_CHANNEL;
  m.message_id = home_id + "/summary/" + std::string(kind) + "/" + std::string(day);
  m.payload = json{{"schema", UPLINK_SCHEMA_VERSION},
                   {"type", "daily_summary"},
                   {"message_id", m.message_id},
                   {"home_id", home_id},
                   {"kind", kind},
                   {"day", day},
                   {"summary", json::parse(summary_json)}}
                  .dump(-1, ' ', false, json::error_handler_t::replace);
  m.created_ms = core::to_epoch_ms(now);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Transport

struct UplinkTransport::Impl {
  net::io_context& io;
  MqttClient& client;
  UplinkConfig config;
  UplinkStats& stats;
  net::steady_timer receipt_timer;
  std::uint64_t attempt = 0;  // increments per send; late callbacks of older attempts are ignored
  std::string in_flight_id;   // empty: nothing in flight
  std::function<void(DeliveryResult)> done;
  std::shared_ptr<Impl*> alive = std::make_shared<Impl*>(this);

  Impl(net::io_context& io_, MqttClient& client_, UplinkConfig config_, UplinkStats& stats_)
      : io(io_), client(client_), config(std::move(config_)), stats(stats_), receipt_timer(io_) {}

  void finish(std::uint64_t which, DeliveryResult result) {
    if (which != attempt || in_flight_id.empty()) return;
    receipt_timer.cancel();
    in_flight_id.clear();
    auto cb = std::move(done);
    done = nullptr;
    if (cb) cb(std::move(result));
  }

  void send(const OutboxMessage& m, std::function<void(DeliveryResult)> cb) {
    const std::uint64_t which = ++attempt;
    in_flight_id = m.message_id;
    done = std::move(cb);
    const auto body = json::parse(m.payload, nullptr, false);
    const std::string type = body.is_object() ? body.value("type", "") : "";
    const char* leaf = type == "alert_event" ? "alert" : type == "daily_summary" ? "summary" : nullptr;
    if (leaf == nullptr) {
      finish(which, {DeliveryResult::Kind::rejected, "not an uplink message type: '" + type + "'"});
      return;
    }
    ++stats.sent;
    std::weak_ptr<Impl*> weak = alive;
    // One deadline for the whole round trip (PUBACK, then the receipt): a PUBACK lost with a dropped
    // connection must not leave the outbox waiting forever.
    receipt_timer.expires_after(config.receipt_timeout);
    receipt_timer.async_wait([weak, which](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      ++(*self)->stats.receipt_timeouts;
      (*self)->finish(
          which, {DeliveryResult::Kind::retry,
                  "no PUBACK and receipt within " + std::to_string((*self)->config.receipt_timeout.count()) + " s"});
    });
    client.publish_confirmed(uplink_topic(config, leaf), m.payload, 1,
                             {{"message_id", m.message_id}, {"seq", std::to_string(m.seq)}},
                             [weak, which](PublishResult r) {
                               if (auto self = weak.lock()) (*self)->on_puback(which, r);
                             });
  }

  void on_puback(std::uint64_t which, const PublishResult& r) {
    if (which != attempt || in_flight_id.empty()) return;
    DeliveryResult d = classify_puback(r);
    if (d.kind != DeliveryResult::Kind::delivered) {
      ++stats.pubacks_failed;
      finish(which, std::move(d));
      return;
    }
    ++stats.pubacks_ok;
    if (!config.require_receipt) {
      finish(which, std::move(d));
      return;
    }
    // The broker has it; delivered once the coordinator says it stored it (the deadline runs on).
  }

  void on_receipt(const std::string& payload) {
    const auto j = json::parse(payload, nullptr, false);
    if (!j.is_object() || j.value("type", "") != "receipt" || !j.contains("message_id") ||
        !j["message_id"].is_string()) {
      ++stats.stale_receipts;
      spdlog::warn("{}: malformed receipt ignored", TAG);
      return;
    }
    const std::string id = j["message_id"].get<std::string>();
    const std::string status = j.value("status", "");
    // A receipt for what is in flight, even one answering an earlier send of it, settles it.
    if (in_flight_id.empty() || id != in_flight_id) {
      ++stats.stale_receipts;
      return;
    }
    ++stats.receipts;
    if (status == "stored" || status == "duplicate") {
      finish(attempt, {DeliveryResult::Kind::delivered, "receipt: " + status});
    } else if (status == "refused") {
      finish(attempt, {DeliveryResult::Kind::rejected, "refused by the coordinator: " + j.value("detail", "")});
    } else {
      ++stats.stale_receipts;
      spdlog::warn("{}: receipt for {} with unknown status '{}' ignored", TAG, id, status);
    }
  }
};

UplinkTransport::UplinkTransport(net::io_context& io, MqttClient& client, UplinkConfig config, UplinkStats& stats)
    : impl_(std::make_unique<Impl>(io, client, std::move(config), stats)) {}

UplinkTransport::~UplinkTransport() = default;

void UplinkTransport::send(const OutboxMessage& message, std::function<void(DeliveryResult)> done) {
  impl_->send(message, std::move(done));
}

void UplinkTransport::on_receipt(const std::string& payload) { impl_->on_receipt(payload); }

// ---------------------------------------------------------------------------------------------
// Uplink

Uplink::Uplink(net::io_context& io, UplinkConfig config, ConsentConfig consent, std::string home_id, Store& store,
               Alerting& alerting, std::unique_ptr<MqttClient> client)
    : io_(io),
      config_(std::move(config)),
      consent_(consent),
      home_id_(std::move(home_id)),
      store_(store),
      alerting_(alerting),
      client_(std::move(client)) {
  transport_ = std::make_unique<UplinkTransport>(io, *client_, config_, stats_);
  const OutboxPolicy policy{config_.retry_min, config_.retry_max, config_.give_up_after};
  sender_ = std::make_unique<OutboxSender>(store_, UPLINK_CHANNEL, *transport_, policy, [this](const OutboxMessage& m) {
    alerting_.on_delivered(m.payload, core::now_ms());
    // The next message need not wait for the outbox timer: one in flight, but back to back.
    net::post(io_, [this] { poll(core::now_ms()); });
  });
  client_->set_message_handler([this](InboundMessage m) { on_message(m); });
  client_->set_connection_handler([this](bool connected) {
    if (connected) poll(core::now_ms());  // a backlog waits for the connection
  });
  client_->subscribe(uplink_topic(config_, "receipt"));
  client_->subscribe(uplink_topic(config_, "ack-in"));
}

Uplink::~Uplink() = default;

void Uplink::start() {
  spdlog::info("{}: to {} as {} (co-op {}), topics {}", TAG, config_.url, config_.gateway_id, config_.coop_id,
               uplink_topic(config_, "#"));
  client_->start();
}

void Uplink::stop() { client_->stop(); }

void Uplink::poll(core::TimePoint now) {
  if (client_->connected()) sender_->poll(now);
}

bool Uplink::connected() const { return client_->connected(); }

bool Uplink::enqueue_summary(std::string_view kind, std::string_view day, const std::string& summary_json,
                             core::TimePoint now) {
  if (!consent_.daily_summaries) {
    ++stats_.summaries_refused_consent;
    spdlog::debug("{}: {} summary for {} not sent: no consent for daily summaries", TAG, kind, day);
    return false;
  }
  static const std::regex DAY(R"(\d{4}-\d{2}-\d{2})");
  const bool kind_ok = kind == "energy" || kind == "wellbeing";
  if (!kind_ok || !std::regex_match(std::string(day), DAY) || !json::accept(summary_json)) {
    spdlog::error("{}: malformed {} summary for '{}' not enqueued", TAG, kind, day);
    return false;
  }
  store_.enqueue(daily_summary_message(home_id_, kind, day, summary_json, now));
  ++stats_.summaries_enqueued;
  return true;
}

void Uplink::on_message(const InboundMessage& m) {
  if (m.payload.size() > MAX_DOWN_PAYLOAD_BYTES) {
    ++stats_.acks_rejected;
    spdlog::warn("{}: {} byte message on {} ignored (too large)", TAG, m.payload.size(), m.topic);
    return;
  }
  if (m.topic == uplink_topic(config_, "receipt")) {
    transport_->on_receipt(m.payload);
    return;
  }
  if (m.topic == uplink_topic(config_, "ack-in")) {
    on_ack(m.payload, m.received);
    return;
  }
  spdlog::warn("{}: message on unexpected topic {} ignored", TAG, m.topic);
}

void Uplink::on_ack(const std::string& payload, core::TimePoint now) {
  const auto j = json::parse(payload, nullptr, false);
  const auto text = [&](const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  const std::string alert_id = text("alert_id");
  const std::string by = text("by");
  const std::string note = text("note");
  if (!j.is_object() || j.value("type", "") != "ack" || alert_id.empty() || by.empty() || by.size() > 200 ||
      note.size() > 2000) {
    ++stats_.acks_rejected;
    spdlog::warn("{}: malformed acknowledgement from the co-op ignored", TAG);
    return;
  }
  const std::string actor = "coop:" + by;
  auto r = alerting_.acknowledge(alert_id, actor, note, now);
  if (!r) {
    ++stats_.acks_rejected;
    spdlog::info("{}: acknowledgement of {} by {} not applied: {}", TAG, alert_id, actor, r.error().message);
    return;
  }
  ++stats_.acks_applied;
  store_.audit(actor, "acknowledge_alert", alert_id);
  spdlog::info("{}: alert {} acknowledged by {} (co-op)", TAG, alert_id, actor);
}

std::string Uplink::metrics() const {
  std::ostringstream out;
  out << "# HELP hearth_uplink_connected 1 when connected to the co-op's broker.\n"
         "# TYPE hearth_uplink_connected gauge\nhearth_uplink_connected "
      << (connected() ? 1 : 0) << '\n';
  const auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << v << '\n';
  };
  const MqttStats m = client_->stats();
  counter("hearth_uplink_connects_total", "Connections to the co-op's broker.", m.connects);
  counter("hearth_uplink_connection_losses_total", "Lost connections to the co-op's broker.", m.connection_losses);
  counter("hearth_uplink_sent_total", "Messages published to the co-op (resends included).", stats_.sent);
  counter("hearth_uplink_puback_failures_total", "Publishes the broker refused or that failed.", stats_.pubacks_failed);
  counter("hearth_uplink_receipts_total", "Coordinator receipts for the message in flight.", stats_.receipts);
  counter("hearth_uplink_receipt_timeouts_total", "Messages sent again for want of a receipt.",
          stats_.receipt_timeouts);
  counter("hearth_uplink_acks_applied_total", "Acknowledgements from the co-op applied.", stats_.acks_applied);
  counter("hearth_uplink_acks_rejected_total", "Messages from the co-op ignored (malformed or no such alert).",
          stats_.acks_rejected);
  return out.str();
}

}  // namespace hearth::gateway
