#pragma once
// Value types shared by the planner, the source and the executor.

#include "migrate/version.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace migrate {

enum class Direction { up, down };

// A migration found on disk: `<dir>/<version>_<name>/`.
struct Migration {
  Version version = 0;
  std::string name;
  std::filesystem::path dir; // the migration's own directory
  bool has_up = false;
  bool has_down = false;
  // Checksums of the files as they are now (see checksum() in sha256.hpp);
  // empty until computed (only applied migrations are hashed before planning).
  std::string checksum;
  std::string down_checksum;

  // `<version>_<name>`, the directory's name.
  std::string id() const { return format_version(version) + "_" + name; }
  std::filesystem::path up_path() const { return dir / "up.sql"; }
  std::filesystem::path down_path() const { return dir / "down.sql"; }
};

// The state of a history row. Transactional steps only ever leave `applied`
// rows; a non-transactional step that failed or was killed half-way leaves
// `applying` or `reverting`, which blocks further runs until resumed or
// repaired.
enum class RowState { applied, applying, reverting };

// A row of the history table: a migration that is applied (or half-way).
struct AppliedMigration {
  Version version = 0;
  std::string name;
  std::string checksum;      // sha256 of the normalised up.sql when applied
  std::string down_checksum; // sha256 of down.sql when applied, empty if none
  std::string applied_at;    // ISO 8601 UTC, as stored
  std::int64_t execution_ms = 0;
  std::string applied_by;
  std::int64_t sequence = 0; // increases with every apply; orders reverts
  RowState state = RowState::applied;
  std::size_t progress = 0; // applying/reverting: statements already committed
};

} // namespace migrate
