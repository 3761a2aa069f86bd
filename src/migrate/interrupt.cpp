#include "migrate/interrupt.hpp"

namespace migrate {

void Interrupt::request(int signal) {
  int expected = 0;
  m_signal.compare_exchange_strong(expected, signal);
  cancel_again();
}

void Interrupt::set_canceller(std::function<void()> canceller) {
  std::lock_guard<std::mutex> guard(m_mutex);
  m_canceller = std::move(canceller);
}

void Interrupt::cancel_again() {
  if (!requested()) {
    return;
  }
  std::function<void()> canceller;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    canceller = m_canceller;
  }
  if (canceller) {
    canceller();
  }
}

} // namespace migrate
