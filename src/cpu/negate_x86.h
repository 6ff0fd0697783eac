/* negate_x86.h - SSE2 pieces shared by the x86 negation kernels (internal).
 *
 * Included by negate_sse2.c, negate_avx2.c and negate_avx512.c, each built
 * with its own ISA flags; everything here is static, so each file gets its
 * own copy compiled for its ISA. */
#ifndef C2OP_CPU_NEGATE_X86_H
#define C2OP_CPU_NEGATE_X86_H

#include <emmintrin.h>
#include <xmmintrin.h>

#include "cpu/negate_common.h"

/* The streaming loops run one stream, or two a page apart
 * (c2op__stream_pairs), prefetching this many bytes ahead of each
 * (measured: docs/PERFORMANCE.md). */
#define C2OP__PAGE ((size_t)4096)
#define C2OP__PREFETCH 128

/* The op on a 16-byte vector. */
C2OP__INLINE __m128i c2op__neg128(c2op__neg_kind kind, __m128i v) {
  const __m128i z = _mm_setzero_si128();
  switch (kind) {
  case C2OP__NEG_X8: return _mm_sub_epi8(z, v);
  case C2OP__NEG_X16: return _mm_sub_epi16(z, v);
  case C2OP__NEG_X32: return _mm_sub_epi32(z, v);
  case C2OP__NEG_X64: return _mm_sub_epi64(z, v);
  case C2OP__FLIP_X16: return _mm_xor_si128(v, _mm_set1_epi16((short)0x8000));
  case C2OP__FLIP_X32: return _mm_xor_si128(v, _mm_set1_epi32((int)0x80000000u));
  case C2OP__FLIP_X64: return _mm_xor_si128(v, _mm_set1_epi64x((long long)0x8000000000000000ull));
  }
  return v;
}

/* Fewer than 32 bytes (a multiple of the lane), any alignment, x == y
 * allowed. Each size class loads a head and a tail piece that may overlap,
 * then stores both: every load comes before every store, so the overlap is
 * safe in place, and lanes line up because both offsets are multiples of
 * the lane. */
C2OP__INLINE void c2op__negate_small_x86(c2op__neg_kind kind, const uint8_t *x, uint8_t *y,
                                         size_t bytes) {
  if (bytes >= 16) {
    const __m128i a = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)x));
    const __m128i b = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)(x + bytes - 16)));
    _mm_storeu_si128((__m128i *)y, a);
    _mm_storeu_si128((__m128i *)(y + bytes - 16), b);
  } else if (bytes >= 8) {
    const __m128i a = c2op__neg128(kind, _mm_loadl_epi64((const __m128i *)x));
    const __m128i b = c2op__neg128(kind, _mm_loadl_epi64((const __m128i *)(x + bytes - 8)));
    _mm_storel_epi64((__m128i *)y, a);
    _mm_storel_epi64((__m128i *)(y + bytes - 8), b);
  } else if (bytes >= 4) {
    uint32_t u, v;
    memcpy(&u, x, 4);
    memcpy(&v, x + bytes - 4, 4);
    u = (uint32_t)_mm_cvtsi128_si32(c2op__neg128(kind, _mm_cvtsi32_si128((int)u)));
    v = (uint32_t)_mm_cvtsi128_si32(c2op__neg128(kind, _mm_cvtsi32_si128((int)v)));
    memcpy(y, &u, 4);
    memcpy(y + bytes - 4, &v, 4);
  } else if (bytes >= 2) {
    uint16_t u, v;
    memcpy(&u, x, 2);
    memcpy(&v, x + bytes - 2, 2);
    u = (uint16_t)_mm_cvtsi128_si32(c2op__neg128(kind, _mm_cvtsi32_si128(u)));
    v = (uint16_t)_mm_cvtsi128_si32(c2op__neg128(kind, _mm_cvtsi32_si128(v)));
    memcpy(y, &u, 2);
    memcpy(y + bytes - 2, &v, 2);
  } else if (bytes == 1) {
    y[0] = (uint8_t)(0u - x[0]); /* only 1-byte lanes have 1 byte */
  }
}

/* Fewer than 64 bytes (a multiple of the lane), any alignment, x == y
 * allowed: the partial cache lines at both ends of a streaming pass. */
C2OP__INLINE void c2op__negate_upto64_x86(c2op__neg_kind kind, const uint8_t *x, uint8_t *y,
                                          size_t bytes) {
  if (bytes < 32) {
    c2op__negate_small_x86(kind, x, y, bytes);
    return;
  }
  const __m128i a = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)x));
  const __m128i b = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)(x + 16)));
  const __m128i c = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)(x + bytes - 32)));
  const __m128i d = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)(x + bytes - 16)));
  _mm_storeu_si128((__m128i *)y, a);
  _mm_storeu_si128((__m128i *)(y + 16), b);
  _mm_storeu_si128((__m128i *)(y + bytes - 32), c);
  _mm_storeu_si128((__m128i *)(y + bytes - 16), d);
}

/* 1 when the main loop of a regular pass from x to y should run from its
 * last vector down to its first. A load whose address matches a pending
 * store's in its low 12 bits waits for that store (4K aliasing): run
 * forward with y a little past x modulo 4 KiB, each load meets the stores
 * of the steps just before it. Measured here (AVX2, docs/PERFORMANCE.md,
 * "4K aliasing"): y 64-448 bytes past x, 20-25% slower at 64 KiB and
 * 13-16% at 256 KiB, and nothing from about 576 bytes on; run backward,
 * the same happens with x a little past y, and a backward pass where
 * forward has no penalty is 1-3% slower. So the loop runs backward when y
 * is 1 to C2OP__BACKWARD_MAX bytes past x. x == y (in place) runs forward;
 * x and y are otherwise disjoint (the driver copies a partly overlapping x
 * away first), so either order is safe. */
#define C2OP__BACKWARD_MAX 512
C2OP__INLINE int c2op__run_backward(const uint8_t *x, const uint8_t *y) {
  const size_t d = (size_t)((uintptr_t)y - (uintptr_t)x) & (C2OP__PAGE - 1);
  return d - 1 < C2OP__BACKWARD_MAX; /* 1 <= d <= C2OP__BACKWARD_MAX; d == 0 wraps */
}

/* The middle of a regular pass: whole V-byte vectors from byte `i` of x
 * and y while they fit in `bytes`, four at a time through STEP4(kind, x, y,
 * at, down) and then one at a time through STEP1(kind, x, y, at); forward,
 * or, unless `fwd` is 1 (contig_fwd), last vector first when
 * c2op__run_backward says so (STEP4 then takes its four highest first:
 * `down` is 1). One definition for the SSE2, AVX2 and AVX-512 bodies, each
 * with its own vector width and steps. */
#define C2OP__NEGATE_MIDDLE(V, STEP4, STEP1, kind, x, y, i, bytes, fwd)                            \
  do {                                                                                             \
    if (!(fwd) && c2op__run_backward((x), (y))) {                                                  \
      /* the same whole vectors as forward, from the last */                                       \
      size_t c2op_j_ = (i) + (((bytes) - (i)) & ~(size_t)((V)-1));                                 \
      for (; c2op_j_ >= (i) + 4 * (size_t)(V); c2op_j_ -= 4 * (size_t)(V))                         \
        STEP4((kind), (x), (y), c2op_j_ - 4 * (size_t)(V), 1);                                     \
      for (; c2op_j_ >= (i) + (size_t)(V); c2op_j_ -= (size_t)(V))                                 \
        STEP1((kind), (x), (y), c2op_j_ - (size_t)(V));                                            \
    } else {                                                                                       \
      size_t c2op_i_ = (i);                                                                        \
      for (; c2op_i_ + 4 * (size_t)(V) <= (bytes); c2op_i_ += 4 * (size_t)(V))                     \
        STEP4((kind), (x), (y), c2op_i_, 0);                                                       \
      for (; c2op_i_ + (size_t)(V) <= (bytes); c2op_i_ += (size_t)(V))                             \
        STEP1((kind), (x), (y), c2op_i_);                                                          \
    }                                                                                              \
  } while (0)

/* The same for the streaming loop, whose window is narrower: its steps
 * take STEP bytes of each of two streams a page apart (AVX2 and AVX-512
 * 128, SSE2 64), with non-temporal stores, and a forward pass pays only
 * when y is less than two steps past x. Measured here (in-process A/B of
 * the kernels, 4 MiB, backward over forward; docs/PERFORMANCE.md, "4K
 * aliasing"): AVX2 1.14-1.33x with y 32-160 bytes past x and 0.95-1.16x at
 * 192-224, while from 256 on forward has no penalty; SSE2 1.64-1.95x at
 * 32-96, and from 128 on backward cost 3-11%. So the loop runs backward
 * when y is 1 to 2 * STEP - 1 bytes past x. */
C2OP__INLINE int c2op__stream_backward(const uint8_t *x, const uint8_t *y, size_t step) {
  const size_t d = (size_t)((uintptr_t)y - (uintptr_t)x) & (C2OP__PAGE - 1);
  return d - 1 < 2 * step - 1;
}

/* Prefetches the line `ahead` bytes after p, or before it when `down`. The
 * address may lie outside x (harmless to prefetch), so it is computed as
 * an integer. */
C2OP__INLINE void c2op__prefetch_x86(const uint8_t *p, size_t ahead, int down) {
  const uintptr_t a = down ? (uintptr_t)p - ahead : (uintptr_t)p + ahead;
  _mm_prefetch((const char *)a, _MM_HINT_T0);
}

/* The whole lines [i, end) of a streaming pass (end - i a multiple of 64):
 * when c2op__stream_pairs is 1, two streams a page apart, STEP bytes of
 * each at a time through PAIR(kind, x, y, at, nt, down), while two pages
 * remain; then (or throughout, with one stream) single lines through
 * LINE(kind, x, y, at, nt, down). Forward, or, when may_reverse
 * is 1 (the pass runs on one thread: cpu/kernels.h, contig_nt_shared), from
 * the last line down when c2op__stream_backward says so (`down` 1: the steps then take
 * their vectors highest first and prefetch behind them, the nearer line
 * first: prefetched farther line first, the backward AVX2 loop ran 10%
 * slower at 16 MiB than with the forward loop's order). One definition for
 * the SSE2, AVX2 and AVX-512 bodies. */
#define C2OP__STREAM_LINES(STEP, PAIR, LINE, kind, x, y, i, end, nt, may_reverse)                \
  do {                                                                                             \
    const int c2op_pairs_ = atomic_load_explicit(&c2op__stream_pairs, memory_order_relaxed);       \
    if ((may_reverse) && c2op__stream_backward((x), (y), (STEP))) {                                \
      const size_t c2op_b_ =                                                                       \
          c2op_pairs_ ? (i) + ((end) - (i)) / (2 * C2OP__PAGE) * (2 * C2OP__PAGE) : (i);           \
      for (size_t c2op_j_ = (end); c2op_j_ > c2op_b_;) {                                           \
        c2op_j_ -= 64;                                                                             \
        LINE((kind), (x), (y), c2op_j_, (nt), 1);                                                  \
      }                                                                                            \
      for (size_t c2op_j_ = c2op_b_; c2op_j_ > (i);) {                                             \
        c2op_j_ -= 2 * C2OP__PAGE;                                                                 \
        for (size_t c2op_o_ = C2OP__PAGE; c2op_o_ > 0;) {                                          \
          c2op_o_ -= (STEP);                                                                       \
          PAIR((kind), (x), (y), c2op_j_ + c2op_o_, (nt), 1);                                      \
        }                                                                                          \
      }                                                                                            \
    } else {                                                                                       \
      size_t c2op_i_ = (i);                                                                        \
      for (; c2op_pairs_ && c2op_i_ + 2 * C2OP__PAGE <= (end); c2op_i_ += 2 * C2OP__PAGE)          \
        for (size_t c2op_o_ = 0; c2op_o_ < C2OP__PAGE; c2op_o_ += (STEP))                          \
          PAIR((kind), (x), (y), c2op_i_ + c2op_o_, (nt), 0);                                      \
      for (; c2op_i_ + 64 <= (end); c2op_i_ += 64)                                                 \
        LINE((kind), (x), (y), c2op_i_, (nt), 0);                                                  \
    }                                                                                              \
  } while (0)

/* Where a streaming pass over y[0, bytes) writes whole cache lines: from
 * y's first 64-byte boundary to its last. Lines at both ends that the pass
 * covers only in part are written with regular stores: a non-temporal store
 * of part of a line, next to a regular store into the same line (the next
 * row of a padded tensor, say), forces a slow partial write-back. Returns 0
 * when y is not lane-aligned, or when the pass is short (under 256 bytes)
 * and not exactly whole lines (the driver streams single lines it gathered
 * from two rows: cpu/unary_cpu.c). */
C2OP__INLINE int c2op__stream_span(const uint8_t *y, size_t bytes, size_t lane, size_t *begin,
                                   size_t *end) {
  if (((uintptr_t)y & (lane - 1)) != 0) return 0;
  if (bytes < 256 && (bytes == 0 || (((uintptr_t)y | bytes) & 63) != 0)) return 0;
  *begin = (size_t)(-(uintptr_t)y & 63); /* a whole number of lanes */
  *end = *begin + ((bytes - *begin) & ~(size_t)63);
  return 1;
}

#endif
