#include "migrate/config.hpp"
#include "migrate/error.hpp"

#include "fake_env.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace migrate;
using namespace std::chrono_literals;
using Catch::Contains;
using migrate_test::fake_env;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace fs = std::filesystem;

namespace {

const EnvLookup k_no_env = fake_env({});

// Writes `yaml` to `<tmp>/migrate.yaml` and returns its path.
fs::path config_file(const TempDir &tmp, const std::string &yaml) {
  const fs::path path = tmp / "migrate.yaml";
  write_file(path, yaml);
  return path;
}

} // namespace

TEST_CASE("load_config reads the url form", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  url: postgresql://app:secret@db.example:5433/app\n"
                                     "production:\n"
                                     "  url: postgresql://prod/app\n");
  const auto config = load_config(path, "development", k_no_env, true);
  CHECK(config.url == std::optional<std::string>("postgresql://app:secret@db.example:5433/app"));
  CHECK(config.params.empty());
  CHECK(config.has_connection());
  CHECK_FALSE(config.dir.has_value());
  CHECK_FALSE(config.templates.has_value());
  CHECK_FALSE(config.history_table.has_value());
  CHECK_FALSE(config.lock_timeout.has_value());

  const auto prod = load_config(path, "production", k_no_env, true);
  CHECK(prod.url == std::optional<std::string>("postgresql://prod/app"));
}

TEST_CASE("load_config reads the keyword form", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  host: localhost\n"
                                     "  port: 5432\n"
                                     "  dbname: app\n"
                                     "  user: me\n"
                                     "  password: \"p w'd\"\n"
                                     "  sslmode: require\n"
                                     "  history_table: ops.history\n");
  const auto config = load_config(path, "development", k_no_env, true);
  const std::map<std::string, std::string> expected = {
      {"host", "localhost"}, {"port", "5432"},      {"dbname", "app"},
      {"user", "me"},        {"password", "p w'd"}, {"sslmode", "require"}};
  CHECK(config.params == expected);
  CHECK_FALSE(config.url.has_value());
  CHECK(config.has_connection());
  CHECK(config.history_table == std::optional<std::string>("ops.history"));
}

TEST_CASE("load_config interpolates environment variables", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  host: ${DB_HOST}\n"
                                     "  user: ${DB_USER}_${DB_SUFFIX}\n"
                                     "  password: pa$$word${DB_PASS}\n");
  const auto lookup = fake_env(
      {{"DB_HOST", "db.internal"}, {"DB_USER", "app"}, {"DB_SUFFIX", "rw"}, {"DB_PASS", "!"}});
  const auto config = load_config(path, "development", lookup, true);
  CHECK(config.params.at("host") == "db.internal");
  CHECK(config.params.at("user") == "app_rw");
  CHECK(config.params.at("password") == "pa$$word!");

  SECTION("a variable set to the empty string is used") {
    const auto empty =
        fake_env({{"DB_HOST", ""}, {"DB_USER", "u"}, {"DB_SUFFIX", ""}, {"DB_PASS", ""}});
    const auto c = load_config(path, "development", empty, true);
    CHECK(c.params.at("host").empty());
    CHECK(c.params.at("user") == "u_");
  }
}

TEST_CASE("load_config refuses an unset variable with its location and name", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  host: localhost\n"
                                     "  password: ${MISSING_VAR}\n");
  REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
  REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                      Contains(path.string() + ":3:13") && Contains("MISSING_VAR"));
}

TEST_CASE("load_config refuses an unknown key with its location", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  host: localhost\n"
                                     "  hots: typo\n");
  REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
  REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                      Contains(path.string() + ":3:3") && Contains("hots"));
}

TEST_CASE("load_config with an environment the file lacks", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  host: localhost\n"
                                     "production:\n"
                                     "  host: prod\n");
  SECTION("must_exist: UsageError listing the environments it has") {
    REQUIRE_THROWS_AS(load_config(path, "staging", k_no_env, true), UsageError);
    REQUIRE_THROWS_WITH(load_config(path, "staging", k_no_env, true),
                        Contains("staging") && Contains("development") && Contains("production"));
  }
  SECTION("not must_exist: an empty configuration") {
    const auto config = load_config(path, "staging", k_no_env, false);
    CHECK_FALSE(config.has_connection());
    CHECK_FALSE(config.url.has_value());
    CHECK(config.params.empty());
    CHECK_FALSE(config.dir.has_value());
    CHECK_FALSE(config.lock_timeout.has_value());
  }
}

TEST_CASE("load_config refuses both url and connection keywords", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  url: postgresql://localhost/app\n"
                                     "  host: localhost\n");
  REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
  REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                      Contains(path.string()) && Contains("url"));
}

TEST_CASE("load_config refuses invalid YAML with a location", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  host: [localhost\n"
                                     "  port: 5432\n");
  REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
  REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                      Contains(path.string() + ":") &&
                          Catch::Matches(".*migrate\\.yaml:[0-9]+:[0-9]+: .*"));
}

TEST_CASE("load_config refuses wrong shapes", "[config]") {
  TempDir tmp;
  SECTION("a list where a scalar is expected") {
    const auto path = config_file(tmp, "development:\n"
                                       "  host: [a, b]\n");
    REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
    REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                        Contains(path.string() + ":2:9") && Contains("host"));
  }
  SECTION("a map where a scalar is expected") {
    const auto path = config_file(tmp, "development:\n"
                                       "  dir:\n"
                                       "    nested: x\n");
    REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
    REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true), Contains("dir"));
  }
  SECTION("an environment that is not a map") {
    const auto path = config_file(tmp, "development: postgresql://localhost/app\n");
    REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
  }
  SECTION("a top level that is not a map") {
    const auto path = config_file(tmp, "- development\n- production\n");
    REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
    REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true), Contains(path.string()));
  }
  SECTION("a key with no value, at the key's own line") {
    const auto path = config_file(tmp, "development:\n"
                                       "  url:\n"
                                       "  dir: db\n");
    REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                        path.string() + ":2:3: url has no value");
  }
  SECTION("an empty file") {
    const auto path = config_file(tmp, "");
    REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, false),
                        path.string() + ": the configuration file is empty; expected a map of "
                                        "environments (e.g. development:, production:)");
  }
  SECTION("an unreadable file") {
    const fs::path missing = tmp / "missing.yaml";
    REQUIRE_THROWS_AS(load_config(missing, "development", k_no_env, false), UsageError);
    REQUIRE_THROWS_WITH(load_config(missing, "development", k_no_env, false),
                        Contains(missing.string()));
  }
}

TEST_CASE("load_config resolves dir and templates against the file's folder", "[config]") {
  TempDir tmp;
  const fs::path folder = tmp / "conf";
  write_file(folder / "migrate.yaml", "development:\n"
                                      "  dir: db/migrations\n"
                                      "  templates: tpl\n"
                                      "production:\n"
                                      "  dir: /srv/migrations\n");
  const auto config = load_config(folder / "migrate.yaml", "development", k_no_env, true);
  CHECK(config.dir == std::optional<fs::path>(folder / "db/migrations"));
  CHECK(config.templates == std::optional<fs::path>(folder / "tpl"));

  const auto prod = load_config(folder / "migrate.yaml", "production", k_no_env, true);
  CHECK(prod.dir == std::optional<fs::path>("/srv/migrations"));
}

TEST_CASE("load_config parses lock_timeout", "[config]") {
  TempDir tmp;
  const std::vector<std::pair<std::string, std::chrono::milliseconds>> good = {
      {"5s", 5000ms}, {"250ms", 250ms}, {"2m", 120000ms}, {"0", 0ms}, {"\"1h\"", 3600000ms}};
  for (const auto &[text, expected] : good) {
    INFO("lock_timeout: " << text);
    const auto path = config_file(tmp, "development:\n  lock_timeout: " + text + "\n");
    const auto config = load_config(path, "development", k_no_env, true);
    CHECK(config.lock_timeout == std::optional<std::chrono::milliseconds>(expected));
  }
  const auto path = config_file(tmp, "development:\n  lock_timeout: 10\n");
  REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
  REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                      Contains(path.string() + ":2:17") && Contains("10"));
}

TEST_CASE("parse_duration accepts integers with a unit, or 0", "[config]") {
  const std::vector<std::pair<std::string, std::chrono::milliseconds>> good = {
      {"500ms", 500ms}, {"60s", 60000ms}, {"5m", 300000ms}, {"1h", 3600000ms}, {"0", 0ms},
      {"0ms", 0ms},     {"0s", 0ms},      {"1ms", 1ms},     {"90s", 90000ms},  {"24h", 86400000ms}};
  for (const auto &[text, expected] : good) {
    INFO("text: " << text);
    CHECK(parse_duration(text, "--lock-timeout") == expected);
  }
}

TEST_CASE("parse_duration refuses what PostgreSQL cannot take (over INT_MAX ms)", "[config]") {
  CHECK(parse_duration("2147483647ms", "--statement-timeout").count() == 2147483647);
  CHECK(parse_duration("596h", "--statement-timeout").count() == 596LL * 3600 * 1000);
  for (const char *text : {"2147483648ms", "597h", "1000h", "999999999999h"}) {
    INFO(text);
    REQUIRE_THROWS_WITH(parse_duration(text, "--statement-timeout"),
                        "--statement-timeout: '" + std::string(text) +
                            "' is too long (at most 2147483647ms, about 596h: PostgreSQL's limit)");
  }
}

TEST_CASE("parse_duration refuses anything else, naming what", "[config]") {
  const std::vector<std::string> bad = {
      "",    "10",  "-1s", "1.5s", "s",     "10x",   "ms",  " 1s",
      "1s ", "1 s", "1S",  "1sec", "0x10s", "1e3ms", "+1s", "99999999999999999999s"};
  for (const auto &text : bad) {
    INFO("text: '" << text << "'");
    REQUIRE_THROWS_AS(parse_duration(text, "--lock-timeout"), UsageError);
    REQUIRE_THROWS_WITH(parse_duration(text, "--lock-timeout"), Contains("--lock-timeout"));
  }
}

TEST_CASE("load_config refuses YAML anchors, aliases and merge keys at their location",
          "[config]") {
  TempDir tmp;
  const auto anchored = config_file(tmp, "development:\n"
                                         "  dir: &d db/migrations\n"
                                         "production:\n"
                                         "  dir: *d\n");
  REQUIRE_THROWS_WITH(load_config(anchored, "development", k_no_env, true),
                      Contains("migrate.yaml:2:8: YAML anchors (&d) are not allowed"));

  const auto merged = config_file(tmp, "base: &base\n"
                                       "  dbname: app\n"
                                       "development:\n"
                                       "  <<: *base\n");
  REQUIRE_THROWS_WITH(load_config(merged, "development", k_no_env, true),
                      Contains("migrate.yaml:1:7: YAML anchors (&base)"));
}

TEST_CASE("load_config refuses an alias even without a visible anchor name", "[config]") {
  TempDir tmp;
  // yaml-cpp reports an alias to an unknown anchor as a parse error; either way a location.
  const auto path = config_file(tmp, "development:\n  dir: *nowhere\n");
  REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                      Contains("migrate.yaml:2:"));
}

TEST_CASE("load_config refuses a file over 1 MiB before parsing it", "[config]") {
  TempDir tmp;
  std::string big = "development:\n  dbname: app\n";
  big += "# " + std::string(k_max_config_bytes, 'x') + "\n";
  const auto path = config_file(tmp, big);
  REQUIRE_THROWS_AS(load_config(path, "development", k_no_env, true), UsageError);
  REQUIRE_THROWS_WITH(load_config(path, "development", k_no_env, true),
                      Contains("migrate.yaml: the configuration file is") &&
                          Contains("bytes; the limit is 1 MiB"));
  // Exactly at the limit is fine.
  std::string fits = "development:\n  dbname: app\n# ";
  fits += std::string(k_max_config_bytes - fits.size() - 1, 'x') + "\n";
  const auto ok = config_file(tmp, fits);
  CHECK(load_config(ok, "development", k_no_env, true).params.at("dbname") == "app");
}

TEST_CASE("load_config refuses duplicate keys and a second document", "[config]") {
  TempDir tmp;
  const auto dup_env = config_file(tmp, "development:\n  dbname: a\ndevelopment:\n  dbname: b\n");
  REQUIRE_THROWS_WITH(load_config(dup_env, "development", k_no_env, true),
                      Contains("migrate.yaml:3:1: duplicate key 'development'"));
  const auto dup_key = config_file(tmp, "development:\n  dbname: a\n  dbname: b\n");
  REQUIRE_THROWS_WITH(load_config(dup_key, "development", k_no_env, true),
                      Contains("migrate.yaml:3:3: duplicate key 'dbname'"));
  const auto two = config_file(tmp, "development:\n  dbname: a\n---\nproduction:\n  dbname: b\n");
  REQUIRE_THROWS_WITH(load_config(two, "development", k_no_env, true),
                      Contains("more than one YAML document"));
}

TEST_CASE("load_config reads protected and records where each key was written", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "production:\n"
                                     "  url: postgresql://prod/app\n"
                                     "  protected: true\n"
                                     "staging:\n"
                                     "  protected: false\n"
                                     "bad:\n"
                                     "  protected: yes please\n");
  const auto prod = load_config(path, "production", k_no_env, true);
  CHECK(prod.protected_env);
  CHECK(prod.locations.at("url") == path.string() + ":2:8");
  CHECK(prod.locations.at("protected") == path.string() + ":3:14");
  CHECK_FALSE(load_config(path, "staging", k_no_env, true).protected_env);
  CHECK_FALSE(load_config(path, "development", k_no_env, false).protected_env);
  REQUIRE_THROWS_WITH(load_config(path, "bad", k_no_env, true),
                      Contains("migrate.yaml:7:14: protected must be true or false, not 'yes "
                               "please'"));
}

TEST_CASE("load_config interpolates protected like every other value", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "production:\n"
                                     "  protected: ${PROTECT}\n");
  CHECK(load_config(path, "production", fake_env({{"PROTECT", "true"}}), true).protected_env);
  CHECK_FALSE(
      load_config(path, "production", fake_env({{"PROTECT", "false"}}), true).protected_env);
  REQUIRE_THROWS_WITH(load_config(path, "production", fake_env({{"PROTECT", "1"}}), true),
                      path.string() + ":2:14: protected must be true or false, not '1'");
  REQUIRE_THROWS_WITH(load_config(path, "production", k_no_env, true),
                      Contains(":2:14: environment variable PROTECT is not set"));
}

TEST_CASE("load_config_file finds literal passwords in every environment", "[config]") {
  TempDir tmp;
  const auto path = config_file(tmp, "development:\n"
                                     "  password: ${PW}\n"
                                     "staging:\n"
                                     "  url: postgresql://app:${PW}@db/app\n"
                                     "production:\n"
                                     "  url: postgresql://app:literal@db/app\n"
                                     "ci:\n"
                                     "  password: hunter2\n"
                                     "local:\n"
                                     "  url: postgresql://app@db/app\n");
  const auto file = load_config_file(path, "development", fake_env({{"PW", "x"}}), true);
  CHECK(file.literal_passwords ==
        std::vector<std::string>{path.string() + ":6:8", path.string() + ":8:13"});
  CHECK(file.environment.params.at("password") == "x");
}

TEST_CASE("format_duration writes what parse_duration reads back", "[config]") {
  CHECK(format_duration(0ms) == "0");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(5min) == "5m");
  CHECK(format_duration(2h) == "2h");
  for (const auto value : {0ms, 1ms, 999ms, 1000ms, 61000ms, 3600000ms, 5400000ms}) {
    CHECK(parse_duration(format_duration(value), "test") == value);
  }
}
