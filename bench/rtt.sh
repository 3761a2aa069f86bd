#!/usr/bin/env bash
# Counts migrate's round trips to the server with log_statement = 'all'.
#
# Usage: MIGRATE_BIN=... [PSQL=...] bench/rtt.sh SERVER_LOG N WORKDIR
#
# SERVER_LOG is the log file of the server the PG* variables point at (the
# server must log to it with the default log_line_prefix '%m [%p] '). The
# role must be a superuser: this turns log_statement on with ALTER SYSTEM and
# resets it at the end. Generates N migrations (bench/gen.sh) in WORKDIR and
# creates/drops the databases bench_rtt_a and bench_rtt_b.
#
# Every simple-query message is logged as ONE "LOG:  statement:" line, even
# when it carries several statements, so the number of such lines of the
# migrate backend is its number of round trips (connection start-up aside).
# Prints key=value lines on stdout:
#   up_empty   migrate up from an empty database, all N migrations
#   up_one     migrate up --count 1 from an empty database
#   up_next    migrate up --count 1 again (the history table exists)
#   noop       migrate up with everything applied
#   status     migrate status with everything applied
#   down       migrate down --to 0 with everything applied
#   down_one   migrate down --count 1 (two applied)
#   pids       backends seen per run (expected 1 for each run of migrate)
# With DBMATE and NODE_PG_MIGRATE naming those migrators (bench/peers.sh), also
# each one's up from empty of N/2 and of N migrations and its no-op up:
#   dbmate_up_half dbmate_up dbmate_noop npm_up_half npm_up npm_noop
# (they send some statements with the extended protocol: an Execute is counted
# as one line like a simple query; lib/pq, dbmate's driver, may spend two round
# trips on one parameterised statement, so its lines are a lower bound).
# Writes the logged statements of each run to WORKDIR/rtt-<run>.log.
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

if (($# != 3)) || ! [[ $2 =~ ^[1-9][0-9]*$ ]] || (($2 < 2)); then
  echo "usage: MIGRATE_BIN=... $prog SERVER_LOG N WORKDIR (N >= 2)" >&2
  exit 2
fi
log=$1
n=$2
work=$3
migrate=${MIGRATE_BIN:?set MIGRATE_BIN to the migrate binary}
psql=${PSQL:-psql}
export PSQL=$psql

[[ -f $log ]] || {
  echo "$prog: $log: no such file" >&2
  exit 1
}

q() {
  "$psql" -X -q -A -t -v ON_ERROR_STOP=1 -d postgres -c "$1"
}

mkdir -p "$work"
tree=$work/rtt-tree
rm -rf "$tree"
"$here/gen.sh" "$n" "$tree"

"$here/prep.sh" fresh bench_rtt_a >/dev/null
"$here/prep.sh" fresh bench_rtt_b >/dev/null

set_logging() {
  if [[ $1 == on ]]; then
    q "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
    q "ALTER SYSTEM SET log_line_prefix = '%m [%p] '" >/dev/null
  else
    q "ALTER SYSTEM RESET log_statement" >/dev/null
    q "ALTER SYSTEM RESET log_line_prefix" >/dev/null
  fi
  q "SELECT pg_reload_conf()" >/dev/null
  # The postmaster applies the reload asynchronously; wait until a new
  # backend sees it.
  local want=all i
  [[ $1 == on ]] || want=none
  for ((i = 0; i < 100; i++)); do
    [[ $(q "SHOW log_statement") == "$want" ]] && return 0
    sleep 0.05
  done
  echo "$prog: log_statement did not become '$want'" >&2
  exit 1
}

trap 'set_logging off' EXIT
set_logging on

pids_seen=()

# count NAME COMMAND...: runs the command and prints NAME=<statement lines of its backend>.
count() {
  local name=$1 start end pids total
  shift
  start=$(stat -c %s "$log")
  "$@" >/dev/null
  end=$(stat -c %s "$log")
  # Only lines that start a log entry: continuation lines of a multi-line
  # statement have no prefix.
  tail -c +"$((start + 1))" "$log" | head -c "$((end - start))" |
    grep -E '^[^[]*\[[0-9]+\] LOG:  (statement|execute [^:]*): ' >"$work/rtt-$name.log" || true
  pids=$(sed -E 's/^[^[]*\[([0-9]+)\].*/\1/' "$work/rtt-$name.log" | sort -u | wc -l)
  total=$(wc -l <"$work/rtt-$name.log")
  if ((pids != 1)) && [[ $name != dbmate_* && $name != npm_* ]]; then
    echo "$prog: warning: $name: statements from $pids backends (expected 1)" >&2
  fi
  pids_seen+=("$name:$pids")
  echo "$name=$total"
}

m=("$migrate" -m "$tree/migrations")
count up_empty "${m[@]}" --database-url dbname=bench_rtt_a up
count up_one "${m[@]}" --database-url dbname=bench_rtt_b up --count 1
count up_next "${m[@]}" --database-url dbname=bench_rtt_b up --count 1
count noop "${m[@]}" --database-url dbname=bench_rtt_a up
count status "${m[@]}" --database-url dbname=bench_rtt_a status
count down "${m[@]}" --database-url dbname=bench_rtt_a down --to 0
count down_one "${m[@]}" --database-url dbname=bench_rtt_b down --count 1

if [[ -n ${DBMATE:-} && -n ${NODE_PG_MIGRATE:-} ]]; then
  half=$((n / 2))
  "$here/gen.sh" "$half" "$work/rtt-half"
  "$here/peers.sh" layout "$tree/migrations" "$work/rtt-peers"
  "$here/peers.sh" layout "$work/rtt-half/migrations" "$work/rtt-peers-half"
  for db in bench_rtt_c bench_rtt_d bench_rtt_e bench_rtt_f; do
    "$here/prep.sh" fresh "$db" >/dev/null
  done
  dbmate() { # dbmate DB DIR
    "$DBMATE" --url "$("$here/peers.sh" url dbmate "$1")" --migrations-dir "$2/dbmate" \
      --no-dump-schema migrate
  }
  npm_peer() { # npm_peer DB DIR
    BENCH_RTT_URL=$("$here/peers.sh" url node-pg-migrate "$1") \
      "$NODE_PG_MIGRATE" up --database-url-var BENCH_RTT_URL -m "$2/node-pg-migrate" \
      --no-single-transaction
  }
  count dbmate_up_half dbmate bench_rtt_c "$work/rtt-peers-half"
  count dbmate_up dbmate bench_rtt_d "$work/rtt-peers"
  count dbmate_noop dbmate bench_rtt_d "$work/rtt-peers"
  count npm_up_half npm_peer bench_rtt_e "$work/rtt-peers-half"
  count npm_up npm_peer bench_rtt_f "$work/rtt-peers"
  count npm_noop npm_peer bench_rtt_f "$work/rtt-peers"
  for db in bench_rtt_c bench_rtt_d bench_rtt_e bench_rtt_f; do
    q "DROP DATABASE $db WITH (FORCE)" >/dev/null
  done
fi
echo "pids=${pids_seen[*]}"

q "DROP DATABASE bench_rtt_a WITH (FORCE)" >/dev/null
q "DROP DATABASE bench_rtt_b WITH (FORCE)" >/dev/null
