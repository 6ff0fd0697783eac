#!/bin/sh
# Installs what `make fuzz` needs when it is missing, and says so: clang
# (Debian 12: clang-14) and libFuzzer with the sanitizer runtimes, which
# Debian ships in libclang-rt-14-dev (only recommended by clang, so an
# install without recommends lacks it). Checked by linking a tiny fuzz
# target with -fsanitize=fuzzer,address,undefined.
set -e
. "$(dirname "$0")/apt-install.sh"
cc=${FUZZ_CC:-clang}
probe() {
  command -v "$cc" >/dev/null 2>&1 || return 1
  dir=$(mktemp -d)
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$dir/t.c"
  ok=0
  "$cc" -fsanitize=fuzzer,address,undefined "$dir/t.c" -o "$dir/t" >/dev/null 2>&1 || ok=1
  rm -rf "$dir"
  return $ok
}
if probe; then
  exit 0
fi
missing=""
command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
command -v "$cc" >/dev/null 2>&1 || missing="$missing clang"
# The compiler-rt package of the installed clang's major version.
major=$( ("$cc" --version 2>/dev/null || echo "clang version 14") | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
missing="$missing libclang-rt-${major:-14}-dev"
# shellcheck disable=SC2086
c2op_apt_install "c2op fuzz" $missing
if ! probe; then
  echo "c2op: $cc still cannot link -fsanitize=fuzzer,address,undefined" >&2
  exit 1
fi
