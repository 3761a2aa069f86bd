// FileChunks and run_on_threads: every file index is handed out exactly once,
// in chunks, whatever the number of threads taking them.
#include "migrate/file_threads.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <tuple>
#include <vector>

using migrate::FileChunks;

TEST_CASE("file chunks hand out consecutive ranges, the last one short, then empty ones",
          "[file_threads]") {
  FileChunks chunks(70, 32);
  CHECK(chunks.take() == std::pair<std::size_t, std::size_t>{0, 32});
  CHECK(chunks.take() == std::pair<std::size_t, std::size_t>{32, 64});
  CHECK(chunks.take() == std::pair<std::size_t, std::size_t>{64, 70});
  const auto [first, second] = chunks.take();
  CHECK(first == second);
  CHECK(chunks.take().first == chunks.take().second); // and stay empty
}

TEST_CASE("no files, no chunk", "[file_threads]") {
  FileChunks chunks(0, 32);
  const auto [first, second] = chunks.take();
  CHECK(first == 0);
  CHECK(second == 0);
}

TEST_CASE("threads taking chunks visit every index exactly once", "[file_threads]") {
  const unsigned threads = GENERATE(1u, 2u, 4u);
  constexpr std::size_t count = 10007; // not a multiple of the chunk
  std::vector<std::atomic<int>> visits(count);
  FileChunks chunks(count, migrate::k_file_chunk);
  auto work = [&]() {
    for (auto [begin, end] = chunks.take(); begin < end; std::tie(begin, end) = chunks.take()) {
      for (std::size_t i = begin; i < end; ++i) {
        visits[i].fetch_add(1);
      }
    }
  };
  migrate::run_on_threads(threads, work);
  std::size_t once = 0;
  for (const auto &v : visits) {
    once += v.load() == 1 ? 1 : 0;
  }
  CHECK(once == count);
}

TEST_CASE("a few files are read on one thread, many on the cores (1 to 4)", "[file_threads]") {
  CHECK(migrate::file_threads(0) == 1);
  CHECK(migrate::file_threads(255) == 1);
  const unsigned many = migrate::file_threads(10000);
  CHECK(many >= 1);
  CHECK(many <= 4);
}
