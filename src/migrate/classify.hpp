#pragma once
// What a migration's statements and header comments say about how it must run: which
// statements cannot run inside a transaction block, and the file's "-- migrate:" directives.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace migrate {

// How a statement relates to the transaction a migration normally runs in.
enum class StatementClass {
  ordinary,            // fine inside a transaction
  transaction_control, // BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK (not ROLLBACK TO),
                       // ABORT, PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED
  no_transaction,      // cannot run inside a transaction block (SQLSTATE 25001) in PostgreSQL 15
};

// Classifies one statement's text (as produced by the splitter: no trailing ';'). Looks only at
// the leading keywords, skipping comments and whitespace, case-insensitively.
StatementClass classify_statement(std::string_view statement);

// A short human name for what made a statement no_transaction or transaction_control, as
// PostgreSQL names it in its errors, e.g. "CREATE INDEX CONCURRENTLY", "VACUUM", "COMMIT";
// empty for ordinary.
std::string statement_kind(std::string_view statement);

// True for DEALLOCATE (any form) and DISCARD ALL: statements that drop the session's prepared
// statements, among them the ones migrate prepares to record its steps.
bool drops_prepared_statements(std::string_view statement);

// True for a statement that may leave a setting or the role of the session changed after its
// transaction: SET (not SET LOCAL, SET TRANSACTION, SET CONSTRAINTS; SET ROLE and SET SESSION
// AUTHORIZATION included), RESET, DO and CALL (whose code may do anything), and any statement
// whose text mentions set_config. Conservative: a function called otherwise that changes the
// session is not seen.
bool may_change_session(std::string_view statement);

// What in `statement` releases the session's advisory locks, migrate's lock on the database
// among them: "DISCARD ALL", or "pg_advisory_unlock_all()" for a statement that mentions that
// function anywhere (a DO block's body included); empty for neither.
std::string_view session_lock_release(std::string_view statement);

// Settings a migration file gives itself in its header: the comment lines before its first
// statement.
struct Directives {
  bool no_transaction = false;                                // -- migrate:no-transaction
  std::optional<std::chrono::milliseconds> lock_timeout;      // -- migrate:lock_timeout 5s
  std::optional<std::chrono::milliseconds> statement_timeout; // -- migrate:statement_timeout 10min
};

// Reads the directives of `sql` (a whole file): header lines starting, after optional blanks,
// with "-- migrate:" then a name and an optional value after a space or '='. Unknown, repeated
// or misplaced directives and missing or bad values throw TreeError "<file>:<line>: ...".
Directives parse_directives(std::string_view sql, const std::string &file);

} // namespace migrate
