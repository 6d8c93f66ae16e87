// hearth-fw-conformance: checks one device (or simulator) on a broker against the hearth/v1
// firmware contract and prints a pass/fail table. Exit status: 0 conforms, 1 does not, 2 usage
// error or no broker connection.
//
//   hearth-fw-conformance --url mqtt://127.0.0.1:1883 --device plug-7 [--timeout 30]
//       [--user NAME] [--password-file FILE | env HEARTH_FW_PASSWORD] [--no-switch]
//       [--power-cut-cmd "kill -9 1234"]
//
// MQTT goes through the gateway's adapter (gateway/mqtt_client.h), i.e. exactly as hearthd talks
// to devices. The switch step really switches a relay off and on again: use --no-switch on a
// device that is in use.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <utility>  // before Asio (asio#944)

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "conformance/conformance.h"
#include "gateway/mqtt_client.h"

namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

constexpr auto TICK = 100ms;

std::string read_password(const std::string& file) {
  if (file.empty()) {
    const char* env = std::getenv("HEARTH_FW_PASSWORD");
    return env == nullptr ? "" : env;
  }
  std::ifstream in(file);
  std::string password;
  std::getline(in, password);
  return password;
}

struct Run {
  net::io_context io;
  net::steady_timer timer{io};
  std::unique_ptr<hearth::gateway::MqttClient> client;
  std::optional<hearth::fw::Conformance> suite;
  bool connected_once = false;
  hearth::core::TimePoint connect_deadline{};

  void tick() {
    timer.expires_after(TICK);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const auto now = hearth::core::now_ms();
      if (!connected_once && now > connect_deadline) {
        std::cerr << "hearth-fw-conformance: no connection to the broker\n";
        return io.stop();
      }
      if (connected_once) suite->on_tick(now);
      if (suite->done()) {
        client->stop();
        return io.stop();
      }
      tick();
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Checks a device on a broker against the Hearth firmware contract (hearth/v1)."};
  std::string url;
  std::string user;
  std::string password_file;
  std::string power_cut_cmd;
  int timeout_s = 30;
  int mqtt_version = 5;
  bool no_switch = false;
  bool verbose = false;
  hearth::fw::ConformanceOptions options;
  app.add_option("--url", url, "broker: mqtt://host:port, tcp://, ssl:// or mqtts://")->required();
  app.add_option("--device", options.device, "device id: <id> in hearth/v1/<id>/...")
      ->required()
      ->check([](const std::string& id) {
        return hearth::drivers::native::valid_device_id(id) ? "" : "not a contract device id";
      });
  app.add_option("--timeout", timeout_s, "seconds each step may wait (more than the device's interval_s)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--user", user, "broker user name");
  app.add_option("--password-file", password_file, "file holding the broker password (or HEARTH_FW_PASSWORD)");
  app.add_option("--mqtt-version", mqtt_version, "3 (3.1.1) or 5")->check(CLI::IsMember({3, 5}));
  app.add_option("--power-cut-cmd", power_cut_cmd,
                 "shell command that cuts the device off abruptly, to check its last will (e.g. \"kill -9 PID\")");
  app.add_flag("--no-switch", no_switch, "do not switch the device's relay off and on");
  app.add_flag("-v,--verbose", verbose, "log MQTT connection events");
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("conformance");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);

  options.timeout = std::chrono::seconds{timeout_s};
  options.switch_relays = !no_switch;
  hearth::gateway::MqttConfig mqtt;
  mqtt.url = url;
  mqtt.version = mqtt_version;
  mqtt.client_id = "hearth-conformance-" + std::to_string(::getpid());
  mqtt.username = user;
  mqtt.password = read_password(password_file);
  mqtt.tls.enabled = url.starts_with("ssl://") || url.starts_with("mqtts://");

  Run run;
  run.client = hearth::gateway::make_paho_mqtt_client(run.io, mqtt, std::nullopt);
  auto* client = run.client.get();
  hearth::fw::Conformance::PowerCut power_cut;
  if (!power_cut_cmd.empty()) {
    power_cut = [power_cut_cmd] {
      if (std::system(power_cut_cmd.c_str()) != 0) std::cerr << "power cut command failed: " << power_cut_cmd << "\n";
    };
  }
  run.suite.emplace(
      options, [client](const hearth::fw::Outgoing& m) { client->publish(m.topic, m.payload, 1, false); },
      [client](const std::string& filter) { client->subscribe(filter); }, power_cut);
  for (const auto& filter : run.suite->subscriptions()) client->subscribe(filter);
  client->set_message_handler([&run](hearth::gateway::InboundMessage m) {
    run.suite->on_message(hearth::drivers::Message{m.topic, m.payload, m.retained, m.received});
  });
  client->set_connection_handler([&run](bool up) {
    if (up) run.connected_once = true;
  });
  run.connect_deadline = hearth::core::now_ms() + options.timeout;
  client->start();
  run.tick();
  run.io.run();

  if (!run.suite->done()) return 2;
  std::cout << run.suite->report();
  return run.suite->passed() ? 0 : 1;
}
