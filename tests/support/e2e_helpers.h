#pragma once
// Helpers shared by the end-to-end suites: polling with a deadline, the hearthd API as JSON,
// and reading the database file directly (not through hearthd).
#include <mqtt/async_client.h>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "support/process.h"

namespace hearth::test {

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// One message at QoS 1 from a short-lived client (credentials optional).
inline void publish_once(const std::string& url, const std::string& topic, const std::string& payload,
                         const std::string& user = "", const std::string& password = "") {
  mqtt::async_client c(url, "hearth-test-pub");
  auto opts = mqtt::connect_options_builder().clean_session(true).finalize();
  if (!user.empty()) {
    opts.set_user_name(user);
    opts.set_password(password);
  }
  c.connect(opts)->wait();
  c.publish(topic, payload.data(), payload.size(), 1, false)->wait();
  c.disconnect()->wait();
}

// Polls `pred` every 50 ms until it holds or `timeout` passes (an upper bound, not a measurement).
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return pred();
}

// GET with the bearer token; null JSON unless the answer is a 200 with a JSON body.
inline nlohmann::json api_get(std::uint16_t port, const std::string& target, const std::string& token) {
  auto r = http_get(port, target, token);
  if (!r || r->status != 200) return nlohmann::json{};
  auto body = nlohmann::json::parse(r->body, nullptr, false);
  return body.is_discarded() ? nlohmann::json{} : body;
}

// One device from /api/v1/devices, or null JSON.
inline nlohmann::json api_device(std::uint16_t port, const std::string& token, const std::string& id) {
  const nlohmann::json all = api_get(port, "/api/v1/devices", token);
  if (!all.contains("devices")) return nlohmann::json{};
  for (const auto& d : all["devices"]) {
    if (d["id"] == id) return d;
  }
  return nlohmann::json{};
}

// One alert from /api/v1/alerts (open and recent), or null JSON.
inline nlohmann::json api_alert(std::uint16_t port, const std::string& token, const std::string& id) {
  const nlohmann::json all = api_get(port, "/api/v1/alerts", token);  // kept alive for the loop
  if (!all.contains("alerts")) return nlohmann::json{};
  for (const auto& a : all["alerts"]) {
    if (a["id"] == id) return a;
  }
  return nlohmann::json{};
}

// First column of the first row of `sql` on the database file, read-only; "" when there is none.
inline std::string db_scalar(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace hearth::test

// For a fixture's SetUp(): without Mosquitto, skip locally but fail under CI=true, where
// run-tests installs it (a skipped end-to-end suite must never pass CI unnoticed).
#define HEARTH_REQUIRE_MOSQUITTO()                                                                              \
  do {                                                                                                          \
    if (::hearth::test::mosquitto_path().empty()) {                                                             \
      if (::hearth::test::running_in_ci()) FAIL() << "mosquitto is required in CI (apt-get install mosquitto)"; \
      GTEST_SKIP() << "mosquitto not installed; skipping end-to-end tests";                                     \
    }                                                                                                           \
  } while (false)
