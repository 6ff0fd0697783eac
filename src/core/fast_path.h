/* fast_path.h - the checks of a call's fast path (internal).
 *
 * A call on a small tensor costs more in checks than in work, so the
 * common cases are tested before the full checks: first dense ones and
 * 2-D rows of up to 2^31 elements (c2op__fast_direct, cpu/unary_cpu.h,
 * inline in each op's entry point for up to 3 dims, in a noinline
 * function of each op for more), then the rest of them (c2op__plan_fast,
 * in a noinline function of each op). Anything else,
 * an error included, gets 0 from them and goes on to the full checks,
 * which say what is wrong: nothing here reports. */
#ifndef C2OP_CORE_FAST_PATH_H
#define C2OP_CORE_FAST_PATH_H

#include <stdint.h>

#include "c2op.h"
#include "core/tensor.h"

/* x and y not NULL, with the same ndim in range and shapes where needed. */
static inline int c2op__fast_pair(const DLTensor *x, const DLTensor *y) {
  if (!x || !y || x->ndim != y->ndim || (uint32_t)x->ndim > C2OP_MAX_NDIM) return 0;
  return x->ndim == 0 || (x->shape && y->shape);
}

/* t's strides are NULL or those of a compact row-major tensor (the strides
 * of size-1 dims do not matter). Needs c2op__fast_pair. */
static inline int c2op__fast_compact(const DLTensor *t) {
  if (!t->strides) return 1;
  uint64_t expected = 1; /* may wrap: then c2op__fast_agree finds the count too large */
  for (int32_t i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] != 1 && (uint64_t)t->strides[i] != expected) return 0;
    expected *= (uint64_t)t->shape[i];
  }
  return 1;
}

/* Both host tensors of one dtype of whole bytes and one shape of positive
 * sizes whose count fits int64. Writes the count, the element size, and
 * into *compact whether both are compact (c2op__fast_compact of each),
 * found in the same pass over the dims, innermost first: the stride a
 * compact dim must have is the count of the dims inside it, which the
 * pass has just computed (and checked for overflow). One pass instead of
 * three saves about 3 ns a call on 2-D tensors with strides, the form
 * DLPack exporters such as NumPy and PyTorch give (docs/PERFORMANCE.md,
 * "Call overhead"). Needs c2op__fast_pair. */
static inline int c2op__fast_agree(const DLTensor *x, const DLTensor *y, int64_t *numel,
                                   size_t *elem_size, int *compact) {
  const int32_t xt = (int32_t)x->device.device_type, yt = (int32_t)y->device.device_type;
  if ((xt != kDLCPU && xt != kDLCUDAHost) || (yt != kDLCPU && yt != kDLCUDAHost)) return 0;
  if (x->dtype.code != y->dtype.code || x->dtype.bits != y->dtype.bits ||
      x->dtype.lanes != y->dtype.lanes)
    return 0;
  const uint32_t bits = (uint32_t)x->dtype.bits * x->dtype.lanes;
  if (bits == 0 || bits % 8 != 0) return 0;
  const int64_t *xs = x->strides, *ys = y->strides;
  int64_t n = 1;
  int dense = 1;
  if (!xs && !ys) {
    for (int32_t i = 0; i < x->ndim; i++) {
      const int64_t d = x->shape[i];
      if (d <= 0 || d != y->shape[i] || __builtin_mul_overflow(n, d, &n)) return 0;
    }
  } else {
    for (int32_t i = x->ndim - 1; i >= 0; i--) {
      const int64_t d = x->shape[i];
      if (d <= 0 || d != y->shape[i]) return 0;
      if (d != 1 && ((xs && xs[i] != n) || (ys && ys[i] != n))) dense = 0;
      if (__builtin_mul_overflow(n, d, &n)) return 0;
    }
  }
  *numel = n;
  *elem_size = bits / 8;
  *compact = dense;
  return 1;
}

/* x and y as spans of `numel` elements from data + byte_offset, when both
 * ends of both are representable. The spans may overlap. */
static inline int c2op__fast_span_of(const DLTensor *x, const DLTensor *y, size_t elem_size,
                                     int64_t numel, c2op__span *span) {
  int64_t bytes;
  uintptr_t xb, yb, end;
  if (__builtin_mul_overflow(numel, (int64_t)elem_size, &bytes)) return 0;
  if (!x->data || !y->data || (x->byte_offset | y->byte_offset) > (uint64_t)INT64_MAX ||
      __builtin_add_overflow((uintptr_t)x->data, (uintptr_t)x->byte_offset, &xb) ||
      __builtin_add_overflow((uintptr_t)y->data, (uintptr_t)y->byte_offset, &yb) ||
      __builtin_add_overflow(xb, (uintptr_t)bytes, &end) ||
      __builtin_add_overflow(yb, (uintptr_t)bytes, &end))
    return 0;
  span->x = (const char *)xb;
  span->y = (char *)yb;
  span->numel = numel;
  span->elem_size = elem_size;
  return 1;
}

/* The spans share bytes without being the same bytes. */
static inline int c2op__span_partial_overlap(const c2op__span *s) {
  const uintptr_t x = (uintptr_t)s->x, y = (uintptr_t)s->y;
  const uintptr_t bytes = (uintptr_t)s->numel * s->elem_size;
  return x != y && x + bytes > y && y + bytes > x;
}

/* 1 when x and y have the same strides and these lay the elements out
 * densely in some order of the dims (both transposed alike, say), with
 * positive strides: then the pass is one contiguous run over both. Needs
 * c2op__fast_pair and c2op__fast_agree. */
int c2op__same_dense_layout(const DLTensor *x, const DLTensor *y);

/* Rows: 2-D x and y of at least 2 x 2 elements, each with unit stride
 * along rows and a positive row stride that steps past a row (a slice of
 * columns, padded rows). Returns 1 with *rows filled, 0 for anything else
 * or any overlap of x and y other than being the same elements. Needs
 * c2op__fast_pair and c2op__fast_agree. */
int c2op__rows_of(const DLTensor *x, const DLTensor *y, size_t elem_size, c2op__rows *rows);

/* The common case of c2op__same_dense_layout, inline: 2-D x and y with the
 * same strides, which lay the elements out densely column by column (both
 * transposed alike). Needs c2op__fast_pair and c2op__fast_agree. */
static inline int c2op__fast_transposed_2d(const DLTensor *x, const DLTensor *y) {
  const int64_t *s = x->strides, *t = y->strides;
  return x->ndim == 2 && s && t && s[0] == 1 && t[0] == 1 && s[1] == t[1] &&
         s[1] == x->shape[0];
}

/* What c2op__plan_fast (and c2op__fast_direct) found; the last only from
 * c2op__fast_direct. */
enum { C2OP__FAST_NONE, C2OP__FAST_SPAN, C2OP__FAST_ROWS, C2OP__FAST_SPAN_PLANNED };

/* The common cases, inline: each op compiles it into the function its
 * entry point calls when the direct path (c2op__fast_direct) did not take
 * the call.
 *  - x and y valid, non-empty host tensors of the same dtype and shape,
 *    disjoint or the same elements, and both compact or with the same
 *    strides laying them out densely (both transposed alike, say): returns
 *    C2OP__FAST_SPAN with *span filled;
 *  - x and y pass the same dtype and shape checks but are not dense alike:
 *    C2OP__FAST_ROWS with *elem_size set. The caller then tries
 *    c2op__rows_of (padded rows, a slice of columns) in a function of its
 *    own, out of line, which keeps the entry point's frame and code for
 *    dense tensors small: with x and y filling the L1 cache, each extra
 *    line a call touches costs reloads of x or y ("Call overhead" in
 *    docs/PERFORMANCE.md);
 *  - C2OP__FAST_NONE for anything else. */
static inline int c2op__plan_fast(const DLTensor *x, const DLTensor *y, c2op__span *span,
                                  size_t *elem_size) {
  int64_t numel;
  int compact;
  if (!c2op__fast_pair(x, y) || !c2op__fast_agree(x, y, &numel, elem_size, &compact))
    return C2OP__FAST_NONE;
  /* In 2-D, dense alike means compact or both transposed: the sort of
   * c2op__same_dense_layout is for 3 dims and more. */
  if (compact || c2op__fast_transposed_2d(x, y) ||
      (x->ndim != 2 && c2op__same_dense_layout(x, y)))
    return c2op__fast_span_of(x, y, *elem_size, numel, span) && !c2op__span_partial_overlap(span)
               ? C2OP__FAST_SPAN
               : C2OP__FAST_NONE;
  return C2OP__FAST_ROWS;
}

#endif
