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
 * c2op__stream_pairs; measured on Zen 1 only); 0 elsewhere (measured on
 * Zen 4 only). c2op__cpuid_prefers_stream_pairs decides from cpuid leaf
 * 0's ebx, ecx, edx (the vendor) and leaf 1's eax (the family), so tests
 * can feed it other CPUs' values. */
int c2op__cpu_prefers_stream_pairs(void);
int c2op__cpuid_prefers_stream_pairs(uint32_t ebx0, uint32_t ecx0, uint32_t edx0, uint32_t eax1);

/* The size in bytes of this machine's L3 cache: cpu0's level-3 cache as
 * Linux reports it in sysfs, else (no sysfs: a sandbox, say) the one
 * cpuid describes, else 0. cpu0's: on a part whose cores see L3 caches of
 * different sizes, another core's may differ. The two sources alone:
 * c2op__cpu_l3_bytes_sysfs (/sys/devices/system/cpu/cpu0/cache/
 * index<N>/size; 0 when there is none or it cannot be read) and
 * c2op__cpu_l3_bytes_cpuid below.
 * c2op__parse_cache_size reads one such file's text ("32768K\n"; a K, M
 * or G suffix or none), 0 for anything else or above 1 TiB. */
int64_t c2op__cpu_l3_bytes(void);
int64_t c2op__cpu_l3_bytes_sysfs(void);
int64_t c2op__parse_cache_size(const char *text);

/* The L3 size cpuid describes (AMD leaf 8000001Dh, Intel leaf 4), or 0:
 * the driver's second source, where sysfs cannot be read. Under a
 * hypervisor or valgrind it is whatever they report. (Used by
 * c2op__cpu_l3_bytes where sysfs is hidden.)
 * c2op__cpuid_cache_bytes decodes one subleaf (eax, ebx, ecx): ways x
 * partitions x line size x sets, 0 for the null entry that ends the list
 * and for anything above 1 TiB. */
int64_t c2op__cpu_l3_bytes_cpuid(void);
int64_t c2op__cpuid_cache_bytes(uint32_t eax, uint32_t ebx, uint32_t ecx);

#endif
