/*
 * test_large.c - tensors of more than 2^31 elements (and of more than 2^31
 * bytes), in place over one buffer of 2^31 + 4099 bytes, so that 32-bit
 * indices or offsets anywhere in the kernels show up as wrong bytes.
 *
 * Every byte is checked with a plain loop against a pattern computed from
 * its position; 64 guard bytes after the tensor must stay as they were.
 * When the buffer cannot be allocated the tests print "skipped" and pass.
 */
#include "c2op_test.h"
#include "reference.h"

#define LARGE_N (((int64_t)1 << 31) + 4099) /* divisible by 3 */
#define GUARD 64

static unsigned char *g_buf; /* LARGE_N bytes, then GUARD guard bytes */
static c2op_context *g_ctx1, *g_ctx2;

static unsigned char pattern(int64_t i) {
  return (unsigned char)(i * 131 + (i >> 17) + 7);
}

static void fill_pattern(void) {
  for (int64_t i = 0; i < LARGE_N; i++)
    g_buf[i] = pattern(i);
  memset(g_buf + LARGE_N, 0xa5, GUARD);
}

/** Counts bytes i whose value differs from want(i); reports the first few,
 *  always naming whether the last byte and the guard were right. */
static int64_t count_wrong(const char *what, int negated) {
  int64_t wrong = 0;
  for (int64_t i = 0; i < LARGE_N; i++) {
    unsigned char p = pattern(i);
    unsigned char want = negated ? (unsigned char)(0u - (unsigned)p) : p;
    if (g_buf[i] != want) {
      if (wrong < 3) TEST_FAIL_("%s: byte %" PRId64 " is %u, want %u", what, i, g_buf[i], want);
      wrong++;
    }
  }
  for (int i = 0; i < GUARD; i++)
    if (g_buf[LARGE_N + i] != 0xa5) {
      TEST_FAIL_("%s: guard byte %d after the tensor changed", what, i);
      wrong++;
      break;
    }
  if (wrong) TEST_FAIL_("%s: %" PRId64 " bytes wrong", what, wrong);
  return wrong;
}

static void int8_over_2_pow_31_elements_in_place_1d(void) {
  int64_t n = LARGE_N;
  ref_view v;
  ref_view_init(&v, ref_dt(kDLInt, 8), 1, &n, NULL, g_buf, 0);
  fill_pattern();
  CHECK_OK(c2op_negative(&v.t, &v.t));
  count_wrong("1-d negative, automatic threads", 1);
  CHECK_OK(c2op_negative_ex(g_ctx2, &v.t, &v.t));
  count_wrong("1-d negative twice, 2 threads", 0);
  CHECK_OK(c2op_negative_ex(g_ctx1, &v.t, &v.t));
  count_wrong("1-d negative thrice, 1 thread", 1);
}

static void int8_over_2_pow_31_elements_in_place_2d(void) {
  const int64_t shape[2] = {3, LARGE_N / 3};
  ref_view v;
  ref_view_init(&v, ref_dt(kDLInt, 8), 2, shape, NULL, g_buf, 0);
  fill_pattern();
  CHECK_OK(c2op_negative_ex(g_ctx2, &v.t, &v.t));
  count_wrong("[3, N/3] negative, 2 threads", 1);
}

static void int8_over_2_pow_31_elements_transposed_in_place(void) {
  /* [N/3, 3] with strides [1, N/3]: element (i, j) at i + j * N/3. Each
   * element is still visited once, through strides reaching past 2^31. */
  const int64_t shape[2] = {LARGE_N / 3, 3}, strides[2] = {1, LARGE_N / 3};
  ref_view v;
  ref_view_init(&v, ref_dt(kDLInt, 8), 2, shape, strides, g_buf, 0);
  fill_pattern();
  CHECK_OK(c2op_negative_ex(g_ctx2, &v.t, &v.t));
  count_wrong("transposed [N/3, 3] negative, 2 threads", 1);
}

static void int8_over_2_pow_31_elements_byte_offset(void) {
  /* The last 2^31 + 3 bytes, reached through a byte_offset of 4096. */
  int64_t n = LARGE_N - 4096;
  ref_view v;
  ref_view_init(&v, ref_dt(kDLUInt, 8), 1, &n, NULL, g_buf, 4096);
  fill_pattern();
  CHECK_OK(c2op_negative(&v.t, &v.t));
  int64_t wrong = 0;
  for (int64_t i = 0; i < LARGE_N; i++) {
    unsigned char p = pattern(i);
    unsigned char want = i < 4096 ? p : (unsigned char)(0u - (unsigned)p);
    if (g_buf[i] != want && wrong++ < 3)
      TEST_FAIL_("byte %" PRId64 " is %u, want %u", i, g_buf[i], want);
  }
  CHECK_EQ_INT(wrong, 0);
}

static void float32_over_2_pow_31_bytes_in_place(void) {
  /* Fewer than 2^31 elements, more than 2^31 bytes: byte offsets must be
   * 64-bit too. Negation flips bit 7 of byte 3 of each element. */
  int64_t n = LARGE_N / 4;
  ref_view v;
  ref_view_init(&v, ref_dt(kDLFloat, 32), 1, &n, NULL, g_buf, 0);
  fill_pattern();
  CHECK_OK(c2op_negative_ex(g_ctx2, &v.t, &v.t));
  int64_t wrong = 0;
  for (int64_t i = 0; i < LARGE_N; i++) {
    unsigned char p = pattern(i);
    unsigned char want = (i < 4 * n && i % 4 == 3) ? (unsigned char)(p ^ 0x80u) : p;
    if (g_buf[i] != want && wrong++ < 3)
      TEST_FAIL_("byte %" PRId64 " is %u, want %u", i, g_buf[i], want);
  }
  CHECK_EQ_INT(wrong, 0);
}

/** Checks that exactly the bytes [a, a + len) and [b, b + len) were negated
 *  (as int8) and every other byte kept. */
static void check_two_runs(const char *what, int64_t a, int64_t b, int64_t len) {
  int64_t wrong = 0;
  for (int64_t i = 0; i < LARGE_N; i++) {
    unsigned char p = pattern(i);
    int in = (i >= a && i < a + len) || (i >= b && i < b + len);
    unsigned char want = in ? (unsigned char)(0u - (unsigned)p) : p;
    if (g_buf[i] != want && wrong++ < 3)
      TEST_FAIL_("%s: byte %" PRId64 " is %u, want %u", what, i, g_buf[i], want);
  }
  CHECK_EQ_INT(wrong, 0);
}

static void rows_2_pow_31_bytes_apart(void) {
  /* Few elements, but the second row starts 2^31 bytes in: offsets of rows
   * must be 64-bit even when the element count is small. The transposed
   * view covers the same elements, so it negates them back. */
  const int64_t row = (int64_t)1 << 31;
  const int64_t shape[2] = {2, 4099}, strides[2] = {row, 1};
  const int64_t tshape[2] = {4099, 2}, tstrides[2] = {1, row};
  ref_view v;
  fill_pattern();
  ref_view_init(&v, ref_dt(kDLInt, 8), 2, shape, strides, g_buf, 0);
  CHECK_OK(c2op_negative_ex(g_ctx1, &v.t, &v.t));
  check_two_runs("[2,4099] strides [2^31,1]", 0, row, 4099);
  ref_view_init(&v, ref_dt(kDLInt, 8), 2, tshape, tstrides, g_buf, 0);
  CHECK_OK(c2op_negative_ex(g_ctx2, &v.t, &v.t));
  count_wrong("[4099,2] strides [1,2^31] negated back", 0);
  /* float32: the second row 2^29 elements (2^31 bytes) in. */
  const int64_t fshape[2] = {2, 1024}, fstrides[2] = {(int64_t)1 << 29, 1};
  ref_view_init(&v, ref_dt(kDLFloat, 32), 2, fshape, fstrides, g_buf, 0);
  CHECK_OK(c2op_negative_ex(g_ctx1, &v.t, &v.t));
  int64_t wrong = 0;
  for (int64_t i = 0; i < LARGE_N; i++) {
    unsigned char p = pattern(i);
    int in = (i < 4096 || (i >= row && i < row + 4096)) && i % 4 == 3;
    unsigned char want = in ? (unsigned char)(p ^ 0x80u) : p;
    if (g_buf[i] != want && wrong++ < 3)
      TEST_FAIL_("float32 rows: byte %" PRId64 " is %u, want %u", i, g_buf[i], want);
  }
  CHECK_EQ_INT(wrong, 0);
}

int main(void) {
  g_buf = (unsigned char *)malloc((size_t)LARGE_N + GUARD);
  if (!g_buf) {
    printf("skipped: cannot allocate %" PRId64 " bytes\n", (int64_t)LARGE_N + GUARD);
    return 0;
  }
  if (c2op_context_create(&g_ctx1) != C2OP_OK ||
      c2op_context_set_num_threads(g_ctx1, 1) != C2OP_OK ||
      c2op_context_create(&g_ctx2) != C2OP_OK ||
      c2op_context_set_num_threads(g_ctx2, 2) != C2OP_OK) {
    printf("FAIL cannot create the contexts: %s\n", c2op_last_error());
    free(g_buf);
    c2op_context_destroy(g_ctx1);
    c2op_context_destroy(g_ctx2);
    return 1;
  }
  RUN(int8_over_2_pow_31_elements_in_place_1d);
  RUN(int8_over_2_pow_31_elements_in_place_2d);
  RUN(int8_over_2_pow_31_elements_transposed_in_place);
  RUN(int8_over_2_pow_31_elements_byte_offset);
  RUN(float32_over_2_pow_31_bytes_in_place);
  RUN(rows_2_pow_31_bytes_apart);
  c2op_context_destroy(g_ctx1);
  c2op_context_destroy(g_ctx2);
  free(g_buf);
  return TEST_MAIN_END();
}
