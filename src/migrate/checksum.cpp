#include "migrate/checksum.hpp"

#include "migrate/hex.hpp"

#include <cstring>

namespace migrate {

namespace {

constexpr const char *k_foreign = "not-a-sha256";

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
  for (std::size_t i = 0; i < checksum.m_bytes.size(); ++i) {
    const int high = hex_digit_value(hex[2 * i]);
    const int low = hex_digit_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      checksum.m_bytes.fill(0);
      return checksum;
    }
    checksum.m_bytes[i] = static_cast<unsigned char>(high << 4 | low);
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

void Checksum::hex_into(std::string &out) const {
  if (m_kind == Kind::none) {
    out.clear();
    return;
  }
  if (m_kind == Kind::foreign) {
    out = k_foreign;
    return;
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  out.resize(2 * m_bytes.size());
  for (std::size_t i = 0; i < m_bytes.size(); ++i) {
    out[2 * i] = k_hex[m_bytes[i] >> 4];
    out[2 * i + 1] = k_hex[m_bytes[i] & 0x0F];
  }
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
