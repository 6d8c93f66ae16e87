// libFuzzer target for request-target parsing: whatever parse_target accepts must be safe to route.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dashboard/http_message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto t = hearth::dashboard::parse_target(in);
  if (t) {
    if (t->path.empty() || t->path.front() != '/') __builtin_trap();
    if (t->path.find('\0') != std::string::npos) __builtin_trap();
    if (t->path.find("/../") != std::string::npos || t->path.ends_with("/..")) __builtin_trap();
  }
  (void)hearth::dashboard::percent_decode(in, true);
  (void)hearth::dashboard::json_escape(in);
  return 0;
}
