/*
 * test_tensor_limits.c - tensors at the edges of what c2op_negative
 * checks: address arithmetic that overflows (data near the top of the
 * address space, strides past int64, negative strides below address 0),
 * an output block too large to prove free of self-overlap, devices and
 * dtypes named in messages (CUDAHost, ROCMHost, CUDAManaged, two devices
 * of another kind, a 2-lane bool), a shape message longer than its buffer,
 * too many dims, the direct path's own checks for small tensors (a
 * byte_offset past int64, counts that overflow to 0 or 2), a one-element
 * output overlapping its input by part of an element, and the planner's
 * dim merge on strides near int64's limit (internal: this test links the
 * static library).
 *
 * The refused tensors point at addresses that are never dereferenced (the
 * checks run before any access); each refusal is checked for its status
 * and message and for leaving the (real) output buffer untouched.
 */
#include "c2op_test.h"
#include "core/tensor.h"

static DLTensor tensor(void *data, uint8_t code, uint8_t bits, int32_t ndim, int64_t *shape,
                       int64_t *strides) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.device.device_type = kDLCPU;
  t.ndim = ndim;
  t.dtype.code = code;
  t.dtype.bits = bits;
  t.dtype.lanes = 1;
  t.shape = shape;
  t.strides = strides;
  return t;
}

static float ybuf[64];
static float ysaved[64];

static void reset_y(void) {
  for (int i = 0; i < 64; i++) ybuf[i] = ysaved[i] = (float)(100 + i);
}
#define Y_UNTOUCHED() CHECK(memcmp(ybuf, ysaved, sizeof ybuf) == 0)

/* x is the bogus one; y is real, compact, of x's shape. */
static void check_refused(const char *what, DLTensor *x, c2op_status want, const char *message) {
  reset_y();
  DLTensor y = tensor(ybuf, kDLFloat, 32, x->ndim, x->shape, NULL);
  const c2op_status s = c2op_negative(x, &y);
  if (s != want)
    TEST_FAIL_("%s: status %s, want %s (%s)", what, c2op_status_name(s), c2op_status_name(want),
               c2op_last_error());
  CHECK_CONTAINS(c2op_last_error(), message);
  Y_UNTOUCHED();
}

static void address_arithmetic_that_overflows_is_refused(void) {
  void *top = (void *)(UINTPTR_MAX - 15);
  int64_t one[1] = {1}, many[1] = {1000}, two_d[2] = {3, 3}, rows[2] = {2, 4};

  DLTensor a = tensor(top, kDLFloat, 32, 1, one, NULL);
  a.byte_offset = 32;
  check_refused("data + byte_offset", &a, C2OP_ERR_OVERFLOW,
                "x: data + byte_offset overflows the address space");

  DLTensor b = tensor(top, kDLFloat, 32, 1, many, NULL);
  check_refused("end past the address space", &b, C2OP_ERR_OVERFLOW,
                "x: strides reach past the end of the address space");

  int64_t big[2] = {INT64_MAX / 2, INT64_MAX / 2};
  static float small[16];
  DLTensor c = tensor(small, kDLFloat, 32, 2, two_d, big);
  check_refused("strides summing past int64", &c, C2OP_ERR_OVERFLOW, "x: strides reach past int64");

  /* Each direction's reach fits int64, their sum (the span) does not: the
   * planner adds them up after flipping negative strides. */
  int64_t wide[2] = {(int64_t)1 << 60, -((int64_t)1 << 60)}, two[2] = {2, 2};
  DLTensor w = tensor((void *)((uintptr_t)1 << 62), kDLFloat, 32, 2, two, wide);
  check_refused("strides spanning past 2^63 bytes", &w, C2OP_ERR_OVERFLOW,
                "x: strides span more than 2^63 bytes");

  int64_t back[1] = {-100};
  int64_t ten[1] = {10};
  DLTensor d = tensor((void *)(uintptr_t)64, kDLFloat, 32, 1, ten, back);
  check_refused("negative strides below 0", &d, C2OP_ERR_OVERFLOW,
                "x: negative strides reach below address 0");

  /* Padded rows (the 2-D fast path) near the top of memory, with a NULL
   * pointer and with a byte_offset past int64. */
  int64_t padded[2] = {8, 1};
  DLTensor e = tensor(top, kDLFloat, 32, 2, rows, padded);
  check_refused("padded rows past the end", &e, C2OP_ERR_OVERFLOW,
                "x: strides reach past the end of the address space");
  DLTensor f = tensor(NULL, kDLFloat, 32, 2, rows, padded);
  check_refused("padded rows, NULL data", &f, C2OP_ERR_NULL_POINTER, "x: data is NULL");
  DLTensor g = tensor(small, kDLFloat, 32, 2, rows, padded);
  g.byte_offset = (uint64_t)INT64_MAX + 1u;
  check_refused("padded rows, byte_offset past int64", &g, C2OP_ERR_OVERFLOW,
                "x: byte_offset 9223372036854775808 does not fit in int64");
}

/* Small compact tensors take the direct path (c2op__fast_direct), whose
 * checks are cheaper than the general ones but must refuse the same: a
 * byte_offset past int64 from a small data pointer (the sum fits the
 * address space), shapes whose counts overflow int64 to 0 or to 2
 * elements (2^62 x 4, and 0x5555555555555556 x 3, innermost dim first;
 * a dim of INT64_MIN is in test_fuzz_regressions), and 3-D and 4-D shapes
 * of dims each within the direct path's limit whose count is 2^63. Both
 * ops, each leaving y untouched. */
static void the_direct_path_refuses_what_the_checks_refuse(void) {
  static float small[16];
  int64_t eight[1] = {8};
  int64_t to_zero[2] = {(int64_t)1 << 62, 4};
  int64_t to_two[2] = {INT64_C(0x5555555555555556), 3};
  /* each dim small enough for the direct path, their count 2^63 */
  int64_t wide3[3] = {(int64_t)1 << 31, (int64_t)1 << 16, (int64_t)1 << 16};
  int64_t wide4[4] = {1, (int64_t)1 << 31, (int64_t)1 << 16, (int64_t)1 << 16};
  struct {
    const char *what;
    int32_t ndim;
    int64_t *shape;
    uint64_t byte_offset;
    c2op_status want;
    const char *message;
  } cases[] = {
      {"byte_offset past int64", 1, eight, (uint64_t)INT64_MAX + 1u, C2OP_ERR_OVERFLOW,
       "x: byte_offset 9223372036854775808 does not fit in int64"},
      {"count overflowing to 0", 2, to_zero, 0, C2OP_ERR_OVERFLOW,
       "x: element count of shape overflows int64"},
      {"count overflowing to 2", 2, to_two, 0, C2OP_ERR_OVERFLOW,
       "x: element count of shape overflows int64"},
      {"3-D count of 2^63", 3, wide3, 0, C2OP_ERR_OVERFLOW,
       "x: element count of shape overflows int64"},
      {"4-D count of 2^63", 4, wide4, 0, C2OP_ERR_OVERFLOW,
       "x: element count of shape overflows int64"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (int op = 0; op < 2; op++) {
      reset_y();
      DLTensor x = tensor(small, kDLFloat, 32, cases[i].ndim, cases[i].shape, NULL);
      x.byte_offset = cases[i].byte_offset;
      DLTensor y = tensor(ybuf, kDLFloat, 32, cases[i].ndim, cases[i].shape, NULL);
      const c2op_status s = op ? c2op_negate_gradient(&x, &y) : c2op_negative(&x, &y);
      if (s != cases[i].want)
        TEST_FAIL_("%s (%s): status %s, want %s", cases[i].what, op ? "NegateGradient" : "Negative",
                   c2op_status_name(s), c2op_status_name(cases[i].want));
      CHECK_CONTAINS(c2op_last_error(), cases[i].message);
      Y_UNTOUCHED();
    }
  }
}

/* Offsets 256 i + 257 j (i < 2^21 + 5, j < 2) are all distinct, but the
 * block that fails the quick self-overlap test has more elements than the
 * sort handles and spans more than the bitmap may cover: refused. Neither
 * x nor y is touched (both point at memory that is never read). */
static void an_output_too_large_to_prove_free_of_overlap_is_refused(void) {
  int64_t shape[2] = {((int64_t)1 << 21) + 5, 2}, ys[2] = {256, 257};
  DLTensor x = tensor((void *)(uintptr_t)0x100000, kDLFloat, 32, 2, shape, NULL);
  DLTensor y = tensor((void *)((uintptr_t)1 << 40), kDLFloat, 32, 2, shape, ys);
  CHECK_STATUS(c2op_negative(&x, &y), C2OP_ERR_OVERLAP);
  CHECK_CONTAINS(c2op_last_error(), "y: its strides interleave dims so that a block of 4194314 "
                                    "elements spread over");
  CHECK_CONTAINS(c2op_last_error(), "too large to prove otherwise; c2op refuses it");
}

static void devices_and_dtypes_are_named_in_messages(void) {
  static float x[4];
  int64_t shape[1] = {4};
  DLTensor tx = tensor(x, kDLFloat, 32, 1, shape, NULL);
  DLTensor ty = tensor(ybuf, kDLFloat, 32, 1, shape, NULL);
  reset_y();

  /* Host memory from CUDA (CUDAHost) and a CUDA output do not match. */
  DLTensor hx = tx, gy = ty;
  hx.device.device_type = kDLCUDAHost;
  gy.device.device_type = kDLCUDA;
  CHECK_STATUS(c2op_negative(&hx, &gy), C2OP_ERR_DEVICE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "y: device CUDA:0 does not match x: device CUDAHost:0");

  /* Other kinds of device: named, and refused. */
  static const struct {
    int type;
    const char *name;
  } others[] = {{kDLROCMHost, "ROCMHost:0"}, {kDLCUDAManaged, "CUDAManaged:0"}};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    DLTensor ox = tx, oy = ty;
    ox.device.device_type = oy.device.device_type = (DLDeviceType)others[i].type;
    CHECK_STATUS(c2op_negative(&ox, &oy), C2OP_ERR_UNSUPPORTED_DEVICE);
    CHECK_CONTAINS(c2op_last_error(), others[i].name);
    CHECK_CONTAINS(c2op_last_error(), "is not supported (c2op runs on CPU and CUDA)");
  }
  /* Two devices of another kind: different types, then different ids. */
  DLTensor ox = tx, oy = ty;
  ox.device.device_type = kDLOpenCL;
  oy.device.device_type = kDLVulkan;
  CHECK_STATUS(c2op_negative(&ox, &oy), C2OP_ERR_DEVICE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "y: device Vulkan:0 does not match x: device OpenCL:0");
  oy.device.device_type = kDLOpenCL;
  oy.device.device_id = 1;
  CHECK_STATUS(c2op_negative(&ox, &oy), C2OP_ERR_DEVICE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "y: device OpenCL:1 does not match x: device OpenCL:0");

  /* Lanes differ: float32 against float32x2. */
  DLTensor lanes = ty;
  lanes.dtype.lanes = 2;
  CHECK_STATUS(c2op_negative(&tx, &lanes), C2OP_ERR_DTYPE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "y: dtype float32x2 does not match x: dtype float32");
  /* A 2-lane bool is named with its lanes. */
  DLTensor bx = tx, by = ty;
  bx.dtype.code = by.dtype.code = C2OP_DL_BOOL;
  bx.dtype.bits = by.dtype.bits = 8;
  bx.dtype.lanes = by.dtype.lanes = 2;
  CHECK(c2op_negative(&bx, &by) != C2OP_OK);
  CHECK_CONTAINS(c2op_last_error(), "bool8x2");
  Y_UNTOUCHED();
}

/* A shape mismatch between two 32-dim tensors of 19-digit dims (the first
 * dim 0, so the element count fits): the message is cut where its buffer
 * ends, and still says what differs. */
static void a_shape_too_long_for_its_message_is_cut(void) {
  int64_t sx[32], sy[32];
  for (int i = 0; i < 32; i++) {
    sx[i] = 1000000000000000000 + i;
    sy[i] = 1000000000000000000 + i + (i == 31);
  }
  sx[0] = sy[0] = 0;
  DLTensor x = tensor((void *)(uintptr_t)4096, kDLFloat, 32, 32, sx, NULL);
  DLTensor y = tensor(ybuf, kDLFloat, 32, 32, sy, NULL);
  reset_y();
  const c2op_status s = c2op_negative(&x, &y);
  CHECK(s != C2OP_OK);
  CHECK_CONTAINS(c2op_last_error(), "y: shape [0,1000000000000000001,1000000000000000002,");
  /* The cut is marked: each shape ends in "...]" before the next part. */
  CHECK_CONTAINS(c2op_last_error(), "...] does not match x: shape [0,");
  CHECK(strlen(c2op_last_error()) > 5 &&
        strcmp(c2op_last_error() + strlen(c2op_last_error()) - 4, "...]") == 0);
  Y_UNTOUCHED();
}

static void tensors_with_too_many_dims_are_refused(void) {
  int64_t shape[33];
  for (int i = 0; i < 33; i++) shape[i] = 1;
  static float x[1];
  DLTensor tx = tensor(x, kDLFloat, 32, 33, shape, NULL);
  DLTensor ty = tensor(ybuf, kDLFloat, 32, 33, shape, NULL);
  reset_y();
  CHECK_STATUS(c2op_negative(&tx, &ty), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "x: ndim 33");
  Y_UNTOUCHED();
}

/* One int32 element, y two bytes past x: y gets the negation of x's
 * original value (Negative), or its bytes (NegateGradient). */
/* The planner merges dims that are contiguous together; testing that
 * multiplies a stride by a size, which must not overflow (UBSan would stop
 * this test) and must not merge anything: x's strides {1, 2^62} never
 * continue each other. */
static void merging_dims_does_not_overflow(void) {
  int64_t shape[2] = {2, 2}, xs[2] = {1, (int64_t)1 << 62}, ys[2] = {2, 1};
  int8_t ys_buf[4];
  DLTensor x = tensor((void *)(uintptr_t)0x1000, kDLInt, 8, 2, shape, xs);
  DLTensor y = tensor(ys_buf, kDLInt, 8, 2, shape, ys);
  c2op__plan plan;
  CHECK_OK(c2op__plan_unary(&x, "x", &y, "y", 1, &plan));
  CHECK_EQ_INT(plan.ndim, 2);
}

static void one_element_overlapping_by_half_reads_x_first(void) {
  unsigned char buf[8] = {0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb, 0xcc, 0xdd};
  int32_t v;
  memcpy(&v, buf, 4);
  const uint32_t want = 0u - (uint32_t)v;
  int64_t shape[1] = {1};
  DLTensor x = tensor(buf, kDLInt, 32, 1, shape, NULL);
  DLTensor y = tensor(buf, kDLInt, 32, 1, shape, NULL);
  y.byte_offset = 2;
  CHECK_OK(c2op_negative(&x, &y));
  uint32_t got;
  memcpy(&got, buf + 2, 4);
  CHECK_EQ_INT(got, want);
  CHECK_EQ_INT(buf[0], 0x01);
  CHECK_EQ_INT(buf[1], 0x02);
  CHECK_EQ_INT(buf[6], 0xcc);
  CHECK_EQ_INT(buf[7], 0xdd);

  /* NegateGradient (a copy) of one element held in a [1, 1, 1] tensor
   * with arbitrary strides, y overlapping x by half: y gets x's bytes. */
  unsigned char c[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  int64_t s3[3] = {1, 1, 1}, st[3] = {7, -3, 100};
  DLTensor cx = tensor(c, kDLInt, 32, 3, s3, st);
  DLTensor cy = tensor(c, kDLInt, 32, 3, s3, st);
  cy.byte_offset = 2;
  CHECK_OK(c2op_negate_gradient(&cx, &cy));
  const unsigned char copied[8] = {0x11, 0x22, 0x11, 0x22, 0x33, 0x44, 0x77, 0x88};
  CHECK(memcmp(c, copied, 8) == 0);
}

int main(void) {
  RUN(address_arithmetic_that_overflows_is_refused);
  RUN(the_direct_path_refuses_what_the_checks_refuse);
  RUN(an_output_too_large_to_prove_free_of_overlap_is_refused);
  RUN(devices_and_dtypes_are_named_in_messages);
  RUN(a_shape_too_long_for_its_message_is_cut);
  RUN(tensors_with_too_many_dims_are_refused);
  RUN(one_element_overlapping_by_half_reads_x_first);
  RUN(merging_dims_does_not_overflow);
  return TEST_MAIN_END();
}
