#include "migrate/copy_text.hpp"

#include "migrate/hex.hpp"

#include <cstring>

namespace migrate {

namespace {

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// The one-letter escapes and the bytes they name, position for position.
constexpr const char *k_named = "bfnrtv";
constexpr char k_bytes[] = {'\b', '\f', '\n', '\r', '\t', '\v'};

// Decodes the escapes of one field into `out`.
void decode_field(std::string_view field, std::string &out) {
  out.clear();
  for (std::size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      out.push_back(c);
      continue;
    }
    const char e = field[++i];
    if (const char *named = std::strchr(k_named, e); named != nullptr && e != '\0') {
      out.push_back(k_bytes[named - k_named]);
    } else if (e == 'x' && i + 1 < field.size() && hex_digit_value(field[i + 1]) >= 0) {
      int value = hex_digit_value(field[++i]);
      if (i + 1 < field.size() && hex_digit_value(field[i + 1]) >= 0) {
        value = value * 16 + hex_digit_value(field[++i]);
      }
      out.push_back(static_cast<char>(value));
    } else if (is_octal(e)) {
      int value = e - '0';
      for (int digits = 1; digits < 3 && i + 1 < field.size() && is_octal(field[i + 1]); ++digits) {
        value = value * 8 + (field[++i] - '0');
      }
      out.push_back(static_cast<char>(value));
    } else {
      out.push_back(e); // "\\" and any other character taken as it is
    }
  }
}

} // namespace

bool CopyLine::parse(std::string_view line, std::size_t expected) {
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
  }
  if (m_text.size() < expected) {
    m_text.resize(expected);
    m_null.resize(expected);
  }
  m_count = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    const std::string_view field =
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    if (m_count == expected) {
      return false;
    }
    m_null[m_count] = field == "\\N";
    if (m_null[m_count]) {
      m_text[m_count].clear();
    } else {
      decode_field(field, m_text[m_count]);
    }
    ++m_count;
    if (tab == std::string_view::npos) {
      break;
    }
    start = tab + 1;
  }
  return m_count == expected;
}

} // namespace migrate
