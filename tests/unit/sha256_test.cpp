#include "migrate/sha256.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>

using migrate::checksum;
using migrate::normalize_sql;
using migrate::Sha256;
using migrate::sha256_hex;

TEST_CASE("sha256_hex matches the NIST example vectors", "[sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256_hex handles lengths around the padding boundaries", "[sha256]") {
  // References from `head -c N /dev/zero | tr '\0' a | sha256sum`.
  const auto [length, expected] = GENERATE(table<std::size_t, std::string>({
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
      {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
  }));
  CAPTURE(length);
  CHECK(sha256_hex(std::string(length, 'a')) == expected);
}

TEST_CASE("Sha256 gives the same digest however the input is chunked", "[sha256]") {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    data.push_back(static_cast<char>((i * 7 + 3) % 256));
  }
  const std::string expected = sha256_hex(data);
  const std::size_t chunk = GENERATE(1, 3, 55, 63, 64, 65, 127, 299);
  CAPTURE(chunk);
  Sha256 hasher;
  for (std::size_t pos = 0; pos < data.size(); pos += chunk) {
    hasher.update(std::string_view(data).substr(pos, chunk));
  }
  CHECK(hasher.hex_digest() == expected);
}

TEST_CASE("Sha256::hex_digest does not disturb further updates", "[sha256]") {
  Sha256 hasher;
  hasher.update("The quick brown fox ");
  CHECK(hasher.hex_digest() == sha256_hex("The quick brown fox "));
  hasher.update("jumps over the lazy dog");
  CHECK(hasher.hex_digest() == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
  CHECK(hasher.hex_digest() == hasher.hex_digest());
  CHECK(Sha256().hex_digest() == sha256_hex(""));
}

TEST_CASE("normalize_sql strips one BOM and turns CRLF into LF", "[sha256]") {
  using Case = std::pair<std::string, std::string>;
  const auto [input, expected] = GENERATE(values<Case>({
      {"", ""},
      {"select 1;\n", "select 1;\n"},
      {"\xEF\xBB\xBF", ""},
      {"\xEF\xBB\xBFselect 1;", "select 1;"},
      {"\xEF\xBB\xBF\xEF\xBB\xBFx", "\xEF\xBB\xBFx"},
      {"x\xEF\xBB\xBF", "x\xEF\xBB\xBF"},
      {"\xEF\xBB", "\xEF\xBB"},
      {"a\r\nb\r\n", "a\nb\n"},
      {"\r\n\r\n", "\n\n"},
      {"a\rb", "a\rb"},
      {"a\r\r\nb", "a\r\nb"},
      {"a\n\rb", "a\n\rb"},
      {"trailing\r", "trailing\r"},
      {"\xEF\xBB\xBF\r\nx", "\nx"},
  }));
  CAPTURE(input);
  CHECK(normalize_sql(input) == expected);
}

TEST_CASE("checksum equals sha256 of the normalised text", "[sha256]") {
  CHECK(checksum("x\r\n") == checksum("x\n"));
  CHECK(checksum("\xEF\xBB\xBFx\n") == checksum("x\n"));
  CHECK(checksum("x\n").hex() ==
        "73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac");
  CHECK(checksum("x\r") != checksum("x\n"));
  CHECK(checksum("").hex() == sha256_hex(""));

  SECTION("CRLF straddling or touching a 64-byte block boundary") {
    // The CR lands at each offset around the first two block boundaries, so the LF (or the
    // byte after a dropped CR) falls on the boundary in some case.
    const std::size_t cr_offset =
        GENERATE(range<std::size_t>(60, 70), range<std::size_t>(124, 132));
    const bool with_bom = GENERATE(false, true);
    std::string content = with_bom ? "\xEF\xBB\xBF" : "";
    content += std::string(cr_offset, 'q') + "\r\nselect 1;\r\n" + std::string(70, 'z') + "\r";
    CAPTURE(cr_offset, with_bom);
    const std::string normalized = normalize_sql(content);
    CHECK(normalized.find("\r\n") == std::string::npos);
    CHECK(normalized.back() == '\r');
    CHECK(checksum(content).hex() == sha256_hex(normalized));
  }
}
