#!/usr/bin/env bash
# Builds migrate and runs the whole test suite against a throwaway PostgreSQL
# cluster: first a plain -Werror build (build/), then an ASan+UBSan build
# (build-asan/). This is what CI runs (.ci/run).
#
# Usage: scripts/test.sh
# Env:   MIGRATE_SKIP_ASAN=1  skip the sanitizer pass (ignored when CI=true)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() {
  printf '\n==> %s\n' "$*"
}

ci=false
if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
  ci=true
fi

skip_asan=false
if [[ ${MIGRATE_SKIP_ASAN:-} == 1 ]]; then
  if $ci; then
    echo "test.sh: CI=true, ignoring MIGRATE_SKIP_ASAN=1 (the sanitizer pass always runs in CI)" >&2
  else
    skip_asan=true
  fi
fi

# The tests must only ever see the throwaway cluster.
unset DATABASE_URL PGHOSTADDR PGSERVICE PGPASSWORD PGOPTIONS

pg_dir=
cleanup() {
  if [[ -n $pg_dir ]]; then
    scripts/pg.sh stop "$pg_dir" || true
  fi
}
trap cleanup EXIT

server_log_tail() {
  if [[ -n $pg_dir && -s $pg_dir/server.log ]]; then
    echo "---- last lines of the PostgreSQL server log ----" >&2
    tail -n 50 "$pg_dir/server.log" >&2 || true
  fi
}

# Runs ctest in build directory $1; exits with its status on failure.
run_ctest() {
  local status=0
  ctest --test-dir "$1" --output-on-failure --no-tests=error -j2 || status=$?
  if ((status != 0)); then
    server_log_tail
    echo "test.sh: tests failed in $1 (ctest exit status $status)" >&2
    exit "$status"
  fi
}

say "checking build dependencies"
scripts/deps.sh

say "plain build (build/)"
cmake -S . -B build -DMIGRATE_WERROR=ON
cmake --build build -j2

say "starting a throwaway PostgreSQL cluster"
# Under /tmp: short enough for the socket path, traversable by postgres.
pg_dir=$(mktemp -d /tmp/migrate-pg.XXXXXX)
if ! pg_env=$(scripts/pg.sh start "$pg_dir"); then
  if $ci; then
    echo "test.sh: CI=true and PostgreSQL could not be started; failing" >&2
  else
    echo "test.sh: PostgreSQL could not be started; the test suite needs a server (see the errors above)" >&2
  fi
  exit 1
fi
eval "$pg_env"
export PGHOST PGPORT PGUSER PGDATABASE
echo "PGHOST=$PGHOST PGPORT=$PGPORT"

say "tests (plain build)"
run_ctest build

if $skip_asan; then
  echo
  echo "all tests passed (plain build; sanitizer pass skipped by MIGRATE_SKIP_ASAN=1)"
  exit 0
fi

say "sanitizer build (build-asan/)"
cmake -S . -B build-asan -DMIGRATE_SANITIZE=ON -DMIGRATE_WERROR=ON
cmake --build build-asan -j2

say "tests (sanitizer build)"
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_ctest build-asan

echo
echo "all tests passed (plain and sanitizer builds)"
