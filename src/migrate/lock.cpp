#include "migrate/lock.hpp"

#include "migrate/error.hpp"

#include <algorithm>
#include <thread>

namespace migrate {

std::string describe_holder(const LockHolder &holder) {
  return "pid " + std::to_string(holder.pid) + " (" +
         (holder.application_name.empty() ? std::string("no application_name")
                                          : holder.application_name) +
         ", " + holder.client + ")";
}

bool acquire_lock(Database &db, std::chrono::milliseconds wait, const Interrupt *interrupt,
                  const std::function<void(const std::optional<LockHolder> &)> &on_wait) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto pause = std::chrono::milliseconds(50);
  bool reported = false;
  while (!db.try_lock()) {
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (waited >= wait) {
      std::string message = "could not take the migration lock on " + db.describe() + " within " +
                            std::to_string(wait.count()) + " ms";
      if (auto holder = db.lock_holder()) {
        message += "; it is held by " + describe_holder(*holder);
      }
      throw LockError(message);
    }
    if (!reported) {
      on_wait(db.lock_holder());
      reported = true;
    }
    // Sleep in small slices so that a stop request is seen quickly.
    const auto until = Clock::now() + std::min(pause, wait - waited);
    while (Clock::now() < until) {
      if (interrupt != nullptr && interrupt->requested()) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
  return true;
}

} // namespace migrate
