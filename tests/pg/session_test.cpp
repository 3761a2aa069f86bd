// The session between steps: what one migration's SET or SET ROLE changes
// does not reach the migrations after it.

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;

TEST_CASE("a SET or SET ROLE in one migration does not reach the migrations after it") {
  // Each migration runs as it would at the start of a run: with a setting changed by the one
  // before it, the second would make its table elsewhere, owned by someone else, depending on
  // whether the two happen to run in the same invocation.
  TempDb db;
  TempDir dir;
  TempRole owner(db, db.name() + "_owner");
  db.query("ALTER ROLE " + owner.name() + " SUPERUSER");
  db.query("CREATE SCHEMA other");
  const std::string me = db.scalar("SELECT current_user");
  std::string header;
  std::vector<std::string> args{"up"};
  SECTION("transactional steps") {}
  SECTION("in single-transaction mode") {
    args.push_back("--single-transaction");
  }
  SECTION("a no-transaction step") {
    header = "-- migrate:no-transaction\n";
  }
  write_migration(dir.path(), "20240101000000_switch",
                  header + "SET search_path = other, public;\nSET ROLE " + owner.name() +
                      ";\nSET statement_timeout = '1234ms';\nSET client_encoding = "
                      "'LATIN1';\nCREATE TABLE first_t (id int);\n",
                  std::nullopt);
  write_migration(dir.path(), "20240102000000_after",
                  "CREATE TABLE second_t AS SELECT current_user::text AS who, "
                  "current_setting('statement_timeout') AS timeout, "
                  "current_setting('client_encoding') AS encoding;\n",
                  std::nullopt);
  const auto result = run_migrate(db, dir.path(), args);
  INFO(result.all());
  REQUIRE(result.code == 0);
  CHECK(db.scalar("SELECT schemaname || ':' || tableowner FROM pg_tables WHERE tablename = "
                  "'first_t'") == "other:" + owner.name());
  CHECK(db.scalar("SELECT schemaname || ':' || tableowner FROM pg_tables WHERE tablename = "
                  "'second_t'") == "public:" + me);
  // migrate's own connection settings survive the reset: they are the session's defaults.
  CHECK(db.scalar("SELECT who || ':' || timeout || ':' || encoding FROM public.second_t") ==
        me + ":0:UTF8");
  CHECK(db.scalar("SELECT applied_by FROM migration_history WHERE version = '20240102000000'") ==
        me);
}
