#pragma once
// Writing new migrations (`new`, `import`) so that nothing is ever overwritten and nobody
// reading the tree meanwhile sees a migration without its files: the files are written in a
// hidden directory, which is then renamed into place, under an exclusive lock on the
// migrations directory.

#include <filesystem>
#include <string>

namespace migrate {

// An exclusive flock(2) on a directory, held until destruction. Two processes that create
// migrations in the same directory take turns, so they cannot both pick a free version.
class DirectoryLock {
public:
  // Throws Error (exit 1) naming `dir` when it cannot be opened or locked.
  explicit DirectoryLock(const std::filesystem::path &dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock &) = delete;
  DirectoryLock &operator=(const DirectoryLock &) = delete;

private:
  int m_fd;
};

// Creates `path`, which must not exist (nor be a symlink), holding `content`. Throws Error
// (exit 1) naming `shown` (the path the file will have once in place), or `path` when
// `shown` is empty.
void write_new_file(const std::filesystem::path &path, const std::string &content,
                    const std::filesystem::path &shown = {});

// Renames `from` to `to` unless `to` exists (RENAME_NOREPLACE; on a filesystem without it,
// a check then rename(2), which the caller's DirectoryLock keeps honest against other
// migrate processes). Returns false when `to` exists; throws Error naming `to` for any
// other failure.
bool move_into_place(const std::filesystem::path &from, const std::filesystem::path &to);

} // namespace migrate
