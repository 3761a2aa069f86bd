// The command line: exit codes for bad input, configuration files, `new`,
// read-only targets, and passwords never shown.

#include "harness.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

std::string port() {
  const char *value = std::getenv("PGPORT");
  return value != nullptr ? value : "5432";
}

// A TCP URL to 127.0.0.1, where the throwaway cluster asks for a password.
std::string tcp_url(const std::string &user, const std::string &password,
                    const std::string &dbname) {
  return "postgresql://" + user + ":" + password + "@127.0.0.1:" + port() + "/" + dbname;
}

void require_no_secret(const Result &result, const std::string &secret) {
  INFO(result.all());
  CHECK(result.all().find(secret) == std::string::npos);
}

} // namespace

TEST_CASE("an invalid tree is refused with exit 3 before connecting") {
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "SELECT 1;", std::nullopt);
  write_file(dir.path() / "not-a-migration" / "up.sql", "SELECT 1;");
  // The server does not exist: the tree is checked first.
  auto result = run({"--database-url", "postgresql://nobody@127.0.0.1:1/none", "--dir",
                     dir.path().string(), "up"});
  CHECK(result.code == 3);
  CHECK_THAT(result.err, Contains((dir.path() / "not-a-migration").string()));
}

TEST_CASE("an invalid tree is reported before a history table of another structure") {
  // The history is read while the tree is read (up and status): the tree's error still wins,
  // and nothing is written.
  TempDb db;
  TempDir dir;
  db.query("CREATE TABLE public.migration_history (version bigint PRIMARY KEY, note text)");
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  write_file(dir.path() / "not-a-migration" / "up.sql", "SELECT 1;");
  for (const char *command : {"up", "status"}) {
    auto result = run({"--database-url", db.conninfo(), "--dir", dir.path().string(), command});
    INFO(command << ": " << result.err);
    CHECK(result.code == 3);
    CHECK_THAT(result.err, Contains((dir.path() / "not-a-migration").string()));
  }
  std::filesystem::remove_all(dir.path() / "not-a-migration");
  auto foreign = run({"--database-url", db.conninfo(), "--dir", dir.path().string(), "up"});
  CHECK(foreign.code == 4);
  CHECK_FALSE(db.table_exists("one"));
}

TEST_CASE("an unreachable server exits 6") {
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "SELECT 1;", std::nullopt);
  auto result = run({"--database-url", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=5",
                     "--dir", dir.path().string(), "up"});
  CHECK(result.code == 6);
  CHECK_THAT(result.err, Contains("cannot connect to 127.0.0.1:1/none"));
}

TEST_CASE("bad flags and bad configuration exit 2 and name the problem") {
  TempDir dir;
  SECTION("an unknown flag") {
    auto result = run({"up", "--no-such-flag"});
    CHECK(result.code == 2);
    CHECK_THAT(result.err, Contains("--no-such-flag"));
  }
  SECTION("a count below 1, or not a number") {
    for (const char *count : {"-1", "0", "abc", "2147483648"}) {
      auto result = run({"--dir", dir.path().string(), "down", "--count", count});
      CHECK(result.code == 2);
      CHECK(result.err == std::string("migrate: --count: must be a whole number from 1 to "
                                      "2147483647, not '") +
                              count + "' (see migrate down --help)\n");
    }
    auto positional = run({"--dir", dir.path().string(), "up", "0"});
    CHECK(positional.code == 2);
    CHECK_THAT(positional.err, Contains("N: must be a whole number from 1 to 2147483647, not '0'"));
    auto limit = run({"log", "--limit", "1000001"});
    CHECK(limit.code == 2);
    CHECK_THAT(limit.err, Contains("--limit: must be a whole number from 1 to 1000000"));
  }
  SECTION("a bad --to") {
    auto result = run({"--dir", dir.path().string(), "up", "--to", "2024"});
    CHECK(result.code == 2);
    CHECK(result.err == "migrate: --to: '2024' is not a version (14 digits, or 0)\n");
    auto zeros = run({"--dir", dir.path().string(), "down", "--to", "00000000000000"});
    CHECK(zeros.code == 2);
    CHECK(zeros.err == "migrate: --to: '00000000000000' is not a version (all zeros)\n");
    auto accept = run({"--dir", dir.path().string(), "accept", "00000000000000"});
    CHECK(accept.code == 2);
    CHECK(accept.err == "migrate: accept: '00000000000000' is not a version (all zeros)\n");
  }
  SECTION("no command, an unknown command, with the nearest one for a typo") {
    auto none = run({"--dir", dir.path().string()});
    CHECK(none.code == 2);
    CHECK_THAT(none.err, Contains("no command given; one of: up, down, redo, plan, status"));
    auto typo = run({"--dir", dir.path().string(), "stauts", "--json"});
    CHECK(typo.code == 2);
    CHECK(typo.err ==
          "migrate: unknown command 'stauts'; did you mean 'status'? (see migrate --help)\n");
    auto unknown = run({"frobnicate"});
    CHECK(unknown.code == 2);
    CHECK(unknown.err == "migrate: unknown command 'frobnicate' (see migrate --help)\n");
  }
  SECTION("an unknown option or an extra argument, with the command's help") {
    auto typo = run({"--dir", dir.path().string(), "up", "--dryrun"});
    CHECK(typo.code == 2);
    CHECK(typo.err == "migrate: unknown option '--dryrun'; did you mean '--dry-run'? (see "
                      "migrate up --help)\n");
    auto global = run({"--databse-url=x", "status"});
    CHECK(global.code == 2);
    CHECK_THAT(global.err, Contains("unknown option '--databse-url'; did you mean "
                                    "'--database-url'? (see migrate status --help)"));
    auto extra = run({"status", "extra"});
    CHECK(extra.code == 2);
    CHECK(extra.err ==
          "migrate: unexpected argument 'extra' for status (see migrate status --help)\n");
  }
  SECTION("import from a tool it cannot read, with the way for Flyway") {
    auto unknown = run({"--dir", dir.path().string(), "import", "--from", "sqitch", "."});
    CHECK(unknown.code == 2);
    CHECK(unknown.err == "migrate: --from: unknown tool 'sqitch' (known: diesel, node-pg-migrate, "
                         "golang-migrate, goose, dbmate, postgrator)\n");
    auto flyway = run({"--dir", dir.path().string(), "import", "--from", "flyway", "."});
    CHECK(flyway.code == 2);
    CHECK_THAT(flyway.err, Contains("; Flyway is converted by hand, see "
                                    "docs/migrating-from.md#flyway"));
  }
  SECTION("an unknown key in the configuration file, with file:line:col") {
    write_file(dir.path() / "migrate.yaml",
               "development:\n  url: postgresql:///x\n  colour: red\n");
    auto result = run({"--config", (dir.path() / "migrate.yaml").string(), "status"});
    CHECK(result.code == 2);
    CHECK_THAT(result.err, Contains("migrate.yaml:3:3"));
    CHECK_THAT(result.err, Contains("colour"));
  }
  SECTION("an unknown environment") {
    write_file(dir.path() / "migrate.yaml", "development:\n  url: postgresql:///x\n");
    auto result =
        run({"--config", (dir.path() / "migrate.yaml").string(), "--env", "staging", "status"});
    CHECK(result.code == 2);
    CHECK_THAT(result.err, Contains("staging"));
    CHECK_THAT(result.err, Contains("development"));
  }
  SECTION("an unset variable in the configuration file") {
    write_file(dir.path() / "migrate.yaml",
               "development:\n  url: postgresql:///x\n  dir: ${MIGRATE_TEST_UNSET_VAR}\n");
    auto result = run({"--config", (dir.path() / "migrate.yaml").string(), "status"},
                      {{"MIGRATE_TEST_UNSET_VAR", ""}});
    CHECK(result.code == 2);
    CHECK_THAT(result.err, Contains("MIGRATE_TEST_UNSET_VAR"));
  }
}

TEST_CASE("the configuration file selects the database, directory and history table") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path() / "db", "20240101000000_one", "CREATE TABLE one (id int);",
                  std::nullopt);
  write_file(dir.path() / "migrate.yaml", "development:\n  url: postgresql:///nowhere\n"
                                          "test:\n  dbname: " +
                                              db.name() +
                                              "\n  dir: db\n  history_table: app.history\n");
  // The file sits in the working directory; the environment is chosen by flag.
  auto result = run({"--env", "test", "up"}, {}, dir.path());
  REQUIRE(result.code == 0);
  CHECK(db.table_exists("one"));
  CHECK(db.scalar("SELECT count(*) FROM app.history") == "1");
}

TEST_CASE("new creates a migration inside the directory, whatever the name") {
  TempDir dir;
  const fs::path migrations = dir.path() / "migrations";
  auto first = run({"--dir", migrations.string(), "new", "Add users table"});
  REQUIRE(first.code == 0);
  auto second = run({"--dir", migrations.string(), "new", "../../../escape/../../x"});
  REQUIRE(second.code == 0);
  auto third = run({"--dir", migrations.string(), "new", "/etc/passwd"});
  REQUIRE(third.code == 0);
  std::vector<std::string> names;
  for (const auto &entry : fs::directory_iterator(migrations)) {
    names.push_back(entry.path().filename().string());
    CHECK(fs::exists(entry.path() / "up.sql"));
    CHECK(fs::exists(entry.path() / "down.sql"));
  }
  std::sort(names.begin(), names.end());
  REQUIRE(names.size() == 3);
  CHECK(names[0].substr(15) == "add_users_table");
  // Nothing was written outside the migrations directory.
  for (const auto &entry : fs::recursive_directory_iterator(dir.path())) {
    CHECK(entry.path().string().rfind(migrations.string(), 0) == 0);
  }
  auto empty = run({"--dir", migrations.string(), "new", "!!!"});
  CHECK(empty.code == 2);
  // The template is what templates/up.sql holds.
  CHECK(read_file(migrations / names[0] / "up.sql") ==
        read_file(fs::path(MIGRATE_SOURCE_DIR) / "templates" / "up.sql"));
}

TEST_CASE("a read-only target is refused with exit 6 and nothing is created") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  db.query("ALTER DATABASE " + db.name() + " SET default_transaction_read_only = on");
  auto result = run({"--database-url", db.conninfo(), "--dir", dir.path().string(), "up"});
  CHECK(result.code == 6);
  CHECK_THAT(result.err, Contains("read-only"));
  CHECK_FALSE(db.table_exists("public.migration_history"));
}

TEST_CASE("no password appears in any output") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);\nSELECT 1/0;",
                  std::nullopt);
  const std::string secret = "Sup3r-s3cret-pa55";
  db.query("DROP ROLE IF EXISTS migrate_pw_user");
  db.query("CREATE ROLE migrate_pw_user LOGIN PASSWORD '" + secret + "'");
  db.query("GRANT ALL ON DATABASE " + db.name() + " TO migrate_pw_user");
  db.query("GRANT ALL ON SCHEMA public TO migrate_pw_user");
  const std::vector<std::string> tree{"--dir", dir.path().string()};

  SECTION("a wrong password") {
    auto result = run({"--database-url", tcp_url("migrate_pw_user", "wrong-" + secret, db.name()),
                       "--dir", dir.path().string(), "up"});
    CHECK(result.code == 6);
    require_no_secret(result, secret);
  }
  SECTION("a malformed percent-encoded password") {
    auto result = run({"--database-url", tcp_url("migrate_pw_user", secret + "%zz", db.name()),
                       "--dir", dir.path().string(), "up"});
    CHECK(result.code == 6);
    require_no_secret(result, secret);
  }
  SECTION("the right password, through a failing migration and status") {
    const auto url = tcp_url("migrate_pw_user", secret, db.name());
    auto up = run({"--database-url", url, "--dir", dir.path().string(), "up"});
    CHECK(up.code == 7);
    require_no_secret(up, secret);
    auto status = run({"--database-url", url, "--dir", dir.path().string(), "status"});
    CHECK(status.code == 0);
    require_no_secret(status, secret);
    auto json = run({"--database-url", url, "--dir", dir.path().string(), "up", "--json"});
    CHECK(json.code == 7);
    require_no_secret(json, secret);
    auto config = run({"--database-url", url, "config"});
    CHECK(config.code == 0);
    CHECK_THAT(config.out, Contains("migrate_pw_user:***@127.0.0.1"));
    require_no_secret(config, secret);
    auto config_json = run({"--database-url", url, "config", "--json"});
    CHECK(config_json.code == 0);
    require_no_secret(config_json, secret);
    auto wait = run({"--database-url", url, "wait"});
    CHECK(wait.code == 0);
    require_no_secret(wait, secret);
  }
  SECTION("a wrong password while waiting for the server") {
    auto result = run({"--database-url", tcp_url("migrate_pw_user", "wrong-" + secret, db.name()),
                       "wait", "--timeout", "5s"});
    CHECK(result.code == 6);
    CHECK_THAT(result.err, Contains("password authentication failed"));
    require_no_secret(result, secret);
  }
  SECTION("a password from the configuration file") {
    TempDir config_dir;
    write_file(config_dir.path() / "migrate.yaml",
               "development:\n  host: 127.0.0.1\n  port: " + port() +
                   "\n  user: migrate_pw_user\n  dbname: " + db.name() +
                   "\n  password: ${MIGRATE_TEST_PW}\n");
    auto result = run({"--config", (config_dir.path() / "migrate.yaml").string(), "--dir",
                       dir.path().string(), "up"},
                      {{"MIGRATE_TEST_PW", "wrong-" + secret}});
    CHECK(result.code == 6);
    require_no_secret(result, secret);
  }
  db.query("DROP OWNED BY migrate_pw_user");
  db.query("DROP ROLE migrate_pw_user");
}

TEST_CASE("node-pg-migrate's habit: `up N` and `down N` are --count N") {
  TempDb db;
  TempDir dir;
  for (int i = 1; i <= 4; ++i) {
    const std::string n = std::to_string(i);
    write_migration(dir.path(), "2024010100000" + n + "_t" + n, "CREATE TABLE t" + n + " ();\n",
                    "DROP TABLE t" + n + ";\n");
  }
  auto up = run_migrate(db, dir.path(), {"up", "3"});
  INFO(up.all());
  CHECK(up.code == 0);
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "3");
  CHECK_FALSE(db.table_exists("t4"));

  auto down = run_migrate(db, dir.path(), {"down", "2"});
  INFO(down.all());
  CHECK(down.code == 0);
  CHECK(db.scalar("SELECT string_agg(version, ',' ORDER BY version) FROM migration_history") ==
        "20240101000001");

  auto both = run_migrate(db, dir.path(), {"up", "2", "--count", "2"});
  CHECK(both.code == 2);
  CHECK_THAT(both.err, Contains("either N or --count N"));
  auto with_to = run_migrate(db, dir.path(), {"up", "2", "--to", "20240101000004"});
  CHECK(with_to.code == 2);
  auto zero = run_migrate(db, dir.path(), {"up", "0"});
  CHECK(zero.code == 2);
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "1");
}

TEST_CASE("status --exit-code exits 9 until every migration is applied") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000001_one", "CREATE TABLE one ();\n", "DROP TABLE one;\n");
  write_migration(dir.path(), "20240101000002_two", "CREATE TABLE two ();\n", "DROP TABLE two;\n");

  auto pending = run_migrate(db, dir.path(), {"status", "--exit-code"});
  INFO(pending.all());
  CHECK(pending.code == 9);
  CHECK_THAT(pending.out, Contains("pending"));
  auto without = run_migrate(db, dir.path(), {"status"});
  CHECK(without.code == 0);

  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  auto applied = run_migrate(db, dir.path(), {"status", "--exit-code", "--json"});
  INFO(applied.all());
  CHECK(applied.code == 0);

  // An edited applied up.sql is not "up to date" either.
  write_file(dir.path() / "20240101000002_two" / "up.sql", "CREATE TABLE two (id int);\n");
  auto changed = run_migrate(db, dir.path(), {"status", "--exit-code"});
  CHECK(changed.code == 9);
  CHECK_THAT(changed.out, Contains("changed"));
}
