// Transaction control: COMMIT/BEGIN refused, statements that cannot run in a
// transaction need `-- migrate:no-transaction`, and a no-transaction
// migration that stops half-way is resumed or repaired.

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

const char *k_marker = "-- migrate:no-transaction\n";

void write_table_t(const std::filesystem::path &dir) {
  write_migration(dir, "20240101000000_t", "CREATE TABLE t (x int);\n", "DROP TABLE t;\n");
}

std::string index_valid(TempDb &db, const std::string &name) {
  return db.scalar("SELECT coalesce((SELECT indisvalid::text FROM pg_index WHERE indexrelid = "
                   "to_regclass('" +
                   name + "')), 'absent')");
}

std::string history(TempDb &db) {
  return db.scalar("SELECT coalesce(string_agg(version || ':' || state || ':' || progress, ',' "
                   "ORDER BY version), '') FROM migration_history");
}

} // namespace

TEST_CASE("COMMIT or BEGIN inside a migration is refused before anything runs") {
  TempDb db;
  TempDir dir;
  write_table_t(dir.path());
  std::string statement;
  SECTION("COMMIT") {
    statement = "COMMIT;";
  }
  SECTION("BEGIN") {
    statement = "BEGIN;";
  }
  SECTION("START TRANSACTION") {
    statement = "start transaction;";
  }
  SECTION("ROLLBACK") {
    statement = "ROLLBACK;";
  }
  write_migration(dir.path(), "20240102000000_commits",
                  "CREATE TABLE early (id int);\n"  // 1
                  "INSERT INTO early VALUES (1);\n" // 2
                  "  " +
                      statement + "\n" +               // 3
                      "CREATE TABLE late (id int);\n", // 4
                  std::nullopt);
  auto result = run_migrate(db, dir.path(), {"up"});
  CHECK(result.code == 3);
  CHECK_THAT(result.err,
             Contains((dir.path() / "20240102000000_commits" / "up.sql").string() + ":3: "));
  CHECK_THAT(result.err, Contains("is not allowed in a migration"));
  CHECK_FALSE(db.table_exists("t"));
  CHECK_FALSE(db.table_exists("early"));
  CHECK_FALSE(db.table_exists("late"));
  CHECK_FALSE(db.table_exists("public.migration_history"));
  // Marking the file does not make it acceptable either.
  write_migration(dir.path(), "20240102000000_commits",
                  std::string(k_marker) + "CREATE TABLE early (id int);\n" + statement + "\n",
                  std::nullopt);
  auto marked = run_migrate(db, dir.path(), {"up"});
  CHECK(marked.code == 3);
  CHECK_THAT(marked.err, Contains("20240102000000_commits/up.sql:3: "));
  CHECK_FALSE(db.table_exists("t"));
}

TEST_CASE("CREATE INDEX CONCURRENTLY and VACUUM need -- migrate:no-transaction") {
  TempDb db;
  TempDir dir;
  write_table_t(dir.path());
  write_migration(dir.path(), "20240102000000_index",
                  "-- the index\n"
                  "CREATE INDEX CONCURRENTLY t_x_idx ON t (x);\n",
                  std::nullopt);
  const std::string up_sql = (dir.path() / "20240102000000_index" / "up.sql").string();

  auto refused = run_migrate(db, dir.path(), {"up"});
  CHECK(refused.code == 3);
  CHECK_THAT(refused.err, Contains(up_sql + ":2: CREATE INDEX CONCURRENTLY cannot run inside a "
                                            "transaction"));
  CHECK_THAT(refused.err, Contains("`-- migrate:no-transaction`"));
  CHECK_FALSE(db.table_exists("t"));
  CHECK_FALSE(db.table_exists("public.migration_history"));

  write_migration(dir.path(), "20240102000000_index",
                  std::string(k_marker) + "CREATE INDEX CONCURRENTLY t_x_idx ON t (x);\n",
                  "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY t_x_idx;\n");
  write_migration(dir.path(), "20240103000000_vacuum",
                  std::string(k_marker) + "VACUUM (ANALYZE) t;\n", "SELECT 1;\n");
  auto up = run_migrate(db, dir.path(), {"up"});
  REQUIRE(up.code == 0);
  CHECK_THAT(up.out, Contains("applied 3 migrations"));
  CHECK(index_valid(db, "t_x_idx") == "true");
  CHECK(history(db) == "20240101000000:applied:0,20240102000000:applied:0,"
                       "20240103000000:applied:0");
  CHECK(db.scalar("SELECT string_agg(event || ':' || version, ',' ORDER BY id) FROM "
                  "migration_history_events") ==
        "apply:20240101000000,apply:20240102000000,apply:20240103000000");
  // The checksum of a no-transaction migration is recorded like any other.
  CHECK(db.scalar("SELECT checksum FROM migration_history WHERE version = '20240102000000'") ==
        sql_sha256(db, std::string(k_marker) + "CREATE INDEX CONCURRENTLY t_x_idx ON t (x);\n"));

  auto down = run_migrate(db, dir.path(), {"down", "--count", "2"});
  REQUIRE(down.code == 0);
  CHECK(index_valid(db, "t_x_idx") == "absent");
  CHECK(history(db) == "20240101000000:applied:0");
}

TEST_CASE("a no-transaction migration that fails on its first statement leaves nothing") {
  TempDb db;
  TempDir dir;
  write_table_t(dir.path());
  write_migration(dir.path(), "20240102000000_first_fails",
                  std::string(k_marker) + "CREATE INDEX CONCURRENTLY c_idx ON nosuch (x);\n" +
                      "CREATE INDEX CONCURRENTLY d_idx ON t (x);\n",
                  std::nullopt);
  auto result = run_migrate(db, dir.path(), {"up"});
  CHECK(result.code == 7);
  CHECK_THAT(result.err, Contains("20240102000000_first_fails/up.sql:2: "));
  CHECK_THAT(result.err, Contains("42P01"));
  CHECK(history(db) == "20240101000000:applied:0");
  CHECK(index_valid(db, "d_idx") == "absent");
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'fail' AND "
                  "version = '20240102000000' AND sqlstate = '42P01' AND line = 2") == "1");
  // Nothing is left to settle: the next run tries it again from the start.
  auto again = run_migrate(db, dir.path(), {"up"});
  CHECK(again.code == 7);
  CHECK(again.err.find("half-way") == std::string::npos);
}

TEST_CASE("a no-transaction migration that stops half-way is reported, then resumed or "
          "repaired") {
  TempDb db;
  TempDir dir;
  write_table_t(dir.path());
  write_migration(dir.path(), "20240102000000_indexes",
                  std::string(k_marker) +                                // 1
                      "CREATE INDEX CONCURRENTLY a_idx ON t (x);\n"      // 2
                      "\n"                                               // 3
                      "CREATE INDEX CONCURRENTLY b_idx ON nosuch (x);\n" // 4
                      "CREATE INDEX CONCURRENTLY c_idx ON t (x);\n",     // 5
                  "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY c_idx;\n"
                  "DROP INDEX CONCURRENTLY b_idx;\nDROP INDEX CONCURRENTLY a_idx;\n");
  write_migration(dir.path(), "20240103000000_later", "CREATE TABLE later (id int);\n",
                  "DROP TABLE later;\n");
  const std::string up_sql = (dir.path() / "20240102000000_indexes" / "up.sql").string();

  auto first = run_migrate(db, dir.path(), {"up"});
  CHECK(first.code == 8);
  CHECK_THAT(first.err, Contains(up_sql + ":4: "));
  CHECK_THAT(first.err, Contains("42P01"));
  CHECK_THAT(first.err, Contains("has no transaction: the statements before this one stay "
                                 "committed"));
  CHECK(history(db) == "20240101000000:applied:0,20240102000000:applying:1");
  CHECK(index_valid(db, "a_idx") == "true");
  CHECK_FALSE(db.table_exists("later"));

  for (const char *command : {"up", "down", "redo"}) {
    auto blocked = run_migrate(db, dir.path(), {command});
    INFO(command << ": " << blocked.all());
    CHECK(blocked.code == 8);
    CHECK_THAT(blocked.err, Contains("20240102000000_indexes stopped half-way while applying: 1 "
                                     "statement(s) committed; it stopped at " +
                                     up_sql + ":4"));
    CHECK_THAT(blocked.err, Contains("migrate repair 20240102000000"));
  }
  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Contains("20240102000000  indexes  partial"));
  CHECK_THAT(status.out, Contains("1 applied, 1 pending, 1 partial (stopped half-way"));
  auto status_json = run_migrate(db, dir.path(), {"status", "--json"});
  CHECK_THAT(status_json.out, Contains("{\"version\":\"20240102000000\",\"name\":\"indexes\","
                                       "\"state\":\"partial\""));
  // accept and a dry run refuse it too.
  CHECK(run_migrate(db, dir.path(), {"accept", "20240102000000"}).code == 2);
  CHECK(run_migrate(db, dir.path(), {"plan"}).code == 8);
  CHECK(history(db) == "20240101000000:applied:0,20240102000000:applying:1");

  SECTION("repair --not-applied forgets it") {
    CHECK(run_migrate(db, dir.path(), {"repair", "20240102000000"}).code == 2);
    auto repair = run_migrate(db, dir.path(), {"repair", "20240102000000", "--not-applied"});
    REQUIRE(repair.code == 0);
    CHECK_THAT(repair.out, Contains("20240102000000_indexes: marked not applied"));
    CHECK(history(db) == "20240101000000:applied:0");
    CHECK(db.scalar("SELECT message FROM migration_history_events WHERE event = 'repair'") ==
          "marked not applied (was applying, 1 statements done)");
    // A second repair has nothing to settle.
    CHECK(run_migrate(db, dir.path(), {"repair", "20240102000000", "--not-applied"}).code == 2);
    // The operator cleans up and fixes the file; then it runs from the start.
    db.query("DROP INDEX a_idx; CREATE TABLE nosuch (x int)");
    auto up = run_migrate(db, dir.path(), {"up"});
    CHECK(up.code == 0);
    CHECK(history(db) == "20240101000000:applied:0,20240102000000:applied:0,"
                         "20240103000000:applied:0");
  }
  SECTION("repair --applied records it as applied") {
    auto repair = run_migrate(db, dir.path(), {"repair", "20240102000000", "--applied"});
    REQUIRE(repair.code == 0);
    CHECK(history(db) == "20240101000000:applied:0,20240102000000:applied:0");
    auto up = run_migrate(db, dir.path(), {"up"});
    CHECK(up.code == 0);
    CHECK(db.table_exists("later"));
  }
  SECTION("up --resume finishes it from the failed statement") {
    db.query("CREATE TABLE nosuch (x int)");
    auto dry = run_migrate(db, dir.path(), {"up", "--dry-run", "--resume"});
    CHECK(dry.code == 0);
    CHECK_THAT(dry.out, Contains("--   resuming: the first 1 statement(s) already committed"));
    CHECK_THAT(dry.out, Contains("-- line 4\nCREATE INDEX CONCURRENTLY b_idx ON nosuch (x);"));
    CHECK(dry.out.find("-- line 2\n") == std::string::npos);
    auto resumed = run_migrate(db, dir.path(), {"up", "--resume"});
    INFO(resumed.all());
    REQUIRE(resumed.code == 0);
    CHECK_THAT(resumed.out, Contains("20240103000000_later"));
    CHECK(history(db) == "20240101000000:applied:0,20240102000000:applied:0,"
                         "20240103000000:applied:0");
    CHECK(index_valid(db, "a_idx") == "true");
    CHECK(index_valid(db, "b_idx") == "true");
    CHECK(index_valid(db, "c_idx") == "true");
    // a_idx was not built a second time: still one index of that definition.
    CHECK(db.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 't'") == "2");
    CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'apply' AND "
                    "version = '20240102000000'") == "1");
    // And down goes through the whole no-transaction down.sql.
    auto down = run_migrate(db, dir.path(), {"down", "--to", "20240101000000"});
    CHECK(down.code == 0);
    CHECK(index_valid(db, "a_idx") == "absent");
    CHECK(index_valid(db, "b_idx") == "absent");
    CHECK(history(db) == "20240101000000:applied:0");
  }
  SECTION("down --resume is refused for a migration stopped while applying") {
    auto refused = run_migrate(db, dir.path(), {"down", "--resume"});
    CHECK(refused.code == 2);
    CHECK_THAT(refused.err, Contains("migrate up --resume"));
    CHECK(history(db) == "20240101000000:applied:0,20240102000000:applying:1");
  }
}

TEST_CASE("a no-transaction down.sql that stops half-way is resumed with down --resume") {
  TempDb db;
  TempDir dir;
  write_table_t(dir.path());
  write_migration(dir.path(), "20240101000001_nt",
                  std::string(k_marker) + "CREATE TABLE a (x int);\nCREATE TABLE b (x int);\n",
                  std::string(k_marker) +    // 1
                      "DROP TABLE b;\n"      // 2
                      "DROP TABLE nosuch;\n" // 3
                      "DROP TABLE a;\n");    // 4
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  auto down = run_migrate(db, dir.path(), {"down"});
  CHECK(down.code == 8);
  CHECK_THAT(down.err, Contains("20240101000001_nt/down.sql:3: "));
  CHECK(history(db) == "20240101000000:applied:0,20240101000001:reverting:1");
  CHECK_FALSE(db.table_exists("b"));
  CHECK(db.table_exists("a"));

  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 8);
  CHECK_THAT(up.err, Contains("20240101000001_nt stopped half-way while reverting: 1 "
                              "statement(s) committed; it stopped at " +
                              (dir.path() / "20240101000001_nt" / "down.sql").string() + ":3"));
  CHECK_THAT(up.err, Contains("migrate down --resume"));
  CHECK(run_migrate(db, dir.path(), {"up", "--resume"}).code == 2);

  db.query("CREATE TABLE nosuch (x int)");
  auto resumed = run_migrate(db, dir.path(), {"down", "--resume"});
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  CHECK_THAT(resumed.out, Contains("[1/1] down 20240101000001_nt"));
  CHECK_THAT(resumed.out, Contains("reverted 1 migration"));
  // Only the resumed migration was reverted, not the one before it too.
  CHECK(history(db) == "20240101000000:applied:0");
  CHECK(db.table_exists("t"));
  CHECK_FALSE(db.table_exists("a"));
  CHECK_FALSE(db.table_exists("nosuch"));
  CHECK(db.scalar("SELECT string_agg(event, ',' ORDER BY id) FROM migration_history_events") ==
        "apply,apply,fail,revert");
}

TEST_CASE("single-transaction mode refuses a no-transaction migration before anything runs") {
  TempDb db;
  TempDir dir;
  write_table_t(dir.path());
  write_migration(dir.path(), "20240102000000_index",
                  std::string(k_marker) + "CREATE INDEX CONCURRENTLY t_x_idx ON t (x);\n",
                  std::nullopt);
  auto result = run_migrate(db, dir.path(), {"up", "--single-transaction"});
  CHECK(result.code == 3);
  CHECK_THAT(result.err, Contains("20240102000000_index/up.sql: marked -- "
                                  "migrate:no-transaction, so it cannot run inside "
                                  "--single-transaction"));
  CHECK_FALSE(db.table_exists("t"));
  CHECK_FALSE(db.table_exists("public.migration_history"));
}

TEST_CASE("a migration stopped half-way is not resumed inside --single-transaction") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_nt",
                  std::string(k_marker) +            // 1
                      "CREATE TABLE n1 (id int);\n"  // 2
                      "CREATE TABLE n2 (id int);\n", // 3
                  std::nullopt);
  write_migration(dir.path(), "20240102000000_b", "CREATE TABLE b (id int);\n", std::nullopt);
  db.query("CREATE TABLE n2 (id int)");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 8);
  db.query("DROP TABLE n2");
  REQUIRE(history(db) == "20240101000000:applying:1");

  auto refused = run_migrate(db, dir.path(), {"up", "--resume", "--single-transaction"});
  CHECK(refused.code == 3);
  CHECK_THAT(refused.err, Contains("20240101000000_nt/up.sql: stopped half-way "
                                   "(-- migrate:no-transaction), so it cannot be resumed inside "
                                   "--single-transaction"));
  CHECK(history(db) == "20240101000000:applying:1");
  CHECK_FALSE(db.table_exists("n2"));
  CHECK_FALSE(db.table_exists("b"));

  REQUIRE(run_migrate(db, dir.path(), {"up", "--resume"}).code == 0);
  CHECK(history(db) == "20240101000000:applied:0,20240102000000:applied:0");
}

TEST_CASE("a revert resumes the down.sql it started with, and refuses one edited since") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_nt",
                  std::string(k_marker) + "CREATE TABLE n1 (id int);\nCREATE TABLE n2 (id int);\n",
                  std::string(k_marker) + "DROP TABLE n2;\nDROP TABLE n1;\n");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  // Edited before the revert: a warning, and the revert stops at line 3.
  const auto down_sql = dir.path() / "20240101000000_nt" / "down.sql";
  write_file(down_sql, std::string(k_marker) + "DROP TABLE n2;\nDROP VIEW v1;\nDROP TABLE n1;\n");
  auto down = run_migrate(db, dir.path(), {"down"});
  REQUIRE(down.code == 8);
  CHECK_THAT(down.err, Contains("down.sql:3: "));
  CHECK(history(db) == "20240101000000:reverting:1");
  db.query("CREATE VIEW v1 AS SELECT 1");

  SECTION("unchanged since the revert started: resumed") {
    auto resumed = run_migrate(db, dir.path(), {"down", "--resume"});
    INFO(resumed.all());
    CHECK(resumed.code == 0);
    CHECK(history(db).empty());
    CHECK_FALSE(db.table_exists("n1"));
  }
  SECTION("edited since the revert started: refused") {
    write_file(down_sql,
               std::string(k_marker) + "DROP TABLE n2;\nDROP VIEW v1;\n\nDROP TABLE n1;\n");
    auto refused = run_migrate(db, dir.path(), {"down", "--resume"});
    CHECK(refused.code == 4);
    CHECK_THAT(refused.err, Contains(down_sql.string() + " changed since 20240101000000_nt "
                                                         "started; cannot resume it safely "
                                                         "(recorded sha256 "));
    CHECK_THAT(refused.err, Contains(", now " + sql_sha256(db, std::string(k_marker) +
                                                                   "DROP TABLE n2;\nDROP VIEW v1;"
                                                                   "\n\nDROP TABLE n1;\n")));
    CHECK(history(db) == "20240101000000:reverting:1");
    CHECK(db.table_exists("n1"));
  }
}

TEST_CASE("a no-transaction revert that fails on its first statement keeps the recorded down.sql") {
  // The revert records the down.sql it runs when it starts; abandoning it puts back the one
  // recorded at apply, so the next revert still says that down.sql changed since then.
  TempDb db;
  TempDir dir;
  const std::string applied_down = std::string(k_marker) + "DROP TABLE n1;\n";
  write_migration(dir.path(), "20240101000000_nt",
                  std::string(k_marker) + "CREATE TABLE n1 (id int);\n", applied_down);
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  const auto down_sql = dir.path() / "20240101000000_nt" / "down.sql";
  write_file(down_sql, std::string(k_marker) + "DROP TABLE nosuch;\nDROP TABLE n1;\n");
  const std::string warning = down_sql.string() +
                              " changed after 20240101000000_nt was applied "
                              "(recorded sha256 " +
                              sql_sha256(db, applied_down);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    INFO("attempt " << attempt);
    auto down = run_migrate(db, dir.path(), {"down"});
    CHECK(down.code == 7);
    CHECK_THAT(down.err, Contains("down.sql:2: "));
    CHECK_THAT(down.err, Contains(warning));
    CHECK(history(db) == "20240101000000:applied:0");
    CHECK(db.scalar("SELECT down_checksum FROM migration_history") == sql_sha256(db, applied_down));
  }
  CHECK(db.table_exists("n1"));
}

TEST_CASE("up --resume refuses an up.sql edited since the run started, naming it") {
  TempDb db;
  TempDir dir;
  const std::string up =
      std::string(k_marker) + "CREATE TABLE n1 (id int);\nCREATE TABLE n2 (id int);\n";
  write_migration(dir.path(), "20240101000000_nt", up, std::nullopt);
  db.query("CREATE TABLE n2 (id int)");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 8);
  db.query("DROP TABLE n2");
  const auto up_sql = dir.path() / "20240101000000_nt" / "up.sql";
  write_file(up_sql, up + "-- edited\n");
  auto refused = run_migrate(db, dir.path(), {"up", "--resume"});
  CHECK(refused.code == 4);
  CHECK_THAT(refused.err,
             Contains(up_sql.string() +
                      " changed since 20240101000000_nt started; "
                      "cannot resume it safely (recorded sha256 " +
                      sql_sha256(db, up) + ", now " + sql_sha256(db, up + "-- edited\n") + ")"));
  CHECK(history(db) == "20240101000000:applying:1");
}

TEST_CASE("a DEALLOCATE in a no-transaction file does not break the next step's record") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_a", "CREATE TABLE a (id int);\n", std::nullopt);
  write_migration(dir.path(), "20240102000000_nt",
                  std::string(k_marker) + "DEALLOCATE ALL;\nCREATE TABLE nt (id int);\n",
                  std::nullopt);
  write_migration(dir.path(), "20240103000000_c", "CREATE TABLE c (id int);\n", std::nullopt);
  auto up = run_migrate(db, dir.path(), {"up"});
  INFO(up.all());
  CHECK(up.code == 0);
  CHECK(history(db) ==
        "20240101000000:applied:0,20240102000000:applied:0,20240103000000:applied:0");
  CHECK(db.table_exists("c"));
}

TEST_CASE("a statement that would release the migration lock is refused before anything runs") {
  // Each releases the session's advisory locks, migrate's lock on the database among them.
  struct Case {
    std::string file;     // the second migration's up.sql
    std::string expected; // the error, after the migration's id
    std::string table;    // what its first statement would create
  };
  Case c;
  SECTION("DISCARD ALL, in a no-transaction file") {
    c = {std::string(k_marker) + "CREATE TABLE nt (id int);\nDISCARD ALL;\n",
         "/up.sql:3: DISCARD ALL is not allowed in a migration", "nt"};
  }
  SECTION("pg_advisory_unlock_all, inside a DO block") {
    c = {"CREATE TABLE b (id int);\nDO $$\nBEGIN\n  PERFORM pg_advisory_unlock_all();\nEND\n$$;\n",
         "/up.sql:2: pg_advisory_unlock_all() is not allowed in a migration", "b"};
  }
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_a", "CREATE TABLE a (id int);\n", std::nullopt);
  write_migration(dir.path(), "20240102000000_unlocks", c.file, std::nullopt);
  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 3);
  CHECK_THAT(up.err, Contains("20240102000000_unlocks" + c.expected +
                              ": it would release migrate's lock on the database in the middle "
                              "of the run; remove it"));
  CHECK_FALSE(db.table_exists("a"));
  CHECK_FALSE(db.table_exists(c.table));
}

TEST_CASE("a no-transaction migration still running elsewhere is not called stopped half-way") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_nt",
                  std::string(k_marker) + "CREATE TABLE n1 (id int);\nSELECT pg_sleep(30);\n",
                  std::nullopt);
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  REQUIRE(wait_until([&] { return query_running(db, "pg_sleep(30)") || runner.exited(); }));
  REQUIRE_FALSE(runner.exited());
  for (const std::vector<std::string> &args :
       {std::vector<std::string>{"plan"}, std::vector<std::string>{"up", "--dry-run"}}) {
    auto result = run_migrate(db, dir.path(), args);
    INFO(result.all());
    CHECK(result.code == 8);
    CHECK_THAT(result.err, Contains("20240101000000_nt is being applied right now by another "
                                    "migrate (pid "));
    CHECK_THAT(result.err, Contains("1 statement(s) committed so far. Let it finish"));
    CHECK_THAT(result.err, !Contains("repair 20240101000000 --applied"));
  }
  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK_THAT(status.out, Contains("1 partial (stopped half-way, or still running in another "
                                  "migrate;"));
  terminate_migrate_backends(db);
  CHECK(runner.wait().code == 6);
  // Stopped for good now: the usual advice.
  auto after = run_migrate(db, dir.path(), {"plan"});
  CHECK(after.code == 8);
  CHECK_THAT(after.err, Contains("20240101000000_nt stopped half-way while applying"));
}

TEST_CASE("a no-transaction step whose history row disappears while it runs is not called done") {
  // Each of its history writes must change its one row: a row deleted behind migrate's back
  // (here by the migration itself) fails the run instead of reporting it applied.
  TempDb db;
  TempDir dir;
  write_table_t(dir.path());
  write_migration(dir.path(), "20240102000000_eraser",
                  std::string(k_marker) +
                      "CREATE TABLE erased (id int);\n"
                      "DELETE FROM migration_history WHERE version = '20240102000000';\n"
                      "CREATE TABLE after_it (id int);\n",
                  std::nullopt);
  const auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 1);
  CHECK_THAT(up.err, Contains("writing the history table public.migration_history: the row of "
                              "20240102000000 is gone or was changed while the migration ran"));
  CHECK(up.out.find("applied 2 migrations") == std::string::npos);
  CHECK(db.table_exists("erased"));
  CHECK_FALSE(db.table_exists("after_it")); // it stopped at the first write that found no row
  CHECK(history(db) == "20240101000000:applied:0");
}
