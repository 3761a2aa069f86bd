#include "cli/commands.hpp"

#include "cli/output.hpp"
#include "migrate/conninfo.hpp"
#include "migrate/error.hpp"
#include "migrate/postgres.hpp"
#include "migrate/source.hpp"

#include <ctime>
#include <iostream>

namespace migrate::cli {

namespace {

std::optional<Version> target_of(const MigrateOptions &options) {
  if (!options.to) {
    return std::nullopt;
  }
  auto target = parse_target(*options.to);
  if (!target) {
    throw UsageError("--to: '" + *options.to + "' is not a version (14 digits, or 0)");
  }
  return target;
}

std::unique_ptr<Database> connect(const Settings &settings) {
  const std::string conninfo =
      with_fallback_application_name(settings.conninfo, std::string("migrate/") + MIGRATE_VERSION);
  return connect_postgres(conninfo, settings.history, settings.secrets);
}

int run_plan(const Settings &settings, const MigrateOptions &options, RunOptions run_options,
             const char *verb) {
  if (options.to && options.count) {
    throw UsageError("--to and --count cannot be used together");
  }
  run_options.request.to = target_of(options);
  run_options.request.count = options.count;
  run_options.request.allow_out_of_order = options.allow_out_of_order;
  run_options.single_transaction = options.single_transaction;
  run_options.lock_timeout = settings.lock_timeout;
  // The whole tree is validated before connecting.
  const auto disk = read_tree(settings.dir);
  auto db = connect(settings);
  TextReporter reporter(std::cout, std::cerr);
  try {
    const auto result = run(*db, disk, run_options, reporter);
    print_summary(std::cout, result, verb);
  } catch (const MigrationFailed &failure) {
    std::cout.flush();
    print_failure(std::cerr, failure);
    return static_cast<int>(failure.code());
  }
  return 0;
}

} // namespace

int run_up(const Settings &settings, const MigrateOptions &options) {
  RunOptions run_options;
  run_options.request.direction = Direction::up;
  return run_plan(settings, options, run_options, "applied");
}

int run_down(const Settings &settings, const MigrateOptions &options) {
  RunOptions run_options;
  run_options.request.direction = Direction::down;
  return run_plan(settings, options, run_options, "reverted");
}

int run_redo(const Settings &settings, const MigrateOptions &options) {
  RunOptions run_options;
  run_options.redo = true;
  return run_plan(settings, options, run_options, "ran");
}

int run_status(const Settings &settings, const StatusOptions &options) {
  const auto disk = read_tree(settings.dir);
  auto db = connect(settings);
  const auto rows = status(disk, db->read_history().value_or(std::vector<AppliedMigration>{}));
  if (options.json) {
    print_status_json(std::cout, rows);
  } else {
    print_status_table(std::cout, rows);
  }
  return 0;
}

int run_new(const Settings &settings, const NewOptions &options) {
  const Templates templates =
      settings.templates ? load_templates(*settings.templates) : default_templates();
  const auto dir = create_migration(settings.dir, options.name, std::time(nullptr), templates);
  std::cout << "created " << (dir / "up.sql").string() << "\n"
            << "created " << (dir / "down.sql").string() << std::endl;
  return 0;
}

} // namespace migrate::cli
