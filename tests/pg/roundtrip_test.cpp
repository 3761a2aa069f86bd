// The main job end to end: up, status, down --to, up, on the sample tree
// and on small trees written by the tests.

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> with_db(const TempDb &db, const std::filesystem::path &dir,
                                 std::vector<std::string> args) {
  std::vector<std::string> out{"--database-url", db.conninfo(), "--dir", dir.string()};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

std::string applied_versions(TempDb &db) {
  return db.scalar("SELECT coalesce(string_agg(version, ',' ORDER BY version), '') "
                   "FROM public.migration_history");
}

// Three migrations, each creating one table.
void write_three(const std::filesystem::path &dir) {
  write_migration(dir, "20240101000000_one", "CREATE TABLE one (id int);", "DROP TABLE one;");
  write_migration(dir, "20240102000000_two", "CREATE TABLE two (id int);", "DROP TABLE two;");
  write_migration(dir, "20240103000000_three", "CREATE TABLE three (id int);", "DROP TABLE three;");
}

} // namespace

TEST_CASE("up, status, down --to, up round-trips the sample migrations") {
  TempDb db;
  const auto dir = sample_migrations();

  auto up = run(with_db(db, dir, {"up"}));
  REQUIRE(up.code == 0);
  CHECK_THAT(up.out, Contains("[1/5] up   20240115090000_create_users"));
  CHECK_THAT(up.out, Contains("applied 5 migrations"));
  CHECK(db.table_exists("users"));
  CHECK(db.table_exists("order_items"));
  CHECK(db.scalar("SELECT count(*) FROM public.migration_history") == "5");

  auto status = run(with_db(db, dir, {"status"}));
  REQUIRE(status.code == 0);
  CHECK_THAT(status.out, Contains("5 applied, 0 pending"));

  auto down = run(with_db(db, dir, {"down", "--to", "20240115090000"}));
  REQUIRE(down.code == 0);
  CHECK_THAT(down.out, Contains("reverted 4 migrations"));
  CHECK(db.table_exists("users"));
  CHECK_FALSE(db.table_exists("products"));
  CHECK(applied_versions(db) == "20240115090000");

  auto again = run(with_db(db, dir, {"up"}));
  REQUIRE(again.code == 0);
  CHECK_THAT(again.out, Contains("applied 4 migrations"));
  CHECK(db.scalar("SELECT count(*) FROM public.migration_history") == "5");

  auto noop = run(with_db(db, dir, {"up"}));
  REQUIRE(noop.code == 0);
  CHECK_THAT(noop.out, Contains("nothing to do"));

  auto all_down = run(with_db(db, dir, {"down", "--to", "0"}));
  REQUIRE(all_down.code == 0);
  CHECK(applied_versions(db).empty());
  CHECK_FALSE(db.table_exists("users"));
}

TEST_CASE("the history row records version, name, checksum, time, duration and role") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);\r\n",
                  "DROP TABLE one;");
  REQUIRE(run(with_db(db, dir.path(), {"up"})).code == 0);
  auto row = db.query("SELECT version, name, checksum, down_checksum, applied_at IS NOT NULL, "
                      "execution_ms >= 0, applied_by = current_user FROM migration_history");
  REQUIRE(row.size() == 1);
  CHECK(std::string(row[0][0].c_str()) == "20240101000000");
  CHECK(std::string(row[0][1].c_str()) == "one");
  // sha256 of the file with CRLF turned into LF: "CREATE TABLE one (id int);\n"
  CHECK(std::string(row[0][2].c_str()) == db.scalar("SELECT encode(sha256(convert_to("
                                                    "E'CREATE TABLE one (id int);\\n', "
                                                    "'UTF8')), 'hex')"));
  CHECK(std::string(row[0][3].c_str()) ==
        db.scalar("SELECT encode(sha256(convert_to('DROP TABLE one;', 'UTF8')), 'hex')"));
  CHECK(std::string(row[0][4].c_str()) == "t");
  CHECK(std::string(row[0][5].c_str()) == "t");
  CHECK(std::string(row[0][6].c_str()) == "t");
}

TEST_CASE("up and down are bounded by --to and --count") {
  TempDb db;
  TempDir dir;
  write_three(dir.path());

  SECTION("up --to applies up to and including the target") {
    REQUIRE(run(with_db(db, dir.path(), {"up", "--to", "20240102000000"})).code == 0);
    CHECK(applied_versions(db) == "20240101000000,20240102000000");
  }
  SECTION("up --count applies at most N") {
    REQUIRE(run(with_db(db, dir.path(), {"up", "--count", "1"})).code == 0);
    CHECK(applied_versions(db) == "20240101000000");
    REQUIRE(run(with_db(db, dir.path(), {"up", "--count", "5"})).code == 0);
    CHECK(applied_versions(db) == "20240101000000,20240102000000,20240103000000");
  }
  SECTION("down reverts one step by default, --count N more") {
    REQUIRE(run(with_db(db, dir.path(), {"up"})).code == 0);
    REQUIRE(run(with_db(db, dir.path(), {"down"})).code == 0);
    CHECK(applied_versions(db) == "20240101000000,20240102000000");
    CHECK_FALSE(db.table_exists("three"));
    REQUIRE(run(with_db(db, dir.path(), {"down", "--count", "2"})).code == 0);
    CHECK(applied_versions(db).empty());
  }
  SECTION("an unknown target is an error and nothing runs") {
    auto up = run(with_db(db, dir.path(), {"up", "--to", "20990101000000"}));
    CHECK(up.code == 2);
    CHECK_THAT(up.err, Contains("20990101000000"));
    CHECK_FALSE(db.table_exists("one"));
    REQUIRE(run(with_db(db, dir.path(), {"up"})).code == 0);
    auto down = run(with_db(db, dir.path(), {"down", "--to", "20990101000000"}));
    CHECK(down.code == 2);
    CHECK(applied_versions(db) == "20240101000000,20240102000000,20240103000000");
  }
  SECTION("--to and --count together are refused") {
    auto both = run(with_db(db, dir.path(), {"up", "--to", "20240102000000", "--count", "1"}));
    CHECK(both.code == 2);
    CHECK_THAT(both.err, Contains("--to"));
  }
}

TEST_CASE("redo reverts and re-applies the newest migration") {
  TempDb db;
  TempDir dir;
  write_three(dir.path());
  REQUIRE(run(with_db(db, dir.path(), {"up"})).code == 0);
  db.query("INSERT INTO three VALUES (42)");
  auto redo = run(with_db(db, dir.path(), {"redo"}));
  REQUIRE(redo.code == 0);
  CHECK_THAT(redo.out, Contains("down 20240103000000_three"));
  CHECK_THAT(redo.out, Contains("up   20240103000000_three"));
  // The table was dropped and created again: the row is gone.
  CHECK(db.scalar("SELECT count(*) FROM three") == "0");
  CHECK(applied_versions(db) == "20240101000000,20240102000000,20240103000000");
}

TEST_CASE("status --json lists every migration with its state") {
  TempDb db;
  TempDir dir;
  write_three(dir.path());
  REQUIRE(run(with_db(db, dir.path(), {"up", "--count", "1"})).code == 0);
  auto status = run(with_db(db, dir.path(), {"status", "--json"}));
  REQUIRE(status.code == 0);
  CHECK_THAT(status.out,
             Contains("{\"migrations\":[{\"version\":\"20240101000000\",\"name\":\"one\","
                      "\"state\":\"applied\",\"applied_at\":\""));
  CHECK_THAT(status.out, Contains("{\"version\":\"20240102000000\",\"name\":\"two\",\"state\":"
                                  "\"pending\",\"applied_at\":null}"));
  // status never creates the history table.
  TempDb fresh;
  REQUIRE(run(with_db(fresh, dir.path(), {"status"})).code == 0);
  CHECK_FALSE(fresh.table_exists("public.migration_history"));
}

TEST_CASE("single-transaction mode applies the whole plan or nothing") {
  TempDb db;
  TempDir dir;
  write_three(dir.path());
  write_migration(dir.path(), "20240104000000_bad", "CREATE TABLE four (id int);\nSELECT 1/0;\n",
                  "DROP TABLE four;");
  auto up = run(with_db(db, dir.path(), {"up", "--single-transaction"}));
  CHECK(up.code == 7);
  CHECK_THAT(up.err, Contains("rolled back"));
  CHECK_FALSE(db.table_exists("one"));
  CHECK(applied_versions(db).empty());
}

TEST_CASE("a custom history table is created in its own schema") {
  TempDb db;
  TempDir dir;
  write_three(dir.path());
  auto up = run(with_db(db, dir.path(), {"--history-table", "ops.schema_versions", "up"}));
  REQUIRE(up.code == 0);
  CHECK(db.scalar("SELECT count(*) FROM ops.schema_versions") == "3");
  CHECK_FALSE(db.table_exists("public.migration_history"));
}
