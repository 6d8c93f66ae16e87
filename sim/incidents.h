#pragma once
// Scripted incidents: what a carer needs Hearth to notice, injected into the simulated home.
//
// An incident is written NAME[:TARGET][@OFFSET][+DURATION], e.g. `smoke@30s`, `cold_snap@1m+20m`,
// `plug_offline:kettle@2m+5m`. OFFSET and DURATION are WALL-clock time from the simulator's start
// (the clock hearthd stamps readings with and its rules count durations in), never data time, so a
// test can script "smoke 5 s after start" at any --speed. A script file holds one incident per line;
// blank lines and '#' comments are skipped.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hearth::sim {

enum class IncidentKind : std::uint8_t {
  fall,             // the resident falls: one last movement in the bathroom, then no activity at all
  night_wandering,  // the front door opens (and later closes), with movement in the hall
  cold_snap,        // the heating fails while the resident is home: the living room falls to 14 °C
  smoke,            // the kitchen smoke alarm reports smoke until the incident ends
  plug_offline,     // one device drops off (Tasmota/Shelly/native: its connection and last will;
                    // Zigbee2MQTT: availability offline) and comes back at the end
  broker_outage,    // every simulated device loses its broker connection, then reconnects
};

std::string_view to_string(IncidentKind kind);
std::optional<IncidentKind> incident_kind_from_string(std::string_view name);  // also accepts '-' for '_'
std::chrono::milliseconds default_duration(IncidentKind kind);
// The device or room an incident acts on when the spec names none.
std::string_view default_target(IncidentKind kind);

struct Incident {
  IncidentKind kind = IncidentKind::smoke;
  std::string target;               // resolved: never empty after parsing
  std::chrono::milliseconds at{0};  // wall time after start
  std::chrono::milliseconds duration{0};

  std::chrono::milliseconds end() const { return at + duration; }
  bool active(std::chrono::milliseconds elapsed) const { return elapsed >= at && elapsed < end(); }
};

core::Result<Incident> parse_incident(std::string_view spec);
core::Result<std::vector<Incident>> parse_incident_script(std::string_view text, std::string_view source_name);

}  // namespace hearth::sim
