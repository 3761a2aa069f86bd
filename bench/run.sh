#!/usr/bin/env bash
# Benchmarks migrate against plain psql on a throwaway PostgreSQL cluster and
# regenerates the measured part of docs/performance.md.
#
# Usage: bench/run.sh            (as root or with sudo, like scripts/test.sh)
#
# For each N in BENCH_SIZES it generates N trivial migrations (bench/gen.sh)
# and times with hyperfine, on a freshly created database for every run:
#   up from empty           migrate up              vs psql -f all_up.sql
#   no-op up, status        migrate up / status     vs psql -c 'SELECT 1'
#   down --to 0             migrate down --to 0     vs psql -f all_down.sql
# (every measurement alternates its commands run by run; see alternate below).
# With the tree and the database warm, it also times what the no-op and status
# cannot do without: psql sending the message each sends to the server, and
# bench/tree_floor.cpp, which lists the tree and stats every up.sql.
# It records peak RSS (/usr/bin/time -f %M) and counts round trips with
# log_statement = 'all' (bench/rtt.sh), prints a table of ratios and rewrites
# the block between <!-- bench:begin --> and <!-- bench:end --> in BENCH_DOC.
# Where npm can reach its registry, it also installs dbmate and node-pg-migrate
# (bench/peers.sh, into BENCH_NPM_DIR) and times them on the same migrations,
# at N = BENCH_PEERS_N, next to migrate and psql.
#
# Environment:
#   MIGRATE_BIN        binary to measure (default: build a Release binary in build-bench/)
#   PSQL               psql binary (default: the newest /usr/lib/postgresql/*/bin/psql,
#                      not Debian's Perl wrapper /usr/bin/psql, which adds ~15 ms per start)
#   BENCH_SIZES        migration counts (default: "100 1000 10000")
#   BENCH_RUNS         runs for no-op up / status / SELECT 1 (default: 20)
#   BENCH_WARMUP       warm-up runs for those (default: 2)
#   BENCH_RUNS_UPDOWN  runs for up / down when N < BENCH_SLOW_N (default: 5)
#   BENCH_RUNS_SLOW    runs for up / down when N >= BENCH_SLOW_N (default: 1)
#   BENCH_SLOW_N       see above (default: 10000)
#   BENCH_RTT_N        migrations for the round-trip count (default: 20)
#   BENCH_CORPUS       1 (default): also time the crates.io corpus, if ../shared/corpus exists
#   BENCH_SCALING      1 (default): also build and run bench/scaling.cpp (the splitter, the
#                      checksum and the planner on generated input, no database); 0: do not
#   BENCH_PEERS        auto (default): time dbmate and node-pg-migrate if npm can install
#                      them; 1: the same, and fail if it cannot; 0: do not
#   BENCH_PEERS_N      migrations for them (default: 1000)
#   BENCH_NPM_DIR      where npm installs them (default: $XDG_CACHE_HOME/migrate-bench/npm,
#                      or ~/.cache/migrate-bench/npm)
#   BENCH_OUT          raw results: hyperfine JSON, RSS, logs (default: bench/results)
#   BENCH_DOC          document to update (default: docs/performance.md; empty: none)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
prog=bench/run.sh

die() {
  echo "$prog: $*" >&2
  exit 1
}

log() {
  printf '\n== %s\n' "$*" >&2
}

sizes=${BENCH_SIZES:-100 1000 10000}
runs_fast=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-2}
runs_updown=${BENCH_RUNS_UPDOWN:-5}
runs_slow=${BENCH_RUNS_SLOW:-1}
slow_n=${BENCH_SLOW_N:-10000}
rtt_n=${BENCH_RTT_N:-20}
corpus=${BENCH_CORPUS:-1}
scaling=${BENCH_SCALING:-1}
peers=${BENCH_PEERS:-auto}
peers_n=${BENCH_PEERS_N:-1000}
npm_dir=${BENCH_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/migrate-bench/npm}
out=${BENCH_OUT:-$root/bench/results}
doc=${BENCH_DOC-$root/docs/performance.md}

for v in runs_fast runs_updown runs_slow slow_n rtt_n peers_n; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ $warmup =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a non-negative integer"
((rtt_n >= 2)) || die "BENCH_RTT_N must be at least 2"
[[ $peers == auto || $peers == 0 || $peers == 1 ]] || die "BENCH_PEERS must be auto, 0 or 1"
[[ $scaling == 0 || $scaling == 1 ]] || die "BENCH_SCALING must be 0 or 1"
read -r -a size_list <<<"$sizes"
((${#size_list[@]} > 0)) || die "BENCH_SIZES is empty"
for n in "${size_list[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "BENCH_SIZES: '$n' is not a positive integer"
done

# ---------------------------------------------------------------- set-up

log "dependencies"
scripts/deps.sh hyperfine time jq
command -v hyperfine >/dev/null || die "hyperfine is not on PATH"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (package time)"

# The scaling and floor programs always come from this tree, also when MIGRATE_BIN is given.
targets=(migrate_tree_floor)
tree_floor=$root/build-bench/bench/migrate_tree_floor
if [[ -n ${MIGRATE_BIN:-} ]]; then
  migrate=$(realpath "$MIGRATE_BIN")
  build_note="given by MIGRATE_BIN"
else
  targets+=(migrate)
  migrate=$root/build-bench/migrate
  build_note="Release (-O3 -DNDEBUG), build-bench/"
fi
if [[ $scaling == 1 ]]; then
  targets+=(migrate_scaling)
fi
log "building ${targets[*]} (Release) in build-bench/"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMIGRATE_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target "${targets[@]}"
[[ -x $migrate ]] || die "$migrate is not an executable"

if [[ -z ${PSQL:-} ]]; then
  PSQL=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/psql' 2>/dev/null |
    sort -V | tail -n 1)
  [[ -n $PSQL ]] || PSQL=$(command -v psql) || die "psql not found"
fi
export PSQL

# The other migrators, installed before anything is timed: a registry that
# cannot be reached is known at once, not after the other measurements.
peers_note=""
dbmate=""
node_pg_migrate=""
if [[ $peers != 0 ]]; then
  log "other migrators (npm, into $npm_dir)"
  peers_env=$(bench/peers.sh install "$npm_dir") || {
    [[ $peers == auto ]] || die "BENCH_PEERS=1 but bench/peers.sh could not install the other migrators"
    peers_note="not measured: \`bench/peers.sh install\` could not install them (npm missing or its registry out of reach)"
    peers_env=""
  }
  peer_value() { sed -n "s/^$1=//p" <<<"$peers_env"; }
  dbmate=$(peer_value dbmate)
  node_pg_migrate=$(peer_value node_pg_migrate)
  dbmate_version=$(peer_value dbmate_version)
  node_pg_migrate_version=$(peer_value node_pg_migrate_version)
  node_version=$(peer_value node_version)
else
  peers_note="not measured in this run (BENCH_PEERS=0)"
fi

# Nothing from the caller's environment may change what migrate or psql do.
unset DATABASE_URL PGOPTIONS PGSERVICE PGSERVICEFILE PGSSLMODE PGAPPNAME
for v in "${!MIGRATE_@}"; do
  unset "$v"
done

mkdir -p "$out"
out=$(cd "$out" && pwd -P)
rm -f "$out"/rss-corpus-* "$out"/up-*.json "$out"/noop-*.json "$out"/noop-warm-*.json "$out"/down-*.json "$out"/rss-* "$out"/rtt-*.log \
  "$out"/rtt.txt "$out"/commands-*.txt "$out"/results.tsv "$out"/floors.tsv "$out"/summary.txt \
  "$out"/peers-*.json "$out"/rss-peers-* "$out"/commands-peers.txt "$out"/scaling.tsv

# The pure parts, before the server starts: nothing else runs on the machine.
if [[ $scaling == 1 ]]; then
  log "scaling of the splitter, the checksum and the planner (bench/scaling.cpp)"
  build-bench/bench/migrate_scaling >"$out/scaling.tsv"
fi

pgdir=$(mktemp -d /tmp/migrate-pg.XXXXXX)
work=$(mktemp -d /tmp/migrate-bench.XXXXXX)
cleanup() {
  scripts/pg.sh stop "$pgdir" || true
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting PostgreSQL in $pgdir"
eval "$(scripts/pg.sh start "$pgdir")"
# Unix socket only: PGHOST is the socket directory.
[[ $PGHOST == /* ]] || die "expected a socket directory in PGHOST, got $PGHOST"
server_log=$pgdir/server.log

q() {
  "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "${2:-postgres}" -c "$1"
}

# Command line for hyperfine -N (no shell): each word quoted for its
# shell-words splitting.
cmdline() {
  local line="" word
  for word in "$@"; do
    printf -v word '%q' "$word"
    line+="${line:+ }$word"
  done
  printf '%s' "$line"
}

median() { # median FILE.json NAME
  jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$1"
}

# alternate OUT.json RUNS WARMUP PREPARE NAME CMD [NAME CMD]...
# Times the commands one run each per round, the order rotating by one place
# each round (A B, B A, A B… for two; A B C, B C A, C A B… for three), each run
# after its own PREPARE (none when empty), with WARMUP warm-up runs of each
# before the first round: the drift of a benchmark (the disk's fsync latency,
# the page cache, the host's other guests) falls on every command alike, where
# hyperfine given the commands at once runs all of A's runs, then all of B's.
# Writes the rounds as one hyperfine-style JSON: results[] with command, times,
# exit_codes and median, as `median` reads them.
alternate() {
  local json=$1 runs=$2 warmup=$3 prepare=$4 r i k
  shift 4
  local -a names=() cmds=() parts=() order prep_args=() warm_args
  while (($# >= 2)); do
    names+=("$1")
    cmds+=("$2")
    shift 2
  done
  k=${#names[@]}
  [[ -z $prepare ]] || prep_args=(--prepare "$prepare")
  for ((r = 0; r < runs; r++)); do
    order=()
    for ((i = 0; i < k; i++)); do
      order+=(-n "${names[(r + i) % k]}" "${cmds[(r + i) % k]}")
    done
    warm_args=()
    ((r > 0 || warmup == 0)) || warm_args=(--warmup "$warmup")
    hyperfine -N --style basic --runs 1 "${warm_args[@]}" "${prep_args[@]}" \
      --export-json "$json.$r" "${order[@]}"
    parts+=("$json.$r")
  done
  jq -s '{results: ([.[].results[]] | group_by(.command) | map({
      command: .[0].command,
      times: [.[].times[]],
      exit_codes: [.[].exit_codes[]]
    } | .median = (.times | sort
      | if length % 2 == 1 then .[(length - 1) / 2]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end)))}' "${parts[@]}" >"$json"
  rm -f -- "${parts[@]}"
}

max_rss() { # largest value (KiB) in /usr/bin/time -f %M output files, if any
  local f
  for f in "$@"; do
    if [[ -f $f ]]; then
      grep -E '^[0-9]+$' "$f" || true
    fi
  done | sort -n | tail -n 1
}

# --------------------------------------------------------------- machine

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
fs_type=$(df -PT "$pgdir" | awk 'NR == 2 {print $2}')
pg_version=$(q "SHOW server_version")
pg_fsync=$(q "SHOW fsync")
pg_sync=$(q "SHOW synchronous_commit")
pg_wal_sync=$(q "SHOW wal_sync_method")
pg_shared=$(q "SHOW shared_buffers")
pg_max_wal=$(q "SHOW max_wal_size")
migrate_version=$("$migrate" --version)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- src CMakeLists.txt 2>/dev/null) ]]; then
  commit+=" + uncommitted changes in src/"
fi
hyperfine_version=$(hyperfine --version)
psql_version=$("$PSQL" --version)
started=$(date -u '+%Y-%m-%d %H:%M UTC')

# ----------------------------------------------------------- round trips

log "round trips (log_statement = 'all', N = $rtt_n)"
MIGRATE_BIN=$migrate DBMATE=$dbmate NODE_PG_MIGRATE=$node_pg_migrate \
  bench/rtt.sh "$server_log" "$rtt_n" "$work/rtt" >"$out/rtt.txt"
cp "$work"/rtt/rtt-*.log "$out"/
cat "$out/rtt.txt" >&2
rtt() { sed -n "s/^$1=//p" "$out/rtt.txt"; }
rt_up_empty=$(rtt up_empty)
rt_up_one=$(rtt up_one)
rt_up_next=$(rtt up_next)
rt_noop=$(rtt noop)
rt_status=$(rtt status)
rt_down=$(rtt down)
rt_down_one=$(rtt down_one)
rt_per_step=$(awk -v a="$rt_up_empty" -v b="$rt_up_one" -v n="$rtt_n" 'BEGIN {printf "%.2f", (a - b) / (n - 1)}')
# Fixed per up run that has work: one step less than up --count 1 on an existing history.
rt_up_fixed=$(awk -v b="$rt_up_next" -v s="$rt_per_step" 'BEGIN {printf "%.2f", b - s}')
rt_first=$(awk -v b="$rt_up_one" -v x="$rt_up_next" 'BEGIN {printf "%.2f", b - x}')
rt_down_fixed=$((rt_down_one - 1))
rt_per_down=$(awk -v d="$rt_down" -v f="$rt_down_fixed" -v n="$rtt_n" 'BEGIN {printf "%.2f", (d - f) / n}')
# A peer's statement lines per migration and fixed per run, from its up of N/2
# and of N migrations: "per fixed".
peer_rtt() {
  local full half
  full=$(rtt "$1_up")
  half=$(rtt "$1_up_half")
  [[ -n $full && -n $half ]] || return 0
  awk -v f="$full" -v h="$half" -v n="$rtt_n" -v m="$((rtt_n / 2))" \
    'BEGIN {p = (f - h) / (n - m); printf "%.2f %.2f", p, f - n * p}'
}

# ------------------------------------------------------------ benchmarks

prep=$root/bench/prep.sh
tsv=$out/results.tsv
printf 'n\top\tmigrate_s\tpsql_s\truns\n' >"$tsv"
floors=$out/floors.tsv
printf 'n\tselect1_s\tnoop_message_s\tstatus_message_s\ttree_s\tnoop_s\tstatus_s\n' >"$floors"

# The one message a no-op sends and the one status sends (structure probes,
# then the digest or the rows), as the server logged them in the round-trip
# count, for psql to send alone (psql -c sends a string as one message).
logged_message() { # logged_message NAME: the statement line of rtt-NAME.log
  local sql
  sql=$(sed -n 's/^.* LOG:  statement: //p' "$out/rtt-$1.log")
  [[ -n $sql && $sql != *$'\n'* ]] || die "rtt-$1.log: expected one logged statement line"
  printf '%s' "$sql"
}
noop_sql=$(logged_message noop)
status_sql=$(logged_message status)

bench_size() {
  local n=$1 dir=$work/n$1 runs start elapsed
  local m_up m_noop m_status m_down p_up p_select p_down p_noop_msg p_status_msg f_tree
  log "N = $n: generating"
  bench/gen.sh "$n" "$dir"
  runs=$runs_updown
  ((n < slow_n)) || runs=$runs_slow

  m_up=$(cmdline /usr/bin/time -a -o "$out/rss-$n-up-migrate" -f %M \
    "$migrate" --database-url dbname=bench -m "$dir/migrations" up)
  p_up=$(cmdline /usr/bin/time -a -o "$out/rss-$n-up-psql" -f %M \
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -d bench -f "$dir/all_up.sql")
  m_noop=$(cmdline "$migrate" --database-url dbname=bench -m "$dir/migrations" up)
  m_status=$(cmdline "$migrate" --database-url dbname=bench -m "$dir/migrations" status)
  p_select=$(cmdline "$PSQL" -X -d bench -c 'SELECT 1')
  p_noop_msg=$(cmdline "$PSQL" -X -d bench -c "$noop_sql")
  p_status_msg=$(cmdline "$PSQL" -X -d bench -c "$status_sql")
  f_tree=$(cmdline "$tree_floor" "$dir/migrations")
  m_down=$(cmdline /usr/bin/time -a -o "$out/rss-$n-down-migrate" -f %M \
    "$migrate" --database-url dbname=bench -m "$dir/migrations" down --to 0)
  p_down=$(cmdline /usr/bin/time -a -o "$out/rss-$n-down-psql" -f %M \
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -d bench -f "$dir/all_down.sql")

  # The applied state every no-op/status/down run starts from: a template
  # database that migrate itself brought up (so it has the history table).
  log "N = $n: template database bench_tpl (migrate up, also a sanity check)"
  "$prep" fresh bench_tpl
  start=$(date +%s.%N)
  /usr/bin/time -o "$out/rss-$n-tpl-migrate" -f %M \
    "$migrate" --database-url dbname=bench_tpl -m "$dir/migrations" up >/dev/null
  elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
  [[ $(q "SELECT count(*) FROM public.migration_history" bench_tpl) == "$n" ]] ||
    die "N = $n: the history table does not have $n rows after migrate up"
  [[ $(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t_[0-9]+\$'" bench_tpl) == "$n" ]] ||
    die "N = $n: migrate up did not create $n tables"
  echo "template: migrate up of $n migrations in $elapsed s" >&2
  # What autovacuum would do to a database that has just had thousands of
  # catalog rows (and, at N = 10000, history rows) added, done now rather
  # than at some moment during the rounds: a copy inherits the template's
  # visibility map and hint bits, and at N = 10000 the no-op's digest query
  # costs the server 0.4 ms less on a vacuumed history.
  q "VACUUM" bench_tpl >/dev/null

  log "N = $n: up from empty ($runs runs each, alternating)"
  alternate "$out/up-$n.json" "$runs" 0 "$(cmdline "$prep" fresh bench)" \
    migrate "$m_up" psql "$p_up"

  log "N = $n: no-op up and status ($runs_fast runs, $warmup warm-up)"
  alternate "$out/noop-$n.json" "$runs_fast" "$warmup" "$(cmdline "$prep" copy bench_tpl bench)" \
    noop "$m_noop" status "$m_status" select1 "$p_select"

  # The same on one database, again and again: neither command changes it.
  # The prepare step above copies a database of up to hundreds of MB, which
  # pushes the migration tree out of the page cache on a small VM; this one
  # shows the cost with the tree and the database cached. With them, in the
  # same rounds, what those two commands cannot do without (see floors_section).
  [[ $("$tree_floor" "$dir/migrations") == "$n" ]] || die "N = $n: tree_floor did not find $n up.sql files"
  log "N = $n: no-op up and status, warm ($runs_fast runs, $warmup warm-up)"
  alternate "$out/noop-warm-$n.json" "$runs_fast" "$warmup" "" \
    noop "$m_noop" status "$m_status" select1 "$p_select" \
    noop_message "$p_noop_msg" status_message "$p_status_msg" tree "$f_tree"

  # Peak RSS of the fast commands, outside hyperfine (the time wrapper would
  # weigh on a few-millisecond measurement). "bench" is still fully applied.
  local i
  for ((i = 0; i < 3; i++)); do
    /usr/bin/time -a -o "$out/rss-$n-noop-migrate" -f %M \
      "$migrate" --database-url dbname=bench -m "$dir/migrations" up >/dev/null
    /usr/bin/time -a -o "$out/rss-$n-status-migrate" -f %M \
      "$migrate" --database-url dbname=bench -m "$dir/migrations" status >/dev/null
    /usr/bin/time -a -o "$out/rss-$n-select1-psql" -f %M \
      "$PSQL" -X -d bench -c 'SELECT 1' >/dev/null
  done

  log "N = $n: down --to 0 ($runs runs each, alternating)"
  alternate "$out/down-$n.json" "$runs" 0 "$(cmdline "$prep" copy bench_tpl bench)" \
    migrate "$m_down" psql "$p_down"

  {
    printf '%s\tup\t%s\t%s\t%s\n' "$n" "$(median "$out/up-$n.json" migrate)" \
      "$(median "$out/up-$n.json" psql)" "$runs"
    printf '%s\tnoop\t%s\t%s\t%s\n' "$n" "$(median "$out/noop-$n.json" noop)" \
      "$(median "$out/noop-$n.json" select1)" "$runs_fast"
    printf '%s\tstatus\t%s\t%s\t%s\n' "$n" "$(median "$out/noop-$n.json" status)" \
      "$(median "$out/noop-$n.json" select1)" "$runs_fast"
    printf '%s\tnoop_warm\t%s\t%s\t%s\n' "$n" "$(median "$out/noop-warm-$n.json" noop)" \
      "$(median "$out/noop-warm-$n.json" select1)" "$runs_fast"
    printf '%s\tstatus_warm\t%s\t%s\t%s\n' "$n" "$(median "$out/noop-warm-$n.json" status)" \
      "$(median "$out/noop-warm-$n.json" select1)" "$runs_fast"
    printf '%s\tdown\t%s\t%s\t%s\n' "$n" "$(median "$out/down-$n.json" migrate)" \
      "$(median "$out/down-$n.json" psql)" "$runs"
  } >>"$tsv"
  local w=$out/noop-warm-$n.json
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$(median "$w" select1)" "$(median "$w" noop_message)" \
    "$(median "$w" status_message)" "$(median "$w" tree)" "$(median "$w" noop)" "$(median "$w" status)" >>"$floors"

  # The commands as run, with the generated directory and the binary shortened.
  {
    echo "# N = $n"
    echo "# $runs rounds, migrate first in odd rounds, psql first in even ones:"
    echo "hyperfine -N --runs 1 --prepare '$prep fresh bench' \\"
    echo "  -n migrate '$m_up' \\"
    echo "  -n psql '$p_up'"
    echo "# $runs_fast rounds, the order rotating (noop status select1, status select1 noop, …),"
    echo "# $warmup warm-up runs of each before the first:"
    echo "hyperfine -N --runs 1 --prepare '$prep copy bench_tpl bench' \\"
    echo "  -n noop '$m_noop' -n status '$m_status' -n select1 '$p_select'"
    echo "# the same without --prepare (warm), with what they cannot do without:"
    echo "hyperfine -N --runs 1 \\"
    echo "  -n noop '$m_noop' -n status '$m_status' -n select1 '$p_select' \\"
    echo "  -n noop_message '$p_noop_msg' \\"
    echo "  -n status_message '$p_status_msg' \\"
    echo "  -n tree '$f_tree'"
    echo "# $runs rounds, alternating as for up:"
    echo "hyperfine -N --runs 1 --prepare '$prep copy bench_tpl bench' \\"
    echo "  -n migrate '$m_down' \\"
    echo "  -n psql '$p_down'"
  } | sed -e "s|$dir|\$W|g" -e "s|$migrate|migrate|g" -e "s|$out/|\$OUT/|g" \
    -e "s|$tree_floor|tree_floor|g" -e "s|$root/||g" >"$out/commands-$n.txt"

  q "DROP DATABASE IF EXISTS bench WITH (FORCE)" >/dev/null
  q "DROP DATABASE IF EXISTS bench_tpl WITH (FORCE)" >/dev/null
  rm -rf -- "$dir"
}

for n in "${size_list[@]}"; do
  bench_size "$n"
done

# dbmate and node-pg-migrate next to migrate and psql, on the same N
# migrations: up from empty on a fresh database each run, and the no-op up,
# warm, each on a database the tool brought up itself. node-pg-migrate runs
# with --no-single-transaction: each migration in a transaction of its own,
# as migrate and the psql baseline do (its default is one transaction for
# all). dbmate runs without its schema dump (--no-dump-schema, which would
# start pg_dump).
bench_peers() {
  local n=$peers_n dir=$work/peers runs=$runs_updown db tables
  log "other migrators, N = $n: generating"
  bench/gen.sh "$n" "$dir"
  bench/peers.sh layout "$dir/migrations" "$dir"
  local wrap=(/usr/bin/time -a -f %M -o)
  local m_args=("$migrate" -m "$dir/migrations")
  d_cmd() { # d_cmd DB
    printf '%s\n' "$dbmate" --url "$(bench/peers.sh url dbmate "$1")" \
      --migrations-dir "$dir/dbmate" --no-dump-schema migrate
  }
  local -a d_up d_noop
  mapfile -t d_up < <(d_cmd bench)
  mapfile -t d_noop < <(d_cmd bench_dbmate)
  # node-pg-migrate reads its URL from the variable --database-url-var names.
  export BENCH_NPM_URL BENCH_NPM_NOOP_URL
  BENCH_NPM_URL=$(bench/peers.sh url node-pg-migrate bench)
  BENCH_NPM_NOOP_URL=$(bench/peers.sh url node-pg-migrate bench_npm)
  local n_args=("$node_pg_migrate" up -m "$dir/node-pg-migrate" --no-single-transaction)

  log "other migrators, N = $n: each one's applied database"
  "$prep" fresh bench_migrate
  "$prep" fresh bench_dbmate
  "$prep" fresh bench_npm
  "${m_args[@]}" --database-url dbname=bench_migrate up >/dev/null
  "${d_noop[@]}" >/dev/null
  "${n_args[@]}" --database-url-var BENCH_NPM_NOOP_URL >/dev/null
  for db in bench_migrate bench_dbmate bench_npm; do
    tables=$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t_[0-9]+\$'" "$db")
    [[ $tables == "$n" ]] || die "$db: $tables tables after up, expected $n"
  done

  log "other migrators, N = $n: up from empty ($runs runs)"
  alternate "$out/peers-up.json" "$runs" 0 "$(cmdline "$prep" fresh bench)" \
    migrate "$(cmdline "${wrap[@]}" "$out/rss-peers-up-migrate" "${m_args[@]}" \
      --database-url dbname=bench up)" \
    psql "$(cmdline "${wrap[@]}" "$out/rss-peers-up-psql" \
      "$PSQL" -X -q -v ON_ERROR_STOP=1 -d bench -f "$dir/all_up.sql")" \
    dbmate "$(cmdline "${wrap[@]}" "$out/rss-peers-up-dbmate" "${d_up[@]}")" \
    node-pg-migrate "$(cmdline "${wrap[@]}" "$out/rss-peers-up-npm" "${n_args[@]}" \
      --database-url-var BENCH_NPM_URL)"

  log "other migrators, N = $n: no-op up, warm ($runs_fast runs, $warmup warm-up)"
  local m_noop d_noop_line n_noop p_select
  m_noop=$(cmdline "${m_args[@]}" --database-url dbname=bench_migrate up)
  d_noop_line=$(cmdline "${d_noop[@]}")
  n_noop=$(cmdline "${n_args[@]}" --database-url-var BENCH_NPM_NOOP_URL)
  p_select=$(cmdline "$PSQL" -X -d bench_migrate -c 'SELECT 1')
  alternate "$out/peers-noop.json" "$runs_fast" "$warmup" "" \
    migrate "$m_noop" dbmate "$d_noop_line" node-pg-migrate "$n_noop" psql "$p_select"
  local i
  for ((i = 0; i < 3; i++)); do
    "${wrap[@]}" "$out/rss-peers-noop-migrate" "${m_args[@]}" --database-url dbname=bench_migrate up >/dev/null
    "${wrap[@]}" "$out/rss-peers-noop-dbmate" "${d_noop[@]}" >/dev/null
    "${wrap[@]}" "$out/rss-peers-noop-npm" "${n_args[@]}" --database-url-var BENCH_NPM_NOOP_URL >/dev/null
    "${wrap[@]}" "$out/rss-peers-noop-psql" "$PSQL" -X -d bench_migrate -c 'SELECT 1' >/dev/null
  done

  {
    echo "# Other migrators, N = $n (BENCH_NPM_URL, BENCH_NPM_NOOP_URL: the URLs of bench and bench_npm)"
    echo "# $runs rounds, the order rotating by one each round:"
    echo "hyperfine -N --runs 1 --prepare '$prep fresh bench' \\"
    echo "  -n migrate '$(cmdline "${m_args[@]}" --database-url dbname=bench up)' \\"
    echo "  -n psql '$(cmdline "$PSQL" -X -q -v ON_ERROR_STOP=1 -d bench -f "$dir/all_up.sql")' \\"
    echo "  -n dbmate '$(cmdline "${d_up[@]}")' \\"
    echo "  -n node-pg-migrate '$(cmdline "${n_args[@]}" --database-url-var BENCH_NPM_URL)'"
    echo "# $runs_fast rounds, rotating, $warmup warm-up runs of each before the first:"
    echo "hyperfine -N --runs 1 \\"
    echo "  -n migrate '$m_noop' -n dbmate '$d_noop_line' \\"
    echo "  -n node-pg-migrate '$n_noop' -n psql '$p_select'"
  } | sed -e "s|$dir|\$W|g" -e "s|$migrate|migrate|g" -e "s|$npm_dir/node_modules/|\$NPM/|g" \
    -e "s|$root/||g" -e "s|$PGHOST|\$PGHOST|g" >"$out/commands-peers.txt"

  for db in bench bench_migrate bench_dbmate bench_npm; do
    q "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  done
  rm -rf -- "$dir"
}

if [[ -n $dbmate ]]; then
  bench_peers
fi

# ---------------------------------------------------------------- report

fmt_time() { # seconds -> "12.3 ms" / "4.56 s"
  awk -v s="$1" 'BEGIN {if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s}'
}

mib() { # KiB -> MiB
  if [[ -z $1 ]]; then
    printf -- '-'
  else
    awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'
  fi
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'
}

# target OP N: the issue's bound on the ratio, or nothing.
target() {
  case $1:$2 in
  up:1000 | down:1000) echo 1.05 ;;
  noop*:1000 | status*:1000) echo 1.5 ;;
  noop*:10000 | status*:10000) echo 2 ;;
  esac
}

verdict() { # verdict VALUE BOUND
  if [[ -z $2 ]]; then
    printf -- '-'
  elif awk -v v="$1" -v b="$2" 'BEGIN {exit !(v <= b)}'; then
    printf '≤ %s: met' "$2"
  else
    printf '≤ %s: NOT met' "$2"
  fi
}

op_label() {
  case $1 in
  up) echo "\`up\` from empty vs \`psql -f all_up.sql\`" ;;
  noop) echo "no-op \`up\` vs \`psql -c 'SELECT 1'\`" ;;
  status) echo "\`status\` vs \`psql -c 'SELECT 1'\`" ;;
  noop_warm) echo "no-op \`up\`, warm vs \`psql -c 'SELECT 1'\`" ;;
  status_warm) echo "\`status\`, warm vs \`psql -c 'SELECT 1'\`" ;;
  down) echo "\`down --to 0\` vs \`psql -f all_down.sql\`" ;;
  esac
}

# ---------------------------------------------------------------- corpus

corpus_note=""
if [[ $corpus == 1 ]]; then
  log "crates.io corpus"
  src=$root/../shared/corpus/cratesio
  if [[ ! -d $src ]]; then
    corpus_note="skipped: $src does not exist"
  elif ! "$migrate" --help | grep -qE '^[[:space:]]+import[[:space:]]'; then
    corpus_note="skipped: this migrate has no \`import\` command yet"
  else
    cdir=$work/cratesio
    "$migrate" -m "$cdir/migrations" import --from diesel "$src" >"$out/corpus-import.txt"
    # The same files as one psql script: each up.sql in BEGIN/COMMIT, as migrate runs it,
    # except those marked -- migrate:no-transaction, which run as they are.
    : >"$cdir/all_up.sql"
    cn=0
    for f in "$cdir"/migrations/*/up.sql; do
      if grep -q '^-- migrate:no-transaction' "$f"; then
        cat "$f" >>"$cdir/all_up.sql"
      else
        { echo 'BEGIN;'; cat "$f"; printf '\n;\nCOMMIT;\n'; } >>"$cdir/all_up.sql"
      fi
      cn=$((cn + 1))
    done
    log "crates.io corpus: up from empty, $cn migrations ($runs_updown runs)"
    alternate "$out/up-corpus.json" "$runs_updown" 0 "$(cmdline "$prep" fresh bench)" \
      migrate "$(cmdline /usr/bin/time -a -o "$out/rss-corpus-migrate" -f %M \
        "$migrate" --database-url dbname=bench -m "$cdir/migrations" up)" \
      psql "$(cmdline /usr/bin/time -a -o "$out/rss-corpus-psql" -f %M \
        "$PSQL" -X -q -v ON_ERROR_STOP=1 -d bench -f "$cdir/all_up.sql")"
    cm=$(median "$out/up-corpus.json" migrate)
    cp_=$(median "$out/up-corpus.json" psql)
    q "DROP DATABASE IF EXISTS bench WITH (FORCE)" >/dev/null
    corpus_note="The $cn migrations of \`../shared/corpus/cratesio\` (crates.io, Diesel), imported with
\`migrate import --from diesel\`, applied to an empty database: \`migrate up\` against
\`psql -f all_up.sql\`, where all_up.sql holds the same files, each in \`BEGIN\`/\`COMMIT\`
unless marked \`-- migrate:no-transaction\`. Medians of $runs_updown runs, each on a fresh
database.

| | migrate up | psql | ratio | peak RSS migrate / psql |
|---|---:|---:|---:|---:|
| crates.io, $cn migrations | $(fmt_time "$cm") | $(fmt_time "$cp_") | $(ratio "$cm" "$cp_")x | $(mib "$(max_rss "$out/rss-corpus-migrate")") / $(mib "$(max_rss "$out/rss-corpus-psql")") MiB |"
  fi
  echo "corpus: $corpus_note" >&2
fi

# The table of the other migrators (markdown), or the note saying why there is none.
peers_table() {
  if [[ -z $dbmate ]]; then
    echo "$peers_note"
    return
  fi
  local up=$out/peers-up.json noop=$out/peers-noop.json
  local p_up p_sel tool name label rt conns a b
  p_up=$(median "$up" psql)
  p_sel=$(median "$noop" psql)
  echo "| N = $peers_n | \`up\` from empty | vs psql | no-op \`up\`, warm | vs \`SELECT 1\` | peak RSS, up / no-op | statement lines per migration / fixed per run (from empty) / no-op | connections |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|"
  printf '| psql (the baseline) | %s | 1.00x | %s | 1.00x | %s / %s MiB | - | 1 |\n' \
    "$(fmt_time "$p_up")" "$(fmt_time "$p_sel")" \
    "$(mib "$(max_rss "$out/rss-peers-up-psql")")" "$(mib "$(max_rss "$out/rss-peers-noop-psql")")"
  for tool in migrate dbmate npm; do
    case $tool in
    migrate)
      name=migrate label="migrate ${migrate_version#migrate }"
      # Counted like the others': from empty, history tables created.
      rt="$rt_per_step / $(awk -v u="$rt_up_empty" -v p="$rt_per_step" -v n="$rtt_n" \
        'BEGIN {printf "%.2f", u - n * p}') / $rt_noop"
      conns=1
      ;;
    dbmate)
      name=dbmate label="dbmate $dbmate_version"
      read -r a b <<<"$(peer_rtt dbmate)"
      rt="≥ $a / ≥ $b / ≥ $(rtt dbmate_noop)"
      conns=$(sed -n 's/.*dbmate_up:\([0-9]*\).*/\1/p' "$out/rtt.txt")
      ;;
    npm)
      name=node-pg-migrate label="node-pg-migrate $node_pg_migrate_version"
      read -r a b <<<"$(peer_rtt npm)"
      rt="$a / $b / $(rtt npm_noop)"
      conns=$(sed -n 's/.*npm_up:\([0-9]*\).*/\1/p' "$out/rtt.txt")
      ;;
    esac
    printf '| %s | %s | %sx | %s | %sx | %s / %s MiB | %s | %s |\n' "$label" \
      "$(fmt_time "$(median "$up" "$name")")" "$(ratio "$(median "$up" "$name")" "$p_up")" \
      "$(fmt_time "$(median "$noop" "$name")")" "$(ratio "$(median "$noop" "$name")" "$p_sel")" \
      "$(mib "$(max_rss "$out/rss-peers-up-$tool")")" "$(mib "$(max_rss "$out/rss-peers-noop-$tool")")" \
      "$rt" "${conns:-?}"
  done
}

# Terminal table.
{
  printf '\n%-7s %-12s %12s %12s %7s  %s\n' N op migrate psql ratio target
  tail -n +2 "$tsv" | while IFS=$'\t' read -r n op m p _; do
    r=$(ratio "$m" "$p")
    printf '%-7s %-12s %12s %12s %7s  %s\n' "$n" "$op" "$(fmt_time "$m")" "$(fmt_time "$p")" \
      "${r}x" "$(verdict "$r" "$(target "$op" "$n")")"
  done
  printf '\nwarm medians (ms): N, psql SELECT 1 / no-op message / status message, tree floor, migrate no-op / status\n'
  tail -n +2 "$floors" | awk -F'\t' '{printf "%s: %.1f / %.1f / %.1f, %.1f, %.1f / %.1f\n", $1, $2 * 1000, $3 * 1000, $4 * 1000, $5 * 1000, $6 * 1000, $7 * 1000}'
  printf '\nround trips: no-op up %s, up fixed %s + %s per step (+ %s on the first run), status %s, down fixed %s + %s per step\n' \
    "$rt_noop" "$rt_up_fixed" "$rt_per_step" "$rt_first" "$rt_status" "$rt_down_fixed" "$rt_per_down"
  printf '\npeak RSS (MiB): N, migrate up / no-op up / status / down, psql up / SELECT 1 / down\n'
  for n in "${size_list[@]}"; do
    printf '%-7s %6s %6s %6s %6s   %6s %6s %6s\n' "$n" \
      "$(mib "$(max_rss "$out/rss-$n-up-migrate" "$out/rss-$n-tpl-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-noop-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-status-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-down-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-up-psql")")" \
      "$(mib "$(max_rss "$out/rss-$n-select1-psql")")" \
      "$(mib "$(max_rss "$out/rss-$n-down-psql")")"
  done
  printf '\nother migrators:\n'
  peers_table
} | tee "$out/summary.txt"

[[ -n $doc ]] || exit 0

# Rows of bench/scaling.cpp's output for PART as a markdown table: one column per size (in the
# order printed), then the cost at each larger size over the cost at the smallest.
scaling_rows() { # scaling_rows PART
  awk -F'\t' -v part="$1" '
    $1 != part {next}
    !($2 in seen) {seen[$2] = 1; order[++n] = $2}
    !($3 in size_seen) {size_seen[$3] = 1; sizes[++m] = $3}
    {cost[$2, $3] = $4}
    END {
      for (i = 1; i <= n; i++) {
        line = "| " order[i] " |"
        for (j = 1; j <= m; j++) line = line " " sprintf("%.1f", cost[order[i], sizes[j]]) " |"
        for (j = 2; j <= m; j++) line = line " " sprintf("%.2f", cost[order[i], sizes[j]] / cost[order[i], sizes[1]]) " |"
        print line
      }
    }' "$out/scaling.tsv"
}

scaling_section() {
  printf '\n### Scaling of the pure parts\n\n'
  if [[ $scaling != 1 ]]; then
    echo "Not measured in this run (BENCH_SCALING=0)."
    return
  fi
  cat <<EOT
\`bench/scaling.cpp\` (built from this tree, Release; no database, no files), the fastest of
at least 7 runs of each (more until they add up to 100 ms). Linear scaling is a flat cost per
unit as the input grows; the last columns divide the cost at a larger size by the cost at the
smallest.

The splitter, with what a run asks of every statement (its class for transactions, whether it
may change the session or release the session's locks), and the file checksum (SHA-256 of the
normalised text), in ns per byte:

| input | 256 KiB | 1 MiB | 4 MiB | 1 MiB / 256 KiB | 4 MiB / 256 KiB |
|---|---:|---:|---:|---:|---:|
$(scaling_rows split)
$(scaling_rows checksum | sed 's/^| statements |/| checksum of the statements |/')

The planner on generated trees and histories, in ns per migration. The history's rows come in
the order they were applied, as the server returns a table written one row per step, except
where the row says otherwise. At N = 100000 the tree and the history (about 30 MB) no longer fit
in the processor's caches:

| computation | N = 100 | N = 1000 | N = 10000 | N = 100000 | 1000 / 100 | 10000 / 100 | 100000 / 100 |
|---|---:|---:|---:|---:|---:|---:|---:|
$(scaling_rows plan)
EOT
}

# "12.3 ms (1.52x)": a median and its ratio to psql's SELECT 1 in the same rounds.
with_ratio() { # with_ratio SECONDS SELECT1_SECONDS
  printf '%s (%sx)' "$(fmt_time "$1")" "$(ratio "$1" "$2")"
}

floors_section() {
  cat <<EOF

### What a no-op and \`status\` cannot do without (warm)

Measured in the same warm rounds as the rows above, each one run per round in turn with
migrate's no-op and \`status\` and psql's \`SELECT 1\`: psql sending, as one message, exactly
what the no-op sends the server (the history's structure probes, then its row count and hash
sum) and what \`status\` sends (the same probes, then the rows by \`COPY\`), as
\`log_statement\` recorded them in "Round trips"; and \`bench/tree_floor.cpp\`, a program
that only lists the tree and stats every \`<version>_<name>/up.sql\` on as many threads as
migrate uses, with nothing else in its process (no libpq, no parsing, no database). A no-op
or a \`status\` that checks every applied \`up.sql\` does its message and the tree floor.
Medians, and their ratio to \`SELECT 1\`:

| N | psql \`SELECT 1\` | psql: the no-op's message | psql: \`status\`'s message | tree floor | migrate no-op | migrate \`status\` |
|---:|---:|---:|---:|---:|---:|---:|
EOF
  local n s1 nm sm tr no st
  tail -n +2 "$floors" | while IFS=$'\t' read -r n s1 nm sm tr no st; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$(fmt_time "$s1")" \
      "$(with_ratio "$nm" "$s1")" "$(with_ratio "$sm" "$s1")" "$(with_ratio "$tr" "$s1")" \
      "$(with_ratio "$no" "$s1")" "$(with_ratio "$st" "$s1")"
  done
}

generated_block() {
  local n op m p r t
  cat <<EOF
_Generated by \`bench/run.sh\` on $started. Do not edit between the bench markers; rerun the
script instead._

### Machine

| | |
|---|---|
| CPU | $cpu, $(nproc) cores (\`nproc\`) |
| Memory | $(awk -v k="$mem_kib" 'BEGIN {printf "%.1f GiB", k / 1048576}') |
| Kernel | $(uname -r) |
| Data directory | $fs_type (in \`/tmp\`) |
| PostgreSQL | $pg_version, \`fsync = $pg_fsync\`, \`synchronous_commit = $pg_sync\`, \`wal_sync_method = $pg_wal_sync\`, \`shared_buffers = $pg_shared\`, \`max_wal_size = $pg_max_wal\` (initdb defaults, via \`scripts/pg.sh\`) |
| Connection | unix socket |
| migrate | \`$migrate_version\`, commit $commit, $build_note |
| Baseline | \`$psql_version\` (\`$PSQL\`) |
| Tools | $hyperfine_version, GNU time |

Settings of this run: \`BENCH_SIZES="$sizes"\`, \`BENCH_RUNS=$runs_fast\`,
\`BENCH_WARMUP=$warmup\`, \`BENCH_RUNS_UPDOWN=$runs_updown\`, \`BENCH_RUNS_SLOW=$runs_slow\`
(for N ≥ $slow_n), \`BENCH_RTT_N=$rtt_n\`.

### Time: medians and ratio to psql

Every run starts from a database created just before it by hyperfine's \`--prepare\`:
empty for \`up\`, a copy (\`CREATE DATABASE … TEMPLATE\`) of a database that \`migrate up\`
fully applied for the others and then vacuumed (so that autovacuum does not change it at
some moment during the runs). The prepare step ends with a \`CHECKPOINT\`. Every
measurement alternates its commands run by run, the order rotating by one each round:
migrate and psql for \`up\`, \`down\` and the corpus (migrate first in odd rounds, psql first
in even ones); no-op \`up\`, \`status\` and \`SELECT 1\` in turn, so that the drift of the
disk and of the host over the minutes falls on all of them. The "warm" rows run the same
commands again and again on one database without a prepare step (neither command changes
it), so the migration tree and the database are cached. Times are wall-clock medians of the
runs (column "runs").

| N | operation vs baseline | migrate | psql | ratio | target | runs |
|---:|---|---:|---:|---:|---|---:|
EOF
  tail -n +2 "$tsv" | while IFS=$'\t' read -r n op m p runs; do
    r=$(ratio "$m" "$p")
    t=$(target "$op" "$n")
    printf '| %s | %s | %s | %s | %sx | %s | %s |\n' "$n" "$(op_label "$op")" \
      "$(fmt_time "$m")" "$(fmt_time "$p")" "$r" "$(verdict "$r" "$t")" "$runs"
  done
  floors_section
  cat <<EOF

### Per-migration cost (median / N)

\`up\` and \`down\`: the median divided by N. No-op up and status: what they cost beyond
psql's connect + \`SELECT 1\`, divided by N: the part that grows with the tree (at small N, mostly migrate's fixed cost spread over few migrations).

| N | migrate up | psql up | migrate down | psql down | no-op up − SELECT 1 (warm) | status − SELECT 1 (warm) |
|---:|---:|---:|---:|---:|---:|---:|
EOF
  for n in "${size_list[@]}"; do
    awk -F'\t' -v n="$n" '
      $1 == n && $2 == "up" {mu = $3; pu = $4}
      $1 == n && $2 == "down" {md = $3; pd = $4}
      $1 == n && $2 == "noop_warm" {nw = $3 - $4}
      $1 == n && $2 == "status_warm" {sw = $3 - $4}
      END {printf "| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.1f µs | %.1f µs |\n", n, mu * 1000 / n, pu * 1000 / n, md * 1000 / n, pd * 1000 / n, nw * 1e6 / n, sw * 1e6 / n}
    ' "$tsv"
  done
  cat <<EOF

### Peak RSS (MiB, \`/usr/bin/time -f %M\`, largest of the runs)

| N | migrate up from empty | no-op up | status | down --to 0 | psql -f all_up.sql | psql -c 'SELECT 1' | psql -f all_down.sql |
|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
  for n in "${size_list[@]}"; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
      "$(mib "$(max_rss "$out/rss-$n-up-migrate" "$out/rss-$n-tpl-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-noop-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-status-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-down-migrate")")" \
      "$(mib "$(max_rss "$out/rss-$n-up-psql")")" \
      "$(mib "$(max_rss "$out/rss-$n-select1-psql")")" \
      "$(mib "$(max_rss "$out/rss-$n-down-psql")")"
  done
  local peak=0 k f
  if [[ " ${size_list[*]} " == *" 10000 "* ]]; then
    for f in "$out"/rss-10000-*-migrate; do
      k=$(max_rss "$f")
      if [[ -n $k ]] && ((k > peak)); then
        peak=$k
      fi
    done
    # 15 MB = 15,000,000 bytes = 14.3 MiB.
    if ((peak * 1024 < 15000000)); then
      k=met
    else
      k="NOT met"
    fi
    printf '\nLargest migrate RSS at N = 10000: %s MiB. Target: < 15 MB (14.3 MiB): %s.\n' \
      "$(mib "$peak")" "$k"
  else
    printf '\nN = 10000 was not measured in this run (target: < 15 MB at N = 10000).\n'
  fi
  cat <<EOF
The up and down runs are wrapped in \`/usr/bin/time -a -o … -f %M\` inside hyperfine (its
cost, about a millisecond, is lost in runs of seconds); no-op up, status and \`SELECT 1\` are
measured three times each outside hyperfine.

### Round trips

Counted with \`log_statement = 'all'\` (\`bench/rtt.sh\`, N = $rtt_n): the number of
\`LOG:  statement:\` lines of the migrate backend. A simple-query message is one such line
even when it carries several statements, so lines = round trips. Connection start-up is not
included.

| run | statement lines |
|---|---:|
| \`up\` from empty, all $rtt_n | $rt_up_empty |
| \`up --count 1\` from empty | $rt_up_one |
| \`up --count 1\` again (history table exists) | $rt_up_next |
| no-op \`up\` (everything applied) | $rt_noop |
| \`status\` | $rt_status |
| \`down --to 0\` (everything applied) | $rt_down |
| \`down --count 1\` | $rt_down_one |

- No-op \`up\`: **$rt_noop**.
- Fixed per \`up\` run with work: up --count 1 on an existing history − 1 step = **$rt_up_fixed**. Target: ≤ 4. $(verdict "$rt_up_fixed" 4)
- Per up step: (up all − up --count 1) / (N − 1) = **$rt_per_step**. Target: 1. $(verdict "$rt_per_step" 1)
- Once, on the first run (the history tables are created): up --count 1 from empty − up --count 1 again = **$rt_first**.
- Fixed per \`down\` run: down --count 1 − 1 step = **$rt_down_fixed**; per down step: (down --to 0 − fixed) / N = **$rt_per_down**.

What a no-op \`up\` sends (statements cut at 110 characters):

\`\`\`
$(sed -E 's/^[^[]*\[[0-9]+\] LOG:  statement: //' "$out/rtt-noop.log" | cut -c1-110)
\`\`\`

### Commands

\`bench/prep.sh\` recreates the database (\`fresh\`: empty; \`copy\`: \`CREATE DATABASE bench
TEMPLATE bench_tpl\`), connects to it once and runs \`CHECKPOINT\`. \`bench_tpl\` is made
by \`migrate up\` on an empty database before the timings of each N. \`W\` is the directory
\`bench/gen.sh N W\` wrote, \`\$OUT\` is \`BENCH_OUT\`, \`migrate\` the measured binary.

\`\`\`sh
EOF
  for n in "${size_list[@]}"; do
    cat "$out/commands-$n.txt"
  done
  echo '```'
  if [[ -n $corpus_note ]]; then
    printf '\n### crates.io corpus\n\n%s\n' "$corpus_note"
  fi
  scaling_section
  printf '\n### Other migrators\n\n'
  if [[ -n $dbmate ]]; then
    cat <<EOF
dbmate $dbmate_version (Go; its npm package's binary, run directly) and node-pg-migrate
$node_pg_migrate_version (Node.js $node_version, with pg), installed by \`bench/peers.sh\` from the
npm registry, on the same $peers_n migrations written in their own layouts
(\`bench/peers.sh layout\`). Each applies every migration in a transaction of its own, as
migrate and the psql baseline do: node-pg-migrate with \`--no-single-transaction\` (its
default is one transaction for the whole run), dbmate with \`--no-dump-schema\` (else it
runs pg_dump after migrating). \`up\` from empty: medians of $runs_updown runs, each on a fresh
database. No-op \`up\`: medians of $runs_fast warm runs, each tool on a database it brought up
itself. Both alternate the tools run by run, the order rotating by one each round. Statement lines: \`log_statement = 'all'\` lines (simple queries and extended-protocol
executes) at N = $rtt_n and $((rtt_n / 2)), as in "Round trips"; dbmate's driver (lib/pq) may
spend two round trips on one parameterised statement, so its lines are a lower bound.

$(peers_table)

\`\`\`sh
$(cat "$out/commands-peers.txt")
\`\`\`
EOF
  else
    echo "$peers_note"
  fi
}

skeleton() {
  cat <<'EOF'
# Performance

How fast `migrate` is next to plain `psql`, and how much memory and how many round trips it
uses. Run `bench/run.sh` (after the README's set-up) to measure again; it rewrites the block
between the bench markers below and leaves the rest of this file alone.

<!-- bench:begin -->
<!-- bench:end -->
EOF
}

mkdir -p "$(dirname "$doc")"
if [[ ! -f $doc ]] || ! grep -q '^<!-- bench:begin -->$' "$doc" || ! grep -q '^<!-- bench:end -->$' "$doc"; then
  [[ ! -f $doc ]] || die "$doc exists but has no <!-- bench:begin --> / <!-- bench:end --> lines"
  skeleton >"$doc"
fi
generated_block >"$work/block.md"
awk -v block="$work/block.md" '
  /^<!-- bench:begin -->$/ {print; while ((getline line < block) > 0) print line; skip = 1; next}
  /^<!-- bench:end -->$/ {skip = 0}
  !skip {print}
' "$doc" >"$work/doc.md"
cat "$work/doc.md" >"$doc"
echo "$prog: wrote $doc and $out" >&2
