/*
 * sum_util.h - what the Sum and CUDA tests share: layouts, random layouts
 * and fills with special float values (test_cuda.c on a GPU and
 * test_cuda_host.c on the emulated kernels, to compare the CUDA path with
 * the CPU byte for byte), and exact special-value sums, NaN rule included,
 * written out here (those two and test_sum.c for the CPU).
 * Include after c2op_test.h.
 */
#ifndef C2OP_TESTS_SUM_UTIL_H
#define C2OP_TESTS_SUM_UTIL_H

#include <string.h>

#include "c2op.h"

/* A layout over one buffer: shape, optional strides, byte offset. */
typedef struct {
  int32_t ndim;
  int64_t shape[4];
  int64_t strides[4];
  int has_strides;
  uint64_t byte_offset;
  size_t buffer_bytes;
} layout;

static inline size_t dt_elem_size(DLDataType dt) { return (size_t)dt.bits / 8 * dt.lanes; }

/* Lane width of a dtype: complex numbers are two float lanes. */
static inline size_t dt_lane_size(DLDataType dt) {
  return dt.code == kDLComplex ? (size_t)dt.bits / 16 : (size_t)dt.bits / 8;
}

/* Random bytes with special lane values planted often: for 2-byte lanes
 * float16 and bfloat16 zeros, infinities, quiet and signalling NaNs with
 * payloads, subnormals, the largest finite values and values whose sums
 * round; for 4 and 8 bytes the same of float32/float64. */
static inline void fill_with_specials(uint64_t *rng, uint8_t *p, size_t n, size_t lane) {
  static const uint16_t s16[] = {0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x7d01,
                                 0x0001, 0x8001, 0x03ff, 0x7bff, 0xfbff, 0x3c00, 0x3c01,
                                 0x1400, 0x7f80, 0xff80, 0x7fc0, 0xffc1, 0x7f81, 0x0080,
                                 0x7f7f, 0x3f80, 0x3f81, 0x3400};
  static const uint32_t s32[] = {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u,
                                 0x7fc00000u, 0xffc00001u, 0x7f800001u, 0xff900002u,
                                 0x00000001u, 0x807fffffu, 0x7f7fffffu, 0xff7fffffu,
                                 0x3f800000u, 0x3f800001u, 0x33800000u, 0x00800000u};
  static const uint64_t s64[] = {0x0ull, 0x8000000000000000ull, 0x7ff0000000000000ull,
                                 0xfff0000000000000ull, 0x7ff8000000000000ull,
                                 0xfff8000000000003ull, 0x7ff0000000000001ull,
                                 0xfff4000000000002ull, 0x1ull, 0x800fffffffffffffull,
                                 0x7fefffffffffffffull, 0x3ff0000000000000ull,
                                 0x3ff0000000000001ull, 0x3ca0000000000000ull};
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)test_rand_next(rng);
  if (lane < 2) return;
  for (size_t i = 0; i + lane <= n; i += lane) {
    uint64_t r = test_rand_next(rng);
    if (r % 3) continue;
    r >>= 8;
    if (lane == 2) memcpy(p + i, &s16[r % (sizeof s16 / sizeof s16[0])], 2);
    if (lane == 4) memcpy(p + i, &s32[r % (sizeof s32 / sizeof s32[0])], 4);
    if (lane == 8) memcpy(p + i, &s64[r % (sizeof s64 / sizeof s64[0])], 8);
  }
}

/* Byte offset of element `i` (row-major linear index) of a layout. */
static inline int64_t layout_elem_offset(const layout *l, int64_t i, size_t es) {
  int64_t off = (int64_t)l->byte_offset, compact = 1;
  for (int32_t d = l->ndim - 1; d >= 0; d--) {
    const int64_t idx = i % l->shape[d];
    i /= l->shape[d];
    off += idx * (l->has_strides ? l->strides[d] : compact) * (int64_t)es;
    compact *= l->shape[d];
  }
  return off;
}

/* A random layout of `ndim` (0-4) dims over its own buffer: compact, or
 * dims permuted with steps and padding; for x also negative and zero
 * strides (shared buffers then give in place and partial overlap). */
static inline layout random_layout(uint64_t *rng, int32_t ndim, const int64_t *shape, size_t es,
                                   int for_x) {
  layout l;
  memset(&l, 0, sizeof l);
  l.ndim = ndim;
  memcpy(l.shape, shape, (size_t)ndim * sizeof shape[0]);
  int kind = (int)test_rand_range(rng, 0, 3);
  int64_t numel = 1;
  for (int32_t d = 0; d < ndim; d++) numel *= shape[d];
  if (kind == 0 || ndim == 0) { /* compact, strides NULL */
    l.buffer_bytes = (size_t)(numel + 2) * es;
    l.byte_offset = (uint64_t)test_rand_range(rng, 0, 2) * es;
    return l;
  }
  int perm[4] = {0, 1, 2, 3};
  for (int32_t i = ndim - 1; i > 0; i--) {
    int j = (int)test_rand_range(rng, 0, i);
    int t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  int64_t stride = kind == 2 ? test_rand_range(rng, 1, 3) : 1, extent = 0;
  for (int32_t k = ndim - 1; k >= 0; k--) { /* perm[ndim-1] innermost */
    int32_t d = perm[k];
    l.strides[d] = stride;
    stride *= shape[d] + (kind == 3 ? test_rand_range(rng, 0, 2) : 0);
  }
  l.has_strides = 1;
  int64_t lo = 0, hi = 0;
  for (int32_t d = 0; d < ndim; d++) {
    if (for_x && shape[d] > 1 && test_rand_range(rng, 0, 5) == 0) l.strides[d] = -l.strides[d];
    if (for_x && test_rand_range(rng, 0, 7) == 0) l.strides[d] = 0;
    int64_t reach = (shape[d] > 0 ? shape[d] - 1 : 0) * l.strides[d];
    if (reach < 0) lo += reach; else hi += reach;
  }
  extent = hi - lo + 1;
  l.byte_offset = (uint64_t)(-lo + test_rand_range(rng, 0, 2)) * es;
  l.buffer_bytes = (size_t)(extent + 4) * es;
  return l;
}

/* Runs Sum of two 1-D inputs of n lanes (host arrays) into out (host
 * array), on whatever backend the test is about. */
typedef c2op_status (*sum2_fn)(DLDataType dt, int64_t n, const void *a, const void *b, void *out);

/* Exact sums of special values, expected bits written out here (IEEE
 * round to nearest even; NaN results by Sum's rule, src/cpu/add_scalar.c:
 * one NaN operand comes back quieted, of two the running sum's (a's), and
 * inf - inf is the default NaN with the sign bit set). Input a is the
 * first (the running sum), b is added to it. */
static inline void check_special_sums(sum2_fn sum2) {
  static const uint32_t f32[][3] = {
      {0x3f800000u, 0x7f800001u, 0x7fc00001u}, /* 1 + sNaN: quieted */
      {0xff800002u, 0x3f800000u, 0xffc00002u}, /* sNaN + 1 */
      {0x7f800000u, 0xff800000u, 0xffc00000u}, /* inf - inf: default NaN */
      {0x80000000u, 0x80000000u, 0x80000000u}, /* -0 + -0 = -0 */
      {0x80000000u, 0x00000000u, 0x00000000u}, /* -0 + 0 = +0 */
      {0x00000001u, 0x00000001u, 0x00000002u}, /* subnormals add exactly */
      {0x7f7fffffu, 0x7f7fffffu, 0x7f800000u}, /* overflow to inf */
      {0x3f800000u, 0x33800000u, 0x3f800000u}, /* 1 + 2^-24: tie, to even */
      {0x3f800001u, 0x33800000u, 0x3f800002u}, /* tie, to even (up) */
      {0x7fc00001u, 0xffc00002u, 0x7fc00001u}, /* NaN + NaN: the running sum's */
      {0x7f800003u, 0x7fc00004u, 0x7fc00003u}, /* sNaN + NaN: a's, quieted */
      {0xffc00005u, 0x7f800006u, 0xffc00005u}, /* NaN + sNaN: a's */
      {0x7f800000u, 0x7fc00007u, 0x7fc00007u}, /* inf + NaN: the NaN */
  };
  static const uint16_t f16[][3] = {
      {0x3c00, 0x1000, 0x3c00}, /* 1 + 2^-11: tie, to even */
      {0x3c01, 0x1000, 0x3c02}, /* tie, to even (up) */
      {0x7bff, 0x7bff, 0x7c00}, /* 65504 + 65504 = inf */
      {0x0001, 0x0001, 0x0002}, /* subnormals */
      {0x0001, 0x8001, 0x0000}, /* x - x = +0 */
      {0x7c00, 0xfc00, 0xfe00}, /* inf - inf: default NaN, sign set */
      {0x3c00, 0x7d01, 0x7f01}, /* 1 + sNaN: quieted, payload kept */
      {0x03ff, 0x0001, 0x0400}, /* largest subnormal + smallest = smallest normal */
      {0x7e01, 0xfe02, 0x7e01}, /* NaN + NaN: the running sum's */
      {0x7d03, 0x7e04, 0x7f03}, /* sNaN + NaN: a's, quieted */
      {0xfe05, 0x7d06, 0xfe05}, /* NaN + sNaN: a's */
  };
  static const uint16_t bf16[][3] = {
      {0x3f80, 0x3b80, 0x3f80}, /* 1 + 2^-8: tie, to even */
      {0x3f81, 0x3b80, 0x3f82}, /* tie, to even (up) */
      {0x7f7f, 0x7f7f, 0x7f80}, /* overflow to inf */
      {0x7f80, 0xff80, 0xffc0}, /* inf - inf: default NaN */
      {0x3f80, 0x7f81, 0x7fc1}, /* 1 + sNaN: quieted */
      {0x0001, 0x0001, 0x0002}, /* subnormals */
      {0x7fc1, 0xffc2, 0x7fc1}, /* NaN + NaN: the running sum's */
      {0x7f83, 0x7fc4, 0x7fc3}, /* sNaN + NaN: a's, quieted */
      {0xffc5, 0x7f86, 0xffc5}, /* NaN + sNaN: a's */
  };
  static const uint64_t f64[][3] = {
      {0x3ff0000000000000ull, 0x7ff0000000000001ull, 0x7ff8000000000001ull},
      {0x7ff0000000000000ull, 0xfff0000000000000ull, 0xfff8000000000000ull},
      {0x3ff0000000000000ull, 0x3ca0000000000000ull, 0x3ff0000000000000ull},
      {0x3ff0000000000001ull, 0x3ca0000000000000ull, 0x3ff0000000000002ull},
      {0x0000000000000001ull, 0x0000000000000001ull, 0x0000000000000002ull},
      {0x7ff8000000000001ull, 0xfff8000000000002ull, 0x7ff8000000000001ull}, /* NaN + NaN */
      {0x7ff0000000000003ull, 0x7ff8000000000004ull, 0x7ff8000000000003ull}, /* sNaN + NaN */
      {0xfff8000000000005ull, 0x7ff0000000000006ull, 0xfff8000000000005ull}, /* NaN + sNaN */
  };
  enum { N = 16 };
  uint8_t a[N * 8], b[N * 8], out[N * 8];
  struct {
    DLDataType dt;
    size_t lane, rows;
    const void *table;
  } cases[] = {
      {{kDLFloat, 32, 1}, 4, sizeof f32 / sizeof f32[0], f32},
      {{kDLFloat, 16, 1}, 2, sizeof f16 / sizeof f16[0], f16},
      {{kDLBfloat, 16, 1}, 2, sizeof bf16 / sizeof bf16[0], bf16},
      {{kDLFloat, 64, 1}, 8, sizeof f64 / sizeof f64[0], f64},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const size_t lane = cases[c].lane, rows = cases[c].rows;
    const uint8_t *t = (const uint8_t *)cases[c].table;
    for (size_t r = 0; r < rows; r++) {
      memcpy(a + r * lane, t + (3 * r + 0) * lane, lane);
      memcpy(b + r * lane, t + (3 * r + 1) * lane, lane);
    }
    memset(out, 0x5a, sizeof out);
    CHECK_OK(sum2(cases[c].dt, (int64_t)rows, a, b, out));
    for (size_t r = 0; r < rows; r++) {
      uint64_t got = 0, want = 0;
      memcpy(&got, out + r * lane, lane);
      memcpy(&want, t + (3 * r + 2) * lane, lane);
      if (got != want)
        TEST_FAIL_("dtype %d/%d, row %zu: sum bits 0x%llx, expected 0x%llx", cases[c].dt.code,
                   cases[c].dt.bits, r, (unsigned long long)got, (unsigned long long)want);
    }
  }
}

#endif
