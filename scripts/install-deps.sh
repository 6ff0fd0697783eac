#!/bin/sh
# Installs the system packages c2op needs when they are missing, and says so.
# Debian packages: cmake, a C compiler, libdlpack-dev (the DLPack header),
# python3 (the examples' output checker), python3-numpy (CLI checks).
set -e
missing=""
command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v make >/dev/null 2>&1 || missing="$missing make"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
# valgrind for `make test-valgrind` (part of `make test`).
command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
[ -f /usr/include/dlpack/dlpack.h ] || missing="$missing libdlpack-dev"
# NumPy for the CLI's byte-for-byte comparison with np.save (tests/cli).
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || missing="$missing python3-numpy"
if [ -z "$missing" ]; then
  exit 0
fi
echo "c2op: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "c2op: not root and no sudo; please install:$missing" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "c2op: installed:$missing"
