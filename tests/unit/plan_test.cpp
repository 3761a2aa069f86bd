#include "migrate/error.hpp"
#include "migrate/plan.hpp"
#include "migrate/sha256.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace migrate;
using Catch::Contains;

namespace {

constexpr Version V1 = 20240101000000;
constexpr Version V2 = 20240102000000;
constexpr Version V3 = 20240103000000;
constexpr Version V4 = 20240104000000;
constexpr Version V5 = 20240105000000;
constexpr Version UNKNOWN = 20991231235959;

// A tree and a history described compactly.
struct World {
  std::vector<Version> disk;
  std::vector<std::pair<Version, std::int64_t>> applied; // version, sequence
  std::vector<Version> no_down = {};                     // on disk without down.sql
  std::vector<Version> no_up = {};                       // on disk without up.sql
};

bool contains(const std::vector<Version> &versions, Version v) {
  return std::find(versions.begin(), versions.end(), v) != versions.end();
}

Migration migration(Version v, const World &world) {
  Migration m;
  m.version = v;
  m.name = "m" + format_version(v).substr(6, 2);
  m.tree = std::make_shared<const std::string>("/tree/");
  m.has_up = !contains(world.no_up, v);
  m.down_known = true; // as after read_down_files; see the test of down_known false
  m.has_down = !contains(world.no_down, v);
  return m;
}

std::vector<Migration> disk_of(const World &world) {
  std::vector<Migration> disk;
  for (Version v : world.disk) {
    disk.push_back(migration(v, world));
  }
  return disk;
}

std::vector<AppliedMigration> history_of(const World &world) {
  std::vector<AppliedMigration> history;
  for (const auto &[version, sequence] : world.applied) {
    AppliedMigration row;
    row.version = version;
    row.name = "m" + format_version(version).substr(6, 2);
    row.sequence = sequence;
    row.applied_at_ms = 1717200000000 + (sequence % 10) * 1000; // 2024-06-01T00:00:0<s>Z
    history.push_back(row);
  }
  return history;
}

// `history` in every order the planner must not depend on: as given, reversed, and each
// rotation of it (the server returns rows in the order they lie in the table).
std::vector<std::vector<AppliedMigration>> orders_of(const std::vector<AppliedMigration> &history) {
  std::vector<std::vector<AppliedMigration>> orders{history};
  orders.emplace_back(history.rbegin(), history.rend());
  for (std::size_t i = 1; i < history.size(); ++i) {
    auto rotated = history;
    std::rotate(rotated.begin(), rotated.begin() + static_cast<std::ptrdiff_t>(i), rotated.end());
    orders.push_back(std::move(rotated));
  }
  return orders;
}

std::string up(Version v) {
  return "up " + format_version(v);
}
std::string down(Version v) {
  return "down " + format_version(v);
}

std::vector<std::string> render(const std::vector<Step> &steps) {
  std::vector<std::string> out;
  for (const auto &step : steps) {
    out.push_back((step.direction == Direction::up ? up : down)(step.migration.version));
  }
  return out;
}

PlanRequest req(Direction direction, std::optional<Version> to = std::nullopt,
                std::optional<std::size_t> count = std::nullopt, bool out_of_order = false) {
  PlanRequest r;
  r.direction = direction;
  r.to = to;
  r.count = count;
  r.allow_out_of_order = out_of_order;
  return r;
}

constexpr auto UP = Direction::up;
constexpr auto DOWN = Direction::down;

struct PlanCase {
  std::string name;
  World world;
  PlanRequest request;
  std::vector<std::string> expected;
};

enum class Kind { usage, tree, history };

struct ErrorCase {
  std::string name;
  World world;
  PlanRequest request;
  Kind kind;
  std::vector<std::string> message_parts;
};

} // namespace

TEST_CASE("plan computes the expected steps", "[plan]") {
  const World four{{V1, V2, V3, V4}, {}};
  const World two_applied{{V1, V2, V3, V4}, {{V1, 1}, {V2, 2}}};
  const World three_applied{{V1, V2, V3, V4}, {{V1, 1}, {V2, 2}, {V3, 3}}};
  // V3 was applied before V2 (an out-of-order apply): sequence decides reverts.
  const World shuffled{{V1, V2, V3, V4}, {{V2, 3}, {V1, 1}, {V3, 2}}};
  const std::vector<PlanCase> cases = {
      {"up from empty applies everything ascending",
       four,
       req(UP),
       {up(V1), up(V2), up(V3), up(V4)}},
      {"up with some applied applies the rest", two_applied, req(UP), {up(V3), up(V4)}},
      {"up --to is inclusive", World{{V1, V2, V3, V4}, {{V1, 1}}}, req(UP, V3), {up(V2), up(V3)}},
      {"up --to an applied version is empty", two_applied, req(UP, V2), {}},
      {"up --to an older applied version is empty", two_applied, req(UP, V1), {}},
      {"up --count limits the steps", four, req(UP, std::nullopt, 2), {up(V1), up(V2)}},
      {"up --count above pending applies all",
       two_applied,
       req(UP, std::nullopt, 10),
       {up(V3), up(V4)}},
      {"up --to and --count: the tighter wins",
       World{{V1, V2, V3, V4}, {{V1, 1}}},
       req(UP, V4, 1),
       {up(V2)}},
      {"up with everything applied is empty", World{{V1, V2}, {{V1, 1}, {V2, 2}}}, req(UP), {}},
      {"up with an empty tree is empty", World{{}, {}}, req(UP), {}},
      {"up needs no down.sql", World{{V1, V2}, {}, {V1, V2}}, req(UP), {up(V1), up(V2)}},
      {"allow_out_of_order applies older pending ascending",
       World{{V1, V2, V3, V4, V5}, {{V1, 1}, {V4, 2}}},
       req(UP, std::nullopt, std::nullopt, true),
       {up(V2), up(V3), up(V5)}},
      {"allow_out_of_order with --count",
       World{{V1, V2, V3, V4, V5}, {{V1, 1}, {V4, 2}}},
       req(UP, std::nullopt, 1, true),
       {up(V2)}},
      {"down defaults to one step", three_applied, req(DOWN), {down(V3)}},
      {"down --count reverts newest first",
       three_applied,
       req(DOWN, std::nullopt, 2),
       {down(V3), down(V2)}},
      {"down --count above applied reverts all",
       three_applied,
       req(DOWN, std::nullopt, 9),
       {down(V3), down(V2), down(V1)}},
      {"down --to keeps the target applied",
       World{{V1, V2, V3, V4}, {{V1, 1}, {V2, 2}, {V3, 3}, {V4, 4}}},
       req(DOWN, V2),
       {down(V4), down(V3)}},
      {"down --to 0 reverts all",
       three_applied,
       req(DOWN, Version{0}),
       {down(V3), down(V2), down(V1)}},
      {"down --to the newest applied is empty", three_applied, req(DOWN, V3), {}},
      {"down --to with --count", three_applied, req(DOWN, Version{0}, 2), {down(V3), down(V2)}},
      {"down with nothing applied is empty", four, req(DOWN), {}},
      {"down --to 0 with nothing applied is empty", four, req(DOWN, Version{0}), {}},
      {"down follows applied order, not version order", shuffled, req(DOWN), {down(V2)}},
      {"down --count follows applied order",
       shuffled,
       req(DOWN, std::nullopt, 3),
       {down(V2), down(V3), down(V1)}},
      {"down --to reverts only versions above the target, in applied order",
       shuffled,
       req(DOWN, V1),
       {down(V2), down(V3)}},
      {"down --to between out-of-order applies", shuffled, req(DOWN, V2), {down(V3)}},
      {"down ignores a missing down.sql outside the plan",
       World{{V1, V2}, {{V1, 1}, {V2, 2}}, {V1}},
       req(DOWN),
       {down(V2)}},
  };
  for (const auto &c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto steps = plan(disk_of(c.world), history_of(c.world), c.request);
      CHECK(render(steps) == c.expected);
      for (const auto &step : steps) {
        CHECK(step.migration.dir() == migration(step.migration.version, c.world).dir());
        CHECK(step.migration.name == migration(step.migration.version, c.world).name);
      }
      // The same steps as positions in the tree.
      const auto disk = disk_of(c.world);
      const auto positions = plan_positions(disk, history_of(c.world), c.request);
      REQUIRE(positions.size() == steps.size());
      for (std::size_t i = 0; i < positions.size(); ++i) {
        CHECK(positions[i].direction == steps[i].direction);
        REQUIRE(positions[i].index < disk.size());
        CHECK(disk[positions[i].index].version == steps[i].migration.version);
        CHECK(to_step(disk, positions[i]).migration.dir() == steps[i].migration.dir());
      }
      // Whatever the order of the history's rows.
      for (const auto &history : orders_of(history_of(c.world))) {
        CHECK(render(plan(disk, history, c.request)) == c.expected);
      }
    }
  }
}

TEST_CASE("plan refuses unusable requests and inconsistent state", "[plan]") {
  const World three_applied{{V1, V2, V3, V4}, {{V1, 1}, {V2, 2}, {V3, 3}}};
  const World gap{{V1, V2, V3}, {{V1, 1}, {V3, 2}}};       // V2 pending, older than V3
  const World lost{{V1, V3}, {{V1, 1}, {V2, 2}, {V3, 3}}}; // V2 applied, no directory
  const std::vector<ErrorCase> cases = {
      {"up --to unknown", three_applied, req(UP, UNKNOWN), Kind::usage, {"20991231235959"}},
      {"up --count 0", three_applied, req(UP, std::nullopt, 0), Kind::usage, {"count"}},
      {"down --count 0", three_applied, req(DOWN, std::nullopt, 0), Kind::usage, {"count"}},
      {"down --to unknown", three_applied, req(DOWN, UNKNOWN), Kind::usage, {"20991231235959"}},
      {"down --to a pending version",
       three_applied,
       req(DOWN, V4),
       Kind::usage,
       {"20240104000000"}},
      {"pending older than newest applied",
       gap,
       req(UP),
       Kind::history,
       {"20240102000000", "20240103000000"}},
      {"pending older than newest applied, with --to",
       gap,
       req(UP, V2),
       Kind::history,
       {"20240102000000", "20240103000000"}},
      {"applied without directory, up", lost, req(UP), Kind::history, {"20240102000000"}},
      {"applied without directory, down", lost, req(DOWN), Kind::history, {"20240102000000"}},
      {"applied without directory, down --to 0",
       lost,
       req(DOWN, Version{0}),
       Kind::history,
       {"20240102000000"}},
      {"down step without down.sql",
       World{{V1, V2}, {{V1, 1}, {V2, 2}}, {V2}},
       req(DOWN),
       Kind::tree,
       {"/tree/20240102000000_m02/down.sql"}},
      {"down --count 2 where only the second lacks down.sql",
       World{{V1, V2, V3}, {{V1, 1}, {V2, 2}, {V3, 3}}, {V2}},
       req(DOWN, std::nullopt, 2),
       Kind::tree,
       {"/tree/20240102000000_m02/down.sql"}},
      {"down --to 0 where the oldest lacks down.sql",
       World{{V1, V2}, {{V1, 1}, {V2, 2}}, {V1}},
       req(DOWN, Version{0}),
       Kind::tree,
       {"/tree/20240101000000_m01/down.sql"}},
      {"up step without up.sql",
       World{{V1, V2}, {{V1, 1}}, {}, {V2}},
       req(UP),
       Kind::tree,
       {"/tree/20240102000000_m02/up.sql"}},
  };
  for (const auto &c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto disk = disk_of(c.world);
      const auto history = history_of(c.world);
      switch (c.kind) {
      case Kind::usage:
        REQUIRE_THROWS_AS(plan(disk, history, c.request), UsageError);
        break;
      case Kind::tree:
        REQUIRE_THROWS_AS(plan(disk, history, c.request), TreeError);
        break;
      case Kind::history:
        REQUIRE_THROWS_AS(plan(disk, history, c.request), HistoryError);
        break;
      }
      for (const auto &part : c.message_parts) {
        REQUIRE_THROWS_WITH(plan(disk, history, c.request), Contains(part));
        // Whatever the order of the history's rows.
        for (const auto &order : orders_of(history)) {
          REQUIRE_THROWS_WITH(plan(disk, order, c.request), Contains(part));
        }
      }
    }
  }
}

TEST_CASE("plan names the oldest of several changed or missing migrations, whatever the order "
          "of the rows",
          "[plan]") {
  SECTION("changed") {
    const World world{{V1, V2, V3, V4}, {{V1, 1}, {V2, 2}, {V3, 3}, {V4, 4}}};
    auto disk = disk_of(world);
    auto history = history_of(world);
    for (std::size_t i = 0; i < disk.size(); ++i) {
      disk[i].checksum = checksum("select " + std::to_string(i));
      history[i].checksum = disk[i].checksum;
    }
    disk[3].checksum = checksum("edited 4");
    disk[1].checksum = checksum("edited 2");
    for (const auto &order : orders_of(history)) {
      for (const auto &request : {req(UP), req(DOWN), req(DOWN, Version{0})}) {
        REQUIRE_THROWS_AS(plan(disk, order, request), HistoryError);
        REQUIRE_THROWS_WITH(plan(disk, order, request),
                            Contains("/tree/20240102000000_m02/up.sql changed after "
                                     "20240102000000_m02 was applied (recorded sha256 " +
                                     checksum("select 1").hex() + ", now " +
                                     checksum("edited 2").hex() + ")"));
      }
      REQUIRE_THROWS_WITH(plan_redo(disk, order), Contains("20240102000000_m02/up.sql changed"));
    }
  }
  SECTION("missing") {
    const World world{{V2, V4}, {{V1, 1}, {V2, 2}, {V3, 3}, {V4, 4}, {V5, 5}}};
    const auto disk = disk_of(world);
    for (const auto &order : orders_of(history_of(world))) {
      REQUIRE_THROWS_AS(plan(disk, order, req(UP)), HistoryError);
      REQUIRE_THROWS_WITH(plan(disk, order, req(UP)),
                          "applied migration 20240101000000_m01 has no directory in the "
                          "migrations tree (and 2 more; see `migrate status`)");
    }
  }
}

TEST_CASE("plan leaves a down.sql it has not seen to whoever reads it", "[plan]") {
  // read_tree does not read down.sql (down_known false): a run plans, then prepare_step reads
  // the down.sql of each step and refuses a missing one with missing_step_file's message.
  const World world{{V1, V2}, {{V1, 1}, {V2, 2}}, {V1, V2}};
  auto disk = disk_of(world);
  for (auto &m : disk) {
    m.down_known = false;
  }
  CHECK(render(plan(disk, history_of(world), req(DOWN, Version{0}))) ==
        std::vector<std::string>{down(V2), down(V1)});
  CHECK(missing_step_file(DOWN, disk[0]) ==
        "/tree/20240101000000_m01/down.sql: missing; 20240101000000_m01 cannot be reverted");
  CHECK(missing_step_file(UP, disk[1]) ==
        "/tree/20240102000000_m02/up.sql: missing; 20240102000000_m02 cannot be applied");
}

TEST_CASE("down_changed_warning names the file and both checksums", "[plan]") {
  Migration m;
  m.version = V1;
  m.name = "one";
  m.tree = std::make_shared<const std::string>("/tree/");
  const std::string aa(64, 'a');
  const std::string bb(64, 'b');
  const Checksum a = Checksum::from_hex(aa);
  const Checksum b = Checksum::from_hex(bb);
  CHECK_FALSE(down_changed_warning(m, a, a).has_value());
  CHECK_FALSE(down_changed_warning(m, {}, {}).has_value());
  CHECK(down_changed_warning(m, a, b) ==
        "/tree/20240101000000_one/down.sql changed after 20240101000000_one was applied "
        "(recorded sha256 " +
            aa + ", now " + bb + "); reverting runs the file as it is now");
  CHECK(down_changed_warning(m, {}, b) ==
        "/tree/20240101000000_one/down.sql changed after 20240101000000_one was applied "
        "(recorded sha256 none, now " +
            bb + "); reverting runs the file as it is now");
  CHECK(down_changed_warning(m, a, {}) ==
        "/tree/20240101000000_one/down.sql changed after 20240101000000_one was applied "
        "(recorded sha256 " +
            aa + ", now none); reverting runs the file as it is now");
}

TEST_CASE("plan error codes match the error kinds", "[plan]") {
  const World lost{{V1}, {{V1, 1}, {V2, 2}}};
  try {
    plan(disk_of(lost), history_of(lost), req(UP));
    FAIL("expected HistoryError");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::history_conflict);
  }
  try {
    plan(disk_of(lost), {}, req(UP, UNKNOWN));
    FAIL("expected UsageError");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::usage);
  }
}

TEST_CASE("plan_redo reverts and reapplies the most recently applied migration", "[plan]") {
  SECTION("empty history gives an empty plan") {
    const World world{{V1, V2}, {}};
    CHECK(plan_redo(disk_of(world), history_of(world)).empty());
  }
  SECTION("newest by version when applied in order") {
    const World world{{V1, V2, V3}, {{V1, 1}, {V2, 2}}};
    const auto steps = plan_redo(disk_of(world), history_of(world));
    CHECK(render(steps) == std::vector<std::string>{down(V2), up(V2)});
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].migration.dir() == "/tree/20240102000000_m02");
    CHECK(steps[1].migration.dir() == "/tree/20240102000000_m02");
    const auto positions = plan_redo_positions(disk_of(world), history_of(world));
    REQUIRE(positions.size() == 2);
    CHECK(positions[0].direction == DOWN);
    CHECK(positions[0].index == 1);
    CHECK(positions[1].direction == UP);
    CHECK(positions[1].index == 1);
  }
  SECTION("newest by applied sequence, not by version") {
    const World world{{V1, V2, V3}, {{V3, 2}, {V2, 3}, {V1, 1}}};
    CHECK(render(plan_redo(disk_of(world), history_of(world))) ==
          std::vector<std::string>{down(V2), up(V2)});
  }
  SECTION("an applied version without directory is a HistoryError") {
    const World world{{V1}, {{V1, 1}, {V2, 2}}};
    REQUIRE_THROWS_AS(plan_redo(disk_of(world), history_of(world)), HistoryError);
    REQUIRE_THROWS_WITH(plan_redo(disk_of(world), history_of(world)), Contains("20240102000000"));
  }
  SECTION("a missing directory for an older applied version is also refused") {
    const World world{{V2}, {{V1, 1}, {V2, 2}}};
    REQUIRE_THROWS_AS(plan_redo(disk_of(world), history_of(world)), HistoryError);
    REQUIRE_THROWS_WITH(plan_redo(disk_of(world), history_of(world)), Contains("20240101000000"));
  }
  SECTION("the newest lacking down.sql is a TreeError naming it") {
    const World world{{V1, V2}, {{V1, 1}, {V2, 2}}, {V2}};
    REQUIRE_THROWS_AS(plan_redo(disk_of(world), history_of(world)), TreeError);
    REQUIRE_THROWS_WITH(plan_redo(disk_of(world), history_of(world)),
                        Contains("/tree/20240102000000_m02/down.sql"));
  }
}

TEST_CASE("status lists disk and history by version with states", "[plan][status]") {
  constexpr Version gone = 20231231000000; // applied, directory removed
  const World world{{V1, V2, V3}, {{V2, 2}, {gone, 1}, {V1, 3}}};
  const auto history = history_of(world);
  std::vector<StatusRow> rows;
  REQUIRE_NOTHROW(rows = status(disk_of(world), history));
  REQUIRE(rows.size() == 4);

  CHECK(rows[0].version == gone);
  CHECK(rows[0].name == "m31");
  CHECK(rows[0].state == State::missing);
  CHECK(rows[0].applied_at == std::optional<std::string>("2024-06-01T00:00:01.000Z"));

  CHECK(rows[1].version == V1);
  CHECK(rows[1].state == State::applied);
  CHECK(rows[1].applied_at == std::optional<std::string>("2024-06-01T00:00:03.000Z"));

  CHECK(rows[2].version == V2);
  CHECK(rows[2].state == State::applied);
  CHECK(rows[2].applied_at == std::optional<std::string>("2024-06-01T00:00:02.000Z"));

  CHECK(rows[3].version == V3);
  CHECK(rows[3].name == "m03");
  CHECK(rows[3].state == State::pending);
  CHECK_FALSE(rows[3].applied_at.has_value());
}

TEST_CASE("status names the migrations whose directory was renamed after apply", "[plan][status]") {
  const World world{{V1, V2}, {{V1, 1}, {V2, 2}}};
  auto history = history_of(world);
  history[1].name = "old_name";
  const auto rows = status(disk_of(world), history);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].applied_name.empty());
  CHECK(rows[1].state == State::applied);
  CHECK(rows[1].name == "m02");
  CHECK(rows[1].applied_name == "old_name");
  // One row at a time, reused: a later row does not keep an earlier one's name.
  std::vector<std::string> seen;
  std::reverse(history.begin(), history.end());
  history[0].name = "m02";
  history[1].name = "older";
  for_each_status(disk_of(world), history,
                  [&seen](const StatusRow &row) { seen.push_back(row.applied_name); });
  CHECK(seen == std::vector<std::string>{"older", ""});
}

TEST_CASE("status never throws on states that plan refuses", "[plan][status]") {
  SECTION("missing directory between present ones") {
    const World world{{V1, V3}, {{V1, 1}, {V2, 2}, {V3, 3}}};
    const auto rows = status(disk_of(world), history_of(world));
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].version == V2);
    CHECK(rows[1].state == State::missing);
    CHECK(rows[0].state == State::applied);
    CHECK(rows[2].state == State::applied);
  }
  SECTION("out-of-order pending") {
    const World world{{V1, V2, V3}, {{V1, 1}, {V3, 2}}};
    const auto rows = status(disk_of(world), history_of(world));
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].state == State::pending);
  }
  SECTION("empty") {
    CHECK(status({}, {}).empty());
  }
}

TEST_CASE("for_each_status hands over the rows of status one at a time", "[plan][status]") {
  const World world{{V1, V3, V4}, {{V2, 1}, {V1, 2}, {V5, 3}}};
  const auto collected = status(disk_of(world), history_of(world));
  std::vector<std::string> visited;
  for_each_status(disk_of(world), history_of(world), [&visited](const StatusRow &row) {
    visited.push_back(format_version(row.version) + " " + row.name + " " + state_name(row.state) +
                      " " + row.applied_at.value_or("-"));
  });
  std::vector<std::string> expected;
  for (const auto &row : collected) {
    expected.push_back(format_version(row.version) + " " + row.name + " " + state_name(row.state) +
                       " " + row.applied_at.value_or("-"));
  }
  CHECK(visited == expected);
  CHECK(visited == std::vector<std::string>{"20240101000000 m01 applied 2024-06-01T00:00:02.000Z",
                                            "20240102000000 m02 missing 2024-06-01T00:00:01.000Z",
                                            "20240103000000 m03 pending -",
                                            "20240104000000 m04 pending -",
                                            "20240105000000 m05 missing 2024-06-01T00:00:03.000Z"});

  // What `visit` throws ends the walk.
  std::size_t calls = 0;
  CHECK_THROWS_AS(for_each_status(disk_of(world), history_of(world),
                                  [&calls](const StatusRow &) {
                                    ++calls;
                                    throw UsageError("stop");
                                  }),
                  UsageError);
  CHECK(calls == 1);
}

TEST_CASE("by_version orders pointers into the history by version", "[plan]") {
  const World world{{}, {{V3, 1}, {V1, 2}, {V2, 3}}};
  const auto history = history_of(world);
  const auto rows = by_version(history);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == &history[1]);
  CHECK(rows[1] == &history[2]);
  CHECK(rows[2] == &history[0]);
  CHECK(by_version({}).empty());
}

TEST_CASE("state_name names each state", "[plan][status]") {
  CHECK(std::string(state_name(State::applied)) == "applied");
  CHECK(std::string(state_name(State::pending)) == "pending");
  CHECK(std::string(state_name(State::missing)) == "missing");
}

// The expected digests are what PostgreSQL 15 computed for the same lines
// with the query of HistorySql::select_digest.
TEST_CASE("history_digest is the count and the sum of PostgreSQL's hashes of the lines",
          "[plan][digest]") {
  World world{{V1, V2}, {}};
  auto disk = disk_of(world);
  disk[0].checksum = Checksum::from_hex(std::string(64, 'a'));
  disk[1].checksum = Checksum::from_hex(std::string(64, 'b'));
  CHECK(history_digest(disk) == "2 5014773278595302932");
  std::swap(disk[0], disk[1]); // the order of the migrations does not matter
  CHECK(history_digest(disk) == "2 5014773278595302932");
  CHECK(history_digest({}) == "0 0");
}

TEST_CASE("history_digest sums exactly past 64 bits", "[plan][digest]") {
  std::vector<Migration> disk;
  for (std::uint64_t i = 1; i <= 3000; ++i) {
    Migration m;
    m.version = 20240000000000ULL + i;
    m.name = "m" + std::to_string(i);
    Sha256 hasher;
    m.checksum = checksum(std::to_string(i), hasher);
    disk.push_back(m);
  }
  // PostgreSQL 15: SELECT count(*) || ' ' || sum(hashtextextended((20240000000000 + i)::text
  // || ' ' || encode(sha256(i::text::bytea), 'hex') || ' applied', 0)) FROM
  // generate_series(1, 3000) i
  CHECK(history_digest(disk) == "3000 -269651662704258846227");
}

TEST_CASE("all_applied needs the tree's digest and a request the planner accepts",
          "[plan][digest]") {
  World world{{V1, V2}, {}};
  auto disk = disk_of(world);
  disk[0].checksum = Checksum::from_hex(std::string(64, 'a'));
  disk[1].checksum = Checksum::from_hex(std::string(64, 'b'));
  const std::string digest = history_digest(disk);
  PlanRequest up;
  CHECK(all_applied(disk, digest, up));
  CHECK_FALSE(all_applied(disk, history_digest({disk[0]}), up));
  CHECK_FALSE(all_applied(disk, "", up));

  PlanRequest to = up;
  to.to = V1;
  CHECK(all_applied(disk, digest, to));
  to.to = UNKNOWN; // plan refuses it: so must the shortcut
  CHECK_FALSE(all_applied(disk, digest, to));
  to.to = 0;
  CHECK_FALSE(all_applied(disk, digest, to));

  PlanRequest count = up;
  count.count = 1;
  CHECK(all_applied(disk, digest, count));
  count.count = 0;
  CHECK_FALSE(all_applied(disk, digest, count));

  PlanRequest down;
  down.direction = Direction::down;
  CHECK_FALSE(all_applied(disk, digest, down));
}
