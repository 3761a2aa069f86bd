#pragma once
// The embedding API: what an application needs to bring its database schema up to date at
// start-up, with the same guarantees as `migrate up`. Link migrate::migrate (see
// docs/embedding.md) and include <migrate/migrate.hpp>.
//
//   migrate::EmbedOptions options;
//   options.conninfo = "postgresql://app@db/app";   // empty: libpq's PG* variables
//   options.dir = "/usr/share/myapp/migrations";
//   try {
//     for (const auto &id : migrate::migrate_up(options).applied) {
//       std::cout << "applied " << id << '\n';
//     }
//   } catch (const migrate::Error &e) {
//     std::cerr << "migrations failed: " << e.what() << '\n';
//     return static_cast<int>(e.code());             // the exit codes of the CLI
//   }

#include "migrate/error.hpp"
#include "migrate/plan.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace migrate {

// What to migrate, and how. Every field has the default the CLI uses; none is read from the
// environment (DATABASE_URL, MIGRATE_*) or from migrate.yaml.
struct EmbedOptions {
  // A URL (postgresql://...) or libpq keyword/value string. Empty: libpq takes everything from
  // its PG* variables (PGHOST, PGDATABASE, ...), ~/.pgpass and so on. Unless the string sets
  // them, fallback_application_name=migrate/<version>, keepalives and (without
  // PGCONNECT_TIMEOUT in the environment) connect_timeout=10 are added, as the CLI does.
  std::string conninfo;
  // The migrations directory: `<version>_<name>/up.sql` (and down.sql) entries.
  std::filesystem::path dir = "migrations";
  // "table" or "schema.table"; the events table is "<table>_events" next to it.
  std::string history_table = "public.migration_history";
  // How long to wait for the migration lock while another process holds it (0: one attempt).
  std::chrono::milliseconds lock_wait{60000};
  // Who runs this, recorded with every event (`migrate log`), e.g. "orders-api@host-3".
  std::string client = "embedded";
};

// What migrate_up did.
struct EmbedResult {
  // The migrations applied by this call, in order, as "<version>_<name>"; empty when the
  // database was already up to date.
  std::vector<std::string> applied;
  // Things worth logging that did not stop the run, e.g. a down.sql edited after its migration
  // was applied. One line each, without a "warning:" prefix.
  std::vector<std::string> warnings;
};

// Applies every pending migration of options.dir, in version order, like `migrate up`:
// validates the whole tree, connects, refuses a read-only target, takes the migration lock
// (waiting up to lock_wait), verifies the checksums of the applied migrations, checks every
// file of the plan, creates the history tables if needed, then applies each migration in its
// own transaction together with its history row. Releases the lock and closes the connection
// before returning or throwing.
//
// Throws migrate::Error (or a subclass), with code() the exit code `migrate up` would use:
//   2 usage         a bad history_table
//   3 invalid_tree  options.dir missing or invalid, a bad file (refused before anything runs)
//   4 history_conflict  an applied up.sql was edited, an applied migration's directory is
//                   gone, a pending migration is older than the newest applied one
//   5 lock          another process held the lock for longer than lock_wait
//   6 connection    cannot connect, read-only target, connection lost mid-run
//   7 migration_failed  a migration's SQL failed (MigrationFailed, executor.hpp)
//   8 partial       a no-transaction migration stopped half-way (now or in an earlier run)
//   1 failure       anything else (e.g. no permission to create the history table)
// A failed migration leaves nothing behind: its transaction, history row included, is rolled
// back. Migrations applied before it by the same call stay applied (they are listed by
// MigrationFailed::done()). The one exception is a file marked `-- migrate:no-transaction`,
// whose statements commit one by one: if one after the first fails, the migration is left
// half-done (code 8) and every later run refuses until an operator settles it with
// `migrate up --resume` or `migrate repair`.
//
// Safe to call from many processes (or threads) at once against the same database: the
// migration lock serialises them; each migration is applied exactly once, by whichever caller
// reaches it first, and the others find nothing left to do.
EmbedResult migrate_up(const EmbedOptions &options);

// Every migration of options.dir or of the history table, by version, with its state, like
// `migrate status`. Takes no lock and writes nothing (works on a standby). Throws
// migrate::Error as migrate_up does (codes 2, 3, 4 for a history table of another structure,
// 6, 1); the states themselves (missing, changed, partial) are reported, not thrown.
std::vector<StatusRow> migration_status(const EmbedOptions &options);

} // namespace migrate
