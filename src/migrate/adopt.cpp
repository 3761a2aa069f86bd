// `import --adopt-history`, the pure part: which table, which query, and what its rows mean.

#include "migrate/adopt.hpp"

#include "migrate/error.hpp"
#include "migrate/history_sql.hpp"
#include "migrate/sha256.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace migrate {

namespace {

struct ToolTable {
  SourceTool tool;
  const char *table;
  // The columns the tool writes, with the type where the meaning depends on it ("" for any).
  std::vector<std::pair<const char *, const char *>> columns;
  const char *select; // the select list and order of foreign_rows_query, around "FROM <table>"
  const char *order;
};

const std::vector<ToolTable> &tool_tables() {
  static const std::vector<ToolTable> tables{
      {SourceTool::diesel,
       "__diesel_schema_migrations",
       {{"version", ""}},
       "version::text",
       " ORDER BY version"},
      {SourceTool::golang_migrate,
       "schema_migrations",
       {{"version", ""}, {"dirty", "boolean"}},
       "version::text, dirty::text",
       ""},
      {SourceTool::goose,
       "goose_db_version",
       {{"id", ""}, {"version_id", ""}, {"is_applied", "boolean"}},
       "version_id::text, is_applied::text",
       " ORDER BY id"},
      {SourceTool::dbmate,
       "schema_migrations",
       {{"version", ""}},
       "version::text",
       " ORDER BY version"},
      {SourceTool::node_pg_migrate,
       "pgmigrations",
       {{"id", ""}, {"name", ""}, {"run_on", ""}},
       "name::text",
       " ORDER BY run_on, id"},
      {SourceTool::postgrator,
       "schemaversion",
       {{"version", ""}},
       "version::text",
       " ORDER BY version"},
  };
  return tables;
}

const ToolTable &tool_table(SourceTool tool) {
  const auto &tables = tool_tables();
  return *std::find_if(tables.begin(), tables.end(),
                       [tool](const ToolTable &t) { return t.tool == tool; });
}

std::string tool_label(SourceTool tool) {
  return std::string(tool_name(tool));
}

// "a, b, c" or "a, b, c and 4 more".
std::string list(const std::vector<std::string> &items) {
  constexpr std::size_t k_shown = 10;
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < k_shown; ++i) {
    out += (i == 0 ? "" : ", ") + items[i];
  }
  if (items.size() > k_shown) {
    out += " and " + std::to_string(items.size() - k_shown) + " more";
  }
  return out;
}

std::optional<long long> as_integer(const std::string &text) {
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    return used == text.size() ? std::optional<long long>(value) : std::nullopt;
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

// The history keys golang-migrate records as applied: every imported migration up to its
// version (the table holds that version alone).
std::set<std::string> golang_migrate_applied(const std::string &table,
                                             const std::vector<std::vector<std::string>> &rows,
                                             const std::vector<ImportedMigration> &imported) {
  if (rows.size() > 1) {
    throw HistoryError(table + " holds " + std::to_string(rows.size()) +
                       " rows; golang-migrate keeps exactly one (the current version): is it "
                       "golang-migrate's history table?");
  }
  std::set<std::string> applied;
  if (rows.empty()) {
    return applied;
  }
  const std::string &version = rows[0].at(0);
  if (rows[0].at(1) == "true") {
    throw HistoryError(table + ": golang-migrate version " + version +
                       " is dirty: that migration failed part-way; finish or undo it by hand, "
                       "clear the flag with golang-migrate's `force`, then import again");
  }
  const auto current = as_integer(version);
  if (current && *current < 0) {
    return applied; // golang-migrate's "no version"
  }
  const auto matches = [&](const ImportedMigration &m) { return m.history_key == version; };
  if (!current || std::none_of(imported.begin(), imported.end(), matches)) {
    throw HistoryError(table + " records golang-migrate version " + version +
                       ", which matches no imported migration; import the directory that "
                       "holds it");
  }
  for (const ImportedMigration &m : imported) {
    const auto key = as_integer(m.history_key);
    if (key && *key <= *current) {
      applied.insert(m.history_key);
    }
  }
  return applied;
}

// The history keys the rows of a tool with one row per migration record as applied.
std::set<std::string> rows_applied(SourceTool tool,
                                   const std::vector<std::vector<std::string>> &rows) {
  std::map<std::string, bool> state; // goose: the newest row of a version decides
  for (const auto &row : rows) {
    const std::string &key = row.at(0);
    // goose and postgrator write a row for version 0 when they create the table.
    if ((tool == SourceTool::goose || tool == SourceTool::postgrator) && key == "0") {
      continue;
    }
    state[key] = tool == SourceTool::goose ? row.at(1) == "true" : true;
  }
  std::set<std::string> applied;
  for (const auto &[key, is_applied] : state) {
    if (is_applied) {
      applied.insert(key);
    }
  }
  return applied;
}

AppliedMigration row_for(const ImportedMigration &m) {
  AppliedMigration row;
  row.version = m.version;
  row.name = m.name;
  row.checksum = checksum(m.up);
  row.down_checksum = m.down ? checksum(*m.down) : Checksum();
  return row;
}

bool same_row(const AppliedMigration &ours, const AppliedMigration &adopted) {
  return ours.state == RowState::applied && ours.name == adopted.name &&
         ours.checksum == adopted.checksum && ours.down_checksum == adopted.down_checksum;
}

} // namespace

ForeignTable default_foreign_table(SourceTool tool) {
  return ForeignTable{"", tool_table(tool).table};
}

ForeignTable parse_foreign_table(const std::string &text) {
  const auto name = parse_table_name(text, 63);
  if (!name) {
    throw UsageError("--adopt-table: '" + text +
                     "' must be table or schema.table, each a plain identifier");
  }
  return ForeignTable{name->schema, name->table};
}

std::string foreign_table_query(const ForeignTable &table) {
  const std::string name = table.schema.empty()
                               ? quote_ident(table.table)
                               : quote_ident(table.schema) + "." + quote_ident(table.table);
  return "SELECT n.nspname, c.relname, (SELECT string_agg(a.attname || ' ' || "
         "format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) FROM pg_attribute a "
         "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) "
         "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE c.oid = to_regclass(" +
         quote_literal(name) + ")";
}

std::string foreign_rows_query(SourceTool tool, const std::string &schema,
                               const std::string &table) {
  const ToolTable &t = tool_table(tool);
  return std::string("SELECT ") + t.select + " FROM " + quote_ident(schema) + "." +
         quote_ident(table) + t.order;
}

void check_foreign_columns(SourceTool tool, const std::string &table, const std::string &columns) {
  std::map<std::string, std::string> types;
  std::size_t start = 0;
  while (start < columns.size()) {
    std::size_t end = columns.find(", ", start);
    end = end == std::string::npos ? columns.size() : end;
    const std::string column = columns.substr(start, end - start);
    const std::size_t space = column.find(' ');
    types[column.substr(0, space)] = space == std::string::npos ? "" : column.substr(space + 1);
    start = end + 2;
  }
  for (const auto &[name, type] : tool_table(tool).columns) {
    const auto it = types.find(name);
    if (it == types.end()) {
      throw HistoryError(table + " has no column " + name + ", which " + tool_label(tool) +
                         "'s history table has: is it another tool's table? Name " +
                         tool_label(tool) + "'s with --adopt-table");
    }
    if (*type != '\0' && it->second != type) {
      throw HistoryError(table + ": column " + name + " is " + it->second + ", not " + type +
                         " as " + tool_label(tool) +
                         " writes it: is it another tool's table? "
                         "Name " +
                         tool_label(tool) + "'s with --adopt-table");
    }
  }
}

Adoption plan_adoption(SourceTool tool, const std::string &table,
                       const std::vector<std::vector<std::string>> &rows,
                       const std::vector<ImportedMigration> &imported,
                       const std::vector<AppliedMigration> &ours) {
  const std::set<std::string> applied = tool == SourceTool::golang_migrate
                                            ? golang_migrate_applied(table, rows, imported)
                                            : rows_applied(tool, rows);
  std::vector<std::string> unknown;
  for (const std::string &key : applied) {
    if (std::none_of(imported.begin(), imported.end(),
                     [&](const ImportedMigration &m) { return m.history_key == key; })) {
      unknown.push_back(key);
    }
  }
  if (!unknown.empty()) {
    throw HistoryError(table + " records " + tool_label(tool) + " migrations that match no " +
                       "imported migration: " + list(unknown) +
                       "; import the directory that holds them");
  }
  std::map<Version, const AppliedMigration *> by_version;
  for (const AppliedMigration &row : ours) {
    by_version.emplace(row.version, &row);
  }
  Adoption adoption;
  adoption.table = table;
  std::vector<std::string> conflicts;
  std::vector<std::string> not_applied;
  for (const ImportedMigration &m : imported) {
    const bool is_applied = applied.count(m.history_key) > 0;
    const auto it = by_version.find(m.version);
    if (it == by_version.end()) {
      if (is_applied) {
        adoption.record.push_back({m.history_key, row_for(m)});
        adoption.gaps.insert(adoption.gaps.end(), not_applied.begin(), not_applied.end());
        not_applied.clear();
      } else {
        not_applied.push_back(m.id());
      }
      continue;
    }
    AdoptedMigration adopted{m.history_key, row_for(m)};
    if (!is_applied) {
      conflicts.push_back(m.id() + " (applied here but not in " + table + ")");
    } else if (!same_row(*it->second, adopted.row)) {
      conflicts.push_back(m.id() + (it->second->state == RowState::applied
                                        ? " (recorded with other files)"
                                        : " (half-done here)"));
    } else {
      adoption.present.push_back(std::move(adopted));
      adoption.gaps.insert(adoption.gaps.end(), not_applied.begin(), not_applied.end());
      not_applied.clear();
    }
  }
  if (!conflicts.empty()) {
    throw HistoryError(
        "the history table already records imported versions differently: " + list(conflicts) +
        "; adopt into another history table (--history-table), or remove those "
        "rows first");
  }
  return adoption;
}

} // namespace migrate
