#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace hearth::bench {
namespace {

using std::chrono::milliseconds;

const Clock::time_point BENCH_START = Clock::now();

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) != 0) throw BenchError(name + ": not executable");
    return name;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw BenchError(name + ": not found in PATH");
}

// A connected loopback socket, or -1; the caller closes it.
int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool wait_for_port(std::uint16_t port, milliseconds timeout, const Child& owner) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && owner.running()) {
    if (const int fd = connect_loopback(port); fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(milliseconds{20});
  }
  return false;
}

// GET with a bearer token and Connection: close; the body of a 200 response.
std::optional<std::string> http_get(std::uint16_t port, const std::string& target, const std::string& token) {
  const int fd = connect_loopback(port);
  if (fd < 0) return std::nullopt;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                          "\r\nConnection: close\r\n\r\n";
  std::string raw;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    char buf[16384];
    for (int i = 0; i < 1000; ++i) {  // bounded: a health response is a few KiB
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      raw.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (raw.rfind("HTTP/1.1 200", 0) != 0) return std::nullopt;
  const auto body = raw.find("\r\n\r\n");
  if (body == std::string::npos) return std::nullopt;
  return raw.substr(body + 4);
}

std::string random_token() {
  std::random_device rd;
  std::string token;
  for (int i = 0; i < 48; ++i) token.push_back("0123456789abcdef"[rd() % 16]);
  return token;
}

// A YAML double-quoted scalar (device ids contain ':').
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

void note(const std::string& text) {
  std::fprintf(stderr, "[%6.1fs] %s\n", std::chrono::duration<double>(Clock::now() - BENCH_START).count(),
               text.c_str());
}

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw BenchError("no free loopback port");
  return ntohs(addr.sin_port);
}

std::string tail_of(const fs::path& path, std::size_t bytes) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// ---------------------------------------------------------------------------------------------
// Child

Child::Child(std::string name, const std::vector<std::string>& argv, const fs::path& log_path, int nice)
    : name_(std::move(name)) {
  std::vector<std::string> args = argv;
  args[0] = resolve_program(args[0]);
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (devnull < 0 || log < 0) {
    const std::string why = std::strerror(errno);
    if (devnull >= 0) ::close(devnull);
    if (log >= 0) ::close(log);
    throw BenchError(log_path.string() + ": " + why);
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec: the bench has other threads.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::signal(SIGPIPE, SIG_DFL);  // the bench ignores SIGPIPE; exec would inherit that
    // Before exec, so every thread hearthd starts inherits it; failure (not root) is reported by
    // the parent below.
    if (nice != 0 && ::setpriority(PRIO_PROCESS, 0, nice) != 0) ::_exit(126);
    ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
  }
  ::close(devnull);
  ::close(log);
  if (pid < 0) throw BenchError("fork: " + std::string(std::strerror(errno)));
  pid_ = pid;
}

Child::~Child() { (void)stop(SIGKILL, milliseconds{2000}); }

Child::Child(Child&& other) noexcept : name_(std::move(other.name_)), pid_(std::exchange(other.pid_, -1)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    (void)stop(SIGKILL, milliseconds{2000});
    name_ = std::move(other.name_);
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

bool Child::running() const {
  if (pid_ <= 0) return false;
  siginfo_t si{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return si.si_pid == 0;
}

int Child::stop(int signo, milliseconds timeout) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, signo);
  const auto deadline = Clock::now() + timeout;
  while (running() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds{5});
  if (running()) {
    note(name_ + " did not stop in time: killing it");
    ::kill(pid_, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

// ---------------------------------------------------------------------------------------------
// Broker

Broker::Broker(const std::string& mosquitto, const fs::path& dir, bool tcp_nodelay) {
  const fs::path log = dir / "mosquitto.log";
  for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken before mosquitto binds it
    port_ = free_loopback_port();
    const fs::path conf = dir / "mosquitto.conf";
    std::ofstream(conf) << "# written by hearth_alert_latency_bench\n"
                        << "listener " << port_ << " 127.0.0.1\n"
                        << "allow_anonymous true\n"
                        << "persistence false\n"
                        << "max_queued_messages 0\n"  // late, never lost, if a subscriber falls behind
                        << "set_tcp_nodelay " << (tcp_nodelay ? "true" : "false") << "\n"
                        << "log_dest stderr\nlog_type error\nlog_type warning\n";
    child_ = Child("mosquitto", {mosquitto, "-c", conf.string()}, log);
    if (wait_for_port(port_, milliseconds{5000}, child_)) return;
    child_.stop(SIGKILL, milliseconds{1000});
  }
  throw BenchError("mosquitto did not start; " + log.string() + ":\n" + tail_of(log));
}

Broker::~Broker() { child_.stop(SIGTERM, milliseconds{3000}); }

// ---------------------------------------------------------------------------------------------
// Hearthd

Hearthd::Hearthd(const HearthdSpec& spec, const fs::path& dir, std::uint16_t mqtt_port)
    : log_(dir / ("hearthd-" + spec.home_id + ".log")), http_port_(free_loopback_port()), token_(random_token()) {
  const fs::path conf = dir / ("hearthd-" + spec.home_id + ".yaml");
  {
    std::ofstream out(conf);
    out << "# written by hearth_alert_latency_bench\n"
        << "home_id: " << spec.home_id << "\n"
        << "mqtt:\n  url: tcp://127.0.0.1:" << mqtt_port << "\n"
        << "store:\n  path: " << (dir / ("hearth-" + spec.home_id + ".db")).string()
        << "\n  synchronous: " << (spec.synchronous_full ? "full" : "normal") << "\n";
    if (spec.commit_interval_ms > 0) out << "  commit_interval: " << spec.commit_interval_ms << "ms\n";
    out << "http:\n  address: 127.0.0.1\n  port: " << http_port_ << "\n  api_token: " << token_ << "\n";
    if (!spec.devices.empty()) out << "devices:\n";
    for (const auto& [id, d] : spec.devices) {
      out << "  " << quoted(id) << ": {name: " << quoted(d.name) << ", room: " << quoted(d.room) << "}\n";
    }
  }
  child_ = Child("hearthd", {spec.binary, "--config", conf.string()}, log_, spec.nice);
  if (!wait_for_port(http_port_, milliseconds{10000}, child_)) {
    throw BenchError("hearthd did not open its API; " + log_.string() + ":\n" + tail_of(log_));
  }
  const auto deadline = Clock::now() + milliseconds{10000};
  while (true) {
    if (auto h = health(); h && h->value(nlohmann::json::json_pointer("/mqtt/connected"), false)) return;
    if (Clock::now() > deadline || !child_.running()) {
      throw BenchError("hearthd did not connect to the broker; " + log_.string() + ":\n" + tail_of(log_));
    }
    std::this_thread::sleep_for(milliseconds{20});
  }
}

Hearthd::~Hearthd() { (void)stop(); }

std::optional<nlohmann::json> Hearthd::health() const {
  auto body = http_get(http_port_, "/api/v1/health", token_);
  if (!body) return std::nullopt;
  auto j = nlohmann::json::parse(*body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

int Hearthd::stop() { return child_.stop(SIGTERM, milliseconds{15000}); }

}  // namespace hearth::bench
