#pragma once
// A real HTTP receiver on loopback for webhook tests: our own Beast server on its own thread. It
// answers with the statuses it is given, in turn (then 200), and records every request.
#include <utility>  // before Asio (asio#944)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dashboard/http_server.h"

namespace hearth::test {

class HttpReceiver {
 public:
  // port 0: any free port.
  explicit HttpReceiver(std::deque<int> statuses, std::uint16_t port = 0) : statuses_(std::move(statuses)) {
    dashboard::HttpServer::Options options;
    options.port = port;
    server_ = std::make_unique<dashboard::HttpServer>(io_, options,
                                                      [this](const dashboard::HttpRequest& r) { return on(r); });
    auto bound = server_->start();
    if (!bound) throw std::runtime_error("receiver: " + bound.error().message);
    port_ = *bound;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpReceiver() {
    boost::asio::post(io_, [this] { server_->stop(); });
    work_.reset();
    thread_.join();
  }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<dashboard::HttpRequest> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Requests answered with a 2xx.
  std::vector<dashboard::HttpRequest> accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

 private:
  dashboard::HttpResponse on(const dashboard::HttpRequest& r) {
    std::lock_guard lock(mutex_);
    received_.push_back(r);
    dashboard::HttpResponse out;
    out.status = statuses_.empty() ? 200 : statuses_.front();
    if (!statuses_.empty()) statuses_.pop_front();
    if (out.status / 100 == 2) accepted_.push_back(r);
    return out;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<dashboard::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<int> statuses_;
  std::vector<dashboard::HttpRequest> received_;
  std::vector<dashboard::HttpRequest> accepted_;
};

}  // namespace hearth::test
