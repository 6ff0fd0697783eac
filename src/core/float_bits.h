/* float_bits.h - Sum's floating-point additions on raw bits, and the
 * float16/bfloat16 conversions they use (internal).
 *
 * One source for the CPU kernels (src/cpu/add_scalar.c, C) and the CUDA
 * kernels (src/cuda/elementwise.cuh, CUDA C++, where every function is also
 * device code), so that the two backends give the same bits by
 * construction.
 *
 * The additions compute y + x, x being the addend and y the running sum.
 * Their NaN rule, the same on every machine: when y is a NaN it stays
 * (quieted); else when x is one, x's comes back quieted; an invalid
 * addition (inf - inf) gives the default NaN with the sign bit set
 * (x86-64's). So Sum returns the first NaN of its inputs in their order,
 * or the one an invalid addition made first. Left to the hardware, which
 * of two NaNs comes back depends on how the compiler ordered `y + x` (x86)
 * or is a canonical NaN (GPUs). float16 and bfloat16 add in float32 and
 * round once to nearest even. */
#ifndef C2OP_CORE_FLOAT_BITS_H
#define C2OP_CORE_FLOAT_BITS_H

#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define C2OP__BITS_FN static __host__ __device__ __forceinline__
#else
#define C2OP__BITS_FN static inline
#endif

C2OP__BITS_FN float c2op__f32_of_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
C2OP__BITS_FN uint32_t c2op__bits_of_f32(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
C2OP__BITS_FN double c2op__f64_of_bits(uint64_t u) {
  double f;
  memcpy(&f, &u, sizeof f);
  return f;
}
C2OP__BITS_FN uint64_t c2op__bits_of_f64(double f) {
  uint64_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* float16 -> float32 bits, exact. */
C2OP__BITS_FN uint32_t c2op__f32_bits_of_half(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) /* zero or subnormal, exact */
    return c2op__bits_of_f32((float)mant * 0x1p-24f) | sign;
  if (exp == 31) return sign | 0x7f800000u | (mant << 13);
  return sign | ((exp + 112u) << 23) | (mant << 13);
}

/* float32 bits -> float16, to nearest even; a NaN keeps the top of its
 * payload and comes back quieted. */
C2OP__BITS_FN uint16_t c2op__half_of_f32_bits(uint32_t x) {
  const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((x >> 13) & 0x3ffu)); /* NaN */
  if (x >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds to infinity */
  if (x < 0x38800000u) {                                    /* half subnormal or zero */
    float v = c2op__f32_of_bits(x) * 0x1p24f;               /* exact */
    v = (v + 0x1p23f) - 0x1p23f;                            /* round to nearest even */
    return (uint16_t)(sign | (uint16_t)v);
  }
  x -= 0x38000000u; /* exponent bias 127 -> 15 */
  return (uint16_t)(sign | ((x + 0xfffu + ((x >> 13) & 1u)) >> 13));
}

/* float32 bits -> bfloat16, to nearest even; a NaN comes back quieted. */
C2OP__BITS_FN uint16_t c2op__bf16_of_f32_bits(uint32_t x) {
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
  return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

/* y + x in float32 bits, with the NaN rule above. */
C2OP__BITS_FN uint32_t c2op__add_f32_bits(uint32_t x, uint32_t y) {
  if ((y & 0x7fffffffu) > 0x7f800000u) return y | 0x00400000u;
  if ((x & 0x7fffffffu) > 0x7f800000u) return x | 0x00400000u;
  const uint32_t r = c2op__bits_of_f32(c2op__f32_of_bits(x) + c2op__f32_of_bits(y));
  return (r & 0x7fffffffu) > 0x7f800000u ? 0xffc00000u : r;
}

/* y + x in float64 bits, with the NaN rule above. */
C2OP__BITS_FN uint64_t c2op__add_f64_bits(uint64_t x, uint64_t y) {
  const uint64_t abs_mask = 0x7fffffffffffffffull, inf = 0x7ff0000000000000ull,
                 quiet = 0x0008000000000000ull;
  if ((y & abs_mask) > inf) return y | quiet;
  if ((x & abs_mask) > inf) return x | quiet;
  const uint64_t r = c2op__bits_of_f64(c2op__f64_of_bits(x) + c2op__f64_of_bits(y));
  return (r & abs_mask) > inf ? 0xfff8000000000000ull : r;
}

/* y + x in float16: in float32, rounded once. */
C2OP__BITS_FN uint16_t c2op__add_f16_bits(uint16_t x, uint16_t y) {
  return c2op__half_of_f32_bits(
      c2op__add_f32_bits(c2op__f32_bits_of_half(x), c2op__f32_bits_of_half(y)));
}

/* y + x in bfloat16: in float32, rounded once. */
C2OP__BITS_FN uint16_t c2op__add_bf16_bits(uint16_t x, uint16_t y) {
  return c2op__bf16_of_f32_bits(c2op__add_f32_bits((uint32_t)x << 16, (uint32_t)y << 16));
}

#endif
