#include "migrate/error.hpp"
#include "migrate/sha256.hpp"
#include "migrate/source.hpp"
#include "migrate/templates.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace migrate;
using Catch::Contains;
using migrate_test::read_file;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace fs = std::filesystem;

namespace {

// Creates a migration directory with up.sql and, optionally, down.sql.
fs::path add_migration(const fs::path &root, const std::string &dir_name, bool with_down = true) {
  const fs::path dir = root / dir_name;
  write_file(dir / "up.sql", "-- up " + dir_name + "\n");
  if (with_down) {
    write_file(dir / "down.sql", "-- down " + dir_name + "\n");
  }
  return dir;
}

const Templates k_templates{"-- custom up\nSELECT 1;\n", "-- custom down\n"};
constexpr std::time_t k_now = 1700000000; // 20231114221320

} // namespace

TEST_CASE("read_tree returns valid migrations sorted by version", "[source]") {
  TempDir tmp;
  add_migration(tmp.path(), "20240103000000_third");
  add_migration(tmp.path(), "20240101000000_first");
  add_migration(tmp.path(), "20240102000000_second-one", false);

  auto tree = read_tree(tmp.path());
  REQUIRE(tree.size() == 3);
  CHECK(tree[0].version == 20240101000000ULL);
  CHECK(tree[0].name == "first");
  CHECK(tree[0].dir() == (tmp / "20240101000000_first").string());
  CHECK(tree[0].tree == tree[1].tree); // one string for the whole tree
  CHECK(tree[0].has_up);
  CHECK(tree[0].checksum == checksum("-- up 20240101000000_first\n"));
  CHECK_FALSE(tree[0].down_known); // down.sql is read only when needed
  read_down_files(tree);
  CHECK(tree[0].down_known);
  CHECK(tree[0].has_down);
  CHECK(tree[0].down_checksum == checksum("-- down 20240101000000_first\n"));
  CHECK(tree[1].version == 20240102000000ULL);
  CHECK(tree[1].name == "second-one");
  CHECK(tree[1].has_up);
  CHECK_FALSE(tree[1].has_down); // down.sql is optional here
  CHECK(tree[2].version == 20240103000000ULL);
  CHECK(tree[2].id() == "20240103000000_third");
}

TEST_CASE("read_tree of an empty directory is empty", "[source]") {
  TempDir tmp;
  CHECK(read_tree(tmp.path()).empty());
}

TEST_CASE("read_tree ignores hidden entries and README files", "[source]") {
  TempDir tmp;
  add_migration(tmp.path(), "20240101000000_first");
  write_file(tmp / "README.md", "docs");
  write_file(tmp / "README", "docs");
  write_file(tmp / ".DS_Store", "junk");
  write_file(tmp / ".hidden/whatever.txt", "junk");
  write_file(tmp / "20240101000000_first/.keep", "");
  write_file(tmp / "20240101000000_first/README.txt", "notes");

  const auto tree = read_tree(tmp.path());
  REQUIRE(tree.size() == 1);
  CHECK(tree[0].name == "first");
  CHECK_NOTHROW(check_migration_dir(tree[0]));
}

TEST_CASE("read_tree refuses an invalid tree, naming the path", "[source]") {
  TempDir tmp;
  add_migration(tmp.path(), "20240101000000_fine");

  SECTION("bad directory name") {
    const fs::path bad = add_migration(tmp.path(), "2024_bad");
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()), Contains(bad.string()));
  }
  SECTION("uppercase directory name") {
    const fs::path bad = add_migration(tmp.path(), "20240102000000_Bad");
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()), Contains(bad.string()));
  }
  SECTION("a stray file") {
    write_file(tmp / "notes.txt", "x");
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()), Contains((tmp / "notes.txt").string()));
  }
  SECTION("a plain file with a migration-like name") {
    write_file(tmp / "20240102000000_file", "SELECT 1;");
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()), Contains((tmp / "20240102000000_file").string()));
  }
  SECTION("duplicate version under two names") {
    const fs::path a = add_migration(tmp.path(), "20240102000000_alpha");
    const fs::path b = add_migration(tmp.path(), "20240102000000_beta");
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()), Contains(a.string()) && Contains(b.string()));
  }
  SECTION("missing up.sql") {
    write_file(tmp / "20240102000000_no_up/down.sql", "-- down");
    const fs::path up = tmp / "20240102000000_no_up" / "up.sql";
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()), Contains(up.string()));
  }
  SECTION("empty migration directory") {
    fs::create_directories(tmp / "20240102000000_empty");
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()),
                        Contains((tmp / "20240102000000_empty" / "up.sql").string()));
  }
  SECTION("an unexpected file inside a migration directory, once it is about to run") {
    const fs::path extra = tmp / "20240101000000_fine" / "extra.sql";
    write_file(extra, "SELECT 1;");
    const auto tree = read_tree(tmp.path());
    REQUIRE(tree.size() == 1);
    REQUIRE_THROWS_AS(check_migration_dir(tree[0]), TreeError);
    REQUIRE_THROWS_WITH(check_migration_dir(tree[0]), Contains(extra.string()));
  }
  SECTION("up.sql that is a directory") {
    const fs::path dir = tmp / "20240102000000_odd";
    fs::create_directories(dir / "up.sql");
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()), Contains((dir / "up.sql").string()));
  }
  SECTION("up.sql that is a FIFO: refused at once, not waited on") {
    const fs::path dir = tmp / "20240102000000_fifo";
    fs::create_directories(dir);
    REQUIRE(::mkfifo((dir / "up.sql").c_str(), 0600) == 0);
    REQUIRE_THROWS_AS(read_tree(tmp.path()), TreeError);
    REQUIRE_THROWS_WITH(read_tree(tmp.path()),
                        (dir / "up.sql").string() + ": cannot read: not a regular file");
  }
}

TEST_CASE("a step's file that is not a regular file is refused, not waited on", "[source]") {
  TempDir tmp;
  fs::create_directories(tmp / "m");
  REQUIRE(::mkfifo((tmp / "m" / "down.sql").c_str(), 0600) == 0);
  REQUIRE_THROWS_WITH(read_optional_sql_file(tmp / "m" / "down.sql"),
                      (tmp / "m" / "down.sql").string() + ": cannot read: not a regular file");
  REQUIRE_THROWS_WITH(read_sql_file(tmp / "m" / "down.sql"),
                      (tmp / "m" / "down.sql").string() + ": cannot read: not a regular file");
  REQUIRE_THROWS_WITH(read_sql_file("/dev/zero"), "/dev/zero: cannot read: not a regular file");
  REQUIRE_THROWS_WITH(read_sql_file(tmp / "m"),
                      (tmp / "m").string() + ": cannot read: " + std::strerror(EISDIR));
}

TEST_CASE("read_tree refuses a missing migrations directory", "[source]") {
  TempDir tmp;
  const fs::path missing = tmp / "nope";
  REQUIRE_THROWS_AS(read_tree(missing), TreeError);
  REQUIRE_THROWS_WITH(read_tree(missing),
                      missing.string() + ": migrations directory does not exist");
  write_file(tmp / "file", "x");
  REQUIRE_THROWS_AS(read_tree(tmp / "file"), TreeError);
  REQUIRE_THROWS_WITH(read_tree(tmp / "file"),
                      (tmp / "file").string() +
                          ": not a directory (the migrations directory must be one)");
  REQUIRE_THROWS_WITH(read_tree(tmp / "file" / "below"),
                      (tmp / "file" / "below").string() + ": migrations directory does not exist");
}

TEST_CASE("read_sql_file reads a file or names it in a TreeError", "[source]") {
  TempDir tmp;
  write_file(tmp / "a.sql", "SELECT 1;\n-- é\n");
  CHECK(read_sql_file(tmp / "a.sql") == "SELECT 1;\n-- é\n");
  write_file(tmp / "empty.sql", "");
  CHECK(read_sql_file(tmp / "empty.sql").empty());
  REQUIRE_THROWS_AS(read_sql_file(tmp / "missing.sql"), TreeError);
  REQUIRE_THROWS_WITH(read_sql_file(tmp / "missing.sql"), Contains((tmp / "missing.sql").string()));
}

TEST_CASE("create_migration writes up.sql and down.sql from the templates", "[source]") {
  TempDir tmp;
  const fs::path created = create_migration(tmp.path(), "Create Users", k_now, k_templates);
  CHECK(created == tmp / "20231114221320_create_users");
  CHECK(read_file(created / "up.sql") == k_templates.up);
  CHECK(read_file(created / "down.sql") == k_templates.down);

  auto tree = read_tree(tmp.path());
  read_down_files(tree);
  REQUIRE(tree.size() == 1);
  CHECK(tree[0].has_up);
  CHECK(tree[0].has_down);
}

TEST_CASE("create_migration takes the next free second", "[source]") {
  TempDir tmp;
  SECTION("repeated calls with the same time") {
    CHECK(create_migration(tmp.path(), "a", k_now, k_templates).filename() == "20231114221320_a");
    CHECK(create_migration(tmp.path(), "a", k_now, k_templates).filename() == "20231114221321_a");
    CHECK(create_migration(tmp.path(), "b", k_now, k_templates).filename() == "20231114221322_b");
    CHECK(read_tree(tmp.path()).size() == 3);
  }
  SECTION("an existing migration with that version under another name") {
    const fs::path other = add_migration(tmp.path(), "20231114221320_other");
    CHECK(create_migration(tmp.path(), "new", k_now, k_templates) == tmp / "20231114221321_new");
    CHECK(read_file(other / "up.sql") == "-- up 20231114221320_other\n");
  }
  SECTION("carrying over midnight") {
    add_migration(tmp.path(), "20231231235959_last");
    CHECK(create_migration(tmp.path(), "first", 1704067199, k_templates).filename() ==
          "20240101000000_first");
  }
}

TEST_CASE("create_migration run several times at once gives each its own version", "[source]") {
  TempDir tmp;
  constexpr int k_runs = 8;
  std::vector<std::string> created(k_runs);
  std::vector<std::thread> runs;
  for (int i = 0; i < k_runs; ++i) {
    runs.emplace_back([&, i] {
      created[i] =
          create_migration(tmp.path(), "n" + std::to_string(i), k_now, k_templates).filename();
    });
  }
  for (auto &run : runs) {
    run.join();
  }
  const auto tree = read_tree(tmp.path()); // throws on a duplicate version or a missing up.sql
  CHECK(tree.size() == k_runs);
  std::set<Version> versions;
  for (const auto &m : tree) {
    versions.insert(m.version);
    CHECK(read_file(tmp / m.id() / "down.sql") == k_templates.down);
  }
  CHECK(versions.size() == k_runs);
  CHECK(*versions.begin() == 20231114221320);
  CHECK(*versions.rbegin() == 20231114221327);
  std::size_t entries = 0;
  for (const auto &entry : fs::directory_iterator(tmp.path())) {
    CHECK(entry.path().filename().string().front() != '.'); // no staging directory left
    ++entries;
  }
  CHECK(entries == k_runs);
}

TEST_CASE("create_migration clears a staging directory a crashed run of the same pid left",
          "[source]") {
  TempDir tmp;
  const fs::path stale = tmp / (".new-" + std::to_string(::getpid()) + "-left");
  fs::create_directories(stale);
  write_file(stale / "up.sql", "-- half written\n");
  CHECK(create_migration(tmp.path(), "left", k_now, k_templates).filename() ==
        "20231114221320_left");
  CHECK_FALSE(fs::exists(stale));
  CHECK(read_file(tmp / "20231114221320_left" / "up.sql") == k_templates.up);
}

TEST_CASE("create_migration never overwrites", "[source]") {
  TempDir tmp;
  const fs::path existing = add_migration(tmp.path(), "20231114221320_same");
  write_file(existing / "up.sql", "original up");
  write_file(existing / "down.sql", "original down");
  const fs::path created = create_migration(tmp.path(), "same", k_now, k_templates);
  CHECK(created != existing);
  CHECK(read_file(existing / "up.sql") == "original up");
  CHECK(read_file(existing / "down.sql") == "original down");
  CHECK(read_file(created / "up.sql") == k_templates.up);
}

TEST_CASE("create_migration keeps hostile names inside the directory", "[source]") {
  TempDir tmp;
  const fs::path dir = tmp / "migrations";
  const std::vector<std::string> names = {"../../x", "/etc/passwd", "a/b", "x/../../y",
                                          "..\\..\\z"};
  std::time_t now = k_now;
  for (const auto &name : names) {
    INFO("name: " << name);
    const fs::path created = create_migration(dir, name, now++, k_templates);
    CHECK(created.parent_path() == dir);
    CHECK(created.lexically_normal().parent_path() == dir.lexically_normal());
    CHECK(fs::is_regular_file(created / "up.sql"));
    CHECK(parse_dir_name(created.filename().string()).has_value());
  }
  // Only the migrations directory was created next to it; nothing escaped.
  std::vector<std::string> top;
  for (const auto &entry : fs::directory_iterator(tmp.path())) {
    top.push_back(entry.path().filename().string());
  }
  CHECK(top == std::vector<std::string>{"migrations"});
  CHECK(read_tree(dir).size() == names.size());
}

TEST_CASE("create_migration refuses a name without usable characters", "[source]") {
  TempDir tmp;
  for (const std::string name : {"", "!!!", "../..", "\xc3\xa9"}) {
    INFO("name: " << name);
    REQUIRE_THROWS_AS(create_migration(tmp.path(), name, k_now, k_templates), UsageError);
  }
  CHECK(read_tree(tmp.path()).empty());
}

TEST_CASE("create_migration creates the directory when missing", "[source]") {
  TempDir tmp;
  const fs::path dir = tmp / "deep" / "er" / "migrations";
  const fs::path created = create_migration(dir, "init", k_now, k_templates);
  CHECK(created == dir / "20231114221320_init");
  CHECK(fs::is_directory(dir));
  CHECK(read_file(created / "down.sql") == k_templates.down);
}

TEST_CASE("create_migration reports filesystem failures as Error", "[source]") {
  TempDir tmp;
  write_file(tmp / "file", "not a directory");
  REQUIRE_THROWS_AS(create_migration(tmp / "file", "x", k_now, k_templates), Error);
}

TEST_CASE("default_templates are the project's templates/ files", "[templates]") {
  const fs::path dir = fs::path(MIGRATE_SOURCE_DIR) / "templates";
  const Templates templates = default_templates();
  CHECK(templates.up == read_file(dir / "up.sql"));
  CHECK(templates.down == read_file(dir / "down.sql"));
  CHECK_FALSE(templates.up.empty());
  CHECK_FALSE(templates.down.empty());
}

TEST_CASE("load_templates reads a custom directory", "[templates]") {
  TempDir tmp;
  write_file(tmp / "up.sql", "-- my up\n");
  write_file(tmp / "down.sql", "-- my down\n");
  const Templates templates = load_templates(tmp.path());
  CHECK(templates.up == "-- my up\n");
  CHECK(templates.down == "-- my down\n");

  SECTION("missing down.sql") {
    fs::remove(tmp / "down.sql");
    REQUIRE_THROWS_AS(load_templates(tmp.path()), UsageError);
    REQUIRE_THROWS_WITH(load_templates(tmp.path()), Contains((tmp / "down.sql").string()));
  }
  SECTION("missing up.sql") {
    fs::remove(tmp / "up.sql");
    REQUIRE_THROWS_AS(load_templates(tmp.path()), UsageError);
    REQUIRE_THROWS_WITH(load_templates(tmp.path()), Contains((tmp / "up.sql").string()));
  }
}

TEST_CASE("read_tree hashes every up.sql, on several threads for a large tree", "[source]") {
  TempDir tmp;
  constexpr int k_count = 600; // above the threshold for a second thread
  for (int i = 0; i < k_count; ++i) {
    const std::string version = std::to_string(20240000000000ULL + static_cast<unsigned>(i));
    write_file(tmp / (version + "_m" + std::to_string(i)) / "up.sql",
               "CREATE TABLE t" + std::to_string(i) + " ();\r\n");
  }
  const auto tree = read_tree(tmp.path());
  REQUIRE(tree.size() == k_count);
  for (int i = 0; i < k_count; ++i) {
    const auto &m = tree[static_cast<std::size_t>(i)];
    CHECK(m.version == 20240000000000ULL + static_cast<unsigned>(i));
    CHECK(m.name == "m" + std::to_string(i));
    CHECK(m.checksum == checksum("CREATE TABLE t" + std::to_string(i) + " ();\n"));
  }
}

TEST_CASE("read_tree reports the first unreadable up.sql in version order", "[source]") {
  TempDir tmp;
  for (int i = 0; i < 400; ++i) {
    const std::string version = std::to_string(20240000000000ULL + static_cast<unsigned>(i));
    const fs::path dir = tmp / (version + "_m");
    if (i == 150 || i == 300) {
      fs::create_directories(dir);
    } else {
      write_file(dir / "up.sql", "SELECT 1;\n");
    }
  }
  REQUIRE_THROWS_WITH(read_tree(tmp.path()),
                      Contains((tmp / "20240000000150_m" / "up.sql").string() + ": missing"));
}

TEST_CASE("read_down_files reads down.sql only of the listed migrations", "[source]") {
  TempDir tmp;
  add_migration(tmp.path(), "20240101000000_first");
  add_migration(tmp.path(), "20240102000000_second", false);
  add_migration(tmp.path(), "20240103000000_third");
  auto tree = read_tree(tmp.path());
  std::vector<AppliedMigration> rows(2);
  rows[0].version = 20240101000000ULL;
  rows[1].version = 20240102000000ULL;
  read_down_files(tree, rows);
  CHECK(tree[0].down_known);
  CHECK(tree[0].has_down);
  CHECK(tree[1].down_known);
  CHECK_FALSE(tree[1].has_down);
  CHECK(tree[1].down_checksum.empty());
  CHECK_FALSE(tree[2].down_known);
}
