#pragma once
// The executor: lock, read the history, plan, apply each step, unlock.
// It sees the database only through the Database seam.

#include "migrate/database.hpp"
#include "migrate/error.hpp"
#include "migrate/plan.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace migrate {

struct RunOptions {
  PlanRequest request;
  bool redo = false; // revert the newest applied migration and apply it again
  bool single_transaction = false;
  std::chrono::milliseconds lock_timeout{60000};
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
};

// What a run did.
struct RunResult {
  std::vector<Step> done;
  std::chrono::milliseconds elapsed{0};
};

// A migration's SQL failed on the server; its step was rolled back (exit 7).
class MigrationFailed : public Error {
public:
  MigrationFailed(const std::string &message, Step step, std::filesystem::path file,
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

// Runs `options` against `db` with the migrations `disk` (from read_tree).
// Order: refuse a read-only target, take the lock (polling, up to
// lock_timeout), create/read the history, plan, read and split every file of
// the plan, then apply the steps. Throws LockError, ConnectionError, the
// planner's errors, TreeError for unreadable files, and MigrationFailed. The
// lock is released on every path.
RunResult run(Database &db, const std::vector<Migration> &disk, const RunOptions &options,
              Reporter &reporter);

} // namespace migrate
