// libFuzzer target for the YAML config parser: any input gives a config or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto c = hearth::gateway::parse_config(text, "fuzz.yaml");
  if (c) (void)hearth::gateway::finalise_config(std::move(*c), {});
  return 0;
}
