#!/usr/bin/env bash
# Generates N trivial migrations and the equivalent psql scripts.
#
# Usage: bench/gen.sh N DIR
#
# Writes:
#   DIR/migrations/<version>_t_<i>/up.sql    CREATE TABLE t_<i> (3 columns) + CREATE INDEX
#   DIR/migrations/<version>_t_<i>/down.sql  DROP TABLE t_<i>
#   DIR/all_up.sql    every up.sql in version order, each between BEGIN; and COMMIT;
#   DIR/all_down.sql  every down.sql in reverse order, each between BEGIN; and COMMIT;
# Versions are 2024 followed by i on 10 digits (20240000000001, ...). DIR must
# not contain a migrations/ directory yet.
set -euo pipefail

prog=${0##*/}
if (($# != 2)) || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $prog N DIR (N >= 1)" >&2
  exit 2
fi
n=$1
out=$2

[[ ! -e $out/migrations ]] || {
  echo "$prog: $out/migrations already exists" >&2
  exit 1
}
mkdir -p "$out/migrations"

dirs=()
for ((i = 1; i <= n; i++)); do
  printf -v dir '%s/migrations/2024%010d_t_%d' "$out" "$i" "$i"
  dirs+=("$dir")
done
# One mkdir for all of them instead of N processes.
printf '%s\0' "${dirs[@]}" | xargs -0 mkdir

exec 3>"$out/all_up.sql"
for ((i = 1; i <= n; i++)); do
  up="CREATE TABLE t_$i (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX t_${i}_name_idx ON t_$i (name);"
  printf '%s\n' "$up" >"${dirs[i - 1]}/up.sql"
  printf 'DROP TABLE t_%d;\n' "$i" >"${dirs[i - 1]}/down.sql"
  printf 'BEGIN;\n%s\nCOMMIT;\n' "$up" >&3
done
exec 3>&-

exec 3>"$out/all_down.sql"
for ((i = n; i >= 1; i--)); do
  printf 'BEGIN;\nDROP TABLE t_%d;\nCOMMIT;\n' "$i" >&3
done
exec 3>&-
