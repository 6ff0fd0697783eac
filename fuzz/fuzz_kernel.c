/*
 * fuzz_kernel.c - libFuzzer target for the kernel entry points:
 * c2op_negative and c2op_negate_gradient, plain, _ex (NULL context or a
 * context of 1 or 3 threads) and through the kernel registry.
 *
 * The input is decoded into an op, an entry point and two DLTensor
 * descriptions: dtypes (valid ones and raw code/bits/lanes), devices, ndim
 * (0..33, or any int32), shapes (small, larger, huge, negative, raw),
 * strides (NULL, compact, permuted, small signed, huge, raw), byte_offset
 * and data: inside one 64 KiB arena that x and y share (so in place,
 * overlap and partial overlap happen), NULL, or addresses near 0 or near
 * the top of the address space. What is left of the input fills the arena.
 *
 * The harness works out on its own (128-bit arithmetic) where each
 * tensor's elements lie. A tensor whose byte extent or addresses do not
 * fit in 64 bits keeps its (bogus) pointer: the library must refuse it
 * without touching memory. A tensor that fits but lies outside the arena,
 * or has more than FUZZ_MAX_ELEMS elements, gets data = NULL (the library
 * would rightly touch it otherwise).
 *
 * Checks, on every call:
 *  - the call returns OK exactly when the harness predicts it (same
 *    ndim/shape/dtype, supported dtype, host devices, non-NULL data,
 *    extents that fit, y free of self-overlap);
 *  - OK: the arena equals a copy of its snapshot taken before the call
 *    into which tests/reference.h wrote op(x) over y, reading x from the
 *    snapshot (x read in full before y is written); so y holds the
 *    reference result and no byte outside y changed;
 *  - error: the arena is unchanged and c2op_last_error() is non-empty;
 *    OK: c2op_last_error() is empty;
 *  - either way the DLTensor structs and their shape and stride arrays are
 *    unchanged.
 * A failed check prints the case and aborts (libFuzzer saves the input).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2op.h"
#include "reference.h"

#define ARENA_BYTES 65536
#define FUZZ_MAX_ELEMS 8192
#define MAX_DIMS_DECODED 34 /* C2OP_MAX_NDIM + 2: one and two too many */

static unsigned char *g_arena;
static unsigned char *g_snap;
static unsigned char *g_want;
static c2op_context *g_ctx1, *g_ctx3;
static c2op_kernel_fn g_reg_negative, g_reg_copy;

/* ------------------------------------------------------------------------ */
/* Input decoding                                                            */
/* ------------------------------------------------------------------------ */

typedef struct {
  const uint8_t *p;
  size_t n, pos;
} reader;

static uint8_t rd_u8(reader *r) {
  return r->pos < r->n ? r->p[r->pos++] : 0;
}

static uint16_t rd_u16(reader *r) {
  uint16_t lo = rd_u8(r);
  return (uint16_t)(lo | (uint16_t)rd_u8(r) << 8);
}

static uint64_t rd_u64(reader *r) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)rd_u8(r) << (8 * i);
  return v;
}

/* Values that provoke overflow in element counts, reaches and offsets. */
static const int64_t k_huge[] = {INT64_MAX,
                                 INT64_MIN,
                                 INT64_MAX / 2 + 1,
                                 -(INT64_MAX / 2) - 1,
                                 (int64_t)1 << 32,
                                 -((int64_t)1 << 32),
                                 (int64_t)1 << 62,
                                 3037000500,
                                 -3037000500,
                                 (int64_t)1 << 31,
                                 INT32_MAX,
                                 (int64_t)1 << 40,
                                 INT64_MAX / 3,
                                 INT64_MAX / 16 + 1,
                                 -1,
                                 (int64_t)1 << 21,
                                 ((int64_t)1 << 29) + 1,
                                 INT64_MAX - 1,
                                 (int64_t)1 << 48,
                                 -((int64_t)1 << 60)};
#define NUM_HUGE ((int)(sizeof k_huge / sizeof k_huge[0]))

static const uint64_t k_huge_offsets[] = {
    UINT64_MAX,      (uint64_t)1 << 63, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX - 7,
    UINT64_MAX - 15, (uint64_t)1 << 40, (uint64_t)1 << 47,   ARENA_BYTES};
#define NUM_HUGE_OFFSETS ((int)(sizeof k_huge_offsets / sizeof k_huge_offsets[0]))

/* Valid dtypes, bool and a few near misses first; raw codes after. */
static const DLDataType k_dtypes[] = {
    {kDLFloat, 32, 1},        {kDLFloat, 64, 1},    {kDLFloat, 16, 1},    {kDLBfloat, 16, 1},
    {kDLInt, 8, 1},           {kDLInt, 16, 1},      {kDLInt, 32, 1},      {kDLInt, 64, 1},
    {kDLUInt, 8, 1},          {kDLUInt, 16, 1},     {kDLUInt, 32, 1},     {kDLUInt, 64, 1},
    {kDLComplex, 64, 1},      {kDLComplex, 128, 1}, {C2OP_DL_BOOL, 8, 1}, {kDLFloat, 32, 4},
    {kDLInt, 4, 1},           {kDLFloat, 8, 1},     {kDLBfloat, 32, 1},   {kDLComplex, 32, 1},
    {kDLOpaqueHandle, 64, 1}, {kDLInt, 24, 1},      {kDLUInt, 1, 1},      {kDLInt, 8, 3}};
#define NUM_DTYPES ((int)(sizeof k_dtypes / sizeof k_dtypes[0]))

static DLDataType decode_dtype(reader *r) {
  uint8_t s = rd_u8(r);
  if (s < 232) return k_dtypes[s % NUM_DTYPES];
  DLDataType d;
  d.code = rd_u8(r);
  d.bits = rd_u8(r);
  d.lanes = rd_u16(r);
  return d;
}

static DLDevice decode_device(reader *r) {
  uint8_t s = rd_u8(r);
  DLDevice dev = {kDLCPU, 0};
  if (s < 208) return dev;
  if (s < 224) {
    dev.device_type = kDLCUDAHost;
  } else if (s < 236) {
    dev.device_type = kDLCUDA;
  } else if (s < 244) {
    dev.device_type = kDLCPU;
    dev.device_id = (int32_t)(s - 240); /* ids are ignored on the host */
  } else {
    dev.device_type = (DLDeviceType)(int32_t)(rd_u16(r) % 40);
    dev.device_id = (int32_t)rd_u8(r) - 1;
  }
  return dev;
}

static int32_t decode_ndim(reader *r) {
  uint8_t s = rd_u8(r);
  if (s < 224) return (int32_t)(s % 5);
  if (s < 240) return (int32_t)(5 + s % 8);
  if (s < 248) return C2OP_MAX_NDIM + (int32_t)(s % 2); /* 32 or 33 */
  return (int32_t)(uint32_t)rd_u16(r) - 32768;          /* any sign */
}

static int64_t decode_dim(reader *r) {
  uint8_t s = rd_u8(r);
  if (s < 200) return s % 7;
  if (s < 216) return 7 + s % 10;
  if (s < 224) return -(int64_t)(s % 3) - 1;
  if (s < 236) return (int64_t)rd_u64(r);
  return k_huge[s % NUM_HUGE];
}

static int64_t decode_stride(reader *r) {
  uint8_t s = rd_u8(r);
  if (s < 176) return (int64_t)(s % 17) - 8;
  if (s < 208) return ((int64_t)(s % 17) - 8) * 9;
  if (s < 232) return k_huge[s % NUM_HUGE];
  return (int64_t)rd_u64(r);
}

/* A tensor description: the DLTensor and the arrays it points to. */
typedef struct {
  DLTensor t;
  int64_t shape[MAX_DIMS_DECODED];
  int64_t strides[MAX_DIMS_DECODED];
  int32_t decoded_dims; /* entries of shape/strides filled */
} desc;

/* Compact row-major strides of the first n dims. */
static void compact_strides(const int64_t *shape, int32_t n, int64_t *out) {
  int64_t s = 1;
  for (int32_t d = n - 1; d >= 0; d--) {
    out[d] = s;
    int64_t k = shape[d] > 0 ? shape[d] : 1;
    if (__builtin_mul_overflow(s, k, &s)) s = 1;
  }
}

/* Shape and strides: own or copied from `like` (for y). */
static void decode_layout(reader *r, desc *v, const desc *like) {
  int32_t n = v->t.ndim;
  int32_t dims = n < 0 ? 0 : n > MAX_DIMS_DECODED ? MAX_DIMS_DECODED : n;
  v->decoded_dims = dims;
  uint8_t shape_mode = like ? rd_u8(r) : 0;
  for (int32_t d = 0; d < dims; d++) {
    if (like && shape_mode < 224 && d < like->decoded_dims)
      v->shape[d] = like->shape[d];
    else
      v->shape[d] = decode_dim(r);
  }
  if (like && shape_mode >= 224 && shape_mode < 232 && dims > 0)
    v->shape[0] = (int64_t)((uint64_t)like->shape[0] + 1u);
  v->t.shape = (shape_mode >= 252 || (rd_u8(r) >= 250)) ? NULL : v->shape;

  uint8_t mode = rd_u8(r);
  if (like && mode < 96) { /* the same strides as x */
    memcpy(v->strides, like->strides, sizeof v->strides);
    v->t.strides = like->t.strides ? v->strides : NULL;
    return;
  }
  switch (mode % 5) {
  case 0: v->t.strides = NULL; return;
  case 1: /* explicit compact */ compact_strides(v->shape, dims, v->strides); break;
  case 2: { /* compact, dims permuted (a transpose) */
    int64_t c[MAX_DIMS_DECODED];
    compact_strides(v->shape, dims, c);
    for (int32_t d = 0; d < dims; d++)
      v->strides[d] = c[d];
    for (int32_t d = dims - 1; d > 0; d--) {
      int32_t j = (int32_t)(rd_u8(r) % (uint32_t)(d + 1));
      int64_t t = v->strides[d];
      v->strides[d] = v->strides[j];
      v->strides[j] = t;
    }
    break;
  }
  case 3: /* compact with some dims negated or scaled */
    compact_strides(v->shape, dims, v->strides);
    for (int32_t d = 0; d < dims; d++) {
      uint8_t k = rd_u8(r);
      if (k & 1) v->strides[d] = -v->strides[d];
      if ((k & 2) && __builtin_mul_overflow(v->strides[d], 1 + (k >> 6), &v->strides[d]))
        v->strides[d] = INT64_MAX;
    }
    break;
  default:
    for (int32_t d = 0; d < dims; d++)
      v->strides[d] = decode_stride(r);
    break;
  }
  v->t.strides = v->strides;
}

/* ------------------------------------------------------------------------ */
/* The harness's own view of a tensor                                        */
/* ------------------------------------------------------------------------ */

typedef struct {
  int well_formed; /* ndim in range, shape present, dims >= 0, count fits */
  int64_t numel;
  size_t es;       /* bytes per element; 0 = not a whole number of bytes */
  int fits;        /* numel > 0: extent and addresses fit in 64 bits */
  __int128 lo, hi; /* byte extent relative to data + byte_offset */
} facts;

static facts tensor_facts(const DLTensor *t) {
  facts f;
  memset(&f, 0, sizeof f);
  uint32_t bits = (uint32_t)t->dtype.bits * (uint32_t)t->dtype.lanes;
  f.es = bits % 8 == 0 ? bits / 8 : 0;
  if (t->ndim < 0 || t->ndim > C2OP_MAX_NDIM || (t->ndim > 0 && !t->shape)) return f;
  int zero = 0;
  for (int32_t d = 0; d < t->ndim; d++) {
    if (t->shape[d] < 0) return f;
    if (t->shape[d] == 0) zero = 1;
  }
  __int128 n = 1;
  for (int32_t d = 0; d < t->ndim && !zero; d++) {
    n *= t->shape[d];
    if (n > INT64_MAX) return f;
  }
  f.numel = zero ? 0 : (int64_t)n;
  f.well_formed = 1;
  if (f.numel == 0 || f.es == 0) return f;
  const __int128 limit = (__int128)1 << 90;
  __int128 lo = 0, hi = 0;
  int big = 0;
  for (int32_t d = 0; d < t->ndim; d++) {
    int64_t len = t->shape[d];
    if (len <= 1) continue;
    __int128 stride = 1;
    if (t->strides) {
      stride = t->strides[d];
    } else {
      for (int32_t j = d + 1; j < t->ndim; j++)
        stride *= t->shape[j];
    }
    __int128 reach = (__int128)(len - 1) * stride;
    if (reach > limit || reach < -limit) big = 1;
    if (reach < 0)
      lo += reach;
    else
      hi += reach;
  }
  if (big) return f;
  f.lo = lo * (__int128)f.es;
  f.hi = (hi + 1) * (__int128)f.es;
  if (t->byte_offset > (uint64_t)INT64_MAX || f.lo < INT64_MIN || f.hi > INT64_MAX) return f;
  __int128 base = (__int128)(uintptr_t)t->data + (__int128)t->byte_offset;
  const __int128 top = (__int128)UINTPTR_MAX;
  if (base > top || base + f.lo < 0 || base + f.hi > top) return f;
  f.fits = 1;
  return f;
}

/* 1 when the elements lie inside the arena. */
static int in_arena(const DLTensor *t, const facts *f) {
  __int128 base = (__int128)(uintptr_t)t->data + (__int128)t->byte_offset;
  __int128 a0 = (__int128)(uintptr_t)g_arena;
  return base + f->lo >= a0 && base + f->hi <= a0 + ARENA_BYTES;
}

/* Data and byte_offset of a tensor. Auto placement puts the whole extent
 * in the arena when it can. */
static void decode_placement(reader *r, desc *v) {
  uint8_t mode = rd_u8(r);
  facts f = tensor_facts(&v->t); /* data and byte_offset still 0 */
  uint16_t pos = rd_u16(r);
  if (mode < 160) {
    int64_t span =
        f.numel > 0 && f.es > 0 && f.hi - f.lo <= ARENA_BYTES ? (int64_t)(f.hi - f.lo) : -1;
    int64_t at = span >= 0 ? (int64_t)(-f.lo) + (int64_t)(pos % (uint64_t)(ARENA_BYTES - span + 1))
                           : (int64_t)(pos % ARENA_BYTES);
    int64_t split = (int64_t)(rd_u8(r) % 64u); /* part carried by byte_offset */
    if (split > at) split = at;
    v->t.data = g_arena + (at - split);
    v->t.byte_offset = (uint64_t)split;
  } else if (mode < 200) {
    v->t.data = g_arena + pos % ARENA_BYTES;
    v->t.byte_offset = rd_u8(r);
  } else if (mode < 216) {
    v->t.data = NULL;
    v->t.byte_offset = rd_u8(r) % 3u;
  } else if (mode < 228) {
    v->t.data = (void *)(uintptr_t)(16u + 16u * (pos % 256u));
    v->t.byte_offset = 0;
  } else if (mode < 244) {
    v->t.data = (void *)(UINTPTR_MAX - (uintptr_t)(pos % 4096u));
    v->t.byte_offset = rd_u8(r);
  } else {
    v->t.data = g_arena + pos % ARENA_BYTES;
    v->t.byte_offset = k_huge_offsets[rd_u8(r) % NUM_HUGE_OFFSETS];
  }
}

/* ------------------------------------------------------------------------ */
/* The oracle                                                                */
/* ------------------------------------------------------------------------ */

static int negative_supports(DLDataType dt) {
  unsigned char probe[16] = {0}, sink[16];
  return ref_elem_size(dt) <= sizeof probe && ref_negate_element(dt, probe, sink) == 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* 1 when two of t's elements share an address (numel small). */
static int self_overlaps(const DLTensor *t, int64_t numel) {
  int64_t *offs = malloc((size_t)numel * sizeof *offs);
  if (!offs) abort();
  ref_iter it;
  ref_iter_init(&it, t);
  for (int64_t k = 0; k < numel; k++) {
    offs[k] = it.offset;
    ref_iter_next(&it);
  }
  qsort(offs, (size_t)numel, sizeof *offs, cmp_i64);
  int dup = 0;
  for (int64_t k = 1; k < numel && !dup; k++)
    dup = offs[k] == offs[k - 1];
  free(offs);
  return dup;
}

static int is_host(DLDevice d) {
  return d.device_type == kDLCPU || d.device_type == kDLCUDAHost;
}

/* Whether the call must succeed, with the reason it must not in *why. */
static int predict_ok(int negative, const DLTensor *x, const DLTensor *y, const facts *fx,
                      const facts *fy, const char **why) {
  if (!x || !y) return *why = "a NULL tensor", 0;
  if (!fx->well_formed || !fy->well_formed) return *why = "a malformed tensor", 0;
  if (!is_host(x->device) || !is_host(y->device)) return *why = "a non-host device", 0;
  if (!ref_dt_equal(x->dtype, y->dtype)) return *why = "dtypes differ", 0;
  if (negative ? !negative_supports(x->dtype) : fx->es == 0) return *why = "dtype", 0;
  if (x->ndim != y->ndim) return *why = "ndim differs", 0;
  for (int32_t d = 0; d < x->ndim; d++)
    if (x->shape[d] != y->shape[d]) return *why = "shapes differ", 0;
  if (fy->numel == 0) return 1;
  if (!x->data || !y->data) return *why = "NULL data", 0;
  if (!fx->fits || !fy->fits) return *why = "extent overflows", 0;
  if (self_overlaps(y, fy->numel)) return *why = "y overlaps itself", 0;
  return 1;
}

static void describe(const char *name, const DLTensor *t) {
  if (!t) {
    fprintf(stderr, "  %s: NULL\n", name);
    return;
  }
  fprintf(stderr, "  %s: dtype (%u,%u,%u) device (%d,%d) ndim %d data %p+%llu (arena %p)\n", name,
          (unsigned)t->dtype.code, (unsigned)t->dtype.bits, (unsigned)t->dtype.lanes,
          (int)t->device.device_type, (int)t->device.device_id, (int)t->ndim, t->data,
          (unsigned long long)t->byte_offset, (void *)g_arena);
  if (t->ndim > 0 && t->ndim <= MAX_DIMS_DECODED) {
    fprintf(stderr, "    shape");
    for (int32_t d = 0; t->shape && d < t->ndim; d++)
      fprintf(stderr, " %lld", (long long)t->shape[d]);
    fprintf(stderr, "%s\n    strides", t->shape ? "" : " NULL");
    for (int32_t d = 0; t->strides && d < t->ndim; d++)
      fprintf(stderr, " %lld", (long long)t->strides[d]);
    fprintf(stderr, "%s\n", t->strides ? "" : " NULL");
  }
}

/* Outcome counts, printed at exit when FUZZ_KERNEL_STATS is set. */
static unsigned long g_count_ok, g_count_ok_elems, g_count_err;
static unsigned long g_count_why[16];
static const char *g_why_names[16];

static void count_error(const char *why) {
  g_count_err++;
  for (int i = 0; i < 16; i++) {
    if (!g_why_names[i]) g_why_names[i] = why;
    if (g_why_names[i] == why) {
      g_count_why[i]++;
      return;
    }
  }
}

static void print_stats(void) {
  fprintf(stderr, "fuzz_kernel: %lu calls OK (%lu with elements), %lu refused:\n", g_count_ok,
          g_count_ok_elems, g_count_err);
  for (int i = 0; i < 16 && g_why_names[i]; i++)
    fprintf(stderr, "  %8lu  %s\n", g_count_why[i], g_why_names[i]);
}

static int g_verbose; /* FUZZ_KERNEL_VERBOSE: print every call */

static const char *g_entry_names[] = {"plain", "_ex(NULL)", "_ex(ctx 1 thread)",
                                      "_ex(ctx 3 threads)", "registry kernel"};

static void fail(const char *what, int negative, int entry, c2op_status st, const DLTensor *x,
                 const DLTensor *y) {
  fprintf(stderr, "\nfuzz_kernel: %s\n  op %s, entry %s, status %s, message \"%s\"\n", what,
          negative ? "Negative" : "NegateGradient", g_entry_names[entry], c2op_status_name(st),
          c2op_last_error());
  describe("x", x);
  describe("y", y);
  abort();
}

/* ------------------------------------------------------------------------ */
/* libFuzzer entry points                                                    */
/* ------------------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  /* Small tensors through the thread pool and streaming stores too. */
  setenv("C2OP_PARALLEL_MIN_BYTES", "4096", 0);
  setenv("C2OP_STREAMING_BYTES", "8192", 0);
  g_arena = malloc(ARENA_BYTES);
  g_snap = malloc(ARENA_BYTES);
  g_want = malloc(ARENA_BYTES);
  if (!g_arena || !g_snap || !g_want) abort();
  if (getenv("FUZZ_KERNEL_STATS")) atexit(print_stats);
  g_verbose = getenv("FUZZ_KERNEL_VERBOSE") != NULL;
  if (c2op_context_create(&g_ctx1) != C2OP_OK || c2op_context_set_num_threads(g_ctx1, 1) ||
      c2op_context_create(&g_ctx3) != C2OP_OK || c2op_context_set_num_threads(g_ctx3, 3) ||
      c2op_kernel_lookup("Negative", C2OP_DEVICE_CPU, &g_reg_negative) != C2OP_OK ||
      c2op_kernel_lookup("NegateGradient", C2OP_DEVICE_CPU, &g_reg_copy) != C2OP_OK) {
    fprintf(stderr, "fuzz_kernel: setup failed: %s\n", c2op_last_error());
    abort();
  }
  return 0;
}

static c2op_status call(int negative, int entry, const DLTensor *x, DLTensor *y) {
  switch (entry) {
  case 0: return negative ? c2op_negative(x, y) : c2op_negate_gradient(x, y);
  case 1: return negative ? c2op_negative_ex(NULL, x, y) : c2op_negate_gradient_ex(NULL, x, y);
  case 2: return negative ? c2op_negative_ex(g_ctx1, x, y) : c2op_negate_gradient_ex(g_ctx1, x, y);
  case 3: return negative ? c2op_negative_ex(g_ctx3, x, y) : c2op_negate_gradient_ex(g_ctx3, x, y);
  default: {
    const DLTensor *in[1] = {x};
    DLTensor *out[1] = {y};
    return (negative ? g_reg_negative : g_reg_copy)(NULL, 1, in, 1, out);
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader r = {data, size, 0};
  const uint8_t flags = rd_u8(&r);
  const int negative = flags & 1;
  const int entry = (int)((flags >> 1) & 7u) % 5;
  const uint8_t objects = rd_u8(&r);

  static desc vx, vy; /* static: big, and no stale pointers across runs */
  memset(&vx, 0, sizeof vx);
  memset(&vy, 0, sizeof vy);
  vx.t.dtype = decode_dtype(&r);
  vx.t.device = decode_device(&r);
  vx.t.ndim = decode_ndim(&r);
  decode_layout(&r, &vx, NULL);

  uint8_t ylink = rd_u8(&r);
  vy.t.dtype = ylink < 240 ? vx.t.dtype : decode_dtype(&r);
  vy.t.device = ylink < 200 ? vx.t.device : decode_device(&r);
  vy.t.ndim = ylink < 232 || ylink >= 240 ? vx.t.ndim : decode_ndim(&r);
  decode_layout(&r, &vy, &vx);

  decode_placement(&r, &vx);
  uint8_t where = rd_u8(&r);
  if (where < 64) { /* y on x's data: in place when the layouts agree */
    vy.t.data = vx.t.data;
    vy.t.byte_offset = vx.t.byte_offset;
  } else if (where < 112 && vx.t.data) { /* partial overlap: shifted by a few bytes */
    vy.t.data = vx.t.data;
    vy.t.byte_offset = vx.t.byte_offset + (uint64_t)(int64_t)((int)(rd_u8(&r) % 33u) - 16);
  } else {
    decode_placement(&r, &vy);
  }

  /* Tensors that fit in 64 bits but not in the arena, or that are too
   * large to check quickly, get data = NULL. */
  desc *vs[2] = {&vx, &vy};
  for (int i = 0; i < 2; i++) {
    facts f = tensor_facts(&vs[i]->t);
    if (f.well_formed && f.numel > 0 && f.fits &&
        (f.numel > FUZZ_MAX_ELEMS || !in_arena(&vs[i]->t, &f)))
      vs[i]->t.data = NULL;
  }
  facts fx = tensor_facts(&vx.t), fy = tensor_facts(&vy.t);
  if (fx.well_formed && fy.well_formed && fx.numel != fy.numel && fy.numel > FUZZ_MAX_ELEMS)
    vy.t.data = NULL; /* y may not be checked quickly otherwise */
  fy = tensor_facts(&vy.t);

  /* Which objects the call gets: y as the very same struct as x, NULLs. */
  const DLTensor *x = &vx.t;
  DLTensor *y = &vy.t;
  if ((objects & 7u) == 1u) y = &vx.t;
  if (objects == 254) x = NULL;
  if (objects == 255) y = NULL;
  if (y == &vx.t) fy = fx;

  /* The arena: the rest of the input, repeated; a counter if none. */
  size_t rest = r.pos < size ? size - r.pos : 0;
  if (rest == 0) {
    for (size_t i = 0; i < 256; i++)
      g_arena[i] = (unsigned char)(i * 37u + 11u);
    rest = 256;
  } else {
    if (rest > ARENA_BYTES) rest = ARENA_BYTES;
    memcpy(g_arena, data + r.pos, rest);
  }
  for (size_t have = rest; have < ARENA_BYTES; have *= 2)
    memcpy(g_arena + have, g_arena, have * 2 <= ARENA_BYTES ? have : ARENA_BYTES - have);

  const char *why = "";
  const int want_ok = predict_ok(negative, x, y, &fx, &fy, &why);
  memcpy(g_snap, g_arena, ARENA_BYTES);
  desc before_x = vx, before_y = vy;

  c2op_status st = call(negative, entry, x, y);

  if (g_verbose) {
    fprintf(stderr, "%s %s -> %s \"%s\" (predicted %s%s%s)\n",
            negative ? "Negative" : "NegateGradient", g_entry_names[entry], c2op_status_name(st),
            st == C2OP_OK ? "" : c2op_last_error(),
            want_ok ? "OK" : "an error: ", want_ok ? "" : why, "");
    describe("x", x);
    describe("y", y);
  }
  if (memcmp(&before_x, &vx, sizeof vx) != 0 || memcmp(&before_y, &vy, sizeof vy) != 0)
    fail("the call changed a DLTensor or its shape/stride arrays", negative, entry, st, x, y);
  if (st != C2OP_OK) {
    if (want_ok) fail("refused a valid call", negative, entry, st, x, y);
    const char *msg = c2op_last_error();
    if (!msg || !*msg) fail("an error without a message", negative, entry, st, x, y);
    if (memcmp(g_arena, g_snap, ARENA_BYTES) != 0)
      fail("an error, but memory was written", negative, entry, st, x, y);
    count_error(why);
    return 0;
  }
  if (!want_ok) {
    fprintf(stderr, "(expected an error: %s)\n", why);
    fail("accepted an invalid call", negative, entry, st, x, y);
  }
  if (c2op_last_error()[0] != '\0')
    fail("OK, but a message is left over", negative, entry, st, x, y);

  g_count_ok++;
  if (fy.numel > 0) g_count_ok_elems++;
  /* The reference: op(x read from the snapshot) written over y in a copy
   * of the snapshot. */
  memcpy(g_want, g_snap, ARENA_BYTES);
  if (fy.numel > 0) {
    ref_view sx, sy;
    ref_view_init(&sx, x->dtype, x->ndim, x->shape, x->strides,
                  g_snap + ((unsigned char *)x->data - g_arena), x->byte_offset);
    ref_view_init(&sy, y->dtype, y->ndim, y->shape, y->strides,
                  g_want + ((unsigned char *)y->data - g_arena), y->byte_offset);
    if (ref_apply(negative ? REF_OP_NEGATIVE : REF_OP_COPY, &sx.t, &sy.t) != 0)
      fail("the reference has no result for this dtype", negative, entry, st, x, y);
  }
  if (memcmp(g_arena, g_want, ARENA_BYTES) != 0) {
    size_t i = 0;
    while (g_arena[i] == g_want[i])
      i++;
    fprintf(stderr, "first wrong byte at arena offset %zu: want 0x%02x got 0x%02x (was 0x%02x)\n",
            i, g_want[i], g_arena[i], g_snap[i]);
    fail("the result differs from the reference", negative, entry, st, x, y);
  }
  return 0;
}
