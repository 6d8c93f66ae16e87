#include "coordinator/notifier.h"

#include <curl/curl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "coordinator/service.h"
#include "gateway/webhook.h"
#include "rules/messages.h"

namespace hearth::coordinator {
namespace {

constexpr std::string_view TAG = "notify";
using rules::Language;

std::string utc_minute(std::int64_t ms) {
  const std::time_t s = ms / 1000;
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

// The alert's texts from the stored raising event ({"alert": {"text": {"en": ..., "cy": ...}}}).
std::map<std::string, std::string> alert_texts(const std::string& payload) {
  std::map<std::string, std::string> out;
  const auto event = nlohmann::json::parse(payload, nullptr, false);
  if (!event.is_object() || !event.contains("alert") || !event["alert"].is_object()) return out;
  const auto& alert = event["alert"];
  if (alert.contains("text") && alert["text"].is_object()) {
    for (const char* lang : {"en", "cy"}) {
      if (alert["text"].contains(lang) && alert["text"][lang].is_string()) out[lang] = alert["text"][lang];
    }
  }
  if (alert.contains("rule") && alert["rule"].is_string()) out["rule"] = alert["rule"];
  return out;
}

// Header values come from config and stored alerts: never let a line break through.
std::string one_line(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return s;
}

std::string base64(std::string_view bytes) {
  if (bytes.empty()) return {};
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  hex.pop_back();
  return hex;
}

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

}  // namespace

std::string_view to_string(NotifyChannel c) { return c == NotifyChannel::webhook ? "webhook" : "email"; }

// ---- the message ----

EmailText email_text(const EscalationStep& step) {
  const auto texts = alert_texts(step.alert_payload);
  std::vector<Language> langs;
  if (step.language != "cy") langs.push_back(Language::en);
  if (step.language != "en") langs.push_back(Language::cy);
  EmailText out;
  for (const Language lang : langs) {
    const char* code = lang == Language::cy ? "cy" : "en";
    std::string text;
    if (auto it = texts.find(code); it != texts.end()) text = it->second;
    if (text.empty() && texts.contains("en")) text = texts.at("en");
    if (text.empty()) text = texts.contains("rule") ? texts.at("rule") : step.alert_id;
    const std::map<std::string, std::string> p = {{"home", step.home_id},     {"text", text},
                                                  {"name", step.person_name}, {"time", utc_minute(step.raised_ms)},
                                                  {"alert", step.alert_id},   {"step", std::to_string(step.step + 1)},
                                                  {"role", step.role}};
    if (!out.subject.empty()) {
      out.subject += " / ";
      out.body += "\n-----\n\n";
    }
    out.subject += rules::render("notify.email.subject", lang, p);
    out.body += rules::render("notify.email.greeting", lang, p) + "\n\n";
    out.body += rules::render("notify.email.raised", lang, p) + "\n\n    " + text + "\n\n";
    if (step.kind == "escalated") out.body += rules::render("notify.email.escalated", lang, p) + "\n";
    out.body += rules::render("notify.email.action", lang, p) + "\n\n";
    out.body += rules::render("notify.email.footer", lang, p) + "\n";
  }
  out.subject = one_line(out.subject);
  return out;
}

std::string encode_header_words(std::string_view text) {
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) return std::string(text);
  // 39 bytes -> 52 base64 characters + "=?UTF-8?B?" + "?=" = 64, so "Subject: " + a word fits in 78.
  // Never split a UTF-8 sequence.
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = std::min<std::size_t>(39, text.size() - i);
    while (i + n < text.size() && n > 0 && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) --n;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(i, n)) + "?=";
    i += n;
  }
  return out;
}

std::string rfc5322_date(std::int64_t ms) {
  const std::time_t s = ms / 1000;
  std::tm tm{};
  gmtime_r(&s, &tm);
  static constexpr const char* DAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", DAYS[tm.tm_wday], tm.tm_mday,
                MONTHS[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string email_message(const EscalationStep& step, const std::string& to, const SmtpSettings& smtp,
                          const std::string& message_id, std::int64_t now_ms) {
  init_once();
  const EmailText text = email_text(step);
  std::string body = text.body;
  std::string crlf_body;
  for (const char c : body) {
    if (c == '\n') crlf_body += '\r';
    crlf_body += c;
  }
  const std::string encoded = base64(crlf_body);
  std::string m;
  m += "Date: " + rfc5322_date(now_ms) + "\r\n";
  m += "Message-ID: " + message_id + "\r\n";
  m += "From: " + encode_header_words(one_line(smtp.from_name)) + " <" + smtp.from + ">\r\n";
  m += "To: " + encode_header_words(one_line(step.person_name)) + " <" + to + ">\r\n";
  m += "Subject: " + encode_header_words(text.subject) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n";
  m += std::string("Content-Language: ") +
       (step.language.empty()   ? "en, cy"
        : step.language == "cy" ? "cy"
                                : "en") +
       "\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Hearth-Alert: " + one_line(step.coop_id + "/" + step.home_id + "/" + step.alert_id) + "\r\n";
  m += "\r\n";
  for (std::size_t i = 0; i < encoded.size(); i += 76) m += encoded.substr(i, 76) + "\r\n";
  return m;
}

// ---- the queue ----

Notifier::Notifier(const CoordinatorConfig& config, NotifyTransport& transport, RecordFn record, ClockFn clock)
    : config_(config),
      transport_(transport),
      record_(std::move(record)),
      clock_(std::move(clock)),
      alive_(std::make_shared<Notifier*>(this)) {
  init_once();
}

Notifier::~Notifier() { alive_.reset(); }

std::size_t Notifier::notify(const EscalationStep& step, const RotaStep& person) {
  const std::int64_t now = clock_();
  std::size_t queued = 0;
  for (const auto& channel : person.channels) {
    if (channel != "webhook" && channel != "email") continue;  // mqtt: the service publishes it
    DeliveryJob job;
    job.id = next_id_++;
    job.step = step;
    job.created_ms = now;
    job.next_at_ms = now;
    if (channel == "webhook") {
      job.channel = NotifyChannel::webhook;
      job.address = person.webhook_url;
      job.secret = person.webhook_secret;
      job.message_id = "notify/" + step.coop_id + "/" + step.home_id + "/" + step.alert_id + "/" +
                       std::to_string(step.raised_ms) + "/" + std::to_string(step.step);
      job.body = notification_payload(step);
    } else {
      job.channel = NotifyChannel::email;
      job.address = person.email;
      const auto at = config_.smtp.from.find('@');
      job.message_id = "<hearth." + std::to_string(step.raised_ms) + "." + std::to_string(step.step) + "." +
                       random_hex(8) + config_.smtp.from.substr(at == std::string::npos ? 0 : at) + ">";
      job.body = email_message(step, person.email, config_.smtp, job.message_id, now);
    }
    if (queue_.size() >= MAX_QUEUED) {
      ++stats_.dropped;
      spdlog::error("{}: {} jobs waiting: dropping the oldest ({} to {} for {})", TAG, queue_.size(),
                    to_string(queue_.front().channel), queue_.front().step.person_id, queue_.front().step.alert_id);
      queue_.pop_front();
    }
    queue_.push_back(std::move(job));
    ++stats_.queued;
    ++queued;
  }
  if (queued > 0) poll();
  return queued;
}

std::int64_t Notifier::backoff_ms(int attempts) const {
  const std::int64_t min = config_.notify.retry_min.count();
  const std::int64_t max = config_.notify.retry_max.count();
  std::int64_t d = min;
  for (int i = 1; i < attempts && d < max; ++i) d *= 2;
  return std::min(d, max);
}

void Notifier::poll() {
  const std::int64_t now = clock_();
  for (auto it = queue_.begin(); it != queue_.end() && in_flight_ < MAX_IN_FLIGHT;) {
    if (it->next_at_ms > now) {
      ++it;
      continue;
    }
    DeliveryJob job = std::move(*it);
    it = queue_.erase(it);
    ++in_flight_;
    ++stats_.attempts;
    ++job.attempts;
    std::weak_ptr<Notifier*> alive = alive_;
    const DeliveryJob sent = job;
    transport_.send(sent, [alive, job = std::move(job)](SendResult r) mutable {
      if (auto self = alive.lock()) (*self)->finished(std::move(job), r);
    });
  }
}

void Notifier::finished(DeliveryJob job, const SendResult& result) {
  --in_flight_;
  const std::int64_t now = clock_();
  const std::string channel(to_string(job.channel));
  EscalationStep step = job.step;
  step.channel = channel;
  step.at_ms = now;
  step.alert_payload.clear();
  if (result.kind == SendResult::Kind::delivered) {
    ++stats_.delivered;
    spdlog::info("{}: {} to {} for alert {} of {}/{} delivered ({}, attempt {})", TAG, channel, job.step.person_id,
                 job.step.alert_id, job.step.coop_id, job.step.home_id, result.detail, job.attempts);
    step.kind = "delivered";
    step.note = result.detail;
    record_(step);
    return;
  }
  ++stats_.failures_by_channel[channel];
  const bool too_old = now + backoff_ms(job.attempts) - job.created_ms > config_.notify.give_up_after.count();
  if (result.kind == SendResult::Kind::rejected || too_old) {
    ++stats_.failed;
    spdlog::error("{}: {} to {} for alert {} of {}/{} given up after {} attempt(s): {}", TAG, channel,
                  job.step.person_id, job.step.alert_id, job.step.coop_id, job.step.home_id, job.attempts,
                  result.detail);
    step.kind = "delivery_failed";
    step.note = result.detail;
    record_(step);
    return;
  }
  ++stats_.retries;
  job.next_at_ms = now + backoff_ms(job.attempts);
  spdlog::warn("{}: {} to {} for alert {} failed (attempt {}: {}); retrying in {} ms", TAG, channel, job.step.person_id,
               job.step.alert_id, job.attempts, result.detail, job.next_at_ms - now);
  queue_.push_back(std::move(job));
}

// ---- libcurl ----

namespace {

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t room = size * n;
  const std::size_t left = u->data->size() - u->offset;
  const std::size_t take = std::min(room, left);
  std::memcpy(buffer, u->data->data() + u->offset, take);
  u->offset += take;
  return take;
}

SendResult send_webhook(const DeliveryJob& job) {
  gateway::WebhookConfig w;
  w.url = job.address;
  w.secret = job.secret;
  const gateway::DeliveryResult r = gateway::post_webhook(w, job.message_id, job.body);
  switch (r.kind) {
    case gateway::DeliveryResult::Kind::delivered:
      return {SendResult::Kind::delivered, r.detail};
    case gateway::DeliveryResult::Kind::rejected:
      return {SendResult::Kind::rejected, r.detail};
    case gateway::DeliveryResult::Kind::retry:
      break;
  }
  return {SendResult::Kind::retry, r.detail};
}

}  // namespace

SendResult send_email_once(const SmtpSettings& smtp, const std::string& to, const std::string& message) {
  init_once();
  std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
  if (!curl) return {SendResult::Kind::retry, "curl_easy_init failed"};
  CURL* c = curl.get();
  std::unique_ptr<curl_slist, SlistCleanup> rcpt(curl_slist_append(nullptr, ("<" + to + ">").c_str()));
  Upload upload{&message};
  const std::string from = "<" + smtp.from + ">";
  const long timeout_ms = static_cast<long>(smtp.timeout.count() * 1000);
  curl_easy_setopt(c, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // smtp:// off loopback must become TLS (STARTTLS) or fail; smtps:// is TLS from the start.
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   static_cast<long>(smtp_requires_starttls(smtp.url) ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!smtp.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, smtp.ca_file.c_str());
  if (!smtp.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, smtp.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return {SendResult::Kind::delivered, "SMTP " + std::to_string(code == 0 ? 250 : code)};
  const std::string detail =
      std::string(curl_easy_strerror(rc)) + (code != 0 ? " (SMTP " + std::to_string(code) + ")" : "");
  if (code >= 500 && code < 600) return {SendResult::Kind::rejected, detail};
  return {SendResult::Kind::retry, detail};
}

struct CurlNotifyTransport::Pool {
  SmtpSettings smtp;
  PostFn post;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::pair<DeliveryJob, std::function<void(SendResult)>>> jobs;
  bool stopping = false;
  std::vector<std::thread> threads;

  void run() {
    while (true) {
      std::unique_lock lock(mutex);
      wake.wait(lock, [&] { return stopping || !jobs.empty(); });
      if (stopping) return;
      auto [job, done] = std::move(jobs.front());
      jobs.pop_front();
      lock.unlock();
      SendResult result =
          job.channel == NotifyChannel::webhook ? send_webhook(job) : send_email_once(smtp, job.address, job.body);
      post([done = std::move(done), result = std::move(result)] { done(result); });
    }
  }
};

CurlNotifyTransport::CurlNotifyTransport(SmtpSettings smtp, PostFn post, std::size_t threads)
    : pool_(std::make_unique<Pool>()) {
  init_once();
  pool_->smtp = std::move(smtp);
  pool_->post = std::move(post);
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
    pool_->threads.emplace_back([p = pool_.get()] { p->run(); });
}

CurlNotifyTransport::~CurlNotifyTransport() {
  {
    std::lock_guard lock(pool_->mutex);
    pool_->stopping = true;
  }
  pool_->wake.notify_all();
  for (auto& t : pool_->threads) t.join();
}

void CurlNotifyTransport::send(const DeliveryJob& job, std::function<void(SendResult)> done) {
  {
    std::lock_guard lock(pool_->mutex);
    pool_->jobs.emplace_back(job, std::move(done));
  }
  pool_->wake.notify_one();
}

}  // namespace hearth::coordinator
