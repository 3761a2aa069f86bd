#include "migrate/prefetch.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace migrate;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace fs = std::filesystem;

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
  prefetch.wait();
  // Back here at all is the point; the files are untouched.
  CHECK(fs::is_fifo(disk[0].down_path()));
  CHECK(fs::is_regular_file(disk[3].down_path()));
}
