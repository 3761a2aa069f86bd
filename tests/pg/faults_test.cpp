// Hard faults: the client killed with SIGKILL in the middle of a
// no-transaction migration, and the server restarted in the middle of a step.

#include "harness.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

bool no_migrate_backends(TempDb &db) {
  return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND application_name LIKE 'migrate/%'") == "0";
}

// 20240101000000_nt, no-transaction: line 2 creates `fast`, line 3 sleeps `seconds`, line 4
// creates `never`.
void write_sleeper(const std::filesystem::path &dir, int seconds) {
  write_migration(dir, "20240101000000_nt",
                  "-- migrate:no-transaction\nCREATE TABLE fast (x int);\nSELECT pg_sleep(" +
                      std::to_string(seconds) + ");\nCREATE TABLE never (x int);\n",
                  std::nullopt);
}

// Waits until `runner` is in its pg_sleep(30), still running.
void wait_for_sleep(TempDb &db, Process &runner) {
  REQUIRE(wait_until([&] { return query_running(db, "pg_sleep(30)") || runner.exited(); }));
  REQUIRE_FALSE(runner.exited());
}

// SIGKILLs the client, then ends its server session, which would otherwise run on.
void kill_client_and_backend(Process &runner, TempDb &db) {
  REQUIRE(::kill(runner.pid(), SIGKILL) == 0);
  CHECK(runner.wait().code == 128 + SIGKILL);
  terminate_migrate_backends(db);
  REQUIRE(wait_until([&] { return no_migrate_backends(db); }, std::chrono::seconds(10)));
}

} // namespace

TEST_CASE("a client killed mid no-transaction migration leaves it partial at the line reached") {
  TempDb db;
  TempDir dir;
  write_sleeper(dir.path(), 30);
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  wait_for_sleep(db, runner);
  kill_client_and_backend(runner, db);

  CHECK(db.table_exists("fast"));
  CHECK_FALSE(db.table_exists("never"));
  CHECK(db.scalar("SELECT state || ':' || progress FROM migration_history") == "applying:1");
  const std::string up_sql = (dir.path() / "20240101000000_nt" / "up.sql").string();
  auto next = run_migrate(db, dir.path(), {"up"});
  CHECK(next.code == 8);
  CHECK_THAT(next.err, Contains("20240101000000_nt stopped half-way while applying: 1 "
                                "statement(s) committed; it stopped at " +
                                up_sql + ":3"));
  // Finish it without the sleep: resume starts at line 3, not at line 2 again.
  write_sleeper(dir.path(), 0);
  auto changed = run_migrate(db, dir.path(), {"up", "--resume"});
  CHECK(changed.code == 4);
  CHECK_THAT(changed.err, Contains("cannot resume it"));
  write_sleeper(dir.path(), 30);
  // Resuming with the original file: the sleep is cut short by a statement timeout flag.
  auto resumed = run_migrate(db, dir.path(), {"--statement-timeout", "100ms", "up", "--resume"});
  CHECK(resumed.code == 8);
  CHECK_THAT(resumed.err, Contains(up_sql + ":3: "));
  CHECK_THAT(resumed.err, Contains("57014"));
  CHECK(db.scalar("SELECT state || ':' || progress FROM migration_history") == "applying:1");
}

TEST_CASE("a CREATE INDEX CONCURRENTLY killed while it builds is reported as an INVALID index") {
  TempDb db;
  TempDir dir;
  // The index key sleeps 10 ms per row, so the build lasts about 30 s: it cannot finish
  // between seeing it run and killing it, however loaded the machine is.
  db.query("CREATE FUNCTION slow_key(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
           "$$BEGIN PERFORM pg_sleep(0.01); RETURN x; END$$");
  db.query("CREATE TABLE big AS SELECT g AS x FROM generate_series(1, 3000) g");
  write_migration(dir.path(), "20240101000000_big_index",
                  "-- migrate:no-transaction\n"
                  "CREATE INDEX CONCURRENTLY big_x_idx ON big (slow_key(x));\n",
                  "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY big_x_idx;\n");
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  // The index's catalog entry is committed (it is visible here) and the build is under way.
  const auto building = [&] {
    return db.scalar("SELECT (to_regclass('big_x_idx') IS NOT NULL)::text") == "true" &&
           migrate_building_index(db);
  };
  REQUIRE(wait_until([&] { return building() || runner.exited(); }));
  REQUIRE_FALSE(runner.exited());
  kill_client_and_backend(runner, db);

  CHECK(db.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = "
                  "'big_x_idx'::regclass") == "false");
  CHECK(db.scalar("SELECT state || ':' || progress FROM migration_history") == "applying:0");
  auto next = run_migrate(db, dir.path(), {"up"});
  CHECK(next.code == 8);
  CHECK_THAT(next.err,
             Contains("0 statement(s) committed; it stopped at " +
                      (dir.path() / "20240101000000_big_index" / "up.sql").string() + ":2"));
  CHECK_THAT(next.err, Contains("INVALID indexes left behind: public.big_x_idx"));
  CHECK_THAT(next.err, Contains("migrate up --resume"));
  // The operator drops the invalid index and resumes (with a key that no longer sleeps).
  db.query("DROP INDEX big_x_idx");
  db.query("CREATE OR REPLACE FUNCTION slow_key(x int) RETURNS int IMMUTABLE LANGUAGE sql AS "
           "'SELECT x'");
  auto resumed = run_migrate(db, dir.path(), {"up", "--resume"});
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  CHECK(db.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = "
                  "'big_x_idx'::regclass") == "true");
  CHECK(db.scalar("SELECT state || ':' || progress FROM migration_history") == "applied:0");
}

TEST_CASE("a server restart in the middle of a step: exit 6, then the step runs exactly once",
          "[serial]") {
  TempDb db;
  TempDir dir;
  db.query("CREATE TABLE run_log (step text)");
  write_migration(dir.path(), "20240101000000_logged",
                  "INSERT INTO run_log VALUES ('logged');\n"
                  "CREATE TABLE made (x int);\n"
                  "SELECT pg_sleep(5);\n",
                  "DROP TABLE made;\n");
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  REQUIRE(wait_until([&] { return query_running(db, "pg_sleep(5)") || runner.exited(); }));
  REQUIRE_FALSE(runner.exited());
  restart_server();
  REQUIRE(wait_for_server());
  REQUIRE(wait_until([&] { return runner.exited(); }, std::chrono::seconds(60)));
  auto result = runner.wait();
  INFO(result.all());
  CHECK(result.code == 6);
  CHECK_THAT(result.err, Contains("20240101000000_logged"));
  CHECK_THAT(result.err, Contains("lost the connection"));
  CHECK_THAT(result.err, Contains("checked on a new connection: it did not commit"));
  CHECK(db.scalar("SELECT count(*) FROM run_log") == "0");
  CHECK_FALSE(db.table_exists("made"));

  auto again = run_migrate(db, dir.path(), {"up"});
  INFO(again.all());
  CHECK(again.code == 0);
  CHECK(db.scalar("SELECT count(*) FROM run_log") == "1");
  CHECK(db.scalar("SELECT count(*) FROM migration_history WHERE version = '20240101000000' AND "
                  "state = 'applied'") == "1");
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'apply'") == "1");
  CHECK(db.table_exists("made"));
}

TEST_CASE("a failed first CREATE UNIQUE INDEX CONCURRENTLY leaves the step partial, then resumes") {
  TempDb db;
  TempDir dir;
  db.query("CREATE TABLE dup (x int); INSERT INTO dup VALUES (1), (1), (2)");
  write_migration(dir.path(), "20240101000000_unique",
                  "-- migrate:no-transaction\n"
                  "CREATE UNIQUE INDEX CONCURRENTLY dup_x_key ON dup (x);\n"
                  "CREATE TABLE after_unique (id int);\n",
                  std::nullopt);
  auto failed = run_migrate(db, dir.path(), {"up"});
  INFO(failed.all());
  CHECK(failed.code == 8);
  CHECK_THAT(failed.err, Contains("20240101000000_unique/up.sql:2: "));
  CHECK_THAT(failed.err, Contains("23505"));
  CHECK(db.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = "
                  "'dup_x_key'::regclass") == "false");
  CHECK(db.scalar("SELECT state || ':' || progress FROM migration_history") == "applying:0");
  auto next = run_migrate(db, dir.path(), {"up"});
  CHECK(next.code == 8);
  CHECK_THAT(next.err, Contains("INVALID indexes left behind: public.dup_x_key"));

  // The operator removes the duplicate and the invalid index, then resumes.
  db.query("DELETE FROM dup WHERE ctid = (SELECT max(ctid) FROM dup WHERE x = 1); "
           "DROP INDEX dup_x_key");
  auto resumed = run_migrate(db, dir.path(), {"up", "--resume"});
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  CHECK(db.table_exists("after_unique"));
  CHECK(db.scalar("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('dup_x_key') "
                  "AND indisvalid") == "1");
  CHECK(db.scalar("SELECT string_agg(state || ':' || progress, ',') FROM migration_history") ==
        "applied:0");
}

TEST_CASE("a session terminated mid no-transaction migration is a lost connection (exit 6)") {
  TempDb db;
  TempDir dir;
  write_sleeper(dir.path(), 30);
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  wait_for_sleep(db, runner);
  CHECK(terminate_migrate_backends(db) >= 1);
  auto result = runner.wait();
  INFO(result.all());
  CHECK(result.code == 6);
  CHECK_THAT(result.err, Contains("lost the connection"));
  CHECK_THAT(result.err, Contains("terminating connection due to administrator command"));
  CHECK(db.table_exists("fast"));
  CHECK_FALSE(db.table_exists("never"));
  CHECK(db.scalar("SELECT state || ':' || progress FROM migration_history") == "applying:1");
}

TEST_CASE("a session terminated mid transactional step is a lost connection, and nothing stays") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_slow",
                  "CREATE TABLE made (x int);\nSELECT pg_sleep(30);\n", std::nullopt);
  Process runner(migrate_args(db, dir.path(), {"up"}), {}, {});
  wait_for_sleep(db, runner);
  CHECK(terminate_migrate_backends(db) >= 1);
  auto result = runner.wait();
  INFO(result.all());
  CHECK(result.code == 6);
  CHECK_THAT(result.err, Contains("terminating connection due to administrator command"));
  CHECK_THAT(result.err, !Contains("reactivat"));
  CHECK_FALSE(db.table_exists("made"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");
}

namespace {

// A TCP port on 127.0.0.1 that completes connections (the kernel's backlog) and never
// answers: a server that hangs at startup.
class SilentListener {
public:
  SilentListener() : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(m_fd >= 0);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_fd, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(m_fd); }
  SilentListener(const SilentListener &) = delete;
  SilentListener &operator=(const SilentListener &) = delete;
  int port() const { return m_port; }

private:
  int m_fd;
  int m_port = 0;
};

} // namespace

TEST_CASE("a server that never answers: connect_timeout ends the attempt (exit 6)") {
  SilentListener silent;
  TempDir dir;
  const std::string port = std::to_string(silent.port());
  auto status = run({"--database-url", "postgresql://u@127.0.0.1:" + port + "/x?connect_timeout=2",
                     "--dir", dir.path().string(), "status"});
  CHECK(status.code == 6);
  CHECK_THAT(status.err, Contains("cannot connect to 127.0.0.1:" + port + "/x: timeout expired"));

  auto env_timeout = run({"--database-url", "host=127.0.0.1 port=" + port + " dbname=x", "--dir",
                          dir.path().string(), "status"},
                         {{"PGCONNECT_TIMEOUT", "2"}});
  CHECK(env_timeout.code == 6);
  CHECK_THAT(env_timeout.err, Contains("timeout expired"));

  auto wait = run(
      {"--database-url", "host=127.0.0.1 port=" + port + " dbname=x", "wait", "--timeout", "1s"});
  CHECK(wait.code == 6);
  CHECK_THAT(wait.err, Contains("did not accept connections within 1000 ms (no response)"));
}
