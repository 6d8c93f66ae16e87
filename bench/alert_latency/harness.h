#pragma once
// The alert-latency bench's processes: a private Mosquitto on a free loopback port and hearthd
// started as a separate process (exactly as deployed) with a generated config, a fresh database
// and its health endpoint. Children die with the bench (PR_SET_PDEATHSIG); every wait is bounded.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wire_mqtt.h"

namespace hearth::bench {

namespace fs = std::filesystem;

// Progress on stderr, prefixed with seconds since the bench started.
void note(const std::string& text);

std::uint16_t free_loopback_port();

class Child {
 public:
  Child() = default;
  // Starts argv (argv[0] resolved through PATH); stdout and stderr are appended to log_path.
  // `nice`: the child's scheduling priority (as hearthd.service's Nice=); 0 inherits the bench's.
  Child(std::string name, const std::vector<std::string>& argv, const fs::path& log_path, int nice = 0);
  ~Child();
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const;
  // Sends `signo`, waits up to `timeout` (then SIGKILL) and reaps; returns the wait status.
  int stop(int signo, std::chrono::milliseconds timeout);

 private:
  std::string name_;
  pid_t pid_ = -1;
};

class Broker {
 public:
  // tcp_nodelay: Mosquitto's set_tcp_nodelay (off by default: Nagle's algorithm on client sockets).
  Broker(const std::string& mosquitto, const fs::path& dir, bool tcp_nodelay);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  Child child_;
};

struct DeviceDecl {
  std::string name;
  std::string room;
};

struct HearthdSpec {
  std::string binary;
  std::string home_id;
  bool synchronous_full = true;
  int commit_interval_ms = 0;                 // store.commit_interval; 0 leaves hearthd's default
  int nice = 0;                               // hearthd's scheduling priority (negative needs root)
  std::map<std::string, DeviceDecl> devices;  // device id -> name and room, written under `devices:`
};

// A hearthd process on its own fresh database in `dir`, with the API on a free loopback port.
class Hearthd {
 public:
  Hearthd(const HearthdSpec& spec, const fs::path& dir, std::uint16_t mqtt_port);
  ~Hearthd();
  Hearthd(const Hearthd&) = delete;
  Hearthd& operator=(const Hearthd&) = delete;

  // GET /api/v1/health, or nullopt when it did not answer 200 with JSON.
  std::optional<nlohmann::json> health() const;
  pid_t pid() const { return child_.pid(); }
  const fs::path& log() const { return log_; }
  int stop();  // SIGTERM: hearthd flushes and exits

 private:
  fs::path log_;
  std::uint16_t http_port_ = 0;
  std::string token_;
  Child child_;
};

// The last `bytes` of a log file, for error messages.
std::string tail_of(const fs::path& path, std::size_t bytes = 1500);

}  // namespace hearth::bench
