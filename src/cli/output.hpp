#pragma once
// Human and JSON output of the commands.

#include "migrate/executor.hpp"
#include "migrate/history_sql.hpp"
#include "migrate/plan.hpp"
#include "migrate/prepare.hpp"

#include <functional>
#include <ostream>
#include <vector>

namespace migrate::cli {

// How human output looks.
struct Style {
  bool color = false;     // ANSI colours on stdout (a TTY, no NO_COLOR)
  bool color_err = false; // the same for stderr
  bool quiet = false;     // only warnings and errors
  bool verbose = false;   // echo each statement as it is sent
};

// ANSI colour codes for paint().
namespace color {
constexpr const char *red = "31";
constexpr const char *green = "32";
constexpr const char *yellow = "33";
constexpr const char *dim = "2";
} // namespace color

// `text` wrapped in the ANSI colour `code` when `on`, else `text`.
std::string paint(bool on, const char *code, const std::string &text);

// "migrate: warning: <message>" on `err`, the word in yellow when style.color_err.
void print_warning(std::ostream &err, const std::string &message, const Style &style);

// Prints one line per finished step to `out` (none when quiet), each
// statement before it is sent when verbose; waits, warnings and retries to
// `err`.
class TextReporter final : public Reporter {
public:
  TextReporter(std::ostream &out, std::ostream &err, Style style)
      : m_out(out), m_err(err), m_style(style) {}
  void waiting_for_lock(const std::optional<LockHolder> &holder) override;
  void step_started(const Step &step, std::size_t index, std::size_t total) override;
  void step_done(const Step &step, std::chrono::milliseconds elapsed) override;
  void warning(const std::string &message) override;
  void retrying(const Step &step, const StepFailure &failure, unsigned attempt,
                std::chrono::milliseconds delay) override;
  void sending(const Step &step, const std::filesystem::path &file, std::size_t line,
               std::string_view sql) override;

private:
  std::ostream &m_out;
  std::ostream &m_err;
  Style m_style;
  std::size_t m_index = 0;
  std::size_t m_total = 0;
};

// "applied 3 migrations in 45 ms" or "nothing to do"; nothing when quiet.
void print_summary(std::ostream &out, const RunResult &result, const char *verb,
                   const Style &style);

// Hands each status row, in order, to its argument (for_each_status); may be
// called more than once.
using StatusRows = std::function<void(const std::function<void(const StatusRow &)> &)>;

// The aligned status table followed by a count line; states in colour. Reads
// the rows twice (the name column's width, then the lines), holding none.
void print_status_table(std::ostream &out, const StatusRows &rows, const Style &style);

// {"migrations":[{"version":"...","name":"...","state":"...","applied_at":...}]}
void print_status_json(std::ostream &out, const StatusRows &rows);

// The steps a run would take, with their SQL, as a reviewable SQL script.
void print_plan_text(std::ostream &out, const std::vector<PreparedStep> &steps);

// {"steps":[{"direction":...,"version":...,"statements":[{"line":..,"sql":..}]}]}
void print_plan_json(std::ostream &out, const std::vector<PreparedStep> &steps);

// The audit trail, newest first, as an aligned table.
void print_log_table(std::ostream &out, const std::vector<Event> &events, const Style &style);
void print_log_json(std::ostream &out, const std::vector<Event> &events);

// The failure report: what failed where, server detail and hint, and what
// stayed applied. Lines are prefixed `migrate: `.
void print_failure(std::ostream &err, const MigrationFailed &failure, const Style &style);

// What an interrupted run leaves behind.
void print_interrupted(std::ostream &err, const Interrupted &interrupted);

} // namespace migrate::cli
