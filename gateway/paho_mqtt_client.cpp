// The only translation unit that includes Paho. Paho runs its callbacks on its own threads;
// each callback does nothing but post the event into the io_context, where all state lives.
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>
#include <utility>  // before Asio (asio#944)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>

#include "gateway/mqtt_client.h"

namespace hearth::gateway {
namespace {

namespace net = boost::asio;

std::string paho_uri(const std::string& url) {
  // Paho C knows tcp:// and ssl://; accept the common mqtt:// and mqtts:// spellings too.
  if (url.rfind("mqtt://", 0) == 0) return "tcp://" + url.substr(7);
  if (url.rfind("mqtts://", 0) == 0) return "ssl://" + url.substr(8);
  return url;
}

class PahoMqttClient final : public MqttClient, public std::enable_shared_from_this<PahoMqttClient> {
 public:
  PahoMqttClient(net::io_context& io, MqttConfig config, std::optional<Will> will)
      : io_(io),
        config_(std::move(config)),
        will_(std::move(will)),
        client_(paho_uri(config_.url), config_.client_id,
                // Paho C fails a publish (-12) once 100 wait in its queue, even while connected
                // (they wait for the broker's receive maximum): too few for a coordinator's burst of
                // receipts (bench/coordinator). Bounded anyway by what the caller publishes.
                mqtt::create_options(config_.version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1, MAX_BUFFERED)),
        retry_timer_(io),
        backoff_(config_.reconnect_min),
        alive_(std::make_shared<bool>(true)) {
    install_callbacks();
  }

  ~PahoMqttClient() override {
    *alive_ = false;
    stop();
  }

  void start() override {
    stopping_ = false;
    stopping_flag_ = false;
    connect();
  }

  void stop() override {
    if (stopping_) return;
    stopping_ = true;
    stopping_flag_ = true;
    in_flight_cv_.notify_all();
    retry_timer_.cancel();
    // A connect still under way makes Paho refuse to drop the callbacks (MQTTAsync_setCallbacks
    // fails while connecting: an uncaught exception aborted hearthd when SIGTERM came within
    // ~100 ms of start). Let it finish first, bounded by the connect timeout.
    try {
      if (connect_token_ && !connect_token_->is_complete())
        connect_token_->wait_for(CONNECT_TIMEOUT + std::chrono::seconds{1});
    } catch (const mqtt::exception&) {
      // the connect failed: nothing to disconnect
    }
    try {
      if (client_.is_connected()) {
        if (will_) client_.publish(will_->topic, will_->payload, 1, will_->retained)->wait_for(std::chrono::seconds{2});
        client_.disconnect()->wait_for(std::chrono::seconds{3});
      }
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt: disconnect: {}", e.what());
    }
    try {
      client_.disable_callbacks();
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt: could not detach from the client: {}", e.what());
    }
    stats_.connected = false;
  }

  void subscribe(const std::string& filter) override {
    if (!subscriptions_.insert(filter).second) return;
    const PahoCall call(*this);
    if (client_.is_connected()) subscribe_now({filter});
  }

  void publish(const std::string& topic, const std::string& payload, int qos, bool retain) override {
    const PahoCall call(*this);
    if (!client_.is_connected()) {
      ++stats_.publish_failures;
      return;
    }
    try {
      client_.publish(topic, payload.data(), payload.size(), qos, retain);
      ++stats_.published;
    } catch (const mqtt::exception& e) {
      ++stats_.publish_failures;
      spdlog::warn("mqtt: publish to {} failed: {}", topic, e.what());
    }
  }

  void publish_confirmed(const std::string& topic, const std::string& payload, int qos,
                         const UserProperties& properties, std::function<void(PublishResult)> done) override {
    const PahoCall call(*this);
    if (!client_.is_connected()) {
      ++stats_.publish_failures;
      post([done = std::move(done)] { done(PublishResult{false, 0, "not connected"}); });
      return;
    }
    const std::uint64_t id = ++next_publish_id_;
    pending_publishes_.emplace(id, std::move(done));
    try {
      auto msg = mqtt::make_message(topic, payload.data(), payload.size(), qos, false);
      if (config_.version == 5 && !properties.empty()) {
        mqtt::properties props;
        for (const auto& [name, value] : properties)
          props.add(mqtt::property(mqtt::property::USER_PROPERTY, name, value));
        msg->set_properties(std::move(props));
      }
      // The id travels as the token's user context; the listener posts the outcome back here.
      client_.publish(msg, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)), publish_listener_);
      ++stats_.published;
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt: publish to {} failed: {}", topic, e.what());
      complete_publish(id, PublishResult{false, e.get_reason_code(), e.what()});  // counts the failure
    }
  }

  void set_message_handler(MessageHandler handler) override { on_message_ = std::move(handler); }
  void set_connection_handler(ConnectionHandler handler) override { on_connection_ = std::move(handler); }
  MqttStats stats() const override {
    MqttStats s = stats_;
    s.backpressure_waits = stats_backpressure_waits_.load();
    return s;
  }

 private:
  // Runs `fn` on the io_context, unless this client has been destroyed by then.
  template <typename Fn>
  void post(Fn fn) {
    net::post(io_, [alive = std::weak_ptr<bool>(alive_), fn = std::move(fn)]() mutable {
      if (auto a = alive.lock(); a && *a) fn();
    });
  }

  void install_callbacks() {
    client_.set_message_callback([this](mqtt::const_message_ptr msg) {
      InboundMessage in{msg->get_topic(), msg->get_payload_str(), msg->is_retained(), core::now_ms()};
      wait_for_room();
      post([this, in = std::move(in)]() mutable {
        if (on_message_) on_message_(std::move(in));
        release_slot();
      });
    });
    client_.set_connected_handler([this](const std::string&) { post([this] { on_connected(); }); });
    client_.set_connection_lost_handler([this](const std::string& cause) { post([this, cause] { on_lost(cause); }); });
  }

  // Backpressure: at most MAX_IN_FLIGHT messages wait for the io_context. When full, Paho's
  // delivery thread blocks here, stops reading the socket, and the broker holds the rest
  // (TCP flow control), so memory stays bounded and the commit timer is never starved.
  // Paho calls the message callback holding its client mutex, so this thread must never wait while
  // the io thread needs that mutex (any call into Paho): see PahoCall.
  void wait_for_room() {
    std::unique_lock lock(in_flight_mutex_);
    while (in_flight_ >= MAX_IN_FLIGHT && paho_calls_ == 0 && !stopping_flag_.load()) {
      ++stats_backpressure_waits_;
      // Timed, so that a stop() on the io thread can never deadlock against this thread.
      in_flight_cv_.wait_for(lock, std::chrono::milliseconds{100});
    }
    ++in_flight_;
  }

  // Lives on the io thread around every call into Paho. Without it, a full queue deadlocked: Paho's
  // delivery thread waited in wait_for_room() holding Paho's mutex, and the io thread, which alone
  // frees room, blocked on that mutex in publish() (found by bench/coordinator: a coordinator
  // publishing receipts while 4096 messages waited; gdb showed both threads in the lock). While a
  // call is under way the delivery thread stops waiting, so the bound is exceeded by the few
  // messages that arrive meanwhile, and the call gets the mutex as soon as the callback returns.
  class PahoCall {
   public:
    explicit PahoCall(PahoMqttClient& c) : c_(c) {
      {
        std::lock_guard lock(c_.in_flight_mutex_);
        ++c_.paho_calls_;
      }
      c_.in_flight_cv_.notify_all();
    }
    ~PahoCall() {
      std::lock_guard lock(c_.in_flight_mutex_);
      --c_.paho_calls_;
    }
    PahoCall(const PahoCall&) = delete;
    PahoCall& operator=(const PahoCall&) = delete;

   private:
    PahoMqttClient& c_;
  };

  void release_slot() {
    {
      std::lock_guard lock(in_flight_mutex_);
      --in_flight_;
    }
    in_flight_cv_.notify_one();
  }

  // Runs on the io_context: hands a confirmed publish's outcome to its caller, once.
  void complete_publish(std::uint64_t id, const PublishResult& result) {
    auto it = pending_publishes_.find(id);
    if (it == pending_publishes_.end()) return;
    auto done = std::move(it->second);
    pending_publishes_.erase(it);
    if (!result.ok) ++stats_.publish_failures;
    if (done) done(result);
  }

  mqtt::connect_options build_options() const {
    mqtt::connect_options opts;
    opts.set_mqtt_version(config_.version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
    if (config_.version == 5) {
      opts.set_clean_start(config_.clean_start);
      if (config_.session_expiry.count() > 0) {
        mqtt::properties props;
        props.add(mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                                 static_cast<std::int32_t>(config_.session_expiry.count())));
        opts.set_properties(std::move(props));
      }
    } else {
      opts.set_clean_session(config_.clean_start);
    }
    opts.set_keep_alive_interval(config_.keepalive);
    opts.set_connect_timeout(CONNECT_TIMEOUT);
    // Paho reconnects by itself after a lost connection; the first connect is retried by our timer.
    opts.set_automatic_reconnect(config_.reconnect_min, config_.reconnect_max);
    if (!config_.username.empty()) opts.set_user_name(config_.username);
    if (!config_.password.empty()) opts.set_password(config_.password);
    if (will_) opts.set_will(mqtt::will_options(will_->topic, will_->payload, 1, will_->retained));
    if (config_.tls.enabled) {
      mqtt::ssl_options ssl;
      if (!config_.tls.ca_file.empty()) ssl.set_trust_store(config_.tls.ca_file);
      if (!config_.tls.cert_file.empty()) ssl.set_key_store(config_.tls.cert_file);
      if (!config_.tls.key_file.empty()) ssl.set_private_key(config_.tls.key_file);
      ssl.set_enable_server_cert_auth(config_.tls.verify);
      ssl.set_verify(config_.tls.verify);
      opts.set_ssl(ssl);
    }
    return opts;
  }

  void connect() {
    if (stopping_) return;
    const PahoCall call(*this);
    try {
      connect_token_ = client_.connect(build_options());
      connect_token_->set_action_callback(listener_);
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt: connect to {} failed: {}", config_.url, e.what());
      schedule_retry();
    }
  }

  void schedule_retry() {
    if (stopping_) return;
    spdlog::info("mqtt: retrying in {} s", backoff_.count());
    retry_timer_.expires_after(backoff_);
    retry_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
      if (ec || alive.expired()) return;
      connect();
    });
    backoff_ = std::min(backoff_ * 2, config_.reconnect_max);
  }

  void on_connected() {
    ++stats_.connects;
    stats_.connected = true;
    backoff_ = config_.reconnect_min;
    spdlog::info("mqtt: connected to {} (MQTT {})", config_.url, config_.version == 5 ? "5" : "3.1.1");
    // Clean session: the broker forgot our subscriptions, so replay all of them (harmless when the
    // session was kept: the broker replaces a subscription with an identical one).
    subscribe_now({subscriptions_.begin(), subscriptions_.end()});
    if (on_connection_) on_connection_(true);
  }

  void on_lost(const std::string& cause) {
    ++stats_.connection_losses;
    stats_.connected = false;
    spdlog::warn("mqtt: connection lost{}{}; reconnecting", cause.empty() ? "" : ": ", cause);
    if (on_connection_) on_connection_(false);
  }

  void on_connect_failed(const std::string& why) {
    spdlog::warn("mqtt: cannot connect to {}: {}", config_.url, why);
    schedule_retry();
  }

  void subscribe_now(const std::vector<std::string>& filters) {
    if (filters.empty()) return;
    const PahoCall call(*this);
    try {
      mqtt::string_collection topics(filters);
      mqtt::iasync_client::qos_collection qos(filters.size(), 1);
      client_.subscribe(mqtt::string_collection::create(filters), qos);
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt: subscribe failed: {}", e.what());
    }
  }

  // Paho's action listener for the connect token; posts into the io_context like everything else.
  class ConnectListener final : public mqtt::iaction_listener {
   public:
    explicit ConnectListener(PahoMqttClient& owner) : owner_(owner) {}
    void on_failure(const mqtt::token& tok) override {
      const std::string why = "code " + std::to_string(tok.get_return_code());
      owner_.post([o = &owner_, why] { o->on_connect_failed(why); });
    }
    void on_success(const mqtt::token&) override {}

   private:
    PahoMqttClient& owner_;
  };

  // Paho's listener for confirmed publishes: the request id is the token's user context.
  class PublishListener final : public mqtt::iaction_listener {
   public:
    explicit PublishListener(PahoMqttClient& owner) : owner_(owner) {}
    void on_failure(const mqtt::token& tok) override {
      const int reason = tok.get_reason_code();
      PublishResult r{false, reason,
                      "code " + std::to_string(tok.get_return_code()) + ", reason code " + std::to_string(reason)};
      deliver(tok, std::move(r));
    }
    void on_success(const mqtt::token& tok) override {
      const int reason = tok.get_reason_code();
      deliver(tok, PublishResult{reason < 0x80, reason, reason < 0x80 ? "" : "reason code " + std::to_string(reason)});
    }

   private:
    void deliver(const mqtt::token& tok, PublishResult r) {
      const auto id = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
      owner_.post([o = &owner_, id, r = std::move(r)] { o->complete_publish(id, r); });
    }
    PahoMqttClient& owner_;
  };

  net::io_context& io_;
  MqttConfig config_;
  std::optional<Will> will_;
  mqtt::async_client client_;
  net::steady_timer retry_timer_;
  std::chrono::seconds backoff_;
  std::shared_ptr<bool> alive_;
  ConnectListener listener_{*this};
  PublishListener publish_listener_{*this};
  std::uint64_t next_publish_id_ = 0;
  std::map<std::uint64_t, std::function<void(PublishResult)>> pending_publishes_;
  std::set<std::string> subscriptions_;
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  MqttStats stats_;
  bool stopping_ = false;
  mqtt::token_ptr connect_token_;  // the latest connect, for stop()
  static constexpr std::chrono::seconds CONNECT_TIMEOUT{10};
  static constexpr std::size_t MAX_IN_FLIGHT = 4096;
  static constexpr int MAX_BUFFERED = 100'000;
  std::mutex in_flight_mutex_;
  std::condition_variable in_flight_cv_;
  std::size_t in_flight_ = 0;
  int paho_calls_ = 0;  // io-thread calls into Paho under way (PahoCall)
  std::atomic<bool> stopping_flag_{false};
  std::atomic<std::uint64_t> stats_backpressure_waits_{0};
};

}  // namespace

std::unique_ptr<MqttClient> make_paho_mqtt_client(boost::asio::io_context& io, const MqttConfig& config,
                                                  std::optional<Will> will) {
  return std::make_unique<PahoMqttClient>(io, config, std::move(will));
}

}  // namespace hearth::gateway
