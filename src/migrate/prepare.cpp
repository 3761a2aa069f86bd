#include "migrate/prepare.hpp"

#include "migrate/error.hpp"
#include "migrate/sha256.hpp"
#include "migrate/source.hpp"

#include <algorithm>

namespace migrate {

namespace {

std::string at(const PreparedStep &prepared, const Statement &statement) {
  return prepared.file.string() + ":" + std::to_string(statement.line);
}

// Checks each statement, and notes whether any may change the session.
void check_statements(PreparedStep &prepared) {
  for (const auto &statement : prepared.statements) {
    const std::string_view text = statement_text(prepared.sql, statement);
    if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
      const auto newlines = std::count(text.begin(), text.begin() + nul, '\n');
      throw TreeError(prepared.file.string() + ":" +
                      std::to_string(statement.line + static_cast<std::size_t>(newlines)) +
                      ": a NUL byte inside a statement; PostgreSQL takes none in SQL text (the "
                      "statement would end there); remove it");
    }
    const StatementClass kind = classify_statement(text);
    if (kind == StatementClass::transaction_control) {
      throw TreeError(at(prepared, statement) + ": " + statement_kind(text) +
                      " is not allowed in a migration: migrate manages the transaction (a " +
                      "COMMIT here would commit half a migration); remove it");
    }
    if (const std::string_view release = session_lock_release(text); !release.empty()) {
      throw TreeError(at(prepared, statement) + ": " + std::string(release) +
                      " is not allowed in a migration: it would release migrate's lock on the "
                      "database in the middle of the run; remove it");
    }
    prepared.changes_session = prepared.changes_session || may_change_session(text);
    if (kind == StatementClass::no_transaction && prepared.transactional) {
      throw TreeError(at(prepared, statement) + ": " + statement_kind(text) +
                      " cannot run inside a transaction; put `-- migrate:no-transaction` on the "
                      "first line of the file (and keep such statements in a migration of "
                      "their own)");
    }
  }
}

} // namespace

AppliedMigration PreparedStep::row() const {
  AppliedMigration row;
  row.version = step.migration.version;
  row.name = step.migration.name;
  row.checksum = checksum;
  // A revert records the down.sql it runs (mark_running), so that resuming it can tell
  // whether that file changed since.
  row.down_checksum = step.direction == Direction::up ? down_checksum : file_checksum;
  return row;
}

std::vector<std::string_view> PreparedStep::statement_texts() const {
  std::vector<std::string_view> texts;
  texts.reserve(statements.size());
  for (const auto &statement : statements) {
    texts.push_back(statement_text(sql, statement));
  }
  return texts;
}

namespace {

// prepare_step without the look at the migration's directory.
PreparedStep read_step(Step step, const Timeouts &defaults) {
  PreparedStep prepared;
  prepared.step = std::move(step);
  const Migration &m = prepared.step.migration;
  const Direction direction = prepared.step.direction;
  prepared.file = direction == Direction::up ? m.up_path() : m.down_path();
  auto sql = read_optional_sql_file(prepared.file);
  if (!sql) {
    throw TreeError(missing_step_file(direction, m));
  }
  prepared.sql = std::move(*sql);
  prepared.statements = split_statements(prepared.sql);
  if (!prepared.statements.empty() && prepared.statements.back().unterminated) {
    throw TreeError(at(prepared, prepared.statements.back()) +
                    ": the statement starting here never ends (an unclosed quote, dollar quote "
                    "or comment)");
  }
  const Directives directives = parse_directives(prepared.sql, prepared.file.string());
  prepared.transactional = !directives.no_transaction;
  prepared.timeouts = defaults;
  if (directives.lock_timeout) {
    prepared.timeouts.lock_timeout = directives.lock_timeout;
  }
  if (directives.statement_timeout) {
    prepared.timeouts.statement_timeout = directives.statement_timeout;
  }
  check_statements(prepared);
  prepared.file_checksum = checksum(prepared.sql);
  if (direction == Direction::up) {
    prepared.checksum = prepared.file_checksum;
    if (const auto down = read_optional_sql_file(m.down_path())) {
      prepared.down_checksum = checksum(*down);
    }
  }
  return prepared;
}

} // namespace

PreparedStep prepare_step(Step step, const Timeouts &defaults) {
  check_migration_dir(step.migration);
  return read_step(std::move(step), defaults);
}

CheckedStep keep_checked(PreparedStep &&prepared) {
  CheckedStep checked;
  checked.step = std::move(prepared.step);
  checked.file_checksum = std::move(prepared.file_checksum);
  checked.resume_from = prepared.resume_from;
  checked.resumed = prepared.resumed;
  return checked;
}

PreparedStep reload(const CheckedStep &checked, const Timeouts &defaults) {
  // The directory was checked by prepare_step; the file is read and checked
  // again (the same text gives the same directives, hence the same timeouts).
  PreparedStep fresh = read_step(checked.step, defaults);
  if (fresh.file_checksum != checked.file_checksum) {
    throw TreeError(fresh.file.string() + ": changed while migrate was running (sha256 " +
                    checked.file_checksum.hex() + " when checked, " + fresh.file_checksum.hex() +
                    " now); it did not run");
  }
  fresh.resume_from = checked.resume_from;
  fresh.resumed = checked.resumed;
  return fresh;
}

std::size_t failure_line(const PreparedStep &step, const StepFailure &failure) {
  if (failure.phase != FailurePhase::statement || failure.statement >= step.statements.size()) {
    return 0;
  }
  const Statement &statement = step.statements[failure.statement];
  std::size_t line = statement.line;
  std::size_t characters = 0;
  const std::string_view text = statement_text(step.sql, statement);
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

} // namespace migrate
