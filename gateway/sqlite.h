#pragma once
// Thin RAII wrappers over the SQLite C API: one handle type each, statements finalised by destructors.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace hearth::gateway::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

class Stmt {
 public:
  Stmt() = default;
  static core::Result<Stmt> prepare(sqlite3* db, std::string_view sql);

  Stmt& bind(int index, std::int64_t v);
  Stmt& bind(int index, double v);
  Stmt& bind(int index, std::string_view v);
  Stmt& bind_null(int index);
  // SQLITE_ROW -> true, SQLITE_DONE -> false; an error is returned as a value.
  core::Result<bool> step();
  core::Result<void> run();  // step to completion, then reset
  void reset();

  std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_.get(), i); }
  double column_double(int i) const { return sqlite3_column_double(stmt_.get(), i); }
  bool column_is_null(int i) const { return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL; }
  std::string column_text(int i) const;
  explicit operator bool() const { return static_cast<bool>(stmt_); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

core::Result<void> exec(sqlite3* db, std::string_view sql);
std::string last_error(sqlite3* db);

}  // namespace hearth::gateway::sqlite
