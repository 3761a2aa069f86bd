#include "cli/cli.hpp"

#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "cli/import_command.hpp"
#include "cli/run_json.hpp"
#include "cli/signals.hpp"
#include "migrate/config.hpp"
#include "migrate/error.hpp"
#include "migrate/settings.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <pwd.h>
#include <unistd.h>
#include <vector>

namespace migrate::cli {

namespace {

// `up`, `down` or `redo` when the command line asks for one with --json and no --dry-run
// (whose --json is the plan), else nullptr. Read from the words themselves, for a line
// CLI11 refused.
const char *json_run_command(int argc, char **argv) {
  const char *command = nullptr;
  bool json = false;
  bool dry_run = false;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (command == nullptr && (word == "up" || word == "down" || word == "redo")) {
      command = argv[i];
    }
    json = json || word == "--json";
    dry_run = dry_run || word == "--dry-run";
  }
  return json && !dry_run ? command : nullptr;
}

// The error document of `up`/`down`/`redo --json` for an error found before the run started
// (a flag refused, the settings): one JSON document on stdout whatever happens.
void print_json_error(const char *command, const std::string &message, int code) {
  JsonRunReporter reporter(std::cerr);
  print_run_json(std::cout, command, reporter, 0, std::chrono::milliseconds(0), code,
                 error_json(message, code));
}

std::optional<std::string> getenv_lookup(const std::string &name) {
  const char *value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

// "user@host migrate/<version>", recorded with every event.
std::string client_label() {
  std::string user = getenv_lookup("USER").value_or(getenv_lookup("LOGNAME").value_or(""));
  if (user.empty()) {
    const passwd *entry = getpwuid(geteuid());
    user = entry != nullptr ? entry->pw_name : "?";
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) {
    host[0] = '?';
  }
  return user + "@" + host + " migrate/" + MIGRATE_VERSION;
}

// Binds an optional string flag whose value the help calls `type_name`.
void add_optional(CLI::App &app, const std::string &names, std::optional<std::string> &target,
                  const std::string &type_name, const std::string &help) {
  app.add_option_function<std::string>(
         names, [&target](const std::string &value) { target = value; }, help)
      ->type_name(type_name);
}

// Accepts a whole number from 1 to `max`, with one message for anything else (CLI11 puts the
// option's name in front of it).
CLI::Validator count_from_one(int max) {
  return CLI::Validator(
      [max](std::string &text) -> std::string {
        long long value = 0;
        bool digits = !text.empty() && text.size() <= 10;
        for (char c : text) {
          digits = digits && c >= '0' && c <= '9';
          value = digits ? value * 10 + (c - '0') : value;
        }
        if (digits && value >= 1 && value <= max) {
          return {};
        }
        return "must be a whole number from 1 to " + std::to_string(max) + ", not '" + text + "'";
      },
      "");
}

void add_target_options(CLI::App &command, MigrateOptions &options) {
  add_optional(command, "--to", options.to, "VERSION",
               "up: apply up to and including VERSION; down: revert everything applied after "
               "VERSION (down --to 0: all)");
  command
      .add_option_function<int>(
          "--count", [&options](int n) { options.count = static_cast<std::size_t>(n); },
          "at most N steps")
      ->type_name("N")
      ->check(count_from_one(std::numeric_limits<int>::max()));
}

void add_run_options(CLI::App &command, MigrateOptions &options, bool targets, bool up) {
  if (targets) {
    add_target_options(command, options);
    command
        .add_option_function<int>(
            "N", [&options](int n) { options.positional_count = static_cast<std::size_t>(n); },
            "at most N steps (same as --count N)")
        ->type_name("")
        ->check(count_from_one(std::numeric_limits<int>::max()));
  }
  if (up) {
    command.add_flag("--allow-out-of-order", options.allow_out_of_order,
                     "apply pending migrations older than the newest applied one");
  }
  command.add_flag("--single-transaction", options.single_transaction,
                   "run the whole plan in one transaction");
  command.add_flag("--dry-run", options.dry_run,
                   "print the steps and their SQL; take no lock, change nothing");
  command.add_flag("--json", options.json,
                   "print one JSON document (steps, durations, error); with --dry-run: the plan");
  if (!up) {
    command.add_flag("-y,--yes", options.yes, "confirm in a protected environment");
  }
  if (targets) {
    command.add_flag("--resume", options.resume,
                     "first finish a no-transaction migration that stopped half-way");
  }
}

// Colours only on a terminal (or with --color always), never with NO_COLOR
// set and not empty (https://no-color.org).
Style make_style(const std::string &when, bool quiet, bool verbose) {
  const auto no_color = getenv_lookup("NO_COLOR");
  const bool allowed = when != "never" && !(no_color && !no_color->empty());
  Style style;
  style.color = allowed && (when == "always" || ::isatty(STDOUT_FILENO) != 0);
  style.color_err = allowed && (when == "always" || ::isatty(STDERR_FILENO) != 0);
  style.quiet = quiet;
  style.verbose = verbose;
  return style;
}

// Levenshtein distance, for suggesting the command a typo meant.
std::size_t edit_distance(const std::string &a, const std::string &b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// `word`, and the nearest of `names` when it is at most two edits away (a likely typo).
std::string with_suggestion(const std::string &word, const std::vector<std::string> &names) {
  std::size_t best = 3;
  std::string nearest;
  for (const std::string &name : names) {
    const std::size_t distance = edit_distance(word, name);
    if (distance < best) {
      best = distance;
      nearest = name;
    }
  }
  const std::string quoted = "'" + word + "'";
  return nearest.empty() ? quoted : quoted + "; did you mean '" + nearest + "'?";
}

// The option names `command` and its parents accept, spelled as on a command line.
std::vector<std::string> option_names(const CLI::App *command) {
  std::vector<std::string> names;
  for (; command != nullptr; command = command->get_parent()) {
    for (const CLI::Option *option : command->get_options()) {
      for (const std::string &name : option->get_lnames()) {
        names.push_back("--" + name);
      }
    }
  }
  return names;
}

// The message for a command line CLI11 refused. Words nothing accepted, and a missing command,
// get messages of their own (CLI11's say "A subcommand is required" and "The following argument
// was not expected"); every other error keeps CLI11's text.
std::string parse_problem(const CLI::App &app, const CLI::ParseError &error) {
  const std::vector<CLI::App *> parsed = app.get_subcommands();
  const bool no_command = parsed.empty() && dynamic_cast<const CLI::RequiredError *>(&error);
  if (!no_command && dynamic_cast<const CLI::ExtrasError *>(&error) == nullptr) {
    return error.what();
  }
  std::vector<std::string> commands;
  for (const CLI::App *each : app.get_subcommands({})) {
    commands.push_back(each->get_name());
  }
  const std::vector<std::string> words = app.remaining(true);
  if (words.empty()) {
    if (!no_command) {
      return error.what();
    }
    std::string list;
    for (const std::string &name : commands) {
      list += (list.empty() ? "" : ", ") + name;
    }
    return "no command given; one of: " + list;
  }
  const std::string &word = words.front();
  const CLI::App *command = parsed.empty() ? &app : parsed.front();
  if (word.size() > 1 && word[0] == '-') {
    return "unknown option " +
           with_suggestion(word.substr(0, word.find('=')), option_names(command));
  }
  if (parsed.empty()) {
    return "unknown command " + with_suggestion(word, commands);
  }
  return "unexpected argument '" + word + "' for " + command->get_name();
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"migrate: PostgreSQL schema migrations from plain SQL files", "migrate"};
  app.set_version_flag("--version", std::string("migrate ") + MIGRATE_VERSION);
  app.get_formatter()->column_width(32); // fits "--ddl-lock-timeout DURATION"
  app.require_subcommand(1);
  app.fallthrough();

  Flags flags;
  add_optional(app, "--database-url", flags.database_url, "URL",
               "connection URL or libpq keyword string (default: DATABASE_URL, then PG*)");
  add_optional(app, "-m,--dir", flags.dir, "DIR", "migrations directory (default: ./migrations)");
  add_optional(app, "--config", flags.config_file, "FILE",
               "configuration file (default: ./migrate.yaml)");
  add_optional(app, "--env", flags.env, "NAME",
               "environment in the configuration file (default: development)");
  add_optional(app, "--history-table", flags.history_table, "TABLE",
               "history table, [schema.]table (default: public.migration_history)");
  add_optional(app, "--lock-timeout", flags.lock_timeout, "DURATION",
               "how long to wait for the migration lock, e.g. 60s, 500ms, 0 (default: " +
                   format_duration(Settings{}.lock_timeout) + ")");
  add_optional(app, "--ddl-lock-timeout", flags.ddl_lock_timeout, "DURATION",
               "PostgreSQL lock_timeout for each step, e.g. 5s (default: the role's)");
  add_optional(app, "--statement-timeout", flags.statement_timeout, "DURATION",
               "PostgreSQL statement_timeout for each step, e.g. 10min (default: the role's)");
  add_optional(app, "--lock-retries", flags.lock_retries, "N",
               "retry a step that hit a lock timeout or deadlock up to N times (default: 0)");

  bool quiet = false;
  bool verbose = false;
  std::string color_when = "auto";
  app.add_flag("-q,--quiet", quiet, "print only warnings and errors");
  app.add_flag("-v,--verbose", verbose, "echo each statement as it is sent");
  app.add_option("--color", color_when, "colours: auto (on a terminal), always or never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  MigrateOptions up_options;
  auto *up = app.add_subcommand("up", "apply pending migrations");
  add_run_options(*up, up_options, true, true);

  MigrateOptions down_options;
  auto *down = app.add_subcommand("down", "revert applied migrations (default: the newest one)");
  add_run_options(*down, down_options, true, false);

  MigrateOptions redo_options;
  auto *redo = app.add_subcommand("redo", "revert the newest applied migration and apply it again");
  add_run_options(*redo, redo_options, false, false);

  PlanOptions plan_options;
  auto *plan = app.add_subcommand("plan", "print what up, down or redo would do, with the SQL");
  plan->add_option("direction", plan_options.direction, "up (default), down or redo");
  add_target_options(*plan, plan_options.migrate);
  plan->add_flag("--allow-out-of-order", plan_options.migrate.allow_out_of_order,
                 "include pending migrations older than the newest applied one");
  plan->add_flag("--json", plan_options.migrate.json, "print JSON");

  StatusOptions status_options;
  auto *status = app.add_subcommand("status", "list migrations and whether they are applied");
  status->add_flag("--json", status_options.json, "print JSON");
  status->add_flag("--exit-code", status_options.exit_code,
                   "exit 9 when a migration is pending, missing, changed or partial");

  LogOptions log_options;
  auto *log = app.add_subcommand("log", "show the audit trail of applies, reverts and failures");
  log->add_flag("--json", log_options.json, "print JSON");
  log->add_option("--limit", log_options.limit, "at most N events (default: 100)")
      ->type_name("N")
      ->check(count_from_one(1000000));

  VersionOptions accept_options;
  auto *accept = app.add_subcommand(
      "accept",
      "re-pin the checksums and name of an applied migration edited or renamed on purpose");
  accept->add_option("version", accept_options.version, "the migration's version")->required();

  VersionOptions baseline_options;
  auto *baseline = app.add_subcommand(
      "baseline", "record every migration up to VERSION as applied without running it");
  baseline->add_option("version", baseline_options.version, "the last version already in place")
      ->required();
  baseline->add_flag("-y,--yes", baseline_options.yes, "confirm in a protected environment");

  ConfigOptions config_options;
  auto *config = app.add_subcommand(
      "config", "print the effective configuration and where each value comes from");
  config->add_flag("--json", config_options.json, "print JSON");

  WaitOptions wait_options;
  auto *wait = app.add_subcommand("wait", "wait until the database accepts connections");
  wait->add_option("--timeout", wait_options.timeout, "how long to wait, e.g. 30s (default: 30s)")
      ->type_name("DURATION");

  RepairOptions repair_options;
  auto *repair =
      app.add_subcommand("repair", "settle a no-transaction migration that stopped half-way");
  repair->add_option("version", repair_options.version, "the migration's version")->required();
  repair->add_flag("--applied", repair_options.applied, "its changes are all in place now");
  repair->add_flag("--not-applied", repair_options.not_applied, "none of its changes remain");

  ImportOptions import_options;
  auto *import = app.add_subcommand(
      "import", "convert another tool's migrations into the migrations directory");
  import
      ->add_option("--from", import_options.from,
                   "diesel, node-pg-migrate, golang-migrate, goose, dbmate or postgrator")
      ->type_name("TOOL")
      ->required();
  import->add_option("source", import_options.source, "that tool's migrations directory")
      ->required();
  import->add_flag("--dry-run", import_options.dry_run,
                   "print what would be written; write nothing");
  import->add_flag("--adopt-history", import_options.adopt_history,
                   "also record as applied what the tool's history table has applied");
  import->add_flag("-y,--yes", import_options.yes,
                   "with --adopt-history: confirm in a protected environment");
  add_optional(*import, "--adopt-table", import_options.adopt_table, "TABLE",
               "the tool's history table, [schema.]table (default: the tool's own)");

  NewOptions new_options;
  auto *create = app.add_subcommand("new", "create a new migration from the templates");
  create->alias("create");
  create->add_option("name", new_options.name, "what the migration does, e.g. add_users")
      ->required();

  std::string completion_shell;
  auto *completion =
      app.add_subcommand("completion", "print the shell completion script (bash or zsh)");
  completion->add_option("shell", completion_shell, "bash or zsh")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    const std::vector<CLI::App *> parsed = app.get_subcommands();
    const std::string message = parse_problem(app, e) + " (see migrate " +
                                (parsed.empty() ? "" : parsed.front()->get_name() + " ") +
                                "--help)";
    std::cerr << "migrate: " << message << std::endl;
    if (const char *command = json_run_command(argc, argv)) {
      print_json_error(command, message, static_cast<int>(ExitCode::usage));
    }
    return static_cast<int>(ExitCode::usage);
  }

  Interrupt interrupt;
  try {
    if (completion->parsed()) {
      return run_completion(std::cout, completion_shell); // needs no settings
    }
    if (quiet && verbose) {
      throw UsageError("--quiet and --verbose cannot be used together");
    }
    const Context context{resolve_settings(flags, getenv_lookup), client_label(), &interrupt,
                          make_style(color_when, quiet, verbose)};
    for (const std::string &warning : context.settings.warnings) {
      print_warning(std::cerr, warning, context.style);
    }
    if (config->parsed()) {
      return run_config(context, config_options);
    }
    if (wait->parsed()) {
      return run_wait(context, wait_options);
    }
    if (up->parsed() || down->parsed() || redo->parsed()) {
      SignalWatcher watcher(interrupt);
      if (up->parsed()) {
        return run_up(context, up_options);
      }
      if (down->parsed()) {
        return run_down(context, down_options);
      }
      return run_redo(context, redo_options);
    }
    if (plan->parsed()) {
      return run_plan(context, plan_options);
    }
    if (status->parsed()) {
      return run_status(context, status_options);
    }
    if (log->parsed()) {
      return run_log(context, log_options);
    }
    if (accept->parsed()) {
      return run_accept(context, accept_options);
    }
    if (baseline->parsed()) {
      return run_baseline(context, baseline_options);
    }
    if (import->parsed()) {
      return run_import(context, import_options);
    }
    if (repair->parsed()) {
      return run_repair(context, repair_options);
    }
    return run_new(context, new_options);
  } catch (const Error &e) {
    std::cerr << "migrate: " << e.what() << std::endl;
    // The run's own errors are in its document already (migrate_json).
    for (const auto &[command, options] :
         {std::pair{up, &up_options}, std::pair{down, &down_options},
          std::pair{redo, &redo_options}}) {
      if (command->parsed() && options->json && !options->dry_run) {
        print_json_error(command->get_name().c_str(), e.what(), static_cast<int>(e.code()));
      }
    }
    return static_cast<int>(e.code());
  } catch (const std::exception &e) {
    std::cerr << "migrate: unexpected error: " << e.what() << std::endl;
    return static_cast<int>(ExitCode::failure);
  }
}

} // namespace migrate::cli
