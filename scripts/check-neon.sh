#!/bin/sh
# Compile-checks the CPU layer (src/cpu and the src/core it uses) for AArch64 with
# a cross compiler, so the NEON kernels keep building on a machine that
# cannot run them. Debian: apt-get install gcc-aarch64-linux-gnu.
# When qemu-aarch64 is there too (Debian: qemu-user), it then builds the
# whole library with test_kernels (every ISA's kernels against the scalar
# ones: here NEON's) and test_negative (the main suite, on the NEON path),
# and runs both under the emulator.
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
printf '#include <stdio.h>\nint main(void) { return 0; }\n' >"$tmp/probe.c"
if ! "$CC" -c "$tmp/probe.c" -o "$tmp/probe.o" 2>/dev/null; then
  echo "check-neon: $CC cannot compile against its C library (apt-get install libc6-dev-arm64-cross); skipped"
  exit 77
fi
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

QEMU=${QEMU:-qemu-aarch64}
if ! command -v "$QEMU" >/dev/null 2>&1; then
  echo "check-neon: $QEMU not found (apt-get install qemu-user): the NEON kernels did not run"
  exit 0
fi
# The library without CUDA, static, and the two tests, for AArch64.
m=0
for f in "$root"/src/core/*.c "$root"/src/cpu/*.c "$root"/src/ops/*.c "$root"/src/framework/*.c; do
  "$CC" -std=c17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" -I"$root/src" \
    -isystem "$tmp/include" -c "$f" -o "$tmp/lib_$m.o"
  m=$((m + 1))
done
for t in test_kernels test_negative; do
  "$CC" -std=c17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" -I"$root/src" \
    -I"$root/tests" -isystem "$tmp/include" "$root/tests/$t.c" "$tmp"/lib_*.o \
    -o "$tmp/$t" -lpthread -lm
  sysroot=$(dirname "$("$CC" -print-file-name=libc.so.6)")/..
  if ! "$QEMU" -L "$sysroot" "$tmp/$t" >"$tmp/$t.log" 2>&1; then
    cat "$tmp/$t.log"
    echo "check-neon: $t FAILED under $QEMU" >&2
    exit 1
  fi
  echo "check-neon: $t under $QEMU: $(tail -1 "$tmp/$t.log")"
done
# The NEON path must be the one that ran, and its kernels checked.
grep -q "ISA in use: neon" "$tmp/test_kernels.log" && grep -q "neon: [1-9][0-9]* kernels checked" "$tmp/test_kernels.log" || {
  echo "check-neon: test_kernels did not check NEON kernels" >&2
  exit 1
}
echo "check-neon: $(grep "neon: .* kernels checked" "$tmp/test_kernels.log" | sed 's/^ *//') against scalar"
