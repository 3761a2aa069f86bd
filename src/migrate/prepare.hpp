#pragma once
// Reading a plan's files before anything runs: split into statements, read
// their directives, refuse what cannot run as marked, and hash them.

#include "migrate/classify.hpp"
#include "migrate/database.hpp"
#include "migrate/plan.hpp"
#include "migrate/sql_split.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace migrate {

// A step with its file read, split, checked and hashed, ready to send.
struct PreparedStep {
  Step step;
  std::filesystem::path file;
  std::string sql;
  std::vector<Statement> statements;
  bool transactional = true;
  Timeouts timeouts; // the file's directives over the run's defaults
  // A statement may leave the session's settings or role changed
  // (may_change_session): the step ends with Database::reset_session().
  bool changes_session = false;
  Checksum checksum;      // up steps: of up.sql
  Checksum down_checksum; // up steps: of down.sql, empty if none
  Checksum file_checksum; // of `file` (up steps: == checksum)
  // Down steps: the down.sql checksum in the history row before this revert
  // (mark_running replaces it; abandoning the revert puts it back).
  Checksum recorded_down;
  // A no-transaction step resumed after stopping half-way starts here.
  std::size_t resume_from = 0;
  bool resumed = false; // its history row exists already (applying/reverting)

  // The history row this step writes (up) or removes (down); for a down step, its
  // version, name and the checksum of the down.sql it runs (down_checksum).
  AppliedMigration row() const;
  // The statements' texts, views into `sql`.
  std::vector<std::string_view> statement_texts() const;
};

// Reads and checks the file of `step` (and, for an up step, hashes its
// down.sql too). Throws TreeError "<file>:<line>: ..." for a stray entry in
// the migration's directory (check_migration_dir), an unreadable file, an unterminated last
// statement, a bad directive, BEGIN/COMMIT/ROLLBACK/END at top level, or, in a transactional file,
// a statement that cannot run inside a transaction (saying how to mark it).
PreparedStep prepare_step(Step step, const Timeouts &defaults);

// What a run keeps of a step between checking it and running it: not the
// file (its text, statements and path), only what reload() needs to read it
// again and make sure it is the file that was checked. A long plan thus never
// holds every file in memory, and each waiting step costs about half of a
// PreparedStep.
struct CheckedStep {
  Step step;
  Checksum file_checksum; // PreparedStep::file_checksum
  std::size_t resume_from = 0;
  bool resumed = false;
};

// `prepared`, checked, reduced to what a run keeps (its file is freed).
CheckedStep keep_checked(PreparedStep &&prepared);

// `checked` read and checked again, with its resume point (its directory's
// entries are not listed again: prepare_step did).
// Throws TreeError when the file changed since it was checked: it runs
// exactly what was checked (and shown), or nothing.
PreparedStep reload(const CheckedStep &checked, const Timeouts &defaults);

// The 1-based file line where `failure` happened: the failing statement's
// first line, moved down to the error position when the server gave one; 0
// when the failure was not in a statement.
std::size_t failure_line(const PreparedStep &step, const StepFailure &failure);

} // namespace migrate
