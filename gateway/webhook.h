#pragma once
// The carer webhook: an outbox transport that POSTs each message as JSON over HTTPS (libcurl, one
// worker thread, one request at a time) and posts the result back to the logic thread.
//
// Every request carries
//   X-Hearth-Message-Id: <message id>   the receiver's de-duplication key (a resend is possible)
//   X-Hearth-Timestamp:  <unix seconds>
//   X-Hearth-Signature:  sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
// so the receiver can check the message came from this gateway and is fresh.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gateway/config.h"
#include "gateway/outbox.h"

namespace hearth::gateway {

class WebhookTransport final : public OutboxTransport {
 public:
  // post(fn) runs fn on the logic thread (the io_context's post, or a test's queue).
  using PostFn = std::function<void(std::function<void()>)>;

  WebhookTransport(WebhookConfig config, PostFn post);
  ~WebhookTransport() override;  // waits for the request in progress (bounded by the timeout)
  WebhookTransport(const WebhookTransport&) = delete;
  WebhookTransport& operator=(const WebhookTransport&) = delete;

  void send(const OutboxMessage& message, std::function<void(DeliveryResult)> done) override;

 private:
  struct Worker;
  std::unique_ptr<Worker> worker_;
};

// One blocking POST of body to config.url with the headers above (no signature header when
// config.secret is empty); worker threads only. hearth-coordinator's webhook channel uses it too.
DeliveryResult post_webhook(const WebhookConfig& config, const std::string& message_id, const std::string& body);

// 2xx delivered; 408, 425, 429 and 5xx retried; any other status refused for good.
DeliveryResult classify_http_status(long status);
// Lower-case hex HMAC-SHA256 of "<timestamp>.<body>" keyed by secret.
std::string webhook_signature(const std::string& secret, std::int64_t timestamp_s, const std::string& body);

}  // namespace hearth::gateway
