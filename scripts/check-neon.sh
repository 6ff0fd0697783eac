#!/bin/sh
# Compile-checks the CPU layer (src/cpu and the src/core it uses) for AArch64 with
# a cross compiler, so the NEON kernels keep building on a machine that
# cannot run them. Debian: apt-get install gcc-aarch64-linux-gnu.
# Usage: scripts/check-neon.sh [CC]   (default aarch64-linux-gnu-gcc)
# Exits 77 (skip) when the cross compiler is missing.
set -e
CC=${1:-aarch64-linux-gnu-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "check-neon: $CC not found (apt-get install gcc-aarch64-linux-gnu); skipped"
  exit 77
fi
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The DLPack header is architecture-independent; give the cross compiler only it.
mkdir -p "$tmp/include/dlpack"
cp /usr/include/dlpack/dlpack.h "$tmp/include/dlpack/"
n=0
for f in "$root"/src/core/*.c "$root"/src/cpu/*.c; do
  "$CC" -std=c17 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wundef -Wvla -Werror -D_GNU_SOURCE -fvisibility=hidden \
    -I"$root/include" -I"$root/src" -isystem "$tmp/include" -c "$f" -o "$tmp/obj_$n.o"
  n=$((n + 1))
done
# The NEON table must be there and the x86 ones absent.
"${CC%gcc}nm" "$tmp"/obj_*.o 2>/dev/null | grep -q "c2op__negate_kernels__neon" || {
  echo "check-neon: c2op__negate_kernels__neon missing from the AArch64 objects" >&2
  exit 1
}
echo "check-neon: $n files compile for AArch64 with $CC; NEON kernels present"
