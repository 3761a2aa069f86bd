#include "migrate/error.hpp"
#include "migrate/settings.hpp"

#include "fake_env.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>

using namespace migrate;
using namespace std::chrono_literals;
using Catch::Contains;
using migrate_test::fake_env;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace fs = std::filesystem;

namespace {

const char *const k_config = "development:\n"
                             "  url: postgresql://dev:devpass@cfg-dev/app\n"
                             "  dir: db/dev\n"
                             "  history_table: devschema.devhist\n"
                             "  lock_timeout: 5s\n"
                             "  templates: tpl\n"
                             "production:\n"
                             "  url: postgresql://prod:prodpass@cfg-prod/app\n"
                             "staging:\n"
                             "  dir: db/staging\n";

struct Setup {
  TempDir tmp;
  Flags flags;
  Setup() {
    write_file(tmp / "migrate.yaml", k_config);
    flags.config_file = (tmp / "migrate.yaml").string();
  }
};

// Runs a test inside a directory, restoring the previous one afterwards; for
// the ./migrate.yaml default only, so the cwd is always a fresh temp dir.
class InDirectory {
public:
  explicit InDirectory(const fs::path &dir) : m_previous(fs::current_path()) {
    fs::current_path(dir);
  }
  ~InDirectory() {
    std::error_code ec;
    fs::current_path(m_previous, ec);
  }
  InDirectory(const InDirectory &) = delete;
  InDirectory &operator=(const InDirectory &) = delete;

private:
  fs::path m_previous;
};

bool has(const std::vector<std::string> &secrets, const std::string &secret) {
  return std::find(secrets.begin(), secrets.end(), secret) != secrets.end();
}

} // namespace

TEST_CASE("resolve_settings: connection precedence", "[settings]") {
  Setup s;
  const std::map<std::string, std::string> with_url = {
      {"DATABASE_URL", "postgresql://env:envpass@env-host/app"}};

  SECTION("the flag beats DATABASE_URL") {
    s.flags.database_url = "postgresql://flag@flag-host/app";
    CHECK(resolve_settings(s.flags, fake_env(with_url)).conninfo ==
          "postgresql://flag@flag-host/app");
  }
  SECTION("DATABASE_URL beats the implicit environment's file connection") {
    CHECK(resolve_settings(s.flags, fake_env(with_url)).conninfo ==
          "postgresql://env:envpass@env-host/app");
  }
  SECTION("the file is used when nothing else is given") {
    CHECK(resolve_settings(s.flags, fake_env({})).conninfo ==
          "postgresql://dev:devpass@cfg-dev/app");
  }
  SECTION("--env's connection beats DATABASE_URL") {
    s.flags.env = "production";
    CHECK(resolve_settings(s.flags, fake_env(with_url)).conninfo ==
          "postgresql://prod:prodpass@cfg-prod/app");
  }
  SECTION("MIGRATE_ENV's connection beats DATABASE_URL") {
    auto vars = with_url;
    vars["MIGRATE_ENV"] = "production";
    CHECK(resolve_settings(s.flags, fake_env(vars)).conninfo ==
          "postgresql://prod:prodpass@cfg-prod/app");
  }
  SECTION("--env beats MIGRATE_ENV") {
    s.flags.env = "production";
    CHECK(resolve_settings(s.flags, fake_env({{"MIGRATE_ENV", "development"}})).conninfo ==
          "postgresql://prod:prodpass@cfg-prod/app");
  }
  SECTION("the flag still beats an explicit environment") {
    s.flags.env = "production";
    s.flags.database_url = "postgresql://flag@flag-host/app";
    CHECK(resolve_settings(s.flags, fake_env(with_url)).conninfo ==
          "postgresql://flag@flag-host/app");
  }
  SECTION("an explicit environment without connection leaves DATABASE_URL in charge") {
    s.flags.env = "staging";
    CHECK(resolve_settings(s.flags, fake_env(with_url)).conninfo ==
          "postgresql://env:envpass@env-host/app");
  }
  SECTION("keyword connections are built into a conninfo string") {
    write_file(s.tmp / "kw.yaml", "development:\n  host: h\n  dbname: d\n  password: pw\n");
    s.flags.config_file = (s.tmp / "kw.yaml").string();
    const auto settings = resolve_settings(s.flags, fake_env({}));
    CHECK(settings.conninfo == "dbname='d' host='h' password='pw'");
    CHECK(has(settings.secrets, "pw"));
  }
}

TEST_CASE("resolve_settings: which environment must exist", "[settings]") {
  TempDir tmp;
  write_file(tmp / "prod-only.yaml", "production:\n  url: postgresql://prod/app\n");
  Flags flags;
  flags.config_file = (tmp / "prod-only.yaml").string();

  SECTION("an implicit development missing from the file is fine") {
    const auto settings = resolve_settings(flags, fake_env({}));
    CHECK(settings.conninfo.empty());
    CHECK(settings.dir == fs::path("migrations"));
    const auto with_url =
        resolve_settings(flags, fake_env({{"DATABASE_URL", "postgresql://env/app"}}));
    CHECK(with_url.conninfo == "postgresql://env/app");
  }
  SECTION("--env naming a missing environment is a UsageError") {
    flags.env = "staging";
    REQUIRE_THROWS_AS(resolve_settings(flags, fake_env({})), UsageError);
    REQUIRE_THROWS_WITH(resolve_settings(flags, fake_env({})),
                        Contains("staging") && Contains("production"));
  }
  SECTION("--env development, explicitly, must exist too") {
    flags.env = "development";
    REQUIRE_THROWS_AS(resolve_settings(flags, fake_env({})), UsageError);
  }
  SECTION("MIGRATE_ENV naming a missing environment is a UsageError") {
    REQUIRE_THROWS_AS(resolve_settings(flags, fake_env({{"MIGRATE_ENV", "staging"}})), UsageError);
    REQUIRE_THROWS_WITH(resolve_settings(flags, fake_env({{"MIGRATE_ENV", "staging"}})),
                        Contains("staging"));
  }
}

TEST_CASE("resolve_settings: the configuration file", "[settings]") {
  TempDir tmp;
  write_file(tmp / "other.yaml", "development:\n  url: postgresql://other/app\n");
  Flags flags;

  SECTION("--config pointing to a missing file is a UsageError") {
    flags.config_file = (tmp / "missing.yaml").string();
    REQUIRE_THROWS_AS(resolve_settings(flags, fake_env({})), UsageError);
    REQUIRE_THROWS_WITH(resolve_settings(flags, fake_env({})),
                        Contains((tmp / "missing.yaml").string()));
  }
  SECTION("MIGRATE_CONFIG is used without --config") {
    const auto settings =
        resolve_settings(flags, fake_env({{"MIGRATE_CONFIG", (tmp / "other.yaml").string()}}));
    CHECK(settings.conninfo == "postgresql://other/app");
  }
  SECTION("--config beats MIGRATE_CONFIG") {
    write_file(tmp / "flag.yaml", "development:\n  url: postgresql://flag/app\n");
    flags.config_file = (tmp / "flag.yaml").string();
    const auto settings =
        resolve_settings(flags, fake_env({{"MIGRATE_CONFIG", (tmp / "other.yaml").string()}}));
    CHECK(settings.conninfo == "postgresql://flag/app");
  }
  SECTION("MIGRATE_CONFIG pointing to a missing file is a UsageError") {
    REQUIRE_THROWS_AS(
        resolve_settings(flags, fake_env({{"MIGRATE_CONFIG", (tmp / "nope.yaml").string()}})),
        UsageError);
  }
}

TEST_CASE("resolve_settings: dir, history table and lock timeout precedence", "[settings]") {
  Setup s;
  const std::map<std::string, std::string> vars = {{"MIGRATE_DIR", "env/dir"},
                                                   {"MIGRATE_HISTORY_TABLE", "envschema.envhist"},
                                                   {"MIGRATE_LOCK_TIMEOUT", "2m"}};

  SECTION("flags win") {
    s.flags.dir = "flag/dir";
    s.flags.history_table = "flagschema.flaghist";
    s.flags.lock_timeout = "750ms";
    const auto settings = resolve_settings(s.flags, fake_env(vars));
    CHECK(settings.dir == fs::path("flag/dir"));
    CHECK(settings.history.schema == "flagschema");
    CHECK(settings.history.table == "flaghist");
    CHECK(settings.lock_timeout == 750ms);
  }
  SECTION("environment variables beat the file") {
    const auto settings = resolve_settings(s.flags, fake_env(vars));
    CHECK(settings.dir == fs::path("env/dir"));
    CHECK(settings.history.qualified() == "envschema.envhist");
    CHECK(settings.lock_timeout == 120000ms);
  }
  SECTION("the file beats the defaults") {
    const auto settings = resolve_settings(s.flags, fake_env({}));
    CHECK(settings.dir == s.tmp / "db/dev");
    CHECK(settings.history.qualified() == "devschema.devhist");
    CHECK(settings.lock_timeout == 5000ms);
    CHECK(settings.templates == std::optional<fs::path>(s.tmp / "tpl"));
  }
  SECTION("defaults") {
    s.flags.env = "production";
    const auto settings = resolve_settings(s.flags, fake_env({}));
    CHECK(settings.dir == fs::path("migrations"));
    CHECK(settings.history.schema == "public");
    CHECK(settings.history.table == "migration_history");
    CHECK(settings.lock_timeout == 60000ms);
    CHECK_FALSE(settings.templates.has_value());
  }
  SECTION("a table without schema lives in public") {
    s.flags.history_table = "my_history";
    const auto settings = resolve_settings(s.flags, fake_env({}));
    CHECK(settings.history.qualified() == "public.my_history");
  }
}

TEST_CASE("resolve_settings: refusals of bad values", "[settings]") {
  Setup s;
  SECTION("bad history table flag") {
    for (const std::string bad : {"bad-name", "a.b.c", "1table", "", "sch.", "x y"}) {
      INFO("history table: '" << bad << "'");
      s.flags.history_table = bad;
      REQUIRE_THROWS_AS(resolve_settings(s.flags, fake_env({})), UsageError);
    }
  }
  SECTION("an empty --env, --dir or --config") {
    s.flags.env = "";
    REQUIRE_THROWS_WITH(resolve_settings(s.flags, fake_env({})), "--env: the value is empty");
    s.flags.env.reset();
    s.flags.dir = "";
    REQUIRE_THROWS_WITH(resolve_settings(s.flags, fake_env({})), "--dir: the value is empty");
    s.flags.dir.reset();
    s.flags.config_file = "";
    REQUIRE_THROWS_WITH(resolve_settings(s.flags, fake_env({})), "--config: the value is empty");
  }
  SECTION("bad history table from the environment, named") {
    REQUIRE_THROWS_AS(resolve_settings(s.flags, fake_env({{"MIGRATE_HISTORY_TABLE", "a;b"}})),
                      UsageError);
    REQUIRE_THROWS_WITH(resolve_settings(s.flags, fake_env({{"MIGRATE_HISTORY_TABLE", "a;b"}})),
                        Contains("MIGRATE_HISTORY_TABLE: history table 'a;b' must be"));
  }
  SECTION("bad history table from the file, at its file:line:col") {
    write_file(s.tmp / "bad.yaml", "development:\n  history_table: \"drop table\"\n");
    s.flags.config_file = (s.tmp / "bad.yaml").string();
    REQUIRE_THROWS_AS(resolve_settings(s.flags, fake_env({})), UsageError);
    REQUIRE_THROWS_WITH(
        resolve_settings(s.flags, fake_env({})),
        Contains((s.tmp / "bad.yaml").string() + ":2:18: history table 'drop table' must be"));
  }
  SECTION("bad lock timeout, named as the user gave it") {
    s.flags.lock_timeout = "soon";
    REQUIRE_THROWS_AS(resolve_settings(s.flags, fake_env({})), UsageError);
    REQUIRE_THROWS_WITH(resolve_settings(s.flags, fake_env({})),
                        Contains("--lock-timeout: 'soon' is not a duration"));
    s.flags.lock_timeout.reset();
    REQUIRE_THROWS_AS(resolve_settings(s.flags, fake_env({{"MIGRATE_LOCK_TIMEOUT", "10"}})),
                      UsageError);
    REQUIRE_THROWS_WITH(resolve_settings(s.flags, fake_env({{"MIGRATE_LOCK_TIMEOUT", "10"}})),
                        Contains("MIGRATE_LOCK_TIMEOUT: '10' is not a duration"));
  }
}

TEST_CASE("resolve_settings: secrets", "[settings]") {
  Setup s;
  SECTION("the password of the chosen URL") {
    s.flags.database_url = "postgresql://u:s%40cret@h/app";
    const auto settings = resolve_settings(s.flags, fake_env({}));
    CHECK(has(settings.secrets, "s%40cret"));
    CHECK(has(settings.secrets, "s@cret"));
  }
  SECTION("the password of the file's URL") {
    const auto settings = resolve_settings(s.flags, fake_env({}));
    CHECK(has(settings.secrets, "devpass"));
  }
  SECTION("PGPASSWORD") {
    const auto settings = resolve_settings(s.flags, fake_env({{"PGPASSWORD", "pgsecret"}}));
    CHECK(has(settings.secrets, "pgsecret"));
    CHECK(has(settings.secrets, "devpass"));
  }
  SECTION("no password, no secrets") {
    s.flags.database_url = "postgresql://u@h/app";
    CHECK(resolve_settings(s.flags, fake_env({})).secrets.empty());
  }
}

TEST_CASE("resolve_settings: ./migrate.yaml is the default file", "[settings]") {
  TempDir tmp;
  InDirectory in(tmp.path());
  SECTION("used when present") {
    write_file(tmp / "migrate.yaml", "development:\n  url: postgresql://cwd/app\n");
    CHECK(resolve_settings(Flags{}, fake_env({})).conninfo == "postgresql://cwd/app");
  }
  SECTION("absent: defaults apply") {
    const auto settings = resolve_settings(Flags{}, fake_env({}));
    CHECK(settings.conninfo.empty());
    CHECK(settings.dir == fs::path("migrations"));
  }
  SECTION("absent: --env cannot be satisfied") {
    Flags flags;
    flags.env = "production";
    REQUIRE_THROWS_AS(resolve_settings(flags, fake_env({})), UsageError);
    REQUIRE_THROWS_WITH(resolve_settings(flags, fake_env({})), Contains("production"));
  }
}

TEST_CASE("resolve_settings: where each setting came from", "[settings]") {
  Setup setup;
  const auto path = setup.flags.config_file.value();
  SECTION("file values name their line and column") {
    const auto s = resolve_settings(setup.flags, fake_env({}));
    CHECK(s.environment == "development");
    CHECK(s.config_file == std::optional<fs::path>(path));
    CHECK(s.origins.at("environment") == "default");
    CHECK(s.origins.at("database") == path + ":2:8");
    CHECK(s.origins.at("dir") == path + ":3:8");
    CHECK(s.origins.at("history_table") == path + ":4:18");
    CHECK(s.origins.at("lock_timeout") == path + ":5:17");
    CHECK(s.origins.at("templates") == path + ":6:14");
    CHECK(s.origins.at("lock_retries") == "default");
    CHECK(s.origins.at("protected") == "default");
    CHECK_FALSE(s.protected_env);
  }
  SECTION("flags and variables name themselves") {
    setup.flags.dir = "flagdir";
    setup.flags.lock_retries = "3";
    const auto s = resolve_settings(setup.flags, fake_env({{"DATABASE_URL", "postgresql://env/app"},
                                                           {"MIGRATE_HISTORY_TABLE", "h"},
                                                           {"MIGRATE_LOCK_TIMEOUT", "2s"}}));
    CHECK(s.origins.at("database") == "DATABASE_URL");
    CHECK(s.origins.at("dir") == "--dir");
    CHECK(s.origins.at("history_table") == "MIGRATE_HISTORY_TABLE");
    CHECK(s.origins.at("lock_timeout") == "MIGRATE_LOCK_TIMEOUT");
    CHECK(s.origins.at("lock_retries") == "--lock-retries");
  }
  SECTION("an environment chosen by MIGRATE_ENV, without a connection: libpq decides") {
    const auto s = resolve_settings(setup.flags, fake_env({{"MIGRATE_ENV", "staging"}}));
    CHECK(s.environment == "staging");
    CHECK(s.origins.at("environment") == "MIGRATE_ENV");
    CHECK(s.conninfo.empty());
    CHECK(s.origins.at("database") == "libpq");
  }
}

TEST_CASE("resolve_settings: a protected environment", "[settings]") {
  TempDir tmp;
  write_file(tmp / "migrate.yaml",
             "production:\n  url: postgresql://prod/app\n  protected: true\n");
  Flags flags;
  flags.config_file = (tmp / "migrate.yaml").string();
  flags.env = "production";
  const auto s = resolve_settings(flags, fake_env({}));
  CHECK(s.protected_env);
  CHECK(s.origins.at("protected") == (tmp / "migrate.yaml").string() + ":3:14");
}

TEST_CASE("resolve_settings: a literal password in a file others can read is a warning",
          "[settings]") {
  TempDir tmp;
  const fs::path file = tmp / "migrate.yaml";
  write_file(file, "development:\n  password: hunter2\nproduction:\n"
                   "  url: postgresql://a:b@db/app\n");
  Flags flags;
  flags.config_file = file.string();
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  auto s = resolve_settings(flags, fake_env({}));
  REQUIRE(s.warnings.size() == 1);
  CHECK_THAT(s.warnings[0], Contains(file.string() + ":2:13: a literal password (and 1 more) in "
                                                     "a file that others can read (mode 0644)"));
  CHECK_THAT(s.warnings[0], Contains("chmod 600"));
  CHECK(s.warnings[0].find("hunter2") == std::string::npos);

  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  CHECK(resolve_settings(flags, fake_env({})).warnings.empty());

  write_file(file, "development:\n  password: ${PW}\n");
  fs::permissions(file, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  CHECK(resolve_settings(flags, fake_env({{"PW", "x"}})).warnings.empty());
}
