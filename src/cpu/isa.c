/* isa.c - CPU feature detection and the C2OP_ISA override. */
#include "cpu/isa.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "c2op.h"

static const char *const isa_names[C2OP__ISA_COUNT] = {"scalar", "sse2", "avx2", "avx512", "neon"};

const char *c2op__isa_name(c2op__isa isa) {
  return (unsigned)isa < C2OP__ISA_COUNT ? isa_names[isa] : "unknown";
}

/* __builtin_cpu_supports checks cpuid and, for AVX and AVX-512, that the OS
 * saves the wider registers (XCR0). */
int c2op__cpu_isa_available(c2op__isa isa) {
  switch (isa) {
  case C2OP__ISA_SCALAR: return 1;
#if defined(__x86_64__) || defined(__i386__)
  case C2OP__ISA_SSE2: __builtin_cpu_init(); return __builtin_cpu_supports("sse2") != 0;
  case C2OP__ISA_AVX2: __builtin_cpu_init(); return __builtin_cpu_supports("avx2") != 0;
  case C2OP__ISA_AVX512:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512bw") != 0;
#endif
#if defined(__aarch64__)
  case C2OP__ISA_NEON: return 1; /* Advanced SIMD is mandatory on AArch64 */
#endif
  default: return 0;
  }
}

/* The choice, published once; -1 until then. Read on every kernel call,
 * so the fast path is one atomic load rather than a pthread_once call. */
static atomic_int chosen_isa = -1;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

static void choose_isa(void) {
  /* Preference order: the widest vectors first. */
  static const c2op__isa order[] = {C2OP__ISA_AVX512, C2OP__ISA_AVX2, C2OP__ISA_SSE2,
                                    C2OP__ISA_NEON, C2OP__ISA_SCALAR};
  c2op__isa best = C2OP__ISA_SCALAR;
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    if (c2op__cpu_isa_available(order[i])) {
      best = order[i];
      break;
    }
  }
  /* C2OP_ISA may only lower the choice: a named path is taken when the CPU
   * has it (every available path is at most `best` in the order above). */
  const char *env = getenv("C2OP_ISA");
  if (env && *env) {
    for (int i = 0; i < C2OP__ISA_COUNT; i++) {
      if (strcmp(env, isa_names[i]) == 0 && c2op__cpu_isa_available((c2op__isa)i)) {
        best = (c2op__isa)i;
        break;
      }
    }
  }
  atomic_store_explicit(&chosen_isa, (int)best, memory_order_release);
}

c2op__isa c2op__cpu_isa(void) {
  int isa = atomic_load_explicit(&chosen_isa, memory_order_acquire);
  if (isa < 0) {
    pthread_once(&isa_once, choose_isa);
    isa = atomic_load_explicit(&chosen_isa, memory_order_acquire);
  }
  return (c2op__isa)isa;
}

const char *c2op_cpu_isa_name(void) {
  return c2op__isa_name(c2op__cpu_isa());
}

/* cpuid leaf 0's vendor string, in ebx, edx, ecx. */
static int vendor_is(uint32_t ebx0, uint32_t ecx0, uint32_t edx0, const char name[13]) {
  uint32_t w[3];
  memcpy(w, name, 12);
  return ebx0 == w[0] && edx0 == w[1] && ecx0 == w[2];
}

int c2op__cpuid_prefers_stream_pairs(uint32_t ebx0, uint32_t ecx0, uint32_t edx0,
                                     uint32_t eax1) {
  if (!vendor_is(ebx0, ecx0, edx0, "AuthenticAMD")) return 0;
  uint32_t family = (eax1 >> 8) & 0xfu;
  if (family == 0xfu) family += (eax1 >> 20) & 0xffu;
  return family == 0x17u;
}

int c2op__cpu_prefers_stream_pairs(void) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a0, b0, c0, d0, a1, b1, c1, d1;
  if (!__get_cpuid(0, &a0, &b0, &c0, &d0) || !__get_cpuid(1, &a1, &b1, &c1, &d1)) return 0;
  return c2op__cpuid_prefers_stream_pairs(b0, c0, d0, a1);
#else
  return 0;
#endif
}

int64_t c2op__parse_cache_size(const char *text) {
  char *end;
  const long long v = strtoll(text, &end, 10);
  if (end == text || v <= 0 || v > (1ll << 40)) return 0;
  switch (*end) {
  case 'K': return (int64_t)v << 10;
  case 'M': return (int64_t)v << 20;
  case 'G': return v <= (1ll << 10) ? (int64_t)v << 30 : 0;
  case '\n':
  case '\0': return (int64_t)v;
  default: return 0;
  }
}

int64_t c2op__cpuid_cache_bytes(uint32_t eax, uint32_t ebx, uint32_t ecx) {
  if ((eax & 0x1fu) == 0) return 0; /* no cache: the list ends */
  const uint64_t ways = ((ebx >> 22) & 0x3ffu) + 1, parts = ((ebx >> 12) & 0x3ffu) + 1;
  const uint64_t line = (ebx & 0xfffu) + 1, sets = (uint64_t)ecx + 1;
  /* up to 2^32 bytes a set times 2^32 sets: past 1 TiB (a nonsense
   * reading) it is 0, as for sysfs */
  const uint64_t per_set = ways * parts * line;
  return sets > ((uint64_t)1 << 40) / per_set ? 0 : (int64_t)(per_set * sets);
}

int64_t c2op__cpu_l3_bytes_cpuid(void) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
  const unsigned max_basic = a;
  unsigned leaf;
  if (vendor_is(b, c, d, "AuthenticAMD")) {
    /* leaf 8000001Dh, when the CPU has it (TopologyExtensions) */
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x8000001du) return 0;
    if (!__get_cpuid(0x80000001u, &a, &b, &c, &d) || !(c & (1u << 22))) return 0;
    leaf = 0x8000001du;
  } else if (vendor_is(b, c, d, "GenuineIntel")) {
    if (max_basic < 4) return 0;
    leaf = 4;
  } else {
    return 0;
  }
  for (unsigned sub = 0; sub < 16; sub++) {
    __cpuid_count(leaf, sub, a, b, c, d);
    if ((a & 0x1fu) == 0) return 0;
    if (((a >> 5) & 7u) == 3) return c2op__cpuid_cache_bytes(a, b, c);
  }
  return 0;
#else
  return 0;
#endif
}

/* Reads a sysfs file's first line into buf; 0 on failure. Opened
 * close-on-exec, so another thread's fork and exec never inherits it. */
static int read_line(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  const int ok = fgets(buf, (int)size, f) != NULL;
  fclose(f);
  return ok;
}

int64_t c2op__cpu_l3_bytes_sysfs(void) {
  char path[96], line[64];
  for (int i = 0; i < 16; i++) {
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
    if (!read_line(path, line, sizeof line)) return 0; /* no more caches */
    if (strtol(line, NULL, 10) != 3) continue;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
    return read_line(path, line, sizeof line) ? c2op__parse_cache_size(line) : 0;
  }
  return 0;
}

int64_t c2op__cpu_l3_bytes(void) {
  const int64_t l3 = c2op__cpu_l3_bytes_sysfs();
  return l3 > 0 ? l3 : c2op__cpu_l3_bytes_cpuid(); /* no sysfs: a sandbox, say */
}
