#include "migrate/classify.hpp"

#include "migrate/error.hpp"
#include "migrate/sql_split.hpp"

#include <algorithm>
#include <vector>

namespace migrate {
namespace {

constexpr std::size_t k_npos = std::string_view::npos;

enum class TokenKind { word, quoted_identifier, string, group, other, end };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// Bytes >= 0x80 are letters to PostgreSQL, so "vacuumé" is one word, not VACUUM.
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_cont(char c) {
  return is_ident_start(c) || is_digit(c) || c == '$';
}
char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
bool equals_keyword(std::string_view word, std::string_view lower_keyword) {
  return word.size() == lower_keyword.size() &&
         std::equal(word.begin(), word.end(), lower_keyword.begin(),
                    [](char a, char b) { return ascii_lower(a) == b; });
}

// Strings, quoted identifiers and parenthesised groups are single tokens so that nothing inside
// them passes for a keyword. "--" comments are recorded for the directive checks.
class Lexer {
public:
  explicit Lexer(std::string_view text, std::size_t pos = 0) : m_text(text), m_pos(pos) {}

  Token next() {
    skip_blanks();
    if (m_pos >= m_text.size()) {
      return Token{};
    }
    const std::size_t start = m_pos;
    const TokenKind kind = m_text[m_pos] == '(' ? skip_group() : lex();
    return Token{kind, m_text.substr(start, m_pos - start)};
  }

  const std::vector<std::size_t> &line_comments() const { return m_line_comments; }

private:
  char at(std::size_t pos) const { return pos < m_text.size() ? m_text[pos] : '\0'; }
  std::size_t found_or_end(std::size_t pos) const { return pos == k_npos ? m_text.size() : pos; }

  void skip_blanks() {
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++m_pos;
      } else if (c == '-' && at(m_pos + 1) == '-') {
        m_line_comments.push_back(m_pos);
        m_pos = found_or_end(m_text.find_first_of("\r\n", m_pos));
      } else if (c == '/' && at(m_pos + 1) == '*') {
        skip_block_comment();
      } else {
        return;
      }
    }
  }

  void skip_block_comment() {
    std::size_t depth = 0;
    m_pos += 2;
    while (m_pos < m_text.size()) {
      if (m_text[m_pos] == '/' && at(m_pos + 1) == '*') {
        ++depth;
        m_pos += 2;
      } else if (m_text[m_pos] == '*' && at(m_pos + 1) == '/') {
        m_pos += 2;
        if (depth == 0) {
          return;
        }
        --depth;
      } else {
        ++m_pos;
      }
    }
  }

  // Iterative, so deeply nested parentheses cannot exhaust the stack.
  TokenKind skip_group() {
    std::size_t depth = 0;
    while (true) {
      skip_blanks();
      if (m_pos >= m_text.size()) {
        return TokenKind::group;
      }
      const char c = m_text[m_pos];
      if (c == '(' || c == ')') {
        ++m_pos;
        depth = c == '(' ? depth + 1 : depth - 1;
        if (depth == 0) {
          return TokenKind::group;
        }
      } else {
        lex();
      }
    }
  }

  TokenKind lex() {
    const char c = m_text[m_pos];
    if (ascii_lower(c) == 'e' && at(m_pos + 1) == '\'') {
      m_pos = skip_quoted(m_pos + 2, '\'', true);
      return TokenKind::string;
    }
    if (ascii_lower(c) == 'u' && at(m_pos + 1) == '&' &&
        (at(m_pos + 2) == '\'' || at(m_pos + 2) == '"')) {
      const char quote = m_text[m_pos + 2];
      m_pos = skip_quoted(m_pos + 3, quote, false);
      return quote == '"' ? TokenKind::quoted_identifier : TokenKind::string;
    }
    if (is_ident_start(c) || is_digit(c)) {
      m_pos =
          std::find_if_not(m_text.begin() + m_pos, m_text.end(), is_ident_cont) - m_text.begin();
      return TokenKind::word;
    }
    if (c == '\'' || c == '"') {
      m_pos = skip_quoted(m_pos + 1, c, false);
      return c == '"' ? TokenKind::quoted_identifier : TokenKind::string;
    }
    if (c == '$') {
      return lex_dollar();
    }
    ++m_pos;
    return TokenKind::other;
  }

  std::size_t skip_quoted(std::size_t pos, char quote, bool backslash_escapes) const {
    const char stops[] = {quote, backslash_escapes ? '\\' : quote, '\0'};
    while (true) {
      pos = m_text.find_first_of(stops, pos);
      if (pos == k_npos) {
        return m_text.size();
      }
      if (m_text[pos] == quote && at(pos + 1) != quote) {
        return pos + 1;
      }
      pos += 2;
    }
  }

  // A tag cannot start with a digit, so "$1" is a lone '$' then a word, never a dollar quote.
  TokenKind lex_dollar() {
    std::size_t i = m_pos + 1;
    if (is_ident_start(at(i))) {
      while (is_ident_start(at(i)) || is_digit(at(i))) {
        ++i;
      }
    }
    if (at(i) != '$') {
      ++m_pos;
      return TokenKind::other;
    }
    const std::string_view tag = m_text.substr(m_pos, i + 1 - m_pos);
    const std::size_t close = m_text.find(tag, i + 1);
    m_pos = close == k_npos ? m_text.size() : close + tag.size();
    return TokenKind::string;
  }

  std::string_view m_text;
  std::size_t m_pos;
  std::vector<std::size_t> m_line_comments;
};

class Cursor {
public:
  explicit Cursor(std::string_view text) : m_lexer(text) { advance(); }

  const Token &token() const { return m_token; }
  bool is(TokenKind kind) const { return m_token.kind == kind; }
  bool is(std::string_view keyword) const {
    return m_token.kind == TokenKind::word && equals_keyword(m_token.text, keyword);
  }
  bool is_symbol(char symbol) const {
    return m_token.kind == TokenKind::other && m_token.text.size() == 1 &&
           m_token.text[0] == symbol;
  }
  bool accept(std::string_view keyword) {
    if (!is(keyword)) {
      return false;
    }
    advance();
    return true;
  }
  void advance() { m_token = m_lexer.next(); }

  void skip_qualified_name() {
    advance();
    while (is_symbol('.')) {
      advance();
      advance();
    }
  }

private:
  Lexer m_lexer;
  Token m_token;
};

struct Classification {
  StatementClass statement_class = StatementClass::ordinary;
  std::string_view kind;
};

Classification ordinary() {
  return {};
}
Classification control(std::string_view kind) {
  return {StatementClass::transaction_control, kind};
}
Classification no_transaction(std::string_view kind) {
  return {StatementClass::no_transaction, kind};
}

bool names_option(const Token &token, std::string_view name) {
  if (token.kind == TokenKind::word) {
    return equals_keyword(token.text, name);
  }
  return token.kind == TokenKind::quoted_identifier && token.text.size() == name.size() + 2 &&
         token.text.substr(1, name.size()) == name;
}

// Reads the option as PostgreSQL's defGetBoolean does, so that "(CONCURRENTLY off)" is not taken
// for the option being on; nullopt when the option is absent.
std::optional<bool> boolean_option(std::string_view group, std::string_view name) {
  Lexer lexer(group, 1);
  bool at_option_start = true;
  for (Token token = lexer.next(); token.kind != TokenKind::end; token = lexer.next()) {
    if (!at_option_start || !names_option(token, name)) {
      at_option_start = token.kind == TokenKind::other && token.text == ",";
      continue;
    }
    Token value = lexer.next();
    if (value.kind == TokenKind::other && value.text == "=") {
      value = lexer.next();
    }
    std::string_view text = value.text;
    if (value.kind == TokenKind::string && text.size() >= 2 && text.front() == '\'') {
      text = text.substr(1, text.size() - 2);
    }
    return !(equals_keyword(text, "false") || equals_keyword(text, "off") || text == "0");
  }
  return std::nullopt;
}

Classification classify_rollback(Cursor &c) {
  if (!c.accept("work")) {
    c.accept("transaction");
  }
  if (c.is("to")) {
    return ordinary();
  }
  return c.is("prepared") ? control("ROLLBACK PREPARED") : control("ROLLBACK");
}

// PREPARE TRANSACTION 'gid' against PREPARE transaction AS ..., a statement named "transaction".
Classification classify_prepare(Cursor &c) {
  if (!c.accept("transaction") || c.is("as") || c.is(TokenKind::group)) {
    return ordinary();
  }
  return control("PREPARE TRANSACTION");
}

Classification classify_create_or_drop(Cursor &c, bool create) {
  const bool unique = create && c.accept("unique");
  if (c.accept("index")) {
    // The grammar reads CONCURRENTLY right after INDEX as the option, never as an index name.
    if (!c.is("concurrently")) {
      return ordinary();
    }
    return no_transaction(create ? "CREATE INDEX CONCURRENTLY" : "DROP INDEX CONCURRENTLY");
  }
  if (unique) {
    return ordinary();
  }
  if (c.is("database")) {
    return no_transaction(create ? "CREATE DATABASE" : "DROP DATABASE");
  }
  if (c.is("tablespace")) {
    return no_transaction(create ? "CREATE TABLESPACE" : "DROP TABLESPACE");
  }
  // Only with create_slot (CREATE) or a slot (DROP) does the server refuse; we cannot tell.
  if (c.is("subscription")) {
    return no_transaction(create ? "CREATE SUBSCRIPTION" : "DROP SUBSCRIPTION");
  }
  return ordinary();
}

// DETACH PARTITION cannot be combined with other subcommands, so it follows the table name.
Classification classify_alter_table(Cursor &c) {
  if (c.accept("if")) {
    c.accept("exists");
  }
  if (c.accept("only") && c.is(TokenKind::group)) {
    c.advance();
  } else {
    c.skip_qualified_name();
  }
  if (c.is_symbol('*')) {
    c.advance();
  }
  if (!c.accept("detach") || !c.accept("partition")) {
    return ordinary();
  }
  c.skip_qualified_name();
  return c.is("concurrently") ? no_transaction("ALTER TABLE ... DETACH CONCURRENTLY") : ordinary();
}

// REFRESH PUBLICATION always refreshes; SET/ADD/DROP PUBLICATION do unless refresh = false.
Classification classify_alter_subscription(Cursor &c) {
  c.skip_qualified_name();
  if (c.accept("refresh")) {
    return c.is("publication") ? no_transaction("ALTER SUBSCRIPTION ... REFRESH") : ordinary();
  }
  if (!(c.accept("set") || c.accept("add") || c.accept("drop")) || !c.accept("publication")) {
    return ordinary();
  }
  bool refresh = true;
  for (; !c.is(TokenKind::end); c.advance()) {
    if (c.accept("with") && c.is(TokenKind::group)) {
      refresh = boolean_option(c.token().text, "refresh").value_or(true);
    }
  }
  return refresh ? no_transaction("ALTER SUBSCRIPTION with refresh") : ordinary();
}

Classification classify_alter(Cursor &c) {
  if (c.is("system")) {
    return no_transaction("ALTER SYSTEM");
  }
  if (c.accept("database")) {
    c.advance();
    // SET tablespace TO/= ... would set a (nonexistent) parameter named tablespace.
    if (!c.accept("set") || !c.accept("tablespace") || c.is("to") || c.is_symbol('=')) {
      return ordinary();
    }
    return no_transaction("ALTER DATABASE SET TABLESPACE");
  }
  if (c.accept("subscription")) {
    return classify_alter_subscription(c);
  }
  return c.accept("table") ? classify_alter_table(c) : ordinary();
}

Classification classify_reindex(Cursor &c) {
  bool concurrently = false;
  if (c.is(TokenKind::group)) {
    concurrently = boolean_option(c.token().text, "concurrently").value_or(false);
    c.advance();
  }
  std::string_view kind;
  if (c.is("schema")) {
    kind = "REINDEX SCHEMA";
  } else if (c.is("database")) {
    kind = "REINDEX DATABASE";
  } else if (c.is("system")) {
    kind = "REINDEX SYSTEM";
  } else if (!c.is("table") && !c.is("index")) {
    return ordinary();
  }
  c.advance();
  if (concurrently || c.is("concurrently")) {
    return no_transaction("REINDEX CONCURRENTLY");
  }
  return kind.empty() ? ordinary() : no_transaction(kind);
}

// Only CLUSTER without a table (all previously clustered tables) is refused.
Classification classify_cluster(Cursor &c) {
  if (c.is(TokenKind::group)) {
    c.advance();
  }
  c.accept("verbose");
  return c.is(TokenKind::end) ? no_transaction("CLUSTER") : ordinary();
}

Classification classify(std::string_view statement) {
  Cursor c(statement);
  if (c.accept("begin")) {
    return control("BEGIN");
  }
  if (c.accept("start")) {
    return c.is("transaction") ? control("START TRANSACTION") : ordinary();
  }
  if (c.accept("commit")) {
    return c.is("prepared") ? control("COMMIT PREPARED") : control("COMMIT");
  }
  if (c.accept("end")) {
    return control("END");
  }
  if (c.accept("abort")) {
    return control("ABORT");
  }
  if (c.accept("rollback")) {
    return classify_rollback(c);
  }
  if (c.accept("prepare")) {
    return classify_prepare(c);
  }
  if (c.accept("create")) {
    return classify_create_or_drop(c, true);
  }
  if (c.accept("drop")) {
    return classify_create_or_drop(c, false);
  }
  if (c.accept("alter")) {
    return classify_alter(c);
  }
  if (c.accept("reindex")) {
    return classify_reindex(c);
  }
  if (c.accept("vacuum")) {
    return no_transaction("VACUUM");
  }
  if (c.accept("cluster")) {
    return classify_cluster(c);
  }
  return c.accept("discard") && c.is("all") ? no_transaction("DISCARD ALL") : ordinary();
}

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
  if (digits > 0 && unit == "ms") {
    return milliseconds(value);
  }
  if (digits > 0 && unit == "s") {
    return milliseconds(value * 1000);
  }
  if (digits > 0 && (unit == "min" || unit == "m")) {
    return milliseconds(value * 60 * 1000);
  }
  if (digits > 0 && unit == "h") {
    return milliseconds(value * 3600 * 1000);
  }
  if (digits > 0 && unit.empty() && value == 0) {
    return milliseconds(0);
  }
  throw TreeError(where + "'" + std::string(text) +
                  "' is not a duration (use e.g. 500ms, 5s, 10min, 2m, 1h or 0)");
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

StatementClass classify_statement(std::string_view statement) {
  return classify(statement).statement_class;
}

std::string statement_kind(std::string_view statement) {
  return std::string(classify(statement).kind);
}

} // namespace migrate
