// Writing imported migrations: never over anything, and never a half-written migration where
// `migrate up` could see it.

#include "migrate/error.hpp"
#include "migrate/import.hpp"
#include "migrate/source.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace migrate {

namespace {

void write_new_file(const fs::path &path, const std::string &content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw Error(ExitCode::failure, path.string() + ": cannot create: " + std::strerror(errno));
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
      throw Error(ExitCode::failure, path.string() + ": cannot write: " + std::strerror(saved));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    throw Error(ExitCode::failure, path.string() + ": cannot write: " + std::strerror(errno));
  }
}

void make_dir(const fs::path &path) {
  if (::mkdir(path.c_str(), 0777) != 0) {
    throw Error(ExitCode::failure, path.string() + ": cannot create: " + std::strerror(errno));
  }
}

// Puts back what was already moved, so a failure leaves the target as it was.
void undo_moves(const std::vector<std::pair<fs::path, fs::path>> &moved) {
  for (auto it = moved.rbegin(); it != moved.rend(); ++it) {
    std::error_code ec;
    fs::rename(it->second, it->first, ec);
  }
}

} // namespace

void check_target(const std::vector<ImportedMigration> &migrations, const fs::path &target_dir) {
  std::error_code ec;
  if (!fs::exists(target_dir, ec)) {
    return;
  }
  if (!fs::is_directory(target_dir, ec)) {
    throw UsageError(target_dir.string() + ": exists and is not a directory");
  }
  std::map<Version, fs::path> existing;
  for (const Migration &m : read_tree(target_dir)) {
    existing.emplace(m.version, m.dir());
  }
  for (const ImportedMigration &m : migrations) {
    const auto it = existing.find(m.version);
    if (it != existing.end()) {
      throw UsageError(it->second.string() + ": already exists with version " +
                       format_version(m.version) + ", which " + m.source +
                       " would get; migrate import never overwrites: import into an empty "
                       "migrations directory");
    }
  }
}

std::vector<fs::path> write_imported(const std::vector<ImportedMigration> &migrations,
                                     const fs::path &target_dir) {
  check_target(migrations, target_dir);
  std::error_code ec;
  fs::create_directories(target_dir, ec);
  if (ec) {
    throw Error(ExitCode::failure, target_dir.string() + ": cannot create: " + ec.message());
  }
  // Hidden, so read_tree() ignores it even if this process dies half-way.
  const fs::path staging = target_dir / (".migrate-import-" + std::to_string(::getpid()));
  make_dir(staging);
  std::vector<std::pair<fs::path, fs::path>> moved;
  std::vector<fs::path> created;
  try {
    for (const ImportedMigration &m : migrations) {
      const fs::path dir = staging / m.id();
      make_dir(dir);
      write_new_file(dir / "up.sql", m.up);
      if (m.down) {
        write_new_file(dir / "down.sql", *m.down);
      }
    }
    for (const ImportedMigration &m : migrations) {
      const fs::path from = staging / m.id();
      const fs::path to = target_dir / m.id();
      // rename() would replace an empty directory; nothing may be replaced.
      if (fs::exists(fs::symlink_status(to))) {
        throw UsageError(to.string() + ": already exists; migrate import never overwrites");
      }
      fs::rename(from, to, ec);
      if (ec) {
        throw Error(ExitCode::failure, to.string() + ": cannot create: " + ec.message());
      }
      moved.emplace_back(from, to);
      created.push_back(to);
    }
  } catch (...) {
    undo_moves(moved);
    fs::remove_all(staging, ec);
    throw;
  }
  fs::remove_all(staging, ec);
  return created;
}

} // namespace migrate
