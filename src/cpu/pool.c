/* pool.c - the CPU thread pool: lazily created persistent workers, one job
 * at a time, tasks claimed own-first then stolen. */
#include "cpu/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/alloc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

/* Spin iterations a worker polls for the next job before sleeping, and the
 * caller polls for the last worker before sleeping: about 100 us on the
 * development machine (a pause costs 27 ns there). */
#define SPIN_WAIT 4000

/* The job word: generation (bits 32-63), open flag (bit 31), number of
 * workers inside the job (bits 0-30). Workers enter only an open job of
 * the generation they woke for; the caller closes the job when all tasks
 * are claimed and waits only for the workers inside. A worker that wakes
 * late finds the job closed and touches nothing: no one waits for a
 * descheduled thread. */
#define JOB_OPEN ((uint64_t)1 << 31)
#define JOB_COUNT_MASK (JOB_OPEN - 1)

typedef struct {
  pthread_mutex_t lock; /* guards sleeping, creation, shutdown */
  pthread_cond_t wake;  /* a new job or shutdown */
  pthread_cond_t done;  /* the last worker left a closed job */
  pthread_t threads[C2OP__POOL_MAX_THREADS - 1];
  uint64_t start_gen[C2OP__POOL_MAX_THREADS - 1]; /* the generation when started */
  int32_t num_workers;
  int shutdown;
  /* The job word and the job's description share one cache line, and the
   * claim flags start the next: a worker entering a job fetches two lines
   * from the caller's core, not four (each transfer between the cores
   * costs 100-200 ns here). The description is written before the job
   * word is published and read by workers inside the job only. */
  _Alignas(64) _Atomic uint64_t job;
  atomic_int caller_sleeping;
  int64_t num_tasks;
  /* Caller + workers asked to help. Atomic: a worker that woke late may
   * read it while the next job's caller writes it (it then finds the job
   * closed, or not its generation, and touches nothing). */
  _Atomic int64_t participants;
  c2op__pool_task_fn fn;
  void *arg;
  _Alignas(64) atomic_uchar claimed[C2OP__POOL_MAX_TASKS];
} pool_t;

static pool_t pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};
/* Held by the caller whose job the pool runs. */
static pthread_mutex_t pool_owner = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Reads before it writes: a flag already taken costs no write to the
 * shared line (which would pull it away from the other participants). */
static int claim(int64_t t) {
  return atomic_load_explicit(&pool.claimed[t], memory_order_relaxed) == 0 &&
         atomic_exchange_explicit(&pool.claimed[t], 1, memory_order_relaxed) == 0;
}

/* Participant p (0 is the caller, worker k is k + 1) first runs its own
 * tasks p, p + P, p + 2P, ...: the CPU driver splits a pass the same way on
 * every call, so each thread keeps touching the same part of a tensor and
 * finds it in its own core's caches. Then it takes any task still
 * unclaimed, so a thread that starts late (descheduled, asleep) costs
 * nothing but its share of the speed-up. */
static void run_tasks(int64_t p) {
  const int64_t step = atomic_load_explicit(&pool.participants, memory_order_relaxed);
  for (int64_t t = p; t < pool.num_tasks; t += step)
    if (claim(t)) pool.fn(pool.arg, t);
  for (int64_t t = 0; t < pool.num_tasks; t++)
    if (claim(t)) pool.fn(pool.arg, t);
}

/* Leaves the job; the last worker out of a closed job wakes the caller. */
static void leave_job(void) {
  const uint64_t old = atomic_fetch_sub_explicit(&pool.job, 1, memory_order_seq_cst);
  if ((old & JOB_COUNT_MASK) == 1 && !(old & JOB_OPEN) &&
      atomic_load_explicit(&pool.caller_sleeping, memory_order_seq_cst)) {
    pthread_mutex_lock(&pool.lock);
    pthread_cond_signal(&pool.done);
    pthread_mutex_unlock(&pool.lock);
  }
}

/* Workers that have reached worker_main (tests: c2op__pool_num_started). */
static atomic_int started_workers;
/* Workers that entered the latest job (tests: c2op__pool_entered_last_job). */
static atomic_int entered_last_job;

static void *worker_main(void *arg) {
  const uint64_t index = (uint64_t)(uintptr_t)arg;
  atomic_fetch_add_explicit(&started_workers, 1, memory_order_release);
  /* Jobs up to the one current at creation are not this worker's; the
   * next one, possibly published before this thread runs, is. */
  uint64_t seen = pool.start_gen[index];
  for (;;) {
    uint64_t w = atomic_load_explicit(&pool.job, memory_order_acquire);
    for (int spin = 0; (w >> 32) == seen && spin < SPIN_WAIT; spin++) {
      CPU_RELAX();
      w = atomic_load_explicit(&pool.job, memory_order_acquire);
    }
    if ((w >> 32) == seen) {
      pthread_mutex_lock(&pool.lock);
      while ((w = atomic_load_explicit(&pool.job, memory_order_acquire)) >> 32 == seen &&
             !pool.shutdown)
        pthread_cond_wait(&pool.wake, &pool.lock);
      const int stop = pool.shutdown;
      pthread_mutex_unlock(&pool.lock);
      if (stop) return NULL;
    }
    seen = w >> 32;
    /* A job that asks for fewer workers than the pool has leaves the rest
     * out: they do not enter (the caller waits only for workers inside). */
    if ((int64_t)index + 1 >= atomic_load_explicit(&pool.participants, memory_order_relaxed))
      continue;
    /* Enter the job if it is still open and of that generation. */
    int entered = 0;
    while ((w >> 32) == seen && (w & JOB_OPEN)) {
      if (atomic_compare_exchange_weak_explicit(&pool.job, &w, w + 1, memory_order_acq_rel,
                                                memory_order_acquire)) {
        entered = 1;
        break;
      }
    }
    if (!entered) continue;
    atomic_fetch_add_explicit(&entered_last_job, 1, memory_order_relaxed);
    if ((int64_t)index + 1 < atomic_load_explicit(&pool.participants, memory_order_relaxed))
      run_tasks((int64_t)index + 1);
    leave_job();
  }
}

/* After fork() only the forking thread exists: forget the parent's workers
 * (their memory is the parent's business) and reset the locks. */
static void pool_atfork_child(void) {
  pthread_mutex_init(&pool.lock, NULL);
  pthread_cond_init(&pool.wake, NULL);
  pthread_cond_init(&pool.done, NULL);
  pthread_mutex_init(&pool_owner, NULL);
  atomic_store(&pool.job, atomic_load(&pool.job) & ~(JOB_OPEN | JOB_COUNT_MASK));
  pool.num_workers = 0;
  pool.shutdown = 0;
  atomic_store(&started_workers, 0);
}

static void register_atfork(void) {
  pthread_atfork(NULL, NULL, pool_atfork_child);
}

/* Starts workers until there are `want` (called with pool_owner held, so
 * no job is in flight). */
static void grow(int32_t want) {
  pthread_mutex_lock(&pool.lock);
  while (pool.num_workers < want && !pool.shutdown) {
    pool.start_gen[pool.num_workers] = atomic_load_explicit(&pool.job, memory_order_relaxed) >> 32;
    /* A thread that cannot be started (or a fault injected there) leaves
     * the pool smaller; jobs then use the workers there are. */
    if (c2op__fault_hit() ||
        pthread_create(&pool.threads[pool.num_workers], NULL, worker_main,
                       (void *)(uintptr_t)pool.num_workers) != 0)
      break;
    pool.num_workers++;
  }
  pthread_mutex_unlock(&pool.lock);
}

static void run_serially(int64_t num_tasks, c2op__pool_task_fn fn, void *arg) {
  for (int64_t t = 0; t < num_tasks; t++)
    fn(arg, t);
}

void c2op__pool_run(int32_t threads, int64_t num_tasks, c2op__pool_task_fn fn, void *arg) {
  if (threads > C2OP__POOL_MAX_THREADS) threads = C2OP__POOL_MAX_THREADS;
  if (threads > num_tasks) threads = (int32_t)num_tasks;
  if (threads <= 1 || num_tasks > C2OP__POOL_MAX_TASKS || pthread_mutex_trylock(&pool_owner) != 0) {
    run_serially(num_tasks, fn, arg);
    return;
  }
  pthread_once(&atfork_once, register_atfork);
  if (pool.num_workers < threads - 1) grow(threads - 1);
  const int32_t workers = pool.num_workers < threads - 1 ? pool.num_workers : threads - 1;
  if (workers == 0) {
    pthread_mutex_unlock(&pool_owner);
    run_serially(num_tasks, fn, arg);
    return;
  }
  pool.fn = fn;
  pool.arg = arg;
  pool.num_tasks = num_tasks;
  atomic_store_explicit(&pool.participants, workers + 1, memory_order_relaxed);
  for (int64_t t = 0; t < num_tasks; t++)
    atomic_store_explicit(&pool.claimed[t], 0, memory_order_relaxed);
  atomic_store_explicit(&pool.caller_sleeping, 0, memory_order_relaxed);
  atomic_store_explicit(&entered_last_job, 0, memory_order_relaxed);
  const uint64_t gen = (atomic_load_explicit(&pool.job, memory_order_relaxed) >> 32) + 1;
  /* Publish under the lock so a worker about to sleep cannot miss it. */
  pthread_mutex_lock(&pool.lock);
  atomic_store_explicit(&pool.job, gen << 32 | JOB_OPEN, memory_order_release);
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);

  run_tasks(0);

  /* Every task is claimed: close the job and wait for the workers inside
   * (each finishing the task it holds). */
  uint64_t w = atomic_fetch_and_explicit(&pool.job, ~JOB_OPEN, memory_order_seq_cst) & ~JOB_OPEN;
  for (int spin = 0; (w & JOB_COUNT_MASK) != 0 && spin < SPIN_WAIT; spin++) {
    CPU_RELAX();
    w = atomic_load_explicit(&pool.job, memory_order_acquire);
  }
  if ((w & JOB_COUNT_MASK) != 0) {
    pthread_mutex_lock(&pool.lock);
    atomic_store_explicit(&pool.caller_sleeping, 1, memory_order_seq_cst);
    while (atomic_load_explicit(&pool.job, memory_order_seq_cst) & JOB_COUNT_MASK)
      pthread_cond_wait(&pool.done, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
  }
  pthread_mutex_unlock(&pool_owner);
}

int32_t c2op__pool_entered_last_job(void) {
  return atomic_load_explicit(&entered_last_job, memory_order_relaxed);
}

int32_t c2op__pool_num_started(void) {
  return atomic_load_explicit(&started_workers, memory_order_acquire);
}

int32_t c2op__pool_num_workers(void) {
  pthread_mutex_lock(&pool.lock);
  const int32_t n = pool.num_workers;
  pthread_mutex_unlock(&pool.lock);
  return n;
}

/* Joins the workers when the process exits or the library is unloaded.
 * It first takes the pool from callers, for good: a job in flight ends
 * first, and any call after that runs on its own thread. Workers then see
 * no new job and the shutdown flag within a spin. Without this, a thread
 * that kept calling held exit up (each new job kept the workers awake),
 * and the pool's fields were written here while a caller read them. */
__attribute__((destructor)) static void pool_shutdown(void) {
  pthread_mutex_lock(&pool_owner);
  pthread_mutex_lock(&pool.lock);
  pool.shutdown = 1;
  const int32_t n = pool.num_workers;
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  for (int32_t i = 0; i < n; i++)
    pthread_join(pool.threads[i], NULL);
  pthread_mutex_lock(&pool.lock);
  pool.num_workers = 0;
  pthread_mutex_unlock(&pool.lock);
}
