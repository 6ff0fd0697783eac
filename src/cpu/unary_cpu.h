/* unary_cpu.h - runs an elementwise plan on the CPU (internal). */
#ifndef C2OP_CPU_UNARY_CPU_H
#define C2OP_CPU_UNARY_CPU_H

#include <stdint.h>
#include <string.h>

#include "c2op.h"
#include "core/fast_path.h"
#include "core/tensor.h"
#include "cpu/kernels.h"

/* Runs `kernel` over the plan: contiguous rows through kernel->contig, others
 * through kernel->strided, split over the context's threads when large.
 * When x and y partly overlap, x is first copied to a scratch buffer (the
 * only failure: C2OP_ERR_OUT_OF_MEMORY, with y untouched). */
c2op_status c2op__cpu_unary(const c2op_context *ctx, const c2op__plan *plan,
                            const c2op__unary_kernel *kernel);

/* Dense passes up to this many bytes (x's) skip the driver and call the
 * kernel directly: well below any parallel or streaming threshold. */
#define C2OP__DIRECT_MAX_BYTES ((int64_t)16 << 10)

/* c2op__cpu_unary over a span (x and y the same bytes or disjoint) that
 * c2op__cpu_unary_span found too large or unaligned for the kernel alone,
 * its fields given one by one: a caller's span then stays in registers. */
c2op_status c2op__cpu_unary_span_planned(const c2op_context *ctx, const char *x, char *y,
                                         int64_t numel, size_t elem_size,
                                         const c2op__unary_kernel *kernel);

/* Runs `kernel` over rows from c2op__rows_of. A lane-aligned pass that
 * would not stream runs each row through kernel->contig, on one thread or
 * split over the context's threads by whole rows (at least one row a
 * part); any other goes through c2op__cpu_unary's plan. */
c2op_status c2op__cpu_unary_rows(const c2op_context *ctx, const c2op__rows *rows,
                                 const c2op__unary_kernel *kernel);

/* Contiguous kernels get dense rows whose base is aligned to the lane (the
 * element size's largest power-of-two factor, up to 8 bytes); others (an
 * odd byte_offset, say) take the strided kernel, which reads and writes
 * through memcpy. Rows start at multiples of the element size. */
static inline uintptr_t c2op__lane_alignment(size_t elem_size) {
  const uintptr_t low = (uintptr_t)elem_size & (uintptr_t) - (intptr_t)elem_size;
  return low < 8 ? low : 8;
}

/* 1 when a dense pass of `bytes` from x to y goes straight to the kernel:
 * small (for a few elements a plan and the driver's bookkeeping would cost
 * more than the work) and lane-aligned. */
static inline int c2op__direct_pass(const char *x, const char *y, int64_t bytes,
                                    size_t elem_size) {
  return bytes <= C2OP__DIRECT_MAX_BYTES &&
         (((uintptr_t)x | (uintptr_t)y) & (c2op__lane_alignment(elem_size) - 1)) == 0;
}

_Static_assert(sizeof(DLDataType) == 4, "a dtype compares as one 32-bit word");

/* The direct path takes tensors of at most this many elements: both
 * factors of each product of dims are then at most 2^31, so none
 * overflows, and no check is needed. */
#define C2OP__DIRECT_MAX_NUMEL ((int64_t)1 << 31)

/* The end of c2op__fast_direct and c2op__fast_direct_nd: x and y of
 * matching dims, `n` elements of `elem_size` bytes, `dense` when both are
 * compact. */
static inline int c2op__fast_direct_end(const DLTensor *x, const DLTensor *y, int64_t n,
                                        int dense, size_t elem_size, c2op__span *span) {
  if (!dense && !c2op__fast_transposed_2d(x, y)) {
    span->elem_size = elem_size;
    return x->ndim == 2 ? C2OP__FAST_ROWS : C2OP__FAST_NONE;
  }
  /* the span's checks of c2op__plan_fast, then c2op__direct_pass's */
  if (!c2op__fast_span_of(x, y, elem_size, n, span) || c2op__span_partial_overlap(span))
    return C2OP__FAST_NONE;
  return c2op__direct_pass(span->x, span->y, n * (int64_t)elem_size, elem_size)
             ? C2OP__FAST_SPAN
             : C2OP__FAST_SPAN_PLANNED;
}

/* The checks of the dtype, the devices and ndim that c2op__fast_direct
 * and c2op__fast_direct_nd share; the element size, or 0. */
static inline size_t c2op__fast_direct_kind(const DLTensor *x, const DLTensor *y) {
  uint32_t xdt, ydt;
  memcpy(&xdt, &x->dtype, sizeof xdt);
  memcpy(&ydt, &y->dtype, sizeof ydt);
  if (x->ndim != y->ndim || (uint32_t)x->ndim > C2OP_MAX_NDIM || xdt != ydt) return 0;
  /* one lane of whole bytes */
  if (x->dtype.lanes != 1 || x->dtype.bits == 0 || (x->dtype.bits & 7) != 0) return 0;
  /* kDLCPU (1) or kDLCUDAHost (3) */
  if (((uint32_t)x->device.device_type | 2u) != 3u || ((uint32_t)y->device.device_type | 2u) != 3u)
    return 0;
  if (x->ndim > 0 && (!x->shape || !y->shape)) return 0;
  return x->dtype.bits >> 3;
}

/* Tensors of more dims than this skip c2op__fast_direct for
 * c2op__fast_direct_nd, in a function of their own. The loop over the
 * dims needs more registers than the caller-saved ones: inline, every
 * call saved and restored six registers, six stores more for the store
 * port that the kernel's own stores keep busy. Without the loop a 1 KiB
 * call of 1 to 3 dims saves about 2 ns (docs/PERFORMANCE.md, "Call
 * overhead"); 4 dims and more pay one compare and jump more. */
#define C2OP__DIRECT_MAX_DIMS 3

/* The commonest cases, in as few instructions as the checks allow (on
 * 1 KiB a call costs as much in checks as in work). x and y must be host
 * tensors of one dtype of one lane of whole bytes, of one shape of
 * positive sizes with at most C2OP__DIRECT_MAX_NUMEL elements. Then:
 *  - both compact, or both transposed alike in 2-D, disjoint or the same
 *    elements: *span filled, and C2OP__FAST_SPAN when the kernel alone
 *    does the pass (c2op__direct_pass: at most C2OP__DIRECT_MAX_BYTES and
 *    aligned to the lane), else C2OP__FAST_SPAN_PLANNED, for
 *    c2op__cpu_unary_span_planned (threads, streaming, alignment);
 *  - 2-D and not dense alike: C2OP__FAST_ROWS with span->elem_size set,
 *    for c2op__rows_of (as from c2op__plan_fast);
 *  - else C2OP__FAST_NONE: the caller then plans the call in full
 *    (c2op__plan_fast first), which also says what is wrong.
 * Each outcome is a subset of c2op__plan_fast's (the two span ones of its
 * C2OP__FAST_SPAN), so the result is the same.
 * c2op__fast_direct takes 0 to 3 dims in straight-line code, and
 * C2OP__FAST_NONE for more; the caller sends those, before it, out of line
 * to c2op__fast_direct_nd (any ndim, a loop over the dims; see
 * C2OP__DIRECT_MAX_DIMS). Both need x and y not NULL. */
static inline int c2op__fast_direct(const DLTensor *x, const DLTensor *y, c2op__span *span) {
  const size_t elem_size = c2op__fast_direct_kind(x, y);
  if (elem_size == 0) return C2OP__FAST_NONE;
  const int64_t *xd = x->shape, *yd = y->shape, *xs = x->strides, *ys = y->strides;
  /* (unsigned arithmetic: a size may be INT64_MIN) */
  const uint64_t lim = (uint64_t)C2OP__DIRECT_MAX_NUMEL;
  int64_t n;
  int dense;
  if (x->ndim == 2) {
    const int64_t d0 = xd[0], d1 = xd[1];
    if (d0 != yd[0] || d1 != yd[1] || (uint64_t)d0 - 1u >= lim || (uint64_t)d1 - 1u >= lim)
      return C2OP__FAST_NONE;
    n = d0 * d1; /* both factors at most the limit: no overflow */
    if (n > C2OP__DIRECT_MAX_NUMEL) return C2OP__FAST_NONE;
    dense = (!xs || ((d1 == 1 || xs[1] == 1) && (d0 == 1 || xs[0] == d1))) &&
            (!ys || ((d1 == 1 || ys[1] == 1) && (d0 == 1 || ys[0] == d1)));
  } else if (x->ndim == 3) {
    const int64_t d0 = xd[0], d1 = xd[1], d2 = xd[2];
    if (d0 != yd[0] || d1 != yd[1] || d2 != yd[2] || (uint64_t)d0 - 1u >= lim ||
        (uint64_t)d1 - 1u >= lim || (uint64_t)d2 - 1u >= lim)
      return C2OP__FAST_NONE;
    const int64_t inner = d1 * d2; /* as above */
    if (inner > C2OP__DIRECT_MAX_NUMEL) return C2OP__FAST_NONE;
    n = d0 * inner;
    if (n > C2OP__DIRECT_MAX_NUMEL) return C2OP__FAST_NONE;
    dense = (!xs || ((d2 == 1 || xs[2] == 1) && (d1 == 1 || xs[1] == d2) &&
                     (d0 == 1 || xs[0] == inner))) &&
            (!ys || ((d2 == 1 || ys[2] == 1) && (d1 == 1 || ys[1] == d2) &&
                     (d0 == 1 || ys[0] == inner)));
  } else if (x->ndim == 1) {
    n = xd[0];
    if (n != yd[0] || (uint64_t)n - 1u >= lim) return C2OP__FAST_NONE;
    dense = (!xs || n == 1 || xs[0] == 1) && (!ys || n == 1 || ys[0] == 1);
  } else if (x->ndim == 0) {
    n = 1;
    dense = 1;
  } else {
    return C2OP__FAST_NONE; /* (the caller sent them to c2op__fast_direct_nd) */
  }
  return c2op__fast_direct_end(x, y, n, dense, elem_size, span);
}

/* c2op__fast_direct for any ndim (above). */
static inline int c2op__fast_direct_nd(const DLTensor *x, const DLTensor *y, c2op__span *span) {
  const size_t elem_size = c2op__fast_direct_kind(x, y);
  if (elem_size == 0) return C2OP__FAST_NONE;
  const int64_t *xd = x->shape, *yd = y->shape, *xs = x->strides, *ys = y->strides;
  int64_t n = 1;
  int dense = 1;
  for (int32_t i = x->ndim - 1; i >= 0; i--) {
    const int64_t d = xd[i];
    /* (unsigned arithmetic: d may be INT64_MIN) */
    if (d != yd[i] || (uint64_t)d - 1u >= (uint64_t)C2OP__DIRECT_MAX_NUMEL) return C2OP__FAST_NONE;
    if (d != 1 && ((xs && xs[i] != n) || (ys && ys[i] != n))) dense = 0;
    n *= d; /* both factors at most the limit: no overflow */
    if (n > C2OP__DIRECT_MAX_NUMEL) return C2OP__FAST_NONE;
  }
  return c2op__fast_direct_end(x, y, n, dense, elem_size, span);
}

/* c2op__cpu_unary over a span from c2op__plan_fast, inline: small ones go
 * straight to the kernel. */
static inline c2op_status c2op__cpu_unary_span(const c2op_context *ctx, const c2op__span *span,
                                               const c2op__unary_kernel *kernel) {
  if (c2op__direct_pass(span->x, span->y, span->numel * (int64_t)span->elem_size,
                        span->elem_size)) {
    kernel->contig(span->x, span->y, span->numel, span->elem_size);
    return C2OP_OK;
  }
  return c2op__cpu_unary_span_planned(ctx, span->x, span->y, span->numel, span->elem_size,
                                      kernel);
}

#endif
