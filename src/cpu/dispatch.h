/* dispatch.h - what the CPU backend offers the ops layer (internal).
 *
 * Ops describe *what* to compute (negate integers, flip float signs, copy,
 * add) and the lane width; the CPU backend picks *how*: the kernel of the
 * ISA chosen once per process (cpu/isa.h). */
#ifndef C2OP_CPU_DISPATCH_H
#define C2OP_CPU_DISPATCH_H

#include <stddef.h>

#include "cpu/isa.h"
#include "cpu/kernels.h"

#include "core/unary_op.h"

/* The kernel for `op` on lanes of `lane_bytes` (1, 2, 4 or 8; ignored for
 * copy) on the ISA in use; NULL when there is none. */
const c2op__unary_kernel *c2op__cpu_unary_kernel(c2op__unary_op op, size_t lane_bytes);

/* The same for a given ISA (tests compare every ISA with the scalar one);
 * NULL when that ISA is not compiled in or has no such kernel. Ops without
 * ISA-specific kernels (copy, add) get the scalar ones. */
const c2op__unary_kernel *c2op__cpu_unary_kernel_isa(c2op__isa isa, c2op__unary_op op,
                                                     size_t lane_bytes);

/* The negation kernel table of `isa`, NULL when not compiled in. */
const c2op__negate_kernels *c2op__cpu_negate_kernels(c2op__isa isa);

#endif
