#pragma once
// Delivers one channel of the durable outbox (Store::enqueue) through a transport: in order, one
// message in flight at a time, retried with exponential backoff until delivered, refused for good
// by the receiver, or older than the channel's give-up age. Nothing is removed before the transport
// reports delivery, so a crash or power cut only ever causes a resend (receivers de-duplicate on
// message_id). Logic thread only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/time.h"
#include "gateway/store.h"

namespace hearth::gateway {

struct DeliveryResult {
  enum class Kind : std::uint8_t {
    delivered,
    retry,     // temporary: network down, timeout, HTTP 5xx/408/429
    rejected,  // permanent: the receiver will never accept this message (HTTP 4xx)
  };
  Kind kind = Kind::retry;
  std::string detail;  // for logs, e.g. "HTTP 503" or curl's message
};

// Sends one message. `done` must be called exactly once, on the logic thread (a transport that
// works on another thread posts it back), possibly after the transport has been asked to send again.
class OutboxTransport {
 public:
  virtual ~OutboxTransport() = default;
  virtual void send(const OutboxMessage& message, std::function<void(DeliveryResult)> done) = 0;
};

struct OutboxPolicy {
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes{5}};
  // A message still undelivered this long after it was written is given up (logged, counted, kept).
  std::chrono::hours give_up_after{24 * 7};
};

struct OutboxSenderStats {
  std::uint64_t attempts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t retries = 0;
  std::uint64_t rejected = 0;
  std::uint64_t expired = 0;
  std::uint64_t store_errors = 0;
  std::string last_error;
};

class OutboxSender {
 public:
  using DeliveredFn = std::function<void(const OutboxMessage&)>;

  // store and transport must outlive the sender.
  OutboxSender(Store& store, std::string channel, OutboxTransport& transport, OutboxPolicy policy = {},
               DeliveredFn on_delivered = {});
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // Sends the oldest pending message if nothing is in flight and it is due. Call it from a timer and
  // right after a flush that may have enqueued something.
  void poll(core::TimePoint now);
  // The delay before attempt `attempts + 1`, after `attempts` failures.
  std::chrono::milliseconds backoff(int attempts) const;

  const std::string& channel() const { return channel_; }
  bool in_flight() const { return in_flight_; }
  const OutboxSenderStats& stats() const { return stats_; }

 private:
  void finished(const OutboxMessage& message, const DeliveryResult& result, core::TimePoint now);

  Store& store_;
  std::string channel_;
  OutboxTransport& transport_;
  OutboxPolicy policy_;
  DeliveredFn on_delivered_;
  bool in_flight_ = false;
  OutboxSenderStats stats_;
  // Callbacks that arrive after the sender is gone (a slow transport at shutdown) find this expired.
  std::shared_ptr<OutboxSender*> alive_;
};

}  // namespace hearth::gateway
