#pragma once
// One line of PostgreSQL's COPY ... TO STDOUT text format, split into its fields. The history is
// read as a COPY so that its rows arrive one at a time (see PqBatch in pq_batch.hpp) instead of
// as one result holding all of them.

#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// The fields of one COPY text line, storage reused from line to line.
class CopyLine {
public:
  // Splits `line` (with or without its final '\n') at tabs and decodes each field: `\N` alone
  // is NULL; `\b \f \n \r \t \v`, `\` + 1-3 octal digits and `\x` + 1-2 hex digits are the
  // bytes they name; a backslash before any other character keeps that character. Returns
  // false when the line does not have exactly `expected` fields.
  bool parse(std::string_view line, std::size_t expected);

  std::size_t size() const { return m_count; }
  bool is_null(std::size_t i) const { return m_null[i]; }
  // The decoded text of field `i` ("" for NULL). Valid until the next parse().
  const std::string &text(std::size_t i) const { return m_text[i]; }

private:
  std::vector<std::string> m_text;
  std::vector<bool> m_null;
  std::size_t m_count = 0;
};

} // namespace migrate
