#!/usr/bin/env bash
# Checks the shell completion scripts of completions/ against the binary: they parse, they know
# every subcommand and every flag `migrate --help` lists, the bash one completes a few command
# lines as expected, and `migrate completion bash|zsh` (once registered) prints them.
#
# Usage: tests/completion_test.sh MIGRATE_BINARY SOURCE_DIR
set -euo pipefail

(($# == 2)) || {
  echo "usage: $0 MIGRATE_BINARY SOURCE_DIR" >&2
  exit 2
}
migrate=$1
source=$2
bash_script=$source/completions/migrate.bash
zsh_script=$source/completions/_migrate

failures=0
fail() {
  echo "completion_test: $*" >&2
  failures=$((failures + 1))
}

bash -n "$bash_script" || fail "$bash_script: syntax error"
# In an _arguments spec an option's description ends at its first ']': a '[' inside it must be
# escaped, or zsh refuses the whole spec ("invalid option definition") and completes nothing.
if grep -nE "=\[[^]]*[^\\]\[" "$zsh_script" >&2; then
  fail "$zsh_script: an unescaped '[' inside an option description"
fi
if command -v zsh >/dev/null 2>&1; then
  zsh -n "$zsh_script" || fail "$zsh_script: syntax error"
else
  echo "completion_test: zsh not installed; not checking the syntax of $zsh_script"
fi

# Subcommands (with aliases) and options from the binary's help.
help=$("$migrate" --help)
mapfile -t commands < <(sed -n '/^Subcommands:/,$p' <<<"$help" | sed -n 's/^  \([a-z][a-z-]*\)\(, \([a-z][a-z-]*\)\)\{0,1\} .*/\1 \3/p' | tr ' ' '\n' | sed '/^$/d')
((${#commands[@]} >= 10)) || fail "could not read the subcommands from migrate --help"

options_of() {
  sed -n '/^Options:/,/^$/p' | grep -oE '^  -[^ ]+' | tr ',' '\n' | sed 's/^ *//' | sed '/^$/d'
}

check_word() { # SCRIPT WORD WHAT
  if ! grep -qE -- "(^|[^A-Za-z0-9-])$(sed 's/[.[\*^$]/\\&/g' <<<"$2")([^A-Za-z0-9-]|$)" "$1"; then
    fail "${1##*/} does not know $3 $2"
  fi
}

mapfile -t global_options < <(options_of <<<"$help")
for script in "$bash_script" "$zsh_script"; do
  for option in "${global_options[@]}"; do
    check_word "$script" "$option" "global option"
  done
  for command in "${commands[@]}"; do
    check_word "$script" "$command" "command"
    while read -r option; do
      check_word "$script" "$option" "option of $command:"
    done < <("$migrate" "$command" --help | options_of)
  done
done

# The bash script, driven as bash drives it (without the bash-completion package).
complete_line() { # WORDS... (the last one is the word being completed)
  (
    set +euo pipefail # as in an interactive shell
    # shellcheck disable=SC1090
    source "$bash_script"
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _migrate migrate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
  )
}

expect() { # EXPECTED WORDS...
  local expected=$1 got
  shift
  got=$(complete_line "$@" 2>&1)
  [[ $got == "$expected" ]] || fail "completing '$*': expected '$expected', got '$got'"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/migrate-completion.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$work/db/20240101000000_a" "$work/db/20240202000000_b" "$work/db/notes"
printf 'development:\n  dbname: dev\nproduction:\n  url: x\n' >"$work/migrate.yaml"
cd "$work"

expect "redo repair" migrate re
expect "--database-url --ddl-lock-timeout --dir" migrate --d
expect "--dry-run" migrate up --dr
expect "--lock-retries --lock-timeout" migrate --dir db --lock-  # no command yet: global options
expect "" migrate --dir db --a
expect "--applied" migrate repair --ap
expect "20240101000000 20240202000000" migrate -m db accept ""
expect "20240101000000 20240202000000" migrate baseline --dir=db ""
expect "0 20240101000000 20240202000000" migrate down --dir db --to ""
expect "20240101000000 20240202000000" migrate up --dir db --to ""     # up --to 0 is refused
expect "0 20240101000000 20240202000000" migrate plan up --dir db --to ""
expect "--help --history-table" migrate new --h                       # each once
expect "down redo up" migrate plan ""
expect "bash zsh" migrate completion ""
expect "dbmate diesel golang-migrate goose node-pg-migrate postgrator" migrate import --from ""
expect "development production" migrate --env ""
expect "" migrate status --json ""
expect "--limit" migrate log --li

# `migrate completion SHELL` prints the scripts, once the subcommand is registered.
if printf '%s\n' "${commands[@]}" | grep -qx completion; then
  diff <("$migrate" completion bash) "$bash_script" >/dev/null ||
    fail "migrate completion bash differs from $bash_script"
  diff <("$migrate" completion zsh) "$zsh_script" >/dev/null ||
    fail "migrate completion zsh differs from $zsh_script"
  code=0
  "$migrate" completion fish >/dev/null 2>&1 || code=$?
  [[ $code == 2 ]] || fail "migrate completion fish: expected exit 2, got $code"
else
  echo "completion_test: migrate has no completion subcommand yet; not checking its output"
fi

if ((failures > 0)); then
  echo "completion_test: $failures failure(s)" >&2
  exit 1
fi
echo "completion_test: ok"
