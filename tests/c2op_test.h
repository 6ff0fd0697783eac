/*
 * c2op_test.h - the tiny test harness every tests/test_*.c uses.
 *
 * A test is a `static void name(void)` run by RUN(name) from main(). CHECK*
 * macros record a failure (file, line, what) and let the test go on, so one
 * run shows every broken property. main() ends with TEST_MAIN_END(), which
 * prints "N passed, N failed" and returns non-zero when anything failed.
 *
 * Randomized tests take their seed from test_seed(): C2OP_TEST_SEED from the
 * environment when set, else the time; the seed is printed once so a failure
 * can be replayed.
 */
#ifndef C2OP_TEST_H
#define C2OP_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c2op.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define C2OP_TEST_HAVE_VALGRIND_H 1
#endif
#endif

/* 1 when the test runs under valgrind (which runs one thread at a time),
 * 0 otherwise or where valgrind's header is missing. A test that cannot
 * work there skips, saying why. */
static inline int test_skip_under_valgrind(const char *why) {
#ifdef C2OP_TEST_HAVE_VALGRIND_H
  if (RUNNING_ON_VALGRIND) {
    printf("     skipped under valgrind: %s\n", why);
    return 1;
  }
#endif
  (void)why;
  return 0;
}

static int test_failures_in_current;
static int test_passed_count;
static int test_failed_count;
static const char *test_current_name = "";

#define TEST_FAIL_(...)                                                        \
  do {                                                                         \
    test_failures_in_current++;                                                \
    fprintf(stderr, "  FAIL %s (%s:%d): ", test_current_name, __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__);                                              \
    fprintf(stderr, "\n");                                                     \
  } while (0)

/** Checks a condition. */
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) TEST_FAIL_("CHECK(%s)", #cond);                               \
  } while (0)

/** Checks two integers are equal, printing both. */
#define CHECK_EQ_INT(a, b)                                                     \
  do {                                                                         \
    long long test_a_ = (long long)(a), test_b_ = (long long)(b);              \
    if (test_a_ != test_b_)                                                    \
      TEST_FAIL_("%s == %s: %lld != %lld", #a, #b, test_a_, test_b_);          \
  } while (0)

/** Checks two C strings are equal. */
#define CHECK_EQ_STR(a, b)                                                     \
  do {                                                                         \
    const char *test_a_ = (a), *test_b_ = (b);                                 \
    if (!test_a_ || !test_b_ || strcmp(test_a_, test_b_) != 0)                 \
      TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, test_a_ ? test_a_ : "(null)", \
                 test_b_ ? test_b_ : "(null)");                                \
  } while (0)

/** Checks a string contains a substring. */
#define CHECK_CONTAINS(hay, needle)                                            \
  do {                                                                         \
    const char *test_h_ = (hay), *test_n_ = (needle);                          \
    if (!test_h_ || !strstr(test_h_, test_n_))                                 \
      TEST_FAIL_("\"%s\" contains \"%s\"", test_h_ ? test_h_ : "(null)", test_n_); \
  } while (0)

/** Checks a c2op call returns the expected status; prints the message. */
#define CHECK_STATUS(expr, expected)                                           \
  do {                                                                         \
    c2op_status test_s_ = (expr);                                              \
    if (test_s_ != (expected))                                                 \
      TEST_FAIL_("%s returned %s, expected %s (last error: %s)", #expr,        \
                 c2op_status_name(test_s_), c2op_status_name(expected),        \
                 c2op_last_error());                                           \
  } while (0)

/** Checks a c2op call succeeds. */
#define CHECK_OK(expr) CHECK_STATUS(expr, C2OP_OK)

/** Runs one test function and records whether it passed. */
#define RUN(fn)                                                                \
  do {                                                                         \
    test_current_name = #fn;                                                   \
    test_failures_in_current = 0;                                              \
    fn();                                                                      \
    if (test_failures_in_current == 0) {                                       \
      test_passed_count++;                                                     \
      printf("ok   %s\n", #fn);                                                \
    } else {                                                                   \
      test_failed_count++;                                                     \
      printf("FAIL %s (%d checks failed)\n", #fn, test_failures_in_current);   \
    }                                                                          \
    fflush(stdout);                                                            \
  } while (0)

/** Prints the summary line and yields main's exit status. */
#define TEST_MAIN_END()                                                        \
  (printf("%d passed, %d failed\n", test_passed_count, test_failed_count),     \
   test_failed_count == 0 ? 0 : 1)

/** The seed for randomized tests: C2OP_TEST_SEED or the time; printed once. */
static inline uint64_t test_seed(void) {
  static uint64_t seed;
  static int have;
  if (!have) {
    const char *env = getenv("C2OP_TEST_SEED");
    seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
    have = 1;
    printf("seed %" PRIu64 " (replay with C2OP_TEST_SEED=%" PRIu64 ")\n", seed, seed);
  }
  return seed;
}

/** splitmix64: a small, good generator for test data. */
static inline uint64_t test_rand_next(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/** Uniform integer in [lo, hi]. */
static inline int64_t test_rand_range(uint64_t *state, int64_t lo, int64_t hi) {
  return lo + (int64_t)(test_rand_next(state) % (uint64_t)(hi - lo + 1));
}

#endif /* C2OP_TEST_H */
