// The embedding API (migrate/migrate.hpp), called in-process.

#include "harness.hpp"
#include "migrate/executor.hpp"
#include "migrate/history_sql.hpp"
#include "migrate/migrate.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace {

migrate::EmbedOptions options_for(const TempDb &db, const std::filesystem::path &dir) {
  migrate::EmbedOptions options;
  options.conninfo = db.conninfo();
  options.dir = dir;
  options.client = "embed_api_test";
  return options;
}

std::vector<std::string> sample_ids() {
  std::vector<std::string> ids;
  for (const auto &entry : std::filesystem::directory_iterator(sample_migrations())) {
    if (entry.is_directory()) {
      ids.push_back(entry.path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

} // namespace

TEST_CASE("embed: migrate_up applies what is pending, then nothing") {
  TempDb db;
  const auto options = options_for(db, sample_migrations());

  const auto first = migrate::migrate_up(options);
  CHECK(first.applied == sample_ids());
  CHECK(first.warnings.empty());
  CHECK(db.table_exists("users"));

  const auto second = migrate::migrate_up(options);
  CHECK(second.applied.empty());

  const auto rows = migrate::migration_status(options);
  REQUIRE(rows.size() == sample_ids().size());
  for (const auto &row : rows) {
    CHECK(row.state == migrate::State::applied);
    CHECK(row.applied_at.has_value());
  }
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'apply' AND "
                  "client = 'embed_api_test'") == std::to_string(sample_ids().size()));
  // Its sessions are gone: the lock and the connections were released.
  CHECK(db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND backend_type = 'client backend' AND pid <> pg_backend_pid()") == "0");
}

TEST_CASE("embed: migration_status before anything ran lists every migration as pending") {
  TempDb db;
  const auto rows = migrate::migration_status(options_for(db, sample_migrations()));
  REQUIRE(rows.size() == sample_ids().size());
  for (const auto &row : rows) {
    CHECK(row.state == migrate::State::pending);
  }
  CHECK_FALSE(db.table_exists("migration_history"));
}

TEST_CASE("embed: a failing migration throws MigrationFailed (7) and leaves nothing of itself") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_ok", "CREATE TABLE ok (id int);", std::nullopt);
  write_migration(dir.path(), "20240102000000_breaks",
                  "CREATE TABLE half (id int);\nSELECT 1 / 0;\n", std::nullopt);
  const auto options = options_for(db, dir.path());

  try {
    migrate::migrate_up(options);
    FAIL("migrate_up did not throw");
  } catch (const migrate::MigrationFailed &e) {
    CHECK(e.code() == migrate::ExitCode::migration_failed);
    CHECK(e.line() == 2);
    CHECK(e.failure().sqlstate == "22012");
    REQUIRE(e.done().size() == 1);
    CHECK(e.done()[0].migration.id() == "20240101000000_ok");
  }
  CHECK(db.table_exists("ok"));
  CHECK_FALSE(db.table_exists("half"));
  CHECK(db.scalar("SELECT string_agg(version, ',') FROM migration_history") == "20240101000000");
}

TEST_CASE("embed: refusals carry the CLI's exit codes") {
  TempDb db;
  TempDir dir;
  write_migration(dir.path(), "20240101000000_a", "CREATE TABLE a (id int);", std::nullopt);

  auto code_of = [](const migrate::EmbedOptions &options) {
    try {
      migrate::migrate_up(options);
    } catch (const migrate::Error &e) {
      return e.code();
    }
    return migrate::ExitCode::ok;
  };

  auto options = options_for(db, dir.path());
  options.history_table = "a.b.c";
  CHECK(code_of(options) == migrate::ExitCode::usage);

  options = options_for(db, dir.path() / "missing");
  CHECK(code_of(options) == migrate::ExitCode::invalid_tree);

  options = options_for(db, dir.path());
  options.conninfo = "host=127.0.0.1 port=1 dbname=nowhere password=sekret";
  try {
    migrate::migrate_up(options);
    FAIL("migrate_up did not throw");
  } catch (const migrate::Error &e) {
    CHECK(e.code() == migrate::ExitCode::connection);
    CHECK_THAT(std::string(e.what()), !Contains("sekret"));
  }

  // Held by someone else: give up after lock_wait.
  pqxx::connection holder{db.conninfo()};
  {
    const auto keys = migrate::migration_lock_keys(migrate::HistoryTable{});
    pqxx::nontransaction tx{holder};
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(keys.first) + ", " +
            std::to_string(keys.second) + ")");
  }
  options = options_for(db, dir.path());
  options.lock_wait = std::chrono::milliseconds(200);
  CHECK(code_of(options) == migrate::ExitCode::lock);
  CHECK_FALSE(db.table_exists("a"));
  holder.disconnect();
  CHECK(code_of(options) == migrate::ExitCode::ok);
  CHECK(db.table_exists("a"));
}

TEST_CASE("embed: many callers at once apply each migration exactly once") {
  TempDb db;
  const auto options = options_for(db, sample_migrations());
  constexpr int callers = 6;
  std::mutex mutex;
  std::vector<std::string> applied;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&]() {
      try {
        const auto result = migrate::migrate_up(options);
        const std::lock_guard<std::mutex> lock(mutex);
        applied.insert(applied.end(), result.applied.begin(), result.applied.end());
      } catch (const std::exception &e) {
        const std::lock_guard<std::mutex> lock(mutex);
        errors.emplace_back(e.what());
      }
    });
  }
  for (auto &thread : threads) {
    thread.join();
  }
  CHECK(errors.empty());
  std::sort(applied.begin(), applied.end());
  CHECK(applied == sample_ids());
  CHECK(db.scalar("SELECT count(*) FROM migration_history_events WHERE event = 'apply'") ==
        std::to_string(sample_ids().size()));
}
