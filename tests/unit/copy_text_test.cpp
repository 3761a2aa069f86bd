#include "migrate/copy_text.hpp"

#include <catch2/catch.hpp>

#include <string>

using migrate::CopyLine;

TEST_CASE("CopyLine splits a COPY text line at tabs and drops its newline", "[copy]") {
  CopyLine line;
  REQUIRE(line.parse("20240101000000\tcreate_users\t\t42\n", 4));
  REQUIRE(line.size() == 4);
  CHECK(line.text(0) == "20240101000000");
  CHECK(line.text(1) == "create_users");
  CHECK(line.text(2).empty());
  CHECK_FALSE(line.is_null(2));
  CHECK(line.text(3) == "42");
}

TEST_CASE("CopyLine reads \\N alone as NULL and decodes every escape", "[copy]") {
  CopyLine line;
  REQUIRE(
      line.parse("\\N\t\\\\N\ta\\tb\\nc\\\\d\\re\\bf\\fg\\vh\t\\101\\60x\\x41\\x4a1\\xz\t\\q", 5));
  CHECK(line.is_null(0));
  CHECK(line.text(0).empty());
  CHECK_FALSE(line.is_null(1));
  CHECK(line.text(1) == "\\N");
  CHECK(line.text(2) == "a\tb\nc\\d\re\bf\fg\vh");
  CHECK(line.text(3) == "A0xAJ1xz");
  CHECK(line.text(4) == "q");
}

TEST_CASE("CopyLine refuses a line with another number of fields", "[copy]") {
  CopyLine line;
  CHECK_FALSE(line.parse("a\tb\tc\n", 2));
  CHECK_FALSE(line.parse("a\tb\n", 3));
  CHECK(line.parse("a\tb\n", 2));
  CHECK(line.parse("\n", 1));
  CHECK(line.text(0).empty());
}

TEST_CASE("CopyLine reuses its storage from line to line", "[copy]") {
  CopyLine line;
  REQUIRE(line.parse("a long first value that is not short\tx", 2));
  REQUIRE(line.parse("b\t\\N", 2));
  CHECK(line.text(0) == "b");
  CHECK(line.is_null(1));
  CHECK(line.text(1).empty());
}
