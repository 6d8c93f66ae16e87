#pragma once
// The coordinator's PostgreSQL backend (libpqxx, confined to postgres_store.cpp): the same
// CoordinatorStore interface and the same numbered migrations as the SQLite backend, for
// instances on several hosts. See postgres_store.cpp for how "exactly one instance does each
// escalation step and claims each acknowledgement" is kept (row locks, SKIP LOCKED).
#include <memory>
#include <string>

#include "coordinator/coordinator_store.h"
#include "core/result.h"

namespace hearth::coordinator {

// Connects (store.conninfo plus the password read from store.password_file, if any), migrates
// under an advisory lock (instances starting together take turns) and returns the store. A lost
// connection is re-made on the next call, logged and counted (CoordinatorStore::reconnects()).
core::Result<std::unique_ptr<CoordinatorStore>> open_postgres_store(const StoreSettings& settings);

// A libpq keyword/value string or postgresql:// URL with `password` added, quoted as libpq wants;
// an error when libpq cannot parse it. Exposed for tests.
core::Result<std::string> postgres_conninfo_with_password(const std::string& conninfo, const std::string& password);

}  // namespace hearth::coordinator
