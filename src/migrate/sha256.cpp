#include "migrate/sha256.hpp"

#include <algorithm>

namespace migrate {
namespace {

constexpr std::array<std::uint32_t, 64> k_round_constants{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::size_t k_block_size = 64;
constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";
constexpr std::string_view k_crlf = "\r\n";

std::uint32_t rotr(std::uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

std::uint32_t load_be32(const char *p) {
  const auto byte = [p](int i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i]));
  };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

std::string_view strip_bom(std::string_view content) {
  if (content.substr(0, k_utf8_bom.size()) == k_utf8_bom) {
    content.remove_prefix(k_utf8_bom.size());
  }
  return content;
}

// Calls `sink` with consecutive pieces of the normalised text; a CRLF is emitted as its LF,
// which starts the following piece.
template <typename Sink> void for_each_normalized_piece(std::string_view content, Sink &&sink) {
  const std::string_view text = strip_bom(content);
  std::size_t start = 0;
  while (true) {
    const std::size_t cr = text.find(k_crlf, start);
    if (cr == std::string_view::npos) {
      sink(text.substr(start));
      return;
    }
    sink(text.substr(start, cr - start));
    start = cr + 1;
  }
}

} // namespace

void Sha256::update(std::string_view data) {
  m_total_len += data.size();
  if (m_buffer_len > 0) {
    const std::size_t take = std::min(k_block_size - m_buffer_len, data.size());
    data.copy(m_buffer.data() + m_buffer_len, take);
    m_buffer_len += take;
    data.remove_prefix(take);
    if (m_buffer_len < k_block_size) {
      return;
    }
    process_block(m_buffer.data());
    m_buffer_len = 0;
  }
  // Whole blocks are hashed straight from the caller's memory to avoid a copy.
  while (data.size() >= k_block_size) {
    process_block(data.data());
    data.remove_prefix(k_block_size);
  }
  m_buffer_len = data.copy(m_buffer.data(), data.size());
}

std::string Sha256::hex_digest() const {
  // Padding a copy keeps this object usable for further updates.
  Sha256 tail = *this;
  const std::uint64_t bit_len = m_total_len * 8;
  std::array<char, k_block_size + 8> padding{};
  padding[0] = static_cast<char>(0x80);
  const std::size_t pad_len = m_buffer_len < 56 ? 56 - m_buffer_len : 120 - m_buffer_len;
  for (std::size_t i = 0; i < 8; ++i) {
    padding[pad_len + i] = static_cast<char>((bit_len >> (56 - 8 * i)) & 0xff);
  }
  tail.update(std::string_view(padding.data(), pad_len + 8));

  constexpr std::string_view k_hex_digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (const std::uint32_t word : tail.m_state) {
    for (int shift = 28; shift >= 0; shift -= 4) {
      hex.push_back(k_hex_digits[(word >> shift) & 0xf]);
    }
  }
  return hex;
}

void Sha256::process_block(const char *block) {
  std::array<std::uint32_t, 64> w{};
  for (std::size_t i = 0; i < 16; ++i) {
    w[i] = load_be32(block + 4 * i);
  }
  for (std::size_t i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }

  std::uint32_t a = m_state[0];
  std::uint32_t b = m_state[1];
  std::uint32_t c = m_state[2];
  std::uint32_t d = m_state[3];
  std::uint32_t e = m_state[4];
  std::uint32_t f = m_state[5];
  std::uint32_t g = m_state[6];
  std::uint32_t h = m_state[7];
  for (std::size_t i = 0; i < 64; ++i) {
    const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const std::uint32_t choice = (e & f) ^ (~e & g);
    const std::uint32_t t1 = h + s1 + choice + k_round_constants[i] + w[i];
    const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  m_state[0] += a;
  m_state[1] += b;
  m_state[2] += c;
  m_state[3] += d;
  m_state[4] += e;
  m_state[5] += f;
  m_state[6] += g;
  m_state[7] += h;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.hex_digest();
}

std::string normalize_sql(std::string_view file_content) {
  std::string normalized;
  normalized.reserve(file_content.size());
  for_each_normalized_piece(file_content,
                            [&normalized](std::string_view piece) { normalized += piece; });
  return normalized;
}

std::string checksum(std::string_view file_content) {
  Sha256 hasher;
  for_each_normalized_piece(file_content,
                            [&hasher](std::string_view piece) { hasher.update(piece); });
  return hasher.hex_digest();
}

} // namespace migrate
