/*
 * test_fork.c - a process that forks after c2op's thread pool started
 * workers can use c2op in the child: the child has only the forking
 * thread, so the pool must forget the parent's workers (its fork handler)
 * and start its own. The child checks that it starts with no workers,
 * runs multi-threaded passes, checks them and the worker count, and
 * reports through its exit status; an alarm turns a hang into a failure.
 * Linked against the static library (the worker count is internal).
 *
 * Every pass goes through the pool: C2OP_PARALLEL_MIN_BYTES=0 is set
 * before the first c2op call.
 */
#define _POSIX_C_SOURCE 200809L /* setenv, fork */

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "c2op_test.h"
#include "cpu/pool.h"


#define N (1 << 16)

/* Runs Negative on N int32 values with 2 threads; 1 when y is exactly -x. */
static int negate_with_two_threads(int32_t seed_value) {
  static int32_t x[N], y[N];
  for (int i = 0; i < N; i++) {
    x[i] = seed_value + i * 7;
    y[i] = 0;
  }
  int64_t shape[1] = {N};
  DLTensor tx, ty;
  memset(&tx, 0, sizeof tx);
  tx.data = x;
  tx.device.device_type = kDLCPU;
  tx.ndim = 1;
  tx.dtype.code = kDLInt;
  tx.dtype.bits = 32;
  tx.dtype.lanes = 1;
  tx.shape = shape;
  ty = tx;
  ty.data = y;
  c2op_context *ctx = NULL;
  if (c2op_context_create(&ctx) != C2OP_OK) return 0;
  int ok = c2op_context_set_num_threads(ctx, 2) == C2OP_OK &&
           c2op_negative_ex(ctx, &tx, &ty) == C2OP_OK;
  c2op_context_destroy(ctx);
  for (int i = 0; ok && i < N; i++) ok = y[i] == (int32_t)(0u - (uint32_t)x[i]);
  return ok;
}

static void pool_works_in_a_child_forked_after_workers_started(void) {
  /* The parent starts the pool's worker, and waits until the worker runs
   * the pool's code. A thread still in its start-up at fork() can hold a
   * lock the child then needs: GCC 12's AddressSanitizer allocates there
   * (pthread_getattr_np) and, unlike glibc's malloc, does not take its
   * allocator locks around fork(), so a child forked in that window hung in
   * its own worker's start-up (seen once in CI, reproduced with the ASan
   * suite running beside this test; the child's stacks showed both threads
   * waiting on the allocator's lock). A program that forks must likewise
   * not do so while threads are being created. */
  CHECK(negate_with_two_threads(11));
  CHECK_EQ_INT(c2op__pool_num_workers(), 1);
  for (int i = 0; i < 10000 && c2op__pool_num_started() < 1; i++) {
    const struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  CHECK_EQ_INT(c2op__pool_num_started(), 1);
  fflush(stdout);
  fflush(stderr);
  const pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid < 0) return;
  if (pid == 0) {
    /* exit(), not _exit(): stdout was flushed before the fork, and exit
     * lets a coverage build write the child's counters. */
    alarm(60); /* a child stuck waiting for the parent's workers fails */
    if (c2op__pool_num_workers() != 0) exit(2); /* the parent's worker is not here */
    int ok = 1;
    for (int rep = 0; rep < 20 && ok; rep++) ok = negate_with_two_threads(1000 * rep - 5);
    if (!ok) exit(1);
    exit(c2op__pool_num_workers() == 1 ? 0 : 3);
  }
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status))
    TEST_FAIL_("the child died of signal %d (SIGALRM %d: it hung)", WTERMSIG(status), SIGALRM);
  else
    CHECK_EQ_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0); /* 1: wrong values, 2: the
                                                                     parent's workers counted,
                                                                     3: no worker started */
  /* The parent's pool still works. */
  CHECK(negate_with_two_threads(-77));
}

/* A thread that keeps looking up and registering ops while main forks. */
static volatile int g_stop;
static void *registry_busy(void *arg) {
  (void)arg;
  static const c2op_op_schema s = {.name = "TestForkBusy", .min_inputs = 1, .max_inputs = 1,
                                   .min_outputs = 1, .max_outputs = 1};
  const c2op_op_schema *found = NULL;
  while (!g_stop) {
    (void)c2op_schema_lookup("Negative", &found);
    (void)c2op_register_schema(&s); /* ALREADY_EXISTS after the first: still takes the lock */
  }
  return NULL;
}

/* The registry's lock is not left held in a child forked while another
 * thread was inside it: the child registers and looks up ops. Forks in a
 * loop, since the window is short (without the fork handlers, 17-19 of 20
 * children hung). */
static void registry_works_in_a_child_forked_while_others_use_it(void) {
  /* valgrind runs one thread at a time: the busy thread starves the
   * forking one (2 rounds took 216 s), and the race is not reached. */
  if (test_skip_under_valgrind("one thread at a time")) return;
  pthread_t busy;
  g_stop = 0;
  CHECK(pthread_create(&busy, NULL, registry_busy, NULL) == 0);
  const struct timespec settle = {0, 20000000};
  nanosleep(&settle, NULL); /* the thread is running, not starting */
  int hung = 0, failed = 0;
  for (int round = 0; round < 20; round++) {
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
      TEST_FAIL_("fork: round %d", round);
      break;
    }
    if (pid == 0) {
      alarm(5);
      static const c2op_op_schema mine = {.name = "TestForkChild", .min_inputs = 1,
                                          .max_inputs = 1, .min_outputs = 1, .max_outputs = 1};
      const c2op_op_schema *found = NULL;
      int ok = c2op_register_schema(&mine) == C2OP_OK &&
               c2op_schema_lookup("TestForkChild", &found) == C2OP_OK && found == &mine &&
               c2op_schema_lookup("Negative", &found) == C2OP_OK;
      _exit(ok ? 0 : 1);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) continue;
    if (WIFSIGNALED(status)) hung++;
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
  }
  g_stop = 1;
  pthread_join(busy, NULL);
  if (hung || failed)
    TEST_FAIL_("of 20 children, %d hung (SIGALRM) and %d failed", hung, failed);
}

int main(void) {
  setenv("C2OP_PARALLEL_MIN_BYTES", "0", 1);
  RUN(pool_works_in_a_child_forked_after_workers_started);
  RUN(registry_works_in_a_child_forked_while_others_use_it);
  return TEST_MAIN_END();
}
