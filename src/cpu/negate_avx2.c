/* negate_avx2.c - negation kernels on 32-byte AVX2 vectors. Built with
 * -mavx2 (cmake/isa.cmake); called only when cpuid reports AVX2. The shape
 * of the body is described in negate_sse2.c. */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "cpu/negate_common.h"
#include "cpu/negate_x86.h"

C2OP__INLINE __m256i neg256(c2op__neg_kind kind, __m256i v) {
  const __m256i z = _mm256_setzero_si256();
  switch (kind) {
  case C2OP__NEG_X8: return _mm256_sub_epi8(z, v);
  case C2OP__NEG_X16: return _mm256_sub_epi16(z, v);
  case C2OP__NEG_X32: return _mm256_sub_epi32(z, v);
  case C2OP__NEG_X64: return _mm256_sub_epi64(z, v);
  case C2OP__FLIP_X16: return _mm256_xor_si256(v, _mm256_set1_epi16((short)0x8000));
  case C2OP__FLIP_X32: return _mm256_xor_si256(v, _mm256_set1_epi32((int)0x80000000u));
  case C2OP__FLIP_X64:
    return _mm256_xor_si256(v, _mm256_set1_epi64x((long long)0x8000000000000000ull));
  }
  return v;
}

/* A store into a line of y: non-temporal, or regular (aligned). */
C2OP__INLINE void store_line256(int nt, __m256i *p, __m256i v) {
  if (nt)
    _mm256_stream_si256(p, v);
  else
    _mm256_store_si256(p, v);
}

/* One step of the streaming loop: 128 bytes at byte `at` of x and y and
 * the same a page further, prefetching the next two lines of each stream
 * (behind them when `down`, which also takes the vectors highest first). */
C2OP__INLINE void stream_pair_avx2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t at,
                                   int nt, int down) {
  const uint8_t *s[2] = {x + at, x + at + C2OP__PAGE};
  uint8_t *d[2] = {y + at, y + at + C2OP__PAGE};
  __m256i v[2][4];
  for (int t = 0; t < 2; t++) { /* the nearer line first, either way */
    c2op__prefetch_x86(s[t], down ? C2OP__PREFETCH - 64 : C2OP__PREFETCH, down);
    c2op__prefetch_x86(s[t], down ? C2OP__PREFETCH : C2OP__PREFETCH + 64, down);
  }
  for (int t = 0; t < 2; t++)
    for (int n = 0; n < 4; n++) {
      const int k = down ? 3 - n : n;
      v[t][k] = _mm256_loadu_si256((const __m256i *)(s[t] + 32 * k));
    }
  for (int t = 0; t < 2; t++)
    for (int n = 0; n < 4; n++) {
      const int k = down ? 3 - n : n;
      store_line256(nt, (__m256i *)(d[t] + 32 * k), neg256(kind, v[t][k]));
    }
}

/* One line of the streaming loop, prefetching two lines ahead (or behind). */
C2OP__INLINE void stream_line_avx2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t at,
                                   int nt, int down) {
  c2op__prefetch_x86(x + at, C2OP__PREFETCH, down);
  const __m256i a = _mm256_loadu_si256((const __m256i *)(x + at));
  const __m256i b = _mm256_loadu_si256((const __m256i *)(x + at + 32));
  store_line256(nt, (__m256i *)(y + at), neg256(kind, a));
  store_line256(nt, (__m256i *)(y + at + 32), neg256(kind, b));
}

/* The streaming pass: partial lines at both ends with regular stores,
 * whole lines in between with non-temporal stores, two streams a page apart
 * prefetched a little ahead (as fast as the C library's own large copy
 * here: docs/PERFORMANCE.md), backward when y sits just past x modulo the
 * page (C2OP__STREAM_LINES). The three parts are disjoint and each loads
 * before it stores, so x == y is safe. No store fence: the driver fences
 * once per task (cpu/kernels.h). */
C2OP__INLINE void stream_avx2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i,
                              size_t end, size_t bytes, int nt, int may_reverse) {
  c2op__negate_upto64_x86(kind, x, y, i);
  C2OP__STREAM_LINES(128, stream_pair_avx2, stream_line_avx2, kind, x, y, i, end, nt,
                     may_reverse);
  c2op__negate_upto64_x86(kind, x + end, y + end, bytes - end);
}

/* Two streams of whole lines (cpu/kernels.h: contig_nt_pair). */
C2OP__INLINE void negate_avx2_pair(c2op__neg_kind kind, const uint8_t *x0, uint8_t *y0,
                                   const uint8_t *x1, uint8_t *y1, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64) {
    _mm_prefetch((const char *)x0 + i + C2OP__PREFETCH, _MM_HINT_T0);
    _mm_prefetch((const char *)x1 + i + C2OP__PREFETCH, _MM_HINT_T0);
    __m256i a0 = _mm256_loadu_si256((const __m256i *)(x0 + i));
    __m256i a1 = _mm256_loadu_si256((const __m256i *)(x0 + i + 32));
    __m256i b0 = _mm256_loadu_si256((const __m256i *)(x1 + i));
    __m256i b1 = _mm256_loadu_si256((const __m256i *)(x1 + i + 32));
    _mm256_stream_si256((__m256i *)(y0 + i), neg256(kind, a0));
    _mm256_stream_si256((__m256i *)(y0 + i + 32), neg256(kind, a1));
    _mm256_stream_si256((__m256i *)(y1 + i), neg256(kind, b0));
    _mm256_stream_si256((__m256i *)(y1 + i + 32), neg256(kind, b1));
  }
}

/* One vector from byte i of x to byte i of y. */
C2OP__INLINE void step1_avx2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i) {
  _mm256_storeu_si256((__m256i *)(y + i),
                      neg256(kind, _mm256_loadu_si256((const __m256i *)(x + i))));
}

/* Four vectors from byte i of x to byte i of y, all loads first; `down`
 * (a constant at each call) takes them highest first, for backward passes:
 * the pass then touches bytes in falling order throughout, which the
 * hardware prefetchers follow (in rising order inside each step a backward
 * pass ran 6-7% slower at 256 KiB, AVX2). */
C2OP__INLINE void step4_avx2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i,
                             int down) {
  __m256i v[4];
  for (int n = 0; n < 4; n++) {
    const int k = down ? 3 - n : n;
    v[k] = _mm256_loadu_si256((const __m256i *)(x + i + 32 * k));
  }
  for (int n = 0; n < 4; n++) {
    const int k = down ? 3 - n : n;
    _mm256_storeu_si256((__m256i *)(y + i + 32 * k), neg256(kind, v[k]));
  }
}

C2OP__INLINE void negate_avx2(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t bytes,
                              int streaming) {
  size_t begin, end;
  if (streaming && streaming != C2OP__REGULAR_FORWARD &&
      c2op__stream_span(y, bytes, c2op__neg_lane(kind), &begin, &end)) {
    stream_avx2(kind, x, y, begin, end, bytes, streaming != 2, streaming == 1);
    return;
  }
  if (bytes < 32) {
    c2op__negate_small_x86(kind, x, y, bytes);
    return;
  }
  const size_t lane = c2op__neg_lane(kind);
  const __m256i head = neg256(kind, _mm256_loadu_si256((const __m256i *)x));
  const __m256i tail = neg256(kind, _mm256_loadu_si256((const __m256i *)(x + bytes - 32)));
  /* From y's first 32-byte boundary when y is lane-aligned (a whole number
   * of lanes away), else from 0. */
  size_t i = ((uintptr_t)y & (lane - 1)) == 0 ? (size_t)(-(uintptr_t)y & 31) : 0;
  C2OP__NEGATE_MIDDLE(32, step4_avx2, step1_avx2, kind, x, y, i, bytes,
                      streaming == C2OP__REGULAR_FORWARD);
  /* (each only where the middle's whole vectors leave bytes to it) */
  if (i != 0) _mm256_storeu_si256((__m256i *)y, head);
  if ((bytes - i) & 31) _mm256_storeu_si256((__m256i *)(y + bytes - 32), tail);
}

C2OP__NEGATE_KERNELS(avx2, negate_avx2, 1, 1, 128)

#else
/* Not an x86 target: nothing to build (ISO C wants a declaration). */
typedef int c2op__no_x86_kernels;
#endif
