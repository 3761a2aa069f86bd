#include "migrate/plan.hpp"

#include "migrate/error.hpp"
#include "migrate/pg_hash.hpp"
#include "migrate/sha256.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <utility>

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

// The rows of `history` as (`key` of the row, pointer to it) sorted by key, ascending or
// descending: a copy of 10000 rows would be a few MB, and with the keys next to the pointers
// comparing two rows reads neither of them.
template <typename Key>
auto keyed_rows(const std::vector<AppliedMigration> &history, Key key, bool descending) {
  using Keyed = std::pair<decltype(key(history.front())), const AppliedMigration *>;
  std::vector<Keyed> keyed;
  keyed.reserve(history.size());
  for (const auto &row : history) {
    keyed.emplace_back(key(row), &row);
  }
  const auto ascending = [](const Keyed &a, const Keyed &b) { return a.first < b.first; };
  const auto reverse = [](const Keyed &a, const Keyed &b) { return a.first > b.first; };
  // The server returns the rows in the order they were written: mostly the order wanted or
  // its reverse, which one pass recognises.
  const bool in_order = descending ? std::is_sorted(keyed.begin(), keyed.end(), reverse)
                                   : std::is_sorted(keyed.begin(), keyed.end(), ascending);
  if (!in_order) {
    if (descending ? std::is_sorted(keyed.begin(), keyed.end(), ascending)
                   : std::is_sorted(keyed.begin(), keyed.end(), reverse)) {
      std::reverse(keyed.begin(), keyed.end());
    } else if (descending) {
      std::sort(keyed.begin(), keyed.end(), reverse);
    } else {
      std::sort(keyed.begin(), keyed.end(), ascending);
    }
  }
  return keyed;
}

// The pointers of keyed_rows().
template <typename Keyed>
std::vector<const AppliedMigration *> pointers(const std::vector<Keyed> &keyed) {
  std::vector<const AppliedMigration *> rows;
  rows.reserve(keyed.size());
  for (const auto &entry : keyed) {
    rows.push_back(entry.second);
  }
  return rows;
}

// (version, row) by version.
std::vector<std::pair<Version, const AppliedMigration *>>
versions_of(const std::vector<AppliedMigration> &history) {
  return keyed_rows(
      history, [](const AppliedMigration &row) { return row.version; }, false);
}

// Applied migrations, most recently applied first (by sequence, then version).
std::vector<const AppliedMigration *> newest_first(const std::vector<AppliedMigration> &history) {
  return pointers(keyed_rows(
      history,
      [](const AppliedMigration &row) { return std::make_pair(row.sequence, row.version); }, true));
}

// The history matched with the tree in one merge of the two, both by version: which migration
// on disk each row is, and which migrations on disk are applied. Looking each row up in the tree
// instead (a binary search, log n cache misses in a vector of 136-byte migrations) made the
// planner's cost per migration grow with the tree.
class MatchedHistory {
public:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  MatchedHistory(const std::vector<Migration> &disk, const std::vector<AppliedMigration> &history)
      : m_disk(disk), m_history(history), m_row_disk(history.size(), none),
        m_applied(disk.size(), 0) {
    // The merge reads the versions next to the pointers, not the rows: in a history whose rows
    // come in no particular order, that would be a cache miss a row.
    const auto rows = versions_of(history);
    auto disk_it = disk.begin();
    for (const auto &[version, row] : rows) {
      while (disk_it != disk.end() && disk_it->version < version) {
        ++disk_it;
      }
      if (disk_it != disk.end() && disk_it->version == version) {
        const auto index = static_cast<std::size_t>(disk_it - disk.begin());
        m_row_disk[static_cast<std::size_t>(row - history.data())] = index;
        m_applied[index] = 1;
      }
    }
    m_newest = rows.empty() ? 0 : rows.back().first;
  }

  // The migration on disk that `row` (an element of the history) records, or nullptr.
  const Migration *on_disk(const AppliedMigration &row) const {
    const std::size_t index = m_row_disk[static_cast<std::size_t>(&row - m_history.data())];
    return index == none ? nullptr : &m_disk[index];
  }
  // Whether disk[index] is in the history.
  bool applied(std::size_t index) const { return m_applied[index] != 0; }
  // The newest version in the history, 0 when it is empty.
  Version newest() const { return m_newest; }

  // Refuses a history that names a migration the tree no longer has.
  void check_missing() const {
    std::size_t missing = 0;
    const AppliedMigration *first = nullptr; // the oldest
    for (const auto &row : m_history) {
      if (on_disk(row) == nullptr) {
        if (first == nullptr || row.version < first->version) {
          first = &row;
        }
        ++missing;
      }
    }
    if (first == nullptr) {
      return;
    }
    std::string message = "applied migration " + label(first->version, first->name) +
                          " has no directory in the migrations tree";
    if (missing > 1) {
      message += " (and " + std::to_string(missing - 1) + " more; see `migrate status`)";
    }
    throw HistoryError(message);
  }

  // Refuses a history whose applied up.sql no longer matches its file, naming the oldest.
  void check_checksums() const {
    const AppliedMigration *oldest = nullptr;
    for (const auto &row : m_history) {
      const Migration *migration = on_disk(row);
      if (migration != nullptr && !migration->checksum.empty() &&
          migration->checksum != row.checksum &&
          (oldest == nullptr || row.version < oldest->version)) {
        oldest = &row;
      }
    }
    if (oldest != nullptr) {
      const AppliedMigration &row = *oldest;
      const Migration *migration = on_disk(row);
      throw HistoryError(migration->up_path().string() + " changed after " + migration->id() +
                         " was applied (recorded sha256 " + row.checksum.hex() + ", now " +
                         migration->checksum.hex() + "); undo the edit, or run `migrate accept " +
                         format_version(row.version) + "` if the change is intended");
    }
  }

private:
  const std::vector<Migration> &m_disk;
  const std::vector<AppliedMigration> &m_history;
  std::vector<std::size_t> m_row_disk; // per history row: its index in disk, or none
  std::vector<char> m_applied;         // per migration on disk: in the history
  Version m_newest = 0;
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

std::vector<PlannedStep> plan_up(const std::vector<Migration> &disk,
                                 const std::vector<AppliedMigration> &history,
                                 const MatchedHistory &matched, const PlanRequest &request) {
  check_up_request(disk, request);
  const Version newest_applied = matched.newest();
  std::vector<PlannedStep> steps;
  const std::size_t pending = disk.size() - std::min(disk.size(), history.size());
  steps.reserve(std::min(pending, request.count.value_or(pending)));
  for (std::size_t i = 0; i < disk.size(); ++i) {
    const Migration &migration = disk[i];
    if (matched.applied(i)) {
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
                                   const MatchedHistory &matched, const PlanRequest &request) {
  const Migration *target = request.to ? find_on_disk(disk, *request.to) : nullptr;
  if (request.to && *request.to != 0 &&
      (target == nullptr || !matched.applied(static_cast<std::size_t>(target - disk.data())))) {
    if (target != nullptr) {
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
    steps.push_back(make_step(Direction::down, disk, *matched.on_disk(*row)));
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
  const MatchedHistory matched(disk, history);
  matched.check_missing();
  matched.check_checksums();
  if (request.direction == Direction::up) {
    return plan_up(disk, history, matched, request);
  }
  return plan_down(disk, history, matched, request);
}

std::vector<PlannedStep> plan_redo_positions(const std::vector<Migration> &disk,
                                             const std::vector<AppliedMigration> &history) {
  if (const auto *row = unfinished(history)) {
    throw PartialError(label(row->version, row->name) +
                       " stopped half-way; resume it or settle it with `migrate repair`");
  }
  const MatchedHistory matched(disk, history);
  matched.check_missing();
  matched.check_checksums();
  if (history.empty()) {
    return {};
  }
  const Migration &migration = *matched.on_disk(*newest_first(history).front());
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
  static constexpr char k_applied[] = " applied";
  char line[k_version_chars_max + 1 + Checksum::k_hex_chars_max + sizeof k_applied];
  for (const Migration &m : disk) {
    char *end = format_version_to(line, m.version);
    *end++ = ' ';
    end = m.checksum.hex_to(end);
    std::memcpy(end, k_applied, sizeof k_applied - 1);
    end += sizeof k_applied - 1;
    sum += static_cast<std::int64_t>(
        pg_hash_bytes_extended(std::string_view(line, static_cast<std::size_t>(end - line)), 0));
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
  return pointers(versions_of(history));
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
