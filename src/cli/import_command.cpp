#include "cli/import_command.hpp"

#include "migrate/adopt.hpp"
#include "migrate/error.hpp"
#include "migrate/import.hpp"
#include "migrate/lock.hpp"

#include <iostream>
#include <strings.h>

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

std::string plural(std::size_t n) {
  return std::to_string(n) + " migration" + (n == 1 ? "" : "s");
}

void print_adoption_warnings(std::ostream &err, const Adoption &adoption) {
  for (const AdoptedMigration &m : adoption.present) {
    err << "note: " << format_version(m.row.version) << "_" << m.row.name
        << ": already recorded as applied in the history table; "
        << "left as it is\n";
  }
  for (const std::string &id : adoption.gaps) {
    err << "warning: " << id << ": not applied according to " << adoption.table
        << ", although a later migration is; it stays pending, and `migrate up` refuses it as "
           "out of order until you apply it with --allow-out-of-order (or record it with "
           "`migrate baseline` if its changes are in place)\n";
  }
}

void print_adoption(std::ostream &out, const Adoption &adoption, bool dry_run) {
  for (const AdoptedMigration &m : adoption.record) {
    out << (dry_run ? "would adopt " : "adopted ") << m.history_key << " -> "
        << format_version(m.row.version) << "_" << m.row.name << "\n";
  }
  out << (dry_run ? "dry run: would record " : "recorded ") << plural(adoption.record.size())
      << " from " << adoption.table << " as applied without running them";
  if (!adoption.present.empty()) {
    out << "; " << adoption.present.size() << " already recorded";
  }
  if (!adoption.gaps.empty()) {
    out << "; " << plural(adoption.gaps.size()) << " left pending before applied ones";
  }
  out << (dry_run ? "; nothing was written" : "") << std::endl;
}

// The migration directories just written, removed again when the history cannot be recorded,
// so that the import can simply be run again.
void remove_written(const std::vector<fs::path> &written) {
  for (const fs::path &dir : written) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
}

} // namespace

int run_import(const Context &context, const ImportOptions &options) {
  return run_import(context, options, std::cout, std::cerr);
}

int run_import(const Context &context, const ImportOptions &options, std::ostream &out,
               std::ostream &err) {
  const fs::path &migrations_dir = context.settings.dir;
  const auto tool = parse_tool(options.from);
  if (!tool) {
    // Flyway is converted by hand (dotted versions, repeatable scripts): say where.
    const std::string hint = ::strcasecmp(options.from.c_str(), "flyway") == 0
                                 ? "; Flyway is converted by hand, see "
                                   "docs/migrating-from.md#flyway"
                                 : "";
    throw UsageError("--from: unknown tool '" + options.from + "' (known: " + tool_names() + ")" +
                     hint);
  }
  if (options.source.empty()) {
    throw UsageError("import: SOURCE_DIR is required");
  }
  if (options.adopt_table && !options.adopt_history) {
    throw UsageError("--adopt-table goes with --adopt-history");
  }
  if (options.adopt_history && !options.dry_run) {
    confirm(context, options.yes, "migrate import --adopt-history");
  }
  const ForeignTable table = options.adopt_table ? parse_foreign_table(*options.adopt_table)
                                                 : default_foreign_table(*tool);
  refuse_same_directory(options.source, migrations_dir);
  const ImportResult result = read_foreign(*tool, options.source);
  check_target(result.migrations, migrations_dir);

  // Both histories are read, and the lock taken, before anything is written.
  const MaintenanceOptions maintenance{context.settings.lock_timeout, context.client};
  std::unique_ptr<Database> db;
  std::optional<LockGuard> guard;
  std::optional<Adoption> adoption;
  if (options.adopt_history) {
    db = connect(context.settings);
    guard.emplace(*db);
    adoption = read_adoption(*db, *tool, table, result.migrations, maintenance, !options.dry_run);
  }
  for (const ImportNote &note : result.notes) {
    err << (note.warning ? "warning: " : "note: ") << note.text << "\n";
  }
  if (adoption) {
    print_adoption_warnings(err, *adoption);
  }
  if (!options.dry_run) {
    const auto written = write_imported(result.migrations, migrations_dir);
    if (adoption) {
      try {
        record_adoption(*db, *tool, *adoption, maintenance);
      } catch (...) {
        remove_written(written);
        throw;
      }
    }
  }
  std::size_t no_transaction = 0;
  std::size_t without_down = 0;
  for (const ImportedMigration &m : result.migrations) {
    out << m.source << " -> " << (migrations_dir / m.id()).string() << " (" << describe(m) << ")\n";
    no_transaction += m.up_no_transaction || m.down_no_transaction ? 1 : 0;
    without_down += m.down ? 0 : 1;
  }
  out << (options.dry_run ? "dry run: would import " : "imported ") << result.migrations.size()
      << (result.migrations.size() == 1 ? " migration from " : " migrations from ")
      << tool_name(*tool) << " into " << migrations_dir.string() << " (" << no_transaction
      << " no-transaction, " << without_down << " without down.sql)"
      << (options.dry_run ? "; nothing was written" : "") << std::endl;
  if (adoption) {
    print_adoption(out, *adoption, options.dry_run);
  }
  return 0;
}

} // namespace migrate::cli
