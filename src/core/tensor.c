/* tensor.c - DLTensor validation, formatting and elementwise plans. */
#include "core/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fast_path.h"

/* Layouts whose self-overlap the quick test cannot rule out are checked
 * exactly by listing and sorting offsets, up to this many elements. */
#define C2OP_EXACT_OVERLAP_LIMIT ((int64_t)1 << 21)
/* Larger blocks are checked with a bitmap over their span, up to this many
 * elements of span (a 64 MiB bitmap); beyond it they are refused. */
#define C2OP_EXACT_OVERLAP_SPAN_LIMIT ((int64_t)1 << 29)

c2op__device_class c2op__device_class_of(DLDevice device) {
  switch ((int)device.device_type) {
  case kDLCPU:
  case kDLCUDAHost: return C2OP__DEVICE_HOST;
  case kDLCUDA: return C2OP__DEVICE_CUDA;
  default: return C2OP__DEVICE_OTHER;
  }
}

void c2op__format_dtype(DLDataType dtype, char *buf, size_t size) {
  const char *base = NULL;
  switch (dtype.code) {
  case kDLInt: base = "int"; break;
  case kDLUInt: base = "uint"; break;
  case kDLFloat: base = "float"; break;
  case kDLBfloat: base = "bfloat"; break;
  case kDLComplex: base = "complex"; break;
  case kDLOpaqueHandle: base = "handle"; break;
  case C2OP_DL_BOOL: base = "bool"; break;
  default: break;
  }
  if (!base) {
    snprintf(buf, size, "(code %u, bits %u, lanes %u)", (unsigned)dtype.code,
             (unsigned)dtype.bits, (unsigned)dtype.lanes);
  } else if (dtype.code == C2OP_DL_BOOL && dtype.bits == 8 && dtype.lanes == 1) {
    snprintf(buf, size, "bool");
  } else if (dtype.lanes == 1) {
    snprintf(buf, size, "%s%u", base, (unsigned)dtype.bits);
  } else {
    snprintf(buf, size, "%s%ux%u", base, (unsigned)dtype.bits, (unsigned)dtype.lanes);
  }
}

void c2op__format_shape(int32_t ndim, const int64_t *shape, char *buf, size_t size) {
  if (size == 0) return;
  size_t used = 0;
  int cut = 0;
  buf[used++] = '[';
  for (int32_t i = 0; i < ndim; i++) {
    if (used >= size) {
      cut = 1;
      break;
    }
    const int n = snprintf(buf + used, size - used, i ? ",%lld" : "%lld", (long long)shape[i]);
    if (n < 0 || (size_t)n >= size - used) {
      cut = 1;
      break;
    }
    used += (size_t)n;
  }
  if (!cut && used + 1 < size) {
    buf[used++] = ']';
    buf[used] = '\0';
    return;
  }
  /* Too long for the buffer: end with "...]" so the cut is visible. */
  if (size < 5) {
    buf[size - 1] = '\0';
    return;
  }
  const size_t at = used < size - 4 ? used : size - 5;
  memcpy(buf + at, "...]", 5);
}

void c2op__format_device(DLDevice device, char *buf, size_t size) {
  const char *name;
  switch ((int)device.device_type) {
  case kDLCPU: name = "CPU"; break;
  case kDLCUDA: name = "CUDA"; break;
  case kDLCUDAHost: name = "CUDAHost"; break;
  case kDLOpenCL: name = "OpenCL"; break;
  case kDLVulkan: name = "Vulkan"; break;
  case kDLMetal: name = "Metal"; break;
  case kDLVPI: name = "VPI"; break;
  case kDLROCM: name = "ROCM"; break;
  case kDLROCMHost: name = "ROCMHost"; break;
  case kDLExtDev: name = "ExtDev"; break;
  case kDLCUDAManaged: name = "CUDAManaged"; break;
  default: name = NULL; break;
  }
  if (name)
    snprintf(buf, size, "%s:%d", name, (int)device.device_id);
  else
    snprintf(buf, size, "type %d:%d", (int)device.device_type, (int)device.device_id);
}

size_t c2op__dtype_size(DLDataType dtype) {
  uint32_t total = (uint32_t)dtype.bits * (uint32_t)dtype.lanes;
  if (total == 0 || total % 8 != 0) return 0;
  return total / 8;
}

c2op_status c2op__check_tensor(const DLTensor *t, const char *name, int64_t *numel_out) {
  C2OP_RETURN_IF(!t, C2OP_ERR_NULL_POINTER, "%s is NULL", name);
  C2OP_RETURN_IF(t->ndim < 0 || t->ndim > C2OP_MAX_NDIM, C2OP_ERR_INVALID_ARGUMENT,
                 "%s: ndim %d is out of range [0, %d]", name, (int)t->ndim, C2OP_MAX_NDIM);
  C2OP_RETURN_IF(t->ndim > 0 && !t->shape, C2OP_ERR_NULL_POINTER,
                 "%s: shape is NULL but ndim is %d", name, (int)t->ndim);
  int64_t numel = 1;
  int zero = 0;
  for (int32_t i = 0; i < t->ndim; i++) {
    C2OP_RETURN_IF(t->shape[i] < 0, C2OP_ERR_INVALID_ARGUMENT,
                   "%s: shape[%d] is %lld, must be >= 0", name, (int)i, (long long)t->shape[i]);
    if (t->shape[i] == 0) zero = 1;
  }
  if (zero) {
    numel = 0;
  } else {
    for (int32_t i = 0; i < t->ndim; i++) {
      C2OP_RETURN_IF(__builtin_mul_overflow(numel, t->shape[i], &numel), C2OP_ERR_OVERFLOW,
                     "%s: element count of shape overflows int64", name);
    }
  }
  if (numel_out) *numel_out = numel;
  return C2OP_OK;
}

c2op_status c2op__check_same(const DLTensor *x, const char *xname, const DLTensor *y,
                             const char *yname) {
  char a[160], b[160];
  C2OP_TRY(c2op__check_tensor(x, xname, NULL));
  C2OP_TRY(c2op__check_tensor(y, yname, NULL));

  c2op__device_class xc = c2op__device_class_of(x->device);
  c2op__device_class yc = c2op__device_class_of(y->device);
  if (xc != yc || (xc == C2OP__DEVICE_CUDA && x->device.device_id != y->device.device_id) ||
      (xc == C2OP__DEVICE_OTHER && (x->device.device_type != y->device.device_type ||
                                    x->device.device_id != y->device.device_id))) {
    c2op__format_device(x->device, a, sizeof a);
    c2op__format_device(y->device, b, sizeof b);
    return c2op__error(C2OP_ERR_DEVICE_MISMATCH, "%s: device %s does not match %s: device %s",
                       yname, b, xname, a);
  }
  if (xc == C2OP__DEVICE_OTHER) {
    c2op__format_device(x->device, a, sizeof a);
    return c2op__error(C2OP_ERR_UNSUPPORTED_DEVICE,
                       "%s: device %s is not supported (c2op runs on CPU and CUDA)", xname, a);
  }
  if (x->dtype.code != y->dtype.code || x->dtype.bits != y->dtype.bits ||
      x->dtype.lanes != y->dtype.lanes) {
    c2op__format_dtype(x->dtype, a, sizeof a);
    c2op__format_dtype(y->dtype, b, sizeof b);
    return c2op__error(C2OP_ERR_DTYPE_MISMATCH, "%s: dtype %s does not match %s: dtype %s",
                       yname, b, xname, a);
  }
  int same = x->ndim == y->ndim;
  for (int32_t i = 0; same && i < x->ndim; i++) same = x->shape[i] == y->shape[i];
  if (!same) {
    c2op__format_shape(x->ndim, x->shape, a, sizeof a);
    c2op__format_shape(y->ndim, y->shape, b, sizeof b);
    return c2op__error(C2OP_ERR_SHAPE_MISMATCH, "%s: shape %s does not match %s: shape %s",
                       yname, b, xname, a);
  }
  return C2OP_OK;
}

/* The byte range [lo, hi) a tensor's elements occupy, relative to its base
 * (data + byte_offset), and the base itself; fails on arithmetic that does
 * not fit. Only called for tensors with at least one element. */
static c2op_status tensor_extent(const DLTensor *t, const char *name, size_t elem_size,
                                 uintptr_t *base_out, int64_t *lo_out, int64_t *hi_out) {
  C2OP_RETURN_IF(!t->data, C2OP_ERR_NULL_POINTER, "%s: data is NULL", name);
  C2OP_RETURN_IF(t->byte_offset > (uint64_t)INT64_MAX, C2OP_ERR_OVERFLOW,
                 "%s: byte_offset %llu does not fit in int64", name,
                 (unsigned long long)t->byte_offset);
  uintptr_t base = (uintptr_t)t->data;
  C2OP_RETURN_IF(__builtin_add_overflow(base, (uintptr_t)t->byte_offset, &base),
                 C2OP_ERR_OVERFLOW, "%s: data + byte_offset overflows the address space", name);
  int64_t lo = 0, hi = 0; /* in elements */
  for (int32_t i = 0; i < t->ndim; i++) {
    int64_t n = t->shape[i];
    if (n <= 1) continue;
    int64_t stride = 1;
    if (t->strides) {
      stride = t->strides[i];
    } else {
      for (int32_t j = i + 1; j < t->ndim; j++) stride *= t->shape[j]; /* fits: <= numel */
    }
    int64_t reach;
    C2OP_RETURN_IF(__builtin_mul_overflow(n - 1, stride, &reach), C2OP_ERR_OVERFLOW,
                   "%s: stride %lld of dim %d reaches past int64", name, (long long)stride,
                   (int)i);
    int64_t *acc = reach < 0 ? &lo : &hi;
    C2OP_RETURN_IF(__builtin_add_overflow(*acc, reach, acc), C2OP_ERR_OVERFLOW,
                   "%s: strides reach past int64", name);
  }
  int64_t lo_b, hi_b, hi_end; /* hi_end: one past the last element; hi may be INT64_MAX */
  C2OP_RETURN_IF(__builtin_mul_overflow(lo, (int64_t)elem_size, &lo_b) ||
                     __builtin_add_overflow(hi, (int64_t)1, &hi_end) ||
                     __builtin_mul_overflow(hi_end, (int64_t)elem_size, &hi_b),
                 C2OP_ERR_OVERFLOW, "%s: byte extent of the strides overflows int64", name);
  C2OP_RETURN_IF(lo_b < 0 && base < (uintptr_t)(-(lo_b + 1)) + 1, C2OP_ERR_OVERFLOW,
                 "%s: negative strides reach below address 0", name);
  /* The planner adds up both directions' reaches (after flipping negative
   * strides), so the whole span must fit in int64 too. */
  int64_t span_b;
  C2OP_RETURN_IF(__builtin_sub_overflow(hi_b, lo_b, &span_b), C2OP_ERR_OVERFLOW,
                 "%s: strides span more than 2^63 bytes", name);
  uintptr_t end;
  C2OP_RETURN_IF(__builtin_add_overflow(base, (uintptr_t)hi_b, &end), C2OP_ERR_OVERFLOW,
                 "%s: strides reach past the end of the address space", name);
  *base_out = base;
  *lo_out = lo_b;
  *hi_out = hi_b;
  return C2OP_OK;
}

c2op_status c2op__check_extent(const DLTensor *t, const char *name, size_t elem_size) {
  int64_t numel = 0;
  C2OP_TRY(c2op__check_tensor(t, name, &numel));
  if (numel == 0) return C2OP_OK;
  uintptr_t base;
  int64_t lo, hi;
  return tensor_extent(t, name, elem_size, &base, &lo, &hi);
}

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Exact self-overlap check of dims [0, ndim) of the plan (the block that
 * failed the quick test; outer dims that pass it only translate the block
 * to disjoint places). Lists the block's offsets and sorts them, or, for
 * blocks with more elements than that allows, marks offsets in a bitmap
 * over the block's span. */
static c2op_status check_overlap_exact(const c2op__plan *p, int32_t ndim, int64_t span,
                                       const char *yname) {
  int64_t numel = 1;
  for (int32_t d = 0; d < ndim; d++) numel *= p->shape[d];
  const int use_sort = numel <= C2OP_EXACT_OVERLAP_LIMIT;
  if (!use_sort && span > C2OP_EXACT_OVERLAP_SPAN_LIMIT) {
    return c2op__error(C2OP_ERR_OVERLAP,
                       "%s: its strides interleave dims so that a block of %lld elements spread "
                       "over %lld may overlap, too large to prove otherwise; c2op refuses it",
                       yname, (long long)numel, (long long)span);
  }
  int64_t *offs = NULL;
  uint8_t *bits = NULL;
  if (use_sort)
    offs = c2op__malloc((size_t)numel * sizeof *offs);
  else
    bits = c2op__calloc((size_t)(span / 8 + 1), 1);
  C2OP_RETURN_IF(!offs && !bits, C2OP_ERR_OUT_OF_MEMORY, "%s: out of memory checking overlap",
                 yname);
  int64_t idx[C2OP_MAX_NDIM] = {0};
  int dup = 0;
  for (int64_t k = 0; k < numel && !dup; k++) {
    int64_t off = 0;
    for (int32_t d = 0; d < ndim; d++) off += idx[d] * p->ys[d];
    if (use_sort) {
      offs[k] = off;
    } else {
      dup = (bits[off >> 3] >> (off & 7)) & 1;
      bits[off >> 3] = (uint8_t)(bits[off >> 3] | (1u << (off & 7)));
    }
    for (int32_t d = 0; d < ndim && ++idx[d] == p->shape[d]; d++) idx[d] = 0;
  }
  if (use_sort) {
    qsort(offs, (size_t)numel, sizeof *offs, compare_i64);
    for (int64_t k = 1; k < numel && !dup; k++) dup = offs[k] == offs[k - 1];
  }
  c2op__free(offs);
  c2op__free(bits);
  C2OP_RETURN_IF(dup, C2OP_ERR_OVERLAP,
                 "%s: its strides make distinct elements share memory; an output must not "
                 "overlap itself",
                 yname);
  return C2OP_OK;
}

void c2op__plan_of_span(const c2op__span *span, c2op__plan *plan) {
  plan->ndim = 1;
  plan->shape[0] = span->numel;
  plan->xs[0] = plan->ys[0] = 1;
  plan->x = span->x;
  plan->y = span->y;
  plan->elem_size = span->elem_size;
  plan->numel = span->numel;
  plan->inplace = span->x == span->y;
  plan->overlap = c2op__span_partial_overlap(span);
}

/* The plan of compact x and y: what the general path below computes for
 * them (one contiguous dim), without its sorting and merging, which cost
 * more than a small tensor's work. Returns 0, planning nothing, when any
 * check fails: the general path then reports it. */
static inline int plan_compact(const DLTensor *x, const DLTensor *y, size_t elem_size,
                               int64_t numel, c2op__plan *plan) {
  c2op__span span;
  if (!c2op__fast_span_of(x, y, elem_size, numel, &span)) return 0;
  c2op__plan_of_span(&span, plan);
  return 1;
}

int c2op__same_dense_layout(const DLTensor *x, const DLTensor *y) {
  if (!x->strides || !y->strides) return 0;
  int64_t st[C2OP_MAX_NDIM], sh[C2OP_MAX_NDIM];
  int32_t n = 0;
  for (int32_t i = 0; i < x->ndim; i++) {
    if (x->shape[i] == 1) continue;
    if (x->strides[i] != y->strides[i] || x->strides[i] <= 0) return 0;
    /* Insertion by stride, innermost first. */
    int32_t j = n++;
    for (; j > 0 && st[j - 1] > x->strides[i]; j--) {
      st[j] = st[j - 1];
      sh[j] = sh[j - 1];
    }
    st[j] = x->strides[i];
    sh[j] = x->shape[i];
  }
  int64_t expected = 1;
  for (int32_t j = 0; j < n; j++) {
    if (st[j] != expected) return 0;
    expected *= sh[j]; /* fits: the element count was checked */
  }
  return 1;
}

int c2op__rows_of(const DLTensor *x, const DLTensor *y, size_t elem_size, c2op__rows *rows) {
  if (x->ndim != 2) return 0;
  const int64_t nrows = x->shape[0], cols = x->shape[1];
  if (nrows < 2 || cols < 2) return 0;
  const DLTensor *t[2] = {x, y};
  int64_t pitch[2];
  uintptr_t base[2], end[2];
  for (int i = 0; i < 2; i++) {
    pitch[i] = t[i]->strides ? t[i]->strides[0] : cols;
    if (t[i]->strides && t[i]->strides[1] != 1) return 0;
    if (pitch[i] < cols) return 0;
    int64_t span, bytes;
    if (__builtin_mul_overflow(nrows - 1, pitch[i], &span) ||
        __builtin_add_overflow(span, cols, &span) ||
        __builtin_mul_overflow(span, (int64_t)elem_size, &bytes))
      return 0;
    if (!t[i]->data || t[i]->byte_offset > (uint64_t)INT64_MAX ||
        __builtin_add_overflow((uintptr_t)t[i]->data, (uintptr_t)t[i]->byte_offset, &base[i]) ||
        __builtin_add_overflow(base[i], (uintptr_t)bytes, &end[i]))
      return 0;
  }
  const int overlap = end[0] > base[1] && end[1] > base[0];
  const int same = base[0] == base[1] && pitch[0] == pitch[1];
  if (overlap && !same) return 0;
  rows->x = (const char *)base[0];
  rows->y = (char *)base[1];
  rows->rows = nrows;
  rows->cols = cols;
  rows->xpitch = pitch[0];
  rows->ypitch = pitch[1];
  rows->elem_size = elem_size;
  rows->inplace = overlap;
  return 1;
}

void c2op__plan_of_rows(const c2op__rows *rows, c2op__plan *plan) {
  plan->ndim = 2;
  plan->shape[0] = rows->cols;
  plan->shape[1] = rows->rows;
  plan->xs[0] = plan->ys[0] = 1;
  plan->xs[1] = rows->xpitch;
  plan->ys[1] = rows->ypitch;
  plan->x = rows->x;
  plan->y = rows->y;
  plan->elem_size = rows->elem_size;
  plan->numel = rows->rows * rows->cols;
  plan->inplace = rows->inplace;
  plan->overlap = 0;
}

c2op_status c2op__plan_unary(const DLTensor *x, const char *xname, DLTensor *y,
                             const char *yname, size_t elem_size, c2op__plan *plan) {
  int64_t numel;
  C2OP_TRY(c2op__check_tensor(y, yname, &numel));
  if (numel > 0 && c2op__fast_compact(x) && c2op__fast_compact(y) && plan_compact(x, y, elem_size, numel, plan))
    return C2OP_OK;
  c2op__plan p;
  memset(&p, 0, sizeof p);
  p.elem_size = elem_size;
  p.numel = numel;
  if (p.numel == 0) {
    *plan = p;
    return C2OP_OK;
  }

  uintptr_t xbase, ybase;
  int64_t xlo, xhi, ylo, yhi;
  C2OP_TRY(tensor_extent(x, xname, elem_size, &xbase, &xlo, &xhi));
  C2OP_TRY(tensor_extent(y, yname, elem_size, &ybase, &ylo, &yhi));

  /* Drop size-1 dims; strides in elements; flip dims where y's stride is
   * negative (in x as well) so that every y stride is positive. */
  int64_t xcompact = 1, ycompact = 1;
  int64_t xoff = 0, yoff = 0; /* element offsets of the new origin */
  for (int32_t i = y->ndim - 1; i >= 0; i--) {
    int64_t n = y->shape[i];
    int64_t sx = x->strides ? x->strides[i] : xcompact;
    int64_t sy = y->strides ? y->strides[i] : ycompact;
    xcompact *= n;
    ycompact *= n;
    if (n == 1) continue;
    if (sy == 0) {
      return c2op__error(C2OP_ERR_OVERLAP,
                         "%s: stride 0 on dim %d of size %lld makes elements overlap; an output "
                         "must not overlap itself",
                         yname, (int)i, (long long)n);
    }
    if (sy < 0) {
      yoff += (n - 1) * sy; /* within the extent checked above */
      xoff += (n - 1) * sx;
      sy = -sy;
      sx = -sx;
    }
    p.shape[p.ndim] = n;
    p.xs[p.ndim] = sx;
    p.ys[p.ndim] = sy;
    p.ndim++;
  }
  if (p.ndim == 0) { /* a scalar, or only size-1 dims */
    p.ndim = 1;
    p.shape[0] = 1;
    p.xs[0] = p.ys[0] = 1;
  }
  p.x = (const char *)xbase + xoff * (int64_t)elem_size;
  p.y = (char *)ybase + yoff * (int64_t)elem_size;

  /* Sort dims by y's stride, innermost first (insertion sort: ndim <= 32). */
  for (int32_t i = 1; i < p.ndim; i++) {
    for (int32_t j = i; j > 0; j--) {
      int64_t a = p.ys[j - 1], b = p.ys[j];
      int64_t ax = llabs(p.xs[j - 1]), bx = llabs(p.xs[j]);
      if (a < b || (a == b && ax <= bx)) break;
      int64_t t;
      t = p.shape[j]; p.shape[j] = p.shape[j - 1]; p.shape[j - 1] = t;
      t = p.xs[j]; p.xs[j] = p.xs[j - 1]; p.xs[j - 1] = t;
      t = p.ys[j]; p.ys[j] = p.ys[j - 1]; p.ys[j - 1] = t;
    }
  }

  /* y must not overlap itself: each stride must step past everything the
   * inner dims cover; when that quick test fails, check exactly. */
  int64_t span = 1, failed_span = 0;
  int32_t failed_dims = 0; /* dims [0, failed_dims) need the exact check */
  for (int32_t i = 0; i < p.ndim; i++) {
    int failed = p.ys[i] < span;
    span += (p.shape[i] - 1) * p.ys[i];
    if (failed) {
      failed_dims = i + 1;
      failed_span = span;
    }
  }
  if (failed_dims) C2OP_TRY(check_overlap_exact(&p, failed_dims, failed_span, yname));

  /* Merge dims that are contiguous together in both x and y. */
  int32_t m = 0;
  for (int32_t i = 1; i < p.ndim; i++) {
    int64_t ynext, xnext; /* where dim m ends; past int64, nothing merges */
    if (!__builtin_mul_overflow(p.ys[m], p.shape[m], &ynext) &&
        !__builtin_mul_overflow(p.xs[m], p.shape[m], &xnext) && p.ys[i] == ynext &&
        p.xs[i] == xnext) {
      p.shape[m] *= p.shape[i];
    } else {
      m++;
      p.shape[m] = p.shape[i];
      p.xs[m] = p.xs[i];
      p.ys[m] = p.ys[i];
    }
  }
  p.ndim = m + 1;

  /* x and y: disjoint, the same elements (in place), or overlapping. */
  uintptr_t x0 = xbase + (uintptr_t)xlo, x1 = xbase + (uintptr_t)xhi;
  uintptr_t y0 = ybase + (uintptr_t)ylo, y1 = ybase + (uintptr_t)yhi;
  if (x0 < y1 && y0 < x1) {
    int same = p.x == p.y;
    for (int32_t i = 0; same && i < p.ndim; i++) same = p.xs[i] == p.ys[i];
    if (same)
      p.inplace = 1;
    else
      p.overlap = 1;
  }
  *plan = p;
  return C2OP_OK;
}

void c2op__plan_through_scratch(const c2op__plan *plan, char *scratch, c2op__plan *to,
                                c2op__plan *from) {
  *to = *plan;
  *from = *plan;
  int64_t s = 1;
  for (int32_t d = 0; d < plan->ndim; d++) {
    to->ys[d] = s;
    from->xs[d] = s;
    s *= plan->shape[d];
  }
  to->y = scratch;
  from->x = scratch;
  to->overlap = from->overlap = 0;
}

c2op_status c2op__sum_output_bytes(DLTensor *y, int64_t numel, size_t elem, size_t *bytes) {
  c2op__plan self;
  C2OP_TRY(c2op__plan_unary(y, "outputs[0]", y, "outputs[0]", elem, &self));
  C2OP_RETURN_IF(__builtin_mul_overflow((size_t)numel, elem, bytes), C2OP_ERR_OVERFLOW,
                 "outputs[0]: %lld elements of %zu bytes overflow size_t", (long long)numel,
                 elem);
  return C2OP_OK;
}

c2op_status c2op__plan_sum(int32_t n, const DLTensor *const *inputs, DLTensor *y, void *acc,
                           c2op__plan *plans) {
  const size_t elem = c2op__dtype_size(y->dtype);
  DLTensor scratch = *y;
  scratch.data = acc;
  scratch.strides = NULL;
  scratch.byte_offset = 0;
  char name[32];
  for (int32_t i = 0; i < n; i++) {
    snprintf(name, sizeof name, "inputs[%d]", (int)i);
    C2OP_TRY(c2op__plan_unary(inputs[i], name, &scratch, "scratch", elem, &plans[i]));
    plans[i].overlap = 0; /* the scratch buffer is private */
    plans[i].inplace = 0;
  }
  C2OP_TRY(c2op__plan_unary(&scratch, "scratch", y, "outputs[0]", elem, &plans[n]));
  plans[n].overlap = 0;
  plans[n].inplace = 0;
  return C2OP_OK;
}
