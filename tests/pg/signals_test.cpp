// SIGTERM and SIGINT while a step runs: the running statement is cancelled,
// the step rolled back, the lock released, and the exit code says which
// signal it was.

#include "harness.hpp"

#include <catch2/catch.hpp>
#include <csignal>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

bool sleeping(TempDb &db) {
  return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND wait_event = 'PgSleep'") != "0";
}

std::string advisory_locks(TempDb &db) {
  return db.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())");
}

// Starts `up`, waits for pg_sleep to run, sends `signal`; the result must come quickly.
Result interrupt_up(TempDb &db, const std::filesystem::path &dir, int signal) {
  Process runner(migrate_args(db, dir, {"up"}), {}, {});
  REQUIRE(wait_until([&] { return sleeping(db) || runner.exited(); }));
  REQUIRE_FALSE(runner.exited());
  ::kill(runner.pid(), signal);
  // pg_sleep(30) would keep it far longer: the statement was cancelled.
  REQUIRE(wait_until([&] { return runner.exited(); }, std::chrono::seconds(10)));
  return runner.wait();
}

} // namespace

TEST_CASE("a signal during a transactional step cancels and rolls it back") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_slow",
                  "CREATE TABLE a (x int);\n"
                  "SELECT pg_sleep(30);\n",
                  "DROP TABLE a;\n");
  int signal = 0;
  int expected = 0;
  std::string name;
  SECTION("SIGTERM") {
    signal = SIGTERM;
    expected = 143;
    name = "SIGTERM";
  }
  SECTION("SIGINT") {
    signal = SIGINT;
    expected = 130;
    name = "SIGINT";
  }
  auto result = interrupt_up(db, dir.path(), signal);
  INFO(result.all());
  CHECK(result.code == expected);
  CHECK_THAT(result.err, Contains("migrate: stopping: cancelling the running statement"));
  CHECK_THAT(result.err, Contains("migrate: interrupted by " + name +
                                  "; 20240101000000_slow was cancelled and rolled back; the "
                                  "migration lock was released"));
  CHECK_THAT(result.err, Contains("no step of this run was completed"));
  CHECK_FALSE(db.table_exists("a"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");
  CHECK(wait_until([&] { return advisory_locks(db) == "0"; }, std::chrono::seconds(5)));
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'fail' AND "
                  "version = '20240101000000' AND sqlstate = '57014'") == "1");
  // Nothing is left to settle: the next run starts it again.
  write_migration(dir.path(), "20240101000000_slow", "CREATE TABLE a (x int);\n",
                  "DROP TABLE a;\n");
  auto again = run_migrate(db, dir.path(), {"up"});
  CHECK(again.code == 0);
  CHECK(db.table_exists("a"));
}

TEST_CASE("a signal keeps the steps completed before it and lists them") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_first", "CREATE TABLE first (x int);\n",
                  "DROP TABLE first;\n");
  write_migration(dir.path(), "20240102000000_second",
                  "CREATE TABLE second (x int);\n"
                  "SELECT pg_sleep(30);\n",
                  "DROP TABLE second;\n");
  write_migration(dir.path(), "20240103000000_third", "CREATE TABLE third (x int);\n",
                  "DROP TABLE third;\n");
  auto result = interrupt_up(db, dir.path(), SIGTERM);
  INFO(result.all());
  CHECK(result.code == 143);
  CHECK_THAT(result.out, Contains("[1/3] up   20240101000000_first"));
  CHECK_THAT(result.err, Contains("interrupted by SIGTERM; 20240102000000_second was cancelled "
                                  "and rolled back"));
  CHECK_THAT(result.err,
             Contains("migrate: 1 step completed before the stop: 20240101000000_first"));
  CHECK(db.table_exists("first"));
  CHECK_FALSE(db.table_exists("second"));
  CHECK_FALSE(db.table_exists("third"));
  CHECK(db.scalar("SELECT string_agg(version || ':' || state, ',') FROM migration_history") ==
        "20240101000000:applied");
  CHECK(wait_until([&] { return advisory_locks(db) == "0"; }, std::chrono::seconds(5)));
}

TEST_CASE("a signal during a no-transaction step stops it half-way with the signal's code") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_nt",
                  "-- migrate:no-transaction\n"
                  "CREATE TABLE nt (x int);\n"
                  "SELECT pg_sleep(30);\n"
                  "CREATE TABLE never (x int);\n",
                  std::nullopt);
  auto result = interrupt_up(db, dir.path(), SIGINT);
  INFO(result.all());
  CHECK(result.code == 130);
  CHECK_THAT(result.err, Contains("interrupted by SIGINT; 20240101000000_nt stopped half-way"));
  CHECK(db.table_exists("nt"));
  CHECK_FALSE(db.table_exists("never"));
  CHECK(db.scalar("SELECT state || ':' || progress FROM migration_history") == "applying:1");
  CHECK(wait_until([&] { return advisory_locks(db) == "0"; }, std::chrono::seconds(5)));
  auto next = run_migrate(db, dir.path(), {"up"});
  CHECK(next.code == 8);
  CHECK_THAT(next.err, Contains("20240101000000_nt/up.sql:3"));
}

TEST_CASE("a signal while waiting for the migration lock stops without running anything") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (x int);\n", std::nullopt);
  write_migration(dir.path(), "20240102000000_slow", "SELECT pg_sleep(30);\n", std::nullopt);
  Process holder(migrate_args(db, dir.path(), {"up"}), {}, {});
  REQUIRE(wait_until([&] { return sleeping(db) || holder.exited(); }));
  Process waiter(migrate_args(db, dir.path(), {"--lock-timeout", "120s", "up"}), {}, {});
  REQUIRE(waiter.wait_for_err("waiting for the migration lock", std::chrono::seconds(30)));
  ::kill(waiter.pid(), SIGTERM);
  REQUIRE(wait_until([&] { return waiter.exited(); }, std::chrono::seconds(10)));
  auto result = waiter.wait();
  INFO(result.all());
  CHECK(result.code == 143);
  CHECK_THAT(result.err, Contains("interrupted by SIGTERM"));
  CHECK_THAT(result.err, Contains("no step of this run was completed"));
  ::kill(holder.pid(), SIGTERM);
  REQUIRE(wait_until([&] { return holder.exited(); }, std::chrono::seconds(10)));
  CHECK(holder.wait().code == 143);
  CHECK(db.scalar("SELECT string_agg(version, ',') FROM migration_history") == "20240101000000");
}
