// libFuzzer target for the firmware contract, both sides:
//   - the C99 command scanner (hearth_fw.h): anything it accepts must be JSON with the same meaning
//     (checked against nlohmann), and the safety rule must hold: the essential relay is never off;
//   - the acks it then builds must be accepted by the gateway's native driver;
//   - the native driver itself: input "<topic>\n<payload>" (a bare leaf such as "describe" becomes
//     hearth/v1/fz/<leaf>), with one driver across inputs so describes shape later decodes. It must
//     never emit an off command for a relay it knows to be essential;
//   - the claim-mode decoders (hfw_decode_provision, hfw_decode_credentials): bounded, and what they
//     accept is JSON with the same meaning.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "drivers/hearth_native_driver.h"
#include "hearth_fw.h"

namespace {

using hearth::drivers::HearthNativeDriver;
using hearth::drivers::Message;
using hearth::drivers::Outcome;

void check_command(std::string_view in, HearthNativeDriver& driver) {
  hfw_command cmd;
  if (hfw_decode_command(in.data(), in.size(), &cmd) == HFW_OK) {
    if (!hfw_valid_command_id(cmd.id) || cmd.relay > HFW_MAX_CHANNEL || cmd.on > 1) __builtin_trap();
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || j.size() != 3 || !j.contains("id") || !j.contains("relay") || !j.contains("on")) {
      __builtin_trap();
    }
    if (j["id"] != cmd.id || j["relay"] != cmd.relay || j["on"] != (cmd.on != 0)) __builtin_trap();
  }
  hfw_relay relays[3] = {{1, 0, 0}, {1, 1, 1}, {0, 0, 1}};
  hfw_ack ack;
  const hfw_status st = hfw_handle_command(in.data(), in.size(), 0, relays, 3, &ack);
  if (relays[1].on != 1 || relays[2].on != 1) __builtin_trap();  // essential / not switchable: untouched
  if (st != HFW_OK) return;
  char buf[HFW_MAX_PAYLOAD + 1];
  std::size_t len = 0;
  if (hfw_encode_ack(buf, sizeof buf, &ack, &len) != HFW_OK) __builtin_trap();
  const auto d = driver.decode(Message{"hearth/v1/fz-ack/ack", std::string_view(buf, len), false, {}});
  if (d.outcome != Outcome::decoded) __builtin_trap();
}

void check_driver(std::string_view in, HearthNativeDriver& driver) {
  const auto nl = in.find('\n');
  std::string topic(nl == std::string_view::npos ? in : in.substr(0, nl));
  const std::string_view payload = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  if (!topic.starts_with("hearth/")) topic = "hearth/v1/fz/" + topic;
  const auto d = driver.decode(Message{topic, payload, !payload.empty() && (payload[0] & 1) != 0, {}});
  if (d.outcome == Outcome::rejected && d.reject_reason.empty()) __builtin_trap();
  for (const auto& r : d.readings) {
    if (!r.device_id.starts_with("hearth:") || !std::isfinite(r.value)) __builtin_trap();
  }
  if (const auto* desc = driver.description("fz")) {
    for (const auto& c : desc->caps) {
      const std::string id = c.ch == 0 ? "hearth:fz" : "hearth:fz#" + std::to_string(c.ch);
      if (c.essential && driver.relay_command(id, false)) __builtin_trap();
    }
  }
}

void check_provision(std::string_view in) {
  std::uint8_t sealed[HFW_MAX_SEALED];
  std::size_t n = 0;
  if (hfw_decode_provision(in.data(), in.size(), sealed, sizeof sealed, &n) == HFW_OK) {
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("sealed") || !j["sealed"].is_string()) __builtin_trap();
    if (n <= HFW_SEAL_OVERHEAD || n > HFW_MAX_SEALED || j["sealed"].get<std::string>().size() != 2 * n)
      __builtin_trap();
  }
  hfw_credentials c;
  if (hfw_decode_credentials(reinterpret_cast<const std::uint8_t*>(in.data()), in.size(), &c) == HFW_OK) {
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || j.size() != 2 || j.value("username", "") != c.username ||
        j.value("password", "") != c.password)
      __builtin_trap();
    if (!hfw_valid_device_id(c.username)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static HearthNativeDriver driver;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_command(in, driver);
  check_driver(in, driver);
  check_provision(in);
  return 0;
}
