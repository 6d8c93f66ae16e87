#pragma once
// The recorded homes used by hearth_wellbeing_eval, turned into Hearth readings and device facts.
// The recordings stay in $HEARTH_SHARED/datasets (their licences forbid copying them here); the
// mapping from each dataset's sensor names to rooms and kinds is below and in docs/wellbeing.md.
#include <filesystem>
#include <string>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "rules/rule.h"

namespace hearth::bench::wellbeing {

struct Recording {
  std::string name;    // casas_al, ordonez_a, ordonez_b
  std::string source;  // file read, for the report
  std::vector<rules::DeviceFacts> devices;
  std::vector<core::Reading> events;    // in time order; local wall-clock time stored as UTC
  std::vector<std::string> meal_rooms;  // rooms whose motion counts as preparing food (no plugs)
  std::size_t lines = 0;
  std::size_t ignored = 0;  // lines of sensors with no Hearth equivalent (lights)
};

// WSU CASAS AL-Smarthome sample: "date time area sensor value label", fractions of 1-6 digits.
core::Result<Recording> load_casas(const std::filesystem::path& datasets_dir);
// Ordonez ADL, home 'A' or 'B': activation intervals "start,end,location,type,place".
core::Result<Recording> load_ordonez(const std::filesystem::path& datasets_dir, char home);

// "2011-06-15 01:03:39.14962" or "2011-11-28T02:27:59" as a TimePoint (the clock is local time).
core::Result<core::TimePoint> parse_local_time(const std::string& text);

}  // namespace hearth::bench::wellbeing
