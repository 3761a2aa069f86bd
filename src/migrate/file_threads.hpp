// How a tree's files are spread over threads: consecutive chunks of their
// indexes, each taken by the next thread that is free, on as many threads as
// reading small files is worth. Header-only and free of any other library, so
// that bench/tree_floor.cpp splits its work exactly as read_tree does.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <utility>
#include <vector>

namespace migrate {

// Files a thread takes at a time: few enough to share the tail of the work,
// enough that the shared counter is not touched for every file.
constexpr std::size_t k_file_chunk = 32;

// The indexes [0, count) in chunks of `size`, handed out in order. take() is
// safe to call from several threads at once; each index is handed out once.
class FileChunks {
public:
  FileChunks(std::size_t count, std::size_t size) : m_count(count), m_size(size) {}

  // The next chunk no thread has taken, as [first, second); first == second
  // when none is left.
  std::pair<std::size_t, std::size_t> take() {
    const std::size_t begin = std::min(m_next.fetch_add(m_size), m_count);
    return {begin, std::min(begin + m_size, m_count)};
  }

private:
  std::atomic<std::size_t> m_next{0};
  std::size_t m_count;
  std::size_t m_size;
};

// Threads worth using on `files` small files (system calls and hashing): one
// below a few hundred, else the cores, 1 to 4.
inline unsigned file_threads(std::size_t files) {
  return files < 256 ? 1 : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

// Runs `work` on `threads` threads, the calling one among them, and returns
// when every one has returned. `work` must not throw.
template <class Work> void run_on_threads(unsigned threads, Work &work) {
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) {
    helpers.emplace_back([&work] { work(); });
  }
  work();
  for (auto &helper : helpers) {
    helper.join();
  }
}

} // namespace migrate
