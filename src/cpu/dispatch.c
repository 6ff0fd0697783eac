/* dispatch.c - picks the CPU kernel for an elementwise op.
 *
 * Negation has one kernel table per ISA (negate_<isa>.c); copy uses memmove
 * (the C library's copy is already tuned per CPU) and Sum's additions are
 * portable loops the compiler vectorises. */
#include "cpu/dispatch.h"

#include <stdatomic.h>

/* cpu/kernels.h; the driver's settings set it before any streaming pass. */
atomic_int c2op__stream_pairs = 1;

const c2op__negate_kernels *c2op__cpu_negate_kernels(c2op__isa isa) {
  switch (isa) {
  case C2OP__ISA_SCALAR: return &c2op__negate_kernels__scalar;
#if defined(__x86_64__) || defined(__i386__)
  case C2OP__ISA_SSE2: return &c2op__negate_kernels__sse2;
  case C2OP__ISA_AVX2: return &c2op__negate_kernels__avx2;
  case C2OP__ISA_AVX512: return &c2op__negate_kernels__avx512;
#endif
#if defined(__aarch64__)
  case C2OP__ISA_NEON: return &c2op__negate_kernels__neon;
#endif
  default: return NULL;
  }
}

/* log2 of a lane width of 1, 2, 4 or 8 bytes; -1 otherwise. */
static int lane_index(size_t lane_bytes) {
  switch (lane_bytes) {
  case 1: return 0;
  case 2: return 1;
  case 4: return 2;
  case 8: return 3;
  default: return -1;
  }
}

const c2op__unary_kernel *c2op__cpu_unary_kernel_isa(c2op__isa isa, c2op__unary_op op,
                                                     size_t lane_bytes) {
  const int li = lane_index(lane_bytes);
  const c2op__negate_kernels *neg = c2op__cpu_negate_kernels(isa);
  switch (op) {
  case C2OP__UNARY_COPY: return &c2op__copy__scalar;
  case C2OP__UNARY_NEG_INT: return neg && li >= 0 ? neg->neg[li] : NULL;
  case C2OP__UNARY_NEG_FLOAT: return neg && li >= 0 ? neg->signflip[li] : NULL;
  case C2OP__UNARY_ADD_INT:
    switch (lane_bytes) {
    case 1: return &c2op__x8_add__scalar;
    case 2: return &c2op__x16_add__scalar;
    case 4: return &c2op__x32_add__scalar;
    case 8: return &c2op__x64_add__scalar;
    default: return NULL;
    }
  case C2OP__UNARY_ADD_FLOAT:
    return lane_bytes == 4   ? &c2op__f32_add__scalar
           : lane_bytes == 8 ? &c2op__f64_add__scalar
                             : NULL;
  case C2OP__UNARY_ADD_HALF: return &c2op__f16_add__scalar;
  case C2OP__UNARY_ADD_BFLOAT: return &c2op__bf16_add__scalar;
  }
  return NULL;
}

const c2op__unary_kernel *c2op__cpu_unary_kernel(c2op__unary_op op, size_t lane_bytes) {
  /* The negation kernels of the ISA in use, looked up once. */
  static _Atomic(const c2op__negate_kernels *) table;
  const c2op__negate_kernels *t = atomic_load_explicit(&table, memory_order_acquire);
  if (!t) {
    t = c2op__cpu_negate_kernels(c2op__cpu_isa());
    atomic_store_explicit(&table, t, memory_order_release);
  }
  const int li = lane_index(lane_bytes);
  if (op == C2OP__UNARY_NEG_FLOAT && li >= 0) return t->signflip[li];
  if (op == C2OP__UNARY_NEG_INT && li >= 0) return t->neg[li];
  return c2op__cpu_unary_kernel_isa(c2op__cpu_isa(), op, lane_bytes);
}
