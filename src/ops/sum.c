/* sum.c - the Sum op: Y = X0 + X1 + ... (same shape and dtype, no
 * broadcasting). Backward nets use it to add the gradient contributions of a
 * blob read by several ops. It has no gradient of its own in c2op. Kernels
 * for the CPU and, in builds with CUDA, for CUDA (the same semantics bit for
 * bit; src/cuda/elementwise.cuh). */
#include <stdio.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/tensor.h"
#include "cpu/dispatch.h"
#include "cpu/unary_cpu.h"
#include "ops/ops.h"
#ifdef C2OP_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

static c2op_status sum_semantics(DLDataType dtype, c2op__unary_op *op, size_t *lane_bytes) {
  char buf[64];
  c2op__format_dtype(dtype, buf, sizeof buf);
  if (dtype.lanes == 1) {
    switch (dtype.code) {
    case kDLInt:
    case kDLUInt:
      if (dtype.bits == 8 || dtype.bits == 16 || dtype.bits == 32 || dtype.bits == 64) {
        *op = C2OP__UNARY_ADD_INT;
        *lane_bytes = dtype.bits / 8;
        return C2OP_OK;
      }
      break;
    case kDLFloat:
      if (dtype.bits == 16) {
        *op = C2OP__UNARY_ADD_HALF;
        *lane_bytes = 2;
        return C2OP_OK;
      }
      if (dtype.bits == 32 || dtype.bits == 64) {
        *op = C2OP__UNARY_ADD_FLOAT;
        *lane_bytes = dtype.bits / 8;
        return C2OP_OK;
      }
      break;
    case kDLBfloat:
      if (dtype.bits == 16) {
        *op = C2OP__UNARY_ADD_BFLOAT;
        *lane_bytes = 2;
        return C2OP_OK;
      }
      break;
    case kDLComplex:
      if (dtype.bits == 64 || dtype.bits == 128) {
        *op = C2OP__UNARY_ADD_FLOAT;
        *lane_bytes = dtype.bits / 16;
        return C2OP_OK;
      }
      break;
    default: break;
    }
  }
  return c2op__error(C2OP_ERR_UNSUPPORTED_DTYPE, "inputs[0]: Sum does not support dtype %s",
                     buf);
}

/* The checks both kernels make first: the counts, and every input and the
 * output alike (structure, device, dtype, shape). */
static c2op_status sum_check_alike(int32_t num_inputs, const DLTensor *const *inputs,
                                   int32_t num_outputs, DLTensor *const *outputs) {
  C2OP_RETURN_IF(num_inputs < 1 || num_outputs != 1, C2OP_ERR_SCHEMA_VIOLATION,
                 "Sum: takes 1 or more inputs and 1 output, got %d and %d", (int)num_inputs,
                 (int)num_outputs);
  C2OP_RETURN_IF(!inputs, C2OP_ERR_NULL_POINTER, "Sum: inputs is NULL");
  C2OP_RETURN_IF(!outputs, C2OP_ERR_NULL_POINTER, "Sum: outputs is NULL");
  char name[32];
  for (int32_t i = 1; i < num_inputs; i++) {
    snprintf(name, sizeof name, "inputs[%d]", (int)i);
    C2OP_TRY(c2op__check_same(inputs[0], "inputs[0]", inputs[i], name));
  }
  return c2op__check_same(inputs[0], "inputs[0]", outputs[0], "outputs[0]");
}

static c2op_status sum_cpu_kernel(const c2op_context *ctx, int32_t num_inputs,
                                  const DLTensor *const *inputs, int32_t num_outputs,
                                  DLTensor *const *outputs) {
  c2op__clear_error();
  C2OP_TRY(sum_check_alike(num_inputs, inputs, num_outputs, outputs));
  DLTensor *y = outputs[0];
  C2OP_RETURN_IF(c2op__device_class_of(y->device) != C2OP__DEVICE_HOST,
                 C2OP_ERR_UNSUPPORTED_DEVICE, "outputs[0]: the Sum CPU kernel needs host memory");
  c2op__unary_op add = C2OP__UNARY_COPY;
  size_t lane_bytes = 0;
  C2OP_TRY(sum_semantics(y->dtype, &add, &lane_bytes));
  int64_t numel;
  C2OP_TRY(c2op__check_tensor(y, "outputs[0]", &numel));
  const size_t elem = c2op__dtype_size(y->dtype);
  /* y's own layout first, so that a bad y is reported as such and not as
   * the accumulator it would need. */
  size_t acc_bytes;
  C2OP_TRY(c2op__sum_output_bytes(y, numel, elem, &acc_bytes));

  /* Accumulate into a compact scratch tensor, then copy to y: inputs may
   * alias y (in place) or each other. */
  char *acc = c2op__malloc(acc_bytes);
  C2OP_RETURN_IF(!acc, C2OP_ERR_OUT_OF_MEMORY, "Sum: out of memory for %lld elements",
                 (long long)numel);
  c2op__plan *plans = c2op__malloc(((size_t)num_inputs + 1) * sizeof *plans);
  c2op_status s = plans ? c2op__plan_sum(num_inputs, inputs, y, acc, plans)
                        : c2op__error(C2OP_ERR_OUT_OF_MEMORY, "Sum: out of memory for plans");
  if (s == C2OP_OK) {
    const c2op__unary_kernel *k = c2op__cpu_unary_kernel(add, lane_bytes);
    c2op__cpu_unary(ctx, &plans[0], c2op__cpu_unary_kernel(C2OP__UNARY_COPY, 0));
    for (int32_t i = 1; i < num_inputs; i++) c2op__cpu_unary(ctx, &plans[i], k);
    c2op__cpu_unary(ctx, &plans[num_inputs], c2op__cpu_unary_kernel(C2OP__UNARY_COPY, 0));
  }
  c2op__free(plans);
  c2op__free(acc);
  return s;
}

#ifdef C2OP_HAVE_CUDA
/* The CUDA kernel: the CPU kernel's checks, with CUDA memory; then every
 * tensor's pointer is checked against the device before the backend plans
 * and runs the sum on the context's stream (c2op__cuda_sum). */
static c2op_status sum_cuda_kernel(const c2op_context *ctx, int32_t num_inputs,
                                   const DLTensor *const *inputs, int32_t num_outputs,
                                   DLTensor *const *outputs) {
  c2op__clear_error();
  C2OP_TRY(sum_check_alike(num_inputs, inputs, num_outputs, outputs));
  DLTensor *y = outputs[0];
  if (c2op__device_class_of(y->device) != C2OP__DEVICE_CUDA) {
    char dev[64];
    c2op__format_device(y->device, dev, sizeof dev);
    return c2op__error(C2OP_ERR_DEVICE_MISMATCH,
                       "outputs[0]: the tensor is on %s, but this is the Sum CUDA kernel", dev);
  }
  c2op__unary_op add = C2OP__UNARY_COPY;
  size_t lane_bytes = 0;
  C2OP_TRY(sum_semantics(y->dtype, &add, &lane_bytes));
  const int32_t device_id = y->device.device_id;
  char name[32];
  for (int32_t i = 0; i < num_inputs; i++) {
    snprintf(name, sizeof name, "inputs[%d]", (int)i);
    C2OP_TRY(c2op__cuda_check_tensor(inputs[i], name, device_id));
  }
  C2OP_TRY(c2op__cuda_check_tensor(y, "outputs[0]", device_id));
  return c2op__cuda_sum(ctx, device_id, num_inputs, inputs, y, add, lane_bytes);
}
#define SUM_CUDA_KERNEL sum_cuda_kernel
#else
#define SUM_CUDA_KERNEL NULL
#endif

static const DLDataType sum_dtypes[] = {
    {kDLInt, 8, 1},      {kDLInt, 16, 1},    {kDLInt, 32, 1},    {kDLInt, 64, 1},
    {kDLUInt, 8, 1},     {kDLUInt, 16, 1},   {kDLUInt, 32, 1},   {kDLUInt, 64, 1},
    {kDLFloat, 16, 1},   {kDLBfloat, 16, 1}, {kDLFloat, 32, 1},  {kDLFloat, 64, 1},
    {kDLComplex, 64, 1}, {kDLComplex, 128, 1},
};
static const c2op_inplace_pair sum_inplace[] = {{0, 0}};
static const char *const sum_input_names[] = {"X0"};
static const char *const sum_input_docs[] = {
    "First of one or more tensors of the same shape and dtype; later inputs are X1, X2, ..."};
static const char *const sum_output_names[] = {"Y"};
static const char *const sum_output_docs[] = {"The elementwise sum of the inputs."};

static const c2op_op_schema sum_schema = {
    .name = "Sum",
    .min_inputs = 1,
    .max_inputs = INT32_MAX,
    .min_outputs = 1,
    .max_outputs = 1,
    .inplace = sum_inplace,
    .num_inplace = 1,
    .infer = c2op_infer_identical,
    .inference_name = "IdenticalTypeAndShape",
    .onnx_name = "Sum",
    .onnx_note = "ONNX Sum without broadcasting",
    .dtypes = sum_dtypes,
    .num_dtypes = (int32_t)(sizeof sum_dtypes / sizeof sum_dtypes[0]),
    .doc = "Elementwise sum of one or more tensors of identical shape and dtype. Integers "
           "wrap modulo 2^bits; float16 and bfloat16 add in float32 and round once. Backward "
           "nets use it to add gradient contributions. c2op defines no gradient for it.",
    .input_names = sum_input_names,
    .input_docs = sum_input_docs,
    .output_names = sum_output_names,
    .output_docs = sum_output_docs,
};

const c2op__op_entry c2op__sum_op = {
    .schema = &sum_schema,
    .cpu_kernel = sum_cpu_kernel,
    .cuda_kernel = SUM_CUDA_KERNEL,
    .gradient = NULL,
};
