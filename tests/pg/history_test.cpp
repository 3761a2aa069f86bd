// The history disagreeing with the files: out-of-order and missing
// migrations, and the digest that finds out that they agree.

#include "harness.hpp"
#include "migrate/error.hpp"
#include "migrate/history_sql.hpp"
#include "migrate/pg_hash.hpp"
#include "migrate/plan.hpp"
#include "migrate/postgres.hpp"
#include "migrate/sha256.hpp"
#include "migrate/source.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

TEST_CASE("a migration merged late is refused unless --allow-out-of-order") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;");
  write_migration(dir.path(), "20240103000000_three", "CREATE TABLE three (id int);",
                  "DROP TABLE three;");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);",
                  "DROP TABLE two;");

  auto refused = run_migrate(db, dir.path(), {"up"});
  CHECK(refused.code == 4);
  CHECK_THAT(refused.err, Contains("20240102000000"));
  CHECK_THAT(refused.err, Contains("20240103000000"));
  CHECK_THAT(refused.err, Contains("--allow-out-of-order"));
  CHECK_FALSE(db.table_exists("two"));

  auto allowed = run_migrate(db, dir.path(), {"up", "--allow-out-of-order"});
  REQUIRE(allowed.code == 0);
  CHECK(db.table_exists("two"));

  // down reverts in the order things were applied: "two" went in last.
  auto down = run_migrate(db, dir.path(), {"down"});
  REQUIRE(down.code == 0);
  CHECK_THAT(down.out, Contains("down 20240102000000_two"));
  CHECK_FALSE(db.table_exists("two"));
  CHECK(db.table_exists("three"));
}

TEST_CASE("an applied migration whose directory is gone is refused and shown as missing") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;");
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);",
                  "DROP TABLE two;");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  std::filesystem::remove_all(dir.path() / "20240102000000_two");
  write_migration(dir.path(), "20240103000000_three", "CREATE TABLE three (id int);",
                  "DROP TABLE three;");

  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 4);
  CHECK_THAT(up.err, Contains("20240102000000_two"));
  CHECK_FALSE(db.table_exists("three"));

  auto down = run_migrate(db, dir.path(), {"down"});
  CHECK(down.code == 4);
  CHECK(db.table_exists("two"));

  auto status = run_migrate(db, dir.path(), {"status"});
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Contains("missing"));
  auto json = run_migrate(db, dir.path(), {"status", "--json"});
  CHECK_THAT(json.out, Contains("\"version\":\"20240102000000\",\"name\":\"two\",\"state\":"
                                "\"missing\""));
}

TEST_CASE("a down step without down.sql is refused before anything runs") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);", std::nullopt);
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);",
                  "DROP TABLE two;");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  auto down = run_migrate(db, dir.path(), {"down", "--to", "0"});
  CHECK(down.code == 3);
  CHECK_THAT(down.err, Contains("20240101000000_one/down.sql"));
  // Nothing was reverted, not even the step that had a down.sql.
  CHECK(db.table_exists("two"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "2");
}

TEST_CASE("steps are recorded alike when a migration drops the session's prepared statements") {
  // migrate records steps with statements it prepares once per session; a file that runs
  // DEALLOCATE gets them written out, and the next step prepares them again.
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;");
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);\nDEALLOCATE ALL;",
                  "DEALLOCATE ALL;\nDROP TABLE two;");
  write_migration(dir.path(), "20240103000000_three", "CREATE TABLE three (id int);",
                  "DROP TABLE three;");
  write_migration(dir.path(), "20240104000000_four",
                  "PREPARE mine AS SELECT 1;\nDEALLOCATE mine;\nCREATE TABLE four (id int);",
                  "DROP TABLE four;");

  auto up = run_migrate(db, dir.path(), {"up"});
  CHECK(up.code == 0);
  CHECK(up.err.empty());
  CHECK(db.scalar("SELECT string_agg(version || ':' || name, ',' ORDER BY id) "
                  "FROM migration_history") ==
        "20240101000000:one,20240102000000:two,20240103000000:three,20240104000000:four");
  CHECK(db.scalar("SELECT string_agg(event || ':' || name, ',' ORDER BY id) "
                  "FROM migration_history_events") == "apply:one,apply:two,apply:three,apply:four");
  CHECK(db.scalar("SELECT count(*) FROM migration_history WHERE execution_ms < 0") == "0");

  auto down = run_migrate(db, dir.path(), {"down", "--to", "0"});
  CHECK(down.code == 0);
  CHECK(down.err.empty());
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "0");
  CHECK(db.scalar("SELECT string_agg(event || ':' || name, ',' ORDER BY id) "
                  "FROM migration_history_events WHERE event = 'revert'") ==
        "revert:four,revert:three,revert:two,revert:one");
  CHECK_FALSE(db.table_exists("one"));
  CHECK_FALSE(db.table_exists("four"));
}

TEST_CASE("the history's digest is the tree's exactly when every migration is applied unchanged") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;");
  write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id int);", std::nullopt);
  auto session = migrate::connect_postgres(
      db.conninfo(), migrate::parse_history_table("public.migration_history"), {});
  CHECK_FALSE(session->read_history_digest().has_value()); // no history table yet

  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  const auto digest = session->read_history_digest();
  REQUIRE(digest.has_value());
  CHECK(*digest == migrate::history_digest(migrate::read_tree(dir.path())));

  SECTION("a pending migration") {
    write_migration(dir.path(), "20240103000000_three", "CREATE TABLE three (id int);",
                    std::nullopt);
    CHECK(session->read_history_digest() !=
          migrate::history_digest(migrate::read_tree(dir.path())));
  }
  SECTION("an applied up.sql edited") {
    write_migration(dir.path(), "20240102000000_two", "CREATE TABLE two (id bigint);",
                    std::nullopt);
    CHECK(session->read_history_digest() !=
          migrate::history_digest(migrate::read_tree(dir.path())));
  }
  SECTION("a row stopped half-way") {
    db.query("UPDATE migration_history SET state = 'applying' WHERE version = '20240102000000'");
    CHECK(session->read_history_digest() !=
          migrate::history_digest(migrate::read_tree(dir.path())));
  }
  SECTION("a row whose directory is gone") {
    db.query("INSERT INTO migration_history (version, name, checksum) VALUES "
             "('20230101000000', 'old', '" +
             std::string(64, '0') + "')");
    CHECK(session->read_history_digest() !=
          migrate::history_digest(migrate::read_tree(dir.path())));
  }
  SECTION("two rows that swapped their checksums") {
    db.query("UPDATE migration_history SET checksum = CASE version WHEN '20240101000000' THEN "
             "(SELECT checksum FROM migration_history WHERE version = '20240102000000') ELSE "
             "(SELECT checksum FROM migration_history WHERE version = '20240101000000') END");
    CHECK(session->read_history_digest() !=
          migrate::history_digest(migrate::read_tree(dir.path())));
  }
  SECTION("thousands of rows, inserted in no order, are digested as the tree's") {
    db.query("DELETE FROM migration_history");
    db.query("INSERT INTO migration_history (version, name, checksum) SELECT "
             "to_char(20230000000000 + i, 'FM00000000000000'), 'm' || i, "
             "encode(sha256(i::text::bytea), 'hex') FROM generate_series(1, 3000) AS i "
             "ORDER BY md5(i::text)");
    std::vector<migrate::Migration> disk;
    for (int i = 1; i <= 3000; ++i) {
      migrate::Migration m;
      m.version = static_cast<migrate::Version>(20230000000000LL + i);
      m.name = "m" + std::to_string(i);
      migrate::Sha256 hasher;
      m.checksum = migrate::checksum(std::to_string(i), hasher);
      disk.push_back(m);
    }
    CHECK(session->read_history_digest() == migrate::history_digest(disk));
  }
  SECTION("an empty history is digested as an empty tree") {
    db.query("DELETE FROM migration_history");
    CHECK(session->read_history_digest() == std::optional<std::string>("0 0"));
    CHECK(migrate::history_digest({}) == "0 0");
  }
  SECTION("a history table of another structure is refused as read_history refuses it") {
    db.query("ALTER TABLE migration_history ADD COLUMN extra int");
    CHECK_THROWS_AS(session->read_history_digest(), migrate::HistoryError);
  }
}

TEST_CASE("the client hashes a line as the server's hashtextextended does") {
  TempDb db;
  // Every length from 0 to 300 bytes, ASCII and multi-byte UTF-8, with and without a seed.
  const auto rows = db.query(
      "SELECT s, seed, hashtextextended(s, seed) FROM (SELECT repeat(chr(32 + n % 90) || CASE "
      "WHEN n % 3 = 0 THEN 'é€😀' ELSE '' END, n / 7 + 1), n * 2654435761 FROM "
      "generate_series(0, 300) n UNION ALL SELECT left(repeat('0123456789abcdef', 20), n), 0 "
      "FROM generate_series(0, 300) n) AS t(s, seed)");
  REQUIRE(rows.size() == 602);
  for (const auto &row : rows) {
    const std::string text = row[0].c_str();
    const auto seed = static_cast<std::uint64_t>(row[1].as<std::int64_t>());
    INFO(text << " seed " << seed);
    CHECK(static_cast<std::int64_t>(migrate::pg_hash_bytes_extended(text, seed)) ==
          row[2].as<std::int64_t>());
  }
}

TEST_CASE("history rows are read exactly whatever their text holds and however many there are") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_one", "CREATE TABLE one (id int);",
                  "DROP TABLE one;");
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  // Rows written by hand: a name with a tab, a newline, a backslash and
  // non-ASCII text (COPY escapes the first three), and 3000 more rows.
  db.query("INSERT INTO migration_history (version, name, checksum, down_checksum, applied_at) "
           "VALUES ('20230101000000', E'odd\\tname\\nwith \\\\ and é', '" +
           std::string(64, 'a') + "', NULL, '2024-02-03 04:05:06+00')");
  db.query("INSERT INTO migration_history (version, name, checksum) SELECT "
           "(20100101000000 + g)::text, 'bulk_' || g, repeat('b', 64) "
           "FROM generate_series(1, 3000) g");
  auto session = migrate::connect_postgres(
      db.conninfo(), migrate::parse_history_table("public.migration_history"), {});
  const auto rows = session->read_history(migrate::HistoryDetail::full);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 3002);
  // In the order applied: the migration, the hand-written row, then the bulk rows.
  CHECK((*rows)[0].version == 20240101000000);
  CHECK((*rows)[0].name == "one");
  CHECK((*rows)[0].checksum.is_sha256());
  CHECK((*rows)[0].down_checksum.empty()); // status does not read them
  CHECK((*rows)[1].version == 20230101000000);
  CHECK((*rows)[1].name == "odd\tname\nwith \\ and \xc3\xa9");
  CHECK((*rows)[1].checksum.hex() == std::string(64, 'a'));
  CHECK((*rows)[1].down_checksum.empty());
  CHECK((*rows)[1].applied_at_ms == 1706933106000); // 2024-02-03T04:05:06Z
  CHECK((*rows)[1].state == migrate::RowState::applied);
  for (std::size_t i = 2; i < rows->size(); ++i) {
    REQUIRE((*rows)[i].version == 20100101000000 + static_cast<migrate::Version>(i - 1));
    REQUIRE((*rows)[i].name == "bulk_" + std::to_string(i - 1));
    REQUIRE((*rows)[i].sequence > (*rows)[i - 1].sequence);
  }

  // The planning detail has the down.sql checksums.
  const auto planning = session->read_history(migrate::HistoryDetail::planning);
  REQUIRE(planning.has_value());
  REQUIRE(planning->size() == 3002);
  CHECK((*planning)[0].down_checksum.is_sha256());
  CHECK_FALSE((*planning)[0].applied_at_ms.has_value());

  // status shows the hand-written row, as missing, with its name.
  auto status = run_migrate(db, dir.path(), {"status", "--json"});
  CHECK_THAT(status.out, Contains("odd\\tname\\nwith \\\\ and \xc3\xa9"));
}
