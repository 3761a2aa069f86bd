#pragma once
// SHA-256 and the checksum of migration files. The only user of OpenSSL's libcrypto (already a
// dependency of libpq), which uses the CPU's SHA instructions where there are any.

#include "migrate/checksum.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace migrate {

// Incremental SHA-256 (FIPS 180-4). Feed bytes with update(); hex_digest() may be called at
// any time, does not disturb the state, and reflects everything fed so far. Not copyable; one
// per thread.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256 &) = delete;
  Sha256 &operator=(const Sha256 &) = delete;

  // Appends `data` to the message being hashed.
  void update(std::string_view data);

  // Lowercase hex digest (64 chars) of all bytes passed to update() so far.
  std::string hex_digest() const;

  // The same digest as a Checksum (its 32 bytes).
  Checksum digest() const;

  // Starts a new message, as a freshly constructed hasher would.
  void reset();

private:
  struct Context;
  std::unique_ptr<Context> m_context;
};

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The checksum normalisation of a migration file: drops one leading UTF-8 BOM (EF BB BF) and
// turns every CRLF into LF. A CR not followed by LF is kept.
std::string normalize_sql(std::string_view file_content);

// The SHA-256 of normalize_sql(file_content) (hex(): sha256_hex of it), computed without
// building the normalised copy.
Checksum checksum(std::string_view file_content);

// The same, reusing `hasher` (reset first): cheaper when hashing many files.
Checksum checksum(std::string_view file_content, Sha256 &hasher);

} // namespace migrate
