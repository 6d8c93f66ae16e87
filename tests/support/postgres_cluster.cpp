#include "support/postgres_cluster.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

namespace hearth::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool is_root() { return ::geteuid() == 0; }

// PostgreSQL will not run as root: as root, the server and initdb run as nobody:nogroup.
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (!is_root()) return argv;
  const passwd* pw = ::getpwnam("nobody");
  const uid_t uid = pw != nullptr ? pw->pw_uid : 65534;
  const gid_t gid = pw != nullptr ? pw->pw_gid : 65534;
  std::vector<std::string> out = {"/usr/bin/setpriv", "--reuid=" + std::to_string(uid),
                                  "--regid=" + std::to_string(gid), "--clear-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void give_to_server_user(const std::string& path) {
  if (!is_root()) return;
  const passwd* pw = ::getpwnam("nobody");
  const uid_t uid = pw != nullptr ? pw->pw_uid : 65534;
  const gid_t gid = pw != nullptr ? pw->pw_gid : 65534;
  (void)::chown(path.c_str(), uid, gid);
}

std::string random_password() {
  std::random_device rd;
  static constexpr char HEX[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) out += HEX[rd() % 16];
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && (s[start] == ' ' || s[start] == '\n')) ++start;
  return s.substr(start);
}

}  // namespace

std::string postgres_bin_dir() {
  // HEARTH_POSTGRESQL_BIN names the folder instead (e.g. another major version; a folder without
  // the binaries makes the tests behave as on a machine without PostgreSQL).
  if (const char* forced = std::getenv("HEARTH_POSTGRESQL_BIN"); forced != nullptr) {
    const std::string bin = forced;
    for (const char* tool : {"/initdb", "/postgres", "/psql"})
      if (!fs::exists(bin + tool)) return {};
    return bin;
  }
  std::error_code ec;
  std::vector<std::pair<int, std::string>> found;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = (entry.path() / "bin").string();
    if (!fs::exists(bin + "/initdb") || !fs::exists(bin + "/postgres") || !fs::exists(bin + "/psql")) continue;
    try {
      found.emplace_back(std::stoi(entry.path().filename().string()), bin);
    } catch (const std::exception&) {
      continue;
    }
  }
  if (found.empty()) return {};
  std::sort(found.begin(), found.end());
  return found.back().second;
}

PostgresCluster::PostgresCluster(std::string dir) : PostgresCluster(std::move(dir), Options{}) {}

PostgresCluster::PostgresCluster(std::string dir, Options options)
    : dir_(std::move(dir)), options_(options), password_(random_password()), bin_(postgres_bin_dir()) {}

PostgresCluster::~PostgresCluster() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PostgresCluster::password_file() const { return dir_ + "/password"; }

std::string PostgresCluster::conninfo(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + dbname + " user=" + user_ +
         " sslmode=disable connect_timeout=5";
}

bool PostgresCluster::start(std::string& error) {
  if (bin_.empty()) {
    error = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin";
    return false;
  }
  std::error_code ec;
  fs::create_directories(dir_ + "/sock", ec);
  if (ec) {
    error = dir_ + ": " + ec.message();
    return false;
  }
  // The server user must reach the folder: its parents need search permission for others.
  for (fs::path p = fs::path(dir_).parent_path(); is_root() && !p.empty() && p != p.root_path(); p = p.parent_path())
    fs::permissions(p, fs::perms::others_exec, fs::perm_options::add, ec);
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, ec);
  std::ofstream(password_file()) << password_ << "\n";
  fs::permissions(password_file(), fs::perms::owner_read | fs::perms::owner_write, ec);
  give_to_server_user(dir_);
  give_to_server_user(dir_ + "/sock");
  give_to_server_user(password_file());

  const std::string log = dir_ + "/initdb.log";
  Process initdb(as_server_user({bin_ + "/initdb", "-D", dir_ + "/data", "-U", user_, "--pwfile=" + password_file(),
                                 "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"}),
                 log);
  const auto st = initdb.wait(120s);
  if (!st || *st != 0) {
    error = "initdb failed:\n" + read_file(log);
    return false;
  }
  port_ = free_port();
  std::vector<std::string> argv = {bin_ + "/postgres",
                                   "-D",
                                   dir_ + "/data",
                                   "-p",
                                   std::to_string(port_),
                                   "-k",
                                   dir_ + "/sock",
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   "max_connections=" + std::to_string(options_.max_connections)};
  for (const char* setting :
       options_.durable ? std::vector<const char*>{"fsync=on", "synchronous_commit=on"}
                        : std::vector<const char*>{"fsync=off", "synchronous_commit=off", "full_page_writes=off"}) {
    argv.insert(argv.end(), {"-c", setting});
  }
  server_ = Process(as_server_user(argv), dir_ + "/server.log");
  running_ = true;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::string why;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!server_.running()) {
      running_ = false;
      error = "postgres exited:\n" + read_file(dir_ + "/server.log");
      return false;
    }
    if (psql("postgres", "SELECT 1", &why)) return true;
    std::this_thread::sleep_for(100ms);
  }
  error = "postgres did not answer within 60 s (" + why + "):\n" + read_file(dir_ + "/server.log");
  stop();
  return false;
}

void PostgresCluster::stop() {
  if (!running_) return;
  (void)server_.stop(SIGINT, 20s);  // fast shutdown: roll back, checkpoint, exit
  server_ = Process();
  running_ = false;
}

std::optional<std::string> PostgresCluster::psql(const std::string& dbname, const std::string& sql,
                                                 std::string* error) {
  const std::string out = dir_ + "/psql.out";
  std::error_code ec;
  fs::remove(out, ec);
  Process p({bin_ + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dir_ + "/sock", "-p",
             std::to_string(port_), "-U", user_, "-d", dbname, "-c", sql},
            out, {"PGPASSWORD=" + password_, "PGCONNECT_TIMEOUT=5"});
  const auto st = p.wait(60s);
  const std::string text = read_file(out);
  if (!st || *st != 0) {
    if (error != nullptr) *error = trim(text);
    return std::nullopt;
  }
  return text;
}

bool PostgresCluster::create_database(const std::string& name, std::string& error) {
  return psql("postgres", "CREATE DATABASE \"" + name + "\"", &error).has_value();
}

std::string PostgresCluster::scalar(const std::string& dbname, const std::string& sql) {
  auto r = psql(dbname, sql);
  return r ? trim(*r) : std::string{};
}

}  // namespace hearth::test
