#include "migrate/pg_history.hpp"

#include "migrate/error.hpp"
#include "migrate/version.hpp"

#include <cstdlib>
#include <cstring>

namespace migrate {

namespace {

// "COPY (select) TO STDOUT": rows one line at a time (PqBatch::next_copy).
std::string copy_out(const std::string &select) {
  return "COPY (" + select + ") TO STDOUT";
}

// The statements of the batch that read the rows of `query` into `sink`.
std::string row_statements(const HistorySql &sql, const std::string &query, const RowSink &sink) {
  return (sink.count ? sql.count_rows() + "; " : std::string()) + copy_out(query);
}

// Reads the results of row_statements().
void receive_rows(PqBatch &batch, const RowSink &sink) {
  if (sink.count) {
    sink.count(std::strtoull(batch.next_rows().text(0, 0), nullptr, 10));
  }
  batch.next_copy(sink.line);
}

// "name type, ..." of a result's columns, with the type names that
// format_type() gives for the types of the history tables ("?" for others).
std::string described_columns(const PqResult &r) {
  std::string columns;
  for (int i = 0; i < r.columns(); ++i) {
    const char *type = "?";
    switch (r.column_type(i)) {
    case 20:
      type = "bigint";
      break;
    case 23:
      type = "integer";
      break;
    case 25:
      type = "text";
      break;
    case 1184:
      type = "timestamp with time zone";
      break;
    default:
      break;
    }
    columns += (i == 0 ? "" : ", ") + std::string(r.column_name(i)) + " " + type;
  }
  return columns;
}

// What read_history_described found: the rows (handed to the sink), no
// history table at all, or something the catalog query must look into.
enum class Described { rows, no_table, unclear };

// The usual case, in one round trip and without a catalog query: whether
// the tables exist (to_regclass), both tables' columns from the
// descriptions of "SELECT * ... LIMIT 0" results, then the rows of `query`
// as a COPY, line by line. Unclear when only one table exists or the
// columns differ: read_history_catalog then finds out which, and says how.
Described read_history_described(pg_conn *conn, const HistorySql &sql, const std::string &query,
                                 const RowSink &sink) {
  PqBatch batch(conn, sql.tables_exist() + "; " + sql.history_probe() + "; " + sql.events_probe() +
                          "; " + row_statements(sql, query, sink));
  const PqResult exist = batch.next_rows();
  const bool history_exists = std::strcmp(exist.text(0, 0), "t") == 0;
  const bool events_exist = std::strcmp(exist.text(0, 1), "t") == 0;
  if (!history_exists || !events_exist) {
    // The next statement fails (the table is missing): that ends the batch.
    return !history_exists && !events_exist ? Described::no_table : Described::unclear;
  }
  if (described_columns(batch.next_rows()) != HistorySql::expected_history_columns() ||
      described_columns(batch.next_rows()) != HistorySql::expected_event_columns()) {
    return Described::unclear;
  }
  receive_rows(batch, sink);
  return Described::rows;
}

// The structure of both tables from the catalog, then the rows: slower
// (a catalog query), but it tells a missing table from a foreign one.
// False when there is no history table.
bool read_history_catalog(pg_conn *conn, const HistorySql &sql, const std::string &query,
                          const RowSink &sink) {
  PqBatch batch(conn, sql.structure() + "; " + row_statements(sql, query, sink));
  const PqResult structure = batch.next_rows();
  const bool exists = !structure.is_null(0, 0);
  check_structure(structure, 0, HistorySql::expected_history_columns(), sql.table().qualified());
  check_structure(structure, 1, HistorySql::expected_event_columns(),
                  sql.table().schema + "." + sql.table().events_table());
  if (!exists) {
    return false;
  }
  if (structure.is_null(0, 1)) {
    throw HistoryError("the history table " + sql.table().qualified() +
                       " exists but its events table " + sql.table().events_table() +
                       " does not; restore it, or create it empty as docs/migrations.md "
                       "shows");
  }
  receive_rows(batch, sink);
  return true;
}

} // namespace

void check_structure(const PqResult &structure, int column, const char *expected,
                     const std::string &table) {
  if (structure.is_null(0, column) || std::strcmp(structure.text(0, column), expected) == 0) {
    return;
  }
  throw HistoryError("table " + table +
                     " does not have the structure this version of migrate writes; refusing "
                     "to use or change it (found: " +
                     structure.text(0, column) + "; expected: " + expected + ")");
}

bool query_history(pg_conn *conn, const HistorySql &sql, const std::string &query,
                   const RowSink &sink) {
  switch (read_history_described(conn, sql, query, sink)) {
  case Described::rows:
    return true;
  case Described::no_table:
    return false;
  case Described::unclear:
    break;
  }
  return read_history_catalog(conn, sql, query, sink);
}

AppliedMigration history_row(const CopyLine &fields, bool full) {
  AppliedMigration applied;
  applied.version = parse_version(fields.text(0)).value_or(0);
  applied.name = fields.text(1);
  applied.checksum = Checksum::from_hex(fields.text(2));
  applied.down_checksum = Checksum::from_hex(fields.text(3));
  applied.sequence = std::strtoll(fields.text(4).c_str(), nullptr, 10);
  const std::string &state = fields.text(5);
  applied.state = state == "applying"    ? RowState::applying
                  : state == "reverting" ? RowState::reverting
                                         : RowState::applied;
  applied.progress = std::strtoull(fields.text(6).c_str(), nullptr, 10);
  if (full) {
    applied.applied_at_ms = parse_epoch_ms(fields.text(7));
  }
  return applied;
}

} // namespace migrate
