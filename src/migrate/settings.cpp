#include "migrate/settings.hpp"

#include "migrate/conninfo.hpp"
#include "migrate/error.hpp"

namespace fs = std::filesystem;

namespace migrate {

namespace {

template <typename T> std::optional<T> first_of(std::optional<T> a, std::optional<T> b) {
  return a ? a : b;
}

std::optional<std::string> env_value(const EnvLookup &lookup, const std::string &name) {
  auto value = lookup(name);
  if (value && value->empty()) {
    return std::nullopt;
  }
  return value;
}

} // namespace

Settings resolve_settings(const Flags &flags, const EnvLookup &lookup) {
  Settings settings;
  const auto env_flag = first_of(flags.env, env_value(lookup, "MIGRATE_ENV"));
  const std::string env_name = env_flag.value_or("development");

  std::optional<fs::path> config_file;
  if (auto named = first_of(flags.config_file, env_value(lookup, "MIGRATE_CONFIG"))) {
    std::error_code ec;
    if (!fs::is_regular_file(*named, ec)) {
      throw UsageError(*named + ": configuration file not found");
    }
    config_file = *named;
  } else if (std::error_code ec; fs::is_regular_file("migrate.yaml", ec)) {
    config_file = "migrate.yaml";
  }

  EnvironmentConfig config;
  if (config_file) {
    // An implicit "development" that the file lacks is no error: the file
    // simply has nothing to say for this run.
    config = load_config(*config_file, env_name, lookup, env_flag.has_value());
  } else if (env_flag && flags.env) {
    throw UsageError("--env " + env_name + " given but no configuration file (migrate.yaml) found");
  }

  std::string config_conninfo;
  if (config.url) {
    config_conninfo = *config.url;
  } else if (!config.params.empty()) {
    config_conninfo = build_conninfo(config.params);
  }
  if (flags.database_url) {
    settings.conninfo = *flags.database_url;
  } else if (env_flag && config.has_connection()) {
    settings.conninfo = config_conninfo;
  } else if (auto url = env_value(lookup, "DATABASE_URL")) {
    settings.conninfo = *url;
  } else {
    settings.conninfo = config_conninfo;
  }
  settings.secrets = secrets_in(settings.conninfo);
  if (auto password = env_value(lookup, "PGPASSWORD")) {
    settings.secrets.push_back(*password);
  }

  if (auto dir = first_of(flags.dir, env_value(lookup, "MIGRATE_DIR"))) {
    settings.dir = *dir;
  } else {
    settings.dir = config.dir.value_or("migrations");
  }
  if (auto table = first_of(flags.history_table, env_value(lookup, "MIGRATE_HISTORY_TABLE"))) {
    settings.history = parse_history_table(*table);
  } else if (config.history_table) {
    settings.history = parse_history_table(*config.history_table);
  }
  if (auto timeout = first_of(flags.lock_timeout, env_value(lookup, "MIGRATE_LOCK_TIMEOUT"))) {
    settings.lock_timeout = parse_duration(*timeout, "--lock-timeout");
  } else if (config.lock_timeout) {
    settings.lock_timeout = *config.lock_timeout;
  }
  if (flags.ddl_lock_timeout) {
    settings.ddl_lock_timeout = parse_duration(*flags.ddl_lock_timeout, "--ddl-lock-timeout");
  } else {
    settings.ddl_lock_timeout = config.ddl_lock_timeout;
  }
  if (flags.statement_timeout) {
    settings.statement_timeout = parse_duration(*flags.statement_timeout, "--statement-timeout");
  } else {
    settings.statement_timeout = config.statement_timeout;
  }
  if (flags.lock_retries) {
    settings.lock_retries = parse_count(*flags.lock_retries, "--lock-retries");
  } else {
    settings.lock_retries = config.lock_retries.value_or(0);
  }
  settings.templates = config.templates;
  return settings;
}

} // namespace migrate
