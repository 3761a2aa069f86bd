#include "cli/import_command.hpp"

#include "migrate/error.hpp"
#include "migrate/import.hpp"

#include <iostream>

namespace fs = std::filesystem;

namespace migrate::cli {

namespace {

std::string describe(const ImportedMigration &m) {
  std::string text = m.down ? "up.sql, down.sql" : "up.sql only";
  if (m.up_no_transaction && (m.down_no_transaction || !m.down)) {
    text += "; no-transaction";
  } else if (m.up_no_transaction) {
    text += "; up.sql no-transaction";
  } else if (m.down_no_transaction) {
    text += "; down.sql no-transaction";
  }
  return text;
}

// Importing a directory onto itself would mix the two layouts; say so instead of failing on
// the first foreign name read_tree() meets.
void refuse_same_directory(const fs::path &source, const fs::path &migrations_dir) {
  std::error_code ec;
  if (fs::equivalent(source, migrations_dir, ec)) {
    throw UsageError("SOURCE_DIR " + source.string() +
                     " is the migrations directory; import into another one (-m/--dir), then "
                     "replace the old directory with it");
  }
}

} // namespace

int run_import(const fs::path &migrations_dir, const ImportOptions &options) {
  return run_import(migrations_dir, options, std::cout, std::cerr);
}

int run_import(const fs::path &migrations_dir, const ImportOptions &options, std::ostream &out,
               std::ostream &err) {
  const auto tool = parse_tool(options.from);
  if (!tool) {
    throw UsageError("--from: unknown tool '" + options.from + "' (known: " + tool_names() + ")");
  }
  if (options.source.empty()) {
    throw UsageError("import: SOURCE_DIR is required");
  }
  refuse_same_directory(options.source, migrations_dir);
  const ImportResult result = read_foreign(*tool, options.source);
  check_target(result.migrations, migrations_dir);
  for (const ImportNote &note : result.notes) {
    err << (note.warning ? "warning: " : "note: ") << note.text << "\n";
  }
  if (!options.dry_run) {
    write_imported(result.migrations, migrations_dir);
  }
  std::size_t no_transaction = 0;
  std::size_t without_down = 0;
  for (const ImportedMigration &m : result.migrations) {
    out << m.source << " -> " << (migrations_dir / m.id()).string() << " (" << describe(m) << ")\n";
    no_transaction += m.up_no_transaction || m.down_no_transaction ? 1 : 0;
    without_down += m.down ? 0 : 1;
  }
  out << (options.dry_run ? "dry run: would import " : "imported ") << result.migrations.size()
      << " migrations from " << tool_name(*tool) << " into " << migrations_dir.string() << " ("
      << no_transaction << " no-transaction, " << without_down << " without down.sql)"
      << (options.dry_run ? "; nothing was written" : "") << std::endl;
  return 0;
}

} // namespace migrate::cli
