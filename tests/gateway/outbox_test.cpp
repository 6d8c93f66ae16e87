// The durable outbox (Store), its in-order sender with retry, and the webhook transport against a
// real HTTP server on loopback.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "gateway/outbox.h"
#include "gateway/store.h"
#include "gateway/webhook.h"
#include "support/http_receiver.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::gateway;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;

std::unique_ptr<Store> open_store(const test::TempDir& dir) {
  StoreConfig cfg;
  cfg.path = dir.file("h.db");
  auto s = Store::open(cfg);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

std::int64_t now_epoch_ms() { return core::to_epoch_ms(core::now_ms()); }

// Created "now" by default: the sender gives up on messages by their age on the real clock.
OutboxMessage message(const std::string& channel, const std::string& id, std::int64_t created_ms = now_epoch_ms()) {
  return OutboxMessage{0, channel, id, R"({"id":")" + id + "\"}", created_ms, 0, 0};
}

// A transport that records what it was asked to send and answers only when the test says so.
class FakeTransport final : public OutboxTransport {
 public:
  void send(const OutboxMessage& m, std::function<void(DeliveryResult)> done) override {
    sent.push_back(m.message_id);
    pending = std::move(done);
  }
  void answer(DeliveryResult::Kind kind, const std::string& detail = "") {
    auto done = std::move(pending);
    pending = nullptr;
    done(DeliveryResult{kind, detail});
  }
  std::vector<std::string> sent;
  std::function<void(DeliveryResult)> pending;
};

}  // namespace

TEST(OutboxStore, EnqueueIsDurableOrderedAndIdempotent) {
  test::TempDir dir;
  {
    auto store = open_store(dir);
    store->enqueue(message("webhook", "a", T0));
    store->enqueue(message("webhook", "b", T0));
    store->enqueue(message("uplink", "a"));
    EXPECT_FALSE(store->outbox_head("webhook")->has_value()) << "queued until the next flush";
    ASSERT_TRUE(store->flush());
    store->enqueue(message("webhook", "a"));  // the same message again: ignored
    ASSERT_TRUE(store->flush());
  }
  auto store = open_store(dir);  // reopened: as after a power cut
  EXPECT_EQ(store->outbox_counts("webhook")->pending, 2);
  EXPECT_EQ(store->outbox_counts("uplink")->pending, 1);
  auto head = store->outbox_head("webhook");
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->message_id, "a");
  ASSERT_TRUE(store->outbox_finish((*head)->seq, OutboxState::delivered, T0 + 1, ""));
  EXPECT_EQ((*store->outbox_head("webhook"))->message_id, "b");
  ASSERT_TRUE(store->outbox_retry_at((*store->outbox_head("webhook"))->seq, 3, T0 + 5000, "HTTP 503"));
  EXPECT_EQ((*store->outbox_head("webhook"))->attempts, 3);
  EXPECT_EQ((*store->outbox_head("webhook"))->next_attempt_ms, T0 + 5000);
  const auto counts = store->outbox_counts("webhook");
  EXPECT_EQ(counts->delivered, 1);
  EXPECT_EQ(counts->pending, 1);
  EXPECT_EQ(counts->oldest_pending_ms, T0);
}

TEST(OutboxStore, MaintenancePrunesFinishedMessagesButNeverPendingOnes) {
  test::TempDir dir;
  auto store = open_store(dir);
  store->enqueue(message("webhook", "old-done", T0));
  store->enqueue(message("webhook", "old-pending", T0));
  ASSERT_TRUE(store->flush());
  ASSERT_TRUE(store->outbox_finish((*store->outbox_head("webhook"))->seq, OutboxState::delivered, T0, ""));
  ASSERT_TRUE(store->maintain(core::from_epoch_ms(T0 + 40LL * 86'400'000)));
  const auto counts = store->outbox_counts("webhook");
  EXPECT_EQ(counts->delivered, 0);
  EXPECT_EQ(counts->pending, 1);
}

TEST(OutboxSender, DeliversInOrderOneAtATimeAndRetriesWithBackoff) {
  test::TempDir dir;
  auto store = open_store(dir);
  for (const char* id : {"m1", "m2", "m3"}) store->enqueue(message("webhook", id));
  ASSERT_TRUE(store->flush());
  FakeTransport transport;
  std::vector<std::string> delivered;
  OutboxSender sender(*store, "webhook", transport, OutboxPolicy{1000ms, 8000ms, std::chrono::hours{24}},
                      [&](const OutboxMessage& m) { delivered.push_back(m.message_id); });
  sender.poll(core::now_ms());
  sender.poll(core::now_ms());  // in flight: nothing more is sent
  ASSERT_EQ(transport.sent, (std::vector<std::string>{"m1"}));
  transport.answer(DeliveryResult::Kind::retry, "HTTP 503");  // retry time: the answer's time + 1 s
  const auto head = *store->outbox_head("webhook");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->message_id, "m1");
  EXPECT_EQ(head->attempts, 1);
  sender.poll(core::from_epoch_ms(head->next_attempt_ms - 1));
  EXPECT_EQ(transport.sent.size(), 1u) << "not before its retry time";
  sender.poll(core::from_epoch_ms(head->next_attempt_ms));
  ASSERT_EQ(transport.sent.size(), 2u);
  EXPECT_EQ(transport.sent[1], "m1") << "a failing head blocks the rest: order is kept";
  transport.answer(DeliveryResult::Kind::delivered);
  sender.poll(core::from_epoch_ms(head->next_attempt_ms));
  transport.answer(DeliveryResult::Kind::rejected, "HTTP 400");
  sender.poll(core::from_epoch_ms(head->next_attempt_ms));
  transport.answer(DeliveryResult::Kind::delivered);
  EXPECT_EQ(transport.sent, (std::vector<std::string>{"m1", "m1", "m2", "m3"}));
  EXPECT_EQ(delivered, (std::vector<std::string>{"m1", "m3"}));
  EXPECT_EQ(sender.stats().retries, 1u);
  EXPECT_EQ(sender.stats().rejected, 1u);
  const auto counts = store->outbox_counts("webhook");
  EXPECT_EQ(counts->pending, 0);
  EXPECT_EQ(counts->delivered, 2);
  EXPECT_EQ(counts->rejected, 1);
}

TEST(OutboxSender, BackoffDoublesUpToTheCap) {
  test::TempDir dir;
  auto store = open_store(dir);
  FakeTransport transport;
  OutboxSender sender(*store, "webhook", transport, OutboxPolicy{1000ms, 8000ms, std::chrono::hours{24}});
  EXPECT_EQ(sender.backoff(1), 1000ms);
  EXPECT_EQ(sender.backoff(2), 2000ms);
  EXPECT_EQ(sender.backoff(4), 8000ms);
  EXPECT_EQ(sender.backoff(40), 8000ms);
}

TEST(OutboxSender, GivesUpOnMessagesOlderThanThePolicyAllows) {
  test::TempDir dir;
  auto store = open_store(dir);
  const auto now_ms = core::to_epoch_ms(core::now_ms());
  store->enqueue(message("webhook", "ancient", now_ms - 3 * 3'600'000));
  store->enqueue(message("webhook", "fresh", now_ms));
  ASSERT_TRUE(store->flush());
  FakeTransport transport;
  OutboxSender sender(*store, "webhook", transport, OutboxPolicy{1000ms, 8000ms, std::chrono::hours{2}});
  sender.poll(core::now_ms());
  transport.answer(DeliveryResult::Kind::retry, "connection refused");
  EXPECT_EQ(sender.stats().expired, 1u);
  sender.poll(core::now_ms());
  ASSERT_EQ(transport.sent.size(), 2u);
  EXPECT_EQ(transport.sent[1], "fresh");
  transport.answer(DeliveryResult::Kind::retry, "connection refused");
  EXPECT_EQ(sender.stats().retries, 1u) << "a fresh message is retried, not given up";
  EXPECT_EQ(store->outbox_counts("webhook")->expired, 1);
}

TEST(OutboxSender, ARetryTimeFarInTheFutureMeansTheClockWentBack) {
  test::TempDir dir;
  auto store = open_store(dir);
  store->enqueue(message("webhook", "m1"));
  ASSERT_TRUE(store->flush());
  ASSERT_TRUE(store->outbox_retry_at((*store->outbox_head("webhook"))->seq, 1, T0 + 86'400'000, "x"));
  FakeTransport transport;
  OutboxSender sender(*store, "webhook", transport, OutboxPolicy{1000ms, 8000ms, std::chrono::hours{24}});
  sender.poll(core::from_epoch_ms(T0));
  EXPECT_EQ(transport.sent.size(), 1u);
}

TEST(OutboxSender, ALateAnswerAfterTheSenderIsGoneIsIgnored) {
  test::TempDir dir;
  auto store = open_store(dir);
  store->enqueue(message("webhook", "m1"));
  ASSERT_TRUE(store->flush());
  FakeTransport transport;
  {
    OutboxSender sender(*store, "webhook", transport);
    sender.poll(core::from_epoch_ms(T0));
  }
  transport.answer(DeliveryResult::Kind::delivered);  // must not touch the destroyed sender
  EXPECT_EQ(store->outbox_counts("webhook")->pending, 1) << "not marked: it is resent next time";
}

TEST(Webhook, ClassifiesHttpStatuses) {
  EXPECT_EQ(classify_http_status(200).kind, DeliveryResult::Kind::delivered);
  EXPECT_EQ(classify_http_status(204).kind, DeliveryResult::Kind::delivered);
  for (long s : {408L, 425L, 429L, 500L, 502L, 503L})
    EXPECT_EQ(classify_http_status(s).kind, DeliveryResult::Kind::retry);
  for (long s : {301L, 400L, 401L, 404L, 410L, 422L})
    EXPECT_EQ(classify_http_status(s).kind, DeliveryResult::Kind::rejected);
}

TEST(Webhook, SignatureIsHmacSha256OfTimestampDotBody) {
  // Expected value from Python: hmac.new(b"0123456789abcdef", b"1700000000.{}", hashlib.sha256).hexdigest()
  EXPECT_EQ(webhook_signature("0123456789abcdef", 1'700'000'000, "{}"),
            "e4f8e2ecae2295b2ddb2f0b5584c8275e226c0ebe9b3b819e70156bb67122e3e");
  EXPECT_NE(webhook_signature("0123456789abcdef", 1'700'000'001, "{}"),
            webhook_signature("0123456789abcdef", 1'700'000'000, "{}"));
}

namespace {

// The logic thread of the test: what the transport posts back is run here.
class PostedQueue {
 public:
  void post(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(fn));
    cv_.notify_one();
  }
  bool run_one(std::chrono::seconds patience = 20s) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, patience, [&] { return !queue_.empty(); })) return false;
    auto fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
};

}  // namespace

TEST(Webhook, PostsSignedJsonToARealServerAndRetriesUntilAccepted) {
  test::TempDir dir;
  auto store = open_store(dir);
  store->enqueue(OutboxMessage{0, "webhook", "home/a/raised/1", R"({"event":"raised"})", now_epoch_ms(), 0, 0});
  ASSERT_TRUE(store->flush());
  test::HttpReceiver receiver({503, 200});
  PostedQueue logic;
  WebhookConfig cfg;
  cfg.url = receiver.url();
  cfg.secret = "0123456789abcdef";
  cfg.timeout = 5s;
  WebhookTransport transport(cfg, [&](std::function<void()> fn) { logic.post(std::move(fn)); });
  OutboxSender sender(*store, "webhook", transport, OutboxPolicy{1ms, 1ms, std::chrono::hours{1}});
  sender.poll(core::now_ms());
  ASSERT_TRUE(logic.run_one());
  EXPECT_EQ(sender.stats().retries, 1u);
  sender.poll(core::now_ms() + 1s);
  ASSERT_TRUE(logic.run_one());
  EXPECT_EQ(sender.stats().delivered, 1u);
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& r : got) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/hook");
    EXPECT_EQ(r.body, R"({"event":"raised"})");
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.header("x-hearth-message-id"), "home/a/raised/1") << "the same id on a resend";
    const auto ts = r.header("x-hearth-timestamp");
    ASSERT_TRUE(ts);
    EXPECT_EQ(r.header("x-hearth-signature"), "sha256=" + webhook_signature(cfg.secret, std::stoll(*ts), r.body));
  }
  EXPECT_EQ(store->outbox_counts("webhook")->delivered, 1);
}

TEST(Webhook, AnUnreachableReceiverIsRetriedNotLost) {
  test::TempDir dir;
  auto store = open_store(dir);
  store->enqueue(OutboxMessage{0, "webhook", "m1", "{}", now_epoch_ms(), 0, 0});
  ASSERT_TRUE(store->flush());
  std::string url;
  {
    test::HttpReceiver gone({});
    url = gone.url();
  }  // closed: the port refuses connections now
  PostedQueue logic;
  WebhookConfig cfg;
  cfg.url = url;
  cfg.secret = "0123456789abcdef";
  cfg.timeout = 2s;
  WebhookTransport transport(cfg, [&](std::function<void()> fn) { logic.post(std::move(fn)); });
  OutboxSender sender(*store, "webhook", transport);
  sender.poll(core::now_ms());
  ASSERT_TRUE(logic.run_one());
  EXPECT_EQ(sender.stats().retries, 1u);
  EXPECT_FALSE(sender.stats().last_error.empty());
  EXPECT_EQ(store->outbox_counts("webhook")->pending, 1);
}
