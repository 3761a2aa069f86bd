#include "migrate/executor.hpp"

#include "migrate/sha256.hpp"
#include "migrate/source.hpp"
#include "migrate/sql_split.hpp"

#include <algorithm>
#include <thread>

namespace migrate {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// A step with its file read, split and hashed, ready to send.
struct PreparedStep {
  Step step;
  std::filesystem::path file;
  std::string sql;
  std::vector<Statement> statements;
  std::string checksum;
  std::string down_checksum;
};

PreparedStep prepare(const Step &step) {
  PreparedStep prepared{step, {}, {}, {}, {}, {}};
  const Migration &m = step.migration;
  prepared.file = step.direction == Direction::up ? m.up_path() : m.down_path();
  prepared.sql = read_sql_file(prepared.file);
  prepared.statements = split_statements(prepared.sql);
  if (!prepared.statements.empty() && prepared.statements.back().unterminated) {
    throw TreeError(prepared.file.string() + ":" + std::to_string(prepared.statements.back().line) +
                    ": the statement starting here never ends (an unclosed quote, dollar quote "
                    "or comment)");
  }
  if (step.direction == Direction::up) {
    prepared.checksum = checksum(prepared.sql);
    if (m.has_down) {
      prepared.down_checksum = checksum(read_sql_file(m.down_path()));
    }
  }
  return prepared;
}

StepRequest request_for(const PreparedStep &prepared, bool own_transaction) {
  StepRequest request;
  request.direction = prepared.step.direction;
  request.version = prepared.step.migration.version;
  request.name = prepared.step.migration.name;
  request.checksum = prepared.checksum;
  request.down_checksum = prepared.down_checksum;
  request.own_transaction = own_transaction;
  request.statements.reserve(prepared.statements.size());
  for (const auto &statement : prepared.statements) {
    request.statements.push_back(statement_text(prepared.sql, statement));
  }
  return request;
}

// The 1-based file line of the failure: the failing statement's first line,
// moved down to the error position when the server gave one.
std::size_t failure_line(const PreparedStep &prepared, const StepFailure &failure) {
  if (failure.statement >= prepared.statements.size()) {
    return 0;
  }
  const Statement &statement = prepared.statements[failure.statement];
  std::size_t line = statement.line;
  std::size_t characters = 0;
  const std::string_view text = statement_text(prepared.sql, statement);
  for (std::size_t i = 0; i < text.size() && characters + 1 < failure.position; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      ++characters;
    }
    if (c == '\n') {
      ++line;
    }
  }
  return line;
}

// Holds the migration lock for a scope.
class LockGuard {
public:
  explicit LockGuard(Database &db) : m_db(db) {}
  ~LockGuard() { m_db.unlock(); }
  LockGuard(const LockGuard &) = delete;
  LockGuard &operator=(const LockGuard &) = delete;

private:
  Database &m_db;
};

void acquire_lock(Database &db, std::chrono::milliseconds timeout, Reporter &reporter) {
  const auto start = Clock::now();
  auto pause = std::chrono::milliseconds(50);
  bool reported = false;
  while (!db.try_lock()) {
    const auto waited = since(start);
    if (waited >= timeout) {
      std::string message = "could not take the migration lock on " + db.describe() + " within " +
                            std::to_string(timeout.count()) + " ms";
      if (auto holder = db.lock_holder()) {
        message += "; it is held by pid " + std::to_string(holder->pid) + " (" +
                   (holder->application_name.empty() ? std::string("no application_name")
                                                     : holder->application_name) +
                   ", " + holder->client + ")";
      }
      throw LockError(message);
    }
    if (!reported) {
      reporter.waiting_for_lock(db.lock_holder());
      reported = true;
    }
    std::this_thread::sleep_for(std::min(pause, timeout - waited));
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

std::string describe_failure(const PreparedStep &prepared, std::size_t line,
                             const StepFailure &failure) {
  std::string where = prepared.file.string();
  if (line > 0) {
    where += ":" + std::to_string(line);
  } else if (failure.phase == FailurePhase::history) {
    where += " (while recording it in the history table)";
  } else if (failure.phase == FailurePhase::commit) {
    where += " (at COMMIT, e.g. a deferred constraint)";
  }
  std::string message =
      prepared.step.migration.id() + " failed at " + where + ": " + failure.message;
  if (!failure.sqlstate.empty()) {
    message += " (SQLSTATE " + failure.sqlstate + ")";
  }
  return message;
}

} // namespace

MigrationFailed::MigrationFailed(const std::string &message, Step step, std::filesystem::path file,
                                 std::size_t line, StepFailure failure, std::vector<Step> done,
                                 bool all_rolled_back)
    : Error(ExitCode::migration_failed, message), m_step(std::move(step)), m_file(std::move(file)),
      m_line(line), m_failure(std::move(failure)), m_done(std::move(done)),
      m_all_rolled_back(all_rolled_back) {}

RunResult run(Database &db, const std::vector<Migration> &disk, const RunOptions &options,
              Reporter &reporter) {
  const auto start = Clock::now();
  db.check_writable();
  acquire_lock(db, options.lock_timeout, reporter);
  LockGuard guard(db);
  // Read after the lock: another runner may have just finished.
  const auto stored = db.read_history();
  const std::vector<AppliedMigration> history = stored.value_or(std::vector<AppliedMigration>{});
  const auto steps = options.redo ? plan_redo(disk, history) : plan(disk, history, options.request);

  // Every file of the plan is read and split before the first statement runs.
  std::vector<PreparedStep> prepared;
  prepared.reserve(steps.size());
  for (const auto &step : steps) {
    prepared.push_back(prepare(step));
  }

  RunResult result;
  if (!prepared.empty() && !stored) {
    db.create_history();
  }
  if (options.single_transaction && !prepared.empty()) {
    db.begin();
  }
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    const auto &current = prepared[i];
    reporter.step_started(current.step, i, prepared.size());
    const auto step_start = Clock::now();
    auto failure = db.apply(request_for(current, !options.single_transaction));
    if (failure) {
      if (options.single_transaction) {
        db.rollback();
        result.done.clear();
      }
      const std::size_t line = failure_line(current, *failure);
      throw MigrationFailed(describe_failure(current, line, *failure), current.step, current.file,
                            line, *failure, result.done, options.single_transaction);
    }
    reporter.step_done(current.step, since(step_start));
    result.done.push_back(current.step);
  }
  if (options.single_transaction && !prepared.empty()) {
    if (auto failure = db.commit()) {
      const auto &last = prepared.back();
      throw MigrationFailed(describe_failure(last, 0, *failure), last.step, last.file, 0, *failure,
                            {}, true);
    }
  }
  result.elapsed = since(start);
  return result;
}

} // namespace migrate
