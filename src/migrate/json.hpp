#pragma once
// Minimal JSON text helpers for machine-readable output.

#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// Returns `text` as a JSON string literal, quotes included, escaping quotes,
// backslashes and control characters. Bytes >= 0x80 pass through unchanged.
std::string json_string(std::string_view text);

// `texts` as a JSON array of strings: ["a","b"], or [] when empty.
std::string json_string_array(const std::vector<std::string> &texts);

} // namespace migrate
