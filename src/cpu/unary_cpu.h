/* unary_cpu.h - runs an elementwise plan on the CPU (internal). */
#ifndef C2OP_CPU_UNARY_CPU_H
#define C2OP_CPU_UNARY_CPU_H

#include "c2op.h"
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
 * c2op__cpu_unary_span found too large or unaligned for the kernel alone. */
c2op_status c2op__cpu_unary_span_planned(const c2op_context *ctx, const c2op__span *span,
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

/* c2op__cpu_unary over a span from c2op__plan_fast, inline: small ones go
 * straight to the kernel. */
static inline c2op_status c2op__cpu_unary_span(const c2op_context *ctx, const c2op__span *span,
                                               const c2op__unary_kernel *kernel) {
  if (c2op__direct_pass(span->x, span->y, span->numel * (int64_t)span->elem_size,
                        span->elem_size)) {
    kernel->contig(span->x, span->y, span->numel, span->elem_size);
    return C2OP_OK;
  }
  return c2op__cpu_unary_span_planned(ctx, span, kernel);
}

#endif
