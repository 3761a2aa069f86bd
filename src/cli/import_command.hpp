#pragma once
// `migrate import --from TOOL SOURCE_DIR`: converting another tool's migrations into the
// migrations directory. No CLI11 here; cli.cpp registers the flags.

#include <filesystem>
#include <ostream>
#include <string>

namespace migrate::cli {

// Options of `import`.
struct ImportOptions {
  std::string from;             // --from: diesel, node-pg-migrate, golang-migrate, goose, ...
  std::filesystem::path source; // SOURCE_DIR: the other tool's migrations directory
  bool dry_run = false;         // --dry-run: print what would be written, write nothing
};

// Imports into `migrations_dir`, printing the old name -> new directory of every migration and
// a summary to stdout, and notes and warnings to stderr. Returns 0; throws UsageError for bad
// options or a clash in `migrations_dir`, TreeError for source files that cannot be converted.
int run_import(const std::filesystem::path &migrations_dir, const ImportOptions &options);

// The same, printing to `out` and `err`.
int run_import(const std::filesystem::path &migrations_dir, const ImportOptions &options,
               std::ostream &out, std::ostream &err);

} // namespace migrate::cli
