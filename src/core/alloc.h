/* alloc.h - the library's only allocation entry points (internal). Every
 * allocation goes through here so tests can inject failures.
 *
 * Fault injection (a test hook; internal, not exported from the shared
 * library: tests that use it link c2op_static). A "fallible site" is every
 * call of c2op__malloc, c2op__calloc, c2op__realloc, c2op__strdup, and
 * every other resource the library acquires that may fail (the pool's
 * pthread_create); each asks c2op__fault_hit() first.
 *
 * The hook is per thread: c2op__fault_arm() starts counting the sites that
 * the calling thread passes, and makes the fail_at-th of them (1-based)
 * fail as if the resource were exhausted; fail_at = 0 only counts.
 * Sites on other threads are neither counted nor failed, so a test is
 * deterministic whatever else runs. c2op__fault_disarm() stops and returns
 * the count. Disarmed (the normal state), a site costs one relaxed atomic
 * load of a process-wide counter of armed threads, and a predicted branch.
 *
 * A test finds every failure path of an operation by counting the sites K
 * of a successful run (arm(0), run, disarm), then for i = 1..K: arm(i),
 * run, check the failure, disarm. With C2OP__FAULT_STICKY the fail_at-th
 * site and every later one fail (for code that would otherwise retry). */
#ifndef C2OP_CORE_ALLOC_H
#define C2OP_CORE_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

void *c2op__malloc(size_t size);
void *c2op__calloc(size_t count, size_t size);
void *c2op__realloc(void *ptr, size_t size);
void c2op__free(void *ptr);
/* strdup through c2op__malloc; NULL on failure. */
char *c2op__strdup(const char *s);

/* Flags of c2op__fault_arm. */
#define C2OP__FAULT_STICKY 1

/* Arms the calling thread (rearming restarts the count). */
void c2op__fault_arm(int64_t fail_at, int flags);
/* Disarms the calling thread; returns the sites it passed while armed. */
int64_t c2op__fault_disarm(void);
/* Sites the calling thread passed since it was armed (0 when disarmed). */
int64_t c2op__fault_count(void);
/* How many sites were made to fail since the thread was armed. */
int64_t c2op__fault_failures(void);

/* A fallible site: nonzero when it must fail now. */
int c2op__fault_hit_slow(void);
extern _Atomic int c2op__fault_armed_threads;
static inline int c2op__fault_hit(void) {
  if (__builtin_expect(atomic_load_explicit(&c2op__fault_armed_threads, memory_order_relaxed), 0))
    return c2op__fault_hit_slow();
  return 0;
}

#endif
