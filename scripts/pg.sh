#!/usr/bin/env bash
# Runs a throwaway PostgreSQL cluster for tests and demos.
#
# Usage:
#   scripts/pg.sh start DIR    initdb DIR/data, start a server (socket in DIR,
#                              TCP on 127.0.0.1:<free port>), write DIR/env and
#                              print its export lines:
#                                eval "$(scripts/pg.sh start "$(mktemp -d)")"
#   scripts/pg.sh restart DIR  fast restart, same port and socket
#   scripts/pg.sh stop DIR     fast stop (if running) and remove DIR
#
# Auth: local socket is trust; TCP (127.0.0.1, ::1) needs a scram-sha-256
# password. Binaries: $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin,
# else initdb/pg_ctl on PATH. As root, the server runs as the postgres user.
set -euo pipefail

prog=${0##*/}

die() {
  echo "$prog: $*" >&2
  exit 1
}

usage() {
  echo "usage: $prog start|restart|stop DIR" >&2
  exit 2
}

find_bindir() {
  local dir
  if [[ -n ${PG_BINDIR:-} ]]; then
    [[ -x $PG_BINDIR/initdb && -x $PG_BINDIR/pg_ctl ]] ||
      die "PG_BINDIR=$PG_BINDIR does not contain initdb and pg_ctl"
    echo "$PG_BINDIR"
    return
  fi
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
    sort -V | while read -r d; do
      [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] && echo "$d"
    done | tail -n 1)
  if [[ -z $dir ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dir=$(dirname "$(command -v pg_ctl)")
  fi
  [[ -n $dir ]] ||
    die "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PATH); run scripts/deps.sh or set PG_BINDIR"
  echo "$dir"
}

# Runs a server binary as the postgres user when root, else as ourselves,
# from inside DIR (postgres may not be able to enter the caller's cwd) and
# without any PG* variables that could point it at another cluster.
as_pg() {
  (
    cd "$dir"
    unset PGDATA PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
    if ((EUID == 0)); then
      exec runuser -u postgres -- "$@"
    else
      exec "$@"
    fi
  )
}

# Prints the end of the given log files to stderr.
log_tail() {
  local f
  for f in "$@"; do
    if [[ -s $f ]]; then
      echo "---- last lines of $f ----" >&2
      tail -n 30 "$f" >&2 || true
    fi
  done
}

port_in_use() {
  # A successful connect means something listens there.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    if ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  done
  die "could not find a free TCP port in 20000-60000"
}

print_env() {
  printf 'export PGHOST=%q\n' "$dir"
  printf 'export PGPORT=%q\n' "$1"
  printf 'export PGUSER=postgres\n'
  printf 'export PGDATABASE=postgres\n'
}

cmd_start() {
  local locale_opt port attempt sock
  bindir=$(find_bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  [[ ! -e $dir/data ]] || die "$dir/data already exists; use a new directory"
  [[ $dir != *[\'\\]* ]] || die "$dir: quotes and backslashes are not supported in the directory name"

  # Unix socket paths are limited to 107 bytes.
  sock="$dir/.s.PGSQL.60000"
  ((${#sock} <= 107)) || die "$dir is too long for a unix socket directory; use a shorter path (e.g. mktemp -d)"

  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user"
    chown postgres: "$dir"
    chmod 0755 "$dir"
    runuser -u postgres -- test -w "$dir" -a -x "$dir" ||
      die "the postgres user cannot write to $dir (is every parent directory traversable?)"
  fi

  # C.UTF-8 when the system has it, otherwise the plain C locale.
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    locale_opt=--locale=C.UTF-8
  else
    locale_opt=--no-locale
  fi

  if ! as_pg "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 "$locale_opt" \
    -A trust >"$dir/initdb.log" 2>&1; then
    log_tail "$dir/initdb.log"
    die "initdb failed"
  fi

  cat >"$dir/data/pg_hba.conf" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
EOF

  # Our settings live in an included file (not postgresql.auto.conf, so
  # ALTER SYSTEM RESET ALL in a test cannot lose the port).
  printf "\ninclude 'pg_sh.conf'\n" >>"$dir/data/postgresql.conf"

  # Another process may grab the port between the probe and the bind: retry.
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    cat >"$dir/data/pg_sh.conf" <<EOF
# Written by scripts/pg.sh.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
password_encryption = 'scram-sha-256'
EOF
    if ((EUID == 0)); then
      chown postgres: "$dir/data/pg_hba.conf" "$dir/data/pg_sh.conf"
    fi
    if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s start >&2; then
      print_env "$port" >"$dir/env"
      chmod 0644 "$dir/env"
      print_env "$port"
      return
    fi
    if grep -q 'could not bind\|Address already in use' "$dir/server.log" 2>/dev/null && ((attempt < 5)); then
      echo "$prog: port $port was taken, retrying" >&2
      mv -f "$dir/server.log" "$dir/server.log.$attempt"
      continue
    fi
    break
  done
  log_tail "$dir/server.log"
  die "could not start PostgreSQL in $dir"
}

cmd_restart() {
  [[ -d $dir/data ]] || die "$dir/data does not exist; run '$prog start $dir' first"
  dir=$(cd "$dir" && pwd -P)
  bindir=$(find_bindir)
  if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 -s restart >&2; then
    log_tail "$dir/server.log"
    die "could not restart PostgreSQL in $dir"
  fi
}

cmd_stop() {
  [[ -e $dir ]] || return 0
  dir=$(cd "$dir" && pwd -P)
  # Refuse to delete directories that do not look like ours.
  if [[ $dir == / ]] || ! [[ -e $dir/data || -e $dir/env || -e $dir/initdb.log || -z "$(ls -A "$dir")" ]]; then
    die "$dir does not look like a pg.sh cluster directory; not removing it"
  fi
  if [[ -f $dir/data/postmaster.pid ]]; then
    bindir=$(find_bindir)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >&2 ||
      echo "$prog: pg_ctl stop failed (server not running?)" >&2
  fi
  rm -rf -- "$dir"
}

(($# == 2)) || usage
action=$1
dir=$2
[[ -n $dir ]] || usage

bindir=
case $action in
start) cmd_start ;;
restart) cmd_restart ;;
stop) cmd_stop ;;
*) usage ;;
esac
