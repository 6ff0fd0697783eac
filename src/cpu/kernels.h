/* kernels.h - CPU elementwise kernels (internal).
 *
 * Kernels know nothing of schemas, tensors or errors: they transform `n`
 * elements of `elem_size` bytes from x to y, either contiguous or with byte
 * strides. x and y are either disjoint or identical (in place); the driver
 * guarantees it. Names say dtype width, op and ISA, XNNPACK style. */
#ifndef C2OP_CPU_KERNELS_H
#define C2OP_CPU_KERNELS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* How the x86 streaming loops (contig_nt, contig_nt_shared,
 * contig_big_inplace) walk memory: 1, two streams a page apart, each step
 * taking the same bytes of two neighbouring pages; 0, one stream of whole
 * lines. Which is faster depends on the CPU (docs/PERFORMANCE.md, "A
 * second machine"): on a Zen 1 VM two streams gained 10-14% at 256 MiB,
 * on a Zen 4 VM they lost 25-40%. The driver sets it once from its
 * settings (cpu/unary_cpu.c: C2OP_STREAM_PAIRS) before any streaming pass;
 * test_kernels sets it to run both. Read once per streaming call. */
extern atomic_int c2op__stream_pairs;

typedef void (*c2op__contig_fn)(const void *x, void *y, int64_t n, size_t elem_size);
typedef void (*c2op__strided_fn)(const char *x, int64_t x_stride_bytes, char *y,
                                 int64_t y_stride_bytes, int64_t n, size_t elem_size);
typedef void (*c2op__pair_fn)(const void *x0, void *y0, const void *x1, void *y1, int64_t n,
                              size_t elem_size);

typedef struct {
  const char *name;         /* e.g. "x32_signflip__avx2" */
  c2op__contig_fn contig;   /* x and y dense */
  c2op__strided_fn strided; /* any byte strides */
  /* Like contig, for passes far larger than the cache: non-temporal
   * (streaming) stores, prefetching, one stream or two a page apart
   * (c2op__stream_pairs). Same
   * contract as contig (x and y disjoint or identical). NULL when the ISA
   * has none. Whole lines of y get non-temporal stores (a y that is 64-byte
   * aligned and a whole number of lines long, however short, is streamed
   * in full), the partial lines at its ends regular ones. No store fence:
   * non-temporal stores are weakly ordered, so whoever calls it runs
   * c2op__store_fence() before another thread may read y (the driver does
   * once per task: a fence per row cost 10% on padded rows). */
  c2op__contig_fn contig_nt;
  /* Two streaming passes at once, y0[i] = op(x0[i]) and y1[i] = op(x1[i]),
   * their lines interleaved: each of y0 and y1 64-byte aligned and `n`
   * elements a whole number of lines, x0/y0 and x1/y1 each disjoint or
   * identical, the two pairs disjoint. Rows shorter than the two pages the
   * contiguous kernel streams at once go through here in pairs (padded
   * rows, 64 MiB, a standalone loop: 17.2-17.6 GB/s against 14.7-16.0 one
   * row at a time). NULL when contig_nt is; no fence either. */
  c2op__pair_fn contig_nt_pair;
  /* contig_nt's loop with regular stores: for in-place passes far larger
   * than the cache, where every line of y is read first anyway, so a
   * non-temporal store saves no traffic; the regular store came out 2-6%
   * faster at 64 MiB-1 GiB (docs/PERFORMANCE.md). The driver takes it only
   * with two streams a page apart (Zen 1: 16.4 against 13.8 GB/s for the
   * plain loop at 256 MiB); with one stream it is the plain loop with
   * prefetches, and the driver keeps contig. NULL when contig_nt is. */
  c2op__contig_fn contig_big_inplace;
  /* contig_nt for a pass that several threads run at once, each on its own
   * part: its loop always runs forward. contig_nt runs it backward when y
   * sits just past x modulo the page (4K aliasing, cpu/negate_x86.h); on
   * one thread that made 4 MiB 1.36x faster on the Zen 1 VM (y 64 bytes past x,
   * through the API), but with two threads streaming at once the forward
   * loop paid no such penalty and the backward one ran at 0.6x
   * (docs/PERFORMANCE.md). The driver knows only its own threads: a call
   * the busy pool leaves on the caller's thread takes contig_nt_shared (no
   * gain, no loss), and two callers each streaming on one thread at once
   * both run backward, a case not measured. NULL when contig_nt is. */
  c2op__contig_fn contig_nt_shared;
  /* contig whose loop always runs forward, for the rows of a sweep larger
   * than the L2 cache (cpu/unary_cpu.c, C2OP__ROWS_FORWARD_BYTES). contig
   * runs a pass backward when y sits just past x modulo the page (4K
   * aliasing, cpu/negate_x86.h), which pays on a single pass; but rows
   * taken each backward while the sweep moves forward lost 9-20% at
   * 768 KiB-4 MiB (Zen 4 VM, rows of 4000 and 16000 bytes, y 64 bytes past
   * x; docs/PERFORMANCE.md, "Rows that run backward"). NULL where contig
   * never runs backward (then the driver takes contig). */
  c2op__contig_fn contig_fwd;
} c2op__unary_kernel;

/* Orders the calling thread's non-temporal stores before its later stores
 * (a release to another thread included). */
static inline void c2op__store_fence(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_sfence();
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* The negation kernels of one ISA, indexed by log2 of the lane width
 * (1, 2, 4, 8 bytes): integer negation on every width, sign flips on 2, 4
 * and 8 (signflip[0] is NULL). */
typedef struct {
  const c2op__unary_kernel *neg[4];
  const c2op__unary_kernel *signflip[4];
  size_t tile_bytes; /* bytes per main-loop step: tests size around it */
} c2op__negate_kernels;

extern const c2op__negate_kernels c2op__negate_kernels__scalar;
#if defined(__x86_64__) || defined(__i386__)
extern const c2op__negate_kernels c2op__negate_kernels__sse2;
extern const c2op__negate_kernels c2op__negate_kernels__avx2;
extern const c2op__negate_kernels c2op__negate_kernels__avx512;
#endif
#if defined(__aarch64__)
extern const c2op__negate_kernels c2op__negate_kernels__neon;
#endif

/* The scalar strided bodies, shared by every ISA's kernels (a strided pass
 * touches one element per step; vectors do not help it). */
void c2op__x8_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                                  size_t elem_size);
void c2op__x16_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                                   size_t elem_size);
void c2op__x32_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                                   size_t elem_size);
void c2op__x64_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                                   size_t elem_size);
void c2op__x16_signflip_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                                        size_t elem_size);
void c2op__x32_signflip_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                                        size_t elem_size);
void c2op__x64_signflip_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                                        size_t elem_size);

/* Integer negation modulo 2^bits (signed and unsigned alike). */
extern const c2op__unary_kernel c2op__x8_neg__scalar;
extern const c2op__unary_kernel c2op__x16_neg__scalar;
extern const c2op__unary_kernel c2op__x32_neg__scalar;
extern const c2op__unary_kernel c2op__x64_neg__scalar;
/* IEEE negate: flip the sign bit of each lane (f16, bf16, f32, f64; complex
 * types use the kernel of their component with 2 lanes per element, which
 * the kernel handles through elem_size). */
extern const c2op__unary_kernel c2op__x16_signflip__scalar;
extern const c2op__unary_kernel c2op__x32_signflip__scalar;
extern const c2op__unary_kernel c2op__x64_signflip__scalar;
/* Accumulation y += x (the Sum op): integers modulo 2^bits, floats in their
 * type, float16/bfloat16 through float32 with one rounding. */
extern const c2op__unary_kernel c2op__x8_add__scalar;
extern const c2op__unary_kernel c2op__x16_add__scalar;
extern const c2op__unary_kernel c2op__x32_add__scalar;
extern const c2op__unary_kernel c2op__x64_add__scalar;
extern const c2op__unary_kernel c2op__f16_add__scalar;
extern const c2op__unary_kernel c2op__bf16_add__scalar;
extern const c2op__unary_kernel c2op__f32_add__scalar;
extern const c2op__unary_kernel c2op__f64_add__scalar;
/* Copy of any element size. */
extern const c2op__unary_kernel c2op__copy__scalar;

#endif
