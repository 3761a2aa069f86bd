#pragma once
// Turns SIGINT and SIGTERM into a stop request: the first one cancels the
// running statement through `Interrupt` (the executor then rolls back,
// releases the lock and exits 130/143); a second one exits at once.

#include "migrate/interrupt.hpp"

#include <memory>
#include <mutex>

namespace migrate::cli {

class SignalWatcher {
public:
  // Blocks SIGINT/SIGTERM in this thread (call before starting others) and
  // starts the thread that receives them.
  explicit SignalWatcher(Interrupt &interrupt);
  // Makes sure that thread no longer touches `interrupt` (waiting only while it
  // is handling a signal) and lets it end by itself, on its next wake-up or
  // with the process; the signals stay blocked. It does not wait for the
  // thread to end: that waited for the scheduler to run it once more, up to
  // several milliseconds at the end of every run on a busy machine.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher &) = delete;
  SignalWatcher &operator=(const SignalWatcher &) = delete;

private:
  // What the thread shares with this object, which it may outlive.
  struct Shared {
    std::mutex mutex;
    Interrupt *interrupt; // null once this object is gone
  };

  static void watch(const std::shared_ptr<Shared> &shared);

  std::shared_ptr<Shared> m_shared;
};

} // namespace migrate::cli
