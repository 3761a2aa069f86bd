// Named environments as operators use them: protected environments, the
// effective configuration, and waiting for the database to come up.

#include "harness.hpp"
#include "json_check.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

TEST_CASE("a protected environment: down, redo and baseline need --yes") {
  TempDb db;
  TempDir dir;
  TempDir conf;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);\n",
                  "DROP TABLE one;\n");
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);\n",
                  "DROP TABLE two;\n");
  const fs::path file = conf.path() / "migrate.yaml";
  write_file(file, "production:\n"
                   "  dbname: " +
                       db.name() +
                       "\n"
                       "  dir: " +
                       dir.path().string() +
                       "\n"
                       "  protected: true\n");
  const std::vector<std::string> prod{"--config", file.string(), "--env", "production"};
  auto with = [&](std::vector<std::string> args) {
    std::vector<std::string> all = prod;
    all.insert(all.end(), args.begin(), args.end());
    return run(all);
  };
  const auto history = [&] {
    return db.scalar("SELECT coalesce(string_agg(version, ',' ORDER BY version), '') FROM "
                     "migration_history");
  };

  auto up = with({"up", "--count", "1"});
  INFO(up.all());
  CHECK(up.code == 0); // applying needs no confirmation
  const std::string where = file.string() + ":4:14";
  for (const std::vector<std::string> &args : {std::vector<std::string>{"down"},
                                               {"redo"},
                                               {"baseline", "20240102000000"},
                                               {"down", "--to", "0"},
                                               {"down", "--json"}}) {
    auto refused = with(args);
    INFO(args.front() << ": " << refused.all());
    CHECK(refused.code == 2);
    CHECK_THAT(refused.err, Contains("environment 'production' is protected (" + where +
                                     "): migrate " + args.front() + " needs --yes"));
    CHECK(history() == "20240101000000");
    CHECK(db.table_exists("one"));
  }
  auto json = with({"down", "--json"});
  CHECK(JsonCheck::valid(json.out));
  CHECK_THAT(json.out, Contains("\"exit_code\":2"));

  // Adopting another tool's history records migrations as applied, like baseline.
  TempDir diesel;
  write_file(diesel.path() / "2024-01-01-000000_three" / "up.sql",
             "CREATE TABLE three (id int);\n");
  write_file(diesel.path() / "2024-01-01-000000_three" / "down.sql", "DROP TABLE three;\n");
  TempDir imported;
  auto adopt = with({"--dir", (imported.path() / "m").string(), "import", "--from", "diesel",
                     diesel.path().string(), "--adopt-history"});
  CHECK(adopt.code == 2);
  CHECK_THAT(adopt.err, Contains("): migrate import --adopt-history needs --yes"));
  CHECK_FALSE(fs::exists(imported.path() / "m"));

  auto preview = with({"down", "--dry-run"});
  CHECK(preview.code == 0); // a dry run changes nothing
  CHECK_THAT(preview.out, Contains("DROP TABLE one"));

  CHECK(with({"redo", "--yes"}).code == 0);
  db.query("CREATE TABLE two (id int)"); // in place already: what baseline records
  CHECK(with({"baseline", "20240102000000", "-y"}).code == 0);
  CHECK(history() == "20240101000000,20240102000000");
  CHECK(with({"down", "--to", "0", "--yes"}).code == 0);
  CHECK(history().empty());
  CHECK_FALSE(db.table_exists("one"));
}

TEST_CASE("config prints the effective settings, where each comes from, password masked") {
  TempDir conf;
  const fs::path file = conf.path() / "migrate.yaml";
  write_file(file, "development:\n"
                   "  url: postgresql://app:Pa55-literal@db.example:6543/app\n"
                   "  statement_timeout: 10m\n"
                   "  protected: true\n");
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  auto text = run({"--config", file.string(), "--dir", "db/migrations", "config"},
                  {{"MIGRATE_LOCK_TIMEOUT", "90s"}, {"DATABASE_URL", ""}});
  INFO(text.all());
  CHECK(text.code == 0);
  CHECK(text.err.empty()); // mode 0600: no warning
  CHECK(text.all().find("Pa55-literal") == std::string::npos);
  CHECK_THAT(text.out, Contains("# configuration file: " + file.string() + "\n"));
  CHECK_THAT(text.out, Contains("database           postgresql://app:***@db.example:6543/app"));
  CHECK_THAT(text.out, Contains("# " + file.string() + ":2:8\n"));
  CHECK_THAT(text.out, Contains("dir                db/migrations"));
  CHECK_THAT(text.out, Contains("# --dir\n"));
  CHECK_THAT(text.out, Contains("lock_timeout       90s"));
  CHECK_THAT(text.out, Contains("# MIGRATE_LOCK_TIMEOUT\n"));
  CHECK_THAT(text.out, Contains("statement_timeout  10m"));
  CHECK_THAT(text.out, Contains("protected          true"));
  CHECK_THAT(text.out, Contains("history_table      public.migration_history"));

  auto json = run({"--config", file.string(), "config", "--json"}, {{"DATABASE_URL", ""}});
  INFO(json.all());
  CHECK(json.code == 0);
  CHECK(JsonCheck::valid(json.out));
  CHECK_THAT(json.out, Contains("\"database\":{\"value\":\"postgresql://app:***@db.example:6543/"
                                "app\",\"origin\":\"" +
                                file.string() + ":2:8\"}"));
  CHECK_THAT(json.out, Contains("\"protected\":{\"value\":true,"));
  CHECK_THAT(json.out, Contains("\"ddl_lock_timeout\":{\"value\":null,\"origin\":\"default\"}"));

  SECTION("a file others can read earns a warning naming the line, never the password") {
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    auto warned = run({"--config", file.string(), "config"}, {{"DATABASE_URL", ""}});
    CHECK(warned.code == 0);
    CHECK_THAT(warned.err, Contains("migrate: warning: " + file.string() +
                                    ":2:8: a literal password in a file that others can read "
                                    "(mode 0644)"));
    CHECK(warned.all().find("Pa55-literal") == std::string::npos);
    // --json carries it in "warnings" too.
    auto json_warned = run({"--config", file.string(), "config", "--json"}, {{"DATABASE_URL", ""}});
    CHECK(JsonCheck::valid(json_warned.out));
    CHECK_THAT(json_warned.out, Contains("\"warnings\":[\"" + file.string() +
                                         ":2:8: a literal password in a file that others can "
                                         "read (mode 0644)"));
    CHECK(json_warned.out.find("Pa55-literal") == std::string::npos);
  }
}

TEST_CASE("config masks passwords that need quoting or escapes, and sslpassword") {
  TempDir conf;
  const fs::path file = conf.path() / "migrate.yaml";
  write_file(file, "development:\n  host: db.example\n  password: \"it's\\\\x\"\n  dbname: app\n");
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  auto from_file = run({"--config", file.string(), "config"}, {{"DATABASE_URL", ""}});
  INFO(from_file.all());
  CHECK(from_file.code == 0);
  CHECK_THAT(from_file.out, Contains("password='***'"));
  CHECK(from_file.all().find("it\\'s") == std::string::npos); // as written in the string
  CHECK(from_file.all().find("it's") == std::string::npos);   // as meant

  auto from_flag =
      run({"--database-url", "host=h password='a\\\\b' sslpassword=key1 dbname=x", "config"},
          {{"DATABASE_URL", ""}});
  INFO(from_flag.all());
  CHECK(from_flag.code == 0);
  CHECK_THAT(from_flag.out, Contains("host=h password='***' sslpassword=*** dbname=x"));
  CHECK(from_flag.all().find("key1") == std::string::npos);
}

TEST_CASE("a bad configuration file is refused with its line and column, by every command") {
  TempDir conf;
  const fs::path file = conf.path() / "migrate.yaml";
  write_file(file, "development: &dev\n  dbname: app\nproduction: *dev\n");
  for (const char *command : {"config", "status", "up"}) {
    auto result = run({"--config", file.string(), command});
    CHECK(result.code == 2);
    CHECK_THAT(result.err, Contains(file.string() + ":1:14: YAML anchors (&dev) are not allowed"));
  }
}

TEST_CASE("wait returns once the database accepts connections, or gives up with exit 6") {
  TempDb db;
  auto ready = run({"--database-url", db.conninfo(), "wait", "--timeout", "10s"});
  INFO(ready.all());
  CHECK(ready.code == 0);
  CHECK_THAT(ready.out, Contains("accepts connections"));

  // Nothing listens on port 1 of the loopback interface.
  auto down = run({"--database-url", "host=127.0.0.1 port=1 dbname=x", "wait", "--timeout", "1s"});
  INFO(down.all());
  CHECK(down.code == 6);
  CHECK_THAT(down.err, Contains("waiting for 127.0.0.1:1/x (no response)"));
  CHECK_THAT(down.err,
             Contains("127.0.0.1:1/x did not accept connections within 1000 ms (no response)"));

  auto quiet = run({"-q", "--database-url", db.conninfo(), "wait"});
  CHECK(quiet.code == 0);
  CHECK(quiet.out.empty());

  // The server answers, so there is no waiting, but logging in fails: said at once.
  auto missing = run({"--database-url", "dbname=no_such_db_x", "wait", "--timeout", "30s"});
  CHECK(missing.code == 6);
  CHECK_THAT(missing.err, Contains("database \"no_such_db_x\" does not exist"));

  auto bad = run({"--database-url", db.conninfo(), "wait", "--timeout", "soon"});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Contains("--timeout: 'soon' is not a duration"));
}

TEST_CASE("wait keeps polling until the server appears and then returns") {
  TempDb db;
  const char *host = std::getenv("PGHOST");
  const char *port_env = std::getenv("PGPORT");
  REQUIRE(host != nullptr);
  REQUIRE(host[0] == '/'); // scripts/test.sh: PGHOST is the cluster's socket directory
  const std::string port = port_env != nullptr ? port_env : "5432";
  const std::string socket = ".s.PGSQL." + port;
  // An empty socket directory: nothing answers there until the socket is linked in.
  TempDir dir;
  Process waiter({"--database-url",
                  "host=" + dir.path().string() + " port=" + port + " dbname=" + db.name(), "wait",
                  "--timeout", "60s"},
                 {}, {});
  REQUIRE(waiter.wait_for_err("(no response)", std::chrono::seconds(30)));
  CHECK_FALSE(waiter.exited());
  fs::create_symlink(fs::path(host) / socket, dir.path() / socket);
  REQUIRE(wait_until([&] { return waiter.exited(); }, std::chrono::seconds(30)));
  auto result = waiter.wait();
  INFO(result.all());
  CHECK(result.code == 0);
  CHECK_THAT(result.err, Contains("migrate: waiting for "));
  CHECK_THAT(result.out, Contains("accepts connections (waited "));
}
