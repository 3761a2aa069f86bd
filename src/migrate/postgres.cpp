#include "migrate/postgres.hpp"

#include "migrate/conninfo.hpp"
#include "migrate/error.hpp"

#include <climits>
#include <pqxx/pqxx>

namespace migrate {

namespace {

// First key of the two-key advisory lock: "migr" in ASCII.
constexpr int k_lock_namespace = 0x6d696772;

int lock_key(const std::string &qualified) {
  std::uint32_t hash = 2166136261u; // FNV-1a
  for (unsigned char c : qualified) {
    hash = (hash ^ c) * 16777619u;
  }
  return static_cast<int>(hash & 0x7fffffffu);
}

bool is_identifier(const std::string &part) {
  if (part.empty() || part.size() > 63) {
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

std::string first_line(const std::string &text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
    line.pop_back();
  }
  return line;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    n += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

// Splits a libpq error message into its fields, dropping the "LINE n:" echo
// of the query text (its numbers are relative to the batch we sent, not to
// the user's file).
void parse_server_message(const std::string &text, StepFailure &failure) {
  std::string *current = &failure.message;
  bool skip_caret = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string line = text.substr(start, end - start);
    start = end + 1;
    auto take = [&line](const char *prefix, std::string &field) {
      const std::string p(prefix);
      if (line.rfind(p, 0) != 0) {
        return false;
      }
      std::size_t at = p.size();
      while (at < line.size() && line[at] == ' ') {
        ++at;
      }
      field = line.substr(at);
      return true;
    };
    if (skip_caret) {
      skip_caret = false;
      continue;
    }
    if (line.rfind("LINE ", 0) == 0) {
      skip_caret = true;
      current = nullptr;
      continue;
    }
    std::string ignored;
    if (take("ERROR:", failure.message) || take("FATAL:", failure.message)) {
      current = &failure.message;
    } else if (take("DETAIL:", failure.detail)) {
      current = &failure.detail;
    } else if (take("HINT:", failure.hint)) {
      current = &failure.hint;
    } else if (take("CONTEXT:", ignored) || take("QUERY:", ignored)) {
      current = nullptr;
    } else if (current != nullptr && !line.empty()) {
      *current += (current->empty() ? "" : " ") + line;
    }
  }
}

// Drops the server's notices (e.g. "table does not exist, skipping"): they
// would interleave with the step lines.
class QuietNotices final : public pqxx::errorhandler {
public:
  explicit QuietNotices(pqxx::connection_base &conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char[]) noexcept override { return false; }
};

class PgDatabase final : public Database {
public:
  PgDatabase(std::unique_ptr<pqxx::connection> conn, HistoryTable history,
             std::vector<std::string> secrets, std::string description)
      : m_conn(std::move(conn)), m_notices(*m_conn), m_history(std::move(history)),
        m_secrets(std::move(secrets)), m_description(std::move(description)),
        m_lock_key(lock_key(m_history.qualified())) {
    m_table_sql = m_conn->quote_name(m_history.schema) + "." + m_conn->quote_name(m_history.table);
  }

  ~PgDatabase() override { unlock(); }

  std::string describe() const override { return m_description; }

  void check_writable() override {
    auto r = exec("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')",
                  "checking that the target accepts writes");
    if (r[0][0].as<bool>()) {
      throw ConnectionError(m_description + " is a read-only standby (pg_is_in_recovery)");
    }
    if (std::string(r[0][1].c_str()) == "on") {
      throw ConnectionError(m_description + " is read-only (default_transaction_read_only is on)");
    }
  }

  bool try_lock() override {
    auto r = exec("SELECT pg_try_advisory_lock(" + lock_args() + ")", "taking the migration lock");
    m_locked = r[0][0].as<bool>();
    return m_locked;
  }

  std::optional<LockHolder> lock_holder() override {
    auto r =
        exec("SELECT a.pid, coalesce(a.application_name, ''), "
             "coalesce(host(a.client_addr), 'local socket'), coalesce(a.state, ''), "
             "coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
             "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
             "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
             "AND l.classid = " +
                 std::to_string(k_lock_namespace) + " AND l.objid = " + std::to_string(m_lock_key) +
                 " AND l.database = (SELECT oid FROM pg_database "
                 "WHERE datname = current_database()) LIMIT 1",
             "looking up the lock holder");
    if (r.empty()) {
      return std::nullopt;
    }
    return LockHolder{r[0][0].as<int>(), r[0][1].c_str(), r[0][2].c_str(), r[0][3].c_str(),
                      r[0][4].c_str()};
  }

  void unlock() noexcept override {
    if (!m_locked) {
      return;
    }
    m_locked = false;
    try {
      pqxx::nontransaction tx{*m_conn};
      tx.exec("SELECT pg_advisory_unlock(" + lock_args() + ")");
    } catch (const std::exception &) {
      // The lock ends with the session anyway; the connection closes next.
    }
  }

  std::optional<std::vector<AppliedMigration>> read_history() override {
    try {
      pqxx::nontransaction tx{*m_conn};
      return to_rows(tx.exec(select_history_sql()));
    } catch (const pqxx::undefined_table &) {
      return std::nullopt;
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "reading the history table");
    } catch (const pqxx::sql_error &e) {
      throw Error(ExitCode::failure, "reading the history table " + m_history.qualified() + ": " +
                                         first_line(redacted(e.what())));
    }
  }

  void create_history() override {
    const std::string schema_sql = m_conn->quote_name(m_history.schema);
    // One round trip, and no NOTICE when the schema already exists.
    const std::string sql = "DO $migrate$ BEGIN "
                            "IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = " +
                            m_conn->quote(m_history.schema) + ") THEN CREATE SCHEMA " + schema_sql +
                            "; END IF; "
                            "CREATE TABLE IF NOT EXISTS " +
                            m_table_sql +
                            " ("
                            "version text PRIMARY KEY CHECK (version ~ '^[0-9]{14}$'), "
                            "name text NOT NULL, "
                            "checksum text NOT NULL, "
                            "down_checksum text, "
                            "applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
                            "execution_ms bigint NOT NULL DEFAULT 0, "
                            "applied_by text NOT NULL DEFAULT current_user, "
                            "id bigint GENERATED ALWAYS AS IDENTITY UNIQUE); "
                            "END $migrate$";
    exec(sql, "creating the history table " + m_history.qualified());
  }

  std::optional<StepFailure> apply(const StepRequest &step) override {
    std::vector<std::string> queries;
    queries.reserve(step.statements.size() + 3);
    if (step.own_transaction) {
      queries.emplace_back("BEGIN");
    }
    const std::size_t first_statement = queries.size();
    for (auto statement : step.statements) {
      queries.emplace_back(statement);
    }
    queries.push_back(history_row_sql(step));
    if (step.own_transaction) {
      queries.emplace_back("COMMIT");
    }
    try {
      auto failure = run_batch(queries, first_statement, step.statements.size());
      if (failure && step.own_transaction) {
        pqxx::nontransaction tx{*m_conn};
        tx.exec("ROLLBACK");
      }
      return failure;
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "applying " + format_version(step.version) + "_" + step.name);
    }
  }

  void begin() override { exec("BEGIN", "starting the transaction"); }

  std::optional<StepFailure> commit() override {
    try {
      pqxx::nontransaction tx{*m_conn};
      tx.exec("COMMIT");
      return std::nullopt;
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, "committing the transaction");
    } catch (const pqxx::sql_error &e) {
      StepFailure failure;
      failure.phase = FailurePhase::commit;
      failure.sqlstate = e.sqlstate();
      parse_server_message(redacted(e.what()), failure);
      return failure;
    }
  }

  void rollback() noexcept override {
    try {
      pqxx::nontransaction tx{*m_conn};
      tx.exec("ROLLBACK");
    } catch (const std::exception &) {
      // A lost connection rolls back by itself.
    }
  }

private:
  std::string lock_args() const {
    return std::to_string(k_lock_namespace) + ", " + std::to_string(m_lock_key);
  }

  std::string redacted(const std::string &text) const { return redact(text, m_secrets); }

  ConnectionError lost(const std::exception &e, const std::string &doing) const {
    return ConnectionError("lost the connection to " + m_description + " while " + doing + ": " +
                           first_line(redacted(e.what())));
  }

  pqxx::result exec(const std::string &sql, const std::string &doing) {
    try {
      pqxx::nontransaction tx{*m_conn};
      return tx.exec(sql);
    } catch (const pqxx::broken_connection &e) {
      throw lost(e, doing);
    } catch (const pqxx::sql_error &e) {
      if (e.sqlstate() == "25006") {
        throw ConnectionError(m_description + " is read-only: " + first_line(redacted(e.what())));
      }
      throw Error(ExitCode::failure, doing + ": " + first_line(redacted(e.what())));
    }
  }

  std::string select_history_sql() const {
    return "SELECT version, name, checksum, coalesce(down_checksum, ''), "
           "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
           "execution_ms, applied_by, id FROM " +
           m_table_sql + " ORDER BY id";
  }

  std::string history_row_sql(const StepRequest &step) const {
    const std::string version = m_conn->quote(format_version(step.version));
    if (step.direction == Direction::down) {
      return "DELETE FROM " + m_table_sql + " WHERE version = " + version;
    }
    const std::string down =
        step.down_checksum.empty() ? std::string("NULL") : m_conn->quote(step.down_checksum);
    return "INSERT INTO " + m_table_sql +
           " (version, name, checksum, down_checksum, execution_ms) VALUES (" + version + ", " +
           m_conn->quote(step.name) + ", " + m_conn->quote(step.checksum) + ", " + down +
           ", (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint)";
  }

  // Sends all queries in one round trip and finds which one failed, if any.
  std::optional<StepFailure> run_batch(const std::vector<std::string> &queries,
                                       std::size_t first_statement, std::size_t statement_count) {
    pqxx::nontransaction tx{*m_conn};
    pqxx::pipeline pipe{tx};
    pipe.retain(INT_MAX);
    std::vector<pqxx::pipeline::query_id> ids;
    ids.reserve(queries.size());
    for (const auto &query : queries) {
      ids.push_back(pipe.insert(query));
    }
    pipe.resume();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      try {
        pipe.retrieve(ids[i]);
      } catch (const pqxx::sql_error &e) {
        StepFailure failure;
        if (i >= first_statement + statement_count + 1) {
          failure.phase = FailurePhase::commit;
        } else if (i == first_statement + statement_count) {
          failure.phase = FailurePhase::history;
        } else if (i >= first_statement) {
          failure.statement = i - first_statement;
        }
        failure.sqlstate = e.sqlstate();
        parse_server_message(redacted(e.what()), failure);
        if (const auto *syntax = dynamic_cast<const pqxx::syntax_error *>(&e);
            syntax != nullptr && failure.statement != StepFailure::npos) {
          failure.position = position_in_query(queries, i, syntax->error_position);
        }
        pipe.flush();
        return failure;
      }
    }
    return std::nullopt;
  }

  // The pipeline sends "SELECT 1; q0; q1; ...": turn a position in that batch
  // into one inside query `index`, or 0 when it does not fall there.
  static std::size_t position_in_query(const std::vector<std::string> &queries, std::size_t index,
                                       int batch_position) {
    if (batch_position <= 0) {
      return 0;
    }
    std::size_t offset = 10; // "SELECT 1; "
    for (std::size_t i = 0; i < index; ++i) {
      offset += utf8_length(queries[i]) + 2;
    }
    const auto position = static_cast<std::size_t>(batch_position);
    if (position <= offset || position > offset + utf8_length(queries[index])) {
      return 0;
    }
    return position - offset;
  }

  static std::vector<AppliedMigration> to_rows(const pqxx::result &r) {
    std::vector<AppliedMigration> rows;
    rows.reserve(r.size());
    for (const auto &row : r) {
      AppliedMigration applied;
      applied.version = parse_version(row[0].c_str()).value_or(0);
      applied.name = row[1].c_str();
      applied.checksum = row[2].c_str();
      applied.down_checksum = row[3].c_str();
      applied.applied_at = row[4].c_str();
      applied.execution_ms = row[5].as<std::int64_t>();
      applied.applied_by = row[6].c_str();
      applied.sequence = row[7].as<std::int64_t>();
      rows.push_back(std::move(applied));
    }
    return rows;
  }

  std::unique_ptr<pqxx::connection> m_conn;
  QuietNotices m_notices;
  HistoryTable m_history;
  std::vector<std::string> m_secrets;
  std::string m_description;
  int m_lock_key;
  std::string m_table_sql;
  bool m_locked = false;
};

} // namespace

std::pair<int, int> migration_lock_keys(const HistoryTable &history) {
  return {k_lock_namespace, lock_key(history.qualified())};
}

HistoryTable parse_history_table(const std::string &text) {
  HistoryTable history;
  const std::size_t dot = text.find('.');
  if (dot == std::string::npos) {
    history.table = text;
  } else {
    history.schema = text.substr(0, dot);
    history.table = text.substr(dot + 1);
  }
  if (!is_identifier(history.schema) || !is_identifier(history.table)) {
    throw UsageError("history table '" + text +
                     "' must be table or schema.table, each a plain identifier");
  }
  return history;
}

std::unique_ptr<Database> connect_postgres(const std::string &conninfo, const HistoryTable &history,
                                           const std::vector<std::string> &secrets) {
  const std::string description = describe_conninfo(conninfo);
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // A silent reconnect would drop the session lock; fail instead.
    conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    std::string connected = std::string(conn->hostname() ? conn->hostname() : "") + ":" +
                            (conn->port() ? conn->port() : "") + "/" +
                            (conn->dbname() ? conn->dbname() : "");
    return std::make_unique<PgDatabase>(std::move(conn), history, secrets, connected);
  } catch (const pqxx::failure &e) {
    throw ConnectionError("cannot connect to " + description + ": " +
                          first_line(redact(e.what(), secrets)));
  } catch (const std::invalid_argument &e) {
    throw ConnectionError("cannot connect to " + description + ": " +
                          first_line(redact(e.what(), secrets)));
  }
}

} // namespace migrate
