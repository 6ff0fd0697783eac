/* test_settings.c - the byte-count settings read from the environment
 * (c2op__env_bytes: C2OP_PARALLEL_MIN_BYTES, C2OP_STREAMING_BYTES and the
 * CUDA backend's C2OP_CUDA_STREAMING_MIN/MAX_BYTES all go through it). */
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */
#include <stdlib.h>

#include "c2op_test.h"
#include "core/context.h"

#define VAR "C2OP_TEST_SETTING_BYTES"

static int64_t read_as(const char *value) {
  if (value)
    setenv(VAR, value, 1);
  else
    unsetenv(VAR);
  return c2op__env_bytes(VAR, 777);
}

static void whole_numbers_are_read(void) {
  CHECK_EQ_INT(read_as("0"), 0);
  CHECK_EQ_INT(read_as("4096"), 4096);
  CHECK_EQ_INT(read_as("0012"), 12);
  CHECK_EQ_INT(read_as("9223372036854775807"), INT64_MAX);
}

static void past_int64_reads_as_the_largest(void) {
  CHECK_EQ_INT(read_as("9223372036854775808"), INT64_MAX);
  CHECK_EQ_INT(read_as("99999999999999999999999999"), INT64_MAX);
}

static void anything_else_keeps_the_default(void) {
  const char *bad[] = {"", "abc", "-1", "+5", " 5", "5 ", "1e9", "0x10", "12k", "4.5"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const int64_t v = read_as(bad[i]);
    if (v != 777) TEST_FAIL_("%s=\"%s\" read as %lld, not the default", VAR, bad[i], (long long)v);
  }
  CHECK_EQ_INT(read_as(NULL), 777);
}

int main(void) {
  RUN(whole_numbers_are_read);
  RUN(past_int64_reads_as_the_largest);
  RUN(anything_else_keeps_the_default);
  return TEST_MAIN_END();
}
