#pragma once
// A cache of up.sql checksums keyed by each file's identity, in the manner of
// git's index: when an up.sql has the inode, size, mtime and ctime recorded
// with its checksum, read_tree takes the checksum from here instead of
// reading and hashing the file (one stat instead of open, read and close).
//
// Soundness rests on ctime, which a process cannot set: any change to a file
// (write, truncate, chmod, rename over it) moves its ctime to the current
// time. A record is only written for a file whose ctime is older than the
// save by more than `racy` (2 s by default), so a change made after the file
// was read cannot share the recorded ctime, even on filesystems with coarse
// timestamps. A stale or damaged cache only costs reading the files again.
// The cache holds checksums and migration names, nothing secret; it is an
// optimisation and every failure to read or write it is silent.

#include "migrate/migration.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// What identifies the content of a file without reading it.
struct FileStamp {
  std::uint64_t inode = 0;
  std::int64_t size = -1;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;

  bool operator==(const FileStamp &other) const {
    return inode == other.inode && size == other.size && mtime_ns == other.mtime_ns &&
           ctime_ns == other.ctime_ns;
  }
  bool operator!=(const FileStamp &other) const { return !(*this == other); }
};

class ChecksumCache {
public:
  // Where the cache of the migrations directory `tree_dir` lives: a file in
  // `cache_dir` named by a hash of `tree_dir`'s canonical path.
  ChecksumCache(const std::filesystem::path &cache_dir, const std::filesystem::path &tree_dir,
                std::chrono::nanoseconds racy = std::chrono::seconds(2));

  // Reads the cache file; nothing (every lookup misses) when it is missing,
  // damaged or from another format version.
  void load();

  // Matches the records with `migrations` (sorted by version, as read_tree
  // keeps them): afterwards lookup(i) answers for migrations[i].
  void match(const std::vector<Migration> &migrations);

  // Whether `stamp` is what was recorded with migrations[i]'s up.sql; if so,
  // sets `checksum` to the recorded one. Safe to call from several threads at
  // once after match().
  bool lookup(std::size_t i, const FileStamp &stamp, Checksum &checksum) const;

  // Writes the cache for `migrations` with their up.sql `stamps` (same
  // indexes; checksums from the migrations), leaving out racy records, when
  // that differs from what was loaded; `hits` flags the migrations whose
  // checksum lookup() gave. Atomic (a new file renamed over the old one).
  void save(const std::vector<Migration> &migrations, const std::vector<FileStamp> &stamps,
            const std::vector<char> &hits);

  const std::filesystem::path &file() const { return m_file; }

private:
  // The file as loaded, and where each record starts in it (sorted by
  // version). A record: version, inode, size, mtime, ctime (8 bytes each,
  // native byte order: the cache never leaves the machine), the SHA-256 (32
  // bytes), the name's length (1 byte) and the name.
  std::string m_data;
  std::vector<std::uint32_t> m_records;
  std::vector<std::uint32_t> m_matched; // per migration: record offset + 1, or 0

  std::filesystem::path m_file;
  std::chrono::nanoseconds m_racy;
};

// The stamp of the file `path` relative to the directory `dir_fd` (following
// symbolic links), or std::nullopt when it is not a regular file or cannot
// be stat'ed.
std::optional<FileStamp> stamp_file(int dir_fd, const char *path);

// The checksum cache directory from the environment: $MIGRATE_CACHE_DIR
// (empty or "off": no cache), else $XDG_CACHE_HOME/migrate, else
// $HOME/.cache/migrate, else none. `origin` gets the variable that decided.
std::optional<std::filesystem::path>
checksum_cache_dir(const std::optional<std::string> &migrate_cache_dir,
                   const std::optional<std::string> &xdg_cache_home,
                   const std::optional<std::string> &home, std::string &origin);

} // namespace migrate
