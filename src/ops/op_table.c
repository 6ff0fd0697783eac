/* op_table.c - the one list of built-in ops. */
#include "ops/ops.h"

const c2op__op_entry *const c2op__builtin_ops[] = {
    &c2op__negative_op,
    &c2op__negate_gradient_op,
    &c2op__sum_op,
};

const int32_t c2op__num_builtin_ops =
    (int32_t)(sizeof c2op__builtin_ops / sizeof c2op__builtin_ops[0]);
