// `migrate import`: turning what a scanner found into our migrations — versions, names, the
// no-transaction header — and checking the result the way `migrate up` will.

#include "migrate/import.hpp"

#include "migrate/classify.hpp"
#include "migrate/error.hpp"
#include "migrate/import_detail.hpp"
#include "migrate/sql_split.hpp"

#include <algorithm>

namespace fs = std::filesystem;

namespace migrate {

namespace {

using namespace import_detail;

struct ToolInfo {
  SourceTool tool;
  std::string_view name;
  Scan (*scan)(const fs::path &);
  // The tool sends each file as one query outside any transaction block it opens, so a file
  // holding CREATE INDEX CONCURRENTLY (alone) ran there and must run without a transaction here.
  bool runs_files_bare;
};

constexpr ToolInfo k_tools[] = {
    {SourceTool::diesel, "diesel", scan_diesel, false},
    {SourceTool::node_pg_migrate, "node-pg-migrate", scan_node_pg_migrate, false},
    {SourceTool::golang_migrate, "golang-migrate", scan_golang_migrate, true},
    {SourceTool::goose, "goose", scan_goose, false},
    {SourceTool::dbmate, "dbmate", scan_dbmate, false},
    {SourceTool::postgrator, "postgrator", scan_postgrator, true},
};

const ToolInfo &info(SourceTool tool) {
  return *std::find_if(std::begin(k_tools), std::end(k_tools),
                       [tool](const ToolInfo &t) { return t.tool == tool; });
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Names that are already valid stay as they are, so `add-token-scopes` keeps its dashes.
std::string our_name(const ForeignMigration &m, std::vector<ImportNote> &notes) {
  const std::string &name = m.original_name;
  // As long as `new` makes them (slugify): with the version, well under the 255 bytes a file
  // name may have.
  constexpr std::size_t k_max_name = 100;
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), is_name_char);
  if (valid && name.size() <= k_max_name) {
    return name;
  }
  std::string slug = valid ? name.substr(0, k_max_name) : slugify(name);
  while (!slug.empty() && (slug.back() == '_' || slug.back() == '-')) {
    slug.pop_back();
  }
  if (slug.empty()) {
    slug = "migration";
  }
  notes.push_back({false, m.source + ": name '" + name + "' becomes '" + slug + "'"});
  return slug;
}

bool has_no_transaction_statement(std::string_view sql) {
  const auto statements = split_statements(sql);
  return std::any_of(statements.begin(), statements.end(), [&](const Statement &s) {
    return classify_statement(statement_text(sql, s)) == StatementClass::no_transaction;
  });
}

// Warns about what prepare_step() will refuse when the file runs, naming the file as written.
void check_statements(std::string_view sql, bool transactional, const std::string &file,
                      std::vector<ImportNote> &notes) {
  for (const Statement &s : split_statements(sql)) {
    const std::string_view text = statement_text(sql, s);
    const std::string at = file + ":" + std::to_string(s.line) + ": ";
    if (s.unterminated) {
      notes.push_back({true, at + "this statement never ends (an unclosed quote, dollar quote "
                                  "or comment); migrate will refuse the file"});
      continue;
    }
    const StatementClass kind = classify_statement(text);
    if (kind == StatementClass::transaction_control) {
      notes.push_back({true, at + statement_kind(text) +
                                 " is refused by migrate, which manages the transaction itself; "
                                 "remove it before running this migration"});
    } else if (kind == StatementClass::no_transaction && transactional) {
      notes.push_back({true, at + statement_kind(text) +
                                 " cannot run inside a transaction and the source did not mark "
                                 "the migration to run without one; add "
                                 "`-- migrate:no-transaction` as the first line"});
    }
  }
}

// One imported file: `text` with our header added when it must run without a transaction.
// Returns whether it does.
bool finish_file(std::string &text, bool no_transaction, const ToolInfo &tool,
                 const std::string &source_label, const std::string &target_label,
                 std::vector<ImportNote> &notes) {
  // A header the file already has must not be doubled (parse_directives refuses repeats).
  const bool marked = parse_directives(text, source_label).no_transaction;
  if (!marked && !no_transaction && tool.runs_files_bare && has_no_transaction_statement(text)) {
    no_transaction = true;
    notes.push_back({false, target_label +
                                ": marked `-- migrate:no-transaction`: it holds a "
                                "statement that cannot run in a transaction, and " +
                                std::string(tool.name) + " ran the file outside one"});
  }
  if (no_transaction && !marked) {
    constexpr std::string_view k_bom = "\xEF\xBB\xBF";
    if (text.compare(0, k_bom.size(), k_bom) == 0) {
      text.erase(0, k_bom.size()); // it would land inside the file otherwise
    }
    text.insert(0, "-- migrate:no-transaction\n");
  }
  check_statements(text, !(no_transaction || marked), target_label, notes);
  return no_transaction || marked;
}

ImportedMigration finish(ForeignMigration &m, const ToolInfo &tool,
                         std::vector<ImportNote> &notes) {
  ImportedMigration out;
  out.source = m.source;
  out.original_version = m.original_version;
  out.history_key = m.history_key;
  out.original_name = m.original_name;
  out.version = m.version;
  out.name = our_name(m, notes);
  out.source_files = m.files;
  const std::string file = m.files.front().string();
  const bool whole = m.sections.whole_files;
  out.up = std::move(m.sections.up);
  out.up_no_transaction =
      finish_file(out.up, m.sections.up_no_transaction, tool, whole ? file : file + " (up part)",
                  out.id() + "/up.sql", notes);
  if (m.sections.down) {
    out.down = std::move(*m.sections.down);
    // Scanners list the up file first and the down file second (diesel's metadata.toml after).
    const std::string down_file = whole && m.files.size() > 1 ? m.files[1].string() : file;
    out.down_no_transaction =
        finish_file(*out.down, m.sections.down_no_transaction, tool,
                    whole ? down_file : file + " (down part)", out.id() + "/down.sql", notes);
  }
  return out;
}

} // namespace

std::optional<SourceTool> parse_tool(std::string_view name) {
  for (const ToolInfo &tool : k_tools) {
    if (tool.name == name) {
      return tool.tool;
    }
  }
  return std::nullopt;
}

std::string_view tool_name(SourceTool tool) {
  return info(tool).name;
}

std::string tool_names() {
  std::string names;
  for (const ToolInfo &tool : k_tools) {
    names += (names.empty() ? "" : ", ") + std::string(tool.name);
  }
  return names;
}

ImportResult read_foreign(SourceTool tool, const fs::path &dir) {
  if (!is_dir(dir)) {
    throw UsageError(dir.string() + ": not a directory");
  }
  const ToolInfo &t = info(tool);
  Scan scan = t.scan(dir);
  if (scan.migrations.empty()) {
    throw TreeError(dir.string() + ": no " + std::string(t.name) + " migrations found");
  }
  assign_versions(scan.migrations, t.name, scan.notes);
  ImportResult result;
  result.notes = std::move(scan.notes);
  for (ForeignMigration &m : scan.migrations) {
    result.migrations.push_back(finish(m, t, result.notes));
  }
  return result;
}

std::vector<VersionMapping> version_mapping(const std::vector<ImportedMigration> &migrations) {
  std::vector<VersionMapping> mapping;
  for (const auto &m : migrations) {
    mapping.push_back({m.history_key, m.version, m.id()});
  }
  return mapping;
}

} // namespace migrate
