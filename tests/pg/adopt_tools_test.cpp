// `import --adopt-history` from each tool: its migrations directory in its own format, its
// history table created and filled the way the tool does it (the tool's own DDL and writes),
// the applied migrations' SQL run as the tool ran it. Afterwards our history holds exactly the
// applied ones with the imported files' checksums, and `up` applies only the rest.

#include "adopt_helpers.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

// Imports `src` from `tool` into `dir`, adopting the history; requires success.
Result adopt(TempDb &db, const fs::path &dir, const std::string &tool, const fs::path &src,
             const std::vector<std::string> &extra = {}) {
  std::vector<std::string> args{"import", "--from", tool, "--adopt-history"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(src.string());
  Result result = run_migrate(db, dir, args);
  INFO(result.all());
  REQUIRE(result.code == 0);
  return result;
}

// `up` applies exactly `id` (the one migration the other tool had not applied).
void up_applies_only(TempDb &db, const fs::path &dir, const std::string &id) {
  auto up = run_migrate(db, dir, {"up"});
  INFO(up.all());
  REQUIRE(up.code == 0);
  CHECK_THAT(up.out, Contains("[1/1] up   " + id));
  CHECK_THAT(up.out, Contains("applied 1 migration in"));
  auto status = run_migrate(db, dir, {"status", "--exit-code"});
  CHECK(status.code == 0);
}

} // namespace

TEST_CASE("adopt diesel's __diesel_schema_migrations") {
  TempDb db;
  TempDir src;
  TempDir target;
  const fs::path dir = target.path() / "migrations";
  const std::string setup = "CREATE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$\n"
                            "BEGIN NEW.updated_at := current_timestamp; RETURN NEW; END;\n"
                            "$$ LANGUAGE plpgsql;\n";
  write_file(src.path() / "00000000000000_diesel_initial_setup" / "up.sql", setup);
  write_file(src.path() / "00000000000000_diesel_initial_setup" / "down.sql",
             "DROP FUNCTION IF EXISTS diesel_set_updated_at();\n");
  write_file(src.path() / "2024-01-01-000000_create_users" / "up.sql",
             "CREATE TABLE users (id int);\n");
  write_file(src.path() / "2024-01-01-000000_create_users" / "down.sql", "DROP TABLE users;\n");
  write_file(src.path() / "2024-01-02-103000-0000_create_posts" / "up.sql",
             "CREATE TABLE posts (id int);\n");
  write_file(src.path() / "2024-01-03-000000_create_tags" / "up.sql",
             "CREATE TABLE tags (id int);\n");
  // diesel_migrations' setup_migration_table.sql, and one insert per migration it runs.
  db.query("CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\n"
           "       version VARCHAR(50) PRIMARY KEY NOT NULL,\n"
           "       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n)");
  db.query(setup);
  db.query("CREATE TABLE users (id int)");
  db.query("CREATE TABLE posts (id int)");
  for (const char *version : {"00000000000000", "20240101000000", "202401021030000000"}) {
    db.query(std::string("INSERT INTO __diesel_schema_migrations (version) VALUES ('") + version +
             "')");
  }

  auto result = adopt(db, dir, "diesel", src.path());
  CHECK_THAT(result.out, Contains("adopted 00000000000000 -> 00000000000001_diesel_initial_setup"));
  CHECK_THAT(result.out, Contains("adopted 20240101000000 -> 20240101000000_create_users"));
  CHECK_THAT(result.out, Contains("adopted 202401021030000000 -> 20240102103000_create_posts"));
  CHECK_THAT(result.out, Contains("recorded 3 migrations from public.__diesel_schema_migrations "
                                  "as applied without running them"));
  CHECK(our_history(db) ==
        adopted_rows(db, dir,
                     {"00000000000001_diesel_initial_setup", "20240101000000_create_users",
                      "20240102103000_create_posts"}));
  const std::string note = "adopted from diesel's history table public.__diesel_schema_migrations";
  CHECK(our_events(db) == "baseline:00000000000001:" + note + ",baseline:20240101000000:" + note +
                              ",baseline:20240102103000:" + note);
  up_applies_only(db, dir, "20240103000000_create_tags");
}

TEST_CASE("adopt golang-migrate's schema_migrations: everything up to its version") {
  TempDb db;
  TempDir src;
  TempDir target;
  const fs::path dir = target.path() / "migrations";
  write_file(src.path() / "1_create_users.up.sql", "CREATE TABLE users (id int);\n");
  write_file(src.path() / "1_create_users.down.sql", "DROP TABLE users;\n");
  write_file(src.path() / "2_create_posts.up.sql", "CREATE TABLE posts (id int);\n");
  write_file(src.path() / "2_create_posts.down.sql", "DROP TABLE posts;\n");
  write_file(src.path() / "3_create_tags.up.sql", "CREATE TABLE tags (id int);\n");
  // The postgres driver's ensureVersionTable and SetVersion (TRUNCATE, then the one row), run
  // before and after each migration: dirty while it runs, clean after.
  db.query("CREATE TABLE IF NOT EXISTS \"public\".\"schema_migrations\" (version bigint not null "
           "primary key, dirty boolean not null)");
  for (const char *step : {"1", "2"}) {
    db.query(std::string("BEGIN; TRUNCATE \"public\".\"schema_migrations\"; INSERT INTO "
                         "\"public\".\"schema_migrations\" (version, dirty) VALUES (") +
             step + ", true); COMMIT");
    db.query(std::string("CREATE TABLE ") + (step[0] == '1' ? "users" : "posts") + " (id int)");
    db.query(std::string("BEGIN; TRUNCATE \"public\".\"schema_migrations\"; INSERT INTO "
                         "\"public\".\"schema_migrations\" (version, dirty) VALUES (") +
             step + ", false); COMMIT");
  }

  auto result = adopt(db, dir, "golang-migrate", src.path());
  CHECK_THAT(result.out, Contains("adopted 1 -> 00000000000001_create_users"));
  CHECK_THAT(result.out, Contains("adopted 2 -> 00000000000002_create_posts"));
  CHECK(our_history(db) ==
        adopted_rows(db, dir, {"00000000000001_create_users", "00000000000002_create_posts"}));
  up_applies_only(db, dir, "00000000000003_create_tags");
}

TEST_CASE("adopt goose's goose_db_version: the newest row of a version decides") {
  TempDb db;
  TempDir src;
  TempDir target;
  const fs::path dir = target.path() / "migrations";
  write_file(src.path() / "00001_create_users.sql",
             "-- +goose Up\nCREATE TABLE users (id int);\n\n-- +goose Down\nDROP TABLE users;\n");
  write_file(src.path() / "00002_create_posts.sql",
             "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE posts (id int);\n"
             "-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE posts;\n");
  write_file(src.path() / "00003_create_tags.sql",
             "-- +goose Up\nCREATE TABLE tags (id int);\n-- +goose Down\nDROP TABLE tags;\n");
  // goose's Postgres dialect: CreateTable, then InsertVersion(0) when it creates the table, one
  // InsertVersion per migration applied; goose before v3.16 recorded a revert as a row with
  // is_applied = false (3 was applied, then reverted).
  db.query("CREATE TABLE goose_db_version (\n"
           "\t\tid integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,\n"
           "\t\tversion_id bigint NOT NULL,\n"
           "\t\tis_applied boolean NOT NULL,\n"
           "\t\ttstamp timestamp NOT NULL DEFAULT now()\n\t)");
  db.query("INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)");
  db.query("CREATE TABLE users (id int); CREATE TABLE posts (id int)");
  db.query("INSERT INTO goose_db_version (version_id, is_applied) VALUES (1, true), (2, true), "
           "(3, true), (3, false)");

  auto result = adopt(db, dir, "goose", src.path());
  CHECK_THAT(result.out, Contains("adopted 1 -> 00000000000001_create_users"));
  CHECK_THAT(result.out, Contains("adopted 2 -> 00000000000002_create_posts"));
  CHECK(result.out.find("adopted 3") == std::string::npos);
  CHECK(our_history(db) ==
        adopted_rows(db, dir, {"00000000000001_create_users", "00000000000002_create_posts"}));
  up_applies_only(db, dir, "00000000000003_create_tags");
  // goose's table is only read.
  CHECK(db.scalar("SELECT count(*) FROM goose_db_version") == "5");
}

TEST_CASE("adopt dbmate's schema_migrations; a skipped migration stays pending") {
  TempDb db;
  TempDir src;
  TempDir target;
  const fs::path dir = target.path() / "migrations";
  write_file(src.path() / "20240101000000_create_users.sql",
             "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n");
  write_file(src.path() / "20240102000000_create_posts.sql",
             "-- migrate:up\nCREATE TABLE posts (id int);\n\n-- migrate:down\nDROP TABLE posts;\n");
  write_file(src.path() / "20240103000000_create_tags.sql",
             "-- migrate:up\nCREATE TABLE tags (id int);\n\n-- migrate:down\nDROP TABLE tags;\n");
  write_file(src.path() / "schema.sql", "-- dbmate's schema dump\n");
  // dbmate's CreateMigrationsTable and InsertMigration. 20240102000000 was merged after
  // 20240103000000 had run, and has not run yet.
  db.query("create table if not exists \"public\".\"schema_migrations\" (version varchar(255) "
           "primary key)");
  db.query("CREATE TABLE users (id int); CREATE TABLE tags (id int)");
  db.query("insert into \"public\".\"schema_migrations\" (version) values ('20240101000000'), "
           "('20240103000000')");

  auto result = adopt(db, dir, "dbmate", src.path());
  CHECK_THAT(result.out, Contains("adopted 20240101000000 -> 20240101000000_create_users"));
  CHECK_THAT(result.out, Contains("adopted 20240103000000 -> 20240103000000_create_tags"));
  CHECK_THAT(result.err, Contains("warning: 20240102000000_create_posts: not applied according "
                                  "to public.schema_migrations, although a later migration is; "
                                  "it stays pending"));
  CHECK_THAT(result.out, Contains("recorded 2 migrations from public.schema_migrations as applied "
                                  "without running them; 1 migration left pending before "
                                  "applied ones"));
  CHECK(our_history(db) ==
        adopted_rows(db, dir, {"20240101000000_create_users", "20240103000000_create_tags"}));
  // Not skipped silently, not run silently: up refuses it until told.
  auto refused = run_migrate(db, dir, {"up"});
  CHECK(refused.code == 4);
  CHECK_THAT(refused.err, Contains("pending migration 20240102000000_create_posts is older than "
                                   "the newest applied migration 20240103000000"));
  auto up = run_migrate(db, dir, {"up", "--allow-out-of-order"});
  REQUIRE(up.code == 0);
  CHECK_THAT(up.out, Contains("[1/1] up   20240102000000_create_posts"));
}

TEST_CASE("adopt node-pg-migrate's pgmigrations: the file name without .sql") {
  TempDb db;
  TempDir src;
  TempDir target;
  const fs::path dir = target.path() / "migrations";
  write_file(
      src.path() / "1700000000000_create-users.sql",
      "-- Up Migration\nCREATE TABLE users (id int);\n-- Down Migration\nDROP TABLE users;\n");
  write_file(
      src.path() / "1700000001000_create-posts.sql",
      "-- Up Migration\nCREATE TABLE posts (id int);\n-- Down Migration\nDROP TABLE posts;\n");
  write_file(src.path() / "1700000002000_create-tags.sql",
             "-- Up Migration\nCREATE TABLE tags (id int);\n-- Down Migration\nDROP TABLE tags;\n");
  // The runner's ensureMigrationsTable and its insert of each migration run.
  db.query("CREATE TABLE \"public\".\"pgmigrations\" ( id SERIAL PRIMARY KEY, name varchar(255) "
           "NOT NULL, run_on timestamp NOT NULL)");
  db.query("CREATE TABLE users (id int); CREATE TABLE posts (id int)");
  db.query("INSERT INTO \"public\".\"pgmigrations\" (name, run_on) VALUES "
           "('1700000000000_create-users', NOW()), ('1700000001000_create-posts', NOW())");

  auto result = adopt(db, dir, "node-pg-migrate", src.path());
  CHECK_THAT(result.out, Contains("adopted 1700000000000_create-users -> "
                                  "20231114221320_create-users"));
  CHECK_THAT(result.out, Contains("adopted 1700000001000_create-posts -> "
                                  "20231114221321_create-posts"));
  CHECK(our_history(db) ==
        adopted_rows(db, dir, {"20231114221320_create-users", "20231114221321_create-posts"}));
  up_applies_only(db, dir, "20231114221322_create-tags");
}

TEST_CASE("adopt postgrator's schemaversion: its version 0 row is not a migration") {
  TempDb db;
  TempDir src;
  TempDir target;
  const fs::path dir = target.path() / "migrations";
  write_file(src.path() / "001.do.create-users.sql", "CREATE TABLE users (id int);\n");
  write_file(src.path() / "001.undo.create-users.sql", "DROP TABLE users;\n");
  write_file(src.path() / "002.do.create-posts.sql", "CREATE TABLE posts (id int);\n");
  write_file(src.path() / "003.do.create-tags.sql", "CREATE TABLE tags (id int);\n");
  write_file(src.path() / "postgrator-config.json", "{}\n");
  // postgrator 8's ensureTable (the table, its version 0 row, then the name, md5 and run_at
  // columns) and persistActionSql for each migration done.
  db.query("CREATE TABLE \"schemaversion\" (\n            version BIGINT PRIMARY KEY\n"
           "          )");
  db.query("INSERT INTO \"schemaversion\" (version) VALUES (0)");
  db.query("ALTER TABLE \"schemaversion\" ADD COLUMN name TEXT");
  db.query("ALTER TABLE \"schemaversion\" ADD COLUMN md5 TEXT");
  db.query("ALTER TABLE \"schemaversion\" ADD COLUMN run_at TIMESTAMP WITH TIME ZONE");
  db.query("CREATE TABLE users (id int); CREATE TABLE posts (id int)");
  db.query("INSERT INTO \"schemaversion\" (version, name, md5, run_at) VALUES "
           "(1, 'create-users', md5('CREATE TABLE users (id int);\n'), now()), "
           "(2, 'create-posts', md5('CREATE TABLE posts (id int);\n'), now())");

  auto result = adopt(db, dir, "postgrator", src.path());
  CHECK_THAT(result.out, Contains("adopted 1 -> 00000000000001_create-users"));
  CHECK_THAT(result.out, Contains("adopted 2 -> 00000000000002_create-posts"));
  CHECK(our_history(db) ==
        adopted_rows(db, dir, {"00000000000001_create-users", "00000000000002_create-posts"}));
  up_applies_only(db, dir, "00000000000003_create-tags");
}
