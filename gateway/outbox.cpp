#include "gateway/outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace hearth::gateway {

OutboxSender::OutboxSender(Store& store, std::string channel, OutboxTransport& transport, OutboxPolicy policy,
                           DeliveredFn on_delivered)
    : store_(store),
      channel_(std::move(channel)),
      transport_(transport),
      policy_(policy),
      on_delivered_(std::move(on_delivered)),
      alive_(std::make_shared<OutboxSender*>(this)) {}

OutboxSender::~OutboxSender() = default;

std::chrono::milliseconds OutboxSender::backoff(int attempts) const {
  auto delay = policy_.backoff_min;
  for (int i = 1; i < attempts && delay < policy_.backoff_max; ++i) delay *= 2;
  return std::min(delay, policy_.backoff_max);
}

void OutboxSender::poll(core::TimePoint now) {
  if (in_flight_) return;
  auto head = store_.outbox_head(channel_);
  if (!head) {
    ++stats_.store_errors;
    spdlog::error("outbox {}: cannot read: {}", channel_, head.error().message);
    return;
  }
  if (!*head) return;
  const OutboxMessage& m = **head;
  const auto now_ms = core::to_epoch_ms(now);
  // A retry time further ahead than the longest backoff means the wall clock went back: due now.
  const bool clock_went_back = m.next_attempt_ms - now_ms > policy_.backoff_max.count();
  if (m.next_attempt_ms > now_ms && !clock_went_back) return;
  in_flight_ = true;
  ++stats_.attempts;
  std::weak_ptr<OutboxSender*> alive = alive_;
  transport_.send(m, [alive, message = m](DeliveryResult result) {
    auto self = alive.lock();
    if (!self) return;
    (*self)->finished(message, result, core::now_ms());
  });
}

void OutboxSender::finished(const OutboxMessage& m, const DeliveryResult& result, core::TimePoint now) {
  in_flight_ = false;
  const auto now_ms = core::to_epoch_ms(now);
  const int attempts = m.attempts + 1;
  core::Result<void> written;
  if (result.kind == DeliveryResult::Kind::delivered) {
    ++stats_.delivered;
    written = store_.outbox_finish(m.seq, OutboxState::delivered, now_ms, "");
    spdlog::info("outbox {}: delivered {} (attempt {})", channel_, m.message_id, attempts);
    if (on_delivered_) on_delivered_(m);
  } else if (result.kind == DeliveryResult::Kind::rejected) {
    ++stats_.rejected;
    stats_.last_error = result.detail;
    written = store_.outbox_finish(m.seq, OutboxState::rejected, now_ms, result.detail);
    spdlog::error("outbox {}: {} refused by the receiver ({}); not retried", channel_, m.message_id, result.detail);
  } else if (now_ms - m.created_ms >
             std::chrono::duration_cast<std::chrono::milliseconds>(policy_.give_up_after).count()) {
    ++stats_.expired;
    stats_.last_error = result.detail;
    written = store_.outbox_finish(m.seq, OutboxState::expired, now_ms, result.detail);
    spdlog::critical("outbox {}: gave up on {} after {} attempts over {} h ({})", channel_, m.message_id, attempts,
                     policy_.give_up_after.count(), result.detail);
  } else {
    ++stats_.retries;
    stats_.last_error = result.detail;
    const auto delay = backoff(attempts);
    written = store_.outbox_retry_at(m.seq, attempts, now_ms + delay.count(), result.detail);
    // Logged on the first failure and then sparsely: an outage must not flood the journal.
    if (attempts == 1 || (attempts & (attempts - 1)) == 0) {
      spdlog::warn("outbox {}: {} not delivered ({}), attempt {}; retrying in {} s", channel_, m.message_id,
                   result.detail, attempts, delay.count() / 1000);
    }
  }
  if (!written) {
    ++stats_.store_errors;
    spdlog::error("outbox {}: cannot record the result for {}: {}", channel_, m.message_id, written.error().message);
  }
}

}  // namespace hearth::gateway
