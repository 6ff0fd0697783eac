/* unary_cpu.c - the CPU elementwise driver: rows, threads, overlap. */
#include "cpu/unary_cpu.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/context.h"
#include "core/error.h"

/* Below this many bytes (x's), a pass runs on the calling thread; starting
 * threads costs tens of microseconds. C2OP_PARALLEL_MIN_BYTES overrides. */
#define C2OP_DEFAULT_PARALLEL_MIN_BYTES ((int64_t)4 << 20)

static int64_t parallel_min_bytes;
static pthread_once_t parallel_once = PTHREAD_ONCE_INIT;

static void read_parallel_min_bytes(void) {
  parallel_min_bytes = C2OP_DEFAULT_PARALLEL_MIN_BYTES;
  const char *env = getenv("C2OP_PARALLEL_MIN_BYTES");
  if (env && *env) {
    char *end = NULL;
    long long v = strtoll(env, &end, 10);
    if (end && *end == '\0' && v >= 0) parallel_min_bytes = v;
  }
}

/* Elements [begin, end) of the plan in its iteration order (dim 0 fastest). */
static void run_range(const c2op__plan *p, const c2op__unary_kernel *k, int64_t begin,
                      int64_t end) {
  int64_t idx[C2OP_MAX_NDIM];
  int64_t rest = begin;
  for (int32_t d = 0; d < p->ndim; d++) {
    idx[d] = rest % p->shape[d];
    rest /= p->shape[d];
  }
  const int64_t e = (int64_t)p->elem_size;
  /* Contiguous kernels access typed lanes; tensors whose base is not aligned
   * to the lane (an odd byte_offset, say) take the strided kernel, which
   * reads and writes through memcpy. Rows start at multiples of e. */
  const uintptr_t lane_align = (uintptr_t)(e & -e) < 8 ? (uintptr_t)(e & -e) : 8;
  const int aligned = (((uintptr_t)p->x | (uintptr_t)p->y) & (lane_align - 1)) == 0;
  const int contiguous = p->xs[0] == 1 && p->ys[0] == 1 && aligned;
  while (begin < end) {
    int64_t run = p->shape[0] - idx[0];
    if (run > end - begin) run = end - begin;
    int64_t xo = 0, yo = 0;
    for (int32_t d = 0; d < p->ndim; d++) {
      xo += idx[d] * p->xs[d];
      yo += idx[d] * p->ys[d];
    }
    const char *x = p->x + xo * e;
    char *y = p->y + yo * e;
    if (contiguous)
      k->contig(x, y, run, p->elem_size);
    else
      k->strided(x, p->xs[0] * e, y, p->ys[0] * e, run, p->elem_size);
    begin += run;
    idx[0] = 0;
    for (int32_t d = 1; d < p->ndim && ++idx[d] == p->shape[d]; d++) idx[d] = 0;
  }
}

typedef struct {
  const c2op__plan *plan;
  const c2op__unary_kernel *kernel;
  int64_t begin, end;
} range_task;

static void *range_thread(void *arg) {
  const range_task *t = arg;
  run_range(t->plan, t->kernel, t->begin, t->end);
  return NULL;
}

/* Splits the pass over up to `threads` threads; falls back to running a
 * chunk on the calling thread if a thread cannot be started. */
static void run_plan(const c2op__plan *p, const c2op__unary_kernel *k, int32_t threads) {
  pthread_once(&parallel_once, read_parallel_min_bytes);
  int64_t bytes = p->numel * (int64_t)p->elem_size;
  if (threads <= 1 || bytes < parallel_min_bytes || p->numel < 2 * (int64_t)threads) {
    run_range(p, k, 0, p->numel);
    return;
  }
  enum { MAX_TASKS = 64 };
  if (threads > MAX_TASKS) threads = MAX_TASKS;
  range_task tasks[MAX_TASKS];
  pthread_t ids[MAX_TASKS];
  int started[MAX_TASKS] = {0};
  /* Chunks are multiples of 4 KiB worth of elements where possible, so
   * threads do not share cache lines of y. */
  int64_t align = 4096 / (int64_t)p->elem_size;
  if (align < 1) align = 1;
  int64_t chunk = (p->numel + threads - 1) / threads;
  chunk = (chunk + align - 1) / align * align;
  int32_t n = 0;
  for (int64_t b = 0; b < p->numel && n < threads; b += chunk, n++) {
    tasks[n].plan = p;
    tasks[n].kernel = k;
    tasks[n].begin = b;
    tasks[n].end = b + chunk < p->numel ? b + chunk : p->numel;
  }
  for (int32_t i = 1; i < n; i++)
    started[i] = pthread_create(&ids[i], NULL, range_thread, &tasks[i]) == 0;
  range_thread(&tasks[0]);
  for (int32_t i = 1; i < n; i++) {
    if (started[i])
      pthread_join(ids[i], NULL);
    else
      range_thread(&tasks[i]);
  }
}

c2op_status c2op__cpu_unary(const c2op_context *ctx, const c2op__plan *plan,
                            const c2op__unary_kernel *kernel) {
  if (plan->numel == 0) return C2OP_OK;
  const int32_t threads = c2op__context_threads(ctx);
  if (!plan->overlap) {
    run_plan(plan, kernel, threads);
    return C2OP_OK;
  }
  /* x and y overlap without being the same elements: copy x into a scratch
   * buffer laid out densely in the plan's dim order, then run from it. */
  size_t bytes = (size_t)plan->numel * plan->elem_size;
  char *scratch = c2op__malloc(bytes);
  C2OP_RETURN_IF(!scratch, C2OP_ERR_OUT_OF_MEMORY,
                 "x: out of memory for a %zu-byte scratch copy (x and y overlap)", bytes);
  c2op__plan to_scratch = *plan, from_scratch = *plan;
  int64_t s = 1;
  for (int32_t d = 0; d < plan->ndim; d++) {
    to_scratch.ys[d] = s;
    from_scratch.xs[d] = s;
    s *= plan->shape[d];
  }
  to_scratch.y = scratch;
  to_scratch.overlap = 0;
  from_scratch.x = scratch;
  from_scratch.overlap = 0;
  run_plan(&to_scratch, &c2op__copy__scalar, threads);
  run_plan(&from_scratch, kernel, threads);
  c2op__free(scratch);
  return C2OP_OK;
}
