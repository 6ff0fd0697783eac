/*
 * test_sum.c - the Sum op's CPU kernel (backward nets add gradient
 * contributions with it): every dtype of its schema against a reference
 * written here, compact and strided inputs, and every way a direct kernel
 * call can be wrong (status, message, y untouched).
 *
 * References: integers add modulo 2^bits through unsigned types; float32,
 * float64 and complex parts add in C; float16 goes through the compiler's
 * float16 and bfloat16 add in float32 and round the sum once to the nearer
 * of its two neighbours, ties to even, found by comparing distances in
 * double (float16 decoded from its definition through ldexp). NaN results
 * are compared as "is NaN" there; which NaN comes back (Sum's NaN rule,
 * src/cpu/add_scalar.c) is checked exactly on hand-written values.
 */
#include <math.h>

#include "c2op_test.h"
#include "sum_util.h"

#define ROWS 5
#define COLS 37
#define N (ROWS * COLS)
#define NUM_IN 3

static DLDataType dt(uint8_t code, uint8_t bits) {
  DLDataType d = {code, bits, 1};
  return d;
}

static DLTensor view(void *data, DLDataType dtype, int32_t ndim, int64_t *shape,
                     int64_t *strides) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.device.device_type = kDLCPU;
  t.ndim = ndim;
  t.dtype = dtype;
  t.shape = shape;
  t.strides = strides;
  return t;
}

static c2op_kernel_fn sum_kernel(void) {
  c2op_kernel_fn k = NULL;
  CHECK_OK(c2op_kernel_lookup("Sum", C2OP_DEVICE_CPU, &k));
  CHECK(k != NULL);
  return k;
}

/* ---- references ---------------------------------------------------------- */

static float f32_of(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static uint32_t bits_of(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* float16 bits to float: the IEEE binary16 definition, through ldexp. */
static float from_half(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0) v = ldexp(m, -24);
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexp(1024 + m, e - 25);
  return (float)((h & 0x8000) ? -v : v);
}

/* float16 nearest to f, ties to even: a binary search for the largest
 * magnitude at or below |f|, then the nearer of it and the next one (the
 * one past 65504 is infinity, standing for 65536 as a neighbour). */
static uint16_t to_half(float f) {
  if (isnan(f)) return 0x7e00;
  const uint16_t sign = signbit(f) ? 0x8000 : 0;
  const double a = fabs((double)f);
  if (isinf(f)) return (uint16_t)(sign | 0x7c00);
  uint16_t lo = 0, hi = 0x7c00; /* from_half(lo) <= a < value(hi) */
  while (hi - lo > 1) {
    const uint16_t mid = (uint16_t)((lo + hi) / 2);
    if ((double)from_half(mid) <= a) lo = mid;
    else hi = mid;
  }
  if ((double)from_half(lo) == a) return (uint16_t)(sign | lo);
  const double up = lo == 0x7bff ? 65536.0 : (double)from_half((uint16_t)(lo + 1));
  const double dlo = a - (double)from_half(lo), dup = up - a;
  const uint16_t r = dlo < dup ? lo : dup < dlo ? (uint16_t)(lo + 1) : (lo & 1) ? (uint16_t)(lo + 1) : lo;
  return (uint16_t)(sign | r);
}

/* bfloat16 of float f, nearest, ties to even; NaN stays NaN. */
static uint16_t to_bf16(float f) {
  if (isnan(f)) return (uint16_t)((bits_of(f) >> 16) | 0x40u);
  const uint32_t u = bits_of(f);
  const uint16_t lo = (uint16_t)(u >> 16);  /* toward zero */
  const uint16_t hi = (uint16_t)(lo + 1u);  /* one step away from zero */
  if ((u & 0xffffu) == 0) return lo;
  const double dlo = fabs((double)f - (double)f32_of((uint32_t)lo << 16));
  /* hi may be the infinity past the largest finite value: as a rounding
   * neighbour it stands for 2^128, one step up. */
  const float fhi = f32_of((uint32_t)hi << 16);
  const double vhi = isinf(fhi) ? copysign(ldexp(1.0, 128), (double)f) : (double)fhi;
  const double dhi = fabs(vhi - (double)f);
  if (dlo < dhi) return lo;
  if (dhi < dlo) return hi;
  return (lo & 1u) ? hi : lo;
}
static float from_bf16(uint16_t b) { return f32_of((uint32_t)b << 16); }

/* Element i of the reference sum, into `out` (elem bytes). */
static void ref_sum(DLDataType d, const unsigned char *const *in, size_t i, void *out) {
  const size_t lane = d.code == kDLComplex ? d.bits / 16u : d.bits / 8u;
  const size_t lanes = d.code == kDLComplex ? 2 : 1;
  for (size_t l = 0; l < lanes; l++) {
    const size_t off = i * lane * lanes + l * lane;
    unsigned char *o = (unsigned char *)out + l * lane;
    if (d.code == kDLInt || d.code == kDLUInt) {
      uint64_t acc = 0;
      for (int k = 0; k < NUM_IN; k++) {
        uint64_t v = 0;
        memcpy(&v, in[k] + off, lane); /* little-endian: the low bytes */
        acc += v;
      }
      memcpy(o, &acc, lane);
    } else if (d.code == kDLFloat && d.bits == 16) {
      uint16_t acc, v;
      memcpy(&acc, in[0] + off, 2);
      for (int k = 1; k < NUM_IN; k++) {
        memcpy(&v, in[k] + off, 2);
        acc = to_half(from_half(acc) + from_half(v));
      }
      memcpy(o, &acc, 2);
    } else if (d.code == kDLBfloat) {
      uint16_t acc, v;
      memcpy(&acc, in[0] + off, 2);
      for (int k = 1; k < NUM_IN; k++) {
        memcpy(&v, in[k] + off, 2);
        acc = to_bf16(from_bf16(acc) + from_bf16(v));
      }
      memcpy(o, &acc, 2);
    } else if (lane == 4) {
      float acc, v;
      memcpy(&acc, in[0] + off, 4);
      for (int k = 1; k < NUM_IN; k++) {
        memcpy(&v, in[k] + off, 4);
        acc = acc + v;
      }
      memcpy(o, &acc, 4);
    } else {
      double acc, v;
      memcpy(&acc, in[0] + off, 8);
      for (int k = 1; k < NUM_IN; k++) {
        memcpy(&v, in[k] + off, 8);
        acc = acc + v;
      }
      memcpy(o, &acc, 8);
    }
  }
}

/* Whether lane bytes a and b hold the same value (NaN == NaN). */
static int same_lane(DLDataType d, const unsigned char *a, const unsigned char *b, size_t lane) {
  if (memcmp(a, b, lane) == 0) return 1;
  if (d.code == kDLInt || d.code == kDLUInt) return 0;
  if (lane == 2) {
    uint16_t x, y;
    memcpy(&x, a, 2);
    memcpy(&y, b, 2);
    const int bf = d.code == kDLBfloat;
    const float fx = bf ? from_bf16(x) : from_half(x), fy = bf ? from_bf16(y) : from_half(y);
    return isnan(fx) && isnan(fy);
  }
  if (lane == 4) {
    float x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    return isnan(x) && isnan(y);
  }
  double x, y;
  memcpy(&x, a, 8);
  memcpy(&y, b, 8);
  return isnan(x) && isnan(y);
}

/* Random lane bits; floats get specials (zeros, infinities, NaN, the
 * subnormal range and values that overflow when added) one time in four. */
static void fill(DLDataType d, unsigned char *p, size_t bytes, uint64_t *st) {
  for (size_t i = 0; i < bytes; i++) p[i] = (unsigned char)test_rand_next(st);
  if (d.code != kDLFloat && d.code != kDLBfloat) return;
  if (d.bits != 16) return;
  static const uint16_t half_specials[] = {0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x0001,
                                           0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0x1000};
  static const uint16_t bf_specials[] = {0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x0001,
                                         0x007f, 0x0080, 0x7f7f, 0xff7f, 0x3f80, 0x3b80};
  const uint16_t *sp = d.code == kDLBfloat ? bf_specials : half_specials;
  for (size_t i = 0; i + 2 <= bytes; i += 2)
    if (test_rand_next(st) % 4 == 0) memcpy(p + i, &sp[test_rand_next(st) % 12], 2);
}

/* ---- tests --------------------------------------------------------------- */

static const struct {
  uint8_t code, bits;
} sum_types[] = {{kDLInt, 8},     {kDLInt, 16},     {kDLInt, 32},    {kDLInt, 64},
                 {kDLUInt, 8},    {kDLUInt, 16},    {kDLUInt, 32},   {kDLUInt, 64},
                 {kDLFloat, 16},  {kDLBfloat, 16},  {kDLFloat, 32},  {kDLFloat, 64},
                 {kDLComplex, 64}, {kDLComplex, 128}};

/* Sum of three [ROWS, COLS] inputs, every dtype: all compact, then input 1
 * a transposed view (strided kernels) and the output strided too. */
static void sum_of_every_dtype_matches_the_reference(void) {
  c2op_kernel_fn k = sum_kernel();
  if (!k) return;
  uint64_t st = test_seed() ^ 0x5a5a;
  for (size_t t = 0; t < sizeof sum_types / sizeof sum_types[0]; t++) {
    const DLDataType d = dt(sum_types[t].code, sum_types[t].bits);
    const size_t elem = d.bits / 8u;
    for (int strided = 0; strided < 2; strided++) {
      unsigned char *in[NUM_IN], *want = malloc(N * elem), *got = malloc(2 * N * elem);
      unsigned char *t1 = malloc(N * elem); /* input 1, stored transposed */
      for (int i = 0; i < NUM_IN; i++) in[i] = malloc(N * elem);
      if (!want || !got || !t1 || !in[0] || !in[1] || !in[2]) {
        CHECK(!"out of memory in the test");
        return;
      }
      for (int i = 0; i < NUM_IN; i++) fill(d, in[i], N * elem, &st);
      for (size_t i = 0; i < N; i++) ref_sum(d, (const unsigned char *const *)in, i, want + i * elem);
      /* t1[c][r] = in[1][r][c] */
      for (size_t r = 0; r < ROWS; r++)
        for (size_t c = 0; c < COLS; c++)
          memcpy(t1 + (c * ROWS + r) * elem, in[1] + (r * COLS + c) * elem, elem);
      memset(got, 0xa5, 2 * N * elem);
      int64_t shape[2] = {ROWS, COLS};
      int64_t tstrides[2] = {1, ROWS};        /* transposed storage */
      int64_t ystrides[2] = {2 * COLS, 2};     /* every other element */
      DLTensor x0 = view(in[0], d, 2, shape, NULL);
      DLTensor x1 = strided ? view(t1, d, 2, shape, tstrides) : view(in[1], d, 2, shape, NULL);
      DLTensor x2 = view(in[2], d, 2, shape, NULL);
      DLTensor y = view(got, d, 2, shape, strided ? ystrides : NULL);
      const DLTensor *xs[NUM_IN] = {&x0, &x1, &x2};
      DLTensor *ys[1] = {&y};
      CHECK_OK(k(NULL, NUM_IN, xs, 1, ys));
      const size_t lane = d.code == kDLComplex ? elem / 2 : elem;
      int bad = 0;
      for (size_t i = 0; i < N && !bad; i++) {
        const unsigned char *g = got + (strided ? 2 * i : i) * elem;
        for (size_t l = 0; l < elem && !bad; l += lane)
          if (!same_lane(d, g + l, want + i * elem + l, lane)) {
            uint64_t gv = 0, wv = 0;
            memcpy(&gv, g + l, lane);
            memcpy(&wv, want + i * elem + l, lane);
            TEST_FAIL_("dtype %d/%d %s: element %zu lane %zu is 0x%llx, want 0x%llx", d.code,
                       d.bits, strided ? "strided" : "compact", i, l / lane,
                       (unsigned long long)gv, (unsigned long long)wv);
            bad = 1;
          }
        /* The gaps of the strided output stay as they were. */
        if (strided)
          for (size_t b = 0; b < elem && !bad; b++)
            if (got[(2 * i + 1) * elem + b] != 0xa5) {
              TEST_FAIL_("dtype %d/%d: wrote into the gap after element %zu", d.code, d.bits, i);
              bad = 1;
            }
      }
      for (int i = 0; i < NUM_IN; i++) free(in[i]);
      free(t1);
      free(want);
      free(got);
    }
  }
}

/* Hand-computed float16 and bfloat16 sums: the rounding cases the random
 * test may miss. Inputs: a, b, 0 (the third input is +0). */
static void sum_rounds_half_and_bfloat16_once_to_nearest_even(void) {
  c2op_kernel_fn k = sum_kernel();
  if (!k) return;
  static const struct {
    uint8_t code;
    uint16_t a, b, want;
  } cases[] = {
      {kDLFloat, 0x3c00, 0x3c00, 0x4000},  /* 1 + 1 = 2 */
      {kDLFloat, 0x3c00, 0x1000, 0x3c00},  /* 1 + 2^-11: tie, to even (1) */
      {kDLFloat, 0x3c01, 0x1000, 0x3c02},  /* 1+2^-10 + 2^-11: tie, to even (up) */
      {kDLFloat, 0x7bff, 0x5000, 0x7c00},  /* 65504 + 32: past the top, infinity */
      {kDLFloat, 0x7bff, 0x4c00, 0x7c00},  /* 65504 + 16 = 65520: tie, to even = infinity */
      {kDLFloat, 0x7bff, 0x4800, 0x7bff},  /* 65504 + 8: below the tie, stays finite */
      {kDLFloat, 0x0001, 0x0001, 0x0002},  /* subnormals add exactly */
      {kDLFloat, 0x0001, 0x8001, 0x0000},  /* x + -x = +0 */
      {kDLFloat, 0x7c00, 0xfc00, 0xffff},  /* inf + -inf: NaN (checked as NaN) */
      {kDLFloat, 0x03ff, 0x0001, 0x0400},  /* largest subnormal + tiniest: smallest normal */
      {kDLBfloat, 0x3f80, 0x3f80, 0x4000}, /* 1 + 1 = 2 */
      {kDLBfloat, 0x3f80, 0x3b80, 0x3f80}, /* 1 + 2^-8: tie, to even (1) */
      {kDLBfloat, 0x3f81, 0x3b80, 0x3f82}, /* tie, to even (up) */
      {kDLBfloat, 0x7f7f, 0x7f7f, 0x7f80}, /* overflow to infinity */
      {kDLBfloat, 0x7f80, 0xff80, 0xffff}, /* NaN */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const DLDataType d = dt(cases[i].code, 16);
    uint16_t a = cases[i].a, b = cases[i].b, z = 0, y = 0x1234;
    int64_t shape[1] = {1};
    DLTensor ta = view(&a, d, 1, shape, NULL), tb = view(&b, d, 1, shape, NULL);
    DLTensor tz = view(&z, d, 1, shape, NULL), ty = view(&y, d, 1, shape, NULL);
    const DLTensor *xs[3] = {&ta, &tb, &tz};
    DLTensor *ys[1] = {&ty};
    CHECK_OK(k(NULL, 3, xs, 1, ys));
    if (cases[i].want == 0xffff) {
      const float f = cases[i].code == kDLBfloat ? from_bf16(y) : from_half(y);
      if (!isnan(f)) TEST_FAIL_("case %zu: 0x%04x + 0x%04x = 0x%04x, want NaN", i, a, b, y);
    } else if (y != cases[i].want) {
      TEST_FAIL_("case %zu (%s): 0x%04x + 0x%04x = 0x%04x, want 0x%04x", i,
                 cases[i].code == kDLBfloat ? "bfloat16" : "float16", a, b, y, cases[i].want);
    }
  }
}

/* Every error of a direct Sum kernel call: status, a message naming the
 * argument, and y untouched. */
static void sum_kernel_rejects_bad_calls_and_leaves_y_untouched(void) {
  c2op_kernel_fn k = sum_kernel();
  if (!k) return;
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {6, 5, 4, 3, 2, 1}, y[6], saved[6];
  for (int i = 0; i < 6; i++) y[i] = saved[i] = -99.0f;
  int64_t shape[2] = {2, 3}, other[2] = {3, 2};
  const DLDataType f32 = dt(kDLFloat, 32);
  DLTensor ta = view(a, f32, 2, shape, NULL), tb = view(b, f32, 2, shape, NULL);
  DLTensor ty = view(y, f32, 2, shape, NULL);
  const DLTensor *xs[2] = {&ta, &tb};
  DLTensor *ys[1] = {&ty};
#define Y_UNTOUCHED() CHECK(memcmp(y, saved, sizeof y) == 0)

  CHECK_STATUS(k(NULL, 0, xs, 1, ys), C2OP_ERR_SCHEMA_VIOLATION);
  CHECK_CONTAINS(c2op_last_error(), "Sum: takes 1 or more inputs and 1 output, got 0 and 1");
  Y_UNTOUCHED();
  CHECK_STATUS(k(NULL, 2, xs, 2, ys), C2OP_ERR_SCHEMA_VIOLATION);
  CHECK_CONTAINS(c2op_last_error(), "got 2 and 2");
  CHECK_STATUS(k(NULL, 2, NULL, 1, ys), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "Sum: inputs is NULL");
  Y_UNTOUCHED();
  CHECK_STATUS(k(NULL, 2, xs, 1, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_CONTAINS(c2op_last_error(), "Sum: outputs is NULL");

  /* Input 1's shape differs from input 0's. */
  DLTensor wrong_shape = view(b, f32, 2, other, NULL);
  const DLTensor *xs_shape[2] = {&ta, &wrong_shape};
  CHECK_STATUS(k(NULL, 2, xs_shape, 1, ys), C2OP_ERR_SHAPE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "inputs[1]: shape");
  Y_UNTOUCHED();
  /* The output's dtype differs. */
  DLTensor y_i32 = view(y, dt(kDLInt, 32), 2, shape, NULL);
  DLTensor *ys_i32[1] = {&y_i32};
  CHECK_STATUS(k(NULL, 2, xs, 1, ys_i32), C2OP_ERR_DTYPE_MISMATCH);
  CHECK_CONTAINS(c2op_last_error(), "outputs[0]: dtype int32");
  Y_UNTOUCHED();

  /* Every tensor on a CUDA device: the CPU kernel refuses (no memory is
   * touched: the pointers are host ones, never dereferenced). */
  DLTensor ca = ta, cb = tb, cy = ty;
  ca.device.device_type = cb.device.device_type = cy.device.device_type = kDLCUDA;
  const DLTensor *xs_cuda[2] = {&ca, &cb};
  DLTensor *ys_cuda[1] = {&cy};
  CHECK_STATUS(k(NULL, 2, xs_cuda, 1, ys_cuda), C2OP_ERR_UNSUPPORTED_DEVICE);
  CHECK_CONTAINS(c2op_last_error(), "outputs[0]: the Sum CPU kernel needs host memory");
  Y_UNTOUCHED();

  /* Dtypes outside Sum's schema, reached by calling the kernel directly:
   * bool, a 2-lane vector, a 24-bit int and each code's unsupported width. */
  static const DLDataType bad[] = {{C2OP_DL_BOOL, 8, 1}, {kDLFloat, 32, 2}, {kDLInt, 24, 1},
                                   {kDLFloat, 8, 1},     {kDLBfloat, 32, 1}, {kDLComplex, 32, 1},
                                   {kDLUInt, 1, 1}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    DLTensor ba = view(a, bad[i], 1, (int64_t[]){2}, NULL);
    DLTensor bb = view(b, bad[i], 1, (int64_t[]){2}, NULL);
    DLTensor by = view(y, bad[i], 1, (int64_t[]){2}, NULL);
    const DLTensor *bxs[2] = {&ba, &bb};
    DLTensor *bys[1] = {&by};
    CHECK_STATUS(k(NULL, 2, bxs, 1, bys), C2OP_ERR_UNSUPPORTED_DTYPE);
    CHECK_CONTAINS(c2op_last_error(), "inputs[0]: Sum does not support dtype");
    Y_UNTOUCHED();
  }

  /* A negative dimension in the output (same in the inputs, so the
   * same-shape checks pass): the tensor check names outputs[0]. */
  int64_t neg[2] = {2, -3};
  DLTensor na = view(a, f32, 2, neg, NULL), ny = view(y, f32, 2, neg, NULL);
  const DLTensor *xs_neg[1] = {&na};
  DLTensor *ys_neg[1] = {&ny};
  CHECK(k(NULL, 1, xs_neg, 1, ys_neg) != C2OP_OK);
  CHECK_CONTAINS(c2op_last_error(), "inputs[0]");
  Y_UNTOUCHED();

  /* A y that overlaps itself (stride 0) over a huge shape: refused as
   * c2op_negative refuses it, before any accumulator is allocated (it used
   * to try 16 TiB and say "out of memory", or name the internal scratch
   * when the size wrapped). */
  static const int64_t huge[] = {(int64_t)1 << 42, (int64_t)1 << 62};
  for (int h = 0; h < 2; h++) {
    int64_t hshape[1] = {huge[h]}, zero[1] = {0};
    DLTensor hx = view(a, f32, 1, hshape, zero), hy = view(y, f32, 1, hshape, zero);
    const DLTensor *xs_h[1] = {&hx};
    DLTensor *ys_h[1] = {&hy};
    CHECK_STATUS(k(NULL, 1, xs_h, 1, ys_h), C2OP_ERR_OVERLAP);
    CHECK_CONTAINS(c2op_last_error(), "outputs[0]: stride 0 on dim 0");
    CHECK_STATUS(c2op_negative(&hx, &hy), C2OP_ERR_OVERLAP);
    Y_UNTOUCHED();
  }
#undef Y_UNTOUCHED
}

/* The table of exact special-value sums (sum_util.h) through the CPU
 * kernel: compact, or every other element of both inputs and y (the
 * strided loops). */
static int64_t g_special_stride = 1;

static c2op_status cpu_sum2(DLDataType d, int64_t n, const void *a, const void *b, void *out) {
  const size_t lane = d.bits / 8u, st = (size_t)g_special_stride;
  unsigned char *buf = calloc(3 * (size_t)n * st, lane);
  if (!buf) return C2OP_ERR_OUT_OF_MEMORY;
  unsigned char *pa = buf, *pb = buf + (size_t)n * st * lane, *py = buf + 2 * (size_t)n * st * lane;
  for (int64_t i = 0; i < n; i++) {
    memcpy(pa + (size_t)i * st * lane, (const unsigned char *)a + (size_t)i * lane, lane);
    memcpy(pb + (size_t)i * st * lane, (const unsigned char *)b + (size_t)i * lane, lane);
  }
  int64_t shape[1] = {n}, strides[1] = {g_special_stride};
  DLTensor ta = view(pa, d, 1, shape, st > 1 ? strides : NULL);
  DLTensor tb = view(pb, d, 1, shape, st > 1 ? strides : NULL);
  DLTensor ty = view(py, d, 1, shape, st > 1 ? strides : NULL);
  const DLTensor *xs[2] = {&ta, &tb};
  DLTensor *ys[1] = {&ty};
  c2op_kernel_fn k = sum_kernel();
  const c2op_status s = k ? k(NULL, 2, xs, 1, ys) : C2OP_ERR_NOT_FOUND;
  for (int64_t i = 0; i < n; i++)
    memcpy((unsigned char *)out + (size_t)i * lane, py + (size_t)i * st * lane, lane);
  free(buf);
  return s;
}

static void sum_of_special_values_is_exact_nans_included(void) {
  check_special_sums(cpu_sum2);
  g_special_stride = 2;
  check_special_sums(cpu_sum2);
  g_special_stride = 1;
}

/* With three inputs the first NaN in input order comes back, or the one an
 * invalid addition (inf - inf) made before any input NaN was reached. */
static void sum_returns_the_first_nan_in_input_order(void) {
  c2op_kernel_fn k = sum_kernel();
  if (!k) return;
  enum { CASES = 4 };
  static const uint32_t in[3][CASES] = {
      {0x7fc00001u, 0x3f800000u, 0x7f800000u, 0x7f800000u},
      {0xffc00002u, 0x7f800003u, 0xff800000u, 0x3f800000u},
      {0x7fc00004u, 0xffc00005u, 0x7fc00006u, 0xff800000u},
  };
  /* a's; b's quieted; inf - inf's default NaN before c's; inf - inf last. */
  static const uint32_t want[CASES] = {0x7fc00001u, 0x7fc00003u, 0xffc00000u, 0xffc00000u};
  uint32_t y[CASES];
  int64_t shape[1] = {CASES};
  const DLDataType f32 = dt(kDLFloat, 32);
  DLTensor t0 = view((void *)in[0], f32, 1, shape, NULL), t1 = view((void *)in[1], f32, 1, shape, NULL);
  DLTensor t2 = view((void *)in[2], f32, 1, shape, NULL), ty = view(y, f32, 1, shape, NULL);
  const DLTensor *xs[3] = {&t0, &t1, &t2};
  DLTensor *ys[1] = {&ty};
  CHECK_OK(k(NULL, 3, xs, 1, ys));
  for (int i = 0; i < CASES; i++)
    if (y[i] != want[i])
      TEST_FAIL_("case %d: 0x%08x, want 0x%08x", i, (unsigned)y[i], (unsigned)want[i]);
}

int main(void) {
  RUN(sum_of_every_dtype_matches_the_reference);
  RUN(sum_of_special_values_is_exact_nans_included);
  RUN(sum_returns_the_first_nan_in_input_order);
  RUN(sum_rounds_half_and_bfloat16_once_to_nearest_even);
  RUN(sum_kernel_rejects_bad_calls_and_leaves_y_untouched);
  return TEST_MAIN_END();
}
