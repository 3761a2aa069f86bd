#pragma once
// PostgreSQL's own 64-bit hash of a string, computed by the client: what
// `hashtextextended(text, seed)` returns on a little-endian server for a text
// of a deterministic collation (every database default is one). The history's
// digest (HistorySql::select_digest, history_digest in plan.hpp) is built from
// it on both sides, because the server computes it far more cheaply than
// sha256() over a string of every row. It is not a cryptographic hash: it
// only has to tell apart histories that differ by accident. A server that
// hashes otherwise (big-endian, or a future version that changes the
// function) gives other digests, and a run then takes the slower path that
// reads the rows: slower, never wrong.

#include <cstdint>
#include <string_view>

namespace migrate {

// Bob Jenkins' lookup3 hash as PostgreSQL's hash_bytes_extended() computes
// it for `bytes` with `seed` (0: none), the bytes read as little-endian words.
// hashtextextended returns it as a signed bigint: reinterpret the bits.
std::uint64_t pg_hash_bytes_extended(std::string_view bytes, std::uint64_t seed);

} // namespace migrate
