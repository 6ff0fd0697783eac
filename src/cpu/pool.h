/* pool.h - the CPU thread pool (internal).
 *
 * One process-wide pool of worker threads, created lazily and grown to the
 * largest thread count asked for (at most C2OP__POOL_MAX_THREADS in all).
 * Workers sleep on a condition variable between jobs, after spinning a few
 * microseconds so that back-to-back calls do not pay a wake-up each.
 *
 * One job runs at a time. A caller that finds the pool busy with another
 * caller's job runs its own job on its own thread instead of waiting, so
 * concurrent callers never run more threads than the pool plus themselves:
 * no oversubscription, no deadlock, no queue.
 *
 * Each participant runs its own share of the tasks first (the same share on
 * every call, for cache affinity), then takes whatever is left unclaimed,
 * so a worker that is descheduled or slow to wake costs its share of the
 * speed-up, not a stall: the caller never waits for a worker that has not
 * started. One preempted inside a task it claimed does hold the caller up
 * until the scheduler runs it again (docs/PERFORMANCE.md, "Thread pool").
 *
 * A job that asks for fewer threads than the pool has wakes the others
 * only to let them see that: they do not enter it, and the caller does not
 * wait for them.
 *
 * Workers are joined by a destructor when the library is unloaded or the
 * process exits (so LeakSanitizer and dlclose are content); it waits for a
 * job in flight, and calls made after it (other threads still running at
 * exit) run on their own thread. A child process after fork() starts with
 * an empty pool. */
#ifndef C2OP_CPU_POOL_H
#define C2OP_CPU_POOL_H

#include <stdint.h>

/* The most threads (caller included) one job uses, and the most tasks one
 * job may have (more run on the calling thread alone). */
#define C2OP__POOL_MAX_THREADS 64
#define C2OP__POOL_MAX_TASKS 256

/* Task `task` of a job; tasks of one job may run concurrently. */
typedef void (*c2op__pool_task_fn)(void *arg, int64_t task);

/* Runs fn(arg, t) for every t in [0, num_tasks) exactly once on up to
 * `threads` threads, the caller included, and returns when all are done.
 * Runs everything on the calling thread when threads <= 1, when num_tasks
 * exceeds C2OP__POOL_MAX_TASKS, when the pool is busy with another caller's
 * job, or when no worker can be started. */
void c2op__pool_run(int32_t threads, int64_t num_tasks, c2op__pool_task_fn fn, void *arg);

/* How many workers entered the latest job (tests; read after
 * c2op__pool_run returns, when every worker that entered has left). */
int32_t c2op__pool_entered_last_job(void);

/* How many worker threads exist now (tests). */
int32_t c2op__pool_num_workers(void);

/* How many of them have started running the pool's code (tests): a thread
 * counts once its runtime set-up is done (under ASan that set-up allocates,
 * which matters to a test that forks). */
int32_t c2op__pool_num_started(void);

#endif
