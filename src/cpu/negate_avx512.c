/* negate_avx512.c - negation kernels on 64-byte AVX-512 vectors (F and BW).
 * Built with -mavx512f -mavx512bw (cmake/isa.cmake); called only when cpuid
 * reports both and the OS saves the registers. Below one vector (and for
 * the partial lines at the ends of a streaming pass) a single masked load
 * and store does the work; otherwise the body has the shape described in
 * negate_sse2.c. */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "cpu/negate_common.h"
#include "cpu/negate_x86.h"

C2OP__INLINE __m512i neg512(c2op__neg_kind kind, __m512i v) {
  const __m512i z = _mm512_setzero_si512();
  switch (kind) {
  case C2OP__NEG_X8: return _mm512_sub_epi8(z, v);
  case C2OP__NEG_X16: return _mm512_sub_epi16(z, v);
  case C2OP__NEG_X32: return _mm512_sub_epi32(z, v);
  case C2OP__NEG_X64: return _mm512_sub_epi64(z, v);
  case C2OP__FLIP_X16: return _mm512_xor_si512(v, _mm512_set1_epi16((short)0x8000));
  case C2OP__FLIP_X32: return _mm512_xor_si512(v, _mm512_set1_epi32((int)0x80000000u));
  case C2OP__FLIP_X64:
    return _mm512_xor_si512(v, _mm512_set1_epi64((long long)0x8000000000000000ull));
  }
  return v;
}

/* Fewer than 64 bytes: one masked load and store (masked-off bytes are
 * neither read nor written; faults are suppressed). */
C2OP__INLINE void negate_masked(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t bytes) {
  const __mmask64 m = (__mmask64)((1ull << bytes) - 1u);
  _mm512_mask_storeu_epi8(y, m, neg512(kind, _mm512_maskz_loadu_epi8(m, x)));
}

/* A store into a line of y: non-temporal, or regular (aligned). */
C2OP__INLINE void store_line512(int nt, void *p, __m512i v) {
  if (nt)
    _mm512_stream_si512(p, v);
  else
    _mm512_store_si512(p, v);
}

/* One step of the streaming loop: 128 bytes at byte `at` of x and y and
 * the same a page further (see negate_avx2.c). */
C2OP__INLINE void stream_pair_avx512(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t at,
                                     int nt, int down) {
  const uint8_t *s[2] = {x + at, x + at + C2OP__PAGE};
  uint8_t *d[2] = {y + at, y + at + C2OP__PAGE};
  __m512i v[2][2];
  for (int t = 0; t < 2; t++) { /* the nearer line first, either way */
    c2op__prefetch_x86(s[t], down ? C2OP__PREFETCH - 64 : C2OP__PREFETCH, down);
    c2op__prefetch_x86(s[t], down ? C2OP__PREFETCH : C2OP__PREFETCH + 64, down);
  }
  for (int t = 0; t < 2; t++)
    for (int n = 0; n < 2; n++) {
      const int k = down ? 1 - n : n;
      v[t][k] = _mm512_loadu_si512(s[t] + 64 * k);
    }
  for (int t = 0; t < 2; t++)
    for (int n = 0; n < 2; n++) {
      const int k = down ? 1 - n : n;
      store_line512(nt, (void *)(d[t] + 64 * k), neg512(kind, v[t][k]));
    }
}

/* One line of the streaming loop. */
C2OP__INLINE void stream_line_avx512(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t at,
                                     int nt, int down) {
  c2op__prefetch_x86(x + at, C2OP__PREFETCH, down);
  store_line512(nt, (void *)(y + at), neg512(kind, _mm512_loadu_si512(x + at)));
}

/* The streaming pass: see negate_avx2.c. */
C2OP__INLINE void stream_avx512(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i,
                                size_t end, size_t bytes, int nt, int may_reverse) {
  /* The partial lines only when there are any: a masked load, even with
   * an empty mask, waits for stores in flight to the bytes it covers, and
   * the driver streams lines it has just gathered into a buffer (padded
   * rows on the Zen 4 VM: that empty load took 18% of the pass). */
  if (i) negate_masked(kind, x, y, i);
  C2OP__STREAM_LINES(128, stream_pair_avx512, stream_line_avx512, kind, x, y, i, end, nt,
                     may_reverse);
  if (end != bytes) negate_masked(kind, x + end, y + end, bytes - end);
}

/* Two streams of whole lines (cpu/kernels.h: contig_nt_pair). */
C2OP__INLINE void negate_avx512_pair(c2op__neg_kind kind, const uint8_t *x0, uint8_t *y0,
                                     const uint8_t *x1, uint8_t *y1, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64) {
    _mm_prefetch((const char *)x0 + i + C2OP__PREFETCH, _MM_HINT_T0);
    _mm_prefetch((const char *)x1 + i + C2OP__PREFETCH, _MM_HINT_T0);
    const __m512i a = _mm512_loadu_si512(x0 + i), b = _mm512_loadu_si512(x1 + i);
    _mm512_stream_si512((void *)(y0 + i), neg512(kind, a));
    _mm512_stream_si512((void *)(y1 + i), neg512(kind, b));
  }
}

/* From this many bytes on, the bytes a pass's whole vectors leave at its
 * end (fewer than 64) take one masked load and store after the middle.
 * Below it, as in the other x86 kernels, the pass's last 64 bytes are
 * loaded before the middle and stored over its end. On rows of 4000
 * (and 4004) bytes in place at 64 MiB, one thread, the masked end was
 * 1.10-1.13x the overlapping vector (in-process A/B, medians of 21 paired
 * rounds; two threads 1.12x). That vector straddles two cache lines there
 * (bytes 3936-4000), and it was read before the row's other lines; loading
 * it after the middle instead, still overlapping, gained half as much
 * (1.05x). The AVX2 and SSE2 kernels, whose last vector stays within a line
 * for these rows, gained 1.01-1.02x from the change, within the noise, and
 * are left as they are. Below 2 KiB the masked end cost 0.3-0.5 ns a call
 * (100 bytes: 0.97x, int8 1001 bytes: 0.965x). docs/PERFORMANCE.md, "NumPy
 * and PyTorch in C". From this size on, too, a pass whose middle ends at
 * its last byte (y's alignment decides) reads nothing after it; below, the
 * last 64 bytes are loaded before the middle whether they are stored or
 * not. For padded rows of 4000 bytes copied into a compact y, one row in
 * two ended so, and that unneeded read, before the row's other lines and
 * straddling two of them, cost 3-4% of the pass at 1-4 MiB (docs/
 * PERFORMANCE.md, "Rows that run backward"). */
#define MASKED_TAIL_MIN 2048

/* One vector from byte i of x to byte i of y. */
C2OP__INLINE void step1_avx512(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i) {
  _mm512_storeu_si512(y + i, neg512(kind, _mm512_loadu_si512(x + i)));
}

/* Four vectors from byte i of x to byte i of y, all loads first; `down`
 * takes them highest first (see negate_avx2.c). */
C2OP__INLINE void step4_avx512(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t i,
                               int down) {
  __m512i v[4];
  for (int n = 0; n < 4; n++) {
    const int k = down ? 3 - n : n;
    v[k] = _mm512_loadu_si512(x + i + 64 * k);
  }
  for (int n = 0; n < 4; n++) {
    const int k = down ? 3 - n : n;
    _mm512_storeu_si512(y + i + 64 * k, neg512(kind, v[k]));
  }
}

C2OP__INLINE void negate_avx512(c2op__neg_kind kind, const uint8_t *x, uint8_t *y, size_t bytes,
                                int streaming) {
  size_t begin, end;
  if (streaming && streaming != C2OP__REGULAR_FORWARD &&
      c2op__stream_span(y, bytes, c2op__neg_lane(kind), &begin, &end)) {
    stream_avx512(kind, x, y, begin, end, bytes, streaming != 2, streaming == 1);
    return;
  }
  if (bytes < 64) {
    negate_masked(kind, x, y, bytes);
    return;
  }
  const size_t lane = c2op__neg_lane(kind);
  const __m512i head = neg512(kind, _mm512_loadu_si512(x));
  size_t i = ((uintptr_t)y & (lane - 1)) == 0 ? (size_t)(-(uintptr_t)y & 63) : 0;
  const size_t stop = i + ((bytes - i) & ~(size_t)63); /* the middle's end */
  if (bytes >= MASKED_TAIL_MIN) {
    /* The bytes past the middle, after it, masked (see MASKED_TAIL_MIN),
     * and only when the middle leaves any (y's alignment decides).
     * The middle is written out twice, once on each branch. One copy with
     * the end chosen by a flag is 290 bytes smaller but needs a stack
     * frame; calls of 64 and 100 bytes read 0.92-0.94x with it (both
     * orders of an in-process A/B), though builds differing only outside
     * this file moved 64-byte calls by 5% too (code placement). */
    C2OP__NEGATE_MIDDLE(64, step4_avx512, step1_avx512, kind, x, y, i, bytes,
                        streaming == C2OP__REGULAR_FORWARD);
    if (i != 0) _mm512_storeu_si512(y, head);
    if (stop != bytes) negate_masked(kind, x + stop, y + stop, bytes - stop);
    return;
  }
  const __m512i tail = neg512(kind, _mm512_loadu_si512(x + bytes - 64));
  C2OP__NEGATE_MIDDLE(64, step4_avx512, step1_avx512, kind, x, y, i, bytes,
                      streaming == C2OP__REGULAR_FORWARD);
  /* (each only where the middle's whole vectors leave bytes to it) */
  if (i != 0) _mm512_storeu_si512(y, head);
  if (stop != bytes) _mm512_storeu_si512(y + bytes - 64, tail);
}

C2OP__NEGATE_KERNELS(avx512, negate_avx512, 1, 1, 256)

#else
/* Not an x86 target: nothing to build (ISO C wants a declaration). */
typedef int c2op__no_x86_kernels;
#endif
