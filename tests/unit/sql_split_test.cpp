#include "migrate/sql_split.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

using migrate::split_statements;
using migrate::Statement;
using migrate::statement_text;

namespace {

// A statement as the tests compare it: its 1-based line and exact text.
struct Piece {
  std::size_t line;
  std::string text;

  bool operator==(const Piece &other) const { return line == other.line && text == other.text; }
};

std::ostream &operator<<(std::ostream &os, const Piece &piece) {
  return os << "{line " << piece.line << ": \"" << piece.text << "\"}";
}

std::vector<Piece> pieces(std::string_view sql) {
  std::vector<Piece> result;
  for (const Statement &statement : split_statements(sql)) {
    result.push_back(Piece{statement.line, std::string(statement_text(sql, statement))});
  }
  return result;
}

struct SplitCase {
  std::string name;
  std::string sql;
  std::vector<Piece> expected;
};

} // namespace

TEST_CASE("split_statements splits and locates statements", "[sql_split]") {
  const SplitCase c = GENERATE(values<SplitCase>({
      {"simple",
       "SELECT 1;\nSELECT 2;\n\nSELECT 3;",
       {{1, "SELECT 1"}, {2, "SELECT 2"}, {4, "SELECT 3"}}},
      {"several on one line",
       "SELECT 1; SELECT 2;SELECT 3",
       {{1, "SELECT 1"}, {1, "SELECT 2"}, {1, "SELECT 3"}}},
      {"no final semicolon", "SELECT 1;\nSELECT 2\n", {{1, "SELECT 1"}, {2, "SELECT 2"}}},
      {"multi-line statement",
       "CREATE TABLE t (\n  id int\n);\n",
       {{1, "CREATE TABLE t (\n  id int\n)"}}},
      {"empty statements", ";;SELECT 1;;\n;", {{1, "SELECT 1"}}},
      {"blank lines before", "\n\n\n   \t\n  SELECT 1;", {{5, "SELECT 1"}}},
      {"comments before first token", "\n-- one\n\n/* two\n*/\n  SELECT 1;", {{6, "SELECT 1"}}},
      {"line comments between",
       "-- head\nSELECT 1; -- after 1\n-- before 2\nSELECT 2; -- tail\n",
       {{2, "SELECT 1"}, {4, "SELECT 2"}}},
      {"block comments between",
       "/* a */ SELECT 1; /* b\n; */ SELECT 2 /* c */;",
       {{1, "SELECT 1"}, {2, "SELECT 2"}}},
      {"nested block comment",
       "/* a /* b; */ still; comment */ SELECT 1; /* x /* y */ z */",
       {{1, "SELECT 1"}}},
      {"comment inside statement kept",
       "SELECT 1 -- one\n  + 2; SELECT /* ; */ 3",
       {{1, "SELECT 1 -- one\n  + 2"}, {2, "SELECT /* ; */ 3"}}},
      {"trailing comments excluded", "SELECT 1 -- done\n/* more */\n", {{1, "SELECT 1"}}},
      {"comment before semicolon excluded",
       "SELECT 1 /* x */ ;\nSELECT 2 -- y\n;",
       {{1, "SELECT 1"}, {2, "SELECT 2"}}},
      {"operator next to comment",
       "SELECT 2*/*;*/3; SELECT 1--;\n+1;",
       {{1, "SELECT 2*/*;*/3"}, {1, "SELECT 1--;\n+1"}}},
      {"line comment ends at lone CR",
       "SELECT 1 -- c\r; SELECT 2",
       {{1, "SELECT 1"}, {1, "SELECT 2"}}},
      {"standard string", "SELECT 'a;b''c;'; SELECT 2", {{1, "SELECT 'a;b''c;'"}, {1, "SELECT 2"}}},
      {"backslash is literal in standard string",
       "SELECT 'a\\'; SELECT 2",
       {{1, "SELECT 'a\\'"}, {1, "SELECT 2"}}},
      {"E string with backslash quote",
       "SELECT E'it\\'s; ok'; SELECT e'\\\\'; SELECT 3",
       {{1, "SELECT E'it\\'s; ok'"}, {1, "SELECT e'\\\\'"}, {1, "SELECT 3"}}},
      {"E string continued on the same line keeps escapes",
       "SELECT E'a' -- c\r'\\'; b'; SELECT 2",
       {{1, "SELECT E'a' -- c\r'\\'; b'"}, {1, "SELECT 2"}}},
      {"no E string continuation across LF, as in psql",
       "SELECT E'a'\n'\\'; SELECT 2",
       {{1, "SELECT E'a'\n'\\'"}, {2, "SELECT 2"}}},
      {"E prefix only at token start",
       "SELECT some'\\'; SELECT 2",
       {{1, "SELECT some'\\'"}, {1, "SELECT 2"}}},
      {"U& string and identifier",
       "SELECT U&'a;b', u&\"c;d\"; SELECT 2",
       {{1, "SELECT U&'a;b', u&\"c;d\""}, {1, "SELECT 2"}}},
      {"bit, hex and national strings",
       "SELECT B'0;1', x'f;', N'n;'; SELECT 2",
       {{1, "SELECT B'0;1', x'f;', N'n;'"}, {1, "SELECT 2"}}},
      {"quoted identifier",
       "SELECT \"we\"\"ird;\" FROM \"t;\"; SELECT 2",
       {{1, "SELECT \"we\"\"ird;\" FROM \"t;\""}, {1, "SELECT 2"}}},
      {"quotes hide comment starts",
       "SELECT '--', \"/*\"; SELECT 2",
       {{1, "SELECT '--', \"/*\""}, {1, "SELECT 2"}}},
      {"dollar quote", "SELECT $$a;b$$; SELECT 2", {{1, "SELECT $$a;b$$"}, {1, "SELECT 2"}}},
      {"tagged dollar quote containing $$",
       "DO $fn$ BEGIN PERFORM $$;$$; END $fn$; SELECT 2",
       {{1, "DO $fn$ BEGIN PERFORM $$;$$; END $fn$"}, {1, "SELECT 2"}}},
      {"dollar tag must match exactly",
       "SELECT $a$ $ab$ ; $A$ ; $a$; SELECT $_x1$;$_x1$",
       {{1, "SELECT $a$ $ab$ ; $A$ ; $a$"}, {1, "SELECT $_x1$;$_x1$"}}},
      {"dollar quote spans lines",
       "SELECT $$\n;\n$$;\nSELECT 2",
       {{1, "SELECT $$\n;\n$$"}, {4, "SELECT 2"}}},
      {"positional parameters",
       "SELECT $1;SELECT $2 + $10; SELECT 3",
       {{1, "SELECT $1"}, {1, "SELECT $2 + $10"}, {1, "SELECT 3"}}},
      {"dollar inside identifier",
       "SELECT a$b$ FROM t; SELECT $b$;$b$",
       {{1, "SELECT a$b$ FROM t"}, {1, "SELECT $b$;$b$"}}},
      {"lone dollar",
       "SELECT $ ; SELECT $x ; SELECT 3",
       {{1, "SELECT $"}, {1, "SELECT $x"}, {1, "SELECT 3"}}},
      {"casts and psql variable references",
       "SELECT 1::int, :v$$;$$; SELECT 2",
       {{1, "SELECT 1::int, :v$$;$$"}, {1, "SELECT 2"}}},
      {"digits glued to letters are one token",
       "SELECT 1a$$; SELECT $1x$$; SELECT 3",
       {{1, "SELECT 1a$$"}, {1, "SELECT $1x$$"}, {1, "SELECT 3"}}},
      {"parentheses",
       "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); NOTIFY b); SELECT 1",
       {{1, "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); NOTIFY b)"},
        {1, "SELECT 1"}}},
      {"unbalanced closing parenthesis",
       "SELECT 1); SELECT 2",
       {{1, "SELECT 1)"}, {1, "SELECT 2"}}},
      {"plain transaction",
       "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n",
       {{1, "BEGIN"}, {2, "CREATE TABLE t (id int)"}, {3, "COMMIT"}}},
      {"transaction block with END",
       "BEGIN; SELECT 1; END;",
       {{1, "BEGIN"}, {1, "SELECT 1"}, {1, "END"}}},
      {"plpgsql body in dollar quote",
       "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM "
       "1;\nEND;\n$$;\nSELECT 1;",
       {{1,
         "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\nEND;\n$$"},
        {6, "SELECT 1"}}},
      {"begin atomic",
       "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT "
       "2;\nEND;\nSELECT 3;",
       {{1, "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT "
            "2;\nEND"},
        {6, "SELECT 3"}}},
      {"begin atomic, lower case, or replace",
       "create or replace function f() returns int language sql begin atomic select 1; end; select "
       "2",
       {{1, "create or replace function f() returns int language sql begin atomic select 1; end"},
        {1, "select 2"}}},
      {"procedure with CASE inside begin atomic",
       "CREATE OR REPLACE PROCEDURE p(x int) LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE x WHEN 1 "
       "THEN 'a' ELSE 'b' END;\n  INSERT INTO t VALUES (CASE WHEN x > 0 THEN 1 END);\nEND;\nCALL "
       "p(1);",
       {{1, "CREATE OR REPLACE PROCEDURE p(x int) LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE x WHEN "
            "1 THEN 'a' ELSE 'b' END;\n  INSERT INTO t VALUES (CASE WHEN x > 0 THEN 1 END);\nEND"},
        {6, "CALL p(1)"}}},
      {"CASE outside begin atomic is not counted",
       "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN CASE WHEN x > 0 THEN 1 END; "
       "SELECT 2",
       {{1, "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN CASE WHEN x > 0 THEN 1 END"},
        {1, "SELECT 2"}}},
      {"begin_date is not BEGIN",
       "CREATE FUNCTION begin_date() RETURNS date LANGUAGE sql RETURN current_date; SELECT 1",
       {{1, "CREATE FUNCTION begin_date() RETURNS date LANGUAGE sql RETURN current_date"},
        {1, "SELECT 1"}}},
      {"quoted or commented BEGIN is not counted",
       "CREATE FUNCTION \"begin\"() RETURNS text LANGUAGE sql /* begin */ -- begin\nRETURN "
       "'begin'; SELECT 1",
       {{1, "CREATE FUNCTION \"begin\"() RETURNS text LANGUAGE sql /* begin */ -- begin\nRETURN "
            "'begin'"},
        {2, "SELECT 1"}}},
      {"BEGIN after CREATE FUNCTION statement",
       "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1;\nBEGIN;\nSELECT 1;\nCOMMIT;",
       {{1, "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1"},
        {2, "BEGIN"},
        {3, "SELECT 1"},
        {4, "COMMIT"}}},
      {"CREATE TABLE does not count BEGIN",
       "CREATE TABLE begin_end (begin int); SELECT 1",
       {{1, "CREATE TABLE begin_end (begin int)"}, {1, "SELECT 1"}}},
      {"multi-line strings and comments advance lines",
       "SELECT 'a\nb\nc';\n/* x\ny */\nSELECT $$\n$$;\nSELECT 3",
       {{1, "SELECT 'a\nb\nc'"}, {6, "SELECT $$\n$$"}, {8, "SELECT 3"}}},
      {"CRLF line endings",
       "SELECT 1;\r\n\r\nSELECT 'a\r\nb';\r\n-- c\r\nSELECT 3;\r\n",
       {{1, "SELECT 1"}, {3, "SELECT 'a\r\nb'"}, {6, "SELECT 3"}}},
      {"backslash is plain text", "SELECT 1 \\gset\nSELECT 2;", {{1, "SELECT 1 \\gset\nSELECT 2"}}},
      {"UTF-8 identifiers",
       "SELECT 1 AS \xC3\xA9t\xC3\xA9; SELECT 2",
       {{1, "SELECT 1 AS \xC3\xA9t\xC3\xA9"}, {1, "SELECT 2"}}},
  }));
  CAPTURE(c.name, c.sql);
  CHECK(pieces(c.sql) == c.expected);
}

TEST_CASE("split_statements returns nothing for input without tokens", "[sql_split]") {
  const std::string sql =
      GENERATE(as<std::string>{}, "", " \n\t\r\n", "-- only a comment", "/* block */\n-- line\n",
               ";", " ; ;\n;", "\xEF\xBB\xBF", "\xEF\xBB\xBF-- c\n", "/* /* nested */ */");
  CAPTURE(sql);
  CHECK(split_statements(sql).empty());
}

TEST_CASE("split_statements reports offsets and lengths", "[sql_split]") {
  const std::string sql = "  SELECT 1 ; -- c\n\n  select 'x;y'\n";
  const std::vector<Statement> statements = split_statements(sql);
  REQUIRE(statements.size() == 2);
  CHECK(statements[0].offset == 2);
  CHECK(statements[0].length == 8);
  CHECK(statements[0].line == 1);
  CHECK_FALSE(statements[0].unterminated);
  CHECK(statements[1].offset == 21);
  CHECK(statements[1].length == 12);
  CHECK(statements[1].line == 3);
  CHECK_FALSE(statements[1].unterminated);
}

TEST_CASE("split_statements skips a leading UTF-8 BOM", "[sql_split]") {
  const std::string sql = "\xEF\xBB\xBFSELECT 1;\nSELECT 2;";
  const std::vector<Statement> statements = split_statements(sql);
  REQUIRE(statements.size() == 2);
  CHECK(statements[0].offset == 3);
  CHECK(statement_text(sql, statements[0]) == "SELECT 1");
  CHECK(statements[0].line == 1);
  CHECK(statements[1].line == 2);
}

TEST_CASE("CRLF input gives the same lines as LF input", "[sql_split]") {
  const std::string lf = "-- m\n\nCREATE TABLE t (\n  a text DEFAULT 'x\ny'\n);\n\n/* c\n*/\n"
                         "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
                         "  SELECT 1;\nEND;\nSELECT $$\n$$;\n";
  std::string crlf;
  for (const char c : lf) {
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  }
  const std::vector<Statement> from_lf = split_statements(lf);
  const std::vector<Statement> from_crlf = split_statements(crlf);
  REQUIRE(from_lf.size() == 3);
  REQUIRE(from_crlf.size() == from_lf.size());
  for (std::size_t i = 0; i < from_lf.size(); ++i) {
    CAPTURE(i);
    CHECK(from_crlf[i].line == from_lf[i].line);
  }
  CHECK(from_lf[0].line == 3);
  CHECK(from_lf[1].line == 10);
  CHECK(from_lf[2].line == 14);
}

TEST_CASE("unterminated constructs become a final unterminated statement", "[sql_split]") {
  using Case = std::pair<std::string, std::string>;
  const auto [sql, last_text] = GENERATE(values<Case>({
      {"SELECT 1; SELECT 'abc;\n", "SELECT 'abc;\n"},
      {"SELECT 1; SELECT E'abc\\", "SELECT E'abc\\"},
      {"SELECT 1; SELECT E'abc\\'", "SELECT E'abc\\'"},
      {"SELECT 1; SELECT \"abc; ", "SELECT \"abc; "},
      {"SELECT 1; DO $x$ BEGIN; $$ END; $y$", "DO $x$ BEGIN; $$ END; $y$"},
      {"SELECT 1; SELECT 2 /* c; /* d */", "SELECT 2 /* c; /* d */"},
      {"SELECT 1; /* never closed;\n", "/* never closed;\n"},
      {"SELECT 1; SELECT B'01", "SELECT B'01"},
      {"SELECT 1; SELECT U&'x", "SELECT U&'x"},
  }));
  CAPTURE(sql);
  const std::vector<Statement> statements = split_statements(sql);
  REQUIRE(statements.size() == 2);
  CHECK(statement_text(sql, statements[0]) == "SELECT 1");
  CHECK_FALSE(statements[0].unterminated);
  CHECK(statement_text(sql, statements[1]) == last_text);
  CHECK(statements[1].unterminated);
  CHECK(statements[1].offset + statements[1].length == sql.size());
}

TEST_CASE("unclosed parentheses or BEGIN ATOMIC are not unterminated", "[sql_split]") {
  const std::string sql = GENERATE(as<std::string>{}, "SELECT (1; SELECT 2",
                                   "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; SELECT 2;");
  CAPTURE(sql);
  const std::vector<Statement> statements = split_statements(sql);
  REQUIRE(statements.size() == 1);
  CHECK_FALSE(statements[0].unterminated);
  CHECK(statement_text(sql, statements[0]) == sql);
}

TEST_CASE("every prefix of a tricky script splits into sane statements", "[sql_split]") {
  const std::string script =
      "\xEF\xBB\xBF-- m\r\nSELECT 'a''b', E'\\'', \"q\"\"\", $1, $t$;$$;$t$, U&'x'; /* a /* b */ "
      "*/\n"
      "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 "
      "END; END;\nSELECT (1;2); SELECT 1e5, 1.5e-3, .5, 1..2, 12abc, x'ff' --\r\n;";
  for (std::size_t length = 0; length <= script.size(); ++length) {
    const std::string_view sql = std::string_view(script).substr(0, length);
    CAPTURE(length);
    std::size_t previous_end = 0;
    for (const Statement &statement : split_statements(sql)) {
      REQUIRE(statement.offset >= previous_end);
      REQUIRE(statement.length > 0);
      REQUIRE(statement.offset + statement.length <= sql.size());
      const std::string_view text = statement_text(sql, statement);
      REQUIRE(text.find_first_of(" \t\r\n") != 0);
      const auto newlines = std::count(sql.begin(), sql.begin() + statement.offset, '\n');
      REQUIRE(statement.line == static_cast<std::size_t>(newlines) + 1);
      previous_end = statement.offset + statement.length;
    }
  }
  REQUIRE(split_statements(script).size() == 4);
}

TEST_CASE("split_statements handles many statements", "[sql_split]") {
  std::string sql;
  for (int i = 0; i < 20000; ++i) {
    sql += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'v;');\n";
  }
  const std::vector<Statement> statements = split_statements(sql);
  REQUIRE(statements.size() == 20000);
  CHECK(statements.back().line == 20000);
  CHECK(statement_text(sql, statements.back()) == "INSERT INTO t VALUES (19999, 'v;')");
}
