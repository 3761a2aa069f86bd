#include "migrate/classify.hpp"

#include "migrate/error.hpp"
#include "migrate/sql_lexer.hpp"
#include "migrate/sql_split.hpp"

#include <vector>

namespace migrate {
namespace {

using namespace sql_lexer;

constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";
constexpr std::string_view k_directive_prefix = "-- migrate:";

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_blank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// The same forms as the configuration's lock_timeout; kept separate so that a file's header
// does not depend on how the configuration file is read.
std::chrono::milliseconds directive_duration(std::string_view text, const std::string &where) {
  std::size_t digits = 0;
  long long value = 0;
  // At most 12 digits: even 999999999999h fits in milliseconds.
  while (digits < text.size() && digits < 12 && is_digit(text[digits])) {
    value = value * 10 + (text[digits] - '0');
    ++digits;
  }
  const std::string_view unit = text.substr(digits);
  using std::chrono::milliseconds;
  milliseconds result{0};
  if (digits > 0 && unit == "ms") {
    result = milliseconds(value);
  } else if (digits > 0 && unit == "s") {
    result = milliseconds(value * 1000);
  } else if (digits > 0 && (unit == "min" || unit == "m")) {
    result = milliseconds(value * 60 * 1000);
  } else if (digits > 0 && unit == "h") {
    result = milliseconds(value * 3600 * 1000);
  } else if (digits == 0 || !unit.empty() || value != 0) {
    throw TreeError(where + "'" + std::string(text) +
                    "' is not a duration (use e.g. 500ms, 5s, 10min, 2m, 1h or 0)");
  }
  if (result.count() > 2147483647) { // PostgreSQL's limit for both timeouts: INT_MAX ms
    throw TreeError(where + "'" + std::string(text) +
                    "' is too long (at most 2147483647ms, about 596h: PostgreSQL's limit)");
  }
  return result;
}

void set_timeout(std::optional<std::chrono::milliseconds> &timeout, std::string_view name,
                 std::string_view value, const std::string &where) {
  if (timeout) {
    throw TreeError(where + "directive " + std::string(name) + " is given twice");
  }
  if (value.empty()) {
    throw TreeError(where + "directive " + std::string(name) + " needs a value, e.g. 5s");
  }
  timeout = directive_duration(value, where);
}

void apply_directive(std::string_view text, const std::string &where, Directives &directives) {
  text = trim(text);
  const std::size_t name_end = std::min(text.find_first_of(" \t="), text.size());
  const std::string_view name = text.substr(0, name_end);
  std::string_view value = trim(text.substr(name_end));
  if (!value.empty() && value.front() == '=') {
    value = trim(value.substr(1));
  }
  if (name == "no-transaction") {
    if (!value.empty()) {
      throw TreeError(where + "directive no-transaction takes no value");
    }
    if (directives.no_transaction) {
      throw TreeError(where + "directive no-transaction is given twice");
    }
    directives.no_transaction = true;
  } else if (name == "lock_timeout" || name == "lock-timeout") {
    set_timeout(directives.lock_timeout, "lock_timeout", value, where);
  } else if (name == "statement_timeout" || name == "statement-timeout") {
    set_timeout(directives.statement_timeout, "statement_timeout", value, where);
  } else {
    throw TreeError(where + "unknown directive '" + std::string(name) +
                    "' (known: no-transaction, lock_timeout, statement_timeout)");
  }
}

// A lone CR counts as a line end because psql ends "--" comments there too.
bool starts_line(std::string_view sql, std::size_t line_start, std::size_t pos) {
  while (pos > line_start && is_blank(sql[pos - 1])) {
    --pos;
  }
  return pos == line_start || sql[pos - 1] == '\n' || sql[pos - 1] == '\r';
}

} // namespace

Directives parse_directives(std::string_view sql, const std::string &file) {
  const std::size_t start = sql.substr(0, k_utf8_bom.size()) == k_utf8_bom ? k_utf8_bom.size() : 0;
  const std::vector<Statement> statements = split_statements(sql);
  const std::size_t header_end = statements.empty() ? sql.size() : statements.front().offset;
  // Lexing the whole file finds the "--" comments outside strings, dollar quotes and block
  // comments, both in the header and after it.
  Lexer lexer(sql, start);
  while (lexer.next().kind != TokenKind::end) {
  }
  Directives directives;
  std::size_t line = 1;
  std::size_t counted = 0;
  for (const std::size_t pos : lexer.line_comments()) {
    const std::size_t end = std::min(sql.find_first_of("\r\n", pos), sql.size());
    const std::string_view comment = sql.substr(pos, end - pos);
    if (!starts_line(sql, start, pos) ||
        comment.substr(0, k_directive_prefix.size()) != k_directive_prefix) {
      continue;
    }
    line += static_cast<std::size_t>(std::count(sql.begin() + counted, sql.begin() + pos, '\n'));
    counted = pos;
    const std::string where = file + ":" + std::to_string(line) + ": ";
    if (pos >= header_end) {
      throw TreeError(where + "directives must come before the first statement");
    }
    apply_directive(comment.substr(k_directive_prefix.size()), where, directives);
  }
  return directives;
}

} // namespace migrate
