#include "migrate/plan.hpp"

#include "migrate/error.hpp"
#include "migrate/pg_hash.hpp"
#include "migrate/sha256.hpp"

#include <algorithm>
#include <functional>

namespace migrate {

namespace {

const Migration *find_on_disk(const std::vector<Migration> &disk, Version version) {
  auto it = std::lower_bound(disk.begin(), disk.end(), version,
                             [](const Migration &m, Version v) { return m.version < v; });
  if (it == disk.end() || it->version != version) {
    return nullptr;
  }
  return &*it;
}

std::string label(Version version, const std::string &name) {
  return format_version(version) + "_" + name;
}

// Pointers to the rows of `history` sorted by `before` (a copy of 10000 rows
// would be a few MB).
template <typename Before>
std::vector<const AppliedMigration *> sorted_rows(const std::vector<AppliedMigration> &history,
                                                  Before before) {
  std::vector<const AppliedMigration *> rows;
  rows.reserve(history.size());
  for (const auto &row : history) {
    rows.push_back(&row);
  }
  std::sort(rows.begin(), rows.end(), before);
  return rows;
}

// Applied migrations, most recently applied first.
std::vector<const AppliedMigration *> newest_first(const std::vector<AppliedMigration> &history) {
  return sorted_rows(history, [](const AppliedMigration *a, const AppliedMigration *b) {
    if (a->sequence != b->sequence) {
      return a->sequence > b->sequence;
    }
    return a->version > b->version;
  });
}

// Refuses a history that names a migration the tree no longer has.
void check_missing(const std::vector<Migration> &disk,
                   const std::vector<AppliedMigration> &history) {
  std::vector<Version> missing;
  const AppliedMigration *first = nullptr;
  for (const auto &row : history) {
    if (find_on_disk(disk, row.version) == nullptr) {
      if (first == nullptr || row.version < first->version) {
        first = &row;
      }
      missing.push_back(row.version);
    }
  }
  if (first == nullptr) {
    return;
  }
  std::string message = "applied migration " + label(first->version, first->name) +
                        " has no directory in the migrations tree";
  if (missing.size() > 1) {
    message += " (and " + std::to_string(missing.size() - 1) + " more; see `migrate status`)";
  }
  throw HistoryError(message);
}

// Refuses a history whose applied up.sql no longer matches its file.
void check_checksums(const std::vector<Migration> &disk,
                     const std::vector<AppliedMigration> &history) {
  for (const auto &row : history) {
    const Migration *migration = find_on_disk(disk, row.version);
    if (migration == nullptr || migration->checksum.empty() ||
        migration->checksum == row.checksum) {
      continue;
    }
    throw HistoryError(migration->up_path().string() + " changed after " + migration->id() +
                       " was applied (recorded sha256 " + row.checksum.hex() + ", now " +
                       migration->checksum.hex() + "); undo the edit, or run `migrate accept " +
                       format_version(row.version) + "` if the change is intended");
  }
}

// The versions of a history, sorted: a set without a node per version.
class Versions {
public:
  explicit Versions(const std::vector<AppliedMigration> &history) {
    m_versions.reserve(history.size());
    for (const auto &row : history) {
      m_versions.push_back(row.version);
    }
    std::sort(m_versions.begin(), m_versions.end());
  }
  bool contains(Version version) const {
    return std::binary_search(m_versions.begin(), m_versions.end(), version);
  }
  Version newest() const { return m_versions.empty() ? 0 : m_versions.back(); }
  std::size_t size() const { return m_versions.size(); }

private:
  std::vector<Version> m_versions;
};

// The step that runs `migration` (an element of `disk`) in `direction`. A
// down.sql not read yet (down_known false) is checked by prepare_step, which
// reads it and refuses a missing one with the same message.
PlannedStep make_step(Direction direction, const std::vector<Migration> &disk,
                      const Migration &migration) {
  const bool has_file =
      direction == Direction::up ? migration.has_up : (!migration.down_known || migration.has_down);
  if (!has_file) {
    throw TreeError(missing_step_file(direction, migration));
  }
  return PlannedStep{direction, static_cast<std::size_t>(&migration - disk.data())};
}

// Refuses an `up` request the planner cannot carry out whatever the history.
void check_up_request(const std::vector<Migration> &disk, const PlanRequest &request) {
  if (request.count && *request.count == 0) {
    throw UsageError("--count must be at least 1");
  }
  if (request.to && *request.to == 0) {
    throw UsageError("up --to 0 would apply nothing; give the version to stop after");
  }
  if (request.to && find_on_disk(disk, *request.to) == nullptr) {
    throw UsageError("unknown target version " + format_version(*request.to) +
                     ": no migration has it");
  }
}

std::vector<PlannedStep> plan_up(const std::vector<Migration> &disk, const Versions &applied,
                                 Version newest_applied, const PlanRequest &request) {
  check_up_request(disk, request);
  std::vector<PlannedStep> steps;
  const std::size_t pending = disk.size() - std::min(disk.size(), applied.size());
  steps.reserve(std::min(pending, request.count.value_or(pending)));
  for (const auto &migration : disk) {
    if (applied.contains(migration.version)) {
      continue;
    }
    if (migration.version < newest_applied && !request.allow_out_of_order) {
      throw HistoryError("pending migration " + migration.id() +
                         " is older than the newest applied migration " +
                         format_version(newest_applied) +
                         "; apply it with --allow-out-of-order or give it a newer version");
    }
    if (request.to && migration.version > *request.to) {
      continue;
    }
    if (request.count && steps.size() >= *request.count) {
      continue;
    }
    steps.push_back(make_step(Direction::up, disk, migration));
  }
  return steps;
}

std::vector<PlannedStep> plan_down(const std::vector<Migration> &disk,
                                   const std::vector<AppliedMigration> &history,
                                   const Versions &applied, const PlanRequest &request) {
  if (request.to && *request.to != 0 && !applied.contains(*request.to)) {
    if (find_on_disk(disk, *request.to) != nullptr) {
      throw UsageError("target version " + format_version(*request.to) +
                       " is not applied; `down --to` keeps the target applied");
    }
    throw UsageError("unknown target version " + format_version(*request.to) +
                     ": no migration has it");
  }
  const std::size_t limit = request.count.value_or(request.to ? history.size() : 1);
  std::vector<PlannedStep> steps;
  steps.reserve(std::min(limit, history.size()));
  for (const AppliedMigration *row : newest_first(history)) {
    if (steps.size() >= limit) {
      break;
    }
    if (request.to && row->version <= *request.to) {
      continue;
    }
    steps.push_back(make_step(Direction::down, disk, *find_on_disk(disk, row->version)));
  }
  return steps;
}

std::vector<Step> to_steps(const std::vector<Migration> &disk,
                           const std::vector<PlannedStep> &planned) {
  std::vector<Step> steps;
  steps.reserve(planned.size());
  for (const auto &step : planned) {
    steps.push_back(to_step(disk, step));
  }
  return steps;
}

} // namespace

std::vector<PlannedStep> plan_positions(const std::vector<Migration> &disk,
                                        const std::vector<AppliedMigration> &history,
                                        const PlanRequest &request) {
  if (request.count && *request.count == 0) {
    throw UsageError("--count must be at least 1");
  }
  if (const auto *row = unfinished(history)) {
    throw PartialError(label(row->version, row->name) +
                       " stopped half-way; resume it or settle it with `migrate repair`");
  }
  check_missing(disk, history);
  check_checksums(disk, history);
  Versions applied(history);
  const Version newest_applied = applied.newest();
  if (request.direction == Direction::up) {
    return plan_up(disk, applied, newest_applied, request);
  }
  return plan_down(disk, history, applied, request);
}

std::vector<PlannedStep> plan_redo_positions(const std::vector<Migration> &disk,
                                             const std::vector<AppliedMigration> &history) {
  if (const auto *row = unfinished(history)) {
    throw PartialError(label(row->version, row->name) +
                       " stopped half-way; resume it or settle it with `migrate repair`");
  }
  check_missing(disk, history);
  check_checksums(disk, history);
  if (history.empty()) {
    return {};
  }
  const AppliedMigration *newest = newest_first(history).front();
  const Migration &migration = *find_on_disk(disk, newest->version);
  return {make_step(Direction::down, disk, migration), make_step(Direction::up, disk, migration)};
}

Step to_step(const std::vector<Migration> &disk, const PlannedStep &step) {
  return Step{step.direction, disk[step.index]};
}

std::vector<Step> plan(const std::vector<Migration> &disk,
                       const std::vector<AppliedMigration> &history, const PlanRequest &request) {
  return to_steps(disk, plan_positions(disk, history, request));
}

std::vector<Step> plan_redo(const std::vector<Migration> &disk,
                            const std::vector<AppliedMigration> &history) {
  return to_steps(disk, plan_redo_positions(disk, history));
}

std::string history_digest(const std::vector<Migration> &disk) {
  // The exact sum of 10000 signed 64-bit hashes needs 78 bits.
  __extension__ using Sum = __int128;
  Sum sum = 0;
  std::string line;
  std::string hex;
  for (const Migration &m : disk) {
    line = format_version(m.version);
    line += ' ';
    m.checksum.hex_into(hex);
    line += hex;
    line += " applied";
    sum += static_cast<std::int64_t>(pg_hash_bytes_extended(line, 0));
  }
  // Decimal, as PostgreSQL prints the numeric sum.
  const bool negative = sum < 0;
  std::string digits;
  do {
    const int digit = static_cast<int>(sum % 10);
    digits += static_cast<char>('0' + (negative ? -digit : digit));
    sum /= 10;
  } while (sum != 0);
  if (negative) {
    digits += '-';
  }
  std::reverse(digits.begin(), digits.end());
  return std::to_string(disk.size()) + " " + digits;
}

bool all_applied(const std::vector<Migration> &disk, const std::string &digest,
                 const PlanRequest &request) {
  if (request.direction != Direction::up) {
    return false;
  }
  try {
    check_up_request(disk, request);
  } catch (const UsageError &) {
    return false;
  }
  return digest == history_digest(disk);
}

const AppliedMigration *unfinished(const std::vector<AppliedMigration> &history) {
  for (const auto &row : history) {
    if (row.state != RowState::applied) {
      return &row;
    }
  }
  return nullptr;
}

std::string missing_step_file(Direction direction, const Migration &migration) {
  const auto path = direction == Direction::up ? migration.up_path() : migration.down_path();
  return path.string() + ": missing; " + migration.id() + " cannot be " +
         (direction == Direction::up ? "applied" : "reverted");
}

std::optional<std::string> down_changed_warning(const Migration &migration,
                                                const Checksum &recorded, const Checksum &now) {
  if (recorded == now) {
    return std::nullopt;
  }
  return migration.down_path().string() + " changed after " + migration.id() +
         " was applied (recorded sha256 " +
         (recorded.empty() ? std::string("none") : recorded.hex()) + ", now " +
         (now.empty() ? std::string("none") : now.hex()) +
         "); reverting runs the file as it is now";
}

const char *state_name(State state) {
  switch (state) {
  case State::applied:
    return "applied";
  case State::pending:
    return "pending";
  case State::missing:
    return "missing";
  case State::changed:
    return "changed";
  case State::partial:
    return "partial";
  }
  return "unknown";
}

std::vector<const AppliedMigration *> by_version(const std::vector<AppliedMigration> &history) {
  return sorted_rows(history, [](const AppliedMigration *a, const AppliedMigration *b) {
    return a->version < b->version;
  });
}

void for_each_status(const std::vector<Migration> &disk,
                     const std::vector<AppliedMigration> &history,
                     const std::function<void(const StatusRow &)> &visit) {
  const auto rows = by_version(history);
  // One row at a time, reused: its strings keep their storage.
  StatusRow out;
  auto emit = [&](Version version, const std::string &name, State state,
                  const std::optional<std::int64_t> &applied_at_ms) {
    out.version = version;
    out.name = name;
    out.state = state;
    if (applied_at_ms) {
      if (!out.applied_at) {
        out.applied_at.emplace();
      }
      format_utc_ms(*applied_at_ms, *out.applied_at);
    } else {
      out.applied_at.reset();
    }
    out.recorded_checksum = {};
    out.checksum = {};
    out.applied_name.clear();
  };
  // Both sorted by version (history versions are unique, the table's key): merge them.
  auto disk_it = disk.begin();
  auto row_it = rows.begin();
  while (disk_it != disk.end() || row_it != rows.end()) {
    if (disk_it == disk.end() || (row_it != rows.end() && (*row_it)->version < disk_it->version)) {
      const AppliedMigration &row = **row_it++;
      emit(row.version, row.name, State::missing, row.applied_at_ms);
    } else if (row_it != rows.end() && (*row_it)->version == disk_it->version) {
      const AppliedMigration &row = **row_it++;
      const Migration &migration = *disk_it++;
      emit(migration.version, migration.name, State::applied, row.applied_at_ms);
      if (row.name != migration.name) {
        out.applied_name = row.name;
      }
      if (row.state != RowState::applied) {
        out.state = State::partial;
      } else if (!migration.checksum.empty() && migration.checksum != row.checksum) {
        out.state = State::changed;
        out.recorded_checksum = row.checksum;
        out.checksum = migration.checksum;
      }
    } else {
      const Migration &migration = *disk_it++;
      emit(migration.version, migration.name, State::pending, std::nullopt);
    }
    visit(out);
  }
}

std::vector<StatusRow> status(const std::vector<Migration> &disk,
                              const std::vector<AppliedMigration> &history) {
  std::vector<StatusRow> rows;
  for_each_status(disk, history, [&rows](const StatusRow &row) { rows.push_back(row); });
  return rows;
}

} // namespace migrate
