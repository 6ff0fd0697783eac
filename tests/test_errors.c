/*
 * test_errors.c - every way c2op_negative / c2op_negate_gradient (and the
 * _ex variants) and the context functions refuse their arguments.
 *
 * Each refusal is checked through every entry point that should refuse it:
 * the status; c2op_last_error() naming the argument (as a whole word: "x",
 * "y", ...) and the problem (one of a few plausible words); y's bytes and
 * y's DLTensor fields unchanged.
 */
#include <ctype.h>
#include <threads.h>

#include "c2op_test.h"
#include "reference.h"

static c2op_context *g_ctx2;
static uint64_t g_rng;

enum { OPS_NEGATIVE = 1, OPS_COPY = 2, OPS_BOTH = 3 };

/* ------------------------------------------------------------------------ */
/* Message matching                                                          */
/* ------------------------------------------------------------------------ */

static int is_word_char(char c) {
  return isalnum((unsigned char)c) || c == '_';
}

/** msg contains tok as a whole word ("y" in "y: shape", not in "memory"). */
static int has_word(const char *msg, const char *tok, size_t n) {
  for (const char *p = msg; (p = strstr(p, tok)) != NULL; p++) {
    if ((p == msg || !is_word_char(p[-1])) && !is_word_char(p[n])) return 1;
  }
  return 0;
}

/** msg contains one of the '|'-separated words of toks as a whole word. */
static int has_token(const char *msg, const char *toks) {
  while (*toks) {
    char word[32];
    size_t k = 0;
    while (*toks && *toks != '|' && k + 1 < sizeof word)
      word[k++] = *toks++;
    word[k] = '\0';
    if (*toks == '|') toks++;
    if (k > 0 && has_word(msg, word, k)) return 1;
  }
  return 0;
}

/** msg contains, ignoring case, one of the '|'-separated alternatives. */
static int contains_any_ci(const char *msg, const char *alts) {
  size_t n = strlen(msg);
  char *low = (char *)malloc(n + 1);
  if (!low) return 0;
  for (size_t i = 0; i <= n; i++)
    low[i] = (char)tolower((unsigned char)msg[i]);
  int found = 0;
  const char *a = alts;
  while (!found && *a) {
    char word[64];
    size_t k = 0;
    while (*a && *a != '|' && k + 1 < sizeof word)
      word[k++] = (char)tolower((unsigned char)*a++);
    word[k] = '\0';
    if (*a == '|') a++;
    if (k > 0 && strstr(low, word)) found = 1;
  }
  free(low);
  return found;
}

/* ------------------------------------------------------------------------ */
/* Tensors for error cases: a 4 KiB random buffer under any description      */
/* ------------------------------------------------------------------------ */

typedef struct {
  ref_buffer buf;
  ref_view v;
} raw_tensor;

/** Describes the start of a fresh 4 KiB random buffer with the given
 *  (possibly malformed) shape; 0 or -1. */
static int raw_make(raw_tensor *t, DLDataType dt, int32_t ndim, const int64_t *shape,
                    const int64_t *strides) {
  if (ref_buffer_alloc(&t->buf, 4096) != 0) return -1;
  ref_fill_bytes(t->buf.base, t->buf.size, &g_rng);
  ref_view_init(&t->v, dt, ndim, shape, strides, t->buf.base, 0);
  return 0;
}

static void raw_free(raw_tensor *t) {
  ref_buffer_free(&t->buf);
}

/** A valid pair: x and y float32 [4,3]. */
static int raw_pair(raw_tensor *x, raw_tensor *y) {
  static const int64_t shape[2] = {4, 3};
  if (raw_make(x, ref_dt(kDLFloat, 32), 2, shape, NULL) != 0) return -1;
  if (raw_make(y, ref_dt(kDLFloat, 32), 2, shape, NULL) != 0) {
    raw_free(x);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The check                                                                 */
/* ------------------------------------------------------------------------ */

static c2op_status call_form(int op, int form, const DLTensor *x, DLTensor *y) {
  if (form == 0) return op == OPS_NEGATIVE ? c2op_negative(x, y) : c2op_negate_gradient(x, y);
  const c2op_context *ctx = form == 1 ? NULL : g_ctx2;
  return op == OPS_NEGATIVE ? c2op_negative_ex(ctx, x, y) : c2op_negate_gradient_ex(ctx, x, y);
}

static const char *const k_forms[3] = {"", "_ex(NULL)", "_ex(ctx)"};

/**
 * Calls every op in `ops` through the plain and both _ex forms, expecting
 * status want (or want_alt) each time, a message containing the whole word
 * `arg` (unless NULL) and one of the '|'-separated `problem` words (unless
 * NULL), and neither ybuf's bytes (unless NULL) nor *y's fields changed.
 */
static void expect_rejected(const char *what, int ops, const DLTensor *x, DLTensor *y,
                            const ref_buffer *ybuf, c2op_status want, c2op_status want_alt,
                            const char *arg, const char *problem) {
  for (int op = OPS_NEGATIVE; op <= OPS_COPY; op++) {
    if (!(ops & op)) continue;
    for (int form = 0; form < 3; form++) {
      const char *name = op == OPS_NEGATIVE ? "negative" : "negate_gradient";
      unsigned char *snap = ybuf ? ref_snapshot(ybuf->base, ybuf->size) : NULL;
      DLTensor before;
      memset(&before, 0, sizeof before);
      if (y) before = *y;
      c2op_status s = call_form(op, form, x, y);
      const char *msg = c2op_last_error();
      if (getenv("C2OP_TEST_VERBOSE") && form == 0)
        printf("  %s: %s -> %s \"%s\"\n", what, name, c2op_status_name(s), msg ? msg : "(null)");
      if (s != want && s != want_alt)
        TEST_FAIL_("%s: %s%s returned %s, expected %s (message \"%s\")", what, name, k_forms[form],
                   c2op_status_name(s), c2op_status_name(want), msg ? msg : "(null)");
      if (!msg || !*msg) {
        TEST_FAIL_("%s: %s%s left no message", what, name, k_forms[form]);
      } else {
        if (arg && !has_token(msg, arg))
          TEST_FAIL_("%s: %s%s message \"%s\" does not name \"%s\"", what, name, k_forms[form], msg,
                     arg);
        if (problem && !contains_any_ci(msg, problem))
          TEST_FAIL_("%s: %s%s message \"%s\" says none of \"%s\"", what, name, k_forms[form], msg,
                     problem);
      }
      if (ybuf && (!snap || !ref_unchanged(ybuf->base, snap, ybuf->size)))
        TEST_FAIL_("%s: %s%s wrote to y although it failed", what, name, k_forms[form]);
      if (y && (y->data != before.data || y->ndim != before.ndim || y->shape != before.shape ||
                y->strides != before.strides || y->byte_offset != before.byte_offset ||
                !ref_dt_equal(y->dtype, before.dtype) ||
                y->device.device_type != before.device.device_type ||
                y->device.device_id != before.device.device_id))
        TEST_FAIL_("%s: %s%s changed y's fields", what, name, k_forms[form]);
      free(snap);
    }
  }
}

/** expect_rejected on a tensor pair, then frees both. */
static void expect_pair_rejected(const char *what, int ops, raw_tensor *x, raw_tensor *y,
                                 c2op_status want, c2op_status want_alt, const char *arg,
                                 const char *problem) {
  expect_rejected(what, ops, &x->v.t, &y->v.t, &y->buf, want, want_alt, arg, problem);
  raw_free(y);
  raw_free(x);
}

/* ------------------------------------------------------------------------ */
/* Null pointers                                                             */
/* ------------------------------------------------------------------------ */

static void null_x_is_a_null_pointer_error(void) {
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  expect_rejected("x NULL", OPS_BOTH, NULL, &y.v.t, &y.buf, C2OP_ERR_NULL_POINTER,
                  C2OP_ERR_NULL_POINTER, "x", "null");
  raw_free(&y);
  raw_free(&x);
}

static void null_y_is_a_null_pointer_error(void) {
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  expect_rejected("y NULL", OPS_BOTH, &x.v.t, NULL, NULL, C2OP_ERR_NULL_POINTER,
                  C2OP_ERR_NULL_POINTER, "y", "null");
  raw_free(&y);
  raw_free(&x);
}

static void null_data_with_elements_is_a_null_pointer_error(void) {
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  x.v.t.data = NULL;
  expect_rejected("x->data NULL", OPS_BOTH, &x.v.t, &y.v.t, &y.buf, C2OP_ERR_NULL_POINTER,
                  C2OP_ERR_NULL_POINTER, "x", "data|null");
  raw_free(&y);
  raw_free(&x);
  if (raw_pair(&x, &y) != 0) return;
  y.v.t.data = NULL;
  expect_rejected("y->data NULL", OPS_BOTH, &x.v.t, &y.v.t, NULL, C2OP_ERR_NULL_POINTER,
                  C2OP_ERR_NULL_POINTER, "y", "data|null");
  raw_free(&y);
  raw_free(&x);
}

static void null_data_without_elements_is_fine(void) {
  static const int64_t shape[2] = {0, 3};
  ref_view x, y;
  ref_view_init(&x, ref_dt(kDLFloat, 32), 2, shape, NULL, NULL, 0);
  ref_view_init(&y, ref_dt(kDLFloat, 32), 2, shape, NULL, NULL, 0);
  CHECK_OK(c2op_negative(&x.t, &y.t));
  CHECK_OK(c2op_negate_gradient(&x.t, &y.t));
  CHECK_OK(c2op_negative_ex(g_ctx2, &x.t, &y.t));
  CHECK(y.t.data == NULL);
}

static void null_shape_with_dims_is_a_null_pointer_error(void) {
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  x.v.t.shape = NULL;
  expect_pair_rejected("x->shape NULL", OPS_BOTH, &x, &y, C2OP_ERR_NULL_POINTER,
                       C2OP_ERR_NULL_POINTER, "x", "shape");
  if (raw_pair(&x, &y) != 0) return;
  y.v.t.shape = NULL;
  expect_pair_rejected("y->shape NULL", OPS_BOTH, &x, &y, C2OP_ERR_NULL_POINTER,
                       C2OP_ERR_NULL_POINTER, "y", "shape");
}

/* ------------------------------------------------------------------------ */
/* Malformed tensors                                                         */
/* ------------------------------------------------------------------------ */

static void negative_ndim_is_invalid(void) {
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  x.v.t.ndim = -1;
  expect_pair_rejected("x->ndim -1", OPS_BOTH, &x, &y, C2OP_ERR_INVALID_ARGUMENT,
                       C2OP_ERR_INVALID_ARGUMENT, "x", "ndim|dimensions");
  if (raw_pair(&x, &y) != 0) return;
  y.v.t.ndim = -3;
  expect_pair_rejected("y->ndim -3", OPS_BOTH, &x, &y, C2OP_ERR_INVALID_ARGUMENT,
                       C2OP_ERR_INVALID_ARGUMENT, "y", "ndim|dimensions");
}

static void ndim_above_the_maximum_is_invalid(void) {
  int64_t shape[C2OP_MAX_NDIM + 1];
  for (int d = 0; d <= C2OP_MAX_NDIM; d++)
    shape[d] = 1;
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(kDLFloat, 32), C2OP_MAX_NDIM + 1, shape, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), C2OP_MAX_NDIM + 1, shape, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("ndim 33", OPS_BOTH, &x, &y, C2OP_ERR_INVALID_ARGUMENT,
                       C2OP_ERR_INVALID_ARGUMENT, "x", "ndim|dimensions");
  /* Only y too many: y is malformed whatever x is. */
  if (raw_make(&x, ref_dt(kDLFloat, 32), C2OP_MAX_NDIM, shape, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), C2OP_MAX_NDIM + 1, shape, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("y ndim 33", OPS_BOTH, &x, &y, C2OP_ERR_INVALID_ARGUMENT,
                       C2OP_ERR_INVALID_ARGUMENT, "y", "ndim|dimensions");
}

static void negative_dim_is_invalid(void) {
  static const int64_t bad[2] = {3, -2}, good[2] = {3, 2};
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(kDLFloat, 32), 2, bad, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 2, bad, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("x and y shape [3,-2]", OPS_BOTH, &x, &y, C2OP_ERR_INVALID_ARGUMENT,
                       C2OP_ERR_INVALID_ARGUMENT, "x", "shape|dim|negative|-2");
  if (raw_make(&x, ref_dt(kDLFloat, 32), 2, good, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 2, bad, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("y shape [3,-2]", OPS_BOTH, &x, &y, C2OP_ERR_INVALID_ARGUMENT,
                       C2OP_ERR_INVALID_ARGUMENT, "y", "shape|dim|negative|-2");
}

/* ------------------------------------------------------------------------ */
/* Mismatches                                                                */
/* ------------------------------------------------------------------------ */

static void different_ndim_is_a_shape_mismatch(void) {
  static const int64_t s43[2] = {4, 3}, s431[3] = {4, 3, 1}, s12[1] = {12}, s1[1] = {1};
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(kDLFloat, 32), 2, s43, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 3, s431, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("[4,3] vs [4,3,1]", OPS_BOTH, &x, &y, C2OP_ERR_SHAPE_MISMATCH,
                       C2OP_ERR_SHAPE_MISMATCH, "y", "shape");
  if (raw_make(&x, ref_dt(kDLFloat, 32), 1, s12, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 2, s43, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("[12] vs [4,3]", OPS_BOTH, &x, &y, C2OP_ERR_SHAPE_MISMATCH,
                       C2OP_ERR_SHAPE_MISMATCH, "y", "shape");
  /* A scalar and a one-element vector hold the same count, not the same shape. */
  if (raw_make(&x, ref_dt(kDLFloat, 32), 0, NULL, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 1, s1, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("[] vs [1]", OPS_BOTH, &x, &y, C2OP_ERR_SHAPE_MISMATCH,
                       C2OP_ERR_SHAPE_MISMATCH, "y", "shape");
}

static void different_dims_is_a_shape_mismatch_naming_both_shapes(void) {
  static const int64_t s43[2] = {4, 3}, s34[2] = {3, 4};
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(kDLFloat, 32), 2, s43, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 2, s34, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_rejected("[4,3] vs [3,4]", OPS_BOTH, &x.v.t, &y.v.t, &y.buf, C2OP_ERR_SHAPE_MISMATCH,
                  C2OP_ERR_SHAPE_MISMATCH, "y", "shape");
  CHECK_STATUS(c2op_negative(&x.v.t, &y.v.t), C2OP_ERR_SHAPE_MISMATCH);
  const char *msg = c2op_last_error();
  CHECK_CONTAINS(msg, "[3,4]");
  CHECK_CONTAINS(msg, "[4,3]");
  CHECK(has_token(msg, "x"));
  CHECK(has_token(msg, "y"));
  raw_free(&y);
  raw_free(&x);
}

static void empty_tensors_of_different_shapes_mismatch(void) {
  static const int64_t a[2] = {0, 3}, b[2] = {3, 0};
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(kDLFloat, 32), 2, a, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 2, b, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("[0,3] vs [3,0]", OPS_BOTH, &x, &y, C2OP_ERR_SHAPE_MISMATCH,
                       C2OP_ERR_SHAPE_MISMATCH, "y", "shape");
}

static void different_dtypes_are_a_dtype_mismatch(void) {
  static const DLDataType pairs[][2] = {
      {{kDLFloat, 32, 1}, {kDLFloat, 64, 1}},   {{kDLInt, 32, 1}, {kDLUInt, 32, 1}},
      {{kDLInt, 32, 1}, {kDLFloat, 32, 1}},     {{kDLFloat, 16, 1}, {kDLBfloat, 16, 1}},
      {{kDLComplex, 64, 1}, {kDLFloat, 64, 1}}, {{kDLInt, 8, 1}, {kDLInt, 16, 1}}};
  static const int64_t shape[2] = {4, 3};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    raw_tensor x, y;
    if (raw_make(&x, pairs[i][0], 2, shape, NULL) != 0) return;
    if (raw_make(&y, pairs[i][1], 2, shape, NULL) != 0) {
      raw_free(&x);
      return;
    }
    char what[64];
    snprintf(what, sizeof what, "%s vs %s", ref_dtype_name(pairs[i][0]),
             ref_dtype_name(pairs[i][1]));
    expect_pair_rejected(what, OPS_BOTH, &x, &y, C2OP_ERR_DTYPE_MISMATCH, C2OP_ERR_DTYPE_MISMATCH,
                         "y", "dtype|type");
  }
}

static void cpu_and_cuda_tensors_are_a_device_mismatch(void) {
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  y.v.t.device.device_type = kDLCUDA;
  expect_pair_rejected("x CPU, y CUDA", OPS_BOTH, &x, &y, C2OP_ERR_DEVICE_MISMATCH,
                       C2OP_ERR_DEVICE_MISMATCH, "y", "device");
  if (raw_pair(&x, &y) != 0) return;
  x.v.t.device.device_type = kDLCUDA;
  expect_pair_rejected("x CUDA, y CPU", OPS_BOTH, &x, &y, C2OP_ERR_DEVICE_MISMATCH,
                       C2OP_ERR_DEVICE_MISMATCH, "y", "device");
}

/* ------------------------------------------------------------------------ */
/* Unsupported devices and dtypes                                            */
/* ------------------------------------------------------------------------ */

static void cuda_tensors_without_cuda_build_are_unsupported(void) {
  if (c2op_has_cuda()) {
    printf("  skipped: this build has CUDA\n");
    return;
  }
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  x.v.t.device.device_type = kDLCUDA;
  y.v.t.device.device_type = kDLCUDA;
  expect_pair_rejected("CUDA without CUDA", OPS_BOTH, &x, &y, C2OP_ERR_UNSUPPORTED_DEVICE,
                       C2OP_ERR_UNSUPPORTED_DEVICE, "x|y", "CUDA");
}

static void other_devices_are_unsupported(void) {
  static const int32_t devs[] = {kDLOpenCL, kDLVulkan, kDLMetal, kDLVPI, kDLROCM, kDLExtDev, 99};
  for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
    raw_tensor x, y;
    if (raw_pair(&x, &y) != 0) return;
    x.v.t.device.device_type = (DLDeviceType)devs[i];
    y.v.t.device.device_type = (DLDeviceType)devs[i];
    char what[32];
    snprintf(what, sizeof what, "device type %d", (int)devs[i]);
    expect_pair_rejected(what, OPS_BOTH, &x, &y, C2OP_ERR_UNSUPPORTED_DEVICE,
                         C2OP_ERR_UNSUPPORTED_DEVICE, "x|y",
                         "device|OpenCL|Vulkan|Metal|VPI|ROCm|ExtDev");
    CHECK(strstr(c2op_last_error(), "device device") == NULL);
  }
}

static void negative_of_bool_is_unsupported_and_points_to_logical_not(void) {
  static const int64_t shape[1] = {10};
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(C2OP_DL_BOOL, 8), 1, shape, NULL) != 0) return;
  if (raw_make(&y, ref_dt(C2OP_DL_BOOL, 8), 1, shape, NULL) != 0) {
    raw_free(&x);
    return;
  }
  expect_rejected("bool", OPS_NEGATIVE, &x.v.t, &y.v.t, &y.buf, C2OP_ERR_UNSUPPORTED_DTYPE,
                  C2OP_ERR_UNSUPPORTED_DTYPE, "x|y", "bool");
  CHECK_STATUS(c2op_negative(&x.v.t, &y.v.t), C2OP_ERR_UNSUPPORTED_DTYPE);
  CHECK(contains_any_ci(c2op_last_error(), "logical"));
  CHECK(contains_any_ci(c2op_last_error(), "not"));
  raw_free(&y);
  raw_free(&x);
}

static void negative_of_vector_lanes_is_unsupported(void) {
  static const int64_t shape[1] = {10};
  static const uint16_t lanes[] = {2, 4, 0};
  for (size_t i = 0; i < sizeof lanes / sizeof lanes[0]; i++) {
    DLDataType dt = ref_dt(kDLFloat, 32);
    dt.lanes = lanes[i];
    raw_tensor x, y;
    if (raw_make(&x, dt, 1, shape, NULL) != 0) return;
    if (raw_make(&y, dt, 1, shape, NULL) != 0) {
      raw_free(&x);
      return;
    }
    char what[32];
    snprintf(what, sizeof what, "float32 x %u lanes", (unsigned)lanes[i]);
    expect_pair_rejected(what, OPS_NEGATIVE, &x, &y, C2OP_ERR_UNSUPPORTED_DTYPE,
                         C2OP_ERR_UNSUPPORTED_DTYPE, "x|y", "lane|dtype|type|vector");
  }
}

static void negative_of_unknown_type_codes_is_unsupported(void) {
  static const DLDataType dts[] = {
      {kDLOpaqueHandle, 64, 1}, {7, 32, 1}, {8, 8, 1}, {99, 32, 1}, {255, 16, 1}};
  static const int64_t shape[1] = {10};
  for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
    raw_tensor x, y;
    if (raw_make(&x, dts[i], 1, shape, NULL) != 0) return;
    if (raw_make(&y, dts[i], 1, shape, NULL) != 0) {
      raw_free(&x);
      return;
    }
    char what[32];
    snprintf(what, sizeof what, "type code %u", (unsigned)dts[i].code);
    expect_pair_rejected(what, OPS_NEGATIVE, &x, &y, C2OP_ERR_UNSUPPORTED_DTYPE,
                         C2OP_ERR_UNSUPPORTED_DTYPE, "x|y", "dtype|type|code");
  }
}

static void negative_of_odd_bit_widths_is_unsupported(void) {
  static const DLDataType dts[] = {{kDLFloat, 8, 1},   {kDLInt, 12, 1},    {kDLComplex, 32, 1},
                                   {kDLBfloat, 32, 1}, {kDLFloat, 128, 1}, {kDLUInt, 1, 1},
                                   {kDLInt, 0, 1},     {kDLInt, 24, 1},    {C2OP_DL_BOOL, 1, 1}};
  static const int64_t shape[1] = {10};
  for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
    raw_tensor x, y;
    if (raw_make(&x, dts[i], 1, shape, NULL) != 0) return;
    if (raw_make(&y, dts[i], 1, shape, NULL) != 0) {
      raw_free(&x);
      return;
    }
    char what[40];
    snprintf(what, sizeof what, "code %u bits %u", (unsigned)dts[i].code, (unsigned)dts[i].bits);
    expect_pair_rejected(what, OPS_NEGATIVE, &x, &y, C2OP_ERR_UNSUPPORTED_DTYPE,
                         C2OP_ERR_UNSUPPORTED_DTYPE, "x|y", "dtype|type|bits");
  }
}

static void negate_gradient_of_partial_byte_elements_is_unsupported(void) {
  static const DLDataType dts[] = {
      {kDLInt, 12, 1}, {kDLUInt, 1, 1}, {kDLFloat, 4, 1}, {kDLInt, 0, 1}};
  static const int64_t shape[1] = {10};
  for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
    raw_tensor x, y;
    if (raw_make(&x, dts[i], 1, shape, NULL) != 0) return;
    if (raw_make(&y, dts[i], 1, shape, NULL) != 0) {
      raw_free(&x);
      return;
    }
    char what[40];
    snprintf(what, sizeof what, "copy code %u bits %u", (unsigned)dts[i].code,
             (unsigned)dts[i].bits);
    expect_pair_rejected(what, OPS_COPY, &x, &y, C2OP_ERR_UNSUPPORTED_DTYPE,
                         C2OP_ERR_UNSUPPORTED_DTYPE, "x|y", "dtype|type|bits|byte");
  }
}

/* ------------------------------------------------------------------------ */
/* Overlapping output elements                                               */
/* ------------------------------------------------------------------------ */

static void zero_stride_in_y_on_a_dim_above_one_is_overlap(void) {
  static const int64_t shape[2] = {4, 3}, a[2] = {0, 1}, b[2] = {3, 0};
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(kDLFloat, 32), 2, shape, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 2, shape, a) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("y strides [0,1]", OPS_BOTH, &x, &y, C2OP_ERR_OVERLAP, C2OP_ERR_OVERLAP, "y",
                       "overlap");
  if (raw_make(&x, ref_dt(kDLFloat, 32), 2, shape, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 2, shape, b) != 0) {
    raw_free(&x);
    return;
  }
  expect_pair_rejected("y strides [3,0]", OPS_BOTH, &x, &y, C2OP_ERR_OVERLAP, C2OP_ERR_OVERLAP, "y",
                       "overlap");
}

static void aliasing_y_strides_are_overlap(void) {
  static const struct {
    int32_t ndim;
    int64_t shape[3];
    int64_t strides[3];
  } cases[] = {
      {2, {3, 3}, {1, 1}},                            /* offsets 0..4, 9 elements */
      {2, {3, 2}, {1, 1}},                            /* 0,1,1,2 ... */
      {3, {2, 2, 2}, {2, 1, 1}}, {2, {5, 4}, {3, 1}}, /* rows overlap by one element */
      {2, {3, 3}, {-1, 1}},                           /* aliasing with a negative stride */
      {2, {2, 3}, {2, 1}},                            /* row stride smaller than the row */
      {2, {4, 2}, {2, 4}},                            /* 0,4,2,6,4,... */
      /* 2^22 + 10 elements: too many to sort, checked by the bitmap. */
      {2, {((int64_t)1 << 21) + 5, 2}, {2, 4}}, /* 2i + 4j: 2(i+2) again */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    raw_tensor x, y;
    if (raw_make(&x, ref_dt(kDLFloat, 64), cases[i].ndim, cases[i].shape, NULL) != 0) return;
    if (raw_make(&y, ref_dt(kDLFloat, 64), cases[i].ndim, cases[i].shape, cases[i].strides) != 0) {
      raw_free(&x);
      return;
    }
    /* Negative strides need room below the first element. */
    y.v.t.byte_offset = 512;
    char what[32];
    snprintf(what, sizeof what, "aliasing case %d", (int)i);
    expect_pair_rejected(what, OPS_BOTH, &x, &y, C2OP_ERR_OVERLAP, C2OP_ERR_OVERLAP, "y",
                         "overlap");
  }
}

/* ------------------------------------------------------------------------ */
/* Sizes that do not fit in 64 bits                                          */
/* ------------------------------------------------------------------------ */

static void expect_too_big(const char *what, DLDataType dt, int32_t ndim, const int64_t *shape,
                           const int64_t *xstrides, const int64_t *ystrides) {
  raw_tensor x, y;
  if (raw_make(&x, dt, ndim, shape, xstrides) != 0) return;
  if (raw_make(&y, dt, ndim, shape, ystrides) != 0) {
    raw_free(&x);
    return;
  }
  /* The tensor with the huge strides is the one to name. */
  const char *arg = xstrides && !ystrides ? "x" : ystrides && !xstrides ? "y" : "x|y";
  expect_pair_rejected(what, OPS_BOTH, &x, &y, C2OP_ERR_OVERFLOW, C2OP_ERR_INVALID_ARGUMENT, arg,
                       "overflow|int64|64 bits|fit|too large|reach");
}

static void element_count_overflowing_int64_is_refused(void) {
  static const int64_t a[2] = {(int64_t)1 << 32, (int64_t)1 << 32};
  static const int64_t b[2] = {3, (int64_t)1 << 62};
  static const int64_t c[3] = {(int64_t)1 << 31, (int64_t)1 << 31, (int64_t)1 << 31};
  static const int64_t d[2] = {INT64_MAX, 2};
  expect_too_big("[2^32,2^32]", ref_dt(kDLInt, 8), 2, a, NULL, NULL);
  expect_too_big("[3,2^62]", ref_dt(kDLInt, 8), 2, b, NULL, NULL);
  expect_too_big("[2^31,2^31,2^31]", ref_dt(kDLInt, 8), 3, c, NULL, NULL);
  expect_too_big("[INT64_MAX,2]", ref_dt(kDLInt, 8), 2, d, NULL, NULL);
}

static void byte_extent_overflowing_int64_is_refused(void) {
  static const int64_t n61[1] = {(int64_t)1 << 61};
  static const int64_t s22[2] = {2, 2}, big[2] = {(int64_t)1 << 62, 1};
  static const int64_t s4[1] = {4}, half[1] = {INT64_MAX / 2};
  static const int64_t s2[1] = {2}, most_negative[1] = {INT64_MIN};
  expect_too_big("int64 [2^61] (2^64 bytes)", ref_dt(kDLInt, 64), 1, n61, NULL, NULL);
  expect_too_big("complex128 [2^61]", ref_dt(kDLComplex, 128), 1, n61, NULL, NULL);
  expect_too_big("x strides [2^62,1]", ref_dt(kDLFloat, 32), 2, s22, big, NULL);
  expect_too_big("y strides [2^62,1]", ref_dt(kDLFloat, 32), 2, s22, NULL, big);
  /* 3 * (INT64_MAX / 2) elements of one byte past the first. */
  expect_too_big("x [4] stride INT64_MAX/2", ref_dt(kDLInt, 8), 1, s4, half, NULL);
  expect_too_big("x stride INT64_MIN", ref_dt(kDLFloat, 32), 1, s2, most_negative, NULL);
}

static void byte_offset_past_the_address_space_is_refused(void) {
  static const int64_t shape[1] = {4};
  raw_tensor x, y;
  if (raw_make(&x, ref_dt(kDLFloat, 32), 1, shape, NULL) != 0) return;
  if (raw_make(&y, ref_dt(kDLFloat, 32), 1, shape, NULL) != 0) {
    raw_free(&x);
    return;
  }
  x.v.t.byte_offset = UINT64_MAX - 3;
  expect_pair_rejected("x byte_offset 2^64-4", OPS_BOTH, &x, &y, C2OP_ERR_OVERFLOW,
                       C2OP_ERR_INVALID_ARGUMENT, "x", "byte_offset|overflow|fit|address");
}

/* ------------------------------------------------------------------------ */
/* Contexts                                                                  */
/* ------------------------------------------------------------------------ */

static void null_context_means_the_default_context(void) {
  static const int64_t shape[2] = {33, 17};
  ref_tensor x, y, want;
  if (ref_tensor_alloc(&x, ref_dt(kDLFloat, 32), 2, shape, NULL, 0, 0, &g_rng) != 0) return;
  if (ref_tensor_alloc(&y, ref_dt(kDLFloat, 32), 2, shape, NULL, 0, 0, &g_rng) != 0) {
    ref_tensor_free(&x);
    return;
  }
  if (ref_tensor_alloc(&want, ref_dt(kDLFloat, 32), 2, shape, NULL, 0, 0, &g_rng) != 0) {
    ref_tensor_free(&y);
    {
      ref_tensor_free(&x);
      return;
    }
  }
  char why[200];
  CHECK_EQ_INT(ref_apply(REF_OP_NEGATIVE, &x.v.t, &want.v.t), 0);
  CHECK_OK(c2op_negative_ex(NULL, &x.v.t, &y.v.t));
  CHECK_EQ_INT(ref_compare(&want.v.t, &y.v.t, why, sizeof why), 0);
  CHECK_EQ_INT(ref_apply(REF_OP_COPY, &x.v.t, &want.v.t), 0);
  CHECK_OK(c2op_negate_gradient_ex(NULL, &x.v.t, &y.v.t));
  CHECK_EQ_INT(ref_compare(&want.v.t, &y.v.t, why, sizeof why), 0);
  CHECK_EQ_STR(c2op_last_error(), "");
  ref_tensor_free(&want);
  ref_tensor_free(&y);
  ref_tensor_free(&x);
}

static void negative_thread_count_is_invalid(void) {
  c2op_context *c = NULL;
  CHECK_OK(c2op_context_create(&c));
  if (!c) return;
  static const int32_t bad[] = {-1, -2, -100, INT32_MIN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_STATUS(c2op_context_set_num_threads(c, bad[i]), C2OP_ERR_INVALID_ARGUMENT);
    CHECK(contains_any_ci(c2op_last_error(), "num_threads|thread"));
  }
  int32_t n = 77;
  CHECK_OK(c2op_context_get_num_threads(c, &n));
  CHECK_EQ_INT(n, 0);
  c2op_context_destroy(c);
}

static void context_calls_with_null_pointers_are_refused(void) {
  c2op_context *c = NULL;
  CHECK_STATUS(c2op_context_create(NULL), C2OP_ERR_NULL_POINTER);
  CHECK_OK(c2op_context_create(&c));
  if (!c) return;
  int32_t n = 77;
  void *stream = &n;
  CHECK_STATUS(c2op_context_set_num_threads(NULL, 1), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_context_get_num_threads(NULL, &n), C2OP_ERR_NULL_POINTER);
  CHECK_EQ_INT(n, 77);
  CHECK_STATUS(c2op_context_get_num_threads(c, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_context_set_cuda_stream(NULL, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_context_get_cuda_stream(NULL, &stream), C2OP_ERR_NULL_POINTER);
  CHECK(stream == (void *)&n);
  CHECK_STATUS(c2op_context_get_cuda_stream(c, NULL), C2OP_ERR_NULL_POINTER);
  CHECK(contains_any_ci(c2op_last_error(), "null"));
  c2op_context_destroy(c);
}

/* ------------------------------------------------------------------------ */
/* Status names and the error message                                        */
/* ------------------------------------------------------------------------ */

static void status_name_names_every_enumerator(void) {
  CHECK_EQ_STR(c2op_status_name(C2OP_OK), "C2OP_OK");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_NULL_POINTER), "C2OP_ERR_NULL_POINTER");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_INVALID_ARGUMENT), "C2OP_ERR_INVALID_ARGUMENT");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_UNSUPPORTED_DTYPE), "C2OP_ERR_UNSUPPORTED_DTYPE");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_UNSUPPORTED_DEVICE), "C2OP_ERR_UNSUPPORTED_DEVICE");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_SHAPE_MISMATCH), "C2OP_ERR_SHAPE_MISMATCH");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_DTYPE_MISMATCH), "C2OP_ERR_DTYPE_MISMATCH");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_DEVICE_MISMATCH), "C2OP_ERR_DEVICE_MISMATCH");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_OVERLAP), "C2OP_ERR_OVERLAP");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_OUT_OF_MEMORY), "C2OP_ERR_OUT_OF_MEMORY");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_NOT_FOUND), "C2OP_ERR_NOT_FOUND");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_ALREADY_EXISTS), "C2OP_ERR_ALREADY_EXISTS");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_SCHEMA_VIOLATION), "C2OP_ERR_SCHEMA_VIOLATION");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_NO_GRADIENT), "C2OP_ERR_NO_GRADIENT");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_NO_DEVICE), "C2OP_ERR_NO_DEVICE");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_CUDA), "C2OP_ERR_CUDA");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_OVERFLOW), "C2OP_ERR_OVERFLOW");
  CHECK_EQ_STR(c2op_status_name(C2OP_ERR_INTERNAL), "C2OP_ERR_INTERNAL");
}

static void status_name_of_unknown_values_is_unknown(void) {
  CHECK_EQ_STR(c2op_status_name((c2op_status)18), "C2OP_ERR_UNKNOWN");
  CHECK_EQ_STR(c2op_status_name((c2op_status)1000), "C2OP_ERR_UNKNOWN");
  CHECK_EQ_STR(c2op_status_name((c2op_status)-1), "C2OP_ERR_UNKNOWN");
}

static void last_error_is_empty_after_a_success(void) {
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return;
  for (int op = OPS_NEGATIVE; op <= OPS_COPY; op++)
    for (int form = 0; form < 3; form++) {
      CHECK_STATUS(call_form(op, form, NULL, &y.v.t), C2OP_ERR_NULL_POINTER);
      CHECK(*c2op_last_error() != '\0');
      CHECK_OK(call_form(op, form, &x.v.t, &y.v.t));
      CHECK_EQ_STR(c2op_last_error(), "");
    }
  /* Any successful call clears it, not only kernels. */
  CHECK_STATUS(c2op_context_set_num_threads(g_ctx2, -1), C2OP_ERR_INVALID_ARGUMENT);
  int32_t n = 0;
  CHECK_OK(c2op_context_get_num_threads(g_ctx2, &n));
  CHECK_EQ_STR(c2op_last_error(), "");
  raw_free(&y);
  raw_free(&x);
}

typedef struct {
  int saw_empty_first;
  int own_error_named_y;
} thread_probe;

static int error_thread(void *arg) {
  thread_probe *p = (thread_probe *)arg;
  const char *first = c2op_last_error();
  p->saw_empty_first = first != NULL && *first == '\0';
  raw_tensor x, y;
  if (raw_pair(&x, &y) != 0) return 0;
  p->own_error_named_y =
      c2op_negative(&x.v.t, NULL) == C2OP_ERR_NULL_POINTER && has_token(c2op_last_error(), "y");
  raw_free(&y);
  raw_free(&x);
  return 0;
}

static void last_error_is_per_thread(void) {
  CHECK_STATUS(c2op_negative(NULL, NULL), C2OP_ERR_NULL_POINTER);
  char before[512];
  snprintf(before, sizeof before, "%s", c2op_last_error());
  thread_probe p = {0, 0};
  thrd_t t;
  /* The thread uses g_rng while this one waits in thrd_join. */
  if (thrd_create(&t, error_thread, &p) != thrd_success) {
    TEST_FAIL_("cannot start a thread");
    return;
  }
  thrd_join(t, NULL);
  CHECK(p.saw_empty_first);
  CHECK(p.own_error_named_y);
  CHECK_EQ_STR(c2op_last_error(), before);
}

int main(void) {
  g_rng = test_seed() ^ 0x6572726f7273u;
  if (c2op_context_create(&g_ctx2) != C2OP_OK ||
      c2op_context_set_num_threads(g_ctx2, 2) != C2OP_OK) {
    printf("FAIL cannot create a context: %s\n", c2op_last_error());
    c2op_context_destroy(g_ctx2);
    return 1;
  }
  RUN(null_x_is_a_null_pointer_error);
  RUN(null_y_is_a_null_pointer_error);
  RUN(null_data_with_elements_is_a_null_pointer_error);
  RUN(null_data_without_elements_is_fine);
  RUN(null_shape_with_dims_is_a_null_pointer_error);
  RUN(negative_ndim_is_invalid);
  RUN(ndim_above_the_maximum_is_invalid);
  RUN(negative_dim_is_invalid);
  RUN(different_ndim_is_a_shape_mismatch);
  RUN(different_dims_is_a_shape_mismatch_naming_both_shapes);
  RUN(empty_tensors_of_different_shapes_mismatch);
  RUN(different_dtypes_are_a_dtype_mismatch);
  RUN(cpu_and_cuda_tensors_are_a_device_mismatch);
  RUN(cuda_tensors_without_cuda_build_are_unsupported);
  RUN(other_devices_are_unsupported);
  RUN(negative_of_bool_is_unsupported_and_points_to_logical_not);
  RUN(negative_of_vector_lanes_is_unsupported);
  RUN(negative_of_unknown_type_codes_is_unsupported);
  RUN(negative_of_odd_bit_widths_is_unsupported);
  RUN(negate_gradient_of_partial_byte_elements_is_unsupported);
  RUN(zero_stride_in_y_on_a_dim_above_one_is_overlap);
  RUN(aliasing_y_strides_are_overlap);
  RUN(element_count_overflowing_int64_is_refused);
  RUN(byte_extent_overflowing_int64_is_refused);
  RUN(null_context_means_the_default_context);
  RUN(negative_thread_count_is_invalid);
  RUN(context_calls_with_null_pointers_are_refused);
  RUN(status_name_names_every_enumerator);
  RUN(status_name_of_unknown_values_is_unknown);
  RUN(last_error_is_empty_after_a_success);
  RUN(last_error_is_per_thread);
  /* Last: a library that does not check this may crash. */
  RUN(byte_offset_past_the_address_space_is_refused);
  c2op_context_destroy(g_ctx2);
  return TEST_MAIN_END();
}
