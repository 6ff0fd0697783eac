#!/usr/bin/env bash
# One-off A/B on the GPU: dense kernel with (A) and without (B) the edge code
# when head = tail = 0. Results under $OUT.
set -uo pipefail
dl=$PWD/.deps/include
bld() { cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Release -DC2OP_CUDA=ON -DC2OP_WERROR=OFF \
  -DC2OP_BUILD_EXAMPLES=OFF -DCMAKE_CUDA_ARCHITECTURES=90 -DDLPACK_INCLUDE_DIR="$dl" \
  "-DCMAKE_CUDA_FLAGS=$2" >"$OUT/build-$1.log" 2>&1 && cmake --build "$1" -j 8 --target c2op ${3:-} >>"$OUT/build-$1.log" 2>&1; }
bld bA "-DC2OP_CUDA_EDGE_FREE=0" & pa=$!
bld bB "-DC2OP_CUDA_EDGE_FREE=1" "test_cuda" & pb=$!
wait $pa || { echo "build A failed"; tail -20 "$OUT/build-bA.log"; exit 1; }
wait $pb || { echo "build B failed"; tail -20 "$OUT/build-bB.log"; exit 1; }
echo "built at $SECONDS s"
pick=(--kernel-name-base demangled --kernel-name regex:'neg_kernel|kernel_entry')
sizes=4096,16384,65536,262144,1048576,4194304
prof() { # lib order tag
  local f=$OUT/ncu-$3.txt
  timeout 60 ncu --clock-control none --cache-control none --metrics gpu__time_duration.sum \
    "${pick[@]}" python3 bench/cuda/ncu_pair.py "$1/libc2op.so" $sizes 30 "$2" >"$f" 2>&1
  echo "== $3 ($1, $2 first) at $SECONDS s"; python3 bench/cuda/ncu_summary.py "$f"
}
prof bA torch,c2op A-torch-first
prof bB torch,c2op B-torch-first
for b in bA bB; do
  cuobjdump -sass "$b/libc2op.so" 2>&1 | awk '/Function :/{p=($0 ~ /VecBodyILi2EjjLb0E/)} p' >"$OUT/sass-$b.txt"
  echo "sass $b: $(grep -c '^ *\/\*[0-9a-f]*\*\/' "$OUT/sass-$b.txt") lines, functions: $(grep -c 'Function :' "$OUT/sass-$b.txt")"
done
C2OP_TEST_NO_HUGE=1 timeout 60 bB/tests/test_cuda 2>&1 | tail -3
prof bB c2op,torch B-c2op-first
prof bA c2op,torch A-c2op-first
echo "done at $SECONDS s"
