#pragma once
// The configuration file (migrate.yaml): named environments, each with its
// connection and settings. The only part of the library that reads YAML.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  bool protected_env = false; // `protected: true`: down, redo and baseline need --yes

  // Where each key given was written, "path:line:col", by key name.
  std::map<std::string, std::string> locations;

  // True when the environment says how to connect (url or any keyword).
  bool has_connection() const { return url.has_value() || !params.empty(); }
};

// The largest configuration file accepted.
constexpr std::uintmax_t k_max_config_bytes = 1024 * 1024;

// What the whole file says, besides the chosen environment.
struct ConfigFile {
  EnvironmentConfig environment;
  // "path:line:col" of every password written literally (not as ${VAR}) in
  // any environment: a `password:` key or the password of a `url:`.
  std::vector<std::string> literal_passwords;
};

// Loads environment `env` from the YAML file at `path`. Values may use
// ${VAR}, resolved with `lookup`. Throws UsageError "path:line:col: ..." for
// an unreadable file, one over k_max_config_bytes, invalid YAML, more than
// one document, anchors and aliases, duplicate or unknown keys, wrong
// types, an unset variable, or both `url` and connection keywords. When
// `env` is not in the file: UsageError naming the environments it has if
// `must_exist`, else an empty EnvironmentConfig.
ConfigFile load_config_file(const std::filesystem::path &path, const std::string &env,
                            const EnvLookup &lookup, bool must_exist);

// load_config_file(...).environment.
EnvironmentConfig load_config(const std::filesystem::path &path, const std::string &env,
                              const EnvLookup &lookup, bool must_exist);

// Parses a duration: a non-negative integer with unit ms, s, m or h
// ("500ms", "60s", "2m"), or "0". Throws UsageError naming `what`.
std::chrono::milliseconds parse_duration(std::string_view text, const std::string &what);

// The shortest text parse_duration reads back as `value`: "0", "90s", "5m",
// "1h", "1500ms".
std::string format_duration(std::chrono::milliseconds value);

// Parses a whole number from 0 to 1000. Throws UsageError naming `what`.
unsigned parse_count(std::string_view text, const std::string &what);

} // namespace migrate
