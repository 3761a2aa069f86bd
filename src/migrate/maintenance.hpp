#pragma once
// Commands that change the history without running migrations: accept,
// baseline and repair. Each takes the migration lock and records an event.

#include "migrate/database.hpp"
#include "migrate/migration.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace migrate {

struct MaintenanceOptions {
  std::chrono::milliseconds lock_wait{60000};
  std::string client; // recorded in the events table
};

// Re-pins the recorded checksums of applied migration `version` to its files
// as they are now, and its name to its directory's. Returns what was
// replaced, or std::nullopt when the files and the name already match
// (nothing is written). Throws UsageError when the version is not applied,
// TreeError when its directory is gone.
struct Accepted {
  std::string checksum; // the recorded up.sql checksum replaced (hex), even if unchanged
  bool files_changed = false;
  std::string name; // the recorded name replaced; empty when it was the directory's
};
std::optional<Accepted> accept(Database &db, const std::vector<Migration> &disk, Version version,
                               const MaintenanceOptions &options);

// Records every migration up to and including `version` that is not applied
// as applied, without running it (adopting an existing database). Returns
// the migrations recorded. Throws UsageError when no migration has
// `version`.
std::vector<Migration> baseline(Database &db, const std::vector<Migration> &disk, Version version,
                                const MaintenanceOptions &options);

// Settles a migration that stopped half-way: `applied` keeps it as applied
// (the operator finished it), otherwise its row is removed (the operator
// undid it). Returns the row as it was. Throws UsageError when the version
// has no half-done row.
AppliedMigration repair(Database &db, Version version, bool applied,
                        const MaintenanceOptions &options);

} // namespace migrate
