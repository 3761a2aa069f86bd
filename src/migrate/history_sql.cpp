#include "migrate/history_sql.hpp"

#include "migrate/error.hpp"

namespace migrate {

namespace {

// First key of the two-key advisory lock: "migr" in ASCII.
constexpr int k_lock_namespace = 0x6d696772;

// The server-measured time since the batch's statement began, in ms.
constexpr const char *k_batch_ms =
    "(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint";

std::string version_literal(Version version) {
  return quote_literal(format_version(version));
}

std::string nullable(const std::string &text) {
  return text.empty() ? std::string("NULL") : quote_literal(text);
}

std::string checksum_literal(const Checksum &checksum) {
  return quote_literal(checksum.hex());
}

std::string nullable(const Checksum &checksum) {
  return nullable(checksum.hex());
}

} // namespace

bool is_plain_identifier(std::string_view part, std::size_t max_length) {
  if (part.empty() || part.size() > max_length) {
    return false;
  }
  for (std::size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = (c >= '0' && c <= '9') || c == '$';
    if (!(alpha || (i > 0 && digit))) {
      return false;
    }
  }
  return true;
}

std::optional<TableName> parse_table_name(const std::string &text, std::size_t max_table) {
  TableName name;
  const std::size_t dot = text.find('.');
  if (dot == std::string::npos) {
    name.table = text;
  } else {
    name.schema = text.substr(0, dot);
    name.table = text.substr(dot + 1);
  }
  if ((dot != std::string::npos && !is_plain_identifier(name.schema, 63)) ||
      !is_plain_identifier(name.table, max_table)) {
    return std::nullopt;
  }
  return name;
}

HistoryTable parse_history_table(const std::string &text) {
  const auto name = parse_table_name(text, 56);
  if (!name) {
    throw UsageError("history table '" + text +
                     "' must be table or schema.table, each a plain identifier (table at most "
                     "56 characters)");
  }
  HistoryTable history;
  if (!name->schema.empty()) {
    history.schema = name->schema;
  }
  history.table = name->table;
  return history;
}

std::pair<int, int> migration_lock_keys(const HistoryTable &history) {
  std::uint32_t hash = 2166136261u; // FNV-1a
  for (unsigned char c : history.qualified()) {
    hash = (hash ^ c) * 16777619u;
  }
  return {k_lock_namespace, static_cast<int>(hash & 0x7fffffffu)};
}

std::string quote_literal(std::string_view text) {
  std::string out = "E'";
  for (char c : text) {
    if (c == '\'' || c == '\\') {
      out += c;
    }
    out += c;
  }
  return out + "'";
}

std::string quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') {
      out += c;
    }
    out += c;
  }
  return out + "\"";
}

const char *event_name(EventKind kind) {
  switch (kind) {
  case EventKind::apply:
    return "apply";
  case EventKind::revert:
    return "revert";
  case EventKind::fail:
    return "fail";
  case EventKind::accept:
    return "accept";
  case EventKind::baseline:
    return "baseline";
  case EventKind::repair:
    return "repair";
  }
  return "unknown";
}

HistorySql::HistorySql(HistoryTable table) : m_table(std::move(table)) {}

std::string HistorySql::history_sql() const {
  return quote_ident(m_table.schema) + "." + quote_ident(m_table.table);
}

std::string HistorySql::events_sql() const {
  return quote_ident(m_table.schema) + "." + quote_ident(m_table.events_table());
}

std::string HistorySql::create() const {
  return "DO $migrate$ BEGIN "
         "IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = " +
         quote_literal(m_table.schema) + ") THEN CREATE SCHEMA " + quote_ident(m_table.schema) +
         "; END IF; "
         "IF to_regclass(" +
         quote_literal(history_sql()) + ") IS NULL THEN CREATE TABLE " + history_sql() +
         " ("
         "version text PRIMARY KEY CHECK (version ~ '^[0-9]{14}$'), "
         "name text NOT NULL, "
         "checksum text NOT NULL, "
         "down_checksum text, "
         "state text NOT NULL DEFAULT 'applied' "
         "CHECK (state IN ('applied', 'applying', 'reverting')), "
         "progress integer NOT NULL DEFAULT 0, "
         "applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
         "execution_ms bigint NOT NULL DEFAULT 0, "
         "applied_by text NOT NULL DEFAULT current_user, "
         "id bigint GENERATED ALWAYS AS IDENTITY UNIQUE); END IF; "
         "IF to_regclass(" +
         quote_literal(events_sql()) + ") IS NULL THEN CREATE TABLE " + events_sql() +
         " ("
         "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
         "at timestamptz NOT NULL DEFAULT clock_timestamp(), "
         "event text NOT NULL "
         "CHECK (event IN ('apply', 'revert', 'fail', 'accept', 'baseline', 'repair')), "
         "version text NOT NULL, "
         "name text NOT NULL, "
         "checksum text, "
         "db_user text NOT NULL DEFAULT current_user, "
         "client text, "
         "duration_ms bigint, "
         "sqlstate text, "
         "file text, "
         "line integer, "
         "message text); END IF; "
         "END $migrate$";
}

const char *HistorySql::expected_history_columns() {
  return "version text, name text, checksum text, down_checksum text, state text, "
         "progress integer, applied_at timestamp with time zone, execution_ms bigint, "
         "applied_by text, id bigint";
}

const char *HistorySql::expected_event_columns() {
  return "id bigint, at timestamp with time zone, event text, version text, name text, "
         "checksum text, db_user text, client text, duration_ms bigint, sqlstate text, "
         "file text, line integer, message text";
}

std::string HistorySql::structure() const {
  auto columns = [](const std::string &table) {
    return "(SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' "
           "ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = to_regclass(" +
           quote_literal(table) + ") AND a.attnum > 0 AND NOT a.attisdropped)";
  };
  return "SELECT " + columns(history_sql()) + ", " + columns(events_sql());
}

std::string HistorySql::history_probe() const {
  return "SELECT * FROM " + history_sql() + " LIMIT 0";
}

std::string HistorySql::tables_exist() const {
  return "SELECT to_regclass(" + quote_literal(history_sql()) + ") IS NOT NULL, to_regclass(" +
         quote_literal(events_sql()) + ") IS NOT NULL";
}

std::string HistorySql::events_probe() const {
  return "SELECT * FROM " + events_sql() + " LIMIT 0";
}

std::string HistorySql::select_rows(bool with_down, bool full) const {
  return std::string("SELECT version, name, checksum, ") +
         (with_down ? "coalesce(down_checksum, '')" : "''") + ", id, state, progress" +
         // Seconds since the epoch, formatted by the client (format_epoch_utc): to_char
         // cost the server 5-15 ms at 10000 rows, date_part under 1 ms.
         (full ? ", date_part('epoch', applied_at)" : "") + " FROM " + history_sql();
}

std::string HistorySql::select_digest() const {
  // One row's hash is PostgreSQL's hashtextextended() of its line, which the
  // client computes too (pg_hash.hpp); their exact sum does not depend on the
  // order of the rows, so the server scans the table without sorting it. At
  // 10000 rows, in a new session, it costs the server 2.3 ms against 6.8 for
  // the SHA-256 of every line joined in version order that it replaces.
  // textcat() and two columns rather than the || operator: resolving || with
  // untyped literals (and count(*) || text) looks up candidate operators and
  // casts in the catalog, which a new session has not cached yet: 0.26 ms of
  // a no-op's server time at 1000 rows, 0.35 at 10000.
  return "SELECT count(*), coalesce(sum(hashtextextended(textcat(textcat(textcat(textcat("
         "version, ' '), checksum), ' '), state), 0)), 0) FROM " +
         history_sql();
}

std::string HistorySql::count_rows() const {
  return "SELECT count(*) FROM " + history_sql();
}

std::string HistorySql::select_events(std::size_t limit) const {
  return "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), event, "
         "version, name, coalesce(checksum, ''), db_user, coalesce(client, ''), duration_ms, "
         "coalesce(sqlstate, ''), coalesce(file, ''), coalesce(line, 0), coalesce(message, '') "
         "FROM " +
         events_sql() + " ORDER BY id DESC LIMIT " + std::to_string(limit);
}

namespace {

// The history change of a transactional step, its values given as SQL
// expressions (literals, or $n in a prepared statement): `version` and
// `client` for both directions, the others for up only.
struct RecordValues {
  std::string version, name, checksum, down_checksum, client;
};

std::string record_sql(const std::string &history, const std::string &events, Direction direction,
                       const RecordValues &v) {
  const std::string event_columns = " (event, version, name, checksum, client, duration_ms) ";
  if (direction == Direction::down) {
    // The event row is made even when no history row was deleted (the step's
    // own SQL deleted it): its NULL version then fails the statement, and with
    // it the step's transaction, instead of a revert recorded by no event.
    return "WITH gone AS (DELETE FROM " + history + " WHERE version = " + v.version +
           " RETURNING version, name, checksum) INSERT INTO " + events + event_columns +
           "SELECT 'revert', gone.version, gone.name, gone.checksum, " + v.client + ", " +
           k_batch_ms + " FROM (VALUES (true)) AS step LEFT JOIN gone ON true";
  }
  return "WITH added AS (INSERT INTO " + history +
         " (version, name, checksum, down_checksum, execution_ms) VALUES (" + v.version + ", " +
         v.name + ", " + v.checksum + ", " + v.down_checksum + ", " + k_batch_ms +
         ") RETURNING version, name, checksum, execution_ms) INSERT INTO " + events +
         event_columns + "SELECT 'apply', version, name, checksum, " + v.client +
         ", execution_ms FROM added";
}

} // namespace

std::string HistorySql::record_step(Direction direction, const AppliedMigration &row,
                                    const std::string &client) const {
  return record_sql(history_sql(), events_sql(), direction,
                    {version_literal(row.version), quote_literal(row.name),
                     checksum_literal(row.checksum), nullable(row.down_checksum),
                     quote_literal(client)});
}

std::string HistorySql::record_prepare(Direction direction, const std::string &name) const {
  if (direction == Direction::down) {
    return "PREPARE " + name + " (text, text) AS " +
           record_sql(history_sql(), events_sql(), direction, {"$1", "", "", "", "$2"});
  }
  return "PREPARE " + name + " (text, text, text, text, text) AS " +
         record_sql(history_sql(), events_sql(), direction, {"$1", "$2", "$3", "$4", "$5"});
}

std::string HistorySql::record_execute(Direction direction, const std::string &name,
                                       const AppliedMigration &row, const std::string &client) {
  if (direction == Direction::down) {
    return "EXECUTE " + name + "(" + version_literal(row.version) + ", " + quote_literal(client) +
           ")";
  }
  return "EXECUTE " + name + "(" + version_literal(row.version) + ", " + quote_literal(row.name) +
         ", " + checksum_literal(row.checksum) + ", " + nullable(row.down_checksum) + ", " +
         quote_literal(client) + ")";
}

std::string HistorySql::mark_running(Direction direction, const AppliedMigration &row) const {
  if (direction == Direction::down) {
    return "UPDATE " + history_sql() + " SET state = 'reverting', progress = 0, down_checksum = " +
           nullable(row.down_checksum) + " WHERE version = " + version_literal(row.version);
  }
  return "INSERT INTO " + history_sql() +
         " (version, name, checksum, down_checksum, state, progress) VALUES (" +
         version_literal(row.version) + ", " + quote_literal(row.name) + ", " +
         checksum_literal(row.checksum) + ", " + nullable(row.down_checksum) + ", 'applying', 0)";
}

std::string HistorySql::set_progress(Version version, std::size_t done) const {
  return "UPDATE " + history_sql() + " SET progress = " + std::to_string(done) +
         " WHERE version = " + version_literal(version);
}

std::string HistorySql::finish_running(Direction direction, const AppliedMigration &row,
                                       std::chrono::milliseconds elapsed,
                                       const std::string &client) const {
  const std::string ms = std::to_string(elapsed.count());
  const std::string tail = " RETURNING version, name, checksum) INSERT INTO " + events_sql() +
                           " (event, version, name, checksum, client, duration_ms) SELECT '" +
                           (direction == Direction::up ? "apply" : "revert") +
                           "', version, name, checksum, " + quote_literal(client) + ", " + ms +
                           " FROM changed";
  if (direction == Direction::down) {
    return "WITH changed AS (DELETE FROM " + history_sql() +
           " WHERE version = " + version_literal(row.version) + tail;
  }
  return "WITH changed AS (UPDATE " + history_sql() +
         " SET state = 'applied', progress = 0, applied_at = clock_timestamp(), execution_ms = " +
         ms + " WHERE version = " + version_literal(row.version) + tail;
}

std::string HistorySql::abandon_running(Direction direction, Version version,
                                        const Checksum &recorded_down) const {
  if (direction == Direction::down) {
    return "UPDATE " + history_sql() +
           " SET state = 'applied', progress = 0, down_checksum = " + nullable(recorded_down) +
           " WHERE version = " + version_literal(version);
  }
  return "DELETE FROM " + history_sql() + " WHERE version = " + version_literal(version) +
         " AND state = 'applying'";
}

std::string HistorySql::accept(const AppliedMigration &row, const std::string &message,
                               const std::string &client) const {
  return "WITH changed AS (UPDATE " + history_sql() + " SET name = " + quote_literal(row.name) +
         ", checksum = " + checksum_literal(row.checksum) +
         ", down_checksum = " + nullable(row.down_checksum) +
         " WHERE version = " + version_literal(row.version) +
         " RETURNING version, name, checksum) INSERT INTO " + events_sql() +
         " (event, version, name, checksum, client, message) SELECT 'accept', version, name, "
         "checksum, " +
         quote_literal(client) + ", " + quote_literal(message) + " FROM changed";
}

std::string HistorySql::baseline(const AppliedMigration &row, const std::string &client,
                                 const std::string &message) const {
  return "WITH added AS (INSERT INTO " + history_sql() +
         " (version, name, checksum, down_checksum) VALUES (" + version_literal(row.version) +
         ", " + quote_literal(row.name) + ", " + checksum_literal(row.checksum) + ", " +
         nullable(row.down_checksum) + ") RETURNING version, name, checksum) INSERT INTO " +
         events_sql() +
         " (event, version, name, checksum, client, message) SELECT 'baseline', version, name, "
         "checksum, " +
         quote_literal(client) + ", " + quote_literal(message) + " FROM added";
}

std::string HistorySql::repair(const AppliedMigration &row, bool applied,
                               const std::string &client) const {
  const std::string change =
      applied ? "UPDATE " + history_sql() + " SET state = 'applied', progress = 0"
              : "DELETE FROM " + history_sql();
  const std::string message = std::string(applied ? "marked applied" : "marked not applied") +
                              " (was " +
                              (row.state == RowState::applying ? "applying" : "reverting") + ", " +
                              std::to_string(row.progress) + " statements done)";
  return "WITH changed AS (" + change + " WHERE version = " + version_literal(row.version) +
         " RETURNING version, name, checksum) INSERT INTO " + events_sql() +
         " (event, version, name, checksum, client, message) SELECT 'repair', version, name, "
         "checksum, " +
         quote_literal(client) + ", " + quote_literal(message) + " FROM changed";
}

std::string HistorySql::insert_event(const Event &event) const {
  return "INSERT INTO " + events_sql() +
         " (event, version, name, checksum, client, duration_ms, sqlstate, file, line, "
         "message) VALUES (" +
         quote_literal(event_name(event.kind)) + ", " + version_literal(event.version) + ", " +
         quote_literal(event.name) + ", " + nullable(event.checksum) + ", " +
         quote_literal(event.client) + ", " +
         (event.duration_ms ? std::to_string(*event.duration_ms) : std::string("NULL")) + ", " +
         nullable(event.sqlstate) + ", " + nullable(event.file) + ", " +
         (event.line > 0 ? std::to_string(event.line) : std::string("NULL")) + ", " +
         nullable(event.message) + ")";
}

} // namespace migrate
