// Splitting the single-file formats (goose, dbmate, node-pg-migrate) into their up and down parts.
// The parts keep their bytes exactly; only marker lines go.

#include "migrate/error.hpp"
#include "migrate/import_detail.hpp"
#include "migrate/sql_split.hpp"

#include <algorithm>
#include <cctype>

namespace migrate::import_detail {

namespace {

std::string_view view(std::string_view text, const Line &line) {
  return text.substr(line.begin, line.end - line.begin);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Blank lines and "--" comments are what every tool allows before its first marker.
bool is_blank_or_comment(std::string_view line) {
  const std::string_view t = trim_blanks(line);
  return t.empty() || t.substr(0, 2) == "--";
}

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string where(const std::string &file, std::size_t index) {
  return file + ":" + std::to_string(index + 1) + ": ";
}

// The words after "+goose" on a goose annotation line, lowercased and single-spaced; nullopt for
// other lines. goose only reads annotations starting in column 1.
std::optional<std::string> goose_annotation(std::string_view line) {
  if (line.substr(0, 2) != "--") {
    return std::nullopt;
  }
  std::string_view rest = trim_blanks(line.substr(2));
  if (lower(rest.substr(0, 6)) != "+goose" || (rest.size() > 6 && !is_space(rest[6]))) {
    return std::nullopt;
  }
  std::string words;
  for (std::size_t i = 6; i < rest.size(); ++i) {
    if (is_space(rest[i])) {
      continue;
    }
    if (!words.empty() && is_space(rest[i - 1])) {
      words += ' ';
    }
    words += static_cast<char>(std::tolower(static_cast<unsigned char>(rest[i])));
  }
  return words;
}

std::string part(std::string_view text, std::size_t begin, std::size_t end) {
  return std::string(text.substr(begin, end - begin));
}

// goose ends the statement of a StatementBegin block at StatementEnd, with or without a ';'.
// Our splitter needs the ';': without one the block's last statement would run on into the
// next. Adds ";\n" after the block (from `begin` in `target`) when its last statement has none.
void end_goose_block(std::string &target, std::size_t begin) {
  const std::string_view block = std::string_view(target).substr(begin);
  const auto statements = split_statements(block);
  if (statements.empty() || statements.back().unterminated) {
    return;
  }
  std::size_t at = statements.back().offset + statements.back().length;
  while (at < block.size() && std::isspace(static_cast<unsigned char>(block[at]))) {
    ++at;
  }
  if (at < block.size() && block[at] == ';') {
    return;
  }
  if (!target.empty() && target.back() != '\n') {
    target += '\n';
  }
  target += ";\n";
}

} // namespace

Sections split_goose(std::string_view text, const std::string &file) {
  enum class State { before_up, up, down } state = State::before_up;
  Sections sections;
  bool in_block = false;
  std::size_t block_begin = 0; // where the open StatementBegin block starts in *target
  std::string *target = nullptr;
  const std::vector<Line> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = view(text, lines[i]);
    const auto annotation = goose_annotation(line);
    if (!annotation) {
      if (target) {
        target->append(text.substr(lines[i].begin, lines[i].next - lines[i].begin));
      } else if (!is_blank_or_comment(line)) {
        throw TreeError(where(file, i) + "SQL before the '-- +goose Up' annotation");
      }
      continue;
    }
    const std::string &a = *annotation;
    if (a == "up") {
      if (state != State::before_up) {
        throw TreeError(where(file, i) + "a second '-- +goose Up' annotation");
      }
      state = State::up;
      target = &sections.up;
    } else if (a == "down") {
      if (state == State::before_up) {
        throw TreeError(where(file, i) + "'-- +goose Down' before '-- +goose Up'");
      }
      if (state == State::down) {
        throw TreeError(where(file, i) + "a second '-- +goose Down' annotation");
      }
      if (in_block) {
        throw TreeError(where(file, i) + "'-- +goose Down' inside a StatementBegin block");
      }
      state = State::down;
      sections.down.emplace();
      target = &*sections.down;
    } else if (a == "statementbegin" || a == "statementend") {
      if (state == State::before_up || in_block == (a == "statementbegin")) {
        throw TreeError(where(file, i) + "unmatched '-- +goose " +
                        (a == "statementbegin" ? "StatementBegin'" : "StatementEnd'"));
      }
      in_block = a == "statementbegin";
      if (in_block) {
        block_begin = target->size();
      } else {
        end_goose_block(*target, block_begin);
      }
    } else if (a == "no transaction") {
      sections.up_no_transaction = true;
      sections.down_no_transaction = true;
    } else if (a == "envsub on" || a == "envsubst on") {
      throw TreeError(where(file, i) +
                      "'-- +goose ENVSUB ON' substitutes environment variables when goose runs; "
                      "migrate has no equivalent: expand them and remove the annotation first");
    } else if (a != "envsub off" && a != "envsubst off") {
      throw TreeError(where(file, i) + "unknown goose annotation '" +
                      std::string(trim_blanks(line)) + "'");
    }
  }
  if (state == State::before_up) {
    throw TreeError(file + ": no '-- +goose Up' annotation");
  }
  if (in_block) {
    throw TreeError(file + ": '-- +goose StatementBegin' without '-- +goose StatementEnd'");
  }
  return sections;
}

namespace {

// dbmate's markers: "--", optional blanks, "migrate:up" (or down), then the end of the line or
// blanks and options. Returns the options text, or nullopt for other lines.
std::optional<std::string_view> dbmate_marker(std::string_view line, std::string_view which) {
  if (line.substr(0, 2) != "--") {
    return std::nullopt;
  }
  std::string_view rest = line.substr(2);
  while (!rest.empty() && is_space(rest.front())) {
    rest.remove_prefix(1);
  }
  const std::string marker = "migrate:" + std::string(which);
  if (rest.substr(0, marker.size()) != marker) {
    return std::nullopt;
  }
  rest.remove_prefix(marker.size());
  if (!rest.empty() && !is_space(rest.front())) {
    return std::nullopt;
  }
  return trim_blanks(rest);
}

// Only transaction:false changes how dbmate runs a part; it ignores other options.
bool dbmate_no_transaction(std::string_view options, const std::string &file, std::size_t index,
                           std::vector<ImportNote> &notes) {
  bool no_transaction = false;
  while (!(options = trim_blanks(options)).empty()) {
    std::size_t end = 0;
    while (end < options.size() && !is_space(options[end])) {
      ++end;
    }
    const std::string_view option = options.substr(0, end);
    options.remove_prefix(end);
    if (option == "transaction:false") {
      no_transaction = true;
    } else if (option != "transaction:true") {
      notes.push_back({false, where(file, index) + "ignored dbmate option '" + std::string(option) +
                                  "' (dbmate ignores it too)"});
    }
  }
  return no_transaction;
}

} // namespace

Sections split_dbmate(std::string_view text, const std::string &file,
                      std::vector<ImportNote> &notes) {
  const std::vector<Line> lines = split_lines(text);
  std::optional<std::size_t> up;
  std::optional<std::size_t> down;
  for (std::size_t i = 0; i < lines.size() && !(up && down); ++i) {
    if (!up && dbmate_marker(view(text, lines[i]), "up")) {
      up = i;
    } else if (!down && dbmate_marker(view(text, lines[i]), "down")) {
      down = i;
    }
  }
  if (!up) {
    throw TreeError(file + ": no '-- migrate:up' line");
  }
  if (down && *down < *up) {
    throw TreeError(where(file, *down) + "'-- migrate:down' comes before '-- migrate:up'");
  }
  for (std::size_t i = 0; i < *up; ++i) {
    if (!is_blank_or_comment(view(text, lines[i]))) {
      throw TreeError(where(file, i) + "SQL before '-- migrate:up'");
    }
  }
  Sections sections;
  const std::size_t up_end = down ? lines[*down].begin : text.size();
  sections.up = part(text, lines[*up].next, up_end);
  sections.up_no_transaction =
      dbmate_no_transaction(*dbmate_marker(view(text, lines[*up]), "up"), file, *up, notes);
  if (down) {
    sections.down = part(text, lines[*down].next, text.size());
    sections.down_no_transaction =
        dbmate_no_transaction(*dbmate_marker(view(text, lines[*down]), "down"), file, *down, notes);
  }
  return sections;
}

namespace {

// node-pg-migrate's markers, as its regex /^\s*--[\s-]*up\s+migration/im reads them.
bool node_marker(std::string_view line, std::string_view which) {
  std::string_view rest = trim_blanks(line);
  if (rest.substr(0, 2) != "--") {
    return false;
  }
  rest.remove_prefix(2);
  while (!rest.empty() && (is_space(rest.front()) || rest.front() == '-')) {
    rest.remove_prefix(1);
  }
  if (lower(rest.substr(0, which.size())) != which) {
    return false;
  }
  rest.remove_prefix(which.size());
  if (rest.empty() || !is_space(rest.front())) {
    return false;
  }
  return lower(trim_blanks(rest).substr(0, 9)) == "migration";
}

} // namespace

Sections split_node_pg_migrate(std::string_view text, const std::string &file,
                               std::vector<ImportNote> &notes) {
  const std::vector<Line> lines = split_lines(text);
  std::optional<std::size_t> up;
  std::optional<std::size_t> down;
  for (std::size_t i = 0; i < lines.size() && !(up && down); ++i) {
    if (!up && node_marker(view(text, lines[i]), "up")) {
      up = i;
    } else if (!down && node_marker(view(text, lines[i]), "down")) {
      down = i;
    }
  }
  if (!up) {
    throw TreeError(file + ": no '-- Up Migration' line");
  }
  const std::size_t first = down ? std::min(*up, *down) : *up;
  for (std::size_t i = 0; i < first; ++i) {
    if (!is_blank_or_comment(view(text, lines[i]))) {
      notes.push_back({true, where(file, i) + "SQL before the first marker line was left out: "
                                              "node-pg-migrate never runs it either"});
      break;
    }
  }
  Sections sections;
  const bool down_first = down && *down < *up;
  sections.up = part(text, lines[*up].next, down && !down_first ? lines[*down].begin : text.size());
  if (down) {
    sections.down = part(text, lines[*down].next, down_first ? lines[*up].begin : text.size());
  }
  return sections;
}

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t newline = text.find('\n', begin);
    Line line{begin, newline == std::string_view::npos ? text.size() : newline, 0};
    line.next = newline == std::string_view::npos ? text.size() : newline + 1;
    if (line.end > line.begin && text[line.end - 1] == '\r') {
      --line.end;
    }
    lines.push_back(line);
    begin = line.next;
  }
  return lines;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

} // namespace migrate::import_detail
