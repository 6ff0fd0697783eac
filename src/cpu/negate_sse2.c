/* negate_sse2.c - negation kernels on 16-byte SSE2 vectors (x86-64's
 * baseline). Built with the compiler's default x86 flags.
 *
 * Every x86 body has the same shape: below one vector, the overlapping
 * head/tail pieces of c2op__negate_small_x86; else the first and the last
 * vector are loaded (and negated) before anything is stored, the middle runs
 * from y's first vector-aligned byte in steps of four vectors (forward, or
 * backward when y is just past x modulo the page: C2OP__NEGATE_MIDDLE in
 * negate_x86.h), and the first and last vectors are stored at the end
 * where the middle's whole vectors did not cover them (the head when y
 * was not vector-aligned, the tail when the middle stopped short of the
 * last byte). Loads always come before the stores of the same bytes, so
 * x == y (in place) is safe, and no scalar tail loop is needed. The
 * streaming variant writes the whole cache lines of y with non-temporal
 * stores and the partial lines at its ends with regular ones, and leaves
 * the store fence to the driver (cpu/kernels.h). */
#if defined(__x86_64__) || defined(__i386__)

#include "cpu/negate_common.h"
#include "cpu/negate_x86.h"

/* A store into a line of y: non-temporal, or regular (aligned). */
C2OP__INLINE void store_line128(int nt, __m128i *p, __m128i v) {
  if (nt)
    _mm_stream_si128(p, v);
  else
    _mm_store_si128(p, v);
}

/* One step of the streaming loop: a line at byte `at` of x and y and one a
 * page further (see negate_avx2.c). */
C2OP__INLINE void stream_pair_sse2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t at,
                                   int nt, int down) {
  const uint8_t *s[2] = {x + at, x + at + C2OP__PAGE};
  uint8_t *d[2] = {y + at, y + at + C2OP__PAGE};
  __m128i v[2][4];
  for (int t = 0; t < 2; t++) c2op__prefetch_x86(s[t], C2OP__PREFETCH, down);
  for (int t = 0; t < 2; t++)
    for (int n = 0; n < 4; n++) {
      const int k = down ? 3 - n : n;
      v[t][k] = _mm_loadu_si128((const __m128i *)(s[t] + 16 * k));
    }
  for (int t = 0; t < 2; t++)
    for (int n = 0; n < 4; n++) {
      const int k = down ? 3 - n : n;
      store_line128(nt, (__m128i *)(d[t] + 16 * k), c2op__neg128(kind, v[t][k]));
    }
}

/* One line of the streaming loop. */
C2OP__INLINE void stream_line_sse2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t at,
                                   int nt, int down) {
  c2op__prefetch_x86(x + at, C2OP__PREFETCH, down);
  __m128i v[4];
  for (int k = 0; k < 4; k++) v[k] = _mm_loadu_si128((const __m128i *)(x + at + 16 * k));
  for (int k = 0; k < 4; k++)
    store_line128(nt, (__m128i *)(y + at + 16 * k), c2op__neg128(kind, v[k]));
}

/* The streaming pass: see negate_avx2.c. */
C2OP__INLINE void stream_sse2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i,
                              size_t end, size_t bytes, int nt, int may_reverse) {
  c2op__negate_upto64_x86(kind, x, y, i);
  C2OP__STREAM_LINES(64, stream_pair_sse2, stream_line_sse2, kind, x, y, i, end, nt,
                     may_reverse);
  c2op__negate_upto64_x86(kind, x + end, y + end, bytes - end);
}

/* Two streams of whole lines (cpu/kernels.h: contig_nt_pair). */
C2OP__INLINE void negate_sse2_pair(c2op__neg_kind kind, const uint8_t *x0, uint8_t *y0,
                                   const uint8_t *x1, uint8_t *y1, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64) {
    _mm_prefetch((const char *)x0 + i + C2OP__PREFETCH, _MM_HINT_T0);
    _mm_prefetch((const char *)x1 + i + C2OP__PREFETCH, _MM_HINT_T0);
    for (size_t k = 0; k < 64; k += 16) {
      const __m128i a = _mm_loadu_si128((const __m128i *)(x0 + i + k));
      const __m128i b = _mm_loadu_si128((const __m128i *)(x1 + i + k));
      _mm_stream_si128((__m128i *)(y0 + i + k), c2op__neg128(kind, a));
      _mm_stream_si128((__m128i *)(y1 + i + k), c2op__neg128(kind, b));
    }
  }
}

/* One vector from byte i of x to byte i of y. */
C2OP__INLINE void step1_sse2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i) {
  _mm_storeu_si128((__m128i *)(y + i),
                   c2op__neg128(kind, _mm_loadu_si128((const __m128i *)(x + i))));
}

/* Four vectors from byte i of x to byte i of y, all loads first; `down`
 * takes them highest first (see negate_avx2.c). */
C2OP__INLINE void step4_sse2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i,
                             int down) {
  __m128i v[4];
  for (int n = 0; n < 4; n++) {
    const int k = down ? 3 - n : n;
    v[k] = _mm_loadu_si128((const __m128i *)(x + i + 16 * k));
  }
  for (int n = 0; n < 4; n++) {
    const int k = down ? 3 - n : n;
    _mm_storeu_si128((__m128i *)(y + i + 16 * k), c2op__neg128(kind, v[k]));
  }
}

C2OP__INLINE void negate_sse2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t bytes,
                              int streaming) {
  size_t begin, end;
  if (streaming && streaming != C2OP__REGULAR_FORWARD &&
      c2op__stream_span(y, bytes, c2op__neg_lane(kind), &begin, &end)) {
    stream_sse2(kind, x, y, begin, end, bytes, streaming != 2, streaming == 1);
    return;
  }
  if (bytes < 16) {
    c2op__negate_small_x86(kind, x, y, bytes);
    return;
  }
  const size_t lane = c2op__neg_lane(kind);
  const __m128i head = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)x));
  const __m128i tail = c2op__neg128(kind, _mm_loadu_si128((const __m128i *)(x + bytes - 16)));
  /* From y's first 16-byte boundary when y is lane-aligned (a whole number
   * of lanes away), else from 0. */
  size_t i = ((uintptr_t)y & (lane - 1)) == 0 ? (size_t)(-(uintptr_t)y & 15) : 0;
  C2OP__NEGATE_MIDDLE(16, step4_sse2, step1_sse2, kind, x, y, i, bytes,
                      streaming == C2OP__REGULAR_FORWARD);
  /* (each only where the middle's whole vectors leave bytes to it) */
  if (i != 0) _mm_storeu_si128((__m128i *)y, head);
  if ((bytes - i) & 15) _mm_storeu_si128((__m128i *)(y + bytes - 16), tail);
}

C2OP__NEGATE_KERNELS(sse2, negate_sse2, 1, 1, 64)

#else
/* Not an x86 target: nothing to build (ISO C wants a declaration). */
typedef int c2op__no_x86_kernels;
#endif
