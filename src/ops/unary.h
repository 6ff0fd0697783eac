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

/* An elementwise op's entry point, as the ops' public _ex functions are. */
typedef c2op_status (*c2op__unary_entry)(const c2op_context *ctx, const DLTensor *x,
                                         DLTensor *y);

/* The body of every registry kernel of a one-input, one-output op: checks
 * the counts and that both tensors are in `device`'s memory, then calls
 * `entry(ctx, inputs[0], outputs[0])`. */
c2op_status c2op__unary_registry_run(const char *op, c2op_device_type device,
                                     c2op__unary_entry entry, const c2op_context *ctx,
                                     int32_t num_inputs, const DLTensor *const *inputs,
                                     int32_t num_outputs, DLTensor *const *outputs);

/* Common gradient maker of Negative and NegateGradient (Caffe2's
 * GetNegativeGradient / GetNegateGradientGradient): one op
 * Negative(Y_grad) -> X_grad. */
c2op_status c2op__gradient_negative_of_output(const c2op_op_def *forward,
                                              const char *const *output_grads,
                                              c2op_gradient *gradient);

#endif
