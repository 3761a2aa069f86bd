// `import --adopt-history` through the Database seam: read both histories, then record.

#include "migrate/adopt.hpp"

#include "migrate/error.hpp"
#include "migrate/lock.hpp"

namespace migrate {

Adoption read_adoption(Database &db, SourceTool tool, const ForeignTable &table,
                       const std::vector<ImportedMigration> &imported,
                       const MaintenanceOptions &options, bool lock) {
  if (lock) {
    db.require_writable();
    acquire_lock(db, options.lock_wait, nullptr, [](const std::optional<LockHolder> &) {});
  }
  // Ours first: a history table of another structure is refused before anything else.
  const auto ours = db.read_history(HistoryDetail::planning);
  const auto found = db.find_foreign_table(foreign_table_query(table));
  if (!found) {
    throw HistoryError(std::string(tool_name(tool)) + "'s history table " + table.display() +
                       " does not exist" + (table.schema.empty() ? " in the search_path" : "") +
                       "; name it with --adopt-table [schema.]table");
  }
  const std::string name = found->schema + "." + found->table;
  check_foreign_columns(tool, name, found->columns);
  const auto rows = db.read_foreign_rows(foreign_rows_query(tool, found->schema, found->table));
  return plan_adoption(tool, name, rows, imported, ours.value_or(std::vector<AppliedMigration>{}));
}

void record_adoption(Database &db, SourceTool tool, const Adoption &adoption,
                     const MaintenanceOptions &options) {
  if (adoption.record.empty()) {
    return;
  }
  std::vector<AppliedMigration> rows;
  rows.reserve(adoption.record.size());
  for (const AdoptedMigration &m : adoption.record) {
    rows.push_back(m.row);
  }
  db.baseline(rows, options.client,
              "adopted from " + std::string(tool_name(tool)) + "'s history table " +
                  adoption.table);
}

} // namespace migrate
