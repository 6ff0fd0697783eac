/*
 * test_workspace.c - blobs (feed, fetch, list, remove) and running one op
 * def: results, in place, output reuse, and every schema check, each failure
 * leaving the workspace exactly as it was.
 */
#include "framework_util.h"

static c2op_workspace *new_ws(void) {
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  return ws;
}

/* ------------------------------------------------------------------------ */
/* Feed and fetch                                                            */
/* ------------------------------------------------------------------------ */

static void feed_copies_in_so_later_source_changes_do_not_show(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float src[4] = {1.5f, -2.0f, 3.25f, -0.0f};
  const float want[4] = {1.5f, -2.0f, 3.25f, -0.0f};
  int64_t shape[2] = {2, 2};
  DLTensor t = fu_view(src, fu_f32, 2, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "x", &t));
  src[0] = 99.0f;
  src[3] = 7.0f;
  shape[0] = 4; /* the blob keeps its own shape too */
  shape[1] = 1;
  const DLTensor *got = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "x", &got));
  if (got) {
    CHECK(got->data != (void *)src);
    CHECK_EQ_INT(got->ndim, 2);
    if (got->ndim == 2) {
      CHECK_EQ_INT(got->shape[0], 2);
      CHECK_EQ_INT(got->shape[1], 2);
    }
    CHECK(got->strides == NULL);
    CHECK_EQ_INT(got->device.device_type, kDLCPU);
    CHECK_EQ_INT(got->dtype.code, kDLFloat);
    CHECK_EQ_INT(got->dtype.bits, 32);
    CHECK_EQ_INT(got->dtype.lanes, 1);
    fu_check_floats_eq("x", (const float *)fu_bytes(got), want, 4);
  }
  c2op_workspace_destroy(ws);
}

static void feed_transposed_source_becomes_compact_row_major(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  /* buf is 3x2 row-major; the view is its 2x3 transpose. */
  float buf[6] = {0, 1, 2, 3, 4, 5};
  int64_t shape[2] = {2, 3};
  int64_t strides[2] = {1, 2};
  DLTensor t = fu_view(buf, fu_f32, 2, shape, strides);
  CHECK_OK(c2op_workspace_feed(ws, "xt", &t));
  float want[6];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) want[i * 3 + j] = buf[j * 2 + i];
  const DLTensor *got = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "xt", &got));
  if (got) {
    CHECK(got->strides == NULL);
    CHECK_EQ_INT(got->ndim, 2);
    if (got->ndim == 2) CHECK(got->shape[0] == 2 && got->shape[1] == 3);
  }
  float out[6];
  if (fu_fetch_f32(ws, "xt", out, 6)) fu_check_floats_eq("xt", out, want, 6);
  c2op_workspace_destroy(ws);
}

static void feed_negative_stride_with_byte_offset_is_read_backwards(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float buf[5] = {10, 20, 30, 40, 50};
  int64_t shape[1] = {5};
  int64_t strides[1] = {-1};
  DLTensor t = fu_view(buf, fu_f32, 1, shape, strides);
  t.byte_offset = 4 * sizeof(float);
  CHECK_OK(c2op_workspace_feed(ws, "rev", &t));
  const float want[5] = {50, 40, 30, 20, 10};
  float out[5];
  if (fu_fetch_f32(ws, "rev", out, 5)) fu_check_floats_eq("rev", out, want, 5);
  c2op_workspace_destroy(ws);
}

static void feed_zero_stride_source_is_materialised(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float buf[2] = {-1.25f, 4.0f};
  int64_t shape[2] = {3, 2};
  int64_t strides[2] = {0, 1}; /* the same row three times */
  DLTensor t = fu_view(buf, fu_f32, 2, shape, strides);
  CHECK_OK(c2op_workspace_feed(ws, "b", &t));
  const float want[6] = {-1.25f, 4.0f, -1.25f, 4.0f, -1.25f, 4.0f};
  float out[6];
  if (fu_fetch_f32(ws, "b", out, 6)) fu_check_floats_eq("b", out, want, 6);
  c2op_workspace_destroy(ws);
}

static void feed_scalar_and_empty_tensors_keep_their_shapes(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  double s = -3.5;
  int64_t unused_shape[1] = {99};
  DLTensor ts = fu_view(&s, fu_f64, 0, unused_shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "scalar", &ts));
  float dummy[1] = {0};
  int64_t eshape[2] = {2, 0};
  DLTensor te = fu_view(dummy, fu_f32, 2, eshape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "empty", &te));
  const DLTensor *got = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "scalar", &got));
  if (got) {
    CHECK_EQ_INT(got->ndim, 0);
    CHECK_EQ_INT(got->dtype.bits, 64);
    double v = 0;
    memcpy(&v, fu_bytes(got), sizeof v);
    CHECK(v == -3.5);
  }
  got = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "empty", &got));
  if (got) {
    CHECK_EQ_INT(got->ndim, 2);
    if (got->ndim == 2) CHECK(got->shape[0] == 2 && got->shape[1] == 0);
  }
  c2op_workspace_destroy(ws);
}

/* DLPack producers may give a 0-d tensor a NULL shape (and NULL strides):
 * there are no dimensions to describe. Run last: under UBSan a failure here
 * aborts the process. */
static void feed_and_run_a_scalar_whose_shape_is_null(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float v = 1.75f;
  DLTensor t = fu_view(&v, fu_f32, 0, NULL, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "s", &t));
  c2op_op_def *def = fu_op1("Negative", "s", "ns");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const float want[1] = {-1.75f};
  float got[1];
  if (fu_fetch_f32(ws, "ns", got, 1)) fu_check_floats_eq("ns", got, want, 1);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void feed_replaces_an_existing_blob(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float f[4] = {1, 2, 3, 4};
  fu_feed_f32(ws, "x", f, 1, (int64_t[]){4});
  int32_t iv[3] = {7, -8, 9};
  int64_t shape[1] = {3};
  DLTensor t = fu_view(iv, fu_i32, 1, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "x", &t));
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 1);
  const DLTensor *got = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "x", &got));
  if (got) {
    CHECK_EQ_INT(got->dtype.code, kDLInt);
    CHECK_EQ_INT(got->ndim, 1);
    if (got->ndim == 1 && got->shape[0] == 3)
      CHECK(memcmp(fu_bytes(got), iv, sizeof iv) == 0);
    else
      TEST_FAIL_("x has the wrong shape");
  }
  c2op_workspace_destroy(ws);
}

static void feed_rejects_bad_arguments_and_changes_nothing(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float f[4] = {1, 2, 3, 4};
  fu_feed_f32(ws, "keep", f, 1, (int64_t[]){4});
  fu_snapshot snap = fu_snapshot_take(ws);
  int64_t shape[1] = {4};
  DLTensor t = fu_view(f, fu_f32, 1, shape, NULL);
  CHECK_STATUS(c2op_workspace_feed(NULL, "a", &t), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_workspace_feed(ws, NULL, &t), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_workspace_feed(ws, "a", NULL), C2OP_ERR_NULL_POINTER);
  CHECK(c2op_workspace_feed(ws, "", &t) != C2OP_OK);
  DLTensor bad = t;
  bad.data = NULL;
  CHECK_STATUS(c2op_workspace_feed(ws, "keep", &bad), C2OP_ERR_NULL_POINTER);
  bad = t;
  bad.ndim = C2OP_MAX_NDIM + 1;
  CHECK_STATUS(c2op_workspace_feed(ws, "keep", &bad), C2OP_ERR_INVALID_ARGUMENT);
  int64_t neg_shape[1] = {-4};
  bad = fu_view(f, fu_f32, 1, neg_shape, NULL);
  CHECK_STATUS(c2op_workspace_feed(ws, "keep", &bad), C2OP_ERR_INVALID_ARGUMENT);
  if (!c2op_has_cuda()) {
    bad = t;
    bad.device.device_type = kDLCUDA;
    CHECK(c2op_workspace_feed(ws, "keep", &bad) != C2OP_OK);
  }
  FU_CHECK_UNCHANGED(ws, snap);
  fu_snapshot_free(&snap);
  c2op_workspace_destroy(ws);
}

static void fetch_of_a_missing_blob_is_not_found_naming_it(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  const DLTensor *sentinel = (const DLTensor *)&sentinel;
  const DLTensor *got = sentinel;
  CHECK_STATUS(c2op_workspace_fetch(ws, "ghost_blob", &got), C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "ghost_blob");
  CHECK(got == sentinel);
  CHECK_STATUS(c2op_workspace_fetch(NULL, "x", &got), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_workspace_fetch(ws, NULL, &got), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_workspace_fetch(ws, "x", NULL), C2OP_ERR_NULL_POINTER);
  CHECK(got == sentinel);
  c2op_workspace_destroy(ws);
}

static void blobs_are_listed_sorted_by_name(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  const char *names[] = {"b", "a_2", "c", "B", "a", "a_10"};
  const int n = 6;
  float v[1] = {1};
  for (int i = 0; i < n; i++) fu_feed_f32(ws, names[i], v, 1, (int64_t[]){1});
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), n);
  /* The expected order, by byte comparison, sorted here by insertion sort. */
  const char *sorted[6];
  for (int i = 0; i < n; i++) {
    int j = i;
    while (j > 0 && strcmp(sorted[j - 1], names[i]) > 0) {
      sorted[j] = sorted[j - 1];
      j--;
    }
    sorted[j] = names[i];
  }
  for (int i = 0; i < n; i++) {
    const char *name = NULL;
    CHECK_OK(c2op_workspace_blob_name(ws, i, &name));
    CHECK_EQ_STR(name, sorted[i]);
  }
  const char *sentinel = "untouched";
  const char *name = sentinel;
  CHECK(c2op_workspace_blob_name(ws, n, &name) != C2OP_OK);
  CHECK(c2op_workspace_blob_name(ws, -1, &name) != C2OP_OK);
  CHECK(name == sentinel);
  c2op_workspace_destroy(ws);
}

static void has_blob_and_num_blobs_follow_feed_and_remove(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 0);
  CHECK(!c2op_workspace_has_blob(ws, "x"));
  float v[2] = {1, 2};
  fu_feed_f32(ws, "x", v, 1, (int64_t[]){2});
  fu_feed_f32(ws, "y", v, 1, (int64_t[]){2});
  CHECK(c2op_workspace_has_blob(ws, "x"));
  CHECK(c2op_workspace_has_blob(ws, "y"));
  CHECK(!c2op_workspace_has_blob(ws, "X"));
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 2);
  CHECK_OK(c2op_workspace_remove(ws, "x"));
  CHECK(!c2op_workspace_has_blob(ws, "x"));
  CHECK(c2op_workspace_has_blob(ws, "y"));
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 1);
  const char *name = NULL;
  CHECK_OK(c2op_workspace_blob_name(ws, 0, &name));
  CHECK_EQ_STR(name, "y");
  CHECK(!c2op_workspace_has_blob(NULL, "y"));
  CHECK(!c2op_workspace_has_blob(ws, NULL));
  c2op_workspace_destroy(ws);
}

static void remove_of_a_missing_blob_is_not_found_naming_it(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float v[1] = {1};
  fu_feed_f32(ws, "x", v, 1, (int64_t[]){1});
  CHECK_STATUS(c2op_workspace_remove(ws, "ghost_blob"), C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "ghost_blob");
  CHECK_OK(c2op_workspace_remove(ws, "x"));
  CHECK_STATUS(c2op_workspace_remove(ws, "x"), C2OP_ERR_NOT_FOUND);
  CHECK_STATUS(c2op_workspace_remove(ws, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_workspace_remove(NULL, "x"), C2OP_ERR_NULL_POINTER);
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 0);
  c2op_workspace_destroy(ws);
  c2op_workspace_destroy(NULL);
}

/* ------------------------------------------------------------------------ */
/* run_op: results                                                           */
/* ------------------------------------------------------------------------ */

static void run_negative_float32_gives_minus_x_with_signed_zeros(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  uint64_t st = test_seed() ^ 0x101;
  enum { N = 35 };
  float x[N], want[N], got[N];
  fu_fill_random(x, N, &st);
  x[0] = 0.0f;
  x[1] = -0.0f;
  for (int i = 0; i < N; i++) want[i] = -x[i];
  fu_feed_f32(ws, "X", x, 2, (int64_t[]){5, 7});
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  if (y) {
    CHECK_EQ_INT(y->ndim, 2);
    if (y->ndim == 2) CHECK(y->shape[0] == 5 && y->shape[1] == 7);
  }
  if (fu_fetch_f32(ws, "Y", got, N)) fu_check_floats_eq("Y", got, want, N);
  float xs[N];
  if (fu_fetch_f32(ws, "X", xs, N)) fu_check_floats_eq("X", xs, x, N);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_negative_int32_wraps_int_min(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  int32_t x[5] = {INT32_MIN, INT32_MAX, 0, -1, 12345};
  int32_t want[5];
  for (int i = 0; i < 5; i++) want[i] = (int32_t)(0u - (uint32_t)x[i]);
  CHECK_EQ_INT(want[0], INT32_MIN); /* the test's own oracle, checked */
  int64_t shape[1] = {5};
  DLTensor t = fu_view(x, fu_i32, 1, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "X", &t));
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  if (y) {
    CHECK_EQ_INT(y->dtype.code, kDLInt);
    CHECK_EQ_INT(y->dtype.bits, 32);
    if (fu_numel(y) == 5)
      CHECK(memcmp(fu_bytes(y), want, sizeof want) == 0);
    else
      TEST_FAIL_("Y has %lld elements", (long long)fu_numel(y));
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_negative_float64_scalar(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  double x = 2.718281828459045;
  int64_t unused_shape[1] = {99};
  DLTensor t = fu_view(&x, fu_f64, 0, unused_shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "s", &t));
  c2op_op_def *def = fu_op1("Negative", "s", "ns");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "ns", &y));
  if (y) {
    CHECK_EQ_INT(y->ndim, 0);
    CHECK_EQ_INT(y->dtype.bits, 64);
    double v = 0;
    memcpy(&v, fu_bytes(y), sizeof v);
    CHECK(v == -2.718281828459045);
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_negative_on_an_empty_tensor_gives_an_empty_output(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float dummy[1] = {0};
  int64_t shape[2] = {0, 3};
  DLTensor t = fu_view(dummy, fu_f32, 2, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "e", &t));
  c2op_op_def *def = fu_op1("Negative", "e", "ne");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "ne", &y));
  if (y) {
    CHECK_EQ_INT(y->ndim, 2);
    if (y->ndim == 2) CHECK(y->shape[0] == 0 && y->shape[1] == 3);
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_negate_gradient_copies_float_bytes_exactly(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  uint64_t st = test_seed() ^ 0x202;
  float x[12], got[12];
  fu_fill_random(x, 12, &st);
  x[3] = -0.0f;
  fu_feed_f32(ws, "X", x, 3, (int64_t[]){2, 2, 3});
  c2op_op_def *def = fu_op1("NegateGradient", "X", "Y");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  if (fu_fetch_f32(ws, "Y", got, 12)) fu_check_floats_eq("Y", got, x, 12);
  const DLTensor *x_blob = NULL, *y_blob = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "X", &x_blob));
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y_blob));
  if (x_blob && y_blob) CHECK(x_blob->data != y_blob->data); /* a copy, not an alias */
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_negate_gradient_copies_bool(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  uint8_t b[5] = {1, 0, 0, 1, 1};
  int64_t shape[1] = {5};
  DLTensor t = fu_view(b, fu_bool, 1, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "mask", &t));
  c2op_op_def *def = fu_op1("NegateGradient", "mask", "mask2");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "mask2", &y));
  if (y) {
    CHECK_EQ_INT(y->dtype.code, C2OP_DL_BOOL);
    CHECK_EQ_INT(y->dtype.bits, 8);
    if (fu_numel(y) == 5)
      CHECK(memcmp(fu_bytes(y), b, 5) == 0);
    else
      TEST_FAIL_("mask2 has %lld elements", (long long)fu_numel(y));
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_negative_in_place_negates_the_blob_itself(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  uint64_t st = test_seed() ^ 0x303;
  float x[9], want[9], got[9];
  fu_fill_random(x, 9, &st);
  for (int i = 0; i < 9; i++) want[i] = -x[i];
  fu_feed_f32(ws, "X", x, 2, (int64_t[]){3, 3});
  const DLTensor *before = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "X", &before));
  const void *data_before = before ? before->data : NULL;
  c2op_op_def *def = fu_op1("Negative", "X", "X");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 1);
  const DLTensor *after = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "X", &after));
  if (after) CHECK(after->data == data_before);
  if (fu_fetch_f32(ws, "X", got, 9)) fu_check_floats_eq("X", got, want, 9);
  /* Twice in place is the identity again. */
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  if (fu_fetch_f32(ws, "X", got, 9)) fu_check_floats_eq("X", got, x, 9);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_negate_gradient_in_place_leaves_the_blob_as_is(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  uint64_t st = test_seed() ^ 0x404;
  float x[7], got[7];
  fu_fill_random(x, 7, &st);
  fu_feed_f32(ws, "X", x, 1, (int64_t[]){7});
  c2op_op_def *def = fu_op1("NegateGradient", "X", "X");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 1);
  if (fu_fetch_f32(ws, "X", got, 7)) fu_check_floats_eq("X", got, x, 7);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_sum_adds_every_input(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  uint64_t st = test_seed() ^ 0x505;
  float a[6], b[6], c[6], want[6], got[6];
  fu_fill_random(a, 6, &st);
  fu_fill_random(b, 6, &st);
  fu_fill_random(c, 6, &st);
  for (int i = 0; i < 6; i++) want[i] = a[i] + b[i] + c[i]; /* exact: 20-bit values */
  int64_t shape[2] = {2, 3};
  fu_feed_f32(ws, "a", a, 2, shape);
  fu_feed_f32(ws, "b", b, 2, shape);
  fu_feed_f32(ws, "c", c, 2, shape);
  const char *ins[3] = {"a", "b", "c"};
  const char *outs[1] = {"s"};
  c2op_op_def *def = fu_op("Sum", 3, ins, 1, outs);
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  if (fu_fetch_f32(ws, "s", got, 6)) fu_check_floats_eq("s", got, want, 6);
  /* In place on the first input is allowed: a <- a + b. */
  const char *outs_a[1] = {"a"};
  c2op_op_def *inplace = fu_op("Sum", 2, ins, 1, outs_a);
  if (inplace) CHECK_OK(c2op_workspace_run_op(ws, NULL, inplace));
  for (int i = 0; i < 6; i++) want[i] = a[i] + b[i];
  if (fu_fetch_f32(ws, "a", got, 6)) fu_check_floats_eq("a", got, want, 6);
  /* One input is a copy. */
  const char *outs_one[1] = {"one"};
  c2op_op_def *one = fu_op("Sum", 1, &ins[2], 1, outs_one);
  if (one) CHECK_OK(c2op_workspace_run_op(ws, NULL, one));
  if (fu_fetch_f32(ws, "one", got, 6)) fu_check_floats_eq("one", got, c, 6);
  c2op_op_def_destroy(one);
  c2op_op_def_destroy(inplace);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* Sum's schema takes any number of inputs (max_inputs); run_op must too. */
static void run_sum_of_a_hundred_inputs(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  enum { K = 100, M = 5 };
  char names[K][16];
  const char *ins[K];
  float want[M] = {0}, got[M];
  for (int k = 0; k < K; k++) {
    float v[M];
    for (int i = 0; i < M; i++) {
      v[i] = (float)((k * 7 + i * 3) % 11 - 5); /* small integers: sums are exact */
      want[i] += v[i];
    }
    snprintf(names[k], sizeof names[k], "in%d", k);
    ins[k] = names[k];
    fu_feed_f32(ws, names[k], v, 1, (int64_t[]){M});
  }
  const char *outs[1] = {"total"};
  c2op_op_def *def = fu_op("Sum", K, ins, 1, outs);
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  if (fu_fetch_f32(ws, "total", got, M)) fu_check_floats_eq("total", got, want, M);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void run_with_a_multithreaded_context_matches_the_oracle(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  enum { N = 300001 };
  float *x = malloc(N * sizeof *x), *want = malloc(N * sizeof *want), *got = malloc(N * sizeof *got);
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  if (x && want && got && ctx) {
    uint64_t st = test_seed() ^ 0x606;
    fu_fill_random(x, N, &st);
    for (int64_t i = 0; i < N; i++) want[i] = -x[i];
    CHECK_OK(c2op_context_set_num_threads(ctx, 4));
    fu_feed_f32(ws, "X", x, 1, (int64_t[]){N});
    c2op_op_def *def = fu_op1("Negative", "X", "Y");
    if (def) CHECK_OK(c2op_workspace_run_op(ws, ctx, def));
    if (fu_fetch_f32(ws, "Y", got, N)) fu_check_floats_eq("Y", got, want, N);
    c2op_op_def_destroy(def);
  }
  c2op_context_destroy(ctx);
  free(x);
  free(want);
  free(got);
  c2op_workspace_destroy(ws);
}

/* ------------------------------------------------------------------------ */
/* run_op: output blob reuse                                                 */
/* ------------------------------------------------------------------------ */

static void output_of_same_shape_and_dtype_reuses_its_buffer(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float x1[4] = {1, 2, 3, 4}, x2[4] = {-5, 6, -7, 8};
  const float want2[4] = {5, -6, 7, -8};
  fu_feed_f32(ws, "X", x1, 1, (int64_t[]){4});
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  const void *first = y ? y->data : NULL;
  fu_feed_f32(ws, "X", x2, 1, (int64_t[]){4});
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  if (y) CHECK(y->data == first);
  float got[4];
  if (fu_fetch_f32(ws, "Y", got, 4)) fu_check_floats_eq("Y", got, want2, 4);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void fed_output_blob_of_matching_type_is_written_in_place(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float x[6] = {1, -2, 3, -4, 5, -6}, y0[6] = {0};
  const float want[6] = {-1, 2, -3, 4, -5, 6};
  fu_feed_f32(ws, "X", x, 2, (int64_t[]){2, 3});
  fu_feed_f32(ws, "Y", y0, 2, (int64_t[]){2, 3});
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  const void *fed = y ? y->data : NULL;
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  if (y) CHECK(y->data == fed);
  float got[6];
  if (fu_fetch_f32(ws, "Y", got, 6)) fu_check_floats_eq("Y", got, want, 6);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void output_of_another_shape_gets_a_new_buffer(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float small[4] = {1, 2, 3, 4};
  fu_feed_f32(ws, "Y", small, 1, (int64_t[]){4});
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  const void *old = y ? y->data : NULL;
  enum { N = 4096 };
  float *x = malloc(N * sizeof *x), *want = malloc(N * sizeof *want), *got = malloc(N * sizeof *got);
  if (x && want && got) {
    uint64_t st = test_seed() ^ 0x707;
    fu_fill_random(x, N, &st);
    for (int i = 0; i < N; i++) want[i] = -x[i];
    fu_feed_f32(ws, "X", x, 2, (int64_t[]){64, 64});
    c2op_op_def *def = fu_op1("Negative", "X", "Y");
    if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
    y = NULL;
    CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
    if (y) {
      CHECK(y->data != old); /* 16 bytes could never hold 16 KiB */
      CHECK_EQ_INT(y->ndim, 2);
      if (y->ndim == 2) CHECK(y->shape[0] == 64 && y->shape[1] == 64);
    }
    if (fu_fetch_f32(ws, "Y", got, N)) fu_check_floats_eq("Y", got, want, N);
    c2op_op_def_destroy(def);
  }
  free(x);
  free(want);
  free(got);
  c2op_workspace_destroy(ws);
}

static void output_of_another_dtype_is_retyped(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  float y0[3] = {9, 9, 9};
  fu_feed_f32(ws, "Y", y0, 1, (int64_t[]){3});
  int32_t x[3] = {4, -5, 0};
  const int32_t want[3] = {-4, 5, 0};
  int64_t shape[1] = {3};
  DLTensor t = fu_view(x, fu_i32, 1, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "X", &t));
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *y = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "Y", &y));
  if (y) {
    CHECK_EQ_INT(y->dtype.code, kDLInt);
    CHECK_EQ_INT(y->dtype.bits, 32);
    if (fu_numel(y) == 3) CHECK(memcmp(fu_bytes(y), want, sizeof want) == 0);
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* ------------------------------------------------------------------------ */
/* run_op: schema violations leave the workspace unchanged                   */
/* ------------------------------------------------------------------------ */

/* A workspace with float X, X2, A, B (2x3), a different-shape C (3x2), an
 * int32 I (2x3), a bool M (2x3) and an existing output Y (2x3). */
static c2op_workspace *violation_ws(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return NULL;
  uint64_t st = test_seed() ^ 0x808;
  float v[6];
  const char *fl[] = {"X", "X2", "A", "B", "Y"};
  for (int k = 0; k < 5; k++) {
    fu_fill_random(v, 6, &st);
    fu_feed_f32(ws, fl[k], v, 2, (int64_t[]){2, 3});
  }
  fu_fill_random(v, 6, &st);
  fu_feed_f32(ws, "C", v, 2, (int64_t[]){3, 2});
  int32_t iv[6] = {1, 2, 3, 4, 5, 6};
  int64_t shape[2] = {2, 3};
  DLTensor ti = fu_view(iv, fu_i32, 2, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "I", &ti));
  uint8_t bv[6] = {1, 0, 1, 1, 0, 0};
  DLTensor tb = fu_view(bv, fu_bool, 2, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "M", &tb));
  return ws;
}

/* Runs `def` on a fresh violation workspace, expecting `want`, a message
 * containing `needle` (may be NULL), and no change at all. */
static void expect_rejected(const c2op_op_def *def, c2op_status want, const char *needle) {
  if (!def) return;
  c2op_workspace *ws = violation_ws();
  if (!ws) return;
  fu_snapshot snap = fu_snapshot_take(ws);
  c2op_status s = c2op_workspace_run_op(ws, NULL, def);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", c2op_last_error());
  if (s != want)
    TEST_FAIL_("%s(%s...) returned %s, expected %s (%s)", def->type,
               def->num_inputs ? def->inputs[0] : "", c2op_status_name(s), c2op_status_name(want),
               msg);
  if (msg[0] == '\0') TEST_FAIL_("%s: empty error message", def->type);
  if (needle && !strstr(msg, needle))
    TEST_FAIL_("message \"%s\" does not contain \"%s\"", msg, needle);
  FU_CHECK_UNCHANGED(ws, snap);
  fu_snapshot_free(&snap);
  c2op_workspace_destroy(ws);
}

static void negative_with_two_inputs_is_a_schema_violation(void) {
  const char *ins[2] = {"X", "X2"};
  const char *outs[1] = {"Y"};
  c2op_op_def *def = fu_op("Negative", 2, ins, 1, outs);
  expect_rejected(def, C2OP_ERR_SCHEMA_VIOLATION, "Negative");
  c2op_op_def_destroy(def);
}

static void negative_with_no_input_is_a_schema_violation(void) {
  const char *outs[1] = {"Y"};
  c2op_op_def *def = fu_op("Negative", 0, NULL, 1, outs);
  expect_rejected(def, C2OP_ERR_SCHEMA_VIOLATION, "Negative");
  c2op_op_def_destroy(def);
}

static void negate_gradient_with_two_outputs_is_a_schema_violation(void) {
  const char *ins[1] = {"X"};
  const char *outs[2] = {"Y", "Z"};
  c2op_op_def *def = fu_op("NegateGradient", 1, ins, 2, outs);
  expect_rejected(def, C2OP_ERR_SCHEMA_VIOLATION, "NegateGradient");
  c2op_op_def_destroy(def);
}

static void sum_in_place_on_its_second_input_is_a_schema_violation(void) {
  const char *ins[2] = {"A", "B"};
  const char *outs[1] = {"B"};
  c2op_op_def *def = fu_op("Sum", 2, ins, 1, outs);
  expect_rejected(def, C2OP_ERR_SCHEMA_VIOLATION, "Sum");
  c2op_op_def_destroy(def);
}

static void missing_input_blob_is_not_found_naming_it(void) {
  c2op_op_def *def = fu_op1("Negative", "nowhere_blob", "Y");
  expect_rejected(def, C2OP_ERR_NOT_FOUND, "nowhere_blob");
  c2op_op_def_destroy(def);
  const char *ins[3] = {"A", "B", "nowhere_blob"};
  const char *outs[1] = {"S"};
  c2op_op_def *sum = fu_op("Sum", 3, ins, 1, outs);
  expect_rejected(sum, C2OP_ERR_NOT_FOUND, "nowhere_blob");
  c2op_op_def_destroy(sum);
}

static void bool_input_to_negative_is_an_unsupported_dtype(void) {
  c2op_op_def *def = fu_op1("Negative", "M", "Y");
  expect_rejected(def, C2OP_ERR_UNSUPPORTED_DTYPE, NULL);
  c2op_op_def_destroy(def);
  c2op_op_def *fresh = fu_op1("Negative", "M", "fresh_out");
  expect_rejected(fresh, C2OP_ERR_UNSUPPORTED_DTYPE, NULL);
  c2op_op_def_destroy(fresh);
}

static void unknown_op_type_is_not_found_naming_it(void) {
  c2op_op_def *def = fu_op1("NoSuchOpZq", "X", "Y");
  expect_rejected(def, C2OP_ERR_NOT_FOUND, "NoSuchOpZq");
  c2op_op_def_destroy(def);
}

static void sum_of_different_shapes_is_a_shape_mismatch(void) {
  const char *ins[2] = {"A", "C"};
  const char *outs[1] = {"Y"};
  c2op_op_def *def = fu_op("Sum", 2, ins, 1, outs);
  expect_rejected(def, C2OP_ERR_SHAPE_MISMATCH, NULL);
  c2op_op_def_destroy(def);
}

static void sum_of_different_dtypes_is_a_dtype_mismatch(void) {
  const char *ins[2] = {"A", "I"};
  const char *outs[1] = {"Y"};
  c2op_op_def *def = fu_op("Sum", 2, ins, 1, outs);
  expect_rejected(def, C2OP_ERR_DTYPE_MISMATCH, NULL);
  c2op_op_def_destroy(def);
}

static void cuda_device_option_without_cuda_is_a_clear_error(void) {
  if (c2op_has_cuda()) {
    printf("  (built with CUDA: skipped)\n");
    return;
  }
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (!def) return;
  def->device_option.device_type = C2OP_DEVICE_CUDA;
  c2op_workspace *ws = violation_ws();
  if (ws) {
    fu_snapshot snap = fu_snapshot_take(ws);
    c2op_status s = c2op_workspace_run_op(ws, NULL, def);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", c2op_last_error());
    if (s != C2OP_ERR_UNSUPPORTED_DEVICE && s != C2OP_ERR_NOT_FOUND)
      TEST_FAIL_("returned %s (%s)", c2op_status_name(s), msg);
    if (!fu_contains_ci(msg, "cuda")) TEST_FAIL_("message \"%s\" does not name CUDA", msg);
    FU_CHECK_UNCHANGED(ws, snap);
    fu_snapshot_free(&snap);
    c2op_workspace_destroy(ws);
  }
  c2op_op_def_destroy(def);
}

static void unknown_device_type_is_rejected(void) {
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (!def) return;
  def->device_option.device_type = 9;
  c2op_workspace *ws = violation_ws();
  if (ws) {
    fu_snapshot snap = fu_snapshot_take(ws);
    CHECK(c2op_workspace_run_op(ws, NULL, def) != C2OP_OK);
    CHECK(c2op_last_error()[0] != '\0');
    FU_CHECK_UNCHANGED(ws, snap);
    fu_snapshot_free(&snap);
    c2op_workspace_destroy(ws);
  }
  c2op_op_def_destroy(def);
}

static void run_op_rejects_null_arguments(void) {
  c2op_workspace *ws = new_ws();
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (ws && def) {
    CHECK_STATUS(c2op_workspace_run_op(NULL, NULL, def), C2OP_ERR_NULL_POINTER);
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, NULL), C2OP_ERR_NULL_POINTER);
    CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 0);
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void a_successful_call_clears_the_last_error(void) {
  c2op_workspace *ws = new_ws();
  if (!ws) return;
  const DLTensor *t = NULL;
  float v[2] = {1, 2};
  CHECK_STATUS(c2op_workspace_fetch(ws, "ghost_blob", &t), C2OP_ERR_NOT_FOUND);
  CHECK(c2op_last_error()[0] != '\0');
  fu_feed_f32(ws, "x", v, 1, (int64_t[]){2});
  CHECK_EQ_STR(c2op_last_error(), "");
  CHECK_STATUS(c2op_workspace_fetch(ws, "ghost_blob", &t), C2OP_ERR_NOT_FOUND);
  CHECK_OK(c2op_workspace_fetch(ws, "x", &t));
  CHECK_EQ_STR(c2op_last_error(), "");
  c2op_op_def *def = fu_op1("Negative", "x", "y");
  CHECK_STATUS(c2op_workspace_fetch(ws, "ghost_blob", &t), C2OP_ERR_NOT_FOUND);
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  CHECK_EQ_STR(c2op_last_error(), "");
  CHECK_STATUS(c2op_workspace_fetch(ws, "ghost_blob", &t), C2OP_ERR_NOT_FOUND);
  CHECK_OK(c2op_workspace_remove(ws, "y"));
  CHECK_EQ_STR(c2op_last_error(), "");
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

int main(void) {
  (void)test_seed();
  RUN(feed_copies_in_so_later_source_changes_do_not_show);
  RUN(feed_transposed_source_becomes_compact_row_major);
  RUN(feed_negative_stride_with_byte_offset_is_read_backwards);
  RUN(feed_zero_stride_source_is_materialised);
  RUN(feed_scalar_and_empty_tensors_keep_their_shapes);
  RUN(feed_replaces_an_existing_blob);
  RUN(feed_rejects_bad_arguments_and_changes_nothing);
  RUN(fetch_of_a_missing_blob_is_not_found_naming_it);
  RUN(blobs_are_listed_sorted_by_name);
  RUN(has_blob_and_num_blobs_follow_feed_and_remove);
  RUN(remove_of_a_missing_blob_is_not_found_naming_it);

  RUN(run_negative_float32_gives_minus_x_with_signed_zeros);
  RUN(run_negative_int32_wraps_int_min);
  RUN(run_negative_float64_scalar);
  RUN(run_negative_on_an_empty_tensor_gives_an_empty_output);
  RUN(run_negate_gradient_copies_float_bytes_exactly);
  RUN(run_negate_gradient_copies_bool);
  RUN(run_negative_in_place_negates_the_blob_itself);
  RUN(run_negate_gradient_in_place_leaves_the_blob_as_is);
  RUN(run_sum_adds_every_input);
  RUN(run_sum_of_a_hundred_inputs);
  RUN(run_with_a_multithreaded_context_matches_the_oracle);

  RUN(output_of_same_shape_and_dtype_reuses_its_buffer);
  RUN(fed_output_blob_of_matching_type_is_written_in_place);
  RUN(output_of_another_shape_gets_a_new_buffer);
  RUN(output_of_another_dtype_is_retyped);

  RUN(negative_with_two_inputs_is_a_schema_violation);
  RUN(negative_with_no_input_is_a_schema_violation);
  RUN(negate_gradient_with_two_outputs_is_a_schema_violation);
  RUN(sum_in_place_on_its_second_input_is_a_schema_violation);
  RUN(missing_input_blob_is_not_found_naming_it);
  RUN(bool_input_to_negative_is_an_unsupported_dtype);
  RUN(unknown_op_type_is_not_found_naming_it);
  RUN(sum_of_different_shapes_is_a_shape_mismatch);
  RUN(sum_of_different_dtypes_is_a_dtype_mismatch);
  RUN(cuda_device_option_without_cuda_is_a_clear_error);
  RUN(unknown_device_type_is_rejected);
  RUN(run_op_rejects_null_arguments);
  RUN(a_successful_call_clears_the_last_error);
  RUN(feed_and_run_a_scalar_whose_shape_is_null); /* last: see its comment */
  return TEST_MAIN_END();
}
