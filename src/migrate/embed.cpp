// The embedding API (migrate.hpp): `migrate up` and `migrate status` for applications, built
// from the same pieces as the CLI, with options given directly instead of resolved settings.

#include "migrate/migrate.hpp"

#include "migrate/conninfo.hpp"
#include "migrate/executor.hpp"
#include "migrate/history_sql.hpp"
#include "migrate/postgres.hpp"
#include "migrate/source.hpp"

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace migrate {

namespace {

// A connection set up as the CLI sets up its own (see connect() in src/cli/commands.cpp).
struct Target {
  std::string conninfo;
  std::vector<std::string> secrets;
  HistoryTable history;
};

Target target_of(const EmbedOptions &options) {
  Target target;
  target.history = parse_history_table(options.history_table);
  target.secrets = secrets_in(options.conninfo);
  if (const char *password = std::getenv("PGPASSWORD"); password != nullptr && *password != 0) {
    target.secrets.emplace_back(password);
  }
  // A dead network must not hang an application's start-up forever.
  target.conninfo =
      with_session_defaults(options.conninfo, std::getenv("PGCONNECT_TIMEOUT") != nullptr);
  return target;
}

std::unique_ptr<Database> connect(const Target &target) {
  return connect_postgres(target.conninfo, target.history, target.secrets);
}

// Keeps the warnings; progress is not reported (the result lists what was applied).
class CollectingReporter : public Reporter {
public:
  explicit CollectingReporter(std::vector<std::string> &warnings) : m_warnings(warnings) {}
  void waiting_for_lock(const std::optional<LockHolder> &) override {}
  void step_started(const Step &, std::size_t, std::size_t) override {}
  void step_done(const Step &, std::chrono::milliseconds) override {}
  void warning(const std::string &message) override { m_warnings.push_back(message); }
  void retrying(const Step &, const StepFailure &, unsigned, std::chrono::milliseconds) override {}

private:
  std::vector<std::string> &m_warnings;
};

} // namespace

EmbedResult migrate_up(const EmbedOptions &options) {
  const Target target = target_of(options);
  // The whole tree is validated before connecting.
  auto disk = read_tree(options.dir);
  auto db = connect(target);

  RunOptions run_options;
  run_options.request.direction = Direction::up;
  run_options.lock_wait = options.lock_wait;
  run_options.client = options.client;
  run_options.reconnect = [target]() { return connect(target); };

  EmbedResult result;
  CollectingReporter reporter(result.warnings);
  const RunResult run_result = run(*db, std::move(disk), run_options, reporter);
  result.applied.reserve(run_result.done.size());
  for (const Step &step : run_result.done) {
    result.applied.push_back(step.migration.id());
  }
  return result;
}

std::vector<StatusRow> migration_status(const EmbedOptions &options) {
  const Target target = target_of(options);
  auto disk = read_tree(options.dir);
  auto db = connect(target);
  const auto history = history_rows(*db, HistoryDetail::full);
  return status(disk, history);
}

} // namespace migrate
