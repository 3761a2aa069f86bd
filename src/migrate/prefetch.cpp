#include "migrate/prefetch.hpp"

#include "migrate/version.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <system_error>
#include <unistd.h>

namespace migrate {

namespace {

// Threads, and the plan size from which they are started: reading is waiting
// for the disk, so more threads than cores still overlap reads.
constexpr unsigned k_threads = 4;
constexpr std::size_t k_min_steps = 32;

// Reads and drops the entries of the directory `fd`.
void drain_directory(int fd) {
  alignas(8) char buffer[4096];
  while (::syscall(SYS_getdents64, fd, buffer, sizeof buffer) > 0) {
  }
}

// Reads and drops the file `name` in the directory `dir_fd`, if it is a
// regular file: a FIFO is opened without waiting for a writer and a device
// not read at all (prepare_step refuses both).
void drain_file(int dir_fd, const char *name, const std::atomic<bool> &stop) {
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return;
  }
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    char buffer[16384];
    while (!stop.load(std::memory_order_relaxed) && ::read(fd, buffer, sizeof buffer) > 0) {
    }
  }
  ::close(fd);
}

// `<tree><version>_<name>` (Migration::dir()) into `path`, without
// allocating once `path` has grown to fit: a version's 14 digits fit in
// std::string's own buffer.
void migration_dir(const Migration &m, std::string &path) {
  path.clear();
  if (m.tree) {
    path += *m.tree;
  }
  path += format_version(m.version);
  path += '_';
  path += m.name;
}

} // namespace

Prefetcher::Prefetcher(const std::vector<Migration> &disk, const std::vector<PlannedStep> &steps)
    : m_disk(disk), m_steps(steps) {
  if (steps.size() < k_min_steps) {
    return;
  }
  try {
    for (unsigned t = 0; t < k_threads; ++t) {
      m_threads.emplace_back([this] { run(); });
    }
  } catch (const std::system_error &) {
    // No thread to be had: the checks read the files themselves.
  }
}

Prefetcher::~Prefetcher() {
  m_stop.store(true, std::memory_order_relaxed);
  wait();
}

void Prefetcher::wait() {
  for (auto &thread : m_threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

void Prefetcher::run() {
  std::string path;
  path.reserve(512);
  while (!m_stop.load(std::memory_order_relaxed)) {
    const std::size_t i = m_next.fetch_add(1, std::memory_order_relaxed);
    if (i >= m_steps.size()) {
      return;
    }
    if (i < m_reached.load(std::memory_order_relaxed)) {
      continue; // checked already
    }
    const PlannedStep &step = m_steps[i];
    migration_dir(m_disk[step.index], path);
    const int dir_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
      continue;
    }
    drain_directory(dir_fd); // check_migration_dir's listing
    if (step.direction == Direction::up) {
      drain_file(dir_fd, "up.sql", m_stop);
    }
    drain_file(dir_fd, "down.sql", m_stop); // an up step hashes its down.sql too
    ::close(dir_fd);
  }
}

} // namespace migrate
