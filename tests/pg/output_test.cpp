// Output for people and for programs: --json on up/down/redo, --quiet,
// --verbose, colours and the aligned log table.

#include "harness.hpp"
#include "json_check.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

void two_good_one_bad(const fs::path &dir) {
  write_migration(dir, "20240101000000_one", "CREATE TABLE one (id int);\n", "DROP TABLE one;\n");
  write_migration(dir, "20240102000000_two", "CREATE TABLE two (id int);\n", "DROP TABLE two;\n");
  write_migration(dir, "20240103000000_three",
                  "CREATE TABLE three (id int);\n"
                  "INSERT INTO missing VALUES (1);\n",
                  "DROP TABLE three;\n");
}

} // namespace

TEST_CASE("up --json: the steps with durations, and the error object of a failed step") {
  TempDb db;
  TempDir dir;
  two_good_one_bad(dir.path());
  auto up = run_migrate(db, dir.path(), {"up", "--json"});
  INFO(up.all());
  CHECK(up.code == 7);
  CHECK(JsonCheck::valid(up.out));
  CHECK_THAT(up.out, Contains("{\"command\":\"up\",\"ok\":false,\"exit_code\":7,\"steps\":["
                              "{\"direction\":\"up\",\"version\":\"20240101000000\",\"name\":"
                              "\"one\",\"duration_ms\":"));
  CHECK_THAT(up.out, Contains("{\"direction\":\"up\",\"version\":\"20240102000000\",\"name\":"
                              "\"two\",\"duration_ms\":"));
  CHECK(up.out.find("\"name\":\"three\",\"duration_ms\"") == std::string::npos);
  const std::string file = (dir.path() / "20240103000000_three" / "up.sql").string();
  CHECK_THAT(up.out, Contains("\"direction\":\"up\",\"version\":\"20240103000000\",\"name\":"
                              "\"three\",\"file\":\"" +
                              file +
                              "\",\"line\":2,\"sqlstate\":\"42P01\",\"server_message\":"
                              "\"relation \\\"missing\\\" does not exist\""));
  CHECK_THAT(up.out, Contains("\"rolled_back\":true}}"));
  // The human report still goes to stderr.
  CHECK_THAT(up.err, Contains(file + ":2: relation \"missing\" does not exist"));
  CHECK(db.scalar("SELECT string_agg(version, ',' ORDER BY version) FROM migration_history") ==
        "20240101000000,20240102000000");

  SECTION("down and redo print the same document") {
    auto down = run_migrate(db, dir.path(), {"down", "--json"});
    INFO(down.all());
    CHECK(down.code == 0);
    CHECK(JsonCheck::valid(down.out));
    CHECK_THAT(down.out, Contains("{\"command\":\"down\",\"ok\":true,\"exit_code\":0,\"steps\":["
                                  "{\"direction\":\"down\",\"version\":\"20240102000000\""));
    CHECK_THAT(down.out, Contains("\"error\":null}"));
    auto redo = run_migrate(db, dir.path(), {"redo", "--json"});
    INFO(redo.all());
    CHECK(redo.code == 0);
    CHECK(JsonCheck::valid(redo.out));
    CHECK_THAT(redo.out, Contains("\"steps\":[{\"direction\":\"down\",\"version\":"
                                  "\"20240101000000\",\"name\":\"one\",\"duration_ms\":"));
    CHECK_THAT(redo.out, Contains("},{\"direction\":\"up\",\"version\":\"20240101000000\""));
  }
  SECTION("nothing to do is an empty list") {
    fs::remove_all(dir.path() / "20240103000000_three");
    auto again = run_migrate(db, dir.path(), {"up", "--json"});
    CHECK(again.code == 0);
    CHECK(JsonCheck::valid(again.out));
    CHECK_THAT(again.out, Contains("\"ok\":true,\"exit_code\":0,\"steps\":[],"));
    CHECK(again.err.empty());
  }
}

TEST_CASE("json output: an error before any step still prints one document") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);\n", std::nullopt);
  write_file(dir.path() / "not-a-migration.txt", "x");
  auto result = run_migrate(db, dir.path(), {"up", "--json"});
  CHECK(result.code == 3);
  CHECK(JsonCheck::valid(result.out));
  CHECK_THAT(result.out, Contains("\"ok\":false,\"exit_code\":3,\"steps\":[]"));
  CHECK_THAT(result.out, Contains("\"error\":{\"message\":"));
  CHECK_THAT(result.out, Contains("not-a-migration.txt"));
  CHECK_THAT(result.out, Contains("\"sqlstate\":null"));
  CHECK_FALSE(db.table_exists("public.migration_history"));
}

TEST_CASE("quiet prints nothing but problems, verbose echoes each statement") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one",
                  "CREATE TABLE one (id int);\n\nCREATE INDEX one_id ON one (id);\n",
                  "DROP TABLE one;\n");
  write_migration(dir.path(), "20240102000000_nt",
                  "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY one_id2 ON one (id);\n",
                  "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY one_id2;\n");
  auto verbose = run_migrate(db, dir.path(), {"-v", "up"});
  INFO(verbose.all());
  CHECK(verbose.code == 0);
  const std::string one = (dir.path() / "20240101000000_one" / "up.sql").string();
  const std::string nt = (dir.path() / "20240102000000_nt" / "up.sql").string();
  CHECK_THAT(verbose.out, Contains("-- " + one + ":1\nCREATE TABLE one (id int);\n-- " + one +
                                   ":3\nCREATE INDEX one_id ON one (id);\n[1/2] up   "
                                   "20240101000000_one ... "));
  CHECK_THAT(verbose.out,
             Contains("-- " + nt + ":2\nCREATE INDEX CONCURRENTLY one_id2 ON one (id);\n"));

  auto quiet = run_migrate(db, dir.path(), {"down", "--count", "2", "--quiet"});
  INFO(quiet.all());
  CHECK(quiet.code == 0);
  CHECK(quiet.out.empty());
  CHECK(quiet.err.empty());
  CHECK_FALSE(db.table_exists("one"));

  auto both = run_migrate(db, dir.path(), {"-q", "-v", "up"});
  CHECK(both.code == 2);
  CHECK_THAT(both.err, Contains("--quiet and --verbose cannot be used together"));
  CHECK_FALSE(db.table_exists("one"));
}

TEST_CASE("colour only when asked or on a terminal, and never with NO_COLOR") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);\n", std::nullopt);
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);\n", std::nullopt);
  REQUIRE(run_migrate(db, dir.path(), {"up", "--count", "1"}).code == 0);
  const std::string esc = "\033[";

  auto piped = run_migrate(db, dir.path(), {"status"});
  CHECK(piped.code == 0);
  CHECK(piped.out.find(esc) == std::string::npos);

  auto always = run_migrate(db, dir.path(), {"--color", "always", "status"});
  CHECK(always.code == 0);
  CHECK_THAT(always.out, Contains(esc + "32mapplied  " + esc + "0m"));
  CHECK_THAT(always.out, Contains(esc + "33mpending  " + esc + "0m"));

  auto no_color = run_migrate(db, dir.path(), {"--color", "always", "status"}, {{"NO_COLOR", "1"}});
  CHECK(no_color.code == 0);
  CHECK(no_color.out.find(esc) == std::string::npos);
  CHECK_THAT(no_color.out, Contains("applied"));

  auto never = run_migrate(db, dir.path(), {"--color", "never", "up"});
  CHECK(never.code == 0);
  CHECK(never.out.find(esc) == std::string::npos);

  auto bad = run_migrate(db, dir.path(), {"--color", "sometimes", "status"});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Contains("--color"));
}

TEST_CASE("log prints an aligned table with a header") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_a_long_migration_name",
                  "CREATE TABLE one (id int);\n", "DROP TABLE one;\n");
  write_migration(dir.path(), "20240102000000_b", "SELECT 1/0;\n", std::nullopt);
  CHECK(run_migrate(db, dir.path(), {"up"}).code == 7);
  auto log = run_migrate(db, dir.path(), {"log"});
  INFO(log.out);
  CHECK(log.code == 0);
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = log.out.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(log.out.substr(start, end - start));
  }
  REQUIRE(lines.size() >= 4);
  const std::size_t event_col = lines[0].find("EVENT");
  const std::size_t migration_col = lines[0].find("MIGRATION");
  const std::size_t duration_col = lines[0].find("DURATION");
  REQUIRE(lines[0].rfind("AT", 0) == 0);
  REQUIRE(event_col != std::string::npos);
  // Newest first: the failure, its detail line, then the apply.
  CHECK(lines[1].substr(event_col, 5) == "fail ");
  CHECK(lines[1].substr(migration_col, 16) == "20240102000000_b");
  CHECK_THAT(lines[2], Contains("    " + (dir.path() / "20240102000000_b" / "up.sql").string() +
                                ":1: division by zero (SQLSTATE 22012)"));
  CHECK(lines[3].substr(event_col, 6) == "apply ");
  CHECK(lines[3].substr(migration_col, 36) == "20240101000000_a_long_migration_name");
  CHECK(lines[3].substr(duration_col).find(" ms") != std::string::npos);
}

TEST_CASE("up/down --json print their error document for errors found before the run") {
  TempDir dir;
  const std::vector<std::vector<std::string>> lines = {
      {"--lock-timeout", "5x", "up", "--json"},
      {"up", "--json", "--count", "0"},
      {"-q", "-v", "up", "--json"},
      {"--history-table", "a.b.c", "down", "--json"},
      {"--config", (dir.path() / "nope.yaml").string(), "redo", "--json"},
  };
  for (const auto &line : lines) {
    std::vector<std::string> args = {"--dir", dir.path().string()};
    args.insert(args.end(), line.begin(), line.end());
    auto result = run(args, {{"DATABASE_URL", "dbname=nonexistent_db"}});
    INFO(result.all());
    CHECK(result.code == 2);
    CHECK(JsonCheck::valid(result.out));
    CHECK_THAT(result.out, Contains("\"ok\":false,\"exit_code\":2,\"steps\":[]"));
    CHECK(std::count(result.out.begin(), result.out.end(), '\n') == 1); // one document
  }
}

TEST_CASE("up --json carries the settings' warnings in its document") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);\n", std::nullopt);
  // Local connections of the test cluster need no password: the one in the file is only
  // there to be warned about.
  TempDir conf;
  const auto file = conf.path() / "migrate.yaml";
  write_file(file,
             "development:\n  dbname: " + db.conninfo().substr(7) + "\n  password: Pa55-in-file\n");
  std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::others_read);
  auto result = run({"--config", file.string(), "--dir", dir.path().string(), "up", "--json"},
                    {{"DATABASE_URL", ""}});
  INFO(result.all());
  CHECK(result.code == 0);
  CHECK(JsonCheck::valid(result.out));
  CHECK_THAT(result.out, Contains("\"warnings\":[\"" + file.string() +
                                  ":3:13: a literal password in a file that others can read"));
  CHECK(result.all().find("Pa55-in-file") == std::string::npos);
  CHECK(db.table_exists("one"));
}
