#pragma once
// The gateway's view of an MQTT connection. Handlers always run on the io_context thread
// (the Paho adapter posts into it). Subscriptions are remembered and replayed on every reconnect.
#include <functional>
#include <memory>
#include <string>

#include "gateway/config.h"
#include "gateway/pipeline.h"

namespace boost::asio {
class io_context;
}

namespace hearth::gateway {

struct MqttStats {
  std::uint64_t connects = 0;
  std::uint64_t connection_losses = 0;
  std::uint64_t published = 0;
  std::uint64_t publish_failures = 0;
  bool connected = false;
  std::uint64_t backpressure_waits = 0;  // times the broker had to wait because hearthd was behind
};

struct Will {
  std::string topic;
  std::string payload;
  bool retained = true;
};

class MqttClient {
 public:
  using MessageHandler = std::function<void(InboundMessage)>;
  using ConnectionHandler = std::function<void(bool connected)>;

  virtual ~MqttClient() = default;
  virtual void start() = 0;  // connects in the background, retrying with backoff
  virtual void stop() = 0;   // publishes nothing further; disconnects cleanly
  virtual void subscribe(const std::string& filter) = 0;
  virtual void publish(const std::string& topic, const std::string& payload, int qos, bool retain) = 0;
  virtual void set_message_handler(MessageHandler handler) = 0;
  virtual void set_connection_handler(ConnectionHandler handler) = 0;
  virtual MqttStats stats() const = 0;
};

std::unique_ptr<MqttClient> make_paho_mqtt_client(boost::asio::io_context& io, const MqttConfig& config,
                                                  std::optional<Will> will);

}  // namespace hearth::gateway
