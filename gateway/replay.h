#pragma once
// `hearth replay`: the whole gateway pipeline (drivers -> validation -> registry -> store -> rules
// -> alert events) run on recorded traffic with a simulated clock. Deterministic: the wall clock is
// never read for anything that reaches the output, so the same input gives byte-identical output.
//
// Input: JSON lines {"topic": "...", "payload": "...", "ts_ms": 1700000000000, "retain": false}
// ("time": "2026-01-01T07:00:00Z" instead of ts_ms; "retain" optional). Output: one line per alert
// event, {"ts_ms": <simulated time>, "alert": <alert JSON, docs/alerts.md>}.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "gateway/config.h"
#include "gateway/pipeline.h"

namespace hearth::gateway {

struct ReplayOptions {
  // Alerting::on_tick runs at every multiple of `tick` (epoch-aligned) of simulated time.
  std::chrono::milliseconds tick{std::chrono::seconds{30}};
  // A gap between messages longer than this is not ticked through in full: only its last max_gap is.
  std::chrono::milliseconds max_gap{std::chrono::hours{24 * 7}};
  // Where malformed lines are reported (with their line number); nullptr for silence.
  std::ostream* diagnostics = &std::cerr;
  // When set, energy accounting runs on the replayed traffic too (gateway/energy_service.h, with
  // the config's energy settings) and its figures are written here at the end as one JSON object:
  // {"appliances": <GET /api/v1/energy/appliances>, "summary": <GET /api/v1/energy/summary>,
  //  "days": [daily summaries stored during the replay]}.
  std::ostream* energy_out = nullptr;
};

struct ReplayStats {
  std::uint64_t lines = 0;         // lines read, blank ones included
  std::uint64_t messages = 0;      // lines handed to the pipeline
  std::uint64_t malformed = 0;     // lines skipped as not a valid record
  std::uint64_t out_of_order = 0;  // messages older than the simulated clock (processed; the clock never goes back)
  std::uint64_t ticks = 0;
  std::uint64_t gaps_skipped = 0;  // gaps longer than max_gap
  std::uint64_t events = 0;        // alert events written
  IngestCounters ingest;
};

core::Result<ReplayStats> replay(std::istream& input, const GatewayConfig& config, std::ostream& out,
                                 const ReplayOptions& options = {});

// "2026-01-01T07:00:00Z" or "2026-01-01T07:00:00.250Z" (UTC only) -> epoch ms.
std::optional<std::int64_t> parse_iso8601_utc_ms(std::string_view s);
// "30s", "500ms", "5m", "1h", or a bare number of seconds; nullopt if not a positive duration.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);

}  // namespace hearth::gateway
