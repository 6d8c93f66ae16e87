#include "gateway/provisioning.h"

#include <sodium.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <array>
#include <cstring>

#include <nlohmann/json.hpp>

#include "drivers/hearth_native_driver.h"

namespace hearth::gateway {
namespace {

using nlohmann::json;
constexpr std::string_view DEVICE_PREFIX = "hearth:";
constexpr std::size_t PASSWORD_BYTES = 24;  // 192 bits, 32 characters of base64url
// A claim the device repeats just after its credentials went out is not a new request.
constexpr std::chrono::seconds SENT_SHOWN_FOR{90};

std::string native_of(std::string_view device_id) {
  if (device_id.substr(0, DEVICE_PREFIX.size()) != DEVICE_PREFIX) return {};
  const std::string id{device_id.substr(DEVICE_PREFIX.size())};
  return drivers::native::valid_device_id(id) ? id : std::string{};
}

std::string random_password() {
  std::array<unsigned char, PASSWORD_BYTES> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string out(sodium_base64_ENCODED_LEN(PASSWORD_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  sodium_memzero(bytes.data(), bytes.size());
  return out;
}

std::optional<std::vector<std::uint8_t>> hex_bytes(std::string_view hex) {
  std::vector<std::uint8_t> out(hex.size() / 2);
  std::size_t n = 0;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &n, nullptr) != 0 || n != out.size())
    return std::nullopt;
  return out;
}

// "Client not found"/"Role not found" from the deletes of a first claim are expected.
bool expected_error(const json& r) {
  const std::string command = r.value("command", std::string{});
  return command == "deleteClient" || command == "deleteRole";
}

}  // namespace

std::string_view accounts_name(ProvisioningConfig::Accounts a) {
  switch (a) {
    case ProvisioningConfig::Accounts::dynsec:
      return "dynsec";
    case ProvisioningConfig::Accounts::none:
      return "none";
    case ProvisioningConfig::Accounts::off:
      break;
  }
  return "off";
}

std::string dynsec_account_commands(std::string_view native_id, std::string_view password,
                                    std::string_view correlation) {
  const std::string id{native_id};
  const std::string role = "hearth-device-" + id;
  const std::string base = "hearth/v1/" + id + "/";
  json acls = json::array();
  // Exactly what the contract lets a device publish (the will included) and its command topic.
  for (const char* leaf : {"reading", "status", "describe", "ack"})
    acls.push_back({{"acltype", "publishClientSend"}, {"topic", base + leaf}, {"allow", true}});
  acls.push_back({{"acltype", "subscribeLiteral"}, {"topic", base + "cmd"}, {"allow", true}});
  acls.push_back({{"acltype", "publishClientReceive"}, {"topic", base + "cmd"}, {"allow", true}});
  const std::string c{correlation};
  // Re-claiming (a factory reset) replaces the old account: delete first, in the same request.
  json commands = json::array({
      {{"command", "deleteClient"}, {"username", id}, {"correlationData", c + "/0"}},
      {{"command", "deleteRole"}, {"rolename", role}, {"correlationData", c + "/1"}},
      {{"command", "createRole"}, {"rolename", role}, {"acls", acls}, {"correlationData", c + "/2"}},
      {{"command", "createClient"},
       {"username", id},
       {"password", std::string{password}},
       {"clientid", id},
       {"roles", json::array({{{"rolename", role}, {"priority", 0}}})},
       {"correlationData", c + "/3"}},
  });
  return json{{"commands", commands}}.dump();
}

std::optional<std::string> sealed_provision_payload(std::string_view native_id, std::string_view password,
                                                    const std::vector<std::uint8_t>& public_key) {
  if (public_key.size() != crypto_box_PUBLICKEYBYTES) return std::nullopt;
  const std::string plain = json{{"username", std::string{native_id}}, {"password", std::string{password}}}.dump();
  std::vector<unsigned char> sealed(plain.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(sealed.data(), reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                      public_key.data()) != 0)
    return std::nullopt;
  std::string hex(sealed.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), sealed.data(), sealed.size());
  hex.pop_back();
  return json{{"minor", 0}, {"sealed", hex}}.dump();
}

Provisioner::Provisioner(ProvisioningConfig config, drivers::HearthNativeDriver& driver, MqttClient& mqtt, Clock now)
    : config_(config), driver_(driver), mqtt_(mqtt), now_(std::move(now)) {
  if (sodium_init() < 0) spdlog::error("provisioning: libsodium failed to initialise; claiming will fail");
}

Provisioner::~Provisioner() {
  for (auto& [id, f] : in_flight_) sodium_memzero(f.password.data(), f.password.size());
}

std::vector<std::string> Provisioner::subscriptions() const {
  if (config_.accounts != ProvisioningConfig::Accounts::dynsec) return {};
  return {std::string{DYNSEC_RESPONSE_TOPIC}};
}

std::optional<core::TimePoint> Provisioner::locked_until(const std::string& native_id) {
  const auto it = attempts_.find(native_id);
  if (it == attempts_.end() || !it->second.locked_until) return std::nullopt;
  if (*it->second.locked_until <= now_()) {
    attempts_.erase(it);
    return std::nullopt;
  }
  return it->second.locked_until;
}

ClaimResult Provisioner::claim(std::string_view device_id, std::string_view typed_code) {
  using Accounts = ProvisioningConfig::Accounts;
  const std::string id = native_of(device_id);
  const auto pending = driver_.pending_claims();
  const auto request =
      std::find_if(pending.begin(), pending.end(), [&](const auto& c) { return c.device_id == device_id; });
  if (id.empty() || request == pending.end())
    return {ClaimOutcome::unknown_device, "no device is asking to be claimed as this id", {}};
  if (config_.accounts == Accounts::off)
    return {ClaimOutcome::not_configured, "claiming is not set up on this gateway (provisioning.accounts)", {}};
  if (in_flight_.count(id) != 0) return {ClaimOutcome::busy, "this device is being set up", {}};
  const auto now = now_();
  if (const auto until = locked_until(id)) {
    return {ClaimOutcome::locked, "too many wrong codes for this device",
            std::chrono::duration_cast<std::chrono::seconds>(*until - now)};
  }
  if (!driver_.claim_code_matches(device_id, typed_code)) {
    ++stats_.wrong_codes;
    Attempts& a = attempts_[id];
    if (a.wrong == 0 || now - a.window_start > config_.lockout) a = Attempts{0, now, std::nullopt};
    if (++a.wrong >= config_.wrong_codes_before_lockout) {
      a.locked_until = now + config_.lockout;
      ++stats_.lockouts;
      spdlog::warn("provisioning: {} wrong claim codes for {}: locked for {} s", a.wrong, device_id,
                   config_.lockout.count());
      return {ClaimOutcome::locked, "too many wrong codes for this device", config_.lockout};
    }
    spdlog::info("provisioning: wrong claim code for {} ({} of {})", device_id, a.wrong,
                 config_.wrong_codes_before_lockout);
    return {ClaimOutcome::wrong_code, "the code does not match the device", {}};
  }
  attempts_.erase(id);
  auto key = hex_bytes(request->public_key_hex);
  if (!key) return {ClaimOutcome::unknown_device, "the device's key is unusable", {}};
  InFlight f{id, random_password(), std::move(*key), "hearthd-claim-" + std::to_string(++next_correlation_),
             now + config_.broker_timeout};
  ++stats_.claims_started;
  outcomes_[id] = Outcome{"provisioning", {}, now};
  if (config_.accounts == Accounts::none) {
    send_credentials(f);
    sodium_memzero(f.password.data(), f.password.size());
    return {ClaimOutcome::started, "credentials sent", {}};
  }
  mqtt_.publish(std::string{DYNSEC_TOPIC}, dynsec_account_commands(id, f.password, f.correlation), 1, false);
  spdlog::info("provisioning: creating the broker account for {}", device_id);
  in_flight_.emplace(id, std::move(f));
  return {ClaimOutcome::started, "creating the device's account", {}};
}

bool Provisioner::on_message(const InboundMessage& m) {
  if (config_.accounts != ProvisioningConfig::Accounts::dynsec || m.topic != DYNSEC_RESPONSE_TOPIC) return false;
  const auto doc = json::parse(m.payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("responses") || !doc["responses"].is_array()) {
    ++stats_.bad_broker_answers;
    spdlog::warn("provisioning: unreadable answer on {} ({} bytes)", m.topic, m.payload.size());
    return true;
  }
  // Answers to other dynsec clients (an installer's mosquitto_ctrl) are not ours: ignored.
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    std::string error;
    bool ours = false;
    for (const auto& r : doc["responses"]) {
      if (!r.is_object() || !r.contains("correlationData") || !r["correlationData"].is_string()) continue;
      const std::string corr = r["correlationData"].get<std::string>();
      if (corr.rfind(it->second.correlation + "/", 0) != 0) continue;
      ours = true;
      if (r.contains("error") && !expected_error(r) && error.empty())
        error = r.value("command", std::string{"?"}) + ": " +
                (r["error"].is_string() ? r["error"].get<std::string>() : "error");
    }
    if (!ours) {
      ++it;
      continue;
    }
    if (error.empty()) {
      send_credentials(it->second);
    } else {
      ++stats_.broker_failures;
      fail(it->second.native_id, "the broker refused the account (" + error + ")");
    }
    sodium_memzero(it->second.password.data(), it->second.password.size());
    it = in_flight_.erase(it);
  }
  return true;
}

void Provisioner::send_credentials(const InFlight& f) {
  auto payload = sealed_provision_payload(f.native_id, f.password, f.public_key);
  if (!payload) {
    fail(f.native_id, "the device's key is not a usable X25519 key");
    return;
  }
  mqtt_.publish(drivers::native::topic(f.native_id, "provision"), *payload, 1, false);
  driver_.forget_claim(std::string{DEVICE_PREFIX} + f.native_id);
  outcomes_[f.native_id] = Outcome{"sent", {}, now_()};
  ++stats_.provisioned;
  spdlog::info("provisioning: hearth:{} claimed; its sealed credentials were sent", f.native_id);
}

void Provisioner::fail(const std::string& native_id, const std::string& error) {
  outcomes_[native_id] = Outcome{"failed", error, now_()};
  spdlog::error("provisioning: claiming hearth:{} failed: {}", native_id, error);
}

void Provisioner::tick() {
  const auto now = now_();
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    ++stats_.broker_failures;
    fail(it->second.native_id,
         "the broker did not answer (is the dynamic-security plugin loaded, and is hearthd's "
         "broker user its admin?)");
    sodium_memzero(it->second.password.data(), it->second.password.size());
    it = in_flight_.erase(it);
  }
}

std::vector<ClaimView> Provisioner::claims() const {
  std::vector<ClaimView> out;
  const auto now = now_();
  std::map<std::string, bool, std::less<>> listed;
  for (const auto& c : driver_.pending_claims()) {
    const std::string id = native_of(c.device_id);
    ClaimView v{c.device_id, c.model, c.firmware, c.first_seen, c.last_seen, "waiting", {}, std::nullopt};
    const auto a = attempts_.find(id);
    if (a != attempts_.end() && a->second.locked_until && *a->second.locked_until > now) {
      v.state = "locked";
      v.locked_until = a->second.locked_until;
    }
    if (const auto o = outcomes_.find(id); o != outcomes_.end()) {
      if (o->second.state == "provisioning" || o->second.state == "failed") {
        v.state = o->second.state;
        v.error = o->second.error;
      }
    }
    listed[id] = true;
    out.push_back(std::move(v));
  }
  for (const auto& [id, o] : outcomes_) {
    if (o.state != "sent" || now - o.at > std::chrono::hours{24}) continue;
    if (const auto l = listed.find(id); l != listed.end()) {
      // Asking again soon after: the claim that crossed with the credentials.
      for (auto& v : out)
        if (v.device_id == std::string{DEVICE_PREFIX} + id && v.last_seen - o.at < SENT_SHOWN_FOR) v.state = "sent";
      continue;
    }
    out.push_back(ClaimView{std::string{DEVICE_PREFIX} + id, {}, {}, o.at, o.at, "sent", {}, std::nullopt});
  }
  return out;
}

}  // namespace hearth::gateway
