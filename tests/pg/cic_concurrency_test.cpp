// A second runner waiting for the migration lock while the first builds an
// index with CREATE INDEX CONCURRENTLY: the waiter must not hold a snapshot
// that the build waits for (a waiter blocked in pg_advisory_lock would
// deadlock it).

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

// A `migrate` backend of `db` runs CREATE INDEX CONCURRENTLY, in any phase.
bool migrate_creating_index(TempDb &db) {
  return db.scalar("SELECT count(*) FROM pg_stat_progress_create_index p "
                   "JOIN pg_stat_activity a ON a.pid = p.pid "
                   "WHERE a.datname = current_database() "
                   "AND a.application_name LIKE 'migrate/%'") != "0";
}

} // namespace

TEST_CASE("a runner waiting for the lock does not block CREATE INDEX CONCURRENTLY") {
  TempDb db;
  TempDir dir;
  // The index key sleeps 10 ms per row: the build lasts about 8 s whatever the machine's load,
  // long enough for a second runner to start and wait.
  db.query("CREATE FUNCTION slow_key(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
           "$$BEGIN PERFORM pg_sleep(0.01); RETURN x; END$$");
  db.query("CREATE TABLE big AS SELECT g AS x FROM generate_series(1, 800) g");
  write_migration(dir.path(), "20240101000000_big_index",
                  "-- migrate:no-transaction\n"
                  "CREATE INDEX CONCURRENTLY big_x_idx ON big (slow_key(x));\n",
                  "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY big_x_idx;\n");
  write_migration(dir.path(), "20240102000000_after", "CREATE TABLE after_index (id int);\n",
                  "DROP TABLE after_index;\n");

  Process first(migrate_args(db, dir.path(), {"--lock-timeout", "120s", "up"}), {}, {});
  REQUIRE(wait_until([&] {
    return (db.scalar("SELECT (to_regclass('big_x_idx') IS NOT NULL)::text") == "true" &&
            migrate_building_index(db)) ||
           first.exited();
  }));
  REQUIRE_FALSE(first.exited());
  Process second(migrate_args(db, dir.path(), {"--lock-timeout", "120s", "up"}), {}, {});
  REQUIRE(second.wait_for_err("waiting for the migration lock", std::chrono::seconds(30)));
  // The build was still going when the second runner started to wait.
  CHECK(migrate_creating_index(db));

  REQUIRE(wait_until([&] { return first.exited() && second.exited(); }, std::chrono::seconds(110)));
  auto a = first.wait();
  auto b = second.wait();
  INFO("first: " << a.all() << "\nsecond: " << b.all());
  CHECK(a.code == 0);
  CHECK(b.code == 0);
  CHECK_THAT(a.out, Contains("applied 2 migrations"));
  CHECK_THAT(b.out, Contains("nothing to do"));
  CHECK_THAT(b.err, Contains("held by pid"));
  CHECK(a.all().find("deadlock") == std::string::npos);
  CHECK(b.all().find("deadlock") == std::string::npos);
  CHECK(db.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = "
                  "'big_x_idx'::regclass") == "true");
  CHECK(db.scalar("SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM "
                  "migration_history") == "20240101000000:applied,20240102000000:applied");
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'fail'") == "0");
}
