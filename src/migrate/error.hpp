#pragma once
// The one exception root of the library and the exit codes it maps to.

#include <stdexcept>
#include <string>

namespace migrate {

// Process exit codes; documented in docs/cli.md. Tests assert them.
enum class ExitCode : int {
  ok = 0,
  failure = 1,            // anything not classified below
  usage = 2,              // bad flags, bad configuration
  invalid_tree = 3,       // the migrations directory or a file in it is invalid
  history_conflict = 4,   // the history table disagrees with the files
  lock = 5,               // the migration lock was not acquired
  connection = 6,         // connection failed, or the target is read-only
  migration_failed = 7,   // a migration's SQL failed and was rolled back
  partial = 8,            // a non-transactional migration stopped half-way
  not_up_to_date = 9,     // status --exit-code: something is not applied
  interrupted_int = 130,  // SIGINT, after a graceful stop
  interrupted_term = 143, // SIGTERM, after a graceful stop
};

// An error that ends the current command. `what()` is a one-line, lowercase
// message without the `migrate:` prefix; `code()` is the exit code.
class Error : public std::runtime_error {
public:
  Error(ExitCode code, const std::string &message) : std::runtime_error(message), m_code(code) {}
  ExitCode code() const noexcept { return m_code; }

private:
  ExitCode m_code;
};

// Bad command line or configuration (exit 2).
class UsageError : public Error {
public:
  explicit UsageError(const std::string &message) : Error(ExitCode::usage, message) {}
};

// The migrations tree is invalid (exit 3).
class TreeError : public Error {
public:
  explicit TreeError(const std::string &message) : Error(ExitCode::invalid_tree, message) {}
};

// The history table disagrees with the files (exit 4).
class HistoryError : public Error {
public:
  explicit HistoryError(const std::string &message) : Error(ExitCode::history_conflict, message) {}
};

// The migration lock was not acquired in time (exit 5).
class LockError : public Error {
public:
  explicit LockError(const std::string &message) : Error(ExitCode::lock, message) {}
};

// The server could not be reached, or refuses writes (exit 6).
class ConnectionError : public Error {
public:
  explicit ConnectionError(const std::string &message) : Error(ExitCode::connection, message) {}
};

// A non-transactional migration stopped half-way and needs the operator
// (exit 8).
class PartialError : public Error {
public:
  explicit PartialError(const std::string &message) : Error(ExitCode::partial, message) {}
};

} // namespace migrate
