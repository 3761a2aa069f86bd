#pragma once
// Reading the history with libpq (PqBatch) for postgres.cpp: both tables'
// structure checked, then the rows of a query on the history table, a COPY
// line at a time. Part of the PostgreSQL seam.

#include "migrate/copy_text.hpp"
#include "migrate/history_sql.hpp"
#include "migrate/migration.hpp"
#include "migrate/pq_batch.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace migrate {

// Where the rows of a history read go: `count`, when set, first gets their
// number (a count(*) in the same batch; only a size to reserve, since each
// statement of the batch sees the table as it is then), then `line` each
// row, a COPY line.
struct RowSink {
  std::function<void(std::size_t)> count;
  std::function<void(std::string_view)> line;
};

// Hands the rows of `query` (a SELECT on the history table of `sql`) to
// `sink` once both tables are known to have the structure this version
// writes. Usually one round trip without a catalog query (whether the
// tables exist, their columns from result descriptions, the rows); when only
// one table exists or the columns differ, the catalog query finds out which
// and says how. False when there is no history table. Throws HistoryError
// for a table of another structure (or a missing events table), PqError
// when the server refuses or the connection breaks.
bool query_history(pg_conn *conn, const HistorySql &sql, const std::string &query,
                   const RowSink &sink);

// Refuses the table whose columns, column `column` of a HistorySql::structure()
// row, are not `expected` (NULL: the table does not exist): HistoryError.
void check_structure(const PqResult &structure, int column, const char *expected,
                     const std::string &table);

// A row of HistorySql::select_rows, with applied_at when `full`.
AppliedMigration history_row(const CopyLine &fields, bool full);

} // namespace migrate
