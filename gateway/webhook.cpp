#include "gateway/webhook.h"

#include <curl/curl.h>
#include <sodium.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace hearth::gateway {
namespace {

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHandle = std::unique_ptr<CURL, CurlCleanup>;
using HeaderList = std::unique_ptr<curl_slist, SlistCleanup>;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) { return size * n; }

void add_header(HeaderList& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown != nullptr) {
    (void)list.release();  // curl_slist_append returns the same head, now one longer
    list.reset(grown);
  }
}

}  // namespace

DeliveryResult post_webhook(const WebhookConfig& config, const std::string& message_id, const std::string& body) {
  global_init_once();
  CurlHandle curl(curl_easy_init());
  if (!curl) return {DeliveryResult::Kind::retry, "curl_easy_init failed"};
  const auto ts = std::chrono::duration_cast<std::chrono::seconds>(core::now_ms().time_since_epoch()).count();
  HeaderList headers;
  add_header(headers, "Content-Type: application/json");
  add_header(headers, "X-Hearth-Message-Id: " + message_id);
  add_header(headers, "X-Hearth-Timestamp: " + std::to_string(ts));
  if (!config.secret.empty())
    add_header(headers, "X-Hearth-Signature: sha256=" + webhook_signature(config.secret, ts, body));
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, config.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout.count() * 1000));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config.timeout.count() * 1000));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);        // timeouts without SIGALRM: we are multi-threaded
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect could send personal data elsewhere
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!config.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config.ca_file.c_str());
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return {DeliveryResult::Kind::retry, curl_easy_strerror(rc)};
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return classify_http_status(status);
}

struct WebhookTransport::Worker {
  WebhookConfig config;
  PostFn post;
  std::mutex mutex;
  std::condition_variable wake;
  std::optional<std::pair<OutboxMessage, std::function<void(DeliveryResult)>>> job;
  bool stopping = false;
  std::thread thread;

  void run() {
    while (true) {
      std::unique_lock lock(mutex);
      wake.wait(lock, [&] { return stopping || job.has_value(); });
      if (stopping) return;
      auto [message, done] = std::move(*job);
      job.reset();
      lock.unlock();
      DeliveryResult result = post_webhook(config, message.message_id, message.payload);
      post([done = std::move(done), result = std::move(result)] { done(result); });
    }
  }
};

WebhookTransport::WebhookTransport(WebhookConfig config, PostFn post) : worker_(std::make_unique<Worker>()) {
  global_init_once();
  worker_->config = std::move(config);
  worker_->post = std::move(post);
  worker_->thread = std::thread([w = worker_.get()] { w->run(); });
}

WebhookTransport::~WebhookTransport() {
  {
    std::lock_guard lock(worker_->mutex);
    worker_->stopping = true;
  }
  worker_->wake.notify_one();
  worker_->thread.join();
}

void WebhookTransport::send(const OutboxMessage& message, std::function<void(DeliveryResult)> done) {
  {
    std::lock_guard lock(worker_->mutex);
    worker_->job.emplace(message, std::move(done));
  }
  worker_->wake.notify_one();
}

DeliveryResult classify_http_status(long status) {
  const std::string detail = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) return {DeliveryResult::Kind::delivered, detail};
  if (status == 408 || status == 425 || status == 429 || status >= 500 || status < 200) {
    return {DeliveryResult::Kind::retry, detail};
  }
  return {DeliveryResult::Kind::rejected, detail};
}

std::string webhook_signature(const std::string& secret, std::int64_t timestamp_s, const std::string& body) {
  global_init_once();
  const std::string signed_text = std::to_string(timestamp_s) + "." + body;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

}  // namespace hearth::gateway
