// hearth-sim: a simulated home as real device traffic on an MQTT broker (sim/README.md).
// One io_context thread owns the Simulator and every connection; Paho's threads only post into it
// (gateway/paho_mqtt_client.cpp). One MQTT connection per simulated device, each with its own
// last will, as real plugs have; the Zigbee2MQTT bridge is one connection for all Zigbee sensors.
#include <spdlog/spdlog.h>
#include <time.h>
#include <utility>  // before Asio (asio#944)

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "core/duration.h"
#include "gateway/mqtt_client.h"
#include "sim/simulator.h"

namespace {

namespace net = boost::asio;
using hearth::gateway::InboundMessage;
using hearth::gateway::MqttClient;
using hearth::gateway::MqttConfig;
using hearth::sim::Outgoing;
using hearth::sim::Simulator;
using hearth::sim::WallTime;

class Runner {
 public:
  Runner(net::io_context& io, Simulator& sim, MqttConfig base, std::chrono::milliseconds tick,
         std::optional<std::chrono::milliseconds> run_for, std::string control_topic)
      : io_(io),
        sim_(sim),
        base_(std::move(base)),
        tick_(tick),
        run_for_(run_for),
        control_topic_(std::move(control_topic)),
        timer_(io),
        signals_(io, SIGINT, SIGTERM) {}

  void start() {
    started_ = std::chrono::steady_clock::now();
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      spdlog::info("sim: signal {}: stopping (devices publish their last will)", signo);
      shutdown();
    });
    // All connect() calls are issued together: Paho C connects a later lone client ~2 s slower.
    for (const auto& link : sim_.links()) connect(link.key);
    if (!control_topic_.empty()) start_control();
    schedule();
  }

 private:
  struct Conn {
    std::unique_ptr<MqttClient> client;
    bool connected = false;
  };

  WallTime elapsed() const { return std::chrono::duration_cast<WallTime>(std::chrono::steady_clock::now() - started_); }

  void connect(const std::string& key) {
    const hearth::sim::Link* link = nullptr;
    for (const auto& l : sim_.links()) {
      if (l.key == key) link = &l;
    }
    if (link == nullptr || conns_[key].client) return;
    MqttConfig c = base_;
    c.client_id = key;
    auto client = hearth::gateway::make_paho_mqtt_client(
        io_, c, hearth::gateway::Will{link->will_topic, link->will_payload, link->will_retain});
    for (const auto& s : link->subscriptions) client->subscribe(s);
    client->set_message_handler(
        [this, key](InboundMessage m) { publish(sim_.on_message(key, m.topic, m.payload, m.retained, elapsed())); });
    client->set_connection_handler([this, key](bool up) {
      conns_[key].connected = up;
      if (up) publish(sim_.on_connected(key, elapsed()));
    });
    client->start();
    conns_[key].client = std::move(client);
  }

  // Incidents injected into the running simulation: an incident spec per message on the control
  // topic (not a device: a broker outage does not drop it). Anyone who may publish on the broker
  // can inject incidents, which is why this is a simulator's feature only.
  void start_control() {
    MqttConfig c = base_;
    c.client_id = "hearth-sim-control";
    control_ = hearth::gateway::make_paho_mqtt_client(io_, c, std::nullopt);
    control_->subscribe(control_topic_);
    control_->set_message_handler([this](InboundMessage m) {
      if (m.retained) return;  // an old command left on the broker is not an incident now
      auto inc = hearth::sim::parse_incident(m.payload);
      if (!inc) {
        spdlog::warn("sim: control: {}", inc.error().message);
        return;
      }
      if (auto ok = sim_.schedule(*inc, elapsed()); !ok) {
        spdlog::warn("sim: control: {}", ok.error().message);
        return;
      }
      spdlog::info("sim: control: {} ({}) in {} s for {} s", hearth::sim::to_string(inc->kind), inc->target,
                   inc->at.count() / 1000, inc->duration.count() / 1000);
    });
    control_->start();
  }

  void disconnect(const std::string& key) {
    auto it = conns_.find(key);
    if (it == conns_.end() || !it->second.client) return;
    it->second.client->stop();  // publishes the device's will, as the broker would for a lost device
    it->second.client.reset();
    it->second.connected = false;
  }

  void publish(const std::vector<Outgoing>& out) {
    for (const auto& o : out) {
      auto it = conns_.find(o.link);
      if (it == conns_.end() || !it->second.client || !it->second.connected) {
        ++dropped_;  // a device without a connection loses what it would have sent
        continue;
      }
      it->second.client->publish(o.topic, o.payload, o.qos, o.retain);
      ++published_;
    }
  }

  void schedule() {
    timer_.expires_after(tick_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      on_tick();
      schedule();
    });
  }

  void on_tick() {
    const WallTime now = elapsed();
    auto step = sim_.advance(now);
    for (const auto& line : step.log) spdlog::info("sim: {}", line);
    for (const auto& [key, up] : step.links) {
      if (!up) disconnect(key);
    }
    publish(step.messages);
    for (const auto& [key, up] : step.links) {
      if (up) connect(key);
    }
    if (now - last_status_ >= std::chrono::minutes{1}) {
      last_status_ = now;
      const auto d = sim_.data_time();
      spdlog::info("sim: data day {} {:02}:{:02}, {} published, {} dropped while offline", d.count() / 86'400'000,
                   d.count() % 86'400'000 / 3'600'000, d.count() % 3'600'000 / 60'000, published_, dropped_);
    }
    if (run_for_ && now >= *run_for_) {
      spdlog::info("sim: --run-for reached");
      shutdown();
    }
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    timer_.cancel();
    signals_.cancel();
    for (auto& [key, conn] : conns_) {
      if (conn.client) conn.client->stop();
    }
    conns_.clear();
    if (control_) control_->stop();
    spdlog::info("sim: stopped after {} messages", published_);
    io_.stop();
  }

  net::io_context& io_;
  Simulator& sim_;
  MqttConfig base_;
  std::chrono::milliseconds tick_;
  std::optional<std::chrono::milliseconds> run_for_;
  std::string control_topic_;
  std::unique_ptr<MqttClient> control_;
  net::steady_timer timer_;
  net::signal_set signals_;
  std::chrono::steady_clock::time_point started_{};
  std::map<std::string, Conn> conns_;
  std::uint64_t published_ = 0;
  std::uint64_t dropped_ = 0;
  WallTime last_status_{0};
  bool stopping_ = false;
};

std::optional<std::chrono::milliseconds> duration_option(const std::string& text, const std::string& name) {
  const auto d = hearth::core::parse_duration_text(text);
  if (!d || d->count() == 0) {
    std::cerr << "hearth-sim: " << name << ": expected a duration like 100ms, 30s or 5m\n";
    std::exit(2);
  }
  return d;
}

std::string default_datasets() {
  const char* shared = std::getenv("HEARTH_SHARED");
  return (std::filesystem::path(shared != nullptr ? shared : "../shared") / "datasets").string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hearth-sim: a simulated home (Tasmota, Shelly, Zigbee2MQTT and hearth/v1 devices) on an MQTT broker"};
  std::string url = "tcp://127.0.0.1:1883";
  int mqtt_version = 3;
  double speed = 60.0;
  std::string start = "now";
  std::uint64_t seed = 1;
  std::string data = "auto";
  std::string events = "casas";
  std::string datasets = default_datasets();
  std::vector<std::string> incident_specs;
  std::string incidents_file;
  std::string tick_text = "100ms";
  std::string run_for_text;
  bool print_config = false;
  std::string log_level = "info";
  std::string control_topic = "hearth-sim/incident";
  std::string user, password_file, ca_file;
  app.add_option("--url", url, "broker URL (tcp://, ssl://, mqtt://, mqtts://)")->capture_default_str();
  app.add_option("--mqtt-version", mqtt_version, "3 (MQTT 3.1.1, as the devices speak) or 5")
      ->check(CLI::IsMember({3, 5}))
      ->capture_default_str();
  app.add_option("--user", user, "broker user name for every simulated device (default: anonymous)");
  app.add_option("--password-file", password_file, "file holding that user's password (never on the command line)");
  app.add_option("--ca-file", ca_file, "CA certificate to verify a TLS broker with");
  app.add_option("--speed", speed, "data seconds per wall second (1 = real time)")->capture_default_str();
  app.add_option("--start", start, "data time to start at: HH:MM, D/HH:MM (day D, 0 = a Monday) or now")
      ->capture_default_str();
  app.add_option("--seed", seed, "the synthetic home and all noise")->capture_default_str();
  app.add_option("--data", data, "auto (recordings when present), synthetic or recorded")
      ->check(CLI::IsMember({"auto", "synthetic", "recorded"}))
      ->capture_default_str();
  app.add_option("--events", events, "motion/door recording: casas, ordonez_a or ordonez_b")
      ->check(CLI::IsMember({"casas", "ordonez_a", "ordonez_b"}))
      ->capture_default_str();
  app.add_option("--datasets", datasets, "folder with refit_house2/ and the event recordings ($HEARTH_SHARED/datasets)")
      ->capture_default_str();
  app.add_option("--incident", incident_specs, "NAME[:TARGET][@OFFSET][+DURATION], repeatable (sim/README.md)");
  app.add_option("--incidents", incidents_file, "a script file: one incident per line, # comments");
  app.add_option("--tick", tick_text, "wall time between simulation steps")->capture_default_str();
  app.add_option("--run-for", run_for_text, "stop after this much wall time (default: until SIGINT/SIGTERM)");
  app.add_flag("--print-config", print_config, "print the hearthd `devices:` section for this home and exit");
  app.add_option("--control-topic", control_topic,
                 "inject incidents while running: publish a spec here (empty: no control topic)")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  hearth::sim::SimOptions opt;
  opt.speed = speed;
  opt.seed = seed;
  opt.events = events;
  const auto wall_now = std::chrono::system_clock::now();
  const std::time_t now_t = std::chrono::system_clock::to_time_t(wall_now);
  if (start == "now") {
    // The home's clock starts at the local time and weekday of this machine (day 0 is a Monday).
    std::tm local{};
    localtime_r(&now_t, &local);
    const int weekday = (local.tm_wday + 6) % 7;
    opt.start = std::chrono::milliseconds{((weekday * 24LL + local.tm_hour) * 60 + local.tm_min) * 60'000LL +
                                          local.tm_sec * 1000LL};
  } else if (auto s = hearth::sim::parse_start(start)) {
    opt.start = *s;
  } else {
    std::cerr << "hearth-sim: --start: expected HH:MM, D/HH:MM or now\n";
    return 2;
  }
  // Tasmota's Time field shows this run's clock: now at the start, then advancing at --speed.
  opt.day0_epoch_s = static_cast<std::int64_t>(now_t) - opt.start.count() / 1000;
  opt.boot_entropy = (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();

  for (const auto& spec : incident_specs) {
    auto inc = hearth::sim::parse_incident(spec);
    if (!inc) {
      std::cerr << "hearth-sim: " << inc.error().message << "\n";
      return 2;
    }
    opt.incidents.push_back(*inc);
  }
  if (!incidents_file.empty()) {
    std::ifstream in(incidents_file);
    if (!in) {
      std::cerr << "hearth-sim: cannot read " << incidents_file << "\n";
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto script = hearth::sim::parse_incident_script(text.str(), incidents_file);
    if (!script) {
      std::cerr << "hearth-sim: " << script.error().message << "\n";
      return 2;
    }
    opt.incidents.insert(opt.incidents.end(), script->begin(), script->end());
  }

  const bool have_data = std::filesystem::exists(std::filesystem::path(datasets) / "refit_house2");
  if (data == "recorded" || (data == "auto" && have_data)) opt.datasets_dir = datasets;
  auto sim = Simulator::create(opt);
  if (!sim) {
    std::cerr << "hearth-sim: " << sim.error().message << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << "devices:\n";
    for (const auto& d : (*sim)->hearth_devices()) {
      std::cout << "  " << d.id << ": {name: " << d.name << ", room: " << d.room << ", kind: " << d.kind
                << (d.essential ? ", essential: true" : "") << (d.switchable ? ", switchable: true" : "") << "}\n";
    }
    return 0;
  }
  if (data == "auto" && !have_data)
    spdlog::info("sim: no recordings in {} (set HEARTH_SHARED); playing the synthetic home", datasets);
  spdlog::info("sim: {} at speed {} (data seconds per second), seed {}, {} incident(s)", (*sim)->source_summary(),
               speed, seed, opt.incidents.size());
  for (const auto& inc : opt.incidents) {
    spdlog::info("sim: scheduled {} ({}) at +{} s for {} s", hearth::sim::to_string(inc.kind), inc.target,
                 inc.at.count() / 1000, inc.duration.count() / 1000);
  }

  MqttConfig mqtt;
  mqtt.url = url;
  mqtt.version = mqtt_version;
  mqtt.keepalive = std::chrono::seconds{30};
  mqtt.reconnect_min = std::chrono::seconds{1};
  mqtt.reconnect_max = std::chrono::seconds{10};
  mqtt.tls.enabled = url.rfind("ssl://", 0) == 0 || url.rfind("mqtts://", 0) == 0;
  mqtt.tls.ca_file = ca_file;
  mqtt.username = user;
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in || !std::getline(in, mqtt.password)) {
      std::cerr << "hearth-sim: cannot read a password from " << password_file << "\n";
      return 2;
    }
  }

  net::io_context io;
  const auto tick = duration_option(tick_text, "--tick");
  std::optional<std::chrono::milliseconds> run_for;
  if (!run_for_text.empty()) run_for = duration_option(run_for_text, "--run-for");
  Runner runner(io, **sim, mqtt, *tick, run_for, control_topic);
  runner.start();
  io.run();
  return 0;
}
