/* dispatch.h - what the CPU backend offers the ops layer (internal).
 *
 * Ops describe *what* to compute (negate integers, flip float signs, copy,
 * add) and the lane width; the CPU backend picks *how* (which kernel). */
#ifndef C2OP_CPU_DISPATCH_H
#define C2OP_CPU_DISPATCH_H

#include <stddef.h>

#include "cpu/kernels.h"

typedef enum {
  C2OP__UNARY_COPY = 0,     /* y = x, any element size */
  C2OP__UNARY_NEG_INT = 1,  /* y = 0 - x modulo 2^bits, per lane */
  C2OP__UNARY_NEG_FLOAT = 2, /* y = x with each lane's sign bit flipped */
  C2OP__UNARY_ADD_INT = 3,   /* y += x modulo 2^bits, per lane */
  C2OP__UNARY_ADD_FLOAT = 4, /* y += x in float32/float64 lanes (4 or 8 bytes) */
  C2OP__UNARY_ADD_HALF = 5,  /* y += x in float16 lanes */
  C2OP__UNARY_ADD_BFLOAT = 6 /* y += x in bfloat16 lanes */
} c2op__unary_op;

/* The kernel for `op` on lanes of `lane_bytes` (1, 2, 4 or 8; ignored for
 * copy); NULL when there is none. */
const c2op__unary_kernel *c2op__cpu_unary_kernel(c2op__unary_op op, size_t lane_bytes);

#endif
