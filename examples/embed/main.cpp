// Applies the pending migrations of a directory at start-up, as an application embedding
// migrate would, then prints the status of every migration.
//
// Usage: embed_example DIR [CONNINFO]
//   DIR       the migrations directory
//   CONNINFO  a URL or libpq keyword/value string; default: the PG* variables
// Exit code: 0, or migrate's exit code for the failure (see docs/cli.md).

#include <migrate/migrate.hpp>

#include <exception>
#include <iostream>

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: embed_example DIR [CONNINFO]\n";
    return 2;
  }
  migrate::EmbedOptions options;
  options.dir = argv[1];
  if (argc == 3) {
    options.conninfo = argv[2];
  }
  options.client = "embed_example";

  try {
    const migrate::EmbedResult result = migrate::migrate_up(options);
    for (const std::string &warning : result.warnings) {
      std::cerr << "warning: " << warning << '\n';
    }
    for (const std::string &id : result.applied) {
      std::cout << "applied " << id << '\n';
    }
    if (result.applied.empty()) {
      std::cout << "schema up to date, nothing applied\n";
    }
    for (const migrate::StatusRow &row : migrate::migration_status(options)) {
      std::cout << "status " << migrate::format_version(row.version) << '_' << row.name << ' '
                << migrate::state_name(row.state) << '\n';
    }
  } catch (const migrate::Error &e) {
    // e.what() never contains a password; e.code() is the CLI's exit code.
    std::cerr << "migrations failed: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception &e) {
    std::cerr << "migrations failed unexpectedly: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
