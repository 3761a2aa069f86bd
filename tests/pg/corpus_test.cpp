// A real history nobody here wrote: the 285 Diesel migrations of crates.io
// (../shared/corpus/cratesio), imported, applied on an empty database, and
// the 50 newest rolled back. The 51st down.sql no longer matches its up.sql
// upstream; it must fail cleanly and change nothing.

#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace migrate_test;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

TEST_CASE("the crates.io history imports, applies and rolls back") {
  const fs::path corpus = fs::path(MIGRATE_SOURCE_DIR) / ".." / "shared" / "corpus" / "cratesio";
  if (!fs::is_directory(corpus)) {
    WARN("no corpus at " << corpus.string() << "; nothing to check");
    return;
  }
  TempDir dir;
  TempDb db;
  const std::string migrations = (dir.path() / "migrations").string();
  auto imported = run({"-m", migrations, "import", "--from", "diesel", corpus.string()});
  REQUIRE(imported.code == 0);
  CHECK_THAT(imported.out, Contains("imported 285 migrations from diesel"));
  CHECK_THAT(imported.out, Contains("7 no-transaction"));

  const std::vector<std::string> base{"--database-url", db.conninfo(), "-m", migrations};
  auto with = [&base](std::vector<std::string> args) {
    std::vector<std::string> all = base;
    all.insert(all.end(), args.begin(), args.end());
    return all;
  };
  auto up = run(with({"up"}));
  REQUIRE(up.code == 0);
  CHECK_THAT(up.out, Contains("applied 285 migrations"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history WHERE state = 'applied'") == "285");
  CHECK(db.table_exists("crates"));
  CHECK(db.scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == "0");

  auto down = run(with({"down", "--count", "50"}));
  REQUIRE(down.code == 0);
  CHECK_THAT(down.out, Contains("reverted 50 migrations"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "235");

  auto broken = run(with({"down"}));
  CHECK(broken.code == 7);
  CHECK_THAT(broken.err, Contains("20241025112826_make-unique-version-unique/down.sql:2"));
  CHECK_THAT(broken.err, Contains("versions_crate_id_num_no_build_uindex"));
  CHECK(db.scalar("SELECT count(*) FROM migration_history") == "235");

  auto noop = run(with({"up", "--to", "20241025112826"}));
  CHECK(noop.code == 0);
  CHECK_THAT(noop.out, Contains("nothing to do"));
}
