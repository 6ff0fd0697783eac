/*
 * test_concurrency.c - the thread-safety rules of c2op.h, each backed here.
 *
 * (R1-R5 are T1-T6 of include/c2op.h's "Thread safety".)
 *   R1 separate objects are independent: threads_run_ops_and_nets_on_their_own_workspaces
 *   R2 inputs and read-only objects may be shared: threads_share_inputs_nets_contexts_and_a_workspace_read_only
 *   R3 registration may race look-ups and runs: registration_races_lookups_and_runs,
 *      same_name_registered_at_once_wins_once
 *   R4 the last error is per thread: error_messages_stay_on_their_thread
 *   R5 the pool serves any number of callers, never hangs:
 *      pool_survives_thousands_of_tiny_jobs_from_several_callers; a child
 *      after fork() gets a working pool: a_forked_child_gets_a_working_pool
 *
 * Every pass goes through the pool (C2OP_PARALLEL_MIN_BYTES=0, set before
 * the first call) and contexts ask for 2-3 threads, so TSan (make
 * test-tsan) sees the pool's job protocol from several callers at once.
 * A watchdog ends the process with a message if anything hangs (a lost
 * wake-up shows up as a hang). Randomized: the seed is printed.
 *
 * Linked against the static library (the pool stress calls the pool).
 */
#define _POSIX_C_SOURCE 200809L /* setenv, nanosleep */

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu/pool.h"
#include "framework_util.h"

enum { NTHREADS = 6 };

static uint64_t g_seed;
/* Per-thread failure counts are summed here: CHECK macros are not
 * thread-safe, so threads count their own failures and report them. */
static atomic_int g_thread_failures;

#define TCHECK(cond, ...)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      if (atomic_fetch_add(&g_thread_failures, 1) < 20) {                      \
        fprintf(stderr, "  thread check failed (%s:%d): ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                                          \
        fprintf(stderr, "\n");                                                 \
      }                                                                        \
    }                                                                          \
  } while (0)

static void run_threads(void *(*fn)(void *), void *args, size_t arg_size, int n) {
  pthread_t t[16];
  int started = 0;
  for (int i = 0; i < n; i++) {
    if (pthread_create(&t[i], NULL, fn, (char *)args + (size_t)i * arg_size) != 0) {
      TEST_FAIL_("pthread_create failed for thread %d", i);
      break;
    }
    started++;
  }
  for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
  const int f = atomic_exchange(&g_thread_failures, 0);
  if (f) TEST_FAIL_("%d checks failed in threads", f);
}

static int64_t iters(int64_t normal) {
  const char *e = getenv("C2OP_STRESS_SCALE");
  const double scale = e ? atof(e) : 1.0;
  const int64_t n = (int64_t)((double)normal * scale);
  return n > 0 ? n : 1;
}

/* ------------------------------------------------------------------------ */
/* R1: separate workspaces                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  int index;
} thread_arg;

enum { N = 3000 };

/* A = -X; B = NegateGradient(A); B = -B; C = Sum(A, B) = -X + X = 0... the
 * values are checked element by element against the arithmetic. */
static c2op_net *make_net(void) {
  c2op_net *net = NULL;
  if (c2op_net_create("r1", &net) != C2OP_OK) return NULL;
  const char *x[1] = {"X"}, *a[1] = {"A"}, *b[1] = {"B"}, *ab[2] = {"A", "B"}, *c[1] = {"C"};
  c2op_op_def *d = NULL;
  int ok = 1;
  ok &= c2op_op_def_create("Negative", 1, x, 1, a, &d) == C2OP_OK && c2op_net_add_op(net, d) == C2OP_OK;
  c2op_op_def_destroy(d), d = NULL;
  ok &= c2op_op_def_create("NegateGradient", 1, a, 1, b, &d) == C2OP_OK && c2op_net_add_op(net, d) == C2OP_OK;
  c2op_op_def_destroy(d), d = NULL;
  ok &= c2op_op_def_create("Negative", 1, b, 1, b, &d) == C2OP_OK && c2op_net_add_op(net, d) == C2OP_OK;
  c2op_op_def_destroy(d), d = NULL;
  ok &= c2op_op_def_create("Sum", 2, ab, 1, c, &d) == C2OP_OK && c2op_net_add_op(net, d) == C2OP_OK;
  c2op_op_def_destroy(d);
  if (!ok) {
    c2op_net_destroy(net);
    return NULL;
  }
  return net;
}

static void *own_workspace_main(void *p) {
  const thread_arg *arg = p;
  uint64_t rng = g_seed + (uint64_t)arg->index * 7919u;
  float *x = malloc(N * sizeof *x), *out = malloc(N * sizeof *out);
  c2op_workspace *ws = NULL;
  c2op_context *ctx = NULL;
  c2op_net *net = make_net(), *bwd = NULL;
  const char *outputs[1] = {"A"};
  TCHECK(net && x && out, "setup");
  TCHECK(c2op_workspace_create(&ws) == C2OP_OK, "workspace_create: %s", c2op_last_error());
  TCHECK(c2op_context_create(&ctx) == C2OP_OK, "context_create");
  TCHECK(net && c2op_net_build_backward(net, 1, outputs, &bwd) == C2OP_OK, "build_backward: %s",
         c2op_last_error());
  if (!x || !out || !ws || !ctx || !net || !bwd) goto out;
  c2op_context_set_num_threads(ctx, 2 + arg->index % 2);
  const int64_t reps = iters(30);
  for (int64_t r = 0; r < reps; r++) {
    const int64_t n = test_rand_range(&rng, 1, N);
    for (int64_t i = 0; i < n; i++) x[i] = (float)test_rand_range(&rng, -1000, 1000) * 0.25f;
    int64_t shape[1] = {n};
    DLTensor tx = fu_view(x, fu_f32, 1, shape, NULL);
    TCHECK(c2op_workspace_feed(ws, "X", &tx) == C2OP_OK, "feed: %s", c2op_last_error());
    TCHECK(c2op_workspace_run_net(ws, ctx, net) == C2OP_OK, "run_net: %s", c2op_last_error());
    TCHECK(fu_fetch_f32(ws, "A", out, n), "fetch A");
    for (int64_t i = 0; i < n; i++)
      if (out[i] != -x[i]) {
        TCHECK(0, "thread %d rep %lld: A[%lld] = %g, want %g", arg->index, (long long)r,
               (long long)i, (double)out[i], (double)-x[i]);
        break;
      }
    TCHECK(fu_fetch_f32(ws, "C", out, n), "fetch C");
    for (int64_t i = 0; i < n; i++)
      if (out[i] != 0.0f) {
        TCHECK(0, "thread %d: C[%lld] = %g, want 0", arg->index, (long long)i, (double)out[i]);
        break;
      }
    /* Backward: X_grad = -A_grad. */
    TCHECK(c2op_workspace_feed(ws, "A_grad", &tx) == C2OP_OK, "feed A_grad");
    TCHECK(c2op_workspace_run_net(ws, ctx, bwd) == C2OP_OK, "run backward: %s",
           c2op_last_error());
    TCHECK(fu_fetch_f32(ws, "X_grad", out, n), "fetch X_grad");
    for (int64_t i = 0; i < n; i++)
      if (out[i] != -x[i]) {
        TCHECK(0, "thread %d: X_grad[%lld] wrong", arg->index, (long long)i);
        break;
      }
  }
out:
  c2op_net_destroy(bwd);
  c2op_net_destroy(net);
  c2op_context_destroy(ctx);
  c2op_workspace_destroy(ws);
  free(x);
  free(out);
  return NULL;
}

static void threads_run_ops_and_nets_on_their_own_workspaces(void) {
  thread_arg args[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) args[i].index = i;
  run_threads(own_workspace_main, args, sizeof args[0], NTHREADS);
}

/* ------------------------------------------------------------------------ */
/* R2: shared read-only inputs, nets, contexts, a workspace                  */
/* ------------------------------------------------------------------------ */

enum { SHARED_N = 1 << 15 };
static float *g_shared_x;
static const c2op_context *g_shared_ctx;
static const c2op_net *g_shared_net;
static const c2op_workspace *g_shared_ws;

static void *shared_reader_main(void *p) {
  const thread_arg *arg = p;
  float *y = malloc(SHARED_N * sizeof *y);
  c2op_workspace *ws = NULL;
  TCHECK(y && c2op_workspace_create(&ws) == C2OP_OK, "setup");
  if (!y || !ws) goto out;
  int64_t shape[1] = {SHARED_N};
  const DLTensor tx = fu_view(g_shared_x, fu_f32, 1, shape, NULL);
  DLTensor ty = fu_view(y, fu_f32, 1, shape, NULL);
  const int64_t reps = iters(20);
  for (int64_t r = 0; r < reps; r++) {
    /* The kernel on a shared input and a shared context. */
    memset(y, 0, SHARED_N * sizeof *y);
    TCHECK(c2op_negative_ex(g_shared_ctx, &tx, &ty) == C2OP_OK, "negative: %s",
           c2op_last_error());
    for (int64_t i = 0; i < SHARED_N; i++)
      if (y[i] != -g_shared_x[i]) {
        TCHECK(0, "thread %d: negative y[%lld] wrong", arg->index, (long long)i);
        break;
      }
    /* Feeding the shared input into this thread's workspace, running the
     * shared net there. */
    TCHECK(c2op_workspace_feed(ws, "X", &tx) == C2OP_OK, "feed: %s", c2op_last_error());
    TCHECK(c2op_workspace_run_net(ws, g_shared_ctx, g_shared_net) == C2OP_OK, "run_net: %s",
           c2op_last_error());
    TCHECK(fu_fetch_f32(ws, "A", y, SHARED_N), "fetch");
    for (int64_t i = 0; i < SHARED_N; i++)
      if (y[i] != -g_shared_x[i]) {
        TCHECK(0, "thread %d: net A[%lld] wrong", arg->index, (long long)i);
        break;
      }
    /* Reading the shared workspace: fetch, fetch_copy, names. */
    memset(y, 0, SHARED_N * sizeof *y);
    TCHECK(c2op_workspace_fetch_copy(g_shared_ws, "A", &ty) == C2OP_OK, "fetch_copy: %s",
           c2op_last_error());
    for (int64_t i = 0; i < SHARED_N; i++)
      if (y[i] != -g_shared_x[i]) {
        TCHECK(0, "thread %d: shared fetch_copy[%lld] wrong", arg->index, (long long)i);
        break;
      }
    const DLTensor *t = NULL;
    TCHECK(c2op_workspace_fetch(g_shared_ws, "C", &t) == C2OP_OK && t, "fetch C");
    TCHECK(c2op_workspace_num_blobs(g_shared_ws) == 4, "num_blobs");
    TCHECK(c2op_workspace_has_blob(g_shared_ws, "B"), "has_blob");
    /* Reading the shared net. */
    char *text = NULL;
    TCHECK(c2op_net_to_text(g_shared_net, &text, NULL) == C2OP_OK, "to_text");
    c2op_free(text);
  }
out:
  c2op_workspace_destroy(ws);
  free(y);
  return NULL;
}

static void threads_share_inputs_nets_contexts_and_a_workspace_read_only(void) {
  g_shared_x = malloc(SHARED_N * sizeof *g_shared_x);
  float *copy = malloc(SHARED_N * sizeof *copy);
  c2op_context *ctx = NULL;
  c2op_net *net = make_net();
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  CHECK_OK(c2op_workspace_create(&ws));
  if (!g_shared_x || !copy || !ctx || !net || !ws) goto out;
  CHECK_OK(c2op_context_set_num_threads(ctx, 3));
  uint64_t rng = g_seed ^ 0xabcdef;
  for (int64_t i = 0; i < SHARED_N; i++) g_shared_x[i] = fu_rand_float(&rng);
  memcpy(copy, g_shared_x, SHARED_N * sizeof *copy);
  int64_t shape[1] = {SHARED_N};
  DLTensor tx = fu_view(g_shared_x, fu_f32, 1, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "X", &tx));
  CHECK_OK(c2op_workspace_run_net(ws, ctx, net));
  g_shared_ctx = ctx;
  g_shared_net = net;
  g_shared_ws = ws;
  fu_snapshot snap = fu_snapshot_take(ws);
  char *net_before = NULL;
  CHECK_OK(c2op_net_to_text(net, &net_before, NULL));
  thread_arg args[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) args[i].index = i;
  run_threads(shared_reader_main, args, sizeof args[0], NTHREADS);
  /* Nothing shared was written. */
  CHECK(memcmp(copy, g_shared_x, SHARED_N * sizeof *copy) == 0);
  FU_CHECK_UNCHANGED(ws, snap);
  fu_snapshot_free(&snap);
  char *net_after = NULL;
  CHECK_OK(c2op_net_to_text(net, &net_after, NULL));
  CHECK(net_before && net_after && strcmp(net_before, net_after) == 0);
  c2op_free(net_before);
  c2op_free(net_after);
  int32_t threads = 0;
  CHECK_OK(c2op_context_get_num_threads(ctx, &threads));
  CHECK_EQ_INT(threads, 3);
out:
  c2op_workspace_destroy(ws);
  c2op_net_destroy(net);
  c2op_context_destroy(ctx);
  free(copy);
  free(g_shared_x);
  g_shared_x = NULL;
}

/* ------------------------------------------------------------------------ */
/* R3: registration racing look-ups                                          */
/* ------------------------------------------------------------------------ */

enum { RACE_OPS = 200 };
static c2op_op_schema race_schemas[RACE_OPS];
static char race_names[RACE_OPS][16];
static atomic_int race_registered; /* schemas registered so far */
static atomic_int race_done;

static c2op_status race_kernel(const c2op_context *ctx, int32_t ni, const DLTensor *const *in,
                               int32_t no, DLTensor *const *out) {
  /* Copies input 0 to output 0 through the library. */
  (void)ni, (void)no;
  return c2op_negate_gradient_ex(ctx, in[0], out[0]);
}

static c2op_status race_gradient(const c2op_op_def *fwd, const char *const *output_grads,
                                 c2op_gradient *g) {
  (void)fwd, (void)output_grads, (void)g;
  return C2OP_OK;
}

static void *race_writer_main(void *p) {
  (void)p;
  for (int i = 0; i < RACE_OPS; i++) {
    TCHECK(c2op_register_schema(&race_schemas[i]) == C2OP_OK, "register %s: %s", race_names[i],
           c2op_last_error());
    TCHECK(c2op_register_kernel(race_names[i], C2OP_DEVICE_CPU, race_kernel) == C2OP_OK,
           "register kernel %s: %s", race_names[i], c2op_last_error());
    TCHECK(c2op_register_gradient(race_names[i], race_gradient) == C2OP_OK,
           "register gradient %s", race_names[i]);
    atomic_store(&race_registered, i + 1);
  }
  atomic_store(&race_done, 1);
  return NULL;
}

static void *race_reader_main(void *p) {
  const thread_arg *arg = p;
  uint64_t rng = g_seed + 31u * (uint64_t)arg->index;
  c2op_workspace *ws = NULL;
  TCHECK(c2op_workspace_create(&ws) == C2OP_OK, "workspace");
  if (!ws) return NULL;
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  int64_t shape[1] = {8};
  DLTensor tx = fu_view(x, fu_f32, 1, shape, NULL);
  TCHECK(c2op_workspace_feed(ws, "X", &tx) == C2OP_OK, "feed");
  int32_t last_count = 0;
  int64_t rounds = 0;
  while (!atomic_load(&race_done) || rounds < 50) {
    rounds++;
    const int seen = atomic_load(&race_registered);
    /* Built-ins are always there. */
    const c2op_op_schema *s = NULL;
    TCHECK(c2op_schema_lookup("Negative", &s) == C2OP_OK && s && strcmp(s->name, "Negative") == 0,
           "lookup Negative: %s", c2op_last_error());
    c2op_kernel_fn k = NULL;
    TCHECK(c2op_kernel_lookup("NegateGradient", C2OP_DEVICE_CPU, &k) == C2OP_OK && k,
           "kernel lookup");
    /* The count never goes down; every listed schema is whole. */
    const int32_t count = c2op_schema_count();
    TCHECK(count >= last_count, "schema count went from %d to %d", (int)last_count, (int)count);
    last_count = count;
    const int32_t i = (int32_t)test_rand_range(&rng, 0, count - 1);
    TCHECK(c2op_schema_at(i, &s) == C2OP_OK && s && s->name && s->name[0], "schema_at %d",
           (int)i);
    /* An op registered (as the writer says) is found with its kernel and
     * runs; one beyond is found or not, never broken. */
    if (seen > 0) {
      const int j = (int)test_rand_range(&rng, 0, seen - 1);
      TCHECK(c2op_schema_lookup(race_names[j], &s) == C2OP_OK && s == &race_schemas[j],
             "lookup %s: %s", race_names[j], c2op_last_error());
      TCHECK(c2op_kernel_lookup(race_names[j], C2OP_DEVICE_CPU, &k) == C2OP_OK &&
                 k == race_kernel,
             "kernel of %s", race_names[j]);
      const char *in[1] = {"X"}, *out[1] = {"Y"};
      c2op_op_def *d = NULL;
      TCHECK(c2op_op_def_create(race_names[j], 1, in, 1, out, &d) == C2OP_OK, "def");
      TCHECK(d && c2op_workspace_run_op(ws, NULL, d) == C2OP_OK, "run %s: %s", race_names[j],
             c2op_last_error());
      c2op_op_def_destroy(d);
    }
    if (seen < RACE_OPS) {
      const c2op_status st = c2op_schema_lookup(race_names[seen], &s);
      TCHECK(st == C2OP_ERR_NOT_FOUND || (st == C2OP_OK && s == &race_schemas[seen]),
             "lookup of %s while it is being registered", race_names[seen]);
    }
  }
  c2op_workspace_destroy(ws);
  return NULL;
}

static void *race_all_main(void *p) {
  const thread_arg *arg = p;
  return arg->index == 0 ? race_writer_main(p) : race_reader_main(p);
}

static void registration_races_lookups_and_runs(void) {
  const int32_t before = c2op_schema_count();
  for (int i = 0; i < RACE_OPS; i++) {
    snprintf(race_names[i], sizeof race_names[i], "Race%d", i);
    race_schemas[i] = (c2op_op_schema){.name = race_names[i], .min_inputs = 1, .max_inputs = 1,
                                       .min_outputs = 1, .max_outputs = 1,
                                       .infer = c2op_infer_identical};
  }
  thread_arg args[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) args[i].index = i;
  run_threads(race_all_main, args, sizeof args[0], NTHREADS);
  CHECK_EQ_INT(c2op_schema_count(), before + RACE_OPS);
}

/* Several threads register one name at once: exactly one wins. */
static c2op_op_schema dup_schema = {.name = "RaceDuplicate", .min_inputs = 1, .max_inputs = 1,
                                    .min_outputs = 1, .max_outputs = 1};
static atomic_int dup_ok, dup_exists, dup_kernel_ok, dup_go;

static void *dup_main(void *p) {
  (void)p;
  while (!atomic_load(&dup_go)) {
  }
  const c2op_status s = c2op_register_schema(&dup_schema);
  if (s == C2OP_OK) atomic_fetch_add(&dup_ok, 1);
  if (s == C2OP_ERR_ALREADY_EXISTS) atomic_fetch_add(&dup_exists, 1);
  /* Now the schema exists for everyone: kernels race the same way. */
  c2op_status k;
  while ((k = c2op_register_kernel("RaceDuplicate", C2OP_DEVICE_CPU, race_kernel)) ==
         C2OP_ERR_NOT_FOUND) {
  }
  if (k == C2OP_OK) atomic_fetch_add(&dup_kernel_ok, 1);
  return NULL;
}

static void same_name_registered_at_once_wins_once(void) {
  thread_arg args[NTHREADS];
  atomic_store(&dup_go, 0);
  {
    pthread_t t[NTHREADS];
    int started = 0;
    for (int i = 0; i < NTHREADS; i++)
      if (pthread_create(&t[i], NULL, dup_main, &args[i]) == 0) started++;
    atomic_store(&dup_go, 1);
    for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
    CHECK_EQ_INT(started, NTHREADS);
  }
  CHECK_EQ_INT(atomic_load(&dup_ok), 1);
  CHECK_EQ_INT(atomic_load(&dup_exists), NTHREADS - 1);
  CHECK_EQ_INT(atomic_load(&dup_kernel_ok), 1);
}

/* ------------------------------------------------------------------------ */
/* R4: errors per thread                                                     */
/* ------------------------------------------------------------------------ */

static void *error_main(void *p) {
  const thread_arg *arg = p;
  char name[32];
  snprintf(name, sizeof name, "NoSuchOp%d", arg->index);
  for (int r = 0; r < 2000; r++) {
    const c2op_op_schema *s = NULL;
    TCHECK(c2op_schema_lookup(name, &s) == C2OP_ERR_NOT_FOUND, "lookup");
    if (r % 7 == 0) sched_yield();
    TCHECK(strstr(c2op_last_error(), name) != NULL, "thread %d sees '%s'", arg->index,
           c2op_last_error());
  }
  return NULL;
}

static void error_messages_stay_on_their_thread(void) {
  thread_arg args[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) args[i].index = i;
  run_threads(error_main, args, sizeof args[0], NTHREADS);
}

/* ------------------------------------------------------------------------ */
/* R5: the pool under many tiny jobs                                         */
/* ------------------------------------------------------------------------ */

typedef struct {
  atomic_int *counts;
  int nap; /* tasks sleep a little: workers and callers go to sleep */
} count_job;

static void count_task(void *p, int64_t t) {
  count_job *job = p;
  if (job->nap) {
    struct timespec ts = {0, 150000 + 20000 * (t % 5)};
    nanosleep(&ts, NULL);
  }
  atomic_fetch_add_explicit(&job->counts[t], 1, memory_order_relaxed);
}

static void *pool_caller_main(void *p) {
  const thread_arg *arg = p;
  uint64_t rng = g_seed * 3u + (uint64_t)arg->index;
  atomic_int counts[16];
  const int64_t reps = iters(3000);
  for (int64_t r = 0; r < reps; r++) {
    const int64_t tasks = test_rand_range(&rng, 1, 16);
    const int32_t threads = (int32_t)test_rand_range(&rng, 2, 4);
    for (int i = 0; i < 16; i++) atomic_init(&counts[i], 0);
    count_job job = {counts, test_rand_range(&rng, 0, 63) == 0};
    c2op__pool_run(threads, tasks, count_task, &job);
    for (int64_t i = 0; i < 16; i++) {
      const int want = i < tasks ? 1 : 0;
      if (atomic_load(&counts[i]) != want) {
        TCHECK(0, "caller %d job %lld: task %lld ran %d times", arg->index, (long long)r,
               (long long)i, atomic_load(&counts[i]));
        break;
      }
    }
    /* Now and then a pause longer than the workers' spin, so the next job
     * must wake sleeping workers. */
    if (test_rand_range(&rng, 0, 31) == 0) {
      struct timespec ts = {0, 300000};
      nanosleep(&ts, NULL);
    }
  }
  return NULL;
}

static void pool_survives_thousands_of_tiny_jobs_from_several_callers(void) {
  thread_arg args[4];
  for (int i = 0; i < 4; i++) args[i].index = i;
  run_threads(pool_caller_main, args, sizeof args[0], 4);
  /* And one caller alone, so every job gets the pool. */
  run_threads(pool_caller_main, args, sizeof args[0], 1);
}

/* A child forked while the pool has workers gets an empty pool: its
 * parallel passes start their own workers and finish exactly. */
#if defined(__SANITIZE_THREAD__)
#define C2OP_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define C2OP_TEST_UNDER_TSAN 1
#endif
#endif
static void a_forked_child_gets_a_working_pool(void) {
#ifdef C2OP_TEST_UNDER_TSAN
  /* TSan's runtime refuses to start threads in a child forked from a
   * multi-threaded process ("not supported"): the other builds check it. */
  printf("  (skipped under ThreadSanitizer)\n");
  return;
#endif
  enum { M = 1 << 16 };
  float *x = malloc(M * sizeof *x), *y = malloc(M * sizeof *y);
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  if (!x || !y || !ctx) goto out;
  CHECK_OK(c2op_context_set_num_threads(ctx, 3));
  for (int64_t i = 0; i < M; i++) x[i] = (float)i - 5.5f;
  int64_t shape[1] = {M};
  DLTensor tx = fu_view(x, fu_f32, 1, shape, NULL), ty = fu_view(y, fu_f32, 1, shape, NULL);
  CHECK_OK(c2op_negative_ex(ctx, &tx, &ty)); /* the parent's pool has workers now */
  CHECK(c2op__pool_num_workers() >= 2);
  /* Fork only once every worker runs the pool's code: a thread still in its
   * start-up can hold a lock the child needs (tests/test_fork.c). */
  for (int i = 0; i < 10000 && c2op__pool_num_started() < c2op__pool_num_workers(); i++) {
    const struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  CHECK_EQ_INT(c2op__pool_num_started(), c2op__pool_num_workers());
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int bad = c2op__pool_num_workers() != 0;
    memset(y, 0, M * sizeof *y);
    bad |= c2op_negative_ex(ctx, &tx, &ty) != C2OP_OK;
    for (int64_t i = 0; i < M && !bad; i++) bad = y[i] != -x[i];
    bad |= c2op__pool_num_workers() != 2;
    exit(bad ? 1 : 0); /* exit, not _exit: the destructor joins the child's workers */
  }
  CHECK(pid > 0);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
out:
  c2op_context_destroy(ctx);
  free(x);
  free(y);
}

/* ------------------------------------------------------------------------ */

static void on_watchdog(int sig) {
  (void)sig;
  static const char msg[] =
      "test_concurrency: still running after the watchdog's limit: a hang (lost wake-up?)\n";
  if (write(2, msg, sizeof msg - 1) < 0) {
  }
  _exit(3);
}

int main(void) {
  setenv("C2OP_PARALLEL_MIN_BYTES", "0", 1);
  const char *wd = getenv("C2OP_WATCHDOG_SECONDS");
  signal(SIGALRM, on_watchdog);
  alarm(wd ? (unsigned)atoi(wd) : 240);
  g_seed = test_seed();
  RUN(threads_run_ops_and_nets_on_their_own_workspaces);
  RUN(threads_share_inputs_nets_contexts_and_a_workspace_read_only);
  RUN(registration_races_lookups_and_runs);
  RUN(same_name_registered_at_once_wins_once);
  RUN(error_messages_stay_on_their_thread);
  RUN(pool_survives_thousands_of_tiny_jobs_from_several_callers);
  RUN(a_forked_child_gets_a_working_pool);
  return TEST_MAIN_END();
}
