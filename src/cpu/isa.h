/* isa.h - which instruction set the CPU kernels use (internal).
 *
 * The ISA is chosen once per process (pthread_once): the best one that is
 * both compiled in and reported by the CPU (cpuid, including the OS's
 * support for the wider registers), lowered by C2OP_ISA=scalar|sse2|avx2|
 * avx512|neon when that names a path the CPU has. A value naming a path the
 * CPU lacks, or an unknown value, is ignored (the library never prints):
 * c2op_cpu_isa_name() tells which path runs. */
#ifndef C2OP_CPU_ISA_H
#define C2OP_CPU_ISA_H

#include <stdint.h>

typedef enum {
  C2OP__ISA_SCALAR = 0, /* portable C, any CPU */
  C2OP__ISA_SSE2 = 1,   /* x86-64 baseline, 16-byte vectors */
  C2OP__ISA_AVX2 = 2,   /* 32-byte vectors */
  C2OP__ISA_AVX512 = 3, /* AVX-512F + BW, 64-byte vectors */
  C2OP__ISA_NEON = 4,   /* AArch64 Advanced SIMD, 16-byte vectors */
  C2OP__ISA_COUNT = 5
} c2op__isa;

/* The ISA in use (chosen on first call). */
c2op__isa c2op__cpu_isa(void);

/* 1 when `isa`'s kernels are compiled in and this CPU can run them. */
int c2op__cpu_isa_available(c2op__isa isa);

/* "scalar", "sse2", "avx2", "avx512", "neon"; "unknown" otherwise. */
const char *c2op__isa_name(c2op__isa isa);

/* 1 when this CPU is an AMD of family 17h (Zen 1 and 2), where the
 * streaming loops gain from two streams a page apart (cpu/kernels.h:
 * c2op__stream_pairs); 0 elsewhere. */
int c2op__cpu_prefers_stream_pairs(void);

/* The size in bytes of the L3 cache the calling thread's CPU shares with
 * its neighbours, as Linux reports it (sysfs, cpu0's level-3 cache), or 0
 * when it cannot be read. */
int64_t c2op__cpu_l3_bytes(void);

#endif
