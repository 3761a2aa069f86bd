#include "cli/commands.hpp"

#include "cli/output.hpp"
#include "migrate/conninfo.hpp"
#include "migrate/error.hpp"
#include "migrate/maintenance.hpp"
#include "migrate/postgres.hpp"
#include "migrate/source.hpp"

#include <algorithm>
#include <ctime>
#include <iostream>

namespace migrate::cli {

namespace {

Version version_of(const std::string &text, const char *what) {
  auto version = parse_version(text);
  if (!version) {
    throw UsageError(std::string(what) + ": '" + text + "' is not a version (14 digits)");
  }
  return *version;
}

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

RunOptions run_options_for(const Context &context, const MigrateOptions &options,
                           Direction direction, bool redo) {
  if (options.to && options.count) {
    throw UsageError("--to and --count cannot be used together");
  }
  RunOptions run_options;
  run_options.request.direction = direction;
  run_options.redo = redo;
  run_options.request.to = target_of(options);
  if (options.positional_count && options.count) {
    throw UsageError("give the count once: either N or --count N");
  }
  if (options.positional_count && options.to) {
    throw UsageError("--to and a count cannot be used together");
  }
  run_options.request.count = options.count ? options.count : options.positional_count;
  run_options.request.allow_out_of_order = options.allow_out_of_order;
  run_options.single_transaction = options.single_transaction;
  run_options.resume = options.resume;
  run_options.lock_wait = context.settings.lock_timeout;
  run_options.timeouts.lock_timeout = context.settings.ddl_lock_timeout;
  run_options.timeouts.statement_timeout = context.settings.statement_timeout;
  run_options.lock_retries = context.settings.lock_retries;
  run_options.client = context.client;
  run_options.interrupt = context.interrupt;
  const Settings settings = context.settings;
  run_options.reconnect = [settings]() { return connect(settings); };
  return run_options;
}

int show_plan(const Context &context, const RunOptions &run_options, bool json) {
  auto disk = read_tree(context.settings.dir);
  auto db = connect(context.settings);
  const auto steps = preview(*db, std::move(disk), run_options);
  if (json) {
    print_plan_json(std::cout, steps);
  } else {
    print_plan_text(std::cout, steps);
  }
  return 0;
}

int migrate_command(const Context &context, const MigrateOptions &options, Direction direction,
                    bool redo, const char *verb) {
  const RunOptions run_options = run_options_for(context, options, direction, redo);
  if (options.json && !options.dry_run) {
    throw UsageError("--json goes with --dry-run (or use `migrate plan --json`)");
  }
  if (options.dry_run) {
    return show_plan(context, run_options, options.json);
  }
  // The whole tree is validated before connecting.
  auto disk = read_tree(context.settings.dir);
  auto db = connect(context.settings);
  TextReporter reporter(std::cout, std::cerr);
  try {
    const auto result = run(*db, std::move(disk), run_options, reporter);
    print_summary(std::cout, result, verb);
  } catch (const MigrationFailed &failure) {
    std::cout.flush();
    print_failure(std::cerr, failure);
    return static_cast<int>(failure.code());
  } catch (const Interrupted &interrupted) {
    std::cout.flush();
    print_interrupted(std::cerr, interrupted);
    return static_cast<int>(interrupted.code());
  }
  return 0;
}

MaintenanceOptions maintenance_options(const Context &context) {
  return MaintenanceOptions{context.settings.lock_timeout, context.client};
}

} // namespace

std::unique_ptr<Database> connect(const Settings &settings) {
  const std::string conninfo =
      with_session_defaults(settings.conninfo, std::getenv("PGCONNECT_TIMEOUT") != nullptr);
  return connect_postgres(conninfo, settings.history, settings.secrets);
}

int run_up(const Context &context, const MigrateOptions &options) {
  return migrate_command(context, options, Direction::up, false, "applied");
}

int run_down(const Context &context, const MigrateOptions &options) {
  return migrate_command(context, options, Direction::down, false, "reverted");
}

int run_redo(const Context &context, const MigrateOptions &options) {
  return migrate_command(context, options, Direction::down, true, "ran");
}

int run_plan(const Context &context, const PlanOptions &options) {
  if (options.direction != "up" && options.direction != "down" && options.direction != "redo") {
    throw UsageError("plan: '" + options.direction + "' is not up, down or redo");
  }
  const Direction direction = options.direction == "up" ? Direction::up : Direction::down;
  if (options.direction == "redo" && (options.migrate.to || options.migrate.count)) {
    throw UsageError("plan redo takes no --to or --count: redo is always one migration");
  }
  const RunOptions run_options =
      run_options_for(context, options.migrate, direction, options.direction == "redo");
  return show_plan(context, run_options, options.migrate.json);
}

int run_status(const Context &context, const StatusOptions &options) {
  auto disk = read_tree(context.settings.dir);
  auto db = connect(context.settings);
  const auto history = history_rows(*db, HistoryDetail::full);
  const auto rows = status(disk, history);
  if (options.json) {
    print_status_json(std::cout, rows);
  } else {
    print_status_table(std::cout, rows);
  }
  if (options.exit_code && std::any_of(rows.begin(), rows.end(), [](const StatusRow &row) {
        return row.state != State::applied;
      })) {
    return static_cast<int>(ExitCode::not_up_to_date);
  }
  return 0;
}

int run_log(const Context &context, const LogOptions &options) {
  auto db = connect(context.settings);
  const auto events = db->read_events(options.limit);
  if (options.json) {
    print_log_json(std::cout, events);
  } else {
    print_log_table(std::cout, events);
  }
  return 0;
}

int run_accept(const Context &context, const VersionOptions &options) {
  const Version version = version_of(options.version, "accept");
  const auto disk = read_tree(context.settings.dir);
  auto db = connect(context.settings);
  const auto old = accept(*db, disk, version, maintenance_options(context));
  if (!old) {
    std::cout << format_version(version) << ": the files match the recorded checksums; "
              << "nothing to accept" << std::endl;
    return 0;
  }
  std::cout << format_version(version) << ": accepted the files as they are now (the recorded "
            << "up.sql sha256 was " << *old << ")" << std::endl;
  return 0;
}

int run_baseline(const Context &context, const VersionOptions &options) {
  const Version version = version_of(options.version, "baseline");
  const auto disk = read_tree(context.settings.dir);
  auto db = connect(context.settings);
  const auto recorded = baseline(*db, disk, version, maintenance_options(context));
  for (const auto &migration : recorded) {
    std::cout << "baseline " << migration.id() << std::endl;
  }
  std::cout << "recorded " << recorded.size() << " migration" << (recorded.size() == 1 ? "" : "s")
            << " as applied without running them" << std::endl;
  return 0;
}

int run_repair(const Context &context, const RepairOptions &options) {
  const Version version = version_of(options.version, "repair");
  if (options.applied == options.not_applied) {
    throw UsageError("repair: say what is true now: --applied (the migration's changes are all "
                     "in place) or --not-applied (none of them are)");
  }
  auto db = connect(context.settings);
  const auto row = repair(*db, version, options.applied, maintenance_options(context));
  std::cout << format_version(version) << "_" << row.name << ": marked "
            << (options.applied ? "applied" : "not applied") << std::endl;
  return 0;
}

int run_new(const Context &context, const NewOptions &options) {
  const Templates templates = context.settings.templates
                                  ? load_templates(*context.settings.templates)
                                  : default_templates();
  const auto dir =
      create_migration(context.settings.dir, options.name, std::time(nullptr), templates);
  std::cout << "created " << (dir / "up.sql").string() << "\n"
            << "created " << (dir / "down.sql").string() << std::endl;
  return 0;
}

} // namespace migrate::cli
