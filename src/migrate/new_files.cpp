#include "migrate/new_files.hpp"

#include "migrate/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace migrate {

DirectoryLock::DirectoryLock(const fs::path &dir)
    : m_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
  if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0) {
    const int error = errno;
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    throw Error(ExitCode::failure, dir.string() + ": cannot lock: " + std::strerror(error));
  }
}

DirectoryLock::~DirectoryLock() {
  ::close(m_fd); // releases the lock
}

void write_new_file(const fs::path &path, const std::string &content, const fs::path &shown) {
  const std::string name = (shown.empty() ? path : shown).string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw Error(ExitCode::failure, name + ": cannot create: " + std::strerror(errno));
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      throw Error(ExitCode::failure, name + ": cannot write: " + std::strerror(saved));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    throw Error(ExitCode::failure, name + ": cannot write: " + std::strerror(errno));
  }
}

bool move_into_place(const fs::path &from, const fs::path &to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return true;
  }
  if (errno == EINVAL) { // a filesystem without RENAME_NOREPLACE
    if (::access(to.c_str(), F_OK) == 0) {
      return false;
    }
    if (::rename(from.c_str(), to.c_str()) == 0) {
      return true;
    }
  }
  if (errno == EEXIST || errno == ENOTEMPTY) {
    return false;
  }
  throw Error(ExitCode::failure, to.string() + ": cannot create: " + std::strerror(errno));
}

} // namespace migrate
