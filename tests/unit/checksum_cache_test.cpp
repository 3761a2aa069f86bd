// The checksum cache of read_tree (checksum_cache.hpp): the checksums it gives
// are the ones reading gives, and a changed file is always read again.

#include "migrate/checksum_cache.hpp"
#include "migrate/source.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace migrate;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace fs = std::filesystem;

namespace {

constexpr std::chrono::nanoseconds k_no_racy{0};

void add_migration(const fs::path &root, const std::string &id, const std::string &up) {
  write_file(root / id / "up.sql", up);
}

std::vector<std::string> checksums(const std::vector<Migration> &tree) {
  std::vector<std::string> out;
  for (const auto &m : tree) {
    out.push_back(m.checksum.hex());
  }
  return out;
}

// A tree of three migrations and a cache directory next to it.
struct Fixture {
  TempDir tmp;
  fs::path tree = tmp / "migrations";
  fs::path cache = tmp / "cache";

  Fixture() {
    add_migration(tree, "20240101000000_one", "CREATE TABLE one (id int);\n");
    add_migration(tree, "20240102000000_two", "CREATE TABLE two (id int);\n");
    add_migration(tree, "20240103000000_three", "CREATE TABLE three (id int);\n");
  }

  TreeStats read(std::chrono::nanoseconds racy = k_no_racy) {
    TreeStats stats;
    const auto tree_read = read_tree(tree, cache, &stats, racy);
    // Whatever the cache did, the checksums are those of reading every file.
    CHECK(checksums(tree_read) == checksums(read_tree(tree)));
    return stats;
  }
};

} // namespace

TEST_CASE("the checksum cache answers for unchanged files on the next read", "[cache]") {
  Fixture f;
  const auto first = f.read();
  CHECK(first.hashed == 3);
  CHECK(first.cached == 0);
  CHECK(fs::exists(ChecksumCache(f.cache, f.tree).file()));
  const auto second = f.read();
  CHECK(second.hashed == 0);
  CHECK(second.cached == 3);
}

TEST_CASE("an edited up.sql is read again, even with its size and mtime restored", "[cache]") {
  Fixture f;
  REQUIRE(f.read().hashed == 3);
  const fs::path up = f.tree / "20240102000000_two" / "up.sql";
  const auto mtime = fs::last_write_time(up);
  // Past the filesystem's timestamp granularity, so that the new ctime differs.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write_file(up, "CREATE TABLE TWO (id int);\n"); // same size
  fs::last_write_time(up, mtime);
  const auto after = f.read();
  CHECK(after.hashed == 1);
  CHECK(after.cached == 2);
}

TEST_CASE("files changed within the racy window are not recorded", "[cache]") {
  Fixture f;
  // Every file was written just now: none is recorded, so each read reads them all.
  CHECK(f.read(std::chrono::seconds(2)).hashed == 3);
  CHECK(f.read(std::chrono::seconds(2)).hashed == 3);
}

TEST_CASE("added and removed migrations update the cache", "[cache]") {
  Fixture f;
  REQUIRE(f.read().hashed == 3);
  fs::remove_all(f.tree / "20240101000000_one");
  add_migration(f.tree, "20240104000000_four", "CREATE TABLE four (id int);\n");
  const auto changed = f.read();
  CHECK(changed.cached == 2);
  CHECK(changed.hashed == 1);
  const auto again = f.read();
  CHECK(again.cached == 3);
  CHECK(again.hashed == 0);
}

TEST_CASE("a renamed migration is not answered for by its old record", "[cache]") {
  Fixture f;
  REQUIRE(f.read().hashed == 3);
  fs::rename(f.tree / "20240103000000_three", f.tree / "20240103000000_third");
  CHECK(f.read().hashed == 1);
}

TEST_CASE("a damaged cache file is ignored and replaced", "[cache]") {
  Fixture f;
  REQUIRE(f.read().hashed == 3);
  const fs::path file = ChecksumCache(f.cache, f.tree).file();
  SECTION("garbage") {
    write_file(file, "not a cache");
  }
  SECTION("truncated") {
    const auto size = fs::file_size(file);
    fs::resize_file(file, size - 7);
  }
  SECTION("empty") {
    write_file(file, "");
  }
  CHECK(f.read().hashed == 3);
  CHECK(f.read().cached == 3);
}

TEST_CASE("a cache directory that cannot be written changes nothing", "[cache]") {
  Fixture f;
  write_file(f.cache, "a file where the directory would be");
  TreeStats stats;
  const auto tree = read_tree(f.tree, f.cache / "sub", &stats, k_no_racy);
  CHECK(checksums(tree) == checksums(read_tree(f.tree)));
  CHECK(stats.hashed == 3);
}

TEST_CASE("writing a cache removes caches unchanged for 90 days", "[cache]") {
  Fixture f;
  fs::create_directories(f.cache);
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 91);
  write_file(f.cache / "0123456789abcdef0123456789abcdef.sums", "old");
  fs::last_write_time(f.cache / "0123456789abcdef0123456789abcdef.sums", old);
  write_file(f.cache / "fedcba9876543210fedcba9876543210.sums", "recent");
  write_file(f.cache / "notes.txt", "not a cache");
  fs::last_write_time(f.cache / "notes.txt", old);
  REQUIRE(f.read().hashed == 3);
  CHECK_FALSE(fs::exists(f.cache / "0123456789abcdef0123456789abcdef.sums"));
  CHECK(fs::exists(f.cache / "fedcba9876543210fedcba9876543210.sums"));
  CHECK(fs::exists(f.cache / "notes.txt"));
}

TEST_CASE("where the checksum cache lives", "[cache]") {
  std::string origin;
  const std::optional<std::string> none;
  CHECK(checksum_cache_dir(std::string("/c"), std::string("/x"), std::string("/h"), origin) ==
        fs::path("/c"));
  CHECK(origin == "MIGRATE_CACHE_DIR");
  CHECK_FALSE(checksum_cache_dir(std::string(""), std::string("/x"), none, origin));
  CHECK_FALSE(checksum_cache_dir(std::string("off"), none, std::string("/h"), origin));
  CHECK(origin == "MIGRATE_CACHE_DIR");
  CHECK(checksum_cache_dir(none, std::string("/x"), std::string("/h"), origin) ==
        fs::path("/x/migrate"));
  CHECK(origin == "XDG_CACHE_HOME");
  CHECK(checksum_cache_dir(none, std::string("relative"), std::string("/h"), origin) ==
        fs::path("/h/.cache/migrate"));
  CHECK(origin == "HOME");
  CHECK_FALSE(checksum_cache_dir(none, none, none, origin));
  CHECK(origin == "default");
}
