#!/bin/bash
# One-off device script (ninth session): AVX-512 correctness of the backward
# pass, and the A/B of inproc.c on the device's CPU.
cd "$(dirname "$0")/../.."
O=${OUT:-/tmp/o}; mkdir -p $O
lscpu > $O/lscpu.txt 2>&1
cmake -S . -B build-ab -DCMAKE_BUILD_TYPE=Release -DC2OP_CUDA=OFF -DC2OP_WERROR=OFF -DDLPACK_INCLUDE_DIR=$PWD/.deps/include > $O/cmake.log 2>&1 || { echo cmake failed; tail $O/cmake.log; exit 1; }
cmake --build build-ab -j$(nproc) --target c2op_static test_kernels test_negative > $O/build.log 2>&1 || { echo build failed; tail -30 $O/build.log; exit 1; }
ctest --test-dir build-ab -R "test_kernels|test_negative" --output-on-failure > $O/ctest.txt 2>&1; echo "ctest rc=$?"; tail -25 $O/ctest.txt
./build-ab/tests/test_kernels > $O/test_kernels.txt 2>&1; echo "test_kernels rc=$?"; grep -E "page|checked|passed" $O/test_kernels.txt
I="-I src -I include -I build-ab/include"
gcc -O3 $I -Dc2op__negate_kernels__sse2=old_sse2_table -c .deps/ab/old_sse2.c -o build-ab/old_sse2.o &&
gcc -O3 -mavx2 $I -Dc2op__negate_kernels__avx2=old_avx2_table -c .deps/ab/old_avx2.c -o build-ab/old_avx2.o &&
gcc -O3 -mavx512f -mavx512bw $I -Dc2op__negate_kernels__avx512=old_avx512_table -c .deps/ab/old_avx512.c -o build-ab/old_avx512.o &&
gcc -O2 $I .deps/ab/inproc.c build-ab/old_*.o build-ab/libc2op.a -lpthread -lm -o build-ab/inproc || exit 1
for isa in avx512 avx2; do for s in 65536 262144; do timeout 60 ./build-ab/inproc $isa $s 0 64 256 512 576 1024 2048 4032; done; done 2>&1 | tee $O/inproc.txt
