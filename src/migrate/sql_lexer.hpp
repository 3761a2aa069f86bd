#pragma once
// The keyword lexer behind classify.cpp and directives.cpp: just enough of
// PostgreSQL's lexical rules to find a statement's leading keywords and the
// "--" comments of a file. Internal to the library.

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace migrate::sql_lexer {

constexpr std::size_t k_npos = std::string_view::npos;

enum class TokenKind { word, quoted_identifier, string, group, other, end };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;
};

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// Bytes >= 0x80 are letters to PostgreSQL, so "vacuumé" is one word, not VACUUM.
inline bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
inline bool is_ident_cont(char c) {
  return is_ident_start(c) || is_digit(c) || c == '$';
}
inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
inline bool equals_keyword(std::string_view word, std::string_view lower_keyword) {
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

} // namespace migrate::sql_lexer
