/*
 * reference.h - a scalar reference for c2op's kernels, and tensor helpers
 * for the tests. Independent of the library: it uses only DLPack's structs
 * and the harness's random generator.
 *
 * The reference walks a general strided DLTensor element by element
 * (strides in elements, NULL = compact row-major, byte_offset honoured,
 * ndim 0 = one element, a 0 in the shape = no elements) and computes each
 * element on its own, through memcpy into a local of the element's type:
 *  - int8/16/32: negated in a wider signed type, then truncated through the
 *    unsigned type of the element's width (wraps: -INT32_MIN == INT32_MIN);
 *  - int64 and every unsigned width: 0u - x in unsigned arithmetic;
 *  - float32/float64: C unary minus on float/double (IEEE negate);
 *  - float16/bfloat16: XOR 0x8000 on the uint16 bits;
 *  - complex64/complex128: unary minus on both float/double parts.
 * The copy (NegateGradient's forward) copies each element's bytes.
 *
 * Helpers: ref_buffer (a 256-byte aligned allocation), ref_view (a DLTensor
 * with its own shape and stride arrays; never copy one by value, it points
 * into itself), ref_tensor (a view that owns its buffer), random fills with
 * special values, bitwise element comparison, byte snapshots.
 */
#ifndef C2OP_TEST_REFERENCE_H
#define C2OP_TEST_REFERENCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2op.h"
#include "c2op_test.h"

/* ------------------------------------------------------------------------ */
/* Data types                                                                */
/* ------------------------------------------------------------------------ */

/** A dtype with one lane. */
static inline DLDataType ref_dt(uint8_t code, uint8_t bits) {
  DLDataType d;
  d.code = code;
  d.bits = bits;
  d.lanes = 1;
  return d;
}

/** Bytes per element (bits * lanes / 8). */
static inline size_t ref_elem_size(DLDataType dt) {
  return (size_t)dt.bits * (size_t)dt.lanes / 8u;
}

static inline int ref_dt_equal(DLDataType a, DLDataType b) {
  return a.code == b.code && a.bits == b.bits && a.lanes == b.lanes;
}

/** A short name such as "int8", "bfloat16", "complex128" or "bool". */
static inline const char *ref_dtype_name(DLDataType dt) {
  static const char *const ints[] = {"int8", "int16", "int32", "int64"};
  static const char *const uints[] = {"uint8", "uint16", "uint32", "uint64"};
  int w = dt.bits == 8 ? 0 : dt.bits == 16 ? 1 : dt.bits == 32 ? 2 : dt.bits == 64 ? 3 : -1;
  if (dt.lanes != 1) return "(vector)";
  switch (dt.code) {
  case kDLInt: return w >= 0 ? ints[w] : "int(?)";
  case kDLUInt: return w >= 0 ? uints[w] : "uint(?)";
  case kDLFloat:
    return dt.bits == 16   ? "float16"
           : dt.bits == 32 ? "float32"
           : dt.bits == 64 ? "float64"
                           : "float(?)";
  case kDLBfloat: return dt.bits == 16 ? "bfloat16" : "bfloat(?)";
  case kDLComplex:
    return dt.bits == 64 ? "complex64" : dt.bits == 128 ? "complex128" : "complex(?)";
  case C2OP_DL_BOOL: return dt.bits == 8 ? "bool" : "bool(?)";
  default: return "(unknown)";
  }
}

/** Every dtype c2op_negative handles. */
static const DLDataType ref_negative_dtypes[] = {
    {kDLInt, 8, 1},      {kDLInt, 16, 1},     {kDLInt, 32, 1},   {kDLInt, 64, 1},
    {kDLUInt, 8, 1},     {kDLUInt, 16, 1},    {kDLUInt, 32, 1},  {kDLUInt, 64, 1},
    {kDLFloat, 16, 1},   {kDLBfloat, 16, 1},  {kDLFloat, 32, 1}, {kDLFloat, 64, 1},
    {kDLComplex, 64, 1}, {kDLComplex, 128, 1}};
#define REF_NUM_NEGATIVE_DTYPES ((int)(sizeof ref_negative_dtypes / sizeof ref_negative_dtypes[0]))

/** Every dtype c2op_negate_gradient copies in these tests: the above and bool. */
static const DLDataType ref_copy_dtypes[] = {
    {kDLInt, 8, 1},      {kDLInt, 16, 1},      {kDLInt, 32, 1},     {kDLInt, 64, 1},
    {kDLUInt, 8, 1},     {kDLUInt, 16, 1},     {kDLUInt, 32, 1},    {kDLUInt, 64, 1},
    {kDLFloat, 16, 1},   {kDLBfloat, 16, 1},   {kDLFloat, 32, 1},   {kDLFloat, 64, 1},
    {kDLComplex, 64, 1}, {kDLComplex, 128, 1}, {C2OP_DL_BOOL, 8, 1}};
#define REF_NUM_COPY_DTYPES ((int)(sizeof ref_copy_dtypes / sizeof ref_copy_dtypes[0]))

/* ------------------------------------------------------------------------ */
/* The reference, one element at a time                                     */
/* ------------------------------------------------------------------------ */

/** Which operator the reference computes. */
typedef enum { REF_OP_NEGATIVE, REF_OP_COPY } ref_op;

static inline const char *ref_op_name(ref_op op) {
  return op == REF_OP_NEGATIVE ? "negative" : "negate_gradient";
}

/** dst = -src for one element of dtype dt; returns 0, or -1 when the dtype
 *  has no negation (bool, lanes != 1, unknown). src and dst may be equal. */
static inline int ref_negate_element(DLDataType dt, const void *src, void *dst) {
  if (dt.lanes != 1) return -1;
  switch (dt.code) {
  case kDLInt:
    if (dt.bits == 8) {
      int8_t v;
      memcpy(&v, src, 1);
      int32_t wide = -(int32_t)v;
      uint8_t u = (uint8_t)wide;
      memcpy(dst, &u, 1);
      return 0;
    }
    if (dt.bits == 16) {
      int16_t v;
      memcpy(&v, src, 2);
      int32_t wide = -(int32_t)v;
      uint16_t u = (uint16_t)wide;
      memcpy(dst, &u, 2);
      return 0;
    }
    if (dt.bits == 32) {
      int32_t v;
      memcpy(&v, src, 4);
      int64_t wide = -(int64_t)v;
      uint32_t u = (uint32_t)wide;
      memcpy(dst, &u, 4);
      return 0;
    }
    if (dt.bits == 64) {
      uint64_t u;
      memcpy(&u, src, 8);
      u = (uint64_t)0u - u;
      memcpy(dst, &u, 8);
      return 0;
    }
    return -1;
  case kDLUInt:
    if (dt.bits == 8) {
      uint8_t u;
      memcpy(&u, src, 1);
      u = (uint8_t)(0u - (unsigned)u);
      memcpy(dst, &u, 1);
      return 0;
    }
    if (dt.bits == 16) {
      uint16_t u;
      memcpy(&u, src, 2);
      u = (uint16_t)(0u - (unsigned)u);
      memcpy(dst, &u, 2);
      return 0;
    }
    if (dt.bits == 32) {
      uint32_t u;
      memcpy(&u, src, 4);
      u = (uint32_t)0u - u;
      memcpy(dst, &u, 4);
      return 0;
    }
    if (dt.bits == 64) {
      uint64_t u;
      memcpy(&u, src, 8);
      u = (uint64_t)0u - u;
      memcpy(dst, &u, 8);
      return 0;
    }
    return -1;
  case kDLFloat:
    if (dt.bits == 16) {
      uint16_t u;
      memcpy(&u, src, 2);
      u = (uint16_t)(u ^ 0x8000u);
      memcpy(dst, &u, 2);
      return 0;
    }
    if (dt.bits == 32) {
      float f;
      memcpy(&f, src, 4);
      f = -f;
      memcpy(dst, &f, 4);
      return 0;
    }
    if (dt.bits == 64) {
      double f;
      memcpy(&f, src, 8);
      f = -f;
      memcpy(dst, &f, 8);
      return 0;
    }
    return -1;
  case kDLBfloat:
    if (dt.bits == 16) {
      uint16_t u;
      memcpy(&u, src, 2);
      u = (uint16_t)(u ^ 0x8000u);
      memcpy(dst, &u, 2);
      return 0;
    }
    return -1;
  case kDLComplex:
    if (dt.bits == 64) {
      float re, im;
      memcpy(&re, src, 4);
      memcpy(&im, (const unsigned char *)src + 4, 4);
      re = -re;
      im = -im;
      memcpy(dst, &re, 4);
      memcpy((unsigned char *)dst + 4, &im, 4);
      return 0;
    }
    if (dt.bits == 128) {
      double re, im;
      memcpy(&re, src, 8);
      memcpy(&im, (const unsigned char *)src + 8, 8);
      re = -re;
      im = -im;
      memcpy(dst, &re, 8);
      memcpy((unsigned char *)dst + 8, &im, 8);
      return 0;
    }
    return -1;
  default: return -1;
  }
}

/* ------------------------------------------------------------------------ */
/* Walking a strided tensor                                                  */
/* ------------------------------------------------------------------------ */

/** Number of elements (1 for ndim 0, 0 when any dim is 0). No overflow
 *  checks: the tests only build tensors that fit. */
static inline int64_t ref_numel(const DLTensor *t) {
  int64_t n = 1;
  for (int d = 0; d < t->ndim; d++)
    n *= t->shape[d];
  return n;
}

/** Compact row-major strides of a shape. */
static inline void ref_compact_strides(int32_t ndim, const int64_t *shape, int64_t *strides_out) {
  int64_t s = 1;
  for (int d = ndim - 1; d >= 0; d--) {
    strides_out[d] = s;
    s *= shape[d] > 0 ? shape[d] : 1;
  }
}

/** The stride of dim d in elements (the compact one when strides is NULL). */
static inline int64_t ref_stride(const DLTensor *t, int d) {
  if (t->strides) return t->strides[d];
  int64_t s = 1;
  for (int k = t->ndim - 1; k > d; k--)
    s *= t->shape[k];
  return s;
}

/** An odometer over a tensor's elements in row-major index order. */
typedef struct {
  int32_t ndim;
  int64_t shape[C2OP_MAX_NDIM];
  int64_t stride[C2OP_MAX_NDIM];
  int64_t idx[C2OP_MAX_NDIM];
  int64_t offset; /**< elements from the first element (data + byte_offset) */
  int64_t left;   /**< elements not yet visited, the current one included */
  unsigned char *origin;
  int64_t esize;
} ref_iter;

static inline void ref_iter_init(ref_iter *it, const DLTensor *t) {
  it->ndim = t->ndim;
  it->esize = (int64_t)ref_elem_size(t->dtype);
  it->offset = 0;
  it->left = ref_numel(t);
  for (int d = 0; d < t->ndim; d++) {
    it->shape[d] = t->shape[d];
    it->stride[d] = ref_stride(t, d);
    it->idx[d] = 0;
  }
  /* No arithmetic on a NULL data pointer of an empty tensor. */
  it->origin = it->left > 0 ? (unsigned char *)t->data + t->byte_offset : NULL;
}

/** The current element's address. */
static inline unsigned char *ref_iter_ptr(const ref_iter *it) {
  return it->origin + (ptrdiff_t)(it->offset * it->esize);
}

/** Steps to the next element (last dim fastest). */
static inline void ref_iter_next(ref_iter *it) {
  it->left--;
  /* Odometer, last dim fastest. A dim's stride is added only when its index
   * moves on, so the strides of size-1 dims (any value) are never used. */
  for (int d = it->ndim - 1; d >= 0; d--) {
    if (it->idx[d] + 1 < it->shape[d]) {
      it->idx[d]++;
      it->offset += it->stride[d];
      return;
    }
    it->offset -= it->idx[d] * it->stride[d];
    it->idx[d] = 0;
  }
}

/** The bytes the tensor's elements span, relative to data + byte_offset:
 *  [*lo, *hi). Both 0 for an empty tensor. */
static inline void ref_extent(const DLTensor *t, int64_t *lo, int64_t *hi) {
  int64_t es = (int64_t)ref_elem_size(t->dtype);
  *lo = 0;
  *hi = 0;
  if (ref_numel(t) == 0) return;
  int64_t l = 0, h = 0;
  for (int d = 0; d < t->ndim; d++) {
    int64_t span = (t->shape[d] - 1) * ref_stride(t, d);
    if (span < 0)
      l += span;
    else
      h += span;
  }
  *lo = l * es;
  *hi = h * es + es;
}

/**
 * The reference: out = op(x), element by element, over the same shape.
 * out must not overlap x (compute into a separate buffer, or from a
 * snapshot). Returns 0, or -1 when the op has no meaning for the dtype.
 */
static inline int ref_apply(ref_op op, const DLTensor *x, DLTensor *out) {
  ref_iter ix, io;
  ref_iter_init(&ix, x);
  ref_iter_init(&io, out);
  size_t es = ref_elem_size(x->dtype);
  if (op == REF_OP_NEGATIVE) {
    unsigned char probe[16] = {0}, sink[16];
    if (es > sizeof probe || ref_negate_element(x->dtype, probe, sink) != 0) return -1;
  }
  while (ix.left > 0) {
    if (op == REF_OP_NEGATIVE)
      ref_negate_element(x->dtype, ref_iter_ptr(&ix), ref_iter_ptr(&io));
    else
      memcpy(ref_iter_ptr(&io), ref_iter_ptr(&ix), es);
    ref_iter_next(&ix);
    ref_iter_next(&io);
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Buffers, views and tensors                                                */
/* ------------------------------------------------------------------------ */

/** A 256-byte aligned allocation (DLPack's data alignment). */
typedef struct {
  unsigned char *base;
  size_t size;
} ref_buffer;

/** Allocates at least size bytes (rounded up to 256); 0 or -1. */
static inline int ref_buffer_alloc(ref_buffer *b, size_t size) {
  size_t r = (size + 255u) / 256u * 256u;
  if (r == 0) r = 256;
  b->base = (unsigned char *)aligned_alloc(256, r);
  b->size = b->base ? r : 0;
  return b->base ? 0 : -1;
}

static inline void ref_buffer_free(ref_buffer *b) {
  free(b->base);
  b->base = NULL;
  b->size = 0;
}

/** A DLTensor with its own shape and stride arrays. It points into itself:
 *  never copy one by value. */
typedef struct {
  DLTensor t;
  int64_t shape[C2OP_MAX_NDIM + 1];
  int64_t strides[C2OP_MAX_NDIM + 1];
} ref_view;

/** Describes data (+ byte_offset) as a CPU tensor; strides NULL = compact
 *  (t.strides stays NULL). */
static inline void ref_view_init(ref_view *v, DLDataType dt, int32_t ndim, const int64_t *shape,
                                 const int64_t *strides, void *data, uint64_t byte_offset) {
  memset(v, 0, sizeof *v);
  v->t.data = data;
  v->t.device.device_type = kDLCPU;
  v->t.device.device_id = 0;
  v->t.ndim = ndim;
  v->t.dtype = dt;
  /* Up to C2OP_MAX_NDIM + 1 dims, so that error tests can describe one too
   * many. */
  for (int d = 0; d < ndim && d <= C2OP_MAX_NDIM; d++) {
    v->shape[d] = shape[d];
    if (strides) v->strides[d] = strides[d];
  }
  v->t.shape = v->shape;
  v->t.strides = strides ? v->strides : NULL;
  v->t.byte_offset = byte_offset;
}

/* ------------------------------------------------------------------------ */
/* Random fills with special values                                          */
/* ------------------------------------------------------------------------ */

/** Random bytes. */
static inline void ref_fill_bytes(void *p, size_t n, uint64_t *rng) {
  unsigned char *b = (unsigned char *)p;
  while (n >= 8) {
    uint64_t r = test_rand_next(rng);
    memcpy(b, &r, 8);
    b += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t r = test_rand_next(rng);
    memcpy(b, &r, n);
  }
}

/** Stores the low `bits` bits of v as an element of that width. */
static inline void ref_store_bits(void *dst, uint64_t v, int bits) {
  switch (bits) {
  case 8: {
    uint8_t u = (uint8_t)v;
    memcpy(dst, &u, 1);
    break;
  }
  case 16: {
    uint16_t u = (uint16_t)v;
    memcpy(dst, &u, 2);
    break;
  }
  case 32: {
    uint32_t u = (uint32_t)v;
    memcpy(dst, &u, 4);
    break;
  }
  default: memcpy(dst, &v, 8); break;
  }
}

/** Special bit patterns: signed zeros, infinities, quiet and signalling
 *  NaNs of both signs with payloads, denormals, extremes, +-1. */
static const uint16_t ref_f16_specials[] = {0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe00,
                                            0x7c01, 0x7d55, 0xfdaa, 0x0001, 0x8001, 0x03ff,
                                            0x83ff, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0xbc00};
static const uint16_t ref_bf16_specials[] = {0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0xffc0,
                                             0x7f81, 0x7fa5, 0xffd3, 0x0001, 0x8001, 0x007f,
                                             0x807f, 0x0080, 0x7f7f, 0xff7f, 0x3f80, 0xbf80};
static const uint32_t ref_f32_specials[] = {
    0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u,
    0x7f800001u, 0x7fa5a5a5u, 0xffc12345u, 0x00000001u, 0x80000001u, 0x007fffffu,
    0x807fffffu, 0x00800000u, 0x7f7fffffu, 0xff7fffffu, 0x3f800000u, 0xbf800000u};
static const uint64_t ref_f64_specials[] = {
    0x0000000000000000u, 0x8000000000000000u, 0x7ff0000000000000u, 0xfff0000000000000u,
    0x7ff8000000000000u, 0xfff8000000000000u, 0x7ff0000000000001u, 0x7ff4dead0000beefu,
    0xfff8123456789abcu, 0x0000000000000001u, 0x8000000000000001u, 0x000fffffffffffffu,
    0x800fffffffffffffu, 0x0010000000000000u, 0x7fefffffffffffffu, 0xffefffffffffffffu,
    0x3ff0000000000000u, 0xbff0000000000000u};
#define REF_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/** Writes the k-th special value of dt (k taken modulo the count) to dst.
 *  Integers: 0, 1, -1 (all ones), MIN (high bit), MAX, MIN + 1, 2. */
static inline void ref_special(DLDataType dt, uint64_t k, void *dst) {
  switch (dt.code) {
  case kDLFloat:
    if (dt.bits == 16)
      ref_store_bits(dst, ref_f16_specials[k % REF_COUNT_OF(ref_f16_specials)], 16);
    else if (dt.bits == 32)
      ref_store_bits(dst, ref_f32_specials[k % REF_COUNT_OF(ref_f32_specials)], 32);
    else
      ref_store_bits(dst, ref_f64_specials[k % REF_COUNT_OF(ref_f64_specials)], 64);
    return;
  case kDLBfloat:
    ref_store_bits(dst, ref_bf16_specials[k % REF_COUNT_OF(ref_bf16_specials)], 16);
    return;
  case kDLComplex: {
    int half = dt.bits / 2;
    DLDataType part = ref_dt(kDLFloat, (uint8_t)half);
    ref_special(part, k, dst);
    ref_special(part, k / 7u + 3u, (unsigned char *)dst + half / 8);
    return;
  }
  case C2OP_DL_BOOL: ref_store_bits(dst, k & 1u, 8); return;
  default: {
    uint64_t high = (uint64_t)1u << (dt.bits - 1);
    uint64_t vals[7] = {0u, 1u, ~(uint64_t)0u, high, high - 1u, high + 1u, 2u};
    ref_store_bits(dst, vals[k % 7u], dt.bits);
    return;
  }
  }
}

/** Fills every element of t: about a third special values, the rest random
 *  bits (bool: 0 or 1). Zero strides simply write an element again. */
static inline void ref_fill_elements(const DLTensor *t, uint64_t *rng) {
  ref_iter it;
  ref_iter_init(&it, t);
  size_t es = ref_elem_size(t->dtype);
  if (es == 0) return;
  while (it.left > 0) {
    uint64_t r = test_rand_next(rng);
    if (t->dtype.code == C2OP_DL_BOOL)
      ref_store_bits(ref_iter_ptr(&it), r & 1u, 8);
    else if (r % 3u == 0)
      ref_special(t->dtype, r >> 8, ref_iter_ptr(&it));
    else
      ref_fill_bytes(ref_iter_ptr(&it), es, rng);
    ref_iter_next(&it);
  }
}

/** A tensor that owns its buffer. Never copy one by value. */
typedef struct {
  ref_buffer buf;
  ref_view v;
} ref_tensor;

/**
 * Allocates a tensor of the given layout over a fresh buffer: data is the
 * buffer's (aligned) start, byte_offset = extra_offset + whatever room the
 * negative strides need below the first element; tail bytes follow the last
 * byte. The whole buffer is filled with random bytes, then every element
 * with a mix of special and random values. Returns 0, or -1 when malloc
 * fails.
 */
static inline int ref_tensor_alloc(ref_tensor *t, DLDataType dt, int32_t ndim, const int64_t *shape,
                                   const int64_t *strides, uint64_t extra_offset, size_t tail,
                                   uint64_t *rng) {
  int64_t lo, hi;
  ref_view_init(&t->v, dt, ndim, shape, strides, NULL, 0);
  ref_extent(&t->v.t, &lo, &hi);
  size_t size = (size_t)extra_offset + (size_t)(-lo) + (size_t)hi + tail;
  if (ref_buffer_alloc(&t->buf, size) != 0) return -1;
  t->v.t.data = t->buf.base;
  t->v.t.byte_offset = extra_offset + (uint64_t)(-lo);
  ref_fill_bytes(t->buf.base, t->buf.size, rng);
  if (ref_numel(&t->v.t) <= ((int64_t)1 << 18)) {
    ref_fill_elements(&t->v.t, rng);
  } else {
    /* Large: the bytes are random already; add a special value at every
     * 37th element-sized slot of the buffer (quicker than walking it). */
    size_t es = ref_elem_size(dt);
    for (size_t at = (size_t)(t->v.t.byte_offset % es); at + es <= t->buf.size; at += 37 * es)
      ref_special(dt, at / es, t->buf.base + at);
  }
  return 0;
}

/** A compact tensor over a fresh buffer, its bytes left as malloc gave them
 *  (for results the reference writes in full). 0 or -1. */
static inline int ref_tensor_alloc_compact(ref_tensor *t, DLDataType dt, int32_t ndim,
                                           const int64_t *shape) {
  ref_view_init(&t->v, dt, ndim, shape, NULL, NULL, 0);
  int64_t n = ref_numel(&t->v.t);
  if (ref_buffer_alloc(&t->buf, (size_t)n * ref_elem_size(dt)) != 0) return -1;
  t->v.t.data = t->buf.base;
  return 0;
}

static inline void ref_tensor_free(ref_tensor *t) {
  ref_buffer_free(&t->buf);
}

/* ------------------------------------------------------------------------ */
/* Comparison and snapshots                                                  */
/* ------------------------------------------------------------------------ */

/** Appends "0xHH.." of one element (most significant byte first on this
 *  little-endian test host) to buf. */
static inline void ref_format_hex(const unsigned char *p, size_t n, char *buf, size_t len) {
  size_t used = strlen(buf);
  if (used + 3 > len) return;
  snprintf(buf + used, len - used, "0x");
  for (size_t i = n; i-- > 0;) {
    used = strlen(buf);
    if (used + 3 > len) return;
    snprintf(buf + used, len - used, "%02x", p[i]);
  }
}

/** Compares two tensors of the same shape and dtype element by element,
 *  bitwise. Returns the number of differing elements; the first one is
 *  described in why (index, wanted and got bits). */
static inline int64_t ref_compare(const DLTensor *want, const DLTensor *got, char *why,
                                  size_t why_len) {
  ref_iter iw, ig;
  int64_t bad = 0;
  size_t es = ref_elem_size(want->dtype);
  if (why_len) why[0] = '\0';
  if (want->ndim != got->ndim || ref_numel(want) != ref_numel(got) ||
      es != ref_elem_size(got->dtype)) {
    if (why_len) snprintf(why, why_len, "tensors differ in shape or dtype");
    return -1;
  }
  ref_iter_init(&iw, want);
  ref_iter_init(&ig, got);
  while (iw.left > 0) {
    if (memcmp(ref_iter_ptr(&iw), ref_iter_ptr(&ig), es) != 0) {
      if (bad == 0 && why_len) {
        size_t used;
        snprintf(why, why_len, "element [");
        for (int d = 0; d < iw.ndim; d++) {
          used = strlen(why);
          snprintf(why + used, why_len - used, "%s%" PRId64, d ? "," : "", iw.idx[d]);
        }
        used = strlen(why);
        snprintf(why + used, why_len - used, "]: want ");
        ref_format_hex(ref_iter_ptr(&iw), es, why, why_len);
        used = strlen(why);
        snprintf(why + used, why_len - used, " got ");
        ref_format_hex(ref_iter_ptr(&ig), es, why, why_len);
      }
      bad++;
    }
    ref_iter_next(&iw);
    ref_iter_next(&ig);
  }
  return bad;
}

/** A malloc'd copy of n bytes (NULL if malloc fails). */
static inline unsigned char *ref_snapshot(const void *p, size_t n) {
  unsigned char *s = (unsigned char *)malloc(n ? n : 1);
  if (s && n) memcpy(s, p, n);
  return s;
}

/** 1 when the n bytes at p equal the snapshot. */
static inline int ref_unchanged(const void *p, const unsigned char *snap, size_t n) {
  return memcmp(p, snap, n) == 0;
}

/** Counts the bytes of buf, outside the elements of y, that differ from
 *  the snapshot of buf taken before a call (-1 if malloc fails). y's
 *  elements must lie in buf. */
static inline int64_t ref_changed_outside(const ref_buffer *buf, const unsigned char *snap,
                                          const DLTensor *y) {
  unsigned char *mask = (unsigned char *)calloc(buf->size, 1);
  if (!mask) return -1;
  ref_iter it;
  ref_iter_init(&it, y);
  while (it.left > 0) {
    ptrdiff_t at = ref_iter_ptr(&it) - buf->base;
    for (int64_t i = 0; i < it.esize; i++)
      if (at + i >= 0 && (size_t)(at + i) < buf->size) mask[at + i] = 1;
    ref_iter_next(&it);
  }
  int64_t changed = 0;
  for (size_t i = 0; i < buf->size; i++)
    if (!mask[i] && buf->base[i] != snap[i]) changed++;
  free(mask);
  return changed;
}

/** "float32 [3,4] strides [1,3] +8" into buf. */
static inline const char *ref_describe(const DLTensor *t, char *buf, size_t len) {
  size_t used;
  snprintf(buf, len, "%s [", ref_dtype_name(t->dtype));
  for (int d = 0; d < t->ndim; d++) {
    used = strlen(buf);
    snprintf(buf + used, len - used, "%s%" PRId64, d ? "," : "", t->shape[d]);
  }
  used = strlen(buf);
  if (t->strides) {
    snprintf(buf + used, len - used, "] strides [");
    for (int d = 0; d < t->ndim; d++) {
      used = strlen(buf);
      snprintf(buf + used, len - used, "%s%" PRId64, d ? "," : "", t->strides[d]);
    }
    used = strlen(buf);
  }
  snprintf(buf + used, len - used, "] +%" PRIu64, t->byte_offset);
  return buf;
}

#endif /* C2OP_TEST_REFERENCE_H */
