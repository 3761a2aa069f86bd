#!/usr/bin/env bash
# Builds migrate and walks through the sample migrations in migrations/
# against a throwaway PostgreSQL cluster: up, status, down to the first
# version, status, up again.
#
# Usage: scripts/demo.sh [--keep]
#   --keep  leave the cluster running afterwards and print how to use/stop it
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

keep=false
for arg in "$@"; do
  case $arg in
  --keep) keep=true ;;
  -h | --help)
    sed -n '2,8s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
  *)
    echo "demo.sh: unknown argument: $arg (usage: scripts/demo.sh [--keep])" >&2
    exit 2
    ;;
  esac
done

# Echoes a command, then runs it.
run() {
  printf '+ %s\n' "$*"
  "$@"
}

# The smallest 14-digit version prefix among migrations/<version>_<name>/.
first_version=$(
  for d in migrations/*/; do
    name=$(basename "$d")
    if [[ $name =~ ^([0-9]{14})_ ]]; then
      echo "${BASH_REMATCH[1]}"
    fi
  done | LC_ALL=C sort | head -n 1
)
if [[ -z $first_version ]]; then
  echo "demo.sh: no migrations found in migrations/" >&2
  exit 1
fi

scripts/deps.sh

cmake -S . -B build
cmake --build build -j2

pg_dir=$(mktemp -d /tmp/migrate-demo.XXXXXX)
stop_cluster() {
  scripts/pg.sh stop "$pg_dir" || true
}
trap stop_cluster EXIT

if ! pg_env=$(scripts/pg.sh start "$pg_dir"); then
  echo "demo.sh: PostgreSQL could not be started (see the errors above)" >&2
  exit 1
fi
eval "$pg_env"
psql -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE migrate_demo'

# From here on migrate connects through DATABASE_URL alone.
export DATABASE_URL="postgresql:///migrate_demo?host=$PGHOST&port=$PGPORT&user=postgres"
unset PGHOST PGPORT PGUSER PGDATABASE
echo
echo "DATABASE_URL=$DATABASE_URL"
echo

run build/migrate --dir migrations up
run build/migrate --dir migrations status
run build/migrate --dir migrations down --to "$first_version"
run build/migrate --dir migrations status
run build/migrate --dir migrations up

if $keep; then
  trap - EXIT
  cat <<EOF

The cluster is still running.
  connect:  psql '$DATABASE_URL'
  migrate:  DATABASE_URL='$DATABASE_URL' build/migrate --dir migrations status
  env:      . $pg_dir/env
  stop:     scripts/pg.sh stop $pg_dir
EOF
fi
