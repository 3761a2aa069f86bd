#include "migrate/prefetch.hpp"

#include "migrate/source.hpp"

#include <string>
#include <system_error>

namespace migrate {

namespace {

// Threads, and the plan size from which they are started: reading is waiting
// for the disk, so more threads than cores still overlap reads.
constexpr unsigned k_threads = 4;
constexpr std::size_t k_min_steps = 32;

} // namespace

Prefetcher::Prefetcher(const std::vector<Migration> &disk, const std::vector<PlannedStep> &steps)
    : m_disk(disk), m_steps(steps) {
  if (steps.size() < k_min_steps) {
    return;
  }
  try {
    for (unsigned t = 0; t < k_threads; ++t) {
      m_threads.emplace_back([this] { run(); });
    }
  } catch (const std::system_error &) {
    // No thread to be had: the checks read the files themselves.
  }
}

Prefetcher::~Prefetcher() {
  m_stop.store(true, std::memory_order_relaxed);
  wait();
}

void Prefetcher::wait() {
  for (auto &thread : m_threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

void Prefetcher::run() {
  std::string path;
  std::string content;
  while (!m_stop.load(std::memory_order_relaxed)) {
    const std::size_t i = m_next.fetch_add(1, std::memory_order_relaxed);
    if (i >= m_steps.size()) {
      return;
    }
    if (i < m_reached.load(std::memory_order_relaxed)) {
      continue; // checked already
    }
    warm_step_files(m_disk[m_steps[i].index], m_steps[i].direction, path, content);
  }
}

} // namespace migrate
