#pragma once
// Helpers shared by the end-to-end suites: polling with a deadline, the hearthd API as JSON,
// and reading the database file directly (not through hearthd).
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "support/process.h"

namespace hearth::test {

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
