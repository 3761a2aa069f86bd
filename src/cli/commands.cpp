#include "cli/commands.hpp"

#include "cli/output.hpp"
#include "cli/run_json.hpp"
#include "migrate/conninfo.hpp"
#include "migrate/error.hpp"
#include "migrate/json.hpp"
#include "migrate/maintenance.hpp"
#include "migrate/postgres.hpp"
#include "migrate/source.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <iostream>
#include <thread>

namespace migrate::cli {

namespace {

// The connection string every session of migrate opens (with_session_defaults).
std::string session_conninfo(const Settings &settings) {
  return with_session_defaults(settings.conninfo, std::getenv("PGCONNECT_TIMEOUT") != nullptr);
}

// The migrations tree of `settings` and a session on its target, after
// `prefetch` (when given) ran on that session. The tree is read on a second
// thread while this one connects (the server starts the session) and runs
// `prefetch` (a read of the history): the first moments of a run wait on the
// server and the filesystem at once. Before the tree is known to be valid
// nothing but that read-only query is sent, and a problem in the tree is
// reported before (and instead of) a problem with the connection or the
// history.
struct Target {
  std::vector<Migration> disk;
  std::unique_ptr<Database> db;
};

using Prefetch = std::function<void(Database &)>;

Target open_target(const Settings &settings, const Prefetch &prefetch = nullptr) {
  // The start-up packet goes out before the reader thread takes the CPU, so the
  // server starts the session at once (about 1 ms sooner at N = 1000).
  auto pending = start_postgres(session_conninfo(settings), settings.history, settings.secrets);
  Target target;
  std::exception_ptr tree_error;
  std::thread reader([&target, &tree_error, &settings]() {
    try {
      target.disk = read_tree(settings.dir, settings.checksum_cache);
    } catch (...) {
      tree_error = std::current_exception();
    }
  });
  std::exception_ptr db_error;
  try {
    target.db = pending.finish();
    if (prefetch) {
      prefetch(*target.db);
    }
  } catch (...) {
    db_error = std::current_exception();
  }
  reader.join();
  if (tree_error) {
    std::rethrow_exception(tree_error);
  }
  if (db_error) {
    std::rethrow_exception(db_error);
  }
  return target;
}

// Opens the target of `context` and runs `run_options` there. An `up` reads
// the history's digest while the tree is read (see run()).
RunResult run_on_target(const Context &context, const RunOptions &run_options, Reporter &reporter) {
  if (reverts(run_options)) {
    auto target = open_target(context.settings);
    return run(*target.db, std::move(target.disk), run_options, reporter);
  }
  FirstRead first;
  auto target = open_target(context.settings,
                            [&first](Database &db) { first.digest = db.read_history_digest(); });
  return run(*target.db, std::move(target.disk), run_options, reporter, first);
}

// The error for `text` given as `what` that is not a version; `expected` says what is.
UsageError not_a_version(const char *what, const std::string &text, const char *expected) {
  const bool zeros = text.size() == 14 && text.find_first_not_of('0') == std::string::npos;
  return UsageError(std::string(what) + ": '" + text + "' is not a version (" +
                    (zeros ? "all zeros" : expected) + ")");
}

Version version_of(const std::string &text, const char *what) {
  auto version = parse_version(text);
  if (!version) {
    throw not_a_version(what, text, "14 digits");
  }
  return *version;
}

std::optional<Version> target_of(const MigrateOptions &options) {
  if (!options.to) {
    return std::nullopt;
  }
  auto target = parse_target(*options.to);
  if (!target) {
    throw not_a_version("--to", *options.to, "14 digits, or 0");
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
  auto target = open_target(context.settings);
  std::vector<std::string> warnings;
  const auto steps = preview(*target.db, std::move(target.disk), run_options, &warnings);
  for (const std::string &warning : warnings) {
    print_warning(std::cerr, warning, context.style);
  }
  if (json) {
    print_plan_json(std::cout, steps);
  } else {
    print_plan_text(std::cout, steps);
  }
  return 0;
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

// `up`/`down`/`redo --json`: one document on stdout whatever happens.
int migrate_json(const Context &context, const MigrateOptions &options, Direction direction,
                 bool redo, const char *command) {
  const auto start = std::chrono::steady_clock::now();
  JsonRunReporter reporter(std::cerr);
  for (const std::string &warning : context.settings.warnings) {
    reporter.add_printed_warning(warning); // printed by main already
  }
  std::optional<std::string> error;
  int code = 0;
  std::size_t kept = 0;
  try {
    const RunOptions run_options = run_options_for(context, options, direction, redo);
    if (direction == Direction::down) {
      confirm(context, options.yes, std::string("migrate ") + command);
    }
    run_on_target(context, run_options, reporter);
    kept = reporter.done().size();
  } catch (const MigrationFailed &failure) {
    print_failure(std::cerr, failure, context.style);
    code = static_cast<int>(failure.code());
    error = failure_json(failure);
    kept = failure.done().size();
  } catch (const Interrupted &interrupted) {
    print_interrupted(std::cerr, interrupted);
    code = static_cast<int>(interrupted.code());
    error = error_json(interrupted.what(), code);
    kept = interrupted.done().size();
  } catch (const Error &e) {
    std::cerr << "migrate: " << e.what() << std::endl;
    code = static_cast<int>(e.code());
    error = error_json(e.what(), code);
  }
  print_run_json(std::cout, command, reporter, kept, since(start), code, error);
  return code;
}

int migrate_command(const Context &context, const MigrateOptions &options, Direction direction,
                    bool redo, const char *verb, const char *command) {
  if (options.json && !options.dry_run) {
    return migrate_json(context, options, direction, redo, command);
  }
  const RunOptions run_options = run_options_for(context, options, direction, redo);
  if (options.dry_run) {
    return show_plan(context, run_options, options.json);
  }
  if (direction == Direction::down) {
    confirm(context, options.yes, std::string("migrate ") + command);
  }
  TextReporter reporter(std::cout, std::cerr, context.style);
  try {
    const auto result = run_on_target(context, run_options, reporter);
    print_summary(std::cout, result, verb, context.style);
  } catch (const MigrationFailed &failure) {
    std::cout.flush();
    print_failure(std::cerr, failure, context.style);
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
  return connect_postgres(session_conninfo(settings), settings.history, settings.secrets);
}

void confirm(const Context &context, bool yes, const std::string &what) {
  if (!context.settings.protected_env || yes) {
    return;
  }
  throw UsageError("environment '" + context.settings.environment + "' is protected (" +
                   context.settings.origins.at("protected") + "): " + what + " needs --yes");
}

int run_up(const Context &context, const MigrateOptions &options) {
  return migrate_command(context, options, Direction::up, false, "applied", "up");
}

int run_down(const Context &context, const MigrateOptions &options) {
  return migrate_command(context, options, Direction::down, false, "reverted", "down");
}

int run_redo(const Context &context, const MigrateOptions &options) {
  return migrate_command(context, options, Direction::down, true, "ran", "redo");
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
  std::optional<std::vector<AppliedMigration>> stored;
  auto target = open_target(
      context.settings, [&stored](Database &db) { stored = db.read_history(HistoryDetail::full); });
  const auto history = std::move(stored).value_or(std::vector<AppliedMigration>{});
  // Printed as merged, one row at a time: no row is kept. Whether all are
  // applied is noted on the way (the same for every pass).
  bool up_to_date = true;
  const StatusRows rows = [&](const std::function<void(const StatusRow &)> &visit) {
    for_each_status(target.disk, history, [&](const StatusRow &row) {
      up_to_date = up_to_date && row.state == State::applied;
      visit(row);
    });
  };
  if (options.json) {
    print_status_json(std::cout, rows);
  } else {
    print_status_table(std::cout, rows, context.style);
  }
  return options.exit_code && !up_to_date ? static_cast<int>(ExitCode::not_up_to_date) : 0;
}

int run_log(const Context &context, const LogOptions &options) {
  auto db = connect(context.settings);
  const auto events = db->read_events(options.limit);
  if (options.json) {
    print_log_json(std::cout, events);
  } else {
    print_log_table(std::cout, events, context.style);
  }
  return 0;
}

int run_accept(const Context &context, const VersionOptions &options) {
  const Version version = version_of(options.version, "accept");
  auto target = open_target(context.settings);
  const auto accepted = accept(*target.db, target.disk, version, maintenance_options(context));
  if (!accepted) {
    std::cout << format_version(version) << ": the files and the name match the history; "
              << "nothing to accept" << std::endl;
    return 0;
  }
  if (accepted->files_changed) {
    std::cout << format_version(version) << ": accepted the files as they are now (the recorded "
              << "up.sql sha256 was " << accepted->checksum << ")" << std::endl;
  }
  if (!accepted->name.empty()) {
    std::cout << format_version(version) << ": recorded the directory's name (it was applied as "
              << format_version(version) << "_" << accepted->name << ")" << std::endl;
  }
  return 0;
}

int run_baseline(const Context &context, const VersionOptions &options) {
  const Version version = version_of(options.version, "baseline");
  confirm(context, options.yes, "migrate baseline");
  auto target = open_target(context.settings);
  const auto recorded = baseline(*target.db, target.disk, version, maintenance_options(context));
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

int run_config(const Context &context, const ConfigOptions &options) {
  const Settings &settings = context.settings;
  const std::string database = redact(settings.conninfo, settings.secrets);
  const auto optional_duration = [](const std::optional<std::chrono::milliseconds> &value) {
    return value ? std::optional<std::string>(format_duration(*value)) : std::nullopt;
  };
  struct Row {
    const char *key;
    std::optional<std::string> value; // std::nullopt: not set
    const char *unset;                // what not set means
    bool json_literal = false;        // a JSON boolean or number, not a string
  };
  const std::vector<Row> rows = {
      {"environment", settings.environment, ""},
      {"protected", std::string(settings.protected_env ? "true" : "false"), "", true},
      {"database", database.empty() ? std::nullopt : std::optional<std::string>(database),
       "libpq's PG* variables, ~/.pgpass and defaults"},
      {"dir", settings.dir.string(), ""},
      {"history_table", settings.history.qualified(), ""},
      {"lock_timeout", format_duration(settings.lock_timeout), ""},
      {"ddl_lock_timeout", optional_duration(settings.ddl_lock_timeout), "the role's lock_timeout"},
      {"statement_timeout", optional_duration(settings.statement_timeout),
       "the role's statement_timeout"},
      {"lock_retries", std::to_string(settings.lock_retries), "", true},
      {"templates",
       settings.templates ? std::optional<std::string>(settings.templates->string()) : std::nullopt,
       "built in"},
      {"checksum_cache",
       settings.checksum_cache ? std::optional<std::string>(settings.checksum_cache->string())
                               : std::nullopt,
       "off"},
  };
  const std::string file = settings.config_file ? settings.config_file->string() : "";
  if (options.json) {
    std::cout << "{\"config_file\":" << (file.empty() ? std::string("null") : json_string(file));
    for (const auto &row : rows) {
      std::cout << ",\"" << row.key << "\":{\"value\":";
      std::cout << (!row.value         ? std::string("null")
                    : row.json_literal ? *row.value
                                       : json_string(*row.value));
      std::cout << ",\"origin\":" << json_string(settings.origins.at(row.key)) << "}";
    }
    std::cout << ",\"warnings\":" << json_string_array(settings.warnings) << "}" << std::endl;
    return 0;
  }
  std::cout << "# configuration file: " << (file.empty() ? "none" : file) << "\n";
  std::size_t width = 0;
  for (const auto &row : rows) {
    width = std::max(width, row.value ? row.value->size() : std::string(row.unset).size() + 2);
  }
  for (const auto &row : rows) {
    const std::string value = row.value ? *row.value : "(" + std::string(row.unset) + ")";
    std::cout << row.key << std::string(19 - std::string(row.key).size(), ' ') << value
              << std::string(width + 2 - value.size(), ' ') << "# " << settings.origins.at(row.key)
              << "\n";
  }
  std::cout.flush();
  return 0;
}

int run_wait(const Context &context, const WaitOptions &options) {
  const auto timeout = parse_duration(options.timeout, "--timeout");
  const std::string conninfo = session_conninfo(context.settings);
  const std::string target = describe_conninfo(context.settings.conninfo);
  const auto waited =
      wait_for_server(conninfo, timeout, context.settings.secrets, [&](const std::string &reason) {
        if (!context.style.quiet) {
          std::cerr << "migrate: waiting for " << target << " (" << reason << ")" << std::endl;
        }
      });
  if (!context.style.quiet) {
    std::cout << target << " accepts connections (waited " << waited.count() << " ms)" << std::endl;
  }
  return 0;
}

} // namespace migrate::cli
