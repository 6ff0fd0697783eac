/*
 * test_threads.c - the CPU thread pool and streaming stores.
 *
 * The process sets C2OP_PARALLEL_MIN_BYTES=0 and C2OP_STREAMING_BYTES=0
 * before its first c2op call, so every pass here goes through the pool and,
 * out of place, through streaming stores. Checks: every task runs exactly
 * once for any thread count; the pool grows to the context's thread count
 * and no further; concurrent callers (several user threads at once, each
 * asking for threads) all get exact results; in place and strided passes
 * split over threads stay exact; padded rows streamed into a dense y (the
 * lines across row ends gathered) stay exact.
 *
 * Linked against the static library (the pool is internal).
 */
#define _POSIX_C_SOURCE 200809L /* setenv, readlink */

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "c2op_test.h"
#include "cpu/pool.h"
#include "reference.h"


static uint64_t g_rng;

typedef struct {
  atomic_int *counts;
} count_job;

static void count_task(void *arg, int64_t task) {
  count_job *job = arg;
  atomic_fetch_add(&job->counts[task], 1);
}

static void pool_runs_every_task_exactly_once(void) {
  enum { MAX_TASKS = 200 };
  atomic_int counts[MAX_TASKS];
  const int32_t threads[] = {0, 1, 2, 3, 5, 8};
  const int64_t tasks[] = {0, 1, 2, 3, 7, 64, MAX_TASKS};
  for (size_t a = 0; a < sizeof threads / sizeof threads[0]; a++)
    for (size_t b = 0; b < sizeof tasks / sizeof tasks[0]; b++)
      for (int rep = 0; rep < 20; rep++) {
        for (int i = 0; i < MAX_TASKS; i++)
          atomic_init(&counts[i], 0);
        count_job job = {counts};
        c2op__pool_run(threads[a], tasks[b], count_task, &job);
        for (int64_t i = 0; i < MAX_TASKS; i++) {
          const int want = i < tasks[b] ? 1 : 0;
          if (atomic_load(&counts[i]) != want) {
            TEST_FAIL_("threads %d, %lld tasks: task %lld ran %d times", (int)threads[a],
                       (long long)tasks[b], (long long)i, atomic_load(&counts[i]));
            return;
          }
        }
      }
  /* Workers are started on demand, one fewer than the threads of a job. */
  CHECK_EQ_INT(c2op__pool_num_workers(), 7);
}

/* A task that takes a little while, so that every woken worker has time
 * to see the job before it ends. */
static void slow_task(void *arg, int64_t task) {
  (void)arg;
  (void)task;
  const struct timespec t = {0, 200000};
  nanosleep(&t, NULL);
}

/* After a job of 8 threads the pool has 7 workers; a job of 2 threads
 * wakes them all but only one enters it (the others used to enter, run
 * nothing and leave, and the caller waited for each). */
static void workers_a_job_does_not_ask_for_stay_out(void) {
  atomic_int counts[8];
  for (int i = 0; i < 8; i++) atomic_init(&counts[i], 0);
  count_job job = {counts};
  c2op__pool_run(8, 8, count_task, &job);
  CHECK_EQ_INT(c2op__pool_num_workers(), 7);
  int most = 0;
  for (int rep = 0; rep < 50; rep++) {
    c2op__pool_run(2, 4, slow_task, NULL);
    const int entered = c2op__pool_entered_last_job();
    if (entered > most) most = entered;
  }
  CHECK(most <= 1);
  if (most > 1) printf("     up to %d workers entered a 2-thread job\n", most);
}

/* Fills x with random float bits, runs y = -x (or in place), checks bits. */
static int negate_and_check(const c2op_context *ctx, int64_t rows, int64_t cols, int64_t pitch,
                            int inplace, uint64_t seed) {
  uint64_t rng = seed;
  const int64_t n = rows * pitch;
  uint32_t *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4);
  if (!x || !y) {
    free(x);
    free(y);
    return 1;
  }
  for (int64_t i = 0; i < n; i++)
    x[i] = (uint32_t)test_rand_next(&rng);
  for (int64_t i = 0; i < n; i++)
    y[i] = 0xdeadbeefu;
  int64_t shape[2] = {rows, cols}, strides[2] = {pitch, 1};
  DLTensor tx = {x, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, strides, 0};
  DLTensor ty = tx;
  ty.data = inplace ? x : y;
  uint32_t *out = inplace ? x : y;
  uint32_t *orig = malloc((size_t)n * 4);
  int bad = !orig || c2op_negative_ex(ctx, &tx, &ty) != C2OP_OK;
  if (orig) {
    uint64_t r2 = seed;
    for (int64_t i = 0; i < n; i++)
      orig[i] = (uint32_t)test_rand_next(&r2);
    for (int64_t i = 0; i < n && !bad; i++) {
      const int in_row = i % pitch < cols;
      const uint32_t want = in_row ? orig[i] ^ 0x80000000u : inplace ? orig[i] : 0xdeadbeefu;
      bad = out[i] != want;
    }
  }
  free(orig);
  free(x);
  free(y);
  return bad;
}

static void context_thread_counts_give_exact_results(void) {
  const int32_t counts[] = {1, 2, 3, 4, 7, 12};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    c2op_context *ctx = NULL;
    CHECK_OK(c2op_context_create(&ctx));
    if (!ctx) return;
    CHECK_OK(c2op_context_set_num_threads(ctx, counts[i]));
    const int64_t sizes[][3] = {{1, 1, 1},           {1, 17, 17},       {1, 4099, 4099},
                                {1, 300001, 300001}, {513, 1000, 1000}, {777, 1000, 1003},
                                {3000, 31, 32}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
      for (int inplace = 0; inplace < 2; inplace++)
        if (negate_and_check(ctx, sizes[s][0], sizes[s][1], sizes[s][2], inplace,
                             g_rng + s * 2 + (uint64_t)inplace))
          TEST_FAIL_("%d threads: %lld x %lld (pitch %lld) %s is wrong", (int)counts[i],
                     (long long)sizes[s][0], (long long)sizes[s][1], (long long)sizes[s][2],
                     inplace ? "in place" : "out of place");
    c2op_context_destroy(ctx);
  }
  /* The pool grew to the largest count asked for (12 threads: 11 workers)
   * and no further. */
  CHECK_EQ_INT(c2op__pool_num_workers(), 11);
}

typedef struct {
  int index;
  int failures;
} caller_arg;

static void *caller_main(void *p) {
  caller_arg *arg = p;
  c2op_context *ctx = NULL;
  if (c2op_context_create(&ctx) != C2OP_OK || c2op_context_set_num_threads(ctx, 2) != C2OP_OK) {
    arg->failures++;
    return NULL;
  }
  for (int iter = 0; iter < 12; iter++) {
    const int64_t cols = 20000 + 4099 * (int64_t)((arg->index + iter) % 5);
    if (negate_and_check(ctx, 8, cols, cols + (iter % 2) * 16, iter % 3 == 0,
                         g_rng + (uint64_t)(arg->index * 100 + iter)))
      arg->failures++;
  }
  c2op_context_destroy(ctx);
  return NULL;
}

/* Several user threads call at once: each gets the pool or runs on its own
 * thread, all results exact, and the pool does not grow past what one
 * caller asked for. */
static void concurrent_callers_are_exact_and_do_not_grow_the_pool(void) {
  enum { CALLERS = 6 };
  pthread_t ids[CALLERS];
  caller_arg args[CALLERS];
  const int32_t before = c2op__pool_num_workers();
  int started[CALLERS] = {0};
  for (int i = 0; i < CALLERS; i++) {
    args[i] = (caller_arg){i, 0};
    started[i] = pthread_create(&ids[i], NULL, caller_main, &args[i]) == 0;
  }
  for (int i = 0; i < CALLERS; i++) {
    if (!started[i]) continue;
    pthread_join(ids[i], NULL);
    if (args[i].failures) TEST_FAIL_("caller %d: %d wrong results", i, args[i].failures);
  }
  CHECK_EQ_INT(c2op__pool_num_workers(), before);
}

/* Streaming and threads with every dtype width, against the reference. */
static void every_width_streams_exactly_over_threads(void) {
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  if (!ctx) return;
  CHECK_OK(c2op_context_set_num_threads(ctx, 2));
  const DLDataType dts[] = {{kDLInt, 8, 1},      {kDLInt, 16, 1},     {kDLFloat, 16, 1},
                            {kDLFloat, 32, 1},   {kDLInt, 64, 1},     {kDLFloat, 64, 1},
                            {kDLComplex, 64, 1}, {kDLComplex, 128, 1}};
  const int64_t sizes[] = {1, 33, 1025, 65537, 262147};
  for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
    const size_t es = (size_t)dts[d].bits / 8;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      const int64_t n = sizes[s];
      for (size_t shift = 0; shift <= es; shift += es) { /* y one element off alignment */
        uint8_t *x = malloc((size_t)n * es + es), *y = malloc((size_t)n * es + es + 1);
        uint8_t *want = malloc((size_t)n * es);
        if (!x || !y || !want) {
          free(x), free(y), free(want);
          continue;
        }
        for (size_t i = 0; i < (size_t)n * es; i++)
          x[i] = (uint8_t)test_rand_next(&g_rng);
        y[(size_t)n * es + shift] = 0x77;
        int64_t shape = n;
        DLTensor tx = {x, {kDLCPU, 0}, 1, dts[d], &shape, NULL, 0};
        DLTensor ty = {y, {kDLCPU, 0}, 1, dts[d], &shape, NULL, shift};
        CHECK_OK(c2op_negative_ex(ctx, &tx, &ty));
        for (int64_t i = 0; i < n; i++)
          ref_negate_element(dts[d], x + (size_t)i * es, want + (size_t)i * es);
        if (memcmp(y + shift, want, (size_t)n * es) != 0)
          TEST_FAIL_("dtype bits %d code %d, n=%lld, y shifted %zu: wrong bytes", (int)dts[d].bits,
                     (int)dts[d].code, (long long)n, shift);
        if (y[(size_t)n * es + shift] != 0x77) TEST_FAIL_("wrote past y's end");
        free(x), free(y), free(want);
      }
    }
  }
  c2op_context_destroy(ctx);
}

/* One streaming pass from a strided x (3-D: shape, x strides in elements)
 * into a y that is dense, `shift` elements and `extra` bytes past a 64-byte
 * boundary, on the context's threads; checks every element against the
 * reference and that the bytes around y are untouched. Returns 1 when
 * wrong. */
static int gather_case(c2op_context *ctx, DLDataType dt, const int64_t shape[3],
                       const int64_t xstrides[3], int64_t shift, size_t extra) {
  const size_t es = (size_t)dt.bits / 8;
  const int64_t n = shape[0] * shape[1] * shape[2];
  const int64_t xspan = (shape[0] - 1) * xstrides[0] + (shape[1] - 1) * xstrides[1] + shape[2];
  const size_t guard = 256;
  uint8_t *x = aligned_alloc(64, ((size_t)xspan * es + 63) / 64 * 64);
  const size_t lead = guard + (size_t)shift * es + extra; /* bytes before y */
  uint8_t *ybuf = aligned_alloc(64, ((size_t)n * es + lead + guard + 63) / 64 * 64);
  uint8_t *want = malloc((size_t)n * es);
  int bad = 0;
  if (!x || !ybuf || !want) {
    free(x), free(ybuf), free(want);
    return 0; /* out of memory here: nothing to check */
  }
  for (int64_t i = 0; i < xspan * (int64_t)es; i++)
    x[i] = (uint8_t)test_rand_next(&g_rng);
  memset(ybuf, 0x5a, (size_t)n * es + lead + guard);
  DLTensor tx = {x, {kDLCPU, 0}, 3, dt, (int64_t *)shape, (int64_t *)xstrides, 0};
  DLTensor ty = {ybuf, {kDLCPU, 0}, 3, dt, (int64_t *)shape, NULL, (uint64_t)lead};
  if (c2op_negative_ex(ctx, &tx, &ty) != C2OP_OK) bad = 1;
  int64_t k = 0;
  for (int64_t a = 0; a < shape[0]; a++)
    for (int64_t b = 0; b < shape[1]; b++)
      for (int64_t c = 0; c < shape[2]; c++, k++)
        ref_negate_element(dt, x + (size_t)(a * xstrides[0] + b * xstrides[1] + c) * es,
                           want + (size_t)k * es);
  const uint8_t *y = ybuf + lead;
  if (!bad && memcmp(y, want, (size_t)n * es) != 0) bad = 1;
  for (size_t i = 0; i < lead && !bad; i++)
    bad = ybuf[i] != 0x5a;
  for (size_t i = 0; i < guard && !bad; i++)
    bad = y[(size_t)n * es + i] != 0x5a;
  free(x), free(ybuf), free(want);
  return bad;
}

/* A streaming pass from padded rows into a dense y gathers the cache lines
 * of y that straddle two rows (cpu/unary_cpu.c, run_gathered): rows that
 * are and are not whole lines, y on and off a line boundary, tasks that end
 * mid-row, a 3-D plan, every width. */
static void padded_rows_into_dense_y_stream_exactly(void) {
  const DLDataType dts[] = {{kDLInt, 8, 1}, {kDLFloat, 16, 1}, {kDLFloat, 32, 1},
                            {kDLFloat, 64, 1}, {kDLComplex, 128, 1}};
  const int32_t thread_counts[] = {1, 2, 3};
  /* Row lengths in bytes: at the streaming minimum, whole lines, and not. */
  const int64_t row_bytes[] = {1024, 1040, 4000, 4096 + 48, 12352};
  const int64_t pads[] = {1, 5, 16};
  const int64_t shifts[] = {0, 1, 3};
  for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
    c2op_context *ctx = NULL;
    CHECK_OK(c2op_context_create(&ctx));
    if (!ctx) return;
    CHECK_OK(c2op_context_set_num_threads(ctx, thread_counts[t]));
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
      const int64_t es = dts[d].bits / 8;
      for (size_t r = 0; r < sizeof row_bytes / sizeof row_bytes[0]; r++)
        for (size_t p = 0; p < sizeof pads / sizeof pads[0]; p++)
          for (size_t s = 0; s < sizeof shifts / sizeof shifts[0]; s++) {
            const int64_t cols = row_bytes[r] / es, pitch = cols + pads[p];
            const int64_t rows = 3 + (int64_t)(r + p + s) % 11;
            /* 2-D as [1, rows, cols]; then 3-D with a gap between blocks. */
            const int64_t shape2[3] = {1, rows, cols}, xs2[3] = {rows * pitch, pitch, 1};
            const int64_t shape3[3] = {3, rows, cols};
            const int64_t xs3[3] = {rows * pitch + 7, pitch, 1};
            if (gather_case(ctx, dts[d], shape2, xs2, shifts[s], 0) ||
                gather_case(ctx, dts[d], shape3, xs3, shifts[s], 0))
              TEST_FAIL_("%d threads, %s, rows of %lld bytes, pitch %lld, rows %lld, y %lld "
                         "elements past a line: wrong bytes",
                         (int)thread_counts[t], ref_dtype_name(dts[d]), (long long)row_bytes[r],
                         (long long)pitch, (long long)rows, (long long)shifts[s]);
          }
    }
    {
      /* complex128 rows with y 8 bytes off the element size (lane-aligned,
       * so contiguous, but not element-aligned): streamed row by row
       * through contig_nt, without the pair and gather path. */
      const int64_t shape[3] = {1, 9, 300}, xs[3] = {9 * 307, 307, 1};
      if (gather_case(ctx, (DLDataType){kDLComplex, 128, 1}, shape, xs, 0, 8))
        TEST_FAIL_("%d threads, complex128 rows into a y 8 bytes off: wrong bytes",
                   (int)thread_counts[t]);
    }
    if (thread_counts[t] == 2) {
      /* 3082 float32 in 4 tasks of 1024: the last is 40 bytes across one
       * line boundary (y 32 bytes past a line), with no whole line. */
      const int64_t shape[3] = {1, 2, 1541}, xs[3] = {2 * 1546, 1546, 1};
      if (gather_case(ctx, (DLDataType){kDLFloat, 32, 1}, shape, xs, 8, 0))
        TEST_FAIL_("2 threads, a last task shorter than a line: wrong bytes");
    }
    c2op_context_destroy(ctx);
  }
}

/* --exit-while-calling: a thread keeps making 2-thread calls while main
 * returns. exit() runs the pool's destructor with the thread still calling
 * in: it must not wait for that thread to stop (it never does), and under
 * ThreadSanitizer nothing it does may race with the calls. */
static void *call_forever(void *arg) {
  (void)arg;
  static float x[1 << 16], y[1 << 16];
  int64_t shape[1] = {1 << 16};
  DLTensor tx = {x, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, shape, NULL, 0}, ty = tx;
  ty.data = y;
  c2op_context *ctx = NULL;
  if (c2op_context_create(&ctx) != C2OP_OK || c2op_context_set_num_threads(ctx, 2) != C2OP_OK)
    return NULL;
  for (;;) (void)c2op_negative_ex(ctx, &tx, &ty);
  return NULL;
}

static int exit_while_calling(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, call_forever, NULL) != 0) return 3;
  const struct timespec warm = {0, 50000000};
  nanosleep(&warm, NULL);
  return 0; /* exit() with the thread inside c2op */
}

/* Runs this program in --exit-while-calling mode: it must exit 0, in time
 * (an alarm in the child turns a hang into SIGALRM). */
static void exit_is_not_held_up_by_a_thread_still_calling(void) {
  /* The thread left running at exit is the point of the test; valgrind
   * (tracing the child) counts its stack as possibly lost. */
  if (test_skip_under_valgrind("it counts the thread left running at exit as lost")) return;
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    printf("     skipped: /proc/self/exe unreadable\n");
    return;
  }
  self[n] = '\0';
  for (int rep = 0; rep < 5; rep++) {
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
      alarm(60);
      execl(self, self, "--exit-while-calling", (char *)NULL);
      _exit(127);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      TEST_FAIL_("run %d: the child %s %d", rep, WIFEXITED(status) ? "exited with" : "died of signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  }
}

int main(int argc, char **argv) {
  /* Before any c2op call: the settings are read once. */
  setenv("C2OP_PARALLEL_MIN_BYTES", "0", 1);
  setenv("C2OP_STREAMING_BYTES", "0", 1);
  if (argc == 2 && strcmp(argv[1], "--exit-while-calling") == 0) return exit_while_calling();
  g_rng = test_seed();
  RUN(pool_runs_every_task_exactly_once);
  RUN(workers_a_job_does_not_ask_for_stay_out);
  RUN(context_thread_counts_give_exact_results);
  RUN(concurrent_callers_are_exact_and_do_not_grow_the_pool);
  RUN(every_width_streams_exactly_over_threads);
  RUN(padded_rows_into_dense_y_stream_exactly);
  RUN(exit_is_not_held_up_by_a_thread_still_calling);
  return TEST_MAIN_END();
}
