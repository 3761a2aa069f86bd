#include "migrate/utf8.hpp"

namespace migrate {

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    n += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

std::size_t first_invalid_utf8(std::string_view text) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = byte(i);
    if (lead >= 0x01 && lead <= 0x7F) {
      ++i;
      continue;
    }
    // The length of the sequence, and the range its second byte must be in
    // (RFC 3629's table, as pg_utf8_islegal checks it).
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      low = lead == 0xE0 ? 0xA0 : 0x80;
      high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      low = lead == 0xF0 ? 0x90 : 0x80;
      high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
      return i; // NUL, a continuation byte, C0/C1, F5-FF
    }
    if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high) {
      return i;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) {
        return i;
      }
    }
    i += length;
  }
  return std::string_view::npos;
}

} // namespace migrate
