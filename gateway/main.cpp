// hearthd: the Hearth gateway daemon.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>

#include "gateway/app.h"
#include "gateway/config.h"

namespace {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("hearthd");
  // Under systemd, journald adds the time; "<N>" prefixes give it the priority (sd-daemon(3)).
  if (std::getenv("JOURNAL_STREAM") != nullptr)
    logger->set_pattern("<%L>%v");
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hearth::gateway;
  CLI::App cli{"hearthd - Hearth smart-home care gateway"};
  std::string config_path = "/etc/hearth/hearth.yaml";
  Overrides o;
  bool config_given = false;
  cli.add_option("--config", config_path, "YAML config file (default /etc/hearth/hearth.yaml)")
      ->each([&](const std::string&) { config_given = true; });
  cli.add_option("--mqtt-url", o.mqtt_url, "broker URL, e.g. tcp://127.0.0.1:1883");
  cli.add_option("--db", o.db_path, "SQLite database path");
  cli.add_option("--http", o.http_listen, "API listen address ADDR:PORT");
  cli.add_option("--home-id", o.home_id, "home id used in MQTT topics");
  cli.add_option("--log-level", o.log_level, "trace, debug, info, warn, error");
  cli.set_version_flag("--version", "hearthd 0.1.0");
  CLI11_PARSE(cli, argc, argv);

  setup_logging(o.log_level.value_or("info"));
  GatewayConfig base;
  std::string reload_path;
  if (config_given || std::filesystem::exists(config_path)) {
    auto loaded = load_config_file(config_path);
    if (!loaded) {
      spdlog::critical("{}", loaded.error().message);
      return 2;
    }
    base = std::move(*loaded);
    reload_path = config_path;
  } else {
    spdlog::info("no config file at {}: running on defaults and command-line overrides", config_path);
  }
  auto config = finalise_config(std::move(base), o);
  if (!config) {
    spdlog::critical("{}", config.error().message);
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  App app(std::move(*config), reload_path, o);
  return app.run();
}
