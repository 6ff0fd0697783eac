/* registry.h - the op registry's internal view: one table of records, each
 * holding an op's schema, its kernels per device and its gradient maker. */
#ifndef C2OP_FRAMEWORK_REGISTRY_H
#define C2OP_FRAMEWORK_REGISTRY_H

#include "c2op.h"

/* Looks up everything registered for `op` in one go (under one lock). Any of
 * the out pointers may be NULL. C2OP_ERR_NOT_FOUND (message names the op)
 * when the op has no schema. */
c2op_status c2op__registry_get(const char *op, const c2op_op_schema **schema_out,
                               c2op_kernel_fn kernels_out[2], c2op_gradient_maker *gradient_out);

/* "CPU" or "CUDA" (or "device N"). */
const char *c2op__device_type_name(int32_t device_type);

#endif
