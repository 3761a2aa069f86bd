#include "migrate/checksum.hpp"
#include "migrate/hex.hpp"
#include "migrate/sha256.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <sstream>
#include <string>

using namespace migrate;

TEST_CASE("a checksum is its 32 bytes, read from and written as hex", "[checksum]") {
  const std::string hex = sha256_hex("select 1;\n");
  const Checksum parsed = Checksum::from_hex(hex);
  CHECK(parsed.is_sha256());
  CHECK_FALSE(parsed.empty());
  CHECK(parsed.hex() == hex);
  CHECK(parsed == checksum("select 1;\n"));
  CHECK(parsed != checksum("select 2;\n"));
  CHECK(Checksum::from_bytes(parsed.bytes().data()) == parsed);

  std::string upper = hex;
  for (char &c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  CHECK(Checksum::from_hex(upper) == parsed); // the same 32 bytes, printed lowercase
  CHECK(Checksum::from_hex(upper).hex() == hex);

  std::ostringstream out;
  out << parsed;
  CHECK(out.str() == hex);

  std::string reused(100, 'x');
  parsed.hex_into(reused);
  CHECK(reused == hex);

  char buffer[Checksum::k_hex_chars_max + 1] = {};
  CHECK(parsed.hex_to(buffer) == buffer + 64);
  CHECK(std::string(buffer, 64) == hex);
}

TEST_CASE("no checksum is empty, prints as nothing and equals only itself", "[checksum]") {
  const Checksum none;
  CHECK(none.empty());
  CHECK_FALSE(none.is_sha256());
  CHECK(none.hex().empty());
  char buffer[Checksum::k_hex_chars_max];
  CHECK(none.hex_to(buffer) == buffer);
  CHECK(Checksum::from_hex("") == none);
  CHECK(none != checksum(""));
}

TEST_CASE("text that is not a SHA-256 equals no checksum, not even itself", "[checksum]") {
  for (const std::string &text :
       {std::string("abc"), std::string(64, 'g'), std::string(63, 'a'), std::string(65, 'a')}) {
    CAPTURE(text);
    const Checksum foreign = Checksum::from_hex(text);
    CHECK_FALSE(foreign.empty());
    CHECK_FALSE(foreign.is_sha256());
    CHECK(foreign.hex() == "not-a-sha256");
    char buffer[Checksum::k_hex_chars_max];
    CHECK(std::string(buffer, foreign.hex_to(buffer)) == "not-a-sha256");
    CHECK(foreign != foreign);
    CHECK(foreign != Checksum());
    CHECK(foreign != checksum(""));
  }
}

TEST_CASE("hex_digit_value knows the 22 hex digits and refuses every other byte", "[checksum]") {
  for (int c = 0; c < 256; ++c) {
    CAPTURE(c);
    int expected = -1;
    if (c >= '0' && c <= '9') {
      expected = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      expected = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      expected = c - 'A' + 10;
    }
    CHECK(hex_digit_value(static_cast<char>(c)) == expected);
  }
  // A checksum with one byte that is not a digit, wherever it is, is not a SHA-256.
  const std::string hex = sha256_hex("x");
  for (std::size_t i = 0; i < hex.size(); ++i) {
    for (const char bad : {'g', 'G', ' ', '\0', '\xff', '/', ':', '@', '`'}) {
      std::string text = hex;
      text[i] = bad;
      CHECK_FALSE(Checksum::from_hex(text).is_sha256());
    }
  }
}
