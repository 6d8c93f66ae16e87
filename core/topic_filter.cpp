#include "core/topic_filter.h"

namespace hearth::core {
namespace {

std::string_view next_level(std::string_view& rest, bool& more) {
  const auto slash = rest.find('/');
  std::string_view level = rest.substr(0, slash);
  more = slash != std::string_view::npos;
  rest = more ? rest.substr(slash + 1) : std::string_view{};
  return level;
}

}  // namespace

bool topic_matches(std::string_view filter, std::string_view topic) {
  // Wildcards at the first level never match topics starting with '$' (e.g. $SYS).
  if (!topic.empty() && topic.front() == '$' && !filter.empty() && (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  bool filter_more = true;
  bool topic_more = true;
  while (filter_more) {
    const std::string_view f = next_level(filter, filter_more);
    if (f == "#") return !filter_more;
    if (!topic_more) return false;
    const std::string_view t = next_level(topic, topic_more);
    if (f != "+" && f != t) return false;
    if (!filter_more && topic_more) {
      // "a/#" also matches "a": handled above; here the filter ran out first.
      return false;
    }
  }
  return !topic_more;
}

}  // namespace hearth::core
