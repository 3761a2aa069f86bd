#pragma once
// Migration versions: 14-digit UTC timestamps, YYYYMMDDHHMMSS.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace migrate {

// A migration version. 0 is never a migration; as a target it means "before
// the first migration".
using Version = std::uint64_t;

// Parses exactly 14 ASCII digits. Returns std::nullopt for anything else.
std::optional<Version> parse_version(std::string_view text);

// Parses a target given on the command line: 14 digits, or "0".
std::optional<Version> parse_target(std::string_view text);

// Formats a version as its 14 digits (zero-padded).
std::string format_version(Version version);

// Writes format_version(version) at `out`, which has room for k_version_chars_max, and returns
// the end of what it wrote. For loops over whole trees, where a string each costs.
constexpr std::size_t k_version_chars_max = 20;
char *format_version_to(char *out, Version version);

// The version for a UTC point in time (seconds since the epoch).
Version version_from_time(std::time_t utc_seconds);

// The version one second after `version`, carrying into minutes, hours, days,
// months and years as a clock would.
Version next_second(Version version);

// A parsed migration directory name `<version>_<name>`.
struct DirName {
  Version version;
  std::string name;
};

// Parses a directory name: 14 digits, `_`, then a name of one or more of
// [a-z0-9_-]. Returns std::nullopt when the name does not match.
std::optional<DirName> parse_dir_name(std::string_view dir_name);

// Turns free text into a safe migration name: lowercase ASCII letters and
// digits, every other run of characters becomes one `_`, trimmed, at most 100
// characters. Returns an empty string when nothing usable is left.
std::string slugify(std::string_view text);

// Milliseconds since 1970-01-01 UTC from the float8 text of seconds that
// date_part('epoch', ...) prints ("1795455886.481792"), truncated as to_char
// truncates; std::nullopt when it is not such a number (negative, exponent,
// infinity: not the time of a real apply).
std::optional<std::int64_t> parse_epoch_ms(std::string_view seconds);

// `ms` since 1970-01-01 UTC as ISO 8601 ("2026-11-23T17:44:46.481Z"), as to_char
// formatted it, written into `out` (its storage reused). A time before 1970 or
// after year 9999 is written as "<ms>ms".
void format_utc_ms(std::int64_t ms, std::string &out);

} // namespace migrate
