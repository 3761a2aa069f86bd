#pragma once
// A strict JSON syntax check for the tests' machine-output assertions: the
// product prints JSON by hand, so the tests make sure it is one valid
// document before looking inside it.

#include <cctype>
#include <cstddef>
#include <string>

namespace migrate_test {

class JsonCheck {
public:
  // True when `text` is exactly one JSON value, optionally followed by
  // whitespace (e.g. the trailing newline).
  static bool valid(const std::string &text) {
    JsonCheck check(text);
    return check.value() && (check.skip(), check.m_at == text.size());
  }

private:
  explicit JsonCheck(const std::string &text) : m_text(text) {}

  void skip() {
    while (m_at < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_at])) != 0) {
      ++m_at;
    }
  }
  bool eat(char c) {
    skip();
    if (m_at < m_text.size() && m_text[m_at] == c) {
      ++m_at;
      return true;
    }
    return false;
  }
  bool word(const char *w) {
    const std::string s(w);
    if (m_text.compare(m_at, s.size(), s) == 0) {
      m_at += s.size();
      return true;
    }
    return false;
  }
  bool string() {
    if (!eat('"')) {
      return false;
    }
    while (m_at < m_text.size()) {
      const auto c = static_cast<unsigned char>(m_text[m_at++]);
      if (c == '"') {
        return true;
      }
      if (c < 0x20) {
        return false;
      }
      if (c == '\\') {
        if (m_at >= m_text.size()) {
          return false;
        }
        const char e = m_text[m_at++];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (m_at >= m_text.size() ||
                std::isxdigit(static_cast<unsigned char>(m_text[m_at++])) == 0) {
              return false;
            }
          }
        } else if (std::string("\"\\/bfnrt").find(e) == std::string::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = m_at;
    if (m_at < m_text.size() && m_text[m_at] == '-') {
      ++m_at;
    }
    while (m_at < m_text.size() && (std::isdigit(static_cast<unsigned char>(m_text[m_at])) != 0 ||
                                    std::string(".eE+-").find(m_text[m_at]) != std::string::npos)) {
      ++m_at;
    }
    return m_at > start;
  }
  bool value() {
    skip();
    if (m_at >= m_text.size()) {
      return false;
    }
    const char c = m_text[m_at];
    if (c == '{') {
      ++m_at;
      if (eat('}')) {
        return true;
      }
      do {
        if (!string() || !eat(':') || !value()) {
          return false;
        }
      } while (eat(','));
      return eat('}');
    }
    if (c == '[') {
      ++m_at;
      if (eat(']')) {
        return true;
      }
      do {
        if (!value()) {
          return false;
        }
      } while (eat(','));
      return eat(']');
    }
    if (c == '"') {
      return string();
    }
    if (word("true") || word("false") || word("null")) {
      return true;
    }
    return number();
  }

  const std::string &m_text;
  std::size_t m_at = 0;
};

} // namespace migrate_test
