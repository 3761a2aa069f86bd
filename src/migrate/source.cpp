#include "migrate/source.hpp"

#include "migrate/checksum_cache.hpp"
#include "migrate/error.hpp"
#include "migrate/file_threads.hpp"
#include "migrate/new_files.hpp"
#include "migrate/sha256.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <tuple>
#include <unistd.h>
#include <unordered_set>

namespace fs = std::filesystem;

namespace migrate {

namespace {

// read_file_at's error for a path that is not a regular file.
constexpr int k_not_regular = -1;

// The reason for read_file_at's `error`, for a message.
std::string read_error(int error) {
  return error == k_not_regular ? "not a regular file" : std::strerror(error);
}

// Names that may sit in the tree without being migrations.
bool is_ignored(const char *name) {
  return name[0] == 0 || name[0] == '.' || std::strncmp(name, "README", 6) == 0;
}

// Reads the whole file at `path` (relative to `dir_fd`) into `content`;
// returns 0 or the errno of the failure. With `short_read_is_end`, a read
// that returns less than asked is taken as the end of the file, which saves
// a system call per file: Linux filesystems fill a read of a regular file
// unless it reaches the end (FUSE may not; then the checksum differs and the
// run is refused, nothing runs truncated: SQL to run is read without it).
// Anything but a regular file (or a link to one) is refused with
// k_not_regular: opening a FIFO would wait for a writer, reading a device
// might never end.
int read_file_at(int dir_fd, const char *path, std::string &content,
                 bool short_read_is_end = false) {
  content.clear();
  const int fd = ::openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return errno;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const int error = S_ISDIR(info.st_mode) ? EISDIR : k_not_regular;
    ::close(fd);
    return error;
  }
  char buffer[32768];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      content.clear();
      return saved;
    }
    content.append(buffer, static_cast<std::size_t>(n));
    if (n == 0 || (short_read_is_end && static_cast<std::size_t>(n) < sizeof buffer)) {
      break;
    }
  }
  ::close(fd);
  return 0;
}

// Opens a directory for reading its entries and files relative to it.
class DirFd {
public:
  explicit DirFd(const char *path) : m_fd(::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
  ~DirFd() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  DirFd(const DirFd &) = delete;
  DirFd &operator=(const DirFd &) = delete;
  int get() const { return m_fd; }

private:
  int m_fd;
};

// Sorts `migrations` by version: sorts (version, index) pairs, then moves
// each migration once, in place, cycle by cycle (a directory lists its
// entries in hash order; sorting the structures themselves moved them about
// 15 times each, and a sorted copy would hold the tree twice).
void sort_by_version(std::vector<Migration> &migrations) {
  // keys[j].second: the index of the migration that belongs at j.
  std::vector<std::pair<Version, std::size_t>> keys;
  keys.reserve(migrations.size());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    keys.emplace_back(migrations[i].version, i);
  }
  std::sort(keys.begin(), keys.end());
  for (std::size_t start = 0; start < keys.size(); ++start) {
    if (keys[start].second == start) {
      continue; // in place, or placed by an earlier cycle
    }
    Migration held = std::move(migrations[start]);
    std::size_t at = start;
    while (keys[at].second != start) {
      const std::size_t from = keys[at].second;
      migrations[at] = std::move(migrations[from]);
      keys[at].second = at;
      at = from;
    }
    migrations[at] = std::move(held);
    keys[at].second = at;
  }
}

// Reads and hashes the up.sql of every migration, on file_threads()
// threads. Returns, per migration, 0 or the errno of reading its up.sql.
// With a `cache` (matched with `migrations`), stamps each up.sql first, into
// `stamps`, and takes the checksum of a file whose stamp is as recorded from
// the cache instead. Counts into `stats`.
std::vector<int> hash_up_files(int dir_fd, std::vector<Migration> &migrations,
                               const ChecksumCache *cache, std::vector<FileStamp> &stamps,
                               std::vector<char> &hits, TreeStats &stats) {
  std::vector<int> errors(migrations.size(), 0);
  if (cache != nullptr) {
    stamps.assign(migrations.size(), FileStamp{});
    hits.assign(migrations.size(), 0);
  }
  FileChunks chunks(migrations.size(), k_file_chunk);
  std::atomic<std::size_t> cached{0};
  auto work = [&]() {
    Sha256 hasher;
    std::string content;
    std::string path;
    for (auto [begin, end] = chunks.take(); begin < end; std::tie(begin, end) = chunks.take()) {
      for (std::size_t i = begin; i < end; ++i) {
        Migration &m = migrations[i];
        path = m.id();
        path += "/up.sql";
        if (cache != nullptr) {
          if (auto stamp = stamp_file(dir_fd, path.c_str())) {
            stamps[i] = *stamp;
            if (cache->lookup(i, *stamp, m.checksum)) {
              m.has_up = true;
              hits[i] = 1;
              cached.fetch_add(1, std::memory_order_relaxed);
              continue;
            }
          }
        }
        errors[i] = read_file_at(dir_fd, path.c_str(), content, true);
        if (errors[i] == 0) {
          m.has_up = true;
          m.checksum = checksum(content, hasher);
        }
      }
    }
  };
  run_on_threads(file_threads(migrations.size()), work);
  stats.cached = cached.load();
  stats.hashed = migrations.size() - stats.cached;
  return errors;
}

} // namespace

std::vector<Migration> read_tree(const fs::path &dir) {
  return read_tree(dir, std::nullopt);
}

std::vector<Migration> read_tree(const fs::path &dir, const std::optional<fs::path> &cache_dir,
                                 TreeStats *stats, std::chrono::nanoseconds racy) {
  const DirFd top(dir.c_str());
  if (top.get() < 0) {
    const int error = errno;
    struct stat info {};
    // ENOTDIR: the path is a file, or one of its parents is (then it does not exist).
    const bool file = error == ENOTDIR && ::stat(dir.c_str(), &info) == 0;
    throw TreeError(dir.string() +
                    (file ? ": not a directory (the migrations directory must be one)"
                     : error == ENOENT || error == ENOTDIR
                         ? ": migrations directory does not exist"
                         : std::string(": cannot read directory: ") + std::strerror(error)));
  }
  DIR *listing = ::fdopendir(::dup(top.get()));
  if (listing == nullptr) {
    throw TreeError(dir.string() + ": cannot read directory: " + std::strerror(errno));
  }
  std::vector<Migration> migrations;
  // On most filesystems a directory's link count is 2 + its subdirectories: reserve that
  // many, so that a large tree is not copied while the vector grows (and never holds twice
  // its size at once). Only a hint: btrfs, for one, reports 1.
  if (struct stat info{}; ::fstat(top.get(), &info) == 0 && info.st_nlink > 2) {
    migrations.reserve(std::min<std::size_t>(info.st_nlink - 2, 1000000));
  }
  errno = 0;
  while (const dirent *entry = ::readdir(listing)) {
    const char *name = entry->d_name;
    if (is_ignored(name)) {
      continue;
    }
    auto parsed = parse_dir_name(name);
    if (!parsed) {
      const std::string path = (dir / name).string(); // `name` dies with the listing
      ::closedir(listing);
      throw TreeError(path + ": not a migration directory name (expected <YYYYMMDDHHMMSS>_<name>, "
                             "name of [a-z0-9_-])");
    }
    bool is_dir = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN || entry->d_type == DT_LNK) {
      struct stat info {};
      is_dir = ::fstatat(top.get(), name, &info, 0) == 0 && S_ISDIR(info.st_mode);
    }
    if (!is_dir) {
      const std::string path = (dir / name).string();
      ::closedir(listing);
      throw TreeError(path + ": a migration must be a directory");
    }
    Migration migration;
    migration.version = parsed->version;
    migration.name = std::move(parsed->name);
    migrations.push_back(std::move(migration));
  }
  const int listing_error = errno;
  ::closedir(listing);
  if (listing_error != 0) {
    throw TreeError(dir.string() + ": cannot read directory: " + std::strerror(listing_error));
  }
  sort_by_version(migrations);
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      throw TreeError((dir / migrations[i].id()).string() + ": duplicate version " +
                      format_version(migrations[i].version) + " (also " +
                      (dir / migrations[i - 1].id()).string() + ")");
    }
  }
  std::optional<ChecksumCache> cache;
  if (cache_dir) {
    cache.emplace(*cache_dir, dir, racy);
    cache->load();
    cache->match(migrations);
  }
  std::vector<FileStamp> stamps;
  std::vector<char> hits;
  TreeStats counted;
  const std::vector<int> errors =
      hash_up_files(top.get(), migrations, cache ? &*cache : nullptr, stamps, hits, counted);
  if (stats != nullptr) {
    *stats = counted;
  }
  std::string prefix = dir.string();
  if (!prefix.empty() && prefix.back() != '/') {
    prefix += '/';
  }
  const auto tree = std::make_shared<const std::string>(std::move(prefix));
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    migrations[i].tree = tree; // dir() is then (dir / id()).string()
    if (errors[i] == ENOENT) {
      throw TreeError(migrations[i].up_path().string() + ": missing");
    }
    if (errors[i] != 0) {
      throw TreeError(migrations[i].up_path().string() + ": cannot read: " + read_error(errors[i]));
    }
  }
  if (cache) {
    cache->save(migrations, stamps, hits);
  }
  return migrations;
}

void check_migration_dir(const Migration &migration) {
  const std::string dir = migration.dir();
  DIR *listing = ::opendir(dir.c_str());
  if (listing == nullptr) {
    throw TreeError(dir + ": cannot read directory: " + std::strerror(errno));
  }
  errno = 0;
  while (const dirent *entry = ::readdir(listing)) {
    const char *name = entry->d_name;
    if (is_ignored(name) || std::strcmp(name, "up.sql") == 0 ||
        std::strcmp(name, "down.sql") == 0) {
      continue;
    }
    const std::string path = dir + "/" + name; // `name` dies with the listing
    ::closedir(listing);
    throw TreeError(path + ": unexpected entry in a migration directory (expected up.sql and "
                           "down.sql)");
  }
  const int error = errno;
  ::closedir(listing);
  if (error != 0) {
    throw TreeError(dir + ": cannot read directory: " + std::strerror(error));
  }
}

void warm_step_files(const Migration &migration, Direction direction, std::string &path,
                     std::string &content) {
  // Migration::dir(), without allocating once `path` has grown to fit (a
  // version's 14 digits fit in std::string's own buffer).
  path.clear();
  if (migration.tree) {
    path += *migration.tree;
  }
  path += format_version(migration.version);
  path += '_';
  path += migration.name;
  const DirFd dir(path.c_str());
  if (dir.get() < 0) {
    return;
  }
  // check_migration_dir's listing, with the system call itself: readdir
  // would allocate its buffer for each directory.
  alignas(8) char entries[4096];
  while (::syscall(SYS_getdents64, dir.get(), entries, sizeof entries) > 0) {
  }
  if (direction == Direction::up) {
    read_file_at(dir.get(), "up.sql", content, true);
  }
  read_file_at(dir.get(), "down.sql", content, true); // an up step hashes its down.sql too
}

std::optional<std::string> read_optional_sql_file(const fs::path &path) {
  std::string content;
  const int error = read_file_at(AT_FDCWD, path.c_str(), content);
  if (error == ENOENT) {
    return std::nullopt;
  }
  if (error != 0) {
    throw TreeError(path.string() + ": cannot read: " + read_error(error));
  }
  return content;
}

namespace {

void read_down_file(Migration &migration) {
  if (migration.down_known) {
    return;
  }
  const auto content = read_optional_sql_file(migration.down_path());
  migration.has_down = content.has_value();
  migration.down_checksum = content ? checksum(*content) : Checksum();
  migration.down_known = true;
}

} // namespace

void read_down_files(std::vector<Migration> &disk, const std::vector<AppliedMigration> &rows) {
  std::unordered_set<Version> wanted;
  for (const auto &row : rows) {
    wanted.insert(row.version);
  }
  for (auto &migration : disk) {
    if (wanted.count(migration.version) != 0) {
      read_down_file(migration);
    }
  }
}

void read_down_files(std::vector<Migration> &disk) {
  for (auto &migration : disk) {
    read_down_file(migration);
  }
}

std::string read_sql_file(const fs::path &path) {
  std::string content;
  const int error = read_file_at(AT_FDCWD, path.c_str(), content);
  if (error != 0) {
    throw TreeError(path.string() + ": cannot read: " + read_error(error));
  }
  return content;
}

fs::path create_migration(const fs::path &dir, const std::string &name, std::time_t now,
                          const Templates &templates) {
  const std::string slug = slugify(name);
  if (slug.empty()) {
    throw UsageError("migration name '" + name + "' has no letters or digits to use");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error(ExitCode::failure, dir.string() + ": cannot create directory: " + ec.message());
  }
  // Two `new` at once must not pick the same version: the versions taken are read, and the
  // migration created, under an exclusive lock on the directory.
  const DirectoryLock locked(dir);
  std::unordered_set<Version> taken;
  for (const auto &migration : read_tree(dir)) {
    taken.insert(migration.version);
  }
  // Written in a hidden directory (read_tree skips it), then renamed into place: nobody
  // reading the tree meanwhile sees a migration without its files.
  const fs::path staging = dir / (".new-" + std::to_string(::getpid()) + "-" + slug);
  fs::remove_all(staging, ec); // under the lock, only a crashed run's leftover can be there
  if (::mkdir(staging.c_str(), 0777) != 0) {
    throw Error(ExitCode::failure, staging.string() + ": cannot create: " + std::strerror(errno));
  }
  Version version = version_from_time(now);
  const auto target_of = [&]() {
    while (taken.count(version) != 0) {
      version = next_second(version);
    }
    return dir / (format_version(version) + "_" + slug);
  };
  try {
    const fs::path shown = target_of(); // errors name the files as they will be called
    write_new_file(staging / "up.sql", templates.up, shown / "up.sql");
    write_new_file(staging / "down.sql", templates.down, shown / "down.sql");
    for (;;) {
      const fs::path target = target_of();
      if (move_into_place(staging, target)) {
        return target;
      }
      taken.insert(version);
    }
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
}

Templates load_templates(const fs::path &dir) {
  Templates templates;
  try {
    templates.up = read_sql_file(dir / "up.sql");
    templates.down = read_sql_file(dir / "down.sql");
  } catch (const TreeError &e) {
    throw UsageError(std::string("templates: ") + e.what());
  }
  return templates;
}

} // namespace migrate
