#pragma once
// The pure planner: what to apply or revert, from the migrations on disk, the
// history rows and the request. No I/O; every refusal is an exception.

#include "migrate/migration.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace migrate {

// What the user asked for.
struct PlanRequest {
  Direction direction = Direction::up;
  // up: stop after this version (inclusive). down: keep this version applied
  // and revert everything applied above it; 0 reverts all.
  std::optional<Version> to;
  // At most this many steps. For down without `to` the default is 1.
  std::optional<std::size_t> count;
  // Apply pending migrations older than the newest applied one.
  bool allow_out_of_order = false;
};

// One step of a plan: apply (up) or revert (down) one migration.
struct Step {
  Direction direction = Direction::up;
  Migration migration;
};

// Computes the steps for `request`. `disk` must be sorted by version with no
// duplicates (as read_tree returns it); `history` may be in any order.
// Throws PartialError when a history row is not `applied` (a
// non-transactional migration stopped half-way); HistoryError when an
// applied version has no directory, when an applied migration's up.sql
// checksum (where computed) differs from the recorded one, or when a
// pending migration is older than the newest applied one and out-of-order is
// not allowed; UsageError for an unknown or unusable target or a zero count;
// TreeError when a down step's migration has no down.sql (or an up step's has
// no up.sql). Returns an empty plan when there is nothing to do.
std::vector<Step> plan(const std::vector<Migration> &disk,
                       const std::vector<AppliedMigration> &history, const PlanRequest &request);

// Computes `redo`: revert the most recently applied migration, then apply it
// again. Same refusals as plan(); empty when nothing is applied.
std::vector<Step> plan_redo(const std::vector<Migration> &disk,
                            const std::vector<AppliedMigration> &history);

// A step of a plan as a position in the tree (`disk[index]`): 16 bytes where a
// Step copies its Migration (136). What a run plans with, so that it can let
// go of the history before it copies the migrations it runs (at 10000 steps
// the Steps are 1.4 MB, the history rows 1.7 MB).
struct PlannedStep {
  Direction direction = Direction::up;
  std::size_t index = 0;
};

// plan() and plan_redo() as positions in `disk`: the same steps, the same
// refusals. plan(disk, history, request) is the to_step() of each
// plan_positions(disk, history, request).
std::vector<PlannedStep> plan_positions(const std::vector<Migration> &disk,
                                        const std::vector<AppliedMigration> &history,
                                        const PlanRequest &request);
std::vector<PlannedStep> plan_redo_positions(const std::vector<Migration> &disk,
                                             const std::vector<AppliedMigration> &history);

// The Step at position `step` of `disk` (which plan_positions was given).
Step to_step(const std::vector<Migration> &disk, const PlannedStep &step);

// The digest that Database::read_history_digest returns for a history holding
// exactly the migrations of `disk`, each applied with its up.sql as it is now:
// "<count> <sum>", the number of migrations and the exact sum, in decimal, of
// PostgreSQL's hashtextextended(line, 0) (pg_hash.hpp) of their lines
// "<version> <checksum> applied". Versions are unique in both, so equal sums
// of 64-bit hashes mean equal sets of lines but for a chance of about 2^-64.
std::string history_digest(const std::vector<Migration> &disk);

// Whether an `up` for `request` has nothing to do against the history whose
// digest is `digest`: it equals history_digest(disk) (every migration applied
// unchanged, nothing else recorded, nothing half-done) and the planner would
// accept the request. False does not mean that there is work: plan with the
// rows to know.
bool all_applied(const std::vector<Migration> &disk, const std::string &digest,
                 const PlanRequest &request);

// The first history row that is not `applied`, or nullptr.
const AppliedMigration *unfinished(const std::vector<AppliedMigration> &history);

// The rows of `history` by version ascending, as pointers into it (a copy of
// 10000 rows would be MBs).
std::vector<const AppliedMigration *> by_version(const std::vector<AppliedMigration> &history);

// The message of a step whose file is missing: "<file>: missing; <id> cannot be applied" (or
// "reverted").
std::string missing_step_file(Direction direction, const Migration &migration);

// The warning (which does not stop a run) for reverting `migration` when its down.sql as it is now
// (checksum `now`, empty if there is none) is not the one recorded when it was applied
// (`recorded`); nullopt when they are the same.
std::optional<std::string> down_changed_warning(const Migration &migration,
                                                const Checksum &recorded, const Checksum &now);

enum class State { applied, pending, missing, changed, partial };

// Returns "applied", "pending", "missing", "changed" (applied, but up.sql
// differs from what was applied) or "partial" (stopped half-way).
const char *state_name(State state);

// One line of `status`.
struct StatusRow {
  Version version = 0;
  std::string name;
  State state = State::pending;
  std::optional<std::string> applied_at;
  Checksum recorded_checksum; // changed: what the history holds
  Checksum checksum;          // changed: the file now
  // In the tree and the history: the name it was applied under, when its
  // directory has since been renamed; empty otherwise.
  std::string applied_name;
};

// Calls `visit` with the status of every migration on disk or in the history,
// by version ascending, one row at a time: nothing is collected (at 10000
// migrations the rows would be 1.6 MB). The row is valid during the call
// only. `disk` sorted by version as read_tree returns it. Throws only what
// `visit` throws: `status` shows problems instead of refusing.
void for_each_status(const std::vector<Migration> &disk,
                     const std::vector<AppliedMigration> &history,
                     const std::function<void(const StatusRow &)> &visit);

// The rows of for_each_status, collected.
std::vector<StatusRow> status(const std::vector<Migration> &disk,
                              const std::vector<AppliedMigration> &history);

} // namespace migrate
