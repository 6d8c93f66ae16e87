#pragma once
// The gateway's view of an MQTT connection. Handlers always run on the io_context thread
// (the Paho adapter posts into it). Subscriptions are remembered and replayed on every reconnect.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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

// How the broker answered a confirmed publish (MQTT 5 PUBACK reason codes; MQTT 3.1.1 has none).
struct PublishResult {
  bool ok = false;      // PUBACK with a reason code below 0x80 (0x10 "no matching subscribers" is ok)
  int reason_code = 0;  // the PUBACK's reason code, e.g. 0x87 not authorised, 0x97 quota exceeded
  std::string detail;   // for logs: Paho's message, or "not connected"
};

// MQTT 5 user properties (name, value), in order; a name may repeat.
using UserProperties = std::vector<std::pair<std::string, std::string>>;

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
  // Publishes (not retained) and calls done exactly once on the io_context: when the broker
  // acknowledges it (QoS 1: PUBACK, with its reason code under MQTT 5) or the publish fails. Not
  // connected: done({false, 0, "not connected"}) is posted at once. User properties need MQTT 5.
  // A message in flight when the connection drops may complete only after the reconnect (session
  // kept) or fail; callers that need a bound use their own timer.
  virtual void publish_confirmed(const std::string& topic, const std::string& payload, int qos,
                                 const UserProperties& properties, std::function<void(PublishResult)> done) = 0;
  bool connected() const { return stats().connected; }
  virtual void set_message_handler(MessageHandler handler) = 0;
  virtual void set_connection_handler(ConnectionHandler handler) = 0;
  virtual MqttStats stats() const = 0;
};

std::unique_ptr<MqttClient> make_paho_mqtt_client(boost::asio::io_context& io, const MqttConfig& config,
                                                  std::optional<Will> will);

}  // namespace hearth::gateway
