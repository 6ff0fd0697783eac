/* alloc.c - allocation wrappers and the fault-injection hook (alloc.h). */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

_Atomic int c2op__fault_armed_threads;

/* The calling thread's state: armed or not, sites passed, which fails. */
static _Thread_local struct {
  int armed;
  int flags;
  int64_t count;
  int64_t fail_at;
  int64_t failures;
} fault;

void c2op__fault_arm(int64_t fail_at, int flags) {
  if (!fault.armed) atomic_fetch_add(&c2op__fault_armed_threads, 1);
  fault.armed = 1;
  fault.flags = flags;
  fault.count = 0;
  fault.fail_at = fail_at < 0 ? 0 : fail_at;
  fault.failures = 0;
}

int64_t c2op__fault_disarm(void) {
  const int64_t n = fault.count;
  if (fault.armed) atomic_fetch_sub(&c2op__fault_armed_threads, 1);
  fault.armed = 0;
  fault.count = 0;
  fault.fail_at = 0;
  return n;
}

int64_t c2op__fault_count(void) { return fault.armed ? fault.count : 0; }
int64_t c2op__fault_failures(void) { return fault.failures; }

int c2op__fault_hit_slow(void) {
  if (!fault.armed) return 0;
  const int64_t n = ++fault.count;
  const int fail = fault.fail_at != 0 &&
                   (n == fault.fail_at || ((fault.flags & C2OP__FAULT_STICKY) && n > fault.fail_at));
  if (fail) fault.failures++;
  return fail;
}

void *c2op__malloc(size_t size) {
  if (c2op__fault_hit()) return NULL;
  return malloc(size ? size : 1);
}
void *c2op__calloc(size_t count, size_t size) {
  if (c2op__fault_hit()) return NULL;
  return calloc(count ? count : 1, size ? size : 1);
}
void *c2op__realloc(void *ptr, size_t size) {
  if (c2op__fault_hit()) return NULL;
  return realloc(ptr, size ? size : 1);
}
void c2op__free(void *ptr) { free(ptr); }

char *c2op__strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *copy = c2op__malloc(n);
  if (copy) memcpy(copy, s, n);
  return copy;
}
