#!/usr/bin/env bash
# Proves the installation: installs the current build into a temporary prefix, checks what it
# holds, builds examples/embed against it with find_package(migrate), and runs the example on a
# fresh database (PG* variables) with the repository's sample migrations: the first run applies
# all of them, the second nothing.
#
# Usage: tests/embed_test.sh CMAKE BUILD_DIR SOURCE_DIR CXX_COMPILER BUILD_TYPE
# Run by ctest (tests/CMakeLists.txt); needs psql and a server, like the pg tests.
set -euo pipefail

(($# == 5)) || {
  echo "usage: $0 CMAKE BUILD_DIR SOURCE_DIR CXX_COMPILER BUILD_TYPE" >&2
  exit 2
}
cmake=$1
build=$2
source=$3
cxx=$4
build_type=$5

fail() {
  echo "embed_test: $*" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/migrate-embed.XXXXXX")
db=
cleanup() {
  if [[ -n $db ]]; then
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf -- "$work"
}
trap cleanup EXIT

prefix=$work/prefix

echo "== cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log" >&2; fail "cmake --install failed"; }

libdir=
for dir in lib lib64 "lib/$("$cxx" -dumpmachine 2>/dev/null || echo none)"; do
  if [[ -f $prefix/$dir/libmigrate.a ]]; then
    libdir=$dir
  fi
done
[[ -n $libdir ]] || fail "libmigrate.a is not installed under $prefix/lib*"
for f in bin/migrate \
  share/migrate/templates/up.sql share/migrate/templates/down.sql \
  share/man/man1/migrate.1 \
  share/bash-completion/completions/migrate \
  share/zsh/vendor-completions/_migrate \
  include/migrate/migrate.hpp include/migrate/error.hpp include/migrate/plan.hpp \
  include/migrate/executor.hpp \
  "$libdir/cmake/migrate/migrateConfig.cmake" \
  "$libdir/cmake/migrate/migrateConfigVersion.cmake" \
  "$libdir/cmake/migrate/migrateTargets.cmake"; do
  [[ -f $prefix/$f ]] || fail "not installed: $f"
done
for f in import_detail.hpp sql_lexer.hpp; do
  [[ ! -e $prefix/include/migrate/$f ]] || fail "internal header installed: include/migrate/$f"
done
# Every installed header must compile on its own (no missing or internal includes).
for h in "$prefix"/include/migrate/*.hpp; do
  echo "#include <migrate/${h##*/}>" >"$work/header.cpp"
  "$cxx" -std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$prefix/include" "$work/header.cpp" ||
    fail "installed header ${h##*/} does not compile on its own"
done
# Neither the build's warning flags nor its source or build tree may reach consumers.
if grep -nE -- '-Werror|-Wall|-Wconversion|migrate_flags' "$prefix/$libdir/cmake/migrate/"migrateTargets*.cmake ||
  grep -nF -e "$source/" -e "$build/" "$prefix/$libdir/cmake/migrate/"migrateTargets*.cmake; then
  fail "build-only flags or paths leak into the exported targets"
fi
"$prefix/bin/migrate" --version | grep -q '^migrate ' || fail "installed binary does not run"

echo "== building examples/embed against $prefix"
"$cmake" -S "$source/examples/embed" -B "$work/example" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Werror" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; fail "configuring the example failed"; }
"$cmake" --build "$work/example" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; fail "building the example failed"; }
example=$work/example/embed_example
[[ -x $example ]] || fail "no $example"

echo "== running the example on a fresh database"
db="migrate_embed_$$_$RANDOM"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db\"" ||
  fail "cannot create database $db (are the PG* variables set?)"

mapfile -t expected < <(cd "$source/migrations" && ls -d [0-9]*_* | sort)
((${#expected[@]} > 0)) || fail "no sample migrations in $source/migrations"

out=$("$example" "$source/migrations" "dbname=$db") || fail "first run exited $?: $out"
echo "$out"
want=$(printf 'applied %s\n' "${expected[@]}"; printf 'status %s applied\n' "${expected[@]}")
[[ $out == "${want%$'\n'}" ]] || fail "first run: expected
$want
got
$out"

out=$("$example" "$source/migrations" "dbname=$db") || fail "second run exited $?: $out"
echo "$out"
want=$(echo "schema up to date, nothing applied"; printf 'status %s applied\n' "${expected[@]}")
[[ $out == "${want%$'\n'}" ]] || fail "second run: expected
$want
got
$out"

# The installed CLI sees what the library did.
status=$("$prefix/bin/migrate" --database-url "dbname=$db" --dir "$source/migrations" status --json)
[[ $(grep -o '"state":"applied"' <<<"$status" | wc -l) == "${#expected[@]}" ]] ||
  fail "migrate status disagrees: $status"
events=$(psql -X -At -d "$db" -c "SELECT count(*) FROM public.migration_history_events WHERE client = 'embed_example' AND event = 'apply'")
[[ $events == "${#expected[@]}" ]] || fail "expected ${#expected[@]} apply events by embed_example, found $events"

# A failure is reported with migrate's exit code: a missing directory is an invalid tree (3).
code=0
"$example" "$work/no-such-dir" "dbname=$db" >/dev/null 2>"$work/err" || code=$?
[[ $code == 3 ]] || fail "missing directory: expected exit 3, got $code: $(cat "$work/err")"

echo "embed_test: ok"
