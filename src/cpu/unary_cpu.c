/* unary_cpu.c - the CPU elementwise driver: rows, threads, streaming
 * stores, overlap. */
#include "cpu/unary_cpu.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"
#include "cpu/isa.h"
#include "cpu/pool.h"

/* Below this many bytes (x's), a pass runs on the calling thread. Handing
 * work to a spinning worker costs about 0.7 us (a few cache lines crossing
 * between the cores: cpu/pool.c); one thread moves 64 KiB in 1.9 us and
 * 128 KiB in 3.7 us. With both cores free, two threads took 128 KiB to
 * 105-106 GB/s against 69 for one, and 64 KiB to 83-85 against 70; but
 * with another process busy on the second core, a worker preempted inside
 * its part makes the caller wait for the scheduler: 64 KiB on two threads
 * then ran at 3.3 GB/s, 128 KiB at 7-9 (c2op-bench, docs/PERFORMANCE.md,
 * "Thread pool"). So 64 KiB, where two threads gain least, stays on one.
 * C2OP_PARALLEL_MIN_BYTES overrides. */
#define C2OP_DEFAULT_PARALLEL_MIN_BYTES ((int64_t)128 << 10)

/* Passes whose bytes touched (x's and y's: twice the tensor out of place;
 * in place the tensor, per thread) reach this use the streaming kernels: they skip
 * the read-for-ownership of y's lines (2N bytes of traffic instead of 3N)
 * and leave x in cache, but lose badly while the data would have stayed in
 * cache. The default is seven eighths of the L3 cache Linux reports
 * (sysfs; glibc's own reading was 64 MiB on the first machine below and
 * 320 MiB on the second, both wrong), else of the one cpuid describes,
 * else 6 MiB.
 * Measured with bench/sweep.py and c2op-bench (docs/PERFORMANCE.md): on a
 * Zen 1 VM (L3 8 MiB, so 7 MiB; 6 MiB before, the same choice at every
 * size the benchmark runs, padded rows included) one thread out of place
 * gains from 4 MiB tensors on (x + y = 8 MiB: 39 against 13 GB/s), breaks
 * even around 2 MiB and loses at 1 MiB; in place gains from 8 MiB on and
 * loses 2x at 4 MiB. On a Zen 4 VM (L3 32 MiB, so 28 MiB) out of place
 * with one stream, two threads lose 2x streaming 12 MiB tensors (52
 * against 103-106 GB/s; one thread is even) and gain from 32 MiB; in place
 * never streams there (would_stream). C2OP_STREAMING_BYTES overrides (0:
 * always; a huge value: never). */
#define C2OP_FALLBACK_STREAMING_BYTES ((int64_t)6 << 20)

/* Rows shorter than this many bytes keep regular stores even in a streaming
 * pass: a non-temporal store of a partial line is slow. */
#define C2OP_STREAMING_MIN_ROW_BYTES 1024

/* Parts per thread: the second lets the others finish a late thread's
 * share (cpu/pool.h). One contiguous run held in cache below
 * ONE_PART_MAX_BYTES takes one part per thread: its workers read a
 * one-line descriptor and start at once, and each extra claim and hand-off
 * costs more than a late share (2 threads, c2op-bench: 128 KiB 99-100 ->
 * 105-106 GB/s, in place 105 -> 108-111; 256 KiB 115-116 -> 116-118, in
 * place 124-125 -> 126-128; 64 KiB, when made parallel, 76 -> 83-85 and
 * 82 -> 89). At 512 KiB the runs were mixed, so the rule stops below it;
 * larger sizes were not measured. Rows split by whole rows
 * (c2op__cpu_unary_rows) follow the same rule: their tasks read one line
 * too. Passes over a plan (rows that stream, say) keep two: their workers
 * first read the caller's 800-byte plan, and with one part each the caller
 * often finished its half and took the worker's too (padded 256 KiB out
 * of place on 2 threads at one thread's speed, 0.61x of contiguous, in a
 * full run when such rows still went through a plan; docs/PERFORMANCE.md,
 * "Thread pool"). */
#define PARTS_PER_THREAD 2
#define ONE_PART_MAX_BYTES ((int64_t)512 << 10)

/* A sweep over several rows whose x takes at least this many bytes per
 * thread runs each row forward (kernel->contig_fwd). contig runs a row
 * backward when y sits 1-512 bytes past x modulo the page, against 4K
 * aliasing; that gains on one long pass, and on rows held in the L2, but
 * descending rows inside an ascending sweep out of the L2 lost 9-20% at
 * 768 KiB-4 MiB of rows of 4000 and 16000 bytes (Zen 4 VM, L2 1 MiB, y 64
 * bytes past x, in-process A/B of the two loops, medians of 15-21 paired
 * rounds); at 512 KiB the two were within 3% either way in two runs, and
 * at 128-256 KiB backward gained 2-10%. Into a compact y from padded rows
 * the distance changes from row to row, and one row in eight ran
 * backward: 4% of the pass (docs/PERFORMANCE.md, "Rows that run
 * backward"). */
#define C2OP__ROWS_FORWARD_BYTES ((int64_t)512 << 10)

/* The contiguous kernel for each row of a sweep of `bytes` of x per
 * thread (C2OP__ROWS_FORWARD_BYTES). */
static inline c2op__contig_fn rows_contig(const c2op__unary_kernel *k, int64_t bytes) {
  return bytes >= C2OP__ROWS_FORWARD_BYTES && k->contig_fwd ? k->contig_fwd : k->contig;
}

static int64_t parallel_min_bytes;
static int64_t streaming_bytes;
static atomic_int settings_ready; /* set once all are read */
static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

static void read_settings(void) {
  parallel_min_bytes = c2op__env_bytes("C2OP_PARALLEL_MIN_BYTES", C2OP_DEFAULT_PARALLEL_MIN_BYTES);
  /* The CPU is asked only for defaults the environment does not set (-1:
   * unset or not a count), so a process that sets both reads no file. */
  streaming_bytes = c2op__env_bytes("C2OP_STREAMING_BYTES", -1);
  if (streaming_bytes < 0) {
    const int64_t l3 = c2op__cpu_l3_bytes();
    streaming_bytes = l3 > 0 ? l3 / 8 * 7 : C2OP_FALLBACK_STREAMING_BYTES;
  }
  /* C2OP_STREAM_PAIRS: 0 one stream, any other count two (a value that
   * is not a count keeps the default); by default two on the CPUs
   * measured to gain from them (cpu/kernels.h). The kernels and the
   * driver both read c2op__stream_pairs, so they never disagree. */
  int64_t pairs = c2op__env_bytes("C2OP_STREAM_PAIRS", -1);
  if (pairs < 0) pairs = c2op__cpu_prefers_stream_pairs();
  atomic_store_explicit(&c2op__stream_pairs, pairs != 0, memory_order_relaxed);
  atomic_store_explicit(&settings_ready, 1, memory_order_release);
}

/* How one pass runs: the plan, and the contiguous-row function chosen for
 * it (streaming or not). */
typedef struct {
  const c2op__plan *plan;
  const c2op__unary_kernel *kernel;
  c2op__contig_fn contig; /* NULL: rows go through kernel->strided */
  int64_t chunk;          /* elements per task */
  int streaming;          /* a streaming pass: fence after each task */
  int rows;               /* streaming rows of whole lines: see run_streamed */
  int gather;             /* and y dense: lines across rows gathered */
} pass_t;

/* Whether the streaming loops run two streams (cpu/kernels.h). */
static inline int stream_pairs(void) {
  return atomic_load_explicit(&c2op__stream_pairs, memory_order_relaxed);
}

static inline void ensure_settings(void) {
  if (!atomic_load_explicit(&settings_ready, memory_order_acquire))
    pthread_once(&settings_once, read_settings);
}

/* The threads a pass of `bytes` in `numel` elements runs on: one below
 * the parallel threshold (or with fewer than two elements a thread). */
static inline int32_t pass_threads(int32_t threads, int64_t bytes, int64_t numel) {
  if (threads > C2OP__POOL_MAX_THREADS) threads = C2OP__POOL_MAX_THREADS;
  return bytes < parallel_min_bytes || numel < 2 * (int64_t)threads ? 1 : threads;
}

/* x and y start on their lane: the contiguous kernels take them. */
static inline int lane_aligned(const char *x, const char *y, size_t elem_size) {
  return (((uintptr_t)x | (uintptr_t)y) & (c2op__lane_alignment(elem_size) - 1)) == 0;
}

/* Streaming when the bytes touched are past the threshold: out of place
 * all of them (x and y of every thread share the L3), in place each
 * thread's share; and rows long enough. Measured on 2 threads (loop of
 * calls, default against always and never streaming, twice): out of place
 * 4 MiB streams at 40-42 GB/s against 28-33 with regular stores (which the
 * earlier per-thread rule chose); in place 8 MiB is 29-31 GB/s with regular
 * stores against 22-24 streaming (docs/PERFORMANCE.md). */
static inline int would_stream(const c2op__unary_kernel *k, int inplace, int64_t bytes,
                               int32_t threads, int64_t row_bytes) {
  /* In place the streaming loop keeps regular stores. With two streams a
   * page apart that gained on the Zen 1 VM (256 MiB: 16.4 against 13.8
   * GB/s for the plain loop); with one stream it is the plain loop plus
   * prefetches, which measured the same as the plain loop on the Zen 4 VM
   * (64 and 256 MiB: 38.5 and 43.3 against 38.5 and 43.5 GB/s), so in
   * place keeps the plain kernel there. */
  if (inplace && !stream_pairs()) return 0;
  const int64_t touched = inplace ? bytes / threads : 2 * bytes;
  return k->contig_nt && touched >= streaming_bytes && row_bytes >= C2OP_STREAMING_MIN_ROW_BYTES;
}

/* Parts per thread: PARTS_PER_THREAD, or one for a pass whose tasks read a
 * one-line descriptor and that is held in cache (ONE_PART_MAX_BYTES). */
static inline int64_t parts_per_thread(int one_line, int streaming, int64_t bytes) {
  return one_line && !streaming && bytes < ONE_PART_MAX_BYTES ? 1 : PARTS_PER_THREAD;
}

/* The element offsets (in x and y) of element `begin` of the plan's
 * iteration order (dim 0 fastest), and its index. */
static void locate(const c2op__plan *p, int64_t begin, int64_t *idx, int64_t *xo, int64_t *yo) {
  int64_t rest = begin;
  *xo = *yo = 0;
  if (begin == 0) { /* a pass on one thread: skip two divisions per dim */
    memset(idx, 0, (size_t)p->ndim * sizeof *idx);
    return;
  }
  for (int32_t d = 0; d < p->ndim; d++) {
    idx[d] = rest % p->shape[d];
    rest /= p->shape[d];
    *xo += idx[d] * p->xs[d];
    *yo += idx[d] * p->ys[d];
  }
}

/* From a row's first element to the next row's: dim 1 steps (carrying
 * into outer dims), dim 0 goes back to 0. */
static inline void next_row(const c2op__plan *p, int64_t *idx, int64_t *xo, int64_t *yo) {
  *xo -= idx[0] * p->xs[0];
  *yo -= idx[0] * p->ys[0];
  idx[0] = 0;
  for (int32_t d = 1; d < p->ndim; d++) {
    *xo += p->xs[d];
    *yo += p->ys[d];
    if (++idx[d] < p->shape[d]) break;
    *xo -= idx[d] * p->xs[d];
    *yo -= idx[d] * p->ys[d];
    idx[d] = 0;
  }
}

/* A walk over the rows (runs along dim 0) of elements [begin, end). */
typedef struct {
  const c2op__plan *p;
  int64_t idx[C2OP_MAX_NDIM];
  int64_t xo, yo; /* element offsets of the next row */
  int64_t left;   /* elements still to hand out */
} rows_t;

static inline void rows_start(rows_t *r, const c2op__plan *p, int64_t begin, int64_t end) {
  r->p = p;
  r->left = end - begin;
  locate(p, begin, r->idx, &r->xo, &r->yo);
}

/* The next row: its element offsets in x and y and its length. Returns 0
 * once the range is done. */
static inline int rows_next(rows_t *r, int64_t *xo, int64_t *yo, int64_t *run) {
  if (r->left <= 0) return 0;
  int64_t n = r->p->shape[0] - r->idx[0];
  if (n > r->left) n = r->left;
  *xo = r->xo;
  *yo = r->yo;
  *run = n;
  r->left -= n;
  next_row(r->p, r->idx, &r->xo, &r->yo);
  return 1;
}

/* Elements [begin, end) of the plan in its iteration order. */
static void run_range(const pass_t *pass, int64_t begin, int64_t end) {
  const c2op__plan *p = pass->plan;
  const int64_t e = (int64_t)p->elem_size;
  if (p->ndim == 1) {
    if (pass->contig)
      pass->contig(p->x + begin * e, p->y + begin * e, end - begin, p->elem_size);
    else
      pass->kernel->strided(p->x + begin * p->xs[0] * e, p->xs[0] * e, p->y + begin * p->ys[0] * e,
                            p->ys[0] * e, end - begin, p->elem_size);
    return;
  }
  rows_t rows;
  int64_t xo, yo, run;
  rows_start(&rows, p, begin, end);
  while (rows_next(&rows, &xo, &yo, &run)) {
    const char *x = p->x + xo * e;
    char *y = p->y + yo * e;
    if (pass->contig)
      pass->contig(x, y, run, p->elem_size);
    else
      pass->kernel->strided(x, p->xs[0] * e, y, p->ys[0] * e, run, p->elem_size);
  }
}

/* Whole lines of y held back until a second run can stream beside them. */
typedef struct {
  const char *x;
  char *y;
  int64_t bytes; /* 0: none */
} lines_t;

/* Streams `bytes` (whole lines, > 0) from x to y, two runs at a time when
 * the streaming loops run two streams (c2op__stream_pairs): on the Zen 1
 * VM two streams kept more of the memory's banks busy than one (rows of
 * 4000 bytes, 64 MiB, one thread, a standalone loop: 17.2-17.6 GB/s in
 * pairs against 14.7-16.0 one row at a time). What is left of the longer
 * run waits for the next. With one stream, each run goes alone, always
 * forward: x's and y's offsets in the page drift from row to row (rows of
 * 4000 bytes from a pitch of 4096), so a backward choice per row would
 * flip direction every few rows (Zen 4 VM, padded rows, 16-256 MiB, one
 * thread: forward 1.16-1.51x over the per-row choice, medians of 3). */
static void stream_lines(const pass_t *pass, lines_t *held, const char *x, char *y, int64_t bytes) {
  const size_t e = pass->plan->elem_size;
  if (!stream_pairs()) {
    pass->kernel->contig_nt_shared(x, y, bytes / (int64_t)e, e);
    return;
  }
  if (!held->bytes) {
    *held = (lines_t){x, y, bytes};
    return;
  }
  const int64_t both = held->bytes < bytes ? held->bytes : bytes;
  pass->kernel->contig_nt_pair(held->x, held->y, x, y, both / (int64_t)e, e);
  if (held->bytes > both)
    *held = (lines_t){held->x + both, held->y + both, held->bytes - both};
  else
    *held = (lines_t){x + both, y + both, bytes - both};
}

/* A streaming pass over rows (elements [begin, end) of a plan of two or
 * more dims, y aligned to the element size). The whole lines of y inside
 * each row are streamed two rows at a time (stream_lines). The partial
 * lines at the ends of a row take regular stores (when y's rows are apart,
 * a non-temporal store of part of a line next to a regular store into it
 * forces a slow partial write), except when y is dense in the plan's order
 * (a padded slice copied out, say): then a line that straddles two rows is
 * first gathered (x's bytes, not yet transformed) into a 64-byte buffer and
 * streamed from there as one whole line, so that no line of y gets a read
 * for ownership. Only the partial lines at the ends of [begin, end), which
 * a neighbouring task or bytes outside y share, always take regular
 * stores. Rows of 4000 bytes into a dense y, one thread, against the
 * contiguous pass: 4 MiB 0.57-0.63x with a fence and regular stores on the
 * straddling lines per row, 0.80-0.96x now; 64 MiB 0.80-0.87x before,
 * 0.89-0.99x now (docs/PERFORMANCE.md). */
static void run_streamed(const pass_t *pass, int64_t begin, int64_t end) {
  const c2op__plan *p = pass->plan;
  const c2op__unary_kernel *k = pass->kernel;
  const int64_t e = (int64_t)p->elem_size;
  const uintptr_t y0 = (uintptr_t)p->y;
  /* [lo, hi): the lines of y that gathering may assemble. */
  const uintptr_t lo = (y0 + (uintptr_t)(begin * e) + 63) & ~(uintptr_t)63;
  const uintptr_t hi = (y0 + (uintptr_t)(end * e)) & ~(uintptr_t)63;
  const int gather = pass->gather && lo < hi;
  _Alignas(64) char line[64];
  lines_t held = {NULL, NULL, 0};
  rows_t rows;
  int64_t xo, yo, run;
  rows_start(&rows, p, begin, end);
  while (rows_next(&rows, &xo, &yo, &run)) {
    const char *x = p->x + xo * e;
    const uintptr_t a = y0 + (uintptr_t)(yo * e), b = a + (uintptr_t)(run * e);
    /* The next row's two ends, which the gathering copies and the regular
     * stores read before any stream reaches them: a miss to memory each
     * (without these: 14.3 against 17.6 GB/s contiguous, rows of 4000
     * bytes, 64 MiB). An address past x is harmless to prefetch. */
    __builtin_prefetch(x + p->xs[1] * e);
    __builtin_prefetch(x + p->xs[1] * e + (p->shape[0] - 1) * e);
    /* [s, t): the part that may stream; regular stores outside it. */
    uintptr_t s = (a + 63) & ~(uintptr_t)63, t = b & ~(uintptr_t)63;
    if (gather) {
      s = a > lo ? a : lo;
      t = b < hi ? b : hi;
    }
    if (s >= t) {
      k->contig(x, (char *)a, run, p->elem_size);
    } else {
      if (a < s) k->contig(x, (char *)a, (int64_t)(s - a) / e, p->elem_size);
      if (t < b) k->contig(x + (t - a), (char *)t, (int64_t)(b - t) / e, p->elem_size);
      if (s & 63) { /* gathering: finish the line the previous row began */
        const uintptr_t next = (s + 63) & ~(uintptr_t)63, stop = next < t ? next : t;
        memcpy(line + (s & 63), x + (s - a), stop - s);
        /* Always complete with streamed rows (1 KiB and longer); kept for
         * any row length. */
        if (stop == next) pass->contig(line, (char *)(next - 64), 64 / e, p->elem_size);
        s = stop;
      }
      const uintptr_t whole = t & ~(uintptr_t)63;
      if (whole > s) {
        stream_lines(pass, &held, x + (s - a), (char *)s, (int64_t)(whole - s));
        s = whole;
      }
      if (s < t) memcpy(line, x + (s - a), t - s); /* gathering: the next row finishes it */
    }
  }
  if (held.bytes) pass->contig(held.x, held.y, held.bytes / e, p->elem_size);
}

/* One task's share of a pass: a run, then the fence its streaming stores
 * need before the pool hands the task back. */
static void run_part(const pass_t *pass, int64_t begin, int64_t end) {
  if (pass->rows)
    run_streamed(pass, begin, end);
  else
    run_range(pass, begin, end);
  if (pass->streaming) c2op__store_fence();
}

static void run_task(void *arg, int64_t task) {
  const pass_t *pass = arg;
  const int64_t begin = task * pass->chunk;
  int64_t end = begin + pass->chunk;
  if (end > pass->plan->numel) end = pass->plan->numel;
  if (begin < end) run_part(pass, begin, end);
}

/* A one-dim contiguous pass as its tasks see it: one cache line. */
typedef struct {
  _Alignas(64) c2op__contig_fn contig;
  const char *x;
  char *y;
  size_t elem_size;
  int64_t chunk; /* elements per task */
  int64_t numel;
  int streaming; /* fence after */
} flat_t;

static void run_flat_task(void *arg, int64_t task) {
  const flat_t *f = arg;
  const int64_t begin = task * f->chunk;
  const int64_t end = begin + f->chunk < f->numel ? begin + f->chunk : f->numel;
  if (begin < end)
    f->contig(f->x + begin * (int64_t)f->elem_size, f->y + begin * (int64_t)f->elem_size,
              end - begin, f->elem_size);
  if (f->streaming) c2op__store_fence();
}

/* 1 when y's elements lie one after the other in the plan's order. */
static int dense_y(const c2op__plan *p) {
  int64_t expect = 1;
  for (int32_t d = 0; d < p->ndim; d++) {
    if (p->ys[d] != expect) return 0;
    expect *= p->shape[d];
  }
  return 1;
}

/* Runs the pass, split over up to `threads` threads when large. */
static void run_plan(const c2op__plan *p, const c2op__unary_kernel *k, int32_t threads) {
  ensure_settings();
  const int64_t e = (int64_t)p->elem_size;
  const int64_t bytes = p->numel * e;
  threads = pass_threads(threads, bytes, p->numel);
  pass_t pass = {p, k, NULL, p->numel, 0, 0, 0};
  if (p->xs[0] == 1 && p->ys[0] == 1 && lane_aligned(p->x, p->y, p->elem_size)) {
    const int stream = would_stream(k, p->inplace, bytes, threads, p->shape[0] * e);
    /* On several threads the streaming loop always runs forward (cpu/kernels.h). */
    pass.contig = !stream       ? (p->ndim > 1 ? rows_contig(k, bytes / threads) : k->contig)
                  : p->inplace  ? k->contig_big_inplace
                  : threads > 1 ? k->contig_nt_shared
                                : k->contig_nt;
    pass.streaming = stream;
    pass.rows = stream && p->ndim > 1 && k->contig_nt_pair && (uintptr_t)p->y % (uintptr_t)e == 0;
    pass.gather = pass.rows && dense_y(p);
  }
  /* One or PARTS_PER_THREAD parts per thread, each a multiple of 4 KiB
   * worth of elements where possible so that threads do not share lines or
   * pages of y. */
  const int one_run = p->ndim == 1 && pass.contig; /* one contiguous run */
  int64_t parts = 1;
  if (threads > 1) {
    const int64_t align = 4096 / e > 0 ? 4096 / e : 1;
    const int64_t per_thread = parts_per_thread(one_run, pass.streaming, bytes);
    int64_t chunk = (p->numel + per_thread * threads - 1) / (per_thread * threads);
    chunk = (chunk + align - 1) / align * align;
    parts = (p->numel + chunk - 1) / chunk;
    pass.chunk = chunk;
  }
  if (parts <= 1) {
    run_part(&pass, 0, p->numel);
  } else if (one_run) {
    /* One contiguous run: the workers read this line and nothing of the
     * caller's plan (four lines of its stack, each a transfer between the
     * cores at 100-200 ns; measured: 64 KiB on 2 threads 66 -> 75 GB/s with
     * the pool's own layout change). */
    const flat_t flat = {pass.contig, p->x,     p->y,          p->elem_size,
                         pass.chunk,  p->numel, pass.streaming};
    c2op__pool_run(threads, parts, run_flat_task, (void *)&flat);
  } else {
    c2op__pool_run(threads, parts, run_task, &pass);
  }
}

/* 1 when run_plan would run a dense one-dim pass of `numel` elements
 * from x to y (the same elements or disjoint) as one kernel->contig call
 * on the calling thread: lane-aligned, one thread, regular stores. Both
 * ways into the driver call the kernel directly then. */
static inline int one_contig_call(const c2op_context *ctx, const char *x, const char *y,
                                  int64_t numel, size_t elem_size,
                                  const c2op__unary_kernel *kernel) {
  ensure_settings();
  const int64_t bytes = numel * (int64_t)elem_size;
  return numel > 0 && lane_aligned(x, y, elem_size) &&
         pass_threads(c2op__context_threads(ctx), bytes, numel) == 1 &&
         !would_stream(kernel, x == y, bytes, 1, bytes);
}

c2op_status c2op__cpu_unary_span_planned(const c2op_context *ctx, const char *x, char *y,
                                         int64_t numel, size_t elem_size,
                                         const c2op__unary_kernel *kernel) {
  /* Without building the 800-byte plan where the kernel alone does the
   * pass: through the plan a call cost about 450 instructions, and 64 KiB
   * of int8 in place ran 6% behind a plain loop (219 against 232 GB/s, and
   * behind NumPy's own loop in c2op-bench). */
  if (one_contig_call(ctx, x, y, numel, elem_size, kernel)) {
    kernel->contig(x, y, numel, elem_size);
    return C2OP_OK;
  }
  const c2op__span span = {x, y, numel, elem_size};
  c2op__plan plan;
  c2op__plan_of_span(&span, &plan);
  return c2op__cpu_unary(ctx, &plan, kernel);
}

/* Rows that c2op__cpu_unary_rows leaves to the driver, planned in a frame
 * of their own: the loop's frame then holds no 800-byte plan. */
__attribute__((noinline)) static c2op_status
rows_planned(const c2op_context *ctx, const c2op__rows *rows, const c2op__unary_kernel *kernel) {
  c2op__plan plan;
  c2op__plan_of_rows(rows, &plan);
  return c2op__cpu_unary(ctx, &plan, kernel);
}

/* Rows split over the pool by whole rows, as its tasks see them: one
 * cache line, like flat_t. Task t takes rows [t * rows / parts,
 * (t + 1) * rows / parts). */
typedef struct {
  _Alignas(64) c2op__contig_fn contig;
  const char *x;
  char *y;
  int64_t xstep, ystep; /* bytes from one row to the next */
  int64_t cols;
  int64_t rows; /* at most INT32_MAX: the products below fit */
  int32_t parts;
  uint32_t elem_size;
} rows_task_t;

static void run_rows(c2op__contig_fn contig, const char *x, int64_t xstep, char *y, int64_t ystep,
                     int64_t rows, int64_t cols, size_t e) {
  for (int64_t r = 0; r < rows; r++, x += xstep, y += ystep)
    contig(x, y, cols, e);
}

_Static_assert(sizeof(rows_task_t) == 64, "rows_task_t is one cache line");

static void run_rows_task(void *arg, int64_t task) {
  const rows_task_t *t = arg;
  const int64_t begin = task * t->rows / t->parts, end = (task + 1) * t->rows / t->parts;
  run_rows(t->contig, t->x + begin * t->xstep, t->xstep, t->y + begin * t->ystep, t->ystep,
           end - begin, t->cols, t->elem_size);
}

c2op_status c2op__cpu_unary_rows(const c2op_context *ctx, const c2op__rows *rows,
                                 const c2op__unary_kernel *kernel) {
  ensure_settings();
  const size_t e = rows->elem_size;
  const int64_t numel = rows->rows * rows->cols, bytes = numel * (int64_t)e; /* c2op__rows_of */
  /* (small passes skip the context's lookup) */
  const int32_t threads =
      bytes < parallel_min_bytes ? 1 : pass_threads(c2op__context_threads(ctx), bytes, numel);
  /* Without streaming stores run_plan would take each row through the
   * contiguous kernel too. Here that runs without the plan, the driver's
   * row walk and its bookkeeping: on 2 rows of 16 float32 a call took
   * 86-97 ns through them, now 41-47, against 26 for 32 contiguous floats;
   * and on threads, the workers read one line and take whole rows
   * (docs/PERFORMANCE.md, "Rows"). */
  if (lane_aligned(rows->x, rows->y, e) &&
      !would_stream(kernel, rows->inplace, bytes, threads, rows->cols * (int64_t)e)) {
    const int64_t xstep = rows->xpitch * (int64_t)e, ystep = rows->ypitch * (int64_t)e;
    const c2op__contig_fn contig = rows_contig(kernel, bytes / threads);
    if (threads < 2) {
      run_rows(contig, rows->x, xstep, rows->y, ystep, rows->rows, rows->cols, e);
      return C2OP_OK;
    }
    const int64_t parts = parts_per_thread(1, 0, bytes) * threads;
    /* Fewer rows than parts (longer ones): the driver splits inside them. */
    if (rows->rows >= parts && rows->rows <= INT32_MAX) {
      const rows_task_t task = {contig,     rows->x,    rows->y,        xstep,      ystep,
                                rows->cols, rows->rows, (int32_t)parts, (uint32_t)e};
      c2op__pool_run(threads, parts, run_rows_task, (void *)&task);
      return C2OP_OK;
    }
  }
  return rows_planned(ctx, rows, kernel);
}

c2op_status c2op__cpu_unary(const c2op_context *ctx, const c2op__plan *plan,
                            const c2op__unary_kernel *kernel) {
  if (plan->numel == 0) return C2OP_OK;
  const int64_t bytes = plan->numel * (int64_t)plan->elem_size;
  if (plan->ndim == 1 && plan->xs[0] == 1 && plan->ys[0] == 1 && !plan->overlap &&
      one_contig_call(ctx, plan->x, plan->y, plan->numel, plan->elem_size, kernel)) {
    kernel->contig(plan->x, plan->y, plan->numel, plan->elem_size);
    return C2OP_OK;
  }
  const int32_t threads = c2op__context_threads(ctx);
  if (!plan->overlap) {
    run_plan(plan, kernel, threads);
    return C2OP_OK;
  }
  /* x and y overlap without being the same elements: copy x into a scratch
   * buffer laid out densely in the plan's dim order, then run from it. */
  char *scratch = c2op__malloc((size_t)bytes);
  C2OP_RETURN_IF(!scratch, C2OP_ERR_OUT_OF_MEMORY,
                 "x: out of memory for a %zu-byte scratch copy (x and y overlap)", (size_t)bytes);
  c2op__plan to_scratch, from_scratch;
  c2op__plan_through_scratch(plan, scratch, &to_scratch, &from_scratch);
  run_plan(&to_scratch, &c2op__copy__scalar, threads);
  run_plan(&from_scratch, kernel, threads);
  c2op__free(scratch);
  return C2OP_OK;
}
