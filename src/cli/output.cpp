#include "cli/output.hpp"

#include "migrate/json.hpp"

#include <algorithm>
#include <string_view>

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

std::string paint(bool on, const char *code, const std::string &text) {
  if (!on) {
    return text;
  }
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

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
  if (m_style.quiet) {
    return;
  }
  m_out << "[" << m_index + 1 << "/" << m_total << "] "
        << paint(m_style.color, step.direction == Direction::up ? color::green : color::yellow,
                 verb_of(step))
        << " " << step.migration.id() << " ... " << elapsed.count() << " ms" << std::endl;
}

void print_warning(std::ostream &err, const std::string &message, const Style &style) {
  err << "migrate: " << paint(style.color_err, color::yellow, "warning:") << " " << message
      << std::endl;
}

void TextReporter::warning(const std::string &message) {
  print_warning(m_err, message, m_style);
}

void TextReporter::sending(const Step &, const std::filesystem::path &file, std::size_t line,
                           std::string_view sql) {
  if (!m_style.verbose) {
    return;
  }
  m_out << paint(m_style.color, color::dim, "-- " + file.string() + ":" + std::to_string(line))
        << "\n"
        << sql << ";" << std::endl;
}

void TextReporter::retrying(const Step &step, const StepFailure &failure, unsigned attempt,
                            std::chrono::milliseconds delay) {
  m_err << "migrate: " << step.migration.id() << " hit " << failure.message << " (SQLSTATE "
        << failure.sqlstate << ") and was rolled back; retry " << attempt << " in " << delay.count()
        << " ms" << std::endl;
}

void print_summary(std::ostream &out, const RunResult &result, const char *verb,
                   const Style &style) {
  if (style.quiet) {
    return;
  }
  if (result.done.empty()) {
    out << "nothing to do" << std::endl;
    return;
  }
  out << verb << " " << plural(result.done.size(), "migration") << " in " << result.elapsed.count()
      << " ms" << std::endl;
}

namespace {

const char *state_color(State state) {
  switch (state) {
  case State::applied:
    return color::green;
  case State::pending:
    return color::yellow;
  default:
    return color::red;
  }
}

// Appends `text` to `to`, then spaces up to `width` characters (none when it
// is that long already).
void append_padded(std::string &to, std::string_view text, std::size_t width) {
  to += text;
  to.append(width > text.size() ? width - text.size() : 0, ' ');
}

} // namespace

void print_status_table(std::ostream &out, const StatusRows &rows, const Style &style) {
  std::size_t name_width = 4;
  rows([&name_width](const StatusRow &row) { name_width = std::max(name_width, row.name.size()); });
  // Each line is built in one reused string and written at once: a stream
  // insertion per column, each on a temporary, cost 0.5 µs a line.
  std::string line;
  append_padded(line, "VERSION", 16);
  append_padded(line, "NAME", name_width + 2);
  append_padded(line, "STATE", 9);
  line += "APPLIED AT\n";
  out << line;
  std::size_t counts[5] = {0, 0, 0, 0, 0};
  std::string notes; // the lines after the count line; rare
  std::string state;
  rows([&](const StatusRow &row) {
    ++counts[static_cast<int>(row.state)];
    line.clear();
    append_padded(line, format_version(row.version), 16);
    append_padded(line, row.name, name_width + 2);
    state.clear();
    append_padded(state, state_name(row.state), 9);
    line += paint(style.color, state_color(row.state), state);
    if (row.applied_at) {
      line += *row.applied_at;
    } else {
      line += '-';
    }
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
    if (row.state == State::changed) {
      notes += "changed: " + format_version(row.version) + "_" + row.name + " recorded sha256 " +
               row.recorded_checksum.hex() + ", now " + row.checksum.hex() + "\n";
    }
    if (!row.applied_name.empty()) {
      const std::string version = format_version(row.version);
      notes += "renamed: " + version + "_" + row.name + " was applied as " + version + "_" +
               row.applied_name + "; `migrate accept " + version + "` records the new name\n";
    }
  });
  out << counts[0] + counts[3] << " applied, " << counts[1] << " pending";
  if (counts[2] > 0) {
    out << ", " << counts[2] << " missing (applied, but the directory is gone)";
  }
  if (counts[3] > 0) {
    out << ", " << counts[3] << " changed (up.sql edited after it was applied)";
  }
  if (counts[4] > 0) {
    out << ", " << counts[4]
        << " partial (stopped half-way, or still running in another migrate; `migrate up` or "
           "`migrate down` says which, and how to go on)";
  }
  out << std::endl;
  out << notes;
}

void print_status_json(std::ostream &out, const StatusRows &rows) {
  out << "{\"migrations\":[";
  bool first = true;
  rows([&](const StatusRow &row) {
    out << (first ? "" : ",") << "{\"version\":" << json_string(format_version(row.version))
        << ",\"name\":" << json_string(row.name)
        << ",\"state\":" << json_string(state_name(row.state)) << ",\"applied_at\":"
        << (row.applied_at ? json_string(*row.applied_at) : std::string("null"));
    if (row.state == State::changed) {
      out << ",\"recorded_checksum\":" << json_string(row.recorded_checksum.hex())
          << ",\"checksum\":" << json_string(row.checksum.hex());
    }
    if (!row.applied_name.empty()) {
      out << ",\"applied_name\":" << json_string(row.applied_name);
    }
    out << "}";
    first = false;
  });
  out << "]}" << std::endl;
}

namespace {

std::string duration_text(const std::optional<std::chrono::milliseconds> &value) {
  return value ? std::to_string(value->count()) + "ms" : std::string("default");
}

std::string duration_json(const std::optional<std::chrono::milliseconds> &value) {
  return value ? std::to_string(value->count()) : std::string("null");
}

} // namespace

void print_plan_text(std::ostream &out, const std::vector<PreparedStep> &steps) {
  if (steps.empty()) {
    out << "-- nothing to do" << std::endl;
    return;
  }
  out << "-- " << plural(steps.size(), "step") << "; nothing was run\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto &step = steps[i];
    out << "\n-- [" << i + 1 << "/" << steps.size() << "] " << verb_of(step.step) << " "
        << step.step.migration.id() << "\n"
        << "--   file: " << step.file.string() << "\n"
        << "--   transaction: "
        << (step.transactional ? "one, with its history row" : "none (-- migrate:no-transaction)")
        << "\n"
        << "--   lock_timeout: " << duration_text(step.timeouts.lock_timeout)
        << ", statement_timeout: " << duration_text(step.timeouts.statement_timeout) << "\n";
    if (!step.checksum.empty()) {
      out << "--   sha256: " << step.checksum << "\n";
    }
    if (step.resume_from > 0) {
      out << "--   resuming: the first " << step.resume_from
          << " statement(s) already committed and are skipped\n";
    }
    for (std::size_t j = step.resume_from; j < step.statements.size(); ++j) {
      const auto &statement = step.statements[j];
      out << "-- line " << statement.line << "\n" << statement_text(step.sql, statement) << ";\n";
    }
  }
  out.flush();
}

void print_plan_json(std::ostream &out, const std::vector<PreparedStep> &steps) {
  out << "{\"steps\":[";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto &step = steps[i];
    out << (i == 0 ? "" : ",") << "{\"direction\":\""
        << (step.step.direction == Direction::up ? "up" : "down")
        << "\",\"version\":" << json_string(format_version(step.step.migration.version))
        << ",\"name\":" << json_string(step.step.migration.name)
        << ",\"file\":" << json_string(step.file.string())
        << ",\"transaction\":" << (step.transactional ? "true" : "false")
        << ",\"lock_timeout_ms\":" << duration_json(step.timeouts.lock_timeout)
        << ",\"statement_timeout_ms\":" << duration_json(step.timeouts.statement_timeout)
        << ",\"checksum\":"
        << (step.checksum.empty() ? std::string("null") : json_string(step.checksum.hex()))
        << ",\"resume_from\":" << step.resume_from << ",\"statements\":[";
    for (std::size_t j = step.resume_from; j < step.statements.size(); ++j) {
      out << (j == step.resume_from ? "" : ",") << "{\"line\":" << step.statements[j].line
          << ",\"sql\":" << json_string(statement_text(step.sql, step.statements[j])) << "}";
    }
    out << "]}";
  }
  out << "]}" << std::endl;
}

namespace {

// Text from the database, made safe for a terminal: control characters (an escape
// sequence in a failed statement's message, say) become "\xNN", so that `log` cannot be
// made to rewrite the screen; a tab or a newline becomes a space, keeping one event a line.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\t' || c == '\n' || c == '\r') {
      out += ' ';
    } else if (byte < 0x20 || byte == 0x7f) {
      static constexpr char k_hex[] = "0123456789abcdef";
      out += "\\x";
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

void print_log_table(std::ostream &out, const std::vector<Event> &events, const Style &style) {
  if (events.empty()) {
    out << "no events recorded" << std::endl;
    return;
  }
  struct Line {
    std::string at, event, migration, duration, by, detail;
  };
  std::vector<Line> lines;
  Line widths{"AT", "EVENT", "MIGRATION", "DURATION", "BY", ""};
  std::size_t w[4] = {widths.at.size(), widths.event.size(), widths.migration.size(),
                      widths.duration.size()};
  for (const auto &event : events) {
    Line line;
    line.at = event.at;
    line.event = event_name(event.kind);
    line.migration = printable(format_version(event.version) + "_" + event.name);
    line.duration = event.duration_ms ? std::to_string(*event.duration_ms) + " ms" : "-";
    line.by = printable(event.db_user + (event.client.empty() ? "" : " (" + event.client + ")"));
    if (event.kind == EventKind::fail) {
      line.detail =
          printable(event.file + (event.line > 0 ? ":" + std::to_string(event.line) : "") + ": " +
                    event.message + " (SQLSTATE " + event.sqlstate + ")");
    } else {
      line.detail = printable(event.message);
    }
    w[0] = std::max(w[0], line.at.size());
    w[1] = std::max(w[1], line.event.size());
    w[2] = std::max(w[2], line.migration.size());
    w[3] = std::max(w[3], line.duration.size());
    lines.push_back(std::move(line));
  }
  // Columns two spaces apart.
  std::string text;
  append_padded(text, "AT", w[0] + 2);
  append_padded(text, "EVENT", w[1] + 2);
  append_padded(text, "MIGRATION", w[2] + 2);
  append_padded(text, "DURATION", w[3] + 2);
  text += "BY\n";
  out << text;
  std::string event;
  for (const auto &line : lines) {
    text.clear();
    append_padded(text, line.at, w[0] + 2);
    event.clear();
    append_padded(event, line.event, w[1] + 2);
    text += line.event == "fail" ? paint(style.color, color::red, event) : event;
    append_padded(text, line.migration, w[2] + 2);
    append_padded(text, line.duration, w[3] + 2);
    text += line.by;
    text += '\n';
    if (!line.detail.empty()) {
      text += "    " + line.detail + '\n';
    }
    out << text;
  }
  out.flush();
}

void print_log_json(std::ostream &out, const std::vector<Event> &events) {
  out << "{\"events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto &e = events[i];
    out << (i == 0 ? "" : ",") << "{\"id\":" << e.id << ",\"at\":" << json_string(e.at)
        << ",\"event\":" << json_string(event_name(e.kind))
        << ",\"version\":" << json_string(format_version(e.version))
        << ",\"name\":" << json_string(e.name)
        << ",\"checksum\":" << (e.checksum.empty() ? std::string("null") : json_string(e.checksum))
        << ",\"db_user\":" << json_string(e.db_user) << ",\"client\":" << json_string(e.client)
        << ",\"duration_ms\":"
        << (e.duration_ms ? std::to_string(*e.duration_ms) : std::string("null"));
    if (e.kind == EventKind::fail) {
      out << ",\"sqlstate\":" << json_string(e.sqlstate) << ",\"file\":" << json_string(e.file)
          << ",\"line\":" << e.line;
    }
    out << ",\"message\":" << (e.message.empty() ? std::string("null") : json_string(e.message))
        << "}";
  }
  out << "]}" << std::endl;
}

void print_interrupted(std::ostream &err, const Interrupted &interrupted) {
  err << "migrate: " << interrupted.what() << "; the migration lock was released\n";
  const auto &done = interrupted.done();
  if (done.empty()) {
    err << "migrate: no step of this run was completed" << std::endl;
    return;
  }
  err << "migrate: " << plural(done.size(), "step")
      << " completed before the stop: " << list_ids(done) << std::endl;
}

void print_failure(std::ostream &err, const MigrationFailed &failure, const Style &style) {
  err << "migrate: " << paint(style.color_err, color::red, failure.what()) << '\n';
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
  if (failure.code() == ExitCode::partial) {
    err << "migrate: " << failure.step().migration.id()
        << " has no transaction: the statements before this one stay committed, and the next "
           "run will say how to resume or repair it";
  } else {
    err << "migrate: rolled back " << failure.step().migration.id() << "; nothing of it remains";
  }
  const auto &done = failure.done();
  if (done.empty()) {
    err << "; no other step ran" << std::endl;
    return;
  }
  err << "\nmigrate: " << plural(done.size(), "step") << " before it stay"
      << (done.size() == 1 ? "s" : "") << " done: " << list_ids(done) << std::endl;
}

} // namespace migrate::cli
