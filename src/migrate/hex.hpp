#pragma once
// Hexadecimal digits: checksums (checksum.cpp), percent-encoded URLs (conninfo.cpp) and the
// \x escapes of COPY text (copy_text.cpp).

namespace migrate {

// The value of the hex digit `c` (either case), or -1 when it is not one.
inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace migrate
