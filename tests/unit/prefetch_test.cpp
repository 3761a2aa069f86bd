#include "migrate/prefetch.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace migrate;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace fs = std::filesystem;

namespace {

// A tree of `n` migrations whose files do not exist, and a plan reverting them all: the
// prefetcher's threads meet errors, which they ignore.
std::pair<std::vector<Migration>, std::vector<PlannedStep>> plan_of_missing_files(std::size_t n) {
  const auto tree = std::make_shared<const std::string>("/nonexistent/");
  std::vector<Migration> disk(n);
  std::vector<PlannedStep> steps;
  for (std::size_t i = 0; i < n; ++i) {
    disk[i].version = 20240101000000 + static_cast<Version>(i);
    disk[i].name = "m";
    disk[i].tree = tree;
    steps.push_back(PlannedStep{Direction::down, i});
  }
  return {std::move(disk), std::move(steps)};
}

} // namespace

TEST_CASE("the prefetcher reads a plan's files without waiting on a FIFO or reading a device",
          "[prefetch]") {
  // Its threads must end by themselves: a blocking open of a FIFO would wait for a
  // writer forever, a read of /dev/zero would never end, and nothing would join them.
  TempDir tmp;
  const auto tree = std::make_shared<const std::string>(tmp.path().string() + "/");
  std::vector<Migration> disk;
  std::vector<PlannedStep> steps;
  for (int i = 0; i < 40; ++i) {
    Migration m;
    m.version = 20240101000000 + static_cast<Version>(i);
    m.name = "m";
    m.tree = tree;
    const fs::path dir = m.dir();
    write_file(dir / "up.sql", "SELECT 1;\n");
    if (i == 0) {
      REQUIRE(::mkfifo((dir / "down.sql").c_str(), 0600) == 0);
    } else if (i == 1) {
      fs::create_symlink("/dev/zero", dir / "down.sql");
    } else if (i != 2) { // 2: no down.sql at all
      write_file(dir / "down.sql", "SELECT 2;\n");
    }
    steps.push_back(
        PlannedStep{i % 2 == 0 ? Direction::down : Direction::up, static_cast<std::size_t>(i)});
    disk.push_back(std::move(m));
  }
  steps.push_back(PlannedStep{Direction::down, 1});
  Prefetcher prefetch(disk, steps);
  for (std::size_t i = 0; i < 4; ++i) { // as after checks that waited for the disk
    prefetch.reached(i, std::chrono::seconds(1));
  }
  REQUIRE(prefetch.started());
  prefetch.wait();
  // Back here at all is the point; the files are untouched.
  CHECK(fs::is_fifo(disk[0].down_path()));
  CHECK(fs::is_regular_file(disk[3].down_path()));
}

TEST_CASE("the prefetcher starts once the checks read from the disk, with enough steps left",
          "[prefetch]") {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  const auto [disk, steps] = plan_of_missing_files(100);
  SECTION("warm checks, even a slow one now and then, never start it") {
    Prefetcher prefetch(disk, steps);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      prefetch.reached(i, i % 3 == 0 ? milliseconds(1) : microseconds(30));
    }
    CHECK_FALSE(prefetch.started());
  }
  SECTION("timed by the prefetcher itself, steps checked at once never start it") {
    Prefetcher prefetch(disk, steps);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      prefetch.reached(i);
    }
    CHECK_FALSE(prefetch.started());
  }
  SECTION("checks slow four times in a row start it") {
    Prefetcher prefetch(disk, steps);
    prefetch.reached(0, microseconds(0));
    for (std::size_t i = 1; i < 4; ++i) {
      prefetch.reached(i, milliseconds(2));
    }
    CHECK_FALSE(prefetch.started());
    prefetch.reached(4, milliseconds(2));
    CHECK(prefetch.started());
    prefetch.reached(5, milliseconds(2)); // once
    prefetch.wait();
  }
  SECTION("not for the last few steps") {
    Prefetcher prefetch(disk, steps);
    for (std::size_t i = steps.size() - 31; i < steps.size(); ++i) {
      prefetch.reached(i, milliseconds(2));
    }
    prefetch.reached(steps.size(), milliseconds(2));
    CHECK_FALSE(prefetch.started());
  }
  SECTION("a short plan never") {
    const std::vector<PlannedStep> few(steps.begin(), steps.begin() + 31);
    Prefetcher prefetch(disk, few);
    for (std::size_t i = 0; i < few.size(); ++i) {
      prefetch.reached(i, milliseconds(5));
    }
    CHECK_FALSE(prefetch.started());
  }
}

TEST_CASE("the prefetcher starts when a quick check read from the disk", "[prefetch]") {
  // A file written, synced and dropped from the page cache is read from the disk again: what
  // a check meets on a tree the page cache has let go of, however fast the disk.
  TempDir tmp;
  const fs::path file = tmp.path() / "down.sql";
  write_file(file, std::string(64 * 1024, 'x'));
  const int fd = ::open(file.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::fsync(fd) == 0);
  REQUIRE(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);

  const auto [disk, steps] = plan_of_missing_files(100);
  Prefetcher prefetch(disk, steps);
  prefetch.reached(0, std::chrono::microseconds(0));
  const long before = thread_blocks_read();
  REQUIRE(before >= 0); // the kernel counts the blocks a thread reads
  char buffer[4096];
  REQUIRE(::pread(fd, buffer, sizeof buffer, 0) == static_cast<ssize_t>(sizeof buffer));
  ::close(fd);
  // The filesystem of the temporary directory must let a file's pages go (not tmpfs).
  REQUIRE(thread_blocks_read() > before);
  for (std::size_t i = 1; i <= 4; ++i) { // the blocks are looked at every 4 steps
    prefetch.reached(i, std::chrono::microseconds(10));
  }
  CHECK(prefetch.started());
}
