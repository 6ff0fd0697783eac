/* add_scalar.c - accumulation kernels y += x, used by the Sum op.
 *
 * Integers add modulo 2^bits (through unsigned types, no undefined
 * behaviour); float32/float64 (and complex parts) add in their own type;
 * float16 and bfloat16 add in float32 and round once to nearest even. The
 * float additions work on raw bits through core/float_bits.h, which the
 * CUDA kernels share: its NaN rule (Sum returns the first NaN of its
 * inputs in order) holds on every machine and on both backends. */
#include <string.h>

#include "core/float_bits.h"
#include "cpu/kernels.h"

#define LANES(elem_size, lane) ((int64_t)((elem_size) / (lane)))

#define ADD_KERNELS(NAME, T, LANE, EXPR)                                       \
  static void NAME##_contig(const void *x, void *y, int64_t n, size_t elem_size) { \
    const T *a = x;                                                            \
    T *b = y;                                                                  \
    n *= LANES(elem_size, LANE);                                               \
    for (int64_t i = 0; i < n; i++) {                                          \
      T u = a[i], v = b[i];                                                    \
      b[i] = (T)(EXPR);                                                        \
    }                                                                          \
  }                                                                            \
  static void NAME##_strided(const char *x, int64_t sx, char *y, int64_t sy, int64_t n, \
                             size_t elem_size) {                               \
    const int64_t lanes = LANES(elem_size, LANE);                              \
    for (int64_t i = 0; i < n; i++, x += sx, y += sy) {                        \
      for (int64_t l = 0; l < lanes; l++) {                                    \
        T u, v;                                                                \
        memcpy(&u, x + l * (int64_t)sizeof(T), sizeof u);                      \
        memcpy(&v, y + l * (int64_t)sizeof(T), sizeof v);                      \
        v = (T)(EXPR);                                                         \
        memcpy(y + l * (int64_t)sizeof(T), &v, sizeof v);                      \
      }                                                                        \
    }                                                                          \
  }                                                                            \
  const c2op__unary_kernel c2op__##NAME##__scalar = {#NAME "__scalar", NAME##_contig, \
                                                     NAME##_strided, NULL, NULL, NULL, NULL, \
                                                     NULL};

ADD_KERNELS(x8_add, uint8_t, 1, (unsigned)u + v)
ADD_KERNELS(x16_add, uint16_t, 2, (unsigned)u + v)
ADD_KERNELS(x32_add, uint32_t, 4, u + v)
ADD_KERNELS(x64_add, uint64_t, 8, u + v)
ADD_KERNELS(f32_add, uint32_t, 4, c2op__add_f32_bits(u, v))
ADD_KERNELS(f64_add, uint64_t, 8, c2op__add_f64_bits(u, v))
ADD_KERNELS(f16_add, uint16_t, 2, c2op__add_f16_bits(u, v))
ADD_KERNELS(bf16_add, uint16_t, 2, c2op__add_bf16_bits(u, v))
