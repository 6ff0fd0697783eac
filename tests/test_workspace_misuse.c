/*
 * test_workspace_misuse.c - every way a workspace call can be wrong that
 * test_workspace.c does not already provoke: NULL and out-of-range
 * arguments, devices and dtypes the workspace cannot hold, device options
 * that name no device, op defs that break their schema, and inferred
 * output types that cannot be allocated. Each failure is checked for its
 * status and its message, and the workspace (or the caller's tensor) for
 * being unchanged. Also the paths of run_op that only ops without shape
 * inference, without inputs or without outputs take, and outputs replaced
 * because their old type differs in one field only.
 *
 * Also the error contract around the caller's tensors and user code:
 * copies naming the caller's arguments (with the feeds and fetches above),
 * callbacks that tolerate a failure
 * or fail without a message, long names, empty gradient names and negative
 * device ids.
 *
 * Which checks run depends on the build: a CUDA build (c2op_has_cuda())
 * accepts CUDA device options, so the "built without CUDA" messages are
 * checked only without it, and the negative device_id only with it.
 */
#include "framework_util.h"

static c2op_workspace *new_ws(void) {
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  return ws;
}

/* A workspace with blob "x" = [1, 2, 3, 4, 5, 6] as float32 [2, 3]. */
static c2op_workspace *ws_with_x(float *x) {
  c2op_workspace *ws = new_ws();
  if (!ws) return NULL;
  for (int i = 0; i < 6; i++) x[i] = (float)(i + 1);
  fu_feed_f32(ws, "x", x, 2, (int64_t[]){2, 3});
  return ws;
}

static void null_and_out_of_range_arguments_are_refused(void) {
  CHECK_STATUS(c2op_workspace_create(NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "ws_out is NULL");
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws) return;
  fu_snapshot snap = fu_snapshot_take(ws);
  const char *name = "unset";
  CHECK_STATUS(c2op_workspace_blob_name(NULL, 0, &name), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "ws is NULL");
  CHECK_STATUS(c2op_workspace_blob_name(ws, 0, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "name_out is NULL");
  CHECK_STATUS(c2op_workspace_blob_name(ws, 1, &name), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "i: 1 is out of range [0, 1)");
  CHECK_STATUS(c2op_workspace_blob_name(ws, -1, &name), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(name, "unset");
  CHECK_EQ_INT(c2op_workspace_num_blobs(NULL), 0);
  CHECK(!c2op_workspace_has_blob(NULL, "x"));
  CHECK(!c2op_workspace_has_blob(ws, NULL));

  /* fetch_copy: the destination keeps its bytes on every failure. */
  float dst[6] = {-1, -1, -1, -1, -1, -1};
  const float dst0[6] = {-1, -1, -1, -1, -1, -1};
  int64_t shape[2] = {2, 3};
  DLTensor d = fu_view(dst, fu_f32, 2, shape, NULL);
  CHECK_STATUS(c2op_workspace_fetch_copy(NULL, "x", &d), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "ws is NULL");
  CHECK_STATUS(c2op_workspace_fetch_copy(ws, NULL, &d), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "name is NULL");
  CHECK_STATUS(c2op_workspace_fetch_copy(ws, "nope", &d), C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "name: blob 'nope' is not in the workspace");
  CHECK_STATUS(c2op_workspace_fetch_copy(ws, "x", NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "dst is NULL");
  DLTensor other = d;
  other.device.device_type = kDLOpenCL;
  CHECK_STATUS(c2op_workspace_fetch_copy(ws, "x", &other), C2OP_ERR_UNSUPPORTED_DEVICE);
  CHECK_CONTAINS(c2op_last_error(), "dst: device OpenCL:0 is not supported");
  if (!c2op_has_cuda()) {
    DLTensor cuda = d;
    cuda.device.device_type = kDLCUDA;
    CHECK_STATUS(c2op_workspace_fetch_copy(ws, "x", &cuda), C2OP_ERR_UNSUPPORTED_DEVICE);
    CHECK_CONTAINS(c2op_last_error(), "dst: device CUDA:0 is not supported");
  }
  int64_t wrong[2] = {3, 2};
  DLTensor w = fu_view(dst, fu_f32, 2, wrong, NULL);
  CHECK_STATUS(c2op_workspace_fetch_copy(ws, "x", &w), C2OP_ERR_SHAPE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "dst: shape [3,2] does not match x: shape [2,3]");
  /* The copy's own checks of dst name dst (not the copy's `y`). */
  int64_t zero_strides[2] = {0, 1};
  DLTensor z = fu_view(dst, fu_f32, 2, shape, zero_strides);
  CHECK_STATUS(c2op_workspace_fetch_copy(ws, "x", &z), C2OP_ERR_OVERLAP);
  CHECK_CONTAINS(c2op_last_error(), "dst: stride 0 on dim 0 of size 2 makes elements overlap");
  DLTensor no_data = d;
  no_data.data = NULL;
  CHECK_STATUS(c2op_workspace_fetch_copy(ws, "x", &no_data), C2OP_ERR_NULL_POINTER);
  CHECK_EQ_STR(c2op_last_error(), "dst: data is NULL");
  CHECK(memcmp(dst, dst0, sizeof dst) == 0);
  /* And the right destination gets the bytes. */
  CHECK_OK(c2op_workspace_fetch_copy(ws, "x", &d));
  fu_check_floats_eq("fetched", dst, x, 6);
  FU_CHECK_UNCHANGED(ws, snap);
  fu_snapshot_free(&snap);
  c2op_workspace_destroy(ws);
}

static void feeds_the_workspace_cannot_hold_are_refused(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws) return;
  fu_snapshot snap = fu_snapshot_take(ws);
  int64_t shape[2] = {2, 3};
  DLTensor t = fu_view(x, fu_f32, 2, shape, NULL);

  DLTensor opencl = t;
  opencl.device.device_type = kDLOpenCL;
  CHECK_STATUS(c2op_workspace_feed(ws, "y", &opencl), C2OP_ERR_UNSUPPORTED_DEVICE);
  CHECK_CONTAINS(c2op_last_error(), "tensor: device OpenCL:0; the workspace feeds from host");
  if (!c2op_has_cuda()) {
    DLTensor cuda = t;
    cuda.device.device_type = kDLCUDA;
    CHECK_STATUS(c2op_workspace_feed(ws, "y", &cuda), C2OP_ERR_UNSUPPORTED_DEVICE);
    CHECK_CONTAINS(c2op_last_error(), "tensor: device CUDA:0; the workspace feeds from host memory");
  }
  /* 4-bit elements are not a whole number of bytes. */
  DLTensor nibbles = t;
  nibbles.dtype.code = kDLInt;
  nibbles.dtype.bits = 4;
  CHECK_STATUS(c2op_workspace_feed(ws, "y", &nibbles), C2OP_ERR_UNSUPPORTED_DTYPE);
  CHECK_CONTAINS(c2op_last_error(), "tensor: dtype int4 is not a whole number of bytes");

  /* Device options naming no device this build has. */
  c2op_device_option bad_type = {7, 0};
  CHECK_STATUS(c2op_workspace_feed_on(ws, "y", &t, &bad_type), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "device: device_type 7 is not CPU (0) or CUDA (1)");
  c2op_device_option cuda_opt = {C2OP_DEVICE_CUDA, 0};
  c2op_device_option cuda_neg = {C2OP_DEVICE_CUDA, -1};
  if (!c2op_has_cuda()) {
    CHECK_STATUS(c2op_workspace_feed_on(ws, "y", &t, &cuda_opt), C2OP_ERR_UNSUPPORTED_DEVICE);
    CHECK_CONTAINS(c2op_last_error(), "device: device CUDA asked for, but c2op was built without CUDA");
  } else {
    CHECK_STATUS(c2op_workspace_feed_on(ws, "y", &t, &cuda_neg), C2OP_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(c2op_last_error(), "device: device_id -1 is negative");
  }
  /* A zero dim makes an empty tensor however large the others are (as
   * c2op_negative takes it), not an overflow. */
  int64_t empty_shape[3] = {(int64_t)1 << 62, (int64_t)1 << 62, 0};
  DLTensor empty = fu_view(x, fu_f32, 3, empty_shape, NULL);
  CHECK_OK(c2op_negative(&empty, &empty));
  CHECK_OK(c2op_workspace_feed(ws, "empty", &empty));
  const DLTensor *got_empty = NULL;
  if (c2op_workspace_fetch(ws, "empty", &got_empty) == C2OP_OK && got_empty) {
    CHECK_EQ_INT(got_empty->ndim, 3);
    CHECK_EQ_INT(got_empty->shape[2], 0);
    CHECK(got_empty->shape[0] == ((int64_t)1 << 62));
  }
  CHECK_OK(c2op_workspace_remove(ws, "empty"));
  /* The copy's own checks of the tensor name `tensor` (not the copy's `x`). */
  DLTensor bad = t;
  bad.data = NULL;
  CHECK_STATUS(c2op_workspace_feed(ws, "a", &bad), C2OP_ERR_NULL_POINTER);
  CHECK_EQ_STR(c2op_last_error(), "tensor: data is NULL");
  bad = t;
  bad.byte_offset = UINT64_MAX - 2;
  CHECK_STATUS(c2op_workspace_feed(ws, "a", &bad), C2OP_ERR_OVERFLOW);
  CHECK_CONTAINS(c2op_last_error(), "tensor: byte_offset 18446744073709551613 does not fit");
  int64_t far[2] = {INT64_MAX / 2, 1};
  bad = t;
  bad.strides = far;
  /* A CPU option is the default. */
  c2op_device_option cpu = {C2OP_DEVICE_CPU, 0};
  CHECK_STATUS(c2op_workspace_feed_on(ws, "a", &bad, &cpu), C2OP_ERR_OVERFLOW);
  CHECK(strncmp(c2op_last_error(), "tensor: ", 8) == 0);
  FU_CHECK_UNCHANGED(ws, snap);
  CHECK_OK(c2op_workspace_feed_on(ws, "y", &t, &cpu));
  float got[6];
  if (fu_fetch_f32(ws, "y", got, 6)) fu_check_floats_eq("y", got, x, 6);
  fu_snapshot_free(&snap);
  c2op_workspace_destroy(ws);
}

static void run_op_refuses_defs_that_break_their_schema_or_device(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws) return;
  fu_snapshot snap = fu_snapshot_take(ws);
  c2op_op_def *def = fu_op1("Negative", "x", "y");
  if (!def) {
    c2op_workspace_destroy(ws);
    return;
  }
  /* No type. */
  char *type = def->type;
  def->type = NULL;
  CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "def: type is NULL");
  def->type = type;
  /* Device options. */
  def->device_option.device_type = 5;
  CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "Negative: device_option.device_type 5 is not CPU (0) or CUDA (1)");
  def->device_option.device_type = C2OP_DEVICE_CUDA;
  if (!c2op_has_cuda()) {
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_UNSUPPORTED_DEVICE);
    CHECK_CONTAINS(c2op_last_error(), "Negative: device_option asks for CUDA, but c2op was built without CUDA");
  } else {
    def->device_option.device_id = -2;
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(c2op_last_error(), "Negative: device_id -2 is negative");
  }
  def->device_option.device_type = C2OP_DEVICE_CPU;
  def->device_option.device_id = 0;
  FU_CHECK_UNCHANGED(ws, snap);
  c2op_op_def_destroy(def);

  /* Too many outputs. */
  const char *ins[1] = {"x"};
  const char *outs2[2] = {"y", "z"};
  c2op_op_def *two = fu_op("Negative", 1, ins, 2, outs2);
  if (two) {
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, two), C2OP_ERR_SCHEMA_VIOLATION);
    CHECK_CONTAINS(c2op_last_error(), "Negative: takes 1 to 1 outputs, the op def has 2");
  }
  c2op_op_def_destroy(two);
  FU_CHECK_UNCHANGED(ws, snap);
  fu_snapshot_free(&snap);
  c2op_workspace_destroy(ws);
}

/* ---- ops registered here --------------------------------------------- */

/* TestSplit2: one input, two outputs, each a copy of the input. */
static c2op_status split2_kernel(const c2op_context *ctx, int32_t ni, const DLTensor *const *in,
                                 int32_t no, DLTensor *const *out) {
  (void)ctx;
  (void)ni;
  for (int32_t j = 0; j < no; j++) {
    c2op_status s = c2op_negate_gradient(in[0], out[j]);
    if (s != C2OP_OK) return s;
  }
  return C2OP_OK;
}

/* TestFillSeven: no inputs, one output, no shape inference: fills the
 * existing output (float32) with 7. */
static c2op_status fill7_kernel(const c2op_context *ctx, int32_t ni, const DLTensor *const *in,
                                int32_t no, DLTensor *const *out) {
  (void)ctx;
  (void)ni;
  (void)in;
  (void)no;
  int64_t n = fu_numel(out[0]);
  for (int64_t i = 0; i < n; i++) ((float *)out[0]->data)[i] = 7.0f;
  return C2OP_OK;
}

/* TestSink: one input, no outputs: counts its calls. */
static int sink_calls;
static c2op_status sink_kernel(const c2op_context *ctx, int32_t ni, const DLTensor *const *in,
                               int32_t no, DLTensor *const *out) {
  (void)ctx;
  (void)ni;
  (void)in;
  (void)no;
  (void)out;
  sink_calls++;
  return C2OP_OK;
}

/* TestBadInfer: one input, one output whose inferred type is set by the
 * test (g_bad_type), to reach the allocation checks of run_op. */
static c2op_tensor_type g_bad_type;
static c2op_status bad_infer(int32_t ni, const c2op_tensor_type *in, int32_t no,
                             c2op_tensor_type *out) {
  (void)ni;
  (void)in;
  for (int32_t j = 0; j < no; j++) out[j] = g_bad_type;
  return C2OP_OK;
}
static int bad_calls;
static c2op_status bad_kernel(const c2op_context *ctx, int32_t ni, const DLTensor *const *in,
                              int32_t no, DLTensor *const *out) {
  (void)ctx;
  (void)ni;
  (void)in;
  (void)no;
  (void)out;
  bad_calls++;
  return C2OP_OK;
}

/* TestFailLong: fails with the message of a schema lookup of a 2000-byte
 * name, which fills the 1024-byte message buffer. */
static c2op_status fail_long_kernel(const c2op_context *ctx, int32_t ni,
                                    const DLTensor *const *in, int32_t no, DLTensor *const *out) {
  (void)ctx;
  (void)ni;
  (void)in;
  (void)no;
  (void)out;
  static char name[2001];
  memset(name, 'q', 2000);
  const c2op_op_schema *s = NULL;
  return c2op_schema_lookup(name, &s);
}

/* TestWide: one input, 1 to 40 outputs, each a copy (IdenticalTypeAndShape). */
static const c2op_op_schema split2_schema = {
    .name = "TestSplit2", .min_inputs = 1, .max_inputs = 1, .min_outputs = 2,
    .max_outputs = 2, .infer = c2op_infer_identical, .doc = "two copies"};
static const c2op_op_schema fill7_schema = {
    .name = "TestFillSeven", .min_inputs = 0, .max_inputs = 0, .min_outputs = 1,
    .max_outputs = 1, .infer = NULL, .doc = "fills its existing output with 7"};
static const c2op_op_schema sink_schema = {
    .name = "TestSink", .min_inputs = 1, .max_inputs = 1, .min_outputs = 0,
    .max_outputs = 0, .infer = c2op_infer_identical, .doc = "counts calls"};
static const c2op_op_schema bad_schema = {
    .name = "TestBadInfer", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1,
    .max_outputs = 1, .infer = bad_infer, .doc = "infers what the test says"};
static const c2op_op_schema fail_long_schema = {
    .name = "TestFailLong", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1,
    .max_outputs = 1, .infer = c2op_infer_identical, .doc = "fails with a long message"};
static const c2op_op_schema wide_schema = {
    .name = "TestWide", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1,
    .max_outputs = 40, .infer = c2op_infer_identical, .doc = "copies"};

/* User code that tolerates a failing c2op call and then succeeds (a probe
 * for an optional op, say), and user code that fails without a message. */
static int g_silent_mode; /* 0: probe and succeed, 1: fail without a message */

static void probe_missing_op(void) {
  const c2op_op_schema *schema = NULL;
  (void)c2op_schema_lookup("TestNoSuchOptionalOp", &schema); /* fails, tolerated */
}

static c2op_status probing_infer(int32_t ni, const c2op_tensor_type *in, int32_t no,
                                 c2op_tensor_type *out) {
  if (g_silent_mode == 2) return C2OP_ERR_SHAPE_MISMATCH;
  return c2op_infer_identical(ni, in, no, out);
}

static c2op_status probing_kernel(const c2op_context *ctx, int32_t ni,
                                  const DLTensor *const *in, int32_t no, DLTensor *const *out) {
  (void)ni;
  (void)no;
  if (g_silent_mode == 1) return C2OP_ERR_UNSUPPORTED_DTYPE;
  if (g_silent_mode == 3) { /* probes, then fails for a reason of its own */
    probe_missing_op();
    return C2OP_ERR_UNSUPPORTED_DTYPE;
  }
  c2op_status s = c2op_negate_gradient_ex(ctx, in[0], out[0]);
  probe_missing_op();
  return s;
}

static c2op_status probing_maker(const c2op_op_def *forward, const char *const *output_grads,
                                 c2op_gradient *g) {
  (void)forward;
  (void)output_grads;
  (void)g;
  if (g_silent_mode == 1) return C2OP_ERR_INVALID_ARGUMENT;
  probe_missing_op();
  return C2OP_OK;
}

static const c2op_op_schema probe_schema = {
    .name = "TestProbe", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1,
    .max_outputs = 1, .infer = probing_infer, .doc = "copies, probing for an optional op"};

static int register_test_ops(void) {
  static int done;
  if (done) return 1;
  const c2op_op_schema *schemas[] = {&split2_schema, &fill7_schema,     &sink_schema, &bad_schema,
                                     &wide_schema,   &fail_long_schema, &probe_schema};
  const c2op_kernel_fn kernels[] = {split2_kernel, fill7_kernel,     sink_kernel,   bad_kernel,
                                    split2_kernel, fail_long_kernel, probing_kernel};
  for (int i = 0; i < 7; i++) {
    if (c2op_register_schema(schemas[i]) != C2OP_OK ||
        c2op_register_kernel(schemas[i]->name, C2OP_DEVICE_CPU, kernels[i]) != C2OP_OK) {
      TEST_FAIL_("registering %s: %s", schemas[i]->name, c2op_last_error());
      return 0;
    }
  }
  if (c2op_register_gradient("TestProbe", probing_maker) != C2OP_OK) {
    TEST_FAIL_("registering TestProbe's gradient: %s", c2op_last_error());
    return 0;
  }
  done = 1;
  return 1;
}

static void run_op_refuses_the_same_output_twice(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws || !register_test_ops()) {
    c2op_workspace_destroy(ws);
    return;
  }
  fu_snapshot snap = fu_snapshot_take(ws);
  const char *ins[1] = {"x"};
  const char *same[2] = {"y", "y"};
  c2op_op_def *def = fu_op("TestSplit2", 1, ins, 2, same);
  if (def) {
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_SCHEMA_VIOLATION);
    CHECK_CONTAINS(c2op_last_error(), "TestSplit2: outputs 0 and 1 are both 'y'");
  }
  FU_CHECK_UNCHANGED(ws, snap);
  c2op_op_def_destroy(def);
  /* Two different outputs: both copies. */
  const char *two[2] = {"y", "z"};
  def = fu_op("TestSplit2", 1, ins, 2, two);
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  float got[6];
  if (fu_fetch_f32(ws, "y", got, 6)) fu_check_floats_eq("y", got, x, 6);
  if (fu_fetch_f32(ws, "z", got, 6)) fu_check_floats_eq("z", got, x, 6);
  c2op_op_def_destroy(def);
  fu_snapshot_free(&snap);
  c2op_workspace_destroy(ws);
}

/* An op without shape inference writes into its existing output and fails
 * when the output does not exist; an op without inputs or outputs runs. */
static void ops_without_inference_inputs_or_outputs_run(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws || !register_test_ops()) {
    c2op_workspace_destroy(ws);
    return;
  }
  const char *outs[1] = {"filled"};
  c2op_op_def *fill = fu_op("TestFillSeven", 0, NULL, 1, outs);
  if (fill) {
    fu_snapshot snap = fu_snapshot_take(ws);
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, fill), C2OP_ERR_SCHEMA_VIOLATION);
    CHECK_CONTAINS(c2op_last_error(),
                   "TestFillSeven: the op has no shape inference and output 0 'filled' does not "
                   "exist");
    FU_CHECK_UNCHANGED(ws, snap);
    fu_snapshot_free(&snap);
    float zeros[4] = {0, 0, 0, 0};
    fu_feed_f32(ws, "filled", zeros, 1, (int64_t[]){4});
    const DLTensor *before = NULL;
    CHECK_OK(c2op_workspace_fetch(ws, "filled", &before));
    const void *data = before ? before->data : NULL;
    CHECK_OK(c2op_workspace_run_op(ws, NULL, fill));
    float got[4], sevens[4] = {7, 7, 7, 7};
    if (fu_fetch_f32(ws, "filled", got, 4)) fu_check_floats_eq("filled", got, sevens, 4);
    const DLTensor *after = NULL;
    CHECK_OK(c2op_workspace_fetch(ws, "filled", &after));
    CHECK(after && after->data == data); /* written in place, not replaced */
  }
  c2op_op_def_destroy(fill);

  const char *ins[1] = {"x"};
  c2op_op_def *sink = fu_op("TestSink", 1, ins, 0, NULL);
  if (sink) {
    const int32_t blobs = c2op_workspace_num_blobs(ws);
    const int calls = sink_calls;
    CHECK_OK(c2op_workspace_run_op(ws, NULL, sink));
    CHECK_EQ_INT(sink_calls, calls + 1);
    CHECK_EQ_INT(c2op_workspace_num_blobs(ws), blobs);
  }
  c2op_op_def_destroy(sink);
  c2op_workspace_destroy(ws);
}

/* Inferred output types that cannot be allocated: refused before the
 * kernel runs, the workspace unchanged. */
static void inferred_outputs_that_cannot_exist_are_refused(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws || !register_test_ops()) {
    c2op_workspace_destroy(ws);
    return;
  }
  c2op_op_def *def = fu_op1("TestBadInfer", "x", "o");
  if (!def) {
    c2op_workspace_destroy(ws);
    return;
  }
  static const struct {
    DLDataType dtype;
    int32_t ndim;
    int64_t shape[3];
    c2op_status status;
    const char *message;
  } cases[] = {
      /* A negative dim is the inference's fault, reported as the ndim is. */
      {{kDLFloat, 32, 1}, 2, {2, -1}, C2OP_ERR_SCHEMA_VIOLATION,
       "TestBadInfer: shape inference gave output 0 'o' a negative dim 1 (-1)"},
      {{kDLFloat, 32, 1}, 3, {(int64_t)1 << 40, (int64_t)1 << 40, 4}, C2OP_ERR_OVERFLOW,
       "blob 'o': element count overflows int64"},
      {{kDLFloat, 64, 1}, 1, {(int64_t)1 << 62}, C2OP_ERR_OVERFLOW,
       "blob 'o': byte size overflows"},
      {{kDLInt, 4, 1}, 1, {8}, C2OP_ERR_UNSUPPORTED_DTYPE,
       "blob 'o': dtype elements are not a whole number of bytes"},
      /* A user's inference may give any ndim; a blob holds 0 to 32 dims. */
      {{kDLFloat, 32, 1}, C2OP_MAX_NDIM + 8, {1, 1, 1}, C2OP_ERR_SCHEMA_VIOLATION,
       "TestBadInfer: shape inference gave output 0 'o' ndim 40 (0 to 32 allowed)"},
      {{kDLFloat, 32, 1}, -1, {1, 1, 1}, C2OP_ERR_SCHEMA_VIOLATION,
       "TestBadInfer: shape inference gave output 0 'o' ndim -1 (0 to 32 allowed)"},
  };
  const int calls = bad_calls;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memset(&g_bad_type, 0, sizeof g_bad_type);
    g_bad_type.dtype = cases[i].dtype;
    g_bad_type.ndim = cases[i].ndim;
    for (int d = 0; d < cases[i].ndim && d < 3; d++) g_bad_type.shape[d] = cases[i].shape[d];
    fu_snapshot snap = fu_snapshot_take(ws);
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), cases[i].status);
    CHECK_CONTAINS(c2op_last_error(), cases[i].message);
    FU_CHECK_UNCHANGED(ws, snap);
    fu_snapshot_free(&snap);
  }
  CHECK_EQ_INT(bad_calls, calls);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* An existing output is reused only when dtype (code, bits, lanes), rank
 * and every dim match; each differing field alone makes run_op replace it
 * with a blob of the inferred type. */
static void outputs_of_another_type_are_replaced_field_by_field(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws) return;
  c2op_op_def *def = fu_op1("Negative", "x", "y");
  if (!def) {
    c2op_workspace_destroy(ws);
    return;
  }
  static double d6[6];
  static float f6[6], f12[12];
  static const struct {
    DLDataType dtype;
    int32_t ndim;
    int64_t shape[2];
    void *data;
    const char *what;
  } olds[] = {
      {{kDLFloat, 64, 1}, 2, {2, 3}, d6, "another dtype code/bits"},
      {{kDLFloat, 32, 2}, 2, {2, 3}, f12, "another lane count"},
      {{kDLFloat, 32, 1}, 1, {6}, f6, "another rank"},
      {{kDLFloat, 32, 1}, 2, {3, 2}, f6, "another dim"},
      {{kDLFloat, 32, 1}, 2, {2, 3}, f6, "the same type (reused)"},
  };
  float want[6];
  for (int i = 0; i < 6; i++) want[i] = -x[i];
  for (size_t i = 0; i < sizeof olds / sizeof olds[0]; i++) {
    int64_t shape[2] = {olds[i].shape[0], olds[i].shape[1]};
    DLTensor t = fu_view(olds[i].data, olds[i].dtype, olds[i].ndim, shape, NULL);
    CHECK_OK(c2op_workspace_feed(ws, "y", &t));
    const DLTensor *before = NULL;
    CHECK_OK(c2op_workspace_fetch(ws, "y", &before));
    const void *old_data = before ? before->data : NULL;
    CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
    const DLTensor *after = NULL;
    CHECK_OK(c2op_workspace_fetch(ws, "y", &after));
    if (!after) continue;
    const int reused = after->data == old_data;
    if (reused != (i == 4)) TEST_FAIL_("%s: reused %d", olds[i].what, reused);
    CHECK(after->ndim == 2 && after->shape[0] == 2 && after->shape[1] == 3);
    float got[6];
    if (fu_fetch_f32(ws, "y", got, 6)) fu_check_floats_eq(olds[i].what, got, want, 6);
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* An op with more outputs than twice the workspace's room grows it in one
 * step; every output is right. */
static void an_op_with_many_outputs_grows_the_workspace(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws || !register_test_ops()) {
    c2op_workspace_destroy(ws);
    return;
  }
  enum { K = 40 };
  char names[K][8];
  const char *outs[K];
  for (int k = 0; k < K; k++) {
    snprintf(names[k], sizeof names[k], "o%d", k);
    outs[k] = names[k];
  }
  const char *ins[1] = {"x"};
  c2op_op_def *def = fu_op("TestWide", 1, ins, K, outs);
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), K + 1);
  for (int k = 0; k < K; k++) {
    float got[6];
    if (fu_fetch_f32(ws, names[k], got, 6)) fu_check_floats_eq(names[k], got, x, 6);
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* A kernel's error is prefixed with the op type; a message that overfills
 * the buffer is cut to it (1023 bytes) in the middle, the prefix kept; the
 * workspace is unchanged. */
static void a_kernel_error_too_long_for_the_buffer_is_cut(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  if (!ws || !register_test_ops()) {
    c2op_workspace_destroy(ws);
    return;
  }
  c2op_op_def *def = fu_op1("TestFailLong", "x", "y");
  if (def) {
    fu_snapshot snap = fu_snapshot_take(ws);
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_NOT_FOUND);
    const char *m = c2op_last_error();
    CHECK(strncmp(m, "TestFailLong: op 'qqqq", 22) == 0);
    CHECK_EQ_INT(strlen(m), 1023);
    FU_CHECK_UNCHANGED(ws, snap);
    fu_snapshot_free(&snap);
  }
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* ------------------------------------------------------------------------ */
/* The error contract around the caller's tensors and user code (review of  */
/* 2026-11-27, seventh session: each case failed before its fix)            */
/* ------------------------------------------------------------------------ */

static void user_code_leaves_no_stale_message_on_success(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  c2op_op_def *def = fu_op1("TestProbe", "x", "y");
  c2op_net *net = NULL, *bwd = NULL;
  c2op_gradient *g = NULL;
  if (!ws || !def || !register_test_ops()) goto done;
  g_silent_mode = 0;
  CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  CHECK_EQ_STR(c2op_last_error(), "");
  CHECK_OK(c2op_get_gradient_defs(def, NULL, &g));
  CHECK_EQ_STR(c2op_last_error(), "");
  CHECK_OK(c2op_net_create("probe", &net));
  if (!net) goto done;
  CHECK_OK(c2op_net_add_op(net, def));
  CHECK_OK(c2op_workspace_run_net(ws, NULL, net));
  CHECK_EQ_STR(c2op_last_error(), "");
  CHECK_OK(c2op_net_build_backward(net, 1, (const char *[]){"y"}, &bwd));
  CHECK_EQ_STR(c2op_last_error(), "");
  float y[6];
  if (fu_fetch_f32(ws, "y", y, 6)) fu_check_floats_eq("y", y, x, 6);
done:
  c2op_net_destroy(bwd);
  c2op_net_destroy(net);
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void user_code_failing_silently_gets_a_message(void) {
  float x[6];
  c2op_workspace *ws = ws_with_x(x);
  c2op_op_def *def = fu_op1("TestProbe", "x", "y");
  c2op_gradient *g = NULL;
  if (!ws || !def || !register_test_ops()) goto done;
  fu_snapshot snap = fu_snapshot_take(ws);
  /* A message left over from an earlier failure must not stand in for it. */
  (void)c2op_workspace_remove(ws, "stale");
  g_silent_mode = 1;
  CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_UNSUPPORTED_DTYPE);
  CHECK_EQ_STR(c2op_last_error(),
               "TestProbe: the kernel returned C2OP_ERR_UNSUPPORTED_DTYPE without a message");
  CHECK_STATUS(c2op_get_gradient_defs(def, NULL, &g), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(c2op_last_error(), "gradient of 'TestProbe': the gradient maker returned "
                                  "C2OP_ERR_INVALID_ARGUMENT without a message");
  CHECK(g == NULL);
  g_silent_mode = 2;
  CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_SHAPE_MISMATCH);
  CHECK_EQ_STR(c2op_last_error(), "TestProbe: shape inference: the inference returned "
                                  "C2OP_ERR_SHAPE_MISMATCH without a message");
  g_silent_mode = 3;
  CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_UNSUPPORTED_DTYPE);
  CHECK_EQ_STR(c2op_last_error(),
               "TestProbe: the kernel returned C2OP_ERR_UNSUPPORTED_DTYPE without a message (its "
               "last failing c2op call, C2OP_ERR_NOT_FOUND, said: op 'TestNoSuchOptionalOp' is "
               "not registered)");
  g_silent_mode = 0;
  FU_CHECK_UNCHANGED(ws, snap);
  fu_snapshot_free(&snap);
done:
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* A message too long for the buffer keeps its start (the argument) and its
 * end (the problem, and for a net the failing op) around " ... ". */
static void long_names_keep_the_problem_in_the_message(void) {
  static char net_name[301], blob[1101];
  memset(net_name, 'N', sizeof net_name - 1);
  memset(blob, 'b', sizeof blob - 1);
  c2op_workspace *ws = new_ws();
  c2op_net *net = NULL;
  c2op_op_def *def = fu_op1("Negative", "missing", "y");
  if (!ws || !def) goto done;
  CHECK_OK(c2op_net_create(net_name, &net));
  if (!net) goto done;
  CHECK_OK(c2op_net_add_op(net, def));
  CHECK_STATUS(c2op_workspace_run_net(ws, NULL, net), C2OP_ERR_NOT_FOUND);
  const char *m = c2op_last_error();
  CHECK(strncmp(m, "net 'NNNN", 9) == 0);
  CHECK_CONTAINS(m, "' op 0 (Negative): Negative: input 0 'missing' is not in the workspace");
  CHECK(strlen(m) < 1024);
  CHECK_STATUS(c2op_workspace_remove(ws, blob), C2OP_ERR_NOT_FOUND);
  m = c2op_last_error();
  CHECK_EQ_INT(strlen(m), 1023);
  CHECK(strncmp(m, "name: blob 'bbbb", 16) == 0);
  CHECK_CONTAINS(m, "bbb ... bbb");
  const char *end = "bbb' is not in the workspace";
  CHECK(strlen(m) > strlen(end) && strcmp(m + strlen(m) - strlen(end), end) == 0);
  /* A cut never splits a UTF-8 character: 2-byte characters throughout. */
  static char wide[2 * 600 + 1];
  for (int i = 0; i < 600; i++) memcpy(wide + 2 * i, "\xc3\xa9", 2);
  CHECK_STATUS(c2op_workspace_remove(ws, wide), C2OP_ERR_NOT_FOUND);
  m = c2op_last_error();
  const char *gap = strstr(m, " ... ");
  CHECK(gap != NULL);
  if (gap) {
    CHECK((unsigned char)gap[-1] == 0xa9);                     /* a whole character before */
    CHECK((unsigned char)gap[5] == 0xc3);                      /* and after */
  }
done:
  c2op_net_destroy(net);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* Gradient names and device ids the rest of the library would refuse are
 * refused where they come in, naming them. */
static void bad_gradient_names_and_device_ids_are_refused_up_front(void) {
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  c2op_workspace *ws = new_ws();
  c2op_net *net = NULL;
  if (!def || !ws) goto done;
  c2op_gradient *g = (c2op_gradient *)&g; /* a sentinel: must stay */
  CHECK_STATUS(c2op_get_gradient_defs(def, (const char *[]){""}, &g),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(c2op_last_error(), "output_grads[0] is an empty blob name");
  CHECK(g == (c2op_gradient *)&g);

  float v[1] = {1};
  DLTensor t = fu_view(v, fu_f32, 0, NULL, NULL);
  c2op_device_option neg = {C2OP_DEVICE_CPU, -5};
  CHECK_STATUS(c2op_workspace_feed_on(ws, "W", &t, &neg), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(c2op_last_error(), "device: device_id -5 is negative");
  CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 0);
  CHECK_OK(c2op_workspace_feed(ws, "X", &t));
  def->device_option.device_id = -1;
  CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(c2op_last_error(), "Negative: device_id -1 is negative");
  CHECK(!c2op_workspace_has_blob(ws, "Y"));
  CHECK_OK(c2op_net_create("n", &net));
  if (!net) goto done;
  CHECK_STATUS(c2op_net_add_op(net, def), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(c2op_last_error(), "def: device_option.device_id -1 is negative");
  def->device_option.device_id = 0;
  def->device_option.device_type = 7;
  CHECK_STATUS(c2op_net_add_op(net, def), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(c2op_last_error(), "def: device_option.device_type 7 is not CPU (0) or CUDA (1)");
  CHECK_EQ_INT(c2op_net_num_ops(net), 0);
  /* What add_op takes, the text reads back. */
  def->device_option.device_type = C2OP_DEVICE_CUDA;
  def->device_option.device_id = 3;
  CHECK_OK(c2op_net_add_op(net, def));
  char *text = NULL;
  c2op_net *back = NULL;
  CHECK_OK(c2op_net_to_text(net, &text, NULL));
  if (text) CHECK_OK(c2op_net_from_text(text, strlen(text), &back));
  const c2op_op_def *got = NULL;
  if (back && c2op_net_op(back, 0, &got) == C2OP_OK) {
    CHECK_EQ_INT(got->device_option.device_type, C2OP_DEVICE_CUDA);
    CHECK_EQ_INT(got->device_option.device_id, 3);
  }
  c2op_net_destroy(back);
  c2op_free(text);

  /* The built-in inference refuses a negative dim (a caller's type). */
  c2op_tensor_type in = {fu_f32, 2, {3, -1}}, out = {fu_f64, 1, {7}};
  CHECK_STATUS(c2op_infer_identical(1, &in, 1, &out), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_STR(c2op_last_error(), "inputs[0]: shape[1] is negative (-1)");
  CHECK_EQ_INT(out.ndim, 1);
  CHECK(out.shape[0] == 7);
done:
  c2op_net_destroy(net);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

int main(void) {
  RUN(null_and_out_of_range_arguments_are_refused);
  RUN(feeds_the_workspace_cannot_hold_are_refused);
  RUN(run_op_refuses_defs_that_break_their_schema_or_device);
  RUN(run_op_refuses_the_same_output_twice);
  RUN(ops_without_inference_inputs_or_outputs_run);
  RUN(inferred_outputs_that_cannot_exist_are_refused);
  RUN(outputs_of_another_type_are_replaced_field_by_field);
  RUN(an_op_with_many_outputs_grows_the_workspace);
  RUN(a_kernel_error_too_long_for_the_buffer_is_cut);
  RUN(user_code_leaves_no_stale_message_on_success);
  RUN(user_code_failing_silently_gets_a_message);
  RUN(long_names_keep_the_problem_in_the_message);
  RUN(bad_gradient_names_and_device_ids_are_refused_up_front);
  return TEST_MAIN_END();
}
