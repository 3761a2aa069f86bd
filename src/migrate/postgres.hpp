#pragma once
// The PostgreSQL implementation of the Database seam. The only part of the
// library that includes libpqxx (with pq_batch.cpp, which uses libpq itself
// for the history reads and the steps' batches).

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

// A connection on its way (libpq's non-blocking connect): by the time
// start_postgres returns, the server has been contacted and starts the
// session (a new backend process, authentication) while the caller does
// something else, such as reading the migrations tree. Nothing is sent
// beyond the start-up packet before finish().
class PendingConnection {
public:
  PendingConnection(PendingConnection &&) noexcept;
  PendingConnection &operator=(PendingConnection &&) noexcept;
  ~PendingConnection(); // abandons the attempt (closes the socket) if not finished

  // Waits for the session; the same result and errors as connect_postgres.
  // Call at most once.
  std::unique_ptr<Database> finish();

private:
  struct State;
  explicit PendingConnection(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
  friend PendingConnection start_postgres(const std::string &, const HistoryTable &,
                                          const std::vector<std::string> &);
};

// Starts connecting to `conninfo` as connect_postgres does. Never throws for
// a connection problem: finish() reports it, so that the caller can report
// its own errors first.
PendingConnection start_postgres(const std::string &conninfo, const HistoryTable &history,
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
