// A failing migration: rolled back whole, reported with file and line,
// earlier steps kept and listed.

#include "harness.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <sys/stat.h>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

Result up(const TempDb &db, const std::filesystem::path &dir) {
  return run({"--database-url", db.conninfo(), "--dir", dir.string(), "up"});
}

} // namespace

TEST_CASE("a failing statement on line N leaves nothing behind and is reported at line N") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_ok", "CREATE TABLE ok (id int);", "DROP TABLE ok;");
  write_migration(dir.path(), "20240102000000_breaks",
                  "-- two tables, then a runtime error\n" // 1
                  "CREATE TABLE a (id int);\n"            // 2
                  "\n"                                    // 3
                  "CREATE TABLE b (\n"                    // 4
                  "  id int\n"                            // 5
                  ");\n"                                  // 6
                  "INSERT INTO a VALUES (1);\n"           // 7
                  "SELECT 1 / 0;\n"                       // 8
                  "CREATE TABLE c (id int);\n",           // 9
                  "DROP TABLE b; DROP TABLE a;");
  auto result = up(db, dir.path());
  CHECK(result.code == 7);
  const std::string file = (dir.path() / "20240102000000_breaks" / "up.sql").string();
  CHECK_THAT(result.err, Contains(file + ":8:"));
  CHECK_THAT(result.err, Contains("division by zero"));
  CHECK_THAT(result.err, Contains("22012"));
  CHECK_THAT(result.err, Contains("20240101000000_ok"));
  CHECK_FALSE(db.table_exists("a"));
  CHECK_FALSE(db.table_exists("b"));
  CHECK_FALSE(db.table_exists("c"));
  CHECK(db.table_exists("ok"));
  CHECK(db.scalar("SELECT string_agg(version, ',') FROM migration_history") == "20240101000000");
  // The output that went before names the step that stayed applied.
  CHECK_THAT(result.out, Contains("20240101000000_ok"));
}

TEST_CASE("errors inside a multi-line statement point at the line of the error") {
  TempDb db;
  TempDir dir;
  SECTION("a syntax error on the third line of a statement") {
    write_migration(dir.path(), "20240101000000_syntax",
                    "CREATE TABLE fine (id int);\n" // 1
                    "CREATE TABLE t (\n"            // 2
                    "  id int,\n"                   // 3
                    "  name text,,\n"               // 4
                    "  other int\n"                 // 5
                    ");\n",
                    std::nullopt);
    auto result = up(db, dir.path());
    CHECK(result.code == 7);
    CHECK_THAT(result.err, Contains("up.sql:4:"));
    CHECK_THAT(result.err, Contains("42601"));
    CHECK_FALSE(db.table_exists("fine"));
  }
  SECTION("an unknown relation points at the line that names it") {
    write_migration(dir.path(), "20240101000000_missing",
                    "CREATE TABLE fine (id int);\n" // 1
                    "\n"                            // 2
                    "INSERT INTO\n"                 // 3
                    "  nowhere VALUES (1);\n",      // 4
                    std::nullopt);
    auto result = up(db, dir.path());
    CHECK(result.code == 7);
    CHECK_THAT(result.err, Contains("up.sql:4:"));
    CHECK_THAT(result.err, Contains("42P01"));
    CHECK_THAT(result.err, Contains("relation \"nowhere\" does not exist"));
  }
  SECTION("the same in a no-transaction step") {
    write_migration(dir.path(), "20240101000000_missing",
                    "-- migrate:no-transaction\n"   // 1
                    "CREATE TABLE fine (id int);\n" // 2
                    "SELECT id,\n"                  // 3
                    "  nothing FROM fine;\n",       // 4
                    std::nullopt);
    auto result = up(db, dir.path());
    CHECK(result.code == 8); // the first statement stays done: partial
    CHECK_THAT(result.err, Contains("up.sql:4:"));
    CHECK_THAT(result.err, Contains("42703"));
  }
  SECTION("a server detail and hint are shown") {
    write_migration(dir.path(), "20240101000000_dup",
                    "CREATE TABLE u (id int PRIMARY KEY);\n"
                    "INSERT INTO u VALUES (1), (1);\n",
                    std::nullopt);
    auto result = up(db, dir.path());
    CHECK(result.code == 7);
    CHECK_THAT(result.err, Contains("up.sql:2:"));
    CHECK_THAT(result.err, Contains("23505"));
    CHECK_THAT(result.err, Contains("detail: Key (id)=(1) already exists."));
    CHECK_FALSE(db.table_exists("u"));
  }
}

TEST_CASE("a failing down migration keeps the migration applied") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;\nDROP TABLE not_there;\n");
  REQUIRE(up(db, dir.path()).code == 0);
  auto down = run({"--database-url", db.conninfo(), "--dir", dir.path().string(), "down"});
  CHECK(down.code == 7);
  CHECK_THAT(down.err, Contains("down.sql:2:"));
  CHECK(db.table_exists("one"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "1");
}

TEST_CASE("a down.sql that deletes its own history row reverts nothing") {
  // The step's history change must delete the row: a revert with no row to delete would
  // commit with no event in the audit trail, so it fails and rolls back instead.
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;\nDELETE FROM migration_history WHERE version = "
                  "'20240101000000';\n");
  REQUIRE(up(db, dir.path()).code == 0);
  std::vector<std::string> args{"--database-url", db.conninfo(), "--dir", dir.path().string(),
                                "down"};
  SECTION("with the prepared history statement") {}
  SECTION("in single-transaction mode") {
    args.push_back("--single-transaction");
  }
  SECTION("with the history statement as plain SQL (the file drops prepared statements)") {
    write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                    "DEALLOCATE ALL;\nDROP TABLE one;\nDELETE FROM migration_history WHERE "
                    "version = '20240101000000';\n");
  }
  auto down = run(args);
  CHECK(down.code == 7);
  CHECK_THAT(down.err, Contains("20240101000000_one failed at "));
  CHECK_THAT(down.err, Contains("(while recording it in the history table): its history row was "
                                "already gone (deleted by the migration itself, or by someone "
                                "else, while it ran); nothing was reverted"));
  CHECK(db.table_exists("one"));
  CHECK(db.scalar("SELECT string_agg(version || ':' || state, ',') FROM migration_history") ==
        "20240101000000:applied");
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'revert'") == "0");
}

TEST_CASE("a failure at COMMIT is reported as such and rolls back") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_deferred",
                  "CREATE TABLE parent (id int PRIMARY KEY);\n"
                  "CREATE TABLE child (parent_id int REFERENCES parent DEFERRABLE INITIALLY "
                  "DEFERRED);\n"
                  "INSERT INTO child VALUES (1);\n",
                  std::nullopt);
  SECTION("in its own transaction") {
    auto result = up(db, dir.path());
    CHECK(result.code == 7);
    CHECK_THAT(result.err, Contains("at COMMIT"));
    CHECK_THAT(result.err, Contains("23503"));
  }
  SECTION("in single-transaction mode") {
    auto result = run({"--database-url", db.conninfo(), "--dir", dir.path().string(), "up",
                       "--single-transaction"});
    CHECK(result.code == 7);
    CHECK_THAT(result.err, Contains("at COMMIT"));
    CHECK_THAT(result.err, Contains("rolled back"));
  }
  CHECK_FALSE(db.table_exists("parent"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");
}

TEST_CASE("an unterminated quote is refused before anything runs") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_ok", "CREATE TABLE ok (id int);", std::nullopt);
  write_migration(dir.path(), "20240102000000_open",
                  "CREATE TABLE t (id int);\n"
                  "INSERT INTO t VALUES (1);\n"
                  "SELECT 'never closed;\n",
                  std::nullopt);
  auto result = up(db, dir.path());
  CHECK(result.code == 3);
  CHECK_THAT(result.err, Contains("20240102000000_open/up.sql:3"));
  CHECK_FALSE(db.table_exists("ok"));
  // Nothing ran, so the history table was not even created.
  CHECK_FALSE(db.table_exists("public.migration_history"));
}

TEST_CASE("a long plan stops at its first bad file, whatever lies further on") {
  // Large plans have their files read ahead on other threads (Prefetcher): a
  // FIFO further on must not change what the run reports (prefetch_test.cpp
  // shows that it does not hold the readers up).
  TempDb db;
  TempDir dir;
  for (int i = 1; i <= 40; ++i) {
    char version[16];
    std::snprintf(version, sizeof version, "202401%02d000000", i);
    write_migration(dir.path(), std::string(version) + "_m",
                    i == 3 ? "SELECT 'never closed;\n"
                           : "CREATE TABLE m" + std::to_string(i) + " (id int);\n",
                    std::nullopt);
  }
  const auto last = dir.path() / "20240140000000_m";
  std::filesystem::remove(last / "up.sql");
  REQUIRE(::mkfifo((last / "up.sql").c_str(), 0600) == 0);
  REQUIRE(::mkfifo((last / "down.sql").c_str(), 0600) == 0);
  SECTION("the tree itself is refused first, when the FIFO is an up.sql") {
    const auto result = up(db, dir.path());
    CHECK(result.code == 3);
    CHECK(result.err ==
          "migrate: " + (last / "up.sql").string() + ": cannot read: not a regular file\n");
  }
  SECTION("a FIFO down.sql of a later step: the first bad step is reported") {
    std::filesystem::remove(last / "up.sql");
    write_file(last / "up.sql", "CREATE TABLE m40 (id int);\n");
    const auto result = up(db, dir.path());
    CHECK(result.code == 3);
    CHECK_THAT(result.err, Contains("20240103000000_m/up.sql:1: the statement starting here "
                                    "never ends"));
    CHECK(result.err.find("not a regular file") == std::string::npos);
  }
  CHECK_FALSE(db.table_exists("m1"));
  CHECK_FALSE(db.table_exists("public.migration_history"));
}

TEST_CASE("COPY FROM STDIN in a migration fails as that statement and leaves nothing") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_copy",
                  "CREATE TABLE c (id int);\n" // 1
                  "COPY c FROM STDIN;\n",      // 2
                  "DROP TABLE c;");
  auto result = up(db, dir.path());
  CHECK(result.code == 7);
  CHECK_THAT(result.err, Contains("up.sql:2:"));
  CHECK_THAT(result.err, Contains("COPY FROM STDIN cannot be given data here"));
  CHECK_FALSE(db.table_exists("c"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");

  // Once fixed, the file applies; a COPY TO STDOUT in it is read and dropped.
  write_migration(dir.path(), "20240101000000_copy",
                  "CREATE TABLE c (id int);\nINSERT INTO c VALUES (1);\nCOPY c TO STDOUT;\n"
                  "INSERT INTO c VALUES (2);\n",
                  "DROP TABLE c;");
  REQUIRE(up(db, dir.path()).code == 0);
  CHECK(db.scalar("SELECT count(*) FROM c") == "2");
}
