// Concurrent runners and the migration lock.

#include "harness.hpp"
#include "migrate/postgres.hpp"
#include "migrate/sha256.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

// Takes the migration lock of the default history table in `db`.
class LockHolderSession {
public:
  explicit LockHolderSession(TempDb &db) : m_conn(db.conninfo() + " application_name=blocker") {
    const auto keys = migrate::migration_lock_keys(migrate::HistoryTable{});
    pqxx::nontransaction tx{m_conn};
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(keys.first) + ", " +
            std::to_string(keys.second) + ")");
    m_pid = tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
  }
  int pid() const { return m_pid; }
  void release() { m_conn.disconnect(); }

private:
  pqxx::connection m_conn;
  int m_pid = 0;
};

} // namespace

TEST_CASE("two runners started at once apply each migration exactly once") {
  TempDb db;
  TempDir dir;
  db.query("CREATE TABLE applied_log (version text, pid int)");
  for (int i = 1; i <= 4; ++i) {
    const std::string version = "2024010" + std::to_string(i) + "000000";
    write_migration(dir.path(), version + "_step",
                    "INSERT INTO applied_log VALUES ('" + version +
                        "', pg_backend_pid());\n"
                        "SELECT pg_sleep(0.1);\n",
                    "DELETE FROM applied_log WHERE version = '" + version + "';");
  }
  const std::vector<std::string> args{"--database-url", db.conninfo(), "--dir", dir.path().string(),
                                      "up"};
  Process first(args, {}, {});
  Process second(args, {}, {});
  auto a = first.wait();
  auto b = second.wait();
  CHECK(a.code == 0);
  CHECK(b.code == 0);
  CHECK(db.scalar("SELECT count(*) FROM applied_log") == "4");
  CHECK(db.scalar("SELECT count(DISTINCT version) FROM applied_log") == "4");
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "4");
}

TEST_CASE("a held lock makes a runner wait, name the holder, and give up at the timeout") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  LockHolderSession holder(db);

  SECTION("--lock-timeout 0 fails at once with exit 5") {
    auto result = run({"--database-url", db.conninfo(), "--dir", dir.path().string(),
                       "--lock-timeout", "0", "up"});
    CHECK(result.code == 5);
    CHECK_THAT(result.err, Contains("pid " + std::to_string(holder.pid())));
    CHECK_THAT(result.err, Contains("blocker"));
    CHECK_FALSE(db.table_exists("one"));
  }
  SECTION("a waiting runner says who holds the lock, then proceeds once it is free") {
    Process waiting({"--database-url", db.conninfo(), "--dir", dir.path().string(),
                     "--lock-timeout", "60s", "up"},
                    {}, {});
    // Let it through once it has said that it waits, and for whom.
    REQUIRE(waiting.wait_for_err("waiting for the migration lock"));
    holder.release();
    auto result = waiting.wait();
    CHECK(result.code == 0);
    CHECK_THAT(result.err, Contains("held by pid " + std::to_string(holder.pid())));
    CHECK(db.table_exists("one"));
  }
}

TEST_CASE("status does not take the lock") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  LockHolderSession holder(db);
  auto result = run({"--database-url", db.conninfo(), "--dir", dir.path().string(),
                     "--lock-timeout", "0", "status"});
  CHECK(result.code == 0);
  CHECK_THAT(result.out, Contains("0 applied, 1 pending"));
}

TEST_CASE("an up with nothing to do neither waits for the lock nor needs a writable target") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);", std::nullopt);
  const std::vector<std::string> up{"--database-url", db.conninfo(), "--dir", dir.path().string(),
                                    "--lock-timeout", "0",           "up"};
  REQUIRE(run(up).code == 0);

  SECTION("while another session holds the lock") {
    LockHolderSession holder(db);
    auto idle = run(up);
    CHECK(idle.code == 0);
    CHECK_THAT(idle.out, Contains("nothing to do"));
    // A pending migration still needs the lock: exit 5, nothing applied.
    write_migration(dir.path(), "20240103000000_three", "CREATE TABLE three (id int);",
                    std::nullopt);
    auto blocked = run(up);
    CHECK(blocked.code == 5);
    CHECK_FALSE(db.table_exists("three"));
    // Up to a target that is applied: nothing to do, though three is pending.
    auto to_applied = run({"--database-url", db.conninfo(), "--dir", dir.path().string(),
                           "--lock-timeout", "0", "up", "--to", "20240102000000"});
    CHECK(to_applied.code == 0);
    CHECK_THAT(to_applied.out, Contains("nothing to do"));
    CHECK_FALSE(db.table_exists("three"));
  }
  SECTION("on a read-only target") {
    pqxx::connection admin{"dbname=postgres"};
    pqxx::nontransaction{admin}.exec("ALTER DATABASE " + db.name() +
                                     " SET default_transaction_read_only = on");
    auto idle = run(up);
    CHECK(idle.code == 0);
    CHECK_THAT(idle.out, Contains("nothing to do"));
    write_migration(dir.path(), "20240103000000_three", "CREATE TABLE three (id int);",
                    std::nullopt);
    auto refused = run(up);
    CHECK(refused.code == 6);
    CHECK_THAT(refused.err, Contains("read-only"));
    pqxx::nontransaction{admin}.exec("ALTER DATABASE " + db.name() +
                                     " RESET default_transaction_read_only");
    CHECK_FALSE(db.table_exists("three"));
  }
  SECTION("an edited applied migration is still refused") {
    write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id bigint);",
                    std::nullopt);
    auto edited = run(up);
    CHECK(edited.code == 4);
    CHECK_THAT(edited.err, Contains("20240101000000_one"));
  }
}

TEST_CASE("while a step runs, pg_stat_activity shows its statements first") {
  // pg_stat_activity keeps the first 1 KB of a query (track_activity_query_size): what an
  // operator sees there while a migration waits or runs must be the migration's own SQL.
  TempDb db;
  TempDir dir;
  db.query("CREATE TABLE gate (id int)");
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  write_migration(dir.path(), "20240102000000_two",
                  "CREATE TABLE two (id int);\nLOCK TABLE gate;\n", std::nullopt);
  pqxx::connection gate_conn{db.conninfo()};
  auto gate = std::make_unique<pqxx::work>(gate_conn);
  gate->exec("LOCK TABLE gate");
  SECTION("the session's first step") {}
  SECTION("a later step") {
    REQUIRE(run_migrate(db, dir.path(), {"up", "1"}).code == 0);
  }
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  REQUIRE(wait_until([&] { return query_running(db, "LOCK TABLE gate") || runner.exited(); }));
  const std::string shown =
      db.scalar("SELECT query FROM pg_stat_activity WHERE datname = current_database() AND "
                "application_name LIKE 'migrate/%' AND state = 'active'");
  gate->abort();
  const auto result = runner.wait();
  INFO(result.all());
  CHECK(result.code == 0);
  INFO(shown);
  const std::string own = "CREATE TABLE two (id int); LOCK TABLE gate; ";
  const auto at = shown.find(own);
  REQUIRE(at != std::string::npos);
  const auto prepare = shown.find("PREPARE");
  CHECK((prepare == std::string::npos || prepare > at));
  CHECK(shown.rfind("BEGIN; ", 0) == 0);
}

TEST_CASE("a file edited while the run goes on never runs as edited") {
  // Each step's file is read again before it runs (the next one while the
  // step before it is on the server) and compared with the file as checked:
  // a step runs what was checked, or nothing.
  TempDb db;
  TempDir dir;
  db.query("CREATE TABLE gate (id int)");
  const std::string checked = "CREATE TABLE two (id int);\n";
  write_migration(dir.path(), "20240101000000_one",
                  "CREATE TABLE one (id int);\nLOCK TABLE gate;\n", std::nullopt);
  write_migration(dir.path(), "20240102000000_two", checked, std::nullopt);
  pqxx::connection gate_conn{db.conninfo()};
  auto gate = std::make_unique<pqxx::work>(gate_conn);
  gate->exec("LOCK TABLE gate");
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  REQUIRE(wait_until([&] { return query_running(db, "LOCK TABLE gate") || runner.exited(); }));
  write_file(dir.path() / "20240102000000_two" / "up.sql", "CREATE TABLE two_edited (id int);\n");
  gate->abort();
  const auto result = runner.wait();
  INFO(result.all());
  CHECK(db.scalar("SELECT to_regclass('two_edited') IS NULL") == "t");
  CHECK(db.scalar("SELECT to_regclass('one') IS NOT NULL") == "t");
  if (result.code == 0) {
    // Read before the edit: it ran as checked, and the history says which text that was.
    CHECK(db.scalar("SELECT to_regclass('two') IS NOT NULL") == "t");
    CHECK(db.scalar("SELECT checksum FROM migration_history WHERE version = '20240102000000'") ==
          migrate::checksum(checked).hex());
  } else {
    // Read after the edit: refused, nothing of it ran.
    CHECK(result.err.find("changed while migrate was running") != std::string::npos);
    CHECK(db.scalar("SELECT to_regclass('two') IS NULL") == "t");
    CHECK(db.scalar("SELECT count(*) FROM migration_history") == "1");
  }
}
