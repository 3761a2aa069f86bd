#pragma once
// The subcommands, each a plain function of its options. No CLI11 here.

#include "cli/output.hpp"
#include "migrate/database.hpp"
#include "migrate/interrupt.hpp"
#include "migrate/settings.hpp"

#include <memory>
#include <optional>
#include <string>

namespace migrate::cli {

// What every command may need besides its own options.
struct Context {
  Settings settings;
  std::string client;             // "user@host migrate/<version>", for the events table
  Interrupt *interrupt = nullptr; // stop requests from signals
  Style style;                    // colours, --quiet, --verbose
};

// Options of `up`, `down` and `redo`.
struct MigrateOptions {
  std::optional<std::string> to;
  std::optional<std::size_t> count;
  std::optional<std::size_t> positional_count; // `up 3`: node-pg-migrate's habit
  bool allow_out_of_order = false;
  bool single_transaction = false;
  bool dry_run = false; // print the plan and its SQL, run nothing
  bool resume = false;  // finish a half-done no-transaction migration first
  bool json = false;    // one JSON document on stdout (with dry_run: the plan)
  bool yes = false;     // confirm a revert in a protected environment
};

struct PlanOptions {
  std::string direction = "up"; // up, down or redo
  MigrateOptions migrate;
};

struct StatusOptions {
  bool json = false;
  bool exit_code = false; // exit 9 unless every migration is applied
};

struct LogOptions {
  bool json = false;
  std::size_t limit = 100;
};

struct VersionOptions {
  std::string version;
  bool yes = false; // baseline: confirm in a protected environment
};

struct ConfigOptions {
  bool json = false;
};

struct WaitOptions {
  std::string timeout = "30s";
};

struct RepairOptions {
  std::string version;
  bool applied = false;
  bool not_applied = false;
};

struct NewOptions {
  std::string name;
};

// Connects to the target of `settings`, with the connection defaults added
// (application name, keepalives, connect_timeout). Throws ConnectionError.
std::unique_ptr<Database> connect(const Settings &settings);

// Throws UsageError when the environment is protected and `yes` is false:
// `what` (e.g. "migrate down") needs --yes there.
void confirm(const Context &context, bool yes, const std::string &what);

// Each returns the exit code on success and throws migrate::Error otherwise.
int run_up(const Context &context, const MigrateOptions &options);
int run_down(const Context &context, const MigrateOptions &options);
int run_redo(const Context &context, const MigrateOptions &options);
int run_plan(const Context &context, const PlanOptions &options);
int run_status(const Context &context, const StatusOptions &options);
int run_log(const Context &context, const LogOptions &options);
int run_accept(const Context &context, const VersionOptions &options);
int run_baseline(const Context &context, const VersionOptions &options);
int run_repair(const Context &context, const RepairOptions &options);
int run_new(const Context &context, const NewOptions &options);
int run_config(const Context &context, const ConfigOptions &options);
int run_wait(const Context &context, const WaitOptions &options);

} // namespace migrate::cli
