// Writing imported migrations: never over anything, and never a half-written migration where
// `migrate up` could see it.

#include "migrate/error.hpp"
#include "migrate/import.hpp"
#include "migrate/new_files.hpp"
#include "migrate/source.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace migrate {

namespace {

// Creates the directory `path`, or throws Error naming `shown`.
void make_dir(const fs::path &path, const fs::path &shown) {
  if (::mkdir(path.c_str(), 0777) != 0) {
    throw Error(ExitCode::failure, shown.string() + ": cannot create: " + std::strerror(errno));
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
  const bool created_target = fs::create_directories(target_dir, ec);
  if (ec) {
    throw Error(ExitCode::failure, target_dir.string() + ": cannot create: " + ec.message());
  }
  // Hidden, so read_tree() ignores it even if this process dies half-way.
  const fs::path staging = target_dir / (".migrate-import-" + std::to_string(::getpid()));
  std::vector<std::pair<fs::path, fs::path>> moved;
  std::vector<fs::path> created;
  try {
    // A `new` in the same directory waits, so it cannot take a version being imported.
    const DirectoryLock locked(target_dir);
    check_target(migrations, target_dir); // again, under the lock
    fs::remove_all(staging, ec);          // only a crashed run's leftover can be there
    make_dir(staging, staging);
    for (const ImportedMigration &m : migrations) {
      const fs::path dir = staging / m.id();
      make_dir(dir, target_dir / m.id());
      // Errors name the files as they will be called, not the hidden staging directory.
      write_new_file(dir / "up.sql", m.up, target_dir / m.id() / "up.sql");
      if (m.down) {
        write_new_file(dir / "down.sql", *m.down, target_dir / m.id() / "down.sql");
      }
    }
    for (const ImportedMigration &m : migrations) {
      const fs::path from = staging / m.id();
      const fs::path to = target_dir / m.id();
      if (!move_into_place(from, to)) {
        throw UsageError(to.string() + ": already exists; migrate import never overwrites");
      }
      moved.emplace_back(from, to);
      created.push_back(to);
    }
  } catch (...) {
    undo_moves(moved);
    fs::remove_all(staging, ec);
    if (created_target) {
      fs::remove(target_dir, ec); // only when still empty
    }
    throw;
  }
  fs::remove_all(staging, ec);
  return created;
}

} // namespace migrate
