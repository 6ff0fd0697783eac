/*
 * test_cuda_host.c - the CUDA backend's planning and kernel math, checked
 * on the host (no GPU needed; built with the CUDA backend only).
 *
 * The kernel bodies of src/cuda/elementwise.cuh are __host__ __device__
 * code; the test hooks of cuda/cuda_backend.h run them over host memory for
 * every block and thread of each launch, with the same choice of kernel,
 * launch shape, row and offset math and scratch buffers as on a GPU. Every
 * case here runs the same layout twice, once through the CPU path (the
 * public API and the Sum CPU kernel) and once through the emulated CUDA
 * path, and compares every byte of every buffer. What this cannot check is
 * the GPU itself (memory model, hardware arithmetic, launch limits):
 * tests/test_cuda.c does that where a GPU exists.
 *
 * Also checks the row offsets and launch shape of the rows kernel against
 * the layout written here, and which kernel each layout class takes.
 * Linked against the static library (the hooks are internal).
 */
#include <stdlib.h>
#include <string.h>

#include "c2op_test.h"
#include "core/context.h"
#include "core/tensor.h"
#include "sum_util.h"
#include "cuda/cuda_backend.h"

static uint64_t g_rng;

static const DLDataType all_dtypes[] = {
    {kDLInt, 8, 1},      {kDLInt, 16, 1},    {kDLInt, 32, 1},    {kDLInt, 64, 1},
    {kDLUInt, 8, 1},     {kDLUInt, 16, 1},   {kDLUInt, 32, 1},   {kDLUInt, 64, 1},
    {kDLFloat, 16, 1},   {kDLBfloat, 16, 1}, {kDLFloat, 32, 1},  {kDLFloat, 64, 1},
    {kDLComplex, 64, 1}, {kDLComplex, 128, 1},
};
#define NUM_DT (sizeof all_dtypes / sizeof all_dtypes[0])

#define elem_size dt_elem_size
#define lane_size dt_lane_size

/* Negative's op for a dtype, as src/ops/negative.c chooses it. */
static c2op__unary_op negative_op(DLDataType dt) {
  return dt.code == kDLInt || dt.code == kDLUInt ? C2OP__UNARY_NEG_INT : C2OP__UNARY_NEG_FLOAT;
}

static void fill(uint8_t *p, size_t n, size_t lane) { fill_with_specials(&g_rng, p, n, lane); }

static DLTensor view(void *data, DLDataType dt, layout *l) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.device.device_type = kDLCPU;
  t.ndim = l->ndim;
  t.dtype = dt;
  t.shape = l->shape;
  t.strides = l->has_strides ? l->strides : NULL;
  t.byte_offset = l->byte_offset;
  return t;
}

static void first_difference(const char *what, const uint8_t *cuda, const uint8_t *cpu,
                             size_t n) {
  if (memcmp(cuda, cpu, n) == 0) return;
  size_t i = 0;
  while (cuda[i] == cpu[i]) i++;
  TEST_FAIL_("%s: byte %zu differs: emulated CUDA 0x%02x, CPU 0x%02x", what, i, cuda[i], cpu[i]);
}

/* ---- the rows kernel's math, against the layout -------------------------- */

static void rows_offsets_follow_the_layout(void) {
  /* x: [5, 7, 33] float32 with padded rows and planes (row stride 40,
   * plane stride 283); y compact. Rows are (a, b) pairs, b innermost. */
  static float xb[5 * 283], yb[5 * 7 * 33];
  int64_t shape[3] = {5, 7, 33}, xs[3] = {283, 40, 1};
  DLTensor x = {xb, {kDLCPU, 0}, 3, {kDLFloat, 32, 1}, shape, xs, 0};
  DLTensor y = {yb, {kDLCPU, 0}, 3, {kDLFloat, 32, 1}, shape, NULL, 0};
  c2op__plan plan;
  CHECK_OK(c2op__plan_unary(&x, "x", &y, "y", 4, &plan));
  int64_t xo = -1, yo = -1, chunk = 0;
  int32_t tx = 0, ty = 0;
  for (int64_t r = 0; r < 35; r++) {
    CHECK_EQ_INT(c2op__cuda_rows_layout(&plan, 4, r, &xo, &yo, &tx, &ty, &chunk), 1);
    const int64_t a = r / 7, b = r % 7;
    CHECK_EQ_INT(xo, (a * 283 + b * 40) * 4);
    CHECK_EQ_INT(yo, (a * 231 + b * 33) * 4);
  }
  /* 33 lanes: 9 vectors of 4 float32, fewer than one warp's worth. */
  CHECK_EQ_INT(tx, 32);
  CHECK(ty >= 1 && (tx * ty) % 32 == 0);
  CHECK(chunk >= 33 && chunk % 4 == 0);

  /* A slice of columns [2:300] of a 9 x 1000 int16 matrix, y padded too:
   * 2-D plan, row strides 1000 and 333. */
  static int16_t xm[9 * 1000], ym[9 * 333];
  int64_t s2[2] = {9, 298}, xs2[2] = {1000, 1}, ys2[2] = {333, 1};
  DLTensor x2 = {xm, {kDLCPU, 0}, 2, {kDLInt, 16, 1}, s2, xs2, 4};
  DLTensor y2 = {ym, {kDLCPU, 0}, 2, {kDLInt, 16, 1}, s2, ys2, 0};
  CHECK_OK(c2op__plan_unary(&x2, "x", &y2, "y", 2, &plan));
  for (int64_t r = 0; r < 9; r++) {
    CHECK_EQ_INT(c2op__cuda_rows_layout(&plan, 2, r, &xo, &yo, &tx, &ty, &chunk), 1);
    CHECK_EQ_INT(xo, r * 2000);
    CHECK_EQ_INT(yo, r * 666);
    CHECK(plan.x + xo == (const char *)xm + 4 + r * 2000);
  }
  /* 298 int16 lanes: 38 vectors, 19 threads' worth at 2 a thread -> 32. */
  CHECK(tx >= 32 && chunk >= 298);

  /* A long row: 3 rows of 5000 float32 in a 3 x 5008 buffer. The block is
   * as wide as it gets and a row takes several chunks. */
  static float xl[3 * 5008], yl[3 * 5000];
  int64_t s3[2] = {3, 5000}, xs3[2] = {5008, 1};
  DLTensor x3 = {xl, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, s3, xs3, 0};
  DLTensor y3 = {yl, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, s3, NULL, 0};
  CHECK_OK(c2op__plan_unary(&x3, "x", &y3, "y", 4, &plan));
  CHECK_EQ_INT(c2op__cuda_rows_layout(&plan, 4, 2, &xo, &yo, &tx, &ty, &chunk), 1);
  CHECK_EQ_INT(xo, 2 * 5008 * 4);
  CHECK_EQ_INT(yo, 2 * 5000 * 4);
  CHECK_EQ_INT(ty, 1);
  CHECK(chunk < 5000 && chunk == (int64_t)tx * (chunk / tx));

  /* Not the rows kernel's: a transpose (no contiguous inner dim in x), rows
   * shorter than 64 bytes, lanes not aligned. */
  int64_t st[2] = {40, 50}, xst[2] = {1, 40};
  DLTensor xt = {xl, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, st, xst, 0};
  DLTensor yt = {yl, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, st, NULL, 0};
  CHECK_OK(c2op__plan_unary(&xt, "x", &yt, "y", 4, &plan));
  CHECK_EQ_INT(c2op__cuda_rows_layout(&plan, 4, 0, &xo, &yo, &tx, &ty, &chunk), 0);
  int64_t ss[2] = {100, 15}, xss[2] = {16, 1};
  DLTensor xs_ = {xl, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, ss, xss, 0};
  DLTensor ys_ = {yl, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, ss, NULL, 0};
  CHECK_OK(c2op__plan_unary(&xs_, "x", &ys_, "y", 4, &plan));
  CHECK_EQ_INT(c2op__cuda_rows_layout(&plan, 4, 0, &xo, &yo, &tx, &ty, &chunk), 0);
  x3.byte_offset = 2;
  CHECK_OK(c2op__plan_unary(&x3, "x", &y3, "y", 4, &plan));
  CHECK_EQ_INT(c2op__cuda_rows_layout(&plan, 4, 0, &xo, &yo, &tx, &ty, &chunk), 0);
}

/* ---- unary ops: emulated CUDA against the CPU ------------------------------ */

/* Runs Negative (or NegateGradient when `copy`) over x and y (one shared
 * buffer when `shared`) through the CPU and through the emulated CUDA
 * path; compares every byte. Returns the kernel the CUDA path took. */
static const char *compare_unary(const char *what, int copy, DLDataType dt, layout *lx,
                                 layout *ly, int shared, c2op__plan *plan_out) {
  size_t xbytes = lx->buffer_bytes, ybytes = shared ? lx->buffer_bytes : ly->buffer_bytes;
  uint8_t *cx = malloc(xbytes), *cy = shared ? cx : malloc(ybytes);
  uint8_t *ex = malloc(xbytes), *ey = shared ? ex : malloc(ybytes);
  const char *kernel = "?";
  if (!cx || !cy || !ex || !ey) {
    TEST_FAIL_("%s: out of memory", what);
    goto done;
  }
  fill(cx, xbytes, lane_size(dt));
  if (!shared) fill(cy, ybytes, lane_size(dt));
  memcpy(ex, cx, xbytes);
  if (!shared) memcpy(ey, cy, ybytes);
  DLTensor tx = view(cx, dt, lx), ty = view(cy, dt, ly);
  c2op_status cpu = copy ? c2op_negate_gradient_ex(NULL, &tx, &ty) : c2op_negative_ex(NULL, &tx, &ty);
  DLTensor gx = view(ex, dt, lx), gy = view(ey, dt, ly);
  c2op__plan plan;
  memset(&plan, 0, sizeof plan);
  c2op_status cuda = c2op__plan_unary(&gx, "x", &gy, "y", elem_size(dt), &plan);
  if (plan_out) *plan_out = plan;
  const c2op__unary_op op = copy ? C2OP__UNARY_COPY : negative_op(dt);
  if (cuda == C2OP_OK && !(plan.inplace && op == C2OP__UNARY_COPY))
    cuda = c2op__cuda_emulate_unary(&plan, op, copy ? 0 : lane_size(dt), &kernel);
  if (cpu != cuda) {
    TEST_FAIL_("%s: CPU says %s, emulated CUDA says %s", what, c2op_status_name(cpu),
               c2op_status_name(cuda));
    goto done;
  }
  first_difference(what, ex, cx, xbytes);
  if (!shared) first_difference(what, ey, cy, ybytes);
done:
  free(cx);
  free(ex);
  if (!shared) {
    free(cy);
    free(ey);
  }
  return kernel;
}

/* When `flip`, negates the stride of each dim but `keep` (one in five, dims
 * longer than 1); then sizes l's buffer to what the strides reach, with
 * 0-3 elements of slack before and 8 after, and points l at it. */
static void flip_and_place(layout *l, size_t es, int32_t keep, int flip) {
  int64_t lo = 0, hi = 0;
  for (int32_t d = 0; d < l->ndim; d++) {
    if (flip && d != keep && l->shape[d] > 1 && test_rand_range(&g_rng, 0, 4) == 0)
      l->strides[d] = -l->strides[d];
    int64_t reach = (l->shape[d] - 1) * l->strides[d];
    if (reach < 0) lo += reach; else hi += reach;
  }
  l->byte_offset = (uint64_t)(-lo + test_rand_range(&g_rng, 0, 3)) * es;
  l->buffer_bytes = (size_t)(hi - lo + 8) * es;
}

/* A 2..4-D layout over its own buffer whose innermost dim is contiguous,
 * the outer dims permuted and padded; for x also negative outer strides. */
static layout padded_rows_layout(int32_t ndim, const int64_t *shape, size_t es, int for_x) {
  layout l;
  memset(&l, 0, sizeof l);
  l.ndim = ndim;
  memcpy(l.shape, shape, (size_t)ndim * sizeof shape[0]);
  l.has_strides = 1;
  l.strides[ndim - 1] = 1;
  int perm[3] = {0, 1, 2};
  for (int32_t i = ndim - 2; i > 0; i--) {
    int j = (int)test_rand_range(&g_rng, 0, i);
    int t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  int64_t stride = shape[ndim - 1] + test_rand_range(&g_rng, 0, 9);
  for (int32_t k = ndim - 2; k >= 0; k--) {
    int32_t d = perm[k];
    l.strides[d] = stride;
    stride *= shape[d] + test_rand_range(&g_rng, 0, 2);
  }
  flip_and_place(&l, es, ndim - 1, for_x);
  return l;
}

static layout compact_layout(int32_t ndim, const int64_t *shape, size_t es, int64_t offset) {
  layout l;
  memset(&l, 0, sizeof l);
  l.ndim = ndim;
  int64_t n = 1;
  for (int32_t d = 0; d < ndim; d++) n *= (l.shape[d] = shape[d]);
  l.byte_offset = (uint64_t)offset * es;
  l.buffer_bytes = (size_t)(n + offset + 3) * es;
  return l;
}

static void padded_rows_match_cpu_and_take_the_rows_kernel(void) {
  int rows_taken = 0, cases = 0;
  for (int iter = 0; iter < 400; iter++) {
    DLDataType dt = all_dtypes[iter % NUM_DT];
    size_t es = elem_size(dt);
    int32_t ndim = (int32_t)test_rand_range(&g_rng, 2, 4);
    int64_t shape[4];
    for (int32_t d = 0; d < ndim - 1; d++) shape[d] = test_rand_range(&g_rng, 2, 6);
    /* rows from 64 bytes to several chunks long (and sometimes shorter) */
    int64_t max_row = iter % 7 == 0 ? 9000 / (int64_t)es : 700 / (int64_t)es;
    shape[ndim - 1] = test_rand_range(&g_rng, iter % 5 == 0 ? 1 : 64 / (int64_t)es, max_row);
    layout lx = padded_rows_layout(ndim, shape, es, 1);
    layout ly = iter % 3 == 0 ? compact_layout(ndim, shape, es, iter % 2)
                              : padded_rows_layout(ndim, shape, es, 0);
    char what[96];
    snprintf(what, sizeof what, "padded rows %d (dtype %d/%d, row %lld)", iter, dt.code, dt.bits,
             (long long)shape[ndim - 1]);
    c2op__plan plan;
    const char *k = compare_unary(what, iter % 4 == 3, dt, &lx, &ly, 0, &plan);
    cases++;
    if (strcmp(k, "rows") == 0) rows_taken++;
    /* Rows of 64 bytes or more that stay rows after planning (padding
     * keeps them from merging into one dense run) take the rows kernel. */
    const int rows = plan.ndim >= 2 && plan.xs[0] == 1 && plan.ys[0] == 1;
    if (rows && (int64_t)es * plan.shape[0] >= 64 && strcmp(k, "rows") != 0)
      TEST_FAIL_("%s: took the %s kernel, not rows", what, k);
    if (!rows && strcmp(k, "rows") == 0) TEST_FAIL_("%s: took the rows kernel", what);
  }
  printf("  %d of %d padded-row cases took the rows kernel\n", rows_taken, cases);
  CHECK(rows_taken > cases / 2);
}

/* Rows whose x and y starts differ modulo 16 go lane by lane; odd element
 * offsets (lanes not aligned) leave the rows kernel for the bytewise
 * strided one. */
static void misaligned_rows_match_cpu(void) {
  for (size_t d = 0; d < NUM_DT; d++) {
    DLDataType dt = all_dtypes[d];
    size_t es = elem_size(dt);
    int64_t cols = 1000 / (int64_t)es + 3;
    layout lx = {2, {6, cols}, {cols + 1, 1}, 1, 0, (size_t)(6 * (cols + 1) + 4) * es};
    layout ly = {2, {6, cols}, {cols + 3, 1}, 1, es, (size_t)(6 * (cols + 3) + 4) * es};
    const char *k = compare_unary("misaligned rows", 0, dt, &lx, &ly, 0, NULL);
    CHECK_EQ_STR(k, "rows");
    lx.byte_offset = 1;
    k = compare_unary("odd byte offset rows", 0, dt, &lx, &ly, 0, NULL);
    if (lane_size(dt) > 1) CHECK_EQ_STR(k, "strided-bytewise");
  }
}

static void random_layouts_match_cpu(void) {
  for (int iter = 0; iter < 600; iter++) {
    int32_t ndim = (int32_t)test_rand_range(&g_rng, 0, 4);
    int64_t shape[4];
    for (int32_t d = 0; d < ndim; d++)
      shape[d] = test_rand_range(&g_rng, iter % 50 ? 1 : 0, d == ndim - 1 ? 40 : 9);
    DLDataType dt = all_dtypes[test_rand_range(&g_rng, 0, (int64_t)NUM_DT - 1)];
    size_t es = elem_size(dt);
    layout lx = random_layout(&g_rng, ndim, shape, es, 1);
    layout ly = random_layout(&g_rng, ndim, shape, es, 0);
    char what[64];
    snprintf(what, sizeof what, "random layout %d", iter);
    compare_unary(what, iter % 3 == 0, dt, &lx, &ly, 0, NULL);
    layout sx = lx, sy = ly;
    sx.buffer_bytes = sy.buffer_bytes =
        lx.buffer_bytes > ly.buffer_bytes ? lx.buffer_bytes : ly.buffer_bytes;
    compare_unary(what, iter % 3 == 1, dt, &sx, &sy, 1, NULL);
  }
}

/* The dense kernel's name in traces: "vector32" when the run takes 32-bit
 * indices (the default, and C2OP_CUDA_INDEX32=1: ctest's
 * test_cuda_host_index32), "vector" with C2OP_CUDA_INDEX32 set otherwise
 * (ctest's test_cuda_host sets 0). */
static const char *dense_kernel(void) {
  const char *e = getenv("C2OP_CUDA_INDEX32");
  return !e || !*e || strcmp(e, "1") == 0 ? "vector32" : "vector";
}

/* `seq` (kernel names, space-separated) with each "vector" named as
 * dense_kernel() names it. */
static const char *with_dense_kernel(const char *seq, char *out, size_t size) {
  out[0] = '\0';
  size_t used = 0;
  while (*seq) {
    const size_t len = strcspn(seq, " ");
    const int is_vector = len == 6 && strncmp(seq, "vector", 6) == 0;
    used += (size_t)snprintf(out + used, size - used, "%s%.*s", used ? " " : "",
                             is_vector ? (int)strlen(dense_kernel()) : (int)len,
                             is_vector ? dense_kernel() : seq);
    seq += len;
    seq += strspn(seq, " ");
  }
  return out;
}

static void dense_sizes_match_cpu(void) {
  static const int64_t sizes[] = {0, 1, 2, 3, 7, 15, 16, 17, 63, 64, 65, 1023, 1025, 4097};
  for (size_t d = 0; d < NUM_DT; d++)
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
      for (int64_t off = 0; off < 3; off++) {
        size_t es = elem_size(all_dtypes[d]);
        layout lx = compact_layout(1, &sizes[k], es, off);
        layout ly = compact_layout(1, &sizes[k], es, (off * 2) % 3);
        char what[96];
        snprintf(what, sizeof what, "dense dtype %zu n=%lld off=%lld", d, (long long)sizes[k],
                 (long long)off);
        const char *kn = compare_unary(what, 0, all_dtypes[d], &lx, &ly, 0, NULL);
        if (sizes[k] > 0 && off == 0) CHECK_EQ_STR(kn, dense_kernel());
        compare_unary(what, 1, all_dtypes[d], &lx, &ly, 0, NULL);
        layout l = compact_layout(1, &sizes[k], es, off);
        compare_unary(what, 0, all_dtypes[d], &l, &l, 1, NULL); /* in place */
      }
}

/* ---- Sum: emulated CUDA against the Sum CPU kernel ------------------------- */

#define MAX_SLOTS 6

/* One Sum case: input i reads slot slot_of[i] through layout lin[i], y
 * writes slot y_slot through layout ly. Every slot is compared after. */
static void compare_sum_log(const char *what, DLDataType dt, int32_t n, const int *slot_of,
                            layout *lin, int y_slot, layout *ly, char *kernels, size_t size) {
  uint8_t *cpu[MAX_SLOTS] = {0}, *emu[MAX_SLOTS] = {0};
  size_t bytes[MAX_SLOTS] = {0};
  for (int32_t i = 0; i < n; i++)
    if (lin[i].buffer_bytes > bytes[slot_of[i]]) bytes[slot_of[i]] = lin[i].buffer_bytes;
  if (ly->buffer_bytes > bytes[y_slot]) bytes[y_slot] = ly->buffer_bytes;
  DLTensor tc[MAX_SLOTS + 1], te[MAX_SLOTS + 1];
  const DLTensor *ic[MAX_SLOTS], *ie[MAX_SLOTS];
  for (int s = 0; s < MAX_SLOTS; s++) {
    if (!bytes[s]) continue;
    cpu[s] = malloc(bytes[s]);
    emu[s] = malloc(bytes[s]);
    if (!cpu[s] || !emu[s]) {
      TEST_FAIL_("%s: out of memory", what);
      goto done;
    }
    fill(cpu[s], bytes[s], lane_size(dt));
    memcpy(emu[s], cpu[s], bytes[s]);
  }
  for (int32_t i = 0; i < n; i++) {
    tc[i] = view(cpu[slot_of[i]], dt, &lin[i]);
    te[i] = view(emu[slot_of[i]], dt, &lin[i]);
    ic[i] = &tc[i];
    ie[i] = &te[i];
  }
  tc[MAX_SLOTS] = view(cpu[y_slot], dt, ly);
  te[MAX_SLOTS] = view(emu[y_slot], dt, ly);
  c2op_kernel_fn k = NULL;
  CHECK_OK(c2op_kernel_lookup("Sum", C2OP_DEVICE_CPU, &k));
  DLTensor *yc = &tc[MAX_SLOTS];
  c2op_status a = k(NULL, n, ic, 1, &yc);
  c2op__unary_op add = dt.code == kDLInt || dt.code == kDLUInt ? C2OP__UNARY_ADD_INT
                       : dt.code == kDLBfloat                  ? C2OP__UNARY_ADD_BFLOAT
                       : dt.code == kDLFloat && dt.bits == 16  ? C2OP__UNARY_ADD_HALF
                                                               : C2OP__UNARY_ADD_FLOAT;
  c2op_status b =
      c2op__cuda_emulate_sum(n, ie, &te[MAX_SLOTS], add, lane_size(dt), kernels, size);
  if (a != b) {
    TEST_FAIL_("%s: CPU says %s, emulated CUDA says %s", what, c2op_status_name(a),
               c2op_status_name(b));
    goto done;
  }
  for (int s = 0; s < MAX_SLOTS; s++)
    if (bytes[s]) first_difference(what, emu[s], cpu[s], bytes[s]);
done:
  for (int s = 0; s < MAX_SLOTS; s++) {
    free(cpu[s]);
    free(emu[s]);
  }
}

static void compare_sum(const char *what, DLDataType dt, int32_t n, const int *slot_of,
                        layout *lin, int y_slot, layout *ly) {
  compare_sum_log(what, dt, n, slot_of, lin, y_slot, ly, NULL, 0);
}

/* Sum adds straight into y when no input overlaps it (the first two in one
 * fused pass where all are dense and aligned alike), and goes through the
 * accumulator otherwise; every case against the CPU. */
static void sum_goes_straight_into_y_when_nothing_overlaps(void) {
  static const struct {
    const char *what;
    int32_t n;
    int slot_of[3];
    int64_t offset[3]; /* elements, per input */
    int y_slot;        /* 3: its own buffer */
    const char *kernels;
  } cases[] = {
      {"two dense inputs", 2, {0, 1}, {0, 0}, 3, "add2"},
      {"three dense inputs", 3, {0, 1, 2}, {0, 4, 0}, 3, "add2 vector"},
      {"one input", 1, {0}, {0}, 3, "memcpy"},
      {"the same input twice", 2, {0, 0}, {0, 0}, 3, "add2"},
      {"b aligned unlike y", 3, {0, 1, 2}, {0, 1, 0}, 3, "memcpy strided vector"},
      {"y is inputs[0]", 3, {0, 1, 2}, {0, 0, 0}, 0, "vector vector"},
      {"y is inputs[1]", 3, {0, 1, 2}, {0, 0, 0}, 1, "memcpy vector vector memcpy"},
  };
  int64_t shape[1] = {1000};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    layout lin[MAX_SLOTS];
    for (int32_t i = 0; i < cases[c].n; i++)
      lin[i] = compact_layout(1, shape, 4, cases[c].offset[i]);
    layout ly = cases[c].y_slot < 3 ? lin[cases[c].y_slot] : compact_layout(1, shape, 4, 0);
    char kernels[128], expected[128];
    compare_sum_log(cases[c].what, all_dtypes[10], cases[c].n, cases[c].slot_of, lin,
                    cases[c].y_slot, &ly, kernels, sizeof kernels);
    with_dense_kernel(cases[c].kernels, expected, sizeof expected);
    if (strcmp(kernels, expected) != 0)
      TEST_FAIL_("%s: ran \"%s\", expected \"%s\"", cases[c].what, kernels, expected);
  }
  /* Every dtype, fused, with a head and a tail (offsets of 1 element). */
  int64_t odd[1] = {333};
  for (size_t d = 0; d < NUM_DT; d++) {
    DLDataType dt = all_dtypes[d];
    layout lin[2] = {compact_layout(1, odd, elem_size(dt), 1), compact_layout(1, odd, elem_size(dt), 1)};
    layout ly = compact_layout(1, odd, elem_size(dt), 1);
    int slots[2] = {0, 1};
    char kernels[128], what[64];
    snprintf(what, sizeof what, "fused Sum, dtype %d/%d", dt.code, dt.bits);
    compare_sum_log(what, dt, 2, slots, lin, 3, &ly, kernels, sizeof kernels);
    if (strcmp(kernels, "add2") != 0) TEST_FAIL_("%s: ran \"%s\"", what, kernels);
  }
}

static void sum_matches_cpu_for_every_dtype_count_and_layout(void) {
  static const int32_t counts[] = {1, 2, 3, 5};
  for (size_t d = 0; d < NUM_DT; d++) {
    DLDataType dt = all_dtypes[d];
    size_t es = elem_size(dt);
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
      int32_t n = counts[c];
      for (int kind = 0; kind < 6; kind++) {
        int64_t shape[3] = {3, 7, 200 / (int64_t)es + 9};
        layout lin[MAX_SLOTS], ly;
        int slot_of[MAX_SLOTS];
        for (int32_t i = 0; i < n; i++) {
          slot_of[i] = i;
          switch (kind) {
          case 0: lin[i] = compact_layout(3, shape, es, i % 2); break;
          case 1: lin[i] = padded_rows_layout(3, shape, es, 1); break;
          default: lin[i] = random_layout(&g_rng, 3, shape, es, 1); break;
          }
        }
        ly = kind == 2 || kind == 5 ? padded_rows_layout(3, shape, es, 0)
             : kind == 3           ? random_layout(&g_rng, 3, shape, es, 0)
                                   : compact_layout(3, shape, es, 1);
        int y_slot = n;
        char what[96];
        snprintf(what, sizeof what, "Sum dtype %d/%d, %d inputs, layouts %d", dt.code, dt.bits,
                 (int)n, kind);
        compare_sum(what, dt, n, slot_of, lin, y_slot, &ly);
        /* In place: y is input 0 (same buffer, same layout). */
        snprintf(what, sizeof what, "Sum in place dtype %d/%d, %d inputs, layouts %d", dt.code,
                 dt.bits, (int)n, kind);
        compare_sum(what, dt, n, slot_of, lin, slot_of[0], &lin[0]);
        if (n >= 2) {
          /* Input 1 is input 0, and y writes over input 1's buffer in its
           * own layout (partial overlap with both). */
          int alias[MAX_SLOTS];
          memcpy(alias, slot_of, sizeof alias);
          alias[1] = 0;
          layout l2[MAX_SLOTS];
          memcpy(l2, lin, sizeof l2);
          l2[1] = lin[0];
          snprintf(what, sizeof what, "Sum aliased dtype %d/%d, %d inputs, layouts %d", dt.code,
                   dt.bits, (int)n, kind);
          compare_sum(what, dt, n, alias, l2, 0, &ly);
        }
      }
    }
  }
}

/* ---- transposes: the tiled kernel --------------------------------------- */

/* A layout over its own buffer in which dim `fast` (not the last) is
 * contiguous, the other dims outside it in a random order, with pads
 * between them when `pad`, and some negative strides. */
static layout transposed_layout(int32_t ndim, const int64_t *shape, size_t es, int32_t fast,
                                int pad) {
  layout l;
  memset(&l, 0, sizeof l);
  l.ndim = ndim;
  memcpy(l.shape, shape, (size_t)ndim * sizeof shape[0]);
  l.has_strides = 1;
  int32_t order[4], n = 0;
  order[n++] = fast;
  for (int32_t d = 0; d < ndim; d++)
    if (d != fast) order[n++] = d;
  for (int32_t i = ndim - 1; i > 1; i--) { /* shuffle order[1..] */
    int32_t j = (int32_t)test_rand_range(&g_rng, 1, i), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  int64_t stride = 1;
  for (int32_t k = 0; k < ndim; k++) {
    l.strides[order[k]] = stride;
    stride *= shape[order[k]] + (pad ? test_rand_range(&g_rng, 0, 3) : 0);
  }
  flip_and_place(&l, es, fast, 1);
  return l;
}

/* Whether a plan is one the tiled kernel is meant for: y contiguous along
 * dim 0, x along another dim, both at least 8 long. */
static int tile_shaped(const c2op__plan *p) {
  if (p->ndim < 2 || p->ys[0] != 1 || p->xs[0] == 1 || p->shape[0] < 8) return 0;
  for (int32_t d = 1; d < p->ndim; d++)
    if (p->xs[d] == 1 && p->shape[d] >= 8) return 1;
  return 0;
}

static void transposes_match_cpu_and_take_the_tiled_kernel(void) {
  int tiled = 0, cases = 0;
  for (int iter = 0; iter < 420; iter++) {
    DLDataType dt = all_dtypes[iter % NUM_DT];
    size_t es = elem_size(dt);
    int32_t ndim = (int32_t)test_rand_range(&g_rng, 2, 4);
    int32_t fast = (int32_t)test_rand_range(&g_rng, 0, ndim - 2);
    int64_t shape[4];
    for (int32_t d = 0; d < ndim; d++)
      shape[d] = d == fast || d == ndim - 1 ? test_rand_range(&g_rng, 1, iter % 9 ? 75 : 300)
                                            : test_rand_range(&g_rng, 1, 4);
    layout lx = transposed_layout(ndim, shape, es, fast, iter % 2);
    layout ly = iter % 3 ? compact_layout(ndim, shape, es, iter % 2)
                         : padded_rows_layout(ndim, shape, es, 0);
    char what[96];
    snprintf(what, sizeof what, "transpose %d (dtype %d/%d)", iter, dt.code, dt.bits);
    c2op__plan plan;
    const char *k = compare_unary(what, iter % 4 == 3, dt, &lx, &ly, 0, &plan);
    cases++;
    if (strcmp(k, "tiled") == 0) tiled++;
    if (tile_shaped(&plan) != (strcmp(k, "tiled") == 0))
      TEST_FAIL_("%s: took the %s kernel (tile-shaped plan: %d)", what, k, tile_shaped(&plan));
  }
  printf("  %d of %d transposes took the tiled kernel\n", tiled, cases);
  CHECK(tiled > cases / 3);

  /* More batches than a grid's y holds (65535): the batch loop wraps. */
  int64_t big[3] = {66000, 9, 8};
  layout bx = transposed_layout(3, big, 1, 1, 0), by = compact_layout(3, big, 1, 0);
  CHECK_EQ_STR(compare_unary("70000 batches of int8 tiles", 0, all_dtypes[0], &bx, &by, 0, NULL),
               "tiled");
  /* Elements that are not lane-aligned leave it for the bytewise kernel. */
  int64_t sq[2] = {40, 40};
  layout ox = transposed_layout(2, sq, 4, 0, 0), oy = compact_layout(2, sq, 4, 0);
  ox.byte_offset += 1;
  ox.buffer_bytes += 4;
  CHECK_EQ_STR(compare_unary("odd byte offset transpose", 0, all_dtypes[10], &ox, &oy, 0, NULL),
               "strided-bytewise");

  /* Sum of transposed inputs: the additions take the tiled kernel too. */
  for (size_t d = 0; d < NUM_DT; d++) {
    DLDataType dt = all_dtypes[d];
    size_t es = elem_size(dt);
    int64_t shape[3] = {3, 37, 45};
    layout lin[MAX_SLOTS];
    int slot_of[MAX_SLOTS] = {0, 1, 2};
    for (int i = 0; i < 3; i++) lin[i] = transposed_layout(3, shape, es, i % 2, i);
    layout ly = compact_layout(3, shape, es, 0);
    char what[64];
    snprintf(what, sizeof what, "Sum of transposes, dtype %d/%d", dt.code, dt.bits);
    compare_sum(what, dt, 3, slot_of, lin, 3, &ly);
  }
}

static void sum_errors_agree_with_cpu(void) {
  /* y overlapping itself: both refuse (C2OP_ERR_OVERLAP) before writing. */
  int64_t shape[2] = {4, 40};
  layout a = compact_layout(2, shape, 4, 0);
  layout bad = {2, {4, 40}, {0, 1}, 1, 0, 200 * 4};
  int slots[2] = {0, 1};
  layout lin[2] = {a, a};
  compare_sum("y overlaps itself", all_dtypes[10], 2, slots, lin, 2, &bad);
  /* empty tensors: nothing to do, both OK */
  int64_t zero[2] = {0, 40};
  layout e = compact_layout(2, zero, 4, 0);
  layout le[2] = {e, e};
  compare_sum("empty", all_dtypes[10], 2, slots, le, 2, &e);

  /* Errors in y name y on both backends, whatever else is wrong: a y
   * overlapping itself beside an input whose strides reach past int64, and
   * a y whose byte extent overflows (it used to be reported as the
   * internal "scratch"). Nothing is dereferenced. */
  static float buf[64];
  const DLDataType f32 = all_dtypes[10], c128 = {kDLComplex, 128, 1};
  int64_t sh[2] = {4, 8}, bad_in[2] = {INT64_MAX / 2, 1}, bad_y[2] = {0, 1};
  int64_t huge[1] = {(int64_t)1 << 61}, stride0[1] = {0}, one[1] = {1};
  const struct {
    DLDataType dt;
    size_t lane; /* float32 lanes, or complex128's float64 halves */
    int32_t ndim;
    int64_t *shape, *in0_strides, *in1_strides, *y_strides;
    c2op_status status;
    const char *message;
  } cases[] = {
      {f32, 4, 2, sh, NULL, bad_in, bad_y, C2OP_ERR_OVERLAP, "outputs[0]: stride 0 on dim 0"},
      {c128, 8, 1, huge, stride0, stride0, one, C2OP_ERR_OVERFLOW,
       "outputs[0]: byte extent of the strides overflows int64"},
  };
  c2op_kernel_fn k = NULL;
  CHECK_OK(c2op_kernel_lookup("Sum", C2OP_DEVICE_CPU, &k));
  for (size_t i = 0; k && i < sizeof cases / sizeof cases[0]; i++) {
    DLTensor x0 = {buf,          {kDLCPU, 0},           cases[i].ndim, cases[i].dt,
                   cases[i].shape, cases[i].in0_strides, 0};
    DLTensor x1 = x0, ty = x0;
    x1.strides = cases[i].in1_strides;
    ty.strides = cases[i].y_strides;
    const DLTensor *in[2] = {&x0, &x1};
    DLTensor *out[1] = {&ty};
    CHECK_STATUS(k(NULL, 2, in, 1, out), cases[i].status);
    CHECK_CONTAINS(c2op_last_error(), cases[i].message);
    CHECK_STATUS(
        c2op__cuda_emulate_sum(2, in, &ty, C2OP__UNARY_ADD_FLOAT, cases[i].lane, NULL, 0),
        cases[i].status);
    CHECK_CONTAINS(c2op_last_error(), cases[i].message);
  }
}

/* The dense kernel streams (evict-first accesses) tensors from
 * C2OP_CUDA_STREAMING_MIN_BYTES to C2OP_CUDA_STREAMING_MAX_BYTES bytes:
 * 8 MiB and 128 MiB unless the environment says otherwise (ctest's
 * test_cuda_host_index32 sets 1024 and 4096), read by c2op__env_bytes
 * (its parsing: test_settings). */
static void streaming_only_between_the_thresholds(void) {
  const int64_t min = c2op__env_bytes("C2OP_CUDA_STREAMING_MIN_BYTES", (int64_t)8 << 20);
  const int64_t max = c2op__env_bytes("C2OP_CUDA_STREAMING_MAX_BYTES", (int64_t)128 << 20);
  printf("streaming from %lld to %lld bytes\n", (long long)min, (long long)max);
  if (min > 0) CHECK_EQ_INT(c2op__cuda_dense_streams(min - 1), 0);
  if (min <= max) {
    CHECK_EQ_INT(c2op__cuda_dense_streams(min), 1);
    CHECK_EQ_INT(c2op__cuda_dense_streams(max), 1);
  } else { /* an empty range: nothing streams */
    CHECK_EQ_INT(c2op__cuda_dense_streams(min), 0);
    CHECK_EQ_INT(c2op__cuda_dense_streams(max), 0);
  }
  if (max < INT64_MAX) CHECK_EQ_INT(c2op__cuda_dense_streams(max + 1), 0);
}

/* The dense kernel takes 32-bit indices only where the vector count and
 * every index fit: 2^32 - 1 vectors do, exactly 2^32 do not (cast to 32
 * bits the count would be 0, and nothing would run). */
static void index32_covers_only_counts_that_fit(void) {
  const int64_t per_vec = 4; /* float32 lanes per 16-byte vector */
  CHECK_EQ_INT(c2op__cuda_dense_index32(0, 1000 * per_vec, 4), 1);
  CHECK_EQ_INT(c2op__cuda_dense_index32(0, ((int64_t)UINT32_MAX - 1000) * per_vec, 4), 1);
  CHECK_EQ_INT(c2op__cuda_dense_index32(0, (int64_t)UINT32_MAX * per_vec, 4), 1);
  CHECK_EQ_INT(c2op__cuda_dense_index32(0, ((int64_t)1 << 32) * per_vec, 4), 0);
  CHECK_EQ_INT(c2op__cuda_dense_index32(0, ((int64_t)1 << 32) * per_vec + 3, 4), 0);
  CHECK_EQ_INT(c2op__cuda_dense_index32(0, ((int64_t)1 << 40) * per_vec, 4), 0);
  /* A head of one lane before the first 16-byte boundary. */
  CHECK_EQ_INT(c2op__cuda_dense_index32(12, ((int64_t)1 << 32) * per_vec + 1, 4), 0);
  CHECK_EQ_INT(c2op__cuda_dense_index32(12, (int64_t)UINT32_MAX * per_vec + 1, 4), 1);
}

static c2op_status emulated_sum2(DLDataType dt, int64_t n, const void *a, const void *b,
                                 void *out) {
  int64_t shape = n;
  DLTensor ta = {(void *)a, {kDLCPU, 0}, 1, dt, &shape, NULL, 0};
  DLTensor tb = ta, ty = ta;
  tb.data = (void *)b;
  ty.data = out;
  const DLTensor *in[2] = {&ta, &tb};
  c2op__unary_op add = dt.code == kDLBfloat ? C2OP__UNARY_ADD_BFLOAT
                       : dt.bits == 16      ? C2OP__UNARY_ADD_HALF
                                            : C2OP__UNARY_ADD_FLOAT;
  return c2op__cuda_emulate_sum(2, in, &ty, add, dt_lane_size(dt), NULL, 0);
}

static void sum_special_values_exact(void) { check_special_sums(emulated_sum2); }

int main(void) {
  if (!c2op_has_cuda()) {
    printf("skipped: this build has no CUDA backend\n");
    return 77;
  }
  g_rng = test_seed();
  RUN(rows_offsets_follow_the_layout);
  RUN(padded_rows_match_cpu_and_take_the_rows_kernel);
  RUN(misaligned_rows_match_cpu);
  RUN(dense_sizes_match_cpu);
  RUN(random_layouts_match_cpu);
  RUN(transposes_match_cpu_and_take_the_tiled_kernel);
  RUN(sum_goes_straight_into_y_when_nothing_overlaps);
  RUN(sum_matches_cpu_for_every_dtype_count_and_layout);
  RUN(sum_special_values_exact);
  RUN(sum_errors_agree_with_cpu);
  RUN(index32_covers_only_counts_that_fit);
  RUN(streaming_only_between_the_thresholds);
  return TEST_MAIN_END();
}
