#include "sim/incidents.h"

#include <array>
#include <utility>

#include "core/duration.h"

namespace hearth::sim {
namespace {

using namespace std::chrono_literals;

struct KindInfo {
  IncidentKind kind;
  std::string_view name;
  std::chrono::milliseconds duration;
  std::string_view target;
};

// Default durations are what the gateway's default rules need to see the incident (inactivity
// waits 6 h, cold home 2 h); tests and the demo give shorter ones with a shorter rule config.
constexpr std::array<KindInfo, 6> KINDS{{
    {IncidentKind::fall, "fall", 7h, "bathroom"},
    {IncidentKind::night_wandering, "night_wandering", 1min, "hall/front_door"},
    {IncidentKind::cold_snap, "cold_snap", 3h, "living_room/climate"},
    {IncidentKind::smoke, "smoke", 2min, "kitchen/smoke"},
    {IncidentKind::plug_offline, "plug_offline", 15min, "kettle"},
    {IncidentKind::broker_outage, "broker_outage", 2min, "all"},
}};

const KindInfo& info(IncidentKind kind) {
  for (const auto& k : KINDS) {
    if (k.kind == kind) return k;
  }
  return KINDS.front();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(IncidentKind kind) { return info(kind).name; }

std::optional<IncidentKind> incident_kind_from_string(std::string_view name) {
  std::string n(name);
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  for (const auto& k : KINDS) {
    if (k.name == n) return k.kind;
  }
  return std::nullopt;
}

std::chrono::milliseconds default_duration(IncidentKind kind) { return info(kind).duration; }
std::string_view default_target(IncidentKind kind) { return info(kind).target; }

core::Result<Incident> parse_incident(std::string_view spec) {
  spec = trim(spec);
  const auto fail = [&](const std::string& why) {
    return core::make_error("incident '" + std::string(spec) + "': " + why +
                            " (expected NAME[:TARGET][@OFFSET][+DURATION], e.g. smoke@30s+2m)");
  };
  // The name ends at the first ':', '@' or '+'; then the optional parts in this order.
  const auto name_end = spec.find_first_of(":@+");
  const auto kind = incident_kind_from_string(spec.substr(0, name_end));
  if (!kind) {
    std::string names;
    for (const auto& k : KINDS) names += (names.empty() ? "" : ", ") + std::string(k.name);
    return fail("unknown incident; known: " + names);
  }
  Incident inc;
  inc.kind = *kind;
  inc.target = std::string(default_target(*kind));
  inc.duration = default_duration(*kind);
  std::string_view rest = name_end == std::string_view::npos ? std::string_view{} : spec.substr(name_end);
  if (rest.starts_with(':')) {
    const auto end = rest.find_first_of("@+");
    const auto target = trim(rest.substr(1, end == std::string_view::npos ? rest.size() - 1 : end - 1));
    if (target.empty()) return fail("empty target");
    inc.target = std::string(target);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (rest.starts_with('@')) {
    const auto end = rest.find('+');
    const auto at =
        core::parse_duration_text(rest.substr(1, end == std::string_view::npos ? rest.size() - 1 : end - 1));
    if (!at) return fail("bad offset");
    inc.at = *at;
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (rest.starts_with('+')) {
    const auto d = core::parse_duration_text(rest.substr(1));
    if (!d || d->count() == 0) return fail("bad duration");
    inc.duration = *d;
    rest = {};
  }
  if (!rest.empty()) return fail("unexpected '" + std::string(rest) + "'");
  if (inc.kind == IncidentKind::broker_outage && inc.target != "all") return fail("broker_outage takes no target");
  return inc;
}

core::Result<std::vector<Incident>> parse_incident_script(std::string_view text, std::string_view source_name) {
  std::vector<Incident> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    auto inc = parse_incident(line);
    if (!inc)
      return core::make_error(std::string(source_name) + ":" + std::to_string(line_no) + ": " + inc.error().message);
    out.push_back(std::move(*inc));
  }
  return out;
}

}  // namespace hearth::sim
