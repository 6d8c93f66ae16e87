// store.backend: postgresql in the config (no server needed): the connection string is checked
// strictly, the password comes only from a file and never reaches the log lines.
#include <gtest/gtest.h>

#include <fstream>

#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/postgres_store.h"
#include "support/temp_dir.h"

using namespace hearth;
using namespace hearth::coordinator;

namespace {

struct PostgresConfig : ::testing::Test {
  void SetUp() override {
    std::ofstream(dir.file("pw")) << "coordinator-password\n";
    std::ofstream(dir.file("db.pw")) << "db-secret-o'brien\\x\n";
  }
  std::string config(const std::string& store) const {
    return "mqtt:\n  url: mqtts://broker.example:8883\n  username: coordinator\n  password_file: " + dir.file("pw") +
           "\nstore:\n" + store + "coops:\n  coop-a:\n    gateways: [gw-a1]\n";
  }
  ::testing::AssertionResult fails(const std::string& store, const std::string& key, const std::string& line) const {
    auto r = parse_coordinator_config(config(store), "c.yaml");
    if (r) return ::testing::AssertionFailure() << "accepted: " << store;
    if (r.error().message.find(key) == std::string::npos)
      return ::testing::AssertionFailure() << "message does not name " << key << ": " << r.error().message;
    if (r.error().message.find("c.yaml:" + line + ":") == std::string::npos)
      return ::testing::AssertionFailure() << "message does not name c.yaml:" << line << ": " << r.error().message;
    return ::testing::AssertionSuccess();
  }
  test::TempDir dir;
};

}  // namespace

TEST_F(PostgresConfig, AcceptsAConninfoOrAUrlWithThePasswordInAFile) {
  auto c = parse_coordinator_config(config("  backend: postgresql\n  conninfo: host=db.coop.example dbname=hearth "
                                           "user=coordinator sslmode=verify-full\n  password_file: " +
                                           dir.file("db.pw") + "\n"),
                                    "c.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->store.backend, "postgresql");
  EXPECT_EQ(c->store.password, "db-secret-o'brien\\x");
  for (const auto& line : describe_config(*c)) EXPECT_EQ(line.find("db-secret"), std::string::npos) << line;

  auto url = parse_coordinator_config(
      config("  backend: postgresql\n  url: postgresql://coordinator@db.coop.example:5433/hearth?sslmode=require\n"),
      "c.yaml");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->store.password.empty()) << "no password_file: certificate or peer authentication";
}

TEST_F(PostgresConfig, IsStrict) {
  const std::string pg = "  backend: postgresql\n";
  EXPECT_TRUE(fails(pg, "store.conninfo", "6"));  // nothing to connect to
  EXPECT_TRUE(fails(pg + "  path: /tmp/c.db\n", "store.path", "7"));
  EXPECT_TRUE(fails(pg + "  conninfo: host=db password=hunter2\n", "store.conninfo", "7"));
  EXPECT_TRUE(fails(pg + "  conninfo: host=db  password = hunter2\n", "store.conninfo", "7"));
  EXPECT_TRUE(fails(pg + "  url: postgresql://coordinator:hunter2@db/hearth\n", "store.url", "7"));
  EXPECT_TRUE(fails(pg + "  url: postgresql://db/hearth?password=hunter2\n", "store.url", "7"));
  EXPECT_TRUE(fails(pg + "  url: mysql://db/hearth\n", "store.url", "7"));
  EXPECT_TRUE(fails(pg + "  conninfo: postgresql://db/hearth\n", "store.conninfo", "7"));
  EXPECT_TRUE(fails(pg + "  url: postgresql://db/h\n  conninfo: host=db\n", "store.conninfo", "8"));
  EXPECT_TRUE(fails(pg + "  conninfo: host=db sslmode=sometimes\n", "store.conninfo", "7"));
  EXPECT_TRUE(fails(pg + "  conninfo: host=db\n  password_file: /nonexistent/pw\n", "store.password_file", "8"));
  EXPECT_TRUE(fails(pg + "  conninfo: host=db\n  pasword_file: x\n", "pasword_file", "8"));
  EXPECT_TRUE(fails("  path: /tmp/c.db\n  conninfo: host=db\n", "store.conninfo", "7"));
  // A key named like a password but not one is fine (e.g. the database is called "passwords").
  EXPECT_TRUE(parse_coordinator_config(config(pg + "  conninfo: host=db dbname=passwords\n"), "c.yaml"));
}

TEST(PostgresConninfo, AddsThePasswordQuotedAndRefusesGarbage) {
  auto kv = postgres_conninfo_with_password("host=db dbname=hearth", "it's a \\ secret");
  ASSERT_TRUE(kv) << kv.error().message;
  EXPECT_NE(kv->find("host='db'"), std::string::npos) << *kv;
  EXPECT_NE(kv->find(R"(password='it\'s a \\ secret')"), std::string::npos) << *kv;
  auto url = postgres_conninfo_with_password("postgresql://coordinator@db:5433/hearth?sslmode=verify-full", "pw");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_NE(url->find("port='5433'"), std::string::npos) << *url;
  EXPECT_NE(url->find("sslmode='verify-full'"), std::string::npos) << *url;
  EXPECT_NE(url->find("user='coordinator'"), std::string::npos) << *url;
  EXPECT_FALSE(postgres_conninfo_with_password("host=db nonsense", ""));
  EXPECT_FALSE(postgres_conninfo_with_password("colour=blue", ""));
}

TEST(PostgresStore, NoServerIsAClearErrorNotAHang) {
  StoreSettings s;
  s.backend = "postgresql";
  s.conninfo = "host=127.0.0.1 port=1 dbname=hearth user=coordinator sslmode=disable";
  s.password = "not-in-the-message";
  auto store = open_coordinator_store(s);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("cannot connect"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("host=127.0.0.1 port=1"), std::string::npos) << store.error().message;
  EXPECT_EQ(store.error().message.find("not-in-the-message"), std::string::npos) << store.error().message;
}
