/*
 * test_api_misuse.c - the argument checks of the public API that the other
 * tests do not reach: gradients, nets, op defs, the schema and kernel
 * registries, the Negative/NegateGradient registry kernels called
 * directly, and contexts. Each call is checked for its status and message,
 * and for leaving its outputs as they were. Also the gradient of ops
 * without inputs or outputs. The last test fills the schema registry to
 * its capacity, so it runs last.
 */
#include "framework_util.h"

static c2op_op_def *negative_def(void) { return fu_op1("Negative", "X", "Y"); }

static void gradient_calls_check_their_arguments(void) {
  c2op_op_def *fwd = negative_def();
  if (!fwd) return;
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, NULL, &g));
  if (!g) {
    c2op_op_def_destroy(fwd);
    return;
  }
  const int32_t ops = g->num_ops;
  CHECK_STATUS(c2op_gradient_add_op(NULL, fwd, fwd), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "gradient is NULL");
  CHECK_STATUS(c2op_gradient_add_op(g, NULL, fwd), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "forward is NULL");
  CHECK_STATUS(c2op_gradient_add_op(g, fwd, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "def is NULL");
  CHECK_EQ_INT(g->num_ops, ops);

  char *grad0 = g->input_grads[0];
  CHECK_STATUS(c2op_gradient_set_input_grad(NULL, 0, "a"), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "gradient is NULL");
  CHECK_STATUS(c2op_gradient_set_input_grad(g, -1, "a"), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "i: -1 is out of range for 1 inputs");
  CHECK_STATUS(c2op_gradient_set_input_grad(g, 0, ""), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "blob is an empty name");
  CHECK(g->input_grads[0] == grad0);
  CHECK_EQ_STR(g->input_grads[0], "X_grad");
  /* NULL: the input gets no gradient. */
  CHECK_OK(c2op_gradient_set_input_grad(g, 0, NULL));
  CHECK(g->input_grads[0] == NULL);
  c2op_gradient_destroy(g);

  /* A forward def without a type. */
  c2op_gradient *untouched = (c2op_gradient *)&untouched;
  char *type = fwd->type;
  fwd->type = NULL;
  CHECK_STATUS(c2op_get_gradient_defs(fwd, NULL, &untouched), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "forward: type is NULL");
  CHECK(untouched == (c2op_gradient *)&untouched);
  fwd->type = type;
  c2op_op_def_destroy(fwd);

  /* Negative's gradient needs exactly one input and one output. */
  const char *ins[2] = {"A", "B"};
  const char *outs[1] = {"Y"};
  c2op_op_def *two = fu_op("Negative", 2, ins, 1, outs);
  if (two) {
    CHECK_STATUS(c2op_get_gradient_defs(two, NULL, &untouched), C2OP_ERR_SCHEMA_VIOLATION);
    CHECK_CONTAINS(c2op_last_error(),
                   "Negative: the gradient needs exactly 1 input and 1 output, the op has 2 and 1");
    CHECK(untouched == (c2op_gradient *)&untouched);
  }
  c2op_op_def_destroy(two);
}

/* No gradient flows into Y: Negative's gradient has no ops and X gets no
 * gradient. */
static void negative_without_an_output_gradient_has_no_gradient_ops(void) {
  c2op_op_def *fwd = negative_def();
  if (!fwd) return;
  const char *none[1] = {NULL};
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, none, &g));
  if (g) {
    CHECK_EQ_INT(g->num_ops, 0);
    CHECK_EQ_INT(g->num_input_grads, 1);
    CHECK(g->input_grads[0] == NULL);
  }
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(fwd);
}

/* TestNoIO: no inputs, no outputs; its gradient maker adds one op. */
static c2op_status noio_grad(const c2op_op_def *forward, const char *const *output_grads,
                             c2op_gradient *g) {
  (void)output_grads;
  const char *ins[1] = {"G"};
  const char *outs[1] = {"H"};
  c2op_op_def *def = NULL;
  c2op_status s = c2op_op_def_create("Negative", 1, ins, 1, outs, &def);
  if (s == C2OP_OK) s = c2op_gradient_add_op(g, forward, def);
  c2op_op_def_destroy(def);
  return s;
}
static const c2op_op_schema noio_schema = {.name = "TestNoIO", .doc = "nothing in, nothing out"};

static void gradient_of_an_op_without_inputs_or_outputs(void) {
  CHECK_OK(c2op_register_schema(&noio_schema));
  CHECK_OK(c2op_register_gradient("TestNoIO", noio_grad));
  c2op_op_def *fwd = NULL;
  CHECK_OK(c2op_op_def_create("TestNoIO", 0, NULL, 0, NULL, &fwd));
  if (!fwd) return;
  c2op_gradient *g = NULL;
  CHECK_OK(c2op_get_gradient_defs(fwd, NULL, &g));
  if (g) {
    CHECK_EQ_INT(g->num_input_grads, 0);
    CHECK_EQ_INT(g->num_ops, 1);
    if (g->num_ops == 1) {
      CHECK_EQ_STR(g->ops[0]->type, "Negative");
      CHECK_EQ_INT(g->ops[0]->is_gradient_op, 1);
    }
  }
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(fwd);
}

static void net_calls_check_their_arguments(void) {
  CHECK_EQ_STR(c2op_net_name(NULL), "");
  CHECK_EQ_INT(c2op_net_num_ops(NULL), 0);
  CHECK_EQ_INT(c2op_net_num_external_inputs(NULL), 0);
  CHECK_EQ_INT(c2op_net_num_external_outputs(NULL), 0);
  const c2op_op_def *def = (const c2op_op_def *)&def;
  CHECK_STATUS(c2op_net_op(NULL, 0, &def), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "net is NULL");
  const char *blob = "unset";
  CHECK_STATUS(c2op_net_external_input(NULL, 0, &blob), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "net is NULL");
  CHECK_STATUS(c2op_net_external_output(NULL, 0, &blob), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "net is NULL");
  CHECK_STATUS(c2op_net_add_external_input(NULL, "a"), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "net is NULL");

  c2op_net *net = NULL;
  CHECK_OK(c2op_net_create("n", &net));
  if (!net) return;
  CHECK_STATUS(c2op_net_op(net, 0, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "def_out is NULL");
  CHECK_STATUS(c2op_net_external_input(net, 0, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "blob_out is NULL");
  CHECK_STATUS(c2op_net_add_external_input(net, ""), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "blob is an empty name");
  CHECK_STATUS(c2op_net_add_external_output(net, ""), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(c2op_net_num_external_inputs(net), 0);
  CHECK_EQ_INT(c2op_net_num_external_outputs(net), 0);
  CHECK(def == (const c2op_op_def *)&def);
  CHECK_EQ_STR(blob, "unset");
  c2op_net_destroy(net);
}

/* build_backward: an empty output name is refused; an output listed
 * twice counts once. */
static void backward_outputs_empty_or_listed_twice(void) {
  c2op_net *fwd = NULL;
  CHECK_OK(c2op_net_create("f", &fwd));
  c2op_op_def *def = negative_def();
  if (!fwd || !def) {
    c2op_net_destroy(fwd);
    c2op_op_def_destroy(def);
    return;
  }
  CHECK_OK(c2op_net_add_op(fwd, def));
  c2op_net *bwd = (c2op_net *)&bwd;
  const char *empty[1] = {""};
  CHECK_STATUS(c2op_net_build_backward(fwd, 1, empty, &bwd), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "outputs[0] is empty");
  CHECK(bwd == (c2op_net *)&bwd);
  const char *twice[2] = {"Y", "Y"};
  bwd = NULL;
  CHECK_OK(c2op_net_build_backward(fwd, 2, twice, &bwd));
  if (bwd) {
    CHECK_EQ_INT(c2op_net_num_ops(bwd), 1);
    const c2op_op_def *op = NULL;
    CHECK_OK(c2op_net_op(bwd, 0, &op));
    if (op && op->num_inputs == 1 && op->num_outputs == 1) {
      CHECK_EQ_STR(op->type, "Negative");
      CHECK_EQ_STR(op->inputs[0], "Y_grad");
      CHECK_EQ_STR(op->outputs[0], "X_grad");
    }
    CHECK_EQ_INT(c2op_net_num_external_inputs(bwd), 1);
  }
  c2op_net_destroy(bwd);
  c2op_op_def_destroy(def);
  c2op_net_destroy(fwd);
}

static void op_def_calls_check_their_arguments(void) {
  c2op_op_def *def = (c2op_op_def *)&def;
  const char *ins[1] = {"X"};
  CHECK_STATUS(c2op_op_def_create("", 1, ins, 1, ins, &def), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "type is empty");
  CHECK(def == (c2op_op_def *)&def);
  c2op_op_def *fwd = negative_def();
  if (!fwd) return;
  CHECK_STATUS(c2op_op_def_clone(fwd, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "def_out is NULL");
  /* A def whose name field is NULL clones with an empty name. */
  char *name = fwd->name;
  fwd->name = NULL;
  c2op_op_def *copy = NULL;
  CHECK_OK(c2op_op_def_clone(fwd, &copy));
  fwd->name = name;
  if (copy) {
    CHECK_EQ_STR(copy->name, "");
    CHECK_EQ_STR(copy->type, "Negative");
  }
  c2op_op_def_destroy(copy);
  c2op_op_def_destroy(fwd);
}

static c2op_status dummy_kernel(const c2op_context *ctx, int32_t ni, const DLTensor *const *in,
                                int32_t no, DLTensor *const *out) {
  (void)ctx;
  (void)ni;
  (void)in;
  (void)no;
  (void)out;
  return C2OP_OK;
}

static void schemas_and_kernels_are_checked_when_registered(void) {
  static const c2op_inplace_pair bad_pairs[][1] = {{{0, -1}}, {{0, 1}}, {{-1, 0}}, {{1, 0}}};
  static const DLDataType f32 = {kDLFloat, 32, 1};
  c2op_op_schema s = {.name = "TestBadSchema", .min_inputs = 1, .max_inputs = 1,
                      .min_outputs = 1, .max_outputs = 1};
  s.num_inplace = -1;
  CHECK_STATUS(c2op_register_schema(&s), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "schema 'TestBadSchema': -1 in-place pairs but inplace is NULL");
  s.num_inplace = 1;
  CHECK_STATUS(c2op_register_schema(&s), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "schema 'TestBadSchema': 1 in-place pairs but inplace is NULL");
  for (int i = 0; i < 4; i++) {
    s.inplace = bad_pairs[i];
    CHECK_STATUS(c2op_register_schema(&s), C2OP_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(c2op_last_error(), "in-place pair 0 (input");
    CHECK_CONTAINS(c2op_last_error(), ") is out of range");
  }
  s.num_inplace = 0;
  s.inplace = NULL;
  s.num_dtypes = -2;
  CHECK_STATUS(c2op_register_schema(&s), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "schema 'TestBadSchema': -2 dtypes but dtypes is NULL");
  s.num_dtypes = 1;
  CHECK_STATUS(c2op_register_schema(&s), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "schema 'TestBadSchema': 1 dtypes but dtypes is NULL");
  static const DLDataType f32x4[2] = {{kDLFloat, 32, 1}, {kDLFloat, 32, 4}};
  s.num_dtypes = 2;
  s.dtypes = f32x4;
  CHECK_STATUS(c2op_register_schema(&s), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "schema 'TestBadSchema': dtypes[1] has 4 lanes (1 expected)");
  s.num_dtypes = 1;
  s.dtypes = &f32;
  CHECK_STATUS(c2op_schema_lookup("TestBadSchema", &(const c2op_op_schema *){NULL}),
               C2OP_ERR_NOT_FOUND);

  CHECK(!c2op_schema_accepts_dtype(NULL, f32));
  CHECK(!c2op_schema_allows_inplace(NULL, 0, 0));

  /* Kernels: devices out of range; a lookup on a device without kernel. */
  CHECK_STATUS(c2op_register_kernel("Negative", (c2op_device_type)-1, dummy_kernel),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "device: -1 is not a c2op_device_type");
  CHECK_STATUS(c2op_register_kernel("Negative", (c2op_device_type)2, dummy_kernel),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "device: 2 is not a c2op_device_type");
  c2op_kernel_fn k = dummy_kernel;
  CHECK_STATUS(c2op_kernel_lookup("Negative", (c2op_device_type)-1, &k), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "device: -1 is not a c2op_device_type");
  static const c2op_op_schema nokernel = {.name = "TestNoKernel", .min_inputs = 1,
                                          .max_inputs = 1, .min_outputs = 1, .max_outputs = 1};
  CHECK_OK(c2op_register_schema(&nokernel));
  CHECK_STATUS(c2op_kernel_lookup("TestNoKernel", C2OP_DEVICE_CPU, &k), C2OP_ERR_NOT_FOUND);
  CHECK_CONTAINS(c2op_last_error(), "op 'TestNoKernel' has no kernel for device CPU");
  CHECK(k == dummy_kernel);

  /* Inference with no outputs needs no output array. */
  c2op_tensor_type in = {f32, 1, {3}};
  CHECK_OK(c2op_infer_identical(1, &in, 0, NULL));
  CHECK_STATUS(c2op_infer_identical(1, &in, -1, NULL), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "num_outputs: -1 is negative");
}

/* The registry kernels of Negative and NegateGradient, called directly,
 * check what the workspace would have checked. */
static void unary_registry_kernels_check_their_arguments(void) {
  static const char *const ops[2] = {"Negative", "NegateGradient"};
  for (int o = 0; o < 2; o++) {
    c2op_kernel_fn k = NULL;
    CHECK_OK(c2op_kernel_lookup(ops[o], C2OP_DEVICE_CPU, &k));
    if (!k) continue;
    float x[3] = {1, 2, 3}, y[3] = {9, 9, 9};
    const float y0[3] = {9, 9, 9};
    int64_t shape[1] = {3};
    DLTensor tx = fu_view(x, fu_f32, 1, shape, NULL), ty = fu_view(y, fu_f32, 1, shape, NULL);
    const DLTensor *xs[2] = {&tx, &tx};
    DLTensor *ys[2] = {&ty, &ty};
    char want[160];
    CHECK_STATUS(k(NULL, 2, xs, 1, ys), C2OP_ERR_SCHEMA_VIOLATION);
    snprintf(want, sizeof want, "%s: takes 1 input and 1 output, got 2 and 1", ops[o]);
    CHECK_CONTAINS(c2op_last_error(), want);
    CHECK_STATUS(k(NULL, 1, xs, 2, ys), C2OP_ERR_SCHEMA_VIOLATION);
    CHECK_CONTAINS(c2op_last_error(), "got 1 and 2");
    CHECK_STATUS(k(NULL, 1, NULL, 1, ys), C2OP_ERR_NULL_POINTER);
    snprintf(want, sizeof want, "%s: inputs is NULL", ops[o]);
    CHECK_CONTAINS(c2op_last_error(), want);
    CHECK_STATUS(k(NULL, 1, xs, 1, NULL), C2OP_ERR_NULL_POINTER);
    snprintf(want, sizeof want, "%s: outputs is NULL", ops[o]);
    CHECK_CONTAINS(c2op_last_error(), want);
    const DLTensor *null_x[1] = {NULL};
    CHECK_STATUS(k(NULL, 1, null_x, 1, ys), C2OP_ERR_NULL_POINTER);
    snprintf(want, sizeof want, "%s: inputs[0] is NULL", ops[o]);
    CHECK_CONTAINS(c2op_last_error(), want);
    DLTensor *null_y[1] = {NULL};
    CHECK_STATUS(k(NULL, 1, xs, 1, null_y), C2OP_ERR_NULL_POINTER);
    snprintf(want, sizeof want, "%s: outputs[0] is NULL", ops[o]);
    CHECK_CONTAINS(c2op_last_error(), want);
    DLTensor gx = tx;
    gx.device.device_type = kDLCUDA;
    const DLTensor *gxs[1] = {&gx};
    CHECK_STATUS(k(NULL, 1, gxs, 1, ys), C2OP_ERR_DEVICE_MISMATCH);
    snprintf(want, sizeof want, "%s: inputs[0] is on CUDA:0, but this is the CPU kernel", ops[o]);
    CHECK_CONTAINS(c2op_last_error(), want);
    DLTensor gy = ty;
    gy.device.device_type = kDLOpenCL;
    DLTensor *gys[1] = {&gy};
    CHECK_STATUS(k(NULL, 1, xs, 1, gys), C2OP_ERR_DEVICE_MISMATCH);
    snprintf(want, sizeof want, "%s: outputs[0] is on OpenCL:0, but this is the CPU kernel", ops[o]);
    CHECK_CONTAINS(c2op_last_error(), want);
    CHECK(memcmp(y, y0, sizeof y) == 0);
  }
}

static void context_thread_counts_are_checked(void) {
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  if (!ctx) return;
  CHECK_OK(c2op_context_set_num_threads(ctx, 3));
  CHECK_STATUS(c2op_context_set_num_threads(ctx, 1025), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "num_threads: 1025 is out of range [0, 1024] (0 = automatic)");
  int32_t n = -1;
  CHECK_OK(c2op_context_get_num_threads(ctx, &n));
  CHECK_EQ_INT(n, 3);
  /* Back to automatic (0): a pass with it gives the right values. */
  CHECK_OK(c2op_context_set_num_threads(ctx, 0));
  float x[4] = {1, -2, 0, 4}, y[4] = {0, 0, 0, 0}, want[4] = {-1, 2, -0.0f, -4};
  int64_t shape[1] = {4};
  DLTensor tx = fu_view(x, fu_f32, 1, shape, NULL), ty = fu_view(y, fu_f32, 1, shape, NULL);
  CHECK_OK(c2op_negative_ex(ctx, &tx, &ty));
  fu_check_floats_eq("y", y, want, 4);
  /* A pass large enough to be split over threads, with the context at
   * automatic and at 1024 threads: exact. */
  enum { BIG = 1 << 22 };
  float *bx = malloc(BIG * sizeof *bx), *by = malloc(BIG * sizeof *by);
  CHECK(bx && by);
  if (bx && by) {
    for (int i = 0; i < BIG; i++) {
      bx[i] = (float)(i % 1000) - 500.0f;
      by[i] = 0.0f;
    }
    int64_t big[1] = {BIG};
    DLTensor tbx = fu_view(bx, fu_f32, 1, big, NULL), tby = fu_view(by, fu_f32, 1, big, NULL);
    /* Automatic, then 1024 threads (more than the pool's 64: capped). */
    for (int round = 0; round < 2; round++) {
      if (round == 1) CHECK_OK(c2op_context_set_num_threads(ctx, 1024));
      memset(by, 0, BIG * sizeof *by);
      CHECK_OK(c2op_negative_ex(ctx, &tbx, &tby));
      int bad = -1;
      for (int i = 0; i < BIG && bad < 0; i++)
        if (memcmp(&by[i], &(float){-bx[i]}, sizeof(float)) != 0) bad = i;
      if (bad >= 0)
        TEST_FAIL_("round %d: element %d is %g, want %g", round, bad, (double)by[bad],
                   -(double)bx[bad]);
    }
  }
  free(bx);
  free(by);
  c2op_context_destroy(ctx);
}

/* The registry holds 1024 ops; the 1025th is refused with a message, and
 * what was registered stays. */
static void a_full_registry_refuses_one_more_schema(void) {
  enum { CAP = 1024 };
  static char names[CAP][24];
  static c2op_op_schema schemas[CAP];
  const int32_t before = c2op_schema_count();
  int32_t added = 0;
  c2op_status s = C2OP_OK;
  for (int i = 0; i < CAP && s == C2OP_OK; i++) {
    snprintf(names[i], sizeof names[i], "TestFill%d", i);
    schemas[i] = (c2op_op_schema){.name = names[i], .min_inputs = 1, .max_inputs = 1,
                                  .min_outputs = 1, .max_outputs = 1};
    s = c2op_register_schema(&schemas[i]);
    if (s == C2OP_OK) added++;
  }
  CHECK_STATUS(s, C2OP_ERR_OUT_OF_MEMORY);
  CHECK_CONTAINS(c2op_last_error(), "schema: the registry is full (1024 ops)");
  CHECK_EQ_INT(before + added, CAP);
  CHECK_EQ_INT(c2op_schema_count(), CAP);
  const c2op_op_schema *found = NULL;
  CHECK_OK(c2op_schema_lookup("Negative", &found));
  CHECK_OK(c2op_schema_lookup("TestFill0", &found));
}

int main(void) {
  RUN(gradient_calls_check_their_arguments);
  RUN(negative_without_an_output_gradient_has_no_gradient_ops);
  RUN(gradient_of_an_op_without_inputs_or_outputs);
  RUN(net_calls_check_their_arguments);
  RUN(backward_outputs_empty_or_listed_twice);
  RUN(op_def_calls_check_their_arguments);
  RUN(schemas_and_kernels_are_checked_when_registered);
  RUN(unary_registry_kernels_check_their_arguments);
  RUN(context_thread_counts_are_checked);
  RUN(a_full_registry_refuses_one_more_schema);
  return TEST_MAIN_END();
}
