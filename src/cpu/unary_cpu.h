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

#endif
