/* add_scalar.c - accumulation kernels y += x, used by the Sum op.
 *
 * Integers add modulo 2^bits (through unsigned types, no undefined
 * behaviour); float32/float64 (and complex parts) add in their own type;
 * float16 and bfloat16 add in float32 and round once to nearest even.
 *
 * NaN results follow one rule, the same on every machine and in the CUDA
 * kernels (src/cuda/elementwise.cuh): when the running sum y is a NaN, it
 * stays (quieted); else when the addend x is one, x's comes back quieted;
 * an invalid addition (inf - inf) gives the default NaN with the sign bit
 * set (x86-64's). So Sum returns the first NaN of its inputs in their
 * order, or the one an invalid addition made first. Left to `y + x`, which
 * of two NaNs came back depended on how the compiler ordered the operands
 * in each loop. */
#include <string.h>

#include "cpu/kernels.h"

#define LANES(elem_size, lane) ((int64_t)((elem_size) / (lane)))

static float f32_from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
static uint32_t bits_from_f32(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {
    float v = (float)mant * 0x1p-24f; /* zero or subnormal, exact */
    return f32_from_bits(bits_from_f32(v) | sign);
  }
  if (exp == 31) return f32_from_bits(sign | 0x7f800000u | (mant << 13));
  return f32_from_bits(sign | ((exp + 112u) << 23) | (mant << 13));
}

static uint16_t float_to_half(float f) {
  uint32_t x = bits_from_f32(f);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((x >> 13) & 0x3ffu)); /* NaN */
  if (x >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds to infinity */
  if (x < 0x38800000u) {                                    /* half subnormal or zero */
    float v = f32_from_bits(x) * 0x1p24f;                   /* exact */
    v = (v + 0x1p23f) - 0x1p23f;                            /* round to nearest even */
    return (uint16_t)(sign | (uint16_t)v);
  }
  x -= 0x38000000u; /* rebias the exponent from 127 to 15 */
  return (uint16_t)(sign | ((x + 0xfffu + ((x >> 13) & 1u)) >> 13));
}

static float bf16_to_float(uint16_t b) { return f32_from_bits((uint32_t)b << 16); }

static uint16_t float_to_bf16(float f) {
  uint32_t x = bits_from_f32(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
  return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

/* Floating-point additions with the NaN rule above: v is the running sum,
 * u the addend. */
static float add_f32(float u, float v) {
  const uint32_t ub = bits_from_f32(u), vb = bits_from_f32(v);
  if ((vb & 0x7fffffffu) > 0x7f800000u) return f32_from_bits(vb | 0x00400000u);
  if ((ub & 0x7fffffffu) > 0x7f800000u) return f32_from_bits(ub | 0x00400000u);
  const float r = u + v;
  return r != r ? f32_from_bits(0xffc00000u) : r;
}

static double add_f64(double u, double v) {
  uint64_t ub, vb;
  memcpy(&ub, &u, sizeof ub);
  memcpy(&vb, &v, sizeof vb);
  const uint64_t abs_mask = 0x7fffffffffffffffull, inf = 0x7ff0000000000000ull,
                 quiet = 0x0008000000000000ull;
  uint64_t rb;
  if ((vb & abs_mask) > inf)
    rb = vb | quiet;
  else if ((ub & abs_mask) > inf)
    rb = ub | quiet;
  else {
    const double r = u + v;
    if (r == r) return r;
    rb = 0xfff8000000000000ull;
  }
  double r;
  memcpy(&r, &rb, sizeof r);
  return r;
}

static uint16_t add_f16(uint16_t u, uint16_t v) {
  if ((v & 0x7fffu) > 0x7c00u) return (uint16_t)(v | 0x0200u);
  if ((u & 0x7fffu) > 0x7c00u) return (uint16_t)(u | 0x0200u);
  return float_to_half(add_f32(half_to_float(u), half_to_float(v)));
}

static uint16_t add_bf16(uint16_t u, uint16_t v) {
  if ((v & 0x7fffu) > 0x7f80u) return (uint16_t)(v | 0x0040u);
  if ((u & 0x7fffu) > 0x7f80u) return (uint16_t)(u | 0x0040u);
  return float_to_bf16(add_f32(bf16_to_float(u), bf16_to_float(v)));
}

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
                                                     NAME##_strided, NULL, NULL, NULL};

ADD_KERNELS(x8_add, uint8_t, 1, (unsigned)u + v)
ADD_KERNELS(x16_add, uint16_t, 2, (unsigned)u + v)
ADD_KERNELS(x32_add, uint32_t, 4, u + v)
ADD_KERNELS(x64_add, uint64_t, 8, u + v)
ADD_KERNELS(f32_add, float, 4, add_f32(u, v))
ADD_KERNELS(f64_add, double, 8, add_f64(u, v))
ADD_KERNELS(f16_add, uint16_t, 2, add_f16(u, v))
ADD_KERNELS(bf16_add, uint16_t, 2, add_bf16(u, v))
