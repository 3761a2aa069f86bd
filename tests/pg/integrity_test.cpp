// Checksums of applied migrations: an edited up.sql stops up and down,
// status shows it, accept re-pins it; line endings and a BOM are not edits;
// an edited down.sql only warns.

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

const std::string k_one_up = "CREATE TABLE one (id int);\n";
const std::string k_one_edited = "CREATE TABLE one (id int, extra text);\n";

std::string events_count(TempDb &db) {
  return db.scalar("SELECT count(*) FROM migration_history_events");
}

} // namespace

TEST_CASE("an edited applied up.sql stops up and down until it is accepted") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", k_one_up, "DROP TABLE one;\n");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  const std::string recorded = sql_sha256(db, k_one_up);
  const std::string now = sql_sha256(db, k_one_edited);
  REQUIRE(recorded != now);
  REQUIRE(db.scalar("SELECT checksum FROM migration_history") == recorded);

  write_file(dir.path() / "20240101000000_one" / "up.sql", k_one_edited);
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);\n",
                  "DROP TABLE two;\n");
  const std::string events_before = events_count(db);
  const std::string up_path = (dir.path() / "20240101000000_one" / "up.sql").string();

  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 4);
  CHECK_THAT(up.err, Contains(up_path + " changed after 20240101000000_one was applied"));
  CHECK_THAT(up.err, Contains("recorded sha256 " + recorded + ", now " + now));
  CHECK_THAT(up.err, Contains("migrate accept 20240101000000"));
  CHECK_FALSE(db.table_exists("two"));

  auto down = run_migrate(db, dir.path(), {"down"});
  CHECK(down.code == 4);
  CHECK_THAT(down.err, Contains("20240101000000"));
  CHECK_THAT(down.err, Contains(recorded));
  CHECK_THAT(down.err, Contains(now));
  CHECK(db.table_exists("one"));

  auto redo = run_migrate(db, dir.path(), {"redo"});
  CHECK(redo.code == 4);
  CHECK(db.table_exists("one"));

  // Nothing ran: no history row, no event, no table changed.
  CHECK(db.scalar("SELECT string_agg(version || ':' || checksum, ',') FROM migration_history") ==
        "20240101000000:" + recorded);
  CHECK(events_count(db) == events_before);
  CHECK(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'one'") ==
        "1");

  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Contains("20240101000000  one   changed"));
  CHECK_THAT(status.out, Contains("1 changed (up.sql edited after it was applied)"));
  CHECK_THAT(status.out,
             Contains("changed: 20240101000000_one recorded sha256 " + recorded + ", now " + now));
  auto json = run_migrate(db, dir.path(), {"status", "--json"});
  CHECK(json.code == 0);
  CHECK_THAT(json.out, Contains("{\"version\":\"20240101000000\",\"name\":\"one\",\"state\":"
                                "\"changed\","));
  CHECK_THAT(json.out,
             Contains("\"recorded_checksum\":\"" + recorded + "\",\"checksum\":\"" + now + "\""));
  CHECK_THAT(json.out, Contains("{\"version\":\"20240102000000\",\"name\":\"two\",\"state\":"
                                "\"pending\",\"applied_at\":null}"));

  auto accept = run_migrate(db, dir.path(), {"accept", "20240101000000"});
  REQUIRE(accept.code == 0);
  CHECK_THAT(accept.out, Contains("20240101000000: accepted the files as they are now"));
  CHECK_THAT(accept.out, Contains(recorded));
  CHECK(db.scalar("SELECT checksum FROM migration_history WHERE version = '20240101000000'") ==
        now);
  auto event = db.query("SELECT checksum, message, db_user = current_user, client <> '' "
                        "FROM migration_history_events WHERE event = 'accept'");
  REQUIRE(event.size() == 1);
  CHECK(std::string(event[0][0].c_str()) == now);
  CHECK_THAT(std::string(event[0][1].c_str()), Contains(recorded));
  CHECK(std::string(event[0][2].c_str()) == "t");
  CHECK(std::string(event[0][3].c_str()) == "t");

  // A second accept has nothing to do.
  auto again = run_migrate(db, dir.path(), {"accept", "20240101000000"});
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Contains("nothing to accept"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'accept'") == "1");

  // Accepting what is not applied is a usage error.
  auto pending = run_migrate(db, dir.path(), {"accept", "20240102000000"});
  CHECK(pending.code == 2);
  CHECK_THAT(pending.err, Contains("20240102000000 is not applied"));

  auto status_after = run_migrate(db, dir.path(), {"status"});
  CHECK_THAT(status_after.out, Contains("1 applied, 1 pending\n"));

  // up and down work again.
  auto up_after = run_migrate(db, dir.path(), {"up"});
  CHECK(up_after.code == 0);
  CHECK(db.table_exists("two"));
  auto down_after = run_migrate(db, dir.path(), {"down", "--to", "0"});
  CHECK(down_after.code == 0);
  CHECK_FALSE(db.table_exists("one"));
  CHECK_FALSE(db.table_exists("two"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");
}

TEST_CASE("CRLF line endings and a UTF-8 BOM are not a change to an applied up.sql") {
  TempDb db;
  TempDir dir;
  const std::string up_sql = "-- one table\nCREATE TABLE one (\n  id int\n);\n";
  write_migration(dir.path(), "20240101000000_one", up_sql, "DROP TABLE one;\n");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  const std::string recorded = db.scalar("SELECT checksum FROM migration_history");
  CHECK(recorded == sql_sha256(db, up_sql));

  std::string crlf;
  for (char c : up_sql) {
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  }
  SECTION("CRLF") {
    write_file(dir.path() / "20240101000000_one" / "up.sql", crlf);
  }
  SECTION("a BOM") {
    write_file(dir.path() / "20240101000000_one" / "up.sql", "\xEF\xBB\xBF" + up_sql);
  }
  SECTION("CRLF and a BOM") {
    write_file(dir.path() / "20240101000000_one" / "up.sql", "\xEF\xBB\xBF" + crlf);
  }
  SECTION("CRLF in down.sql") {
    write_file(dir.path() / "20240101000000_one" / "down.sql", "DROP TABLE one;\r\n");
  }

  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 0);
  CHECK_THAT(up.out, Contains("nothing to do"));
  CHECK(up.err.empty());
  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Contains("1 applied, 0 pending\n"));
  CHECK(status.out.find("changed") == std::string::npos);
  auto down = run_migrate(db, dir.path(), {"down"});
  CHECK(down.code == 0);
  CHECK(down.err.empty());
  CHECK_FALSE(db.table_exists("one"));
}

TEST_CASE("an edited down.sql warns when it is about to be reverted, and does not stop the run") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", k_one_up, "DROP TABLE one;\n");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  const std::string recorded = sql_sha256(db, "DROP TABLE one;\n");
  const std::string edited_down = "DROP TABLE one;\nCREATE TABLE one_was_reverted (id int);\n";
  write_file(dir.path() / "20240101000000_one" / "down.sql", edited_down);
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);\n",
                  "DROP TABLE two;\n");
  const std::string down_path = (dir.path() / "20240101000000_one" / "down.sql").string();
  const std::string warning = "migrate: warning: " + down_path +
                              " changed after 20240101000000_one was applied (recorded sha256 " +
                              recorded + ", now " + sql_sha256(db, edited_down) +
                              "); reverting runs the file as it is now";

  // up does not read the down.sql of applied migrations (docs/performance.md).
  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 0);
  CHECK_THAT(up.err, !Contains("warning"));
  CHECK(db.table_exists("two"));
  // status does not count it as a changed up.sql.
  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK_THAT(status.out, Contains("2 applied, 0 pending\n"));

  // A dry run warns as the run will.
  auto dry = run_migrate(db, dir.path(), {"down", "--to", "0", "--dry-run"});
  CHECK(dry.code == 0);
  CHECK_THAT(dry.err, Contains(warning));
  // Reverting warns, then runs the file as it is now.
  auto down = run_migrate(db, dir.path(), {"down", "--to", "0"});
  CHECK(down.code == 0);
  CHECK_THAT(down.err, Contains(warning));
  CHECK_FALSE(db.table_exists("one"));
  CHECK(db.table_exists("one_was_reverted"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");
}

TEST_CASE("only the down.sql files that a run reverts are read and checked") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", k_one_up, "DROP TABLE one;\n");
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);\n",
                  "DROP TABLE two;\n");
  write_migration(dir.path(), "20240103000000_three", "CREATE TABLE three (id int);\n",
                  "DROP TABLE three;\n");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  // one's down.sql is edited, two's is gone: neither matters to reverting three.
  write_file(dir.path() / "20240101000000_one" / "down.sql", "DROP TABLE one CASCADE;\n");
  std::filesystem::remove(dir.path() / "20240102000000_two" / "down.sql");

  auto down = run_migrate(db, dir.path(), {"down"});
  CHECK(down.code == 0);
  CHECK(down.err.empty());
  CHECK_FALSE(db.table_exists("three"));

  // Reverting two as well is refused before anything runs, naming the missing file.
  auto refused = run_migrate(db, dir.path(), {"down", "--to", "0"});
  CHECK(refused.code == 3); // invalid tree
  CHECK_THAT(refused.err, Contains((dir.path() / "20240102000000_two" / "down.sql").string() +
                                   ": missing; 20240102000000_two cannot be reverted"));
  CHECK(db.table_exists("one"));
  CHECK(db.table_exists("two"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "2");
}

TEST_CASE("a recorded checksum that is not a sha256 reads as changed until it is accepted") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", k_one_up, "DROP TABLE one;\n");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  const std::string now = sql_sha256(db, k_one_up);
  db.query("UPDATE migration_history SET checksum = 'edited by hand'");

  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Contains("recorded sha256 not-a-sha256, now " + now));
  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 4);
  CHECK_THAT(up.err, Contains("recorded sha256 not-a-sha256, now " + now));

  REQUIRE(run_migrate(db, dir.path(), {"accept", "20240101000000"}).code == 0);
  CHECK(db.scalar("SELECT checksum FROM migration_history") == now);
  auto again = run_migrate(db, dir.path(), {"up"});
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Contains("nothing to do"));
}

TEST_CASE("a file with no statements runs with a warning, in the dry run too") {
  // Most often the comments of `migrate new`'s templates, never filled in.
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", k_one_up, "-- to do\n");
  write_migration(dir.path(), "20240102000000_forgotten", "-- Write the forward change here.\n",
                  "DROP TABLE IF EXISTS nothing;\n");
  const std::string up_warning =
      "migrate: warning: " + (dir.path() / "20240102000000_forgotten" / "up.sql").string() +
      ": no statements, only comments or nothing; it is recorded as applied all the same, and "
      "editing it later is a change that up refuses\n";
  auto dry = run_migrate(db, dir.path(), {"up", "--dry-run"});
  CHECK(dry.code == 0);
  CHECK(dry.err == up_warning);
  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 0);
  CHECK(up.err == up_warning);
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "2");

  auto down = run_migrate(db, dir.path(), {"down", "--to", "0"});
  CHECK(down.code == 0);
  CHECK_THAT(down.err, Contains((dir.path() / "20240101000000_one" / "down.sql").string() +
                                ": no statements, only comments or nothing; reverting it only "
                                "deletes the history row, and what up.sql made stays"));
  CHECK(db.table_exists("one"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");
}

TEST_CASE("a directory renamed after apply is shown by status and recorded by accept") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", k_one_up, "DROP TABLE one;\n");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  std::filesystem::rename(dir.path() / "20240101000000_one",
                          dir.path() / "20240101000000_create_one");

  auto status = run_migrate(db, dir.path(), {"status"});
  REQUIRE(status.code == 0);
  CHECK_THAT(status.out, Contains("20240101000000  create_one  applied"));
  CHECK_THAT(status.out, Contains("renamed: 20240101000000_create_one was applied as "
                                  "20240101000000_one; `migrate accept 20240101000000` records "
                                  "the new name\n"));
  auto json = run_migrate(db, dir.path(), {"status", "--json"});
  CHECK_THAT(json.out, Contains("\"name\":\"create_one\",\"state\":\"applied\","));
  CHECK_THAT(json.out, Contains(",\"applied_name\":\"one\"}"));
  // A description, not an identity: nothing refuses it.
  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 0);
  CHECK_THAT(up.out, Contains("nothing to do"));

  const std::string checksum = sql_sha256(db, k_one_up);
  auto accept = run_migrate(db, dir.path(), {"accept", "20240101000000"});
  REQUIRE(accept.code == 0);
  CHECK(accept.out == "20240101000000: recorded the directory's name (it was applied as "
                      "20240101000000_one)\n");
  CHECK(db.scalar("SELECT name || ':' || checksum FROM migration_history") ==
        "create_one:" + checksum);
  CHECK(db.scalar("SELECT name || ':' || message FROM migration_history_events WHERE event = "
                  "'accept'") == "create_one:checksum was " + checksum + "; name was one");
  auto after = run_migrate(db, dir.path(), {"status", "--json"});
  CHECK(after.out.find("applied_name") == std::string::npos);
  auto again = run_migrate(db, dir.path(), {"accept", "20240101000000"});
  CHECK(again.out == "20240101000000: the files and the name match the history; nothing to "
                     "accept\n");
}
