#pragma once
// A minimal MQTT 3.1.1 client for the alert-latency bench: one blocking TCP connection, one reader
// thread that stamps every inbound packet with steady_clock the moment recv() returns. Written
// here (like bench/ingest's publisher) rather than using Paho, so the bench measures the broker and
// hearthd, not a client library's queues and threads; both ends of every sample use this code.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hearth::bench {

using Clock = std::chrono::steady_clock;

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct InboundPublish {
  std::string topic;
  std::string payload;
  bool retained = false;
  Clock::time_point arrived;  // when the recv() that completed the packet returned
};

// Packet encoding, exposed for the reader and for tests of the framing.
std::string encode_connect(const std::string& client_id);
std::string encode_publish(const std::string& topic, const std::string& payload, int qos, std::uint16_t packet_id);
std::string encode_subscribe(const std::vector<std::string>& filters, int qos, std::uint16_t packet_id);

class WireClient {
 public:
  using OnPublish = std::function<void(const InboundPublish&)>;

  // Connects (clean session, keepalive off) and waits for the CONNACK; throws BenchError.
  WireClient(std::uint16_t port, const std::string& client_id, OnPublish on_publish = {},
             std::chrono::milliseconds timeout = std::chrono::seconds{5});
  ~WireClient();
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;

  // Subscribes and waits for the SUBACK.
  void subscribe(const std::vector<std::string>& filters, int qos, std::chrono::milliseconds timeout);
  // Thread-safe; returns the steady_clock time taken just before the packet was handed to send().
  Clock::time_point publish(const std::string& topic, const std::string& payload, int qos = 0);
  // PINGREQ and wait for the PINGRESP: the broker has read everything this client sent before it.
  void sync(std::chrono::milliseconds timeout);
  std::uint64_t publishes_received() const;

 private:
  void send_all(const std::string& bytes);
  void send_locked(const std::string& bytes);  // the caller holds send_mu_
  void read_loop();
  void handle_packet(std::uint8_t header, const std::string& body, Clock::time_point arrived);
  void wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout, const std::string& what);

  int fd_ = -1;
  std::string name_;
  OnPublish on_publish_;
  std::mutex send_mu_;
  std::uint16_t next_packet_id_ = 1;  // guarded by send_mu_
  mutable std::mutex state_mu_;
  std::condition_variable state_cv_;
  bool connected_ = false;
  bool closed_ = false;
  std::string close_reason_;
  std::uint64_t subacks_ = 0;
  std::uint64_t pingresps_ = 0;
  std::uint64_t publishes_in_ = 0;
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

}  // namespace hearth::bench
