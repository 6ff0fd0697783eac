/*
 * test_negative.c - what c2op_negative and c2op_negate_gradient (and their
 * _ex variants) compute, over every dtype, shape and layout, checked bit for
 * bit against the scalar reference in reference.h.
 *
 * Every call is checked three ways: the status is C2OP_OK, y equals the
 * reference computed from x *before* the call (so in-place and overlapping
 * calls are held to "as if x had been read in full first"), and no byte of
 * y's buffer outside y's elements changed (padding, gaps, x's other bytes).
 * x's own buffer, when separate, must not change at all.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <threads.h>

#include "c2op_test.h"
#include "reference.h"

/* ------------------------------------------------------------------------ */
/* How a kernel is called                                                    */
/* ------------------------------------------------------------------------ */

static c2op_context *g_ctx1; /* num_threads 1 */
static c2op_context *g_ctx2; /* num_threads 2 */
static uint64_t g_rng;

enum { RUN_PLAIN, RUN_EX_NULL, RUN_EX_1, RUN_EX_2, RUN_COUNT };
static const char *const k_runner_names[RUN_COUNT] = {"", "_ex(NULL)", "_ex(1 thread)",
                                                      "_ex(2 threads)"};

static c2op_status call_op(ref_op op, int runner, const DLTensor *x, DLTensor *y) {
  const c2op_context *ctx = runner == RUN_EX_1 ? g_ctx1 : runner == RUN_EX_2 ? g_ctx2 : NULL;
  if (runner == RUN_PLAIN)
    return op == REF_OP_NEGATIVE ? c2op_negative(x, y) : c2op_negate_gradient(x, y);
  return op == REF_OP_NEGATIVE ? c2op_negative_ex(ctx, x, y) : c2op_negate_gradient_ex(ctx, x, y);
}

/** Ends a looping test early once it has reported plenty. */
#define STOP_AFTER_MANY_FAILURES()                                                                 \
  do {                                                                                             \
    if (test_failures_in_current > 12) return;                                                     \
  } while (0)

/**
 * Runs op(x) -> y through runner and checks: C2OP_OK; y bit-equal to the
 * reference computed from x before the call; no byte of ybuf outside y's
 * elements changed; xbuf (x's buffer when it is not ybuf; may be NULL)
 * unchanged. Returns 1 when all held.
 */
static int check_op(const char *what, ref_op op, int runner, const DLTensor *x, DLTensor *y,
                    const ref_buffer *ybuf, const ref_buffer *xbuf) {
  char xd[300], yd[300], why[300];
  ref_tensor want;
  int ok = 1;
  ref_describe(x, xd, sizeof xd);
  ref_describe(y, yd, sizeof yd);
  if (ref_tensor_alloc_compact(&want, x->dtype, x->ndim, x->shape) != 0) {
    TEST_FAIL_("%s: out of memory for the reference", what);
    return 0;
  }
  if (ref_apply(op, x, &want.v.t) != 0) {
    TEST_FAIL_("%s: the reference has no %s for %s", what, ref_op_name(op), xd);
    ref_tensor_free(&want);
    return 0;
  }
  unsigned char *ysnap = ref_snapshot(ybuf->base, ybuf->size);
  unsigned char *xsnap = xbuf && xbuf != ybuf ? ref_snapshot(xbuf->base, xbuf->size) : NULL;
  c2op_status s = call_op(op, runner, x, y);
  if (s != C2OP_OK) {
    TEST_FAIL_("%s: %s%s x=%s y=%s returned %s (%s)", what, ref_op_name(op), k_runner_names[runner],
               xd, yd, c2op_status_name(s), c2op_last_error());
    ok = 0;
  } else {
    int64_t bad = ref_compare(&want.v.t, y, why, sizeof why);
    if (bad != 0) {
      TEST_FAIL_("%s: %s%s x=%s y=%s: %" PRId64 " elements wrong, first %s", what, ref_op_name(op),
                 k_runner_names[runner], xd, yd, bad, why);
      ok = 0;
    }
  }
  int64_t outside = ysnap ? ref_changed_outside(ybuf, ysnap, y) : -1;
  if (outside != 0) {
    TEST_FAIL_("%s: %s%s x=%s y=%s changed %" PRId64 " bytes outside y's elements", what,
               ref_op_name(op), k_runner_names[runner], xd, yd, outside);
    ok = 0;
  }
  if (xsnap && !ref_unchanged(xbuf->base, xsnap, xbuf->size)) {
    TEST_FAIL_("%s: %s%s x=%s y=%s changed x's separate buffer", what, ref_op_name(op),
               k_runner_names[runner], xd, yd);
    ok = 0;
  }
  free(xsnap);
  free(ysnap);
  ref_tensor_free(&want);
  return ok;
}

/** x and y in separate fresh buffers with the given layouts (strides NULL =
 *  compact; offsets in bytes); checks op through runner. */
static int check_layout(const char *what, ref_op op, int runner, DLDataType dt, int32_t ndim,
                        const int64_t *shape, const int64_t *xstrides, uint64_t xoff,
                        const int64_t *ystrides, uint64_t yoff) {
  ref_tensor x, y;
  if (ref_tensor_alloc(&x, dt, ndim, shape, xstrides, xoff, 64, &g_rng) != 0) {
    TEST_FAIL_("%s: out of memory", what);
    return 0;
  }
  if (ref_tensor_alloc(&y, dt, ndim, shape, ystrides, yoff, 64, &g_rng) != 0) {
    ref_tensor_free(&x);
    TEST_FAIL_("%s: out of memory", what);
    return 0;
  }
  int ok = check_op(what, op, runner, &x.v.t, &y.v.t, &y.buf, &x.buf);
  ref_tensor_free(&y);
  ref_tensor_free(&x);
  return ok;
}

/** check_layout for every runner, for negative over its dtypes and copy
 *  over its dtypes. */
static void check_layout_all(const char *what, int32_t ndim, const int64_t *shape,
                             const int64_t *xstrides, uint64_t xoff_elems, const int64_t *ystrides,
                             uint64_t yoff_elems) {
  for (int r = 0; r < RUN_COUNT; r++) {
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      DLDataType dt = ref_negative_dtypes[i];
      uint64_t es = ref_elem_size(dt);
      check_layout(what, REF_OP_NEGATIVE, r, dt, ndim, shape, xstrides, xoff_elems * es, ystrides,
                   yoff_elems * es);
      STOP_AFTER_MANY_FAILURES();
    }
    for (int i = 0; i < REF_NUM_COPY_DTYPES; i++) {
      DLDataType dt = ref_copy_dtypes[i];
      uint64_t es = ref_elem_size(dt);
      check_layout(what, REF_OP_COPY, r, dt, ndim, shape, xstrides, xoff_elems * es, ystrides,
                   yoff_elems * es);
      STOP_AFTER_MANY_FAILURES();
    }
  }
}

/* ------------------------------------------------------------------------ */
/* The reference itself, against hand-computed values                        */
/* ------------------------------------------------------------------------ */

static uint64_t negate_bits_by_reference(DLDataType dt, uint64_t in) {
  unsigned char a[8] = {0}, b[8] = {0};
  ref_store_bits(a, in, dt.bits);
  ref_negate_element(dt, a, b);
  switch (dt.bits) {
  case 8: return b[0];
  case 16: {
    uint16_t u;
    memcpy(&u, b, 2);
    return u;
  }
  case 32: {
    uint32_t u;
    memcpy(&u, b, 4);
    return u;
  }
  default: {
    uint64_t u;
    memcpy(&u, b, 8);
    return u;
  }
  }
}

static void reference_matches_hand_computed_values(void) {
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLInt, 8), 0x80), 0x80);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLInt, 8), 0x05), 0xfb);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLInt, 32), 0x80000000u), 0x80000000u);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLInt, 32), 5), 0xfffffffbu);
  CHECK(negate_bits_by_reference(ref_dt(kDLInt, 64), 0x8000000000000000u) == 0x8000000000000000u);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLUInt, 8), 1), 255);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLUInt, 32), 0), 0);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLFloat, 32), 0), 0x80000000u);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLFloat, 32), 0x7fa5a5a5u), 0xffa5a5a5u);
  CHECK(negate_bits_by_reference(ref_dt(kDLFloat, 64), 0x7ff4dead0000beefu) == 0xfff4dead0000beefu);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLFloat, 16), 0x7d55), 0xfd55);
  CHECK_EQ_INT(negate_bits_by_reference(ref_dt(kDLBfloat, 16), 0x0000), 0x8000);
  unsigned char probe[1] = {1}, out[1];
  CHECK(ref_negate_element(ref_dt(C2OP_DL_BOOL, 8), probe, out) != 0);

  /* A transposed int32 view [2,3] strides [1,2] over {0..5} reads
   * x[i][j] = buf[i + 2j]: rows {0,2,4} and {1,3,5}. */
  int32_t buf[6] = {0, 1, 2, 3, 4, 5}, got[6];
  int64_t shape[2] = {2, 3}, strides[2] = {1, 2};
  ref_view x, y;
  ref_view_init(&x, ref_dt(kDLInt, 32), 2, shape, strides, buf, 0);
  ref_view_init(&y, ref_dt(kDLInt, 32), 2, shape, NULL, got, 0);
  CHECK_EQ_INT(ref_apply(REF_OP_NEGATIVE, &x.t, &y.t), 0);
  const int32_t want[6] = {0, -2, -4, -1, -3, -5};
  for (int i = 0; i < 6; i++)
    CHECK_EQ_INT(got[i], want[i]);

  /* Reversed by a negative stride starting at the last element. */
  int64_t rshape[1] = {6}, rstrides[1] = {-1};
  ref_view_init(&x, ref_dt(kDLInt, 32), 1, rshape, rstrides, buf, 5 * sizeof(int32_t));
  ref_view_init(&y, ref_dt(kDLInt, 32), 1, rshape, NULL, got, 0);
  CHECK_EQ_INT(ref_apply(REF_OP_COPY, &x.t, &y.t), 0);
  for (int i = 0; i < 6; i++)
    CHECK_EQ_INT(got[i], 5 - i);
  int64_t lo, hi;
  ref_extent(&x.t, &lo, &hi);
  CHECK_EQ_INT(lo, -20);
  CHECK_EQ_INT(hi, 4);
}

/* ------------------------------------------------------------------------ */
/* Contexts                                                                  */
/* ------------------------------------------------------------------------ */

static void context_defaults_and_settings_round_trip(void) {
  c2op_context *c = NULL;
  CHECK_OK(c2op_context_create(&c));
  CHECK(c != NULL);
  if (!c) return;
  int32_t n = -5;
  void *stream = &n;
  CHECK_OK(c2op_context_get_num_threads(c, &n));
  CHECK_EQ_INT(n, 0);
  CHECK_OK(c2op_context_get_cuda_stream(c, &stream));
  CHECK(stream == NULL);
  CHECK_OK(c2op_context_set_num_threads(c, 3));
  CHECK_OK(c2op_context_get_num_threads(c, &n));
  CHECK_EQ_INT(n, 3);
  CHECK_OK(c2op_context_set_num_threads(c, 1));
  CHECK_OK(c2op_context_get_num_threads(c, &n));
  CHECK_EQ_INT(n, 1);
  CHECK_OK(c2op_context_set_num_threads(c, 0));
  CHECK_OK(c2op_context_get_num_threads(c, &n));
  CHECK_EQ_INT(n, 0);
  CHECK_OK(c2op_context_set_cuda_stream(c, &n));
  CHECK_OK(c2op_context_get_cuda_stream(c, &stream));
  CHECK(stream == (void *)&n);
  CHECK_OK(c2op_context_set_cuda_stream(c, NULL));
  CHECK_OK(c2op_context_get_cuda_stream(c, &stream));
  CHECK(stream == NULL);
  c2op_context_destroy(c);
  c2op_context_destroy(NULL);

  CHECK_OK(c2op_context_get_num_threads(g_ctx1, &n));
  CHECK_EQ_INT(n, 1);
  CHECK_OK(c2op_context_get_num_threads(g_ctx2, &n));
  CHECK_EQ_INT(n, 2);
}

static void context_rejects_negative_thread_count_and_keeps_value(void) {
  c2op_context *c = NULL;
  CHECK_OK(c2op_context_create(&c));
  if (!c) return;
  CHECK_OK(c2op_context_set_num_threads(c, 4));
  CHECK_STATUS(c2op_context_set_num_threads(c, -1), C2OP_ERR_INVALID_ARGUMENT);
  int32_t n = -5;
  CHECK_OK(c2op_context_get_num_threads(c, &n));
  CHECK_EQ_INT(n, 4);
  c2op_context_destroy(c);
}

/* ------------------------------------------------------------------------ */
/* Every dtype                                                               */
/* ------------------------------------------------------------------------ */

static void negative_matches_reference_for_every_dtype(void) {
  const int64_t shape[2] = {37, 5};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      check_layout("every dtype", REF_OP_NEGATIVE, r, ref_negative_dtypes[i], 2, shape, NULL, 0,
                   NULL, 0);
      STOP_AFTER_MANY_FAILURES();
    }
}

static void negate_gradient_copies_every_dtype_bit_exactly(void) {
  const int64_t shape[2] = {37, 5};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < REF_NUM_COPY_DTYPES; i++) {
      check_layout("every dtype", REF_OP_COPY, r, ref_copy_dtypes[i], 2, shape, NULL, 0, NULL, 0);
      STOP_AFTER_MANY_FAILURES();
    }
}

/* ------------------------------------------------------------------------ */
/* Special values: hand-computed bits, independent of the reference          */
/* ------------------------------------------------------------------------ */

/** One input and its expected negation, as bits per part (complex: 2). */
typedef struct {
  uint64_t in[2];
  uint64_t out[2];
} bits_pair;

/**
 * Negates tensors whose elements cycle through pairs[].in (lengths n, 67 and
 * 1031, so vector bodies and tails both see each value) and checks every
 * element against pairs[].out bit for bit, for every runner. Also checks
 * the reference gives the same bits.
 */
static void check_pairs(DLDataType dt, const bits_pair *pairs, int n) {
  const int parts = dt.code == kDLComplex ? 2 : 1;
  const int part_bits = dt.bits / parts;
  const size_t es = ref_elem_size(dt);
  const int64_t lengths[3] = {n, 67, 1031};
  for (int r = 0; r < RUN_COUNT; r++) {
    for (int li = 0; li < 3; li++) {
      int64_t len = lengths[li];
      ref_tensor x, y;
      if (ref_tensor_alloc(&x, dt, 1, &len, NULL, 0, 0, &g_rng) != 0) return;
      if (ref_tensor_alloc(&y, dt, 1, &len, NULL, 0, 0, &g_rng) != 0) {
        ref_tensor_free(&x);
        return;
      }
      unsigned char *xp = (unsigned char *)x.v.t.data + x.v.t.byte_offset;
      unsigned char *yp = (unsigned char *)y.v.t.data + y.v.t.byte_offset;
      for (int64_t i = 0; i < len; i++)
        for (int p = 0; p < parts; p++)
          ref_store_bits(xp + (size_t)i * es + (size_t)p * (size_t)(part_bits / 8),
                         pairs[i % n].in[p], part_bits);
      CHECK_OK(call_op(REF_OP_NEGATIVE, r, &x.v.t, &y.v.t));
      int reported = 0;
      for (int64_t i = 0; i < len && !reported; i++) {
        unsigned char want[16], ref[16];
        for (int p = 0; p < parts; p++)
          ref_store_bits(want + p * (part_bits / 8), pairs[i % n].out[p], part_bits);
        if (memcmp(yp + (size_t)i * es, want, es) != 0) {
          char wbuf[64] = "", gbuf[64] = "";
          ref_format_hex(want, es, wbuf, sizeof wbuf);
          ref_format_hex(yp + (size_t)i * es, es, gbuf, sizeof gbuf);
          TEST_FAIL_("%s%s length %" PRId64 " element %" PRId64 ": want %s got %s",
                     ref_dtype_name(dt), k_runner_names[r], len, i, wbuf, gbuf);
          reported = 1;
        }
        ref_negate_element(dt, xp + (size_t)i * es, ref);
        if (memcmp(ref, want, es) != 0) {
          TEST_FAIL_("reference disagrees with the table for %s element %" PRId64,
                     ref_dtype_name(dt), i);
          reported = 1;
        }
      }
      ref_tensor_free(&y);
      ref_tensor_free(&x);
      STOP_AFTER_MANY_FAILURES();
    }
  }
}

#define PAIRS_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void negative_float16_flips_only_the_sign_bit(void) {
  static const bits_pair p[] = {
      {{0x0000}, {0x8000}}, /* +0 -> -0 */
      {{0x8000}, {0x0000}}, /* -0 -> +0 */
      {{0x7c00}, {0xfc00}}, /* +inf */
      {{0xfc00}, {0x7c00}}, /* -inf */
      {{0x7e00}, {0xfe00}}, /* quiet NaN */
      {{0x7d55}, {0xfd55}}, /* signalling NaN, payload kept */
      {{0xfdaa}, {0x7daa}}, /* negative NaN with payload */
      {{0x0001}, {0x8001}}, /* smallest denormal */
      {{0x83ff}, {0x03ff}}, /* largest negative denormal */
      {{0x3c00}, {0xbc00}}, /* 1.0 */
      {{0x7bff}, {0xfbff}}, /* max */
  };
  check_pairs(ref_dt(kDLFloat, 16), p, PAIRS_COUNT(p));
}

static void negative_bfloat16_flips_only_the_sign_bit(void) {
  static const bits_pair p[] = {
      {{0x0000}, {0x8000}}, {{0x8000}, {0x0000}}, {{0x7f80}, {0xff80}}, {{0xff80}, {0x7f80}},
      {{0x7fc0}, {0xffc0}}, {{0x7f81}, {0xff81}}, {{0xffd3}, {0x7fd3}}, {{0x0001}, {0x8001}},
      {{0x807f}, {0x007f}}, {{0x3f80}, {0xbf80}}, {{0xff7f}, {0x7f7f}},
  };
  check_pairs(ref_dt(kDLBfloat, 16), p, PAIRS_COUNT(p));
}

static void negative_float32_flips_only_the_sign_bit(void) {
  static const bits_pair p[] = {
      {{0x00000000u}, {0x80000000u}}, {{0x80000000u}, {0x00000000u}},
      {{0x7f800000u}, {0xff800000u}}, {{0xff800000u}, {0x7f800000u}},
      {{0x7fc00000u}, {0xffc00000u}}, {{0x7f800001u}, {0xff800001u}},
      {{0x7fa5a5a5u}, {0xffa5a5a5u}}, {{0xffc12345u}, {0x7fc12345u}},
      {{0x00000001u}, {0x80000001u}}, {{0x807fffffu}, {0x007fffffu}},
      {{0x3f800000u}, {0xbf800000u}}, {{0x7f7fffffu}, {0xff7fffffu}},
  };
  check_pairs(ref_dt(kDLFloat, 32), p, PAIRS_COUNT(p));
}

static void negative_float64_flips_only_the_sign_bit(void) {
  static const bits_pair p[] = {
      {{0x0000000000000000u}, {0x8000000000000000u}},
      {{0x8000000000000000u}, {0x0000000000000000u}},
      {{0x7ff0000000000000u}, {0xfff0000000000000u}},
      {{0xfff0000000000000u}, {0x7ff0000000000000u}},
      {{0x7ff8000000000000u}, {0xfff8000000000000u}},
      {{0x7ff0000000000001u}, {0xfff0000000000001u}},
      {{0x7ff4dead0000beefu}, {0xfff4dead0000beefu}},
      {{0xfff8123456789abcu}, {0x7ff8123456789abcu}},
      {{0x0000000000000001u}, {0x8000000000000001u}},
      {{0x800fffffffffffffu}, {0x000fffffffffffffu}},
      {{0x3ff0000000000000u}, {0xbff0000000000000u}},
      {{0x7fefffffffffffffu}, {0xffefffffffffffffu}},
  };
  check_pairs(ref_dt(kDLFloat, 64), p, PAIRS_COUNT(p));
}

static void negative_complex64_flips_the_sign_of_both_parts(void) {
  static const bits_pair p[] = {
      {{0x00000000u, 0x80000000u}, {0x80000000u, 0x00000000u}}, /* (+0, -0) */
      {{0x7fc12345u, 0x7f800000u}, {0xffc12345u, 0xff800000u}}, /* (NaN, inf) */
      {{0x3f800000u, 0x7f800001u}, {0xbf800000u, 0xff800001u}}, /* (1, sNaN) */
      {{0x00000001u, 0x807fffffu}, {0x80000001u, 0x007fffffu}}, /* denormals */
      {{0xff800000u, 0xffc00000u}, {0x7f800000u, 0x7fc00000u}}, /* (-inf, -NaN) */
      {{0x40490fdbu, 0xc0490fdbu}, {0xc0490fdbu, 0x40490fdbu}}, /* (pi, -pi) */
  };
  check_pairs(ref_dt(kDLComplex, 64), p, PAIRS_COUNT(p));
}

static void negative_complex128_flips_the_sign_of_both_parts(void) {
  static const bits_pair p[] = {
      {{0x0000000000000000u, 0x8000000000000000u}, {0x8000000000000000u, 0x0000000000000000u}},
      {{0x7ff4dead0000beefu, 0x7ff0000000000000u}, {0xfff4dead0000beefu, 0xfff0000000000000u}},
      {{0x3ff0000000000000u, 0x7ff8000000000001u}, {0xbff0000000000000u, 0xfff8000000000001u}},
      {{0x0000000000000001u, 0x800fffffffffffffu}, {0x8000000000000001u, 0x000fffffffffffffu}},
      {{0xfff0000000000000u, 0xfff8123456789abcu}, {0x7ff0000000000000u, 0x7ff8123456789abcu}},
  };
  check_pairs(ref_dt(kDLComplex, 128), p, PAIRS_COUNT(p));
}

static void negative_signed_minimum_wraps_to_itself(void) {
  static const bits_pair p8[] = {{{0x80}, {0x80}}, {{0x7f}, {0x81}}, {{0x00}, {0x00}},
                                 {{0xff}, {0x01}}, {{0x01}, {0xff}}, {{0x81}, {0x7f}}};
  static const bits_pair p16[] = {{{0x8000}, {0x8000}}, {{0x7fff}, {0x8001}}, {{0x0000}, {0x0000}},
                                  {{0xffff}, {0x0001}}, {{0x0001}, {0xffff}}, {{0x8001}, {0x7fff}}};
  static const bits_pair p32[] = {{{0x80000000u}, {0x80000000u}},
                                  {{0x7fffffffu}, {0x80000001u}},
                                  {{0x0u}, {0x0u}},
                                  {{0xffffffffu}, {0x00000001u}},
                                  {{0x00000001u}, {0xffffffffu}},
                                  {{0x80000001u}, {0x7fffffffu}}};
  static const bits_pair p64[] = {{{0x8000000000000000u}, {0x8000000000000000u}},
                                  {{0x7fffffffffffffffu}, {0x8000000000000001u}},
                                  {{0x0u}, {0x0u}},
                                  {{0xffffffffffffffffu}, {0x0000000000000001u}},
                                  {{0x0000000000000001u}, {0xffffffffffffffffu}},
                                  {{0x8000000000000001u}, {0x7fffffffffffffffu}},
                                  {{0x0000000100000000u}, {0xffffffff00000000u}}};
  check_pairs(ref_dt(kDLInt, 8), p8, PAIRS_COUNT(p8));
  check_pairs(ref_dt(kDLInt, 16), p16, PAIRS_COUNT(p16));
  check_pairs(ref_dt(kDLInt, 32), p32, PAIRS_COUNT(p32));
  check_pairs(ref_dt(kDLInt, 64), p64, PAIRS_COUNT(p64));
}

static void negative_unsigned_wraps_modulo_2_pow_bits(void) {
  static const bits_pair p8[] = {{{1}, {255}},   {{0}, {0}},   {{255}, {1}},
                                 {{128}, {128}}, {{2}, {254}}, {{127}, {129}}};
  static const bits_pair p16[] = {
      {{1}, {0xffff}}, {{0}, {0}}, {{0xffff}, {1}}, {{0x8000}, {0x8000}}, {{0x1234}, {0xedcc}}};
  static const bits_pair p32[] = {{{0}, {0}},
                                  {{1}, {0xffffffffu}},
                                  {{0x80000000u}, {0x80000000u}},
                                  {{0xffffffffu}, {1}},
                                  {{0x12345678u}, {0xedcba988u}}};
  static const bits_pair p64[] = {{{0}, {0}},
                                  {{1}, {0xffffffffffffffffu}},
                                  {{0x8000000000000000u}, {0x8000000000000000u}},
                                  {{0xffffffffffffffffu}, {1}},
                                  {{0x0000000100000000u}, {0xffffffff00000000u}}};
  check_pairs(ref_dt(kDLUInt, 8), p8, PAIRS_COUNT(p8));
  check_pairs(ref_dt(kDLUInt, 16), p16, PAIRS_COUNT(p16));
  check_pairs(ref_dt(kDLUInt, 32), p32, PAIRS_COUNT(p32));
  check_pairs(ref_dt(kDLUInt, 64), p64, PAIRS_COUNT(p64));
}

/* ------------------------------------------------------------------------ */
/* Shapes                                                                    */
/* ------------------------------------------------------------------------ */

static void scalar_ndim0_is_one_element(void) {
  check_layout_all("ndim 0", 0, NULL, NULL, 0, NULL, 0);
}

static void scalar_ndim0_with_null_shape_is_one_element(void) {
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      ref_tensor x, y;
      if (ref_tensor_alloc(&x, ref_negative_dtypes[i], 0, NULL, NULL, 0, 16, &g_rng) != 0) return;
      if (ref_tensor_alloc(&y, ref_negative_dtypes[i], 0, NULL, NULL, 0, 16, &g_rng) != 0) {
        ref_tensor_free(&x);
        return;
      }
      x.v.t.shape = NULL;
      y.v.t.shape = NULL;
      check_op("ndim 0, shape NULL", REF_OP_NEGATIVE, r, &x.v.t, &y.v.t, &y.buf, &x.buf);
      check_op("ndim 0, shape NULL", REF_OP_COPY, r, &x.v.t, &y.v.t, &y.buf, &x.buf);
      ref_tensor_free(&y);
      ref_tensor_free(&x);
      STOP_AFTER_MANY_FAILURES();
    }
}

static void zero_element_tensors_succeed_and_leave_y_untouched(void) {
  const int64_t s1[1] = {0}, s3[3] = {3, 0, 4}, s2[2] = {0, 0}, s2b[2] = {5, 0};
  const int64_t neg1[1] = {-1}, st3[3] = {1, 3, -9}, st2[2] = {7, 1};
  /* check_op's "nothing outside y's elements changed" covers the whole
   * buffer here, since y has no elements. */
  check_layout_all("zero elements [0]", 1, s1, NULL, 0, NULL, 0);
  check_layout_all("zero elements [3,0,4]", 3, s3, NULL, 0, NULL, 0);
  check_layout_all("zero elements [0,0]", 2, s2, NULL, 0, NULL, 0);
  check_layout_all("zero elements [5,0] strided", 2, s2b, st2, 1, st2, 2);
  check_layout_all("zero elements [0] negative stride", 1, s1, neg1, 0, NULL, 0);
  check_layout_all("zero elements [3,0,4] odd strides", 3, s3, st3, 0, NULL, 0);
}

static void ranks_1_to_6_match_reference(void) {
  for (int32_t ndim = 1; ndim <= 6; ndim++) {
    for (int rep = 0; rep < 3; rep++) {
      int64_t shape[6];
      for (int d = 0; d < ndim; d++)
        shape[d] = test_rand_range(&g_rng, 1, ndim <= 3 ? 9 : 4);
      char what[32];
      snprintf(what, sizeof what, "rank %d", (int)ndim);
      check_layout_all(what, ndim, shape, NULL, 0, NULL, 0);
      STOP_AFTER_MANY_FAILURES();
    }
  }
}

static void max_ndim_tensor_matches_reference(void) {
  int64_t shape[C2OP_MAX_NDIM], ystrides[C2OP_MAX_NDIM], compact[C2OP_MAX_NDIM];
  for (int d = 0; d < C2OP_MAX_NDIM; d++)
    shape[d] = (d % 7 == 3) ? 2 : 1;
  shape[C2OP_MAX_NDIM - 1] = 3;
  /* y: every dim's stride reversed in order (a full transpose). */
  ref_compact_strides(C2OP_MAX_NDIM, shape, compact);
  int64_t s = 1;
  for (int d = 0; d < C2OP_MAX_NDIM; d++) {
    ystrides[d] = s;
    s *= shape[d];
  }
  check_layout_all("ndim 32", C2OP_MAX_NDIM, shape, NULL, 0, NULL, 0);
  check_layout_all("ndim 32 transposed y", C2OP_MAX_NDIM, shape, compact, 0, ystrides, 0);
}

static void sizes_around_vector_widths_match_reference(void) {
  int64_t sizes[80];
  int count = 0;
  for (int64_t n = 1; n <= 70; n++)
    sizes[count++] = n;
  const int64_t big[] = {127, 128, 129, 1023, 1024, 1025, 4095, 4096, 4097};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
    sizes[count++] = big[i];
  for (int k = 0; k < count; k++) {
    char what[48];
    snprintf(what, sizeof what, "%" PRId64 " elements", sizes[k]);
    check_layout_all(what, 1, &sizes[k], NULL, 0, NULL, 0);
    STOP_AFTER_MANY_FAILURES();
  }
}

static void sizes_around_vector_widths_with_shifted_starts(void) {
  /* x and y starting one and three elements past the aligned data pointer:
   * the vector body of x and y are then differently placed. */
  const int64_t sizes[] = {1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1023, 1025, 4097};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      DLDataType dt = ref_negative_dtypes[i];
      uint64_t es = ref_elem_size(dt);
      check_layout("shifted start", REF_OP_NEGATIVE, RUN_PLAIN, dt, 1, &sizes[k], NULL, es, NULL,
                   3 * es);
      check_layout("shifted start", REF_OP_NEGATIVE, RUN_EX_2, dt, 1, &sizes[k], NULL, 3 * es, NULL,
                   0);
      check_layout("shifted start", REF_OP_COPY, RUN_PLAIN, dt, 1, &sizes[k], NULL, es, NULL,
                   3 * es);
      STOP_AFTER_MANY_FAILURES();
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Strides                                                                   */
/* ------------------------------------------------------------------------ */

static void transposed_x_and_y_match_reference(void) {
  const int64_t shape[2] = {13, 17}, t[2] = {1, 13};
  check_layout_all("transposed x and y", 2, shape, t, 0, t, 0);
  /* The same column-major strides with a padded leading dim: not dense, so
   * not one contiguous run (the fast path's 2-D check must see that). */
  const int64_t tp[2] = {1, 16};
  check_layout_all("padded transposed x and y", 2, shape, tp, 0, tp, 0);
  const int64_t shape1[2] = {1, 40}, t1[2] = {1, 1};
  check_layout_all("transposed x and y, one row", 2, shape1, t1, 0, t1, 0);
  const int64_t shape3[3] = {3, 4, 5}, xs[3] = {1, 3, 12}, ys[3] = {20, 1, 4};
  check_layout_all("permuted x and y", 3, shape3, xs, 0, ys, 0);
}

static void transposed_x_only_matches_reference(void) {
  const int64_t shape[2] = {13, 17}, t[2] = {1, 13};
  check_layout_all("transposed x", 2, shape, t, 0, NULL, 0);
  const int64_t shape2[2] = {64, 33}, t2[2] = {1, 64};
  check_layout_all("transposed x 64x33", 2, shape2, t2, 0, NULL, 0);
}

static void transposed_y_only_matches_reference(void) {
  const int64_t shape[2] = {13, 17}, t[2] = {1, 13};
  check_layout_all("transposed y", 2, shape, NULL, 0, t, 0);
  const int64_t shape2[2] = {64, 33}, t2[2] = {1, 64};
  check_layout_all("transposed y 64x33", 2, shape2, NULL, 0, t2, 0);
}

static void step_strides_match_reference(void) {
  const int64_t n[1] = {100}, s2[1] = {2}, s3[1] = {3};
  check_layout_all("step 2 x, step 3 y", 1, n, s2, 0, s3, 0);
  check_layout_all("step 2 x", 1, n, s2, 0, NULL, 0);
  check_layout_all("step 2 y", 1, n, NULL, 0, s2, 0);
  const int64_t shape[2] = {9, 11}, st[2] = {44, 2};
  check_layout_all("step 2 rows", 2, shape, st, 0, st, 1);
}

static void negative_strides_in_x_match_reference(void) {
  const int64_t n[1] = {101}, rev[1] = {-1}, rev2[1] = {-2};
  check_layout_all("x reversed", 1, n, rev, 0, NULL, 0);
  check_layout_all("x reversed step 2", 1, n, rev2, 0, NULL, 0);
  const int64_t shape[2] = {9, 17}, a[2] = {-17, 1}, b[2] = {17, -1}, c[2] = {-1, -9};
  check_layout_all("x rows reversed", 2, shape, a, 0, NULL, 0);
  check_layout_all("x columns reversed", 2, shape, b, 0, NULL, 0);
  check_layout_all("x transposed and reversed", 2, shape, c, 0, NULL, 0);
  const int64_t shape3[3] = {3, 5, 7}, m[3] = {35, -7, 1};
  check_layout_all("x middle dim reversed", 3, shape3, m, 0, NULL, 0);
}

static void zero_strides_in_x_broadcast(void) {
  const int64_t shape[2] = {5, 7}, a[2] = {0, 1}, b[2] = {1, 0}, c[2] = {0, 0};
  check_layout_all("x rows broadcast", 2, shape, a, 0, NULL, 0);
  check_layout_all("x columns broadcast", 2, shape, b, 0, NULL, 0);
  check_layout_all("x scalar broadcast", 2, shape, c, 0, NULL, 0);
  const int64_t shape3[3] = {4, 1, 66}, d[3] = {0, 0, 1};
  check_layout_all("x broadcast over 3 dims", 3, shape3, d, 0, NULL, 0);
  const int64_t n[1] = {1000}, z[1] = {0};
  check_layout_all("x one element broadcast", 1, n, z, 0, NULL, 0);
}

static void padded_rows_match_reference_and_padding_stays(void) {
  const int64_t shape[2] = {6, 17}, xs[2] = {20, 1}, ys[2] = {19, 1};
  check_layout_all("padded rows", 2, shape, xs, 0, ys, 0);
  const int64_t shape3[3] = {3, 4, 33}, xs3[3] = {4 * 40, 40, 1}, ys3[3] = {4 * 33 + 5, 33, 1};
  check_layout_all("padded 3d", 3, shape3, xs3, 0, ys3, 0);
  /* One side compact, the other padded in one dim only: the direct path's
   * 3-D checks test each dim of each side (c2op__fast_direct). */
  check_layout_all("3d, y padded outside only", 3, shape3, NULL, 0, ys3, 0);
  check_layout_all("3d, x padded outside only", 3, shape3, ys3, 0, NULL, 0);
  check_layout_all("3d, y padded inside only", 3, shape3, NULL, 0, xs3, 0);
  const int64_t shape2[2] = {4, 33}, ys2[2] = {35, 1};
  check_layout_all("2d, y padded", 2, shape2, NULL, 0, ys2, 0);
}

/* 2-D rows (padded, or a slice of columns) take a path of their own: each
 * row straight through the contiguous kernel when the pass is aligned, on
 * one thread and below the streaming size; the driver otherwise. Rows of
 * every length around the kernels' vector steps, x or y compact, odd byte
 * offsets (the driver's strided kernel), and passes large enough for two
 * threads (the two-thread runner). */
static void padded_rows_on_every_path_match_reference(void) {
  const int64_t cols[] = {2, 7, 16, 33, 100, 1000};
  for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
    const int64_t shape[2] = {5, cols[c]};
    const int64_t xs[2] = {cols[c] + 3, 1}, ys[2] = {cols[c] + 64, 1}, same[2] = {cols[c] + 1, 1};
    check_layout_all("rows, both padded", 2, shape, xs, 0, ys, 1);
    check_layout_all("rows, x compact", 2, shape, NULL, 2, ys, 0);
    check_layout_all("rows, y compact", 2, shape, xs, 1, NULL, 0);
    check_layout_all("rows, same pitch", 2, shape, same, 0, same, 0);
  }
  /* Byte offsets that are not a multiple of the lane: the strided kernel. */
  const int64_t shape[2] = {4, 37}, xs[2] = {40, 1}, ys[2] = {41, 1};
  for (int r = 0; r < RUN_COUNT; r++) {
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      DLDataType dt = ref_negative_dtypes[i];
      if (ref_elem_size(dt) == 1) continue;
      check_layout("rows, odd byte_offset", REF_OP_NEGATIVE, r, dt, 2, shape, xs, 1, ys, 3);
      check_layout("rows, odd byte_offset", REF_OP_COPY, r, dt, 2, shape, xs, 3, ys, 0);
    }
  }
  /* 41 rows of 1000: 41 KB (int8) to 656 KB (complex128), across the
   * two-thread runner's parallel threshold (128 KiB). */
  const int64_t big[2] = {41, 1000}, bxs[2] = {1030, 1}, bys[2] = {1024, 1};
  check_layout_all("rows, 41 x 1000", 2, big, bxs, 0, bys, 0);
  /* 3 long rows, 36-576 KB: past 512 KiB on two threads they are fewer
   * than the parts, and the driver splits inside them. */
  const int64_t few[2] = {3, 12000}, fxs[2] = {12016, 1}, fys[2] = {12003, 1};
  check_layout_all("rows, 3 x 12000", 2, few, fxs, 0, fys, 0);
}

/* Rows whose x and y share one buffer: y one or two rows, or a few
 * elements, before or after x, or at x with another pitch. Each is a
 * partial overlap (c2op__rows_of refuses it, and the general path reads x
 * in full first); y must be op of x as it was. Then rows in place on two
 * threads. */
static void padded_rows_overlapping_x_match_reference(void) {
  const int64_t shape[2] = {7, 33}, xs[2] = {40, 1}, ys_other[2] = {41, 1};
  const int64_t shifts[] = {-80, -40, -3, 3, 40, 80, 0};
  for (int r = 0; r < RUN_COUNT; r++) {
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      const DLDataType dt = ref_negative_dtypes[i];
      const int64_t es = (int64_t)ref_elem_size(dt);
      for (size_t k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
        ref_buffer buf;
        if (ref_buffer_alloc(&buf, (size_t)(7 * 41 + 2 * 80 + 8) * (size_t)es) != 0) {
          TEST_FAIL_("out of memory");
          return;
        }
        ref_fill_bytes(buf.base, buf.size, &g_rng);
        const uint64_t xoff = (uint64_t)(80 * es);
        ref_view x, y;
        ref_view_init(&x, dt, 2, shape, xs, buf.base, xoff);
        /* the last case: y at x with a pitch of 41 */
        ref_view_init(&y, dt, 2, shape, shifts[k] ? xs : ys_other, buf.base,
                      (uint64_t)((int64_t)xoff + shifts[k] * es));
        ref_fill_elements(&x.t, &g_rng);
        check_op("rows over one buffer", REF_OP_NEGATIVE, r, &x.t, &y.t, &buf, NULL);
        check_op("rows over one buffer", REF_OP_COPY, r, &x.t, &y.t, &buf, NULL);
        ref_buffer_free(&buf);
        STOP_AFTER_MANY_FAILURES();
      }
    }
  }
  /* In place on two threads: 41 rows of 1000 with a pitch of 1030. */
  const int64_t big[2] = {41, 1000}, pitch[2] = {1030, 1};
  for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
    ref_tensor x;
    if (ref_tensor_alloc(&x, ref_negative_dtypes[i], 2, big, pitch, 0, 64, &g_rng) != 0) return;
    check_op("rows in place, 41 x 1000", REF_OP_NEGATIVE, RUN_EX_2, &x.v.t, &x.v.t, &x.buf, NULL);
    ref_tensor_free(&x);
    STOP_AFTER_MANY_FAILURES();
  }
}

static void byte_offsets_in_x_and_y_are_honoured(void) {
  const int64_t shape[2] = {7, 9}, t[2] = {1, 7};
  check_layout_all("byte_offset x 3, y 5 elements", 2, shape, NULL, 3, NULL, 5);
  check_layout_all("byte_offset x 0, y 1 element", 2, shape, NULL, 0, NULL, 1);
  check_layout_all("byte_offset strided", 2, shape, t, 2, t, 7);
}

static void byte_offset_not_a_multiple_of_element_size(void) {
  /* The header allows any byte_offset; elements then sit at addresses that
   * are not multiples of their size. */
  static const DLDataType dts[] = {{kDLInt, 16, 1},
                                   {kDLFloat, 32, 1},
                                   {kDLFloat, 64, 1},
                                   {kDLComplex, 128, 1},
                                   {kDLFloat, 16, 1}};
  for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++)
    for (int64_t n = 1; n <= 40; n += 13) {
      check_layout("odd byte_offset", REF_OP_NEGATIVE, RUN_PLAIN, dts[i], 1, &n, NULL, 1, NULL, 3);
      check_layout("odd byte_offset", REF_OP_COPY, RUN_PLAIN, dts[i], 1, &n, NULL, 3, NULL, 1);
      STOP_AFTER_MANY_FAILURES();
    }
}

static void negative_strides_in_y_match_reference(void) {
  /* Only zero strides (and aliasing) are forbidden in y; a reversed y has
   * distinct elements. */
  const int64_t n[1] = {77}, rev[1] = {-1};
  check_layout_all("y reversed", 1, n, NULL, 0, rev, 0);
  const int64_t shape[2] = {6, 11}, a[2] = {-11, 1};
  check_layout_all("y rows reversed", 2, shape, NULL, 0, a, 0);
}

static void any_strides_on_size_one_dims(void) {
  const int64_t shape[3] = {1, 5, 1}, xs[3] = {999, 1, -7}, ys[3] = {0, 1, 123456};
  check_layout_all("size-1 dims odd strides", 3, shape, xs, 0, ys, 0);
  const int64_t shape2[4] = {1, 1, 1, 1}, xs2[4] = {5, -5, 0, 77}, ys2[4] = {0, 0, 0, 0};
  check_layout_all("all size-1 dims, zero strides in y", 4, shape2, xs2, 0, ys2, 0);
  /* Strides of size-1 dims are never multiplied by anything but 0. */
  const int64_t shape3[3] = {1, 6, 1}, xs3[3] = {INT64_MAX, 1, INT64_MIN},
                ys3[3] = {INT64_MIN, 1, INT64_MAX};
  check_layout_all("size-1 dims with extreme strides", 3, shape3, xs3, 0, ys3, 0);
}

static void interleaved_y_strides_without_overlap_are_accepted(void) {
  /* [3,2] strides [2,3] reaches offsets 0,3,2,5,4,7: all distinct, though
   * neither dim's stride spans the other. */
  const int64_t shape[2] = {3, 2}, ys[2] = {2, 3};
  check_layout_all("interleaved y [3,2]/[2,3]", 2, shape, NULL, 0, ys, 0);
  const int64_t shape2[2] = {2, 3}, ys2[2] = {3, 2};
  check_layout_all("interleaved y [2,3]/[3,2]", 2, shape2, NULL, 0, ys2, 0);
}

static void large_interleaved_y_strides_without_overlap_are_accepted(void) {
  /* The same interleaving, 2^19 times over: offsets 2i + 3j + 8k with i < 3,
   * j < 2 cover {0,2,3,4,5,7} + 8k, all distinct; 3 Mi elements. */
  const int64_t shape[3] = {3, 2, (int64_t)1 << 19}, ys[3] = {2, 3, 8};
  check_layout("large interleaved y", REF_OP_NEGATIVE, RUN_PLAIN, ref_dt(kDLFloat, 32), 3, shape,
               NULL, 0, ys, 0);
}

static void huge_interleaved_block_checked_by_bitmap_is_accepted(void) {
  /* Offsets 2i + 3j, i < 2^21 + 5, j < 2: evens and odds, all distinct; the
   * block that fails the quick test has 2^22 + 10 elements, past the sort
   * limit, so the exact check runs on a bitmap. */
  const int64_t shape[2] = {((int64_t)1 << 21) + 5, 2}, ys[2] = {2, 3};
  check_layout("huge interleaved y", REF_OP_NEGATIVE, RUN_PLAIN, ref_dt(kDLFloat, 32), 2, shape,
               NULL, 0, ys, 0);
}

static void cuda_host_memory_mixes_with_cpu(void) {
  const int64_t n = 300;
  static const int32_t devs[3][2] = {
      {kDLCUDAHost, kDLCPU}, {kDLCPU, kDLCUDAHost}, {kDLCUDAHost, kDLCUDAHost}};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      ref_tensor x, y;
      if (ref_tensor_alloc(&x, ref_negative_dtypes[i], 1, &n, NULL, 0, 16, &g_rng) != 0) return;
      if (ref_tensor_alloc(&y, ref_negative_dtypes[i], 1, &n, NULL, 0, 16, &g_rng) != 0) {
        ref_tensor_free(&x);
        return;
      }
      x.v.t.device.device_type = (DLDeviceType)devs[k][0];
      y.v.t.device.device_type = (DLDeviceType)devs[k][1];
      check_op("CUDA host memory", REF_OP_NEGATIVE, RUN_PLAIN, &x.v.t, &y.v.t, &y.buf, &x.buf);
      check_op("CUDA host memory", REF_OP_COPY, RUN_EX_2, &x.v.t, &y.v.t, &y.buf, &x.buf);
      ref_tensor_free(&y);
      ref_tensor_free(&x);
      STOP_AFTER_MANY_FAILURES();
    }
}

/* ------------------------------------------------------------------------ */
/* Randomized layouts                                                        */
/* ------------------------------------------------------------------------ */

/** Random non-overlapping strides for shape (NULL, compact, permuted, or
 *  permuted with steps and padding); for x, also some negated and zeroed.
 *  Returns NULL or out. */
static const int64_t *random_strides(int32_t ndim, const int64_t *shape, int for_x, int64_t *out) {
  int kind = (int)test_rand_range(&g_rng, 0, 3);
  if (kind == 0) return NULL;
  int perm[C2OP_MAX_NDIM];
  for (int d = 0; d < ndim; d++)
    perm[d] = d;
  if (kind >= 2)
    for (int d = ndim - 1; d > 0; d--) {
      int j = (int)test_rand_range(&g_rng, 0, d);
      int tmp = perm[d];
      perm[d] = perm[j];
      perm[j] = tmp;
    }
  int64_t s = kind == 3 ? test_rand_range(&g_rng, 1, 3) : 1;
  for (int k = ndim - 1; k >= 0; k--) {
    int d = perm[k];
    out[d] = s;
    s = s * (shape[d] > 0 ? shape[d] : 1) + (kind == 3 ? test_rand_range(&g_rng, 0, 3) : 0);
  }
  if (for_x)
    for (int d = 0; d < ndim; d++) {
      int64_t r = test_rand_range(&g_rng, 0, 7);
      if (r < 2)
        out[d] = -out[d];
      else if (r == 2)
        out[d] = 0;
    }
  return out;
}

static int32_t random_shape(int64_t *shape) {
  int32_t ndim = (int32_t)test_rand_range(&g_rng, 0, 5);
  for (int d = 0; d < ndim; d++) {
    shape[d] = ndim == 1 ? test_rand_range(&g_rng, 1, 300) : test_rand_range(&g_rng, 1, 7);
    if (test_rand_range(&g_rng, 0, 24) == 0) shape[d] = 0;
  }
  return ndim;
}

static void random_layouts_match_reference(void) {
  for (int iter = 0; iter < 400; iter++) {
    int64_t shape[8], xs[8], ys[8];
    int32_t ndim = random_shape(shape);
    ref_op op = test_rand_range(&g_rng, 0, 3) == 0 ? REF_OP_COPY : REF_OP_NEGATIVE;
    DLDataType dt =
        op == REF_OP_COPY
            ? ref_copy_dtypes[test_rand_range(&g_rng, 0, REF_NUM_COPY_DTYPES - 1)]
            : ref_negative_dtypes[test_rand_range(&g_rng, 0, REF_NUM_NEGATIVE_DTYPES - 1)];
    const int64_t *xsp = random_strides(ndim, shape, 1, xs);
    const int64_t *ysp = random_strides(ndim, shape, 0, ys);
    uint64_t es = ref_elem_size(dt);
    int runner = (int)test_rand_range(&g_rng, 0, RUN_COUNT - 1);
    char what[40];
    snprintf(what, sizeof what, "random layout #%d", iter);
    check_layout(what, op, runner, dt, ndim, shape, xsp,
                 es * (uint64_t)test_rand_range(&g_rng, 0, 3), ysp,
                 es * (uint64_t)test_rand_range(&g_rng, 0, 3));
    STOP_AFTER_MANY_FAILURES();
  }
}

static void random_overlapping_layouts_match_reference_on_snapshot(void) {
  /* x and y are random layouts over one shared buffer, at random element
   * offsets: any overlap, partial or exact, must give op(x as it was). */
  for (int iter = 0; iter < 400; iter++) {
    int64_t shape[8], xs[8], ys[8];
    int32_t ndim = random_shape(shape);
    ref_op op = test_rand_range(&g_rng, 0, 2) == 0 ? REF_OP_COPY : REF_OP_NEGATIVE;
    DLDataType dt = ref_negative_dtypes[test_rand_range(&g_rng, 0, REF_NUM_NEGATIVE_DTYPES - 1)];
    int64_t es = (int64_t)ref_elem_size(dt);
    ref_view x, y;
    ref_view_init(&x, dt, ndim, shape, random_strides(ndim, shape, 1, xs), NULL, 0);
    ref_view_init(&y, dt, ndim, shape, random_strides(ndim, shape, 0, ys), NULL, 0);
    int64_t xlo, xhi, ylo, yhi;
    ref_extent(&x.t, &xlo, &xhi);
    ref_extent(&y.t, &ylo, &yhi);
    int64_t span = (xhi - xlo) > (yhi - ylo) ? (xhi - xlo) : (yhi - ylo);
    ref_buffer buf;
    if (ref_buffer_alloc(&buf, (size_t)(span + 9 * es + 64)) != 0) {
      TEST_FAIL_("out of memory");
      return;
    }
    ref_fill_bytes(buf.base, buf.size, &g_rng);
    x.t.data = buf.base;
    y.t.data = buf.base;
    x.t.byte_offset = (uint64_t)(-xlo + es * test_rand_range(&g_rng, 0, 8));
    y.t.byte_offset = (uint64_t)(-ylo + es * test_rand_range(&g_rng, 0, 8));
    ref_fill_elements(&x.t, &g_rng);
    char what[48];
    snprintf(what, sizeof what, "random overlap #%d", iter);
    check_op(what, op, (int)test_rand_range(&g_rng, 0, RUN_COUNT - 1), &x.t, &y.t, &buf, NULL);
    ref_buffer_free(&buf);
    STOP_AFTER_MANY_FAILURES();
  }
}

/* ------------------------------------------------------------------------ */
/* In place                                                                  */
/* ------------------------------------------------------------------------ */

static void in_place_same_tensor_matches_reference(void) {
  const int64_t shape[2] = {7, 33}, t[2] = {1, 7}, rev[2] = {-33, 1}, padded[2] = {40, 1};
  const int64_t *layouts[4] = {NULL, t, rev, padded};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++)
      for (int layout = 0; layout < 4; layout++) {
        ref_tensor x;
        if (ref_tensor_alloc(&x, ref_negative_dtypes[i], 2, shape, layouts[layout], 0, 32,
                             &g_rng) != 0)
          return;
        /* The same DLTensor as x and y, then a second struct alike. */
        check_op("in place, y == x", REF_OP_NEGATIVE, r, &x.v.t, &x.v.t, &x.buf, NULL);
        ref_view y;
        ref_view_init(&y, x.v.t.dtype, 2, shape, x.v.t.strides, x.v.t.data, x.v.t.byte_offset);
        check_op("in place, y a copy of x", REF_OP_NEGATIVE, r, &x.v.t, &y.t, &x.buf, NULL);
        ref_tensor_free(&x);
        STOP_AFTER_MANY_FAILURES();
      }
}

static void in_place_with_other_strides_on_size_one_dims(void) {
  const int64_t shape[3] = {4, 1, 5}, compact[3] = {5, 5, 1}, xs[3] = {5, 1, 1},
                ys[3] = {5, -1000, 1};
  const int64_t *xlay[3] = {NULL, xs, compact};
  const int64_t *ylay[3] = {compact, ys, NULL};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++)
      for (int k = 0; k < 3; k++) {
        ref_tensor x;
        if (ref_tensor_alloc(&x, ref_negative_dtypes[i], 3, shape, xlay[k], 0, 32, &g_rng) != 0)
          return;
        ref_view y;
        ref_view_init(&y, x.v.t.dtype, 3, shape, ylay[k], x.v.t.data, x.v.t.byte_offset);
        check_op("in place, size-1 strides differ", REF_OP_NEGATIVE, r, &x.v.t, &y.t, &x.buf, NULL);
        check_op("in place, size-1 strides differ", REF_OP_COPY, r, &x.v.t, &y.t, &x.buf, NULL);
        ref_tensor_free(&x);
        STOP_AFTER_MANY_FAILURES();
      }
}

static void negate_gradient_in_place_leaves_data_unchanged(void) {
  const int64_t shape[2] = {9, 31}, t[2] = {1, 9};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < REF_NUM_COPY_DTYPES; i++)
      for (int layout = 0; layout < 2; layout++) {
        ref_tensor x;
        if (ref_tensor_alloc(&x, ref_copy_dtypes[i], 2, shape, layout ? t : NULL, 0, 32, &g_rng) !=
            0)
          return;
        unsigned char *snap = ref_snapshot(x.buf.base, x.buf.size);
        ref_view y;
        ref_view_init(&y, x.v.t.dtype, 2, shape, x.v.t.strides, x.v.t.data, x.v.t.byte_offset);
        CHECK_OK(call_op(REF_OP_COPY, r, &x.v.t, &x.v.t));
        CHECK_OK(call_op(REF_OP_COPY, r, &x.v.t, &y.t));
        if (!snap || !ref_unchanged(x.buf.base, snap, x.buf.size))
          TEST_FAIL_("%s%s in place changed the data of %s", ref_op_name(REF_OP_COPY),
                     k_runner_names[r], ref_dtype_name(x.v.t.dtype));
        free(snap);
        ref_tensor_free(&x);
        STOP_AFTER_MANY_FAILURES();
      }
}

static void negative_in_place_twice_restores_every_bit(void) {
  const int64_t n = 4099;
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < REF_NUM_NEGATIVE_DTYPES; i++) {
      ref_tensor x;
      if (ref_tensor_alloc(&x, ref_negative_dtypes[i], 1, &n, NULL, 0, 0, &g_rng) != 0) return;
      unsigned char *snap = ref_snapshot(x.buf.base, x.buf.size);
      CHECK_OK(call_op(REF_OP_NEGATIVE, r, &x.v.t, &x.v.t));
      CHECK(snap && !ref_unchanged(x.buf.base, snap, x.buf.size));
      CHECK_OK(call_op(REF_OP_NEGATIVE, r, &x.v.t, &x.v.t));
      if (!snap || !ref_unchanged(x.buf.base, snap, x.buf.size))
        TEST_FAIL_("%s%s: negating twice in place did not restore the bits",
                   ref_dtype_name(x.v.t.dtype), k_runner_names[r]);
      free(snap);
      ref_tensor_free(&x);
      STOP_AFTER_MANY_FAILURES();
    }
}

/* ------------------------------------------------------------------------ */
/* Partial overlap of x and y                                                */
/* ------------------------------------------------------------------------ */

static const DLDataType k_overlap_dtypes[] = {{kDLInt, 8, 1},    {kDLInt, 32, 1},
                                              {kDLFloat, 16, 1}, {kDLFloat, 32, 1},
                                              {kDLFloat, 64, 1}, {kDLComplex, 128, 1}};
#define NUM_OVERLAP_DTYPES ((int)(sizeof k_overlap_dtypes / sizeof k_overlap_dtypes[0]))

/** 1-D x and y of n elements over one buffer, y starting `shift` elements
 *  after x (before it when negative). */
static void check_shifted(ref_op op, int runner, DLDataType dt, int64_t n, int64_t shift) {
  int64_t es = (int64_t)ref_elem_size(dt);
  int64_t mag = shift < 0 ? -shift : shift;
  ref_buffer buf;
  if (ref_buffer_alloc(&buf, (size_t)((n + mag) * es + 64)) != 0) {
    TEST_FAIL_("out of memory");
    return;
  }
  ref_fill_bytes(buf.base, buf.size, &g_rng);
  ref_view x, y;
  ref_view_init(&x, dt, 1, &n, NULL, buf.base, (uint64_t)((shift < 0 ? mag : 0) * es));
  ref_view_init(&y, dt, 1, &n, NULL, buf.base, (uint64_t)((shift < 0 ? 0 : mag) * es));
  ref_fill_elements(&x.t, &g_rng);
  char what[64];
  snprintf(what, sizeof what, "y shifted by %" PRId64 " of %" PRId64, shift, n);
  check_op(what, op, runner, &x.t, &y.t, &buf, NULL);
  ref_buffer_free(&buf);
}

static void overlap_y_shifted_forward_reads_x_first(void) {
  const int64_t sizes[] = {5, 100, 1000, 5000}, shifts[] = {1, 2, 3, 4, 7, 8, 16, 33};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < NUM_OVERLAP_DTYPES; i++)
      for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++)
        for (size_t b = 0; b < sizeof shifts / sizeof shifts[0]; b++) {
          if (shifts[b] >= sizes[a]) continue;
          check_shifted(REF_OP_NEGATIVE, r, k_overlap_dtypes[i], sizes[a], shifts[b]);
          check_shifted(REF_OP_COPY, r, k_overlap_dtypes[i], sizes[a], shifts[b]);
          STOP_AFTER_MANY_FAILURES();
        }
}

static void overlap_y_shifted_backward_reads_x_first(void) {
  const int64_t sizes[] = {5, 100, 1000, 5000}, shifts[] = {1, 2, 3, 4, 7, 8, 16, 33};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < NUM_OVERLAP_DTYPES; i++)
      for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++)
        for (size_t b = 0; b < sizeof shifts / sizeof shifts[0]; b++) {
          if (shifts[b] >= sizes[a]) continue;
          check_shifted(REF_OP_NEGATIVE, r, k_overlap_dtypes[i], sizes[a], -shifts[b]);
          check_shifted(REF_OP_COPY, r, k_overlap_dtypes[i], sizes[a], -shifts[b]);
          STOP_AFTER_MANY_FAILURES();
        }
}

static void overlap_2d_y_shifted_by_a_row_reads_x_first(void) {
  const int64_t shape[2] = {40, 25};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < NUM_OVERLAP_DTYPES; i++)
      for (int dir = -1; dir <= 1; dir += 2)
        for (int64_t extra = 0; extra <= 1; extra++) {
          DLDataType dt = k_overlap_dtypes[i];
          int64_t es = (int64_t)ref_elem_size(dt), shift = 25 + extra;
          ref_buffer buf;
          if (ref_buffer_alloc(&buf, (size_t)((1000 + shift) * es + 64)) != 0) return;
          ref_fill_bytes(buf.base, buf.size, &g_rng);
          ref_view x, y;
          ref_view_init(&x, dt, 2, shape, NULL, buf.base, (uint64_t)((dir < 0 ? shift : 0) * es));
          ref_view_init(&y, dt, 2, shape, NULL, buf.base, (uint64_t)((dir < 0 ? 0 : shift) * es));
          check_op("2d, y shifted by a row", REF_OP_NEGATIVE, r, &x.t, &y.t, &buf, NULL);
          check_op("2d, y shifted by a row", REF_OP_COPY, r, &x.t, &y.t, &buf, NULL);
          ref_buffer_free(&buf);
          STOP_AFTER_MANY_FAILURES();
        }
}

/** x and y over the same n elements, one read backwards (reverse_x: x has
 *  stride -1, else y has). */
static void check_reversed(ref_op op, int runner, DLDataType dt, int64_t n, int reverse_x) {
  int64_t es = (int64_t)ref_elem_size(dt);
  const int64_t rev[1] = {-1};
  ref_buffer buf;
  if (ref_buffer_alloc(&buf, (size_t)(n * es + 64)) != 0) return;
  ref_fill_bytes(buf.base, buf.size, &g_rng);
  ref_view x, y;
  ref_view_init(&x, dt, 1, &n, reverse_x ? rev : NULL, buf.base,
                reverse_x ? (uint64_t)((n - 1) * es) : 0);
  ref_view_init(&y, dt, 1, &n, reverse_x ? NULL : rev, buf.base,
                reverse_x ? 0 : (uint64_t)((n - 1) * es));
  ref_fill_elements(&x.t, &g_rng);
  check_op(reverse_x ? "x is y reversed" : "y is x reversed", op, runner, &x.t, &y.t, &buf, NULL);
  ref_buffer_free(&buf);
}

static void overlap_x_reversed_over_y_reads_x_first(void) {
  const int64_t sizes[] = {2, 3, 16, 17, 64, 65, 1001, 4096};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < NUM_OVERLAP_DTYPES; i++)
      for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
        check_reversed(REF_OP_NEGATIVE, r, k_overlap_dtypes[i], sizes[a], 1);
        check_reversed(REF_OP_COPY, r, k_overlap_dtypes[i], sizes[a], 1);
        STOP_AFTER_MANY_FAILURES();
      }
}

static void overlap_y_reversed_over_x_reads_x_first(void) {
  const int64_t sizes[] = {2, 3, 16, 17, 64, 65, 1001, 4096};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < NUM_OVERLAP_DTYPES; i++)
      for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
        check_reversed(REF_OP_NEGATIVE, r, k_overlap_dtypes[i], sizes[a], 0);
        check_reversed(REF_OP_COPY, r, k_overlap_dtypes[i], sizes[a], 0);
        STOP_AFTER_MANY_FAILURES();
      }
}

static void overlap_transpose_of_square_matrix_reads_x_first(void) {
  const int64_t sizes[] = {2, 3, 8, 17, 64, 100};
  for (int r = 0; r < RUN_COUNT; r++)
    for (int i = 0; i < NUM_OVERLAP_DTYPES; i++)
      for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++)
        for (int which = 0; which < 2; which++) {
          DLDataType dt = k_overlap_dtypes[i];
          int64_t n = sizes[a], es = (int64_t)ref_elem_size(dt);
          const int64_t shape[2] = {n, n}, t[2] = {1, n};
          ref_buffer buf;
          if (ref_buffer_alloc(&buf, (size_t)(n * n * es + 64)) != 0) return;
          ref_fill_bytes(buf.base, buf.size, &g_rng);
          ref_view x, y;
          ref_view_init(&x, dt, 2, shape, which ? t : NULL, buf.base, 0);
          ref_view_init(&y, dt, 2, shape, which ? NULL : t, buf.base, 0);
          ref_fill_elements(&x.t, &g_rng);
          check_op(which ? "x transposed over y" : "y transposed over x", REF_OP_NEGATIVE, r, &x.t,
                   &y.t, &buf, NULL);
          check_op(which ? "x transposed over y" : "y transposed over x", REF_OP_COPY, r, &x.t,
                   &y.t, &buf, NULL);
          ref_buffer_free(&buf);
          STOP_AFTER_MANY_FAILURES();
        }
}

/* ------------------------------------------------------------------------ */
/* Large tensors and threads                                                 */
/* ------------------------------------------------------------------------ */

#define MIB16 ((int64_t)16 * 1024 * 1024)

static void large_16mib_two_threads_matches_reference(void) {
  static const DLDataType dts[] = {{kDLFloat, 32, 1}, {kDLInt, 8, 1}, {kDLComplex, 128, 1}};
  for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
    int64_t n = MIB16 / (int64_t)ref_elem_size(dts[i]) + 3;
    check_layout("16 MiB", REF_OP_NEGATIVE, RUN_EX_2, dts[i], 1, &n, NULL, 0, NULL, 0);
  }
  int64_t n = MIB16 / 8 + 1;
  check_layout("16 MiB, automatic threads", REF_OP_NEGATIVE, RUN_PLAIN, ref_dt(kDLFloat, 64), 1, &n,
               NULL, 0, NULL, 0);
}

static void large_16mib_strided_two_threads_matches_reference(void) {
  const int64_t shape[2] = {2048, 2048}, t[2] = {1, 2048}, padded[2] = {2051, 1},
                rev[2] = {-2048, 1};
  check_layout("16 MiB transposed x", REF_OP_NEGATIVE, RUN_EX_2, ref_dt(kDLFloat, 32), 2, shape, t,
               0, NULL, 0);
  check_layout("16 MiB padded", REF_OP_NEGATIVE, RUN_EX_2, ref_dt(kDLFloat, 32), 2, shape, padded,
               4, padded, 8);
  check_layout("16 MiB reversed rows", REF_OP_NEGATIVE, RUN_EX_2, ref_dt(kDLFloat, 32), 2, shape,
               rev, 0, NULL, 0);
}

static void large_16mib_negate_gradient_two_threads_copies(void) {
  int64_t n = MIB16 / 8 + 5;
  check_layout("16 MiB copy", REF_OP_COPY, RUN_EX_2, ref_dt(kDLFloat, 64), 1, &n, NULL, 0, NULL, 0);
  const int64_t shape[2] = {1024, 2048}, t[2] = {1, 1024};
  check_layout("8 MiB copy transposed y", REF_OP_COPY, RUN_EX_2, ref_dt(kDLFloat, 32), 2, shape,
               NULL, 0, t, 0);
}

static void large_16mib_overlap_two_threads_reads_x_first(void) {
  /* Threads splitting the work must not read what another already wrote. */
  check_shifted(REF_OP_NEGATIVE, RUN_EX_2, ref_dt(kDLFloat, 32), MIB16 / 4, 1);
  check_shifted(REF_OP_NEGATIVE, RUN_EX_2, ref_dt(kDLFloat, 32), MIB16 / 4, -(MIB16 / 8) - 3);
  check_shifted(REF_OP_COPY, RUN_EX_2, ref_dt(kDLFloat, 64), MIB16 / 8, -1);
  check_shifted(REF_OP_COPY, RUN_EX_2, ref_dt(kDLFloat, 64), MIB16 / 8, MIB16 / 16);
  check_reversed(REF_OP_NEGATIVE, RUN_EX_2, ref_dt(kDLFloat, 32), MIB16 / 4 + 1, 1);
  check_reversed(REF_OP_COPY, RUN_EX_2, ref_dt(kDLFloat, 64), MIB16 / 8 + 1, 0);
}

static void large_16mib_in_place_two_threads(void) {
  int64_t n = MIB16 / 4 + 7;
  ref_tensor x;
  if (ref_tensor_alloc(&x, ref_dt(kDLFloat, 32), 1, &n, NULL, 0, 64, &g_rng) != 0) {
    TEST_FAIL_("out of memory");
    return;
  }
  check_op("16 MiB in place", REF_OP_NEGATIVE, RUN_EX_2, &x.v.t, &x.v.t, &x.buf, NULL);
  check_op("16 MiB in place", REF_OP_COPY, RUN_EX_2, &x.v.t, &x.v.t, &x.buf, NULL);
  ref_tensor_free(&x);
}

/* ------------------------------------------------------------------------ */
/* Concurrent calls                                                          */
/* ------------------------------------------------------------------------ */

typedef struct {
  uint64_t seed;
  int failures;
} worker_job;

static int concurrent_worker(void *arg) {
  worker_job *job = (worker_job *)arg;
  uint64_t rng = job->seed;
  const int64_t shape[2] = {257, 129}, t[2] = {1, 257};
  for (int iter = 0; iter < 12; iter++) {
    DLDataType dt = ref_negative_dtypes[iter % REF_NUM_NEGATIVE_DTYPES];
    ref_tensor x, y, want;
    if (ref_tensor_alloc(&x, dt, 2, shape, (iter & 1) ? t : NULL, 0, 0, &rng) != 0) return 0;
    if (ref_tensor_alloc(&y, dt, 2, shape, NULL, 0, 0, &rng) != 0) {
      ref_tensor_free(&x);
      return 0;
    }
    if (ref_tensor_alloc(&want, dt, 2, shape, NULL, 0, 0, &rng) != 0) {
      ref_tensor_free(&y);
      ref_tensor_free(&x);
      return 0;
    }
    ref_op op = (iter % 3 == 2) ? REF_OP_COPY : REF_OP_NEGATIVE;
    ref_apply(op, &x.v.t, &want.v.t);
    /* g_ctx2 is shared by every worker: allowed while nobody changes it. */
    c2op_status s = call_op(op, iter % 2 ? RUN_EX_2 : RUN_PLAIN, &x.v.t, &y.v.t);
    char why[200];
    if (s != C2OP_OK || ref_compare(&want.v.t, &y.v.t, why, sizeof why) != 0) job->failures++;
    ref_tensor_free(&want);
    ref_tensor_free(&y);
    ref_tensor_free(&x);
  }
  return 0;
}

static void kernels_called_from_several_threads_at_once(void) {
  enum { WORKERS = 4 };
  thrd_t th[WORKERS];
  worker_job jobs[WORKERS];
  int started[WORKERS];
  for (int i = 0; i < WORKERS; i++) {
    jobs[i].seed = test_rand_next(&g_rng);
    jobs[i].failures = 0;
    started[i] = thrd_create(&th[i], concurrent_worker, &jobs[i]) == thrd_success;
    CHECK(started[i]);
  }
  for (int i = 0; i < WORKERS; i++) {
    if (!started[i]) continue;
    thrd_join(th[i], NULL);
    if (jobs[i].failures)
      TEST_FAIL_("worker %d: %d calls failed or gave wrong results", i, jobs[i].failures);
  }
}

int main(void) {
  /* c2op reads C2OP_PARALLEL_MIN_BYTES (bytes below which a pass stays on
   * the calling thread) once; 0 sends even the small tensors of these tests
   * through the threaded split, unless the caller set it already. */
  setenv("C2OP_PARALLEL_MIN_BYTES", "0", 0);
  g_rng = test_seed() ^ 0x6e65676174697665u;
  if (c2op_context_create(&g_ctx1) != C2OP_OK || c2op_context_create(&g_ctx2) != C2OP_OK ||
      c2op_context_set_num_threads(g_ctx1, 1) != C2OP_OK ||
      c2op_context_set_num_threads(g_ctx2, 2) != C2OP_OK) {
    printf("FAIL cannot create the contexts: %s\n", c2op_last_error());
    c2op_context_destroy(g_ctx1);
    c2op_context_destroy(g_ctx2);
    return 1;
  }

  RUN(reference_matches_hand_computed_values);
  RUN(context_defaults_and_settings_round_trip);
  RUN(context_rejects_negative_thread_count_and_keeps_value);

  RUN(negative_matches_reference_for_every_dtype);
  RUN(negate_gradient_copies_every_dtype_bit_exactly);

  RUN(negative_float16_flips_only_the_sign_bit);
  RUN(negative_bfloat16_flips_only_the_sign_bit);
  RUN(negative_float32_flips_only_the_sign_bit);
  RUN(negative_float64_flips_only_the_sign_bit);
  RUN(negative_complex64_flips_the_sign_of_both_parts);
  RUN(negative_complex128_flips_the_sign_of_both_parts);
  RUN(negative_signed_minimum_wraps_to_itself);
  RUN(negative_unsigned_wraps_modulo_2_pow_bits);

  RUN(scalar_ndim0_is_one_element);
  RUN(scalar_ndim0_with_null_shape_is_one_element);
  RUN(zero_element_tensors_succeed_and_leave_y_untouched);
  RUN(ranks_1_to_6_match_reference);
  RUN(max_ndim_tensor_matches_reference);
  RUN(sizes_around_vector_widths_match_reference);
  RUN(sizes_around_vector_widths_with_shifted_starts);

  RUN(transposed_x_and_y_match_reference);
  RUN(transposed_x_only_matches_reference);
  RUN(transposed_y_only_matches_reference);
  RUN(step_strides_match_reference);
  RUN(negative_strides_in_x_match_reference);
  RUN(zero_strides_in_x_broadcast);
  RUN(padded_rows_match_reference_and_padding_stays);
  RUN(padded_rows_on_every_path_match_reference);
  RUN(padded_rows_overlapping_x_match_reference);
  RUN(byte_offsets_in_x_and_y_are_honoured);
  RUN(byte_offset_not_a_multiple_of_element_size);
  RUN(negative_strides_in_y_match_reference);
  RUN(any_strides_on_size_one_dims);
  RUN(interleaved_y_strides_without_overlap_are_accepted);
  RUN(large_interleaved_y_strides_without_overlap_are_accepted);
  RUN(huge_interleaved_block_checked_by_bitmap_is_accepted);
  RUN(cuda_host_memory_mixes_with_cpu);

  RUN(random_layouts_match_reference);
  RUN(random_overlapping_layouts_match_reference_on_snapshot);

  RUN(in_place_same_tensor_matches_reference);
  RUN(in_place_with_other_strides_on_size_one_dims);
  RUN(negate_gradient_in_place_leaves_data_unchanged);
  RUN(negative_in_place_twice_restores_every_bit);

  RUN(overlap_y_shifted_forward_reads_x_first);
  RUN(overlap_y_shifted_backward_reads_x_first);
  RUN(overlap_2d_y_shifted_by_a_row_reads_x_first);
  RUN(overlap_x_reversed_over_y_reads_x_first);
  RUN(overlap_y_reversed_over_x_reads_x_first);
  RUN(overlap_transpose_of_square_matrix_reads_x_first);

  RUN(large_16mib_two_threads_matches_reference);
  RUN(large_16mib_strided_two_threads_matches_reference);
  RUN(large_16mib_negate_gradient_two_threads_copies);
  RUN(large_16mib_overlap_two_threads_reads_x_first);
  RUN(large_16mib_in_place_two_threads);

  RUN(kernels_called_from_several_threads_at_once);

  c2op_context_destroy(g_ctx1);
  c2op_context_destroy(g_ctx2);
  return TEST_MAIN_END();
}
