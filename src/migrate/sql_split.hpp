#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace migrate {

// One top-level statement of a SQL text, located by byte offsets into that text.
struct Statement {
  std::size_t offset = 0; // byte offset of the statement's first token in the input
  std::size_t length = 0; // bytes through the last token: no ';', no trailing comments/whitespace
  std::size_t line = 0;   // 1-based line of the first token (only '\n' counts; CRLF == LF)
  // True only for the last statement, when the input ends inside a quoted string, quoted
  // identifier, dollar quote or block comment; the statement then runs to the end of the input.
  bool unterminated = false;
};

// Splits SQL into top-level statements where psql 15 would split it, in linear time. Skips a
// leading UTF-8 BOM and drops statements holding only comments/whitespace. psql backslash
// meta-commands are not recognised (plain text); `:name` stays verbatim, like an unset variable.
std::vector<Statement> split_statements(std::string_view sql);

// The text of `statement` within `sql`, which must be the text it was split from.
std::string_view statement_text(std::string_view sql, const Statement &statement);

} // namespace migrate
