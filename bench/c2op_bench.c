/*
 * c2op_bench.c - c2op's Negative against memcpy, a plain C loop and XNNPACK,
 * measured in the same process, on the same buffers, interleaved.
 *
 * Each row is one (dtype, size, in place or not, layout, threads). Each
 * candidate is first warmed up and calibrated to a number of calls per
 * repetition; then the repetitions run interleaved (candidate A, B, C, A,
 * B, C, ... with the starting candidate rotating; on multi-threaded rows
 * each repetition starts after a 40 ms busy wait and one untimed call, so
 * that no candidate runs while another's threads still spin), and the row
 * reports each candidate's median time per call. GB/s counts bytes read
 * plus bytes written (2 x the tensor's bytes), as a copy would. Ratios are
 * c2op's GB/s over the other candidate's.
 *
 * Candidates:
 *   c2op      c2op_negative_ex with a context of 1 or N threads
 *   memcpy    memcpy of the same bytes (N threads, from 1 MiB on: one slice
 *             per thread on pthreadpool when built with XNNPACK, else
 *             NegateGradient's copy on c2op's own pool)
 *   loop      for (i) y[i] = -x[i] compiled here (1 thread only)
 *   ref       c2op on the row's reference, for the targets that compare c2op
 *             with itself: the contiguous layout (strided rows), out of place
 *             (in-place rows), float32 of the same bytes (other widths)
 *   xnnpack   xnn_run_operator on a negate_nc_f32 operator set up once
 *             (float32 only; N threads: a pthreadpool of N), when built
 *             with XNNPACK
 *   numpy     NumPy's own C inner loop of numpy.negative, called as NumPy's
 *             iterator calls it (1 thread; bench/peers/numpy_peer.c)
 *   torch     PyTorch's at::neg_out on the same buffers, with 1 or N
 *             threads (bench/peers/torch_peer.cpp)
 *   The two peers are modules loaded at run time from the directory of
 *   c2op-bench (or --peers DIR) when built there (the target
 *   c2op-bench-peers; `make bench` builds it); --no-peers leaves them out.
 *
 * Usage: c2op-bench [--quick | --smoke] [--json PATH] [--sizes LIST] [--dtypes LIST]
 *                   [--layouts LIST] [--modes LIST] [--threads LIST] [--reps N]
 *   sizes in bytes per tensor, with K/M/G suffixes: 1K,64K,1G
 *   dtypes: int8,float16,float32,float64,complex128
 *   layouts: contiguous,padded,transposed,shifted    modes: out,inplace
 *   (shifted: contiguous with y 64 bytes past x modulo 4 KiB; out of place)
 *   threads: 1,N (N = online CPUs) or numbers
 * --reps N: repetitions per candidate (default 7, and 5 on rows of 256 MiB
 * and more; a given N holds for every row: bench/confirm.py's reruns).
 * --only-c2op: c2op alone (threshold sweeps: bench/sweep.py).
 * --peers DIR: where to find the peer modules; --no-peers: none.
 * --quick: fewer sizes and dtypes, shorter repetitions. --smoke: sizes 1K,
 * 64K and 1M, one short repetition (the test suite runs it: every row's
 * result is checked, and a wrong one fails the run).
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "c2op.h"
#include "peers/peer.h"

#ifdef C2OP_BENCH_HAVE_XNNPACK
#include <pthreadpool.h>
#include <xnnpack.h>
#endif

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *name;
  DLDataType dt;
  size_t size;
} dtype_info;

static const dtype_info k_dtypes[] = {
    {"int8", {kDLInt, 8, 1}, 1},
    {"float16", {kDLFloat, 16, 1}, 2},
    {"float32", {kDLFloat, 32, 1}, 4},
    {"float64", {kDLFloat, 64, 1}, 8},
    {"complex128", {kDLComplex, 128, 1}, 16},
};
enum { NUM_DTYPES = sizeof k_dtypes / sizeof k_dtypes[0], F32 = 2 };

enum { LAYOUT_CONTIG, LAYOUT_PADDED, LAYOUT_TRANSPOSED, LAYOUT_SHIFTED, NUM_LAYOUTS };
static const char *const k_layouts[NUM_LAYOUTS] = {"contiguous", "padded", "transposed", "shifted"};
/* The shifted layout: contiguous, y SHIFT_BYTES past x modulo 4 KiB (the
 * buffers are 2 MiB-aligned), out of place only. Where y sits just past x
 * modulo the page, a forward pass's loads wait on the stores just made (4K
 * aliasing, docs/PERFORMANCE.md): heap buffers land at any such distance. */
enum { SHIFT_BYTES = 64 };
enum { MODE_OUT, MODE_INPLACE, NUM_MODES };
static const char *const k_modes[NUM_MODES] = {"out", "inplace"};

/* Padded rows: 1000 elements used out of every 1024 (a column slice). */
#define PAD_COLS 1000
#define PAD_PITCH 1024

enum { MAX_LIST = 32 };
typedef struct {
  int quick;
  int smoke;     /* a few small sizes, one short repetition: does it run, right */
  int only_c2op; /* no other candidates (threshold sweeps) */
  int no_peers;  /* leave the NumPy and PyTorch modules out */
  const char *peers_dir;
  const char *json;
  int64_t sizes[MAX_LIST];
  int num_sizes;
  int dtypes[MAX_LIST];
  int num_dtypes;
  int layouts[MAX_LIST];
  int num_layouts;
  int modes[MAX_LIST];
  int num_modes;
  int32_t threads[MAX_LIST];
  int num_threads;
  int reps;        /* repetitions per candidate (median of these) */
  int reps_given;  /* --reps was given: rows of 256 MiB and more take it too */
  double rep_secs; /* target duration of one repetition */
} options;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *alloc_big(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 2u << 20, bytes ? bytes : 1) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE); /* as NumPy does for large arrays */
#endif
  return p;
}

/* The 1-minute load average: other work on the machine skews the figures
 * (printed and stored with them). */
static double load_average(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

/* ------------------------------------------------------------------------ */
/* Candidates                                                               */
/* ------------------------------------------------------------------------ */

typedef struct {
  const dtype_info *dt;
  int layout, mode;
  int32_t threads;
  int64_t numel;     /* logical elements */
  int64_t bytes;     /* logical bytes of one tensor */
  char *xbuf, *ybuf; /* x's and y's memory (y == x in place) */
  char *copy_dst;    /* where memcpy writes: y's buffer, also in place */
  int64_t shape[2], xstrides[2], ystrides[2];
  DLTensor x, y;
  c2op_context *ctx;
  DLTensor cx, cy; /* byte tensors of `bytes` for the N-thread copy */
  /* The reference the targets compare this row with, run interleaved with
   * it (so the ratio does not drift with the machine's load): contiguous
   * for a strided layout, out of place for in place, float32 for another
   * width; same bytes, same buffers. */
  DLTensor rx, ry;
  /* In the contiguous rows' form, [1, n] with strides [n, 1], so that a
   * ratio to the reference changes only what the target names: DLPack
   * strides cost a call a few ns more than NULL ones, about 8% at 1 KiB. */
  int64_t rshape[2], rstrides[2];
  const char *ref_of;
  int64_t cshape;
#ifdef C2OP_BENCH_HAVE_XNNPACK
  xnn_operator_t xnn_op;
  pthreadpool_t xnn_pool;
#endif
  void *peer_call[2];          /* NumPy's and PyTorch's prepared calls */
  int64_t peer_nan_changes[2]; /* NaNs whose payload the peer did not keep */
} row_state;

/* The peers, loaded at start (bench/peers/peer.h): slot 0 NumPy, 1 PyTorch. */
enum { PEER_NUMPY, PEER_TORCH, NUM_PEERS };
static const char *const k_peer_files[NUM_PEERS] = {"c2op-bench-numpy.so", "c2op-bench-torch.so"};
static const c2op_bench_peer *g_peers[NUM_PEERS];
static const char *g_peer_versions[NUM_PEERS];

static int g_status_failed;

static void run_c2op(row_state *r) {
  if (c2op_negative_ex(r->ctx, &r->x, &r->y) != C2OP_OK) g_status_failed = 1;
}

#ifdef C2OP_BENCH_HAVE_XNNPACK
/* N-thread memcpy: one slice per thread on pthreadpool (XNNPACK's pool),
 * slices a multiple of 4 KiB. */
static void copy_slice(void *arg, size_t i) {
  const row_state *r = arg;
  size_t slice = ((size_t)r->bytes / (size_t)r->threads + 4095) & ~(size_t)4095;
  size_t begin = i * slice, end = begin + slice;
  if (end > (size_t)r->bytes) end = (size_t)r->bytes;
  if (begin < end) memcpy(r->copy_dst + begin, r->xbuf + begin, end - begin);
}
static pthreadpool_t g_copy_pools[MAX_LIST + 1];
#endif

static void run_memcpy(row_state *r) {
  /* Below 1 MiB nobody splits a copy over threads: the bar is memcpy. */
  if (r->threads <= 1 || r->bytes < ((int64_t)1 << 20)) {
    memcpy(r->copy_dst, r->xbuf, (size_t)r->bytes);
    return;
  }
#ifdef C2OP_BENCH_HAVE_XNNPACK
  if (r->threads <= MAX_LIST) {
    if (!g_copy_pools[r->threads])
      g_copy_pools[r->threads] = pthreadpool_create((size_t)r->threads);
    pthreadpool_parallelize_1d(g_copy_pools[r->threads], copy_slice, r, (size_t)r->threads, 0);
    return;
  }
#endif
  if (c2op_negate_gradient_ex(r->ctx, &r->cx, &r->cy) != C2OP_OK) g_status_failed = 1;
}

/* The plain loops a user would write (floats: -x, which compilers emit as a
 * sign flip without -ffast-math; integers through unsigned). */
__attribute__((noinline)) static void loop_i8(const int8_t *x, int8_t *y, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    y[i] = (int8_t)(0u - (uint8_t)x[i]);
}
__attribute__((noinline)) static void loop_u16_flip(const uint16_t *x, uint16_t *y, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    y[i] = (uint16_t)(x[i] ^ 0x8000u);
}
__attribute__((noinline)) static void loop_f32(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    y[i] = -x[i];
}
__attribute__((noinline)) static void loop_f64(const double *x, double *y, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    y[i] = -x[i];
}

/* Contiguous rows only: the loop over a strided layout is the row loop. */
static void run_loop(row_state *r) {
  const int64_t rows = r->layout == LAYOUT_PADDED ? r->shape[0] : 1;
  const int64_t cols = r->layout == LAYOUT_PADDED ? r->shape[1] : r->numel;
  const int64_t xpitch = r->layout == LAYOUT_PADDED ? r->xstrides[0] : 0;
  const int64_t ypitch = r->layout == LAYOUT_PADDED ? r->ystrides[0] : 0;
  const size_t es = r->dt->size;
  for (int64_t i = 0; i < rows; i++) {
    const char *x = r->xbuf + i * xpitch * (int64_t)es;
    char *y = r->ybuf + i * ypitch * (int64_t)es;
    switch (es) {
    case 1: loop_i8((const int8_t *)x, (int8_t *)y, cols); break;
    case 2: loop_u16_flip((const uint16_t *)x, (uint16_t *)y, cols); break;
    case 4: loop_f32((const float *)x, (float *)y, cols); break;
    case 8: loop_f64((const double *)x, (double *)y, cols); break;
    default: loop_f64((const double *)x, (double *)y, 2 * cols); break; /* complex128 */
    }
  }
}

static void run_numpy(row_state *r) {
  if (g_peers[PEER_NUMPY]->run(r->peer_call[PEER_NUMPY]) != 0) g_status_failed = 1;
}
static void run_torch(row_state *r) {
  if (g_peers[PEER_TORCH]->run(r->peer_call[PEER_TORCH]) != 0) g_status_failed = 1;
}

static void run_ref(row_state *r) {
  if (c2op_negative_ex(r->ctx, &r->rx, &r->ry) != C2OP_OK) g_status_failed = 1;
}

#ifdef C2OP_BENCH_HAVE_XNNPACK
static void run_xnnpack(row_state *r) {
  if (xnn_run_operator(r->xnn_op, r->xnn_pool) != xnn_status_success) g_status_failed = 1;
}
#endif

typedef struct {
  const char *name;
  void (*fn)(row_state *);
  int enabled;
  int64_t iters;
  int num_samples;
  double samples[64];
  double median; /* seconds per call */
} candidate;

enum { C_C2OP, C_MEMCPY, C_LOOP, C_XNNPACK, C_REF, C_NUMPY, C_TORCH, NUM_CANDIDATES };

/* ------------------------------------------------------------------------ */
/* Measuring                                                                */
/* ------------------------------------------------------------------------ */

static double time_calls(candidate *c, row_state *r, int64_t iters) {
  const double t0 = now_s();
  for (int64_t i = 0; i < iters; i++)
    c->fn(r);
  return (now_s() - t0) / (double)iters;
}

static int compare_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Warm-up and calibration: enough calls per repetition to last rep_secs. */
static void calibrate(candidate *c, row_state *r, double rep_secs) {
  double t = time_calls(c, r, 1); /* first touch, caches */
  t = time_calls(c, r, 1);
  int64_t iters = 1;
  while (t * (double)iters < rep_secs / 8 && iters < ((int64_t)1 << 30)) {
    iters *= 4;
    t = time_calls(c, r, iters);
  }
  c->iters = (int64_t)(rep_secs / (t > 1e-12 ? t : 1e-12));
  if (c->iters < 1) c->iters = 1;
}

/* Multi-threaded rows: before each timed repetition, wait this long, then
 * make one untimed call. The wait outlasts the previous candidate's
 * spinning threads: pthreadpool's workers (XNNPACK, the threaded memcpy)
 * spin 20-30 ms after a job here, and on 2 vCPUs a spinning thread takes
 * the core another candidate's worker needs (measured: c2op on 2 threads,
 * 1 MiB, 95 GB/s after a 30 ms wait, 40-55 GB/s after 5-20 ms). The call
 * wakes this candidate's own workers, as in back-to-back use. Each
 * candidate is then measured in its own steady state, not in the wake of
 * another. */
#define SETTLE_NS 40000000L

static void settle(candidate *c, row_state *r) {
  /* A busy wait, not a sleep: a vCPU that idles for milliseconds comes
   * back slower (measured: a 5 ms nanosleep before each repetition halved
   * single-threaded rows here). */
  const double until = now_s() + SETTLE_NS * 1e-9;
  while (now_s() < until) {
  }
  c->fn(r);
}

static void measure(candidate *cands, row_state *r, int reps, double rep_secs) {
  for (int i = 0; i < NUM_CANDIDATES; i++)
    if (cands[i].enabled) calibrate(&cands[i], r, rep_secs);
  for (int rep = 0; rep < reps; rep++)
    for (int k = 0; k < NUM_CANDIDATES; k++) {
      candidate *c = &cands[(k + rep) % NUM_CANDIDATES];
      if (!c->enabled) continue;
      if (r->threads > 1) settle(c, r);
      c->samples[c->num_samples++] = time_calls(c, r, c->iters);
    }
  /* The samples stay in repetition order (the JSON keeps them so: sample
   * k of two candidates was measured in the same round, which pairs them);
   * the median comes from a sorted copy. */
  for (int i = 0; i < NUM_CANDIDATES; i++) {
    if (!cands[i].enabled) continue;
    double sorted[64];
    memcpy(sorted, cands[i].samples, (size_t)reps * sizeof(double));
    qsort(sorted, (size_t)reps, sizeof(double), compare_double);
    cands[i].median =
        reps % 2 ? sorted[reps / 2] : 0.5 * (sorted[reps / 2 - 1] + sorted[reps / 2]);
  }
}

/* Is this float lane (2, 4 or 8 bytes, little-endian) a NaN? */
static int lane_is_nan(const unsigned char *v, size_t lane) {
  uint64_t u = 0;
  for (size_t b = 0; b < lane; b++)
    u |= (uint64_t)v[b] << (8 * b);
  const unsigned exp_bits = lane == 2 ? 5 : lane == 4 ? 8 : 11;
  const unsigned man_bits = (unsigned)(8 * lane) - 1 - exp_bits;
  const uint64_t exp = (u >> man_bits) & ((1ull << exp_bits) - 1);
  return exp == (1ull << exp_bits) - 1 && (u & ((1ull << man_bits) - 1)) != 0;
}

/* y must be -x: integers negate modulo 2^8, floats flip each lane's sign.
 * With nan_changes non-NULL (a peer's result), a NaN may come back as any
 * NaN: the lanes where it did are counted there instead of failing. */
static int verify_ex(const row_state *r, const char *x_before, int64_t *nan_changes) {
  const size_t es = r->dt->size;
  const size_t lane = es == 16 ? 8 : es;
  const int64_t step = r->numel > 4096 ? 4093 : 1;
  for (int64_t k = 0; k < r->numel; k += step) {
    /* Element k in the row-major order of the logical shape. */
    const int64_t i0 = k / r->shape[1], i1 = k % r->shape[1];
    const char *xv = x_before + (i0 * r->xstrides[0] + i1 * r->xstrides[1]) * (int64_t)es;
    const char *yv =
        (const char *)r->y.data + (i0 * r->ystrides[0] + i1 * r->ystrides[1]) * (int64_t)es;
    for (size_t l = 0; l < es; l += lane) {
      for (size_t b = 0; b < lane; b++) {
        unsigned char want = (unsigned char)xv[l + b];
        if (es == 1)
          want = (unsigned char)(0u - want);
        else if (b == lane - 1)
          want ^= 0x80u;
        if ((unsigned char)yv[l + b] != want) {
          if (nan_changes && es > 1 && lane_is_nan((const unsigned char *)xv + l, lane) &&
              lane_is_nan((const unsigned char *)yv + l, lane)) {
            ++*nan_changes;
            break;
          }
          return 0;
        }
      }
    }
  }
  return 1;
}

static int verify(const row_state *r, const char *x_before) {
  return verify_ex(r, x_before, NULL);
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */
/* ------------------------------------------------------------------------ */

static int32_t g_ncpu;

static void setup_row(row_state *r, const options *o, char *xbuf, char *ybuf, int64_t bytes) {
  const size_t es = r->dt->size;
  r->numel = bytes / (int64_t)es;
  if (r->layout == LAYOUT_SHIFTED) ybuf += SHIFT_BYTES; /* every candidate writes there */
  r->xbuf = xbuf;
  r->ybuf = r->mode == MODE_INPLACE ? xbuf : ybuf;
  r->copy_dst = ybuf;
  (void)o;
  if (r->layout == LAYOUT_PADDED) {
    const int64_t cols = r->numel < PAD_COLS ? r->numel : PAD_COLS;
    const int64_t rows = r->numel / cols;
    r->numel = rows * cols;
    r->shape[0] = rows;
    r->shape[1] = cols;
    r->xstrides[0] = cols == PAD_COLS ? PAD_PITCH : cols + 24;
    r->xstrides[1] = 1;
    /* Out of place the result is a fresh compact tensor; in place it is
     * the slice itself. */
    r->ystrides[0] = r->mode == MODE_INPLACE ? r->xstrides[0] : cols;
    r->ystrides[1] = 1;
  } else if (r->layout == LAYOUT_TRANSPOSED) {
    /* Both x and y are [cols, rows] views with strides [1, cols]. */
    int64_t cols = 1;
    while (cols * cols < r->numel)
      cols *= 2;
    const int64_t rows = r->numel / cols > 0 ? r->numel / cols : 1;
    r->numel = rows * cols;
    r->shape[0] = cols;
    r->shape[1] = rows;
    r->xstrides[0] = r->ystrides[0] = 1;
    r->xstrides[1] = r->ystrides[1] = cols;
  } else {
    r->shape[0] = 1;
    r->shape[1] = r->numel;
    r->xstrides[0] = r->ystrides[0] = r->numel;
    r->xstrides[1] = r->ystrides[1] = 1;
  }
  r->bytes = r->numel * (int64_t)es;
  r->x = (DLTensor){r->xbuf, {kDLCPU, 0}, 2, r->dt->dt, r->shape, r->xstrides, 0};
  r->y = (DLTensor){r->ybuf, {kDLCPU, 0}, 2, r->dt->dt, r->shape, r->ystrides, 0};
  r->cshape = r->bytes;
  r->cx = (DLTensor){xbuf, {kDLCPU, 0}, 1, {kDLUInt, 8, 1}, &r->cshape, NULL, 0};
  r->cy = (DLTensor){ybuf, {kDLCPU, 0}, 1, {kDLUInt, 8, 1}, &r->cshape, NULL, 0};
}

static void json_escape_free(FILE *f, const char *s) {
  fprintf(f, "\"%s\"", s);
}

static void print_header(void) {
  printf("%-10s %9s %-7s %-10s %3s | %9s %9s %9s %9s %9s %9s %9s | %6s %6s %6s %6s %6s %6s\n",
         "dtype", "bytes", "mode", "layout", "thr", "c2op", "memcpy", "loop", "xnnpack", "ref",
         "numpy", "torch", "/mcpy", "/loop", "/xnn", "/ref", "/numpy", "/torch");
  printf("%-10s %9s %-7s %-10s %3s | %9s %9s %9s %9s %9s %9s %9s |\n", "", "", "", "", "", "GB/s",
         "GB/s", "GB/s", "GB/s", "GB/s", "GB/s", "GB/s");
}

static void format_bytes(int64_t b, char *buf, size_t n) {
  if (b >= ((int64_t)1 << 30) && b % ((int64_t)1 << 30) == 0)
    snprintf(buf, n, "%" PRId64 "G", b >> 30);
  else if (b >= ((int64_t)1 << 20) && b % ((int64_t)1 << 20) == 0)
    snprintf(buf, n, "%" PRId64 "M", b >> 20);
  else if (b >= 1024 && b % 1024 == 0)
    snprintf(buf, n, "%" PRId64 "K", b >> 10);
  else
    snprintf(buf, n, "%" PRId64, b);
}

static int g_first_row = 1;

static void report_row(FILE *json, const row_state *r, int64_t nominal, candidate *c, int ok) {
  double gbps[NUM_CANDIDATES] = {0};
  for (int i = 0; i < NUM_CANDIDATES; i++)
    if (c[i].enabled && c[i].median > 0) gbps[i] = 2.0 * (double)r->bytes / c[i].median / 1e9;
  char sz[32];
  format_bytes(nominal, sz, sizeof sz);
  printf("%-10s %9s %-7s %-10s %3d |", r->dt->name, sz, k_modes[r->mode], k_layouts[r->layout],
         (int)r->threads);
  for (int i = 0; i < NUM_CANDIDATES; i++) {
    if (c[i].enabled)
      printf(" %9.2f", gbps[i]);
    else
      printf(" %9s", "-");
  }
  printf(" |");
  for (int i = 1; i < NUM_CANDIDATES; i++) {
    if (c[i].enabled && gbps[i] > 0)
      printf(" %6.2f", gbps[C_C2OP] / gbps[i]);
    else
      printf(" %6s", "-");
  }
  for (int p = 0; p < NUM_PEERS; p++)
    if (r->peer_nan_changes[p])
      printf("  (%s: NaN payloads not kept)", g_peers[p]->name);
  printf("%s\n", ok ? "" : "  WRONG RESULT");
  fflush(stdout);
  if (!json) return;
  fprintf(json, "%s\n    {\"dtype\": ", g_first_row ? "" : ",");
  g_first_row = 0;
  json_escape_free(json, r->dt->name);
  fprintf(json,
          ", \"elem_bytes\": %zu, \"bytes\": %" PRId64 ", \"nominal_bytes\": %" PRId64
          ", \"mode\": \"%s\", \"layout\": \"%s\", \"threads\": %d, \"correct\": %s",
          r->dt->size, r->bytes, nominal, k_modes[r->mode], k_layouts[r->layout], (int)r->threads,
          ok ? "true" : "false");
  if (c[C_REF].enabled) fprintf(json, ", \"ref_of\": \"%s\"", r->ref_of);
  for (int i = 0; i < NUM_CANDIDATES; i++) {
    if (!c[i].enabled) continue;
    fprintf(json,
            ", \"%s\": {\"median_s\": %.9g, \"gbps\": %.4f, \"iters\": %" PRId64
            ", \"samples_s\": [",
            c[i].name, c[i].median, gbps[i], c[i].iters);
    for (int k = 0; k < c[i].num_samples; k++)
      fprintf(json, "%s%.9g", k ? ", " : "", c[i].samples[k]);
    fprintf(json, "]");
    /* Of the elements the check reads (every one up to 4096, then every
     * 4093rd), the NaNs the peer returned with another payload. */
    if (i == C_NUMPY || i == C_TORCH)
      fprintf(json, ", \"nan_payloads_changed\": %" PRId64,
              r->peer_nan_changes[i == C_NUMPY ? PEER_NUMPY : PEER_TORCH]);
    fprintf(json, "}");
  }
  fprintf(json, "}");
}

/* The bytes x spans (the elements and the padding between rows). */
static size_t x_span_bytes(const row_state *r) {
  int64_t span = (r->shape[0] - 1) * r->xstrides[0] + (r->shape[1] - 1) * r->xstrides[1] + 1;
  if (r->layout == LAYOUT_TRANSPOSED) span = r->numel;
  return (size_t)span * r->dt->size;
}

/* Each loaded peer that can do this row gets its call prepared, run once
 * on a y cleared first, and checked as c2op's result is (x restored after
 * an in-place call); a wrong result clears *ok. A peer that cannot do the
 * row (NumPy with more than one thread) has no column there. */
static void prepare_peers(row_state *r, candidate *c, char *scratch, int *ok) {
  static const int cand_of[NUM_PEERS] = {C_NUMPY, C_TORCH};
  for (int p = 0; p < NUM_PEERS; p++) {
    if (!g_peers[p]) continue;
    char why[256] = "";
    if (g_peers[p]->prepare(&r->x, &r->y, (int)r->threads, &r->peer_call[p], why, sizeof why) !=
        0) {
      r->peer_call[p] = NULL;
      continue;
    }
    const size_t xspan = x_span_bytes(r);
    memcpy(scratch, r->xbuf, xspan);
    if (r->mode == MODE_OUT) memset(r->ybuf, 0, (size_t)r->bytes);
    const int ran = g_peers[p]->run(r->peer_call[p]) == 0;
    int64_t nan_changes = 0;
    if (!ran || !verify_ex(r, scratch, &nan_changes)) {
      fprintf(stderr, "c2op-bench: the %s peer's result is wrong in this row\n",
              g_peers[p]->name);
      *ok = 0;
    }
    r->peer_nan_changes[p] = nan_changes;
    if (r->mode == MODE_INPLACE) memcpy(r->xbuf, scratch, xspan);
    c[cand_of[p]].enabled = 1;
  }
}

static void release_peers(row_state *r) {
  for (int p = 0; p < NUM_PEERS; p++)
    if (r->peer_call[p]) g_peers[p]->release(r->peer_call[p]);
}

/* One row: set up, verify once, measure, report. */
static void run_row(FILE *json, const options *o, const dtype_info *dt, int64_t nominal, int layout,
                    int mode, int32_t threads, char *xbuf, char *ybuf, char *scratch) {
  row_state r;
  memset(&r, 0, sizeof r);
  r.dt = dt;
  r.layout = layout;
  r.mode = mode;
  r.threads = threads;
  setup_row(&r, o, xbuf, ybuf, nominal);
  if (r.numel <= 0) return;
  if (c2op_context_create(&r.ctx) != C2OP_OK ||
      c2op_context_set_num_threads(r.ctx, threads) != C2OP_OK) {
    fprintf(stderr, "c2op-bench: context: %s\n", c2op_last_error());
    exit(1);
  }
  /* Correctness once, out of place into y (x is kept in scratch). */
  int ok = 1;
  {
    const size_t xspan = x_span_bytes(&r);
    memcpy(scratch, xbuf, xspan);
    DLTensor x = r.x;
    x.data = scratch;
    ok = c2op_negative_ex(r.ctx, &x, &r.y) == C2OP_OK && verify(&r, scratch);
    if (mode == MODE_INPLACE) memcpy(xbuf, scratch, xspan); /* undo */
  }

  candidate c[NUM_CANDIDATES] = {
      {"c2op", run_c2op, 1, 0, 0, {0}, 0},
      {"memcpy", run_memcpy, 1, 0, 0, {0}, 0},
      {"loop", run_loop, threads == 1 && layout != LAYOUT_TRANSPOSED, 0, 0, {0}, 0},
      {"xnnpack", NULL, 0, 0, 0, {0}, 0},
      {"ref", run_ref, 0, 0, 0, {0}, 0},
      {"numpy", run_numpy, 0, 0, 0, {0}, 0},
      {"torch", run_torch, 0, 0, 0, {0}, 0},
  };
  if (!o->only_c2op) {
    int peers_ok = 1;
    prepare_peers(&r, c, scratch, &peers_ok);
    if (!peers_ok) ok = 0;
  }
#ifdef C2OP_BENCH_HAVE_XNNPACK
  if (dt == &k_dtypes[F32] && layout != LAYOUT_TRANSPOSED) {
    /* Padded rows: XNNPACK's own row pitches; contiguous: one channel. */
    const int padded = layout == LAYOUT_PADDED;
    const size_t channels = padded ? (size_t)r.shape[1] : 1;
    const size_t batch = padded ? (size_t)r.shape[0] : (size_t)r.numel;
    const size_t xstride = padded ? (size_t)r.xstrides[0] : 1;
    const size_t ystride = padded ? (size_t)r.ystrides[0] : 1;
    r.xnn_pool = threads > 1 ? pthreadpool_create((size_t)threads) : NULL;
    if (xnn_create_negate_nc_f32(channels, xstride, ystride, 0, &r.xnn_op) == xnn_status_success &&
        xnn_setup_negate_nc_f32(r.xnn_op, batch, (const float *)r.xbuf, (float *)r.ybuf,
                                r.xnn_pool) == xnn_status_success) {
      c[C_XNNPACK].fn = run_xnnpack;
      c[C_XNNPACK].enabled = 1;
    }
  }
#endif
  /* The reference of this row (see row_state). */
  {
    const dtype_info *rdt = NULL;
    int rmode = mode;
    if (layout != LAYOUT_CONTIG) {
      rdt = dt, r.ref_of = mode == MODE_INPLACE ? "contiguous, in place" : "contiguous";
    } else if (mode == MODE_INPLACE) {
      rdt = dt, rmode = MODE_OUT, r.ref_of = "out of place";
    } else if (dt != &k_dtypes[F32]) {
      rdt = &k_dtypes[F32], r.ref_of = "float32";
    }
    if (rdt) {
      r.rshape[0] = 1;
      r.rshape[1] = r.bytes / (int64_t)rdt->size;
      r.rstrides[0] = r.rshape[1];
      r.rstrides[1] = 1;
      r.rx = (DLTensor){xbuf, {kDLCPU, 0}, 2, rdt->dt, r.rshape, r.rstrides, 0};
      r.ry = r.rx;
      r.ry.data = rmode == MODE_INPLACE ? xbuf : ybuf;
      c[C_REF].enabled = r.rshape[1] > 0;
    }
  }
  if (o->only_c2op)
    for (int i = 1; i < NUM_CANDIDATES; i++)
      c[i].enabled = 0;
  const int reps = r.bytes >= ((int64_t)256 << 20) && o->reps > 5 && !o->reps_given ? 5 : o->reps;
  measure(c, &r, reps, o->rep_secs);
  report_row(json, &r, nominal, c, ok && !g_status_failed);
  if (!ok) g_status_failed = 1;
#ifdef C2OP_BENCH_HAVE_XNNPACK
  if (r.xnn_op) xnn_delete_operator(r.xnn_op);
  if (r.xnn_pool) pthreadpool_destroy(r.xnn_pool);
#endif
  release_peers(&r);
  c2op_context_destroy(r.ctx);
}

/* Call overhead: 16 float32 elements, time per call of c2op and the loop. */
static void run_overhead(FILE *json, const options *o, char *xbuf, char *ybuf, char *scratch) {
  row_state r;
  memset(&r, 0, sizeof r);
  r.dt = &k_dtypes[F32];
  r.threads = 1;
  setup_row(&r, o, xbuf, ybuf, 64);
  c2op_context_create(&r.ctx);
  c2op_context_set_num_threads(r.ctx, 1);
  candidate c[NUM_CANDIDATES] = {
      {"c2op", run_c2op, 1, 0, 0, {0}, 0},     {"memcpy", run_memcpy, 1, 0, 0, {0}, 0},
      {"loop", run_loop, 1, 0, 0, {0}, 0},     {"xnnpack", NULL, 0, 0, 0, {0}, 0},
      {"ref", run_ref, 0, 0, 0, {0}, 0},       {"numpy", run_numpy, 0, 0, 0, {0}, 0},
      {"torch", run_torch, 0, 0, 0, {0}, 0},
  };
  int peers_ok = 1;
  if (!o->only_c2op) prepare_peers(&r, c, scratch, &peers_ok);
  if (!peers_ok) g_status_failed = 1;
#ifdef C2OP_BENCH_HAVE_XNNPACK
  if (xnn_create_negate_nc_f32(1, 1, 1, 0, &r.xnn_op) == xnn_status_success &&
      xnn_setup_negate_nc_f32(r.xnn_op, 16, (const float *)r.xbuf, (float *)r.ybuf, NULL) ==
          xnn_status_success) {
    c[C_XNNPACK].fn = run_xnnpack;
    c[C_XNNPACK].enabled = 1;
  }
#endif
  const int reps = o->reps < 9 ? 9 : o->reps;
  measure(c, &r, reps, o->rep_secs);
  printf("\ncall overhead, 16 float32 elements (median ns per call): c2op %.1f, loop %.1f, "
         "memcpy %.1f",
         c[C_C2OP].median * 1e9, c[C_LOOP].median * 1e9, c[C_MEMCPY].median * 1e9);
  if (c[C_XNNPACK].enabled) printf(", xnnpack run %.1f", c[C_XNNPACK].median * 1e9);
  if (c[C_NUMPY].enabled) printf(", numpy loop %.1f", c[C_NUMPY].median * 1e9);
  if (c[C_TORCH].enabled) printf(", at::neg_out %.1f", c[C_TORCH].median * 1e9);
  printf(" -> c2op / loop = %.2fx\n\n", c[C_C2OP].median / c[C_LOOP].median);
  if (json) {
    fprintf(json,
            "  \"overhead_16_f32\": {\"c2op_ns\": %.3f, \"loop_ns\": %.3f, \"memcpy_ns\": %.3f",
            c[C_C2OP].median * 1e9, c[C_LOOP].median * 1e9, c[C_MEMCPY].median * 1e9);
    if (c[C_XNNPACK].enabled) fprintf(json, ", \"xnnpack_ns\": %.3f", c[C_XNNPACK].median * 1e9);
    if (c[C_NUMPY].enabled) fprintf(json, ", \"numpy_ns\": %.3f", c[C_NUMPY].median * 1e9);
    if (c[C_TORCH].enabled) fprintf(json, ", \"torch_ns\": %.3f", c[C_TORCH].median * 1e9);
    fprintf(json, "},\n");
  }
#ifdef C2OP_BENCH_HAVE_XNNPACK
  if (r.xnn_op) xnn_delete_operator(r.xnn_op);
#endif
  release_peers(&r);
  c2op_context_destroy(r.ctx);
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

/* Loads each peer module found in dir (default: c2op-bench's own
 * directory); says which are missing and why. */
static void load_peers(const char *dir) {
  char self[PATH_MAX];
  if (!dir) {
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return;
    *slash = 0;
    dir = self;
  }
  for (int p = 0; p < NUM_PEERS; p++) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, k_peer_files[p]);
    if (access(path, R_OK) != 0) {
      printf("c2op-bench: %s not built (the target c2op-bench-peers); its column is left out\n",
             path);
      continue;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const c2op_bench_peer *peer = h ? (const c2op_bench_peer *)dlsym(h, "c2op_bench_peer_entry")
                                    : NULL;
    char why[256] = "";
    if (!peer || peer->abi != C2OP_BENCH_PEER_ABI) {
      printf("c2op-bench: cannot use %s: %s\n", path, h ? "no c2op_bench_peer_entry" : dlerror());
      continue;
    }
    if (peer->open(&g_peer_versions[p], why, sizeof why) != 0) {
      printf("c2op-bench: the %s peer does not start: %s\n", peer->name, why);
      continue;
    }
    g_peers[p] = peer;
  }
}

static int64_t parse_size(const char *s) {
  char *end = NULL;
  int64_t v = strtoll(s, &end, 10);
  if (end && (*end == 'K' || *end == 'k')) v <<= 10;
  if (end && (*end == 'M' || *end == 'm')) v <<= 20;
  if (end && (*end == 'G' || *end == 'g')) v <<= 30;
  return v;
}

static int lookup(const char *s, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0) return i;
  fprintf(stderr, "c2op-bench: unknown value '%s'\n", s);
  exit(2);
}

/* Splits a comma list, calling add(item) for each. */
static void parse_list(const char *arg, void (*add)(options *, const char *), options *o) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", arg);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
    add(o, t);
}

static void add_size(options *o, const char *t) {
  if (o->num_sizes < MAX_LIST) o->sizes[o->num_sizes++] = parse_size(t);
}
static void add_dtype(options *o, const char *t) {
  const char *names[NUM_DTYPES];
  for (int i = 0; i < NUM_DTYPES; i++)
    names[i] = k_dtypes[i].name;
  if (o->num_dtypes < MAX_LIST) o->dtypes[o->num_dtypes++] = lookup(t, names, NUM_DTYPES);
}
static void add_layout(options *o, const char *t) {
  if (o->num_layouts < MAX_LIST) o->layouts[o->num_layouts++] = lookup(t, k_layouts, NUM_LAYOUTS);
}
static void add_mode(options *o, const char *t) {
  if (o->num_modes < MAX_LIST) o->modes[o->num_modes++] = lookup(t, k_modes, NUM_MODES);
}
static void add_threads(options *o, const char *t) {
  if (o->num_threads < MAX_LIST)
    o->threads[o->num_threads++] = strcmp(t, "N") == 0 ? g_ncpu : (int32_t)atoi(t);
}

int main(int argc, char **argv) {
  options o;
  memset(&o, 0, sizeof o);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  g_ncpu = ncpu > 0 ? (int32_t)ncpu : 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--quick") == 0) {
      o.quick = 1;
    } else if (strcmp(a, "--smoke") == 0) {
      o.smoke = 1;
    } else if (strcmp(a, "--only-c2op") == 0) {
      o.only_c2op = 1;
    } else if (strcmp(a, "--no-peers") == 0) {
      o.no_peers = 1;
    } else if (v && strcmp(a, "--peers") == 0) {
      o.peers_dir = v, i++;
    } else if (v && strcmp(a, "--json") == 0) {
      o.json = v, i++;
    } else if (v && strcmp(a, "--sizes") == 0) {
      parse_list(v, add_size, &o), i++;
    } else if (v && strcmp(a, "--dtypes") == 0) {
      parse_list(v, add_dtype, &o), i++;
    } else if (v && strcmp(a, "--layouts") == 0) {
      parse_list(v, add_layout, &o), i++;
    } else if (v && strcmp(a, "--modes") == 0) {
      parse_list(v, add_mode, &o), i++;
    } else if (v && strcmp(a, "--threads") == 0) {
      parse_list(v, add_threads, &o), i++;
    } else if (v && strcmp(a, "--reps") == 0) {
      o.reps = atoi(v), o.reps_given = 1, i++;
    } else {
      fprintf(stderr, "usage: see the comment at the top of bench/c2op_bench.c\n");
      return 2;
    }
  }
  if (o.reps <= 0) o.reps = o.quick ? 5 : 7;
  if (o.reps > 64) o.reps = 64;
  o.rep_secs = o.quick ? 0.004 : 0.010;
  if (o.smoke) {
    o.reps = 1;
    o.rep_secs = 0.0002;
    if (!o.num_sizes) parse_list("1K,64K,1M", add_size, &o);
  }
  if (!o.num_sizes) {
    static const char *full = "1K,4K,16K,64K,256K,1M,4M,16M,64M,256M,1G";
    static const char *quick = "1K,16K,256K,4M,64M,256M";
    parse_list(o.quick ? quick : full, add_size, &o);
  }
  if (!o.num_dtypes)
    parse_list(o.quick ? "int8,float32,complex128" : "int8,float16,float32,float64,complex128",
               add_dtype, &o);
  if (!o.num_layouts) parse_list("contiguous,padded,transposed,shifted", add_layout, &o);
  if (!o.num_modes) parse_list("out,inplace", add_mode, &o);
  if (!o.num_threads) {
    add_threads(&o, "1");
    if (g_ncpu > 1) add_threads(&o, "N");
  }

  int64_t max_bytes = 64;
  for (int i = 0; i < o.num_sizes; i++)
    if (o.sizes[i] > max_bytes) max_bytes = o.sizes[i];
  /* Padded rows take 1024/1000 of the logical bytes; memcpy in place
   * writes past x (room for a second tensor). */
  const size_t cap = (size_t)(max_bytes / 1000 * 1024 + 64 * 1024);
  char *xbuf = alloc_big(cap), *ybuf = alloc_big(cap), *scratch = alloc_big(cap);
  if (!xbuf || !ybuf || !scratch) {
    fprintf(stderr, "c2op-bench: cannot allocate 4 x %zu bytes\n", cap);
    return 1;
  }
  uint64_t s = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i + 8 <= cap; i += 8) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    memcpy(xbuf + i, &s, 8);
  }
  memset(ybuf, 0, cap);
  memset(scratch, 0, cap);

#ifdef C2OP_BENCH_HAVE_XNNPACK
  const int have_xnn = xnn_initialize(NULL) == xnn_status_success;
#else
  const int have_xnn = 0;
#endif
  if (!o.no_peers && !o.only_c2op) load_peers(o.peers_dir);

  FILE *json = NULL;
  if (o.json) {
    json = fopen(o.json, "w");
    if (!json) {
      fprintf(stderr, "c2op-bench: %s: %s\n", o.json, strerror(errno));
      return 1;
    }
  }
  const double load_before = load_average();
  printf("c2op-bench: c2op %s, ISA %s, %d CPUs, XNNPACK %s, NumPy %s, PyTorch %s, %d reps "
         "(median), %s mode, load average %.2f\n",
         c2op_version_string(), c2op_cpu_isa_name(), (int)g_ncpu,
         have_xnn ? "linked" : "not built in",
         g_peers[PEER_NUMPY] ? g_peer_versions[PEER_NUMPY] : "absent",
         g_peers[PEER_TORCH] ? g_peer_versions[PEER_TORCH] : "absent", o.reps,
         o.quick ? "quick" : "full", load_before);
  if (json)
    fprintf(json,
            "{\n  \"tool\": \"c2op-bench\", \"version\": \"%s\", \"isa\": \"%s\", \"cpus\": %d, "
            "\"xnnpack\": %s, \"reps\": %d, \"quick\": %s, \"load_before\": %.2f,\n"
            "  \"samples_in_repetition_order\": true,\n",
            c2op_version_string(), c2op_cpu_isa_name(), (int)g_ncpu, have_xnn ? "true" : "false",
            o.reps, o.quick ? "true" : "false", load_before);
  for (int p = 0; json && p < NUM_PEERS; p++)
    if (g_peers[p])
      fprintf(json, "  \"%s_version\": \"%s\",\n", g_peers[p]->name, g_peer_versions[p]);
  run_overhead(json, &o, xbuf, ybuf, scratch);
  print_header();
  if (json) fprintf(json, "  \"rows\": [");
  for (int li = 0; li < o.num_layouts; li++)
    for (int di = 0; di < o.num_dtypes; di++) {
      const int layout = o.layouts[li];
      const dtype_info *dt = &k_dtypes[o.dtypes[di]];
      /* Strided layouts: float32 only (the layout, not the width, is what
       * they measure). */
      if (layout != LAYOUT_CONTIG && dt != &k_dtypes[F32]) continue;
      for (int ti = 0; ti < o.num_threads; ti++)
        for (int mi = 0; mi < o.num_modes; mi++)
          for (int si = 0; si < o.num_sizes; si++)
            if (layout != LAYOUT_SHIFTED || o.modes[mi] == MODE_OUT)
              run_row(json, &o, dt, o.sizes[si], layout, o.modes[mi], o.threads[ti], xbuf, ybuf,
                      scratch);
    }
  const double load_after = load_average();
  printf("load average after: %.2f\n", load_after);
  if (json) {
    fprintf(json, "\n  ],\n  \"load_after\": %.2f\n}\n", load_after);
    fclose(json);
  }
  free(xbuf);
  free(ybuf);
  free(scratch);
  return g_status_failed ? 1 : 0;
}
