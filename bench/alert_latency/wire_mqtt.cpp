#include "wire_mqtt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hearth::bench {
namespace {

enum PacketType : std::uint8_t {
  CONNACK = 2,
  PUBLISH = 3,
  PUBACK = 4,
  SUBACK = 9,
  PINGRESP = 13,
};

void put_u16(std::string& s, std::size_t v) {
  s.push_back(static_cast<char>((v >> 8U) & 0xFFU));
  s.push_back(static_cast<char>(v & 0xFFU));
}

std::size_t get_u16(const std::string& s, std::size_t at) {
  return (static_cast<std::size_t>(static_cast<unsigned char>(s[at])) << 8U) | static_cast<unsigned char>(s[at + 1]);
}

void put_remaining_length(std::string& s, std::size_t n) {
  do {
    auto byte = static_cast<unsigned char>(n % 128);
    n /= 128;
    if (n > 0) byte |= 0x80U;
    s.push_back(static_cast<char>(byte));
  } while (n > 0);
}

std::string with_header(std::uint8_t first_byte, const std::string& body) {
  std::string packet(1, static_cast<char>(first_byte));
  put_remaining_length(packet, body.size());
  return packet + body;
}

// Complete packets at the front of `in`: (first byte, body) each; consumed bytes are erased.
template <typename Fn>
void take_packets(std::string& in, Fn&& on_packet) {
  std::size_t pos = 0;
  while (in.size() - pos >= 2) {
    std::size_t len = 0;
    std::size_t shift = 0;
    std::size_t i = pos + 1;
    bool complete = false;
    for (; i < in.size() && i < pos + 5; ++i) {
      const auto byte = static_cast<unsigned char>(in[i]);
      len |= static_cast<std::size_t>(byte & 0x7FU) << shift;
      shift += 7;
      if ((byte & 0x80U) == 0) {
        complete = true;
        ++i;
        break;
      }
    }
    if (!complete || in.size() - i < len) break;
    on_packet(static_cast<std::uint8_t>(in[pos]), in.substr(i, len));
    pos = i + len;
  }
  in.erase(0, pos);
}

}  // namespace

std::string encode_connect(const std::string& client_id) {
  std::string body;
  put_u16(body, 4);
  body += "MQTT";
  body.push_back(4);     // protocol level 3.1.1
  body.push_back(0x02);  // clean session
  put_u16(body, 0);      // keepalive off: the bench's connections live for one run
  put_u16(body, client_id.size());
  body += client_id;
  return with_header(0x10, body);
}

std::string encode_publish(const std::string& topic, const std::string& payload, int qos, std::uint16_t packet_id) {
  std::string body;
  put_u16(body, topic.size());
  body += topic;
  if (qos > 0) put_u16(body, packet_id);
  body += payload;
  return with_header(static_cast<std::uint8_t>(0x30U | (static_cast<unsigned>(qos) << 1U)), body);
}

std::string encode_subscribe(const std::vector<std::string>& filters, int qos, std::uint16_t packet_id) {
  std::string body;
  put_u16(body, packet_id);
  for (const auto& f : filters) {
    put_u16(body, f.size());
    body += f;
    body.push_back(static_cast<char>(qos));
  }
  return with_header(0x82, body);
}

WireClient::WireClient(std::uint16_t port, const std::string& client_id, OnPublish on_publish,
                       std::chrono::milliseconds timeout)
    : name_(client_id), on_publish_(std::move(on_publish)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw BenchError(name_ + ": socket: " + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw BenchError(name_ + ": cannot connect to the broker: " + why);
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // samples must not wait for Nagle
  reader_ = std::thread([this] { read_loop(); });
  try {
    send_all(encode_connect(client_id));
    wait_for([this] { return connected_; }, timeout, "CONNACK");
  } catch (...) {
    stop_ = true;
    reader_.join();
    ::close(fd_);
    throw;
  }
}

WireClient::~WireClient() {
  {
    std::lock_guard lock(send_mu_);
    (void)::send(fd_, "\xE0\x00", 2, MSG_NOSIGNAL | MSG_DONTWAIT);  // DISCONNECT
  }
  stop_ = true;
  reader_.join();
  ::close(fd_);
}

void WireClient::subscribe(const std::vector<std::string>& filters, int qos, std::chrono::milliseconds timeout) {
  std::uint64_t before = 0;
  {
    std::lock_guard lock(state_mu_);
    before = subacks_;
  }
  std::string packet;
  {
    std::lock_guard lock(send_mu_);
    packet = encode_subscribe(filters, qos, next_packet_id_);
    next_packet_id_ = static_cast<std::uint16_t>(next_packet_id_ == 65535 ? 1 : next_packet_id_ + 1);
  }
  send_all(packet);
  wait_for([&] { return subacks_ > before; }, timeout, "SUBACK");
}

Clock::time_point WireClient::publish(const std::string& topic, const std::string& payload, int qos) {
  std::lock_guard lock(send_mu_);
  const std::string packet = encode_publish(topic, payload, qos, next_packet_id_);
  if (qos > 0) next_packet_id_ = static_cast<std::uint16_t>(next_packet_id_ == 65535 ? 1 : next_packet_id_ + 1);
  const auto t = Clock::now();
  send_locked(packet);
  return t;
}

void WireClient::sync(std::chrono::milliseconds timeout) {
  std::uint64_t before = 0;
  {
    std::lock_guard lock(state_mu_);
    before = pingresps_;
  }
  send_all(std::string("\xC0\x00", 2));
  wait_for([&] { return pingresps_ > before; }, timeout, "PINGRESP");
}

std::uint64_t WireClient::publishes_received() const {
  std::lock_guard lock(state_mu_);
  return publishes_in_;
}

void WireClient::send_all(const std::string& bytes) {
  std::lock_guard lock(send_mu_);
  send_locked(bytes);
}

void WireClient::send_locked(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw BenchError(name_ + ": send failed: " + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

void WireClient::wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                          const std::string& what) {
  std::unique_lock lock(state_mu_);
  const bool ok = state_cv_.wait_for(lock, timeout, [&] { return done() || closed_; });
  if (closed_ && !done()) throw BenchError(name_ + ": connection closed waiting for " + what + ": " + close_reason_);
  if (!ok) throw BenchError(name_ + ": timed out waiting for " + what);
}

void WireClient::read_loop() {
  std::string in;
  char buf[65536];
  while (!stop_) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    const auto arrived = Clock::now();
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      std::lock_guard lock(state_mu_);
      closed_ = true;
      close_reason_ = n == 0 ? "closed by the broker" : std::strerror(errno);
      state_cv_.notify_all();
      return;
    }
    in.append(buf, static_cast<std::size_t>(n));
    take_packets(in, [&](std::uint8_t header, const std::string& body) { handle_packet(header, body, arrived); });
  }
}

void WireClient::handle_packet(std::uint8_t header, const std::string& body, Clock::time_point arrived) {
  const auto type = static_cast<std::uint8_t>(header >> 4U);
  if (type == PUBLISH) {
    const int qos = (header >> 1U) & 0x3U;
    if (body.size() < 2) return;
    const std::size_t topic_len = get_u16(body, 0);
    std::size_t at = 2 + topic_len;
    if (body.size() < at + (qos > 0 ? 2 : 0)) return;
    InboundPublish p{body.substr(2, topic_len), {}, (header & 0x1U) != 0, arrived};
    if (qos > 0) {
      std::string puback("\x40\x02", 2);
      puback += body.substr(at, 2);
      at += 2;
      send_all(puback);
    }
    p.payload = body.substr(at);
    {
      std::lock_guard lock(state_mu_);
      ++publishes_in_;
    }
    if (on_publish_) on_publish_(p);
    return;
  }
  std::lock_guard lock(state_mu_);
  if (type == CONNACK) {
    if (body.size() >= 2 && body[1] == 0) {
      connected_ = true;
    } else {
      closed_ = true;
      close_reason_ = "connection refused";
    }
  } else if (type == SUBACK) {
    if (body.size() >= 3 && static_cast<unsigned char>(body[2]) == 0x80U) {
      closed_ = true;
      close_reason_ = "subscription refused";
    } else {
      ++subacks_;
    }
  } else if (type == PINGRESP) {
    ++pingresps_;
  }
  // PUBACKs of our QoS 1 publishes need no bookkeeping: nothing waits for them.
  state_cv_.notify_all();
}

}  // namespace hearth::bench
