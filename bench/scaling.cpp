// How the pure parts of migrate scale with their input: the statement splitter
// (with what a run asks of each statement), the file checksum, and the planner
// with what a no-op and `status` compute from the tree and the history. No
// database and no files: everything is generated in memory.
//
// Usage: migrate_scaling [REPEATS]   (default 7)
//
// Prints tab-separated lines `part<TAB>input<TAB>size<TAB>ns_per_unit`, where
// the unit is a byte (splitter, checksum; the size is the one asked for, the
// input ends with a whole repetition of its pattern) or a migration (planner),
// each the fastest of at least REPEATS runs. Cost per unit that stays flat as the size grows 16
// or 1000 times is linear scaling; bench/run.sh puts the lines in a table.

#include "migrate/classify.hpp"
#include "migrate/migration.hpp"
#include "migrate/plan.hpp"
#include "migrate/sha256.hpp"
#include "migrate/sql_split.hpp"
#include "migrate/version.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Defeats dead-code elimination of results that are only timed.
volatile std::size_t g_sink = 0;

// The fastest of the runs of `work`, in nanoseconds: at least `repeats` runs, and more until
// they have taken 100 ms, so that short inputs are timed as many times as long ones.
double fastest_ns(int repeats, const std::function<std::size_t()> &work) {
  double best = 0;
  double total = 0;
  for (int i = 0; i < repeats || total < 100e6; ++i) {
    const auto start = Clock::now();
    g_sink = g_sink + work();
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    best = (i == 0 || ns < best) ? ns : best;
    total += ns;
  }
  return best;
}

// `unit` repeated up to `bytes` bytes.
std::string repeat_to(const std::string &unit, std::size_t bytes) {
  std::string text;
  text.reserve(bytes + unit.size());
  while (text.size() < bytes) {
    text += unit;
  }
  return text;
}

// What a run computes from a file's text before it runs it: the statements, and for each its
// class, whether it may change the session and whether it releases the session's locks.
std::size_t split_and_classify(const std::string &sql) {
  std::size_t seen = 0;
  for (const migrate::Statement &statement : migrate::split_statements(sql)) {
    const std::string_view text = migrate::statement_text(sql, statement);
    seen += static_cast<std::size_t>(migrate::classify_statement(text));
    seen += migrate::may_change_session(text) ? 1 : 0;
    seen += migrate::session_lock_release(text).size();
  }
  return seen;
}

struct SqlInput {
  const char *name;
  std::string unit; // repeated to the size measured
};

// Ordinary statements, and inputs that keep the splitter in one state for the whole text, or
// switch state at every byte, or stack nesting it has to count.
std::vector<SqlInput> sql_inputs() {
  return {
      {"statements", "CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'x;y');\n"
                     "CREATE INDEX t_name_idx ON t (name); -- a comment; with a semicolon\n"},
      {"one dollar-quoted body", "x := x + 1; -- $a$ ' \" /* \n"},
      {"nested comments", "/* /* "},
      {"parentheses", "(("},
      {"quote at every byte", "''"},
      {"empty statements", ";"},
      {"BEGIN ATOMIC bodies", "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;\n"},
  };
}

// `n` migrations on disk, versions 1..n (sorted, as read_tree returns them), with up.sql and
// down.sql and distinct checksums.
std::vector<migrate::Migration> make_disk(std::size_t n) {
  auto tree = std::make_shared<const std::string>("migrations/");
  std::vector<migrate::Migration> disk(n);
  for (std::size_t i = 0; i < n; ++i) {
    migrate::Migration &m = disk[i];
    m.version = 20240000000000 + static_cast<migrate::Version>(i) + 1;
    m.name = "t_" + std::to_string(i + 1);
    m.tree = tree;
    m.has_up = true;
    m.has_down = true;
    m.checksum = migrate::checksum(m.name);
  }
  return disk;
}

// The history of `disk` all applied, in the order it was applied: the order the server returns
// the rows of a table written one row per step.
std::vector<migrate::AppliedMigration> make_history(const std::vector<migrate::Migration> &disk) {
  std::vector<migrate::AppliedMigration> history(disk.size());
  for (std::size_t i = 0; i < disk.size(); ++i) {
    migrate::AppliedMigration &row = history[i];
    row.version = disk[i].version;
    row.name = disk[i].name;
    row.checksum = disk[i].checksum;
    row.sequence = static_cast<std::int64_t>(i) + 1;
    row.applied_at_ms = 1700000000000 + static_cast<std::int64_t>(i);
  }
  return history;
}

void print(const char *part, const char *input, std::size_t size, double ns_per_unit) {
  std::printf("%s\t%s\t%zu\t%.2f\n", part, input, size, ns_per_unit);
}

} // namespace

int main(int argc, char **argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  const std::size_t kib = 1024;
  const std::size_t byte_sizes[] = {256 * kib, 1024 * kib, 4096 * kib};

  {
    // A first measurement, thrown away: the first one came out up to 25 % slower than the same
    // input measured again (the clock of the processor, the allocator's first blocks).
    const std::string sql = repeat_to(sql_inputs().front().unit, byte_sizes[0]);
    fastest_ns(repeats, [&] { return split_and_classify(sql); });
  }
  for (const SqlInput &input : sql_inputs()) {
    for (const std::size_t size : byte_sizes) {
      const std::string sql = repeat_to(input.unit, size);
      const double ns = fastest_ns(repeats, [&] { return split_and_classify(sql); });
      print("split", input.name, size, ns / static_cast<double>(sql.size()));
    }
  }

  for (const std::size_t size : byte_sizes) {
    const std::string sql = repeat_to(sql_inputs().front().unit, size);
    const double ns = fastest_ns(repeats, [&] { return migrate::checksum(sql).bytes()[0]; });
    print("checksum", "statements", size, ns / static_cast<double>(sql.size()));
  }

  const std::size_t counts[] = {100, 1000, 10000, 100000};
  for (const std::size_t n : counts) {
    const std::vector<migrate::Migration> disk = make_disk(n);
    const std::vector<migrate::AppliedMigration> history = make_history(disk);
    // The rows in a random order, as a table's rows end up after reverts and vacuums.
    std::vector<migrate::AppliedMigration> shuffled = history;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(n));
    const std::vector<migrate::AppliedMigration> none;
    const double per = static_cast<double>(n);

    migrate::PlanRequest up;
    const double plan_up =
        fastest_ns(repeats, [&] { return migrate::plan_positions(disk, none, up).size(); });
    print("plan", "up, all pending", n, plan_up / per);

    migrate::PlanRequest down;
    down.direction = migrate::Direction::down;
    down.to = 0;
    const double plan_down =
        fastest_ns(repeats, [&] { return migrate::plan_positions(disk, history, down).size(); });
    print("plan", "down --to 0, all applied", n, plan_down / per);

    const double noop =
        fastest_ns(repeats, [&] { return migrate::plan_positions(disk, history, up).size(); });
    print("plan", "up, all applied (from the rows)", n, noop / per);

    const double noop_shuffled =
        fastest_ns(repeats, [&] { return migrate::plan_positions(disk, shuffled, up).size(); });
    print("plan", "the same, rows in random order", n, noop_shuffled / per);

    // What the server returns for that history; all_applied computes the tree's own.
    const std::string server_digest = migrate::history_digest(disk);
    const double digest_ns =
        fastest_ns(repeats, [&] { return migrate::all_applied(disk, server_digest, up) ? 1 : 0; });
    print("plan", "no-op: the tree's digest, compared", n, digest_ns / per);

    const double status_ns = fastest_ns(repeats, [&] {
      std::size_t rows = 0;
      migrate::for_each_status(disk, history, [&](const migrate::StatusRow &) { ++rows; });
      return rows;
    });
    print("plan", "status: the merge", n, status_ns / per);
  }
  return 0;
}
