#include "migrate/pg_hash.hpp"

namespace migrate {

namespace {

constexpr std::uint32_t rotate(std::uint32_t x, int k) {
  return (x << k) | (x >> (32 - k));
}

// Inlined by force: GCC kept mix() a call, which sends a, b and c through memory every 12
// bytes, and hashing the tree's lines for a no-op's digest took twice as long.
[[gnu::always_inline]] inline void mix(std::uint32_t &a, std::uint32_t &b, std::uint32_t &c) {
  a -= c;
  a ^= rotate(c, 4);
  c += b;
  b -= a;
  b ^= rotate(a, 6);
  a += c;
  c -= b;
  c ^= rotate(b, 8);
  b += a;
  a -= c;
  a ^= rotate(c, 16);
  c += b;
  b -= a;
  b ^= rotate(a, 19);
  a += c;
  c -= b;
  c ^= rotate(b, 4);
  b += a;
}

[[gnu::always_inline]] inline void final_mix(std::uint32_t &a, std::uint32_t &b, std::uint32_t &c) {
  c ^= b;
  c -= rotate(b, 14);
  a ^= c;
  a -= rotate(c, 11);
  b ^= a;
  b -= rotate(a, 25);
  c ^= b;
  c -= rotate(b, 16);
  a ^= c;
  a -= rotate(c, 4);
  b ^= a;
  b -= rotate(a, 14);
  c ^= b;
  c -= rotate(b, 24);
}

// Up to four bytes from `p` as a little-endian word, the missing high bytes zero.
std::uint32_t word(const unsigned char *p, std::size_t n) {
  std::uint32_t w = 0;
  for (std::size_t i = 0; i < n && i < 4; ++i) {
    w |= std::uint32_t{p[i]} << (8 * i);
  }
  return w;
}

} // namespace

std::uint64_t pg_hash_bytes_extended(std::string_view bytes, std::uint64_t seed) {
  const auto *k = reinterpret_cast<const unsigned char *>(bytes.data());
  std::size_t len = bytes.size();
  std::uint32_t a = 0x9e3779b9U + static_cast<std::uint32_t>(len) + 3923095U;
  std::uint32_t b = a;
  std::uint32_t c = a;
  if (seed != 0) {
    // The seed as a 12-byte block of its own: high word, low word, zeros.
    a += static_cast<std::uint32_t>(seed >> 32);
    b += static_cast<std::uint32_t>(seed);
    mix(a, b, c);
  }
  while (len >= 12) {
    a += word(k, 4);
    b += word(k + 4, 4);
    c += word(k + 8, 4);
    mix(a, b, c);
    k += 12;
    len -= 12;
  }
  // The last 0 to 11 bytes: a takes bytes 0-3, b 4-7, c 8-10 shifted one
  // byte up (PostgreSQL keeps c's lowest byte out of it).
  if (len > 0) {
    a += word(k, len);
  }
  if (len > 4) {
    b += word(k + 4, len - 4);
  }
  if (len > 8) {
    c += word(k + 8, len - 8) << 8;
  }
  final_mix(a, b, c);
  return (std::uint64_t{b} << 32) | c;
}

} // namespace migrate
