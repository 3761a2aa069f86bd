#include "migrate/utf8.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace migrate;
using namespace std::string_literals;

namespace {
constexpr auto none = std::string_view::npos;
}

TEST_CASE("utf8_length counts characters as the server's error positions do", "[utf8]") {
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("caf\xC3\xA9") == 4);
  CHECK(utf8_length("\xF0\x9F\x98\x80!") == 2);
}

TEST_CASE("first_invalid_utf8 finds what PostgreSQL's UTF-8 check refuses", "[utf8]") {
  CHECK(first_invalid_utf8("") == none);
  CHECK(first_invalid_utf8("SELECT 'caf\xC3\xA9', '\xE2\x82\xAC', '\xF0\x9F\x98\x80';") == none);
  CHECK(first_invalid_utf8("\xEF\xBF\xBF \xF4\x8F\xBF\xBF") == none); // U+FFFF, U+10FFFF
  CHECK(first_invalid_utf8("SELECT 'caf\xE9';") == 11);               // LATIN1 é
  CHECK(first_invalid_utf8("ab\x80") == 2);                           // a lone continuation
  CHECK(first_invalid_utf8("ab\xC3") == 2);                           // cut short at the end
  CHECK(first_invalid_utf8("ab\xE2\x82z") == 2);                      // cut short inside
  CHECK(first_invalid_utf8("\xC0\xAF") == 0);                         // overlong '/'
  CHECK(first_invalid_utf8("\xE0\x80\xAF") == 0);                     // overlong, 3 bytes
  CHECK(first_invalid_utf8("\xF0\x80\x80\xAF") == 0);                 // overlong, 4 bytes
  CHECK(first_invalid_utf8("x\xED\xA0\x80") == 1);                    // a surrogate
  CHECK(first_invalid_utf8("\xF4\x90\x80\x80") == 0);                 // above U+10FFFF
  CHECK(first_invalid_utf8("\xF5\x80\x80\x80") == 0);
  CHECK(first_invalid_utf8("\xFF") == 0);
  CHECK(first_invalid_utf8("a\0b"s) == 1); // NUL
}
