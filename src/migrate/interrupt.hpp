#pragma once
// A stop request (SIGINT/SIGTERM) shared between the thread that receives
// signals and the executor. No globals: the CLI owns one and passes it in.

#include <atomic>
#include <functional>
#include <mutex>

namespace migrate {

class Interrupt {
public:
  // Records a stop request for `signal` and cancels the running statement
  // through the registered canceller. Safe from any thread.
  void request(int signal);

  // True once a stop was requested.
  bool requested() const noexcept { return m_signal.load() != 0; }

  // The signal that asked to stop, 0 if none.
  int signal() const noexcept { return m_signal.load(); }

  // Registers how to cancel the running statement (empty: nothing to cancel).
  void set_canceller(std::function<void()> canceller);

  // Cancels again if a stop was requested: a cancel that arrived between two
  // statements had nothing to cancel. Safe from any thread.
  void cancel_again();

private:
  std::atomic<int> m_signal{0};
  std::mutex m_mutex;
  std::function<void()> m_canceller;
};

} // namespace migrate
