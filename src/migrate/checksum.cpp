#include "migrate/checksum.hpp"

#include "migrate/hex.hpp"

#include <cstring>

namespace migrate {

namespace {

constexpr char k_foreign[] = "not-a-sha256";

} // namespace

Checksum Checksum::from_hex(std::string_view hex) {
  Checksum checksum;
  if (hex.empty()) {
    return checksum;
  }
  checksum.m_kind = Kind::foreign;
  if (hex.size() != 2 * checksum.m_bytes.size()) {
    return checksum;
  }
  // Without a branch per digit: a digit that is not one (-1) leaves `bad` negative.
  int bad = 0;
  for (std::size_t i = 0; i < checksum.m_bytes.size(); ++i) {
    const int high = hex_digit_value(hex[2 * i]);
    const int low = hex_digit_value(hex[2 * i + 1]);
    bad |= high | low;
    checksum.m_bytes[i] = static_cast<unsigned char>((static_cast<unsigned>(high) & 0x0F) << 4 |
                                                     (static_cast<unsigned>(low) & 0x0F));
  }
  if (bad < 0) {
    checksum.m_bytes.fill(0);
    return checksum;
  }
  checksum.m_kind = Kind::sha256;
  return checksum;
}

Checksum Checksum::from_bytes(const unsigned char *bytes) {
  Checksum checksum;
  std::memcpy(checksum.m_bytes.data(), bytes, checksum.m_bytes.size());
  checksum.m_kind = Kind::sha256;
  return checksum;
}

char *Checksum::hex_to(char *out) const {
  if (m_kind == Kind::none) {
    return out;
  }
  if (m_kind == Kind::foreign) {
    static_assert(sizeof k_foreign - 1 <= k_hex_chars_max);
    std::memcpy(out, k_foreign, sizeof k_foreign - 1);
    return out + (sizeof k_foreign - 1);
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  for (const unsigned char byte : m_bytes) {
    *out++ = k_hex[byte >> 4];
    *out++ = k_hex[byte & 0x0F];
  }
  return out;
}

void Checksum::hex_into(std::string &out) const {
  char buffer[k_hex_chars_max];
  out.assign(buffer, hex_to(buffer));
}

std::string Checksum::hex() const {
  std::string out;
  hex_into(out);
  return out;
}

std::ostream &operator<<(std::ostream &out, const Checksum &checksum) {
  return out << checksum.hex();
}

} // namespace migrate
