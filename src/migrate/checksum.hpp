#pragma once
// The checksum of a migration file (SHA-256, see checksum() in sha256.hpp) as a value: its 32
// bytes. As a 64-character std::string it cost 32 bytes plus an 80-byte heap block, and a run
// holds several per migration (the tree, the history, the plan): 4 MB at 10000 migrations.

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace migrate {

class Checksum {
public:
  // No checksum (a migration without down.sql, a value not computed).
  Checksum() = default;

  // The checksum whose hex form is `hex` (either case); "" gives none. Any other text (a
  // history row edited by hand) gives a checksum that is not empty, prints as `not-a-sha256`
  // and, like a NaN, equals nothing, itself included: such a row always reads as changed
  // (`migrate accept` replaces it).
  static Checksum from_hex(std::string_view hex);

  // The checksum with these 32 bytes.
  static Checksum from_bytes(const unsigned char *bytes);

  bool empty() const { return m_kind == Kind::none; }
  // Whether it is a SHA-256 (not empty, not foreign text).
  bool is_sha256() const { return m_kind == Kind::sha256; }

  // The 64 lowercase hex digits; "" when empty().
  std::string hex() const;

  // Writes hex() into `out`, reusing its storage.
  void hex_into(std::string &out) const;

  // Writes hex() at `out`, which has room for k_hex_chars_max, and returns the end of what it
  // wrote.
  static constexpr std::size_t k_hex_chars_max = 64;
  char *hex_to(char *out) const;

  // The 32 bytes (zeros unless a SHA-256).
  const std::array<unsigned char, 32> &bytes() const { return m_bytes; }

  friend bool operator==(const Checksum &a, const Checksum &b) {
    return a.m_kind == b.m_kind && a.m_kind != Kind::foreign && a.m_bytes == b.m_bytes;
  }
  friend bool operator!=(const Checksum &a, const Checksum &b) { return !(a == b); }

private:
  enum class Kind : std::uint8_t { none, sha256, foreign };
  std::array<unsigned char, 32> m_bytes{};
  Kind m_kind = Kind::none;
};

// Writes checksum.hex().
std::ostream &operator<<(std::ostream &out, const Checksum &checksum);

} // namespace migrate
