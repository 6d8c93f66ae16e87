// One private PostgreSQL cluster per test process (started on first use, stopped at exit), one
// database per test: see support/test_store.h.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "support/postgres_cluster.h"
#include "support/temp_dir.h"
#include "support/test_store.h"

namespace hearth::test {
namespace {

struct Shared {
  Shared() : cluster(std::make_unique<PostgresCluster>(dir.file("pg"))) {
    if (!cluster->start(error)) cluster.reset();
  }
  TempDir dir;
  std::unique_ptr<PostgresCluster> cluster;
  std::string error;
  int databases = 0;
};

Shared& shared() {
  static Shared s;
  return s;
}

}  // namespace

PostgresCluster* postgresql_test_cluster() { return shared().cluster.get(); }

std::string postgresql_test_store_yaml() {
  Shared& s = shared();
  if (!s.cluster) {
    ADD_FAILURE() << "cannot start PostgreSQL: " << s.error;
    return "\nstore:\n  backend: postgresql\n  conninfo: host=/nonexistent";
  }
  const std::string db = "t" + std::to_string(++s.databases);
  std::string error;
  if (!s.cluster->create_database(db, error)) ADD_FAILURE() << "CREATE DATABASE " << db << ": " << error;
  return "\nstore:\n  backend: postgresql\n  conninfo: " + s.cluster->conninfo(db) +
         "\n  password_file: " + s.cluster->password_file();
}

}  // namespace hearth::test
