// The scanners for tools that keep up and down SQL in separate files: diesel (a directory per
// migration), golang-migrate and postgrator (a pair of files per migration).

#include "migrate/error.hpp"
#include "migrate/import_detail.hpp"
#include "migrate/source.hpp"

#include <algorithm>
#include <map>

namespace fs = std::filesystem;

namespace migrate::import_detail {

namespace {

// Diesel's generated form YYYY-MM-DD-HHMMSS, optionally with a "-0000" style suffix.
bool is_dashed_diesel_version(std::string_view v) {
  if (v.size() < 17 || v[4] != '-' || v[7] != '-' || v[10] != '-') {
    return false;
  }
  if (!all_digits(v.substr(0, 4)) || !all_digits(v.substr(5, 2)) || !all_digits(v.substr(8, 2)) ||
      !all_digits(v.substr(11, 6))) {
    return false;
  }
  return v.size() == 17 || (v[17] == '-' && all_digits(v.substr(18)));
}

std::string without_dashes(std::string_view text) {
  std::string out;
  std::copy_if(text.begin(), text.end(), std::back_inserter(out), [](char c) { return c != '-'; });
  return out;
}

// The value of metadata.toml's top-level run_in_transaction key; std::nullopt when it is absent.
std::optional<bool> diesel_run_in_transaction(std::string_view toml, const std::string &file) {
  const std::vector<Line> lines = split_lines(toml);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = trim_blanks(toml.substr(lines[i].begin, lines[i].end - lines[i].begin));
    if (!line.empty() && line.front() == '[') {
      break; // a table starts: later keys are not top-level
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || trim_blanks(line.substr(0, eq)) != "run_in_transaction") {
      continue;
    }
    std::string_view value = line.substr(eq + 1);
    value = trim_blanks(value.substr(0, value.find('#')));
    if (value == "true" || value == "false") {
      return value == "true";
    }
    throw TreeError(file + ":" + std::to_string(i + 1) +
                    ": run_in_transaction must be true or false");
  }
  return std::nullopt;
}

void read_diesel_metadata(const fs::path &file, ForeignMigration &m,
                          std::vector<ImportNote> &notes) {
  const auto run_in_transaction = diesel_run_in_transaction(read_sql_file(file), file.string());
  if (!run_in_transaction) {
    notes.push_back({true, file.string() +
                               ": no run_in_transaction key; imported as transactional, as "
                               "diesel documents, though diesel 2 reads a metadata.toml without "
                               "the key as run_in_transaction = false"});
  } else if (!*run_in_transaction) {
    m.sections.up_no_transaction = true;
    m.sections.down_no_transaction = true;
  }
}

ForeignMigration read_diesel_migration(const fs::path &dir, std::vector<ImportNote> &notes) {
  const std::string dir_name = dir.filename().string();
  const std::size_t underscore = dir_name.find('_');
  const std::string prefix = dir_name.substr(0, underscore);
  const bool dashed = is_dashed_diesel_version(prefix);
  if (underscore == std::string::npos || (!dashed && !all_digits(prefix))) {
    throw TreeError(dir.string() +
                    ": not a diesel migration directory name (expected <version>_<name>, the "
                    "version 14 digits or YYYY-MM-DD-HHMMSS)");
  }
  ForeignMigration m;
  m.source = dir_name;
  m.original_version = prefix;
  m.history_key = without_dashes(prefix);
  m.original_name = dir_name.substr(underscore + 1);
  m.natural = dashed ? natural_version(without_dashes(prefix.substr(0, 17)), dir.string())
                     : natural_version(prefix, dir.string());
  m.sections.whole_files = true;
  bool has_up = false;
  for (const fs::path &entry : sorted_entries(dir)) {
    const std::string name = entry.filename().string();
    if (name == "up.sql" && !is_dir(entry)) {
      m.sections.up = read_sql_file(entry);
      m.files.insert(m.files.begin(), entry);
      has_up = true;
    } else if (name == "down.sql" && !is_dir(entry)) {
      m.sections.down = read_sql_file(entry);
      m.files.push_back(entry);
    } else if (name == "metadata.toml" && !is_dir(entry)) {
      read_diesel_metadata(entry, m, notes);
      m.files.push_back(entry);
    } else {
      notes.push_back(skipped(entry, "diesel reads only up.sql, down.sql and metadata.toml"));
    }
  }
  if (!has_up) {
    throw TreeError((dir / "up.sql").string() + ": missing (diesel requires it too)");
  }
  return m;
}

// Refuses a second migration with the same history key: the tool could not tell them apart.
void refuse_duplicates(const std::vector<ForeignMigration> &migrations) {
  std::map<std::string, const ForeignMigration *> seen;
  for (const auto &m : migrations) {
    const auto [it, inserted] = seen.emplace(m.history_key, &m);
    if (!inserted) {
      throw TreeError(m.files.front().string() + ": same version as " +
                      it->second->files.front().string());
    }
  }
}

// The up and down files of one version, for the pair-of-files formats.
struct Pair {
  std::optional<fs::path> up;
  std::optional<fs::path> down;
  std::string digits; // the version as written in the up file's name
  std::string name;
};

void add_to_pair(Pair &pair, bool is_up, const fs::path &file, std::string digits,
                 std::string name) {
  std::optional<fs::path> &slot = is_up ? pair.up : pair.down;
  if (slot) {
    throw TreeError(file.string() + ": same version and direction as " + slot->string());
  }
  slot = file;
  if (is_up) {
    pair.digits = std::move(digits);
    pair.name = std::move(name);
  }
}

// Pairs become migrations in numeric version order, which is the order both tools run them in.
std::vector<ForeignMigration> pairs_to_migrations(const std::map<unsigned long long, Pair> &pairs) {
  std::vector<ForeignMigration> migrations;
  for (const auto &[value, pair] : pairs) {
    if (!pair.up) {
      throw TreeError(pair.down->string() + ": a down migration without an up migration");
    }
    ForeignMigration m;
    m.source = pair.up->filename().string();
    m.original_version = pair.digits;
    m.history_key = std::to_string(value);
    m.original_name = pair.name;
    m.natural = natural_version(pair.digits, pair.up->string());
    m.sections.whole_files = true;
    m.sections.up = read_sql_file(*pair.up);
    m.files.push_back(*pair.up);
    if (pair.down) {
      m.sections.down = read_sql_file(*pair.down);
      m.files.push_back(*pair.down);
    }
    migrations.push_back(std::move(m));
  }
  return migrations;
}

unsigned long long version_value(const std::string &digits, const fs::path &file) {
  const auto value = parse_digits(digits);
  if (!value) {
    throw TreeError(file.string() + ": version " + digits + " is too large");
  }
  return *value;
}

} // namespace

Scan scan_diesel(const fs::path &dir) {
  Scan scan;
  for (const fs::path &entry : sorted_entries(dir)) {
    if (!is_dir(entry)) {
      scan.notes.push_back(skipped(entry, "not a migration directory"));
      continue;
    }
    scan.migrations.push_back(read_diesel_migration(entry, scan.notes));
  }
  // Diesel runs migrations in the byte order of their versions without dashes, so
  // 20260527120000 runs before 202605271200000000 ("-0000" suffix).
  std::stable_sort(scan.migrations.begin(), scan.migrations.end(),
                   [](const ForeignMigration &a, const ForeignMigration &b) {
                     return a.history_key < b.history_key;
                   });
  refuse_duplicates(scan.migrations);
  return scan;
}

Scan scan_golang_migrate(const fs::path &dir) {
  Scan scan;
  std::map<unsigned long long, Pair> pairs;
  for (const fs::path &entry : sorted_entries(dir)) {
    const std::string name = entry.filename().string();
    // golang-migrate's ^([0-9]+)_(.*)\.(down|up)\.(.*)$: the last ".up." or ".down." wins.
    const std::size_t underscore = name.find('_');
    const std::size_t up = name.rfind(".up.");
    const std::size_t down = name.rfind(".down.");
    const bool is_up = up != std::string::npos && (down == std::string::npos || up > down);
    const std::size_t marker = is_up ? up : down;
    if (is_dir(entry) || underscore == std::string::npos ||
        !all_digits(name.substr(0, underscore)) || marker == std::string::npos ||
        marker < underscore) {
      scan.notes.push_back(skipped(entry, "not named <version>_<title>.up.sql or .down.sql"));
      continue;
    }
    const std::string ext = name.substr(marker + (is_up ? 4 : 6));
    if (ext != "sql") {
      throw TreeError(entry.string() + ": not a .sql migration; migrate imports SQL only");
    }
    const std::string digits = name.substr(0, underscore);
    add_to_pair(pairs[version_value(digits, entry)], is_up, entry, digits,
                name.substr(underscore + 1, marker - underscore - 1));
  }
  scan.migrations = pairs_to_migrations(pairs);
  return scan;
}

Scan scan_postgrator(const fs::path &dir) {
  Scan scan;
  std::map<unsigned long long, Pair> pairs;
  for (const fs::path &entry : sorted_entries(dir)) {
    // [version].[do|undo].[optional-description].[sql|js]
    const std::string name = entry.filename().string();
    const std::size_t first = name.find('.');
    const std::size_t second = name.find('.', first == std::string::npos ? first : first + 1);
    const std::size_t last = name.rfind('.');
    const std::string action =
        second == std::string::npos ? "" : name.substr(first + 1, second - first - 1);
    if (is_dir(entry) || !all_digits(name.substr(0, first)) ||
        (action != "do" && action != "undo")) {
      scan.notes.push_back(skipped(entry, "not named <version>.do|undo[.<description>].sql"));
      continue;
    }
    const std::string ext = name.substr(last + 1);
    if (ext == "js" || ext == "cjs" || ext == "mjs") {
      throw TreeError(entry.string() +
                      ": a JavaScript migration cannot be converted; rewrite it as SQL first");
    }
    if (ext != "sql") {
      scan.notes.push_back(skipped(entry, "postgrator migrations end in .sql or .js"));
      continue;
    }
    const std::string digits = name.substr(0, first);
    const std::string description = last > second ? name.substr(second + 1, last - second - 1) : "";
    add_to_pair(pairs[version_value(digits, entry)], action == "do", entry, digits, description);
  }
  scan.migrations = pairs_to_migrations(pairs);
  return scan;
}

} // namespace migrate::import_detail
