#include "migrate/postgres.hpp"

#include "migrate/classify.hpp"
#include "migrate/conninfo.hpp"
#include "migrate/copy_text.hpp"
#include "migrate/error.hpp"
#include "migrate/pg_history.hpp"
#include "migrate/pq_batch.hpp"
#include "migrate/server_message.hpp"
#include "migrate/utf8.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <libpq-fe.h>
#include <poll.h>
#include <pqxx/pqxx>
#include <thread>

namespace migrate {

namespace {

// The statements of Database::reset_session(): the role and the session
// user are not reset by RESET ALL.
constexpr std::array<const char *, 3> k_reset_session{"RESET ALL", "RESET SESSION AUTHORIZATION",
                                                      "RESET ROLE"};

std::string ms_literal(std::chrono::milliseconds value) {
  return "'" + std::to_string(value.count()) + "ms'";
}

// run_batch sends "q0; q1; ...": the query that the 1-based character
// `position` in that text falls in, and the position inside it; nothing when
// it falls in none (0: the server gave no position).
std::optional<std::pair<std::size_t, std::size_t>> locate(const std::vector<std::string> &queries,
                                                          std::size_t position) {
  if (position == 0) {
    return std::nullopt;
  }
  std::size_t offset = 0;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const std::size_t length = utf8_length(queries[i]);
    if (position > offset && position <= offset + length) {
      return std::make_pair(i, position - offset);
    }
    offset += length + 2; // "; "
  }
  return std::nullopt;
}

// The 1-based character position in run_batch's text ("q0; q1; ...") of the first byte
// sequence that is not UTF-8, 0 for none. The server refuses such a query whole (SQLSTATE
// 22021) and gives no position.
std::size_t invalid_utf8_position(const std::vector<std::string> &queries) {
  std::size_t offset = 0;
  for (const std::string_view query : queries) {
    const std::size_t bad = first_invalid_utf8(query);
    if (bad != std::string_view::npos) {
      return offset + utf8_length(query.substr(0, bad)) + 1;
    }
    offset += utf8_length(query) + 2; // "; "
  }
  return 0;
}

// libpqxx's asynchronous connection policy, remembering the libpq connection it
// manages: libpqxx 6.4 has no accessor for it, and the history reads need it
// (pq_batch.hpp). connection_base hands every handle it gets through the policy.
class HandlePolicy final : public pqxx::connect_async {
public:
  explicit HandlePolicy(const std::string &options) : pqxx::connect_async(options) {}
  handle do_startconnect(handle orig) override {
    try {
      return m_handle = pqxx::connect_async::do_startconnect(orig);
    } catch (...) {
      // libpq refused the attempt at once (a malformed connection string):
      // connect_async drops the PGconn (through do_dropconnect, below) without
      // finishing it, and nothing else holds it.
      if (orig == nullptr && m_handle != nullptr) {
        PQfinish(m_handle);
        m_handle = nullptr;
      }
      throw;
    }
  }
  handle do_completeconnect(handle orig) override {
    if (orig != nullptr) {
      finish_within_connect_timeout(orig);
    }
    return m_handle = pqxx::connect_async::do_completeconnect(orig);
  }
  handle do_dropconnect(handle orig) noexcept override {
    return m_handle = pqxx::connect_async::do_dropconnect(orig);
  }
  handle do_disconnect(handle orig) noexcept override {
    return m_handle = pqxx::connect_async::do_disconnect(orig);
  }
  PGconn *raw() const { return m_handle; }

private:
  // libpqxx 6.4 waits for an asynchronous connection without a time limit, and libpq applies
  // connect_timeout only to its blocking connect: a server that accepts the connection and
  // never answers would hang the run. Polls the connection to its end here, within
  // connect_timeout (as libpq reads it: the string, else PGCONNECT_TIMEOUT; at least 2 s; 0
  // or none: no limit) for the whole attempt, every host included; libpqxx's own loop then
  // finds it done. Throws broken_connection with libpq's message, or "timeout expired".
  static void finish_within_connect_timeout(PGconn *conn) {
    int seconds = 0;
    if (PQconninfoOption *options = PQconninfo(conn)) {
      for (PQconninfoOption *o = options; o->keyword != nullptr; ++o) {
        if (std::strcmp(o->keyword, "connect_timeout") == 0 && o->val != nullptr) {
          seconds = std::atoi(o->val);
        }
      }
      PQconninfoFree(options);
    }
    if (seconds <= 0) {
      return;
    }
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::seconds(std::max(seconds, 2));
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
      if (status == PGRES_POLLING_FAILED) {
        throw pqxx::broken_connection(PQerrorMessage(conn));
      }
      if (PQsocket(conn) < 0) {
        status = PQconnectPoll(conn); // no socket: libpq reports why
        continue;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd fd{PQsocket(conn),
                static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
      const int ready = left > 0 ? ::poll(&fd, 1, static_cast<int>(left)) : 0;
      if (ready == 0) {
        throw pqxx::broken_connection("timeout expired");
      }
      if (ready < 0 && errno != EINTR) {
        throw pqxx::broken_connection(std::string("waiting for the server: ") +
                                      std::strerror(errno));
      }
      if (ready > 0) {
        status = PQconnectPoll(conn);
      }
    }
  }

  handle m_handle = nullptr;
};

// pqxx::asyncconnection (basic_connection_base<connect_async>, same layout)
// with the libpq connection at hand. Starts connecting when constructed;
// activate() waits for the session.
class Connection final : public pqxx::connection_base {
public:
  explicit Connection(const std::string &options)
      : pqxx::connection_base(m_policy), m_options(options), m_policy(m_options) {
    init();
  }
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;
  ~Connection() { close(); }

  // The libpq connection; only while no libpqxx transaction is open on it.
  PGconn *raw() const { return m_policy.raw(); }

private:
  std::string m_options; // before m_policy, which keeps a reference to it
  HandlePolicy m_policy;
};

// Drops the server's notices (e.g. "table does not exist, skipping"): they
// would interleave with the step lines.
class QuietNotices final : public pqxx::errorhandler {
public:
  explicit QuietNotices(pqxx::connection_base &conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char[]) noexcept override { return false; }
};

class PgDatabase final : public Database {
public:
  // `conn` has completed its session (Connection::activate()).
  PgDatabase(std::unique_ptr<Connection> conn, std::string conninfo, const HistoryTable &history,
             std::vector<std::string> secrets)
      : m_conn(std::move(conn)), m_notices(*m_conn), m_conninfo(std::move(conninfo)),
        m_sql(history), m_secrets(std::move(secrets)), m_lock_keys(migration_lock_keys(history)) {
    m_description = std::string(m_conn->hostname() ? m_conn->hostname() : "") + ":" +
                    (m_conn->port() ? m_conn->port() : "") + "/" +
                    (m_conn->dbname() ? m_conn->dbname() : "");
  }

  ~PgDatabase() override { unlock(); }

  std::string describe() const override { return m_description; }

  void require_writable() override { m_check_writable = true; }

  bool try_lock() override {
    const std::string lock = "pg_try_advisory_lock(" + lock_args() + ")";
    if (!m_check_writable) {
      auto r = exec("SELECT " + lock, "taking the migration lock");
      m_locked = r[0][0].as<bool>();
      return m_locked;
    }
    auto r =
        exec("SELECT " + lock + ", pg_is_in_recovery(), current_setting('transaction_read_only')",
             "checking that the target accepts writes and taking the migration lock");
    m_locked = r[0][0].as<bool>();
    const bool standby = r[0][1].as<bool>();
    const bool read_only = std::string(r[0][2].c_str()) == "on";
    if (standby || read_only) {
      unlock();
      throw ConnectionError(m_description + (standby
                                                 ? " is a read-only standby (pg_is_in_recovery)"
                                                 : " is read-only (default_transaction_read_only "
                                                   "is on)"));
    }
    m_check_writable = false;
    return m_locked;
  }

  std::optional<LockHolder> lock_holder() override {
    auto r = exec("SELECT a.pid, coalesce(a.application_name, ''), "
                  "coalesce(host(a.client_addr), 'local socket'), coalesce(a.state, ''), "
                  "coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', "
                  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
                  "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                  "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
                  "AND l.pid <> pg_backend_pid() "
                  "AND l.classid = " +
                      std::to_string(m_lock_keys.first) +
                      " AND l.objid = " + std::to_string(m_lock_keys.second) +
                      " AND l.database = (SELECT oid FROM pg_database "
                      "WHERE datname = current_database()) LIMIT 1",
                  "looking up the lock holder");
    if (r.empty()) {
      return std::nullopt;
    }
    return LockHolder{r[0][0].as<int>(), r[0][1].c_str(), r[0][2].c_str(), r[0][3].c_str(),
                      r[0][4].c_str()};
  }

  void unlock() noexcept override {
    if (!m_locked) {
      return;
    }
    m_locked = false;
    try {
      pqxx::nontransaction tx{*m_conn};
      tx.exec("SELECT pg_advisory_unlock(" + lock_args() + ")");
    } catch (const std::exception &) {
      // The lock ends with the session anyway; the connection closes next.
    }
  }

  std::optional<std::vector<AppliedMigration>> read_history(HistoryDetail detail) override {
    return reading_history([&]() -> std::optional<std::vector<AppliedMigration>> {
      const bool full = detail == HistoryDetail::full;
      const std::size_t columns = full ? 8 : 7;
      // Reserved from their count: a growing vector holds its old and new
      // storage at once (4 MB at 10000 rows).
      std::vector<AppliedMigration> rows;
      CopyLine fields;
      RowSink sink;
      sink.count = [&rows](std::size_t count) { rows.reserve(count); };
      sink.line = [&](std::string_view line) {
        if (!fields.parse(line, columns)) {
          throw PqError("a row of the history does not have " + std::to_string(columns) +
                            " columns",
                        "", false);
        }
        rows.push_back(history_row(fields, full));
      };
      if (!query_history(m_conn->raw(), m_sql,
                         m_sql.select_rows(detail == HistoryDetail::planning, full), sink)) {
        return std::nullopt;
      }
      // Sorted here rather than by the server: a sequential scan, no index scan.
      std::sort(rows.begin(), rows.end(), [](const AppliedMigration &a, const AppliedMigration &b) {
        return a.sequence < b.sequence;
      });
      return rows;
    });
  }

  std::optional<std::string> read_history_digest() override {
    if (m_conn->server_version() < 110000) {
      return std::string(); // no hashtextextended() before PostgreSQL 11
    }
    return reading_history([&]() -> std::optional<std::string> {
      std::string digest;
      RowSink sink;
      // The COPY line "<rows>\t<sum>" as history_digest() writes it: "<rows> <sum>".
      sink.line = [&digest](std::string_view line) {
        digest = first_line(std::string(line));
        std::replace(digest.begin(), digest.end(), '\t', ' ');
      };
      if (!query_history(m_conn->raw(), m_sql, m_sql.select_digest(), sink)) {
        return std::nullopt;
      }
      return digest;
    });
  }

  // Runs `read` (a read of the history table), turning the client libraries'
  // exceptions into ours.
  template <typename Read> auto reading_history(Read &&read) -> decltype(read()) {
    const std::string doing = "reading the history table " + m_sql.table().qualified();
    try {
      return read();
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, doing);
    } catch (const pqxx::sql_error &e) {
      throw Error(ExitCode::failure, doing + ": " + first_line(redacted(e.what())));
    } catch (const PqError &e) {
      if (e.lost()) {
        throw lost(e, doing);
      }
      throw Error(ExitCode::failure, doing + ": " + first_line(redacted(e.what())));
    }
  }

  void create_history() override {
    exec(m_sql.create(), "creating the history table " + m_sql.table().qualified());
  }

  std::vector<Event> read_events(std::size_t limit) override {
    try {
      pqxx::nontransaction tx{*m_conn};
      return to_events(tx.exec(m_sql.select_events(limit)));
    } catch (const pqxx::undefined_table &) {
      return {};
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "reading the events table");
    } catch (const pqxx::sql_error &e) {
      // A table of another structure is refused as the history reads refuse it (exit 4).
      check_events_structure();
      throw Error(ExitCode::failure, "reading the events table: " + first_line(redacted(e.what())));
    }
  }

  // Throws HistoryError when the events table exists with a structure other than ours.
  void check_events_structure() {
    try {
      PqBatch batch(m_conn->raw(), m_sql.structure());
      check_structure(batch.next_rows(), 1, HistorySql::expected_event_columns(),
                      m_sql.table().schema + "." + m_sql.table().events_table());
    } catch (const PqError &) {
      // The original error says more.
    }
  }

  std::optional<StepFailure> apply(const StepRequest &step) override {
    // The history change is a prepared statement, prepared at the end of the
    // session's first step (which sends it as plain SQL): prepared first, its
    // text would fill most of the 1 KB of the batch that pg_stat_activity
    // shows while the step runs. A file that drops prepared statements gets
    // the plain SQL, and the next step prepares under new names.
    const bool drops_prepared =
        std::any_of(step.statements.begin(), step.statements.end(), [](std::string_view statement) {
          return drops_prepared_statements(statement);
        });
    std::vector<std::string> queries;
    queries.reserve(step.statements.size() + 10);
    if (step.own_transaction) {
      queries.emplace_back("BEGIN");
    }
    add_local_timeouts(queries, step.timeouts, !step.own_transaction);
    const std::size_t first_statement = queries.size();
    for (auto statement : step.statements) {
      queries.emplace_back(statement);
    }
    queries.push_back(m_record_prepared && !drops_prepared
                          ? HistorySql::record_execute(step.direction, record_name(step.direction),
                                                       step.row, step.client)
                          : m_sql.record_step(step.direction, step.row, step.client));
    if (step.reset_session) {
      queries.insert(queries.end(), k_reset_session.begin(), k_reset_session.end());
    }
    if (step.own_transaction) {
      queries.emplace_back("COMMIT");
    }
    const std::size_t first_prepare = queries.size();
    const bool prepares = !m_record_prepared && !drops_prepared;
    if (prepares) {
      queries.push_back(m_sql.record_prepare(Direction::up, record_name(Direction::up)));
      queries.push_back(m_sql.record_prepare(Direction::down, record_name(Direction::down)));
    }
    try {
      std::size_t completed = 0;
      auto failure = run_batch(queries, first_statement, step.statements.size(), &completed,
                               nullptr, step.meanwhile);
      if (prepares && completed == queries.size()) {
        m_record_prepared = true; // prepared statements survive a later rollback
      }
      if (drops_prepared || (prepares && completed < queries.size())) {
        forget_record_statements();
      }
      if (failure && completed >= first_prepare) {
        if (step.own_transaction) {
          // The step committed; only preparing for the next ones failed, and
          // they send the plain SQL again.
          return std::nullopt;
        }
        failure->phase = FailurePhase::history; // it aborted the run's transaction
      }
      if (failure && step.own_transaction) {
        pqxx::nontransaction tx{*m_conn};
        tx.exec("ROLLBACK");
      }
      if (failure && failure->phase == FailurePhase::history && step.direction == Direction::down &&
          failure->sqlstate == "23502") {
        failure->message = "its history row was already gone (deleted by the migration itself, "
                           "or by someone else, while it ran); nothing was reverted";
      }
      return failure;
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "applying " + format_version(step.row.version) + "_" + step.row.name);
    }
  }

  void begin() override { exec("BEGIN", "starting the transaction"); }

  std::optional<StepFailure> commit() override {
    try {
      auto failure = run_batch({"COMMIT"}, 0, 0);
      if (failure) {
        failure->phase = FailurePhase::commit;
      }
      return failure;
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "committing the transaction");
    }
  }

  void rollback() noexcept override {
    try {
      pqxx::nontransaction tx{*m_conn};
      tx.exec("ROLLBACK");
    } catch (const std::exception &) {
      // A lost connection rolls back by itself.
    }
  }

  // The session's history statements may be gone (a DEALLOCATE ran, or preparing them
  // failed half-way): the next step prepares them again, under new names, so that whichever
  // of them still exist stay out of the way.
  void forget_record_statements() {
    m_record_prepared = false;
    ++m_record_generation;
  }

  std::optional<StepFailure> execute(std::string_view sql) override {
    try {
      auto failure = run_batch({std::string(sql)}, 0, 1);
      if (drops_prepared_statements(sql)) {
        forget_record_statements(); // a no-transaction file's DEALLOCATE
      }
      return failure;
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "running a statement");
    }
  }

  void set_session_timeouts(const Timeouts &timeouts) override {
    std::string sql;
    if (timeouts.lock_timeout) {
      sql += "SET lock_timeout = " + ms_literal(*timeouts.lock_timeout) + "; ";
    }
    if (timeouts.statement_timeout) {
      sql += "SET statement_timeout = " + ms_literal(*timeouts.statement_timeout) + "; ";
    }
    if (!sql.empty()) {
      exec(sql, "setting timeouts");
    }
  }

  void reset_session() override {
    std::string sql;
    for (const char *statement : k_reset_session) {
      sql += std::string(sql.empty() ? "" : "; ") + statement;
    }
    exec(sql, "resetting the session");
  }

  void mark_running(Direction direction, const AppliedMigration &row) override {
    write_history_row(m_sql.mark_running(direction, row), row.version);
  }

  void set_progress(Version version, std::size_t done) override {
    write_history_row(m_sql.set_progress(version, done), version);
  }

  void finish_running(Direction direction, const AppliedMigration &row,
                      std::chrono::milliseconds elapsed, const std::string &client) override {
    write_history_row(m_sql.finish_running(direction, row, elapsed, client), row.version);
  }

  void abandon_running(Direction direction, Version version,
                       const Checksum &recorded_down) override {
    write_history_row(m_sql.abandon_running(direction, version, recorded_down), version);
  }

  void record_event(const Event &event) override { write_history({m_sql.insert_event(event)}); }

  void accept(const AppliedMigration &row, const std::string &message,
              const std::string &client) override {
    write_history({m_sql.accept(row, message, client)});
  }

  void repair(const AppliedMigration &row, bool applied, const std::string &client) override {
    write_history({m_sql.repair(row, applied, client)});
  }

  void baseline(const std::vector<AppliedMigration> &rows, const std::string &client,
                const std::string &message) override {
    std::vector<std::string> statements{m_sql.create()};
    for (const auto &row : rows) {
      statements.push_back(m_sql.baseline(row, client, message));
    }
    write_history(statements);
  }

  std::optional<ForeignTableInfo> find_foreign_table(const std::string &query) override {
    auto r = exec(query, "looking up the other tool's history table");
    if (r.empty()) {
      return std::nullopt;
    }
    return ForeignTableInfo{r[0][0].c_str(), r[0][1].c_str(), r[0][2].c_str()};
  }

  std::vector<std::vector<std::string>> read_foreign_rows(const std::string &query) override {
    auto r = exec(query, "reading the other tool's history table");
    std::vector<std::vector<std::string>> rows;
    rows.reserve(r.size());
    for (const auto &row : r) {
      std::vector<std::string> values;
      for (const auto &field : row) {
        values.emplace_back(field.is_null() ? "" : field.c_str());
      }
      rows.push_back(std::move(values));
    }
    return rows;
  }

private:
  // write_history of `statement`, which must change exactly one row: the history row of
  // `version` (and its event). Throws Error when it changed none: the row was deleted, or
  // left its state, behind migrate's back while the migration ran.
  void write_history_row(const std::string &statement, Version version) {
    if (write_history({statement}).at(0) != 1) {
      throw Error(ExitCode::failure,
                  "writing the history table " + m_sql.table().qualified() + ": the row of " +
                      format_version(version) +
                      " is gone or was changed while the migration ran (by the migration "
                      "itself, or by someone else after the migration lock was released); " +
                      "check with migrate status");
    }
  }

  // Runs `statements` in one transaction; returns the rows each one changed.
  std::vector<std::uint64_t> write_history(const std::vector<std::string> &statements) {
    std::vector<std::string> queries{"BEGIN"};
    queries.insert(queries.end(), statements.begin(), statements.end());
    queries.emplace_back("COMMIT");
    std::vector<std::uint64_t> affected;
    try {
      if (auto failure = run_batch(queries, 1, statements.size(), nullptr, &affected)) {
        pqxx::nontransaction tx{*m_conn};
        tx.exec("ROLLBACK");
        throw Error(ExitCode::failure, "writing the history table " + m_sql.table().qualified() +
                                           ": " + failure->message);
      }
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "writing the history table");
    }
    return {affected.begin() + 1, affected.begin() + 1 + statements.size()}; // not BEGIN/COMMIT
  }

  std::vector<std::string> invalid_indexes() override {
    auto r = exec("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
                  "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid "
                  "ORDER BY 1",
                  "looking for invalid indexes");
    std::vector<std::string> names;
    for (const auto &row : r) {
      names.emplace_back(row[0].c_str());
    }
    return names;
  }

public:
  std::function<void()> canceller() override {
    return [conninfo = m_conninfo, pid = m_conn->backendpid()]() {
      try {
        pqxx::connection side{conninfo};
        pqxx::nontransaction tx{side};
        tx.exec("SELECT pg_cancel_backend(" + std::to_string(pid) + ")");
      } catch (const std::exception &) {
        // Nothing more can be done; the main connection carries on.
      }
    };
  }

private:
  // The name of this session's prepared history change of `direction`.
  std::string record_name(Direction direction) const {
    return std::string(direction == Direction::up ? "migrate_record_up_" : "migrate_record_down_") +
           std::to_string(m_record_generation);
  }

  std::string lock_args() const {
    return std::to_string(m_lock_keys.first) + ", " + std::to_string(m_lock_keys.second);
  }

  std::string redacted(const std::string &text) const { return redact(text, m_secrets); }

  ConnectionError lost(const std::exception &e, const std::string &doing) const {
    return ConnectionError("lost the connection to " + m_description + " while " + doing + ": " +
                           first_line(redacted(e.what())));
  }

  pqxx::result exec(const std::string &sql, const std::string &doing) {
    try {
      pqxx::nontransaction tx{*m_conn};
      return tx.exec(sql);
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, doing);
    } catch (const pqxx::sql_error &e) {
      if (e.sqlstate() == "25006") {
        throw ConnectionError(m_description + " is read-only: " + first_line(redacted(e.what())));
      }
      throw Error(ExitCode::failure, doing + ": " + first_line(redacted(e.what())));
    }
  }

  static void add_local_timeouts(std::vector<std::string> &queries, const Timeouts &timeouts,
                                 bool reset_unset) {
    auto add = [&](const char *name, const std::optional<std::chrono::milliseconds> &value) {
      if (value) {
        queries.push_back(std::string("SET LOCAL ") + name + " = " + ms_literal(*value));
      } else if (reset_unset) {
        queries.push_back(std::string("SET LOCAL ") + name + " TO DEFAULT");
      }
    };
    add("lock_timeout", timeouts.lock_timeout);
    add("statement_timeout", timeouts.statement_timeout);
  }

  // Sends all queries in one round trip (one simple-query message, the
  // queries joined by "; ") and finds which one failed, if any. Queries
  // [first_statement, first_statement + statement_count) are the file's; the
  // next one is the history row, anything after it the COMMIT. With
  // `completed`, stores there how many queries ran to completion; with
  // `affected`, the rows each of those inserted, updated or deleted. Calls
  // `meanwhile`, if set, once the batch is sent.
  std::optional<StepFailure> run_batch(const std::vector<std::string> &queries,
                                       std::size_t first_statement, std::size_t statement_count,
                                       std::size_t *completed = nullptr,
                                       std::vector<std::uint64_t> *affected = nullptr,
                                       const std::function<void()> &meanwhile = {}) {
    std::string sql;
    for (const auto &query : queries) {
      if (!sql.empty()) {
        sql += "; ";
      }
      sql += query; // appended, not first joined into a temporary copy
    }
    try {
      PqBatch batch(m_conn->raw(), sql);
      if (meanwhile) {
        meanwhile();
      }
      for (std::size_t i = 0; i < queries.size(); ++i) {
        try {
          std::uint64_t rows = 0;
          batch.next_done(&rows);
          if (affected != nullptr) {
            affected->push_back(rows);
          }
        } catch (const PqError &e) {
          if (e.lost()) {
            throw;
          }
          if (completed != nullptr) {
            *completed = i;
          }
          return step_failure(e, queries, i, first_statement, statement_count);
        }
      }
      if (completed != nullptr) {
        *completed = queries.size();
      }
      return std::nullopt;
    } catch (const PqError &e) {
      // A lost connection, or a batch libpq would not send (a failed
      // statement is returned above): as libpqxx's exception, which each
      // caller already turns into ConnectionError for the ROLLBACK it sends
      // through libpqxx.
      throw pqxx::broken_connection(e.what());
    }
  }

  // The failure `e` of query `failed` of a run_batch. A syntax error fails
  // the whole message before any of it runs (the server parses it first), so
  // the query is the one its position falls in, when it has one.
  StepFailure step_failure(const PqError &e, const std::vector<std::string> &queries,
                           std::size_t failed, std::size_t first_statement,
                           std::size_t statement_count) const {
    StepFailure failure;
    failure.sqlstate = e.sqlstate();
    parse_server_message(redacted(e.text()), failure);
    std::size_t reported = e.position();
    if (reported == 0 && failure.sqlstate == "22021" &&
        e.text().find("\"UTF8\"") != std::string::npos) {
      reported = invalid_utf8_position(queries); // where the client encoding's check failed
    }
    std::size_t position = 0;
    if (const auto at = locate(queries, reported)) {
      failed = at->first;
      position = at->second;
    }
    if (failed > first_statement + statement_count) {
      failure.phase = FailurePhase::commit;
    } else if (failed == first_statement + statement_count) {
      failure.phase = FailurePhase::history;
    } else if (failed >= first_statement) {
      failure.statement = failed - first_statement;
      failure.position = position;
    }
    return failure;
  }

  static std::vector<Event> to_events(const pqxx::result &r) {
    std::vector<Event> events;
    events.reserve(r.size());
    for (const auto &row : r) {
      Event event;
      event.id = row[0].as<std::int64_t>();
      event.at = row[1].c_str();
      const std::string kind = row[2].c_str();
      for (auto k : {EventKind::apply, EventKind::revert, EventKind::fail, EventKind::accept,
                     EventKind::baseline, EventKind::repair}) {
        if (kind == event_name(k)) {
          event.kind = k;
        }
      }
      event.version = parse_version(row[3].c_str()).value_or(0);
      event.name = row[4].c_str();
      event.checksum = row[5].c_str();
      event.db_user = row[6].c_str();
      event.client = row[7].c_str();
      if (!row[8].is_null()) {
        event.duration_ms = row[8].as<std::int64_t>();
      }
      event.sqlstate = row[9].c_str();
      event.file = row[10].c_str();
      event.line = row[11].as<std::size_t>();
      event.message = row[12].c_str();
      events.push_back(std::move(event));
    }
    return events;
  }

  std::unique_ptr<Connection> m_conn;
  QuietNotices m_notices;
  std::string m_conninfo; // for the side connection that cancels; never printed
  HistorySql m_sql;
  std::vector<std::string> m_secrets;
  std::pair<int, int> m_lock_keys;
  std::string m_description;
  bool m_locked = false;
  bool m_check_writable = false;    // require_writable() awaits the next try_lock()
  bool m_record_prepared = false;   // record_name()s exist in the session
  unsigned m_record_generation = 0; // bumped when a step may have dropped them
};

} // namespace

struct PendingConnection::State {
  std::string conninfo;
  HistoryTable history;
  std::vector<std::string> secrets;
  std::unique_ptr<Connection> conn;
  std::string error; // why the attempt failed at once (already redacted)
};

PendingConnection::PendingConnection(std::unique_ptr<State> state) : m_state(std::move(state)) {}
PendingConnection::PendingConnection(PendingConnection &&) noexcept = default;
PendingConnection &PendingConnection::operator=(PendingConnection &&) noexcept = default;
PendingConnection::~PendingConnection() = default;

PendingConnection start_postgres(const std::string &conninfo, const HistoryTable &history,
                                 const std::vector<std::string> &secrets) {
  auto state = std::make_unique<PendingConnection::State>();
  state->conninfo = conninfo;
  state->history = history;
  state->secrets = secrets;
  try {
    // PQconnectStart: for a unix socket, the start-up packet is sent here.
    state->conn = std::make_unique<Connection>(conninfo);
  } catch (const std::exception &e) {
    state->error = first_line(redact(e.what(), secrets));
  }
  return PendingConnection(std::move(state));
}

std::unique_ptr<Database> PendingConnection::finish() {
  State &state = *m_state;
  const auto refused = [&state](const std::string &why) {
    return ConnectionError("cannot connect to " + describe_conninfo(state.conninfo) + ": " + why);
  };
  if (!state.conn) {
    throw refused(state.error.empty() ? "connection already used" : state.error);
  }
  try {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    state.conn->activate(); // waits for the session
    // A silent reconnect would drop the session lock; fail instead.
    state.conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
  } catch (const std::exception &e) {
    state.conn.reset();
    throw refused(first_line(redact(e.what(), state.secrets)));
  }
  return std::make_unique<PgDatabase>(std::move(state.conn), state.conninfo, state.history,
                                      state.secrets);
}

std::unique_ptr<Database> connect_postgres(const std::string &conninfo, const HistoryTable &history,
                                           const std::vector<std::string> &secrets) {
  try {
    auto conn = std::make_unique<Connection>(conninfo);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn->activate(); // waits for the session
    // A silent reconnect would drop the session lock; fail instead.
    conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    return std::make_unique<PgDatabase>(std::move(conn), conninfo, history, secrets);
  } catch (const pqxx::failure &e) {
    throw ConnectionError("cannot connect to " + describe_conninfo(conninfo) + ": " +
                          first_line(redact(e.what(), secrets)));
  } catch (const std::invalid_argument &e) {
    throw ConnectionError("cannot connect to " + describe_conninfo(conninfo) + ": " +
                          first_line(redact(e.what(), secrets)));
  }
}

std::chrono::milliseconds wait_for_server(const std::string &conninfo,
                                          std::chrono::milliseconds timeout,
                                          const std::vector<std::string> &secrets,
                                          const std::function<void(const std::string &)> &on_wait) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  bool announced = false;
  for (;;) {
    // A poll never outlives the deadline by much: libpq's smallest connect_timeout is 2 s.
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
    const std::string ping_conninfo = with_setting(
        conninfo, "connect_timeout", std::to_string(std::max<long long>(2, left.count() + 1)));
    const PGPing ping = PQping(ping_conninfo.c_str());
    if (ping == PQPING_OK) {
      break;
    }
    if (ping == PQPING_NO_ATTEMPT) {
      // Invalid connection string: say what libpq says about it.
      connect_postgres(conninfo, HistoryTable{}, secrets);
      throw ConnectionError("cannot connect to " + describe_conninfo(conninfo) +
                            ": invalid connection string");
    }
    const std::string reason = ping == PQPING_REJECT
                                   ? "the server is running but not accepting connections yet"
                                   : "no response";
    if (Clock::now() >= deadline) {
      throw ConnectionError(describe_conninfo(conninfo) + " did not accept connections within " +
                            std::to_string(timeout.count()) + " ms (" + reason + ")");
    }
    if (!announced) {
      on_wait(reason);
      announced = true;
    }
    std::this_thread::sleep_for(
        std::min<Clock::duration>(std::chrono::milliseconds(250), deadline - Clock::now()));
  }
  connect_postgres(conninfo, HistoryTable{}, secrets);
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

} // namespace migrate
