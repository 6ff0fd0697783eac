/*
 * test_registry.c - the schema, kernel and gradient registries, type and
 * shape inference, and op defs.
 *
 * Registrations are process-wide, so the tests that list the registry run
 * before the ones that register new ops.
 */
#include "framework_util.h"

/* ------------------------------------------------------------------------ */
/* Dtype tables                                                              */
/* ------------------------------------------------------------------------ */

static const DLDataType numeric_dtypes[] = {
    {kDLInt, 8, 1},     {kDLInt, 16, 1},   {kDLInt, 32, 1},     {kDLInt, 64, 1},
    {kDLUInt, 8, 1},    {kDLUInt, 16, 1},  {kDLUInt, 32, 1},    {kDLUInt, 64, 1},
    {kDLFloat, 16, 1},  {kDLFloat, 32, 1}, {kDLFloat, 64, 1},   {kDLBfloat, 16, 1},
    {kDLComplex, 64, 1}, {kDLComplex, 128, 1},
};
#define NUM_NUMERIC ((int)(sizeof numeric_dtypes / sizeof numeric_dtypes[0]))

static const c2op_op_schema *lookup(const char *op) {
  const c2op_op_schema *s = NULL;
  CHECK_OK(c2op_schema_lookup(op, &s));
  CHECK(s != NULL);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Built-in schemas                                                          */
/* ------------------------------------------------------------------------ */

static void negative_schema_has_caffe2_counts_and_inplace(void) {
  const c2op_op_schema *s = lookup("Negative");
  if (!s) return;
  CHECK_EQ_STR(s->name, "Negative");
  CHECK_EQ_INT(s->min_inputs, 1);
  CHECK_EQ_INT(s->max_inputs, 1);
  CHECK_EQ_INT(s->min_outputs, 1);
  CHECK_EQ_INT(s->max_outputs, 1);
  CHECK(c2op_schema_allows_inplace(s, 0, 0));
  CHECK(!c2op_schema_allows_inplace(s, 0, 1));
  CHECK(!c2op_schema_allows_inplace(s, 1, 0));
  CHECK(!c2op_schema_allows_inplace(s, -1, 0));
}

static void negate_gradient_schema_has_caffe2_counts_and_inplace(void) {
  const c2op_op_schema *s = lookup("NegateGradient");
  if (!s) return;
  CHECK_EQ_STR(s->name, "NegateGradient");
  CHECK_EQ_INT(s->min_inputs, 1);
  CHECK_EQ_INT(s->max_inputs, 1);
  CHECK_EQ_INT(s->min_outputs, 1);
  CHECK_EQ_INT(s->max_outputs, 1);
  CHECK(c2op_schema_allows_inplace(s, 0, 0));
  CHECK(!c2op_schema_allows_inplace(s, 0, 1));
}

static void sum_schema_takes_one_or_more_inputs_inplace_on_first(void) {
  const c2op_op_schema *s = lookup("Sum");
  if (!s) return;
  CHECK_EQ_STR(s->name, "Sum");
  CHECK_EQ_INT(s->min_inputs, 1);
  CHECK(s->max_inputs >= 2);
  CHECK_EQ_INT(s->min_outputs, 1);
  CHECK_EQ_INT(s->max_outputs, 1);
  CHECK(c2op_schema_allows_inplace(s, 0, 0));
  CHECK(!c2op_schema_allows_inplace(s, 1, 0));
  CHECK(s->doc != NULL && s->doc[0] != '\0');
}

static void builtin_schemas_use_identical_type_and_shape_inference(void) {
  const char *ops[] = {"Negative", "NegateGradient", "Sum"};
  for (int k = 0; k < 3; k++) {
    const c2op_op_schema *s = lookup(ops[k]);
    if (!s) continue;
    CHECK(s->infer != NULL);
    if (k < 2) CHECK_EQ_STR(s->inference_name, "IdenticalTypeAndShape");
    if (!s->infer) continue;
    c2op_tensor_type in[2], out[1];
    memset(in, 0, sizeof in);
    memset(out, 0xAB, sizeof out);
    in[0].dtype = (DLDataType){kDLInt, 16, 1};
    in[0].ndim = 3;
    in[0].shape[0] = 5;
    in[0].shape[1] = 1;
    in[0].shape[2] = 7;
    in[1] = in[0];
    int32_t nin = k == 2 ? 2 : 1;
    CHECK_OK(s->infer(nin, in, 1, out));
    CHECK_EQ_INT(out[0].dtype.code, kDLInt);
    CHECK_EQ_INT(out[0].dtype.bits, 16);
    CHECK_EQ_INT(out[0].dtype.lanes, 1);
    CHECK_EQ_INT(out[0].ndim, 3);
    CHECK_EQ_INT(out[0].shape[0], 5);
    CHECK_EQ_INT(out[0].shape[1], 1);
    CHECK_EQ_INT(out[0].shape[2], 7);
  }
}

static void negative_onnx_name_is_neg(void) {
  const c2op_op_schema *s = lookup("Negative");
  if (!s) return;
  CHECK_EQ_STR(s->onnx_name, "Neg");
}

static void negate_gradient_has_no_onnx_name_and_notes_identity(void) {
  const c2op_op_schema *s = lookup("NegateGradient");
  if (!s) return;
  CHECK(s->onnx_name == NULL);
  CHECK(s->onnx_note != NULL);
  CHECK_CONTAINS(s->onnx_note, "Identity");
}

static void negative_accepts_every_numeric_dtype_but_not_bool(void) {
  const c2op_op_schema *s = lookup("Negative");
  if (!s) return;
  for (int i = 0; i < NUM_NUMERIC; i++) {
    if (!c2op_schema_accepts_dtype(s, numeric_dtypes[i]))
      TEST_FAIL_("Negative refuses dtype code %d bits %d", numeric_dtypes[i].code,
                 numeric_dtypes[i].bits);
  }
  CHECK(!c2op_schema_accepts_dtype(s, fu_bool));
  CHECK(!c2op_schema_accepts_dtype(s, (DLDataType){kDLFloat, 32, 4}));
  CHECK(!c2op_schema_accepts_dtype(s, (DLDataType){99, 32, 1}));
  CHECK(!c2op_schema_accepts_dtype(s, (DLDataType){kDLOpaqueHandle, 64, 1}));
}

static void negate_gradient_accepts_bool_and_every_numeric_dtype(void) {
  const c2op_op_schema *s = lookup("NegateGradient");
  if (!s) return;
  for (int i = 0; i < NUM_NUMERIC; i++) {
    if (!c2op_schema_accepts_dtype(s, numeric_dtypes[i]))
      TEST_FAIL_("NegateGradient refuses dtype code %d bits %d", numeric_dtypes[i].code,
                 numeric_dtypes[i].bits);
  }
  CHECK(c2op_schema_accepts_dtype(s, fu_bool));
}

static void schemas_document_op_inputs_and_outputs(void) {
  const char *ops[] = {"Negative", "NegateGradient"};
  for (int k = 0; k < 2; k++) {
    const c2op_op_schema *s = lookup(ops[k]);
    if (!s) continue;
    CHECK(s->doc != NULL && strlen(s->doc) > 10);
    CHECK(s->input_names != NULL && s->input_docs != NULL);
    CHECK(s->output_names != NULL && s->output_docs != NULL);
    if (!s->input_names || !s->input_docs || !s->output_names || !s->output_docs) continue;
    CHECK_EQ_STR(s->input_names[0], "X");
    CHECK_EQ_STR(s->output_names[0], "Y");
    CHECK(s->input_docs[0] != NULL && s->input_docs[0][0] != '\0');
    CHECK(s->output_docs[0] != NULL && s->output_docs[0][0] != '\0');
  }
}

static void listing_contains_each_builtin_once_and_matches_lookup(void) {
  int32_t n = c2op_schema_count();
  CHECK(n >= 3);
  int seen_neg = 0, seen_ng = 0, seen_sum = 0;
  for (int32_t i = 0; i < n; i++) {
    const c2op_op_schema *s = NULL;
    CHECK_OK(c2op_schema_at(i, &s));
    if (!s || !s->name) {
      TEST_FAIL_("schema %d has no name", (int)i);
      continue;
    }
    seen_neg += strcmp(s->name, "Negative") == 0;
    seen_ng += strcmp(s->name, "NegateGradient") == 0;
    seen_sum += strcmp(s->name, "Sum") == 0;
    const c2op_op_schema *again = NULL;
    CHECK_OK(c2op_schema_lookup(s->name, &again));
    CHECK(again == s);
  }
  CHECK_EQ_INT(seen_neg, 1);
  CHECK_EQ_INT(seen_ng, 1);
  CHECK_EQ_INT(seen_sum, 1);
}

static void schema_at_out_of_range_fails_and_leaves_output(void) {
  const c2op_op_schema *sentinel = (const c2op_op_schema *)&sentinel;
  const c2op_op_schema *s = sentinel;
  CHECK(c2op_schema_at(c2op_schema_count(), &s) != C2OP_OK);
  CHECK(s == sentinel);
  CHECK(c2op_schema_at(-1, &s) != C2OP_OK);
  CHECK(s == sentinel);
  CHECK_STATUS(c2op_schema_at(0, NULL), C2OP_ERR_NULL_POINTER);
}

static void unknown_op_lookup_is_not_found_naming_the_op(void) {
  const c2op_op_schema *sentinel = (const c2op_op_schema *)&sentinel;
  const c2op_op_schema *s = sentinel;
  CHECK_STATUS(c2op_schema_lookup("NoSuchOpZq", &s), C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "NoSuchOpZq");
  CHECK(s == sentinel);
  CHECK_STATUS(c2op_schema_lookup("negative", &s), C2OP_ERR_NOT_FOUND); /* case matters */
  CHECK_STATUS(c2op_schema_lookup(NULL, &s), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_schema_lookup("Negative", NULL), C2OP_ERR_NULL_POINTER);
  CHECK(s == sentinel);
}

/* ------------------------------------------------------------------------ */
/* Registering schemas                                                       */
/* ------------------------------------------------------------------------ */

static const c2op_inplace_pair scale_inplace[] = {{0, 0}};
static const DLDataType scale_dtypes[] = {{kDLFloat, 32, 1}};
static const char *const scale_in_names[] = {"X"};
static const char *const scale_in_docs[] = {"input tensor"};
static const char *const scale_out_names[] = {"Y"};
static const char *const scale_out_docs[] = {"2 * X"};
static const c2op_op_schema test_double_schema = {
    .name = "TestDouble",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .inplace = scale_inplace,
    .num_inplace = 1,
    .infer = c2op_infer_identical,
    .inference_name = "IdenticalTypeAndShape",
    .onnx_name = NULL,
    .onnx_note = NULL,
    .dtypes = scale_dtypes,
    .num_dtypes = 1,
    .doc = "Y = 2 * X (test op)",
    .input_names = scale_in_names,
    .input_docs = scale_in_docs,
    .output_names = scale_out_names,
    .output_docs = scale_out_docs,
};

static void registered_schema_is_found_by_pointer_and_listed_last(void) {
  int32_t before = c2op_schema_count();
  CHECK_OK(c2op_register_schema(&test_double_schema));
  CHECK_EQ_INT(c2op_schema_count(), before + 1);
  const c2op_op_schema *s = NULL;
  CHECK_OK(c2op_schema_lookup("TestDouble", &s));
  CHECK(s == &test_double_schema);
  const c2op_op_schema *last = NULL;
  CHECK_OK(c2op_schema_at(before, &last));
  CHECK(last == &test_double_schema);
  CHECK(c2op_schema_accepts_dtype(&test_double_schema, fu_f32));
  CHECK(!c2op_schema_accepts_dtype(&test_double_schema, fu_f64));
}

static void duplicate_schema_is_already_exists(void) {
  /* A different struct with a taken name. */
  static const c2op_op_schema dup = {
      .name = "Negative", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1};
  int32_t before = c2op_schema_count();
  CHECK_STATUS(c2op_register_schema(&dup), C2OP_ERR_ALREADY_EXISTS);
  CHECK_CONTAINS(c2op_last_error(), "Negative");
  CHECK_STATUS(c2op_register_schema(&test_double_schema), C2OP_ERR_ALREADY_EXISTS);
  CHECK_EQ_INT(c2op_schema_count(), before);
  const c2op_op_schema *s = NULL;
  CHECK_OK(c2op_schema_lookup("Negative", &s));
  CHECK(s != &dup);
}

static const c2op_inplace_pair bad_pair_input[] = {{1, 0}};
static const c2op_inplace_pair bad_pair_output[] = {{0, 3}};
static const c2op_inplace_pair bad_pair_negative[] = {{-1, 0}};
static const c2op_op_schema invalid_schemas[] = {
    {.name = "BadMinMaxIn", .min_inputs = 2, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1},
    {.name = "BadMinMaxOut", .min_inputs = 1, .max_inputs = 1, .min_outputs = 2, .max_outputs = 1},
    {.name = "BadNegIn", .min_inputs = -1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1},
    {.name = "BadNegOut", .min_inputs = 1, .max_inputs = 1, .min_outputs = -2, .max_outputs = 1},
    {.name = "BadPairIn", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
     .inplace = bad_pair_input, .num_inplace = 1},
    {.name = "BadPairOut", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
     .inplace = bad_pair_output, .num_inplace = 1},
    {.name = "BadPairNeg", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
     .inplace = bad_pair_negative, .num_inplace = 1},
    {.name = "", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1},
};

static void inconsistent_schemas_are_invalid_argument_and_not_registered(void) {
  int32_t before = c2op_schema_count();
  int n = (int)(sizeof invalid_schemas / sizeof invalid_schemas[0]);
  for (int i = 0; i < n; i++) {
    c2op_status s = c2op_register_schema(&invalid_schemas[i]);
    if (s != C2OP_ERR_INVALID_ARGUMENT)
      TEST_FAIL_("schema \"%s\": %s, expected C2OP_ERR_INVALID_ARGUMENT", invalid_schemas[i].name,
                 c2op_status_name(s));
    else if (c2op_last_error()[0] == '\0')
      TEST_FAIL_("schema \"%s\": empty error message", invalid_schemas[i].name);
    const c2op_op_schema *found = NULL;
    if (invalid_schemas[i].name[0] != '\0')
      CHECK_STATUS(c2op_schema_lookup(invalid_schemas[i].name, &found), C2OP_ERR_NOT_FOUND);
  }
  CHECK_EQ_INT(c2op_schema_count(), before);
  CHECK_STATUS(c2op_register_schema(NULL), C2OP_ERR_NULL_POINTER);
  static const c2op_op_schema no_name = {
      .name = NULL, .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1};
  CHECK(c2op_register_schema(&no_name) != C2OP_OK);
  CHECK_EQ_INT(c2op_schema_count(), before);
}

/* ------------------------------------------------------------------------ */
/* c2op_infer_identical                                                      */
/* ------------------------------------------------------------------------ */

static void infer_identical_copies_dtype_and_shape_to_every_output(void) {
  c2op_tensor_type in[1], out[2];
  memset(in, 0, sizeof in);
  memset(out, 0x5A, sizeof out);
  in[0].dtype = (DLDataType){kDLBfloat, 16, 1};
  in[0].ndim = 4;
  for (int d = 0; d < 4; d++) in[0].shape[d] = 2 + d * 3;
  CHECK_OK(c2op_infer_identical(1, in, 2, out));
  for (int o = 0; o < 2; o++) {
    CHECK_EQ_INT(out[o].dtype.code, kDLBfloat);
    CHECK_EQ_INT(out[o].dtype.bits, 16);
    CHECK_EQ_INT(out[o].dtype.lanes, 1);
    CHECK_EQ_INT(out[o].ndim, 4);
    for (int d = 0; d < 4; d++) CHECK_EQ_INT(out[o].shape[d], 2 + d * 3);
  }
}

static void infer_identical_handles_scalars_and_empty_shapes(void) {
  c2op_tensor_type in[1], out[1];
  memset(in, 0, sizeof in);
  memset(out, 0x5A, sizeof out);
  in[0].dtype = fu_f64;
  in[0].ndim = 0;
  CHECK_OK(c2op_infer_identical(1, in, 1, out));
  CHECK_EQ_INT(out[0].ndim, 0);
  CHECK_EQ_INT(out[0].dtype.bits, 64);
  in[0].ndim = 2;
  in[0].shape[0] = 3;
  in[0].shape[1] = 0;
  CHECK_OK(c2op_infer_identical(1, in, 1, out));
  CHECK_EQ_INT(out[0].ndim, 2);
  CHECK_EQ_INT(out[0].shape[0], 3);
  CHECK_EQ_INT(out[0].shape[1], 0);
}

static void infer_identical_rejects_bad_arguments_leaving_outputs(void) {
  c2op_tensor_type in[1], out[1], before[1];
  memset(in, 0, sizeof in);
  memset(out, 0x5A, sizeof out);
  memcpy(before, out, sizeof out);
  in[0].dtype = fu_f32;
  in[0].ndim = 1;
  in[0].shape[0] = 4;
  CHECK_STATUS(c2op_infer_identical(0, in, 1, out), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_infer_identical(1, NULL, 1, out), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_infer_identical(1, in, 1, NULL), C2OP_ERR_NULL_POINTER);
  in[0].ndim = C2OP_MAX_NDIM + 1;
  CHECK_STATUS(c2op_infer_identical(1, in, 1, out), C2OP_ERR_INVALID_ARGUMENT);
  in[0].ndim = -1;
  CHECK_STATUS(c2op_infer_identical(1, in, 1, out), C2OP_ERR_INVALID_ARGUMENT);
  CHECK(memcmp(out, before, sizeof out) == 0);
}

/* ------------------------------------------------------------------------ */
/* Kernel registry                                                           */
/* ------------------------------------------------------------------------ */

static void builtin_ops_have_cpu_kernels(void) {
  const char *ops[] = {"Negative", "NegateGradient", "Sum"};
  for (int k = 0; k < 3; k++) {
    c2op_kernel_fn fn = NULL;
    CHECK_OK(c2op_kernel_lookup(ops[k], C2OP_DEVICE_CPU, &fn));
    CHECK(fn != NULL);
  }
}

static void negative_cpu_kernel_negates_when_called_directly(void) {
  c2op_kernel_fn fn = NULL;
  CHECK_OK(c2op_kernel_lookup("Negative", C2OP_DEVICE_CPU, &fn));
  if (!fn) return;
  uint64_t st = test_seed() ^ 0x11;
  float x[6], y[6], want[6];
  fu_fill_random(x, 6, &st);
  x[0] = 0.0f;
  for (int i = 0; i < 6; i++) {
    want[i] = -x[i];
    y[i] = 12345.0f;
  }
  int64_t shape[2] = {2, 3};
  DLTensor tx = fu_view(x, fu_f32, 2, shape, NULL);
  DLTensor ty = fu_view(y, fu_f32, 2, shape, NULL);
  const DLTensor *ins[1] = {&tx};
  DLTensor *outs[1] = {&ty};
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  CHECK_OK(fn(ctx, 1, ins, 1, outs));
  fu_check_floats_eq("y", y, want, 6);
  c2op_context_destroy(ctx);
}

/* A kernel used only as a sentinel value: never called. */
static c2op_status sentinel_kernel(const c2op_context *ctx, int32_t num_inputs,
                                   const DLTensor *const *inputs, int32_t num_outputs,
                                   DLTensor *const *outputs) {
  (void)ctx;
  (void)num_inputs;
  (void)inputs;
  (void)num_outputs;
  (void)outputs;
  return C2OP_ERR_INTERNAL;
}

static void cuda_kernel_lookup_without_cuda_names_op_and_device(void) {
  if (c2op_has_cuda()) {
    c2op_kernel_fn fn = NULL;
    CHECK_OK(c2op_kernel_lookup("Negative", C2OP_DEVICE_CUDA, &fn));
    CHECK_OK(c2op_kernel_lookup("NegateGradient", C2OP_DEVICE_CUDA, &fn));
    return;
  }
  const char *ops[] = {"Negative", "NegateGradient"};
  for (int k = 0; k < 2; k++) {
    c2op_kernel_fn fn = sentinel_kernel;
    CHECK_STATUS(c2op_kernel_lookup(ops[k], C2OP_DEVICE_CUDA, &fn), C2OP_ERR_NOT_FOUND);
    const char *msg = c2op_last_error();
    CHECK_CONTAINS(msg, ops[k]);
    if (!fu_contains_ci(msg, "cuda")) TEST_FAIL_("message \"%s\" does not name CUDA", msg);
    CHECK(fn == sentinel_kernel);
  }
}

static void kernel_lookup_of_unknown_op_is_not_found(void) {
  c2op_kernel_fn fn = sentinel_kernel;
  CHECK_STATUS(c2op_kernel_lookup("NoSuchOpZq", C2OP_DEVICE_CPU, &fn), C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "NoSuchOpZq");
  CHECK(fn == sentinel_kernel);
  CHECK_STATUS(c2op_kernel_lookup(NULL, C2OP_DEVICE_CPU, &fn), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_kernel_lookup("Negative", C2OP_DEVICE_CPU, NULL), C2OP_ERR_NULL_POINTER);
  CHECK(c2op_kernel_lookup("Negative", (c2op_device_type)7, &fn) != C2OP_OK);
  CHECK(fn == sentinel_kernel);
}

static void kernel_registration_needs_a_schema_and_never_replaces(void) {
  c2op_kernel_fn before = NULL;
  CHECK_OK(c2op_kernel_lookup("Negative", C2OP_DEVICE_CPU, &before));
  CHECK_STATUS(c2op_register_kernel("Negative", C2OP_DEVICE_CPU, sentinel_kernel),
               C2OP_ERR_ALREADY_EXISTS);
  c2op_kernel_fn after = NULL;
  CHECK_OK(c2op_kernel_lookup("Negative", C2OP_DEVICE_CPU, &after));
  CHECK(after == before);
  CHECK(after != sentinel_kernel);

  CHECK_STATUS(c2op_register_kernel("NoSchemaOpZq", C2OP_DEVICE_CPU, sentinel_kernel),
               C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "NoSchemaOpZq");
  c2op_kernel_fn fn = NULL;
  CHECK_STATUS(c2op_kernel_lookup("NoSchemaOpZq", C2OP_DEVICE_CPU, &fn), C2OP_ERR_NOT_FOUND);
  CHECK_STATUS(c2op_register_kernel(NULL, C2OP_DEVICE_CPU, sentinel_kernel),
               C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_register_kernel("Negative", C2OP_DEVICE_CPU, NULL), C2OP_ERR_NULL_POINTER);
}

/* The custom op TestDouble (schema above): Y = 2 * X on float32. */
static int double_kernel_calls;

static int is_compact(const DLTensor *t) {
  if (!t->strides) return 1;
  int64_t expect = 1;
  for (int32_t d = t->ndim - 1; d >= 0; d--) {
    if (t->shape[d] != 1 && t->strides[d] != expect) return 0;
    expect *= t->shape[d];
  }
  return 1;
}

static c2op_status double_kernel(const c2op_context *ctx, int32_t num_inputs,
                                 const DLTensor *const *inputs, int32_t num_outputs,
                                 DLTensor *const *outputs) {
  (void)ctx;
  double_kernel_calls++;
  if (num_inputs != 1 || num_outputs != 1) return C2OP_ERR_INVALID_ARGUMENT;
  const DLTensor *x = inputs[0];
  DLTensor *y = outputs[0];
  if (x->dtype.code != kDLFloat || x->dtype.bits != 32 || y->dtype.code != kDLFloat ||
      y->dtype.bits != 32)
    return C2OP_ERR_UNSUPPORTED_DTYPE;
  if (x->ndim != y->ndim) return C2OP_ERR_SHAPE_MISMATCH;
  for (int32_t d = 0; d < x->ndim; d++)
    if (x->shape[d] != y->shape[d]) return C2OP_ERR_SHAPE_MISMATCH;
  if (!is_compact(x) || !is_compact(y)) return C2OP_ERR_INVALID_ARGUMENT;
  const float *xs = (const float *)fu_bytes(x);
  float *ys = (float *)((char *)y->data + y->byte_offset);
  int64_t n = fu_numel(x);
  for (int64_t i = 0; i < n; i++) ys[i] = 2.0f * xs[i];
  return C2OP_OK;
}

static void custom_op_and_kernel_run_through_a_workspace(void) {
  CHECK_OK(c2op_register_kernel("TestDouble", C2OP_DEVICE_CPU, double_kernel));
  c2op_kernel_fn fn = NULL;
  CHECK_OK(c2op_kernel_lookup("TestDouble", C2OP_DEVICE_CPU, &fn));
  CHECK(fn == double_kernel);

  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (!ws) return;
  uint64_t st = test_seed() ^ 0x22;
  float x[12], y[12], want[12];
  fu_fill_random(x, 12, &st);
  for (int i = 0; i < 12; i++) want[i] = x[i] * 2.0f;
  int64_t shape[3] = {2, 3, 2};
  fu_feed_f32(ws, "in", x, 3, shape);
  c2op_op_def *def = fu_op1("TestDouble", "in", "out");
  int calls = double_kernel_calls;
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  CHECK_EQ_INT(double_kernel_calls, calls + 1);
  const DLTensor *t = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "out", &t));
  if (t) {
    CHECK_EQ_INT(t->ndim, 3);
    if (t->ndim == 3) CHECK(t->shape[0] == 2 && t->shape[1] == 3 && t->shape[2] == 2);
  }
  if (fu_fetch_f32(ws, "out", y, 12)) fu_check_floats_eq("out", y, want, 12);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static void workspace_checks_custom_schema_dtypes_before_the_kernel(void) {
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (!ws) return;
  int32_t v[4] = {1, 2, 3, 4};
  int64_t shape[1] = {4};
  DLTensor t = fu_view(v, fu_i32, 1, shape, NULL);
  CHECK_OK(c2op_workspace_feed(ws, "in", &t));
  c2op_op_def *def = fu_op1("TestDouble", "in", "out");
  int calls = double_kernel_calls;
  if (def) CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_UNSUPPORTED_DTYPE);
  CHECK_EQ_INT(double_kernel_calls, calls);
  CHECK(!c2op_workspace_has_blob(ws, "out"));
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* TestColSums: [r, c] float32 -> [c]; a custom inference decides the shape. */
static c2op_status col_sums_infer(int32_t num_inputs, const c2op_tensor_type *inputs,
                                  int32_t num_outputs, c2op_tensor_type *outputs) {
  if (num_inputs != 1 || num_outputs != 1 || inputs[0].ndim != 2)
    return C2OP_ERR_INVALID_ARGUMENT;
  outputs[0].dtype = inputs[0].dtype;
  outputs[0].ndim = 1;
  outputs[0].shape[0] = inputs[0].shape[1];
  return C2OP_OK;
}

static c2op_status col_sums_kernel(const c2op_context *ctx, int32_t num_inputs,
                                   const DLTensor *const *inputs, int32_t num_outputs,
                                   DLTensor *const *outputs) {
  (void)ctx;
  if (num_inputs != 1 || num_outputs != 1) return C2OP_ERR_INVALID_ARGUMENT;
  const DLTensor *x = inputs[0];
  DLTensor *y = outputs[0];
  if (x->ndim != 2 || y->ndim != 1 || y->shape[0] != x->shape[1]) return C2OP_ERR_SHAPE_MISMATCH;
  if (!is_compact(x) || !is_compact(y)) return C2OP_ERR_INVALID_ARGUMENT;
  const float *xs = (const float *)fu_bytes(x);
  float *ys = (float *)((char *)y->data + y->byte_offset);
  for (int64_t c = 0; c < x->shape[1]; c++) {
    float acc = 0.0f;
    for (int64_t r = 0; r < x->shape[0]; r++) acc += xs[r * x->shape[1] + c];
    ys[c] = acc;
  }
  return C2OP_OK;
}

static const c2op_op_schema test_col_sums_schema = {
    .name = "TestColSums",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .infer = col_sums_infer,
    .inference_name = "ColSums",
    .dtypes = scale_dtypes,
    .num_dtypes = 1,
    .doc = "Y[c] = sum over r of X[r, c] (test op)",
};

static void workspace_allocates_outputs_from_the_schema_inference(void) {
  CHECK_OK(c2op_register_schema(&test_col_sums_schema));
  CHECK_OK(c2op_register_kernel("TestColSums", C2OP_DEVICE_CPU, col_sums_kernel));
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (!ws) return;
  float x[12];
  for (int i = 0; i < 12; i++) x[i] = (float)(i * i % 7) - 3.0f; /* small integers: exact */
  float want[4] = {0, 0, 0, 0};
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 4; c++) want[c] += x[r * 4 + c];
  int64_t shape[2] = {3, 4};
  fu_feed_f32(ws, "m", x, 2, shape);
  c2op_op_def *def = fu_op1("TestColSums", "m", "s");
  if (def) CHECK_OK(c2op_workspace_run_op(ws, NULL, def));
  const DLTensor *t = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "s", &t));
  if (t) {
    CHECK_EQ_INT(t->ndim, 1);
    if (t->ndim == 1) CHECK_EQ_INT(t->shape[0], 4);
  }
  float got[4];
  if (fu_fetch_f32(ws, "s", got, 4)) fu_check_floats_eq("s", got, want, 4);
  /* The inference refuses a 1-D input: the op fails, nothing is written. */
  fu_feed_f32(ws, "v", x, 1, (int64_t[]){12});
  c2op_op_def *bad = fu_op1("TestColSums", "v", "s2");
  if (bad) CHECK(c2op_workspace_run_op(ws, NULL, bad) != C2OP_OK);
  CHECK(!c2op_workspace_has_blob(ws, "s2"));
  c2op_op_def_destroy(bad);
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

static const c2op_op_schema test_no_kernel_schema = {
    .name = "TestNoKernel",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .infer = c2op_infer_identical,
    .doc = "has a schema but no kernel (test op)",
};

static void running_an_op_without_a_kernel_is_not_found(void) {
  CHECK_OK(c2op_register_schema(&test_no_kernel_schema));
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (!ws) return;
  float x[2] = {1, 2};
  fu_feed_f32(ws, "x", x, 1, (int64_t[]){2});
  c2op_op_def *def = fu_op1("TestNoKernel", "x", "y");
  if (def) {
    CHECK_STATUS(c2op_workspace_run_op(ws, NULL, def), C2OP_ERR_NOT_FOUND);
    CHECK_CONTAINS(c2op_last_error(), "TestNoKernel");
  }
  CHECK(!c2op_workspace_has_blob(ws, "y"));
  c2op_op_def_destroy(def);
  c2op_workspace_destroy(ws);
}

/* ------------------------------------------------------------------------ */
/* Gradient registry                                                         */
/* ------------------------------------------------------------------------ */

static void check_negative_gradient_of(const char *op) {
  /* Blob names other than X/Y prove the maker derives them from the def. */
  c2op_op_def *fwd = fu_op1(op, "feat", "out");
  if (!fwd) return;
  fwd->device_option.device_type = C2OP_DEVICE_CUDA;
  fwd->device_option.device_id = 3;
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, NULL, &g));
  if (g) {
    CHECK_EQ_INT(g->num_ops, 1);
    if (g->num_ops == 1) {
      const c2op_op_def *d = g->ops[0];
      CHECK_EQ_STR(d->type, "Negative");
      CHECK_EQ_INT(d->num_inputs, 1);
      CHECK_EQ_INT(d->num_outputs, 1);
      if (d->num_inputs == 1) CHECK_EQ_STR(d->inputs[0], "out_grad");
      if (d->num_outputs == 1) CHECK_EQ_STR(d->outputs[0], "feat_grad");
      CHECK_EQ_INT(d->is_gradient_op, 1);
      CHECK_EQ_INT(d->device_option.device_type, C2OP_DEVICE_CUDA);
      CHECK_EQ_INT(d->device_option.device_id, 3);
    }
    CHECK_EQ_INT(g->num_input_grads, 1);
    if (g->num_input_grads == 1) CHECK_EQ_STR(g->input_grads[0], "feat_grad");
  }
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(fwd);
}

static void negative_gradient_is_negative_of_output_grad(void) {
  check_negative_gradient_of("Negative");
}

static void negate_gradient_gradient_is_negative_of_output_grad(void) {
  check_negative_gradient_of("NegateGradient");
}

static void gradient_uses_x_grad_y_grad_names_and_cpu_device(void) {
  c2op_op_def *fwd = fu_op1("Negative", "X", "Y");
  if (!fwd) return;
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, NULL, &g));
  if (g && g->num_ops == 1) {
    CHECK_EQ_STR(g->ops[0]->inputs[0], "Y_grad");
    CHECK_EQ_STR(g->ops[0]->outputs[0], "X_grad");
    CHECK_EQ_INT(g->ops[0]->device_option.device_type, C2OP_DEVICE_CPU);
    CHECK_EQ_INT(g->ops[0]->device_option.device_id, 0);
    CHECK_EQ_STR(g->input_grads[0], "X_grad");
  } else {
    TEST_FAIL_("expected one gradient op");
  }
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(fwd);
}

static void gradient_honours_custom_output_grad_names(void) {
  c2op_op_def *fwd = fu_op1("NegateGradient", "X", "Y");
  if (!fwd) return;
  const char *og[1] = {"upstream_g"};
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, og, &g));
  if (g && g->num_ops == 1) {
    CHECK_EQ_STR(g->ops[0]->inputs[0], "upstream_g");
    CHECK_EQ_STR(g->ops[0]->outputs[0], "X_grad");
    CHECK_EQ_STR(g->input_grads[0], "X_grad");
  } else {
    TEST_FAIL_("expected one gradient op");
  }
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(fwd);
}

static void gradient_ops_are_independent_copies(void) {
  c2op_op_def *fwd = fu_op1("Negative", "X", "Y");
  if (!fwd) return;
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, NULL, &g));
  CHECK_OK(c2op_op_def_set_input(fwd, 0, "changed"));
  CHECK_OK(c2op_op_def_set_output(fwd, 0, "changed2"));
  c2op_op_def_destroy(fwd);
  if (g && g->num_ops == 1) {
    CHECK_EQ_STR(g->ops[0]->inputs[0], "Y_grad");
    CHECK_EQ_STR(g->input_grads[0], "X_grad");
  }
  c2op_gradient_destroy(g);
}

static void sum_has_no_gradient_with_a_clear_message(void) {
  const char *ins[2] = {"A", "B"};
  const char *outs[1] = {"S"};
  c2op_op_def *fwd = fu_op("Sum", 2, ins, 1, outs);
  if (!fwd) return;
  c2op_gradient *sentinel = (c2op_gradient *)&sentinel;
  c2op_gradient *g = sentinel;
  CHECK_STATUS(c2op_get_gradient_defs(fwd, NULL, &g), C2OP_ERR_NO_GRADIENT);
  CHECK_CONTAINS(c2op_last_error(), "Sum");
  CHECK(g == sentinel);
  c2op_op_def_destroy(fwd);
  c2op_gradient_destroy(NULL); /* a no-op */
}

static void gradient_defs_reject_null_and_unknown_ops(void) {
  c2op_gradient *sentinel = (c2op_gradient *)&sentinel;
  c2op_gradient *g = sentinel;
  CHECK_STATUS(c2op_get_gradient_defs(NULL, NULL, &g), C2OP_ERR_NULL_POINTER);
  c2op_op_def *fwd = fu_op1("NoSuchOpZq", "X", "Y");
  if (fwd) {
    CHECK(c2op_get_gradient_defs(fwd, NULL, &g) != C2OP_OK);
    CHECK_CONTAINS(c2op_last_error(), "NoSuchOpZq");
  }
  c2op_op_def *neg = fu_op1("Negative", "X", "Y");
  if (neg) CHECK_STATUS(c2op_get_gradient_defs(neg, NULL, NULL), C2OP_ERR_NULL_POINTER);
  c2op_op_def_destroy(neg);
  CHECK(g == sentinel);
  c2op_op_def_destroy(fwd);
}

static void negate_gradient_maker_requires_exactly_one_input(void) {
  const char *ins[2] = {"X", "Z"};
  const char *outs[1] = {"Y"};
  c2op_op_def *fwd = fu_op("NegateGradient", 2, ins, 1, outs);
  if (!fwd) return;
  c2op_gradient *sentinel = (c2op_gradient *)&sentinel;
  c2op_gradient *g = sentinel;
  CHECK(c2op_get_gradient_defs(fwd, NULL, &g) != C2OP_OK);
  CHECK(c2op_last_error()[0] != '\0');
  CHECK(g == sentinel);
  c2op_op_def_destroy(fwd);
}

static int noop_maker_calls;
static c2op_status noop_maker(const c2op_op_def *forward, const char *const *output_grads,
                              c2op_gradient *gradient) {
  (void)forward;
  (void)output_grads;
  (void)gradient;
  noop_maker_calls++;
  return C2OP_OK;
}

static void registering_a_gradient_for_an_unknown_op_fails(void) {
  CHECK_STATUS(c2op_register_gradient("NoSuchOpZq", noop_maker), C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "NoSuchOpZq");
  CHECK_STATUS(c2op_register_gradient(NULL, noop_maker), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_register_gradient("TestDouble", NULL), C2OP_ERR_NULL_POINTER);
}

static void registering_a_second_gradient_for_an_op_is_already_exists(void) {
  CHECK_STATUS(c2op_register_gradient("Negative", noop_maker), C2OP_ERR_ALREADY_EXISTS);
  /* The built-in maker is still the one used. */
  c2op_op_def *fwd = fu_op1("Negative", "X", "Y");
  if (!fwd) return;
  int calls = noop_maker_calls;
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, NULL, &g));
  CHECK_EQ_INT(noop_maker_calls, calls);
  CHECK(g && g->num_ops == 1);
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(fwd);
}

/* TestDouble's gradient: X_grad = TestDouble(Y_grad), as d(2x)/dx = 2. */
static c2op_status double_maker_bad_index_status;
static c2op_status double_grad_maker(const c2op_op_def *forward, const char *const *output_grads,
                                     c2op_gradient *gradient) {
  char name[128];
  snprintf(name, sizeof name, "%s_grad", forward->inputs[0]);
  const char *ins[1] = {output_grads[0]};
  const char *outs[1] = {name};
  c2op_op_def *def = NULL;
  c2op_status s = c2op_op_def_create("TestDouble", 1, ins, 1, outs, &def);
  if (s != C2OP_OK) return s;
  def->device_option.device_id = 42; /* add_op must replace it by forward's */
  s = c2op_gradient_add_op(gradient, forward, def);
  c2op_op_def_destroy(def);
  if (s != C2OP_OK) return s;
  double_maker_bad_index_status = c2op_gradient_set_input_grad(gradient, 1, "nope");
  return c2op_gradient_set_input_grad(gradient, 0, name);
}

static void custom_gradient_maker_is_used_and_marks_its_ops(void) {
  CHECK_OK(c2op_register_gradient("TestDouble", double_grad_maker));
  c2op_op_def *fwd = fu_op1("TestDouble", "a", "b");
  if (!fwd) return;
  fwd->device_option.device_id = 5;
  const char *og[1] = {"gb"};
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, og, &g));
  if (g && g->num_ops == 1) {
    const c2op_op_def *d = g->ops[0];
    CHECK_EQ_STR(d->type, "TestDouble");
    CHECK_EQ_STR(d->inputs[0], "gb");
    CHECK_EQ_STR(d->outputs[0], "a_grad");
    CHECK_EQ_INT(d->is_gradient_op, 1);
    CHECK_EQ_INT(d->device_option.device_type, C2OP_DEVICE_CPU);
    CHECK_EQ_INT(d->device_option.device_id, 5);
    CHECK_EQ_INT(g->num_input_grads, 1);
    CHECK_EQ_STR(g->input_grads[0], "a_grad");
  } else {
    TEST_FAIL_("expected one gradient op");
  }
  CHECK_EQ_INT(double_maker_bad_index_status, C2OP_ERR_INVALID_ARGUMENT);
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(fwd);
}

/* A maker that adds an op and then fails: the partial gradient must not leak
 * and must not come back. */
static const c2op_op_schema test_fail_grad_schema = {
    .name = "TestFailGrad",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .infer = c2op_infer_identical,
    .doc = "its gradient maker fails (test op)",
};

static c2op_status failing_maker(const c2op_op_def *forward, const char *const *output_grads,
                                 c2op_gradient *gradient) {
  const char *ins[1] = {output_grads[0]};
  const char *outs[1] = {"x_grad"};
  c2op_op_def *def = NULL;
  c2op_status s = c2op_op_def_create("Negative", 1, ins, 1, outs, &def);
  if (s != C2OP_OK) return s;
  s = c2op_gradient_add_op(gradient, forward, def);
  c2op_op_def_destroy(def);
  if (s != C2OP_OK) return s;
  return C2OP_ERR_SHAPE_MISMATCH;
}

static void failing_gradient_maker_status_comes_back_and_nothing_leaks(void) {
  CHECK_OK(c2op_register_schema(&test_fail_grad_schema));
  CHECK_OK(c2op_register_gradient("TestFailGrad", failing_maker));
  c2op_op_def *fwd = fu_op1("TestFailGrad", "x", "y");
  if (!fwd) return;
  c2op_gradient *sentinel = (c2op_gradient *)&sentinel;
  c2op_gradient *g = sentinel;
  CHECK_STATUS(c2op_get_gradient_defs(fwd, NULL, &g), C2OP_ERR_SHAPE_MISMATCH);
  CHECK(g == sentinel);
  c2op_op_def_destroy(fwd);
}

/* ------------------------------------------------------------------------ */
/* Op defs                                                                   */
/* ------------------------------------------------------------------------ */

static void op_def_create_deep_copies_and_sets_defaults(void) {
  char type[16] = "Sum", a[8] = "A", b[8] = "B", s[8] = "S";
  const char *ins[2] = {a, b};
  const char *outs[1] = {s};
  c2op_op_def *def = NULL;
  CHECK_OK(c2op_op_def_create(type, 2, ins, 1, outs, &def));
  if (!def) return;
  strcpy(type, "XXX");
  strcpy(a, "zz");
  strcpy(s, "yy");
  CHECK_EQ_STR(def->type, "Sum");
  CHECK_EQ_STR(def->name, "");
  CHECK_EQ_INT(def->num_inputs, 2);
  CHECK_EQ_INT(def->num_outputs, 1);
  CHECK_EQ_STR(def->inputs[0], "A");
  CHECK_EQ_STR(def->inputs[1], "B");
  CHECK_EQ_STR(def->outputs[0], "S");
  CHECK_EQ_INT(def->is_gradient_op, 0);
  CHECK_EQ_INT(def->device_option.device_type, C2OP_DEVICE_CPU);
  CHECK_EQ_INT(def->device_option.device_id, 0);
  c2op_op_def_destroy(def);
}

static void op_def_create_allows_zero_inputs(void) {
  const char *outs[1] = {"out"};
  c2op_op_def *def = NULL;
  CHECK_OK(c2op_op_def_create("Anything", 0, NULL, 1, outs, &def));
  if (def) CHECK_EQ_INT(def->num_inputs, 0);
  c2op_op_def_destroy(def);
}

static void op_def_clone_is_deep_and_complete(void) {
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (!def) return;
  CHECK_OK(c2op_op_def_set_name(def, "neg1"));
  def->is_gradient_op = 1;
  def->device_option.device_type = C2OP_DEVICE_CUDA;
  def->device_option.device_id = 2;
  c2op_op_def *copy = NULL;
  CHECK_OK(c2op_op_def_clone(def, &copy));
  if (copy) {
    CHECK(copy != def);
    CHECK(copy->type != def->type);
    CHECK(copy->inputs != def->inputs);
    CHECK(copy->inputs[0] != def->inputs[0]);
  }
  c2op_op_def_destroy(def); /* the clone must not share anything with it */
  if (copy) {
    CHECK_EQ_STR(copy->type, "Negative");
    CHECK_EQ_STR(copy->name, "neg1");
    CHECK_EQ_INT(copy->num_inputs, 1);
    CHECK_EQ_STR(copy->inputs[0], "X");
    CHECK_EQ_INT(copy->num_outputs, 1);
    CHECK_EQ_STR(copy->outputs[0], "Y");
    CHECK_EQ_INT(copy->is_gradient_op, 1);
    CHECK_EQ_INT(copy->device_option.device_type, C2OP_DEVICE_CUDA);
    CHECK_EQ_INT(copy->device_option.device_id, 2);
  }
  c2op_op_def_destroy(copy);
}

static void op_def_setters_rename_and_copy(void) {
  const char *ins[2] = {"A", "B"};
  const char *outs[1] = {"S"};
  c2op_op_def *def = fu_op("Sum", 2, ins, 1, outs);
  if (!def) return;
  char buf[16] = "renamed";
  CHECK_OK(c2op_op_def_set_name(def, buf));
  CHECK_OK(c2op_op_def_set_input(def, 1, buf));
  CHECK_OK(c2op_op_def_set_output(def, 0, "out"));
  strcpy(buf, "qq");
  CHECK_EQ_STR(def->name, "renamed");
  CHECK_EQ_STR(def->inputs[0], "A");
  CHECK_EQ_STR(def->inputs[1], "renamed");
  CHECK_EQ_STR(def->outputs[0], "out");
  CHECK_OK(c2op_op_def_set_name(def, ""));
  CHECK_EQ_STR(def->name, "");
  CHECK_EQ_STR(def->type, "Sum");
  c2op_op_def_destroy(def);
}

static void op_def_setters_reject_bad_index_and_null(void) {
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (!def) return;
  CHECK_STATUS(c2op_op_def_set_input(def, 1, "Z"), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_set_input(def, -1, "Z"), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_set_output(def, 1, "Z"), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_set_output(def, -1, "Z"), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_set_input(def, 0, ""), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_set_output(def, 0, ""), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_set_input(def, 0, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_set_output(def, 0, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_set_name(def, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_set_input(NULL, 0, "Z"), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_set_output(NULL, 0, "Z"), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_set_name(NULL, "n"), C2OP_ERR_NULL_POINTER);
  CHECK_EQ_STR(def->inputs[0], "X");
  CHECK_EQ_STR(def->outputs[0], "Y");
  CHECK_EQ_STR(def->name, "");
  c2op_op_def_destroy(def);
}

static void op_def_create_rejects_bad_arguments_leaving_output(void) {
  c2op_op_def *sentinel = (c2op_op_def *)&sentinel;
  c2op_op_def *def = sentinel;
  const char *ins[1] = {"X"};
  const char *outs[1] = {"Y"};
  const char *empty[1] = {""};
  const char *null_name[1] = {NULL};
  CHECK_STATUS(c2op_op_def_create(NULL, 1, ins, 1, outs, &def), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_create("Negative", 1, NULL, 1, outs, &def), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_create("Negative", 1, ins, 1, NULL, &def), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_create("Negative", 1, null_name, 1, outs, &def),
               C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_create("Negative", 1, ins, 1, outs, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_op_def_create("Negative", 1, empty, 1, outs, &def),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_create("Negative", 1, ins, 1, empty, &def),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_create("Negative", -1, ins, 1, outs, &def),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(c2op_op_def_create("Negative", 1, ins, -1, outs, &def),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK(def == sentinel);
  CHECK_STATUS(c2op_op_def_clone(NULL, &def), C2OP_ERR_NULL_POINTER);
  CHECK(def == sentinel);
  c2op_op_def_destroy(NULL);
}

int main(void) {
  (void)test_seed();
  /* Listing first: later tests register more schemas. */
  RUN(listing_contains_each_builtin_once_and_matches_lookup);
  RUN(schema_at_out_of_range_fails_and_leaves_output);
  RUN(negative_schema_has_caffe2_counts_and_inplace);
  RUN(negate_gradient_schema_has_caffe2_counts_and_inplace);
  RUN(sum_schema_takes_one_or_more_inputs_inplace_on_first);
  RUN(builtin_schemas_use_identical_type_and_shape_inference);
  RUN(negative_onnx_name_is_neg);
  RUN(negate_gradient_has_no_onnx_name_and_notes_identity);
  RUN(negative_accepts_every_numeric_dtype_but_not_bool);
  RUN(negate_gradient_accepts_bool_and_every_numeric_dtype);
  RUN(schemas_document_op_inputs_and_outputs);
  RUN(unknown_op_lookup_is_not_found_naming_the_op);
  RUN(registered_schema_is_found_by_pointer_and_listed_last);
  RUN(duplicate_schema_is_already_exists);
  RUN(inconsistent_schemas_are_invalid_argument_and_not_registered);

  RUN(infer_identical_copies_dtype_and_shape_to_every_output);
  RUN(infer_identical_handles_scalars_and_empty_shapes);
  RUN(infer_identical_rejects_bad_arguments_leaving_outputs);

  RUN(builtin_ops_have_cpu_kernels);
  RUN(negative_cpu_kernel_negates_when_called_directly);
  RUN(cuda_kernel_lookup_without_cuda_names_op_and_device);
  RUN(kernel_lookup_of_unknown_op_is_not_found);
  RUN(kernel_registration_needs_a_schema_and_never_replaces);
  RUN(custom_op_and_kernel_run_through_a_workspace);
  RUN(workspace_checks_custom_schema_dtypes_before_the_kernel);
  RUN(workspace_allocates_outputs_from_the_schema_inference);
  RUN(running_an_op_without_a_kernel_is_not_found);

  RUN(negative_gradient_is_negative_of_output_grad);
  RUN(negate_gradient_gradient_is_negative_of_output_grad);
  RUN(gradient_uses_x_grad_y_grad_names_and_cpu_device);
  RUN(gradient_honours_custom_output_grad_names);
  RUN(gradient_ops_are_independent_copies);
  RUN(sum_has_no_gradient_with_a_clear_message);
  RUN(gradient_defs_reject_null_and_unknown_ops);
  RUN(negate_gradient_maker_requires_exactly_one_input);
  RUN(registering_a_gradient_for_an_unknown_op_fails);
  RUN(registering_a_second_gradient_for_an_op_is_already_exists);
  RUN(custom_gradient_maker_is_used_and_marks_its_ops);
  RUN(failing_gradient_maker_status_comes_back_and_nothing_leaks);

  RUN(op_def_create_deep_copies_and_sets_defaults);
  RUN(op_def_create_allows_zero_inputs);
  RUN(op_def_clone_is_deep_and_complete);
  RUN(op_def_setters_rename_and_copy);
  RUN(op_def_setters_reject_bad_index_and_null);
  RUN(op_def_create_rejects_bad_arguments_leaving_output);
  return TEST_MAIN_END();
}
