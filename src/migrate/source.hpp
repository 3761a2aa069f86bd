#pragma once
// The filesystem side: reading and validating the migrations tree, reading
// SQL files, and creating new migrations.

#include "migrate/migration.hpp"
#include "migrate/templates.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace migrate {

// Reads `<dir>/<version>_<name>/` entries and validates the whole tree:
// every entry other than hidden ones and README* files must be a migration
// directory with a valid name holding a readable up.sql, and no version may
// appear twice. Every up.sql is read and hashed (Migration::checksum), on
// several threads for large trees; down.sql is not looked at (see
// read_down_files) and neither are other entries of a migration directory
// (see check_migration_dir). Returns the migrations sorted by version.
// Throws TreeError naming the path of the first problem, in version order.
std::vector<Migration> read_tree(const std::filesystem::path &dir);

// What read_tree did for the checksums.
struct TreeStats {
  std::size_t hashed = 0; // up.sql files read and hashed
  std::size_t cached = 0; // checksums taken from the cache
};

// The same, with the checksum cache kept in `cache_dir` (see
// checksum_cache.hpp; std::nullopt: none): an up.sql whose inode, size, mtime
// and ctime are as recorded is stat'ed, not read. The cache is rewritten
// when it changed, without the files changed less than `racy` before.
// Fills `stats` when given.
std::vector<Migration> read_tree(const std::filesystem::path &dir,
                                 const std::optional<std::filesystem::path> &cache_dir,
                                 TreeStats *stats = nullptr,
                                 std::chrono::nanoseconds racy = std::chrono::seconds(2));

// Refuses a migration directory holding anything but up.sql, down.sql,
// hidden entries and README* files: a stray file (say `seed.sql`) would
// never run. Checked for every migration a run applies or reverts. Throws
// TreeError naming the entry.
void check_migration_dir(const Migration &migration);

// Reads, and throws away, what prepare_step will read for `migration` in
// `direction`: its directory's entries and the step's file (up.sql and
// down.sql for up), to bring them into the page cache ahead of it
// (Prefetcher). Ignores every error; opens and reads only what
// read_sql_file would (no FIFO, no device). `path` and `content` are scratch
// space, reused so that a caller that keeps them allocates nothing per step
// (`content` grows to the largest file read).
void warm_step_files(const Migration &migration, Direction direction, std::string &path,
                     std::string &content);

// Reads down.sql of every migration of `disk` that `rows` lists (once):
// sets has_down, down_checksum and down_known. A missing down.sql is not an
// error here (the planner refuses a down step that needs it). Throws
// TreeError for an unreadable file.
void read_down_files(std::vector<Migration> &disk, const std::vector<AppliedMigration> &rows);

// The same for every migration of `disk`.
void read_down_files(std::vector<Migration> &disk);

// Reads a whole file. Throws TreeError naming the path when it cannot.
std::string read_sql_file(const std::filesystem::path &path);

// Reads a whole file, or nullopt when it does not exist. Throws TreeError
// naming the path for any other failure.
std::optional<std::string> read_optional_sql_file(const std::filesystem::path &path);

// Creates `<dir>/<version>_<slug>/up.sql` and `down.sql` from `templates`,
// with version = the UTC time `now`, or the next free second when a migration
// already has that version. `dir` is created if missing. The slug is
// slugify(name) and can never leave `dir`. Never overwrites anything. Two
// calls at once (other processes included) pick different versions: the
// versions taken are read under an exclusive flock on `dir`, and the files
// are written in a hidden directory that is then renamed into place.
// Returns the new migration directory. Throws UsageError for a name with no
// usable characters, and Error for filesystem failures.
std::filesystem::path create_migration(const std::filesystem::path &dir, const std::string &name,
                                       std::time_t now, const Templates &templates);

} // namespace migrate
