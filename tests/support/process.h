#pragma once
// Test helpers: child processes, free loopback ports, a tiny HTTP GET over POSIX sockets, and a
// Mosquitto broker started per test (Mosquitto's own test harness pattern).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth::test {

class Process {
 public:
  Process() = default;
  // Starts argv[0] with arguments; stdout and stderr go to log_path.
  Process(const std::vector<std::string>& argv, const std::string& log_path,
          const std::vector<std::string>& extra_env = {});
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  bool running();
  void signal(int signo);
  // Sends signo and waits up to `timeout`; returns the exit status (or -signal), nullopt on timeout.
  std::optional<int> stop(int signo, std::chrono::milliseconds timeout = std::chrono::seconds{10});
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  int pid_ = -1;
  std::optional<int> status_;
};

std::uint16_t free_port();
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

struct HttpResult {
  int status = 0;
  std::string body;
};
std::optional<HttpResult> http_get(std::uint16_t port, const std::string& target, const std::string& token);
std::optional<HttpResult> http_request(std::uint16_t port, const std::string& method, const std::string& target,
                                       const std::string& token, const std::string& body);

std::string read_file(const std::string& path);
// Mosquitto binary, or empty when not installed.
std::string mosquitto_path();

class MosquittoBroker {
 public:
  explicit MosquittoBroker(const std::string& dir, std::uint16_t port = 0);
  // extra_conf is appended to the generated mosquitto.conf (more listeners, auth, TLS).
  bool start(const std::string& extra_conf = "", bool anonymous = true);
  void stop();
  std::uint16_t port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  std::uint16_t port_;
  Process process_;
};

}  // namespace hearth::test
