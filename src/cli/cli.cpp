#include "cli/cli.hpp"

#include "cli/commands.hpp"
#include "migrate/error.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <limits>

namespace migrate::cli {

namespace {

std::optional<std::string> getenv_lookup(const std::string &name) {
  const char *value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

// Binds an optional string flag.
void add_optional(CLI::App &app, const std::string &names, std::optional<std::string> &target,
                  const std::string &help) {
  app.add_option_function<std::string>(
      names, [&target](const std::string &value) { target = value; }, help);
}

void add_migrate_options(CLI::App &command, MigrateOptions &options, bool targets,
                         bool out_of_order) {
  if (targets) {
    add_optional(command, "--to", options.to,
                 "up: apply up to and including VERSION; down: revert everything applied after "
                 "VERSION (0 = all)");
    command
        .add_option_function<int>(
            "--count", [&options](int n) { options.count = static_cast<std::size_t>(n); },
            "at most N steps")
        ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  }
  if (out_of_order) {
    command.add_flag("--allow-out-of-order", options.allow_out_of_order,
                     "apply pending migrations older than the newest applied one");
  }
  command.add_flag("--single-transaction", options.single_transaction,
                   "run the whole plan in one transaction");
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"migrate: PostgreSQL schema migrations from plain SQL files", "migrate"};
  app.set_version_flag("--version", std::string("migrate ") + MIGRATE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  Flags flags;
  add_optional(app, "--database-url", flags.database_url,
               "connection URL or libpq keyword string (default: DATABASE_URL, then PG*)");
  add_optional(app, "-m,--dir", flags.dir, "migrations directory (default: ./migrations)");
  add_optional(app, "--config", flags.config_file, "configuration file (default: ./migrate.yaml)");
  add_optional(app, "--env", flags.env,
               "environment in the configuration file (default: development)");
  add_optional(app, "--history-table", flags.history_table,
               "history table, [schema.]table (default: public.migration_history)");
  add_optional(app, "--lock-timeout", flags.lock_timeout,
               "how long to wait for the migration lock, e.g. 60s, 500ms, 0 (default: 60s)");

  MigrateOptions up_options;
  auto *up = app.add_subcommand("up", "apply pending migrations");
  add_migrate_options(*up, up_options, true, true);

  MigrateOptions down_options;
  auto *down = app.add_subcommand("down", "revert applied migrations (default: the newest one)");
  add_migrate_options(*down, down_options, true, false);

  MigrateOptions redo_options;
  auto *redo = app.add_subcommand("redo", "revert the newest applied migration and apply it again");
  add_migrate_options(*redo, redo_options, false, false);

  StatusOptions status_options;
  auto *status = app.add_subcommand("status", "list migrations and whether they are applied");
  status->add_flag("--json", status_options.json, "print JSON");

  NewOptions new_options;
  auto *create = app.add_subcommand("new", "create a new migration from the templates");
  create->alias("create");
  create->add_option("name", new_options.name, "what the migration does, e.g. add_users")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    std::cerr << "migrate: " << e.what() << " (see migrate --help)" << std::endl;
    return static_cast<int>(ExitCode::usage);
  }

  try {
    const Settings settings = resolve_settings(flags, getenv_lookup);
    if (up->parsed()) {
      return run_up(settings, up_options);
    }
    if (down->parsed()) {
      return run_down(settings, down_options);
    }
    if (redo->parsed()) {
      return run_redo(settings, redo_options);
    }
    if (status->parsed()) {
      return run_status(settings, status_options);
    }
    return run_new(settings, new_options);
  } catch (const Error &e) {
    std::cerr << "migrate: " << e.what() << std::endl;
    return static_cast<int>(e.code());
  } catch (const std::exception &e) {
    std::cerr << "migrate: unexpected error: " << e.what() << std::endl;
    return static_cast<int>(ExitCode::failure);
  }
}

} // namespace migrate::cli
