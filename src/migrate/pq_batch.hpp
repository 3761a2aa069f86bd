#pragma once
// Several statements in one simple-query message, their results read one by one with libpq
// itself: the history reads, each step's batch, and the statements run outside one. libpqxx
// 6.4 returns a result whole (10000 history rows: 2.9 MB of libpq result beside the rows made
// from it) and its pipeline cannot carry a COPY and puts a `SELECT 1` in front of every batch;
// here the history's rows come as a COPY, a line at a time, and a failed statement is found by
// counting results or from the server's error position. Part of the PostgreSQL seam
// (postgres.cpp is its only user).

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct pg_conn;
struct pg_result;

namespace migrate {

// A statement of the batch failed (sqlstate set) or the connection broke (lost; also for a
// FATAL error, which ends the session: pg_terminate_backend, a server shutdown).
// what() is the first line of the server's message.
class PqError : public std::runtime_error {
public:
  PqError(const std::string &message, std::string sqlstate, bool lost)
      : std::runtime_error(message), m_text(message), m_sqlstate(std::move(sqlstate)),
        m_lost(lost) {}
  // The server's whole message ("ERROR:  ...\nDETAIL:  ..."), as libpq gives it.
  const std::string &text() const { return m_text; }
  const std::string &sqlstate() const { return m_sqlstate; }
  bool lost() const { return m_lost; }
  // 1-based character position in the batch's text the server pointed at, 0 for none.
  std::size_t position() const { return m_position; }

private:
  friend class PqBatch;
  std::string m_text;
  std::string m_sqlstate;
  bool m_lost;
  std::size_t m_position = 0;
};

// The result of one statement that returns rows.
class PqResult {
public:
  explicit PqResult(pg_result *result);
  int rows() const;
  int columns() const;
  bool is_null(int row, int column) const;
  // The value as text ("" for NULL).
  const char *text(int row, int column) const;
  const char *column_name(int column) const;
  unsigned column_type(int column) const; // the type's oid

private:
  std::unique_ptr<pg_result, void (*)(pg_result *)> m_result;
};

class PqBatch {
public:
  // Sends `sql` (statements separated by ';') on `conn`, which must be idle (no
  // libpqxx transaction open). Throws PqError when it cannot be sent.
  PqBatch(pg_conn *conn, const std::string &sql);
  PqBatch(const PqBatch &) = delete;
  PqBatch &operator=(const PqBatch &) = delete;
  // Reads and drops whatever the batch has not read: the connection is idle again.
  ~PqBatch();

  // The next statement's rows. Throws PqError when that statement failed, or when it is a
  // COPY or there is none.
  PqResult next_rows();

  // Waits for the next statement to finish, whatever it returns (rows are dropped, a
  // COPY TO STDOUT read and dropped, a COPY FROM STDIN refused: a batch has no data to
  // send). False when the batch has no statement left. Throws PqError when the statement
  // failed; after a failure the server runs nothing more of the batch. With `affected`,
  // stores there the rows the statement inserted, updated or deleted (0 for others).
  bool next_done(std::uint64_t *affected = nullptr);

  // The next statement, a COPY ... TO STDOUT: hands each line (with its '\n') to `line`, then
  // returns the number of lines. Throws PqError as next_rows() does; a throw from `line`
  // leaves the rest of the COPY to the destructor.
  std::size_t next_copy(const std::function<void(std::string_view)> &line);

private:
  // libpq's next result, nullptr when there is none; throws PqError for a failed statement.
  pg_result *next_result();
  [[noreturn]] void fail(const std::string &what) const;

  pg_conn *m_conn;
};

} // namespace migrate
