#pragma once
// Reading a cold tree ahead of a run's checks. Checking a plan reads, step by
// step, each migration's directory entries and its file (prepare_step); when
// those are no longer in the page cache, each read waits for the disk in
// turn. A Prefetcher reads the same entries and files, in plan order and a
// little ahead, on a few threads of its own, so that the disk reads overlap
// and the checks find them cached. It only warms caches (warm_step_files in
// source.hpp reads each step): what it reads is thrown away, its errors are
// ignored (the checks meet and report them), and it allocates nothing per
// step.
//
// It starts its threads only once the checks have read from the disk: on a
// warm tree, reading every file a second time costs more than it saves (6-9 ms
// at 1000 steps on a 2-core VM). Since the checks report each step, a plan
// whose newest migrations are cached and older ones are not starts the threads
// where the cold part begins.

#include "migrate/migration.hpp"
#include "migrate/plan.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

namespace migrate {

// Blocks (of 512 bytes) the calling thread has read from a disk so far, or -1
// when that cannot be known (getrusage): how the Prefetcher sees the checks
// wait for the disk.
long thread_blocks_read();

class Prefetcher {
public:
  // Reads nothing yet. `disk` and `steps` (positions in `disk`) must outlive
  // the Prefetcher.
  Prefetcher(const std::vector<Migration> &disk, const std::vector<PlannedStep> &steps);
  // Stops the threads and waits for them.
  ~Prefetcher();
  // Waits for the threads to end by themselves, after the last step.
  void wait();
  Prefetcher(const Prefetcher &) = delete;
  Prefetcher &operator=(const Prefetcher &) = delete;

  // The checks have reached step `index`, and checking the step before it took
  // `previous_check`. The threads skip the steps before `index`, which need no
  // warming any more. Checks that read from the disk (this thread's blocks
  // read, or checks slow several times in a row) start the threads, unless too
  // few steps are left for them to pay off. Called by the thread that made the
  // Prefetcher and runs the checks.
  void reached(std::size_t index, std::chrono::nanoseconds previous_check);
  // The same, with the time since the previous call (or since the Prefetcher
  // was made) as `previous_check`: what the checks call after each step.
  void reached(std::size_t index);

  // Whether the threads were started.
  bool started() const { return !m_threads.empty(); }

private:
  void start(std::size_t index);
  void run();

  const std::vector<Migration> &m_disk;
  const std::vector<PlannedStep> &m_steps;
  std::atomic<std::size_t> m_next{0};
  std::atomic<std::size_t> m_reached{0};
  std::atomic<bool> m_stop{false};
  // Used by the checks' thread only.
  bool m_tried = false;    // threads started, or could not be
  long m_blocks_read = -1; // the checks' thread's, at the last look
  unsigned m_slow_in_a_row = 0;
  std::chrono::steady_clock::time_point m_last_reached = std::chrono::steady_clock::now();
  std::vector<std::thread> m_threads;
};

} // namespace migrate
