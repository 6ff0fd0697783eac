/* test_settings.c - the byte-count settings read from the environment
 * (c2op__env_bytes: C2OP_PARALLEL_MIN_BYTES, C2OP_STREAMING_BYTES,
 * C2OP_STREAM_PAIRS and the CUDA backend's C2OP_CUDA_STREAMING_MIN/MAX_BYTES
 * all go through it), and C2OP_STREAM_PAIRS reaching the kernels (ctest
 * runs this test with it unset, 0 and 1). */
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2op.h"
#include "c2op_test.h"
#include "core/context.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"

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

/* After the first pass large enough to read the settings, the kernels'
 * switch holds C2OP_STREAM_PAIRS (0 or not 0) or, unset, the CPU's
 * default. Runs first in main (the settings are read once a process). */
static void stream_pairs_setting_reaches_the_kernels(void) {
  const char *env = getenv("C2OP_STREAM_PAIRS");
  enum { N = 16384 }; /* 64 KiB of float32: past the direct pass, so the driver runs */
  float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  CHECK(x && y);
  if (!x || !y) {
    free(x);
    free(y);
    return;
  }
  for (int i = 0; i < N; i++)
    x[i] = (float)i;
  int64_t shape[1] = {N};
  DLTensor tx = {.data = x, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLFloat, 32, 1},
                 .shape = shape};
  DLTensor ty = tx;
  ty.data = y;
  CHECK_OK(c2op_negative(&tx, &ty));
  CHECK(y[N - 1] == -(float)(N - 1));
  /* ctest sets it to 0 or 1, or leaves it unset */
  const int want = !env ? c2op__cpu_prefers_stream_pairs() : strcmp(env, "0") != 0;
  printf("     C2OP_STREAM_PAIRS=%s: kernels run %s\n", env ? env : "(unset)",
         atomic_load(&c2op__stream_pairs) ? "two streams" : "one stream");
  CHECK_EQ_INT(atomic_load(&c2op__stream_pairs), want);
  free(x);
  free(y);
}

int main(void) {
  RUN(stream_pairs_setting_reaches_the_kernels);
  RUN(whole_numbers_are_read);
  RUN(past_int64_reads_as_the_largest);
  RUN(anything_else_keeps_the_default);
  return TEST_MAIN_END();
}
