#pragma once
// The PostgreSQL implementation of the Database seam. The only part of the
// library that includes libpqxx.

#include "migrate/database.hpp"
#include "migrate/history_sql.hpp"

#include <memory>
#include <string>
#include <vector>

namespace migrate {

// Connects to `conninfo` (URL or keyword/value string; empty = libpq's PG*
// defaults). `secrets` are removed from every message (see conninfo.hpp).
// Throws ConnectionError, without any secret in it, when the connection
// fails.
std::unique_ptr<Database> connect_postgres(const std::string &conninfo, const HistoryTable &history,
                                           const std::vector<std::string> &secrets);

} // namespace migrate
