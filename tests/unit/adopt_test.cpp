// `import --adopt-history`, the pure part: table names, queries, column checks, and which
// imported migrations each tool's history rows say are applied.

#include "migrate/adopt.hpp"
#include "migrate/error.hpp"
#include "migrate/sha256.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace migrate;
using Catch::Contains;

namespace {

using Rows = std::vector<std::vector<std::string>>;

ImportedMigration imported(const std::string &key, Version version, const std::string &name,
                           std::optional<std::string> down = std::nullopt) {
  ImportedMigration m;
  m.history_key = key;
  m.version = version;
  m.name = name;
  m.up = "CREATE TABLE " + name + " (id int);\n";
  m.down = std::move(down);
  return m;
}

// Sequence-numbered migrations 1..n named m1..mn, keyed as the integer tools key them.
std::vector<ImportedMigration> numbered(int n) {
  std::vector<ImportedMigration> out;
  for (int i = 1; i <= n; ++i) {
    out.push_back(imported(std::to_string(i), static_cast<Version>(i), "m" + std::to_string(i)));
  }
  return out;
}

std::vector<std::string> recorded(const Adoption &adoption) {
  std::vector<std::string> keys;
  for (const auto &m : adoption.record) {
    keys.push_back(m.history_key);
  }
  return keys;
}

using Keys = std::vector<std::string>;

} // namespace

TEST_CASE("default history tables and --adopt-table", "[adopt]") {
  CHECK(default_foreign_table(SourceTool::diesel).display() == "__diesel_schema_migrations");
  CHECK(default_foreign_table(SourceTool::golang_migrate).display() == "schema_migrations");
  CHECK(default_foreign_table(SourceTool::goose).display() == "goose_db_version");
  CHECK(default_foreign_table(SourceTool::dbmate).display() == "schema_migrations");
  CHECK(default_foreign_table(SourceTool::node_pg_migrate).display() == "pgmigrations");
  CHECK(default_foreign_table(SourceTool::postgrator).display() == "schemaversion");

  CHECK(parse_foreign_table("goose_versions").schema.empty());
  const ForeignTable qualified = parse_foreign_table("ops.Goose$1");
  CHECK(qualified.schema == "ops");
  CHECK(qualified.table == "Goose$1");
  CHECK(parse_foreign_table(std::string(63, 't')).table.size() == 63);
  const std::vector<std::string> bad_names{
      "", "a.b.c", "1table", "s.", ".t", "my-table", "a b", "x\"y", std::string(64, 't')};
  for (const std::string &bad : bad_names) {
    INFO(bad);
    CHECK_THROWS_AS(parse_foreign_table(bad), UsageError);
  }
}

TEST_CASE("the queries quote the table and select what plan_adoption reads", "[adopt]") {
  CHECK_THAT(foreign_table_query(ForeignTable{"", "goose_db_version"}),
             Contains("to_regclass(E'\"goose_db_version\"')"));
  CHECK_THAT(foreign_table_query(ForeignTable{"ops", "it's"}),
             Contains("to_regclass(E'\"ops\".\"it''s\"')"));
  CHECK(foreign_rows_query(SourceTool::goose, "public", "goose_db_version") ==
        "SELECT version_id::text, is_applied::text FROM \"public\".\"goose_db_version\" "
        "ORDER BY id");
  CHECK(foreign_rows_query(SourceTool::golang_migrate, "s", "t") ==
        "SELECT version::text, dirty::text FROM \"s\".\"t\"");
  CHECK(foreign_rows_query(SourceTool::node_pg_migrate, "public", "pgmigrations") ==
        "SELECT name::text FROM \"public\".\"pgmigrations\" ORDER BY run_on, id");
}

TEST_CASE("a table without the tool's columns is refused", "[adopt]") {
  const std::string goose = "id integer, version_id bigint, is_applied boolean, tstamp "
                            "timestamp without time zone";
  CHECK_NOTHROW(check_foreign_columns(SourceTool::goose, "public.goose_db_version", goose));
  const std::string dbmate = "version character varying(255)";
  CHECK_NOTHROW(check_foreign_columns(SourceTool::dbmate, "public.schema_migrations", dbmate));
  // dbmate's table where golang-migrate's was expected: both are called schema_migrations.
  CHECK_THROWS_WITH(
      check_foreign_columns(SourceTool::golang_migrate, "public.schema_migrations", dbmate),
      Contains("public.schema_migrations has no column dirty, which golang-migrate's history "
               "table has"));
  CHECK_THROWS_AS(check_foreign_columns(SourceTool::golang_migrate, "public.schema_migrations",
                                        "version bigint, dirty integer"),
                  HistoryError);
  CHECK_THROWS_WITH(check_foreign_columns(SourceTool::node_pg_migrate, "public.pgmigrations",
                                          "id integer, name character varying(255)"),
                    Contains("no column run_on"));
}

TEST_CASE("rows map to imported migrations through their history keys", "[adopt]") {
  SECTION("diesel: one row per applied version, dashes removed") {
    const std::vector<ImportedMigration> migrations{
        imported("00000000000000", 1, "diesel_initial_setup", std::string("DROP f;\n")),
        imported("202410251128260000", 20241025112826, "create_users"),
        imported("20241026000000", 20241026000000, "create_posts")};
    const Adoption adoption =
        plan_adoption(SourceTool::diesel, "public.__diesel_schema_migrations",
                      Rows{{"00000000000000"}, {"202410251128260000"}}, migrations, {});
    CHECK(recorded(adoption) == Keys{"00000000000000", "202410251128260000"});
    CHECK(adoption.table == "public.__diesel_schema_migrations");
    const AppliedMigration &row = adoption.record[0].row;
    CHECK(row.version == 1);
    CHECK(row.name == "diesel_initial_setup");
    CHECK(row.checksum == checksum("CREATE TABLE diesel_initial_setup (id int);\n"));
    CHECK(row.down_checksum == checksum("DROP f;\n"));
    CHECK(adoption.record[1].row.down_checksum.empty());
    CHECK(adoption.gaps.empty());
  }
  SECTION("golang-migrate: everything up to the current version") {
    const Adoption adoption = plan_adoption(SourceTool::golang_migrate, "public.schema_migrations",
                                            Rows{{"2", "false"}}, numbered(3), {});
    CHECK(recorded(adoption) == Keys{"1", "2"});
    CHECK(plan_adoption(SourceTool::golang_migrate, "t", Rows{}, numbered(3), {}).record.empty());
    CHECK(plan_adoption(SourceTool::golang_migrate, "t", Rows{{"-1", "false"}}, numbered(3), {})
              .record.empty());
  }
  SECTION("goose: the newest row of a version decides; version 0 is goose's own") {
    const Rows rows{{"0", "true"},  {"1", "true"}, {"2", "true"},
                    {"2", "false"}, {"3", "true"}, {"4", "false"}};
    const Adoption adoption =
        plan_adoption(SourceTool::goose, "public.goose_db_version", rows, numbered(4), {});
    CHECK(recorded(adoption) == Keys{"1", "3"});
    CHECK(adoption.gaps == Keys{"00000000000002_m2"});
  }
  SECTION("dbmate: the version as written") {
    const std::vector<ImportedMigration> migrations{
        imported("20151129054053", 20151129054053, "a"),
        imported("20151129054054", 20151129054054, "b")};
    CHECK(recorded(plan_adoption(SourceTool::dbmate, "public.schema_migrations",
                                 Rows{{"20151129054053"}}, migrations, {})) ==
          Keys{"20151129054053"});
  }
  SECTION("node-pg-migrate: the file name without .sql") {
    const std::vector<ImportedMigration> migrations{
        imported("1700000000000_create-users", 20231114221320, "create-users"),
        imported("1700000001000_add-email", 20231114221321, "add-email")};
    CHECK(recorded(plan_adoption(SourceTool::node_pg_migrate, "public.pgmigrations",
                                 Rows{{"1700000000000_create-users"}}, migrations, {})) ==
          Keys{"1700000000000_create-users"});
  }
  SECTION("postgrator: one row per applied version; version 0 is postgrator's own") {
    const Adoption adoption = plan_adoption(SourceTool::postgrator, "public.schemaversion",
                                            Rows{{"0"}, {"1"}, {"3"}}, numbered(4), {});
    CHECK(recorded(adoption) == Keys{"1", "3"});
    CHECK(adoption.gaps == Keys{"00000000000002_m2"});
  }
  SECTION("nothing applied, or only the first ones: no gap") {
    CHECK(
        plan_adoption(SourceTool::goose, "t", Rows{{"0", "true"}}, numbered(2), {}).record.empty());
    const Adoption first = plan_adoption(SourceTool::postgrator, "t", Rows{{"1"}}, numbered(3), {});
    CHECK(recorded(first) == Keys{"1"});
    CHECK(first.gaps.empty());
  }
}

TEST_CASE("refusals: a dirty version, unknown rows", "[adopt]") {
  SECTION("a dirty golang-migrate version") {
    CHECK_THROWS_WITH(plan_adoption(SourceTool::golang_migrate, "public.schema_migrations",
                                    Rows{{"2", "true"}}, numbered(3), {}),
                      Contains("public.schema_migrations: golang-migrate version 2 is dirty"));
    CHECK_THROWS_AS(
        plan_adoption(SourceTool::golang_migrate, "t", Rows{{"-1", "true"}}, numbered(3), {}),
        HistoryError);
  }
  SECTION("a golang-migrate version no file has") {
    CHECK_THROWS_WITH(plan_adoption(SourceTool::golang_migrate, "public.schema_migrations",
                                    Rows{{"7", "false"}}, numbered(3), {}),
                      Contains("records golang-migrate version 7, which matches no imported "
                               "migration"));
  }
  SECTION("more than one golang-migrate row") {
    CHECK_THROWS_AS(plan_adoption(SourceTool::golang_migrate, "t",
                                  Rows{{"1", "false"}, {"2", "false"}}, numbered(3), {}),
                    HistoryError);
  }
  SECTION("rows that match no imported migration are named") {
    CHECK_THROWS_WITH(
        plan_adoption(
            SourceTool::goose, "public.goose_db_version",
            Rows{{"0", "true"}, {"1", "true"}, {"7", "true"}, {"9", "true"}, {"8", "false"}},
            numbered(3), {}),
        Contains("public.goose_db_version records goose migrations that match no "
                 "imported migration: 7, 9;"));
    CHECK_THROWS_WITH(plan_adoption(SourceTool::node_pg_migrate, "public.pgmigrations",
                                    Rows{{"1700000000000_gone"}}, {}, {}),
                      Contains("1700000000000_gone"));
  }
}

TEST_CASE("rows already in our history", "[adopt]") {
  const auto migrations = numbered(3);
  AppliedMigration same;
  same.version = 1;
  same.name = "m1";
  same.checksum = checksum(migrations[0].up);
  SECTION("the very row adoption would write is left as it is") {
    const Adoption adoption =
        plan_adoption(SourceTool::postgrator, "t", Rows{{"1"}, {"2"}}, migrations, {same});
    CHECK(recorded(adoption) == Keys{"2"});
    REQUIRE(adoption.present.size() == 1);
    CHECK(adoption.present[0].row.version == 1);
  }
  SECTION("a row with other checksums conflicts") {
    AppliedMigration other = same;
    other.checksum = Checksum::from_hex(std::string(64, '0'));
    CHECK_THROWS_WITH(plan_adoption(SourceTool::postgrator, "t", Rows{{"1"}}, migrations, {other}),
                      Contains("the history table already records imported versions differently: "
                               "00000000000001_m1"));
  }
  SECTION("a half-done row conflicts") {
    AppliedMigration half = same;
    half.state = RowState::applying;
    CHECK_THROWS_AS(plan_adoption(SourceTool::postgrator, "t", Rows{{"1"}}, migrations, {half}),
                    HistoryError);
  }
  SECTION("a row for a migration the other tool has not applied conflicts") {
    CHECK_THROWS_WITH(plan_adoption(SourceTool::postgrator, "t", Rows{}, migrations, {same}),
                      Contains("00000000000001_m1 (applied here but not in t)"));
  }
  SECTION("rows of other versions are not our business") {
    AppliedMigration unrelated;
    unrelated.version = 20240101000000;
    unrelated.name = "later";
    CHECK(recorded(plan_adoption(SourceTool::postgrator, "t", Rows{{"1"}}, migrations,
                                 {unrelated})) == Keys{"1"});
  }
}

TEST_CASE("parse_table_name: table or schema.table, each part a plain identifier", "[adopt]") {
  const auto bare = parse_table_name("hist", 56);
  REQUIRE(bare);
  CHECK(bare->schema.empty());
  CHECK(bare->table == "hist");
  const auto qualified = parse_table_name("ops.Hist$2", 56);
  REQUIRE(qualified);
  CHECK(qualified->schema == "ops");
  CHECK(qualified->table == "Hist$2");
  CHECK(parse_table_name(std::string(56, 't'), 56));
  for (const std::string &bad :
       std::vector<std::string>{"", ".t", "s.", "a.b.c", "1t", "t-x", std::string(57, 't'),
                                std::string(64, 's') + ".t"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_table_name(bad, 56));
  }
  CHECK(parse_history_table("t").schema == "public");
  CHECK(parse_history_table("ops.t").qualified() == "ops.t");
}
