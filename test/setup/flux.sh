#!/usr/bin/env bash
# Builds flux-core from the vendored source release into a prefix keyed by its
# version, once per machine: a later run finds `$prefix/bin/flux` reporting the
# same version and does nothing. Flux is not packaged in Debian 12.
#
#   test/setup/flux.sh            build (or skip) and print the prefix
#   test/setup/flux.sh --prefix   only print the prefix
#
# The source is looked up as shared/vendor/ beside the clone (or above it);
# FLOTILLA_FLUX_TARBALL overrides it, FLOTILLA_FLUX_PREFIX the install prefix.
set -euo pipefail

FLUX_VERSION=0.88.0
root="$(cd "$(dirname "$0")/../.." && pwd)"
prefix="${FLOTILLA_FLUX_PREFIX:-/opt/flotilla-test/flux-core-$FLUX_VERSION}"
if [ "${1:-}" = "--prefix" ]; then echo "$prefix"; exit 0; fi

installed_version() {
  [ -x "$prefix/bin/flux" ] && "$prefix/bin/flux" version 2>/dev/null | awk '/^commands:/ {print $2}'
}
if [ "$(installed_version || true)" = "$FLUX_VERSION" ]; then
  echo "$prefix"
  exit 0
fi

tarball="${FLOTILLA_FLUX_TARBALL:-}"
if [ -z "$tarball" ]; then
  # shared/ sits beside the clone; a git worktree may sit one level deeper.
  for dir in "$root/../shared/vendor" "$root/../../shared/vendor"; do
    if [ -f "$dir/flux-core-$FLUX_VERSION.tar.gz" ]; then
      tarball="$dir/flux-core-$FLUX_VERSION.tar.gz"
      break
    fi
  done
fi
if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
  echo "flux-core-$FLUX_VERSION.tar.gz not found beside the clone (shared/vendor/)" >&2
  exit 3
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Build dependencies, all Debian packages.
deps=(autoconf automake libtool make pkg-config libc6-dev libzmq3-dev uuid-dev libjansson-dev
  liblz4-dev libarchive-dev libhwloc-dev libsqlite3-dev lua5.1 liblua5.1-dev lua-posix python3-dev
  python3-cffi python3-ply python3-setuptools python3-yaml jq)
missing=()
for pkg in "${deps[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Flux build dependencies: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Build in a scratch directory beside the prefix and install only on success, so
# an interrupted build leaves no prefix that looks complete.
build="$(mktemp -d "${TMPDIR:-/tmp}/flux-build.XXXXXX")"
trap 'rm -rf "$build"' EXIT
echo "building flux-core $FLUX_VERSION into $prefix (about 5 minutes on 2 cores)" >&2
start=$(date +%s)
tar -xzf "$tarball" -C "$build"
cd "$build/flux-core-$FLUX_VERSION"
jobs=$(nproc 2>/dev/null || echo 2)
{
  PYTHON=/usr/bin/python3 ./configure --prefix="$prefix" --without-flux-security --disable-docs
  make -j"$jobs"
  $SUDO mkdir -p "$prefix"
  $SUDO make install
} >"$build/build.log" 2>&1 || {
  tail -n 40 "$build/build.log" >&2
  echo "flux-core build failed" >&2
  exit 1
}
echo "flux-core $FLUX_VERSION built in $(($(date +%s) - start)) s" >&2
echo "$prefix"
