// `migrate import`: diesel, golang-migrate and postgrator layouts converted to ours.

#include "migrate/error.hpp"
#include "migrate/import.hpp"

#include "import_helpers.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace migrate;
using Catch::Contains;
using migrate_test::has_note;
using migrate_test::ids;
using migrate_test::TempDir;
using migrate_test::write_file;

TEST_CASE("parse_tool knows the six tools by their --from names", "[import]") {
  for (const char *name :
       {"diesel", "node-pg-migrate", "golang-migrate", "goose", "dbmate", "postgrator"}) {
    const auto tool = parse_tool(name);
    REQUIRE(tool);
    CHECK(tool_name(*tool) == name);
  }
  CHECK_FALSE(parse_tool("flyway"));
  CHECK_FALSE(parse_tool("Diesel"));
  CHECK(tool_names() == "diesel, node-pg-migrate, golang-migrate, goose, dbmate, postgrator");
}

TEST_CASE("diesel: order, dashed versions, names, metadata.toml, skipped files", "[import]") {
  TempDir src;
  write_file(src / "00000000000000_diesel_initial_setup/up.sql", "-- setup\n");
  write_file(src / "00000000000000_diesel_initial_setup/down.sql", "-- undo setup\n");
  write_file(src / "20140924113530_create_users/up.sql", "CREATE TABLE users (id int);\n");
  write_file(src / "20140924113530_create_users/down.sql", "DROP TABLE users;\n");
  write_file(src / "2019-11-15-182353_Add email notifications/up.sql", "SELECT 1;\n");
  write_file(src / "2024-10-25-112826_make-unique/up.sql",
             "CREATE UNIQUE INDEX CONCURRENTLY u ON users (id);\n");
  write_file(src / "2024-10-25-112826_make-unique/down.sql", "DROP INDEX CONCURRENTLY u;\n");
  write_file(src / "2024-10-25-112826_make-unique/metadata.toml",
             "# comment\nrun_in_transaction = false # no tx\n");
  write_file(src / "2025-11-19-091444-0000_suffixed/up.sql", "SELECT 2;\n");
  write_file(src / "2025-11-19-091444-0000_suffixed/down.sql", "");
  write_file(src / "README.md", "# migrations\n");
  write_file(src / "data.sql", "INSERT INTO users VALUES (1);\n");

  const ImportResult result = read_foreign(SourceTool::diesel, src.path());
  CHECK(ids(result) == std::vector<std::string>{
                           "00000000000001_diesel_initial_setup",
                           "20140924113530_create_users",
                           "20191115182353_add_email_notifications",
                           "20241025112826_make-unique",
                           "20251119091444_suffixed",
                       });
  const auto &setup = result.migrations[0];
  CHECK(setup.original_version == "00000000000000");
  CHECK(setup.history_key == "00000000000000");
  CHECK(setup.up == "-- setup\n");
  CHECK(setup.down == std::optional<std::string>("-- undo setup\n"));

  const auto &spaced = result.migrations[2];
  CHECK(spaced.original_name == "Add email notifications");
  CHECK(spaced.history_key == "20191115182353");
  CHECK_FALSE(spaced.down);
  CHECK(has_note(result, "becomes 'add_email_notifications'", false));

  const auto &unique = result.migrations[3];
  CHECK(unique.up_no_transaction);
  CHECK(unique.down_no_transaction);
  CHECK(unique.up ==
        "-- migrate:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY u ON users (id);\n");
  CHECK(unique.down == std::optional<std::string>("-- migrate:no-transaction\n"
                                                  "DROP INDEX CONCURRENTLY u;\n"));
  CHECK(unique.source_files.size() == 3);

  const auto &suffixed = result.migrations[4];
  CHECK(suffixed.original_version == "2025-11-19-091444-0000");
  CHECK(suffixed.history_key == "202511190914440000");
  CHECK(suffixed.down == std::optional<std::string>(""));

  CHECK(has_note(result, "README.md: not a migration directory", false));
  CHECK(has_note(result, "data.sql: not a migration directory", false));
  for (const auto &note : result.notes) {
    CHECK_FALSE(note.warning);
  }
}

TEST_CASE("diesel: a metadata.toml without run_in_transaction warns and stays transactional",
          "[import]") {
  TempDir src;
  write_file(src / "20240101000000_a/up.sql", "SELECT 1;\n");
  write_file(src / "20240101000000_a/metadata.toml", "[other]\nrun_in_transaction = false\n");
  const ImportResult result = read_foreign(SourceTool::diesel, src.path());
  CHECK_FALSE(result.migrations[0].up_no_transaction);
  CHECK(has_note(result, "no run_in_transaction key", true));
}

TEST_CASE("diesel: refusals name the file", "[import]") {
  TempDir src;
  SECTION("missing up.sql") {
    write_file(src / "20240101000000_a/down.sql", "SELECT 1;\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::diesel, src.path()),
                      Contains("20240101000000_a/up.sql: missing"));
  }
  SECTION("a directory name without a version") {
    write_file(src / "create_users/up.sql", "SELECT 1;\n");
    CHECK_THROWS_AS(read_foreign(SourceTool::diesel, src.path()), TreeError);
  }
  SECTION("a bad run_in_transaction value") {
    write_file(src / "20240101000000_a/up.sql", "SELECT 1;\n");
    write_file(src / "20240101000000_a/metadata.toml", "\nrun_in_transaction = \"no\"\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::diesel, src.path()),
                      Contains("metadata.toml:2: run_in_transaction must be true or false"));
  }
  SECTION("no migrations at all") {
    write_file(src / "README.md", "nothing\n");
    CHECK_THROWS_AS(read_foreign(SourceTool::diesel, src.path()), TreeError);
  }
  SECTION("a missing source directory is a usage error") {
    CHECK_THROWS_AS(read_foreign(SourceTool::diesel, src / "nope"), UsageError);
  }
}

TEST_CASE("golang-migrate: pairs in numeric order, sequential versions", "[import]") {
  TempDir src;
  write_file(src / "1_create_users.up.sql", "CREATE TABLE users (id int);\n");
  write_file(src / "1_create_users.down.sql", "DROP TABLE users;\n");
  write_file(src / "2_add_index.up.sql", "CREATE INDEX CONCURRENTLY i ON users (id);\n");
  write_file(src / "10_Seed Data.up.sql", "INSERT INTO users VALUES (1);\n");
  write_file(src / "10_Seed Data.down.sql", "DELETE FROM users;\n");
  write_file(src / "README.md", "hi\n");
  const ImportResult result = read_foreign(SourceTool::golang_migrate, src.path());
  CHECK(ids(result) == std::vector<std::string>{"00000000000001_create_users",
                                                "00000000000002_add_index",
                                                "00000000000010_seed_data"});
  CHECK(result.migrations[0].up == "CREATE TABLE users (id int);\n");
  CHECK(result.migrations[0].history_key == "1");
  CHECK_FALSE(result.migrations[1].down);
  // golang-migrate sends a file as one query outside a transaction block: a lone CREATE INDEX
  // CONCURRENTLY worked there and needs no-transaction here.
  CHECK(result.migrations[1].up_no_transaction);
  CHECK(result.migrations[1].up ==
        "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON users (id);\n");
  CHECK_FALSE(result.migrations[0].up_no_transaction);
  CHECK(has_note(result, "README.md", false));
}

TEST_CASE("golang-migrate: unix seconds, refusals", "[import]") {
  TempDir src;
  SECTION("10-digit unix seconds become UTC timestamps") {
    write_file(src / "1500360784_init.up.sql", "SELECT 1;\n");
    write_file(src / "1500445949_more.up.sql", "SELECT 2;\n");
    const ImportResult result = read_foreign(SourceTool::golang_migrate, src.path());
    CHECK(ids(result) == std::vector<std::string>{"20170718065304_init", "20170719063229_more"});
    CHECK(result.migrations[0].original_version == "1500360784");
  }
  SECTION("a down file without its up file") {
    write_file(src / "1_a.down.sql", "SELECT 1;\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::golang_migrate, src.path()),
                      Contains("1_a.down.sql: a down migration without an up migration"));
  }
  SECTION("a migration that is not SQL") {
    write_file(src / "1_a.up.json", "{}\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::golang_migrate, src.path()),
                      Contains("1_a.up.json: not a .sql migration"));
  }
  SECTION("the same version twice") {
    write_file(src / "1_a.up.sql", "SELECT 1;\n");
    write_file(src / "001_b.up.sql", "SELECT 1;\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::golang_migrate, src.path()),
                      Contains("same version and direction"));
  }
}

TEST_CASE("postgrator: do/undo pairs, optional descriptions, JavaScript refused", "[import]") {
  TempDir src;
  write_file(src / "001.do.sql", "CREATE TABLE a (id int);\n");
  write_file(src / "001.undo.sql", "DROP TABLE a;\n");
  write_file(src / "002.do.Add Index.sql", "CREATE INDEX CONCURRENTLY i ON a (id);\n");
  write_file(src / "010.do.seed.sql", "INSERT INTO a VALUES (1);\n");
  write_file(src / "postgrator-config.json", "{}\n");
  const ImportResult result = read_foreign(SourceTool::postgrator, src.path());
  CHECK(ids(result) == std::vector<std::string>{"00000000000001_migration",
                                                "00000000000002_add_index", "00000000000010_seed"});
  CHECK(result.migrations[0].down == std::optional<std::string>("DROP TABLE a;\n"));
  CHECK(result.migrations[0].history_key == "1");
  CHECK(result.migrations[1].up_no_transaction); // postgrator sent it as one bare query
  CHECK(has_note(result, "postgrator-config.json", false));

  write_file(src / "011.do.generate.js", "module.exports.generateSql = () => '';\n");
  CHECK_THROWS_WITH(read_foreign(SourceTool::postgrator, src.path()),
                    Contains("011.do.generate.js: a JavaScript migration cannot be converted"));
}
