#pragma once
// Taking the migration lock: polling, never a blocking call inside a
// statement (a blocked waiter would deadlock CREATE INDEX CONCURRENTLY).

#include "migrate/database.hpp"
#include "migrate/interrupt.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace migrate {

// Takes the migration lock, polling with back-off (50 ms doubling to 1 s) up
// to `wait`; calls `on_wait` once, with the holder, when the first attempt
// fails. Throws LockError naming the holder at the timeout, and returns early
// (without the lock, false) when `interrupt` asks to stop. Returns true when
// the lock is held.
bool acquire_lock(Database &db, std::chrono::milliseconds wait, const Interrupt *interrupt,
                  const std::function<void(const std::optional<LockHolder> &)> &on_wait);

// "pid <pid> (<application_name>, <client>)", for messages naming the holder.
std::string describe_holder(const LockHolder &holder);

// Releases the migration lock when the scope ends.
class LockGuard {
public:
  explicit LockGuard(Database &db) : m_db(db) {}
  ~LockGuard() { m_db.unlock(); }
  LockGuard(const LockGuard &) = delete;
  LockGuard &operator=(const LockGuard &) = delete;

private:
  Database &m_db;
};

} // namespace migrate
