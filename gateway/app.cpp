#include "gateway/app.h"

#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <sys/timex.h>
#include <nlohmann/json.hpp>
#include <utility>  // before Asio (asio#944)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>

#ifdef HEARTH_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "dashboard/http_server.h"
#include "drivers/driver_set.h"
#include "drivers/hearth_native_driver.h"
#include "gateway/accounts.h"
#include "gateway/alert_json.h"
#include "gateway/alerting.h"
#include "gateway/api.h"
#include "gateway/dashboard_tls.h"
#include "gateway/device_registry.h"
#include "gateway/energy_service.h"
#include "gateway/home_settings.h"
#include "gateway/log_limiter.h"
#include "gateway/mqtt_client.h"
#include "gateway/outbox.h"
#include "gateway/pipeline.h"
#include "gateway/provisioning.h"
#include "gateway/store.h"
#include "gateway/uplink.h"
#include "gateway/webhook.h"

namespace hearth::gateway {
namespace {

namespace net = boost::asio;

void notify_systemd([[maybe_unused]] const char* state) {
#ifdef HEARTH_HAVE_SYSTEMD
  sd_notify(0, state);
#endif
}

std::string random_token() {
  std::random_device rd;  // the kernel's CSPRNG on Linux
  static constexpr char HEX[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 32; ++i) {
    const auto byte = rd() & 0xFFu;
    token.push_back(HEX[byte >> 4u]);
    token.push_back(HEX[byte & 0xFu]);
  }
  return token;
}

}  // namespace

core::Result<std::string> load_or_create_api_token(const std::string& db_path) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(db_path).parent_path().empty() ? fs::path(".") : fs::path(db_path).parent_path();
  const fs::path path = dir / "api-token";
  if (std::ifstream in(path); in) {
    std::string token;
    std::getline(in, token);
    if (token.size() >= 32) return token;
  }
  const std::string token = random_token();
  const mode_t old = ::umask(077);
  std::ofstream out(path, std::ios::trunc);
  ::umask(old);
  if (!out) return core::Error{"cannot write " + path.string()};
  out << token << '\n';
  if (!out.flush()) return core::Error{"cannot write " + path.string()};
  spdlog::info("no API token configured: generated one in {} (readable by this user only)", path.string());
  return token;
}

bool system_clock_synchronised() {
  struct timex tx {};
  // TIME_ERROR means the kernel considers the clock unsynchronised (no NTP yet; no RTC on a Pi).
  if (::adjtimex(&tx) != TIME_ERROR) return true;
  return std::filesystem::exists("/run/systemd/timesync/synchronized");
}

struct App::Impl {
  GatewayConfig config;
  std::string config_path;
  Overrides overrides;
  net::io_context io{1};
  net::signal_set stop_signals{io, SIGTERM, SIGINT};
  net::signal_set reload_signal{io, SIGHUP};
  net::steady_timer commit_timer{io};
  net::steady_timer maintenance_timer{io};
  net::steady_timer watchdog_timer{io};
  net::steady_timer rules_timer{io};
  net::steady_timer outbox_timer{io};
  std::unique_ptr<Store> store;
  DeviceRegistry registry;
  std::optional<drivers::DriverSet> drivers;
  std::unique_ptr<MqttClient> mqtt;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<Alerting> alerting;
  std::unique_ptr<EnergyService> energy;  // nullptr when energy.enabled is false
  std::unique_ptr<Accounts> accounts;
  std::unique_ptr<WebhookTransport> webhook;  // declared before its sender: destroyed after it
  std::unique_ptr<OutboxSender> webhook_sender;
  std::unique_ptr<Uplink> uplink;
  std::unique_ptr<Provisioner> provisioning;  // after mqtt: holds a reference to it
  std::unique_ptr<dashboard::HttpServer> http;
  ApiContext api;
  HomeOverrides home_overrides;  // the setup page's changes on top of the YAML (gateway/home_settings.h)
  LogLimiter http_log_limiter;   // failed TLS handshakes: one line a minute per kind
  bool stopping = false;
  std::uint64_t maintenance_runs = 0;

  std::string status_topic() const { return "hearth/" + config.home_id + "/status"; }

  core::Result<void> open_store() {
    auto s = Store::open(config.store);
    if (!s) return s.error();
    store = std::move(*s);
    return {};
  }

  void start_mqtt() {
    mqtt = make_paho_mqtt_client(io, config.mqtt, Will{status_topic(), "offline", true});
    start_provisioning();
    mqtt->set_message_handler([this](InboundMessage m) {
      if (alerting->on_mqtt_command(m.topic, m.payload, m.received)) return;  // a carer's ack/resolve
      if (provisioning && provisioning->on_message(m)) return;                // the broker's account answers
      pipeline->on_message(m);
    });
    mqtt->set_connection_handler([this](bool connected) {
      if (!connected) return;
      mqtt->publish(status_topic(), "online", 1, true);
      alerting->republish();  // retained state may have been lost with a broker restart
    });
    for (const auto& filter : drivers->subscriptions()) mqtt->subscribe(filter);
    mqtt->subscribe(alerting->command_filter());
    if (provisioning)
      for (const auto& filter : provisioning->subscriptions()) mqtt->subscribe(filter);
    mqtt->start();
  }

  // Claiming hearth/v1 devices needs the native driver (for the claims it has seen) and MQTT.
  void start_provisioning() {
    for (const auto& d : drivers->drivers()) {
      if (auto* native = dynamic_cast<drivers::HearthNativeDriver*>(d.get())) {
        provisioning = std::make_unique<Provisioner>(config.provisioning, *native, *mqtt);
        api.provisioning = provisioning.get();
        spdlog::info("provisioning: device claiming {}", accounts_name(config.provisioning.accounts));
        return;
      }
    }
  }

  core::Result<void> start_http() {
    dashboard::HttpServer::Options opts;
    opts.address = config.http.address;
    opts.port = config.http.port;
    api.config = &config;
    api.registry = &registry;
    api.store = store.get();
    api.pipeline = pipeline.get();
    api.mqtt_stats = [this] { return mqtt->stats(); };
    api.clock_synchronised = system_clock_synchronised;
    api.alerting = alerting.get();
    api.accounts = accounts.get();
    api.tv_from_loopback = config.http.tv_from_loopback;
    api.secure_cookies = config.http.secure_cookies;
    api.tv_csrf_token = random_token();
    api.live = [this](std::string_view event, const std::string& data) {
      if (http) http->publish("live", event, data);
    };
    api.overrides_changed = [this] { apply_overrides(); };
    api.erase_history = [this]() -> core::Result<ErasedCounts> {
      auto n = store->erase_history();
      if (!n) return n.error();
      alerting->reconfigure(effective_rules(config, home_overrides), false);  // learned from what was erased
      if (energy) {  // the ledger was built from the erased readings
        start_energy();
        api.energy = energy.get();
      }
      spdlog::warn("store: the householder's history was erased ({} readings, {} alerts)", n->readings, n->alerts);
      return n;
    };
    api.started = core::now_ms();
    if (config.http.tls.enabled) {
      auto tls = prepare_dashboard_tls(config);
      if (!tls) return tls.error();
      opts.tls = dashboard::HttpServer::Options::Tls{tls->cert_file, tls->key_file};
      api.tls_fingerprint_sha256 = tls->certificate.fingerprint_sha256;
      api.tls_handshake_failures = [this] { return http ? http->stats().tls_handshake_failures : 0; };
    }
    opts.log_warning = [this](const std::string& message) {
      std::uint64_t suppressed = 0;
      const std::string key = message.find("handshake") != std::string::npos ? "handshake" : "other";
      if (http_log_limiter.allow(key, std::chrono::steady_clock::now(), &suppressed))
        spdlog::warn("{} ({} more like it not logged)", message, suppressed);
    };
    api.energy = energy.get();
    http = std::make_unique<dashboard::HttpServer>(
        io, opts, [this](const dashboard::HttpRequest& req) { return handle_api(req, api); });
    auto port = http->start();
    if (!port)
      return core::Error{"http: cannot listen on " + config.http.address + ":" + std::to_string(config.http.port) +
                         ": " + port.error().message};
    spdlog::info("http: API on {}://{}:{}/api/v1/health", config.http.tls.enabled ? "https" : "http",
                 config.http.address, *port);
    return {};
  }

  void flush() {
    if (auto r = store->flush(); !r) spdlog::error("store: commit failed, will retry: {}", r.error().message);
  }

  void arm_commit_timer() {
    commit_timer.expires_after(config.store.commit_interval);
    commit_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      flush();
      arm_commit_timer();
    });
  }

  void arm_maintenance_timer(std::chrono::seconds delay) {
    maintenance_timer.expires_after(delay);
    maintenance_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      flush();  // rollups must see every reading of the minutes they close
      if (auto r = store->maintain(core::now_ms()); !r)
        spdlog::error("store: maintenance failed: {}", r.error().message);
      if (++maintenance_runs % 10 == 0) save_wellbeing();
      if (energy) energy->tick(core::now_ms());
      arm_maintenance_timer(std::chrono::seconds{60});
    });
  }

  // Energy accounting (gateway/energy_service.h): the ledger is rebuilt from the stored readings of
  // the last days; each completed day's summary is stored and handed to the uplink (with consent).
  void start_energy() {
    if (!config.energy.enabled) {
      spdlog::info("energy: off (energy.enabled: false)");
      return;
    }
    energy = std::make_unique<EnergyService>(*store, registry, config.energy);
    // Each new daily summary, once stored, for the co-op (the uplink checks consent).
    energy->set_summary_hook([this](const rules::energy::DailySummary& s) {
      enqueue_summary("energy", s.date, rules::energy::daily_summary_to_json(s));
    });
    const auto now = core::now_ms();
    if (auto n = energy->restore(now); n)
      spdlog::info("energy: ledger rebuilt from {} stored readings since {}", *n,
                   rules::energy::format_day(energy->ledger_since()));
    else
      spdlog::warn("energy: stored readings not replayed ({}); today's figures start now", n.error().message);
    pipeline->set_energy_handler([this](const core::Reading& total, core::EnergyStep step, const Device& d) {
      energy->on_energy_total(total, step, d);
    });
  }

  void arm_rules_timer() {
    rules_timer.expires_after(std::chrono::seconds{30});  // durations and "no data for N" need time to pass
    rules_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      alerting->set_clock_synchronised(system_clock_synchronised());
      alerting->on_tick(core::now_ms());
      arm_rules_timer();
    });
  }

  // The learned routine survives restarts: saved in the settings table every 10 min and at stop.
  void restore_wellbeing() {
    if (auto state = store->setting("wellbeing_state")) {
      if (auto r = alerting->restore_wellbeing(*state); !r)
        spdlog::warn("wellbeing: saved routine not restored ({}); learning starts again", r.error().message);
      else
        spdlog::info("wellbeing: learned routine restored");
    }
    if (store->setting("away").value_or("0") == "1") alerting->set_away(true, core::now_ms());
  }

  void save_wellbeing() {
    auto state = alerting ? alerting->wellbeing_state() : std::nullopt;
    if (!state) return;
    if (auto r = store->set_setting("wellbeing_state", *state); !r)
      spdlog::error("wellbeing: cannot save the learned routine: {}", r.error().message);
  }

  core::Result<void> open_accounts() {
    auto a = Accounts::open(config.store.path);
    if (!a) return a.error();
    accounts = std::move(*a);
    if (accounts->setup_required()) {
      // No account yet and no default password: this code, shown here and on the box's own
      // screen, is the only way to create the first (admin) account. A new one on every start.
      spdlog::warn("FIRST-RUN SETUP CODE: {}  (open {}://<this box>:{}/setup/ and enter it; shown on the TV too)",
                   accounts->setup_code(), config.http.tls.enabled ? "https" : "http", config.http.port);
    }
    return {};
  }

  // The dashboard's devices, rules and consent over the YAML's, after a change on either side.
  void apply_overrides() {
    home_overrides = load_overrides(*store);
    registry.apply_settings(effective_devices(config, home_overrides));
    alerting->reconfigure(effective_rules(config, home_overrides));
    if (energy) energy->reconfigure(config.energy);  // the devices' kinds, ratings and calibration again
    apply_consent();
  }

  void apply_consent() {
    const ConsentConfig consent = effective_consent(config, home_overrides);
    alerting->set_outbox_consent(consent.alerts);  // every channel: webhook and uplink
    if (uplink) uplink->set_consent(consent);      // daily summaries
    if (!consent.alerts && (!config.webhook.url.empty() || uplink)) {
      spdlog::warn("consent: the householder has not agreed to alerts leaving the home: none are sent");
    }
  }

  void start_webhook() {
    if (config.webhook.url.empty()) return;
    webhook = std::make_unique<WebhookTransport>(config.webhook,
                                                 [this](std::function<void()> fn) { net::post(io, std::move(fn)); });
    const OutboxPolicy policy{config.webhook.retry_min, config.webhook.retry_max, config.webhook.give_up_after};
    webhook_sender = std::make_unique<OutboxSender>(
        *store, "webhook", *webhook, policy,
        [this](const OutboxMessage& m) { alerting->on_delivered(m.payload, core::now_ms()); });
    api.outbox_channels.push_back("webhook");
    spdlog::info("webhook: alert events go to {}", config.webhook.url);
  }

  // The co-op uplink (gateway/uplink.h). Consent is applied here, before anything is enqueued:
  // alert events only with consent.alerts, daily summaries only with consent.daily_summaries.
  void start_uplink() {
    if (config.uplink.url.empty()) return;
    uplink =
        std::make_unique<Uplink>(io, config.uplink, effective_consent(config, home_overrides), config.home_id, *store,
                                 *alerting, make_paho_mqtt_client(io, uplink_mqtt_config(config.uplink), std::nullopt));
    api.outbox_channels.push_back(UPLINK_CHANNEL);
    api.uplink_metrics = [this] { return uplink->metrics(); };
    uplink->start();
  }

  // Alert events go to every outbox channel the householder allows, in the alert's own transaction.
  void connect_outbox() {
    std::vector<std::string> channels;
    if (webhook_sender) channels.emplace_back("webhook");
    if (uplink) channels.emplace_back(UPLINK_CHANNEL);  // consent: Alerting::set_outbox_consent
    if (channels.empty()) return;
    alerting->set_outbox(channels, [this] { poll_outbox(); });
  }

  void poll_outbox() {
    const auto now = core::now_ms();
    if (webhook_sender) webhook_sender->poll(now);
    if (uplink) uplink->poll(now);
    if (provisioning) provisioning->tick();  // broker answers overdue
  }

  // A completed daily summary ("energy", "wellbeing"; day YYYY-MM-DD; JSON text) for the co-op.
  // Consent is checked by the uplink; nothing happens without an uplink.
  bool enqueue_summary(std::string_view kind, std::string_view day, const std::string& summary_json) {
    if (!uplink) return false;
    if (!uplink->enqueue_summary(kind, day, summary_json, core::now_ms())) return false;
    flush();
    uplink->poll(core::now_ms());
    return true;
  }

  void arm_outbox_timer() {
    outbox_timer.expires_after(std::chrono::seconds{1});
    outbox_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      poll_outbox();
      arm_outbox_timer();
    });
  }

  void arm_watchdog() {
#ifdef HEARTH_HAVE_SYSTEMD
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0) return;
    watchdog_timer.expires_after(std::chrono::microseconds{usec / 2});
    watchdog_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      notify_systemd("WATCHDOG=1");  // only sent while the loop is responsive
      arm_watchdog();
    });
#endif
  }

  void wait_for_stop() {
    stop_signals.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      spdlog::info("received signal {}: flushing and stopping", signo);
      shutdown();
    });
  }

  void wait_for_reload() {
    reload_signal.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      reload();
      wait_for_reload();
    });
  }

  void reload() {
    if (config_path.empty()) {
      spdlog::info("SIGHUP: no config file to reload (running on defaults and overrides)");
      return;
    }
    auto loaded = load_config_file(config_path);
    auto next = loaded ? finalise_config(std::move(*loaded), overrides) : core::Result<GatewayConfig>(loaded.error());
    if (!next) {
      spdlog::error("config reload rejected, keeping the running config: {}", next.error().message);
      return;
    }
    if (next->mqtt.url != config.mqtt.url || next->store.path != config.store.path ||
        next->http.address != config.http.address || next->http.port != config.http.port ||
        next->http.tls.enabled != config.http.tls.enabled || next->http.tls.cert_file != config.http.tls.cert_file ||
        next->home_id != config.home_id || next->webhook.url != config.webhook.url ||
        next->uplink.url != config.uplink.url || next->energy.enabled != config.energy.enabled) {
      spdlog::warn(
          "config reload: mqtt, store, http, home_id, webhook, uplink and energy.enabled changes take effect after a "
          "restart");
    }
    config.consent = next->consent;
    config.devices = next->devices;
    config.ingest = next->ingest;
    config.log_level = next->log_level;
    if (!next->http.api_token.empty()) config.http.api_token = next->http.api_token;
    pipeline->set_config(config.ingest);
    config.rules = next->rules;
    config.energy = next->energy;
    apply_overrides();  // rules, devices (also energy's kinds, ratings, calibration) and consent
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    spdlog::info("config reloaded from {} ({} devices configured)", config_path, config.devices.size());
  }

  void shutdown() {
    if (stopping) return;
    stopping = true;
    notify_systemd("STOPPING=1");
    commit_timer.cancel();
    maintenance_timer.cancel();
    watchdog_timer.cancel();
    rules_timer.cancel();
    outbox_timer.cancel();
    reload_signal.cancel();
    if (http) http->stop();
    save_wellbeing();
    flush();
    if (uplink) uplink->stop();
    if (mqtt) mqtt->stop();  // publishes "offline" (retained) before disconnecting
    io.stop();
  }

  int run() {
    for (const auto& line : describe_config(config)) spdlog::info("{}", line);
    if (auto r = open_store(); !r) {
      spdlog::critical("{}", r.error().message);
      return 1;
    }
    if (config.http.api_token.empty()) {
      auto token = load_or_create_api_token(config.store.path);
      if (!token) {
        spdlog::critical("{}", token.error().message);
        return 1;
      }
      config.http.api_token = *token;
    }
    drivers.emplace(drivers::DriverSet::make_default(config.drivers));
    home_overrides = load_overrides(*store);
    registry.apply_settings(effective_devices(config, home_overrides));
    pipeline = std::make_unique<Pipeline>(*drivers, *store, registry, config.ingest,
                                          [this](const std::string& filter) { mqtt->subscribe(filter); });
    if (auto r = pipeline->restore(); !r)
      spdlog::warn("could not restore state from the database: {}", r.error().message);
    spdlog::info("store: {} devices known from previous runs", registry.size());
    alerting = std::make_unique<Alerting>(
        config.home_id, registry, *store,
        [this](const std::string& topic, const std::string& payload, bool retain) {
          if (mqtt) mqtt->publish(topic, payload, 1, retain);
        },
        effective_rules(config, home_overrides));
    restore_wellbeing();
    if (auto n = alerting->restore(); n)
      spdlog::info("alerts: {} open alert(s) restored", *n);
    else
      spdlog::error("alerts: could not restore open alerts: {}", n.error().message);
    start_uplink();  // before energy: summaries of days completed while stopped go out too
    start_energy();
    pipeline->set_reading_handler([this](const core::Reading& r, const Device& d) {
      alerting->on_reading(r);
      if (energy) energy->on_reading(r, d);
    });
    alerting->set_command_builder(
        [this](const std::string& device_id, bool on) { return drivers->relay_command(device_id, on); });
    start_webhook();
    connect_outbox();
    apply_consent();
    alerting->set_listener([this](const core::Alert& a) {
      if (http)
        http->publish("live", "alert", alert_to_json(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    });
    if (auto r = open_accounts(); !r) {
      spdlog::critical("{}", r.error().message);
      return 1;
    }
    if (auto r = start_http(); !r) {
      spdlog::critical("{}", r.error().message);
      return 1;
    }
    start_mqtt();
    wait_for_stop();
    wait_for_reload();
    arm_commit_timer();
    arm_maintenance_timer(std::chrono::seconds{5});
    arm_watchdog();
    arm_rules_timer();
    arm_outbox_timer();
    if (!system_clock_synchronised()) {
      spdlog::warn("system clock not synchronised yet: readings are stamped with the current clock");
    }
    notify_systemd("READY=1");
    io.run();
    spdlog::info("stopped: {} readings stored this run", store->stats().readings_committed);
    return 0;
  }
};

App::App(GatewayConfig config, std::string config_path, Overrides overrides) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->config_path = std::move(config_path);
  impl_->overrides = std::move(overrides);
}

App::~App() = default;

int App::run() { return impl_->run(); }

}  // namespace hearth::gateway
