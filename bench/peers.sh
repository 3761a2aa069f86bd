#!/usr/bin/env bash
# Other migrators for bench/run.sh and bench/rtt.sh to measure next to migrate:
# dbmate (Go) and node-pg-migrate (Node.js), installed from the npm registry.
#
# Usage:
#   bench/peers.sh install DIR        install the pinned versions into DIR (npm, once;
#                                     nothing is installed elsewhere), then print
#                                     key=value lines: dbmate, node_pg_migrate (the
#                                     executables), dbmate_version, node_pg_migrate_version,
#                                     node_version. Exit 3 when npm is missing or the
#                                     registry cannot be reached.
#   bench/peers.sh layout TREE OUT    write the migrations of TREE (this tool's layout,
#                                     <version>_<name>/up.sql and down.sql) in the peers'
#                                     layouts: OUT/dbmate/<version>_<name>.sql
#                                     (-- migrate:up / -- migrate:down) and
#                                     OUT/node-pg-migrate/<version>_<name>.sql
#                                     (-- Up Migration / -- Down Migration).
#   bench/peers.sh url dbmate|node-pg-migrate DB
#                                     the URL each of them needs to reach database DB of
#                                     the server the PG* variables name (a unix socket
#                                     directory in PGHOST, PGPORT, PGUSER).
#
# dbmate is run as the Go binary its npm package ships, not through the package's
# Node.js wrapper, which would add Node's start-up to every run.
set -euo pipefail

prog=bench/peers.sh
dbmate_version=2.36.0
node_pg_migrate_version=9.0.0
pg_version=8.23.1

die() {
  echo "$prog: $*" >&2
  exit "${2:-1}"
}

package_version() { # package.json -> its "version", or nothing
  [[ -f $1 ]] && node -p 'require(process.argv[1]).version' "$1" 2>/dev/null
}

install() {
  local dir=$1 dbmate npm_bin npm_pkg
  command -v npm >/dev/null || die "npm is not installed" 3
  command -v node >/dev/null || die "node is not installed" 3
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  dbmate=$dir/node_modules/@dbmate/linux-x64/bin/dbmate
  npm_bin=$dir/node_modules/.bin/node-pg-migrate
  # node-pg-migrate --version prints "unknown": its package.json tells.
  npm_pkg=$dir/node_modules/node-pg-migrate/package.json
  if ! [[ -x $dbmate && -x $npm_bin ]] ||
    [[ $("$dbmate" --version 2>/dev/null) != "dbmate version $dbmate_version" ]] ||
    [[ $(package_version "$npm_pkg") != "$node_pg_migrate_version" ]]; then
    timeout 30 npm view "dbmate@$dbmate_version" version >/dev/null 2>&1 ||
      die "the npm registry cannot be reached" 3
    echo "$prog: installing dbmate $dbmate_version and node-pg-migrate $node_pg_migrate_version into $dir" >&2
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
      "dbmate@$dbmate_version" "node-pg-migrate@$node_pg_migrate_version" "pg@$pg_version" >&2
  fi
  [[ -x $dbmate ]] || die "$dbmate: not installed (dbmate ships no binary for this platform?)"
  [[ -x $npm_bin ]] || die "$npm_bin: not installed"
  echo "dbmate=$dbmate"
  echo "node_pg_migrate=$npm_bin"
  echo "dbmate_version=$("$dbmate" --version | sed 's/^dbmate version //')"
  echo "node_pg_migrate_version=$(package_version "$npm_pkg")"
  echo "node_version=$(node --version)"
}

layout() {
  local tree=$1 out=$2
  [[ -d $tree ]] || die "$tree: no such directory"
  mkdir -p "$out/dbmate" "$out/node-pg-migrate"
  # One awk for the whole tree: a process per file would take longer than the
  # runs it prepares.
  find "$tree" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*_*' -printf '%f\n' | sort |
    awk -v tree="$tree" -v out="$out" '
      function copy(from, to1, to2,    line) {
        while ((getline line < from) > 0) {
          print line > to1
          print line > to2
        }
        close(from)
      }
      {
        d = out "/dbmate/" $0 ".sql"
        n = out "/node-pg-migrate/" $0 ".sql"
        print "-- migrate:up" > d
        print "-- Up Migration" > n
        copy(tree "/" $0 "/up.sql", d, n)
        print "\n-- migrate:down" > d
        print "\n-- Down Migration" > n
        copy(tree "/" $0 "/down.sql", d, n)
        close(d)
        close(n)
      }'
}

url() {
  local tool=$1 db=$2
  [[ ${PGHOST:-} == /* ]] || die "PGHOST must name the server's socket directory"
  case $tool in
  dbmate) echo "postgres://${PGUSER:-postgres}@/$db?socket=$PGHOST&port=${PGPORT:-5432}&sslmode=disable" ;;
  node-pg-migrate) echo "postgres://${PGUSER:-postgres}@localhost/$db?host=$PGHOST&port=${PGPORT:-5432}" ;;
  *) die "url: unknown tool '$tool' (dbmate or node-pg-migrate)" 2 ;;
  esac
}

case ${1:-} in
install)
  (($# == 2)) || die "usage: $prog install DIR" 2
  install "$2"
  ;;
layout)
  (($# == 3)) || die "usage: $prog layout TREE OUT" 2
  layout "$2" "$3"
  ;;
url)
  (($# == 3)) || die "usage: $prog url dbmate|node-pg-migrate DB" 2
  url "$2" "$3"
  ;;
*)
  die "usage: $prog install DIR | layout TREE OUT | url TOOL DB" 2
  ;;
esac
