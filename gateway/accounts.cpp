#include "gateway/accounts.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <regex>

#include "gateway/sqlite.h"

namespace hearth::gateway {
namespace {

using core::Error;
using sqlite::Stmt;

constexpr std::array<std::string_view, 5> ROLE_NAMES = {"tv", "householder", "carer", "coordinator", "admin"};

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), buf.data(), buf.size());
  hex.pop_back();
  return hex;
}

// Sessions are looked up by a hash of the token: the database never holds a usable session.
std::string token_hash(const std::string& token) {
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  char hex[crypto_generichash_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

std::string make_setup_code() {
  std::string code;
  for (int i = 0; i < 8; ++i) {
    if (i == 4) code.push_back('-');
    code.push_back(static_cast<char>('0' + randombytes_uniform(10)));
  }
  return code;
}

std::int64_t ms(core::TimePoint t) { return core::to_epoch_ms(t); }

}  // namespace

std::string_view to_string(Role r) { return ROLE_NAMES[static_cast<std::size_t>(r)]; }

std::optional<Role> role_from_string(std::string_view s) {
  for (std::size_t i = 0; i < ROLE_NAMES.size(); ++i) {
    if (ROLE_NAMES[i] == s) return static_cast<Role>(i);
  }
  return std::nullopt;
}

bool secure_equals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> validate_new_user(const NewUser& u, std::size_t min_password_length) {
  static const std::regex NAME("^[a-z0-9._-]{1,32}$");
  if (!std::regex_match(u.user.username, NAME)) return "username: 1-32 of a-z 0-9 . _ -";
  if (u.user.username == "tv" || u.user.username == "api") return "username: reserved";
  if (u.user.role == Role::tv) return "role: tv is not an account role";
  if (u.user.display_name.empty() || u.user.display_name.size() > 64) return "display_name: 1-64 characters";
  if (u.user.language != "en" && u.user.language != "cy") return "language: en or cy";
  if (u.password.size() < min_password_length) {
    return "password: at least " + std::to_string(min_password_length) + " characters";
  }
  if (u.password.size() > 1024) return "password: at most 1024 characters";
  return std::nullopt;
}

struct Accounts::Impl {
  AccountsOptions options;
  sqlite::Db db;
  std::map<std::string, std::deque<core::TimePoint>> failures_by_address;
  std::string dummy_hash;  // verified against for unknown users, so timing does not reveal names

  core::Result<std::string> hash_password(const std::string& password) const {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), options.ops_limit, options.mem_limit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return Error{"password hashing ran out of memory"};
    }
    return std::string(out);
  }

  static bool verify(const std::string& hash, const std::string& password) {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
  }

  core::Result<std::int64_t> count_users() const {
    auto q = Stmt::prepare(db.get(), "SELECT count(*) FROM users");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    return q->column_int(0);
  }

  std::optional<User> read_user(Stmt& q, int first_column) const {
    auto role = role_from_string(q.column_text(first_column + 2));
    if (!role) return std::nullopt;
    return User{q.column_text(first_column), q.column_text(first_column + 1), *role, q.column_text(first_column + 3)};
  }

  // Counts a failure from an address; true when the address is over its per-minute budget.
  bool address_throttled(const std::string& address, core::TimePoint now, bool record) {
    if (failures_by_address.size() > 4096) failures_by_address.clear();  // bounded; a flood resets it
    auto& times = failures_by_address[address];
    while (!times.empty() && now - times.front() > std::chrono::minutes{1}) times.pop_front();
    if (record) times.push_back(now);
    return static_cast<int>(times.size()) > options.max_failures_per_address_per_minute;
  }
};

Accounts::Accounts(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Accounts::~Accounts() = default;

core::Result<std::unique_ptr<Accounts>> Accounts::open(const std::string& db_path, AccountsOptions options) {
  if (sodium_init() < 0) return Error{"libsodium failed to initialise"};
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) return Error{db_path + ": accounts: " + sqlite::last_error(raw)};
  sqlite3_busy_timeout(raw, 5000);
  if (auto r = sqlite::exec(raw, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"); !r) return r.error();
  auto users = impl->count_users();
  if (!users) return Error{db_path + ": accounts: " + users.error().message};
  auto dummy = impl->hash_password(random_hex(16));
  if (!dummy) return dummy.error();
  impl->dummy_hash = *dummy;
  std::unique_ptr<Accounts> accounts(new Accounts(std::move(impl)));  // NOLINT: private constructor
  if (*users == 0) accounts->setup_code_ = make_setup_code();
  return accounts;
}

bool Accounts::setup_required() const { return !setup_code_.empty(); }

core::Result<User> Accounts::complete_setup(const std::string& code, NewUser first, const std::string& address,
                                            core::TimePoint now) {
  if (!setup_required()) return Error{"already set up"};
  if (impl_->address_throttled(address, now, false)) return Error{"too many attempts: wait a minute"};
  if (!secure_equals(code, setup_code_)) {
    impl_->address_throttled(address, now, true);
    return Error{"wrong setup code"};
  }
  first.user.role = Role::admin;
  auto user = create_user(first, now);
  if (user) setup_code_.clear();
  return user;
}

core::Result<User> Accounts::create_user(const NewUser& u, core::TimePoint now) {
  if (auto problem = validate_new_user(u, impl_->options.min_password_length)) return Error{*problem};
  auto hash = impl_->hash_password(u.password);
  if (!hash) return hash.error();
  auto q = Stmt::prepare(impl_->db.get(),
                         "INSERT INTO users (username, display_name, role, language, password_hash, created_ms) "
                         "VALUES (?, ?, ?, ?, ?, ?)");
  if (!q) return q.error();
  q->bind(1, u.user.username)
      .bind(2, u.user.display_name)
      .bind(3, to_string(u.user.role))
      .bind(4, u.user.language)
      .bind(5, *hash)
      .bind(6, ms(now));
  if (auto r = q->run(); !r) {
    if (r.error().message.find("UNIQUE") != std::string::npos) return Error{"username: already taken"};
    return r.error();
  }
  return u.user;
}

core::Result<void> Accounts::delete_user(const std::string& username) {
  auto q = Stmt::prepare(impl_->db.get(), "DELETE FROM users WHERE username = ?");
  if (!q) return q.error();
  if (auto r = q->bind(1, username).run(); !r) return r;
  if (sqlite3_changes(impl_->db.get()) == 0) return Error{"no such user"};
  return {};
}

core::Result<std::vector<User>> Accounts::users() const {
  auto q = Stmt::prepare(impl_->db.get(), "SELECT username, display_name, role, language FROM users ORDER BY username");
  if (!q) return q.error();
  std::vector<User> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    if (auto u = impl_->read_user(*q, 0)) out.push_back(*u);
  }
  return out;
}

core::Result<void> Accounts::set_language(const std::string& username, const std::string& language) {
  if (language != "en" && language != "cy") return Error{"language: en or cy"};
  auto q = Stmt::prepare(impl_->db.get(), "UPDATE users SET language = ? WHERE username = ?");
  if (!q) return q.error();
  return q->bind(1, language).bind(2, username).run();
}

LoginOutcome Accounts::login(const std::string& username, const std::string& password, const std::string& address,
                             core::TimePoint now) {
  LoginOutcome out;
  if (impl_->address_throttled(address, now, false)) {
    out.kind = LoginOutcome::Kind::throttled;
    out.retry_after = std::chrono::seconds{60};
    return out;
  }
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT username, display_name, role, language, password_hash, failed_logins, "
                         "locked_until_ms FROM users WHERE username = ?");
  std::optional<User> user;
  std::string hash = impl_->dummy_hash;
  std::int64_t failures = 0;
  std::int64_t locked_until = 0;
  if (q) {
    q->bind(1, username);
    auto row = q->step();
    if (row && *row) {
      user = impl_->read_user(*q, 0);
      hash = q->column_text(4);
      failures = q->column_int(5);
      locked_until = q->column_int(6);
    }
  }
  if (user && locked_until > ms(now)) {
    out.kind = LoginOutcome::Kind::locked;
    out.retry_after = std::chrono::seconds{(locked_until - ms(now) + 999) / 1000};
    return out;
  }
  const bool ok = Impl::verify(hash, password) && user.has_value();
  if (!ok) {
    impl_->address_throttled(address, now, true);
    if (user) {
      ++failures;
      const bool lock = failures >= impl_->options.max_failures;
      auto u =
          Stmt::prepare(impl_->db.get(), "UPDATE users SET failed_logins = ?, locked_until_ms = ? WHERE username = ?");
      if (u) {
        const std::int64_t until =
            lock ? ms(now) + std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.lockout).count() : 0;
        (void)u->bind(1, lock ? std::int64_t{0} : failures).bind(2, until).bind(3, username).run();
      }
      if (lock)
        spdlog::warn("accounts: {} locked for {} min after {} failed logins", username, impl_->options.lockout.count(),
                     failures);
    }
    out.kind = LoginOutcome::Kind::bad_credentials;
    return out;
  }
  auto reset = Stmt::prepare(impl_->db.get(), "UPDATE users SET failed_logins = 0 WHERE username = ?");
  if (reset) (void)reset->bind(1, username).run();
  auto started = start_session(*user, now);
  if (!started) {
    spdlog::error("accounts: cannot start a session: {}", started.error().message);
    out.kind = LoginOutcome::Kind::bad_credentials;
    return out;
  }
  return *started;
}

core::Result<LoginOutcome> Accounts::start_session(const User& user, core::TimePoint now) {
  LoginOutcome out;
  out.kind = LoginOutcome::Kind::ok;
  out.token = random_hex(32);
  out.session = Session{user, random_hex(16)};
  auto q = Stmt::prepare(impl_->db.get(),
                         "INSERT INTO sessions (token_hash, username, csrf_token, created_ms, last_seen_ms) "
                         "VALUES (?, ?, ?, ?, ?)");
  if (!q) return q.error();
  if (auto r = q->bind(1, token_hash(out.token))
                   .bind(2, user.username)
                   .bind(3, out.session.csrf_token)
                   .bind(4, ms(now))
                   .bind(5, ms(now))
                   .run();
      !r) {
    return r.error();
  }
  return out;
}

std::optional<Session> Accounts::session(const std::string& token, core::TimePoint now) {
  if (token.size() != 64) return std::nullopt;
  auto q = Stmt::prepare(impl_->db.get(),
                         "SELECT u.username, u.display_name, u.role, u.language, s.csrf_token, s.created_ms, "
                         "s.last_seen_ms FROM sessions s JOIN users u ON u.username = s.username "
                         "WHERE s.token_hash = ?");
  if (!q) return std::nullopt;
  const std::string h = token_hash(token);
  q->bind(1, h);
  auto row = q->step();
  if (!row || !*row) return std::nullopt;
  auto user = impl_->read_user(*q, 0);
  const std::string csrf = q->column_text(4);
  const std::int64_t created = q->column_int(5);
  const std::int64_t seen = q->column_int(6);
  q->reset();
  const auto idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.session_idle).count();
  const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.session_max).count();
  if (!user || ms(now) - seen > idle_ms || ms(now) - created > max_ms) {
    logout(token);
    return std::nullopt;
  }
  if (ms(now) - seen > 60'000) {  // at most one write a minute per session
    auto t = Stmt::prepare(impl_->db.get(), "UPDATE sessions SET last_seen_ms = ? WHERE token_hash = ?");
    if (t) (void)t->bind(1, ms(now)).bind(2, h).run();
  }
  return Session{*user, csrf};
}

void Accounts::logout(const std::string& token) {
  auto q = Stmt::prepare(impl_->db.get(), "DELETE FROM sessions WHERE token_hash = ?");
  if (q) (void)q->bind(1, token_hash(token)).run();
}

}  // namespace hearth::gateway
