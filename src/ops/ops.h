/* ops.h - the built-in ops (internal). Each op lives in its own file and
 * exports one entry; op_table.c lists them. Adding an op: write its file,
 * add one line to op_table.c. */
#ifndef C2OP_OPS_OPS_H
#define C2OP_OPS_OPS_H

#include "c2op.h"

typedef struct {
  const c2op_op_schema *schema;
  c2op_kernel_fn cpu_kernel;       /* NULL: none */
  c2op_kernel_fn cuda_kernel;      /* NULL: none (or a build without CUDA) */
  c2op_gradient_maker gradient;    /* NULL: the op has no gradient */
} c2op__op_entry;

extern const c2op__op_entry c2op__negative_op;
extern const c2op__op_entry c2op__negate_gradient_op;
extern const c2op__op_entry c2op__sum_op;

/* The built-in ops, in registration order, and how many there are. */
extern const c2op__op_entry *const c2op__builtin_ops[];
extern const int32_t c2op__num_builtin_ops;

#endif
