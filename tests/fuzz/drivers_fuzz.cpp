// libFuzzer target for every device driver: input = "<topic>\n<payload>"; the first byte's low
// bit sets the retained flag. One DriverSet lives across inputs so per-device state
// (Shelly overlays, learned discovery, Z2M devices) is fuzzed too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/driver_set.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static hearth::drivers::DriverSet set = hearth::drivers::DriverSet::make_default({});
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  const std::string_view topic = nl == std::string_view::npos ? in : in.substr(0, nl);
  const std::string_view payload = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  hearth::drivers::Message m{topic, payload, size > 0 && (data[0] & 1u) != 0, hearth::core::from_epoch_ms(0)};
  const auto d = set.decode(m);
  for (const auto& r : d.decoded.readings) {
    if (r.device_id.empty()) __builtin_trap();  // every reading names its device
  }
  (void)set.relay_command(topic, true);
  return 0;
}
