#pragma once
// `migrate import`: converting another tool's migrations directory into our layout. Pure
// filesystem and string work; nothing here talks to a database.

#include "migrate/version.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// The tools whose SQL migrations can be imported.
enum class SourceTool { diesel, node_pg_migrate, golang_migrate, goose, dbmate, postgrator };

// Parses a tool name as given to --from: "diesel", "node-pg-migrate", "golang-migrate", "goose",
// "dbmate" or "postgrator". Returns std::nullopt for anything else.
std::optional<SourceTool> parse_tool(std::string_view name);

// The --from spelling of `tool`.
std::string_view tool_name(SourceTool tool);

// Every --from spelling, comma-separated, for messages.
std::string tool_names();

// One foreign migration converted to our layout, not yet written.
struct ImportedMigration {
  std::string source; // the source entry, as named there: a directory or (up) file name
  std::string
      original_version; // the version as written in the source name, e.g. "2024-10-25-112826"
  // How the tool's history table names this migration: diesel's version without dashes, the
  // version as written (dbmate), the file name without extension (node-pg-migrate), or the
  // version as an integer (golang-migrate, goose, postgrator).
  std::string history_key;
  std::string original_name;       // the name part of the source name, as written
  Version version = 0;             // ours
  std::string name;                // ours: one or more of [a-z0-9_-]
  std::string up;                  // up.sql exactly as it will be written
  std::optional<std::string> down; // down.sql; std::nullopt when the source has no down part
  bool up_no_transaction = false;  // up.sql carries `-- migrate:no-transaction`
  bool down_no_transaction = false;
  std::vector<std::filesystem::path> source_files; // the files it was read from

  // `<version>_<name>`, the directory it will be written to.
  std::string id() const { return format_version(version) + "_" + name; }
};

// Something the import skipped, changed or warns about: one line naming what it is about.
struct ImportNote {
  bool warning = false; // true: the imported migration will not run as it is
  std::string text;
};

// What read_foreign found.
struct ImportResult {
  std::vector<ImportedMigration> migrations; // the tool's order, which is ascending version order
  std::vector<ImportNote> notes;
};

// Reads `dir` laid out as `tool` lays out its migrations and converts every migration in it.
// Throws UsageError when `dir` is not a directory, and TreeError naming the file (and line) for
// anything that cannot be converted faithfully or whose order cannot be kept.
ImportResult read_foreign(SourceTool tool, const std::filesystem::path &dir);

// A migration as the source tool's history table names it, and what it became.
struct VersionMapping {
  std::string history_key; // see ImportedMigration::history_key
  Version version = 0;
  std::string id; // `<version>_<name>`
};

// The history key to version mapping of `migrations`, in their order (for --adopt-history).
std::vector<VersionMapping> version_mapping(const std::vector<ImportedMigration> &migrations);

// Checks that writing `migrations` into `target_dir` would overwrite nothing: `target_dir` is
// missing, or a valid migrations tree (read_tree) holding none of their versions. Throws
// TreeError for an invalid tree and UsageError for a clash.
void check_target(const std::vector<ImportedMigration> &migrations,
                  const std::filesystem::path &target_dir);

// Writes each migration as `<target_dir>/<id>/up.sql` (and down.sql), after check_target. Every
// directory appears complete or not at all: they are written into a hidden staging directory
// first. Returns the directories created. Throws Error when the filesystem fails.
std::vector<std::filesystem::path> write_imported(const std::vector<ImportedMigration> &migrations,
                                                  const std::filesystem::path &target_dir);

} // namespace migrate
