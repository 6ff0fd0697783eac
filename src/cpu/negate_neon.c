/* negate_neon.c - negation kernels on 16-byte AArch64 Advanced SIMD
 * vectors (mandatory on AArch64, so always available there). Same shape as
 * the x86 bodies (see negate_sse2.c); below one vector, lane by lane. No
 * streaming variant. */
#if defined(__aarch64__)

#include <arm_neon.h>

#include "cpu/negate_common.h"

C2OP__INLINE uint8x16_t neg_q(c2op__neg_kind kind, uint8x16_t v) {
  switch (kind) {
  case C2OP__NEG_X8: return vsubq_u8(vdupq_n_u8(0), v);
  case C2OP__NEG_X16:
    return vreinterpretq_u8_u16(vsubq_u16(vdupq_n_u16(0), vreinterpretq_u16_u8(v)));
  case C2OP__NEG_X32:
    return vreinterpretq_u8_u32(vsubq_u32(vdupq_n_u32(0), vreinterpretq_u32_u8(v)));
  case C2OP__NEG_X64:
    return vreinterpretq_u8_u64(vsubq_u64(vdupq_n_u64(0), vreinterpretq_u64_u8(v)));
  case C2OP__FLIP_X16:
    return vreinterpretq_u8_u16(veorq_u16(vreinterpretq_u16_u8(v), vdupq_n_u16(0x8000u)));
  case C2OP__FLIP_X32:
    return vreinterpretq_u8_u32(veorq_u32(vreinterpretq_u32_u8(v), vdupq_n_u32(0x80000000u)));
  case C2OP__FLIP_X64:
    return vreinterpretq_u8_u64(
        veorq_u64(vreinterpretq_u64_u8(v), vdupq_n_u64(0x8000000000000000ull)));
  }
  return v;
}

C2OP__INLINE void negate_neon(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t bytes,
                              int streaming) {
  (void)streaming;
  if (bytes < 16) {
    c2op__negate_lanes(kind, x, y, bytes);
    return;
  }
  const size_t lane = c2op__neg_lane(kind);
  const uint8x16_t head = neg_q(kind, vld1q_u8(x));
  const uint8x16_t tail = neg_q(kind, vld1q_u8(x + bytes - 16));
  size_t i = ((uintptr_t)y & (lane - 1)) == 0 ? (size_t)(-(uintptr_t)y & 15) : 0;
  for (; i + 64 <= bytes; i += 64) {
    uint8x16_t a = vld1q_u8(x + i), b = vld1q_u8(x + i + 16);
    uint8x16_t c = vld1q_u8(x + i + 32), d = vld1q_u8(x + i + 48);
    vst1q_u8(y + i, neg_q(kind, a));
    vst1q_u8(y + i + 16, neg_q(kind, b));
    vst1q_u8(y + i + 32, neg_q(kind, c));
    vst1q_u8(y + i + 48, neg_q(kind, d));
  }
  for (; i + 16 <= bytes; i += 16)
    vst1q_u8(y + i, neg_q(kind, vld1q_u8(x + i)));
  vst1q_u8(y, head);
  vst1q_u8(y + bytes - 16, tail);
}

/* No streaming kernels on NEON, so no pair is ever called: this only
 * completes the kernel macros. */
C2OP__INLINE void negate_neon_pair(c2op__neg_kind kind, const uint8_t *x0, uint8_t *y0,
                                   const uint8_t *x1, uint8_t *y1, size_t bytes) {
  negate_neon(kind, x0, y0, bytes, 0);
  negate_neon(kind, x1, y1, bytes, 0);
}

C2OP__NEGATE_KERNELS(neon, negate_neon, 0, 0, 64)

#else
/* Not an AArch64 target: nothing to build (ISO C wants a declaration). */
typedef int c2op__no_neon_kernels;
#endif
