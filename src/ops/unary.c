/* unary.c - shared glue of the elementwise ops. */
#include "ops/unary.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/tensor.h"
#include "cpu/unary_cpu.h"
#ifdef C2OP_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

c2op_status c2op__unary_run(const c2op_context *ctx, const DLTensor *x, DLTensor *y,
                            c2op__unary_op op, size_t lane_bytes) {
  const int on_cuda = c2op__device_class_of(x->device) == C2OP__DEVICE_CUDA;
#ifndef C2OP_HAVE_CUDA
  C2OP_RETURN_IF(on_cuda, C2OP_ERR_UNSUPPORTED_DEVICE,
                 "x: device CUDA is not supported: c2op was built without CUDA");
#endif
  c2op__plan plan;
  C2OP_TRY(c2op__plan_unary(x, "x", y, "y", c2op__dtype_size(x->dtype), &plan));
#ifdef C2OP_HAVE_CUDA
  if (on_cuda) {
    C2OP_TRY(c2op__cuda_check(x, y, x->device.device_id));
    if (plan.inplace && op == C2OP__UNARY_COPY) return C2OP_OK; /* nothing to copy */
    return c2op__cuda_unary(ctx, &plan, x->device.device_id, op, lane_bytes);
  }
#endif
  if (plan.inplace && op == C2OP__UNARY_COPY) return C2OP_OK; /* nothing to copy */
  const c2op__unary_kernel *kernel = c2op__cpu_unary_kernel(op, lane_bytes);
  C2OP_RETURN_IF(!kernel, C2OP_ERR_INTERNAL, "no CPU kernel for op %d with %zu-byte lanes",
                 (int)op, lane_bytes);
  return c2op__cpu_unary(ctx, &plan, kernel);
}

c2op_status c2op__unary_registry_run(const char *op, c2op_device_type device,
                                     c2op__unary_entry entry, const c2op_context *ctx,
                                     int32_t num_inputs, const DLTensor *const *inputs,
                                     int32_t num_outputs, DLTensor *const *outputs) {
  c2op__clear_error();
  C2OP_RETURN_IF(num_inputs != 1 || num_outputs != 1, C2OP_ERR_SCHEMA_VIOLATION,
                 "%s: takes 1 input and 1 output, got %d and %d", op, (int)num_inputs,
                 (int)num_outputs);
  C2OP_RETURN_IF(!inputs, C2OP_ERR_NULL_POINTER, "%s: inputs is NULL", op);
  C2OP_RETURN_IF(!outputs, C2OP_ERR_NULL_POINTER, "%s: outputs is NULL", op);
  const c2op__device_class want =
      device == C2OP_DEVICE_CUDA ? C2OP__DEVICE_CUDA : C2OP__DEVICE_HOST;
  const char *names[2] = {"inputs[0]", "outputs[0]"};
  const DLTensor *t[2] = {inputs[0], outputs[0]};
  for (int i = 0; i < 2; i++) {
    C2OP_RETURN_IF(!t[i], C2OP_ERR_NULL_POINTER, "%s: %s is NULL", op, names[i]);
    if (c2op__device_class_of(t[i]->device) != want) {
      char dev[64];
      c2op__format_device(t[i]->device, dev, sizeof dev);
      return c2op__error(C2OP_ERR_DEVICE_MISMATCH, "%s: %s is on %s, but this is the %s kernel",
                         op, names[i], dev, device == C2OP_DEVICE_CUDA ? "CUDA" : "CPU");
    }
  }
  return entry(ctx, inputs[0], outputs[0]);
}

c2op_status c2op__gradient_negative_of_output(const c2op_op_def *forward,
                                              const char *const *output_grads,
                                              c2op_gradient *gradient) {
  C2OP_RETURN_IF(forward->num_inputs != 1 || forward->num_outputs != 1,
                 C2OP_ERR_SCHEMA_VIOLATION,
                 "%s: the gradient needs exactly 1 input and 1 output, the op has %d and %d",
                 forward->type, (int)forward->num_inputs, (int)forward->num_outputs);
  if (!output_grads[0]) return C2OP_OK; /* no gradient flows into Y */
  const char *in = forward->inputs[0];
  size_t n = strlen(in) + sizeof "_grad";
  char *x_grad = c2op__malloc(n);
  C2OP_RETURN_IF(!x_grad, C2OP_ERR_OUT_OF_MEMORY, "out of memory naming a gradient blob");
  snprintf(x_grad, n, "%s_grad", in);
  const char *ins[1] = {output_grads[0]};
  const char *outs[1] = {x_grad};
  c2op_op_def *def = NULL;
  c2op_status s = c2op_op_def_create("Negative", 1, ins, 1, outs, &def);
  if (s == C2OP_OK) s = c2op_gradient_add_op(gradient, forward, def);
  if (s == C2OP_OK) s = c2op_gradient_set_input_grad(gradient, 0, x_grad);
  c2op_op_def_destroy(def);
  c2op__free(x_grad);
  return s;
}
