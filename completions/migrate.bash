# bash completion for migrate                                 -*- shell-script -*-
# Installed as share/bash-completion/completions/migrate; also printed by
# `migrate completion bash` (for: source <(migrate completion bash)).

# The migrations directory the command line names (-m/--dir), else
# MIGRATE_DIR, else ./migrations.
_migrate_dir() {
  local i dir=${MIGRATE_DIR:-migrations}
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
    -m | --dir)
      dir=${COMP_WORDS[i + 1]}
      ;;
    --dir=*)
      dir=${COMP_WORDS[i]#--dir=}
      ;;
    esac
  done
  printf '%s\n' "${dir/#\~/$HOME}"
}

# The versions (14 digits) of the migration directories.
_migrate_versions() {
  local dir entry name
  dir=$(_migrate_dir)
  for entry in "$dir"/[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]_*/; do
    [[ -d $entry ]] || continue
    name=${entry%/}
    name=${name##*/}
    printf '%s\n' "${name%%_*}"
  done
}

# The environments (top-level keys) of the configuration file.
_migrate_envs() {
  local i file=${MIGRATE_CONFIG:-migrate.yaml}
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
    --config)
      file=${COMP_WORDS[i + 1]}
      ;;
    --config=*)
      file=${COMP_WORDS[i]#--config=}
      ;;
    esac
  done
  file=${file/#\~/$HOME}
  [[ -r $file ]] || return 0
  sed -n 's/^\([A-Za-z0-9_.-][A-Za-z0-9_.-]*\):.*/\1/p' "$file" 2>/dev/null
}

_migrate() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null 2>&1; then
    _init_completion -n = || return
  else
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi

  local commands="up down redo plan status log accept baseline repair import new create config wait completion"
  local global_opts="--database-url -m --dir --config --env --history-table --lock-timeout
    --ddl-lock-timeout --statement-timeout --lock-retries -q --quiet -v --verbose --color -h --help
    --version"

  # Options that take a value, and what to offer for it.
  case $prev in
  -m | --dir)
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -d -- "$cur"))
    return
    ;;
  --config)
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return
    ;;
  --env)
    COMPREPLY=($(compgen -W "$(_migrate_envs)" -- "$cur"))
    return
    ;;
  --lock-timeout | --ddl-lock-timeout | --statement-timeout | --timeout)
    COMPREPLY=($(compgen -W "0 500ms 5s 60s 5m 1h" -- "$cur"))
    return
    ;;
  --color)
    COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
    return
    ;;
  --from)
    COMPREPLY=($(compgen -W "diesel node-pg-migrate golang-migrate goose dbmate postgrator" -- "$cur"))
    return
    ;;
  --to)
    # 0 (before the first migration) is a target for down and plan, not for up.
    local zero=0
    [[ " ${words[*]} " == *" up "* && " ${words[*]} " != *" plan "* ]] && zero=
    COMPREPLY=($(compgen -W "$zero $(_migrate_versions)" -- "$cur"))
    return
    ;;
  --database-url | --history-table | --lock-retries | --count | --limit | --adopt-table)
    return
    ;;
  esac

  # The subcommand, and how many positional arguments follow it so far.
  local i word command= positionals=0 skip=false
  for ((i = 1; i < cword; i++)); do
    word=${words[i]}
    if $skip; then
      skip=false
      continue
    fi
    case $word in
    -m | --dir | --config | --env | --database-url | --history-table | --lock-timeout | \
      --ddl-lock-timeout | --statement-timeout | --lock-retries | --to | --count | --limit | --from | \
      --color | --timeout | --adopt-table)
      skip=true
      ;;
    -*) ;;
    *)
      if [[ -z $command ]]; then
        command=$word
      else
        ((positionals++))
      fi
      ;;
    esac
  done

  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return
  fi

  local opts= args=
  case $command in
  up)
    opts="--to --count --allow-out-of-order --single-transaction --dry-run --json --resume"
    ;;
  down)
    opts="--to --count --single-transaction --dry-run --json --resume -y --yes"
    ;;
  redo)
    opts="--single-transaction --dry-run --json -y --yes"
    ;;
  plan)
    opts="--to --count --allow-out-of-order --json"
    ((positionals == 0)) && args="up down redo"
    ;;
  status)
    opts="--json --exit-code"
    ;;
  log)
    opts="--json --limit"
    ;;
  accept)
    ((positionals == 0)) && args=$(_migrate_versions)
    ;;
  baseline)
    opts="-y --yes"
    ((positionals == 0)) && args=$(_migrate_versions)
    ;;
  config)
    opts="--json"
    ;;
  wait)
    opts="--timeout"
    ;;
  repair)
    opts="--applied --not-applied"
    ((positionals == 0)) && args=$(_migrate_versions)
    ;;
  import)
    opts="--from --dry-run --adopt-history --adopt-table -y --yes"
    if ((positionals == 0)) && [[ $cur != -* ]]; then
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur"))
      return
    fi
    ;;
  new | create) ;;
  completion)
    ((positionals == 0)) && args="bash zsh"
    ;;
  *)
    return
    ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur")) # global_opts has -h --help
  elif [[ -n $args ]]; then
    COMPREPLY=($(compgen -W "$args" -- "$cur"))
  fi
} &&
  complete -F _migrate migrate

# ex: filetype=sh
