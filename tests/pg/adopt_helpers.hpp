#pragma once
// Helpers for the `import --adopt-history` tests: what our history holds, and a fingerprint of
// everything a refused adoption must leave as it was.

#include "harness.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace migrate_test {

// "version:state:checksum:down_checksum" ("-" for no down.sql) of every row of our history, in
// version order; "" when it is empty or missing.
inline std::string our_history(TempDb &db) {
  if (!db.table_exists("public.migration_history")) {
    return "";
  }
  return db.scalar("SELECT coalesce(string_agg(version || ':' || state || ':' || checksum || ':' "
                   "|| coalesce(down_checksum, '-'), ',' ORDER BY version), '') "
                   "FROM migration_history");
}

// The row adoption should write for the migration in `dir/id`: the checksums of the files
// import wrote there.
inline std::string adopted_row(TempDb &db, const std::filesystem::path &dir,
                               const std::string &id) {
  const auto down = dir / id / "down.sql";
  return id.substr(0, 14) + ":applied:" + sql_sha256(db, read_file(dir / id / "up.sql")) + ":" +
         (std::filesystem::exists(down) ? sql_sha256(db, read_file(down)) : "-");
}

// adopted_row for each of `ids`, joined as our_history joins them.
inline std::string adopted_rows(TempDb &db, const std::filesystem::path &dir,
                                const std::vector<std::string> &ids) {
  std::string rows;
  for (const auto &id : ids) {
    rows += (rows.empty() ? "" : ",") + adopted_row(db, dir, id);
  }
  return rows;
}

// "event:version:message" of every event, oldest first.
inline std::string our_events(TempDb &db) {
  return db.scalar("SELECT string_agg(event || ':' || version || ':' || coalesce(message, ''), "
                   "',' ORDER BY id) FROM migration_history_events");
}

// The tables and views of the database (outside the system schemas), and the rows of `table`
// as text: what a refused adoption must leave unchanged.
inline std::string fingerprint(TempDb &db, const std::string &table) {
  return db.scalar("SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY 1) FROM "
                   "information_schema.tables WHERE table_schema NOT IN ('pg_catalog', "
                   "'information_schema')") +
         " | " + db.scalar("SELECT string_agg(t::text, ',' ORDER BY t::text) FROM " + table + " t");
}

} // namespace migrate_test
