/* isa.c - CPU feature detection and the C2OP_ISA override. */
#include "cpu/isa.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

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
