#pragma once
// hearth-coordinator's running service: one io_context owns the MQTT connection (the gateway's
// Paho adapter), the store and the ingest logic. Receives gateways' messages through an MQTT 5
// shared subscription (several instances share the load), answers each stored or duplicate
// message with a receipt on the home's receipt topic, and publishes coordinators' acknowledgements
// (queued in the store by `hearth-coordinator ack`) on the home's ack-in topic.
#include <cstdint>
#include <memory>
#include <string>

#include "coordinator/config.h"

namespace hearth::coordinator {

class Service {
 public:
  explicit Service(CoordinatorConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Runs until SIGTERM/SIGINT; returns the exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct EscalationStep;

// The carer app's notification for one escalation step (topic hearth-carer/v1/<coop>/<person>/notify):
// the alert's text in the person's language, or in English and Welsh together when it is unknown.
std::string notification_payload(const EscalationStep& step);

// The ack-in payload for one queued acknowledgement (docs/uplink.md).
std::string ack_payload(const std::string& alert_id, const std::string& by, const std::string& note,
                        std::int64_t ack_id, std::int64_t created_ms);

}  // namespace hearth::coordinator
