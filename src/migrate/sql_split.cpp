#include "migrate/sql_split.hpp"

#include <algorithm>
#include <array>

namespace migrate {
namespace {

constexpr std::size_t k_npos = std::string_view::npos;
constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

// A single pass over the text mirroring psqlscan.l. Every skip_* helper returns the position
// just past the construct it starts at, or k_npos when the input ends inside it.
class Splitter {
public:
  explicit Splitter(std::string_view sql) : m_sql(sql) {}

  std::vector<Statement> run() {
    std::size_t pos = m_sql.substr(0, k_utf8_bom.size()) == k_utf8_bom ? k_utf8_bom.size() : 0;
    while (pos < m_sql.size()) {
      const char c = m_sql[pos];
      if (is_space(c)) {
        ++pos;
        continue;
      }
      if (c == '-' && at(pos + 1) == '-') {
        pos = skip_line_comment(pos);
        continue;
      }
      if (c == ';' && m_paren_depth == 0 && m_begin_depth == 0) {
        finish_statement();
        m_identifier_count = 0;
        ++pos;
        continue;
      }
      const bool is_comment = c == '/' && at(pos + 1) == '*';
      const std::size_t end = is_comment ? skip_block_comment(pos) : lex_token(pos);
      if (end == k_npos) {
        finish_unterminated(pos);
        return std::move(m_statements);
      }
      if (!is_comment) {
        add_token(pos, end);
      }
      pos = end;
    }
    finish_statement();
    return std::move(m_statements);
  }

private:
  // Character classes of PostgreSQL 15's lexer. Bytes >= 0x80 count as letters so UTF-8
  // identifiers work; \v only became whitespace in PostgreSQL 16.
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }
  static bool is_dollar_tag_cont(char c) { return is_ident_start(c) || is_digit(c); }
  static bool is_ident_cont(char c) { return is_dollar_tag_cont(c) || c == '$'; }
  static bool is_horizontal_space(char c) { return c == ' ' || c == '\t' || c == '\f'; }
  static bool is_space(char c) { return is_horizontal_space(c) || c == '\n' || c == '\r'; }
  static char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  static bool equals_keyword(std::string_view word, std::string_view lower_keyword) {
    return word.size() == lower_keyword.size() &&
           std::equal(word.begin(), word.end(), lower_keyword.begin(),
                      [](char a, char b) { return ascii_lower(a) == b; });
  }

  // NUL past the end is in no character class, so lookahead needs no bounds checks.
  char at(std::size_t pos) const { return pos < m_sql.size() ? m_sql[pos] : '\0'; }

  template <typename Pred> std::size_t skip_while(std::size_t pos, Pred pred) const {
    while (pred(at(pos))) {
      ++pos;
    }
    return pos;
  }

  std::size_t skip_line_comment(std::size_t pos) const {
    // psql ends "--" comments at CR as well as LF.
    const std::size_t end = m_sql.find_first_of("\r\n", pos);
    return end == k_npos ? m_sql.size() : end;
  }

  std::size_t skip_block_comment(std::size_t pos) const {
    std::size_t depth = 0;
    std::size_t i = pos + 2;
    while (true) {
      i = m_sql.find_first_of("/*", i);
      if (i == k_npos) {
        return k_npos;
      }
      if (m_sql[i] == '/' && at(i + 1) == '*') {
        ++depth;
        i += 2;
      } else if (m_sql[i] == '*' && at(i + 1) == '/') {
        if (depth == 0) {
          return i + 2;
        }
        --depth;
        i += 2;
      } else {
        ++i;
      }
    }
  }

  // `pos` is just past the opening quote. A doubled quote is an escaped quote.
  std::size_t skip_quoted(std::size_t pos, char quote, bool backslash_escapes) const {
    const std::array<char, 2> specials{quote, '\\'};
    const std::string_view stops(specials.data(), backslash_escapes ? 2 : 1);
    std::size_t i = pos;
    while (true) {
      i = m_sql.find_first_of(stops, i);
      if (i == k_npos) {
        return k_npos;
      }
      if (m_sql[i] == '\\') {
        i += 2;
        continue;
      }
      if (at(i + 1) == quote) {
        i += 2;
        continue;
      }
      // Only for E'' strings does continuation matter: the next segment keeps backslash
      // escapes, so in E'a'<CR>'\'' the second quote is escaped.
      if (backslash_escapes) {
        const std::size_t next = continuation_quote(i + 1);
        if (next != k_npos) {
          i = next + 1;
          continue;
        }
      }
      return i + 1;
    }
  }

  // SQL string continuation (quote, whitespace with a newline, quote) as psql actually sees it:
  // psql lexes one LF-terminated line at a time, so only a CR can serve as the newline, and only
  // if the string ended its line or the continuation sits on the same line. Returns the
  // position of the continuing quote or k_npos.
  std::size_t continuation_quote(std::size_t pos) const {
    std::size_t i = skip_while(pos, [](char c) { return c == '\n'; });
    bool saw_cr = false;
    while (i < m_sql.size()) {
      const char c = m_sql[i];
      if (c == '-' && at(i + 1) == '-') {
        i = skip_line_comment(i);
      } else if (c == '\r') {
        saw_cr = true;
        ++i;
      } else if (is_horizontal_space(c)) {
        ++i;
      } else {
        break;
      }
    }
    return saw_cr && at(i) == '\'' ? i : k_npos;
  }

  // `pos` is at a '$' that starts a token: a parameter, a dollar quote or a lone '$'.
  std::size_t skip_dollar(std::size_t pos) const {
    if (is_digit(at(pos + 1))) {
      return skip_trailing_junk(skip_while(pos + 1, is_digit));
    }
    const std::size_t i =
        is_ident_start(at(pos + 1)) ? skip_while(pos + 1, is_dollar_tag_cont) : pos + 1;
    if (at(i) != '$') {
      return pos + 1;
    }
    const std::string_view tag = m_sql.substr(pos, i + 1 - pos);
    const std::size_t close = m_sql.find(tag, i + 1);
    return close == k_npos ? k_npos : close + tag.size();
  }

  // PostgreSQL 15 rejects identifier characters glued to a number or parameter ("12abc",
  // "$1x$$"); psql lexes them as one token, so no keyword or quote starts inside.
  std::size_t skip_trailing_junk(std::size_t pos) const {
    return is_ident_start(at(pos)) ? skip_while(pos, is_ident_cont) : pos;
  }

  // Integer, decimal ("1.", ".5" but not "1..") or real ("1e5"; "1e+" with no digits too).
  std::size_t skip_number(std::size_t pos) const {
    std::size_t i = skip_while(pos, is_digit);
    if (at(i) == '.' && at(i + 1) != '.') {
      i = skip_while(i + 1, is_digit);
    }
    if (ascii_lower(at(i)) == 'e') {
      const std::size_t j = at(i + 1) == '+' || at(i + 1) == '-' ? i + 2 : i + 1;
      if (is_digit(at(j))) {
        return skip_trailing_junk(skip_while(j, is_digit));
      }
      if (j > i + 1) {
        return j;
      }
    }
    return skip_trailing_junk(i);
  }

  // `pos` is at a character that is not whitespace and does not start a comment.
  std::size_t lex_token(std::size_t pos) {
    const char c = m_sql[pos];
    const char next = at(pos + 1);
    if (c == '\'' || c == '"') {
      return skip_quoted(pos + 1, c, false);
    }
    if (c == '$') {
      return skip_dollar(pos);
    }
    if (c == '(') {
      ++m_paren_depth;
      return pos + 1;
    }
    if (c == ')') {
      m_paren_depth = m_paren_depth > 0 ? m_paren_depth - 1 : 0;
      return pos + 1;
    }
    if (c == ':') {
      // "::" is a cast; ":name" is a psql variable reference, which psql keeps verbatim as one
      // token when the variable is undefined (so ":x$$" does not swallow the "$$").
      return next == ':' ? pos + 2 : skip_while(pos + 1, is_dollar_tag_cont);
    }
    if (is_digit(c) || (c == '.' && is_digit(next))) {
      return skip_number(pos);
    }
    if (!is_ident_start(c)) {
      return pos + 1;
    }
    const char lower = ascii_lower(c);
    if (next == '\'') {
      if (lower == 'e') {
        return skip_quoted(pos + 2, '\'', true);
      }
      if (lower == 'b' || lower == 'x' || lower == 'n') {
        return skip_quoted(pos + 2, '\'', false);
      }
    }
    if (lower == 'u' && next == '&') {
      const char quote = at(pos + 2);
      if (quote == '\'' || quote == '"') {
        return skip_quoted(pos + 3, quote, false);
      }
      // psql consumes a lone "u" of "u&" without counting it as an identifier.
      return pos + 1;
    }
    const std::size_t end = skip_while(pos + 1, is_ident_cont);
    on_identifier(m_sql.substr(pos, end - pos));
    return end;
  }

  // psql's heuristic for SQL-standard function bodies: inside a statement that begins with
  // CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN (and CASE within it) opens a block and END
  // closes one; ';' only splits outside blocks.
  void on_identifier(std::string_view word) {
    if (m_identifier_count == 0) {
      m_first_words.fill('\0');
    }
    constexpr std::array<std::string_view, 5> k_prefix_words{"create", "function", "procedure",
                                                             "or", "replace"};
    const bool is_prefix_word =
        std::any_of(k_prefix_words.begin(), k_prefix_words.end(),
                    [word](std::string_view keyword) { return equals_keyword(word, keyword); });
    if (is_prefix_word && m_identifier_count < m_first_words.size()) {
      m_first_words[m_identifier_count] = ascii_lower(word[0]);
    }
    ++m_identifier_count;

    const auto &w = m_first_words;
    const bool creates_routine =
        w[0] == 'c' && (w[1] == 'f' || w[1] == 'p' ||
                        (w[1] == 'o' && w[2] == 'r' && (w[3] == 'f' || w[3] == 'p')));
    if (!creates_routine || m_paren_depth != 0) {
      return;
    }
    if (equals_keyword(word, "begin")) {
      ++m_begin_depth;
    } else if (equals_keyword(word, "case") && m_begin_depth > 0) {
      ++m_begin_depth;
    } else if (equals_keyword(word, "end") && m_begin_depth > 0) {
      --m_begin_depth;
    }
  }

  void add_token(std::size_t begin, std::size_t end) {
    if (m_start == k_npos) {
      m_start = begin;
    }
    m_end = end;
  }

  void finish_statement(bool unterminated = false) {
    if (m_start == k_npos) {
      return;
    }
    // Lines are counted lazily between statement starts, which keeps the pass linear.
    m_line += static_cast<std::size_t>(
        std::count(m_sql.begin() + static_cast<std::ptrdiff_t>(m_line_pos),
                   m_sql.begin() + static_cast<std::ptrdiff_t>(m_start), '\n'));
    m_line_pos = m_start;
    m_statements.push_back(Statement{m_start, m_end - m_start, m_line, unterminated});
    m_start = k_npos;
  }

  void finish_unterminated(std::size_t construct_start) {
    add_token(construct_start, m_sql.size());
    finish_statement(true);
  }

  std::string_view m_sql;
  std::vector<Statement> m_statements;
  std::size_t m_start = k_npos; // first token of the statement being collected
  std::size_t m_end = 0;        // end of its last token so far
  std::size_t m_line = 1;       // line number at m_line_pos
  std::size_t m_line_pos = 0;
  std::size_t m_paren_depth = 0;
  std::size_t m_begin_depth = 0;
  std::size_t m_identifier_count = 0;
  std::array<char, 4> m_first_words{}; // initials of leading CREATE/OR/REPLACE/FUNCTION/...
};

} // namespace

std::vector<Statement> split_statements(std::string_view sql) {
  return Splitter(sql).run();
}

std::string_view statement_text(std::string_view sql, const Statement &statement) {
  return sql.substr(statement.offset, statement.length);
}

} // namespace migrate
