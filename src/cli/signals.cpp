#include "cli/signals.hpp"

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace migrate::cli {

namespace {

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

} // namespace

SignalWatcher::SignalWatcher(Interrupt &interrupt) : m_shared(std::make_shared<Shared>()) {
  m_shared->interrupt = &interrupt;
  const sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([shared = m_shared] { watch(shared); }).detach();
}

SignalWatcher::~SignalWatcher() {
  std::lock_guard<std::mutex> guard(m_shared->mutex);
  m_shared->interrupt = nullptr;
}

void SignalWatcher::watch(const std::shared_ptr<Shared> &shared) {
  const sigset_t set = watched_signals();
  const timespec tick{0, 250 * 1000 * 1000};
  for (;;) {
    siginfo_t info{};
    const int signal = sigtimedwait(&set, &info, &tick);
    // Held while the signal is handled: the watcher's owner waits for it
    // before the Interrupt may go away.
    std::lock_guard<std::mutex> guard(shared->mutex);
    if (shared->interrupt == nullptr) {
      return;
    }
    Interrupt &interrupt = *shared->interrupt;
    if (signal == SIGINT || signal == SIGTERM) {
      if (interrupt.requested()) {
        static const char k_message[] = "\nmigrate: second signal, exiting now\n";
        ssize_t ignored = ::write(STDERR_FILENO, k_message, sizeof k_message - 1);
        (void)ignored;
        std::_Exit(128 + signal);
      }
      static const char k_message[] =
          "\nmigrate: stopping: cancelling the running statement (a second signal exits now)\n";
      ssize_t ignored = ::write(STDERR_FILENO, k_message, sizeof k_message - 1);
      (void)ignored;
      interrupt.request(signal);
      continue;
    }
    // A cancel that arrived between two statements had nothing to cancel.
    interrupt.cancel_again();
  }
}

} // namespace migrate::cli
