#pragma once
// The filesystem side: reading and validating the migrations tree, reading
// SQL files, and creating new migrations.

#include "migrate/migration.hpp"
#include "migrate/templates.hpp"

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

namespace migrate {

// Reads `<dir>/<version>_<name>/` entries and validates the whole tree:
// every entry other than hidden ones and README* files must be a migration
// directory with a valid name holding up.sql (down.sql is optional here; the
// planner requires it for down steps), and no version may appear twice.
// Returns the migrations sorted by version. Throws TreeError naming the path
// of the first problem found.
std::vector<Migration> read_tree(const std::filesystem::path &dir);

// Reads a whole file. Throws TreeError naming the path when it cannot.
std::string read_sql_file(const std::filesystem::path &path);

// Creates `<dir>/<version>_<slug>/up.sql` and `down.sql` from `templates`,
// with version = the UTC time `now`, or the next free second when a migration
// already has that version. `dir` is created if missing. The slug is
// slugify(name) and can never leave `dir`. Never overwrites anything.
// Returns the new migration directory. Throws UsageError for a name with no
// usable characters, and Error for filesystem failures.
std::filesystem::path create_migration(const std::filesystem::path &dir, const std::string &name,
                                       std::time_t now, const Templates &templates);

} // namespace migrate
