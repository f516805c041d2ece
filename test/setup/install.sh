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
  [objdump]=binutils
  [script]=bsdutils
  # GNU time: the hostile-input tests read a run's peak memory from it.
  [/usr/bin/time]=time
  # The Slurm tests' 4-node localhost cluster (test/setup/slurm) and MPI.
  [slurmctld]=slurm-wlm
  [munged]=munge
  [mpirun]=openmpi-bin
  [mpicc]=libopenmpi-dev
  # The bench report's HTML page is opened headless to prove it renders.
  [chromium]=chromium
)

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done

# Python modules imported by Debian's own interpreter (/usr/bin/python3): a pyenv
# python3 earlier on PATH cannot see Debian's dist-packages.
declare -A PY_NEED=(
  [zmq]=python3-zmq
  [msgpack]=python3-msgpack
)
for module in "${!PY_NEED[@]}"; do
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || missing+=("${PY_NEED[$module]}")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The real-model test server (test/fixtures/model) has its own small install:
# node-llama-cpp with only its Linux x64 CPU prebuilt (optional GPU builds omitted).
# --ignore-scripts: its postinstall may try to download or build llama.cpp; the
# prebuilt binary needs neither. `install --no-save` rather than `ci`: the lock
# pins every version, but registries that carry only the Linux builds make `ci`
# reject a lock that lacks the other platforms' optional packages.
model_dir="$(cd "$(dirname "$0")/../fixtures/model" && pwd)"
if [ ! -f "$model_dir/node_modules/@node-llama-cpp/linux-x64/package.json" ]; then
  echo "installing the test model server's packages" >&2
  (cd "$model_dir" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-save --omit=optional --ignore-scripts --no-audit --no-fund >/dev/null)
fi
# The tiny GGUF model is generated, never downloaded; cached in test/fixtures/model/.models.
(cd "$model_dir/../../.." && npx tsx test/fixtures/model/generate.ts >/dev/null)
