#pragma once
// Escalation channels besides the carer app's MQTT: a webhook per person (POST of the notify JSON,
// coordinator/schemas/notify.schema.json, optionally HMAC-signed) and email through the co-op's
// SMTP server (libcurl). Each configured channel of a person gets its own delivery job; a job is
// retried with doubling backoff until it is delivered (recorded as a "delivered" step naming the
// channel), refused for good or too old ("delivery_failed", with the reason). The escalation itself
// never waits for a channel: the next person is told when the deadline passes either way.
//
// The Notifier runs on the logic thread and never blocks: the transport does the network I/O on
// worker threads and posts each result back. Jobs live in memory: an instance that stops loses its
// unfinished retries (the escalation steps themselves are in the store).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"

namespace hearth::coordinator {

enum class NotifyChannel : std::uint8_t { webhook, email };
std::string_view to_string(NotifyChannel c);

// One notification on its way to one person by one channel.
struct DeliveryJob {
  std::uint64_t id = 0;
  NotifyChannel channel = NotifyChannel::webhook;
  EscalationStep step;     // the notified/escalated step (person, language, alert)
  std::string address;     // webhook URL or email address
  std::string secret;      // webhook HMAC key; empty: unsigned
  std::string message_id;  // X-Hearth-Message-Id, or the email's Message-ID (kept across retries)
  std::string body;        // what is sent: the notify JSON, or the whole RFC 5322 message
  int attempts = 0;
  std::int64_t created_ms = 0;
  std::int64_t next_at_ms = 0;
};

struct SendResult {
  enum class Kind : std::uint8_t { delivered, retry, rejected };
  Kind kind = Kind::retry;
  std::string detail;  // "HTTP 503", "SMTP 250", curl's message
};

// Sends one job; `done` must be called on the logic thread (exactly once, unless the transport is
// destroyed first).
class NotifyTransport {
 public:
  virtual ~NotifyTransport() = default;
  virtual void send(const DeliveryJob& job, std::function<void(SendResult)> done) = 0;
};

struct NotifierStats {
  std::uint64_t queued = 0;
  std::uint64_t attempts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t retries = 0;  // failed attempts that will be retried
  std::uint64_t failed = 0;   // given up (refused, or too old)
  std::uint64_t dropped = 0;  // queue full: the oldest job was dropped
  std::map<std::string, std::uint64_t> failures_by_channel;
};

class Notifier {
 public:
  using RecordFn = std::function<void(const EscalationStep&)>;  // stores a delivered/delivery_failed step
  using ClockFn = std::function<std::int64_t()>;                // UTC epoch ms
  static constexpr std::size_t MAX_QUEUED = 1000;
  static constexpr std::size_t MAX_IN_FLIGHT = 4;

  // config and transport must outlive the notifier.
  Notifier(const CoordinatorConfig& config, NotifyTransport& transport, RecordFn record, ClockFn clock);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues the person's webhook and email notifications for a notified/escalated step (their mqtt
  // channel is the service's) and starts what is due. Returns the number of jobs queued.
  std::size_t notify(const EscalationStep& step, const RotaStep& person);
  // Starts due jobs, at most MAX_IN_FLIGHT at a time. Call from a timer.
  void poll();
  // The wait before attempt `attempts + 1` after `attempts` failed ones.
  std::int64_t backoff_ms(int attempts) const;
  std::size_t waiting() const { return queue_.size(); }
  std::size_t in_flight() const { return in_flight_; }
  const NotifierStats& stats() const { return stats_; }

 private:
  void finished(DeliveryJob job, const SendResult& result);

  const CoordinatorConfig& config_;
  NotifyTransport& transport_;
  RecordFn record_;
  ClockFn clock_;
  std::deque<DeliveryJob> queue_;
  std::size_t in_flight_ = 0;
  std::uint64_t next_id_ = 1;
  NotifierStats stats_;
  std::shared_ptr<Notifier*> alive_;  // results arriving after destruction find it expired
};

// The email for one step, as sent (CRLF line ends): Date, Message-ID, From, To, Subject (RFC 2047
// encoded-words when not ASCII), MIME-Version, Content-Type text/plain; charset=UTF-8, base64 body.
// In the person's language, or English then Welsh when it is unknown.
std::string email_message(const EscalationStep& step, const std::string& to, const SmtpSettings& smtp,
                          const std::string& message_id, std::int64_t now_ms);
// The subject and plain-text body before encoding (tests read these).
struct EmailText {
  std::string subject;
  std::string body;
};
EmailText email_text(const EscalationStep& step);
// RFC 2047 "B" encoded-words (UTF-8), each at most 75 characters, folded; ASCII text unchanged.
std::string encode_header_words(std::string_view text);
// RFC 5322 date, e.g. "Mon, 07 Dec 2026 01:02:03 +0000".
std::string rfc5322_date(std::int64_t ms);

// The real transport: libcurl on `threads` worker threads (webhooks through gateway/webhook.h's
// post_webhook, email by SMTP with STARTTLS required off loopback); results go back through post.
class CurlNotifyTransport final : public NotifyTransport {
 public:
  using PostFn = std::function<void(std::function<void()>)>;
  CurlNotifyTransport(SmtpSettings smtp, PostFn post, std::size_t threads = 2);
  ~CurlNotifyTransport() override;  // waits for the requests in progress (bounded by their timeouts)
  CurlNotifyTransport(const CurlNotifyTransport&) = delete;
  CurlNotifyTransport& operator=(const CurlNotifyTransport&) = delete;
  void send(const DeliveryJob& job, std::function<void(SendResult)> done) override;

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// One SMTP submission (blocking; worker threads only): 250 after DATA is delivered, a 5xx refusal
// is rejected, anything else (connection, timeout, 4xx) is retried.
SendResult send_email_once(const SmtpSettings& smtp, const std::string& to, const std::string& message);

}  // namespace hearth::coordinator
