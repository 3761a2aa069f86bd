#pragma once
// Resolving the effective settings of a run from flags, environment
// variables, the configuration file and defaults, in that order.

#include "migrate/config.hpp"
#include "migrate/postgres.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace migrate {

// What the command line said; unset means "not given".
struct Flags {
  std::optional<std::string> database_url;
  std::optional<std::string> dir;
  std::optional<std::string> config_file;
  std::optional<std::string> env;
  std::optional<std::string> history_table;
  std::optional<std::string> lock_timeout;
  std::optional<std::string> ddl_lock_timeout;
  std::optional<std::string> statement_timeout;
  std::optional<std::string> lock_retries;
};

// The effective settings.
struct Settings {
  std::string conninfo;             // empty: libpq's PG* variables decide
  std::vector<std::string> secrets; // never to be printed
  std::filesystem::path dir;
  HistoryTable history;
  std::chrono::milliseconds lock_timeout{60000}; // waiting for the migration lock
  std::optional<std::chrono::milliseconds> ddl_lock_timeout;
  std::optional<std::chrono::milliseconds> statement_timeout;
  unsigned lock_retries = 0;
  std::optional<std::filesystem::path> templates;
  // Where read_tree keeps its checksum cache (checksum_cache.hpp); none: off.
  // From MIGRATE_CACHE_DIR (empty or "off": none), XDG_CACHE_HOME or HOME.
  std::optional<std::filesystem::path> checksum_cache;

  std::string environment;                          // the environment in effect
  std::optional<std::filesystem::path> config_file; // the file read, if any
  bool protected_env = false; // `protected: true`: down, redo and baseline need --yes
  // Where each setting came from, by name (database, dir, history_table,
  // lock_timeout, ddl_lock_timeout, statement_timeout, lock_retries,
  // templates, environment, protected, checksum_cache): "--dir", "MIGRATE_DIR",
  // "migrate.yaml:4:8", "libpq" (PG* variables) or "default".
  std::map<std::string, std::string> origins;
  // Worth telling the user before anything runs, one line each (e.g. a
  // literal password in a file others can read).
  std::vector<std::string> warnings;
};

// Resolves settings: flag > environment variable (DATABASE_URL, MIGRATE_DIR,
// MIGRATE_HISTORY_TABLE, MIGRATE_LOCK_TIMEOUT) > configuration file > default
// (ddl_lock_timeout, statement_timeout and lock_retries: flag > file > unset).
// The file is --config, else MIGRATE_CONFIG, else ./migrate.yaml when it
// exists; the environment is --env, else MIGRATE_ENV, else "development".
// An environment chosen explicitly (flag or MIGRATE_ENV) must exist, and its
// connection counts as a flag (it beats DATABASE_URL). Throws UsageError.
// A file holding a literal password that its group or others may read adds
// a warning.
Settings resolve_settings(const Flags &flags, const EnvLookup &lookup);

} // namespace migrate
