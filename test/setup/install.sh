#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages. Idempotent: skips
# what is already there. Runs as root (CI) or with sudo when available.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages the tests use, by the command that proves each is present.
declare -A NEED=(
  [tmux]=tmux
  [curl]=curl
)

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
