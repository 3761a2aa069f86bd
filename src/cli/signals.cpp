#include "cli/signals.hpp"

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <unistd.h>

namespace migrate::cli {

namespace {

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1); // wakes the thread to stop it
  return set;
}

} // namespace

SignalWatcher::SignalWatcher(Interrupt &interrupt) : m_interrupt(interrupt) {
  const sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  m_thread = std::thread([this] { watch(); });
}

SignalWatcher::~SignalWatcher() {
  m_stopping = true;
  pthread_kill(m_thread.native_handle(), SIGUSR1);
  m_thread.join();
}

void SignalWatcher::watch() {
  const sigset_t set = watched_signals();
  const timespec tick{0, 250 * 1000 * 1000};
  while (!m_stopping) {
    siginfo_t info{};
    const int signal = sigtimedwait(&set, &info, &tick);
    if (signal == SIGINT || signal == SIGTERM) {
      if (m_interrupt.requested()) {
        static const char k_message[] = "\nmigrate: second signal, exiting now\n";
        ssize_t ignored = ::write(STDERR_FILENO, k_message, sizeof k_message - 1);
        (void)ignored;
        std::_Exit(128 + signal);
      }
      static const char k_message[] =
          "\nmigrate: stopping: cancelling the running statement (a second signal exits now)\n";
      ssize_t ignored = ::write(STDERR_FILENO, k_message, sizeof k_message - 1);
      (void)ignored;
      m_interrupt.request(signal);
      continue;
    }
    // A cancel that arrived between two statements had nothing to cancel.
    m_interrupt.cancel_again();
  }
}

} // namespace migrate::cli
