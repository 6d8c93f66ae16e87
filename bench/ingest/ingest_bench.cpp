// bench/ingest: how fast hearthd stores Tasmota plug telemetry arriving through Mosquitto, compared
// with the bare broker delivering the same messages to mosquitto_sub in the same run; plus hearthd's
// peak RSS and the bytes it writes to disk per reading. bench/README.md explains every figure.
//
// Everything is on loopback and private to the run: a Mosquitto on a free port, D simulated plugs
// (one MQTT connection each), mosquitto_sub, and hearthd with a fresh database in a temp directory.
// The plugs are driven by a minimal MQTT 3.1.1 publisher written here (non-blocking sockets, one
// thread), so the generator costs exactly the same in every phase. Every wait is bounded; the bench
// stops by itself and exits 0 unless something broke (or --check and a target was missed).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "gateway/config.h"
#include "gateway/store.h"

#ifndef HEARTH_BENCH_HEARTHD
#define HEARTH_BENCH_HEARTHD "hearthd"
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr int READINGS_PER_MESSAGE = 4;    // power_w, energy_kwh, voltage_v, current_a
constexpr int MAX_INFLIGHT_PER_PLUG = 10;  // QoS 1 publishes a plug may have unacknowledged
constexpr double KIB = 1024.0;
constexpr double MIB = 1024.0 * 1024.0;

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string hearthd = HEARTH_BENCH_HEARTHD;
  std::string mosquitto = "/usr/sbin/mosquitto";
  std::string mosquitto_sub = "mosquitto_sub";
  std::uint64_t messages = 100'000;
  int devices = 200;
  int qos = 0;
  std::uint64_t window = 2000;
  std::string synchronous = "full";
  double steady_seconds = 30.0;
  double steady_interval = 10.0;
  double phase_timeout = 60.0;
  int poll_ms = 20;
  std::string workdir;
  bool keep = false;
  bool check = false;
  bool skip_steady = false;
};

const Clock::time_point BENCH_START = Clock::now();

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

template <typename... Args>
void note(const char* fmt, Args... args) {
  std::fprintf(stderr, "[%6.1fs] ", seconds_between(BENCH_START, Clock::now()));
  if constexpr (sizeof...(Args) == 0) {
    std::fputs(fmt, stderr);
  } else {
    std::fprintf(stderr, fmt, args...);  // NOLINT: format strings are literals in this file
  }
  std::fputc('\n', stderr);
}

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

void check_deadline(Clock::time_point deadline, const std::string& what) {
  if (Clock::now() > deadline) throw BenchError("timed out: " + what);
}

// ---------------------------------------------------------------------------------------------
// File descriptors and child processes

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

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

// A child process that dies with the bench (PR_SET_PDEATHSIG) and is killed by the destructor.
class Child {
 public:
  Child() = default;
  Child(std::string name, const std::vector<std::string>& argv, int stdout_fd, int stderr_fd) : name_(std::move(name)) {
    std::vector<std::string> args = argv;
    args[0] = resolve_program(args[0]);
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw BenchError("fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
      // Only async-signal-safe calls until exec: the bench has other threads.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::signal(SIGPIPE, SIG_DFL);  // the bench ignores SIGPIPE; exec would inherit that
      ::dup2(devnull.get(), 0);
      if (stdout_fd >= 0) ::dup2(stdout_fd, 1);
      if (stderr_fd >= 0) ::dup2(stderr_fd, 2);
      ::execv(cargs[0], cargs.data());
      ::_exit(127);
    }
    pid_ = pid;
  }
  ~Child() { kill_now(); }
  Child(Child&& o) noexcept : name_(std::move(o.name_)), pid_(std::exchange(o.pid_, -1)) {}
  Child& operator=(Child&& o) noexcept {
    if (this != &o) {
      kill_now();
      name_ = std::move(o.name_);
      pid_ = std::exchange(o.pid_, -1);
    }
    return *this;
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // True while the process has not exited (does not reap it).
  bool running() const {
    if (pid_ <= 0) return false;
    siginfo_t si{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
    return si.si_pid == 0;
  }

  // Sends `signo`, waits up to `timeout` for the exit (SIGKILL after that), runs `before_reap` while the
  // exited process can still be inspected in /proc, then reaps it. Returns the wait status.
  int stop(int signo, milliseconds timeout, const std::function<void(pid_t)>& before_reap = {}) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, signo);
    const auto deadline = Clock::now() + timeout;
    while (running() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds{5});
    if (running()) {
      note("%s did not stop within %lld ms: killing it", name_.c_str(), static_cast<long long>(timeout.count()));
      ::kill(pid_, SIGKILL);
      while (running()) std::this_thread::sleep_for(milliseconds{5});
    }
    if (before_reap) before_reap(pid_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string name_;
  pid_t pid_ = -1;
};

Fd open_log(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw BenchError(path.string() + ": " + std::strerror(errno));
  return fd;
}

std::string tail_of(const fs::path& path, std::size_t bytes = 1500) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// ---------------------------------------------------------------------------------------------
// /proc

struct ProcIo {
  std::uint64_t wchar = 0;                  // bytes passed to write()-family calls (files, pipes)
  std::uint64_t write_bytes = 0;            // bytes of page cache dirtied for the block device
  std::uint64_t cancelled_write_bytes = 0;  // dirtied, then truncated away before writeback
  std::uint64_t storage() const { return write_bytes - std::min(write_bytes, cancelled_write_bytes); }
};

ProcIo operator-(const ProcIo& a, const ProcIo& b) {
  return {a.wchar - b.wchar, a.write_bytes - b.write_bytes, a.cancelled_write_bytes - b.cancelled_write_bytes};
}

ProcIo read_proc_io(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  if (!in) throw BenchError("cannot read /proc/" + std::to_string(pid) + "/io");
  ProcIo io;
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "wchar:") io.wchar = value;
    if (key == "write_bytes:") io.write_bytes = value;
    if (key == "cancelled_write_bytes:") io.cancelled_write_bytes = value;
  }
  return io;
}

std::uint64_t read_status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  throw BenchError("no " + field + " in /proc/" + std::to_string(pid) + "/status");
}

// ---------------------------------------------------------------------------------------------
// Loopback sockets and a tiny HTTP GET

std::uint16_t free_loopback_port() {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw BenchError("bind 127.0.0.1:0 failed");
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

Fd connect_loopback(std::uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Fd{};
  return fd;
}

bool wait_for_port(std::uint16_t port, Clock::time_point deadline, const Child& owner) {
  while (Clock::now() < deadline && owner.running()) {
    if (connect_loopback(port).get() >= 0) return true;
    std::this_thread::sleep_for(milliseconds{20});
  }
  return false;
}

// GET with a bearer token, Connection: close. Returns the body of a 200 response.
std::optional<std::string> http_get(std::uint16_t port, const std::string& target, const std::string& token) {
  Fd fd = connect_loopback(port);
  if (fd.get() < 0) return std::nullopt;
  timeval tv{2, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                          "\r\nConnection: close\r\n\r\n";
  if (::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return std::nullopt;
  std::string raw;
  char buf[16384];
  for (int i = 0; i < 1000; ++i) {  // bounded: a health response is a few KiB
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  if (raw.rfind("HTTP/1.1 200", 0) != 0) return std::nullopt;
  const auto body = raw.find("\r\n\r\n");
  if (body == std::string::npos) return std::nullopt;
  return raw.substr(body + 4);
}

// ---------------------------------------------------------------------------------------------
// The simulated plugs: a minimal MQTT 3.1.1 publisher

void put_u16(std::string& s, std::size_t v) {
  s.push_back(static_cast<char>((v >> 8U) & 0xFFU));
  s.push_back(static_cast<char>(v & 0xFFU));
}

void put_remaining_length(std::string& s, std::size_t n) {
  do {
    auto byte = static_cast<unsigned char>(n % 128);
    n /= 128;
    if (n > 0) byte |= 0x80U;
    s.push_back(static_cast<char>(byte));
  } while (n > 0);
}

std::string connect_packet(const std::string& client_id, std::uint16_t keepalive_s) {
  std::string body;
  put_u16(body, 4);
  body += "MQTT";
  body.push_back(4);     // protocol level 3.1.1
  body.push_back(0x02);  // clean session
  put_u16(body, keepalive_s);
  put_u16(body, client_id.size());
  body += client_id;
  std::string packet(1, '\x10');
  put_remaining_length(packet, body.size());
  return packet + body;
}

void append_publish(std::string& out, const std::string& topic, const std::string& payload, int qos,
                    std::uint16_t packet_id) {
  out.push_back(static_cast<char>(0x30U | (static_cast<unsigned>(qos) << 1U)));
  put_remaining_length(out, 2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size());
  put_u16(out, topic.size());
  out += topic;
  if (qos > 0) put_u16(out, packet_id);
  out += payload;
}

// A Tasmota SENSOR telemetry message (ENERGY driver), as a plug on firmware 13.x sends it. Every
// message differs (Time, Total, Power), so hearthd's duplicate filter never drops one; Total grows
// by 0.001 kWh per message, always a plausible energy step.
std::string sensor_payload(int plug, std::uint32_t seq) {
  const std::time_t t = 1'717'200'000 + static_cast<std::time_t>(seq) * 10;  // 2024-06-01 + 10 s per message
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
  const int power = 20 + static_cast<int>((static_cast<std::uint32_t>(plug) * 37U + seq * 13U) % 2000U);
  const int voltage = 228 + static_cast<int>((static_cast<std::uint32_t>(plug) + seq) % 25U);
  const double total = 1.0 + plug * 0.1 + seq * 0.001;
  char buf[512];
  const int n = std::snprintf(
      buf, sizeof buf,
      R"({"Time":"%s","ENERGY":{"TotalStartTime":"2024-01-01T00:00:00","Total":%.3f,"Yesterday":0.412,)"
      R"("Today":%.3f,"Power":%d,"ApparentPower":%d,"ReactivePower":%d,"Factor":0.95,"Voltage":%d,"Current":%.3f}})",
      when, total, seq * 0.001, power, power * 105 / 100, power * 31 / 100, voltage,
      static_cast<double>(power) / voltage);
  return std::string(buf, static_cast<std::size_t>(n));
}

struct Plug {
  Fd fd;
  int index = 0;
  std::string topic;
  std::string out;
  std::size_t out_off = 0;
  std::string in;
  std::uint32_t seq = 0;
  int inflight = 0;
  std::uint16_t next_packet_id = 1;
  int pings_pending = 0;
  bool connected = false;
  bool pending() const { return out_off < out.size(); }
};

struct BlastResult {
  Clock::time_point start;
  Clock::time_point all_written;
  std::uint64_t published = 0;
};

class Fleet {
 public:
  // Plugs number their messages from first_seq on (a later run continues the energy counters).
  Fleet(std::uint16_t port, int devices, int qos, const std::string& tag, std::uint32_t first_seq,
        Clock::time_point deadline)
      : qos_(qos) {
    plugs_.resize(static_cast<std::size_t>(devices));
    for (int k = 0; k < devices; ++k) {
      Plug& p = plugs_[static_cast<std::size_t>(k)];
      p.index = k;
      p.seq = first_seq;
      char name[32];
      std::snprintf(name, sizeof name, "plug-%03d", k);
      p.topic = std::string("tele/") + name + "/SENSOR";
      p.fd = connect_loopback(port);
      if (p.fd.get() < 0) throw BenchError("plug " + std::to_string(k) + ": cannot connect to the broker");
      const int one = 1;
      ::setsockopt(p.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::fcntl(p.fd.get(), F_SETFL, ::fcntl(p.fd.get(), F_GETFL) | O_NONBLOCK);
      p.out = connect_packet("bench-" + tag + "-" + name, 120);
    }
    while (true) {
      bool all = true;
      for (auto& p : plugs_) {
        if (p.pending()) flush(p);
        all = all && p.connected;
      }
      if (all) break;
      check_deadline(deadline, "plugs connecting to the broker");
      pump(5);
    }
  }

  ~Fleet() {
    for (auto& p : plugs_) {
      if (p.fd.get() >= 0) (void)::send(p.fd.get(), "\xE0\x00", 2, MSG_NOSIGNAL | MSG_DONTWAIT);  // DISCONNECT
    }
  }
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  int size() const { return static_cast<int>(plugs_.size()); }

  static bool within_window(std::uint64_t sent, std::uint64_t window, const std::function<std::uint64_t()>& consumed) {
    if (window == 0) return true;
    const std::uint64_t done = consumed();
    return done >= sent || sent - done < window;
  }
  std::uint64_t published() const { return published_; }

  // One message on a topic outside the device space (hearthd counts it as received and ignores it).
  void probe() {
    Plug& p = plugs_.front();
    append_publish(p.out, "tele/_bench/PROBE", "probe", 0, 0);
    flush(p);
  }

  // Publishes n SENSOR messages, spread evenly over the plugs and interleaved (each plug sends its
  // next message only after every other plug with messages left had its turn), as fast as the sockets
  // take them. With window > 0, at most `window` messages are outstanding: published but not yet
  // consumed() (the consumer's count since this call started).
  BlastResult blast(std::uint64_t n, std::uint64_t window, const std::function<std::uint64_t()>& consumed,
                    Clock::time_point deadline) {
    const std::size_t d = plugs_.size();
    std::vector<std::uint64_t> left(d, n / d);
    for (std::size_t k = 0; k < n % d; ++k) ++left[k];
    std::uint64_t sent = 0;
    BlastResult r;
    r.start = Clock::now();
    while (true) {
      bool progress = false;
      bool writing = false;
      for (auto& p : plugs_) {
        if (!p.pending() && left[static_cast<std::size_t>(p.index)] > 0 &&
            (qos_ == 0 || p.inflight < MAX_INFLIGHT_PER_PLUG) && within_window(sent, window, consumed)) {
          queue_sensor(p);
          --left[static_cast<std::size_t>(p.index)];
          ++sent;
        }
        if (p.pending()) {
          progress = flush(p) || progress;
          writing = writing || p.pending();
        }
      }
      if (sent == n && !writing) break;
      check_deadline(deadline, "publishing (" + std::to_string(sent) + " of " + std::to_string(n) + " sent)");
      pump(progress ? 0 : 1);
    }
    r.all_written = Clock::now();
    r.published = sent;
    return r;
  }

  // Each plug publishes one message every `interval_s`, offsets spread evenly, for `duration_s`.
  std::uint64_t paced(double interval_s, double duration_s, Clock::time_point deadline) {
    const auto rounds = static_cast<std::uint64_t>(std::max(1.0, std::round(duration_s / interval_s)));
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s));
    const auto start = Clock::now() + milliseconds{20};
    std::uint64_t sent = 0;
    for (std::uint64_t round = 0; round < rounds; ++round) {
      for (auto& p : plugs_) {
        const auto due = start + interval * static_cast<std::int64_t>(round) +
                         interval * p.index / static_cast<std::int64_t>(plugs_.size());
        while (Clock::now() < due) {
          const auto wait_ms = std::chrono::duration_cast<milliseconds>(due - Clock::now()).count();
          pump(static_cast<int>(std::clamp<std::int64_t>(wait_ms, 0, 50)));
        }
        check_deadline(deadline, "paced publishing");
        while (qos_ > 0 && p.inflight >= MAX_INFLIGHT_PER_PLUG) {
          check_deadline(deadline, "waiting for PUBACKs");
          pump(1);
        }
        queue_sensor(p);
        flush(p);
        ++sent;
      }
    }
    return sent;
  }

  // Waits until the broker has read everything sent so far: a PINGREQ on each connection is answered
  // only after the packets before it (and, at QoS 1, until every PUBACK is in).
  Clock::time_point sync(Clock::time_point deadline) {
    for (auto& p : plugs_) {
      p.out += std::string("\xC0\x00", 2);
      ++p.pings_pending;
      flush(p);
    }
    while (true) {
      bool done = true;
      for (auto& p : plugs_) {
        if (p.pending()) flush(p);
        done = done && p.pings_pending == 0 && p.inflight == 0 && !p.pending();
      }
      if (done) return Clock::now();
      check_deadline(deadline, "broker acknowledging the published messages");
      pump(1);
    }
  }

 private:
  void queue_sensor(Plug& p) {
    std::uint16_t id = 0;
    if (qos_ > 0) {
      id = p.next_packet_id;
      p.next_packet_id = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
      ++p.inflight;
    }
    if (!p.pending()) {
      p.out.clear();
      p.out_off = 0;
    }
    append_publish(p.out, p.topic, sensor_payload(p.index, p.seq++), qos_, id);
    ++published_;
  }

  // Non-blocking write of what is queued; true when bytes went out.
  bool flush(Plug& p) {
    bool wrote = false;
    while (p.pending()) {
      const ssize_t n = ::send(p.fd.get(), p.out.data() + p.out_off, p.out.size() - p.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        p.out_off += static_cast<std::size_t>(n);
        wrote = true;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      throw BenchError("plug " + std::to_string(p.index) + ": send failed: " + std::strerror(errno));
    }
    if (!p.pending()) {
      p.out.clear();
      p.out_off = 0;
    }
    return wrote;
  }

  // Polls every connection once and handles what the broker sent (CONNACK, PUBACK, PINGRESP).
  void pump(int timeout_ms) {
    pfds_.resize(plugs_.size());
    for (std::size_t i = 0; i < plugs_.size(); ++i) {
      pfds_[i] = {plugs_[i].fd.get(), static_cast<short>(POLLIN | (plugs_[i].pending() ? POLLOUT : 0)), 0};
    }
    const int ready = ::poll(pfds_.data(), pfds_.size(), timeout_ms);
    if (ready <= 0) return;
    for (std::size_t i = 0; i < plugs_.size(); ++i) {
      if ((pfds_[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) read_input(plugs_[i]);
      if ((pfds_[i].revents & POLLOUT) != 0) flush(plugs_[i]);
    }
  }

  void read_input(Plug& p) {
    char buf[4096];
    while (true) {
      const ssize_t n = ::recv(p.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        p.in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      throw BenchError("plug " + std::to_string(p.index) + ": the broker closed the connection");
    }
    std::size_t pos = 0;
    while (p.in.size() - pos >= 2) {
      const auto type = static_cast<unsigned char>(p.in[pos]) >> 4U;
      std::size_t len = 0;
      std::size_t shift = 0;
      std::size_t i = pos + 1;
      bool complete = false;
      for (; i < p.in.size() && i < pos + 5; ++i) {
        const auto byte = static_cast<unsigned char>(p.in[i]);
        len |= static_cast<std::size_t>(byte & 0x7FU) << shift;
        shift += 7;
        if ((byte & 0x80U) == 0) {
          complete = true;
          ++i;
          break;
        }
      }
      if (!complete || p.in.size() - i < len) break;
      if (type == 2) {  // CONNACK
        if (len < 2 || p.in[i + 1] != 0) throw BenchError("plug " + std::to_string(p.index) + ": connection refused");
        p.connected = true;
      } else if (type == 4) {  // PUBACK
        if (p.inflight > 0) --p.inflight;
      } else if (type == 13) {  // PINGRESP
        if (p.pings_pending > 0) --p.pings_pending;
      }
      pos = i + len;
    }
    p.in.erase(0, pos);
  }

  int qos_;
  std::vector<Plug> plugs_;
  std::vector<pollfd> pfds_;
  std::uint64_t published_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Consumers: mosquitto_sub's output lines, or hearthd's health counters

// Counts the lines mosquitto_sub prints (one per message; the payloads hold no newline).
class LineCounter {
 public:
  explicit LineCounter(Fd pipe) : fd_(std::move(pipe)), thread_([this] { run(); }) {}
  ~LineCounter() {
    stop_ = true;
    thread_.join();
  }
  LineCounter(const LineCounter&) = delete;
  LineCounter& operator=(const LineCounter&) = delete;

  std::uint64_t lines() const { return lines_.load(); }
  void set_target(std::uint64_t target) {
    std::lock_guard lock(mu_);
    target_ = target;
    reached_.reset();
    if (lines_.load() >= target_) reached_ = Clock::now();
  }
  std::optional<Clock::time_point> reached() const {
    std::lock_guard lock(mu_);
    return reached_;
  }

 private:
  void run() {
    char buf[65536];
    while (!stop_) {
      pollfd pfd{fd_.get(), POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
      if (n <= 0) break;  // mosquitto_sub exited
      const auto now = Clock::now();
      const auto count = static_cast<std::uint64_t>(std::count(buf, buf + n, '\n'));
      const std::uint64_t total = lines_.fetch_add(count) + count;
      std::lock_guard lock(mu_);
      if (target_ > 0 && total >= target_ && !reached_) reached_ = now;
    }
  }

  Fd fd_;
  std::atomic<std::uint64_t> lines_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::uint64_t target_ = 0;
  std::optional<Clock::time_point> reached_;
  std::thread thread_;
};

struct Health {
  bool mqtt_connected = false;
  std::uint64_t received = 0;
  std::uint64_t accepted = 0;
  std::uint64_t stored = 0;
  std::uint64_t store_duplicates = 0;
  std::uint64_t queue_depth = 0;
  std::uint64_t commits = 0;
  std::uint64_t write_errors = 0;
  std::uint64_t devices = 0;
  std::int64_t database_bytes = 0;
  json rejected = json::object();
  json field_issues = json::object();
};

Health parse_health(const std::string& body) {
  const json j = json::parse(body);
  Health h;
  h.mqtt_connected = j.at("mqtt").at("connected").get<bool>();
  const json& c = j.at("counters");
  h.received = c.at("received").get<std::uint64_t>();
  h.accepted = c.at("readings_accepted").get<std::uint64_t>();
  h.stored = c.at("stored").get<std::uint64_t>();
  h.store_duplicates = c.value("store_duplicates_ignored", std::uint64_t{0});
  h.rejected = c.value("rejected", json::object());
  h.field_issues = c.value("field_issues", json::object());
  h.queue_depth = j.at("queue_depth").get<std::uint64_t>();
  h.commits = j.at("store").at("commits").get<std::uint64_t>();
  h.write_errors = j.at("store").at("write_errors").get<std::uint64_t>();
  h.database_bytes = j.at("store").value("database_bytes", std::int64_t{-1});
  h.devices = j.value("devices", std::uint64_t{0});
  return h;
}

// Polls GET /api/v1/health every `interval` on its own thread. The health handler runs on hearthd's
// io thread, between messages, so a response always reflects whole messages.
class HealthMonitor {
 public:
  HealthMonitor(std::uint16_t port, std::string token, milliseconds interval)
      : port_(port), token_(std::move(token)), interval_(interval), thread_([this] { run(); }) {}
  ~HealthMonitor() {
    stop_ = true;
    thread_.join();
  }
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  std::optional<Health> latest() const {
    std::lock_guard lock(mu_);
    return latest_;
  }
  std::uint64_t received() const { return received_.load(); }
  std::uint64_t polls() const { return polls_.load(); }

  // Records when `received` first reaches `target`, and when additionally nothing is left queued for
  // the database (every reading of those messages committed).
  void set_target(std::uint64_t target) {
    std::lock_guard lock(mu_);
    target_ = target;
    received_at_.reset();
    stored_at_.reset();
  }
  std::optional<Clock::time_point> received_at() const {
    std::lock_guard lock(mu_);
    return received_at_;
  }
  std::optional<Clock::time_point> stored_at() const {
    std::lock_guard lock(mu_);
    return stored_at_;
  }

  // Waits for a fresh snapshot satisfying `pred`.
  Health wait_for(const std::function<bool(const Health&)>& pred, Clock::time_point deadline, const std::string& what) {
    const std::uint64_t after = polls_.load();
    while (true) {
      if (polls_.load() > after) {
        if (auto h = latest(); h && pred(*h)) return *h;
      }
      check_deadline(deadline, what);
      std::this_thread::sleep_for(milliseconds{2});
    }
  }

 private:
  void run() {
    while (!stop_) {
      const auto started = Clock::now();
      if (auto body = http_get(port_, "/api/v1/health", token_)) {
        try {
          const Health h = parse_health(*body);
          const auto now = Clock::now();
          std::lock_guard lock(mu_);
          latest_ = h;
          received_.store(h.received);
          if (target_ > 0 && h.received >= target_) {
            if (!received_at_) received_at_ = now;
            if (!stored_at_ && h.queue_depth == 0) stored_at_ = now;
          }
        } catch (const std::exception&) {
          // a malformed answer counts as no answer
        }
        ++polls_;
      }
      std::this_thread::sleep_until(started + interval_);
    }
  }

  std::uint16_t port_;
  std::string token_;
  milliseconds interval_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> polls_{0};
  mutable std::mutex mu_;
  std::optional<Health> latest_;
  std::uint64_t target_ = 0;
  std::optional<Clock::time_point> received_at_;
  std::optional<Clock::time_point> stored_at_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// The broker and hearthd

class Broker {
 public:
  Broker(const Options& o, const fs::path& dir) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = free_loopback_port();
      const fs::path conf = dir / "mosquitto.conf";
      std::ofstream(conf) << "# written by hearth_ingest_bench\n"
                          << "listener " << port_ << " 127.0.0.1\n"
                          << "allow_anonymous true\n"
                          << "persistence false\n"
                          // No per-client queue limit: a subscriber that falls behind gets every message
                          // late instead of losing some (both phases measure delivery, not loss).
                          << "max_queued_messages 0\n"
                          << "log_dest stderr\n"
                          << "log_type error\nlog_type warning\n";
      Fd log = open_log(dir / "mosquitto.log");
      child_ = Child("mosquitto", {o.mosquitto, "-c", conf.string()}, log.get(), log.get());
      if (wait_for_port(port_, deadline_after(5.0), child_)) return;
      child_.stop(SIGKILL, milliseconds{1000});
    }
    throw BenchError("mosquitto did not start; see " + (dir / "mosquitto.log").string() + ":\n" +
                     tail_of(dir / "mosquitto.log"));
  }
  ~Broker() { child_.stop(SIGTERM, milliseconds{3000}); }
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return child_.pid(); }

 private:
  std::uint16_t port_ = 0;
  Child child_;
};

std::string random_token() {
  std::random_device rd;
  std::string token;
  for (int i = 0; i < 48; ++i) token.push_back("0123456789abcdef"[rd() % 16]);
  return token;
}

struct HearthExit {
  ProcIo io;  // whole-process totals after exit (includes the shutdown flush and WAL checkpoint)
  int status = 0;
};

class Hearthd {
 public:
  Hearthd(const Options& o, const fs::path& dir, const std::string& label, const fs::path& db, bool sync_full,
          std::uint16_t mqtt_port, milliseconds poll)
      : log_(dir / ("hearthd-" + label + ".log")) {
    const std::uint16_t http_port = free_loopback_port();
    const std::string token = random_token();
    const fs::path conf = dir / ("hearthd-" + label + ".yaml");
    std::ofstream(conf) << "# written by hearth_ingest_bench\n"
                        << "home_id: bench\n"
                        << "mqtt:\n  url: tcp://127.0.0.1:" << mqtt_port << "\n"
                        << "store:\n  path: " << db.string() << "\n  synchronous: " << (sync_full ? "full" : "normal")
                        << "\n"
                        << "http:\n  address: 127.0.0.1\n  port: " << http_port << "\n  api_token: " << token << "\n";
    Fd log = open_log(log_);
    const std::string http = "127.0.0.1:" + std::to_string(http_port);
    child_ = Child("hearthd",
                   {o.hearthd, "--config", conf.string(), "--db", db.string(), "--http", http, "--mqtt-url",
                    "tcp://127.0.0.1:" + std::to_string(mqtt_port), "--home-id", "bench"},
                   log.get(), log.get());
    if (!wait_for_port(http_port, deadline_after(10.0), child_)) {
      throw BenchError("hearthd did not open its API; log " + log_.string() + ":\n" + tail_of(log_));
    }
    monitor_ = std::make_unique<HealthMonitor>(http_port, token, poll);
    try {
      monitor_->wait_for([](const Health& h) { return h.mqtt_connected; }, deadline_after(10.0),
                         "hearthd connecting to the broker");
    } catch (const BenchError&) {
      throw BenchError("hearthd did not connect to the broker; log " + log_.string() + ":\n" + tail_of(log_));
    }
  }
  ~Hearthd() { monitor_.reset(); }
  Hearthd(const Hearthd&) = delete;
  Hearthd& operator=(const Hearthd&) = delete;

  HealthMonitor& monitor() { return *monitor_; }
  pid_t pid() const { return child_.pid(); }
  const fs::path& log() const { return log_; }

  HearthExit stop() {
    monitor_.reset();
    HearthExit e;
    e.status = child_.stop(SIGTERM, milliseconds{15000}, [&](pid_t pid) { e.io = read_proc_io(pid); });
    return e;
  }

 private:
  fs::path log_;
  Child child_;
  std::unique_ptr<HealthMonitor> monitor_;
};

// ---------------------------------------------------------------------------------------------
// Database inspection (read-only, after hearthd has exited)

struct DbStats {
  std::uint64_t file_bytes = 0;  // main file + WAL on disk
  std::uint64_t used_bytes = 0;  // (page_count - freelist_count) * page_size
  std::uint64_t readings = 0;
  std::uint64_t minute_rows = 0;
  std::uint64_t hour_rows = 0;
};

std::uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<std::uint64_t>(n);
}

DbStats inspect_db(const fs::path& path) {
  DbStats s;
  s.file_bytes = file_size_or_zero(path) + file_size_or_zero(path.string() + "-wal");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw BenchError(path.string() + ": cannot open");
  }
  const auto scalar = [&](const char* sql) -> std::uint64_t {
    sqlite3_stmt* st = nullptr;
    std::uint64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      v = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    return v;
  };
  s.used_bytes = (scalar("PRAGMA page_count") - scalar("PRAGMA freelist_count")) * scalar("PRAGMA page_size");
  s.readings = scalar("SELECT count(*) FROM readings");
  s.minute_rows = scalar("SELECT count(*) FROM rollup_minute");
  s.hour_rows = scalar("SELECT count(*) FROM rollup_hour");
  sqlite3_close(db);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Phases

struct Rate {
  std::uint64_t messages = 0;
  double seconds = 0.0;
  double per_second() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0.0; }
};

struct BaselineResult {
  Rate publish_only;  // the broker reading the plugs' messages, nobody subscribed
  Rate delivered;     // the broker delivering them to mosquitto_sub
};

struct BurstResult {
  std::string sync;
  Rate received;  // hearthd's pipeline has processed every message
  Rate stored;    // ... and every reading is committed
  std::uint64_t readings = 0;
  std::uint64_t accepted = 0;
  std::uint64_t store_duplicates = 0;
  std::uint64_t commits = 0;
  std::uint64_t rss_hwm_kb = 0;
  ProcIo io;  // from the start of the timed run to hearthd's exit
  json rejected;
  json field_issues;
};

struct LifecycleResult {
  std::uint64_t readings = 0;  // raw readings rolled up and pruned
  ProcIo io;
  DbStats before;
  DbStats after;
};

struct SteadyResult {
  std::string sync;
  std::uint64_t messages = 0;
  std::uint64_t readings = 0;
  double seconds = 0.0;
  std::uint64_t commits = 0;
  std::uint64_t rss_hwm_kb = 0;
  ProcIo io;  // from the start of the paced run to hearthd's exit
  LifecycleResult lifecycle;
  double readings_per_second() const { return seconds > 0 ? static_cast<double>(readings) / seconds : 0.0; }
};

// Waits until the consumer has seen at least one probe, then until its count is stable.
void await_consumer(Fleet& fleet, const std::function<std::uint64_t()>& count, Clock::time_point deadline,
                    const std::string& who) {
  const std::uint64_t before = count();
  for (int attempt = 0; count() == before; ++attempt) {
    check_deadline(deadline, who + " subscribing");
    if (attempt % 25 == 0) fleet.probe();  // every ~200 ms until one gets through
    std::this_thread::sleep_for(milliseconds{8});
  }
  for (std::uint64_t last = count();;) {  // late probes
    std::this_thread::sleep_for(milliseconds{300});
    check_deadline(deadline, who + " settling");
    if (count() == last) break;
    last = count();
  }
}

void wait_until(const std::function<bool()>& pred, Clock::time_point deadline, const std::string& what) {
  while (!pred()) {
    check_deadline(deadline, what);
    std::this_thread::sleep_for(milliseconds{2});
  }
}

BaselineResult run_baseline(const Options& o, const Broker& broker, const fs::path& dir) {
  BaselineResult res;
  const auto t = [&] { return deadline_after(o.phase_timeout); };
  {
    note("publish-only: %d plugs -> broker, %llu messages, nobody subscribed", o.devices,
         static_cast<unsigned long long>(o.messages));
    Fleet fleet(broker.port(), o.devices, o.qos, "pub", 0, t());
    const auto b = fleet.blast(
        o.messages, 0, [] { return std::uint64_t{0}; }, t());
    const auto synced = fleet.sync(t());
    res.publish_only = {b.published, seconds_between(b.start, synced)};
  }
  note("baseline: %d plugs -> broker -> mosquitto_sub -q 1, %llu messages", o.devices,
       static_cast<unsigned long long>(o.messages));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw BenchError("pipe failed");
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);
  Fd log = open_log(dir / "mosquitto_sub.log");
  Child sub("mosquitto_sub",
            {o.mosquitto_sub, "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-q", "1", "-t", "tele/#"},
            write_end.get(), log.get());
  write_end.reset();
  LineCounter lines(std::move(read_end));
  Fleet fleet(broker.port(), o.devices, o.qos, "base", 0, t());
  await_consumer(
      fleet, [&] { return lines.lines(); }, t(), "mosquitto_sub");
  // Warm-up: one message per plug, so both consumers start the timed run in the same state.
  std::uint64_t c0 = lines.lines();
  fleet.blast(
      static_cast<std::uint64_t>(o.devices), 0, [] { return std::uint64_t{0}; }, t());
  wait_until([&] { return lines.lines() >= c0 + static_cast<std::uint64_t>(o.devices); }, t(), "baseline warm-up");
  c0 = lines.lines();
  lines.set_target(c0 + o.messages);
  const auto deadline = t();
  const auto b = fleet.blast(
      o.messages, o.window, [&] { return lines.lines() - c0; }, deadline);
  wait_until([&] { return lines.reached().has_value(); }, deadline,
             "mosquitto_sub receiving every message (" + std::to_string(lines.lines() - c0) + " of " +
                 std::to_string(o.messages) + ")");
  res.delivered = {o.messages, seconds_between(b.start, *lines.reached())};
  sub.stop(SIGTERM, milliseconds{3000});
  if (lines.lines() != c0 + o.messages) {
    note("warning: mosquitto_sub printed %llu lines, expected %llu",
         static_cast<unsigned long long>(lines.lines() - c0), static_cast<unsigned long long>(o.messages));
  }
  return res;
}

// Starts hearthd, connects the plugs and sends one warm-up message per plug (first contact creates
// the devices and series), then waits until those are stored.
struct HearthSession {
  std::unique_ptr<Hearthd> hearthd;
  std::unique_ptr<Fleet> fleet;
  Health start;  // counters after the warm-up
};

HearthSession start_session(const Options& o, const Broker& broker, const fs::path& dir, const std::string& label,
                            const fs::path& db, bool sync_full, milliseconds poll, std::uint32_t first_seq) {
  const auto t = [&] { return deadline_after(o.phase_timeout); };
  HearthSession s;
  s.hearthd = std::make_unique<Hearthd>(o, dir, label, db, sync_full, broker.port(), poll);
  HealthMonitor& m = s.hearthd->monitor();
  s.fleet = std::make_unique<Fleet>(broker.port(), o.devices, o.qos, label, first_seq, t());
  await_consumer(
      *s.fleet, [&] { return m.received(); }, t(), "hearthd");
  const std::uint64_t r0 = m.received();
  s.fleet->blast(
      static_cast<std::uint64_t>(o.devices), 0, [] { return std::uint64_t{0}; }, t());
  s.start = m.wait_for(
      [&](const Health& h) { return h.received >= r0 + static_cast<std::uint64_t>(o.devices) && h.queue_depth == 0; },
      t(), "hearthd storing the warm-up messages");
  return s;
}

BurstResult run_burst(const Options& o, const Broker& broker, const fs::path& dir, const fs::path& db, bool sync_full) {
  BurstResult r;
  r.sync = sync_full ? "full" : "normal";
  note("hearthd (synchronous=%s): %d plugs -> broker -> hearthd, %llu messages", r.sync.c_str(), o.devices,
       static_cast<unsigned long long>(o.messages));
  HearthSession s = start_session(o, broker, dir, "burst-" + r.sync, db, sync_full, milliseconds{o.poll_ms}, 0);
  HealthMonitor& m = s.hearthd->monitor();
  const std::uint64_t r0 = s.start.received;
  m.set_target(r0 + o.messages);
  const ProcIo io0 = read_proc_io(s.hearthd->pid());
  const auto deadline = deadline_after(o.phase_timeout);
  const auto b = s.fleet->blast(
      o.messages, o.window, [&] { return m.received() - r0; }, deadline);
  wait_until([&] { return m.stored_at().has_value(); }, deadline,
             "hearthd receiving and storing every message (" + std::to_string(m.received() - r0) + " of " +
                 std::to_string(o.messages) + " received)");
  const Health end = *m.latest();
  r.received = {o.messages, seconds_between(b.start, *m.received_at())};
  r.stored = {o.messages, seconds_between(b.start, *m.stored_at())};
  r.accepted = end.accepted - s.start.accepted;
  r.readings = end.stored - s.start.stored;
  r.store_duplicates = end.store_duplicates - s.start.store_duplicates;
  r.commits = end.commits - s.start.commits;
  r.rejected = end.rejected;
  r.field_issues = end.field_issues;
  r.rss_hwm_kb = read_status_kb(s.hearthd->pid(), "VmHWM");
  s.fleet.reset();
  const HearthExit e = s.hearthd->stop();
  r.io = e.io - io0;
  if (end.write_errors > 0)
    note("warning: hearthd reported %llu store write errors", static_cast<unsigned long long>(end.write_errors));
  return r;
}

LifecycleResult run_lifecycle(const fs::path& db, bool sync_full, const fs::path& dir) {
  // A copy, so the database the steady run produced stays as it was (--keep).
  const fs::path copy = dir / ("lifecycle-" + std::string(sync_full ? "full" : "normal") + ".db");
  fs::copy_file(db, copy, fs::copy_options::overwrite_existing);
  if (fs::exists(db.string() + "-wal"))
    fs::copy_file(db.string() + "-wal", copy.string() + "-wal", fs::copy_options::overwrite_existing);
  // write_bytes is charged when a page is dirtied, so the copy's own writes are already counted
  // before the measured window starts.
  LifecycleResult r;
  r.before = inspect_db(copy);
  r.readings = r.before.readings;
  const ProcIo io0 = read_proc_io(::getpid());
  {
    hearth::gateway::StoreConfig config;
    config.path = copy.string();
    config.synchronous_full = sync_full;
    auto store = hearth::gateway::Store::open(config);
    if (!store) throw BenchError("lifecycle: " + store.error().message);
    // 15 days on: every minute and hour is closed, and every raw reading is past the 14-day retention.
    const auto later = hearth::core::now_ms() + std::chrono::hours{24 * 15};
    if (auto done = (*store)->maintain(later); !done) throw BenchError("lifecycle: " + done.error().message);
  }  // closing the store checkpoints the WAL into the database, as hearthd does when it stops
  r.io = read_proc_io(::getpid()) - io0;
  r.after = inspect_db(copy);
  return r;
}

SteadyResult run_steady(const Options& o, const Broker& broker, const fs::path& dir, const fs::path& db,
                        bool sync_full) {
  SteadyResult r;
  r.sync = sync_full ? "full" : "normal";
  const double rate = o.devices / o.steady_interval;
  note(
      "steady (synchronous=%s): hearthd restarted on the same database, %d plugs each every %.3g s (%.1f msg/s) "
      "for %.3g s",
      r.sync.c_str(), o.devices, o.steady_interval, rate, o.steady_seconds);
  // Same database as the saturating run (a mature table, as after weeks of use); the plugs carry on
  // from where they stopped, so their energy counters keep rising.
  const auto first_seq = static_cast<std::uint32_t>(o.messages / static_cast<std::uint64_t>(o.devices) + 2);
  HearthSession s = start_session(o, broker, dir, "steady-" + r.sync, db, sync_full, milliseconds{250}, first_seq);
  HealthMonitor& m = s.hearthd->monitor();
  const ProcIo io0 = read_proc_io(s.hearthd->pid());
  const auto t0 = Clock::now();
  const auto deadline = deadline_after(o.steady_seconds + o.phase_timeout);
  r.messages = s.fleet->paced(o.steady_interval, o.steady_seconds, deadline);
  const Health end =
      m.wait_for([&](const Health& h) { return h.received >= s.start.received + r.messages && h.queue_depth == 0; },
                 deadline, "hearthd storing the paced messages");
  r.seconds = seconds_between(t0, Clock::now());
  r.readings = end.stored - s.start.stored;
  r.commits = end.commits - s.start.commits;
  r.rss_hwm_kb = read_status_kb(s.hearthd->pid(), "VmHWM");
  s.fleet.reset();
  const HearthExit e = s.hearthd->stop();
  r.io = e.io - io0;
  note("rollup + prune pass (offline, the real Store::maintain) on a copy of the steady database");
  r.lifecycle = run_lifecycle(db, sync_full, dir);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Report

double per(std::uint64_t bytes, std::uint64_t readings) {
  return readings > 0 ? static_cast<double>(bytes) / static_cast<double>(readings) : 0.0;
}

const char* verdict(bool ok) { return ok ? "MET" : "MISSED"; }

struct Verdicts {
  bool ratio = true;
  bool rss = true;
  bool bytes = true;
};

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

Verdicts report(const Options& o, const BaselineResult& base, const std::vector<BurstResult>& bursts,
                const std::vector<SteadyResult>& steadies, const std::string& load_before) {
  Verdicts v;
  std::printf(
      "\nHearth ingest benchmark: %d plugs (Tasmota tele/<plug>/SENSOR, %d readings per message), %llu messages "
      "per phase,\npublish QoS %d (hearthd and mosquitto_sub subscribe at QoS 1), outstanding window %llu%s\n\n",
      o.devices, READINGS_PER_MESSAGE, static_cast<unsigned long long>(o.messages), o.qos,
      static_cast<unsigned long long>(o.window), o.window == 0 ? " (open loop)" : " messages");
  std::printf("%u CPUs, load average %s before the run, %s after\n\n", std::thread::hardware_concurrency(),
              load_before.c_str(), loadavg().c_str());
  std::printf("%-46s %12s %14s %9s\n", "phase", "msgs/s", "readings/s", "seconds");
  const auto row = [](const std::string& name, const Rate& r, double readings_per_msg) {
    std::printf(
        "%-46s %12.0f %14s %9.2f\n", name.c_str(), r.per_second(),
        readings_per_msg > 0 ? std::to_string(static_cast<long long>(r.per_second() * readings_per_msg)).c_str() : "-",
        r.seconds);
  };
  row("broker, publish only (nobody subscribed)", base.publish_only, 0);
  row("bare broker -> mosquitto_sub", base.delivered, 0);
  for (const auto& b : bursts) {
    const double rpm = static_cast<double>(b.readings) / static_cast<double>(b.received.messages);
    row("hearthd sync=" + b.sync + ": received (pipeline)", b.received, rpm);
    row("hearthd sync=" + b.sync + ": stored (committed)", b.stored, rpm);
  }
  std::printf("\n");
  for (const auto& b : bursts) {
    const double ratio = b.stored.per_second() / base.delivered.per_second();
    if (b.sync == "full") v.ratio = ratio >= 0.8;
    std::printf("ingest ratio, sync=%-6s stored / bare broker   %6.2fx   target >= 0.80x: %s\n", b.sync.c_str(), ratio,
                verdict(ratio >= 0.8));
  }
  std::printf("\npeak RSS of hearthd (VmHWM), %d devices:\n", o.devices);
  for (const auto& b : bursts) {
    const double mb = static_cast<double>(b.rss_hwm_kb) / KIB;
    std::printf("  saturating run, sync=%-6s                 %6.1f MiB  target <= 32 MiB: %s\n", b.sync.c_str(), mb,
                verdict(mb <= 32.0));
    if (b.sync == "full") v.rss = v.rss && mb <= 32.0;
  }
  for (const auto& s : steadies) {
    const double mb = static_cast<double>(s.rss_hwm_kb) / KIB;
    std::printf("  steady run (restarted), sync=%-6s         %6.1f MiB  target <= 32 MiB: %s\n", s.sync.c_str(), mb,
                verdict(mb <= 32.0));
    if (s.sync == "full") v.rss = v.rss && mb <= 32.0;
  }
  std::printf(
      "\nbytes hearthd writes per reading stored (write_bytes = page cache dirtied for the disk, net of\n"
      "cancelled; wchar = bytes passed to write calls). Window: timed run start -> hearthd exit.\n");
  for (const auto& b : bursts) {
    std::printf("  saturating run, sync=%-6s  write_bytes %8.1f B  wchar %8.1f B  (%llu readings, %.0f per commit)\n",
                b.sync.c_str(), per(b.io.storage(), b.readings), per(b.io.wchar, b.readings),
                static_cast<unsigned long long>(b.readings),
                b.commits > 0 ? static_cast<double>(b.readings) / static_cast<double>(b.commits) : 0.0);
  }
  for (const auto& s : steadies) {
    const double ingest = per(s.io.storage(), s.readings);
    const double lc = per(s.lifecycle.io.storage(), s.lifecycle.readings);
    const double total = ingest + lc;
    std::printf(
        "  steady run,     sync=%-6s  write_bytes %8.1f B  wchar %8.1f B  (%llu readings at %.0f/s, %.1f per "
        "commit)\n",
        s.sync.c_str(), ingest, per(s.io.wchar, s.readings), static_cast<unsigned long long>(s.readings),
        s.readings_per_second(),
        s.commits > 0 ? static_cast<double>(s.readings) / static_cast<double>(s.commits) : 0.0);
    std::printf(
        "  + rollup and prune of every raw reading (one bulk pass: a lower bound), sync=%-6s  %8.1f B "
        "per reading (%llu readings)\n",
        s.sync.c_str(), lc, static_cast<unsigned long long>(s.lifecycle.readings));
    std::printf("  = steady state after rollups, sync=%-6s  %8.1f B per reading  target <= 64 B: %s\n", s.sync.c_str(),
                total, verdict(total <= 64.0));
    std::printf("    at %.0f readings/s that is %.2f GiB written per day\n", s.readings_per_second(),
                total * s.readings_per_second() * 86400.0 / (MIB * KIB));
    if (s.sync == "full") v.bytes = total <= 64.0;
  }
  if (steadies.empty()) std::printf("  (no steady run: the bytes-per-reading target is not evaluated)\n");
  for (const auto& s : steadies) {
    const auto& lc = s.lifecycle;
    std::printf("\ndatabase space per reading, sync=%s (used pages, %llu raw readings):\n", s.sync.c_str(),
                static_cast<unsigned long long>(lc.readings));
    std::printf("  raw readings kept:                 %8.1f B per reading (%.1f MiB)\n",
                per(lc.before.used_bytes, lc.readings), static_cast<double>(lc.before.used_bytes) / MIB);
    std::printf(
        "  raw pruned, rollups kept:          %8.1f B per reading (%.1f MiB; %llu minute rows, %llu hour rows)\n",
        per(lc.after.used_bytes, lc.readings), static_cast<double>(lc.after.used_bytes) / MIB,
        static_cast<unsigned long long>(lc.after.minute_rows), static_cast<unsigned long long>(lc.after.hour_rows));
  }
  for (const auto& b : bursts) {
    const std::uint64_t expected = b.received.messages * READINGS_PER_MESSAGE;
    if (b.readings != expected || !b.rejected.empty()) {
      std::printf(
          "\nnote (sync=%s): %llu readings stored of %llu expected; accepted %llu, same-millisecond duplicates "
          "%llu, rejected %s, field issues %s\n",
          b.sync.c_str(), static_cast<unsigned long long>(b.readings), static_cast<unsigned long long>(expected),
          static_cast<unsigned long long>(b.accepted), static_cast<unsigned long long>(b.store_duplicates),
          b.rejected.dump().c_str(), b.field_issues.dump().c_str());
    }
  }
  std::printf("\n");
  return v;
}

bool on_tmpfs(const fs::path& p) {
  struct statfs s {};
  return ::statfs(p.c_str(), &s) == 0 && s.f_type == 0x01021994;  // TMPFS_MAGIC
}

int run(const Options& o) {
  if (o.devices < 1 || o.devices > 900) throw BenchError("--devices: 1..900");
  if (o.messages < static_cast<std::uint64_t>(o.devices)) throw BenchError("--messages must be at least --devices");
  if (o.qos != 0 && o.qos != 1) throw BenchError("--qos: 0 or 1");
  std::signal(SIGPIPE, SIG_IGN);

  const fs::path parent = o.workdir.empty() ? fs::temp_directory_path() : fs::path(o.workdir);
  std::string tmpl = (parent / "hearth-ingest-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw BenchError("mkdtemp in " + parent.string() + " failed");
  const fs::path dir(tmpl);
  struct Cleanup {
    fs::path dir;
    bool keep;
    ~Cleanup() {
      if (keep) {
        std::fprintf(stderr, "kept %s\n", dir.c_str());
      } else {
        std::error_code ec;
        fs::remove_all(dir, ec);
      }
    }
  } cleanup{dir, o.keep};
  note("work directory %s", dir.c_str());
  if (on_tmpfs(dir)) {
    note("warning: %s is tmpfs: write_bytes will read 0. Use --workdir on the disk you care about.", dir.c_str());
  }

  std::vector<bool> syncs;
  if (o.synchronous == "full" || o.synchronous == "both") syncs.push_back(true);
  if (o.synchronous == "normal" || o.synchronous == "both") syncs.push_back(false);

  const std::string load_before = loadavg();
  const Broker broker(o, dir);
  note("mosquitto on 127.0.0.1:%u", static_cast<unsigned>(broker.port()));
  const BaselineResult base = run_baseline(o, broker, dir);
  std::vector<BurstResult> bursts;
  std::vector<SteadyResult> steadies;
  for (const bool full : syncs) {
    const fs::path db = dir / (std::string("hearth-") + (full ? "full" : "normal") + ".db");
    bursts.push_back(run_burst(o, broker, dir, db, full));
    if (!o.skip_steady) steadies.push_back(run_steady(o, broker, dir, db, full));
  }
  const Verdicts v = report(o, base, bursts, steadies, load_before);
  if (o.check && !(v.ratio && v.rss && v.bytes)) return 3;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"hearth_ingest_bench - hearthd ingest rate vs the bare broker, peak RSS, bytes written per reading"};
  cli.add_option("-n,--messages", o.messages, "messages per timed phase")->capture_default_str();
  cli.add_option("-d,--devices", o.devices, "simulated Tasmota plugs (one MQTT connection each)")
      ->capture_default_str();
  cli.add_option("-q,--qos", o.qos, "publish QoS, 0 or 1 (the same in every phase)")->capture_default_str();
  cli.add_option("-w,--window", o.window, "max messages published but not yet consumed; 0 = open loop")
      ->capture_default_str();
  cli.add_option("--synchronous", o.synchronous, "store.synchronous for hearthd: full, normal or both")
      ->check(CLI::IsMember({"full", "normal", "both"}))
      ->capture_default_str();
  cli.add_option("--steady-seconds", o.steady_seconds, "length of the paced steady-state run")->capture_default_str();
  cli.add_option("--steady-interval", o.steady_interval, "seconds between two messages of one plug in the steady run")
      ->capture_default_str();
  cli.add_flag("--skip-steady", o.skip_steady, "only the saturating runs");
  cli.add_option("--timeout", o.phase_timeout, "seconds any one phase may take before the bench gives up")
      ->capture_default_str();
  cli.add_option("--poll-ms", o.poll_ms, "health polling interval during the saturating run")->capture_default_str();
  cli.add_option("--hearthd", o.hearthd, "hearthd binary")->capture_default_str();
  cli.add_option("--mosquitto", o.mosquitto, "mosquitto binary")->capture_default_str();
  cli.add_option("--mosquitto-sub", o.mosquitto_sub, "mosquitto_sub binary")->capture_default_str();
  cli.add_option("--workdir", o.workdir, "where the temp directory goes (put it on the disk being measured)");
  cli.add_flag("--keep", o.keep, "keep the temp directory (databases, configs, logs)");
  cli.add_flag("--check", o.check, "exit 3 when a target is missed");
  CLI11_PARSE(cli, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth_ingest_bench: %s\n", e.what());
    return 1;
  }
}
