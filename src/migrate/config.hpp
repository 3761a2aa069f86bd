#pragma once
// The configuration file (migrate.yaml): named environments, each with its
// connection and settings. The only part of the library that reads YAML.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace migrate {

// Looks up an environment variable; std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string &)>;

// One environment of the configuration file, after ${VAR} interpolation.
struct EnvironmentConfig {
  std::optional<std::string> url;
  // libpq keywords: host, port, dbname, user, password, sslmode, sslrootcert.
  std::map<std::string, std::string> params;
  std::optional<std::filesystem::path> dir;       // resolved against the file's folder
  std::optional<std::filesystem::path> templates; // resolved against the file's folder
  std::optional<std::string> history_table;
  std::optional<std::chrono::milliseconds> lock_timeout;      // waiting for the migration lock
  std::optional<std::chrono::milliseconds> ddl_lock_timeout;  // PostgreSQL lock_timeout per step
  std::optional<std::chrono::milliseconds> statement_timeout; // PostgreSQL statement_timeout
  std::optional<unsigned> lock_retries;

  // True when the environment says how to connect (url or any keyword).
  bool has_connection() const { return url.has_value() || !params.empty(); }
};

// Loads environment `env` from the YAML file at `path`. Values may use
// ${VAR}, resolved with `lookup`. Throws UsageError "path:line:col: ..." for
// unreadable or invalid YAML, unknown keys, wrong types, an unset variable,
// or both `url` and connection keywords. When `env` is not in the file:
// UsageError naming the environments it has if `must_exist`, else an empty
// EnvironmentConfig.
EnvironmentConfig load_config(const std::filesystem::path &path, const std::string &env,
                              const EnvLookup &lookup, bool must_exist);

// Parses a duration: a non-negative integer with unit ms, s, m or h
// ("500ms", "60s", "2m"), or "0". Throws UsageError naming `what`.
std::chrono::milliseconds parse_duration(std::string_view text, const std::string &what);

// Parses a whole number from 0 to 1000. Throws UsageError naming `what`.
unsigned parse_count(std::string_view text, const std::string &what);

} // namespace migrate
