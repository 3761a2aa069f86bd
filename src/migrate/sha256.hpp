#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace migrate {

// Incremental SHA-256 (FIPS 180-4). Feed bytes with update(); hex_digest() may be called at
// any time, does not disturb the state, and reflects everything fed so far.
class Sha256 {
public:
  // Appends `data` to the message being hashed.
  void update(std::string_view data);

  // Lowercase hex digest (64 chars) of all bytes passed to update() so far.
  std::string hex_digest() const;

private:
  void process_block(const char *block);

  std::array<std::uint32_t, 8> m_state{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<char, 64> m_buffer{};
  std::size_t m_buffer_len = 0;
  std::uint64_t m_total_len = 0;
};

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The checksum normalisation of a migration file: drops one leading UTF-8 BOM (EF BB BF) and
// turns every CRLF into LF. A CR not followed by LF is kept.
std::string normalize_sql(std::string_view file_content);

// sha256_hex(normalize_sql(file_content)), computed without building the normalised copy.
std::string checksum(std::string_view file_content);

} // namespace migrate
