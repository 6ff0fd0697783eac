/*
 * negative_op_example.c - Caffe2's documentation example for `Negative`,
 * in C:
 *
 *     workspace.FeedBlob("X", np.random.rand(3, 3).astype(np.float32))
 *     op = core.CreateOperator("Negative", ["X"], ["Y"])
 *     workspace.RunOperatorOnce(op)
 *     print("X:", workspace.FetchBlob("X"))
 *     print("Y:", workspace.FetchBlob("Y"))
 *
 * Usage: negative_op_example [SEED]   (the seed defaults to the time)
 *
 * Numbers are printed with "%+.9g", which is exact for float32, so the output
 * can be checked to the bit. Exits non-zero if Y is not exactly -X.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c2op.h"

enum { ROWS = 3, COLS = 3 };

/* splitmix64: small and good enough for example data. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [-1, 1), a multiple of 2^-23: exact in float32. */
static float random_float(uint64_t *state) {
  int32_t k = (int32_t)(next_random(state) >> 40) - (1 << 23);
  return (float)k / (float)(1 << 23);
}

static int fail(const char *what, c2op_status status) {
  fprintf(stderr, "negative_op_example: %s failed: %s: %s\n", what, c2op_status_name(status),
          c2op_last_error());
  return 1;
}

static void print_matrix(const char *name, const float *v) {
  printf("%s:\n", name);
  for (int r = 0; r < ROWS; r++) {
    printf("  [");
    for (int c = 0; c < COLS; c++) printf("%s%+15.9g", c ? "  " : "", (double)v[r * COLS + c]);
    printf(" ]\n");
  }
}

/* Feeds X, runs Negative(X) -> Y once, prints both and checks Y == -X. */
static int run_example(c2op_workspace *ws, const float *x) {
  int64_t shape[2] = {ROWS, COLS};
  DLTensor tx = {.data = (void *)x,
                 .device = {.device_type = kDLCPU, .device_id = 0},
                 .ndim = 2,
                 .dtype = {.code = kDLFloat, .bits = 32, .lanes = 1},
                 .shape = shape,
                 .strides = NULL,
                 .byte_offset = 0};
  c2op_status s = c2op_workspace_feed(ws, "X", &tx); /* the workspace copies X */
  if (s != C2OP_OK) return fail("c2op_workspace_feed(\"X\")", s);

  const char *inputs[1] = {"X"};
  const char *outputs[1] = {"Y"};
  c2op_op_def *op = NULL;
  s = c2op_op_def_create("Negative", 1, inputs, 1, outputs, &op);
  if (s != C2OP_OK) return fail("c2op_op_def_create", s);
  s = c2op_workspace_run_op(ws, NULL, op);
  c2op_op_def_destroy(op);
  if (s != C2OP_OK) return fail("c2op_workspace_run_op(Negative)", s);

  const DLTensor *bx = NULL, *by = NULL;
  s = c2op_workspace_fetch(ws, "X", &bx);
  if (s == C2OP_OK) s = c2op_workspace_fetch(ws, "Y", &by);
  if (s != C2OP_OK) return fail("c2op_workspace_fetch", s);
  if (by->ndim != 2 || by->shape[0] != ROWS || by->shape[1] != COLS ||
      by->dtype.code != kDLFloat || by->dtype.bits != 32 || by->dtype.lanes != 1) {
    fprintf(stderr, "negative_op_example: Y is not a 3x3 float32 tensor\n");
    return 1;
  }
  const float *xv = (const float *)((const char *)bx->data + bx->byte_offset);
  const float *yv = (const float *)((const char *)by->data + by->byte_offset);
  print_matrix("X", xv);
  print_matrix("Y", yv);

  /* Every Y must be exactly -X, sign bit included. */
  int wrong = 0;
  for (int i = 0; i < ROWS * COLS; i++) {
    float want = -x[i];
    if (memcmp(&xv[i], &x[i], sizeof x[i]) != 0 || memcmp(&yv[i], &want, sizeof want) != 0) {
      fprintf(stderr, "negative_op_example: element %d: X = %+.9g, Y = %+.9g, expected %+.9g\n",
              i, (double)xv[i], (double)yv[i], (double)want);
      wrong = 1;
    }
  }
  printf("\n%s\n", wrong ? "Y != -X: WRONG" : "Y == -X: ok");
  return wrong;
}

int main(int argc, char **argv) {
  uint64_t seed = (uint64_t)time(NULL);
  if (argc > 1) {
    char *end = NULL;
    seed = strtoull(argv[1], &end, 0);
    if (argv[1][0] == '\0' || !end || *end != '\0') {
      fprintf(stderr, "usage: %s [SEED]\n", argv[0]);
      return 2;
    }
  }

  const c2op_op_schema *schema = NULL;
  c2op_status s = c2op_schema_lookup("Negative", &schema);
  if (s != C2OP_OK) return fail("c2op_schema_lookup(\"Negative\")", s);
  printf("c2op %s: Caffe2's %s operator (ONNX %s), Y = -X\n", c2op_version_string(),
         schema->name, schema->onnx_name ? schema->onnx_name : "-");
  printf("seed %" PRIu64 " (replay with: negative_op_example %" PRIu64 ")\n\n", seed, seed);

  /* A random 3x3 float32 X. */
  float x[ROWS * COLS];
  uint64_t state = seed;
  for (int i = 0; i < ROWS * COLS; i++) x[i] = random_float(&state);

  c2op_workspace *ws = NULL;
  s = c2op_workspace_create(&ws);
  if (s != C2OP_OK) return fail("c2op_workspace_create", s);
  int rc = run_example(ws, x);
  c2op_workspace_destroy(ws);
  return rc;
}
