#!/usr/bin/env bash
# Installs the Debian packages needed to build and test migrate, if missing.
#
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]
#
# Each package is checked with dpkg-query; apt-get runs only when something is
# missing (with sudo when not root). Prints nothing when all are installed.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libpqxx-dev libyaml-cpp-dev libcli11-dev catch2 libssl-dev
  postgresql-15 postgresql-client-15
  "$@"
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ $status != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2

sudo=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "deps.sh: not root and sudo is not available; install as root: ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi

"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
