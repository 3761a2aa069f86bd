#pragma once
// UTF-8 as PostgreSQL counts and checks it: the server's error positions count
// characters, and it refuses a query holding a byte sequence that is not UTF-8
// without saying where.

#include <cstddef>
#include <string_view>

namespace migrate {

// The number of characters in `text`: the bytes that do not continue a UTF-8 sequence
// (10xxxxxx), which is how the server counts an error position.
std::size_t utf8_length(std::string_view text);

// The byte offset in `text` of the first sequence PostgreSQL's UTF-8 check refuses (a bad
// or cut-short sequence, an overlong form, a surrogate, above U+10FFFF, a NUL byte);
// std::string_view::npos when there is none.
std::size_t first_invalid_utf8(std::string_view text);

} // namespace migrate
