#include "migrate/pq_batch.hpp"

#include <cstdlib>
#include <cstring>
#include <libpq-fe.h>

namespace migrate {

namespace {

void clear(pg_result *result) {
  PQclear(result);
}

std::string first_line_of(const char *message) {
  std::string text = message != nullptr ? message : "";
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

// Reads and drops the rest of a COPY TO STDOUT; false when the connection broke.
bool skip_copy(pg_conn *conn) {
  char *buffer = nullptr;
  int length = 0;
  while ((length = PQgetCopyData(conn, &buffer, 0)) >= 0) {
    PQfreemem(buffer);
  }
  return length != -2;
}

} // namespace

PqResult::PqResult(pg_result *result) : m_result(result, clear) {}
int PqResult::rows() const {
  return PQntuples(m_result.get());
}
int PqResult::columns() const {
  return PQnfields(m_result.get());
}
bool PqResult::is_null(int row, int column) const {
  return PQgetisnull(m_result.get(), row, column) != 0;
}
const char *PqResult::text(int row, int column) const {
  return PQgetvalue(m_result.get(), row, column);
}
const char *PqResult::column_name(int column) const {
  return PQfname(m_result.get(), column);
}
unsigned PqResult::column_type(int column) const {
  return PQftype(m_result.get(), column);
}

PqBatch::PqBatch(pg_conn *conn, const std::string &sql) : m_conn(conn) {
  if (PQsendQuery(m_conn, sql.c_str()) == 0) {
    const bool lost = PQstatus(m_conn) != CONNECTION_OK;
    throw PqError(first_line_of(PQerrorMessage(m_conn)), "", lost);
  }
}

PqBatch::~PqBatch() {
  while (pg_result *result = PQgetResult(m_conn)) {
    const ExecStatusType status = PQresultStatus(result);
    PQclear(result);
    if (status == PGRES_COPY_IN) {
      PQputCopyEnd(m_conn, "abandoned");
    } else if (status == PGRES_COPY_OUT && !skip_copy(m_conn)) {
      break; // the connection broke; its owner finds out at its next use
    }
  }
}

void PqBatch::fail(const std::string &what) const {
  const bool lost = PQstatus(m_conn) != CONNECTION_OK;
  throw PqError(lost ? first_line_of(PQerrorMessage(m_conn)) : what, "", lost);
}

pg_result *PqBatch::next_result() {
  pg_result *result = PQgetResult(m_conn);
  if (result == nullptr) {
    return nullptr;
  }
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
      status == PGRES_NONFATAL_ERROR) {
    const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char *position = PQresultErrorField(result, PG_DIAG_STATEMENT_POSITION);
    const char *text = PQresultErrorMessage(result);
    // A FATAL error ends the session (pg_terminate_backend, a server shutdown), although
    // libpq only marks the connection bad once it reads the end of the stream.
    const char *severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    const bool ends_session = severity != nullptr && (std::strcmp(severity, "FATAL") == 0 ||
                                                      std::strcmp(severity, "PANIC") == 0);
    PqError error(first_line_of(text), state != nullptr ? state : "",
                  ends_session || PQstatus(m_conn) != CONNECTION_OK);
    error.m_text = text != nullptr ? text : "";
    error.m_position = position != nullptr ? std::strtoull(position, nullptr, 10) : 0;
    PQclear(result);
    throw error;
  }
  return result;
}

PqResult PqBatch::next_rows() {
  pg_result *result = next_result();
  if (result == nullptr) {
    fail("the batch ended before its last statement");
  }
  PqResult rows(result);
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    fail("a statement of the batch returned no rows");
  }
  return rows;
}

bool PqBatch::next_done(std::uint64_t *affected) {
  pg_result *result = next_result();
  if (result == nullptr) {
    return false;
  }
  const ExecStatusType status = PQresultStatus(result);
  if (affected != nullptr) {
    *affected = std::strtoull(PQcmdTuples(result), nullptr, 10); // "" for no count: 0
  }
  PQclear(result);
  if (status == PGRES_COPY_OUT) {
    if (!skip_copy(m_conn)) {
      fail("reading the COPY failed");
    }
    if (pg_result *end = next_result()) {
      PQclear(end);
    }
  } else if (status == PGRES_COPY_IN) {
    // The server reports this as the statement's error (next_result throws it).
    PQputCopyEnd(m_conn, "COPY FROM STDIN cannot be given data here; use a file or "
                         "INSERT statements");
    if (pg_result *end = next_result()) {
      PQclear(end);
    }
  }
  return true;
}

std::size_t PqBatch::next_copy(const std::function<void(std::string_view)> &line) {
  pg_result *result = next_result();
  if (result == nullptr) {
    fail("the batch ended before its last statement");
  }
  const bool copying = PQresultStatus(result) == PGRES_COPY_OUT;
  PQclear(result);
  if (!copying) {
    fail("a statement of the batch is not a COPY TO STDOUT");
  }
  std::size_t count = 0;
  char *buffer = nullptr;
  int length = 0;
  while ((length = PQgetCopyData(m_conn, &buffer, 0)) >= 0) {
    std::unique_ptr<char, void (*)(void *)> owned(buffer, PQfreemem);
    line(std::string_view(buffer, static_cast<std::size_t>(length)));
    ++count;
  }
  if (length == -2) {
    fail("reading the COPY failed");
  }
  // The COPY's own result: its end, or why it stopped (e.g. statement_timeout).
  if (pg_result *end = next_result()) {
    PQclear(end);
  }
  return count;
}

} // namespace migrate
