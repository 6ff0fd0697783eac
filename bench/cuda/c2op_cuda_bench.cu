/* c2op_cuda_bench.cu - both ops on the GPU against cudaMemcpy device to
 * device of the same bytes, measured in the same run.
 *
 * For each size (4 KiB to 1 GiB of float32) it times, with CUDA events,
 * batches of calls and reports the median batch of 7: D2D memcpy, Negative
 * out of place, Negative in place, NegateGradient (a copy), Negative on
 * int8, Negative on a transposed (strided) view, Negative on padded rows
 * (x a [rows, 1000] slice of a [rows, 1024] float32 matrix, y compact: the
 * rows kernel with 16-byte vectors), the same with x's rows 1001 apart (x
 * and y rows differ in alignment: the rows kernel's lane-by-lane path) and
 * Sum of two float32 inputs (bytes: two read, one written; the kernel also
 * goes through a scratch accumulator). GB/s count bytes read plus written.
 * It also measures the cost of one small call (16 floats)
 * against an empty kernel launch. Prints a table; writes JSON to the path in
 * argv[1] when given. */
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c2op.h"

__global__ void empty_kernel(void) {}

#define CHECK_CUDA(call)                                                       \
  do {                                                                         \
    cudaError_t e_ = (call);                                                   \
    if (e_ != cudaSuccess) {                                                   \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e_)); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

#define CHECK_C2OP(call)                                                       \
  do {                                                                         \
    if ((call) != C2OP_OK) {                                                   \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, c2op_last_error());   \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

enum { TRIALS = 7 };

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef enum {
  K_MEMCPY,
  K_NEG,
  K_NEG_INPLACE,
  K_COPY,
  K_NEG_I8,
  K_NEG_STRIDED,
  K_NEG_PADDED,
  K_NEG_PADDED_ODD,
  K_SUM2,
  K_COUNT
} kind;
static const char *kind_name[K_COUNT] = {"memcpy_d2d",         "negative",
                                         "negative_inplace",   "negate_gradient",
                                         "negative_int8",      "negative_transposed",
                                         "negative_padded_rows", "negative_padded_odd",
                                         "sum2"};

/* Padded rows: columns per row, and x's row pitch (elements) per kind. */
enum { PAD_COLS = 1000, PAD_PITCH = 1024, PAD_PITCH_ODD = 1001 };

static int64_t padded_rows(size_t bytes) {
  int64_t rows = (int64_t)(bytes / (PAD_COLS * 4));
  return rows > 0 ? rows : 1;
}

/* Bytes a call of `k` reads plus writes. */
static size_t moved_bytes(kind k, size_t bytes, int64_t side) {
  if (k == K_NEG_STRIDED) return (size_t)(side * side * 4) * 2;
  if (k == K_NEG_PADDED || k == K_NEG_PADDED_ODD) return (size_t)(padded_rows(bytes) * PAD_COLS * 4) * 2;
  if (k == K_SUM2) return bytes * 3;
  return bytes * 2;
}

/* Sum's second input (as large as y). */
static void *g_sum_b;

static void run_once(kind k, void *x, void *y, size_t bytes, int64_t side) {
  int64_t n = (int64_t)(bytes / 4), n8 = (int64_t)bytes;
  DLTensor tx = {x, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
  DLTensor ty = tx;
  ty.data = y;
  switch (k) {
  case K_MEMCPY: CHECK_CUDA(cudaMemcpyAsync(y, x, bytes, cudaMemcpyDeviceToDevice, 0)); break;
  case K_NEG: CHECK_C2OP(c2op_negative(&tx, &ty)); break;
  case K_NEG_INPLACE: CHECK_C2OP(c2op_negative(&tx, &tx)); break;
  case K_COPY: CHECK_C2OP(c2op_negate_gradient(&tx, &ty)); break;
  case K_NEG_I8: {
    tx.dtype.code = kDLInt;
    tx.dtype.bits = 8;
    tx.shape = &n8;
    ty = tx;
    ty.data = y;
    CHECK_C2OP(c2op_negative(&tx, &ty));
    break;
  }
  case K_NEG_STRIDED: {
    int64_t shape[2] = {side, side}, xs[2] = {1, side};
    DLTensor a = {x, {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, xs, 0};
    DLTensor b = {y, {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, NULL, 0};
    CHECK_C2OP(c2op_negative(&a, &b));
    break;
  }
  case K_NEG_PADDED:
  case K_NEG_PADDED_ODD: {
    int64_t shape[2] = {padded_rows(bytes), PAD_COLS};
    int64_t xs[2] = {k == K_NEG_PADDED ? PAD_PITCH : PAD_PITCH_ODD, 1};
    DLTensor a = {x, {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, xs, 0};
    DLTensor b = {y, {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, NULL, 0};
    CHECK_C2OP(c2op_negative(&a, &b));
    break;
  }
  case K_SUM2: {
    /* Two distinct inputs: x and g_sum_b (the same tensor twice would be
     * read from DRAM once). */
    static c2op_kernel_fn sum = NULL;
    if (!sum) CHECK_C2OP(c2op_kernel_lookup("Sum", C2OP_DEVICE_CUDA, &sum));
    DLTensor tb = tx;
    tb.data = g_sum_b;
    const DLTensor *in[2] = {&tx, &tb};
    DLTensor *out = &ty;
    CHECK_C2OP(sum(NULL, 2, in, 1, &out));
    break;
  }
  default: break;
  }
}

/* Median seconds per call of `k`, over TRIALS batches of `reps` calls. */
static double time_kind(kind k, void *x, void *y, size_t bytes, int64_t side, int reps) {
  cudaEvent_t a, b;
  CHECK_CUDA(cudaEventCreate(&a));
  CHECK_CUDA(cudaEventCreate(&b));
  double t[TRIALS];
  run_once(k, x, y, bytes, side); /* warm up */
  for (int i = 0; i < TRIALS; i++) {
    CHECK_CUDA(cudaEventRecord(a, 0));
    for (int r = 0; r < reps; r++) run_once(k, x, y, bytes, side);
    CHECK_CUDA(cudaEventRecord(b, 0));
    CHECK_CUDA(cudaEventSynchronize(b));
    float ms = 0;
    CHECK_CUDA(cudaEventElapsedTime(&ms, a, b));
    t[i] = ms / 1e3 / reps;
  }
  qsort(t, TRIALS, sizeof t[0], cmp_double);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return t[TRIALS / 2];
}

static double host_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  int dev = 0;
  cudaDeviceProp prop;
  CHECK_CUDA(cudaGetDeviceProperties(&prop, dev));
  printf("device: %s, %d SMs, %.0f GiB\n", prop.name, prop.multiProcessorCount,
         prop.totalGlobalMem / 1073741824.0);
  FILE *json = argc > 1 ? fopen(argv[1], "w") : NULL;
  if (json) fprintf(json, "{\"device\": \"%s\", \"rows\": [\n", prop.name);
  const size_t max_bytes = (size_t)1 << 30;
  void *x, *y;
  /* x also holds the padded-row layouts: PAD_PITCH / PAD_COLS times more. */
  const size_t x_bytes = max_bytes / PAD_COLS * PAD_PITCH + ((size_t)1 << 20);
  CHECK_CUDA(cudaMalloc(&x, x_bytes));
  CHECK_CUDA(cudaMalloc(&y, max_bytes));
  CHECK_CUDA(cudaMemset(x, 0x3c, x_bytes));
  CHECK_CUDA(cudaMalloc(&g_sum_b, max_bytes));
  CHECK_CUDA(cudaMemset(g_sum_b, 0x3d, max_bytes));
  printf("%10s", "bytes");
  for (int k = 0; k < K_COUNT; k++) printf(" %20s", kind_name[k]);
  printf("   (GB/s, read+write; ratio to memcpy)\n");
  int first = 1;
  for (size_t bytes = 4096; bytes <= max_bytes; bytes *= 4) {
    int64_t side = 1;
    while ((side * 2) * (side * 2) * 4 <= (int64_t)bytes) side *= 2;
    int reps = bytes >= ((size_t)64 << 20) ? 5 : bytes >= ((size_t)1 << 20) ? 50 : 200;
    double sec[K_COUNT];
    for (int k = 0; k < K_COUNT; k++) sec[k] = time_kind((kind)k, x, y, bytes, side, reps);
    printf("%10zu", bytes);
    for (int k = 0; k < K_COUNT; k++) {
      size_t moved = moved_bytes((kind)k, bytes, side);
      double gbs = moved / sec[k] / 1e9;
      printf(" %11.1f (%5.2fx)", gbs, sec[K_MEMCPY] / sec[k] * (double)moved / (2.0 * bytes));
      if (json)
        fprintf(json, "%s  {\"bytes\": %zu, \"kind\": \"%s\", \"seconds\": %.9g, \"gbps\": %.4f}",
                first ? "" : ",\n", bytes, kind_name[k], sec[k], gbs);
      first = 0;
    }
    printf("\n");
  }
  /* Small-call cost: 16 floats vs an empty kernel launch, host time per call
   * over many calls, then synchronise. */
  const int calls = 20000;
  int64_t n16 = 16;
  DLTensor s = {x, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, &n16, NULL, 0};
  DLTensor d = s;
  d.data = y;
  double best_empty = 1e9, best_call = 1e9;
  for (int trial = 0; trial < 5; trial++) {
    CHECK_CUDA(cudaDeviceSynchronize());
    double t0 = host_seconds();
    for (int i = 0; i < calls; i++) empty_kernel<<<1, 1>>>();
    CHECK_CUDA(cudaDeviceSynchronize());
    double t1 = host_seconds();
    for (int i = 0; i < calls; i++) CHECK_C2OP(c2op_negative(&s, &d));
    CHECK_CUDA(cudaDeviceSynchronize());
    double t2 = host_seconds();
    if ((t1 - t0) / calls < best_empty) best_empty = (t1 - t0) / calls;
    if ((t2 - t1) / calls < best_call) best_call = (t2 - t1) / calls;
  }
  printf("small call (16 float32): %.2f us per call; empty kernel launch: %.2f us; ratio %.2fx\n",
         best_call * 1e6, best_empty * 1e6, best_call / best_empty);
  /* Where a small call's host time goes: the CUDA runtime calls that c2op
   * makes per call besides the launch, each timed alone. */
  {
    int dev = 0, count = 0;
    cudaPointerAttributes attr;
    double t[3] = {1e9, 1e9, 1e9};
    for (int trial = 0; trial < 5; trial++) {
      double t0 = host_seconds();
      for (int i = 0; i < calls; i++) CHECK_CUDA(cudaGetDevice(&dev));
      double t1 = host_seconds();
      for (int i = 0; i < calls; i++) CHECK_CUDA(cudaGetDeviceCount(&count));
      double t2 = host_seconds();
      for (int i = 0; i < calls; i++) CHECK_CUDA(cudaPointerGetAttributes(&attr, x));
      double t3 = host_seconds();
      const double d[3] = {t1 - t0, t2 - t1, t3 - t2};
      for (int k = 0; k < 3; k++)
        if (d[k] / calls < t[k]) t[k] = d[k] / calls;
    }
    printf("host cost per runtime call: cudaGetDevice %.3f us, cudaGetDeviceCount %.3f us, "
           "cudaPointerGetAttributes %.3f us\n",
           t[0] * 1e6, t[1] * 1e6, t[2] * 1e6);
  }
  if (json) {
    fprintf(json, "\n], \"small_call_us\": %.4f, \"empty_launch_us\": %.4f}\n", best_call * 1e6,
            best_empty * 1e6);
    fclose(json);
  }
  cudaFree(x);
  cudaFree(y);
  cudaFree(g_sum_b);
  return 0;
}
