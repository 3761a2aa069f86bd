#pragma once
// Human and JSON output of the commands.

#include "migrate/executor.hpp"
#include "migrate/history_sql.hpp"
#include "migrate/plan.hpp"
#include "migrate/prepare.hpp"

#include <ostream>
#include <vector>

namespace migrate::cli {

// Prints one line per finished step to `out`; waits, warnings and retries to
// `err`.
class TextReporter final : public Reporter {
public:
  TextReporter(std::ostream &out, std::ostream &err) : m_out(out), m_err(err) {}
  void waiting_for_lock(const std::optional<LockHolder> &holder) override;
  void step_started(const Step &step, std::size_t index, std::size_t total) override;
  void step_done(const Step &step, std::chrono::milliseconds elapsed) override;
  void warning(const std::string &message) override;
  void retrying(const Step &step, const StepFailure &failure, unsigned attempt,
                std::chrono::milliseconds delay) override;

private:
  std::ostream &m_out;
  std::ostream &m_err;
  std::size_t m_index = 0;
  std::size_t m_total = 0;
};

// "applied 3 migrations in 45 ms" or "nothing to do".
void print_summary(std::ostream &out, const RunResult &result, const char *verb);

// The aligned status table followed by a count line.
void print_status_table(std::ostream &out, const std::vector<StatusRow> &rows);

// {"migrations":[{"version":"...","name":"...","state":"...","applied_at":...}]}
void print_status_json(std::ostream &out, const std::vector<StatusRow> &rows);

// The steps a run would take, with their SQL, as a reviewable SQL script.
void print_plan_text(std::ostream &out, const std::vector<PreparedStep> &steps);

// {"steps":[{"direction":...,"version":...,"statements":[{"line":..,"sql":..}]}]}
void print_plan_json(std::ostream &out, const std::vector<PreparedStep> &steps);

// The audit trail, newest first.
void print_log_table(std::ostream &out, const std::vector<Event> &events);
void print_log_json(std::ostream &out, const std::vector<Event> &events);

// The failure report: what failed where, server detail and hint, and what
// stayed applied. Lines are prefixed `migrate: `.
void print_failure(std::ostream &err, const MigrationFailed &failure);

// What an interrupted run leaves behind.
void print_interrupted(std::ostream &err, const Interrupted &interrupted);

} // namespace migrate::cli
