// Dry runs: `up --dry-run`, `down --dry-run` and `plan` print the steps and
// their SQL, take no lock, and leave the database exactly as it was, even
// for a role that can only read.

#include "harness.hpp"
#include "migrate/postgres.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <sstream>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

// The schema of `db` as pg_dump prints it, without the random \restrict key lines.
std::string schema_dump(const TempDb &db) {
  const std::string command = "pg_dump --schema-only --no-password -d '" + db.name() + "'";
  FILE *pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string raw;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    raw.append(buffer.data(), n);
  }
  REQUIRE(::pclose(pipe) == 0);
  std::istringstream lines(raw);
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0) {
      continue;
    }
    out += line + "\n";
  }
  REQUIRE(out.find("PostgreSQL database dump complete") != std::string::npos);
  return out;
}

// A snapshot of everything a dry run could touch: schema and history rows.
std::string state_of(TempDb &db) {
  std::string state = schema_dump(db);
  if (db.table_exists("public.migration_history")) {
    state += db.scalar("SELECT coalesce(string_agg(version || state || checksum || applied_at, "
                       "',' ORDER BY id), '') FROM migration_history");
    state += db.scalar("SELECT coalesce(string_agg(id || event || version, ',' ORDER BY id), '') "
                       "FROM migration_history_events");
  }
  return state;
}

void write_tree(const std::filesystem::path &dir) {
  write_migration(dir, "20240101000000_users",
                  "-- users\n"                       // 1
                  "CREATE TABLE users (\n"           // 2
                  "  id int PRIMARY KEY\n"           // 3
                  ");\n"                             // 4
                  "\n"                               // 5
                  "INSERT INTO users VALUES (1);\n", // 6
                  "DROP TABLE users;\n");
  write_migration(dir, "20240102000000_index",
                  "-- migrate:no-transaction\n"                          // 1
                  "-- migrate:lock_timeout 5s\n"                         // 2
                  "CREATE INDEX CONCURRENTLY users_id ON users (id);\n", // 3
                  "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY users_id;\n");
}

// Holds the migration lock of the default history table.
class MigrationLockSession {
public:
  explicit MigrationLockSession(TempDb &db) : m_conn(db.conninfo()) {
    const auto keys = migrate::migration_lock_keys(migrate::HistoryTable{});
    pqxx::nontransaction tx{m_conn};
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(keys.first) + ", " +
            std::to_string(keys.second) + ")");
  }

private:
  pqxx::connection m_conn;
};

} // namespace

TEST_CASE("dry runs and plans change nothing on a fresh database") {
  TempDb db;
  TempDir dir;
  write_tree(dir.path());
  const std::string before = state_of(db);
  const std::string users_up = (dir.path() / "20240101000000_users" / "up.sql").string();
  const std::string index_up = (dir.path() / "20240102000000_index" / "up.sql").string();
  // The lock is held by someone else: a dry run does not need it.
  MigrationLockSession holder(db);

  for (const std::vector<std::string> &args :
       {std::vector<std::string>{"up", "--dry-run"}, {"plan"}, {"plan", "up"}}) {
    auto result = run_migrate(db, dir.path(), [&] {
      auto all = std::vector<std::string>{"--lock-timeout", "0"};
      all.insert(all.end(), args.begin(), args.end());
      return all;
    }());
    INFO(args[0] << ": " << result.all());
    CHECK(result.code == 0);
    CHECK_THAT(result.out, Contains("-- 2 steps; nothing was run"));
    CHECK_THAT(result.out, Contains("-- [1/2] up   20240101000000_users\n--   file: " + users_up +
                                    "\n--   transaction: one, with its history row\n"));
    CHECK_THAT(result.out, Contains("-- line 2\nCREATE TABLE users (\n  id int PRIMARY KEY\n);\n"
                                    "-- line 6\nINSERT INTO users VALUES (1);\n"));
    CHECK_THAT(result.out, Contains("-- [2/2] up   20240102000000_index\n--   file: " + index_up +
                                    "\n--   transaction: none (-- migrate:no-transaction)\n"
                                    "--   lock_timeout: 5000ms, statement_timeout: default\n"));
    CHECK_THAT(result.out,
               Contains("-- line 3\nCREATE INDEX CONCURRENTLY users_id ON users (id);"));
    CHECK_THAT(result.out, Contains("--   sha256: " + sql_sha256(db, read_file(users_up)) + "\n"));
    CHECK(result.err.empty());
  }

  auto json = run_migrate(db, dir.path(), {"plan", "--json"});
  CHECK(json.code == 0);
  CHECK(json.out.rfind("{\"steps\":[{\"direction\":\"up\",\"version\":\"20240101000000\","
                       "\"name\":\"users\",\"file\":\"" +
                           users_up + "\",\"transaction\":true,",
                       0) == 0);
  CHECK_THAT(json.out, Contains("\"statements\":[{\"line\":2,\"sql\":\"CREATE TABLE users "
                                "(\\n  id int PRIMARY KEY\\n)\"},{\"line\":6,\"sql\":\"INSERT "
                                "INTO users VALUES (1)\"}]}"));
  CHECK_THAT(json.out,
             Contains("\"version\":\"20240102000000\",\"name\":\"index\",\"file\":\"" + index_up +
                      "\",\"transaction\":false,\"lock_timeout_ms\":5000,"
                      "\"statement_timeout_ms\":null,\"checksum\":\""));
  auto json_dry = run_migrate(db, dir.path(), {"up", "--dry-run", "--json"});
  CHECK(json_dry.code == 0);
  CHECK(json_dry.out == json.out);

  for (const std::vector<std::string> &args : {std::vector<std::string>{"plan", "down"},
                                               {"down", "--dry-run"},
                                               {"plan", "redo"},
                                               {"redo", "--dry-run"}}) {
    auto result = run_migrate(db, dir.path(), args);
    INFO(args[0] << " " << args[1] << ": " << result.all());
    CHECK(result.code == 0);
    CHECK_THAT(result.out, Contains("-- nothing to do"));
  }
  auto plan_bad = run_migrate(db, dir.path(), {"plan", "sideways"});
  CHECK(plan_bad.code == 2);

  CHECK_FALSE(db.table_exists("public.migration_history"));
  CHECK_FALSE(db.table_exists("public.migration_history_events"));
  CHECK(state_of(db) == before);

  // A read-only target can be planned against, though not migrated.
  pqxx::connection admin{"dbname=postgres"};
  pqxx::nontransaction{admin}.exec("ALTER DATABASE " + db.name() +
                                   " SET default_transaction_read_only = on");
  auto read_only = run_migrate(db, dir.path(), {"up", "--dry-run"});
  CHECK(read_only.code == 0);
  CHECK_THAT(read_only.out, Contains("-- 2 steps; nothing was run"));
  CHECK(run_migrate(db, dir.path(), {"up"}).code == 6);
  pqxx::nontransaction{admin}.exec("ALTER DATABASE " + db.name() +
                                   " RESET default_transaction_read_only");
  CHECK(state_of(db) == before);
}

TEST_CASE("dry runs after up, by a role that can only read") {
  TempDb db;
  TempDir dir;
  write_tree(dir.path());
  REQUIRE(run_migrate(db, dir.path(), {"up"}).code == 0);
  write_migration(dir.path(), "20240103000000_orders", "CREATE TABLE orders (id int);\n",
                  "DROP TABLE orders;\n");

  TempRole reader(db, "migrate_reader_" + db.name().substr(std::string("migrate_test_").size()));
  const std::string &role = reader.name();
  db.query("GRANT CONNECT ON DATABASE " + db.name() + " TO " + role);
  db.query("GRANT USAGE ON SCHEMA public TO " + role);
  db.query("GRANT SELECT ON migration_history, migration_history_events TO " + role);
  const std::string url = db.conninfo() + " user=" + role;
  const std::vector<std::string> base{"--database-url", url, "--dir", dir.path().string()};
  auto as_reader = [&](std::vector<std::string> args) {
    std::vector<std::string> all = base;
    all.insert(all.end(), args.begin(), args.end());
    return run(all);
  };
  const std::string before = state_of(db);

  auto up_plan = as_reader({"up", "--dry-run"});
  CHECK(up_plan.code == 0);
  CHECK_THAT(up_plan.out, Contains("-- 1 step; nothing was run"));
  CHECK_THAT(up_plan.out, Contains("-- [1/1] up   20240103000000_orders"));
  CHECK_THAT(up_plan.out, Contains("-- line 1\nCREATE TABLE orders (id int);\n"));

  auto down_plan = as_reader({"plan", "down", "--count", "2"});
  CHECK(down_plan.code == 0);
  CHECK_THAT(down_plan.out, Contains("-- [1/2] down 20240102000000_index"));
  CHECK_THAT(down_plan.out, Contains("-- [2/2] down 20240101000000_users"));
  CHECK_THAT(down_plan.out, Contains("-- line 2\nDROP INDEX CONCURRENTLY users_id;\n"));
  CHECK_THAT(down_plan.out, Contains("-- line 1\nDROP TABLE users;\n"));

  auto redo_json = as_reader({"redo", "--dry-run", "--json"});
  CHECK(redo_json.code == 0);
  CHECK_THAT(redo_json.out, Contains("{\"steps\":[{\"direction\":\"down\",\"version\":"
                                     "\"20240102000000\""));
  CHECK_THAT(redo_json.out, Contains("{\"direction\":\"up\",\"version\":\"20240102000000\""));

  auto status = as_reader({"status"});
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Contains("2 applied, 1 pending"));
  auto log = as_reader({"log"});
  CHECK(log.code == 0);
  CHECK_THAT(log.out, Contains("apply  20240102000000_index"));
  CHECK(state_of(db) == before);

  // The same role cannot apply anything, and its attempt leaves no trace.
  auto up = as_reader({"up"});
  INFO(up.all());
  CHECK((up.code == 6 || up.code == 7));
  CHECK_THAT(up.err, Contains("permission denied"));
  // The failure names its SQLSTATE like any other.
  CHECK_THAT(up.err, Contains("(SQLSTATE 42501)"));
  CHECK_FALSE(db.table_exists("orders"));
  CHECK(state_of(db) == before);
}
