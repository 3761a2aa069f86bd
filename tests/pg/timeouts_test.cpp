// lock_timeout and statement_timeout per step: flags, file directives, and
// retrying a step that hit a lock timeout.

#include "harness.hpp"

#include <catch2/catch.hpp>
#include <csignal>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

// Holds ACCESS EXCLUSIVE on table t in an open transaction until released.
class TableLocker {
public:
  explicit TableLocker(TempDb &db)
      : m_conn(db.conninfo() + " application_name=table_locker"), m_tx(m_conn) {
    m_tx.exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
  }
  void release() { m_tx.commit(); }

private:
  pqxx::connection m_conn;
  pqxx::work m_tx;
};

std::string column_count(TempDb &db) {
  return db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 't'");
}

void write_alter(const std::filesystem::path &dir, const std::string &header = "") {
  write_migration(dir, "20240102000000_add_c", header + "ALTER TABLE t ADD COLUMN c int;\n",
                  "ALTER TABLE t DROP COLUMN c;\n");
}

} // namespace

TEST_CASE("a step that hits --ddl-lock-timeout is retried with --lock-retries") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_t", "CREATE TABLE t (x int);\n", std::nullopt);
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  write_alter(dir.path());
  TableLocker locker(db);

  Process runner(
      migrate_args(db, dir.path(), {"--ddl-lock-timeout", "200ms", "--lock-retries", "5", "up"}),
      {}, {});
  REQUIRE(runner.wait_for_err("and was rolled back; retry 1 in", std::chrono::seconds(30)));
  locker.release();
  REQUIRE(wait_until([&] { return runner.exited(); }, std::chrono::seconds(60)));
  auto result = runner.wait();
  INFO(result.all());
  CHECK(result.code == 0);
  CHECK_THAT(result.err, Contains("migrate: 20240102000000_add_c hit "));
  CHECK_THAT(result.err, Contains("(SQLSTATE 55P03)"));
  CHECK_THAT(result.out, Contains("applied 1 migration"));
  CHECK(column_count(db) == "2");
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "2");
  // Only the final attempt is an event: retries are not failures.
  CHECK(db.scalar("SELECT string_agg(event, ',' ORDER BY id) FROM migration_history_events "
                  "WHERE version = '20240102000000'") == "apply");
}

TEST_CASE("a signal during the retry back-off stops at once, without another attempt") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_t", "CREATE TABLE t (x int);\n", std::nullopt);
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  write_alter(dir.path());
  TableLocker locker(db);
  Process runner(
      migrate_args(db, dir.path(), {"--ddl-lock-timeout", "200ms", "--lock-retries", "5", "up"}),
      {}, {});
  REQUIRE(runner.wait_for_err("and was rolled back; retry 1 in", std::chrono::seconds(30)));
  ::kill(runner.pid(), SIGTERM);
  REQUIRE(wait_until([&] { return runner.exited(); }, std::chrono::seconds(10)));
  auto result = runner.wait();
  locker.release();
  INFO(result.all());
  CHECK(result.code == 143);
  CHECK_THAT(result.err, Contains("interrupted by SIGTERM"));
  CHECK(result.err.find("retry 2") == std::string::npos);
  CHECK(column_count(db) == "1");
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "1");
}

TEST_CASE("a step that deadlocks is rolled back, and retried with --lock-retries") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_tables",
                  "CREATE TABLE t1 (x int);\nCREATE TABLE t2 (x int);\n", std::nullopt);
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  write_migration(dir.path(), "20240102000000_both",
                  "LOCK TABLE t1 IN ACCESS EXCLUSIVE MODE;\n"
                  "LOCK TABLE t2 IN ACCESS EXCLUSIVE MODE;\n"
                  "ALTER TABLE t1 ADD COLUMN c int;\n",
                  std::nullopt);
  std::vector<std::string> args;
  int expected = 0;
  SECTION("with --lock-retries") {
    args = {"--lock-retries", "3", "up"};
    expected = 0;
  }
  SECTION("without") {
    args = {"up"};
    expected = 7;
  }
  // The other side of the deadlock never gives up first: migrate's session does.
  pqxx::connection other{db.conninfo() + " application_name=deadlocker"};
  pqxx::work tx{other};
  tx.exec("SET LOCAL deadlock_timeout = '60s'");
  tx.exec("LOCK TABLE t2 IN ACCESS EXCLUSIVE MODE");
  Process runner(migrate_args(db, dir.path(), args), {{"PGOPTIONS", "-c deadlock_timeout=2s"}}, {});
  REQUIRE(wait_until([&] {
    return runner.exited() ||
           db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND wait_event_type = 'Lock' AND application_name LIKE 'migrate/%'") != "0";
  }));
  REQUIRE_FALSE(runner.exited());
  // Blocks until the server picks migrate's transaction as the deadlock victim.
  tx.exec("LOCK TABLE t1 IN ACCESS EXCLUSIVE MODE");
  tx.commit();
  REQUIRE(wait_until([&] { return runner.exited(); }, std::chrono::seconds(60)));
  auto result = runner.wait();
  INFO(result.all());
  CHECK(result.code == expected);
  CHECK_THAT(result.err, Contains("(SQLSTATE 40P01)"));
  CHECK(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 't1'") ==
        (expected == 0 ? "2" : "1"));
  if (expected == 0) {
    CHECK_THAT(result.err, Contains("20240102000000_both hit deadlock detected (SQLSTATE 40P01) "
                                    "and was rolled back; retry 1 in"));
  } else {
    CHECK_THAT(result.err, Contains("20240102000000_both/up.sql:2: deadlock detected"));
    CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'fail' AND "
                    "sqlstate = '40P01'") == "1");
  }
}

TEST_CASE("a lock timeout without retries fails the step and changes nothing") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_t", "CREATE TABLE t (x int);\n", std::nullopt);
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  std::vector<std::string> args;
  SECTION("--ddl-lock-timeout") {
    write_alter(dir.path());
    args = {"--ddl-lock-timeout", "200ms", "up"};
  }
  SECTION("-- migrate:lock_timeout in the file") {
    write_alter(dir.path(), "-- migrate:lock_timeout 200ms\n");
    args = {"up"};
  }
  SECTION("the file's directive wins over the flag") {
    write_alter(dir.path(), "-- migrate:lock_timeout 200ms\n");
    args = {"--ddl-lock-timeout", "10min", "up"};
  }
  TableLocker locker(db);
  Process runner(migrate_args(db, dir.path(), args), {}, {});
  REQUIRE(wait_until([&] { return runner.exited(); }, std::chrono::seconds(30)));
  auto result = runner.wait();
  locker.release();
  CHECK(result.code == 7);
  CHECK_THAT(result.err, Contains("20240102000000_add_c/up.sql:"));
  CHECK_THAT(result.err, Contains("(SQLSTATE 55P03)"));
  CHECK(result.err.find("retry") == std::string::npos);
  CHECK(column_count(db) == "1");
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "1");
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'fail' AND "
                  "sqlstate = '55P03'") == "1");
}

TEST_CASE("lock retries give up after the last one") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_t", "CREATE TABLE t (x int);\n", std::nullopt);
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  write_alter(dir.path());
  TableLocker locker(db);
  auto result =
      run_migrate(db, dir.path(), {"--ddl-lock-timeout", "100ms", "--lock-retries", "1", "up"});
  locker.release();
  INFO(result.all());
  CHECK(result.code == 7);
  CHECK_THAT(result.err, Contains("and was rolled back; retry 1 in"));
  CHECK(result.err.find("retry 2") == std::string::npos);
  CHECK_THAT(result.err, Contains("20240102000000_add_c/up.sql:1: "));
  CHECK(column_count(db) == "1");
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'fail'") == "1");
}

TEST_CASE("statement_timeout from the file or the flag cancels a slow statement") {
  TempDb db;
  TempDir dir;
  std::vector<std::string> args{"up"};
  int expected = 7;
  SECTION("directive, transactional") {
    write_migration(dir.path(), "20240101000000_slow",
                    "-- migrate:statement_timeout 100ms\n"
                    "CREATE TABLE slow (id int);\n"
                    "SELECT pg_sleep(2);\n",
                    std::nullopt);
  }
  SECTION("directive, no-transaction: the statement before stays") {
    write_migration(dir.path(), "20240101000000_slow",
                    "-- migrate:no-transaction\n"
                    "-- migrate:statement_timeout=100ms\n"
                    "SELECT 1;\n"
                    "SELECT pg_sleep(2);\n",
                    std::nullopt);
    expected = 8;
  }
  SECTION("--statement-timeout") {
    write_migration(dir.path(), "20240101000000_slow",
                    "CREATE TABLE slow (id int);\n"
                    "SELECT pg_sleep(2);\n",
                    std::nullopt);
    args = {"--statement-timeout", "100ms", "up"};
  }
  auto result = run_migrate(db, dir.path(), args);
  INFO(result.all());
  CHECK(result.code == expected);
  CHECK_THAT(result.err, Contains("(SQLSTATE 57014)"));
  CHECK_THAT(result.err, Contains("canceling statement due to statement timeout"));
  CHECK_FALSE(db.table_exists("slow"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'fail' AND "
                  "sqlstate = '57014'") == "1");
}

TEST_CASE("a file's timeouts do not leak into the next step") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_strict_nt",
                  "-- migrate:no-transaction\n-- migrate:statement_timeout 100ms\nSELECT 1;\n",
                  std::nullopt);
  write_migration(dir.path(), "20240102000000_strict",
                  "-- migrate:statement_timeout 100ms\n-- migrate:lock_timeout 100ms\nSELECT 1;\n",
                  std::nullopt);
  write_migration(dir.path(), "20240103000000_slow",
                  "CREATE TABLE slow (id int);\nSELECT pg_sleep(0.5);\n", std::nullopt);
  SECTION("one transaction per step") {
    auto result = run_migrate(db, dir.path(), {"up", "--count", "1"});
    REQUIRE(result.code == 0);
    auto rest = run_migrate(db, dir.path(), {"up"});
    INFO(rest.all());
    CHECK(rest.code == 0);
  }
  SECTION("in one run") {
    auto result = run_migrate(db, dir.path(), {"up"});
    INFO(result.all());
    CHECK(result.code == 0);
  }
  CHECK(db.table_exists("slow"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "3");
}

TEST_CASE("bad timeout directives are refused before anything runs") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_ok", "CREATE TABLE ok (id int);\n", std::nullopt);
  std::string header;
  std::string expected;
  SECTION("not a duration") {
    header = "-- migrate:statement_timeout 1.5s\n";
    expected = "up.sql:1: '1.5s' is not a duration";
  }
  SECTION("unknown directive") {
    header = "-- migrate:lock-timeout 1s\n-- migrate:timeout 1s\n";
    expected = "up.sql:2: unknown directive 'timeout'";
  }
  SECTION("after the first statement") {
    header = "SELECT 1;\n-- migrate:no-transaction\n";
    expected = "up.sql:2: directives must come before the first statement";
  }
  write_migration(dir.path(), "20240102000000_bad", header + "SELECT 1;\n", std::nullopt);
  auto result = run_migrate(db, dir.path(), {"up"});
  CHECK(result.code == 3);
  CHECK_THAT(result.err, Contains("20240102000000_bad/" + expected));
  CHECK_FALSE(db.table_exists("ok"));
}
