#pragma once
// Test harness for the PostgreSQL suite: runs the real `migrate` binary,
// gives each test its own throwaway database and migrations directory.
// The server is chosen by the standard PG* variables.

#include <filesystem>
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

// The standard sample migration tree of the project.
std::filesystem::path sample_migrations();

} // namespace migrate_test
