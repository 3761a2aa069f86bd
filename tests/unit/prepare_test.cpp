#include "migrate/error.hpp"
#include "migrate/prepare.hpp"
#include "migrate/sha256.hpp"
#include "migrate/source.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace migrate;
using namespace std::string_literals;
using Catch::Contains;
using migrate_test::TempDir;
using migrate_test::write_file;

namespace {

Step up_step(const TempDir &tmp) {
  auto tree = read_tree(tmp.path());
  REQUIRE(tree.size() == 1);
  return Step{Direction::up, tree[0]};
}

} // namespace

TEST_CASE("prepare_step reads, splits, hashes and checks a file", "[prepare]") {
  TempDir tmp;
  write_file(tmp / "20240101000000_one/up.sql", "CREATE TABLE a (id int);\nCREATE TABLE b ();\n");
  write_file(tmp / "20240101000000_one/down.sql", "DROP TABLE b;\nDROP TABLE a;\n");
  const PreparedStep prepared = prepare_step(up_step(tmp), {});
  CHECK(prepared.statements.size() == 2);
  CHECK(prepared.transactional);
  CHECK(prepared.checksum == checksum("CREATE TABLE a (id int);\nCREATE TABLE b ();\n"));
  CHECK(prepared.file_checksum == prepared.checksum);
  CHECK(prepared.down_checksum == checksum("DROP TABLE b;\nDROP TABLE a;\n"));
}

TEST_CASE("prepare_step refuses a stray file next to up.sql", "[prepare]") {
  TempDir tmp;
  write_file(tmp / "20240101000000_one/up.sql", "SELECT 1;\n");
  write_file(tmp / "20240101000000_one/seed.sql", "SELECT 2;\n");
  REQUIRE_THROWS_AS(prepare_step(up_step(tmp), {}), TreeError);
  REQUIRE_THROWS_WITH(prepare_step(up_step(tmp), {}),
                      Contains((tmp / "20240101000000_one/seed.sql").string()));
}

TEST_CASE("prepare_step refuses a NUL byte inside a statement, at its line", "[prepare]") {
  TempDir tmp;
  // libpq sends a query as a C string: the statement (and what follows it in the same
  // message) would be cut at the NUL.
  write_file(tmp / "20240101000000_one/up.sql",
             "CREATE TABLE a (id int);\nCREATE TABLE b (id int -- note\n, x int -- \0 cut\n);\n"s);
  REQUIRE_THROWS_MATCHES(prepare_step(up_step(tmp), {}), TreeError,
                         Catch::Matchers::Message(
                             (tmp / "20240101000000_one/up.sql").string() +
                             ":3: a NUL byte inside a statement; PostgreSQL takes none in SQL text "
                             "(the statement would end there); remove it"));
  // Between statements (in a comment the statement texts leave out) it is harmless.
  write_file(tmp / "20240101000000_one/up.sql",
             "CREATE TABLE a (id int);\n-- \0\nCREATE TABLE b ();\n"s);
  CHECK(prepare_step(up_step(tmp), {}).statements.size() == 2);
}

TEST_CASE("a checked step reloads as it was checked", "[prepare]") {
  TempDir tmp;
  write_file(tmp / "20240101000000_one/up.sql",
             "-- migrate:no-transaction\n-- migrate:lock-timeout 3s\nSELECT 1;\nSELECT 2;\n");
  PreparedStep prepared = prepare_step(up_step(tmp), {});
  prepared.resume_from = 1;
  prepared.resumed = true;
  const Checksum file_checksum = prepared.file_checksum;
  const CheckedStep checked = keep_checked(std::move(prepared));
  CHECK(checked.file_checksum == file_checksum);
  CHECK(checked.step.migration.version == 20240101000000);

  Timeouts defaults;
  defaults.statement_timeout = std::chrono::milliseconds(500);
  const PreparedStep again = reload(checked, defaults);
  CHECK(again.statements.size() == 2);
  CHECK_FALSE(again.transactional);
  CHECK(again.resume_from == 1);
  CHECK(again.resumed);
  CHECK(again.file == tmp / "20240101000000_one/up.sql");
  CHECK(again.timeouts.lock_timeout == std::chrono::milliseconds(3000));
  CHECK(again.timeouts.statement_timeout == std::chrono::milliseconds(500));
}

TEST_CASE("a file edited after it was checked is refused when reloaded", "[prepare]") {
  TempDir tmp;
  write_file(tmp / "20240101000000_one/up.sql", "SELECT 1;\n");
  const CheckedStep checked = keep_checked(prepare_step(up_step(tmp), {}));
  write_file(tmp / "20240101000000_one/up.sql", "DROP TABLE precious;\n");
  REQUIRE_THROWS_AS(reload(checked, {}), TreeError);
  REQUIRE_THROWS_WITH(reload(checked, {}), Contains("up.sql: changed while migrate was running") &&
                                               Contains("it did not run"));
}
