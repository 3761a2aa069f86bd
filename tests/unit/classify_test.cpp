#include "migrate/classify.hpp"
#include "migrate/error.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace migrate;
using namespace std::chrono_literals;

CATCH_REGISTER_ENUM(migrate::StatementClass, migrate::StatementClass::ordinary,
                    migrate::StatementClass::transaction_control,
                    migrate::StatementClass::no_transaction)

namespace {

constexpr StatementClass k_ordinary = StatementClass::ordinary;
constexpr StatementClass k_control = StatementClass::transaction_control;
constexpr StatementClass k_no_tx = StatementClass::no_transaction;

struct ClassCase {
  std::string sql;
  StatementClass expected;
  std::string kind;
};

void check_classification(const ClassCase &c) {
  CAPTURE(c.sql);
  CHECK(classify_statement(c.sql) == c.expected);
  CHECK(statement_kind(c.sql) == c.kind);
}

} // namespace

TEST_CASE("classify_statement: statements that cannot run in a transaction", "[classify]") {
  check_classification(GENERATE(values<ClassCase>({
      {"CREATE INDEX CONCURRENTLY i ON t (x)", k_no_tx, "CREATE INDEX CONCURRENTLY"},
      {"create unique index concurrently i on t (x)", k_no_tx, "CREATE INDEX CONCURRENTLY"},
      {"Create Index Concurrently If Not Exists i On t (x)", k_no_tx, "CREATE INDEX CONCURRENTLY"},
      {"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x)", k_no_tx,
       "CREATE INDEX CONCURRENTLY"},
      {"CREATE INDEX concurrently ON t (x)", k_no_tx, "CREATE INDEX CONCURRENTLY"},
      {"CREATE\n  -- why\n  INDEX /* a /* nested */ b */ CONCURRENTLY\n  i ON t (x)", k_no_tx,
       "CREATE INDEX CONCURRENTLY"},
      {"-- lead\n/* lead */\n\tCREATE INDEX CONCURRENTLY i ON t(x)", k_no_tx,
       "CREATE INDEX CONCURRENTLY"},
      {"DROP INDEX CONCURRENTLY i", k_no_tx, "DROP INDEX CONCURRENTLY"},
      {"drop index concurrently if exists s.i", k_no_tx, "DROP INDEX CONCURRENTLY"},
      {"REINDEX INDEX CONCURRENTLY i", k_no_tx, "REINDEX CONCURRENTLY"},
      {"reindex table concurrently t", k_no_tx, "REINDEX CONCURRENTLY"},
      {"REINDEX (VERBOSE) TABLE CONCURRENTLY t", k_no_tx, "REINDEX CONCURRENTLY"},
      {"REINDEX (TABLESPACE \"a)b\", VERBOSE)\nINDEX -- c\n CONCURRENTLY i", k_no_tx,
       "REINDEX CONCURRENTLY"},
      {"REINDEX SCHEMA CONCURRENTLY s", k_no_tx, "REINDEX CONCURRENTLY"},
      {"REINDEX DATABASE CONCURRENTLY d", k_no_tx, "REINDEX CONCURRENTLY"},
      {"REINDEX (CONCURRENTLY) TABLE t", k_no_tx, "REINDEX CONCURRENTLY"},
      {"REINDEX (VERBOSE, concurrently true) TABLE t", k_no_tx, "REINDEX CONCURRENTLY"},
      {"REINDEX (CONCURRENTLY on) INDEX i", k_no_tx, "REINDEX CONCURRENTLY"},
      {"REINDEX SCHEMA public", k_no_tx, "REINDEX SCHEMA"},
      {"reindex (verbose) database d", k_no_tx, "REINDEX DATABASE"},
      {"REINDEX DATABASE", k_no_tx, "REINDEX DATABASE"},
      {"ReIndex System d", k_no_tx, "REINDEX SYSTEM"},
      {"VACUUM", k_no_tx, "VACUUM"},
      {"vacuum full t", k_no_tx, "VACUUM"},
      {"VacUum (ANALYZE, VERBOSE) t", k_no_tx, "VACUUM"},
      {"/* x */ VACUUM\n\tFREEZE ANALYZE", k_no_tx, "VACUUM"},
      {"ALTER SYSTEM SET work_mem = '64MB'", k_no_tx, "ALTER SYSTEM"},
      {"alter system reset all", k_no_tx, "ALTER SYSTEM"},
      {"CREATE DATABASE d", k_no_tx, "CREATE DATABASE"},
      {"create database \"D\" template template0", k_no_tx, "CREATE DATABASE"},
      {"DROP DATABASE d", k_no_tx, "DROP DATABASE"},
      {"DROP DATABASE IF EXISTS d WITH (FORCE)", k_no_tx, "DROP DATABASE"},
      {"CREATE TABLESPACE ts LOCATION '/srv/ts'", k_no_tx, "CREATE TABLESPACE"},
      {"drop tablespace if exists ts", k_no_tx, "DROP TABLESPACE"},
      {"ALTER DATABASE d SET TABLESPACE ts", k_no_tx, "ALTER DATABASE SET TABLESPACE"},
      {"alter database \"my db\" set tablespace ts", k_no_tx, "ALTER DATABASE SET TABLESPACE"},
      {"CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p", k_no_tx, "CREATE SUBSCRIPTION"},
      {"CREATE SUBSCRIPTION s CONNECTION '' PUBLICATION p WITH (create_slot = false)", k_no_tx,
       "CREATE SUBSCRIPTION"},
      {"DROP SUBSCRIPTION IF EXISTS s", k_no_tx, "DROP SUBSCRIPTION"},
      {"ALTER SUBSCRIPTION s REFRESH PUBLICATION", k_no_tx, "ALTER SUBSCRIPTION ... REFRESH"},
      {"alter subscription s refresh publication with (copy_data = false)", k_no_tx,
       "ALTER SUBSCRIPTION ... REFRESH"},
      {"ALTER SUBSCRIPTION s SET PUBLICATION p, q", k_no_tx, "ALTER SUBSCRIPTION with refresh"},
      {"ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = false)", k_no_tx,
       "ALTER SUBSCRIPTION with refresh"},
      {"ALTER SUBSCRIPTION s DROP PUBLICATION p WITH (refresh = true)", k_no_tx,
       "ALTER SUBSCRIPTION with refresh"},
      {"CLUSTER", k_no_tx, "CLUSTER"},
      {"cluster verbose -- every clustered table", k_no_tx, "CLUSTER"},
      {"DISCARD ALL", k_no_tx, "DISCARD ALL"},
      {"discard /* everything */ all", k_no_tx, "DISCARD ALL"},
      {"ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", k_no_tx,
       "ALTER TABLE ... DETACH CONCURRENTLY"},
      {"alter table if exists only s.p detach partition s.\"p 1\" concurrently", k_no_tx,
       "ALTER TABLE ... DETACH CONCURRENTLY"},
  })));
}

TEST_CASE("classify_statement: transaction control", "[classify]") {
  check_classification(GENERATE(values<ClassCase>({
      {"BEGIN", k_control, "BEGIN"},
      {"begin work", k_control, "BEGIN"},
      {"BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE", k_control, "BEGIN"},
      {"Begin Isolation Level Repeatable Read", k_control, "BEGIN"},
      {"/* x */ -- y\nBEGIN", k_control, "BEGIN"},
      {"START TRANSACTION", k_control, "START TRANSACTION"},
      {"start transaction read only", k_control, "START TRANSACTION"},
      {"COMMIT", k_control, "COMMIT"},
      {"commit work", k_control, "COMMIT"},
      {"COMMIT AND CHAIN", k_control, "COMMIT"},
      {"END", k_control, "END"},
      {"END TRANSACTION", k_control, "END"},
      {"ROLLBACK", k_control, "ROLLBACK"},
      {"rollback work", k_control, "ROLLBACK"},
      {"ROLLBACK AND NO CHAIN", k_control, "ROLLBACK"},
      {"ABORT", k_control, "ABORT"},
      {"abort transaction", k_control, "ABORT"},
      {"PREPARE TRANSACTION 'g1'", k_control, "PREPARE TRANSACTION"},
      {"COMMIT PREPARED 'g1'", k_control, "COMMIT PREPARED"},
      {"rollback prepared 'g1'", k_control, "ROLLBACK PREPARED"},
  })));
}

TEST_CASE("classify_statement: statements that stay ordinary", "[classify]") {
  check_classification(GENERATE(values<ClassCase>({
      {"", k_ordinary, ""},
      {"-- only a comment", k_ordinary, ""},
      {"SELECT 1", k_ordinary, ""},
      {"REFRESH MATERIALIZED VIEW CONCURRENTLY mv", k_ordinary, ""},
      {"CREATE INDEX i ON t (x)", k_ordinary, ""},
      {"CREATE UNIQUE INDEX IF NOT EXISTS i ON t (x)", k_ordinary, ""},
      {"CREATE INDEX concurrently_idx ON t (x)", k_ordinary, ""},
      {"CREATE INDEX \"concurrently\" ON t (x)", k_ordinary, ""},
      {"CREATE TABLE concurrently (x int)", k_ordinary, ""},
      {"DROP INDEX i", k_ordinary, ""},
      {"DROP INDEX IF EXISTS concurrently_idx", k_ordinary, ""},
      {"REINDEX TABLE t", k_ordinary, ""},
      {"REINDEX INDEX i", k_ordinary, ""},
      {"REINDEX (VERBOSE) TABLE t", k_ordinary, ""},
      {"REINDEX (VERBOSE, CONCURRENTLY false) TABLE t", k_ordinary, ""},
      {"REINDEX (CONCURRENTLY off) INDEX i", k_ordinary, ""},
      {"REINDEX (CONCURRENTLY 0) INDEX i", k_ordinary, ""},
      {"REINDEX (CONCURRENTLY 'false') TABLE t", k_ordinary, ""},
      {"ALTER DATABASE d SET work_mem = '64MB'", k_ordinary, ""},
      {"ALTER DATABASE d SET tablespace TO 'x'", k_ordinary, ""},
      {"ALTER DATABASE d RESET ALL", k_ordinary, ""},
      {"SELECT 'VACUUM'", k_ordinary, ""},
      {"SELECT 'CREATE INDEX CONCURRENTLY'", k_ordinary, ""},
      {"\"vacuum\"", k_ordinary, ""},
      {"vacuum_all()", k_ordinary, ""},
      {"vacuum$1", k_ordinary, ""},
      {"CALL vacuum()", k_ordinary, ""},
      {"ANALYZE t", k_ordinary, ""},
      {"COMMENT ON INDEX i IS 'created with CREATE INDEX CONCURRENTLY'", k_ordinary, ""},
      {"CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\nEND", k_ordinary,
       ""},
      {"DO $$ BEGIN COMMIT; END $$", k_ordinary, ""},
      {"SAVEPOINT x", k_ordinary, ""},
      {"RELEASE SAVEPOINT x", k_ordinary, ""},
      {"ROLLBACK TO SAVEPOINT x", k_ordinary, ""},
      {"ROLLBACK TO x", k_ordinary, ""},
      {"rollback work to savepoint x", k_ordinary, ""},
      {"ROLLBACK TRANSACTION TO x", k_ordinary, ""},
      {"PREPARE transaction AS SELECT 1", k_ordinary, ""},
      {"PREPARE q (int) AS SELECT $1", k_ordinary, ""},
      {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", k_ordinary, ""},
      {"CLUSTER t", k_ordinary, ""},
      {"CLUSTER VERBOSE t USING i", k_ordinary, ""},
      {"DISCARD PLANS", k_ordinary, ""},
      {"ALTER TABLE p DETACH PARTITION p1", k_ordinary, ""},
      {"ALTER TABLE p DETACH PARTITION p1 FINALIZE", k_ordinary, ""},
      {"ALTER TABLE t ADD COLUMN concurrently_done bool", k_ordinary, ""},
      {"ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)", k_ordinary, ""},
      {"ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = true, refresh = off)", k_ordinary,
       ""},
      {"ALTER SUBSCRIPTION s ENABLE", k_ordinary, ""},
      {"CREATE PUBLICATION p FOR ALL TABLES", k_ordinary, ""},
      {"WITH v AS (SELECT 1) SELECT * FROM v", k_ordinary, ""},
  })));
}

TEST_CASE("classify_statement survives unterminated and deeply nested input", "[classify]") {
  const std::string nested = "REINDEX " + std::string(100000, '(') + " TABLE CONCURRENTLY t";
  const std::vector<std::string> inputs = {
      nested,        "REINDEX (VERBOSE", "VACUUM /*",     "DROP DATABASE \"d",
      "SELECT E'\\", "SELECT $a$ x",     "CREATE INDEX $"};
  for (const std::string &sql : inputs) {
    CAPTURE(sql.substr(0, 40));
    CHECK_NOTHROW(classify_statement(sql));
  }
  CHECK(classify_statement(nested) == k_ordinary);
  CHECK(classify_statement("DROP DATABASE \"d") == k_no_tx);
}

namespace {

std::string read_template() {
  std::ifstream in(MIGRATE_SOURCE_DIR "/templates/up.sql", std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool is_default(const Directives &d) {
  return !d.no_transaction && !d.lock_timeout && !d.statement_timeout;
}

void require_tree_error(const std::string &sql, const std::string &message) {
  CAPTURE(sql);
  REQUIRE_THROWS_AS(parse_directives(sql, "m/up.sql"), TreeError);
  REQUIRE_THROWS_WITH(parse_directives(sql, "m/up.sql"), message);
}

} // namespace

TEST_CASE("parse_directives without directives", "[classify]") {
  const std::string sql = GENERATE(values<std::string>({
      "",
      "\n\n",
      "-- just a comment\n/* and a block */\n",
      "CREATE TABLE t (x int);\n",
      "-- see \"-- migrate:no-transaction\" below\nVACUUM;",
      "--migrate:no-transaction\nSELECT 1;",
      "/*\n-- migrate:no-transaction\n*/\nSELECT 1;",
      "/* /* nested */\n-- migrate:no-transaction\n*/ SELECT 1;",
      "/* x */ -- migrate:no-transaction\nSELECT 1;",
      "SELECT 1; -- migrate:no-transaction\n",
      "SELECT '\n-- migrate:no-transaction\n';",
      "SELECT 1;\nCREATE FUNCTION f() RETURNS int AS $$\n-- migrate:no-transaction\n"
      "SELECT 1 $$ LANGUAGE sql;",
      "SELECT $1, 'x\n-- migrate:bogus\n';",
      "SELECT 1;\nSELECT 'never closed\n-- migrate:no-transaction\n",
  }));
  CAPTURE(sql);
  CHECK(is_default(parse_directives(sql, "m/up.sql")));
}

TEST_CASE("parse_directives: the up.sql template has none", "[classify]") {
  CHECK(is_default(parse_directives(read_template(), "templates/up.sql")));
}

TEST_CASE("parse_directives reads no-transaction", "[classify]") {
  const std::string sql = GENERATE(values<std::string>({
      "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n",
      "  \t-- migrate:no-transaction\nVACUUM;",
      "\xEF\xBB\xBF-- migrate:no-transaction\nVACUUM;",
      "-- migrate:no-transaction\r\nVACUUM;\r\n",
      "-- migrate:no-transaction   \nVACUUM;",
      "-- migrate: no-transaction\nVACUUM;",
      "-- Adds an index.\n\n/* block\n   comment */\n-- migrate:no-transaction\n-- more\nVACUUM;",
      ";\n-- migrate:no-transaction\nVACUUM;",
      "-- migrate:no-transaction\n",
      "-- migrate:no-transaction",
  }));
  CAPTURE(sql);
  const Directives d = parse_directives(sql, "m/up.sql");
  CHECK(d.no_transaction);
  CHECK(!d.lock_timeout);
  CHECK(!d.statement_timeout);
}

TEST_CASE("parse_directives reads timeouts in every unit", "[classify]") {
  using Case = std::pair<std::string, std::chrono::milliseconds>;
  const Case c = GENERATE(values<Case>({{"500ms", 500ms},
                                        {"5s", 5000ms},
                                        {"10min", 600000ms},
                                        {"2m", 120000ms},
                                        {"1h", 3600000ms},
                                        {"0", 0ms},
                                        {"0s", 0ms}}));
  const std::string form = GENERATE(as<std::string>{}, "_timeout ", "_timeout=", "-timeout = ");
  const std::string sql = "-- migrate:lock" + form + c.first + "\n-- migrate:statement" + form +
                          c.first + "\nSELECT 1;";
  CAPTURE(sql);
  const Directives d = parse_directives(sql, "m/up.sql");
  CHECK(!d.no_transaction);
  CHECK(d.lock_timeout == c.second);
  CHECK(d.statement_timeout == c.second);
}

TEST_CASE("parse_directives reads all directives together", "[classify]") {
  const Directives d = parse_directives("\xEF\xBB\xBF-- Adds an index.\r\n"
                                        "-- migrate:no-transaction\r\n"
                                        "-- migrate:lock_timeout=5s\r\n"
                                        "\t-- migrate:statement-timeout 10min\r\n"
                                        "\r\n"
                                        "CREATE INDEX CONCURRENTLY i ON t (x);\r\n",
                                        "m/up.sql");
  CHECK(d.no_transaction);
  CHECK(d.lock_timeout == 5s);
  CHECK(d.statement_timeout == 10min);
}

TEST_CASE("parse_directives refuses directives after the first statement", "[classify]") {
  const std::string message = "m/up.sql:3: directives must come before the first statement";
  require_tree_error("-- head\nSELECT 1;\n-- migrate:no-transaction\n", message);
  require_tree_error("-- head\nSELECT 1;\r\n  -- migrate:lock_timeout 5s\r\nSELECT 2;", message);
  require_tree_error("\xEF\xBB\xBF\nSELECT 1\n-- migrate:no-transaction\n, 2;", message);
  require_tree_error("SELECT 1;\n/* x */\n-- migrate:bogus\n", message);
}

TEST_CASE("parse_directives refuses unknown directives and bad values", "[classify]") {
  const std::string known = " (known: no-transaction, lock_timeout, statement_timeout)";
  require_tree_error("-- x\n-- migrate:no_transaction\nSELECT 1;",
                     "m/up.sql:2: unknown directive 'no_transaction'" + known);
  require_tree_error("-- migrate:No-Transaction\n",
                     "m/up.sql:1: unknown directive 'No-Transaction'" + known);
  require_tree_error("\xEF\xBB\xBF-- x\r\n\r\n-- migrate:\r\n",
                     "m/up.sql:3: unknown directive ''" + known);
  require_tree_error("-- migrate:no-transaction please\n",
                     "m/up.sql:1: directive no-transaction takes no value");
  require_tree_error("-- migrate:no-transaction\n-- migrate:no-transaction\n",
                     "m/up.sql:2: directive no-transaction is given twice");
  require_tree_error("-- migrate:lock_timeout 1s\n-- migrate:lock-timeout 2s\n",
                     "m/up.sql:2: directive lock_timeout is given twice");
  require_tree_error("-- migrate:lock_timeout\n",
                     "m/up.sql:1: directive lock_timeout needs a value, e.g. 5s");
  require_tree_error("-- migrate:statement_timeout =\n",
                     "m/up.sql:1: directive statement_timeout needs a value, e.g. 5s");
  for (const std::string bad :
       {"10", "5 s", "-1s", "1.5s", "5sec", "1S", "ms", "99999999999999s"}) {
    require_tree_error("-- migrate:statement_timeout " + bad + "\n",
                       "m/up.sql:1: '" + bad +
                           "' is not a duration (use e.g. 500ms, 5s, 10min, 2m, 1h or 0)");
  }
}

TEST_CASE("drops_prepared_statements finds DEALLOCATE and DISCARD ALL", "[classify]") {
  CHECK(drops_prepared_statements("DEALLOCATE ALL"));
  CHECK(drops_prepared_statements("deallocate prepare mine"));
  CHECK(drops_prepared_statements("/* tidy up */ DEALLOCATE mine"));
  CHECK(drops_prepared_statements("-- note\ndiscard all"));
  CHECK_FALSE(drops_prepared_statements("DISCARD PLANS"));
  CHECK_FALSE(drops_prepared_statements("DISCARD TEMP"));
  CHECK_FALSE(drops_prepared_statements("SELECT 'DEALLOCATE ALL'"));
  CHECK_FALSE(drops_prepared_statements("CREATE TABLE deallocate (id int)"));
  CHECK_FALSE(drops_prepared_statements("PREPARE mine AS SELECT 1"));
}

TEST_CASE("may_change_session finds what can outlive a step's transaction", "[classify]") {
  CHECK(may_change_session("SET search_path = app, public"));
  CHECK(may_change_session("-- for the rest\nset role owner"));
  CHECK(may_change_session("SET SESSION AUTHORIZATION admin"));
  CHECK(may_change_session("SET SESSION search_path TO app"));
  CHECK(may_change_session("RESET search_path"));
  CHECK(may_change_session("DO $$ BEGIN EXECUTE 'SET ROLE owner'; END $$"));
  CHECK(may_change_session("CALL set_things_up()"));
  CHECK(may_change_session("SELECT pg_catalog.SET_CONFIG('search_path', 'app', false)"));
  CHECK_FALSE(may_change_session("SET LOCAL search_path = app"));
  CHECK_FALSE(may_change_session("SET LOCAL ROLE owner"));
  CHECK_FALSE(may_change_session("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"));
  CHECK_FALSE(may_change_session("SET CONSTRAINTS ALL DEFERRED"));
  CHECK_FALSE(may_change_session("UPDATE accounts SET plan = 'free'"));
  CHECK_FALSE(may_change_session("ALTER TABLE accounts ALTER COLUMN plan SET DEFAULT 'free'"));
  CHECK_FALSE(may_change_session("CREATE TABLE settings (id int)"));
}

TEST_CASE("session_lock_release finds DISCARD ALL and pg_advisory_unlock_all", "[classify]") {
  CHECK(session_lock_release("DISCARD ALL") == "DISCARD ALL");
  CHECK(session_lock_release("-- note\ndiscard /* all of it */ all") == "DISCARD ALL");
  CHECK(session_lock_release("SELECT pg_advisory_unlock_all()") == "pg_advisory_unlock_all()");
  CHECK(session_lock_release("DO $$ BEGIN PERFORM PG_ADVISORY_UNLOCK_ALL(); END $$") ==
        "pg_advisory_unlock_all()");
  CHECK(session_lock_release("DISCARD PLANS").empty());
  CHECK(session_lock_release("DEALLOCATE ALL").empty());
  CHECK(session_lock_release("SELECT 'DISCARD ALL'").empty());
  CHECK(session_lock_release("SELECT pg_advisory_unlock(1, 2)").empty());
}

TEST_CASE("a directive's duration over PostgreSQL's limit is refused", "[classify]") {
  require_tree_error("-- migrate:statement_timeout 1000h\nSELECT 1;\n",
                     "m/up.sql:1: '1000h' is too long (at most 2147483647ms, about 596h: "
                     "PostgreSQL's limit)");
}
