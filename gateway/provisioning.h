#pragma once
// Claiming hearth/v1 devices (docs/firmware-contract.md, "claim"): a device without credentials
// asks to be claimed; a person types the code printed on it; hearthd gives it a broker account of
// its own (Mosquitto's dynamic-security plugin, over MQTT) and sends the credentials sealed to
// the device's X25519 key (libsodium crypto_box_seal) on hearth/v1/<id>/provision.
// Runs on the App's io_context: MQTT messages and HTTP requests arrive there.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "gateway/mqtt_client.h"

namespace hearth::drivers {
class HearthNativeDriver;
}

namespace hearth::gateway {

std::string_view accounts_name(ProvisioningConfig::Accounts a);

// One claim as the setup page shows it; never carries the code or the password.
struct ClaimView {
  std::string device_id;  // "hearth:plug-7"
  std::string model;
  std::string firmware;
  core::TimePoint first_seen{};
  core::TimePoint last_seen{};
  std::string state;  // waiting | provisioning | sent | failed | locked
  std::string error;  // for failed: what went wrong, for the person and the log
  std::optional<core::TimePoint> locked_until;
};

enum class ClaimOutcome { started, wrong_code, locked, unknown_device, not_configured, busy };

struct ClaimResult {
  ClaimOutcome outcome = ClaimOutcome::not_configured;
  std::string message;
  std::chrono::seconds retry_after{0};
};

struct ProvisioningStats {
  std::uint64_t claims_started = 0;
  std::uint64_t wrong_codes = 0;
  std::uint64_t lockouts = 0;
  std::uint64_t provisioned = 0;
  std::uint64_t broker_failures = 0;  // dynsec refused or did not answer in time
  std::uint64_t bad_broker_answers = 0;
};

// The dynamic-security plugin's command topic and the commands that (re)create a device's own
// account: a role allowing exactly its own topics, and a client bound to its client id.
inline constexpr std::string_view DYNSEC_TOPIC = "$CONTROL/dynamic-security/v1";
inline constexpr std::string_view DYNSEC_RESPONSE_TOPIC = "$CONTROL/dynamic-security/v1/response";
std::string dynsec_account_commands(std::string_view native_id, std::string_view password,
                                    std::string_view correlation);

// The provision payload {"minor":0,"sealed":"<hex>"}: the credentials sealed to public_key (32
// bytes). nullopt if the key is not a valid X25519 point libsodium accepts.
std::optional<std::string> sealed_provision_payload(std::string_view native_id, std::string_view password,
                                                    const std::vector<std::uint8_t>& public_key);

class Provisioner {
 public:
  using Clock = std::function<core::TimePoint()>;
  Provisioner(ProvisioningConfig config, drivers::HearthNativeDriver& driver, MqttClient& mqtt,
              Clock now = core::now_ms);
  ~Provisioner();
  Provisioner(const Provisioner&) = delete;
  Provisioner& operator=(const Provisioner&) = delete;

  const ProvisioningConfig& config() const { return config_; }
  // Topics the App must subscribe to (the dynsec answers when accounts are dynsec).
  std::vector<std::string> subscriptions() const;
  // True when the message was the broker's answer to one of ours (consumed).
  bool on_message(const InboundMessage& m);

  // device_id "hearth:<id>" as listed; typed_code as the person typed it.
  ClaimResult claim(std::string_view device_id, std::string_view typed_code);
  std::vector<ClaimView> claims() const;
  void tick();  // fails account requests the broker did not answer in time
  const ProvisioningStats& stats() const { return stats_; }

 private:
  struct InFlight {
    std::string native_id;
    std::string password;
    std::vector<std::uint8_t> public_key;
    std::string correlation;
    core::TimePoint deadline{};
  };
  struct Attempts {
    int wrong = 0;
    core::TimePoint window_start{};
    std::optional<core::TimePoint> locked_until;
  };
  struct Outcome {
    std::string state;
    std::string error;
    core::TimePoint at{};
  };

  void send_credentials(const InFlight& f);
  void fail(const std::string& native_id, const std::string& error);
  std::optional<core::TimePoint> locked_until(const std::string& native_id);

  ProvisioningConfig config_;
  drivers::HearthNativeDriver& driver_;
  MqttClient& mqtt_;
  Clock now_;
  std::map<std::string, InFlight, std::less<>> in_flight_;  // by native id
  std::map<std::string, Attempts, std::less<>> attempts_;
  std::map<std::string, Outcome, std::less<>> outcomes_;  // recent, for the setup page
  std::uint64_t next_correlation_ = 0;
  ProvisioningStats stats_;
};

}  // namespace hearth::gateway
