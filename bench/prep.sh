#!/usr/bin/env bash
# hyperfine --prepare step of bench/run.sh: recreates a database.
#
# Usage:
#   bench/prep.sh fresh DB           drop DB if it exists, create it empty
#   bench/prep.sh copy TEMPLATE DB   drop DB if it exists, create it as a copy of TEMPLATE
#
# Then connects to DB once (so the server builds its relation cache init file
# outside the measurement) and runs CHECKPOINT (so dirty buffers left by the
# previous run are not flushed during the next one). The server is chosen by
# the PG* variables; psql is $PSQL, else psql on PATH. Database names must be
# plain identifiers.
set -euo pipefail

prog=${0##*/}
psql=${PSQL:-psql}

die() {
  echo "$prog: $*" >&2
  exit 2
}

ident() {
  [[ $1 =~ ^[a-z_][a-z0-9_]*$ ]] || die "'$1' is not a plain database name"
}

sql() {
  "$psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" -c "$1"
}

case ${1:-} in
fresh)
  (($# == 2)) || die "usage: $prog fresh DB"
  db=$2
  ident "$db"
  sql "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  sql "CREATE DATABASE $db"
  ;;
copy)
  (($# == 3)) || die "usage: $prog copy TEMPLATE DB"
  template=$2
  db=$3
  ident "$template"
  ident "$db"
  sql "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  # The default STRATEGY (WAL_LOG) copies 10000 migrations' worth of
  # relations in seconds; FILE_COPY fsyncs every file and takes much longer.
  sql "CREATE DATABASE $db TEMPLATE $template"
  ;;
*)
  die "usage: $prog fresh DB | copy TEMPLATE DB"
  ;;
esac

"$psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -c CHECKPOINT
