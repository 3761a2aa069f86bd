#pragma once
// The PostgreSQL implementation of the Database seam. The only part of the
// library that talks to the server.

#include "migrate/database.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace migrate {

// Where the history table lives; both parts are plain names, quoted when used.
struct HistoryTable {
  std::string schema = "public";
  std::string table = "migration_history";

  // "schema.table", unquoted, for messages and the lock key.
  std::string qualified() const { return schema + "." + table; }
};

// Parses "table" or "schema.table" (each part [A-Za-z_][A-Za-z0-9_$]*, at
// most 63 bytes). Throws UsageError naming the value otherwise.
HistoryTable parse_history_table(const std::string &text);

// The two keys of the session advisory lock that serialises runners on
// `history`: a fixed namespace and a hash of history.qualified().
std::pair<int, int> migration_lock_keys(const HistoryTable &history);

// Connects to `conninfo` (URL or keyword/value string; empty = libpq's PG*
// defaults). `secrets` are removed from every message (see conninfo.hpp).
// Throws ConnectionError, without any secret in it, when the connection
// fails.
std::unique_ptr<Database> connect_postgres(const std::string &conninfo, const HistoryTable &history,
                                           const std::vector<std::string> &secrets);

} // namespace migrate
