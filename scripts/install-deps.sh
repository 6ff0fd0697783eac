#!/bin/sh
# Installs the system packages c2op needs when they are missing, and says so.
# Debian packages: cmake, a C compiler, libdlpack-dev (the DLPack header),
# python3 (the examples' output checker), python3-numpy (CLI checks).
set -e
. "$(dirname "$0")/apt-install.sh"
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
# Optional, on x86-64: Debian's AArch64 cross compiler (with its C library)
# and qemu-user run the NEON kernels under emulation (scripts/check-neon.sh,
# ctest neon_cross). If they cannot be installed that test is skipped; the
# build goes on.
if [ "$(uname -m)" = x86_64 ]; then
  optional=""
  command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
    [ -f /usr/aarch64-linux-gnu/include/stdio.h ] ||
    optional="$optional gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
  command -v qemu-aarch64 >/dev/null 2>&1 || optional="$optional qemu-user"
  if [ -n "$optional" ]; then
    # shellcheck disable=SC2086
    c2op_apt_install "c2op (optional, NEON check)" $optional ||
      echo "c2op: the NEON check will be skipped" >&2
  fi
fi
if [ -z "$missing" ]; then
  exit 0
fi
# shellcheck disable=SC2086
c2op_apt_install "c2op" $missing
