/*
 * gradient_reversal.c - the gradient reversal layer (Caffe2's NegateGradient)
 * in a net, forward and backward.
 *
 * In domain-adversarial training a feature extractor feeds a domain
 * classifier through a gradient reversal layer: forward, the layer is the
 * identity; backward, it flips the sign of the gradient, so the features are
 * trained to fool the classifier. Here:
 *
 *   forward net:  NegateGradient(feature) -> reversed
 *   backward net: built by c2op_net_build_backward from "reversed";
 *                 it reads reversed_grad and writes feature_grad.
 *
 * Prints the tensors as "name = [v, v, ...]" with "%+.9g" (exact for
 * float32). Exits non-zero unless reversed == feature and
 * feature_grad == -reversed_grad exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "c2op.h"

enum { ROWS = 2, COLS = 3, COUNT = ROWS * COLS };

static int fail(const char *what, c2op_status status) {
  fprintf(stderr, "gradient_reversal: %s failed: %s: %s\n", what, c2op_status_name(status),
          c2op_last_error());
  return 1;
}

static int feed(c2op_workspace *ws, const char *name, const float *v) {
  int64_t shape[2] = {ROWS, COLS};
  DLTensor t = {.data = (void *)v,
                .device = {.device_type = kDLCPU, .device_id = 0},
                .ndim = 2,
                .dtype = {.code = kDLFloat, .bits = 32, .lanes = 1},
                .shape = shape,
                .strides = NULL,
                .byte_offset = 0};
  c2op_status s = c2op_workspace_feed(ws, name, &t);
  return s == C2OP_OK ? 0 : fail("c2op_workspace_feed", s);
}

/* Copies blob `name` (a 2x3 float32) into `out` and prints it. */
static int fetch_and_print(const c2op_workspace *ws, const char *name, float *out) {
  const DLTensor *t = NULL;
  c2op_status s = c2op_workspace_fetch(ws, name, &t);
  if (s != C2OP_OK) return fail("c2op_workspace_fetch", s);
  if (t->ndim != 2 || t->shape[0] != ROWS || t->shape[1] != COLS ||
      t->dtype.code != kDLFloat || t->dtype.bits != 32 || t->dtype.lanes != 1) {
    fprintf(stderr, "gradient_reversal: blob %s is not a %dx%d float32 tensor\n", name, ROWS,
            COLS);
    return 1;
  }
  memcpy(out, (const char *)t->data + t->byte_offset, sizeof(float) * COUNT);
  printf("  %-13s = [", name);
  for (int i = 0; i < COUNT; i++) printf("%s%+.9g", i ? ", " : "", (double)out[i]);
  printf("]\n");
  return 0;
}

static void print_net(const c2op_net *net) {
  for (int32_t i = 0; i < c2op_net_num_ops(net); i++) {
    const c2op_op_def *d = NULL;
    if (c2op_net_op(net, i, &d) != C2OP_OK) return;
    printf("  op %d: %s(", (int)i, d->type);
    for (int32_t k = 0; k < d->num_inputs; k++) printf("%s%s", k ? ", " : "", d->inputs[k]);
    printf(") -> ");
    for (int32_t k = 0; k < d->num_outputs; k++) printf("%s%s", k ? ", " : "", d->outputs[k]);
    printf("%s\n", d->is_gradient_op ? "   (gradient op)" : "");
  }
}

static int same_bits(const float *a, const float *b, int negate_b) {
  for (int i = 0; i < COUNT; i++) {
    float want = negate_b ? -b[i] : b[i];
    if (memcmp(&a[i], &want, sizeof want) != 0) return 0;
  }
  return 1;
}

static int run(c2op_workspace *ws, c2op_net *forward) {
  /* Features from some extractor, and the domain classifier's gradient. */
  const float feature[COUNT] = {0.5f, -1.25f, 2.0f, -0.75f, 3.5f, -4.0f};
  const float reversed_grad[COUNT] = {0.125f, 0.25f, -1.5f, 2.0f, -0.0625f, 1.0f};
  float got_feature[COUNT], got_reversed[COUNT], got_rgrad[COUNT], got_fgrad[COUNT];

  const char *in[1] = {"feature"};
  const char *out[1] = {"reversed"};
  c2op_op_def *grl = NULL;
  c2op_status s = c2op_op_def_create("NegateGradient", 1, in, 1, out, &grl);
  if (s != C2OP_OK) return fail("c2op_op_def_create", s);
  s = c2op_net_add_op(forward, grl);
  c2op_op_def_destroy(grl);
  if (s == C2OP_OK) s = c2op_net_add_external_input(forward, "feature");
  if (s == C2OP_OK) s = c2op_net_add_external_output(forward, "reversed");
  if (s != C2OP_OK) return fail("building the forward net", s);

  printf("forward net \"%s\":\n", c2op_net_name(forward));
  print_net(forward);
  if (feed(ws, "feature", feature) != 0) return 1;
  s = c2op_workspace_run_net(ws, NULL, forward);
  if (s != C2OP_OK) return fail("c2op_workspace_run_net(forward)", s);
  printf("forward pass (the identity):\n");
  if (fetch_and_print(ws, "feature", got_feature) != 0) return 1;
  if (fetch_and_print(ws, "reversed", got_reversed) != 0) return 1;
  if (!same_bits(got_reversed, feature, 0)) {
    fprintf(stderr, "gradient_reversal: forward output differs from its input\n");
    return 1;
  }

  const char *outputs[1] = {"reversed"};
  c2op_net *backward = NULL;
  s = c2op_net_build_backward(forward, 1, outputs, &backward);
  if (s != C2OP_OK) return fail("c2op_net_build_backward", s);
  printf("\nbackward net (from \"reversed\"):\n");
  print_net(backward);
  int rc = feed(ws, "reversed_grad", reversed_grad);
  if (rc == 0) {
    s = c2op_workspace_run_net(ws, NULL, backward);
    if (s != C2OP_OK) rc = fail("c2op_workspace_run_net(backward)", s);
  }
  c2op_net_destroy(backward);
  if (rc != 0) return rc;
  printf("backward pass (the gradient reversed):\n");
  if (fetch_and_print(ws, "reversed_grad", got_rgrad) != 0) return 1;
  if (fetch_and_print(ws, "feature_grad", got_fgrad) != 0) return 1;
  if (!same_bits(got_fgrad, reversed_grad, 1)) {
    fprintf(stderr, "gradient_reversal: feature_grad is not -reversed_grad\n");
    return 1;
  }
  printf("\nreversed == feature and feature_grad == -reversed_grad: ok\n");
  return 0;
}

int main(void) {
  printf("Gradient reversal layer: c2op's NegateGradient, forward and backward\n\n");
  c2op_workspace *ws = NULL;
  c2op_net *forward = NULL;
  c2op_status s = c2op_workspace_create(&ws);
  if (s != C2OP_OK) return fail("c2op_workspace_create", s);
  s = c2op_net_create("gradient_reversal", &forward);
  int rc = s == C2OP_OK ? run(ws, forward) : fail("c2op_net_create", s);
  c2op_net_destroy(forward);
  c2op_workspace_destroy(ws);
  return rc;
}
