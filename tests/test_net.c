/*
 * test_net.c - nets (ops run in order, externals, failures) and backward
 * nets built with c2op_net_build_backward (Caffe2's AddGradientOperators):
 * structure, and the gradients they compute checked against values the test
 * derives from each op's gradient sign (Negative: -1, NegateGradient: -1 as
 * the gradient reversal layer, a blob read twice: the sum).
 */
#include "framework_util.h"

enum { N = 12 }; /* elements of every tensor here: shape {3, 4} */
static int64_t shape34[2] = {3, 4};

static c2op_net *new_net(const char *name) {
  c2op_net *net = NULL;
  CHECK_OK(c2op_net_create(name, &net));
  return net;
}

static void add1(c2op_net *net, const char *type, const char *in, const char *out) {
  c2op_op_def *def = fu_op1(type, in, out);
  if (def && net) CHECK_OK(c2op_net_add_op(net, def));
  c2op_op_def_destroy(def);
}

static void addn(c2op_net *net, const char *type, int32_t ni, const char *const *ins, int32_t no,
                 const char *const *outs) {
  c2op_op_def *def = fu_op(type, ni, ins, no, outs);
  if (def && net) CHECK_OK(c2op_net_add_op(net, def));
  c2op_op_def_destroy(def);
}

static c2op_net *backward_of(const c2op_net *fwd, int32_t n, const char *const *outs) {
  c2op_net *bwd = NULL;
  if (fwd) CHECK_OK(c2op_net_build_backward(fwd, n, outs, &bwd));
  return bwd;
}

/* "Negative(Y_grad)->X_grad; Sum(a,b)->c" for failure messages. */
static const char *describe(const c2op_net *net) {
  static char buf[2048];
  buf[0] = '\0';
  size_t len = 0;
  int32_t n = net ? c2op_net_num_ops(net) : 0;
  for (int32_t i = 0; i < n && len < sizeof buf - 64; i++) {
    const c2op_op_def *d = NULL;
    if (c2op_net_op(net, i, &d) != C2OP_OK || !d) break;
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s(", i ? "; " : "", d->type);
    for (int32_t k = 0; k < d->num_inputs && len < sizeof buf - 64; k++)
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", k ? "," : "", d->inputs[k]);
    len += (size_t)snprintf(buf + len, sizeof buf - len, ")->");
    for (int32_t k = 0; k < d->num_outputs && len < sizeof buf - 64; k++)
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", k ? "," : "", d->outputs[k]);
  }
  return buf;
}

static const c2op_op_def *op_at(const c2op_net *net, int32_t i) {
  const c2op_op_def *d = NULL;
  CHECK_OK(c2op_net_op(net, i, &d));
  return d;
}

/* Checks op i of `net` is type(in)->out, a gradient op. */
static void check_op1(const c2op_net *net, int32_t i, const char *type, const char *in,
                      const char *out) {
  const c2op_op_def *d = op_at(net, i);
  if (!d) return;
  if (strcmp(d->type, type) != 0 || d->num_inputs != 1 || d->num_outputs != 1 ||
      strcmp(d->inputs[0], in) != 0 || strcmp(d->outputs[0], out) != 0)
    TEST_FAIL_("op %d: expected %s(%s)->%s in [%s]", (int)i, type, in, out, describe(net));
  CHECK_EQ_INT(d->is_gradient_op, 1);
}

/* Whether the net's external input / output list contains `blob`. */
static int has_external(const c2op_net *net, int output, const char *blob) {
  int32_t n = output ? c2op_net_num_external_outputs(net) : c2op_net_num_external_inputs(net);
  for (int32_t i = 0; i < n; i++) {
    const char *b = NULL;
    c2op_status s = output ? c2op_net_external_output(net, i, &b) : c2op_net_external_input(net, i, &b);
    if (s == C2OP_OK && b && strcmp(b, blob) == 0) return 1;
  }
  return 0;
}

static void feed_random(c2op_workspace *ws, const char *name, float *v, uint64_t *st) {
  fu_fill_random(v, N, st);
  fu_feed_f32(ws, name, v, 2, shape34);
}

/* Checks blob `name` == sum over k of signs[k] * grads[k], computed here. */
static void check_combination(const c2op_workspace *ws, const char *name, int nterms,
                              const int *signs, float *const *grads, const c2op_net *bwd) {
  float want[N], got[N];
  for (int i = 0; i < N; i++) {
    float acc = 0.0f;
    for (int k = 0; k < nterms; k++) acc += signs[k] > 0 ? grads[k][i] : -grads[k][i];
    want[i] = acc;
  }
  if (!fu_fetch_f32(ws, name, got, N)) {
    TEST_FAIL_("backward net was [%s]", describe(bwd));
    return;
  }
  for (int i = 0; i < N; i++) {
    if (got[i] != want[i]) {
      TEST_FAIL_("%s[%d] = %.9g, expected %.9g; backward net [%s]", name, i, (double)got[i],
                 (double)want[i], describe(bwd));
      return;
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Nets                                                                      */
/* ------------------------------------------------------------------------ */

static void net_create_keeps_its_name_and_starts_empty(void) {
  c2op_net *net = new_net("forward_net");
  if (net) {
    CHECK_EQ_STR(c2op_net_name(net), "forward_net");
    CHECK_EQ_INT(c2op_net_num_ops(net), 0);
    CHECK_EQ_INT(c2op_net_num_external_inputs(net), 0);
    CHECK_EQ_INT(c2op_net_num_external_outputs(net), 0);
  }
  c2op_net *unnamed = new_net("");
  if (unnamed) CHECK_EQ_STR(c2op_net_name(unnamed), "");
  c2op_net *sentinel = (c2op_net *)&sentinel;
  c2op_net *out = sentinel;
  CHECK_STATUS(c2op_net_create(NULL, &out), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_net_create("n", NULL), C2OP_ERR_NULL_POINTER);
  CHECK(out == sentinel);
  c2op_net_destroy(unnamed);
  c2op_net_destroy(net);
  c2op_net_destroy(NULL);
}

static void net_add_op_stores_an_independent_copy(void) {
  c2op_net *net = new_net("n");
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (net && def) {
    CHECK_OK(c2op_net_add_op(net, def));
    CHECK_OK(c2op_op_def_set_input(def, 0, "changed"));
    CHECK_OK(c2op_net_add_op(net, def));
    CHECK_EQ_INT(c2op_net_num_ops(net), 2);
    const c2op_op_def *d0 = op_at(net, 0), *d1 = op_at(net, 1);
    if (d0) {
      CHECK(d0 != def);
      CHECK_EQ_STR(d0->type, "Negative");
      CHECK_EQ_STR(d0->inputs[0], "X");
      CHECK_EQ_STR(d0->outputs[0], "Y");
    }
    if (d1) CHECK_EQ_STR(d1->inputs[0], "changed");
    const c2op_op_def *sentinel = (const c2op_op_def *)&sentinel;
    const c2op_op_def *d = sentinel;
    CHECK(c2op_net_op(net, 2, &d) != C2OP_OK);
    CHECK(c2op_net_op(net, -1, &d) != C2OP_OK);
    CHECK(d == sentinel);
    CHECK_STATUS(c2op_net_add_op(net, NULL), C2OP_ERR_NULL_POINTER);
    CHECK_STATUS(c2op_net_add_op(NULL, def), C2OP_ERR_NULL_POINTER);
    CHECK_EQ_INT(c2op_net_num_ops(net), 2);
  }
  c2op_op_def_destroy(def);
  c2op_net_destroy(net);
}

static void net_externals_are_kept_in_order(void) {
  c2op_net *net = new_net("n");
  if (!net) return;
  char buf[8] = "X";
  CHECK_OK(c2op_net_add_external_input(net, buf));
  strcpy(buf, "W");
  CHECK_OK(c2op_net_add_external_input(net, buf));
  CHECK_OK(c2op_net_add_external_output(net, "Y"));
  strcpy(buf, "zz");
  CHECK_EQ_INT(c2op_net_num_external_inputs(net), 2);
  CHECK_EQ_INT(c2op_net_num_external_outputs(net), 1);
  const char *b = NULL;
  CHECK_OK(c2op_net_external_input(net, 0, &b));
  CHECK_EQ_STR(b, "X");
  CHECK_OK(c2op_net_external_input(net, 1, &b));
  CHECK_EQ_STR(b, "W");
  CHECK_OK(c2op_net_external_output(net, 0, &b));
  CHECK_EQ_STR(b, "Y");
  const char *sentinel = "untouched";
  b = sentinel;
  CHECK(c2op_net_external_input(net, 2, &b) != C2OP_OK);
  CHECK(c2op_net_external_output(net, 1, &b) != C2OP_OK);
  CHECK(c2op_net_external_output(net, -1, &b) != C2OP_OK);
  CHECK(b == sentinel);
  CHECK_STATUS(c2op_net_add_external_input(net, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_net_add_external_output(NULL, "Y"), C2OP_ERR_NULL_POINTER);
  c2op_net_destroy(net);
}

static void net_runs_its_ops_in_order(void) {
  c2op_net *net = new_net("order");
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (net && ws) {
    /* Y is written twice: the final value proves the order. */
    add1(net, "Negative", "X", "Y");
    add1(net, "NegateGradient", "Z", "Y");
    add1(net, "Negative", "Y", "W");
    uint64_t st = test_seed() ^ 0x1;
    float x[N], z[N], got[N], want[N];
    feed_random(ws, "X", x, &st);
    feed_random(ws, "Z", z, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, net));
    if (fu_fetch_f32(ws, "Y", got, N)) fu_check_floats_eq("Y", got, z, N);
    for (int i = 0; i < N; i++) want[i] = -z[i];
    if (fu_fetch_f32(ws, "W", got, N)) fu_check_floats_eq("W", got, want, N);
    if (fu_fetch_f32(ws, "X", got, N)) fu_check_floats_eq("X", got, x, N);
  }
  c2op_workspace_destroy(ws);
  c2op_net_destroy(net);
}

static void empty_net_runs_and_changes_nothing(void) {
  c2op_net *net = new_net("empty");
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (net && ws) {
    CHECK_OK(c2op_workspace_run_net(ws, NULL, net));
    CHECK_EQ_INT(c2op_workspace_num_blobs(ws), 0);
    CHECK_STATUS(c2op_workspace_run_net(NULL, NULL, net), C2OP_ERR_NULL_POINTER);
    CHECK_STATUS(c2op_workspace_run_net(ws, NULL, NULL), C2OP_ERR_NULL_POINTER);
  }
  c2op_workspace_destroy(ws);
  c2op_net_destroy(net);
}

static void failing_op_stops_the_net_and_names_its_index_and_type(void) {
  c2op_net *net = new_net("fails");
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (net && ws) {
    add1(net, "Negative", "X", "A");
    add1(net, "Negative", "A", "B");
    add1(net, "NegateGradient", "B", "C");
    const char *ins[2] = {"A", "missing_blob"};
    const char *outs[1] = {"S"};
    addn(net, "Sum", 2, ins, 1, outs); /* op 3 fails */
    add1(net, "Negative", "X", "D");
    uint64_t st = test_seed() ^ 0x2;
    float x[N], got[N], want[N];
    feed_random(ws, "X", x, &st);
    c2op_status s = c2op_workspace_run_net(ws, NULL, net);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", c2op_last_error());
    CHECK_EQ_INT(s, C2OP_ERR_NOT_FOUND);
    CHECK_CONTAINS(msg, "3");
    CHECK_CONTAINS(msg, "Sum");
    CHECK_CONTAINS(msg, "missing_blob");
    /* What ran before stays; nothing after ran. */
    for (int i = 0; i < N; i++) want[i] = -x[i];
    if (fu_fetch_f32(ws, "A", got, N)) fu_check_floats_eq("A", got, want, N);
    if (fu_fetch_f32(ws, "C", got, N)) fu_check_floats_eq("C", got, x, N);
    CHECK(!c2op_workspace_has_blob(ws, "S"));
    CHECK(!c2op_workspace_has_blob(ws, "D"));
  }
  c2op_workspace_destroy(ws);
  c2op_net_destroy(net);
}

/* ------------------------------------------------------------------------ */
/* Backward nets: structure                                                  */
/* ------------------------------------------------------------------------ */

static void backward_of_negative_is_one_negative_of_y_grad(void) {
  c2op_net *fwd = new_net("fwd");
  add1(fwd, "Negative", "X", "Y");
  const char *outs[1] = {"Y"};
  c2op_net *bwd = backward_of(fwd, 1, outs);
  if (bwd) {
    CHECK_EQ_INT(c2op_net_num_ops(bwd), 1);
    if (c2op_net_num_ops(bwd) == 1) check_op1(bwd, 0, "Negative", "Y_grad", "X_grad");
    CHECK_EQ_INT(c2op_net_num_external_inputs(bwd), 1);
    CHECK(has_external(bwd, 0, "Y_grad"));
    CHECK_EQ_INT(c2op_net_num_external_outputs(bwd), 1);
    CHECK(has_external(bwd, 1, "X_grad"));
  }
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

static void backward_of_a_chain_lists_gradient_ops_in_reverse(void) {
  c2op_net *fwd = new_net("chain");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "NegateGradient", "A", "B");
  add1(fwd, "Negative", "B", "Y");
  const char *outs[1] = {"Y"};
  c2op_net *bwd = backward_of(fwd, 1, outs);
  if (bwd) {
    CHECK_EQ_INT(c2op_net_num_ops(bwd), 3);
    if (c2op_net_num_ops(bwd) == 3) {
      check_op1(bwd, 0, "Negative", "Y_grad", "B_grad");
      check_op1(bwd, 1, "Negative", "B_grad", "A_grad");
      check_op1(bwd, 2, "Negative", "A_grad", "X_grad");
    }
    CHECK(has_external(bwd, 0, "Y_grad"));
    CHECK_EQ_INT(c2op_net_num_external_outputs(bwd), 1);
    CHECK(has_external(bwd, 1, "X_grad"));
  }
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

static void backward_copies_the_forward_device_option(void) {
  c2op_net *fwd = new_net("dev");
  c2op_op_def *def = fu_op1("Negative", "X", "Y");
  if (def && fwd) {
    def->device_option.device_type = C2OP_DEVICE_CUDA;
    def->device_option.device_id = 1;
    CHECK_OK(c2op_net_add_op(fwd, def));
  }
  c2op_op_def_destroy(def);
  const char *outs[1] = {"Y"};
  c2op_net *bwd = backward_of(fwd, 1, outs);
  if (bwd && c2op_net_num_ops(bwd) == 1) {
    const c2op_op_def *d = op_at(bwd, 0);
    if (d) {
      CHECK_EQ_INT(d->device_option.device_type, C2OP_DEVICE_CUDA);
      CHECK_EQ_INT(d->device_option.device_id, 1);
    }
  } else {
    TEST_FAIL_("expected a one-op backward net");
  }
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

static void backward_skips_ops_off_the_path_of_the_chosen_outputs(void) {
  c2op_net *fwd = new_net("skip");
  const char *ins[2] = {"P", "Q"};
  const char *outs_r[1] = {"R"};
  addn(fwd, "Sum", 2, ins, 1, outs_r); /* no gradient: would fail if visited */
  add1(fwd, "Negative", "X", "Y");
  add1(fwd, "Negative", "Z", "W");
  add1(fwd, "Negative", "Y", "V"); /* consumes Y, but V is not chosen */
  const char *outs[1] = {"Y"};
  c2op_net *bwd = backward_of(fwd, 1, outs);
  if (bwd) {
    CHECK_EQ_INT(c2op_net_num_ops(bwd), 1);
    if (c2op_net_num_ops(bwd) == 1) check_op1(bwd, 0, "Negative", "Y_grad", "X_grad");
    CHECK(!has_external(bwd, 1, "Z_grad"));
    CHECK(!has_external(bwd, 1, "P_grad"));
  }
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

static void fan_out_writes_autosplit_blobs_and_sums_them(void) {
  c2op_net *fwd = new_net("fan");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "NegateGradient", "X", "B");
  const char *outs[2] = {"A", "B"};
  c2op_net *bwd = backward_of(fwd, 2, outs);
  if (!bwd) {
    c2op_net_destroy(fwd);
    return;
  }
  int32_t n = c2op_net_num_ops(bwd);
  CHECK_EQ_INT(n, 3);
  const char *split[2] = {NULL, NULL};
  int nsplit = 0, last_split = -1, sum_at = -1;
  for (int32_t i = 0; i < n; i++) {
    const c2op_op_def *d = op_at(bwd, i);
    if (!d) continue;
    if (strcmp(d->type, "Sum") == 0) {
      sum_at = (int)i;
      if (d->num_outputs != 1 || strcmp(d->outputs[0], "X_grad") != 0)
        TEST_FAIL_("Sum does not write X_grad: [%s]", describe(bwd));
      if (d->num_inputs != 2)
        TEST_FAIL_("Sum has %d inputs: [%s]", (int)d->num_inputs, describe(bwd));
      continue;
    }
    CHECK_EQ_STR(d->type, "Negative");
    CHECK_EQ_INT(d->is_gradient_op, 1);
    if (d->num_outputs == 1 && strncmp(d->outputs[0], "X_grad_autosplit_", 17) == 0) {
      if (nsplit < 2) split[nsplit] = d->outputs[0];
      nsplit++;
      last_split = (int)i;
    }
  }
  CHECK_EQ_INT(nsplit, 2);
  if (nsplit == 2) CHECK(strcmp(split[0], split[1]) != 0);
  CHECK(sum_at > last_split);
  if (sum_at >= 0 && nsplit == 2) {
    const c2op_op_def *s = op_at(bwd, sum_at);
    if (s && s->num_inputs == 2) {
      int fed0 = !strcmp(s->inputs[0], split[0]) || !strcmp(s->inputs[0], split[1]);
      int fed1 = !strcmp(s->inputs[1], split[0]) || !strcmp(s->inputs[1], split[1]);
      CHECK(fed0 && fed1 && strcmp(s->inputs[0], s->inputs[1]) != 0);
    }
  }
  CHECK(has_external(bwd, 0, "A_grad"));
  CHECK(has_external(bwd, 0, "B_grad"));
  CHECK(has_external(bwd, 1, "X_grad"));
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

static void fan_out_to_one_chosen_output_needs_no_sum(void) {
  c2op_net *fwd = new_net("fan1");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "Negative", "X", "B");
  const char *outs[1] = {"A"};
  c2op_net *bwd = backward_of(fwd, 1, outs);
  if (bwd) {
    CHECK_EQ_INT(c2op_net_num_ops(bwd), 1);
    if (c2op_net_num_ops(bwd) == 1) check_op1(bwd, 0, "Negative", "A_grad", "X_grad");
  }
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

/* ------------------------------------------------------------------------ */
/* Backward nets: errors                                                     */
/* ------------------------------------------------------------------------ */

static void op_without_gradient_on_the_path_is_no_gradient_naming_it(void) {
  c2op_net *fwd = new_net("nograd");
  add1(fwd, "Negative", "X", "A");
  const char *ins[2] = {"A", "Z"};
  const char *outs_s[1] = {"S"};
  addn(fwd, "Sum", 2, ins, 1, outs_s);
  add1(fwd, "Negative", "S", "Y");
  const char *outs[1] = {"Y"};
  c2op_net *sentinel = (c2op_net *)&sentinel;
  c2op_net *bwd = sentinel;
  if (fwd) {
    CHECK_STATUS(c2op_net_build_backward(fwd, 1, outs, &bwd), C2OP_ERR_NO_GRADIENT);
    CHECK_CONTAINS(c2op_last_error(), "Sum");
  }
  CHECK(bwd == sentinel);
  c2op_net_destroy(fwd);
}

static void output_not_produced_by_the_net_is_an_error_naming_it(void) {
  c2op_net *fwd = new_net("f");
  add1(fwd, "Negative", "X", "Y");
  c2op_net *sentinel = (c2op_net *)&sentinel;
  c2op_net *bwd = sentinel;
  const char *nope[1] = {"not_produced"};
  if (fwd) {
    CHECK(c2op_net_build_backward(fwd, 1, nope, &bwd) != C2OP_OK);
    CHECK_CONTAINS(c2op_last_error(), "not_produced");
    const char *mixed[2] = {"Y", "not_produced"};
    CHECK(c2op_net_build_backward(fwd, 2, mixed, &bwd) != C2OP_OK);
    CHECK_CONTAINS(c2op_last_error(), "not_produced");
    const char *input_only[1] = {"X"}; /* read, never written */
    CHECK(c2op_net_build_backward(fwd, 1, input_only, &bwd) != C2OP_OK);
  }
  CHECK(bwd == sentinel);
  c2op_net_destroy(fwd);
}

static void build_backward_rejects_null_arguments(void) {
  c2op_net *fwd = new_net("f");
  add1(fwd, "Negative", "X", "Y");
  const char *outs[1] = {"Y"};
  const char *null_name[1] = {NULL};
  c2op_net *sentinel = (c2op_net *)&sentinel;
  c2op_net *bwd = sentinel;
  CHECK_STATUS(c2op_net_build_backward(NULL, 1, outs, &bwd), C2OP_ERR_NULL_POINTER);
  if (fwd) {
    CHECK_STATUS(c2op_net_build_backward(fwd, 1, NULL, &bwd), C2OP_ERR_NULL_POINTER);
    CHECK_STATUS(c2op_net_build_backward(fwd, 1, null_name, &bwd), C2OP_ERR_NULL_POINTER);
    CHECK_STATUS(c2op_net_build_backward(fwd, 1, outs, NULL), C2OP_ERR_NULL_POINTER);
    CHECK_STATUS(c2op_net_build_backward(fwd, -1, outs, &bwd), C2OP_ERR_INVALID_ARGUMENT);
  }
  CHECK(bwd == sentinel);
  c2op_net_destroy(fwd);
}

/* ------------------------------------------------------------------------ */
/* Backward nets: numbers                                                    */
/* ------------------------------------------------------------------------ */

/* Runs `fwd` on a random X, builds the backward net from `outs`, feeds a
 * random gradient for each, runs it, and checks X_grad is
 * sum_k signs[k] * outs_grad[k]. Also checks the forward blobs survive. */
static void check_backward_numbers(const c2op_net *fwd, int32_t nouts, const char *const *outs,
                                   const int *signs, uint64_t salt) {
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  c2op_net *bwd = backward_of(fwd, nouts, outs);
  if (ws && bwd) {
    uint64_t st = test_seed() ^ salt;
    float x[N];
    feed_random(ws, "X", x, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
    fu_snapshot forward_state = fu_snapshot_take(ws);
    float grads[4][N];
    float *gp[4];
    for (int32_t k = 0; k < nouts && k < 4; k++) {
      char name[64];
      snprintf(name, sizeof name, "%s_grad", outs[k]);
      feed_random(ws, name, grads[k], &st);
      gp[k] = grads[k];
    }
    fu_snapshot fed = fu_snapshot_take(ws);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
    check_combination(ws, "X_grad", (int)nouts, signs, gp, bwd);
    /* Forward blobs other than the gradients are untouched by backward. */
    for (int32_t i = 0; i < forward_state.n; i++) {
      const fu_blob_copy *b = &forward_state.blobs[i];
      float now[N];
      if (b->nbytes == sizeof now && fu_fetch_f32(ws, b->name, now, N) &&
          memcmp(now, b->bytes, sizeof now) != 0)
        TEST_FAIL_("backward changed forward blob %s", b->name);
    }
    /* The fed output gradients are inputs only, except where X_grad is one
     * (in-place nets reuse the name). */
    for (int32_t i = 0; i < fed.n; i++) {
      const fu_blob_copy *b = &fed.blobs[i];
      float now[N];
      if (strstr(b->name, "_grad") && strcmp(b->name, "X_grad") != 0 &&
          fu_fetch_f32(ws, b->name, now, N) && memcmp(now, b->bytes, sizeof now) != 0)
        TEST_FAIL_("backward changed its input %s", b->name);
    }
    fu_snapshot_free(&fed);
    fu_snapshot_free(&forward_state);
  }
  c2op_net_destroy(bwd);
  c2op_workspace_destroy(ws);
}

static void negative_backward_gives_minus_y_grad(void) {
  c2op_net *fwd = new_net("neg");
  add1(fwd, "Negative", "X", "Y");
  const char *outs[1] = {"Y"};
  const int signs[1] = {-1};
  if (fwd) check_backward_numbers(fwd, 1, outs, signs, 0x10);
  c2op_net_destroy(fwd);
}

static void negate_gradient_forward_is_the_identity_out_of_and_in_place(void) {
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  c2op_net *fwd = new_net("grl");
  c2op_net *inplace = new_net("grl_inplace");
  add1(fwd, "NegateGradient", "X", "Y");
  add1(inplace, "NegateGradient", "X", "X");
  if (ws && fwd && inplace) {
    uint64_t st = test_seed() ^ 0x11;
    float x[N], got[N];
    feed_random(ws, "X", x, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
    if (fu_fetch_f32(ws, "Y", got, N)) fu_check_floats_eq("Y", got, x, N);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, inplace));
    if (fu_fetch_f32(ws, "X", got, N)) fu_check_floats_eq("X", got, x, N);
  }
  c2op_net_destroy(inplace);
  c2op_net_destroy(fwd);
  c2op_workspace_destroy(ws);
}

/* Caffe2's test_negate_gradient_grad: X_grad == -Y_grad. */
static void negate_gradient_backward_gives_minus_y_grad(void) {
  c2op_net *fwd = new_net("grl");
  add1(fwd, "NegateGradient", "X", "Y");
  const char *outs[1] = {"Y"};
  const int signs[1] = {-1};
  if (fwd) check_backward_numbers(fwd, 1, outs, signs, 0x12);
  c2op_net_destroy(fwd);
}

static void negate_gradient_in_place_backward_negates_x_grad(void) {
  c2op_net *fwd = new_net("grl_inplace");
  add1(fwd, "NegateGradient", "X", "X");
  const char *outs[1] = {"X"};
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  c2op_net *bwd = backward_of(fwd, 1, outs);
  if (ws && bwd) {
    uint64_t st = test_seed() ^ 0x13;
    float x[N], g[N], want[N], got[N];
    feed_random(ws, "X", x, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
    feed_random(ws, "X_grad", g, &st); /* the gradient of the output X */
    CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
    for (int i = 0; i < N; i++) want[i] = -g[i];
    if (fu_fetch_f32(ws, "X_grad", got, N)) fu_check_floats_eq("X_grad", got, want, N);
  }
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
  c2op_workspace_destroy(ws);
}

static void chain_gradient_is_the_product_of_op_signs(void) {
  /* Negative, NegateGradient, Negative: forward Y == X, gradient -Y_grad. */
  c2op_net *fwd = new_net("chain3");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "NegateGradient", "A", "B");
  add1(fwd, "Negative", "B", "Y");
  const char *outs[1] = {"Y"};
  const int minus[1] = {-1};
  if (fwd) check_backward_numbers(fwd, 1, outs, minus, 0x14);
  c2op_net_destroy(fwd);
  /* Negative, Negative: gradient +Y_grad. */
  c2op_net *two = new_net("chain2");
  add1(two, "Negative", "X", "A");
  add1(two, "Negative", "A", "Y");
  const int plus[1] = {+1};
  if (two) check_backward_numbers(two, 1, outs, plus, 0x15);
  c2op_net_destroy(two);
}

static void in_place_chain_gradient_is_right(void) {
  /* X <- -X; X <- -X; Y = -X: forward Y == -X0, gradient -Y_grad. */
  c2op_net *fwd = new_net("inplace3");
  add1(fwd, "Negative", "X", "X");
  add1(fwd, "Negative", "X", "X");
  add1(fwd, "Negative", "X", "Y");
  const char *outs[1] = {"Y"};
  const int minus[1] = {-1};
  if (fwd) {
    c2op_net *bwd = backward_of(fwd, 1, outs);
    if (bwd) CHECK_EQ_INT(c2op_net_num_ops(bwd), 3);
    c2op_net_destroy(bwd);
    check_backward_numbers(fwd, 1, outs, minus, 0x16);
  }
  c2op_net_destroy(fwd);
  /* X <- -X; Y = NegateGradient(X): gradient +Y_grad. */
  c2op_net *even = new_net("inplace2");
  add1(even, "Negative", "X", "X");
  add1(even, "NegateGradient", "X", "Y");
  const int plus[1] = {+1};
  if (even) check_backward_numbers(even, 1, outs, plus, 0x17);
  c2op_net_destroy(even);
}

static void in_place_forward_values_are_right(void) {
  c2op_net *fwd = new_net("inplace3");
  add1(fwd, "Negative", "X", "X");
  add1(fwd, "Negative", "X", "X");
  add1(fwd, "Negative", "X", "Y");
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (ws && fwd) {
    uint64_t st = test_seed() ^ 0x18;
    float x[N], got[N], want[N];
    feed_random(ws, "X", x, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
    for (int i = 0; i < N; i++) want[i] = -x[i];
    if (fu_fetch_f32(ws, "X", got, N)) fu_check_floats_eq("X", got, x, N);
    if (fu_fetch_f32(ws, "Y", got, N)) fu_check_floats_eq("Y", got, want, N);
  }
  c2op_workspace_destroy(ws);
  c2op_net_destroy(fwd);
}

static void fan_out_gradient_is_the_sum_of_both_paths(void) {
  /* A = -X (sign -1); B = NegateGradient(X) (sign -1, the reversal). */
  c2op_net *fwd = new_net("fan");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "NegateGradient", "X", "B");
  const char *outs[2] = {"A", "B"};
  const int signs[2] = {-1, -1};
  if (fwd) check_backward_numbers(fwd, 2, outs, signs, 0x19);
  c2op_net_destroy(fwd);
}

static void fan_out_with_opposite_signs_sums_them(void) {
  /* A = -X (sign -1); C = -(-X) (sign +1): X_grad = -A_grad + C_grad. */
  c2op_net *fwd = new_net("fan_mixed");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "Negative", "X", "B");
  add1(fwd, "Negative", "B", "C");
  const char *outs[2] = {"A", "C"};
  const int signs[2] = {-1, +1};
  if (fwd) check_backward_numbers(fwd, 2, outs, signs, 0x1A);
  c2op_net_destroy(fwd);
}

static void fan_out_across_an_in_place_op_sums_the_right_versions(void) {
  /* A = -X0; X1 = -X0 (in place); B = -X1 = X0: X_grad = -A_grad + B_grad. */
  c2op_net *fwd = new_net("fan_inplace");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "Negative", "X", "X");
  add1(fwd, "Negative", "X", "B");
  const char *outs[2] = {"A", "B"};
  const int signs[2] = {-1, +1};
  if (fwd) check_backward_numbers(fwd, 2, outs, signs, 0x1B);
  c2op_net_destroy(fwd);
}

static void three_way_fan_out_sums_three_contributions(void) {
  c2op_net *fwd = new_net("fan3");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "NegateGradient", "X", "B");
  add1(fwd, "Negative", "X", "T");
  add1(fwd, "Negative", "T", "C");
  const char *outs[3] = {"A", "B", "C"};
  const int signs[3] = {-1, -1, +1};
  if (fwd) check_backward_numbers(fwd, 3, outs, signs, 0x1C);
  c2op_net_destroy(fwd);
}

/* Y is written twice: only its last writer's input gets a gradient. */
static void overwritten_output_gets_its_gradient_from_the_last_writer(void) {
  c2op_net *fwd = new_net("overwrite");
  add1(fwd, "Negative", "X", "Y");
  add1(fwd, "NegateGradient", "Z", "Y");
  const char *outs[1] = {"Y"};
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  c2op_net *bwd = backward_of(fwd, 1, outs);
  if (ws && bwd) {
    CHECK_EQ_INT(c2op_net_num_ops(bwd), 1);
    if (c2op_net_num_ops(bwd) == 1) check_op1(bwd, 0, "Negative", "Y_grad", "Z_grad");
    uint64_t st = test_seed() ^ 0x20;
    float x[N], z[N], g[N];
    feed_random(ws, "X", x, &st);
    feed_random(ws, "Z", z, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
    feed_random(ws, "Y_grad", g, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
    const int minus[1] = {-1};
    float *gp[1] = {g};
    check_combination(ws, "Z_grad", 1, minus, gp, bwd);
    CHECK(!c2op_workspace_has_blob(ws, "X_grad"));
  }
  c2op_net_destroy(bwd);
  c2op_workspace_destroy(ws);
  c2op_net_destroy(fwd);
}

/* A = -X; Y = -A, backward from A and Y: A's gradient is the fed A_grad plus
 * what flows back from Y, so X_grad = -(A_grad - Y_grad). */
static void chosen_intermediate_output_adds_its_own_gradient(void) {
  c2op_net *fwd = new_net("intermediate");
  add1(fwd, "Negative", "X", "A");
  add1(fwd, "Negative", "A", "Y");
  const char *outs[2] = {"A", "Y"};
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  c2op_net *bwd = backward_of(fwd, 2, outs);
  if (ws && bwd) {
    uint64_t st = test_seed() ^ 0x21;
    float x[N], ga[N], gy[N];
    feed_random(ws, "X", x, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
    feed_random(ws, "A_grad", ga, &st);
    feed_random(ws, "Y_grad", gy, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
    const int signs[2] = {-1, +1};
    float *gp[2] = {ga, gy};
    check_combination(ws, "X_grad", 2, signs, gp, bwd);
  }
  c2op_net_destroy(bwd);
  c2op_workspace_destroy(ws);
  c2op_net_destroy(fwd);
}

/* X read by 70 ops: the backward Sum has 70 inputs. */
static void wide_fan_out_sums_every_contribution(void) {
  enum { K = 70 };
  c2op_net *fwd = new_net("wide");
  char names[K][16];
  const char *outs[K];
  for (int k = 0; k < K; k++) {
    snprintf(names[k], sizeof names[k], "out%d", k);
    outs[k] = names[k];
    add1(fwd, k % 2 ? "Negative" : "NegateGradient", "X", names[k]);
  }
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  c2op_net *bwd = backward_of(fwd, K, outs);
  if (ws && bwd) {
    uint64_t st = test_seed() ^ 0x1F;
    float x[N], want[N] = {0}, got[N];
    feed_random(ws, "X", x, &st);
    CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
    for (int k = 0; k < K; k++) {
      float g[N];
      char gname[32];
      for (int i = 0; i < N; i++) {
        g[i] = (float)((k * 5 + i * 3) % 13 - 6); /* small integers: sums are exact */
        want[i] -= g[i]; /* both ops have gradient sign -1 */
      }
      snprintf(gname, sizeof gname, "out%d_grad", k);
      fu_feed_f32(ws, gname, g, 2, shape34);
    }
    CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
    if (fu_fetch_f32(ws, "X_grad", got, N)) fu_check_floats_eq("X_grad", got, want, N);
  }
  c2op_net_destroy(bwd);
  c2op_workspace_destroy(ws);
  c2op_net_destroy(fwd);
}

/* Feeds random `inputs` and runs fwd, feeds random `seeds` and runs bwd,
 * then checks that grads[k] is -seeds[k] for both k. */
static void check_negated_seeds(c2op_workspace *ws, const c2op_net *fwd, const c2op_net *bwd,
                                const char *const inputs[2], const char *const seeds[2],
                                const char *const grads[2], uint64_t salt) {
  uint64_t st = test_seed() ^ salt;
  float in[2][N], seed[2][N];
  for (int k = 0; k < 2; k++) feed_random(ws, inputs[k], in[k], &st);
  CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
  for (int k = 0; k < 2; k++) feed_random(ws, seeds[k], seed[k], &st);
  CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
  const int minus[1] = {-1};
  for (int k = 0; k < 2; k++) {
    float *g[1] = {seed[k]};
    check_combination(ws, grads[k], 1, minus, g, bwd);
  }
}

static void independent_outputs_get_independent_gradients(void) {
  c2op_net *fwd = new_net("two");
  add1(fwd, "Negative", "X", "Y");
  add1(fwd, "NegateGradient", "Z", "W");
  const char *outs[2] = {"Y", "W"};
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  c2op_net *bwd = backward_of(fwd, 2, outs);
  if (ws && bwd) {
    CHECK_EQ_INT(c2op_net_num_ops(bwd), 2);
    CHECK(has_external(bwd, 1, "X_grad"));
    CHECK(has_external(bwd, 1, "Z_grad"));
    const char *inputs[2] = {"X", "Z"}, *seeds[2] = {"Y_grad", "W_grad"};
    const char *grads[2] = {"X_grad", "Z_grad"};
    check_negated_seeds(ws, fwd, bwd, inputs, seeds, grads, 0x1D);
  }
  c2op_net_destroy(bwd);
  c2op_workspace_destroy(ws);
  c2op_net_destroy(fwd);
}

/* ------------------------------------------------------------------------ */
/* A custom op with a registered gradient takes part in backward nets        */
/* ------------------------------------------------------------------------ */

static const DLDataType triple_dtypes[] = {{kDLFloat, 32, 1}};
static const c2op_inplace_pair triple_inplace[] = {{0, 0}};
static const c2op_op_schema triple_schema = {
    .name = "TestTriple",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .inplace = triple_inplace,
    .num_inplace = 1,
    .infer = c2op_infer_identical,
    .inference_name = "IdenticalTypeAndShape",
    .dtypes = triple_dtypes,
    .num_dtypes = 1,
    .doc = "Y = 3 * X (test op)",
};

static c2op_status triple_kernel(const c2op_context *ctx, int32_t num_inputs,
                                 const DLTensor *const *inputs, int32_t num_outputs,
                                 DLTensor *const *outputs) {
  (void)ctx;
  if (num_inputs != 1 || num_outputs != 1) return C2OP_ERR_INVALID_ARGUMENT;
  const DLTensor *x = inputs[0];
  DLTensor *y = outputs[0];
  if (x->dtype.bits != 32 || y->dtype.bits != 32 || fu_numel(x) != fu_numel(y))
    return C2OP_ERR_SHAPE_MISMATCH;
  if (x->strides || y->strides) return C2OP_ERR_INVALID_ARGUMENT;
  const float *xs = (const float *)fu_bytes(x);
  float *ys = (float *)((char *)y->data + y->byte_offset);
  for (int64_t i = 0; i < fu_numel(x); i++) ys[i] = 3.0f * xs[i];
  return C2OP_OK;
}

static c2op_status triple_grad_maker(const c2op_op_def *forward, const char *const *output_grads,
                                     c2op_gradient *gradient) {
  char name[128];
  snprintf(name, sizeof name, "%s_grad", forward->inputs[0]);
  const char *ins[1] = {output_grads[0]};
  const char *outs[1] = {name};
  c2op_op_def *def = NULL;
  c2op_status s = c2op_op_def_create("TestTriple", 1, ins, 1, outs, &def);
  if (s != C2OP_OK) return s;
  s = c2op_gradient_add_op(gradient, forward, def);
  c2op_op_def_destroy(def);
  if (s != C2OP_OK) return s;
  return c2op_gradient_set_input_grad(gradient, 0, name);
}

static void backward_uses_a_registered_custom_gradient(void) {
  CHECK_OK(c2op_register_schema(&triple_schema));
  CHECK_OK(c2op_register_kernel("TestTriple", C2OP_DEVICE_CPU, triple_kernel));
  CHECK_OK(c2op_register_gradient("TestTriple", triple_grad_maker));
  /* A = 3X; Y = -A: X_grad = -3 Y_grad. */
  c2op_net *fwd = new_net("custom");
  add1(fwd, "TestTriple", "X", "A");
  add1(fwd, "Negative", "A", "Y");
  const char *outs[1] = {"Y"};
  const int signs[3] = {-1, -1, -1}; /* -Y_grad three times */
  if (fwd) {
    c2op_workspace *ws = NULL;
    CHECK_OK(c2op_workspace_create(&ws));
    c2op_net *bwd = backward_of(fwd, 1, outs);
    if (ws && bwd) {
      CHECK_EQ_INT(c2op_net_num_ops(bwd), 2);
      if (c2op_net_num_ops(bwd) == 2) {
        check_op1(bwd, 0, "Negative", "Y_grad", "A_grad");
        check_op1(bwd, 1, "TestTriple", "A_grad", "X_grad");
      }
      uint64_t st = test_seed() ^ 0x1E;
      float x[N], g[N];
      feed_random(ws, "X", x, &st);
      CHECK_OK(c2op_workspace_run_net(ws, NULL, fwd));
      feed_random(ws, "Y_grad", g, &st);
      CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
      float *gp[3] = {g, g, g};
      check_combination(ws, "X_grad", 3, signs, gp, bwd);
    }
    c2op_net_destroy(bwd);
    c2op_workspace_destroy(ws);
  }
  c2op_net_destroy(fwd);
}

/* A maker that writes no op and passes the output's gradient through as
 * the input's (Caffe2's Alias does this). */
static const c2op_op_schema alias_schema = {
    .name = "TestAlias",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .infer = c2op_infer_identical,
    .inference_name = "IdenticalTypeAndShape",
    .dtypes = triple_dtypes,
    .num_dtypes = 1,
    .doc = "Y = X (test op)",
};

static c2op_status alias_kernel(const c2op_context *ctx, int32_t num_inputs,
                                const DLTensor *const *inputs, int32_t num_outputs,
                                DLTensor *const *outputs) {
  if (num_inputs != 1 || num_outputs != 1) return C2OP_ERR_INVALID_ARGUMENT;
  return c2op_negate_gradient_ex(ctx, inputs[0], outputs[0]); /* forward: a copy */
}

static c2op_status alias_grad_maker(const c2op_op_def *forward, const char *const *output_grads,
                                    c2op_gradient *gradient) {
  (void)forward;
  return c2op_gradient_set_input_grad(gradient, 0, output_grads[0]);
}

/* Y = -A; A = X (a pass-through gradient); Z = -A. The gradient passed
 * from A (second version) to X is "A_grad", which the gradient of Y = -A
 * (first version) writes later: X's gradient must not be that blob. */
static void a_passed_through_gradient_survives_later_gradient_ops(void) {
  CHECK_OK(c2op_register_schema(&alias_schema));
  CHECK_OK(c2op_register_kernel("TestAlias", C2OP_DEVICE_CPU, alias_kernel));
  CHECK_OK(c2op_register_gradient("TestAlias", alias_grad_maker));
  c2op_net *fwd = new_net("");
  add1(fwd, "Negative", "A", "Y");
  add1(fwd, "TestAlias", "X", "A");
  add1(fwd, "Negative", "A", "Z");
  const char *outs[2] = {"Y", "Z"};
  c2op_net *bwd = backward_of(fwd, 2, outs);
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (fwd && bwd && ws) {
    CHECK_EQ_STR(c2op_net_name(bwd), "net_backward"); /* an unnamed net's */
    CHECK_EQ_INT(c2op_net_num_external_outputs(bwd), 2);
    const char *grads[2] = {NULL, NULL};
    for (int32_t i = 0; i < 2 && i < c2op_net_num_external_outputs(bwd); i++)
      CHECK_OK(c2op_net_external_output(bwd, i, &grads[i]));
    if (grads[0] && grads[1]) CHECK(strcmp(grads[0], grads[1]) != 0);
    const char *inputs[2] = {"A", "X"}, *seeds[2] = {"Y_grad", "Z_grad"};
    const char *want[2] = {"A_grad", "X_grad"};
    check_negated_seeds(ws, fwd, bwd, inputs, seeds, want, 0x2A);
  }
  c2op_workspace_destroy(ws);
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

int main(void) {
  (void)test_seed();
  RUN(net_create_keeps_its_name_and_starts_empty);
  RUN(net_add_op_stores_an_independent_copy);
  RUN(net_externals_are_kept_in_order);
  RUN(net_runs_its_ops_in_order);
  RUN(empty_net_runs_and_changes_nothing);
  RUN(failing_op_stops_the_net_and_names_its_index_and_type);

  RUN(backward_of_negative_is_one_negative_of_y_grad);
  RUN(backward_of_a_chain_lists_gradient_ops_in_reverse);
  RUN(backward_copies_the_forward_device_option);
  RUN(backward_skips_ops_off_the_path_of_the_chosen_outputs);
  RUN(fan_out_writes_autosplit_blobs_and_sums_them);
  RUN(fan_out_to_one_chosen_output_needs_no_sum);

  RUN(op_without_gradient_on_the_path_is_no_gradient_naming_it);
  RUN(output_not_produced_by_the_net_is_an_error_naming_it);
  RUN(build_backward_rejects_null_arguments);

  RUN(negative_backward_gives_minus_y_grad);
  RUN(negate_gradient_forward_is_the_identity_out_of_and_in_place);
  RUN(negate_gradient_backward_gives_minus_y_grad);
  RUN(negate_gradient_in_place_backward_negates_x_grad);
  RUN(chain_gradient_is_the_product_of_op_signs);
  RUN(in_place_chain_gradient_is_right);
  RUN(in_place_forward_values_are_right);
  RUN(fan_out_gradient_is_the_sum_of_both_paths);
  RUN(fan_out_with_opposite_signs_sums_them);
  RUN(fan_out_across_an_in_place_op_sums_the_right_versions);
  RUN(three_way_fan_out_sums_three_contributions);
  RUN(overwritten_output_gets_its_gradient_from_the_last_writer);
  RUN(chosen_intermediate_output_adds_its_own_gradient);
  RUN(wide_fan_out_sums_every_contribution);
  RUN(independent_outputs_get_independent_gradients);
  RUN(backward_uses_a_registered_custom_gradient);
  RUN(a_passed_through_gradient_survives_later_gradient_ops);
  return TEST_MAIN_END();
}
