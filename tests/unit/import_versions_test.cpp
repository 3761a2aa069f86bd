// `migrate import`: version mapping, writing without overwriting, and the crates.io corpus.

#include "migrate/error.hpp"
#include "migrate/import.hpp"
#include "migrate/import_detail.hpp"
#include "migrate/source.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <string>

using namespace migrate;
using Catch::Contains;
using migrate_test::read_file;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace fs = std::filesystem;
namespace detail = migrate::import_detail;

namespace {

std::vector<detail::ForeignMigration> with_naturals(const std::vector<Version> &naturals) {
  std::vector<detail::ForeignMigration> migrations;
  for (Version v : naturals) {
    detail::ForeignMigration m;
    m.source = "m" + std::to_string(migrations.size());
    m.files.push_back(m.source + ".sql");
    m.natural = v;
    migrations.push_back(m);
  }
  return migrations;
}

std::vector<Version> assigned(std::vector<detail::ForeignMigration> migrations) {
  std::vector<ImportNote> notes;
  detail::assign_versions(migrations, "tool", notes);
  std::vector<Version> out;
  for (const auto &m : migrations) {
    out.push_back(m.version);
  }
  return out;
}

} // namespace

TEST_CASE("natural_version maps each version style", "[import]") {
  using detail::natural_version;
  CHECK(natural_version("20140924113530", "f") == 20140924113530ULL);
  CHECK(natural_version("20140929103760", "f") == 20140929103760ULL); // 60 seconds: kept
  CHECK(natural_version("00000000000000", "f") == 1);                 // diesel's setup
  CHECK(natural_version("1700000000999", "f") == 20231114221320ULL);  // epoch milliseconds
  CHECK(natural_version("1700000000", "f") == 20231114221320ULL);     // epoch seconds
  CHECK(natural_version("1", "f") == 1);
  CHECK(natural_version("001", "f") == 1);
  CHECK(natural_version("00042", "f") == 42);
  CHECK(natural_version("0000000042", "f") == 42);    // 10 digits, zero-padded: a sequence
  CHECK(natural_version("0000000000042", "f") == 42); // 13 digits likewise
  CHECK(natural_version("123456789012", "f") == 123456789012ULL);
  CHECK(natural_version("000000000000000007", "f") == 7);
  CHECK_THROWS_WITH(natural_version("123456789012345", "f.sql"),
                    Contains("f.sql: version 123456789012345 needs more than 14 digits"));
  CHECK_THROWS_AS(natural_version("99999999999999999999999", "f"), TreeError);
}

TEST_CASE("assign_versions resolves collisions and keeps the order", "[import]") {
  CHECK(assigned(with_naturals({20240101000000ULL, 20240101000000ULL, 20240101000005ULL})) ==
        std::vector<Version>{20240101000000ULL, 20240101000001ULL, 20240101000005ULL});
  // A collision at the end of a day carries like a clock.
  CHECK(assigned(with_naturals({20231231235959ULL, 20231231235959ULL, 20231231235959ULL})) ==
        std::vector<Version>{20231231235959ULL, 20240101000000ULL, 20240101000001ULL});
  // Not a real time (60 seconds, or a sequence number): plus one.
  CHECK(assigned(with_naturals({20140929103760ULL, 20140929103760ULL})) ==
        std::vector<Version>{20140929103760ULL, 20140929103761ULL});
  CHECK(assigned(with_naturals({1, 1, 3})) == std::vector<Version>{1, 2, 3});

  // Moving a collision onto the next migration would need moving that one too: refused.
  CHECK_THROWS_WITH(
      assigned(with_naturals({20240101000000ULL, 20240101000000ULL, 20240101000001ULL})),
      Contains("m1.sql: its version 20240101000000 collides"));
  // Versions that go backwards in the tool's order (mixed styles): refused.
  CHECK_THROWS_WITH(assigned(with_naturals({20240101000000ULL, 20230101000000ULL})),
                    Contains("m1.sql: its version becomes 20230101000000, before"));
}

TEST_CASE("millisecond versions in the same second are bumped, in order", "[import]") {
  TempDir src;
  write_file(src / "1700000000000_a.sql", "-- Up Migration\nSELECT 1;\n");
  write_file(src / "1700000000500_b.sql", "-- Up Migration\nSELECT 2;\n");
  write_file(src / "1700000000900_c.sql", "-- Up Migration\nSELECT 3;\n");
  write_file(src / "1700000010000_d.sql", "-- Up Migration\nSELECT 4;\n");
  const ImportResult result = read_foreign(SourceTool::node_pg_migrate, src.path());
  std::vector<std::string> ids;
  for (const auto &m : result.migrations) {
    ids.push_back(m.id());
  }
  CHECK(ids == std::vector<std::string>{"20231114221320_a", "20231114221321_b", "20231114221322_c",
                                        "20231114221330_d"});
  CHECK(std::count_if(result.notes.begin(), result.notes.end(), [](const ImportNote &n) {
          return n.text.find("using 2023111422132") != std::string::npos;
        }) == 2);

  write_file(src / "1700000001000_e.sql", "-- Up Migration\nSELECT 5;\n");
  CHECK_THROWS_AS(read_foreign(SourceTool::node_pg_migrate, src.path()), TreeError);
}

TEST_CASE("diesel: a suffixed version colliding with a plain one follows diesel's order",
          "[import]") {
  TempDir src;
  write_file(src / "2026-05-27-120000-0000_suffixed/up.sql", "SELECT 1;\n");
  write_file(src / "2026-05-27-120000_plain/up.sql", "SELECT 2;\n");
  const ImportResult result = read_foreign(SourceTool::diesel, src.path());
  REQUIRE(result.migrations.size() == 2);
  // Diesel compares "20260527120000" < "202605271200000000": the plain one runs first.
  CHECK(result.migrations[0].id() == "20260527120000_plain");
  CHECK(result.migrations[1].id() == "20260527120001_suffixed");
  const auto mapping = version_mapping(result.migrations);
  CHECK(mapping[1].history_key == "202605271200000000");
  CHECK(mapping[1].version == 20260527120001ULL);
  CHECK(mapping[1].id == "20260527120001_suffixed");
}

TEST_CASE("write_imported writes our layout and never overwrites", "[import]") {
  TempDir src;
  TempDir out;
  write_file(src / "20240101000000_a.sql", "-- migrate:up transaction:false\n"
                                           "CREATE INDEX CONCURRENTLY i ON t (x);\n"
                                           "-- migrate:down\nDROP INDEX i;\n");
  write_file(src / "20240102000000_b.sql", "-- migrate:up\nSELECT 1;\n");
  const ImportResult result = read_foreign(SourceTool::dbmate, src.path());
  const fs::path target = out / "migrations";

  SECTION("into a new directory") {
    const auto created = write_imported(result.migrations, target);
    CHECK(created ==
          std::vector<fs::path>{target / "20240101000000_a", target / "20240102000000_b"});
    CHECK(read_file(target / "20240101000000_a/up.sql") ==
          "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
    CHECK(read_file(target / "20240101000000_a/down.sql") == "DROP INDEX i;\n");
    CHECK_FALSE(fs::exists(target / "20240102000000_b/down.sql"));
    const auto tree = read_tree(target);
    REQUIRE(tree.size() == 2);
    // Nothing else is left behind (no staging directory).
    CHECK(std::distance(fs::directory_iterator(target), fs::directory_iterator()) == 2);
  }
  SECTION("next to other migrations, but not over one with the same version") {
    write_file(target / "20230101000000_ours/up.sql", "SELECT 0;\n");
    write_imported(result.migrations, target);
    CHECK(read_tree(target).size() == 3);
    CHECK_THROWS_AS(write_imported(result.migrations, target), UsageError);
    CHECK(read_tree(target).size() == 3);
  }
  SECTION("a clash leaves the target untouched") {
    write_file(target / "20240102000000_other/up.sql", "SELECT 0;\n");
    CHECK_THROWS_WITH(check_target(result.migrations, target), Contains("already exists"));
    CHECK_THROWS_AS(write_imported(result.migrations, target), UsageError);
    CHECK_FALSE(fs::exists(target / "20240101000000_a"));
    CHECK(std::distance(fs::directory_iterator(target), fs::directory_iterator()) == 1);
  }
  SECTION("an invalid target tree is refused") {
    write_file(target / "stray.txt", "x\n");
    CHECK_THROWS_AS(write_imported(result.migrations, target), TreeError);
  }
  SECTION("a failure while writing leaves no directory it created, and names the final path") {
    // Two migrations with the same directory name: the second cannot be staged.
    auto twice = result.migrations;
    twice.push_back(twice.front());
    CHECK_THROWS_WITH(write_imported(twice, target),
                      (target / "20240101000000_a").string() + ": cannot create: File exists");
    CHECK_FALSE(fs::exists(target));
    // An existing directory stays, empty as it was.
    fs::create_directories(target);
    CHECK_THROWS_AS(write_imported(twice, target), Error);
    CHECK(fs::is_empty(target));
  }
}

TEST_CASE("a staging directory left by a crashed import with the same pid is cleared first",
          "[import]") {
  TempDir src;
  TempDir out;
  write_file(src / "20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n");
  const ImportResult result = read_foreign(SourceTool::dbmate, src.path());
  const fs::path stale = out / (".migrate-import-" + std::to_string(::getpid()));
  write_file(stale / "20240101000000_a/up.sql", "SELECT 0;\n");
  write_imported(result.migrations, out.path());
  CHECK(read_file(out / "20240101000000_a/up.sql") == "SELECT 1;\n");
  CHECK_FALSE(fs::exists(stale));
}

TEST_CASE("the crates.io diesel corpus imports whole and in order", "[import][corpus]") {
  const fs::path corpus = fs::path(MIGRATE_SOURCE_DIR) / ".." / "shared" / "corpus" / "cratesio";
  if (!fs::is_directory(corpus)) {
    WARN("skipped: no corpus at " << corpus.string());
    return;
  }
  const ImportResult result = read_foreign(SourceTool::diesel, corpus);
  REQUIRE(result.migrations.size() == 285);
  std::size_t no_transaction = 0;
  for (std::size_t i = 0; i < result.migrations.size(); ++i) {
    const auto &m = result.migrations[i];
    CHECK(parse_dir_name(m.id()));
    if (i > 0) {
      CHECK(result.migrations[i - 1].version < m.version);
      CHECK(result.migrations[i - 1].history_key < m.history_key); // diesel's own order
    }
    no_transaction += m.up_no_transaction ? 1 : 0;
    CHECK(m.up_no_transaction == m.down_no_transaction);
  }
  CHECK(no_transaction == 7);
  CHECK(result.migrations.front().id() == "00000000000001_diesel_initial_setup");
  CHECK(result.migrations.back().id() == "20260730140000_add_users_username_index");

  TempDir out;
  write_imported(result.migrations, out / "migrations");
  auto tree = read_tree(out / "migrations");
  read_down_files(tree);
  REQUIRE(tree.size() == 285);
  for (std::size_t i = 0; i < tree.size(); ++i) {
    CHECK(tree[i].id() == result.migrations[i].id());
    CHECK(tree[i].has_down);
  }
  // Files are byte-identical apart from the header.
  CHECK(read_file(out / "migrations/20140924113530_dumped_migration_1/up.sql") ==
        read_file(corpus / "20140924113530_dumped_migration_1/up.sql"));
}
