#pragma once
// The co-op uplink (docs/uplink.md): everything the householder lets leave the home, from the
// durable outbox's "uplink" channel, published over MQTT 5 + TLS to the co-op's broker with this
// gateway's own credentials, QoS 1, one message in flight at a time (order holds). A message counts
// as delivered when the coordinator's receipt for its message id arrives (or, with require_receipt
// off, on the broker's PUBACK); otherwise it is sent again after receipt_timeout, and the receiver
// de-duplicates on the message id (in the payload and in the "message_id" user property).
//
// The same connection brings the co-op's acknowledgements back: an "ack" on the home's ack-in topic
// acknowledges the alert through Alerting (the TV shows that a carer has seen it), audited as
// "coop:<by>". Consent (consent.alerts, consent.daily_summaries) is applied before anything is
// enqueued; raw readings never go. Logic thread only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config.h"
#include "gateway/mqtt_client.h"
#include "gateway/outbox.h"

namespace boost::asio {
class io_context;
}

namespace hearth::gateway {

class Alerting;

inline constexpr const char* UPLINK_CHANNEL = "uplink";
inline constexpr int UPLINK_SCHEMA_VERSION = 1;

// <prefix>/v1/<coop>/<gateway>/<leaf>; leaf is alert, summary (up), receipt or ack-in (down).
std::string uplink_topic(const UplinkConfig& config, std::string_view leaf);
// MQTT settings of the uplink connection: MQTT 5, TLS unless loopback, kept session.
MqttConfig uplink_mqtt_config(const UplinkConfig& config);
// The broker's answer to a publish, as an outbox outcome: refused for good only when the message
// itself can never be accepted (topic name or payload format invalid, packet too large);
// "not authorised" and quotas are retried (an ACL being fixed must not lose alerts).
DeliveryResult classify_puback(const PublishResult& result);
// A daily summary as it leaves the home; message id <home>/summary/<kind>/<day> (one per kind and day).
OutboxMessage daily_summary_message(const std::string& home_id, std::string_view kind, std::string_view day,
                                    const std::string& summary_json, core::TimePoint now);

struct UplinkStats {
  std::uint64_t sent = 0;
  std::uint64_t pubacks_ok = 0;
  std::uint64_t pubacks_failed = 0;
  std::uint64_t receipts = 0;
  std::uint64_t receipt_timeouts = 0;
  std::uint64_t stale_receipts = 0;  // for a message no longer in flight (already delivered)
  std::uint64_t acks_applied = 0;
  std::uint64_t acks_rejected = 0;  // malformed, or for no such open alert
  std::uint64_t summaries_enqueued = 0;
  std::uint64_t summaries_refused_consent = 0;
};

// The outbox transport on top of an MQTT client. Exposed for tests (a fake MqttClient).
class UplinkTransport final : public OutboxTransport {
 public:
  // client and io must outlive the transport.
  UplinkTransport(boost::asio::io_context& io, MqttClient& client, UplinkConfig config, UplinkStats& stats);
  ~UplinkTransport() override;
  UplinkTransport(const UplinkTransport&) = delete;
  UplinkTransport& operator=(const UplinkTransport&) = delete;

  void send(const OutboxMessage& message, std::function<void(DeliveryResult)> done) override;
  // A receipt from the coordinator (payload of the receipt topic). Bad input is counted and ignored.
  void on_receipt(const std::string& payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Uplink {
 public:
  // store and alerting must outlive the uplink.
  Uplink(boost::asio::io_context& io, UplinkConfig config, ConsentConfig consent, std::string home_id, Store& store,
         Alerting& alerting, std::unique_ptr<MqttClient> client);
  ~Uplink();
  Uplink(const Uplink&) = delete;
  Uplink& operator=(const Uplink&) = delete;

  void start();  // connects (in the background), subscribes to receipt and ack-in
  void stop();
  // Sends the outbox head if due; called from the outbox timer and after alert commits.
  void poll(core::TimePoint now);

  // A completed daily summary (kind "energy" or "wellbeing", day "YYYY-MM-DD", summary as JSON
  // text). Enqueued (written with the next flush) only with consent.daily_summaries; false when
  // consent is missing or the input is malformed (logged, counted).
  bool enqueue_summary(std::string_view kind, std::string_view day, const std::string& summary_json,
                       core::TimePoint now);

  // The householder changed what may leave the home (setup page or SIGHUP); applies to what is
  // enqueued from now on; messages already in the outbox were agreed to and are still delivered.
  void set_consent(const ConsentConfig& consent) { consent_ = consent; }

  bool connected() const;
  const UplinkStats& stats() const { return stats_; }
  // Prometheus lines: hearth_uplink_connected and the counters above.
  std::string metrics() const;

 private:
  void on_message(const InboundMessage& m);
  void on_ack(const std::string& payload, core::TimePoint now);

  boost::asio::io_context& io_;
  UplinkConfig config_;
  ConsentConfig consent_;
  std::string home_id_;
  Store& store_;
  Alerting& alerting_;
  std::unique_ptr<MqttClient> client_;
  UplinkStats stats_;
  std::unique_ptr<UplinkTransport> transport_;  // declared before its sender: destroyed after it
  std::unique_ptr<OutboxSender> sender_;
};

}  // namespace hearth::gateway
