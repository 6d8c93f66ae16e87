#pragma once
// A private PostgreSQL cluster for tests and bench/coordinator: initdb into a temporary folder,
// the server on a free loopback port and a unix socket in that folder, password (SCRAM) auth for
// one superuser, stopped and removed with the object. PostgreSQL refuses to run as root, so when
// we are root (CI) initdb and postgres run as `nobody` through setpriv, with the folder chowned.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "support/process.h"

namespace hearth::test {

// /usr/lib/postgresql/<major>/bin holding initdb, postgres and psql (the newest major), or
// $HEARTH_POSTGRESQL_BIN if set; empty when the binaries are not there.
std::string postgres_bin_dir();

class PostgresCluster {
 public:
  struct Options {
    bool durable = false;  // fsync and synchronous_commit on (benchmarks); off for tests
    int max_connections = 50;
  };
  // `dir` must not exist yet; it and everything in it are removed by the destructor.
  explicit PostgresCluster(std::string dir);
  PostgresCluster(std::string dir, Options options);
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // initdb, start, wait until it answers. false with `error` set (and the server log) on failure.
  bool start(std::string& error);
  void stop();
  bool running() const { return running_; }

  std::uint16_t port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  // A file holding the password (as store.password_file wants it).
  std::string password_file() const;
  // libpq keyword/value conninfo over TCP to 127.0.0.1 (no password: see password_file()).
  std::string conninfo(const std::string& dbname) const;

  // Runs SQL through psql (unix socket); the unaligned, tuples-only output, or nullopt with `error`.
  std::optional<std::string> psql(const std::string& dbname, const std::string& sql, std::string* error = nullptr);
  bool create_database(const std::string& name, std::string& error);
  // psql's result of a one-value query with surrounding whitespace removed; "" on error.
  std::string scalar(const std::string& dbname, const std::string& sql);

 private:
  std::string dir_;
  Options options_;
  std::uint16_t port_ = 0;
  std::string user_ = "hearth";
  std::string password_;
  std::string bin_;
  Process server_;
  bool running_ = false;
};

// For tests: SKIP with a message when PostgreSQL is not installed, FAIL under CI=true (it is in
// packaging/install-deps.sh), as the other integration tests do for their tools.
#define HEARTH_REQUIRE_POSTGRESQL()                                                                    \
  do {                                                                                                 \
    if (::hearth::test::postgres_bin_dir().empty()) {                                                  \
      const char* ci = std::getenv("CI");                                                              \
      if (ci != nullptr && std::string(ci) == "true")                                                  \
        FAIL() << "PostgreSQL (initdb, postgres, psql) is required in CI (packaging/install-deps.sh)"; \
      GTEST_SKIP() << "PostgreSQL is not installed (apt-get install postgresql): skipped";             \
    }                                                                                                  \
  } while (false)

}  // namespace hearth::test
