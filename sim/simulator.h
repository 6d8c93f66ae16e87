#pragma once
// The simulated home as device traffic: the engine, without any MQTT. The runner (main.cpp) owns
// one MQTT connection per Link, publishes what the engine returns and hands it what arrives.
//
// Time: the runner passes the WALL time elapsed since start; the engine replays data time
// start + speed x elapsed. Periodic reports are due every `tele_period` / `climate_period` of data
// time but never more often than `min_report_interval` of wall time per device; events (motion,
// doors, relay changes, smoke) are sent as they happen. Incidents are in wall time (incidents.h).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "sim/home.h"
#include "sim/incidents.h"

namespace hearth::sim {

using WallTime = std::chrono::milliseconds;  // since the simulator started

struct SimOptions {
  double speed = 60.0;                // data seconds per wall second (1 = real time)
  DataTime start{7LL * 3600 * 1000};  // data time at wall time 0 (day 0 is a Monday)
  std::uint64_t seed = 1;             // the home: routine, noise, phases
  std::uint64_t boot_entropy = 0;     // device boot and counter ids (a new run is a new boot)
  std::vector<Incident> incidents;
  // Recordings: REFIT for the plugs, and CASAS/Ordonez (`events`) for motion and the front door.
  // Empty datasets_dir: the built-in synthetic home only.
  std::filesystem::path datasets_dir;
  std::string events = "casas";  // casas, ordonez_a, ordonez_b
  DataTime tele_period{60'000};
  DataTime climate_period{300'000};
  WallTime min_report_interval{1000};
  std::int64_t day0_epoch_s = 1'397'433'600;  // shown in Tasmota's Time field only (2014-04-14, REFIT's day 0)
};

enum class Ecosystem : std::uint8_t { tasmota, shelly_gen2, zigbee2mqtt, native, shelly_gen1, esphome };
std::string_view to_string(Ecosystem e);

// One MQTT session of the simulated home (a real plug each; the Zigbee2MQTT bridge for all Zigbee).
struct Link {
  std::string key;  // client id; also the name used by plug_offline (without the "tasmota-" prefix)
  Ecosystem ecosystem = Ecosystem::tasmota;
  std::string will_topic;
  std::string will_payload;  // QoS 1
  std::vector<std::string> subscriptions;
  bool will_retain = true;  // false for the Shelly Gen1 plug (its MQTT "retain" option is off by default)
};

// A Hearth device the gateway will see, for the demo's config (`hearth-sim --print-config`).
struct HearthDevice {
  std::string id;  // Hearth device id, e.g. tasmota:kettle
  std::string name;
  std::string room;
  std::string kind;  // one of gateway appliance_kinds()
  bool essential = false;
  bool switchable = false;
};

struct Outgoing {
  std::string link;
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
};

struct Step {
  std::vector<Outgoing> messages;
  std::vector<std::pair<std::string, bool>> links;  // (link key, up): drop or restore a connection
  std::vector<std::string> log;                     // incident starts and ends, for the operator
};

struct SimStats {
  std::uint64_t messages = 0;
  std::uint64_t commands = 0;
  std::uint64_t bad_commands = 0;
  std::uint64_t sensor_events = 0;
};

class Simulator {
 public:
  // Loads the recordings when options.datasets_dir is set; an error names the missing file.
  static core::Result<std::unique_ptr<Simulator>> create(SimOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  const std::vector<Link>& links() const;
  std::vector<HearthDevice> hearth_devices() const;
  // What a device publishes when its connection comes up (again): availability, describe, state.
  std::vector<Outgoing> on_connected(std::string_view link, WallTime now);
  // Advance to `now` (never backwards): data time, events, periodic reports, incidents.
  Step advance(WallTime now);
  // A message on one of the link's subscriptions (commands); returns the device's answers.
  std::vector<Outgoing> on_message(std::string_view link, std::string_view topic, std::string_view payload,
                                   bool retained, WallTime now);
  // An incident injected while running (the control topic): its offset counts from `now`. An
  // error names the targets this home has (create() checks the initial incidents the same way).
  core::Result<void> schedule(Incident incident, WallTime now);
  DataTime data_time() const;
  const SimStats& stats() const;
  std::string source_summary() const;  // what the home replays, for the start-up log

 private:
  struct Impl;
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "07:30" or "3/07:30" (day 3) as data time; nullopt when malformed.
std::optional<DataTime> parse_start(std::string_view text);

}  // namespace hearth::sim
