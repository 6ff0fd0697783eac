/* dispatch.h - what the CPU backend offers the ops layer (internal).
 *
 * Ops describe *what* to compute (negate integers, flip float signs, copy,
 * add) and the lane width; the CPU backend picks *how* (which kernel). */
#ifndef C2OP_CPU_DISPATCH_H
#define C2OP_CPU_DISPATCH_H

#include <stddef.h>

#include "cpu/kernels.h"

#include "core/unary_op.h"

/* The kernel for `op` on lanes of `lane_bytes` (1, 2, 4 or 8; ignored for
 * copy); NULL when there is none. */
const c2op__unary_kernel *c2op__cpu_unary_kernel(c2op__unary_op op, size_t lane_bytes);

#endif
