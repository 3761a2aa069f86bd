#pragma once
// The SQL text for the history table, its events table and the migration
// lock. Pure string building: postgres.cpp sends what these return.

#include "migrate/migration.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace migrate {

// Where the history table lives; both parts are plain names, quoted when
// used. The events table is `<table>_events` in the same schema.
struct HistoryTable {
  std::string schema = "public";
  std::string table = "migration_history";

  // "schema.table", unquoted, for messages and the lock key.
  std::string qualified() const { return schema + "." + table; }
  std::string events_table() const { return table + "_events"; }
};

// Parses "table" or "schema.table" (each part [A-Za-z_][A-Za-z0-9_$]*; the
// table at most 56 bytes so that `<table>_events` fits in 63). Throws
// UsageError naming the value otherwise.
HistoryTable parse_history_table(const std::string &text);

// True when `part` is a plain identifier: [A-Za-z_][A-Za-z0-9_$]*, at most
// `max_length` bytes.
bool is_plain_identifier(std::string_view part, std::size_t max_length);

// A table name as the user writes it: "table" or "schema.table".
struct TableName {
  std::string schema; // empty when none was written
  std::string table;
};

// Splits `text` at its first dot. Returns std::nullopt unless each part is a
// plain identifier, the schema at most 63 bytes and the table at most
// `max_table` bytes.
std::optional<TableName> parse_table_name(const std::string &text, std::size_t max_table);

// The two keys of the session advisory lock that serialises runners on
// `history`: a fixed namespace ("migr") and a 31-bit FNV-1a hash of
// history.qualified().
std::pair<int, int> migration_lock_keys(const HistoryTable &history);

// A string literal that is safe whatever standard_conforming_strings says:
// E'...' with quotes and backslashes escaped.
std::string quote_literal(std::string_view text);

// A double-quoted identifier.
std::string quote_ident(std::string_view name);

enum class EventKind { apply, revert, fail, accept, baseline, repair };

// "apply", "revert", "fail", "accept", "baseline" or "repair".
const char *event_name(EventKind kind);

// One row of the events table (the audit trail).
struct Event {
  std::int64_t id = 0;
  EventKind kind = EventKind::apply;
  Version version = 0;
  std::string name;
  std::string checksum;
  std::string at;                          // ISO 8601 UTC, when read back
  std::string db_user;                     // when read back
  std::string client;                      // who ran it: OS user@host and tool version
  std::optional<std::int64_t> duration_ms; // unset: measured by the server for apply/revert
  std::string sqlstate;
  std::string file;
  std::size_t line = 0;
  std::string message;
};

// Builds the statements for one history table.
class HistorySql {
public:
  explicit HistorySql(HistoryTable table);

  const HistoryTable &table() const { return m_table; }

  // A DO block creating the schema, the history and the events tables when
  // missing, without a NOTICE.
  std::string create() const;

  // One row: the history table's and the events table's columns as
  // "name type, ..." (NULL for a missing table). Compare with the expected_*.
  std::string structure() const;
  static const char *expected_history_columns();
  static const char *expected_event_columns();

  // All rows, in no particular order (sort by id for the order applied; a
  // sequential scan costs the server less than the id index), in the column
  // order postgres.cpp reads:
  // version, name, checksum, down_checksum, id, state, progress, and with
  // `full` also applied_at (seconds since the epoch, date_part: read it with
  // parse_epoch_ms, version.hpp). Without `with_down`,
  // down_checksum is '' in every row (an up has no use for it: a quarter of
  // the bytes).
  std::string select_rows(bool with_down, bool full) const;

  // One row, two columns: the number of rows and the exact sum of
  // hashtextextended(line, 0) over the lines
  // "<version> <checksum> <state>" of the rows (see history_digest in
  // plan.hpp, which computes the same for a tree whose migrations are all
  // applied). Needs PostgreSQL 11 (hashtextextended()).
  std::string select_digest() const;

  // One row, one column: the number of history rows.
  std::string count_rows() const;

  // The newest `limit` events, newest first.
  std::string select_events(std::size_t limit) const;

  // A transactional step's history change: the applied row (with the
  // server-measured duration) or its deletion, plus the event. A deletion
  // that finds no row fails (SQLSTATE 23502, the event's version is NULL),
  // so a step whose own SQL deleted its row cannot commit as a revert.
  std::string record_step(Direction direction, const AppliedMigration &row,
                          const std::string &client) const;

  // record_step as a prepared statement named `name`: PREPARE it once per
  // session, then send record_execute instead of record_step. The server
  // parses and plans the history change once instead of at every step (at
  // 1000 steps, about 0.13 ms of server time per step). Prepared statements
  // outlive a rolled-back transaction and end with the session.
  std::string record_prepare(Direction direction, const std::string &name) const;
  static std::string record_execute(Direction direction, const std::string &name,
                                    const AppliedMigration &row, const std::string &client);

  // Non-transactional steps: the row marked applying (up) or reverting
  // (down), its progress, and its end.
  std::string mark_running(Direction direction, const AppliedMigration &row) const;
  std::string set_progress(Version version, std::size_t done) const;
  std::string finish_running(Direction direction, const AppliedMigration &row,
                             std::chrono::milliseconds elapsed, const std::string &client) const;
  // Undoes mark_running when none of the step's statements ran; a revert's
  // row gets back `recorded_down`, the down.sql checksum it had before.
  std::string abandon_running(Direction direction, Version version,
                              const Checksum &recorded_down) const;

  // Maintenance: re-pin checksums, insert baseline rows, settle a row.
  std::string accept(const AppliedMigration &row, const std::string &message,
                     const std::string &client) const;
  // `message` is the event's, e.g. "marked applied without running".
  std::string baseline(const AppliedMigration &row, const std::string &client,
                       const std::string &message) const;
  std::string repair(const AppliedMigration &row, bool applied, const std::string &client) const;

  std::string insert_event(const Event &event) const;

  // "SELECT * FROM <table> LIMIT 0": no rows, but the result describes every
  // column of the history (events) table, for a check without a catalog query.
  std::string history_probe() const;
  std::string events_probe() const;
  // One row: whether the history table and the events table exist (two
  // booleans), from to_regclass: no error when they do not.
  std::string tables_exist() const;

private:
  std::string history_sql() const;
  std::string events_sql() const;

  HistoryTable m_table;
};

} // namespace migrate
