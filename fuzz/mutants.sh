#!/bin/sh
# Shows that the fuzz targets can fail: plants one bug at a time in a copy
# of the tree (never in the tree itself), builds the target that should
# catch it, and fuzzes from the committed seeds for at most SECONDS. Each
# planted bug must make the target fail; prints how fast it did.
#
# usage: fuzz/mutants.sh [SECONDS [NAME]]   (default 120 s per mutant; NAME: only that one)
# MUTANTS_NO_SEEDS=1 starts from an empty corpus (the fuzzer alone, no seeds).
set -u
cd "$(dirname "$0")/.."
seconds=${1:-120}
only=${2:-}
root=$(pwd)
work=$(mktemp -d /tmp/c2op-mutants.XXXXXX)
trap 'rm -rf "$work"' EXIT
caught=0
total=0

# name | file | sed expression | target
mutants() {
  cat <<'LIST'
f16-sign-flip-strided|src/cpu/negate_scalar.c|s/STRIDED_BODY(uint16_t, v ^ 0x8000u)/STRIDED_BODY(uint16_t, v ^ 0x8001u)/|kernel
self-overlap-accepted|src/core/tensor.c|s/C2OP_RETURN_IF(dup, C2OP_ERR_OVERLAP,/C2OP_RETURN_IF(0 \&\& dup, C2OP_ERR_OVERLAP,/|kernel
y-written-before-dtype-check|src/ops/negative.c|s/^  C2OP_TRY(negative_semantics(x->dtype, "x", &op, &lane_bytes));/  if (y->data \&\& y->ndim == 0 \&\& y->byte_offset < 64) *((char *)y->data + y->byte_offset) = 0;\n&/|kernel
npy-size-overflow-unchecked|programs/npy.c|s/if (numel > (uint64_t)INT64_MAX \/ (h->itemsize ? h->itemsize : 1)) {/if (0) {/|npy
netdef-quote-unescaped|src/framework/netdef.c|s/case '"': tb_put(b, "\\\\\\"", 2); break;/case '"': tb_put(b, "\\"", 1); break;/|netdef
LIST
}

mutants | while IFS='|' read -r name file expr target; do
  [ -n "$only" ] && [ "$name" != "$only" ] && continue
  total=$((total + 1))
  tree="$work/$name"
  mkdir -p "$tree"
  tar -C "$root" --exclude='./build*' --exclude='./.git' -cf - . | tar -C "$tree" -xf -
  sed -i "$expr" "$tree/$file"
  if cmp -s "$root/$file" "$tree/$file"; then
    echo "?? $name: the edit did not apply to $file" >&2
    exit 1
  fi
  if ! { cmake -S "$tree/fuzz" -B "$tree/build" -DCMAKE_C_COMPILER="${FUZZ_CC:-clang}" >/dev/null &&
         cmake --build "$tree/build" -j "${JOBS:-2}" --target "fuzz_$target" >"$tree/build.log" 2>&1; }; then
    echo "?? $name: build failed (see below)" >&2
    tail -20 "$tree/build.log" >&2
    exit 1
  fi
  mkdir -p "$tree/corpus"
  dict=""
  [ -f "fuzz/dict/$target.dict" ] && dict="-dict=fuzz/dict/$target.dict"
  seeds="fuzz/corpus/$target"
  [ -n "${MUTANTS_NO_SEEDS:-}" ] && seeds=""
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$tree/build/fuzz_$target" -max_total_time="$seconds" -timeout=10 $dict \
    -artifact_prefix="$tree/" "$tree/corpus" $seeds >"$tree/fuzz.log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  runs=$(grep -Eo '^#[0-9]+' "$tree/fuzz.log" | tail -1)
  if [ $rc -ne 0 ]; then
    why=$(grep -E '^fuzz_[a-z]+: |runtime error|ERROR: AddressSanitizer' "$tree/fuzz.log" | head -1)
    echo "caught   $name (fuzz_$target, ${took}s, ~${runs#\#} runs): $why"
  else
    echo "MISSED   $name (fuzz_$target ran ${seconds}s without failing)"
    echo missed >>"$work/missed"
  fi
done
[ -f "$work/missed" ] && exit 1
exit 0
