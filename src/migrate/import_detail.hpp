#pragma once
// Internals of `migrate import` shared by its source files (import*.cpp); not for use elsewhere.

#include "migrate/import.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate::import_detail {

// The up and down parts of one foreign migration, before our no-transaction header is added.
struct Sections {
  std::string up;
  std::optional<std::string> down;
  bool up_no_transaction = false;
  bool down_no_transaction = false;
  bool whole_files = false; // up and down are whole files (not parts of one file)
};

// One migration as the source tool sees it, before its version and name become ours.
struct ForeignMigration {
  std::string source;           // see ImportedMigration
  std::string original_version; // see ImportedMigration
  std::string history_key;      // see ImportedMigration
  std::string original_name;    // see ImportedMigration
  Version natural = 0;          // our version before collisions are resolved
  Version version = 0;          // our version, set by assign_versions
  Sections sections;
  std::vector<std::filesystem::path> files; // the files read; the first is named in messages
};

// What a scanner found: migrations in the tool's own order, and notes.
struct Scan {
  std::vector<ForeignMigration> migrations;
  std::vector<ImportNote> notes;
};

// The scanners, one per tool (import_scan*.cpp). Each reads `dir`, refuses what cannot be
// converted (TreeError naming the file), and returns the migrations in the order the tool runs
// them, with `natural` set.
Scan scan_diesel(const std::filesystem::path &dir);
Scan scan_golang_migrate(const std::filesystem::path &dir);
Scan scan_goose(const std::filesystem::path &dir);
Scan scan_dbmate(const std::filesystem::path &dir);
Scan scan_node_pg_migrate(const std::filesystem::path &dir);
Scan scan_postgrator(const std::filesystem::path &dir);

// Section splitters for the single-file formats (import_sections.cpp). `file` names the file in
// errors, which are TreeError "<file>:<line>: ...".
Sections split_goose(std::string_view text, const std::string &file);
Sections split_dbmate(std::string_view text, const std::string &file,
                      std::vector<ImportNote> &notes);
Sections split_node_pg_migrate(std::string_view text, const std::string &file,
                               std::vector<ImportNote> &notes);

// A line of a text: [begin, end) without its "\n" or "\r\n"; `next` starts the following line.
struct Line {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t next = 0;
};

// The lines of `text`; a last line without "\n" counts too.
std::vector<Line> split_lines(std::string_view text);

// `text` without leading and trailing blanks (space, tab, CR, FF, VT).
std::string_view trim_blanks(std::string_view text);

// The value of a run of ASCII digits; std::nullopt when empty, not all digits, or above 2^64-1.
std::optional<unsigned long long> parse_digits(std::string_view digits);

// Our version for a version written as `digits` (see docs/importing.md): 14 digits stay as they
// are; 13 digits (not starting with 0) are epoch milliseconds and 10 digits epoch seconds, both
// becoming the UTC timestamp of the second; anything else is a sequence number, zero-padded.
// 0 becomes 1. Throws TreeError naming `file` for a value that needs more than 14 digits.
Version natural_version(std::string_view digits, const std::string &file);

// Sets each migration's `version` from `natural`, in the given (the tool's) order: a migration
// whose natural version equals the previous one's moves to one second (one, for versions that are
// not timestamps) after the previous migration's version. Throws TreeError when the natural
// versions go backwards, or a moved version would reach the next migration's.
void assign_versions(std::vector<ForeignMigration> &migrations, std::string_view tool,
                     std::vector<ImportNote> &notes);

// The entries of `dir` sorted by file name, hidden ones (starting with '.') left out. Throws
// TreeError when `dir` cannot be read.
std::vector<std::filesystem::path> sorted_entries(const std::filesystem::path &dir);

// True when `path` is a directory (following symbolic links).
bool is_dir(const std::filesystem::path &path);

// True when `text` is non-empty and all ASCII digits.
bool all_digits(std::string_view text);

// A note that `path` was skipped, and why.
ImportNote skipped(const std::filesystem::path &path, const std::string &why);

} // namespace migrate::import_detail
