#pragma once
// Value types shared by the planner, the source and the executor.

#include "migrate/checksum.hpp"
#include "migrate/version.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace migrate {

enum class Direction { up, down };

// A migration found on disk: `<dir>/<version>_<name>/`.
struct Migration {
  Version version = 0;
  std::string name;
  // The migrations directory that holds it, with a trailing '/' (or empty:
  // the current directory), shared by every migration of a tree and its
  // copies: one string per tree, not one per migration and per step.
  std::shared_ptr<const std::string> tree;
  bool has_up = false;
  // Checksum of up.sql as it is now (see checksum() in sha256.hpp); set by
  // read_tree for every migration.
  Checksum checksum;
  // down.sql as it is now; known only once read_down_files has read it
  // (accept, baseline; a down or redo run hashes each down.sql it runs in
  // prepare_step instead).
  bool down_known = false;
  bool has_down = false;
  Checksum down_checksum;

  // `<version>_<name>`, the directory's name.
  std::string id() const { return format_version(version) + "_" + name; }
  // The migration's own directory, `<tree><id()>`.
  std::string dir() const { return (tree ? *tree : std::string()) + id(); }
  std::filesystem::path up_path() const { return std::filesystem::path(dir()) / "up.sql"; }
  std::filesystem::path down_path() const { return std::filesystem::path(dir()) / "down.sql"; }
};

// The state of a history row. Transactional steps only ever leave `applied`
// rows; a non-transactional step that failed or was killed half-way leaves
// `applying` or `reverting`, which blocks further runs until resumed or
// repaired.
enum class RowState { applied, applying, reverting };

// A row of the history table: a migration that is applied (or half-way).
// What the planner and `status` use of it; the table also records how long
// each apply took and by whom (see `migrate log` for the audit trail).
struct AppliedMigration {
  Version version = 0;
  std::string name;
  Checksum checksum;      // of the up.sql when applied
  Checksum down_checksum; // of down.sql when applied, empty if none
  // When it was applied, in milliseconds since 1970-01-01 UTC (HistoryDetail::full only;
  // std::nullopt otherwise, and when the table holds no real time, say 'infinity').
  std::optional<std::int64_t> applied_at_ms;
  std::int64_t sequence = 0; // increases with every apply; orders reverts
  RowState state = RowState::applied;
  std::size_t progress = 0; // applying/reverting: statements already committed
};

} // namespace migrate
