#pragma once
// The --json document of `up`, `down` and `redo`: what was applied or
// reverted, with durations, and on failure the error object. Schema in
// docs/cli.md#json-output-of-up-down-and-redo.

#include "migrate/executor.hpp"

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace migrate::cli {

// Records the steps of a run for the document; warnings and retries also go
// to `err` as text, so that a person reading the logs still sees them.
class JsonRunReporter final : public Reporter {
public:
  explicit JsonRunReporter(std::ostream &err) : m_err(err) {}
  void waiting_for_lock(const std::optional<LockHolder> &holder) override;
  void step_started(const Step &, std::size_t, std::size_t) override {}
  void step_done(const Step &step, std::chrono::milliseconds elapsed) override;
  void warning(const std::string &message) override;
  // Adds to the document's warnings one that was printed on stderr before the run (the
  // settings' own), without printing it again.
  void add_printed_warning(const std::string &message) { m_warnings.push_back(message); }
  void retrying(const Step &step, const StepFailure &failure, unsigned attempt,
                std::chrono::milliseconds delay) override;

  struct Done {
    Step step;
    std::chrono::milliseconds elapsed;
  };
  const std::vector<Done> &done() const { return m_done; }
  const std::vector<std::string> &warnings() const { return m_warnings; }

private:
  std::ostream &m_err;
  std::vector<Done> m_done;
  std::vector<std::string> m_warnings;
};

// Prints the document. `steps_kept` is how many of reporter.done() stayed
// done (all of them on success; a failure or an interruption says how many).
// `error` is the error object as JSON, or std::nullopt on success.
void print_run_json(std::ostream &out, const char *command, const JsonRunReporter &reporter,
                    std::size_t steps_kept, std::chrono::milliseconds elapsed, int exit_code,
                    const std::optional<std::string> &error);

// The error object of a failed step: message, exit code, the step, its file
// and line, SQLSTATE, detail, hint, and whether the step was rolled back.
std::string failure_json(const MigrationFailed &failure);

// The error object of any other error: message and exit code; the rest null.
std::string error_json(const std::string &message, int exit_code);

} // namespace migrate::cli
