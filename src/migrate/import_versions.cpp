// Mapping foreign versions onto ours while keeping the tool's order, and small helpers shared by
// the import scanners.

#include "migrate/error.hpp"
#include "migrate/import_detail.hpp"

#include <algorithm>

namespace fs = std::filesystem;

namespace migrate::import_detail {

namespace {

constexpr Version k_max_version = 99999999999999ULL;

bool is_leap(unsigned year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(unsigned year, unsigned month) {
  static constexpr unsigned k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : k_days[month - 1];
}

// Only real points in time may be moved by a clock second; next_second() would turn a version
// such as 20140929103760 (60 seconds, which diesel projects do have) into garbage.
bool is_valid_timestamp(Version v) {
  const auto sec = static_cast<unsigned>(v % 100);
  const auto min = static_cast<unsigned>(v / 100 % 100);
  const auto hour = static_cast<unsigned>(v / 10000 % 100);
  const auto day = static_cast<unsigned>(v / 1000000 % 100);
  const auto month = static_cast<unsigned>(v / 100000000 % 100);
  const auto year = static_cast<unsigned>(v / 10000000000ULL);
  if (year == 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    return false;
  }
  return hour < 24 && min < 60 && sec < 60;
}

Version bump(Version v) {
  return is_valid_timestamp(v) ? next_second(v) : v + 1;
}

std::string file_of(const ForeignMigration &m) {
  return m.files.empty() ? m.source : m.files.front().string();
}

} // namespace

std::optional<unsigned long long> parse_digits(std::string_view digits) {
  if (!all_digits(digits)) {
    return std::nullopt;
  }
  constexpr unsigned long long k_max = ~0ULL;
  unsigned long long value = 0;
  for (char c : digits) {
    const auto d = static_cast<unsigned long long>(c - '0');
    if (value > (k_max - d) / 10) {
      return std::nullopt;
    }
    value = value * 10 + d;
  }
  return value;
}

Version natural_version(std::string_view digits, const std::string &file) {
  const auto value = parse_digits(digits);
  if (!value) {
    throw TreeError(file + ": version '" + std::string(digits) + "' is not an unsigned integer");
  }
  const bool epoch = digits.front() != '0';
  if (digits.size() == 13 && epoch) {
    return version_from_time(static_cast<std::time_t>(*value / 1000));
  }
  if (digits.size() == 10 && epoch) {
    return version_from_time(static_cast<std::time_t>(*value));
  }
  if (*value > k_max_version) {
    throw TreeError(file + ": version " + std::string(digits) +
                    " needs more than 14 digits and is no timestamp migrate knows");
  }
  return *value == 0 ? Version{1} : *value;
}

void assign_versions(std::vector<ForeignMigration> &migrations, std::string_view tool,
                     std::vector<ImportNote> &notes) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    ForeignMigration &m = migrations[i];
    if (i == 0) {
      m.version = m.natural;
      continue;
    }
    const ForeignMigration &prev = migrations[i - 1];
    if (m.natural < prev.natural) {
      throw TreeError(file_of(m) + ": its version becomes " + format_version(m.natural) +
                      ", before " + format_version(prev.natural) + " of " + file_of(prev) +
                      ", which " + std::string(tool) +
                      " runs first; versions written in different styles (e.g. unix times and "
                      "14-digit timestamps) cannot be converted in order");
    }
    if (m.natural > prev.version) {
      m.version = m.natural;
      continue;
    }
    if (m.natural > prev.natural) {
      throw TreeError(file_of(prev) + ": its version " + format_version(prev.natural) +
                      " collides with the migration before it, and the next free version " +
                      format_version(prev.version) + " is not before " + format_version(m.natural) +
                      " of " + file_of(m) +
                      "; migrate cannot give them distinct versions in the same order");
    }
    m.version = bump(prev.version);
    if (m.version > k_max_version) {
      throw TreeError(file_of(m) + ": no version is left after " + format_version(prev.version));
    }
    notes.push_back({false, m.source + ": version " + format_version(m.natural) +
                                " is also that of " + prev.source + ", which " + std::string(tool) +
                                " runs first; using " + format_version(m.version)});
  }
}

std::vector<fs::path> sorted_entries(const fs::path &dir) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] != '.') {
      entries.push_back(it->path());
    }
  }
  if (ec) {
    throw TreeError(dir.string() + ": cannot read directory: " + ec.message());
  }
  std::sort(entries.begin(), entries.end(), [](const fs::path &a, const fs::path &b) {
    return a.filename().string() < b.filename().string();
  });
  return entries;
}

bool is_dir(const fs::path &path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

ImportNote skipped(const fs::path &path, const std::string &why) {
  return {false, "skipped " + path.string() + ": " + why};
}

} // namespace migrate::import_detail
