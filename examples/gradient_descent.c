/*
 * gradient_descent.c - minimise f(w) = sum((w - t)^2) by stepping along
 * Negative(gradient), the descent direction, computed by c2op.
 *
 * Each step: compute grad f(w) = 2 (w - t) in C, feed it to the workspace as
 * blob "grad", run the op Negative(grad) -> "descent", fetch it, and step
 * w <- w + lr * descent. With lr = 0.1 the error shrinks by a factor 0.8 a
 * step, so the loss falls by 0.64 a step towards 0.
 *
 * Prints the loss every few steps. Exits non-zero if the Negative result is
 * not exactly -grad, if the loss ever fails to fall, or if it does not end
 * near 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "c2op.h"

enum { DIM = 8, STEPS = 100, PRINT_EVERY = 10 };
static const double LEARNING_RATE = 0.1;
static const double FINAL_LOSS_BOUND = 1e-12;
static const double target[DIM] = {3.0, -1.5, 0.25, 2.0, -4.0, 1.0, 0.5, -2.5};

static int fail(const char *what, c2op_status status) {
  fprintf(stderr, "gradient_descent: %s failed: %s: %s\n", what, c2op_status_name(status),
          c2op_last_error());
  return 1;
}

static double loss_of(const double *w) {
  double sum = 0.0;
  for (int i = 0; i < DIM; i++) sum += (w[i] - target[i]) * (w[i] - target[i]);
  return sum;
}

static void print_vector(const char *name, const double *v) {
  printf("%s [", name);
  for (int i = 0; i < DIM; i++) printf("%s%+.6f", i ? " " : "", v[i]);
  printf("]\n");
}

/* Feeds grad, runs `negate` (Negative(grad) -> descent) and copies the
 * result into `descent`, checking it is exactly -grad. */
static int descent_direction(c2op_workspace *ws, const c2op_op_def *negate, const double *grad,
                             double *descent) {
  int64_t shape[1] = {DIM};
  DLTensor tg = {.data = (void *)grad,
                 .device = {.device_type = kDLCPU, .device_id = 0},
                 .ndim = 1,
                 .dtype = {.code = kDLFloat, .bits = 64, .lanes = 1},
                 .shape = shape,
                 .strides = NULL,
                 .byte_offset = 0};
  c2op_status s = c2op_workspace_feed(ws, "grad", &tg);
  if (s != C2OP_OK) return fail("c2op_workspace_feed(\"grad\")", s);
  s = c2op_workspace_run_op(ws, NULL, negate);
  if (s != C2OP_OK) return fail("c2op_workspace_run_op(Negative)", s);
  const DLTensor *t = NULL;
  s = c2op_workspace_fetch(ws, "descent", &t);
  if (s != C2OP_OK) return fail("c2op_workspace_fetch(\"descent\")", s);
  if (t->ndim != 1 || t->shape[0] != DIM || t->dtype.code != kDLFloat || t->dtype.bits != 64) {
    fprintf(stderr, "gradient_descent: \"descent\" is not a float64 vector of %d\n", DIM);
    return 1;
  }
  memcpy(descent, (const char *)t->data + t->byte_offset, sizeof(double) * DIM);
  for (int i = 0; i < DIM; i++) {
    double want = -grad[i];
    if (memcmp(&descent[i], &want, sizeof want) != 0) {
      fprintf(stderr, "gradient_descent: Negative(grad)[%d] = %.17g, expected %.17g\n", i,
              descent[i], want);
      return 1;
    }
  }
  return 0;
}

static int descend(c2op_workspace *ws, const c2op_op_def *negate) {
  double w[DIM] = {0};
  double grad[DIM], descent[DIM];
  double loss = loss_of(w);
  const double first_loss = loss;
  printf("step %4d  loss %.9e\n", 0, loss);
  for (int step = 1; step <= STEPS; step++) {
    for (int i = 0; i < DIM; i++) grad[i] = 2.0 * (w[i] - target[i]);
    if (descent_direction(ws, negate, grad, descent) != 0) return 1;
    for (int i = 0; i < DIM; i++) w[i] += LEARNING_RATE * descent[i];
    double next = loss_of(w);
    if (!(next < loss)) {
      fprintf(stderr, "gradient_descent: the loss did not fall at step %d: %.9e -> %.9e\n", step,
              loss, next);
      return 1;
    }
    loss = next;
    if (step % PRINT_EVERY == 0) printf("step %4d  loss %.9e\n", step, loss);
  }
  printf("\n");
  print_vector("target t:", target);
  print_vector("final  w:", w);
  if (!(loss < FINAL_LOSS_BOUND)) {
    fprintf(stderr, "gradient_descent: final loss %.9e is not below %g\n", loss,
            FINAL_LOSS_BOUND);
    return 1;
  }
  printf("loss fell from %.6g to %.3g in %d steps: converged\n", first_loss, loss, STEPS);
  return 0;
}

int main(void) {
  printf("Gradient descent with c2op's Negative: minimise f(w) = sum((w - t)^2)\n");
  printf("%d weights, learning rate %g, each step w <- w + lr * Negative(grad f(w))\n\n", DIM,
         LEARNING_RATE);

  c2op_workspace *ws = NULL;
  c2op_status s = c2op_workspace_create(&ws);
  if (s != C2OP_OK) return fail("c2op_workspace_create", s);
  const char *inputs[1] = {"grad"};
  const char *outputs[1] = {"descent"};
  c2op_op_def *negate = NULL;
  s = c2op_op_def_create("Negative", 1, inputs, 1, outputs, &negate);
  int rc = s == C2OP_OK ? descend(ws, negate) : fail("c2op_op_def_create", s);
  c2op_op_def_destroy(negate);
  c2op_workspace_destroy(ws);
  return rc;
}
