#pragma once
// Human and JSON output of the commands.

#include "migrate/executor.hpp"
#include "migrate/plan.hpp"

#include <ostream>
#include <vector>

namespace migrate::cli {

// Prints one line per finished step to `out` and lock waits to `err`.
class TextReporter final : public Reporter {
public:
  TextReporter(std::ostream &out, std::ostream &err) : m_out(out), m_err(err) {}
  void waiting_for_lock(const std::optional<LockHolder> &holder) override;
  void step_started(const Step &step, std::size_t index, std::size_t total) override;
  void step_done(const Step &step, std::chrono::milliseconds elapsed) override;

private:
  std::ostream &m_out;
  std::ostream &m_err;
  std::size_t m_index = 0;
  std::size_t m_total = 0;
};

// "applied 3 migrations in 45 ms" or "nothing to do ...".
void print_summary(std::ostream &out, const RunResult &result, const char *verb);

// The aligned status table followed by a count line.
void print_status_table(std::ostream &out, const std::vector<StatusRow> &rows);

// {"migrations":[{"version":"...","name":"...","state":"...","applied_at":...}]}
void print_status_json(std::ostream &out, const std::vector<StatusRow> &rows);

// The failure report: what failed where, server detail and hint, and what
// stayed applied. Lines are prefixed `migrate: `.
void print_failure(std::ostream &err, const MigrationFailed &failure);

} // namespace migrate::cli
