// Migration files are UTF-8 whatever the database's encoding: migrate's
// sessions use client_encoding UTF8, so the server converts their text, and
// the error positions it reports count UTF-8 characters as file:line expects.

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

const char *k_latin1 = "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0";

} // namespace

TEST_CASE("a LATIN1 database gets the UTF-8 text of a migration converted, not reinterpreted") {
  TempDb db(k_latin1);
  TempDir dir;
  write_migration(dir.path(), "20240101000000_text",
                  "CREATE TABLE t (v text);\nINSERT INTO t VALUES ('caf\xc3\xa9');\n",
                  "DROP TABLE t;\n");
  const auto up = run_migrate(db, dir.path(), {"up"}, {{"PGCLIENTENCODING", "LATIN1"}});
  REQUIRE(up.code == 0);
  CHECK(db.scalar("SELECT length(v) FROM t") == "4");
  CHECK(db.scalar("SELECT v = 'caf' || chr(233) FROM t") == "t");
}

TEST_CASE("an error after non-ASCII text in a LATIN1 database points at its line") {
  TempDb db(k_latin1);
  TempDir dir;
  write_migration(dir.path(), "20240101000000_bad",
                  "COMMENT ON SCHEMA public IS '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9';\n"         // 1
                  "CREATE TABLE a (id int);\n"   // 2
                  "\n"                           // 3
                  "CREATE TABLE b (id int,);\n", // 4: syntax error
                  std::nullopt);
  const auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 7);
  CHECK_THAT(up.err, Contains("20240101000000_bad/up.sql:4:"));
  CHECK_FALSE(db.table_exists("a"));
  CHECK(db.scalar("SELECT line FROM migration_history_events WHERE event = 'fail'") == "4");
}

TEST_CASE("bytes that are not UTF-8 are reported at their line, and nothing of the step stays") {
  // The server refuses the whole message without a position (SQLSTATE 22021).
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_ok", "CREATE TABLE ok (id int);\n", std::nullopt);
  write_migration(dir.path(), "20240102000000_latin1",
                  "CREATE TABLE a (id int);\n"        // 1
                  "\n"                                // 2
                  "INSERT INTO a\n"                   // 3
                  "  SELECT length('caf\xc3\xa9');\n" // 4: UTF-8
                  "COMMENT ON TABLE a IS\n"           // 5
                  "  'caf\xe9';\n",                   // 6: LATIN1
                  std::nullopt);
  const auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 7);
  CHECK_THAT(up.err, Contains("20240102000000_latin1/up.sql:6: invalid byte sequence for "
                              "encoding \"UTF8\": 0xe9"));
  CHECK(db.table_exists("ok"));
  CHECK_FALSE(db.table_exists("a"));
  CHECK(db.scalar("SELECT line FROM migration_history_events WHERE event = 'fail'") == "6");
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "1");

  SECTION("in a no-transaction file, the statements before it have run") {
    write_migration(dir.path(), "20240102000000_latin1",
                    "-- migrate:no-transaction\n"
                    "CREATE TABLE a (id int);\n"
                    "COMMENT ON TABLE a IS 'caf\xe9';\n",
                    std::nullopt);
    const auto again = run_migrate(db, dir.path(), {"up"});
    CHECK(again.code == 8);
    CHECK_THAT(again.err, Contains("20240102000000_latin1/up.sql:3: invalid byte sequence"));
    CHECK(db.table_exists("a"));
  }
}
