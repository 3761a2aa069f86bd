#include "migrate/classify.hpp"

#include "migrate/sql_lexer.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace migrate {
namespace {

using namespace sql_lexer;

// Whether `text` contains `lower_needle` (lower case), in any case: in code,
// a comment, or a string such as a DO block's body.
bool mentions(std::string_view text, std::string_view lower_needle) {
  return std::search(text.begin(), text.end(), lower_needle.begin(), lower_needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) == b;
                     }) != text.end();
}

class Cursor {
public:
  explicit Cursor(std::string_view text) : m_lexer(text) { advance(); }

  const Token &token() const { return m_token; }
  bool is(TokenKind kind) const { return m_token.kind == kind; }
  bool is(std::string_view keyword) const {
    return m_token.kind == TokenKind::word && equals_keyword(m_token.text, keyword);
  }
  bool is_symbol(char symbol) const {
    return m_token.kind == TokenKind::other && m_token.text.size() == 1 &&
           m_token.text[0] == symbol;
  }
  bool accept(std::string_view keyword) {
    if (!is(keyword)) {
      return false;
    }
    advance();
    return true;
  }
  void advance() { m_token = m_lexer.next(); }

  void skip_qualified_name() {
    advance();
    while (is_symbol('.')) {
      advance();
      advance();
    }
  }

private:
  Lexer m_lexer;
  Token m_token;
};

struct Classification {
  StatementClass statement_class = StatementClass::ordinary;
  std::string_view kind;
};

Classification ordinary() {
  return {};
}
Classification control(std::string_view kind) {
  return {StatementClass::transaction_control, kind};
}
Classification no_transaction(std::string_view kind) {
  return {StatementClass::no_transaction, kind};
}

bool names_option(const Token &token, std::string_view name) {
  if (token.kind == TokenKind::word) {
    return equals_keyword(token.text, name);
  }
  return token.kind == TokenKind::quoted_identifier && token.text.size() == name.size() + 2 &&
         token.text.substr(1, name.size()) == name;
}

// Reads the option as PostgreSQL's defGetBoolean does, so that "(CONCURRENTLY off)" is not taken
// for the option being on; nullopt when the option is absent.
std::optional<bool> boolean_option(std::string_view group, std::string_view name) {
  Lexer lexer(group, 1);
  bool at_option_start = true;
  for (Token token = lexer.next(); token.kind != TokenKind::end; token = lexer.next()) {
    if (!at_option_start || !names_option(token, name)) {
      at_option_start = token.kind == TokenKind::other && token.text == ",";
      continue;
    }
    Token value = lexer.next();
    if (value.kind == TokenKind::other && value.text == "=") {
      value = lexer.next();
    }
    std::string_view text = value.text;
    if (value.kind == TokenKind::string && text.size() >= 2 && text.front() == '\'') {
      text = text.substr(1, text.size() - 2);
    }
    return !(equals_keyword(text, "false") || equals_keyword(text, "off") || text == "0");
  }
  return std::nullopt;
}

Classification classify_rollback(Cursor &c) {
  if (!c.accept("work")) {
    c.accept("transaction");
  }
  if (c.is("to")) {
    return ordinary();
  }
  return c.is("prepared") ? control("ROLLBACK PREPARED") : control("ROLLBACK");
}

// PREPARE TRANSACTION 'gid' against PREPARE transaction AS ..., a statement named "transaction".
Classification classify_prepare(Cursor &c) {
  if (!c.accept("transaction") || c.is("as") || c.is(TokenKind::group)) {
    return ordinary();
  }
  return control("PREPARE TRANSACTION");
}

Classification classify_create_or_drop(Cursor &c, bool create) {
  const bool unique = create && c.accept("unique");
  if (c.accept("index")) {
    // The grammar reads CONCURRENTLY right after INDEX as the option, never as an index name.
    if (!c.is("concurrently")) {
      return ordinary();
    }
    return no_transaction(create ? "CREATE INDEX CONCURRENTLY" : "DROP INDEX CONCURRENTLY");
  }
  if (unique) {
    return ordinary();
  }
  if (c.is("database")) {
    return no_transaction(create ? "CREATE DATABASE" : "DROP DATABASE");
  }
  if (c.is("tablespace")) {
    return no_transaction(create ? "CREATE TABLESPACE" : "DROP TABLESPACE");
  }
  // Only with create_slot (CREATE) or a slot (DROP) does the server refuse; we cannot tell.
  if (c.is("subscription")) {
    return no_transaction(create ? "CREATE SUBSCRIPTION" : "DROP SUBSCRIPTION");
  }
  return ordinary();
}

// DETACH PARTITION cannot be combined with other subcommands, so it follows the table name.
Classification classify_alter_table(Cursor &c) {
  if (c.accept("if")) {
    c.accept("exists");
  }
  if (c.accept("only") && c.is(TokenKind::group)) {
    c.advance();
  } else {
    c.skip_qualified_name();
  }
  if (c.is_symbol('*')) {
    c.advance();
  }
  if (!c.accept("detach") || !c.accept("partition")) {
    return ordinary();
  }
  c.skip_qualified_name();
  return c.is("concurrently") ? no_transaction("ALTER TABLE ... DETACH CONCURRENTLY") : ordinary();
}

// REFRESH PUBLICATION always refreshes; SET/ADD/DROP PUBLICATION do unless refresh = false.
Classification classify_alter_subscription(Cursor &c) {
  c.skip_qualified_name();
  if (c.accept("refresh")) {
    return c.is("publication") ? no_transaction("ALTER SUBSCRIPTION ... REFRESH") : ordinary();
  }
  if (!(c.accept("set") || c.accept("add") || c.accept("drop")) || !c.accept("publication")) {
    return ordinary();
  }
  bool refresh = true;
  for (; !c.is(TokenKind::end); c.advance()) {
    if (c.accept("with") && c.is(TokenKind::group)) {
      refresh = boolean_option(c.token().text, "refresh").value_or(true);
    }
  }
  return refresh ? no_transaction("ALTER SUBSCRIPTION with refresh") : ordinary();
}

Classification classify_alter(Cursor &c) {
  if (c.is("system")) {
    return no_transaction("ALTER SYSTEM");
  }
  if (c.accept("database")) {
    c.advance();
    // SET tablespace TO/= ... would set a (nonexistent) parameter named tablespace.
    if (!c.accept("set") || !c.accept("tablespace") || c.is("to") || c.is_symbol('=')) {
      return ordinary();
    }
    return no_transaction("ALTER DATABASE SET TABLESPACE");
  }
  if (c.accept("subscription")) {
    return classify_alter_subscription(c);
  }
  return c.accept("table") ? classify_alter_table(c) : ordinary();
}

Classification classify_reindex(Cursor &c) {
  bool concurrently = false;
  if (c.is(TokenKind::group)) {
    concurrently = boolean_option(c.token().text, "concurrently").value_or(false);
    c.advance();
  }
  std::string_view kind;
  if (c.is("schema")) {
    kind = "REINDEX SCHEMA";
  } else if (c.is("database")) {
    kind = "REINDEX DATABASE";
  } else if (c.is("system")) {
    kind = "REINDEX SYSTEM";
  } else if (!c.is("table") && !c.is("index")) {
    return ordinary();
  }
  c.advance();
  if (concurrently || c.is("concurrently")) {
    return no_transaction("REINDEX CONCURRENTLY");
  }
  return kind.empty() ? ordinary() : no_transaction(kind);
}

// Only CLUSTER without a table (all previously clustered tables) is refused.
Classification classify_cluster(Cursor &c) {
  if (c.is(TokenKind::group)) {
    c.advance();
  }
  c.accept("verbose");
  return c.is(TokenKind::end) ? no_transaction("CLUSTER") : ordinary();
}

Classification classify(std::string_view statement) {
  Cursor c(statement);
  if (c.accept("begin")) {
    return control("BEGIN");
  }
  if (c.accept("start")) {
    return c.is("transaction") ? control("START TRANSACTION") : ordinary();
  }
  if (c.accept("commit")) {
    return c.is("prepared") ? control("COMMIT PREPARED") : control("COMMIT");
  }
  if (c.accept("end")) {
    return control("END");
  }
  if (c.accept("abort")) {
    return control("ABORT");
  }
  if (c.accept("rollback")) {
    return classify_rollback(c);
  }
  if (c.accept("prepare")) {
    return classify_prepare(c);
  }
  if (c.accept("create")) {
    return classify_create_or_drop(c, true);
  }
  if (c.accept("drop")) {
    return classify_create_or_drop(c, false);
  }
  if (c.accept("alter")) {
    return classify_alter(c);
  }
  if (c.accept("reindex")) {
    return classify_reindex(c);
  }
  if (c.accept("vacuum")) {
    return no_transaction("VACUUM");
  }
  if (c.accept("cluster")) {
    return classify_cluster(c);
  }
  return c.accept("discard") && c.is("all") ? no_transaction("DISCARD ALL") : ordinary();
}

} // namespace

StatementClass classify_statement(std::string_view statement) {
  return classify(statement).statement_class;
}

std::string statement_kind(std::string_view statement) {
  return std::string(classify(statement).kind);
}

bool drops_prepared_statements(std::string_view statement) {
  Cursor c(statement);
  if (c.accept("deallocate")) {
    return true;
  }
  return c.accept("discard") && c.is("all");
}

bool may_change_session(std::string_view statement) {
  Cursor c(statement);
  if (c.accept("set")) {
    return !c.is("local") && !c.is("transaction") && !c.is("constraints");
  }
  if (c.is("reset") || c.is("do") || c.is("call")) {
    return true;
  }
  return mentions(statement, "set_config");
}

std::string_view session_lock_release(std::string_view statement) {
  Cursor c(statement);
  if (c.accept("discard") && c.is("all")) {
    return "DISCARD ALL";
  }
  return mentions(statement, "pg_advisory_unlock_all") ? "pg_advisory_unlock_all()" : "";
}

} // namespace migrate
