#pragma once
// Hexadecimal digits: checksums (checksum.cpp), percent-encoded URLs (conninfo.cpp) and the
// \x escapes of COPY text (copy_text.cpp).

namespace migrate {

// The value of every byte as a hex digit (either case), -1 for the bytes that are not one: a
// table, as 64-digit checksums read by the thousand made the comparisons' mispredicted branches
// show in profiles.
struct HexDigitTable {
  signed char value[256];
  constexpr HexDigitTable() : value() {
    for (int c = 0; c < 256; ++c) {
      value[c] = c >= '0' && c <= '9'   ? static_cast<signed char>(c - '0')
                 : c >= 'a' && c <= 'f' ? static_cast<signed char>(c - 'a' + 10)
                 : c >= 'A' && c <= 'F' ? static_cast<signed char>(c - 'A' + 10)
                                        : static_cast<signed char>(-1);
    }
  }
};
inline constexpr HexDigitTable k_hex_digit_table{};

// The value of the hex digit `c` (either case), or -1 when it is not one.
inline int hex_digit_value(char c) {
  return k_hex_digit_table.value[static_cast<unsigned char>(c)];
}

} // namespace migrate
