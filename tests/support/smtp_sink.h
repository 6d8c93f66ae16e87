#pragma once
// A test-only SMTP receiver on loopback (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT; no STARTTLS, no AUTH) on its own thread, one connection at a time. It records every message
// it accepts with its envelope, and answers DATA with the statuses it is given, in turn (then 250),
// so a test can make the first delivery fail with a 451. Blocking POSIX sockets: test code only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hearth::test {

class SmtpSink {
 public:
  struct Mail {
    std::string from;                     // MAIL FROM:<...> as given
    std::vector<std::string> recipients;  // RCPT TO:<...> as given
    std::string data;                     // the message, dot-unstuffed, CRLF line ends
  };

  explicit SmtpSink(std::deque<int> data_statuses = {}) : statuses_(std::move(data_statuses)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) throw std::runtime_error("smtp sink: socket");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 8) != 0) {
      ::close(listener_);
      throw std::runtime_error("smtp sink: bind/listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~SmtpSink() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<Mail> accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  int refused() {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  // Waits up to 100 ms for fd to be readable (so the thread notices stopping_).
  static bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 100) > 0;
  }

  void run() {
    while (!stopping_) {
      if (!readable(listener_)) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      serve(fd);
      ::close(fd);
    }
  }

  static void say(int fd, const std::string& line) {
    const std::string out = line + "\r\n";
    (void)!::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

  // The next CRLF-terminated line, or false when the peer went away (or we are stopping).
  bool next_line(int fd, std::string& buffer, std::string& line) {
    while (true) {
      const auto eol = buffer.find("\r\n");
      if (eol != std::string::npos) {
        line = buffer.substr(0, eol);
        buffer.erase(0, eol + 2);
        return true;
      }
      if (stopping_) return false;
      if (!readable(fd)) continue;
      char chunk[4096];
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void serve(int fd) {
    std::string buffer, line;
    Mail mail;
    say(fd, "220 hearth-test-sink ESMTP");
    while (next_line(fd, buffer, line)) {
      std::string verb = line.substr(0, line.find(' '));
      for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (verb == "EHLO") {
        say(fd, "250-hearth-test-sink");
        say(fd, "250 8BITMIME");
      } else if (verb == "HELO" || verb == "NOOP") {
        say(fd, "250 ok");
      } else if (verb == "RSET") {
        mail = Mail{};
        say(fd, "250 ok");
      } else if (verb == "MAIL") {
        mail = Mail{};
        mail.from = line.substr(line.find(':') + 1);
        say(fd, "250 ok");
      } else if (verb == "RCPT") {
        mail.recipients.push_back(line.substr(line.find(':') + 1));
        say(fd, "250 ok");
      } else if (verb == "DATA") {
        say(fd, "354 end with <CRLF>.<CRLF>");
        std::string data;
        bool complete = false;
        while (next_line(fd, buffer, line)) {
          if (line == ".") {
            complete = true;
            break;
          }
          data += (line.rfind("..", 0) == 0 ? line.substr(1) : line) + "\r\n";
        }
        if (!complete) return;
        int status = 250;
        {
          std::lock_guard lock(mutex_);
          if (!statuses_.empty()) {
            status = statuses_.front();
            statuses_.pop_front();
          }
          if (status == 250) {
            mail.data = std::move(data);
            accepted_.push_back(mail);
          } else {
            ++refused_;
          }
        }
        say(fd, status == 250 ? "250 queued" : std::to_string(status) + " try again later");
      } else if (verb == "QUIT") {
        say(fd, "221 bye");
        return;
      } else {
        say(fd, "502 not implemented");
      }
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::deque<int> statuses_;
  std::vector<Mail> accepted_;
  int refused_ = 0;
};

}  // namespace hearth::test
