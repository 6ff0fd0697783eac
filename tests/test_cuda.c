/*
 * test_cuda.c - the CUDA backend against the CPU, bit for bit.
 *
 * Every case builds the same layout twice: in host memory, where the CPU
 * computes the expected bytes, and in device memory, where the GPU runs; the
 * whole y buffer (gaps included) must come back identical. Without a GPU the
 * program exits 77, which ctest reports as skipped.
 */
#include <cuda_runtime_api.h>

#include "c2op_test.h"
#include "sum_util.h"

#define SKIP_CODE 77

static uint64_t g_rng;

static void *device_buffer(size_t bytes) {
  void *p = NULL;
  if (cudaMalloc(&p, bytes ? bytes : 1) != cudaSuccess) return NULL;
  return p;
}

static void fill_random(uint8_t *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t r = test_rand_next(&g_rng);
    memcpy(p + i, &r, 8);
  }
  for (; i < n; i++) p[i] = (uint8_t)test_rand_next(&g_rng);
}

static DLTensor view(void *data, DLDevice dev, DLDataType dt, layout *l) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.device = dev;
  t.ndim = l->ndim;
  t.dtype = dt;
  t.shape = l->shape;
  t.strides = l->has_strides ? l->strides : NULL;
  t.byte_offset = l->byte_offset;
  return t;
}

typedef c2op_status (*op_fn)(const c2op_context *, const DLTensor *, DLTensor *);

/* Runs op on host and device with x and y in separate buffers (or in one
 * buffer when `shared`), and compares all bytes of the output buffer. */
static void compare_layouts(const char *what, op_fn op, DLDataType dt, layout *lx, layout *ly,
                            int shared, const c2op_context *ctx) {
  const DLDevice host = {kDLCPU, 0}, gpu = {kDLCUDA, 0};
  size_t xbytes = lx->buffer_bytes, ybytes = shared ? lx->buffer_bytes : ly->buffer_bytes;
  uint8_t *hx = malloc(xbytes), *hy = shared ? hx : malloc(ybytes), *back = malloc(ybytes);
  void *dx = device_buffer(xbytes), *dy = shared ? dx : device_buffer(ybytes);
  if (!hx || !hy || !back || !dx || !dy) {
    TEST_FAIL_("%s: allocation failed", what);
    goto done;
  }
  fill_random(hx, xbytes);
  if (!shared) fill_random(hy, ybytes);
  CHECK(cudaMemcpy(dx, hx, xbytes, cudaMemcpyHostToDevice) == cudaSuccess);
  if (!shared) CHECK(cudaMemcpy(dy, hy, ybytes, cudaMemcpyHostToDevice) == cudaSuccess);
  DLTensor tx = view(hx, host, dt, lx), ty = view(hy, host, dt, ly);
  DLTensor gx = view(dx, gpu, dt, lx), gy = view(dy, gpu, dt, ly);
  c2op_status cpu = op(NULL, &tx, &ty);
  c2op_status cuda = op(ctx, &gx, &gy);
  if (cpu != cuda) {
    TEST_FAIL_("%s: CPU says %s, CUDA says %s (%s)", what, c2op_status_name(cpu),
               c2op_status_name(cuda), c2op_last_error());
    goto done;
  }
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  CHECK(cudaMemcpy(back, dy, ybytes, cudaMemcpyDeviceToHost) == cudaSuccess);
  if (memcmp(back, hy, ybytes) != 0) {
    size_t i = 0;
    while (back[i] == hy[i]) i++;
    TEST_FAIL_("%s: byte %zu of y differs: CUDA 0x%02x, CPU 0x%02x", what, i, back[i], hy[i]);
  }
done:
  free(hx);
  if (!shared) free(hy);
  free(back);
  cudaFree(dx);
  if (!shared) cudaFree(dy);
}

static const DLDataType negative_dtypes[] = {
    {kDLInt, 8, 1},     {kDLInt, 16, 1},   {kDLInt, 32, 1},     {kDLInt, 64, 1},
    {kDLUInt, 8, 1},    {kDLUInt, 16, 1},  {kDLUInt, 32, 1},    {kDLUInt, 64, 1},
    {kDLFloat, 16, 1},  {kDLBfloat, 16, 1}, {kDLFloat, 32, 1},  {kDLFloat, 64, 1},
    {kDLComplex, 64, 1}, {kDLComplex, 128, 1},
};
#define NUM_NEG (sizeof negative_dtypes / sizeof negative_dtypes[0])

static size_t elem_size(DLDataType dt) { return (size_t)dt.bits / 8 * dt.lanes; }

/* A dense 1-D layout of n elements starting `offset_elems` in. */
static layout dense(int64_t n, int64_t offset_elems, size_t es) {
  layout l;
  memset(&l, 0, sizeof l);
  l.ndim = 1;
  l.shape[0] = n;
  l.byte_offset = (uint64_t)offset_elems * es;
  l.buffer_bytes = (size_t)(n + offset_elems + 3) * es;
  return l;
}

static void dense_sizes_match_cpu_for_every_dtype(void) {
  static const int64_t sizes[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 63, 64, 65, 255, 1023,
                                  1024, 1025, 4097, 65537, (1 << 20) + 3};
  for (size_t d = 0; d < NUM_NEG; d++)
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
      for (int64_t off = 0; off < 3; off++) {
        size_t es = elem_size(negative_dtypes[d]);
        layout lx = dense(sizes[k], off, es), ly = dense(sizes[k], (off * 2) % 3, es);
        char what[96];
        snprintf(what, sizeof what, "negative dtype %zu n=%lld off=%lld", d,
                 (long long)sizes[k], (long long)off);
        compare_layouts(what, c2op_negative_ex, negative_dtypes[d], &lx, &ly, 0, NULL);
        compare_layouts(what, c2op_negate_gradient_ex, negative_dtypes[d], &lx, &ly, 0, NULL);
      }
}

static void odd_byte_offsets_take_the_bytewise_path(void) {
  for (size_t d = 0; d < NUM_NEG; d++) {
    size_t es = elem_size(negative_dtypes[d]);
    layout lx = dense(1000, 0, es), ly = dense(1000, 0, es);
    lx.byte_offset = 1;
    ly.byte_offset = 3;
    lx.buffer_bytes += 8;
    ly.buffer_bytes += 8;
    compare_layouts("odd byte offsets", c2op_negative_ex, negative_dtypes[d], &lx, &ly, 0, NULL);
  }
}

static void strided_layouts_match_cpu(void) {
  for (size_t d = 0; d < NUM_NEG; d++) {
    size_t es = elem_size(negative_dtypes[d]);
    /* x transposed 37x53, y compact. */
    layout lx = {2, {37, 53}, {1, 37}, 1, 0, (size_t)(37 * 53) * es};
    layout ly = {2, {37, 53}, {0}, 0, 0, (size_t)(37 * 53) * es};
    compare_layouts("x transposed", c2op_negative_ex, negative_dtypes[d], &lx, &ly, 0, NULL);
    compare_layouts("x transposed copy", c2op_negate_gradient_ex, negative_dtypes[d], &lx, &ly, 0,
                    NULL);
    /* 5 batches of transposed 37x53 matrices (the tiled kernel's grid y) */
    layout lb = {3, {5, 37, 53}, {37 * 53, 1, 37}, 1, 0, (size_t)(5 * 37 * 53) * es};
    layout lbc = {3, {5, 37, 53}, {0}, 0, 0, (size_t)(5 * 37 * 53) * es};
    compare_layouts("batched transposes", c2op_negative_ex, negative_dtypes[d], &lb, &lbc, 0, NULL);
    /* both transposed the same way: one dense run after merging */
    layout lyt = lx;
    compare_layouts("both transposed", c2op_negative_ex, negative_dtypes[d], &lx, &lyt, 0, NULL);
    /* negative strides in x, padded rows in y, step 2 */
    layout ln = {2, {20, 30}, {-30, -1}, 1, (uint64_t)(20 * 30 - 1) * es, (size_t)(20 * 30) * es};
    layout lp = {2, {20, 30}, {64, 2}, 1, 0, (size_t)(20 * 64) * es};
    compare_layouts("negative and padded", c2op_negative_ex, negative_dtypes[d], &ln, &lp, 0,
                    NULL);
    compare_layouts("negative and padded copy", c2op_negate_gradient_ex, negative_dtypes[d], &ln,
                    &lp, 0, NULL);
    /* zero stride (broadcast) in x */
    layout lz = {2, {16, 40}, {0, 1}, 1, 0, (size_t)40 * es};
    layout lc = {2, {16, 40}, {0}, 0, 0, (size_t)(16 * 40) * es};
    compare_layouts("broadcast x", c2op_negative_ex, negative_dtypes[d], &lz, &lc, 0, NULL);
    /* ndim 0 */
    layout ls = {0, {0}, {0}, 0, 0, es};
    compare_layouts("scalar", c2op_negative_ex, negative_dtypes[d], &ls, &ls, 0, NULL);
  }
}

static void random_layouts_match_cpu(void) {
  for (int iter = 0; iter < 600; iter++) {
    int32_t ndim = (int32_t)test_rand_range(&g_rng, 0, 4);
    int64_t shape[4];
    for (int32_t d = 0; d < ndim; d++) shape[d] = test_rand_range(&g_rng, iter % 50 ? 1 : 0, 9);
    DLDataType dt = negative_dtypes[test_rand_range(&g_rng, 0, (int64_t)NUM_NEG - 1)];
    size_t es = elem_size(dt);
    layout lx = random_layout(&g_rng, ndim, shape, es, 1);
    layout ly = random_layout(&g_rng, ndim, shape, es, 0);
    char what[64];
    snprintf(what, sizeof what, "random layout %d", iter);
    compare_layouts(what, iter % 3 ? c2op_negative_ex : c2op_negate_gradient_ex, dt, &lx, &ly, 0,
                    NULL);
    /* The same two layouts over one shared buffer: in place, overlap or
     * disjoint, whatever they happen to be; the CPU decides the answer. */
    layout sx = lx, sy = ly;
    sx.buffer_bytes = sy.buffer_bytes = lx.buffer_bytes > ly.buffer_bytes ? lx.buffer_bytes
                                                                          : ly.buffer_bytes;
    compare_layouts(what, c2op_negative_ex, dt, &sx, &sy, 1, NULL);
  }
}

static void in_place_and_partial_overlap_match_cpu(void) {
  for (size_t d = 0; d < NUM_NEG; d++) {
    size_t es = elem_size(negative_dtypes[d]);
    layout l = dense(5000, 0, es);
    compare_layouts("in place", c2op_negative_ex, negative_dtypes[d], &l, &l, 1, NULL);
    layout fwd = dense(5000, 1, es), back = dense(5000, 0, es);
    fwd.buffer_bytes = back.buffer_bytes = (size_t)5004 * es;
    compare_layouts("y shifted forward", c2op_negative_ex, negative_dtypes[d], &back, &fwd, 1,
                    NULL);
    compare_layouts("y shifted back", c2op_negative_ex, negative_dtypes[d], &fwd, &back, 1, NULL);
    layout rev = {1, {5000}, {-1}, 1, (uint64_t)4999 * es, (size_t)5004 * es};
    compare_layouts("y reversed over x", c2op_negative_ex, negative_dtypes[d], &back, &rev, 1,
                    NULL);
    compare_layouts("copy reversed", c2op_negate_gradient_ex, negative_dtypes[d], &back, &rev, 1,
                    NULL);
  }
}

static void special_values_flip_exactly(void) {
  const uint32_t f32[] = {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u,
                          0x7fc00001u, 0xffa00002u, 0x00000001u, 0x7f7fffffu};
  const int32_t i32[] = {INT32_MIN, INT32_MAX, 0, -1, 1};
  int64_t n = 8;
  DLTensor x = {NULL, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
  DLTensor y = x;
  void *dx = device_buffer(sizeof f32), *dy = device_buffer(sizeof f32);
  uint32_t out[8];
  cudaMemcpy(dx, f32, sizeof f32, cudaMemcpyHostToDevice);
  x.data = dx;
  y.data = dy;
  CHECK_OK(c2op_negative(&x, &y));
  cudaMemcpy(out, dy, sizeof out, cudaMemcpyDeviceToHost);
  for (int i = 0; i < 8; i++) CHECK_EQ_INT(out[i], f32[i] ^ 0x80000000u);
  n = 5;
  x.dtype.code = kDLInt;
  y.dtype.code = kDLInt;
  cudaMemcpy(dx, i32, sizeof i32, cudaMemcpyHostToDevice);
  CHECK_OK(c2op_negative(&x, &y));
  int32_t o32[5];
  cudaMemcpy(o32, dy, sizeof o32, cudaMemcpyDeviceToHost);
  CHECK_EQ_INT(o32[0], INT32_MIN);
  CHECK_EQ_INT(o32[1], -INT32_MAX);
  CHECK_EQ_INT(o32[2], 0);
  CHECK_EQ_INT(o32[3], 1);
  CHECK_EQ_INT(o32[4], -1);
  cudaFree(dx);
  cudaFree(dy);
}

static void bool_copies_and_is_refused_by_negative(void) {
  const DLDataType b = {C2OP_DL_BOOL, 8, 1};
  layout lx = dense(333, 0, 1), ly = dense(333, 1, 1);
  compare_layouts("bool copy", c2op_negate_gradient_ex, b, &lx, &ly, 0, NULL);
  compare_layouts("bool negative (both refuse)", c2op_negative_ex, b, &lx, &ly, 0, NULL);
}

static void runs_on_the_context_stream(void) {
  cudaStream_t stream;
  CHECK(cudaStreamCreate(&stream) == cudaSuccess);
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  CHECK_OK(c2op_context_set_cuda_stream(ctx, stream));
  layout l = dense((1 << 22) + 5, 1, 4), m = dense((1 << 22) + 5, 0, 4);
  compare_layouts("on a stream", c2op_negative_ex, negative_dtypes[10], &l, &m, 0, ctx);
  compare_layouts("overlap on a stream", c2op_negative_ex, negative_dtypes[10], &m, &l, 1, ctx);
  c2op_context_destroy(ctx);
  cudaStreamDestroy(stream);
}

static void more_than_2_pow_32_int8_elements(void) {
  /* Past 2^32 elements, so both the 32-bit and the 64-bit index paths of
   * the strided kernel and 64-bit offsets everywhere are exercised. */
  const int64_t n = ((int64_t)1 << 32) + 4099;
  uint8_t *h = malloc((size_t)n);
  void *d = device_buffer((size_t)n);
  if (!h || !d) {
    printf("  skipped: cannot allocate 4 GiB\n");
    free(h);
    cudaFree(d);
    return;
  }
  for (int64_t i = 0; i < n; i++) h[i] = (uint8_t)(i * 131 + (i >> 20));
  CHECK(cudaMemcpy(d, h, (size_t)n, cudaMemcpyHostToDevice) == cudaSuccess);
  int64_t shape = n;
  DLTensor t = {d, {kDLCUDA, 0}, 1, {kDLInt, 8, 1}, &shape, NULL, 0};
  CHECK_OK(c2op_negative(&t, &t));
  CHECK(cudaMemcpy(h, d, (size_t)n, cudaMemcpyDeviceToHost) == cudaSuccess);
  int64_t bad = -1;
  for (int64_t i = 0; i < n && bad < 0; i++)
    if (h[i] != (uint8_t)(0u - (uint8_t)(i * 131 + (i >> 20)))) bad = i;
  CHECK_EQ_INT(bad, -1);
  /* The first 3 * (n / 3) bytes as a transposed 2-D view [n/3, 3] with
   * strides [1, n/3]: 64-bit offsets in the strided kernel. Negating in
   * place restores the pattern there; the last n % 3 bytes stay negated. */
  int64_t shape2[2] = {n / 3, 3}, strides2[2] = {1, n / 3};
  DLTensor t2 = {d, {kDLCUDA, 0}, 2, {kDLInt, 8, 1}, shape2, strides2, 0};
  CHECK_OK(c2op_negative(&t2, &t2));
  CHECK(cudaMemcpy(h, d, (size_t)n, cudaMemcpyDeviceToHost) == cudaSuccess);
  bad = -1;
  for (int64_t i = 0; i < n && bad < 0; i++) {
    uint8_t v = (uint8_t)(i * 131 + (i >> 20));
    if (h[i] != (i < n / 3 * 3 ? v : (uint8_t)(0u - v))) bad = i;
  }
  CHECK_EQ_INT(bad, -1);
  free(h);
  cudaFree(d);
}

static void errors_leave_y_untouched(void) {
  int64_t n = 64;
  float host[64];
  memset(host, 0x11, sizeof host);
  void *d = device_buffer(sizeof host);
  cudaMemset(d, 0x22, sizeof host);
  DLTensor gx = {d, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
  DLTensor hy = {host, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
  CHECK_STATUS(c2op_negative(&gx, &hy), C2OP_ERR_DEVICE_MISMATCH);
  DLTensor lie = {host, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
  CHECK_STATUS(c2op_negative(&gx, &lie), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "host memory");
  DLTensor far = gx;
  far.device.device_id = 4096;
  DLTensor far_y = far;
  CHECK_STATUS(c2op_negative(&far, &far_y), C2OP_ERR_NO_DEVICE);
  for (int i = 0; i < 64; i++) {
    uint32_t bits;
    memcpy(&bits, &host[i], 4);
    CHECK_EQ_INT(bits, 0x11111111u);
  }
  uint32_t back[64];
  cudaMemcpy(back, d, sizeof back, cudaMemcpyDeviceToHost);
  for (int i = 0; i < 64; i++) CHECK_EQ_INT(back[i], 0x22222222u);
  cudaFree(d);
}

static void registry_has_cuda_kernels(void) {
  c2op_kernel_fn k = NULL;
  CHECK_OK(c2op_kernel_lookup("Negative", C2OP_DEVICE_CUDA, &k));
  CHECK(k != NULL);
  CHECK_OK(c2op_kernel_lookup("NegateGradient", C2OP_DEVICE_CUDA, &k));
  CHECK(k != NULL);
  CHECK_OK(c2op_kernel_lookup("Sum", C2OP_DEVICE_CUDA, &k));
  CHECK(k != NULL);
}

static void workspace_runs_ops_and_backward_nets_on_cuda(void) {
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  float x[6] = {1.5f, -2.0f, 0.0f, -0.0f, 3.25f, -4.0f}, g[6] = {1, 2, 3, 4, 5, 6};
  int64_t shape[2] = {2, 3};
  DLTensor tx = {x, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, NULL, 0};
  DLTensor tg = tx;
  tg.data = g;
  const c2op_device_option cuda = {C2OP_DEVICE_CUDA, 0};
  CHECK_OK(c2op_workspace_feed_on(ws, "X", &tx, &cuda));
  const DLTensor *blob = NULL;
  CHECK_OK(c2op_workspace_fetch(ws, "X", &blob));
  CHECK_EQ_INT(blob->device.device_type, kDLCUDA);

  c2op_net *net = NULL;
  CHECK_OK(c2op_net_create("grl", &net));
  const char *in[1] = {"X"}, *mid[1] = {"F"}, *out[1] = {"Y"};
  c2op_op_def *a = NULL, *b = NULL;
  CHECK_OK(c2op_op_def_create("NegateGradient", 1, in, 1, mid, &a));
  CHECK_OK(c2op_op_def_create("Negative", 1, mid, 1, out, &b));
  a->device_option = cuda;
  b->device_option = cuda;
  CHECK_OK(c2op_net_add_op(net, a));
  CHECK_OK(c2op_net_add_op(net, b));
  CHECK_OK(c2op_workspace_run_net(ws, NULL, net));
  float y[6];
  DLTensor ty = tx;
  ty.data = y;
  CHECK_OK(c2op_workspace_fetch_copy(ws, "Y", &ty));
  for (int i = 0; i < 6; i++) {
    uint32_t xb, yb;
    memcpy(&xb, &x[i], 4);
    memcpy(&yb, &y[i], 4);
    CHECK_EQ_INT(yb, xb ^ 0x80000000u);
  }
  c2op_net *bwd = NULL;
  const char *outs[1] = {"Y"};
  CHECK_OK(c2op_net_build_backward(net, 1, outs, &bwd));
  CHECK_OK(c2op_workspace_feed_on(ws, "Y_grad", &tg, &cuda));
  CHECK_OK(c2op_workspace_run_net(ws, NULL, bwd));
  float xg[6];
  DLTensor txg = tx;
  txg.data = xg;
  CHECK_OK(c2op_workspace_fetch_copy(ws, "X_grad", &txg));
  /* Y = -X through NegateGradient: X_grad = -(-Y_grad) = Y_grad. */
  for (int i = 0; i < 6; i++) CHECK(xg[i] == g[i]);
  /* A device that does not exist: no device, as for the ops. */
  const c2op_device_option nowhere = {C2OP_DEVICE_CUDA, 4095};
  CHECK_STATUS(c2op_workspace_feed_on(ws, "W", &tx, &nowhere), C2OP_ERR_NO_DEVICE);
  CHECK(!c2op_workspace_has_blob(ws, "W"));
  /* A CPU op on a CUDA blob is refused, the workspace unchanged. */
  c2op_op_def *c = NULL;
  const char *z[1] = {"Z"};
  CHECK_OK(c2op_op_def_create("Negative", 1, in, 1, z, &c));
  CHECK_STATUS(c2op_workspace_run_op(ws, NULL, c), C2OP_ERR_DEVICE_MISMATCH);
  CHECK(!c2op_workspace_has_blob(ws, "Z"));
  c2op_op_def_destroy(a);
  c2op_op_def_destroy(b);
  c2op_op_def_destroy(c);
  c2op_net_destroy(net);
  c2op_net_destroy(bwd);
  c2op_workspace_destroy(ws);
}


/* Feed and fetch_copy between CUDA tensors are ordered after ops queued on
 * a non-blocking context stream: a large op, then at once a copy of its
 * output into a CUDA tensor of the caller's. */
static void workspace_copies_wait_for_a_context_stream(void) {
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  CHECK_OK(c2op_context_set_cuda_stream(ctx, stream));
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  const int64_t n = (int64_t)1 << 26; /* 256 MiB of float32: about 0.2 ms of kernel */
  float *host = malloc((size_t)n * 4), *back = malloc((size_t)n * 4);
  void *dev_out = device_buffer((size_t)n * 4);
  if (ws && host && back && dev_out) {
    for (int64_t i = 0; i < n; i++) host[i] = (float)(i % 1000) + 0.5f;
    int64_t shape[1] = {n};
    DLTensor tx = {host, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, shape, NULL, 0};
    const c2op_device_option cuda = {C2OP_DEVICE_CUDA, 0};
    CHECK_OK(c2op_workspace_feed_on(ws, "X", &tx, &cuda));
    const char *in[1] = {"X"}, *out[1] = {"Y"};
    c2op_op_def *def = NULL;
    CHECK_OK(c2op_op_def_create("Negative", 1, in, 1, out, &def));
    if (def) {
      def->device_option = cuda;
      for (int round = 0; round < 3; round++) {
        CHECK_OK(c2op_workspace_run_op(ws, ctx, def)); /* queued on the stream */
        DLTensor td = {dev_out, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, shape, NULL, 0};
        CHECK_OK(c2op_workspace_fetch_copy(ws, "Y", &td)); /* CUDA to CUDA */
        CHECK(cudaMemcpy(back, dev_out, (size_t)n * 4, cudaMemcpyDeviceToHost) == cudaSuccess);
        int64_t bad = 0;
        for (int64_t i = 0; i < n; i++) bad += back[i] != -host[i];
        if (bad) TEST_FAIL_("round %d: %lld of %lld elements not negated", round, (long long)bad,
                            (long long)n);
        CHECK(cudaMemset(dev_out, 0, (size_t)n * 4) == cudaSuccess);
        CHECK_OK(c2op_workspace_remove(ws, "Y"));
      }
    }
    c2op_op_def_destroy(def);
  }
  cudaFree(dev_out);
  free(host);
  free(back);
  c2op_workspace_destroy(ws);
  c2op_context_destroy(ctx);
  cudaStreamDestroy(stream);
}

/* ---- Sum ------------------------------------------------------------------ */

#define MAX_SLOTS 6

static c2op_kernel_fn sum_kernel(c2op_device_type device) {
  c2op_kernel_fn k = NULL;
  CHECK_OK(c2op_kernel_lookup("Sum", device, &k));
  return k;
}

/* One Sum case, on the CPU and on the GPU: input i reads buffer
 * slot_of[i] through layout lin[i], y writes buffer y_slot through ly (so
 * inputs may alias each other and y). Every byte of every buffer must come
 * back identical, NaNs included. */
static void compare_sum(const char *what, DLDataType dt, int32_t n, const int *slot_of,
                        const layout *lin, int y_slot, const layout *ly,
                        const c2op_context *ctx) {
  uint8_t *host[MAX_SLOTS] = {0}, *back[MAX_SLOTS] = {0};
  void *dev[MAX_SLOTS] = {0};
  size_t bytes[MAX_SLOTS] = {0};
  for (int32_t i = 0; i < n; i++)
    if (lin[i].buffer_bytes > bytes[slot_of[i]]) bytes[slot_of[i]] = lin[i].buffer_bytes;
  if (ly->buffer_bytes > bytes[y_slot]) bytes[y_slot] = ly->buffer_bytes;
  for (int s = 0; s < MAX_SLOTS; s++) {
    if (!bytes[s]) continue;
    host[s] = malloc(bytes[s]);
    back[s] = malloc(bytes[s]);
    dev[s] = device_buffer(bytes[s]);
    if (!host[s] || !back[s] || !dev[s]) {
      TEST_FAIL_("%s: allocation failed", what);
      goto done;
    }
    fill_with_specials(&g_rng, host[s], bytes[s], dt_lane_size(dt));
    CHECK(cudaMemcpy(dev[s], host[s], bytes[s], cudaMemcpyHostToDevice) == cudaSuccess);
  }
  {
    const DLDevice cpu = {kDLCPU, 0}, gpu = {kDLCUDA, 0};
    DLTensor th[MAX_SLOTS], tg[MAX_SLOTS], yh, yg;
    const DLTensor *ih[MAX_SLOTS], *ig[MAX_SLOTS];
    layout l[MAX_SLOTS + 1];
    for (int32_t i = 0; i < n; i++) {
      l[i] = lin[i];
      th[i] = view(host[slot_of[i]], cpu, dt, &l[i]);
      tg[i] = view(dev[slot_of[i]], gpu, dt, &l[i]);
      ih[i] = &th[i];
      ig[i] = &tg[i];
    }
    l[MAX_SLOTS] = *ly;
    yh = view(host[y_slot], cpu, dt, &l[MAX_SLOTS]);
    yg = view(dev[y_slot], gpu, dt, &l[MAX_SLOTS]);
    DLTensor *oh = &yh, *og = &yg;
    c2op_status a = sum_kernel(C2OP_DEVICE_CPU)(NULL, n, ih, 1, &oh);
    c2op_status b = sum_kernel(C2OP_DEVICE_CUDA)(ctx, n, ig, 1, &og);
    if (a != b) {
      TEST_FAIL_("%s: CPU says %s, CUDA says %s (%s)", what, c2op_status_name(a),
                 c2op_status_name(b), c2op_last_error());
      goto done;
    }
  }
  CHECK(cudaDeviceSynchronize() == cudaSuccess);
  for (int s = 0; s < MAX_SLOTS; s++)
    if (bytes[s])
      CHECK(cudaMemcpy(back[s], dev[s], bytes[s], cudaMemcpyDeviceToHost) == cudaSuccess);
  for (int s = 0; s < MAX_SLOTS; s++) {
    if (!bytes[s] || memcmp(back[s], host[s], bytes[s]) == 0) continue;
    size_t i = 0;
    while (back[s][i] == host[s][i]) i++;
    TEST_FAIL_("%s: buffer %d byte %zu differs: CUDA 0x%02x, CPU 0x%02x", what, s, i,
               back[s][i], host[s][i]);
  }
done:
  for (int s = 0; s < MAX_SLOTS; s++) {
    free(host[s]);
    free(back[s]);
    cudaFree(dev[s]);
  }
}

/* A compact layout of shape [a, b, c] starting `off` elements in. */
static layout compact3(const int64_t *shape, size_t es, int64_t off) {
  layout l = {3, {shape[0], shape[1], shape[2]}, {0}, 0, (uint64_t)off * es, 0};
  l.buffer_bytes = (size_t)(shape[0] * shape[1] * shape[2] + off + 3) * es;
  return l;
}

/* [a, b, c] with padded rows (row stride c + pad) and planes. */
static layout padded3(const int64_t *shape, size_t es, int64_t pad) {
  const int64_t rs = shape[2] + pad, ps = rs * shape[1] + 2;
  layout l = {3, {shape[0], shape[1], shape[2]}, {ps, rs, 1}, 1, 0, 0};
  l.buffer_bytes = (size_t)(ps * shape[0] + 4) * es;
  return l;
}

/* [a, b, c] over a [c, b, a] buffer (fully transposed). */
static layout transposed3(const int64_t *shape, size_t es) {
  layout l = {3, {shape[0], shape[1], shape[2]}, {1, shape[0], shape[0] * shape[1]}, 1, 0, 0};
  l.buffer_bytes = (size_t)(shape[0] * shape[1] * shape[2] + 2) * es;
  return l;
}

/* [a, b, c] with every dim reversed (negative strides). */
static layout reversed3(const int64_t *shape, size_t es) {
  const int64_t s2 = -1, s1 = -shape[2], s0 = -shape[1] * shape[2];
  layout l = {3, {shape[0], shape[1], shape[2]}, {s0, s1, s2}, 1, 0, 0};
  const int64_t n = shape[0] * shape[1] * shape[2];
  l.byte_offset = (uint64_t)(n - 1) * es;
  l.buffer_bytes = (size_t)(n + 1) * es;
  return l;
}

static void sum_matches_cpu_for_every_dtype(void) {
  static const int32_t counts[] = {1, 2, 3, 5};
  for (size_t d = 0; d < NUM_NEG; d++) {
    const DLDataType dt = negative_dtypes[d];
    const size_t es = elem_size(dt);
    const int64_t shape[3] = {3, 5, 300 / (int64_t)es + 7};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
      const int32_t n = counts[c];
      for (int kind = 0; kind < 5; kind++) {
        layout lin[MAX_SLOTS], ly;
        int slots[MAX_SLOTS];
        for (int32_t i = 0; i < n; i++) {
          slots[i] = i;
          lin[i] = kind == 0   ? compact3(shape, es, i % 2)
                   : kind == 1 ? padded3(shape, es, 1 + i)
                   : kind == 2 ? transposed3(shape, es)
                   : kind == 3 ? reversed3(shape, es)
                   : (i % 2 ? padded3(shape, es, 3) : transposed3(shape, es));
        }
        ly = kind == 1 ? padded3(shape, es, 5) : kind == 3 ? reversed3(shape, es)
             : kind == 4 ? padded3(shape, es, 2) : compact3(shape, es, 1);
        char what[96];
        snprintf(what, sizeof what, "Sum dtype %d/%d, %d inputs, layouts %d", dt.code, dt.bits,
                 (int)n, kind);
        compare_sum(what, dt, n, slots, lin, n, &ly, NULL);
        /* in place: y is input 0 */
        snprintf(what, sizeof what, "Sum in place, dtype %d/%d, %d inputs, layouts %d", dt.code,
                 dt.bits, (int)n, kind);
        compare_sum(what, dt, n, slots, lin, 0, &lin[0], NULL);
        if (n >= 2) {
          /* input 1 is input 0, and y writes over them in its own layout */
          int alias[MAX_SLOTS];
          layout l2[MAX_SLOTS];
          memcpy(alias, slots, sizeof alias);
          memcpy(l2, lin, sizeof l2);
          alias[1] = 0;
          l2[1] = lin[0];
          snprintf(what, sizeof what, "Sum aliased, dtype %d/%d, %d inputs, layouts %d", dt.code,
                   dt.bits, (int)n, kind);
          compare_sum(what, dt, n, alias, l2, 0, &ly, NULL);
        }
      }
    }
  }
}

static void sum_large_and_on_a_stream(void) {
  cudaStream_t stream;
  CHECK(cudaStreamCreate(&stream) == cudaSuccess);
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  CHECK_OK(c2op_context_set_cuda_stream(ctx, stream));
  const int64_t shape[3] = {1, 1031, 4099};
  layout lin[3] = {compact3(shape, 4, 1), padded3(shape, 4, 13), compact3(shape, 4, 0)};
  int slots[3] = {0, 1, 2};
  layout ly = padded3(shape, 4, 3);
  compare_sum("Sum float32 on a stream", negative_dtypes[10], 3, slots, lin, 3, &ly, ctx);
  compare_sum("Sum float16 on a stream", negative_dtypes[8], 3, slots, lin, 0, &lin[0], ctx);
  c2op_context_destroy(ctx);
  cudaStreamDestroy(stream);
}

static c2op_status cuda_sum2(DLDataType dt, int64_t n, const void *a, const void *b, void *out) {
  const size_t bytes = (size_t)n * dt_elem_size(dt);
  void *da = device_buffer(bytes), *db = device_buffer(bytes), *dy = device_buffer(bytes);
  int64_t shape = n;
  DLTensor ta = {da, {kDLCUDA, 0}, 1, dt, &shape, NULL, 0};
  DLTensor tb = ta, ty = ta;
  tb.data = db;
  ty.data = dy;
  const DLTensor *in[2] = {&ta, &tb};
  DLTensor *out_t = &ty;
  cudaMemcpy(da, a, bytes, cudaMemcpyHostToDevice);
  cudaMemcpy(db, b, bytes, cudaMemcpyHostToDevice);
  c2op_status s = sum_kernel(C2OP_DEVICE_CUDA)(NULL, 2, in, 1, &out_t);
  if (s == C2OP_OK && cudaMemcpy(out, dy, bytes, cudaMemcpyDeviceToHost) != cudaSuccess)
    s = C2OP_ERR_CUDA;
  cudaFree(da);
  cudaFree(db);
  cudaFree(dy);
  return s;
}

static void sum_special_values_exact(void) { check_special_sums(cuda_sum2); }

static void sum_errors_leave_y_untouched(void) {
  int64_t n = 64;
  void *d = device_buffer(256), *e = device_buffer(256);
  float host[64];
  cudaMemset(d, 0x22, 256);
  cudaMemset(e, 0x33, 256);
  memset(host, 0x11, sizeof host);
  DLTensor a = {d, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
  DLTensor y = a;
  y.data = e;
  DLTensor h = {host, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
  c2op_kernel_fn k = sum_kernel(C2OP_DEVICE_CUDA);
  const DLTensor *mixed[2] = {&a, &h};
  DLTensor *out = &y;
  CHECK_STATUS(k(NULL, 2, mixed, 1, &out), C2OP_ERR_DEVICE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "inputs[1]");
  DLTensor lie = h;
  lie.device.device_type = kDLCUDA;
  const DLTensor *lying[2] = {&a, &lie};
  CHECK_STATUS(k(NULL, 2, lying, 1, &out), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "inputs[1]");
  CHECK_CONTAINS(c2op_last_error(), "host memory");
  DLTensor null_data = a;
  null_data.data = NULL;
  const DLTensor *with_null[2] = {&a, &null_data};
  CHECK_STATUS(k(NULL, 2, with_null, 1, &out), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "inputs[1]: data is NULL");
  const DLTensor *ok[2] = {&a, &a};
  DLTensor *host_out = &h;
  CHECK_STATUS(k(NULL, 2, ok, 1, &host_out), C2OP_ERR_DEVICE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "outputs[0]");
  int64_t st = 0;
  DLTensor self = y;
  self.strides = &st; /* y overlaps itself */
  DLTensor *self_out = &self;
  CHECK_STATUS(k(NULL, 2, ok, 1, &self_out), C2OP_ERR_OVERLAP);
  DLTensor b = a;
  b.dtype.code = C2OP_DL_BOOL;
  const DLTensor *bools[1] = {&b};
  DLTensor yb = y;
  yb.dtype.code = C2OP_DL_BOOL;
  DLTensor *bout = &yb;
  CHECK_STATUS(k(NULL, 1, bools, 1, &bout), C2OP_ERR_UNSUPPORTED_DTYPE);
  CHECK_STATUS(k(NULL, 0, ok, 1, &out), C2OP_ERR_SCHEMA_VIOLATION);
  uint32_t back[64];
  cudaMemcpy(back, e, sizeof back, cudaMemcpyDeviceToHost);
  for (int i = 0; i < 64; i++) CHECK_EQ_INT(back[i], 0x33333333u);
  for (int i = 0; i < 64; i++) {
    uint32_t bits;
    memcpy(&bits, &host[i], 4);
    CHECK_EQ_INT(bits, 0x11111111u);
  }
  cudaFree(d);
  cudaFree(e);
}

/* Forward: A = Negative(X), B = NegateGradient(X), C = Negative(A); X is
 * read by two ops, so the backward net adds X's two gradient
 * contributions with a Sum. The whole backward net runs on CUDA and on the
 * CPU; X_grad must agree bit for bit. */
static c2op_status run_fan_out(c2op_device_type device, const DLTensor *x, const DLTensor *cg,
                               const DLTensor *bg, DLTensor *xg_out, int *has_sum) {
  c2op_workspace *ws = NULL;
  c2op_net *net = NULL, *bwd = NULL;
  c2op_op_def *ops[3] = {NULL, NULL, NULL};
  const c2op_device_option dev = {device, 0};
  const char *X[1] = {"X"}, *A[1] = {"A"}, *B[1] = {"B"}, *C[1] = {"C"};
  c2op_status s = c2op_workspace_create(&ws);
  if (s == C2OP_OK) s = c2op_net_create("fan_out", &net);
  if (s == C2OP_OK) s = c2op_op_def_create("Negative", 1, X, 1, A, &ops[0]);
  if (s == C2OP_OK) s = c2op_op_def_create("NegateGradient", 1, X, 1, B, &ops[1]);
  if (s == C2OP_OK) s = c2op_op_def_create("Negative", 1, A, 1, C, &ops[2]);
  for (int i = 0; i < 3 && s == C2OP_OK; i++) {
    ops[i]->device_option = dev;
    s = c2op_net_add_op(net, ops[i]);
  }
  if (s == C2OP_OK) s = c2op_workspace_feed_on(ws, "X", x, &dev);
  if (s == C2OP_OK) s = c2op_workspace_run_net(ws, NULL, net);
  const char *outs[2] = {"C", "B"};
  if (s == C2OP_OK) s = c2op_net_build_backward(net, 2, outs, &bwd);
  *has_sum = 0;
  for (int32_t i = 0; s == C2OP_OK && i < c2op_net_num_ops(bwd); i++) {
    const c2op_op_def *op = NULL;
    s = c2op_net_op(bwd, i, &op);
    if (s == C2OP_OK && strcmp(op->type, "Sum") == 0) {
      *has_sum = 1;
      if (op->device_option.device_type != (int32_t)device) s = C2OP_ERR_INTERNAL;
    }
  }
  if (s == C2OP_OK) s = c2op_workspace_feed_on(ws, "C_grad", cg, &dev);
  if (s == C2OP_OK) s = c2op_workspace_feed_on(ws, "B_grad", bg, &dev);
  if (s == C2OP_OK) s = c2op_workspace_run_net(ws, NULL, bwd);
  if (s == C2OP_OK) s = c2op_workspace_fetch_copy(ws, "X_grad", xg_out);
  for (int i = 0; i < 3; i++) c2op_op_def_destroy(ops[i]);
  c2op_net_destroy(net);
  c2op_net_destroy(bwd);
  c2op_workspace_destroy(ws);
  return s;
}

static void backward_net_with_fan_out_matches_cpu(void) {
  static const DLDataType dts[] = {{kDLFloat, 32, 1}, {kDLFloat, 16, 1}, {kDLBfloat, 16, 1},
                                   {kDLFloat, 64, 1}, {kDLInt, 8, 1},    {kDLInt, 32, 1}};
  for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
    const DLDataType dt = dts[d];
    const size_t es = dt_elem_size(dt);
    int64_t shape[2] = {37, 129};
    const size_t bytes = (size_t)(37 * 129) * es;
    uint8_t *x = malloc(bytes), *cg = malloc(bytes), *bg = malloc(bytes);
    uint8_t *on_cpu = malloc(bytes), *on_gpu = malloc(bytes);
    if (!x || !cg || !bg || !on_cpu || !on_gpu) {
      TEST_FAIL_("allocation failed");
    } else {
      fill_with_specials(&g_rng, x, bytes, dt_lane_size(dt));
      fill_with_specials(&g_rng, cg, bytes, dt_lane_size(dt));
      fill_with_specials(&g_rng, bg, bytes, dt_lane_size(dt));
      DLTensor tx = {x, {kDLCPU, 0}, 2, dt, shape, NULL, 0};
      DLTensor tc = tx, tb = tx, o1 = tx, o2 = tx;
      tc.data = cg;
      tb.data = bg;
      o1.data = on_cpu;
      o2.data = on_gpu;
      int sum_cpu = 0, sum_gpu = 0;
      CHECK_OK(run_fan_out(C2OP_DEVICE_CPU, &tx, &tc, &tb, &o1, &sum_cpu));
      CHECK_OK(run_fan_out(C2OP_DEVICE_CUDA, &tx, &tc, &tb, &o2, &sum_gpu));
      CHECK(sum_cpu && sum_gpu); /* the net really has a Sum */
      /* X_grad = -(-C_grad) + B_grad... as each backend computes it, NaNs
       * included. */
      if (memcmp(on_cpu, on_gpu, bytes) != 0) {
        size_t i = 0;
        while (on_cpu[i] == on_gpu[i]) i++;
        TEST_FAIL_("dtype %d/%d: X_grad byte %zu differs: CUDA 0x%02x, CPU 0x%02x", dt.code,
                   dt.bits, i, on_gpu[i], on_cpu[i]);
      }
    }
    free(x);
    free(cg);
    free(bg);
    free(on_cpu);
    free(on_gpu);
  }
}

int main(void) {
  if (!c2op_has_cuda()) {
    printf("skipped: this build has no CUDA backend\n");
    return SKIP_CODE;
  }
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    /* Without a GPU, c2op must say so cleanly, not crash. */
    int64_t n = 4;
    float buf[4] = {0};
    DLTensor t = {buf, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, &n, NULL, 0};
    c2op_status s = c2op_negative(&t, &t);
    printf("no GPU (%s); c2op says %s: %s\n", cudaGetErrorString(e), c2op_status_name(s),
           c2op_last_error());
    if (s != C2OP_ERR_NO_DEVICE) {
      printf("FAIL: expected C2OP_ERR_NO_DEVICE\n");
      return 1;
    }
    /* The same from the Sum CUDA kernel, naming the tensor. */
    c2op_kernel_fn k = NULL;
    const DLTensor *in[2] = {&t, &t};
    DLTensor *out = &t;
    s = c2op_kernel_lookup("Sum", C2OP_DEVICE_CUDA, &k);
    if (s == C2OP_OK) s = k(NULL, 2, in, 1, &out);
    printf("Sum on CUDA: %s: %s\n", c2op_status_name(s), c2op_last_error());
    if (s != C2OP_ERR_NO_DEVICE || !strstr(c2op_last_error(), "inputs[0]")) {
      printf("FAIL: expected C2OP_ERR_NO_DEVICE naming inputs[0]\n");
      return 1;
    }
    printf("skipped: no GPU\n");
    return SKIP_CODE;
  }
  g_rng = test_seed();
  RUN(registry_has_cuda_kernels);
  RUN(special_values_flip_exactly);
  RUN(dense_sizes_match_cpu_for_every_dtype);
  RUN(odd_byte_offsets_take_the_bytewise_path);
  RUN(strided_layouts_match_cpu);
  RUN(in_place_and_partial_overlap_match_cpu);
  RUN(random_layouts_match_cpu);
  RUN(bool_copies_and_is_refused_by_negative);
  RUN(runs_on_the_context_stream);
  RUN(errors_leave_y_untouched);
  RUN(workspace_runs_ops_and_backward_nets_on_cuda);
  RUN(workspace_copies_wait_for_a_context_stream);
  RUN(sum_special_values_exact);
  RUN(sum_matches_cpu_for_every_dtype);
  RUN(sum_large_and_on_a_stream);
  RUN(sum_errors_leave_y_untouched);
  RUN(backward_net_with_fan_out_matches_cpu);
  /* C2OP_TEST_NO_HUGE=1 leaves out the 4 GiB test (for compute-sanitizer). */
  if (getenv("C2OP_TEST_NO_HUGE"))
    printf("left out more_than_2_pow_32_int8_elements (C2OP_TEST_NO_HUGE)\n");
  else
    RUN(more_than_2_pow_32_int8_elements);
  return TEST_MAIN_END();
}
