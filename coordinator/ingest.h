#pragma once
// What the coordinator does with one message from a gateway, without MQTT: parse the topic
// (<prefix>/v1/<coop>/<gateway>/alert|summary), check that the gateway belongs to that co-op (the
// broker's ACL already confines each gateway to its own topics; this is the second wall), validate
// the payload, store it idempotently and say what receipt, if any, goes back. Bad input is counted
// by reason and logged rate-limited; nothing here throws.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"

namespace hearth::coordinator {

struct IngestResult {
  enum class Kind : std::uint8_t {
    stored,
    duplicate,  // already stored: acknowledged again, dropped
    refused,    // from a known gateway but invalid: a "refused" receipt, so it is not resent forever
    ignored,    // not answerable (unknown co-op or gateway, wrong topic, no message id): no receipt
    failed,     // the store failed: no receipt, so the gateway sends it again
  };
  Kind kind = Kind::ignored;
  std::string reason;         // counter label for refused/ignored/failed
  std::string receipt_topic;  // empty: send nothing
  std::string receipt;        // JSON
};

struct IngestStats {
  std::uint64_t received = 0;
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t failed = 0;
  std::map<std::string, std::uint64_t> rejected;  // by reason (refused and ignored)
};

class Ingest {
 public:
  // config and store must outlive this.
  Ingest(const CoordinatorConfig& config, CoordinatorStore& store);

  IngestResult on_message(const std::string& topic, const std::string& payload, std::int64_t now_ms);
  const IngestStats& stats() const { return stats_; }
  // Shared-subscription filters for this configuration.
  std::vector<std::string> subscriptions() const;
  std::string topic(const std::string& coop, const std::string& home, const std::string& leaf) const;

 private:
  IngestResult reject(IngestResult::Kind kind, const std::string& reason, const std::string& topic,
                      const std::string& detail);

  const CoordinatorConfig& config_;
  CoordinatorStore& store_;
  IngestStats stats_;
  std::map<std::string, std::int64_t> last_log_ms_;  // rate limit per reason
};

}  // namespace hearth::coordinator
