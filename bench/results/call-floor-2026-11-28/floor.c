/* floor.c - what the checks of a DLPack call cost on 1 KiB, step by step.
 *
 * A bare loop of calls on one float32 tensor pair, x and y of 256
 * elements, 4096-byte aligned buffers, one thread. Each variant is an
 * entry point of the library's shape (context, x, y) that checks a little
 * more of its arguments before it calls the library's AVX-512 kernel:
 *
 *   kernel     nothing: reads x->data and y->data, calls the kernel
 *   +header    the thread's error flag (load, store only if set), x and y
 *              not NULL, ndim 0-2 and equal, one dtype, one lane of whole
 *              bytes, both on the host; the kernel from a dtype table
 *   +shapes    shapes equal, each dim 1..2^31, the count at most 2^31
 *   +strides   both compact (NULL, or row-major strides; size-1 dims free)
 *   +data      data not NULL, byte_offset below 2^63, no pointer sum wraps
 *   +overlap   the ends of x and y representable; x and y disjoint or the
 *              same bytes
 *   +direct    small enough and lane-aligned for the kernel alone (what
 *              c2op's direct path checks: every check up to here is one
 *              the library makes, written here in as few operations as I
 *              could)
 *   c2op       c2op_negative_ex (1-3 dims inline, in the library)
 *   memcpy     memcpy of the same 1 KiB
 *
 * Rounds interleave the variants (the first in each round rotates);
 * each prints the median of 41 rounds of its time, and the median of its
 * per-round speed against memcpy's in the same round.
 *
 * Build against the static library (CPU-only Release build in build-ab):
 *   gcc -O2 -std=gnu17 -I include -I src -o floor \
 *       bench/results/call-floor-2026-11-28/floor.c build-ab/libc2op.a -lpthread -lm
 *   ./floor [1d|2d]     (2d: [1, 256] with strides [256, 1], c2op-bench's form)
 * Needs an AVX-512 machine (the kernel is the AVX-512 one). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dlpack/dlpack.h>

#include "c2op.h"
#include "cpu/kernels.h"

extern const c2op__negate_kernels c2op__negate_kernels__avx512;

#ifndef FLOOR_N
#define FLOOR_N 256 /* elements: -DFLOOR_N=4096 for 16 KiB */
#endif
enum { N = FLOOR_N, ROUNDS = 41, REPS = 20000 };
typedef int (*entry_fn)(const void *, const DLTensor *, DLTensor *);

static c2op__contig_fn kernel;
static volatile size_t copy_bytes = N * 4; /* opaque: a constant size lets GCC inline the copy */
static const c2op__contig_fn *table[8][32]; /* by dtype code and bytes */
static __thread unsigned char error_flag __attribute__((tls_model("initial-exec")));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  const double d = *(const double *)a - *(const double *)b;
  return d < 0 ? -1 : d > 0;
}

/* where a check fails: the library's full path */
__attribute__((noinline)) static int slow(const void *c, const DLTensor *x, DLTensor *y) {
  return (int)c2op_negative_ex(c, x, y);
}

__attribute__((noinline)) static int v_kernel(const void *c, const DLTensor *x, DLTensor *y) {
  (void)c;
  kernel(x->data, y->data, N, 4);
  return 0;
}

__attribute__((noinline)) static int v_memcpy(const void *c, const DLTensor *x, DLTensor *y) {
  (void)c;
  memcpy(y->data, x->data, copy_bytes);
  return 0;
}

__attribute__((noinline)) static int v_c2op(const void *c, const DLTensor *x, DLTensor *y) {
  return (int)c2op_negative_ex(c, x, y);
}

/* The checks up to step STEP (1 = +header ... 6 = +direct), then the kernel. */
#define CHECKS(STEP)                                                                               \
  if (error_flag) error_flag = 0;                                                                  \
  if (!x || !y) return slow(c, x, y);                                                              \
  const int32_t nd = x->ndim;                                                                      \
  uint32_t xdt, ydt;                                                                               \
  memcpy(&xdt, &x->dtype, 4);                                                                      \
  memcpy(&ydt, &y->dtype, 4);                                                                      \
  if (((uint32_t)nd > 2) | (nd != y->ndim) | (xdt != ydt) |                                        \
      ((((uint32_t)x->device.device_type | 2u) ^ 3u) != 0) |                                       \
      ((((uint32_t)y->device.device_type | 2u) ^ 3u) != 0) | ((xdt & 0xffff07f8u) != 0x10000u))    \
    return slow(c, x, y);                                                                          \
  const unsigned w = (xdt >> 11) & 31;                                                             \
  const c2op__contig_fn *kp = table[xdt & 7][w];                                                   \
  if (!kp) return slow(c, x, y);                                                                   \
  if (STEP == 1) {                                                                                 \
    (*kp)(x->data, y->data, N, w);                                                                 \
    return 0;                                                                                      \
  }                                                                                                \
  int64_t n = 1;                                                                                   \
  const int64_t *xd = x->shape, *yd = y->shape, *xs = x->strides, *ys = y->strides;                \
  const uint64_t lim = (uint64_t)1 << 31;                                                          \
  if (nd == 2) {                                                                                   \
    const int64_t d0 = xd[0], d1 = xd[1];                                                          \
    if ((d0 ^ yd[0]) | (d1 ^ yd[1])) return slow(c, x, y);                                         \
    if ((uint64_t)d0 - 1u >= lim || (uint64_t)d1 - 1u >= lim) return slow(c, x, y);                \
    n = d0 * d1;                                                                                   \
    if (n > (int64_t)lim) return slow(c, x, y);                                                    \
    if (STEP == 2) {                                                                               \
      (*kp)(x->data, y->data, n, w);                                                               \
      return 0;                                                                                    \
    }                                                                                              \
    if (xs && (((d1 != 1) & (xs[1] != 1)) | ((d0 != 1) & (xs[0] != d1)))) return slow(c, x, y);    \
    if (ys && (((d1 != 1) & (ys[1] != 1)) | ((d0 != 1) & (ys[0] != d1)))) return slow(c, x, y);    \
  } else if (nd == 1) {                                                                            \
    n = xd[0];                                                                                     \
    if (n != yd[0] || (uint64_t)n - 1u >= lim) return slow(c, x, y);                               \
    if (STEP == 2) {                                                                               \
      (*kp)(x->data, y->data, n, w);                                                               \
      return 0;                                                                                    \
    }                                                                                              \
    if (xs && n != 1 && xs[0] != 1) return slow(c, x, y);                                         \
    if (ys && n != 1 && ys[0] != 1) return slow(c, x, y);                                         \
  }                                                                                                \
  if (STEP == 3) {                                                                                 \
    (*kp)(x->data, y->data, n, w);                                                                 \
    return 0;                                                                                      \
  }                                                                                                \
  const uint64_t bytes = (uint64_t)n * w;                                                          \
  const char *xp = x->data;                                                                        \
  char *yp = y->data;                                                                              \
  if (!xp || !yp) return slow(c, x, y);                                                            \
  const uint64_t xo = x->byte_offset, yo = y->byte_offset;                                         \
  if ((int64_t)(xo | yo) < 0) return slow(c, x, y);                                                \
  uintptr_t xb, yb, e;                                                                             \
  if (__builtin_add_overflow((uintptr_t)xp, xo, &xb) ||                                            \
      __builtin_add_overflow((uintptr_t)yp, yo, &yb))                                              \
    return slow(c, x, y);                                                                          \
  if (STEP == 4) {                                                                                 \
    (*kp)((void *)xb, (void *)yb, n, w);                                                           \
    return 0;                                                                                      \
  }                                                                                                \
  if (__builtin_add_overflow(xb, bytes, &e) || __builtin_add_overflow(yb, bytes, &e))              \
    return slow(c, x, y);                                                                          \
  if (xb != yb && xb + bytes > yb && yb + bytes > xb) return slow(c, x, y);                        \
  if (STEP == 5) {                                                                                 \
    (*kp)((void *)xb, (void *)yb, n, w);                                                           \
    return 0;                                                                                      \
  }                                                                                                \
  if (bytes > 16384 || ((xb | yb) & (w - 1) & 7)) return slow(c, x, y);                            \
  (*kp)((const void *)xb, (void *)yb, n, w);                                                       \
  return 0;

#define STEP_FN(S)                                                                                 \
  __attribute__((noinline)) static int v_step##S(const void *c, const DLTensor *x, DLTensor *y) {  \
    CHECKS(S)                                                                                      \
  }
STEP_FN(1)
STEP_FN(2)
STEP_FN(3)
STEP_FN(4)
STEP_FN(5)
STEP_FN(6)

int main(int argc, char **argv) {
  const int one_d = argc > 1 && strcmp(argv[1], "1d") == 0;
  float *x = aligned_alloc(4096, 1 << 20), *y = aligned_alloc(4096, 1 << 20);
  if (!x || !y) return 1;
  for (int i = 0; i < N; i++) x[i] = (float)i + 0.5f;
  kernel = c2op__negate_kernels__avx512.signflip[2]->contig;
  table[kDLFloat][4] = &c2op__negate_kernels__avx512.signflip[2]->contig;
  c2op_context *ctx;
  if (c2op_context_create(&ctx) != C2OP_OK || c2op_context_set_num_threads(ctx, 1) != C2OP_OK)
    return 1;
  int64_t shape[2] = {1, N}, strides[2] = {N, 1};
  DLTensor tx = {x, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, strides, 0};
  if (one_d) {
    tx.ndim = 1;
    tx.shape = &shape[1];
    tx.strides = NULL;
  }
  DLTensor ty = tx;
  ty.data = y;
  const entry_fn f[] = {v_kernel, v_step1, v_step2, v_step3, v_step4, v_step5, v_step6, v_c2op,
                        v_memcpy};
  const char *name[] = {"kernel",   "+header",  "+shapes", "+strides", "+data",
                        "+overlap", "+direct",  "c2op",    "memcpy"};
  enum { V = 9, MEMCPY = 8 };
  for (int k = 0; k < MEMCPY; k++) { /* each variant negates */
    memset(y, 0, N * 4);
    f[k](ctx, &tx, &ty);
    for (int i = 0; i < N; i++)
      if (y[i] != -x[i]) {
        printf("%s: wrong result at %d\n", name[k], i);
        return 1;
      }
  }
  static double t[V][ROUNDS], speed[V][ROUNDS];
  for (int r = 0; r < ROUNDS; r++)
    for (int j = 0; j < V; j++) {
      const int k = (j + r) % V;
      const entry_fn g = f[k];
      const double a = now();
      for (int q = 0; q < REPS; q++) g(ctx, &tx, &ty);
      t[k][r] = (now() - a) / REPS * 1e9;
    }
  for (int k = 0; k < V; k++)
    for (int r = 0; r < ROUNDS; r++) speed[k][r] = t[MEMCPY][r] / t[k][r];
  printf("%s, %d bytes, medians of %d rounds\n", one_d ? "1-D" : "[1, n] with strides [n, 1]",
         N * 4, ROUNDS);
  for (int k = 0; k < V; k++) {
    qsort(t[k], ROUNDS, sizeof(double), cmp_double);
    qsort(speed[k], ROUNDS, sizeof(double), cmp_double);
    printf("%-9s %6.2f ns  %.3fx memcpy\n", name[k], t[k][ROUNDS / 2], speed[k][ROUNDS / 2]);
  }
  c2op_context_destroy(ctx);
  free(x);
  free(y);
  return 0;
}
