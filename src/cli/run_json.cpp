#include "cli/run_json.hpp"

#include "migrate/json.hpp"

#include <algorithm>

namespace migrate::cli {

namespace {

std::string nullable(const std::string &text) {
  return text.empty() ? std::string("null") : json_string(text);
}

const char *direction_name(Direction direction) {
  return direction == Direction::up ? "up" : "down";
}

} // namespace

void JsonRunReporter::waiting_for_lock(const std::optional<LockHolder> &holder) {
  m_err << "migrate: waiting for the migration lock";
  if (holder) {
    m_err << ", held by pid " << holder->pid;
  }
  m_err << std::endl;
}

void JsonRunReporter::step_done(const Step &step, std::chrono::milliseconds elapsed) {
  m_done.push_back(Done{step, elapsed});
}

void JsonRunReporter::warning(const std::string &message) {
  m_warnings.push_back(message);
  m_err << "migrate: warning: " << message << std::endl;
}

void JsonRunReporter::retrying(const Step &step, const StepFailure &failure, unsigned attempt,
                               std::chrono::milliseconds delay) {
  m_warnings.push_back(step.migration.id() + " hit " + failure.message + " (SQLSTATE " +
                       failure.sqlstate + "); retry " + std::to_string(attempt) + " after " +
                       std::to_string(delay.count()) + " ms");
  m_err << "migrate: warning: " << m_warnings.back() << std::endl;
}

void print_run_json(std::ostream &out, const char *command, const JsonRunReporter &reporter,
                    std::size_t steps_kept, std::chrono::milliseconds elapsed, int exit_code,
                    const std::optional<std::string> &error) {
  out << "{\"command\":" << json_string(command) << ",\"ok\":" << (error ? "false" : "true")
      << ",\"exit_code\":" << exit_code << ",\"steps\":[";
  const std::size_t kept = std::min(steps_kept, reporter.done().size());
  for (std::size_t i = 0; i < kept; ++i) {
    const auto &done = reporter.done()[i];
    out << (i == 0 ? "" : ",") << "{\"direction\":\"" << direction_name(done.step.direction)
        << "\",\"version\":" << json_string(format_version(done.step.migration.version))
        << ",\"name\":" << json_string(done.step.migration.name)
        << ",\"duration_ms\":" << done.elapsed.count() << "}";
  }
  out << "],\"elapsed_ms\":" << elapsed.count()
      << ",\"warnings\":" << json_string_array(reporter.warnings())
      << ",\"error\":" << error.value_or("null") << "}" << std::endl;
}

std::string failure_json(const MigrationFailed &failure) {
  const Step &step = failure.step();
  const StepFailure &server = failure.failure();
  return "{\"message\":" + json_string(failure.what()) +
         ",\"exit_code\":" + std::to_string(static_cast<int>(failure.code())) +
         ",\"direction\":\"" + direction_name(step.direction) +
         "\",\"version\":" + json_string(format_version(step.migration.version)) +
         ",\"name\":" + json_string(step.migration.name) +
         ",\"file\":" + json_string(failure.file().string()) + ",\"line\":" +
         (failure.line() > 0 ? std::to_string(failure.line()) : std::string("null")) +
         ",\"sqlstate\":" + nullable(server.sqlstate) +
         ",\"server_message\":" + nullable(server.message) +
         ",\"detail\":" + nullable(server.detail) + ",\"hint\":" + nullable(server.hint) +
         ",\"rolled_back\":" + (failure.code() == ExitCode::partial ? "false" : "true") + "}";
}

std::string error_json(const std::string &message, int exit_code) {
  return "{\"message\":" + json_string(message) + ",\"exit_code\":" + std::to_string(exit_code) +
         ",\"direction\":null,\"version\":null,\"name\":null,\"file\":null,\"line\":null,"
         "\"sqlstate\":null,\"server_message\":null,\"detail\":null,\"hint\":null,"
         "\"rolled_back\":null}";
}

} // namespace migrate::cli
