// `migrate import`: the single-file formats (goose, dbmate, node-pg-migrate) converted to ours.

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

TEST_CASE("goose: sections, annotations, NO TRANSACTION, hybrid versions", "[import]") {
  TempDir src;
  write_file(src / "00001_create_users.sql", "-- a leading comment\n"
                                             "-- +goose Up\n"
                                             "-- +goose StatementBegin\n"
                                             "CREATE FUNCTION f() RETURNS int AS $$\n"
                                             "BEGIN\n"
                                             "  RETURN 1;\n"
                                             "END;\n"
                                             "$$ LANGUAGE plpgsql;\n"
                                             "-- +goose StatementEnd\n"
                                             "CREATE TABLE users (id int);\n"
                                             "\n"
                                             "-- +goose Down\n"
                                             "DROP TABLE users;\n"
                                             "DROP FUNCTION f();\n");
  write_file(src / "00002_index.sql", "-- +goose NO TRANSACTION\n"
                                      "-- +goose Up\r\n"
                                      "CREATE INDEX CONCURRENTLY i ON users (id);\r\n"
                                      "-- +goose Down\r\n"
                                      "DROP INDEX CONCURRENTLY i;\r\n");
  write_file(src / "20170506082420_up_only.sql", "-- +goose Up\nSELECT 1;\n");
  write_file(src / "helpers.go", "package migrations\n");
  const ImportResult result = read_foreign(SourceTool::goose, src.path());
  CHECK(ids(result) == std::vector<std::string>{"00000000000001_create_users",
                                                "00000000000002_index", "20170506082420_up_only"});
  const auto &users = result.migrations[0];
  CHECK(users.up == "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n"
                    "$$ LANGUAGE plpgsql;\nCREATE TABLE users (id int);\n\n");
  CHECK(users.down == std::optional<std::string>("DROP TABLE users;\nDROP FUNCTION f();\n"));
  CHECK(users.history_key == "1");
  const auto &index = result.migrations[1];
  CHECK(index.up_no_transaction);
  CHECK(index.down_no_transaction);
  CHECK(index.up == "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON users (id);\r\n");
  CHECK(index.down ==
        std::optional<std::string>("-- migrate:no-transaction\nDROP INDEX CONCURRENTLY i;\r\n"));
  CHECK_FALSE(result.migrations[2].down);
  CHECK(has_note(result, "helpers.go", false));
}

TEST_CASE("goose: a StatementBegin block without its ';' gets one, as goose ends it there",
          "[import]") {
  TempDir src;
  write_file(src / "00002_fn.sql", "-- +goose Up\n"
                                   "-- +goose StatementBegin\n"
                                   "CREATE FUNCTION f() RETURNS int AS $$\n"
                                   "BEGIN\n"
                                   "  RETURN 1;\n"
                                   "END;\n"
                                   "$$ LANGUAGE plpgsql -- no ';'\n"
                                   "-- +goose StatementEnd\n"
                                   "-- +goose StatementBegin\n"
                                   "CREATE FUNCTION g() RETURNS int AS $$ SELECT 2 $$ LANGUAGE sql"
                                   "\n"
                                   "-- +goose StatementEnd\n"
                                   "-- +goose StatementBegin\n"
                                   "SELECT 3;\n"
                                   "-- +goose StatementEnd\n"
                                   "-- +goose Down\n"
                                   "DROP FUNCTION g();\n"
                                   "DROP FUNCTION f();\n");
  const ImportResult result = read_foreign(SourceTool::goose, src.path());
  REQUIRE(result.migrations.size() == 1);
  CHECK(result.migrations[0].up ==
        "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n"
        "$$ LANGUAGE plpgsql -- no ';'\n;\n"
        "CREATE FUNCTION g() RETURNS int AS $$ SELECT 2 $$ LANGUAGE sql\n;\n"
        "SELECT 3;\n");
}

TEST_CASE("goose: refusals name the file and line", "[import]") {
  TempDir src;
  SECTION("a Go migration") {
    write_file(src / "00001_a.sql", "-- +goose Up\nSELECT 1;\n");
    write_file(src / "00002_backfill.go", "package migrations\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::goose, src.path()),
                      Contains("00002_backfill.go: a Go migration cannot be converted"));
  }
  SECTION("no Up annotation") {
    write_file(src / "00001_a.sql", "-- just a comment\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::goose, src.path()),
                      Contains("00001_a.sql: no '-- +goose Up' annotation"));
  }
  SECTION("Down before Up") {
    write_file(src / "00001_a.sql", "-- +goose Down\nSELECT 1;\n-- +goose Up\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::goose, src.path()),
                      Contains("00001_a.sql:1: '-- +goose Down' before '-- +goose Up'"));
  }
  SECTION("SQL before Up") {
    write_file(src / "00001_a.sql", "\nSELECT 0;\n-- +goose Up\nSELECT 1;\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::goose, src.path()),
                      Contains("00001_a.sql:2: SQL before"));
  }
  SECTION("ENVSUB") {
    write_file(src / "00001_a.sql", "-- +goose ENVSUB ON\n-- +goose Up\nSELECT '${X}';\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::goose, src.path()), Contains("00001_a.sql:1:"));
  }
  SECTION("an unclosed StatementBegin") {
    write_file(src / "00001_a.sql", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n");
    CHECK_THROWS_AS(read_foreign(SourceTool::goose, src.path()), TreeError);
  }
}

TEST_CASE("dbmate: sections, transaction:false, missing down", "[import]") {
  TempDir src;
  write_file(src / "20151129054053_create_users.sql", "-- migrate:up\n"
                                                      "CREATE TABLE users (id int);\n"
                                                      "\n"
                                                      "-- migrate:down\n"
                                                      "DROP TABLE users;\n");
  write_file(src / "20151129054054_index.sql", "-- header comment\n"
                                               "-- migrate:up transaction:false\n"
                                               "CREATE INDEX CONCURRENTLY i ON users (id);\n"
                                               "-- migrate:down\n"
                                               "DROP INDEX i;\n");
  write_file(src / "20151129054055_forward_only.sql", "--migrate:up\nSELECT 1;\n");
  write_file(src / "schema.sql", "-- dumped schema\n");
  const ImportResult result = read_foreign(SourceTool::dbmate, src.path());
  CHECK(ids(result) == std::vector<std::string>{"20151129054053_create_users",
                                                "20151129054054_index",
                                                "20151129054055_forward_only"});
  CHECK(result.migrations[0].up == "CREATE TABLE users (id int);\n\n");
  CHECK(result.migrations[0].down == std::optional<std::string>("DROP TABLE users;\n"));
  CHECK(result.migrations[0].history_key == "20151129054053");
  CHECK(result.migrations[1].up_no_transaction);
  CHECK_FALSE(result.migrations[1].down_no_transaction);
  CHECK(result.migrations[1].up ==
        "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON users (id);\n");
  CHECK(result.migrations[1].down == std::optional<std::string>("DROP INDEX i;\n"));
  CHECK_FALSE(result.migrations[2].down);
  CHECK(has_note(result, "schema.sql", false));
}

TEST_CASE("dbmate: a missing or misplaced up marker is refused", "[import]") {
  TempDir src;
  SECTION("missing") {
    write_file(src / "20240101000000_a.sql", "CREATE TABLE t (id int);\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::dbmate, src.path()),
                      Contains("20240101000000_a.sql: no '-- migrate:up' line"));
  }
  SECTION("after down") {
    write_file(src / "20240101000000_a.sql", "-- migrate:down\nSELECT 1;\n-- migrate:up\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::dbmate, src.path()),
                      Contains("20240101000000_a.sql:1: '-- migrate:down' comes before"));
  }
}

TEST_CASE("node-pg-migrate: SQL files, millisecond timestamps, history names", "[import]") {
  TempDir src;
  write_file(src / "1700000000000_create-users.sql", "-- Up Migration\n"
                                                     "CREATE TABLE users (id int);\n"
                                                     "-- Down Migration\n"
                                                     "DROP TABLE users;\n");
  write_file(src / "1700000003000_down_first.sql", "-- Down Migration\n"
                                                   "DROP TABLE t;\n"
                                                   "-- Up Migration\n"
                                                   "CREATE TABLE t (id int);\n");
  write_file(src / "20231114221400000_utc_style.sql", "-- up migration\nSELECT 1;\n");
  const ImportResult result = read_foreign(SourceTool::node_pg_migrate, src.path());
  CHECK(ids(result) == std::vector<std::string>{"20231114221320_create-users",
                                                "20231114221323_down_first",
                                                "20231114221400_utc_style"});
  CHECK(result.migrations[0].history_key == "1700000000000_create-users");
  CHECK(result.migrations[0].up == "CREATE TABLE users (id int);\n");
  CHECK(result.migrations[0].down == std::optional<std::string>("DROP TABLE users;\n"));
  CHECK(result.migrations[1].up == "CREATE TABLE t (id int);\n");
  CHECK(result.migrations[1].down == std::optional<std::string>("DROP TABLE t;\n"));
  CHECK_FALSE(result.migrations[2].down);
}

TEST_CASE("node-pg-migrate: JavaScript and marker-less files are refused", "[import]") {
  TempDir src;
  write_file(src / "1700000000000_a.sql", "-- Up Migration\nSELECT 1;\n");
  SECTION("JavaScript") {
    write_file(src / "1700000001000_b.js", "exports.up = (pgm) => {};\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::node_pg_migrate, src.path()),
                      Contains("1700000001000_b.js: a JavaScript/TypeScript migration"));
  }
  SECTION("TypeScript") {
    write_file(src / "1700000001000_b.ts", "export const up = () => {};\n");
    CHECK_THROWS_AS(read_foreign(SourceTool::node_pg_migrate, src.path()), TreeError);
  }
  SECTION("no up marker") {
    write_file(src / "1700000001000_b.sql", "SELECT 2;\n-- Down Migration\n");
    CHECK_THROWS_WITH(read_foreign(SourceTool::node_pg_migrate, src.path()),
                      Contains("1700000001000_b.sql: no '-- Up Migration' line"));
  }
}

TEST_CASE("import warns about what migrate up would refuse", "[import]") {
  TempDir src;
  write_file(src / "20240101000000_a.sql", "-- migrate:up\nBEGIN;\nSELECT 1;\nCOMMIT;\n");
  write_file(src / "20240102000000_b.sql",
             "-- migrate:up\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
  const ImportResult result = read_foreign(SourceTool::dbmate, src.path());
  CHECK(has_note(result, "20240101000000_a/up.sql:1: BEGIN is refused", true));
  CHECK(has_note(result, "20240101000000_a/up.sql:3: COMMIT is refused", true));
  CHECK(has_note(result, "20240102000000_b/up.sql:1: CREATE INDEX CONCURRENTLY cannot run", true));
  CHECK_FALSE(result.migrations[1].up_no_transaction); // dbmate would have failed on it too
}

TEST_CASE("a part already marked no-transaction is not marked twice", "[import]") {
  TempDir src;
  write_file(src / "00001_a.sql", "-- +goose NO TRANSACTION\n"
                                  "-- +goose Up\n"
                                  "-- migrate:no-transaction\n"
                                  "CREATE INDEX CONCURRENTLY i ON t (x);\n");
  write_file(src / "00002_b.sql", "-- +goose Up\n"
                                  "-- migrate:no-transaction\n"
                                  "VACUUM t;\n");
  const ImportResult result = read_foreign(SourceTool::goose, src.path());
  CHECK(result.migrations[0].up ==
        "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
  CHECK(result.migrations[1].up_no_transaction); // the file's own directive counts
  CHECK(result.notes.empty());
}

TEST_CASE("dbmate options other than transaction are ignored with a note", "[import]") {
  TempDir src;
  write_file(src / "20240101000000_a.sql", "-- migrate:up transaction:true foo:bar\nSELECT 1;\n");
  const ImportResult result = read_foreign(SourceTool::dbmate, src.path());
  CHECK_FALSE(result.migrations[0].up_no_transaction);
  CHECK(has_note(result, "20240101000000_a.sql:1: ignored dbmate option 'foo:bar'", false));
}

TEST_CASE("import: a name longer than 100 characters is cut, as new cuts it", "[import]") {
  TempDir src;
  const std::string long_name(240, 'b');
  write_file(src / ("1_" + long_name + ".sql"), "-- +goose Up\nSELECT 1;\n");
  const ImportResult result = read_foreign(SourceTool::goose, src.path());
  CHECK(ids(result) == std::vector<std::string>{"00000000000001_" + std::string(100, 'b')});
  CHECK(has_note(result, "becomes '" + std::string(100, 'b') + "'", false));
}
