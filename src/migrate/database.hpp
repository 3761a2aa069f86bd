#pragma once
// The seam between the executor and the database: the migration lock, the
// history table, and applying one step. postgres.cpp implements it; nothing
// else in the library knows which client library talks to the server.

#include "migrate/migration.hpp"

#include <cstddef>
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

// One step, ready to send.
struct StepRequest {
  Direction direction = Direction::up;
  Version version = 0;
  std::string name;
  std::string checksum;      // up steps: recorded in the history row
  std::string down_checksum; // up steps: recorded in the history row
  // The statements of the file, in order, without terminators.
  std::vector<std::string_view> statements;
  // Wrap the step in its own BEGIN/COMMIT. False inside begin()/commit().
  bool own_transaction = true;
};

// Where in a step the server failed.
enum class FailurePhase {
  statement, // one of the file's statements
  history,   // writing or deleting the history row
  commit,    // at COMMIT (e.g. a deferred constraint)
};

// Why a step failed on the server.
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

class Database {
public:
  virtual ~Database() = default;

  // A description of the target for messages, e.g. "db.example.com:5432/app".
  // Must never contain a password.
  virtual std::string describe() const = 0;

  // Throws ConnectionError when the target refuses writes (a standby, or
  // default_transaction_read_only). Must not change anything.
  virtual void check_writable() = 0;

  // Tries once, without waiting, to take the migration lock for this
  // session. Returns true when this session holds it afterwards.
  virtual bool try_lock() = 0;

  // The other session holding the migration lock, or std::nullopt when none
  // does (or it cannot be seen).
  virtual std::optional<LockHolder> lock_holder() = 0;

  // Releases the migration lock if held. Must not throw.
  virtual void unlock() noexcept = 0;

  // Returns the history rows, oldest applied first, or std::nullopt when the
  // table does not exist. Creates and locks nothing.
  virtual std::optional<std::vector<AppliedMigration>> read_history() = 0;

  // Creates the history table (and its schema) if missing. Call only while
  // holding the lock.
  virtual void create_history() = 0;

  // Runs a step's statements and writes (up) or deletes (down) its history
  // row, atomically when own_transaction is set. Returns std::nullopt on
  // success; on a server error the step's transaction is rolled back (or left
  // failed inside begin(), for rollback()) and the failure is returned.
  // Throws ConnectionError when the connection is lost.
  virtual std::optional<StepFailure> apply(const StepRequest &step) = 0;

  // Starts, commits or rolls back the transaction around a whole plan
  // (--single-transaction). commit() returns the failure (phase commit) when
  // the server refuses the COMMIT, which rolls everything back, and throws
  // ConnectionError if the connection is lost; rollback() must not throw.
  virtual void begin() = 0;
  virtual std::optional<StepFailure> commit() = 0;
  virtual void rollback() noexcept = 0;
};

} // namespace migrate
