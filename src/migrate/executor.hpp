#pragma once
// The executor: lock, read the history, plan, apply each step, unlock.
// It sees the database only through the Database seam.

#include "migrate/database.hpp"
#include "migrate/error.hpp"
#include "migrate/interrupt.hpp"
#include "migrate/plan.hpp"
#include "migrate/prepare.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace migrate {

struct RunOptions {
  PlanRequest request;
  bool redo = false; // revert the newest applied migration and apply it again
  bool single_transaction = false;
  // How long to wait for the migration lock.
  std::chrono::milliseconds lock_wait{60000};
  // lock_timeout / statement_timeout for every step (files may override).
  Timeouts timeouts;
  // Retries of a step that failed with 55P03 (lock not available) or 40P01
  // (deadlock) and was rolled back whole.
  unsigned lock_retries = 0;
  // Finish a non-transactional migration that stopped half-way first.
  bool resume = false;
  // Who runs this, for the events table (e.g. "alice@build-7 migrate/0.1.0").
  std::string client;
  // Stop requests from signals; may be null.
  Interrupt *interrupt = nullptr;
  // Opens a fresh connection, to learn the outcome of a step whose
  // connection was lost; may be empty.
  std::function<std::unique_ptr<Database>()> reconnect;
};

// Receives progress while a plan runs; the CLI turns it into output.
class Reporter {
public:
  virtual ~Reporter() = default;
  // Called once when the lock is busy, with the session holding it if known.
  virtual void waiting_for_lock(const std::optional<LockHolder> &holder) = 0;
  // Called before step `index` (0-based) of `total` is sent.
  virtual void step_started(const Step &step, std::size_t index, std::size_t total) = 0;
  // Called after the step committed (or, in single-transaction mode, ran).
  virtual void step_done(const Step &step, std::chrono::milliseconds elapsed) = 0;
  // Something worth knowing that does not stop the run.
  virtual void warning(const std::string &message) = 0;
  // A step failed with a lock timeout or deadlock and will run again.
  virtual void retrying(const Step &step, const StepFailure &failure, unsigned attempt,
                        std::chrono::milliseconds delay) = 0;
  // Statement `sql` of `file`, starting on `line`, is about to be sent (a
  // transactional step's statements are announced together, just before the
  // step is sent). Does nothing unless overridden.
  virtual void sending(const Step &step, const std::filesystem::path &file, std::size_t line,
                       std::string_view sql) {
    (void)step, (void)file, (void)line, (void)sql;
  }
};

// What a run did.
struct RunResult {
  std::vector<Step> done;
  std::chrono::milliseconds elapsed{0};
};

// A migration's SQL failed on the server: exit 7 when its step was rolled
// back whole, exit 8 when a non-transactional step stopped half-way.
class MigrationFailed : public Error {
public:
  MigrationFailed(ExitCode code, const std::string &message, Step step, std::filesystem::path file,
                  std::size_t line, StepFailure failure, std::vector<Step> done,
                  bool all_rolled_back);

  const Step &step() const { return m_step; }
  const std::filesystem::path &file() const { return m_file; }
  // 1-based line of the failing statement in file(), 0 when the failure came
  // from the history row or the COMMIT.
  std::size_t line() const { return m_line; }
  const StepFailure &failure() const { return m_failure; }
  // Steps that stay applied or reverted (none in single-transaction mode).
  const std::vector<Step> &done() const { return m_done; }
  bool all_rolled_back() const { return m_all_rolled_back; }

private:
  Step m_step;
  std::filesystem::path m_file;
  std::size_t m_line;
  StepFailure m_failure;
  std::vector<Step> m_done;
  bool m_all_rolled_back;
};

// A signal stopped the run (exit 130 for SIGINT, 143 for SIGTERM). The
// running step was cancelled and rolled back; done() stay done.
class Interrupted : public Error {
public:
  Interrupted(int signal, const std::string &message, std::vector<Step> done);
  const std::vector<Step> &done() const { return m_done; }

private:
  std::vector<Step> m_done;
};

// Whether a run of `options` may revert migrations (down, redo), and so needs
// their down.sql; an `up` never does, and may stop at the history's digest.
bool reverts(const RunOptions &options);

// Runs `options` against `db` with the migrations `disk` (from read_tree).
// An `up` first reads the history's digest without the lock
// (Database::read_history_digest, 64 bytes): when every migration is applied
// (all_applied), it returns there, without locking or checking that the
// target accepts writes. Otherwise, and for down and redo, in order: refuse a
// read-only target, take the lock, read the history, verify the checksums of
// applied migrations, refuse a half-done migration (unless resuming), plan,
// read and check every file of the plan (warning about each down.sql that
// changed since its migration was applied), create the history table if
// needed, then apply the steps. Throws LockError, ConnectionError,
// PartialError, the planner's errors, TreeError, MigrationFailed and
// Interrupted. The lock is released on every path.
RunResult run(Database &db, std::vector<Migration> disk, const RunOptions &options,
              Reporter &reporter);

// The first read of an `up`, made by the caller (while it read the tree).
struct FirstRead {
  std::optional<std::string> digest; // as Database::read_history_digest returned it
};

// The same, with that first read already made.
RunResult run(Database &db, std::vector<Migration> disk, const RunOptions &options,
              Reporter &reporter, const FirstRead &first);

// What `run` would do, without taking the lock or writing anything: the
// prepared steps of the plan (same refusals as run, except the lock and the
// read-only check). With `warnings`, adds there the warnings run would give
// before its first step.
std::vector<PreparedStep> preview(Database &db, std::vector<Migration> disk,
                                  const RunOptions &options,
                                  std::vector<std::string> *warnings = nullptr);

// The history rows with `detail`, empty when there is no history table.
std::vector<AppliedMigration> history_rows(Database &db, HistoryDetail detail);

} // namespace migrate
