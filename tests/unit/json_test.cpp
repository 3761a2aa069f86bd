#include "migrate/json.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using migrate::json_string;
using migrate::json_string_array;

TEST_CASE("json_string quotes and escapes", "[json]") {
  using namespace std::string_literals;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "\"\""},
      {"plain text", "\"plain text\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"C:\\path\\x", "\"C:\\\\path\\\\x\""},
      {"line1\nline2", "\"line1\\nline2\""},
      {"cr\rlf", "\"cr\\rlf\""},
      {"tab\there", "\"tab\\there\""},
      {"bell\x07", "\"bell\\u0007\""},
      {"\x01\x1f", "\"\\u0001\\u001f\""},
      {"nul\0byte"s, "\"nul\\u0000byte\""},
      {"\b\f", "\"\\u0008\\u000c\""},
      {"slash / and del \x7f", "\"slash / and del \x7f\""},
      {"caf\xc3\xa9 \xe2\x9c\x93", "\"caf\xc3\xa9 \xe2\x9c\x93\""},
      {"\xff\x80", "\"\xff\x80\""},
      {"'single'", "\"'single'\""},
  };
  for (const auto &[text, expected] : cases) {
    INFO("text: " << text);
    CHECK(json_string(text) == expected);
  }
}

TEST_CASE("json_string output has no raw control characters", "[json]") {
  std::string all;
  for (int c = 0; c < 0x20; ++c) {
    all += static_cast<char>(c);
  }
  const std::string out = json_string(all);
  for (char c : out) {
    CHECK(static_cast<unsigned char>(c) >= 0x20);
  }
  CHECK(out.front() == '"');
  CHECK(out.back() == '"');
}

TEST_CASE("json_string_array joins escaped strings", "[json]") {
  CHECK(json_string_array({}) == "[]");
  CHECK(json_string_array({"a"}) == "[\"a\"]");
  CHECK(json_string_array({"a\"b", "", "c\n"}) == "[\"a\\\"b\",\"\",\"c\\n\"]");
}
