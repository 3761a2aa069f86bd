#pragma once
// `migrate import --from TOOL SOURCE_DIR [--adopt-history]`: converting another tool's
// migrations into the migrations directory, and optionally taking over its history. No CLI11
// here; cli.cpp registers the flags.

#include "cli/commands.hpp"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

namespace migrate::cli {

// Options of `import`.
struct ImportOptions {
  std::string from;             // --from: diesel, node-pg-migrate, golang-migrate, goose, ...
  std::filesystem::path source; // SOURCE_DIR: the other tool's migrations directory
  bool dry_run = false;         // --dry-run: print what would be written, write nothing
  bool adopt_history = false;   // --adopt-history: record what the tool's history has applied
  std::optional<std::string> adopt_table; // --adopt-table: that history table, [schema.]table
  bool yes = false; // -y/--yes: confirm --adopt-history in a protected environment
};

// Imports into the migrations directory of `context`, printing the old name -> new directory
// of every migration and a summary to stdout, and notes and warnings to stderr. With
// adopt_history, first reads the tool's history table and ours under the migration lock, then
// writes the files and records the migrations the tool has applied (removing the files again
// if that fails), printing one line per migration and a summary. Returns 0; throws UsageError
// for bad options or a clash in the migrations directory, TreeError for source files that
// cannot be converted, HistoryError when the histories cannot be adopted, and what connecting
// and locking throw. Nothing is written when it throws.
int run_import(const Context &context, const ImportOptions &options);

// The same, printing to `out` and `err`.
int run_import(const Context &context, const ImportOptions &options, std::ostream &out,
               std::ostream &err);

} // namespace migrate::cli
