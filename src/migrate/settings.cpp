#include "migrate/settings.hpp"

#include "migrate/checksum_cache.hpp"
#include "migrate/conninfo.hpp"
#include "migrate/error.hpp"

#include <cstdio>
#include <sys/stat.h>

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

namespace {

// A warning when `file` holds literal passwords and its group or others may read it.
std::optional<std::string> password_warning(const fs::path &file,
                                            const std::vector<std::string> &literal_passwords) {
  if (literal_passwords.empty()) {
    return std::nullopt;
  }
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0 || (info.st_mode & (S_IRGRP | S_IROTH)) == 0) {
    return std::nullopt;
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
  const std::size_t more = literal_passwords.size() - 1;
  return literal_passwords.front() + ": a literal password" +
         (more > 0 ? " (and " + std::to_string(more) + " more)" : std::string()) +
         " in a file that others can read (mode " + mode +
         "); use password: ${VAR}, ~/.pgpass or a service file, or chmod 600 " + file.string();
}

} // namespace

Settings resolve_settings(const Flags &flags, const EnvLookup &lookup) {
  Settings settings;
  auto &origins = settings.origins;
  for (const auto &[flag, name] : {std::pair{&flags.env, "--env"}, std::pair{&flags.dir, "--dir"},
                                   std::pair{&flags.config_file, "--config"}}) {
    if (*flag && (*flag)->empty()) {
      throw UsageError(std::string(name) + ": the value is empty");
    }
  }
  const auto env_flag = first_of(flags.env, env_value(lookup, "MIGRATE_ENV"));
  const std::string env_name = env_flag.value_or("development");
  settings.environment = env_name;
  origins["environment"] = flags.env ? "--env" : env_flag ? "MIGRATE_ENV" : "default";

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
  settings.config_file = config_file;

  EnvironmentConfig config;
  if (config_file) {
    // An implicit "development" that the file lacks is no error: the file
    // simply has nothing to say for this run.
    ConfigFile file = load_config_file(*config_file, env_name, lookup, env_flag.has_value());
    config = std::move(file.environment);
    if (auto warning = password_warning(*config_file, file.literal_passwords)) {
      settings.warnings.push_back(*warning);
    }
  } else if (env_flag && flags.env) {
    throw UsageError("--env " + env_name + " given but no configuration file (migrate.yaml) found");
  }
  const fs::path file = config_file.value_or(fs::path());
  // Where a value the file may give came from: its key's location, else the default.
  const auto file_or_default = [&](const std::string &key) -> std::string {
    const auto found = config.locations.find(key);
    return found != config.locations.end() ? found->second : "default";
  };
  // A value given on the command line or, when `variable` is not null, in the
  // environment; with its origin.
  struct Given {
    std::string value;
    std::string origin;
  };
  const auto given = [&](const std::optional<std::string> &flag, const char *flag_name,
                         const char *variable) -> std::optional<Given> {
    if (flag) {
      return Given{*flag, flag_name};
    }
    if (variable != nullptr) {
      if (auto value = env_value(lookup, variable)) {
        return Given{*value, variable};
      }
    }
    return std::nullopt;
  };

  std::string config_conninfo;
  if (config.url) {
    config_conninfo = *config.url;
  } else if (!config.params.empty()) {
    config_conninfo = build_conninfo(config.params);
  }
  const std::string config_origin =
      config.url ? file_or_default("url") : file.string() + " (" + env_name + ")";
  if (flags.database_url) {
    settings.conninfo = *flags.database_url;
    origins["database"] = "--database-url";
  } else if (env_flag && config.has_connection()) {
    settings.conninfo = config_conninfo;
    origins["database"] = config_origin;
  } else if (auto url = env_value(lookup, "DATABASE_URL")) {
    settings.conninfo = *url;
    origins["database"] = "DATABASE_URL";
  } else {
    settings.conninfo = config_conninfo;
    origins["database"] = config.has_connection() ? config_origin : "libpq";
  }
  settings.secrets = secrets_in(settings.conninfo);
  if (auto password = env_value(lookup, "PGPASSWORD")) {
    settings.secrets.push_back(*password);
  }

  if (auto dir = given(flags.dir, "--dir", "MIGRATE_DIR")) {
    settings.dir = dir->value;
    origins["dir"] = dir->origin;
  } else {
    settings.dir = config.dir.value_or("migrations");
    origins["dir"] = file_or_default("dir");
  }
  // A bad name is reported with where it came from: a flag, a variable, file:line:col.
  const auto history_table = [](const std::string &name, const std::string &origin) {
    try {
      return parse_history_table(name);
    } catch (const UsageError &e) {
      throw UsageError(origin + ": " + e.what());
    }
  };
  if (auto table = given(flags.history_table, "--history-table", "MIGRATE_HISTORY_TABLE")) {
    settings.history = history_table(table->value, table->origin);
    origins["history_table"] = table->origin;
  } else {
    if (config.history_table) {
      settings.history = history_table(*config.history_table, file_or_default("history_table"));
    }
    origins["history_table"] = file_or_default("history_table");
  }
  if (auto timeout = given(flags.lock_timeout, "--lock-timeout", "MIGRATE_LOCK_TIMEOUT")) {
    settings.lock_timeout = parse_duration(timeout->value, timeout->origin);
    origins["lock_timeout"] = timeout->origin;
  } else {
    settings.lock_timeout = config.lock_timeout.value_or(settings.lock_timeout);
    origins["lock_timeout"] = file_or_default("lock_timeout");
  }
  if (auto timeout = given(flags.ddl_lock_timeout, "--ddl-lock-timeout", nullptr)) {
    settings.ddl_lock_timeout = parse_duration(timeout->value, timeout->origin);
    origins["ddl_lock_timeout"] = timeout->origin;
  } else {
    settings.ddl_lock_timeout = config.ddl_lock_timeout;
    origins["ddl_lock_timeout"] = file_or_default("ddl_lock_timeout");
  }
  if (auto timeout = given(flags.statement_timeout, "--statement-timeout", nullptr)) {
    settings.statement_timeout = parse_duration(timeout->value, timeout->origin);
    origins["statement_timeout"] = timeout->origin;
  } else {
    settings.statement_timeout = config.statement_timeout;
    origins["statement_timeout"] = file_or_default("statement_timeout");
  }
  if (auto retries = given(flags.lock_retries, "--lock-retries", nullptr)) {
    settings.lock_retries = parse_count(retries->value, retries->origin);
    origins["lock_retries"] = retries->origin;
  } else {
    settings.lock_retries = config.lock_retries.value_or(0);
    origins["lock_retries"] = file_or_default("lock_retries");
  }
  settings.templates = config.templates;
  origins["templates"] = file_or_default("templates");
  settings.protected_env = config.protected_env;
  origins["protected"] = file_or_default("protected");
  // Not empty-means-unset like the others: MIGRATE_CACHE_DIR= turns the cache off.
  settings.checksum_cache =
      checksum_cache_dir(lookup("MIGRATE_CACHE_DIR"), lookup("XDG_CACHE_HOME"), lookup("HOME"),
                         origins["checksum_cache"]);
  return settings;
}

} // namespace migrate
