#include "gateway/sqlite.h"

namespace hearth::gateway::sqlite {

core::Result<Stmt> Stmt::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
      SQLITE_OK) {
    return core::Error{"sqlite prepare failed: " + last_error(db) + " in: " + std::string(sql.substr(0, 80))};
  }
  Stmt s;
  s.stmt_.reset(raw);
  return s;
}

Stmt& Stmt::bind(int index, std::int64_t v) {
  sqlite3_bind_int64(stmt_.get(), index, v);
  return *this;
}
Stmt& Stmt::bind(int index, double v) {
  sqlite3_bind_double(stmt_.get(), index, v);
  return *this;
}
Stmt& Stmt::bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_.get(), index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

core::Result<bool> Stmt::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = "sqlite step failed: " + last_error(sqlite3_db_handle(stmt_.get()));
  sqlite3_reset(stmt_.get());
  return core::Error{std::move(message)};
}

core::Result<void> Stmt::run() {
  while (true) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) break;
  }
  reset();
  return {};
}

void Stmt::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Stmt::column_text(int i) const {
  const auto* text = sqlite3_column_text(stmt_.get(), i);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

core::Result<void> exec(sqlite3* db, std::string_view sql) {
  char* err = nullptr;
  const std::string owned(sql);
  if (sqlite3_exec(db, owned.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return core::Error{"sqlite: " + message};
  }
  return {};
}

std::string last_error(sqlite3* db) { return db != nullptr ? sqlite3_errmsg(db) : "no database"; }

}  // namespace hearth::gateway::sqlite
