#pragma once
// Turns SIGINT and SIGTERM into a stop request: the first one cancels the
// running statement through `Interrupt` (the executor then rolls back,
// releases the lock and exits 130/143); a second one exits at once.

#include "migrate/interrupt.hpp"

#include <atomic>
#include <thread>

namespace migrate::cli {

class SignalWatcher {
public:
  // Blocks SIGINT/SIGTERM in this thread (call before starting others) and
  // starts the thread that receives them.
  explicit SignalWatcher(Interrupt &interrupt);
  // Stops that thread; the signals stay blocked.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher &) = delete;
  SignalWatcher &operator=(const SignalWatcher &) = delete;

private:
  void watch();

  Interrupt &m_interrupt;
  std::atomic<bool> m_stopping{false};
  std::thread m_thread;
};

} // namespace migrate::cli
