#include "migrate/maintenance.hpp"

#include "migrate/error.hpp"
#include "migrate/lock.hpp"
#include "migrate/prepare.hpp"
#include "migrate/source.hpp"

#include <algorithm>

namespace migrate {

namespace {

// Takes the lock and returns the history (nullopt: no table yet).
std::optional<std::vector<AppliedMigration>> lock_and_read(Database &db,
                                                           const MaintenanceOptions &options) {
  db.require_writable();
  acquire_lock(db, options.lock_wait, nullptr, [](const std::optional<LockHolder> &) {});
  return db.read_history(HistoryDetail::planning);
}

const AppliedMigration *find_row(const std::vector<AppliedMigration> &history, Version version) {
  auto it = std::find_if(history.begin(), history.end(),
                         [version](const AppliedMigration &row) { return row.version == version; });
  return it == history.end() ? nullptr : &*it;
}

} // namespace

std::optional<Accepted> accept(Database &db, const std::vector<Migration> &disk, Version version,
                               const MaintenanceOptions &options) {
  auto history = lock_and_read(db, options).value_or(std::vector<AppliedMigration>{});
  LockGuard guard(db);
  const AppliedMigration *row = find_row(history, version);
  if (row == nullptr || row->state != RowState::applied) {
    throw UsageError(format_version(version) + " is not applied; only an applied migration's "
                                               "checksums can be accepted");
  }
  auto migration = std::find_if(disk.begin(), disk.end(),
                                [version](const Migration &m) { return m.version == version; });
  if (migration == disk.end()) {
    throw TreeError(format_version(version) + "_" + row->name +
                    " has no directory in the migrations tree");
  }
  std::vector<Migration> one{*migration};
  read_down_files(one, {*row});
  Accepted accepted;
  accepted.checksum = row->checksum.hex();
  accepted.files_changed =
      one[0].checksum != row->checksum || one[0].down_checksum != row->down_checksum;
  if (one[0].name != row->name) {
    accepted.name = row->name;
  }
  if (!accepted.files_changed && accepted.name.empty()) {
    return std::nullopt;
  }
  AppliedMigration updated = *row;
  updated.name = one[0].name;
  updated.checksum = one[0].checksum;
  updated.down_checksum = one[0].down_checksum;
  std::string message = "checksum was " + accepted.checksum;
  if (!accepted.name.empty()) {
    message += "; name was " + accepted.name;
  }
  db.accept(updated, message, options.client);
  return accepted;
}

std::vector<Migration> baseline(Database &db, const std::vector<Migration> &disk, Version version,
                                const MaintenanceOptions &options) {
  if (std::none_of(disk.begin(), disk.end(),
                   [version](const Migration &m) { return m.version == version; })) {
    throw UsageError("unknown baseline version " + format_version(version) +
                     ": no migration has it");
  }
  const auto stored = lock_and_read(db, options);
  LockGuard guard(db);
  const auto history = stored.value_or(std::vector<AppliedMigration>{});
  std::vector<Migration> recorded;
  for (const auto &migration : disk) {
    if (migration.version <= version && find_row(history, migration.version) == nullptr) {
      recorded.push_back(migration);
    }
  }
  if (recorded.empty()) {
    return recorded;
  }
  read_down_files(recorded);
  std::vector<AppliedMigration> rows;
  for (const auto &migration : recorded) {
    AppliedMigration row;
    row.version = migration.version;
    row.name = migration.name;
    row.checksum = migration.checksum;
    row.down_checksum = migration.down_checksum;
    rows.push_back(row);
  }
  db.baseline(rows, options.client, "marked applied without running");
  return recorded;
}

AppliedMigration repair(Database &db, Version version, bool applied,
                        const MaintenanceOptions &options) {
  auto history = lock_and_read(db, options).value_or(std::vector<AppliedMigration>{});
  LockGuard guard(db);
  const AppliedMigration *row = find_row(history, version);
  if (row == nullptr || row->state == RowState::applied) {
    throw UsageError(format_version(version) + " did not stop half-way; there is nothing to "
                                               "repair");
  }
  db.repair(*row, applied, options.client);
  return *row;
}

} // namespace migrate
