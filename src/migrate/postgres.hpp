#pragma once
// The PostgreSQL implementation of the Database seam. The only part of the
// library that includes libpqxx.

#include "migrate/database.hpp"
#include "migrate/history_sql.hpp"

#include <chrono>
#include <functional>
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

// Waits until the server at `conninfo` accepts connections (libpq's PQping,
// as pg_isready), polling every 250 ms for at most `timeout`, then logs in
// once to prove the credentials and database. Calls `on_wait` once, with the
// reason, when the first poll fails. Returns how long it waited. Throws
// ConnectionError when the time is up (naming the last reason), when the
// connection string is invalid, or when the login fails.
std::chrono::milliseconds wait_for_server(const std::string &conninfo,
                                          std::chrono::milliseconds timeout,
                                          const std::vector<std::string> &secrets,
                                          const std::function<void(const std::string &)> &on_wait);

} // namespace migrate
