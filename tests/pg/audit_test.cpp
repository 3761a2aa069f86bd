// The audit trail (`migrate log`), `baseline`, and a history table that is
// not ours.

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

// Position of `needle` in `haystack`, failing the test when absent.
std::size_t position_of(const std::string &haystack, const std::string &needle) {
  const auto pos = haystack.find(needle);
  INFO("looking for " << needle << " in " << haystack);
  REQUIRE(pos != std::string::npos);
  return pos;
}

std::string columns_of(TempDb &db, const std::string &table) {
  return db.scalar("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' "
                   "ORDER BY attnum) FROM pg_attribute WHERE attrelid = to_regclass('" +
                   table + "') AND attnum > 0 AND NOT attisdropped");
}

} // namespace

TEST_CASE("log lists applies, failures and reverts, newest first, with who and where") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;");
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);",
                  "DROP TABLE two;");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  write_migration(dir.path(), "20240103000000_breaks",
                  "CREATE TABLE three (id int);\n"
                  "SELECT 1 / 0;\n",
                  "DROP TABLE three;");
  const std::string breaks = (dir.path() / "20240103000000_breaks" / "up.sql").string();
  auto failed = run_migrate(db, dir.path(), {"up"});
  REQUIRE(failed.code == 7);
  auto down = run_migrate(db, dir.path(), {"down"});
  REQUIRE(down.code == 0);
  CHECK_FALSE(db.table_exists("two"));

  auto json = run_migrate(db, dir.path(), {"log", "--json"});
  REQUIRE(json.code == 0);
  const std::string &out = json.out;
  CHECK(out.rfind("{\"events\":[", 0) == 0);
  const auto revert = position_of(out, "\"event\":\"revert\",\"version\":\"20240102000000\"");
  const auto fail = position_of(out, "\"event\":\"fail\",\"version\":\"20240103000000\"");
  const auto apply_two = position_of(out, "\"event\":\"apply\",\"version\":\"20240102000000\"");
  const auto apply_one = position_of(out, "\"event\":\"apply\",\"version\":\"20240101000000\"");
  CHECK(revert < fail);
  CHECK(fail < apply_two);
  CHECK(apply_two < apply_one);
  CHECK_THAT(out, Contains("\"sqlstate\":\"22012\",\"file\":\"" + breaks + "\",\"line\":2,"));
  CHECK_THAT(out, Contains("division by zero"));
  const std::string user = db.scalar("SELECT current_user");
  CHECK_THAT(out, Contains("\"db_user\":\"" + user + "\""));
  CHECK(out.find("\"client\":\"\"") == std::string::npos);
  // The up.sql's checksum is recorded with the failure.
  CHECK_THAT(out, Contains("\"checksum\":\"" +
                           sql_sha256(db, "CREATE TABLE three (id int);\nSELECT 1 / 0;\n") + "\""));
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events") == "4");

  auto limited = run_migrate(db, dir.path(), {"log", "--json", "--limit", "1"});
  CHECK(limited.code == 0);
  CHECK_THAT(limited.out, Contains("\"event\":\"revert\""));
  CHECK(limited.out.find("\"event\":\"fail\"") == std::string::npos);

  auto text = run_migrate(db, dir.path(), {"log"});
  REQUIRE(text.code == 0);
  // An aligned table: EVENT is as wide as "revert", its widest value.
  CHECK_THAT(text.out, Contains("EVENT   MIGRATION              DURATION  BY\n"));
  CHECK(position_of(text.out, "revert  20240102000000_two     ") <
        position_of(text.out, "fail    20240103000000_breaks  -         " + user + " ("));
  CHECK_THAT(text.out, Contains("apply   20240101000000_one     "));
  CHECK_THAT(text.out, Contains("\n    " + breaks + ":2: division by zero (SQLSTATE 22012)\n"));

  // Every row: the session's role and a non-empty client label.
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events "
                  "WHERE db_user = current_user AND coalesce(client, '') <> ''") == "4");
  auto fail_row = db.query("SELECT sqlstate, file, line, version, name FROM "
                           "migration_history_events WHERE event = 'fail'");
  REQUIRE(fail_row.size() == 1);
  CHECK(std::string(fail_row[0][0].c_str()) == "22012");
  CHECK(std::string(fail_row[0][1].c_str()) == breaks);
  CHECK(fail_row[0][2].as<int>() == 2);
  CHECK(std::string(fail_row[0][3].c_str()) == "20240103000000");
  CHECK(std::string(fail_row[0][4].c_str()) == "breaks");
}

TEST_CASE("log on a database that was never migrated") {
  TempDb db;
  TempDir dir;
  auto text = run_migrate(db, dir.path(), {"log"});
  CHECK(text.code == 0);
  CHECK_THAT(text.out, Contains("no events recorded"));
  auto json = run_migrate(db, dir.path(), {"log", "--json"});
  CHECK(json.code == 0);
  CHECK_THAT(json.out, Contains("{\"events\":[]}"));
}

TEST_CASE("log prints the control characters of recorded text escaped, one event a line") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);\n", std::nullopt);
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  db.query("INSERT INTO migration_history_events (event, version, name, db_user, sqlstate, "
           "file, line, message) VALUES ('fail', '20240101000000', 'one', current_user, "
           "'42601', 'up.sql', 2, E'bad\\x1b[2J\\nnext')");
  auto log = run_migrate(db, dir.path(), {"log"});
  INFO(log.all());
  CHECK(log.code == 0);
  CHECK(log.out.find('\x1b') == std::string::npos);
  CHECK_THAT(log.out, Contains("up.sql:2: bad\\x1b[2J next (SQLSTATE 42601)"));
}

TEST_CASE("log refuses an events table of another structure as the history reads do") {
  TempDb db;
  TempDir dir;
  db.query("CREATE TABLE weird_events (id int)");
  auto log = run_migrate(db, dir.path(), {"--history-table", "weird", "log"});
  CHECK(log.code == 4);
  CHECK_THAT(log.err, Contains("table public.weird_events does not have the structure this "
                               "version of migrate writes; refusing to use or change it (found: "
                               "id integer; expected: id bigint, at timestamp"));
}

TEST_CASE("baseline records existing migrations as applied without running them") {
  TempDb db;
  TempDir dir;
  // The objects of the first two already exist: running their up.sql would fail.
  db.query("CREATE TABLE a (id int); CREATE TABLE b (id int)");
  write_migration(dir.path(), "20240101000000_a", "CREATE TABLE a (id int);", "DROP TABLE a;");
  write_migration(dir.path(), "20240102000000_b", "CREATE TABLE b (id int);", std::nullopt);
  write_migration(dir.path(), "20240103000000_c", "CREATE TABLE c (id int);", "DROP TABLE c;");

  auto unknown = run_migrate(db, dir.path(), {"baseline", "20240102500000"});
  CHECK(unknown.code == 2);
  CHECK_THAT(unknown.err, Contains("20240102500000"));
  CHECK_FALSE(db.table_exists("public.migration_history"));
  auto not_a_version = run_migrate(db, dir.path(), {"baseline", "two"});
  CHECK(not_a_version.code == 2);

  auto baseline = run_migrate(db, dir.path(), {"baseline", "20240102000000"});
  REQUIRE(baseline.code == 0);
  CHECK_THAT(baseline.out, Contains("baseline 20240101000000_a"));
  CHECK_THAT(baseline.out, Contains("baseline 20240102000000_b"));
  CHECK_THAT(baseline.out, Contains("recorded 2 migrations as applied without running them"));
  CHECK(baseline.out.find("20240103000000") == std::string::npos);
  CHECK(db.scalar("SELECT string_agg(version || ':' || state || ':' || checksum || ':' || "
                  "coalesce(down_checksum, '-'), ',' ORDER BY version) FROM migration_history") ==
        "20240101000000:applied:" + sql_sha256(db, "CREATE TABLE a (id int);") + ":" +
            sql_sha256(db, "DROP TABLE a;") +
            ",20240102000000:applied:" + sql_sha256(db, "CREATE TABLE b (id int);") + ":-");
  CHECK(db.scalar("SELECT string_agg(event || ':' || version, ',' ORDER BY id) FROM "
                  "migration_history_events") == "baseline:20240101000000,baseline:20240102000000");
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE db_user = current_user "
                  "AND client <> '' AND message = 'marked applied without running'") == "2");

  // Baseline again: nothing more to record.
  auto again = run_migrate(db, dir.path(), {"baseline", "20240102000000"});
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Contains("recorded 0 migrations"));

  auto up = run_migrate(db, dir.path(), {"up"});
  REQUIRE(up.code == 0);
  CHECK_THAT(up.out, Contains("[1/1] up   20240103000000_c"));
  CHECK_THAT(up.out, Contains("applied 1 migration in"));
  CHECK(db.table_exists("c"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "3");
  CHECK(db.scalar("SELECT string_agg(event || ':' || version, ',' ORDER BY id) FROM "
                  "migration_history_events") ==
        "baseline:20240101000000,baseline:20240102000000,apply:20240103000000");
  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK_THAT(status.out, Contains("3 applied, 0 pending"));
}

TEST_CASE("a history table of another structure is refused and left untouched") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  std::string table;
  SECTION("the history table") {
    table = "public.migration_history";
    db.query("CREATE TABLE public.migration_history (version bigint PRIMARY KEY, "
             "description text, installed_on timestamptz DEFAULT now())");
    db.query("INSERT INTO public.migration_history (version, description) VALUES (1, 'theirs')");
  }
  SECTION("the history table, one column more") {
    table = "public.migration_history";
    REQUIRE(run_migrate(db, dir.path(), {"baseline", "20240101000000"}).code == 0);
    db.query("ALTER TABLE public.migration_history ADD COLUMN note text");
  }
  SECTION("the history table, a column of another type") {
    table = "public.migration_history";
    REQUIRE(run_migrate(db, dir.path(), {"baseline", "20240101000000"}).code == 0);
    db.query("ALTER TABLE public.migration_history ALTER COLUMN progress TYPE bigint");
  }
  SECTION("the events table of an existing history, one column less") {
    table = "public.migration_history_events";
    REQUIRE(run_migrate(db, dir.path(), {"baseline", "20240101000000"}).code == 0);
    db.query("ALTER TABLE public.migration_history_events DROP COLUMN message");
  }
  SECTION("the events table") {
    table = "public.migration_history_events";
    db.query("CREATE TABLE public.migration_history_events (id serial, what text)");
    db.query("INSERT INTO public.migration_history_events (what) VALUES ('theirs')");
  }
  const std::string columns = columns_of(db, table);
  const std::string rows = db.scalar("SELECT count(*) FROM " + table);
  for (const char *command : {"up", "status", "baseline"}) {
    std::vector<std::string> args{command};
    if (std::string(command) == "baseline") {
      args.push_back("20240101000000");
    }
    auto result = run_migrate(db, dir.path(), args);
    INFO(command << ": " << result.all());
    CHECK(result.code == 4);
    CHECK_THAT(result.err, Contains("table " + table +
                                    " does not have the structure this version of migrate "
                                    "writes; refusing to use or change it"));
  }
  CHECK_FALSE(db.table_exists("one"));
  CHECK(columns_of(db, table) == columns);
  CHECK(db.scalar("SELECT count(*) FROM " + table) == rows);
}
