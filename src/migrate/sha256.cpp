#include "migrate/sha256.hpp"

#include <openssl/sha.h>

#include <stdexcept>

namespace migrate {
namespace {

constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";
constexpr std::string_view k_crlf = "\r\n";

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

void check(int ok, const char *what) {
  if (ok != 1) {
    throw std::runtime_error(std::string("SHA-256: ") + what + " failed (OpenSSL)");
  }
}

} // namespace

// OpenSSL's SHA256_* functions call the block function (SHA-NI or AVX2
// where the CPU has them) directly. They are deprecated in OpenSSL 3 in
// favour of EVP, but the first EVP fetch initialises the library: it reads
// openssl.cnf and loads the default provider, about 1 ms of every run
// (measured; docs/performance.md), more than hashing 1000 migrations.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
struct Sha256::Context {
  SHA256_CTX ctx{};
};

Sha256::Sha256() : m_context(std::make_unique<Context>()) {
  reset();
}

Sha256::~Sha256() = default;

void Sha256::reset() {
  check(SHA256_Init(&m_context->ctx), "init");
}

void Sha256::update(std::string_view data) {
  check(SHA256_Update(&m_context->ctx, data.data(), data.size()), "update");
}

Checksum Sha256::digest() const {
  SHA256_CTX copy = m_context->ctx;
  unsigned char bytes[SHA256_DIGEST_LENGTH];
  check(SHA256_Final(bytes, &copy), "final");
  return Checksum::from_bytes(bytes);
}

std::string Sha256::hex_digest() const {
  return digest().hex();
}
#pragma GCC diagnostic pop

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

Checksum checksum(std::string_view file_content, Sha256 &hasher) {
  hasher.reset();
  for_each_normalized_piece(file_content,
                            [&hasher](std::string_view piece) { hasher.update(piece); });
  return hasher.digest();
}

Checksum checksum(std::string_view file_content) {
  Sha256 hasher;
  return checksum(file_content, hasher);
}

} // namespace migrate
