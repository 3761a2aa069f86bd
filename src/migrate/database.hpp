#pragma once
// The seam between the executor and the database: the migration lock, the
// history and events tables, and running steps. postgres.cpp implements it;
// nothing else in the library knows which client library talks to the server.

#include "migrate/history_sql.hpp"
#include "migrate/migration.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// The session holding the migration lock, as the server describes it.
struct LockHolder {
  int pid = 0;
  std::string application_name;
  std::string client; // address, or "local socket"
  std::string state;  // pg_stat_activity.state
  std::string since;  // backend start, ISO 8601 UTC
};

// Server settings applied to a step (unset: the role's defaults stand).
struct Timeouts {
  std::optional<std::chrono::milliseconds> lock_timeout;
  std::optional<std::chrono::milliseconds> statement_timeout;
};

// One transactional step, ready to send.
struct StepRequest {
  Direction direction = Direction::up;
  AppliedMigration row; // version, name and checksums of the history row
  // The statements of the file, in order, without terminators.
  std::vector<std::string_view> statements;
  Timeouts timeouts;
  // Wrap the step in its own BEGIN/COMMIT. False inside begin()/commit().
  bool own_transaction = true;
  // End the step with the session's settings and role as they were at
  // connect (reset_session()), in its transaction: a statement of it may
  // have changed them (may_change_session).
  bool reset_session = false;
  std::string client; // recorded in the events table
  // When set, called once the step is sent and before its result is awaited:
  // client work that overlaps the server's (reading the next step's file).
  // Must not throw.
  std::function<void()> meanwhile;
};

// Where in a step the server failed.
enum class FailurePhase {
  statement, // one of the file's statements
  history,   // writing or deleting the history row
  commit,    // at COMMIT (e.g. a deferred constraint)
};

// Why a step (or one statement) failed on the server.
struct StepFailure {
  FailurePhase phase = FailurePhase::statement;
  // Index into StepRequest::statements of the failing statement (phase
  // statement), else npos.
  std::size_t statement = npos;
  // 1-based character position inside that statement, 0 when unknown.
  std::size_t position = 0;
  std::string sqlstate;
  std::string message;
  std::string detail;
  std::string hint;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

// Another tool's history table as the server found it (import --adopt-history).
struct ForeignTableInfo {
  std::string schema;
  std::string table;
  std::string columns; // "name type, ..." in column order
};

// How much of each history row read_history returns.
enum class HistoryDetail {
  forward,  // what an up needs: planning without down.sql checksums (left empty)
  planning, // what planning and checksums need (down, redo, accept, repair)
  full,     // what status shows: forward, and when each was applied
};

class Database {
public:
  virtual ~Database() = default;

  // A description of the target for messages, e.g. "db.example.com:5432/app".
  // Must never contain a password.
  virtual std::string describe() const = 0;

  // Asks that the next try_lock() first make sure the target accepts writes
  // (not a standby, no default_transaction_read_only): the check travels with
  // the lock request, in the same round trip. Sends nothing itself.
  virtual void require_writable() = 0;

  // Tries once, without waiting, to take the migration lock for this
  // session. Returns true when this session holds it afterwards. After
  // require_writable(), throws ConnectionError instead, holding nothing, when
  // the target refuses writes.
  virtual bool try_lock() = 0;

  // The other session holding the migration lock, or std::nullopt when none
  // does (or it cannot be seen).
  virtual std::optional<LockHolder> lock_holder() = 0;

  // Releases the migration lock if held. Must not throw.
  virtual void unlock() noexcept = 0;

  // Returns the history rows, oldest applied first, or std::nullopt when the
  // table does not exist. applied_at_ms is left empty but with
  // HistoryDetail::full, and down_checksum but with HistoryDetail::planning
  // (each is a column less for the server to send).
  // Throws HistoryError when the history or events table exists with a
  // structure other than the one this version writes. Creates and locks
  // nothing.
  virtual std::optional<std::vector<AppliedMigration>> read_history(HistoryDetail detail) = 0;

  // What an `up` reads first, to find out cheaply whether it has anything to
  // do: the digest of the history rows (HistorySql::select_digest; compare
  // it with history_digest() of the tree): "<rows> <sum>", a short line
  // instead of every row. std::nullopt when the history table does not
  // exist; "" when the server cannot compute it (before PostgreSQL 11: read
  // the rows instead). Same structure checks and errors as read_history.
  virtual std::optional<std::string> read_history_digest() = 0;

  // Creates the history and events tables (and their schema) if missing.
  // Call only while holding the lock.
  virtual void create_history() = 0;

  // The newest `limit` events, newest first; empty when there is no table.
  virtual std::vector<Event> read_events(std::size_t limit) = 0;

  // Runs a transactional step: its statements, then its history row and
  // event, atomically when own_transaction is set, in one round trip.
  // Returns std::nullopt on success; on a server error the step's
  // transaction is rolled back (or left failed inside begin(), for
  // rollback()) and the failure is returned. Throws ConnectionError when
  // the connection is lost: the outcome is then unknown.
  virtual std::optional<StepFailure> apply(const StepRequest &step) = 0;

  // Starts, commits or rolls back the transaction around a whole plan
  // (--single-transaction). commit() returns the failure (phase commit) when
  // the server refuses the COMMIT, which rolls everything back, and throws
  // ConnectionError if the connection is lost; rollback() must not throw.
  virtual void begin() = 0;
  virtual std::optional<StepFailure> commit() = 0;
  virtual void rollback() noexcept = 0;

  // Sends `sql` on its own, outside any transaction, each such call
  // committed by the server when it returns. Returns the failure, if any
  // (statement = 0). Throws ConnectionError when the connection is lost.
  virtual std::optional<StepFailure> execute(std::string_view sql) = 0;

  // Session-level timeouts for the statements sent by execute().
  virtual void set_session_timeouts(const Timeouts &timeouts) = 0;
  // Returns every setting and the role of the session to what they were at
  // connect (RESET ALL, RESET SESSION AUTHORIZATION, RESET ROLE): the
  // timeouts above, and whatever a step's own SET changed, so that the next
  // step runs as it would at the start of a run.
  virtual void reset_session() = 0;

  // The history of a non-transactional step, each call one transaction:
  // the row marked applying (up) or reverting (down); the count of its
  // statements committed so far; the end (row applied, or deleted for down,
  // plus the event); and undoing mark_running when none of its statements
  // ran. Each throws Error when the server refuses, ConnectionError when the
  // connection is lost.
  virtual void mark_running(Direction direction, const AppliedMigration &row) = 0;
  virtual void set_progress(Version version, std::size_t done) = 0;
  virtual void finish_running(Direction direction, const AppliedMigration &row,
                              std::chrono::milliseconds elapsed, const std::string &client) = 0;
  // For a revert, `recorded_down` is the down.sql checksum the row had
  // before mark_running.
  virtual void abandon_running(Direction direction, Version version,
                               const Checksum &recorded_down) = 0;

  // Appends `event` to the events table.
  virtual void record_event(const Event &event) = 0;

  // Maintenance, each in one transaction with its events: re-pin the name
  // and checksums of `row` (`message`, for the event, says what they were);
  // settle a half-done row as applied or not.
  virtual void accept(const AppliedMigration &row, const std::string &message,
                      const std::string &client) = 0;
  virtual void repair(const AppliedMigration &row, bool applied, const std::string &client) = 0;

  // Records `rows` as applied without running them (baseline, import
  // --adopt-history), each with a baseline event carrying `message`,
  // creating the history and events tables first when missing: all in one
  // transaction. Throws Error when the server refuses, ConnectionError when
  // the connection is lost.
  virtual void baseline(const std::vector<AppliedMigration> &rows, const std::string &client,
                        const std::string &message) = 0;

  // Another tool's history table, looked up with `query` (built by
  // foreign_table_query in adopt.hpp): std::nullopt when there is no such
  // table. Reads only.
  virtual std::optional<ForeignTableInfo> find_foreign_table(const std::string &query) = 0;

  // The rows `query` (built by foreign_rows_query in adopt.hpp) selects from
  // another tool's history table, every value as text ("" for NULL). Reads
  // only.
  virtual std::vector<std::vector<std::string>> read_foreign_rows(const std::string &query) = 0;

  // Indexes left INVALID (by a failed CREATE INDEX CONCURRENTLY), as
  // schema-qualified names.
  virtual std::vector<std::string> invalid_indexes() = 0;

  // A callable that cancels the statement this session is running; safe to
  // call from another thread, does nothing when the session is idle.
  virtual std::function<void()> canceller() = 0;
};

} // namespace migrate
