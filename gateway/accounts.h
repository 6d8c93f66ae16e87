#pragma once
// Dashboard accounts: users with roles, argon2id password hashes (libsodium), sessions, the
// first-run setup code, and login throttling. Its own SQLite connection to hearthd's database
// (tables from Store migration 5); every write is immediate. Logic thread only.
//
// No default password exists anywhere: until the first account is made, a one-time setup code is
// the only way in, and it is shown only in the log and on the box's own screen.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace hearth::gateway {

enum class Role : std::uint8_t { tv, householder, carer, coordinator, admin };
std::string_view to_string(Role r);
std::optional<Role> role_from_string(std::string_view s);

struct User {
  std::string username;
  std::string display_name;
  Role role = Role::carer;
  std::string language = "en";  // en or cy
};

struct NewUser {
  User user;
  std::string password;
};

struct Session {
  User user;
  std::string csrf_token;
};

struct LoginOutcome {
  enum class Kind : std::uint8_t { ok, bad_credentials, locked, throttled };
  Kind kind = Kind::bad_credentials;
  std::string token;  // ok: the session cookie value (only ever returned here)
  Session session;
  std::chrono::seconds retry_after{0};  // locked / throttled
};

struct AccountsOptions {
  // argon2id cost; tests lower it. Interactive limits: 64 MiB, ~0.1-0.5 s on a Pi 4.
  unsigned long long ops_limit = 2;             // crypto_pwhash_OPSLIMIT_INTERACTIVE
  std::size_t mem_limit = 64ULL * 1024 * 1024;  // crypto_pwhash_MEMLIMIT_INTERACTIVE
  int max_failures = 5;
  std::chrono::minutes lockout{15};
  int max_failures_per_address_per_minute = 20;
  std::chrono::hours session_idle{12};
  std::chrono::hours session_max{24 * 7};
  std::size_t min_password_length = 10;
};

class Accounts {
 public:
  static core::Result<std::unique_ptr<Accounts>> open(const std::string& db_path, AccountsOptions options = {});
  ~Accounts();
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;

  bool setup_required() const;
  // The current one-time code ("1234-5678"); empty once setup is done.
  const std::string& setup_code() const { return setup_code_; }
  // Creates the first account (always admin) if `code` matches; the code is then spent.
  // Wrong codes count against the address like failed logins (the code is 8 digits).
  core::Result<User> complete_setup(const std::string& code, NewUser first, const std::string& address,
                                    core::TimePoint now);

  core::Result<User> create_user(const NewUser& u, core::TimePoint now);
  core::Result<void> delete_user(const std::string& username);
  core::Result<std::vector<User>> users() const;
  core::Result<void> set_language(const std::string& username, const std::string& language);

  LoginOutcome login(const std::string& username, const std::string& password, const std::string& address,
                     core::TimePoint now);
  // A session for a cookie value, or nullopt (unknown, expired, user gone).
  std::optional<Session> session(const std::string& token, core::TimePoint now);
  core::Result<LoginOutcome> start_session(const User& user, core::TimePoint now);
  void logout(const std::string& token);

 private:
  struct Impl;
  explicit Accounts(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string setup_code_;
};

// Checks applied to every new account; the message says what is wrong.
std::optional<std::string> validate_new_user(const NewUser& u, std::size_t min_password_length);
// Constant-time string equality (codes, tokens).
bool secure_equals(const std::string& a, const std::string& b);

}  // namespace hearth::gateway
