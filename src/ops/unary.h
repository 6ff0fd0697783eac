/* unary.h - the glue every elementwise op shares (internal): validate x and
 * y, plan the pass, dispatch by device. */
#ifndef C2OP_OPS_UNARY_H
#define C2OP_OPS_UNARY_H

#include "c2op.h"
#include "cpu/dispatch.h"

/* Runs y = op(x) with lanes of `lane_bytes`, after checking x and y agree
 * (shape, dtype, device) and planning the pass. The dtype must already be
 * known to suit the op. */
c2op_status c2op__unary_run(const c2op_context *ctx, const DLTensor *x, DLTensor *y,
                            c2op__unary_op op, size_t lane_bytes);

/* The common part of a registry kernel for a one-input, one-output op:
 * checks the counts and that both tensors are on `device`'s memory, and
 * hands back x and y. */
c2op_status c2op__unary_kernel_adapter(const char *op, c2op_device_type device,
                                       int32_t num_inputs, const DLTensor *const *inputs,
                                       int32_t num_outputs, DLTensor *const *outputs,
                                       const DLTensor **x, DLTensor **y);

/* Common gradient maker of Negative and NegateGradient (Caffe2's
 * GetNegativeGradient / GetNegateGradientGradient): one op
 * Negative(Y_grad) -> X_grad. */
c2op_status c2op__gradient_negative_of_output(const c2op_op_def *forward,
                                              const char *const *output_grads,
                                              c2op_gradient *gradient);

#endif
