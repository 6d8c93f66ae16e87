#pragma once
// hearthd's composition root: owns the single io_context and everything that runs on it
// (MQTT client, drivers, pipeline, store, HTTP API), the commit/maintenance timers and the
// signal handling (SIGTERM/SIGINT: flush and exit; SIGHUP: reload the config file).
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "gateway/config.h"

namespace hearth::gateway {

class App {
 public:
  // config_path is re-read on SIGHUP; empty when running on defaults and overrides only.
  App(GatewayConfig config, std::string config_path, Overrides overrides);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens the store, starts MQTT and HTTP, and runs until a stop signal. Returns the exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where the generated API token lives when none is configured: beside the database, mode 0600.
core::Result<std::string> load_or_create_api_token(const std::string& db_path);

bool system_clock_synchronised();

}  // namespace hearth::gateway
