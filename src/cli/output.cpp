#include "cli/output.hpp"

#include "migrate/json.hpp"

#include <algorithm>

namespace migrate::cli {

namespace {

const char *verb_of(const Step &step) {
  return step.direction == Direction::up ? "up  " : "down";
}

std::string plural(std::size_t n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string list_ids(const std::vector<Step> &steps) {
  std::string out;
  for (const auto &step : steps) {
    out += (out.empty() ? "" : ", ") + step.migration.id();
  }
  return out;
}

} // namespace

void TextReporter::waiting_for_lock(const std::optional<LockHolder> &holder) {
  m_err << "migrate: waiting for the migration lock";
  if (holder) {
    m_err << ", held by pid " << holder->pid << " ("
          << (holder->application_name.empty() ? "no application_name" : holder->application_name)
          << ", " << holder->client << ", " << (holder->state.empty() ? "?" : holder->state)
          << ", connected since " << holder->since << ")";
  }
  m_err << std::endl;
}

void TextReporter::step_started(const Step &, std::size_t index, std::size_t total) {
  m_index = index;
  m_total = total;
}

void TextReporter::step_done(const Step &step, std::chrono::milliseconds elapsed) {
  m_out << "[" << m_index + 1 << "/" << m_total << "] " << verb_of(step) << " "
        << step.migration.id() << " ... " << elapsed.count() << " ms" << std::endl;
}

void print_summary(std::ostream &out, const RunResult &result, const char *verb) {
  if (result.done.empty()) {
    out << "nothing to do" << std::endl;
    return;
  }
  out << verb << " " << plural(result.done.size(), "migration") << " in " << result.elapsed.count()
      << " ms" << std::endl;
}

void print_status_table(std::ostream &out, const std::vector<StatusRow> &rows) {
  std::size_t name_width = 4;
  for (const auto &row : rows) {
    name_width = std::max(name_width, row.name.size());
  }
  auto pad = [](const std::string &text, std::size_t width) {
    return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
  };
  out << pad("VERSION", 16) << pad("NAME", name_width + 2) << pad("STATE", 9) << "APPLIED AT"
      << '\n';
  std::size_t counts[3] = {0, 0, 0};
  for (const auto &row : rows) {
    ++counts[static_cast<int>(row.state)];
    out << pad(format_version(row.version), 16) << pad(row.name, name_width + 2)
        << pad(state_name(row.state), 9) << row.applied_at.value_or("-") << '\n';
  }
  out << counts[0] << " applied, " << counts[1] << " pending";
  if (counts[2] > 0) {
    out << ", " << counts[2] << " missing (applied, but the directory is gone)";
  }
  out << std::endl;
}

void print_status_json(std::ostream &out, const std::vector<StatusRow> &rows) {
  out << "{\"migrations\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto &row = rows[i];
    out << (i == 0 ? "" : ",") << "{\"version\":" << json_string(format_version(row.version))
        << ",\"name\":" << json_string(row.name)
        << ",\"state\":" << json_string(state_name(row.state)) << ",\"applied_at\":"
        << (row.applied_at ? json_string(*row.applied_at) : std::string("null")) << "}";
  }
  out << "]}" << std::endl;
}

void print_failure(std::ostream &err, const MigrationFailed &failure) {
  err << "migrate: " << failure.what() << '\n';
  if (!failure.failure().detail.empty()) {
    err << "migrate:   detail: " << failure.failure().detail << '\n';
  }
  if (!failure.failure().hint.empty()) {
    err << "migrate:   hint: " << failure.failure().hint << '\n';
  }
  if (failure.all_rolled_back()) {
    err << "migrate: the whole run was one transaction and was rolled back; nothing changed"
        << std::endl;
    return;
  }
  err << "migrate: rolled back " << failure.step().migration.id() << "; nothing of it remains";
  const auto &done = failure.done();
  if (done.empty()) {
    err << "; no other step ran" << std::endl;
    return;
  }
  err << "\nmigrate: " << plural(done.size(), "step") << " before it stay"
      << (done.size() == 1 ? "s" : "") << " done: " << list_ids(done) << std::endl;
}

} // namespace migrate::cli
