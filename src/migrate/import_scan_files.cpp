// The scanners for tools that keep up and down in one file: goose, dbmate and node-pg-migrate.

#include "migrate/error.hpp"
#include "migrate/import_detail.hpp"
#include "migrate/source.hpp"

#include <algorithm>
#include <map>

namespace fs = std::filesystem;

namespace migrate::import_detail {

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string extension(const std::string &name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string::npos ? "" : name.substr(dot + 1);
}

ForeignMigration single_file(const fs::path &file, std::string version, std::string name) {
  ForeignMigration m;
  m.source = file.filename().string();
  m.original_version = std::move(version);
  m.original_name = std::move(name);
  m.files.push_back(file);
  return m;
}

} // namespace

Scan scan_goose(const fs::path &dir) {
  Scan scan;
  std::map<unsigned long long, ForeignMigration> by_version;
  for (const fs::path &entry : sorted_entries(dir)) {
    const std::string name = entry.filename().string();
    const bool sql = ends_with(name, ".sql");
    const bool go = ends_with(name, ".go") && !ends_with(name, "_test.go");
    if (is_dir(entry) || (!sql && !go)) {
      scan.notes.push_back(skipped(entry, "goose reads only <version>_<name>.sql and .go files"));
      continue;
    }
    const std::size_t underscore = name.find('_');
    const std::string digits = name.substr(0, underscore);
    if (underscore == std::string::npos || !all_digits(digits)) {
      if (go) {
        // goose skips Go files without a version: helpers of the migrations package.
        scan.notes.push_back(skipped(entry, "a Go file without a version"));
        continue;
      }
      throw TreeError(entry.string() + ": goose cannot read a version from this name (expected "
                                       "<version>_<name>.sql)");
    }
    if (go) {
      throw TreeError(entry.string() +
                      ": a Go migration cannot be converted; rewrite it as a SQL migration first");
    }
    const auto value = parse_digits(digits);
    if (!value || *value == 0 || *value > 9223372036854775807ULL) {
      throw TreeError(entry.string() + ": goose versions are integers from 1 to 2^63-1");
    }
    ForeignMigration m =
        single_file(entry, digits, name.substr(underscore + 1, name.size() - underscore - 5));
    m.history_key = std::to_string(*value);
    m.natural = natural_version(digits, entry.string());
    m.sections = split_goose(read_sql_file(entry), entry.string());
    const auto [it, inserted] = by_version.emplace(*value, std::move(m));
    if (!inserted) {
      throw TreeError(entry.string() + ": same version as " + it->second.files.front().string());
    }
  }
  for (auto &[value, m] : by_version) {
    scan.migrations.push_back(std::move(m));
  }
  return scan;
}

Scan scan_dbmate(const fs::path &dir) {
  Scan scan;
  std::map<std::string, fs::path> seen;
  // dbmate runs its files in file name order: sorted_entries' order.
  for (const fs::path &entry : sorted_entries(dir)) {
    const std::string name = entry.filename().string();
    const std::size_t digits_end = std::min(name.find_first_not_of("0123456789"), name.size());
    if (is_dir(entry) || digits_end == 0 || !ends_with(name, ".sql")) {
      scan.notes.push_back(skipped(entry, "dbmate reads only <version>_<name>.sql files"));
      continue;
    }
    const std::string digits = name.substr(0, digits_end);
    std::string rest = name.substr(digits_end, name.size() - 4 - digits_end);
    if (!rest.empty() && rest.front() == '_') {
      rest.erase(0, 1);
    }
    const auto [it, inserted] = seen.emplace(digits, entry);
    if (!inserted) {
      throw TreeError(entry.string() + ": same version as " + it->second.string());
    }
    ForeignMigration m = single_file(entry, digits, rest);
    m.history_key = digits;
    m.natural = natural_version(digits, entry.string());
    m.sections = split_dbmate(read_sql_file(entry), entry.string(), scan.notes);
    scan.migrations.push_back(std::move(m));
  }
  return scan;
}

namespace {

// node-pg-migrate orders by the time its prefix stands for; as YYYYMMDDHHMMSSmmm that is a number
// comparable across its two prefix styles (13-digit epoch milliseconds, 17-digit UTC).
unsigned long long node_order(const std::string &digits, Version natural) {
  const unsigned long long value = *parse_digits(digits);
  if (digits.size() == 13 && digits.front() != '0') {
    return natural * 1000 + value % 1000;
  }
  if (digits.size() == 17) {
    return value;
  }
  return natural * 1000;
}

} // namespace

Scan scan_node_pg_migrate(const fs::path &dir) {
  Scan scan;
  std::vector<std::pair<unsigned long long, ForeignMigration>> found;
  for (const fs::path &entry : sorted_entries(dir)) {
    const std::string name = entry.filename().string();
    const std::string ext = extension(name);
    if (is_dir(entry)) {
      scan.notes.push_back(skipped(entry, "a directory"));
      continue;
    }
    if (ext == "js" || ext == "cjs" || ext == "mjs" || ext == "ts" || ext == "cts" ||
        ext == "mts") {
      throw TreeError(entry.string() + ": a JavaScript/TypeScript migration cannot be "
                                       "converted; rewrite it as a SQL migration first");
    }
    if (ext != "sql") {
      scan.notes.push_back(skipped(entry, "node-pg-migrate SQL migrations end in .sql"));
      continue;
    }
    const std::string stem = name.substr(0, name.size() - 4);
    const std::size_t underscore = stem.find('_');
    const std::string digits = stem.substr(0, underscore);
    if (!all_digits(digits) || digits.size() > 17) {
      throw TreeError(entry.string() + ": node-pg-migrate cannot read a timestamp from this name "
                                       "(expected <timestamp>_<name>.sql)");
    }
    ForeignMigration m = single_file(
        entry, digits, underscore == std::string::npos ? "" : stem.substr(underscore + 1));
    m.history_key = stem; // pgmigrations.name
    m.natural = digits.size() == 17 ? natural_version(digits.substr(0, 14), entry.string())
                                    : natural_version(digits, entry.string());
    m.sections = split_node_pg_migrate(read_sql_file(entry), entry.string(), scan.notes);
    found.emplace_back(node_order(digits, m.natural), std::move(m));
  }
  // Ties keep file name order, as node-pg-migrate breaks them.
  std::stable_sort(found.begin(), found.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  for (auto &[order, m] : found) {
    scan.migrations.push_back(std::move(m));
  }
  return scan;
}

} // namespace migrate::import_detail
