#pragma once
// Reading a cold tree ahead of a run's checks. Checking a plan reads, step by
// step, each migration's directory entries and its file (prepare_step); when
// those are no longer in the page cache, each read waits for the disk in
// turn. A Prefetcher reads the same entries and files, in plan order and a
// little ahead, on a few threads of its own, so that the disk reads overlap
// and the checks find them cached. It only warms caches (warm_step_files in
// source.hpp reads each step): what it reads is thrown away, its errors are
// ignored (the checks meet and report them), and it allocates nothing per
// step. On a warm tree it only repeats cheap system calls (about 2 ms at
// 1000 steps); it does not try to guess from the
// first files whether the rest are cached, since the newest migrations of a
// tree are often the only warm ones.

#include "migrate/migration.hpp"
#include "migrate/plan.hpp"

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace migrate {

class Prefetcher {
public:
  // Starts reading the files of `steps` (positions in `disk`), unless there
  // are too few for threads to pay off. Both must outlive the Prefetcher.
  Prefetcher(const std::vector<Migration> &disk, const std::vector<PlannedStep> &steps);
  // Stops the threads and waits for them.
  ~Prefetcher();
  // Waits for the threads to end by themselves, after the last step.
  void wait();
  Prefetcher(const Prefetcher &) = delete;
  Prefetcher &operator=(const Prefetcher &) = delete;

  // The checks have reached step `index`: the threads skip the steps before
  // it, which need no warming any more.
  void reached(std::size_t index) { m_reached.store(index, std::memory_order_relaxed); }

private:
  void run();

  const std::vector<Migration> &m_disk;
  const std::vector<PlannedStep> &m_steps;
  std::atomic<std::size_t> m_next{0};
  std::atomic<std::size_t> m_reached{0};
  std::atomic<bool> m_stop{false};
  std::vector<std::thread> m_threads;
};

} // namespace migrate
