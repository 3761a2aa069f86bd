#pragma once
// `migrate import --adopt-history`: recording as applied, in our history, the imported
// migrations that the source tool's own history table records as applied. adopt.cpp is pure
// (table names, the queries for the other tool's table, what its rows mean); adopt_run.cpp
// reads and writes through the Database seam.

#include "migrate/database.hpp"
#include "migrate/import.hpp"
#include "migrate/maintenance.hpp"

#include <string>
#include <vector>

namespace migrate {

// Another tool's history table.
struct ForeignTable {
  std::string schema; // empty: found through search_path, as the tools' own queries find it
  std::string table;

  // "schema.table", or "table" without a schema.
  std::string display() const { return schema.empty() ? table : schema + "." + table; }
};

// The table `tool` keeps its history in unless configured otherwise, without a schema:
// __diesel_schema_migrations, schema_migrations (golang-migrate and dbmate), goose_db_version,
// pgmigrations (node-pg-migrate) or schemaversion (postgrator).
ForeignTable default_foreign_table(SourceTool tool);

// Parses --adopt-table: "table" or "schema.table", each part a plain identifier
// ([A-Za-z_][A-Za-z0-9_$]*, at most 63 bytes), used as written (quoted). Throws UsageError
// naming the value otherwise.
ForeignTable parse_foreign_table(const std::string &text);

// A query returning one row, the schema, name and columns ("name type, ..." in column order) of
// `table`, or no row when there is no such table or view.
std::string foreign_table_query(const ForeignTable &table);

// A query returning the rows of `tool`'s history table `schema`.`table`, every value as text,
// in the form plan_adoption reads: one column, the history key (diesel, dbmate,
// node-pg-migrate, postgrator); version and dirty (golang-migrate); version_id and is_applied,
// oldest row first (goose).
std::string foreign_rows_query(SourceTool tool, const std::string &schema,
                               const std::string &table);

// Throws HistoryError naming `table` when `columns` (as foreign_table_query returns them) lack
// a column `tool` writes into its history table, or a flag column (golang-migrate's dirty,
// goose's is_applied) is not boolean: the table is not that tool's.
void check_foreign_columns(SourceTool tool, const std::string &table, const std::string &columns);

// An imported migration, as adoption records it.
struct AdoptedMigration {
  std::string history_key; // how the other tool's history names it
  AppliedMigration row;    // version, name, and the checksums of the imported up.sql/down.sql
};

// What adopting another tool's history comes to.
struct Adoption {
  std::string table;                     // the other tool's table, "schema.table"
  std::vector<AdoptedMigration> record;  // to record as applied, in the tool's order
  std::vector<AdoptedMigration> present; // applied there and already recorded here identically
  // Imported migrations the other tool has not applied although it has applied a later one, as
  // `<version>_<name>`: they stay pending.
  std::vector<std::string> gaps;
};

// Decides which of `imported` (in read_foreign's order) the rows of `tool`'s history table
// `table` record as applied. `rows` are what foreign_rows_query selects; `ours` is our history
// (empty when there is none). Every migration up to golang-migrate's version is applied; for
// the other tools each row says which one is (goose: the newest row of a version; the rows of
// version 0 that goose and postgrator write when they create the table are not migrations).
// Throws HistoryError for a dirty golang-migrate version, for applied rows that match no
// imported migration (naming them), and when `ours` holds a row for an imported version
// other than exactly the applied row adoption would write.
Adoption plan_adoption(SourceTool tool, const std::string &table,
                       const std::vector<std::vector<std::string>> &rows,
                       const std::vector<ImportedMigration> &imported,
                       const std::vector<AppliedMigration> &ours);

// Finds and reads `table`, `tool`'s history table, and our history, then plans the adoption
// (plan_adoption). With `lock` it first refuses a read-only target (ConnectionError) and takes
// the migration lock (waiting up to options.lock_wait), which stays held for record_adoption
// until the caller releases it (LockGuard); without, it only reads. Throws HistoryError when
// the table does not exist or is not `tool`'s, and whatever plan_adoption throws.
Adoption read_adoption(Database &db, SourceTool tool, const ForeignTable &table,
                       const std::vector<ImportedMigration> &imported,
                       const MaintenanceOptions &options, bool lock);

// Records adoption.record as applied, each with a baseline event naming the table, creating
// the history tables when missing; one transaction. Call with the lock read_adoption took.
void record_adoption(Database &db, SourceTool tool, const Adoption &adoption,
                     const MaintenanceOptions &options);

} // namespace migrate
