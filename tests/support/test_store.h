#pragma once
// The `store:` section of the coordinator tests' configs. By default a SQLite file in the test's
// folder. Built with HEARTH_TEST_STORE_POSTGRESQL (the hearth_coordinator_postgresql_tests
// executable: the same test files), a fresh database in a private PostgreSQL cluster that the test
// process starts once (tests/support/postgres_cluster.h), so the same store tests run against both.
#include <string>

#include "support/temp_dir.h"

#ifdef HEARTH_TEST_STORE_POSTGRESQL
#include "support/postgres_cluster.h"
#endif

namespace hearth::test {

#ifdef HEARTH_TEST_STORE_POSTGRESQL
// "\nstore:\n  backend: postgresql ..." naming a database no other test uses.
std::string postgresql_test_store_yaml();
// The process's cluster (nullptr if it did not start), for tests that act on the server itself.
PostgresCluster* postgresql_test_cluster();
inline std::string test_store_yaml(const TempDir&) { return postgresql_test_store_yaml(); }
inline constexpr const char* TEST_STORE_BACKEND = "postgresql";
#define HEARTH_REQUIRE_TEST_STORE() HEARTH_REQUIRE_POSTGRESQL()
#else
inline std::string test_store_yaml(const TempDir& dir) { return "\nstore:\n  path: " + dir.file("c.db"); }
inline constexpr const char* TEST_STORE_BACKEND = "sqlite";
#define HEARTH_REQUIRE_TEST_STORE() \
  do {                              \
  } while (false)
#endif

}  // namespace hearth::test
