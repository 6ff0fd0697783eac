/*
 * tsan_c11_threads.h - force-included into the tests of the ThreadSanitizer
 * build only (C2OP_TSAN, tests/CMakeLists.txt).
 *
 * Why: glibc 2.34 and later implement C11 thrd_create/thrd_join without
 * going through pthread_create/pthread_join, and the TSan runtimes of
 * Debian 12 (GCC 12's libtsan, clang 14's) intercept only the pthread
 * calls: a thread started by thrd_create has no TSan state and crashes in
 * __tsan_func_entry (checked with a 5-line program and both compilers),
 * and a thrd_join would be invisible to the race detector. Mapping the two
 * C11 calls to the pthread ones keeps the tests' code as it is and lets
 * TSan see thread start and join. (glibc's thrd_t is a pthread_t.)
 */
#ifndef C2OP_TSAN_C11_THREADS_H
#define C2OP_TSAN_C11_THREADS_H

/* The same feature level test_negative.c asks for (it defines it too). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

typedef struct {
  thrd_start_t fn;
  void *arg;
} c2op_tsan_thrd_start;

static void *c2op_tsan_thrd_trampoline(void *p) {
  c2op_tsan_thrd_start s = *(c2op_tsan_thrd_start *)p;
  free(p);
  return (void *)(intptr_t)s.fn(s.arg);
}

static inline int c2op_tsan_thrd_create(thrd_t *t, thrd_start_t fn, void *arg) {
  c2op_tsan_thrd_start *s = malloc(sizeof *s);
  if (!s) return thrd_nomem;
  s->fn = fn;
  s->arg = arg;
  pthread_t p;
  if (pthread_create(&p, NULL, c2op_tsan_thrd_trampoline, s) != 0) {
    free(s);
    return thrd_error;
  }
  *t = (thrd_t)p;
  return thrd_success;
}

static inline int c2op_tsan_thrd_join(thrd_t t, int *res) {
  void *r = NULL;
  if (pthread_join((pthread_t)t, &r) != 0) return thrd_error;
  if (res) *res = (int)(intptr_t)r;
  return thrd_success;
}

#define thrd_create c2op_tsan_thrd_create
#define thrd_join c2op_tsan_thrd_join

#endif
