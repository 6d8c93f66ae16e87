// bench/coordinator: hearth-coordinator at co-op scale (issue 7), through a real Mosquitto on
// loopback, against N coordinator instances (separate processes, as deployed) sharing one store
// (--store sqlite: one SQLite file; --store postgresql: a private PostgreSQL cluster the bench
// starts, fsync and synchronous_commit on, as tests/support/postgres_cluster.h) through an MQTT 5
// shared subscription:
//   1. daily summaries: one energy summary (rules::energy::DailySummary JSON, as gateways send it)
//      from each of --homes homes, published at once; throughput = summaries / (last receipt - first
//      publish). A receipt is published by the coordinator only after the summary is committed.
//   2. a burst of --alerts alert events from as many homes, published back to back; latency of each
//      = publish -> its receipt (alert stored at the co-op), and publish -> the first notification
//      (every home escalates to its co-op's duty coordinator; the bench subscribes to
//      hearth-carer/v1/+/+/notify). In the same run and just before, the
//      baseline: the same number of messages published back to back to a topic the bench itself
//      subscribes to (the bare broker's round trip), so the result is a ratio, not a threshold.
//   3. storage per home-year = database bytes after phase 1 / (homes x days) x 365 (PostgreSQL:
//      pg_database_size).
// One client publishes on behalf of every gateway (topics per gateway; the broker has no ACL here),
// so 10,000 gateway connections are not simulated.
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <utility>  // before Asio (asio#944)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "gateway/mqtt_client.h"
#include "rules/energy_summary.h"
#include "rules/energy_time.h"
#include "support/postgres_cluster.h"
#include "support/process.h"

namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using hearth::test::Process;

struct Options {
  int homes = 10'000;
  int alerts = 1'000;
  int instances = 2;
  int days = 1;
  std::string workdir;
  bool keep = false;
  bool broker_nodelay = false;
  int broker_inflight = 0;
  int window = 16;  // the bench client's unacknowledged publishes (below Mosquitto's default 20)  // Mosquitto
                    // max_inflight_messages; 0: its default (20)
  int timeout_s = 300;
  std::string store = "sqlite";  // or postgresql
};

std::string gateway_id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "gw-%05d", i);
  return buf;
}
std::string coop_of(int i) { return i % 2 == 0 ? "bench-a" : "bench-b"; }

std::string summary_payload(int home, hearth::rules::energy::Day day) {
  using namespace hearth::rules::energy;
  DailySummary s;
  s.day = day;
  s.date = format_day(day);
  s.from_mains = home % 3 == 0;
  s.electricity.measured = 7.5 + (home % 17) * 0.31;
  s.electricity.estimated = 0.12;
  s.electricity_pence = std::llround(s.electricity.total() * 24.5);
  s.standing_pence = 60 + 31;
  s.gas.measured = 22.0 + (home % 11);
  s.gas_pence = std::llround(s.gas.total() * 6.04);
  s.monitored_kwh = 3.2;
  if (s.from_mains) s.unmonitored_kwh = s.electricity.total() - s.monitored_kwh;
  for (const char* kind : {"kettle", "fridge", "tv", "washing_machine", "microwave"}) {
    ApplianceDay a;
    a.kind = kind;
    a.devices = 1;
    a.kwh.measured = 0.4 + (home % 5) * 0.1;
    a.pence = std::llround(a.kwh.total() * 24.5);
    a.coverage = 0.99;
    a.standby_w = 1.5;
    s.appliances.push_back(a);
  }
  s.baseload_w = 140.0;
  s.baseload_provenance = Provenance::measured;
  s.heating_kwh = 18.0;
  s.cold_home_hours = home % 7 == 0 ? 3.5 : 0.0;
  s.self_rationing = home % 13 == 0;
  s.outdoor_mean_c = 6.5;
  s.heating_degree_days = 9.0;
  s.coverage = 0.998;
  s.tariff_id = "ofgem-cap-2026q1";
  const std::string gw = gateway_id(home);
  return nlohmann::json{{"schema", 1},
                        {"type", "daily_summary"},
                        {"message_id", gw + "/summary/energy/" + s.date},
                        {"home_id", gw},
                        {"kind", "energy"},
                        {"day", s.date},
                        {"summary", nlohmann::json::parse(daily_summary_to_json(s))}}
      .dump();
}

std::string alert_payload(int home, std::int64_t now_ms) {
  const std::string gw = gateway_id(home);
  const std::string alert_id = "smoke:z2m:kitchen/smoke";
  return nlohmann::json{{"schema", 1},
                        {"type", "alert_event"},
                        {"message_id", gw + "/" + alert_id + "/raised/" + std::to_string(now_ms)},
                        {"home_id", gw},
                        {"event", "raised"},
                        {"event_ms", now_ms},
                        {"alert",
                         {{"id", alert_id},
                          {"rule", "smoke"},
                          {"severity", "emergency"},
                          {"state", "raised"},
                          {"raised_ms", now_ms},
                          {"acknowledged_ms", nullptr},
                          {"acknowledged_by", ""},
                          {"resolved_ms", nullptr}}}}
      .dump();
}

std::string notify_id(const std::string& home, std::int64_t raised_ms) {
  return "notify/" + home + "/" + std::to_string(raised_ms);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::uintmax_t db_bytes(const fs::path& db) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto n = fs::file_size(db.string() + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

// The bench's own MQTT client (the gateway's Paho adapter) on an io thread; arrivals are recorded
// with the steady clock on that thread.
class Client {
 public:
  Client(std::uint16_t port, std::size_t window) : window_(window) {
    hearth::gateway::MqttConfig c;
    c.url = "tcp://127.0.0.1:" + std::to_string(port);
    c.client_id = "hearth-coordinator-bench";
    c.username = "bench";
    c.version = 5;
    mqtt_ = hearth::gateway::make_paho_mqtt_client(io_, c, std::nullopt);
    mqtt_->set_message_handler([this](hearth::gateway::InboundMessage m) {
      const auto now = Clock::now();
      std::string id;
      if (m.topic.rfind("bench/echo/", 0) == 0) {
        id = m.topic;
      } else if (m.topic.rfind("hearth-carer/", 0) == 0) {
        // The first person told (the co-op's duty coordinator): keyed by home and raised time.
        try {
          const auto j = nlohmann::json::parse(m.payload);
          id = notify_id(j.at("home_id").get<std::string>(), j.at("raised_ms").get<std::int64_t>());
        } catch (const std::exception&) {
          return;
        }
      } else {
        try {
          id = nlohmann::json::parse(m.payload).at("message_id").get<std::string>();
        } catch (const std::exception&) {
          return;
        }
      }
      std::lock_guard lock(mutex_);
      if (arrivals_.emplace(id, now).second) changed_.notify_all();
    });
    mqtt_->subscribe("hearth-uplink/v1/+/+/receipt");
    mqtt_->subscribe("bench/echo/#");
    mqtt_->subscribe("hearth-carer/v1/+/+/notify");
    thread_ = std::thread([this] { io_.run(); });
    net::post(io_, [this] { mqtt_->start(); });
  }
  ~Client() {
    std::promise<void> stopped;
    net::post(io_, [&] {
      mqtt_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  bool wait_connected(std::chrono::seconds timeout) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (mqtt_->connected()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    return false;
  }

  // Publishes every (topic, payload) in order at QoS 1, keeping up to `window` unacknowledged (the
  // broker's receive maximum and Paho's buffer bound one connection; real gateways each have their
  // own). Returns each message's hand-over time to Paho, once every PUBACK is in.
  std::vector<Clock::time_point> publish_all(const std::vector<std::pair<std::string, std::string>>& messages) {
    struct State {
      std::vector<Clock::time_point> at;
      std::size_t next = 0;
      std::size_t in_flight = 0;
      std::size_t failed = 0;
      std::promise<void> done;
    } st;
    st.at.resize(messages.size());
    std::function<void()> pump = [&] {
      while (st.in_flight < window_ && st.next < messages.size()) {
        const std::size_t i = st.next++;
        ++st.in_flight;
        st.at[i] = Clock::now();
        mqtt_->publish_confirmed(messages[i].first, messages[i].second, 1, {},
                                 [&](const hearth::gateway::PublishResult& r) {
                                   --st.in_flight;
                                   if (!r.ok) ++st.failed;
                                   pump();
                                 });
      }
      if (st.in_flight == 0 && st.next == messages.size()) st.done.set_value();
    };
    net::post(io_, pump);
    st.done.get_future().wait();
    if (st.failed > 0) std::printf("warning: %zu publishes failed\n", st.failed);
    return st.at;
  }

  // Waits until every id has arrived (or the timeout); returns the arrival times (missing: nullopt).
  std::vector<std::optional<Clock::time_point>> wait_for(const std::vector<std::string>& ids,
                                                         std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    const auto all_there = [&] {
      return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return arrivals_.contains(id); });
    };
    changed_.wait_for(lock, timeout, all_there);
    std::vector<std::optional<Clock::time_point>> out;
    for (const auto& id : ids) {
      const auto it = arrivals_.find(id);
      out.push_back(it == arrivals_.end() ? std::nullopt : std::optional(it->second));
    }
    return out;
  }

 private:
  std::size_t window_;
  net::io_context io_{1};
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  std::unique_ptr<hearth::gateway::MqttClient> mqtt_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Clock::time_point> arrivals_;
};

struct Latencies {
  std::vector<double> ms;
  int lost = 0;
};

Latencies latencies(const std::vector<Clock::time_point>& sent,
                    const std::vector<std::optional<Clock::time_point>>& arrived) {
  Latencies l;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (!arrived[i]) {
      ++l.lost;
      continue;
    }
    l.ms.push_back(std::chrono::duration<double, std::milli>(*arrived[i] - sent[i]).count());
  }
  return l;
}

std::string last_stats_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find("received ") != std::string::npos && line.find("stored ") != std::string::npos) last = line;
  }
  const auto at = last.find("received ");
  return at == std::string::npos ? "(no stats line)" : last.substr(at);
}

bool log_contains(const fs::path& log, const std::string& text) {
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

std::int64_t count_rows(const fs::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(raw, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(raw);
  return n;
}

class Instances {
 public:
  Instances(const Options& o, const fs::path& dir, const fs::path& config) : o_(o), dir_(dir), config_(config) {}
  bool start(int round) {
    procs_.clear();
    logs_.clear();
    for (int i = 1; i <= o_.instances; ++i) {
      const fs::path log = dir_ / ("coordinator-" + std::to_string(i) + "-" + std::to_string(round) + ".log");
      logs_.push_back(log);
      procs_.emplace_back(std::vector<std::string>{HEARTH_BENCH_COORDINATOR, "run", "--config", config_.string(),
                                                   "--instance", "c" + std::to_string(i)},
                          log.string());
    }
    const auto end = Clock::now() + std::chrono::seconds{20};
    while (Clock::now() < end) {
      if (std::all_of(logs_.begin(), logs_.end(), [](const fs::path& l) { return log_contains(l, "mqtt: connected"); }))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{500});  // their SUBSCRIBE follows the CONNACK
    return std::all_of(logs_.begin(), logs_.end(),
                       [](const fs::path& l) { return log_contains(l, "mqtt: connected"); });
  }
  void stop() {
    for (auto& p : procs_) (void)p.stop(SIGTERM, std::chrono::seconds{20});
    for (std::size_t i = 0; i < logs_.size(); ++i)
      std::printf("  instance c%zu: %s\n", i + 1, last_stats_line(logs_[i]).c_str());
  }

 private:
  const Options& o_;
  fs::path dir_, config_;
  std::vector<Process> procs_;
  std::vector<fs::path> logs_;
};

int run(const Options& o) {
  if (hearth::test::mosquitto_path().empty()) {
    std::fprintf(stderr, "mosquitto is not installed\n");
    return 77;
  }
  fs::path dir = o.workdir;
  if (dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "hearth-coordinator-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  fs::create_directories(dir);
  const fs::path db = dir / "coordinator.db";
  fs::remove(db);
  const bool postgres = o.store == "postgresql";
  std::unique_ptr<hearth::test::PostgresCluster> pg;
  if (postgres) {
    fs::remove_all(dir / "pg");
    pg = std::make_unique<hearth::test::PostgresCluster>((dir / "pg").string(),
                                                         hearth::test::PostgresCluster::Options{true, 50});
    std::string error;
    if (hearth::test::postgres_bin_dir().empty()) {
      std::fprintf(stderr, "PostgreSQL is not installed\n");
      return 77;
    }
    if (!pg->start(error) || !pg->create_database("coordinator", error)) {
      std::fprintf(stderr, "PostgreSQL: %s\n", error.c_str());
      return 1;
    }
  }
  // The store's size and row counts, whichever backend.
  const auto store_bytes = [&]() -> std::uintmax_t {
    if (!postgres) return db_bytes(db);
    const std::string n = pg->scalar("coordinator", "SELECT pg_database_size('coordinator')");
    return n.empty() ? 0 : std::stoull(n);
  };
  const auto store_rows = [&](const char* sql) -> std::int64_t {
    if (!postgres) return count_rows(db, sql);
    const std::string n = pg->scalar("coordinator", sql);
    return n.empty() ? -1 : std::stoll(n);
  };
  std::printf("# bench/coordinator\n\nworkdir %s; %d homes, %d summary day(s) each, %d alerts, %d instance(s), %s\n\n",
              dir.c_str(), o.homes, o.days, o.alerts, o.instances,
              postgres ? (std::string("PostgreSQL ") + pg->scalar("postgres", "SHOW server_version") +
                          " (private cluster, fsync on, synchronous_commit on)")
                             .c_str()
                       : "SQLite shared file (WAL, synchronous=FULL)");

  hearth::test::MosquittoBroker broker(dir.string());
  std::string extra = "max_queued_messages 0\n";  // a slow subscriber gets messages late, never loses them
  if (o.broker_nodelay) extra += "set_tcp_nodelay true\n";
  if (o.broker_inflight > 0) extra += "max_inflight_messages " + std::to_string(o.broker_inflight) + "\n";
  if (!broker.start(extra)) {
    std::fprintf(stderr, "mosquitto did not start; see %s/mosquitto.log\n", dir.c_str());
    return 1;
  }
  std::ofstream(dir / "mqtt.password") << "bench\n";
  {
    std::ofstream conf(dir / "coordinator.yaml");
    conf << "log_level: info\nmqtt:\n  url: " << broker.url()
         << "\n  username: coordinator\n  password_file: " << (dir / "mqtt.password").string() << "\nstore:\n";
    if (postgres)
      conf << "  backend: postgresql\n  conninfo: " << pg->conninfo("coordinator")
           << "\n  password_file: " << pg->password_file() << "\n";
    else
      conf << "  backend: sqlite\n  path: " << db.string() << "\n";
    conf << "coops:\n";
    for (const std::string coop : {"bench-a", "bench-b"}) {
      conf << "  " << coop << ":\n    gateways:\n";
      for (int i = 0; i < o.homes; ++i) {
        if (coop_of(i) == coop) conf << "      - " << gateway_id(i) << "\n";
      }
    }
    // Every home escalates to its co-op's duty coordinator: each alert's first notification.
    conf << "escalation:\n  duty:\n"
         << "    bench-a: {id: duty-a, name: Duty A, role: duty, language: en, ack_within: 15m}\n"
         << "    bench-b: {id: duty-b, name: Duty B, role: duty, language: en, ack_within: 15m}\n";
  }
  Instances instances(o, dir, dir / "coordinator.yaml");
  if (!instances.start(1)) {
    std::fprintf(stderr, "coordinator instances did not connect; see %s/coordinator-*.log\n", dir.c_str());
    return 1;
  }
  const auto empty_bytes = store_bytes();
  int status = 0;
  {
    Client client(broker.port(), static_cast<std::size_t>(o.window));
    if (!client.wait_connected(std::chrono::seconds{10})) {
      std::fprintf(stderr, "bench client did not connect\n");
      return 1;
    }
    // Phase 1: every home's daily summaries.
    const auto first_day = *hearth::rules::energy::parse_day("2026-01-05");
    std::vector<std::pair<std::string, std::string>> messages;
    std::vector<std::string> ids;
    for (int d = 0; d < o.days; ++d) {
      for (int i = 0; i < o.homes; ++i) {
        const std::string gw = gateway_id(i);
        messages.emplace_back("hearth-uplink/v1/" + coop_of(i) + "/" + gw + "/summary",
                              summary_payload(i, first_day + d));
        ids.push_back(gw + "/summary/energy/" + hearth::rules::energy::format_day(first_day + d));
      }
    }
    std::size_t bytes = 0;
    for (const auto& m : messages) bytes += m.second.size();
    const auto sent = client.publish_all(messages);
    const auto arrived = client.wait_for(ids, std::chrono::seconds{o.timeout_s});
    const auto l = latencies(sent, arrived);
    Clock::time_point last = sent.front();
    for (const auto& a : arrived) {
      if (a) last = std::max(last, *a);
    }
    const double secs = std::chrono::duration<double>(last - sent.front()).count();
    std::printf("## daily summaries\n\n%zu summaries (%.0f bytes each on average) published back to back\n\n",
                messages.size(), static_cast<double>(bytes) / static_cast<double>(messages.size()));
    std::printf("| figure | value |\n|---|---:|\n");
    std::printf("| all stored (first publish -> last receipt) | %.2f s |\n", secs);
    std::printf("| throughput | %.0f summaries/s |\n", static_cast<double>(l.ms.size()) / secs);
    std::printf("| publish -> receipt p50 / p99 | %.0f / %.0f ms |\n", percentile(l.ms, 50), percentile(l.ms, 99));
    std::printf("| without receipt after %d s | %d |\n\n", o.timeout_s, l.lost);
    if (l.lost > 0) status = 3;
  }
  std::printf("stopping the instances to measure the database (WAL checkpointed on close):\n");
  instances.stop();
  const auto summary_bytes = store_bytes() - empty_bytes;
  const auto stored_summaries = store_rows("SELECT count(*) FROM summaries");
  const double per_home_year = static_cast<double>(summary_bytes) / o.homes / o.days * 365.0;
  std::printf("\n## storage\n\n| figure | value |\n|---|---:|\n");
  std::printf("| summaries stored (rows) | %lld of %d |\n", static_cast<long long>(stored_summaries), o.homes * o.days);
  std::printf("| database growth | %.1f MB |\n", static_cast<double>(summary_bytes) / 1e6);
  std::printf("| per home-year (daily energy summaries) | %.0f kB |\n\n", per_home_year / 1e3);

  if (!instances.start(2)) {
    std::fprintf(stderr, "coordinator instances did not restart\n");
    return 1;
  }
  {
    Client client(broker.port(), static_cast<std::size_t>(o.window));
    if (!client.wait_connected(std::chrono::seconds{10})) return 1;
    // Baseline: the bare broker's round trip for the same burst, just before the alerts.
    std::vector<std::pair<std::string, std::string>> echo;
    std::vector<std::string> echo_ids;
    const std::string filler(600, 'x');  // about an alert event's size
    for (int i = 0; i < o.alerts; ++i) {
      echo.emplace_back("bench/echo/" + std::to_string(i), filler);
      echo_ids.push_back("bench/echo/" + std::to_string(i));
    }
    const auto echo_sent = client.publish_all(echo);
    const auto base = latencies(echo_sent, client.wait_for(echo_ids, std::chrono::seconds{o.timeout_s}));

    std::vector<std::pair<std::string, std::string>> alerts;
    std::vector<std::string> ids;
    std::vector<std::string> notify_ids;
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    for (int i = 0; i < o.alerts; ++i) {
      const int home = i % o.homes;
      const std::string payload = alert_payload(home, now_ms + i / o.homes);
      ids.push_back(nlohmann::json::parse(payload)["message_id"].get<std::string>());
      notify_ids.push_back(notify_id(gateway_id(home), now_ms + i / o.homes));
      alerts.emplace_back("hearth-uplink/v1/" + coop_of(home) + "/" + gateway_id(home) + "/alert", payload);
    }
    const auto sent = client.publish_all(alerts);
    const auto arrived = client.wait_for(ids, std::chrono::seconds{o.timeout_s});
    const auto l = latencies(sent, arrived);
    const auto notified = latencies(sent, client.wait_for(notify_ids, std::chrono::seconds{o.timeout_s}));
    Clock::time_point last = sent.front();
    for (const auto& a : arrived) {
      if (a) last = std::max(last, *a);
    }
    const double burst_s = std::chrono::duration<double>(last - sent.front()).count();
    std::printf("## burst of %d alerts\n\n", o.alerts);
    std::printf("| series | p50 | p90 | p99 | max | lost |\n|---|---:|---:|---:|---:|---:|\n");
    const auto row = [](const char* name, const Latencies& x) {
      std::printf("| %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %d |\n", name, percentile(x.ms, 50),
                  percentile(x.ms, 90), percentile(x.ms, 99), percentile(x.ms, 100), x.lost);
    };
    row("bare broker round trip (baseline)", base);
    row("alert published -> stored receipt", l);
    row("alert published -> first notification (duty coordinator)", notified);
    const double b99 = percentile(base.ms, 99);
    std::printf(
        "\nalert p99 / broker p99: %.1f; whole burst (first publish -> last receipt) %.2f s = %.0f alerts/s\n\n",
        b99 > 0 ? percentile(l.ms, 99) / b99 : 0.0, burst_s,
        burst_s > 0 ? static_cast<double>(l.ms.size()) / burst_s : 0.0);
    if (l.lost > 0 || notified.lost > 0) status = 3;
  }
  std::printf("stopping the instances:\n");
  instances.stop();
  std::printf("alert events stored: %lld of %d; first notifications recorded: %lld, for %lld distinct alerts\n",
              static_cast<long long>(store_rows("SELECT count(*) FROM alert_events")), o.alerts,
              static_cast<long long>(store_rows("SELECT count(*) FROM escalation_steps WHERE kind = 'notified'")),
              static_cast<long long>(store_rows("SELECT count(DISTINCT home_id || '/' || alert_id || '/' || raised_ms) "
                                                "FROM escalation_steps WHERE kind = 'notified'")));
  broker.stop();
  pg.reset();
  if (o.workdir.empty() && !o.keep) fs::remove_all(dir);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"bench/coordinator: hearth-coordinator ingest at co-op scale (see bench/README.md)"};
  cli.add_option("--homes", o.homes, "homes (gateways), split over two co-ops")->capture_default_str();
  cli.add_option("--days", o.days, "daily summaries per home")->capture_default_str();
  cli.add_option("--alerts", o.alerts, "alerts in the burst")->capture_default_str();
  cli.add_option("--instances", o.instances, "hearth-coordinator instances")->capture_default_str();
  cli.add_option("--workdir", o.workdir, "directory for the broker, config and database (kept)");
  cli.add_option("--timeout", o.timeout_s, "seconds to wait for receipts")->capture_default_str();
  cli.add_flag("--keep", o.keep, "keep the temporary directory");
  cli.add_option("--store", o.store,
                 "the coordinators' store: sqlite (one shared file) or postgresql (a private "
                 "cluster started by the bench)")
      ->check(CLI::IsMember({"sqlite", "postgresql"}))
      ->capture_default_str();
  cli.add_option("--broker-inflight", o.broker_inflight, "Mosquitto max_inflight_messages (0: default 20)");
  cli.add_option("--window", o.window, "unacknowledged publishes of the bench client")->capture_default_str();
  cli.add_flag("--broker-nodelay", o.broker_nodelay, "run Mosquitto with set_tcp_nodelay true");
  CLI11_PARSE(cli, argc, argv);
  if (o.homes < 1 || o.alerts < 1 || o.instances < 1 || o.days < 1 || o.window < 1) {
    std::fprintf(stderr, "--homes, --alerts, --instances and --days must be positive\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  return run(o);
}
