#pragma once
// Test harness for the PostgreSQL suite: runs the real `migrate` binary,
// gives each test its own throwaway database and migrations directory.
// The server is chosen by the standard PG* variables.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace migrate_test {

// What a finished process did.
struct Result {
  int code = -1;
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

// A started `migrate` process; wait() collects it.
class Process {
public:
  Process(const std::vector<std::string> &args, const std::map<std::string, std::string> &env,
          const std::filesystem::path &cwd);
  ~Process();
  Process(const Process &) = delete;
  Process &operator=(const Process &) = delete;
  int pid() const { return m_pid; }
  // Waits for exit; code is the exit status, or 128 + signal.
  Result wait();
  // What the process has written to stderr so far.
  std::string err_so_far() const;
  // Polls stderr until it contains `text`; false if the process exits first.
  bool wait_for_err(const std::string &text) const;
  // The same, giving up (false) after `timeout`.
  bool wait_for_err(const std::string &text, std::chrono::milliseconds timeout) const;
  // True once the process has exited (it is not reaped).
  bool exited() const;

private:
  int m_pid = -1;
  std::filesystem::path m_out;
  std::filesystem::path m_err;
  std::optional<Result> m_result;
};

// Runs the binary to completion. `env` entries are added to (or, with an
// empty value, removed from) the inherited environment.
Result run(const std::vector<std::string> &args, const std::map<std::string, std::string> &env = {},
           const std::filesystem::path &cwd = {});

// A temporary directory, removed with everything in it.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

// Writes `dir/<id>/up.sql` and, unless nullopt, `down.sql`.
void write_migration(const std::filesystem::path &dir, const std::string &id, const std::string &up,
                     const std::optional<std::string> &down);
void write_file(const std::filesystem::path &path, const std::string &content);
std::string read_file(const std::filesystem::path &path);

// A fresh database, dropped at the end of the test.
class TempDb {
public:
  TempDb();
  // With `options` after CREATE DATABASE's name, e.g. "ENCODING 'LATIN1' ...".
  explicit TempDb(const std::string &options);
  ~TempDb();
  TempDb(const TempDb &) = delete;
  TempDb &operator=(const TempDb &) = delete;
  const std::string &name() const { return m_name; }
  // A libpq keyword string for it; host/port/user come from PG*.
  std::string conninfo() const { return "dbname=" + m_name; }
  pqxx::result query(const std::string &sql);
  // The single value of a one-row, one-column query, as text ("" for NULL).
  std::string scalar(const std::string &sql);
  bool table_exists(const std::string &name);

private:
  std::string m_name;
};

// A login role, dropped with what it owns and its grants at the end of the test.
class TempRole {
public:
  TempRole(TempDb &db, std::string name);
  ~TempRole();
  TempRole(const TempRole &) = delete;
  TempRole &operator=(const TempRole &) = delete;
  const std::string &name() const { return m_name; }

private:
  TempDb &m_db;
  std::string m_name;
};

// The standard sample migration tree of the project.
std::filesystem::path sample_migrations();

// "--database-url <db> --dir <dir>" followed by `args`.
std::vector<std::string> migrate_args(const TempDb &db, const std::filesystem::path &dir,
                                      const std::vector<std::string> &args);
// Runs the binary to completion on `db` and `dir`.
Result run_migrate(const TempDb &db, const std::filesystem::path &dir,
                   const std::vector<std::string> &args,
                   const std::map<std::string, std::string> &env = {});

// Polls `condition` every 20 ms until it holds (true) or `timeout` passes (false).
bool wait_until(const std::function<bool()> &condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Lowercase hex sha256 of `text`, computed by the server.
std::string sql_sha256(TempDb &db, const std::string &text);

// True when a backend of `db` other than the caller runs a query containing `needle`.
bool query_running(TempDb &db, const std::string &needle);

// True when a `migrate` backend of `db` is building an index (past the catalog entry, so an
// interrupted build leaves an INVALID index behind).
bool migrate_building_index(TempDb &db);

// pg_terminate_backend for every backend of `db` whose application_name starts with
// "migrate/"; returns how many were signalled.
int terminate_migrate_backends(TempDb &db);

// Restarts the server of PGHOST with scripts/pg.sh (tests doing this are [serial]).
void restart_server();

// Waits until the server accepts connections again, at most `timeout`.
bool wait_for_server(std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace migrate_test
