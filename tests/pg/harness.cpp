#include "harness.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace fs = std::filesystem;

namespace migrate_test {

namespace {

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(device() % 100000);
}

std::vector<std::string> child_environment(const std::map<std::string, std::string> &extra) {
  std::map<std::string, std::string> vars;
  for (char **e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) {
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  // The binary must see only what a test gives it.
  for (const char *name : {"DATABASE_URL", "MIGRATE_ENV", "MIGRATE_CONFIG", "MIGRATE_DIR",
                           "MIGRATE_HISTORY_TABLE", "MIGRATE_LOCK_TIMEOUT", "NO_COLOR"}) {
    vars.erase(name);
  }
  for (const auto &[key, value] : extra) {
    if (value.empty()) {
      vars.erase(key);
    } else {
      vars[key] = value;
    }
  }
  std::vector<std::string> out;
  for (const auto &[key, value] : vars) {
    out.push_back(key + "=" + value);
  }
  return out;
}

} // namespace

Process::Process(const std::vector<std::string> &args,
                 const std::map<std::string, std::string> &env, const fs::path &cwd) {
  const std::string base =
      (fs::temp_directory_path() / ("migrate_out_" + unique_suffix())).string();
  m_out = base + ".out";
  m_err = base + ".err";
  std::vector<std::string> argv_strings{MIGRATE_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  const auto env_strings = child_environment(env);
  std::vector<char *> argv;
  for (auto &s : argv_strings) {
    argv.push_back(const_cast<char *>(s.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char *> envp;
  for (auto &s : env_strings) {
    envp.push_back(const_cast<char *>(s.c_str()));
  }
  envp.push_back(nullptr);
  m_pid = ::fork();
  if (m_pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (m_pid == 0) {
    const int out = ::open(m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::dup2(in, 0) < 0) {
      ::_exit(126);
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (!m_result && m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    wait();
  }
  std::error_code ec;
  fs::remove(m_out, ec);
  fs::remove(m_err, ec);
}

Result Process::wait() {
  if (m_result) {
    return *m_result;
  }
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  Result result;
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(m_out);
  result.err = read_file(m_err);
  m_result = result;
  return result;
}

std::string Process::err_so_far() const {
  return read_file(m_err);
}

bool Process::wait_for_err(const std::string &text) const {
  for (;;) {
    if (err_so_far().find(text) != std::string::npos) {
      return true;
    }
    siginfo_t info{};
    const bool exited =
        ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == m_pid;
    if (exited) {
      return err_so_far().find(text) != std::string::npos;
    }
    ::usleep(10000);
  }
}

bool Process::exited() const {
  if (m_result) {
    return true;
  }
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == m_pid;
}

bool Process::wait_for_err(const std::string &text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (err_so_far().find(text) != std::string::npos) {
      return true;
    }
    if (exited() || std::chrono::steady_clock::now() >= deadline) {
      return err_so_far().find(text) != std::string::npos;
    }
    ::usleep(10000);
  }
}

Result run(const std::vector<std::string> &args, const std::map<std::string, std::string> &env,
           const fs::path &cwd) {
  Process process(args, env, cwd);
  return process.wait();
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "migrate_test_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(m_path, ec);
}

void write_file(const fs::path &path, const std::string &content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

std::string read_file(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_migration(const fs::path &dir, const std::string &id, const std::string &up,
                     const std::optional<std::string> &down) {
  write_file(dir / id / "up.sql", up);
  if (down) {
    write_file(dir / id / "down.sql", *down);
  }
}

TempDb::TempDb() : TempDb(std::string()) {}

TempDb::TempDb(const std::string &options) : m_name("migrate_test_" + unique_suffix()) {
  pqxx::connection admin{"dbname=postgres"};
  pqxx::nontransaction tx{admin};
  tx.exec("CREATE DATABASE " + tx.quote_name(m_name) + (options.empty() ? "" : " " + options));
}

TempDb::~TempDb() {
  try {
    pqxx::connection admin{"dbname=postgres"};
    pqxx::nontransaction tx{admin};
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
  } catch (const std::exception &) {
    // Best effort: the cluster is thrown away after the run anyway.
  }
}

pqxx::result TempDb::query(const std::string &sql) {
  pqxx::connection conn{conninfo()};
  pqxx::nontransaction tx{conn};
  return tx.exec(sql);
}

std::string TempDb::scalar(const std::string &sql) {
  auto r = query(sql);
  if (r.size() != 1 || r.columns() != 1) {
    throw std::runtime_error("scalar query returned " + std::to_string(r.size()) + " rows: " + sql);
  }
  return r[0][0].is_null() ? std::string() : std::string(r[0][0].c_str());
}

bool TempDb::table_exists(const std::string &name) {
  return scalar("SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
}

fs::path sample_migrations() {
  return fs::path(MIGRATE_SOURCE_DIR) / "migrations";
}

std::vector<std::string> migrate_args(const TempDb &db, const fs::path &dir,
                                      const std::vector<std::string> &args) {
  std::vector<std::string> all{"--database-url", db.conninfo(), "--dir", dir.string()};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

Result run_migrate(const TempDb &db, const fs::path &dir, const std::vector<std::string> &args,
                   const std::map<std::string, std::string> &env) {
  return run(migrate_args(db, dir, args), env);
}

bool wait_until(const std::function<bool()> &condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    ::usleep(20000);
  }
}

std::string sql_sha256(TempDb &db, const std::string &text) {
  pqxx::connection conn{db.conninfo()};
  pqxx::nontransaction tx{conn};
  return tx.exec_params("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", text)[0][0].c_str();
}

bool query_running(TempDb &db, const std::string &needle) {
  pqxx::connection conn{db.conninfo()};
  pqxx::nontransaction tx{conn};
  return tx.exec_params("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND state = 'active' "
                        "AND strpos(query, $1) > 0",
                        needle)[0][0]
             .as<int>() > 0;
}

bool migrate_building_index(TempDb &db) {
  return db.scalar("SELECT count(*) FROM pg_stat_progress_create_index p "
                   "JOIN pg_stat_activity a ON a.pid = p.pid "
                   "WHERE a.datname = current_database() AND a.application_name LIKE 'migrate/%' "
                   "AND p.phase LIKE 'building index%'") != "0";
}

int terminate_migrate_backends(TempDb &db) {
  pqxx::connection conn{db.conninfo()};
  pqxx::nontransaction tx{conn};
  return tx
      .exec("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name LIKE 'migrate/%'")[0][0]
      .as<int>();
}

TempRole::TempRole(TempDb &db, std::string name) : m_db(db), m_name(std::move(name)) {
  m_db.query("CREATE ROLE " + m_name + " LOGIN");
}

TempRole::~TempRole() {
  try {
    m_db.query("DROP OWNED BY " + m_name);
    m_db.query("DROP ROLE " + m_name);
  } catch (const std::exception &) {
    // Best effort, like TempDb.
  }
}

void restart_server() {
  const char *host = std::getenv("PGHOST");
  if (host == nullptr || host[0] != '/') {
    throw std::runtime_error("restart_server needs PGHOST to be a scripts/pg.sh directory");
  }
  const std::string command =
      std::string("'") + MIGRATE_SOURCE_DIR + "/scripts/pg.sh' restart '" + host + "' >&2";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("failed: " + command);
  }
}

bool wait_for_server(std::chrono::milliseconds timeout) {
  return wait_until(
      [] {
        try {
          pqxx::connection conn{"dbname=postgres"};
          return true;
        } catch (const std::exception &) {
          return false;
        }
      },
      timeout);
}

} // namespace migrate_test
