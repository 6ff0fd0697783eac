/* negate_gradient.c - the NegateGradient op (gradient reversal layer):
 * forward y = x, backward X_grad = -Y_grad. */
#include "core/error.h"
#include "core/fast_path.h"
#include "core/tensor.h"
#include "cpu/dispatch.h"
#include "cpu/unary_cpu.h"
#include "ops/ops.h"
#include "ops/unary.h"

/* Everything the fast path does not take (as in negative.c). */
__attribute__((noinline)) static c2op_status negate_gradient_general(const c2op_context *ctx,
                                                                     const DLTensor *x,
                                                                     DLTensor *y) {
  C2OP_TRY(c2op__check_same(x, "x", y, "y"));
  if (c2op__dtype_size(x->dtype) == 0) {
    char buf[64];
    c2op__format_dtype(x->dtype, buf, sizeof buf);
    return c2op__error(C2OP_ERR_UNSUPPORTED_DTYPE,
                       "x: NegateGradient cannot copy dtype %s: its elements are not a whole "
                       "number of bytes",
                       buf);
  }
  return c2op__unary_run(ctx, x, y, C2OP__UNARY_COPY, 0);
}

/* Padded rows and slices of columns (C2OP__FAST_ROWS), out of line (see
 * c2op__plan_fast), else the general path. */
__attribute__((noinline)) static c2op_status negate_gradient_rows(const c2op_context *ctx,
                                                                  const DLTensor *x, DLTensor *y,
                                                                  size_t elem_size) {
  c2op__rows rows;
  const c2op__unary_kernel *copy = c2op__cpu_unary_kernel(C2OP__UNARY_COPY, 0);
  if (copy && c2op__rows_of(x, y, elem_size, &rows))
    return rows.inplace ? C2OP_OK : c2op__cpu_unary_rows(ctx, &rows, copy); /* nothing to copy */
  return negate_gradient_general(ctx, x, y);
}

/* What c2op_negate_gradient_ex's direct path does not take: the other
 * common cases (c2op__plan_fast), then the general checks and plan. */
__attribute__((noinline)) static c2op_status
negate_gradient_planned(const c2op_context *ctx, const DLTensor *x, DLTensor *y) {
  c2op__span span;
  size_t elem_size;
  const int fast = c2op__plan_fast(x, y, &span, &elem_size);
  if (fast == C2OP__FAST_SPAN) {
    if (span.x == span.y) return C2OP_OK; /* nothing to copy */
    const c2op__unary_kernel *copy = c2op__cpu_unary_kernel(C2OP__UNARY_COPY, 0);
    if (copy) return c2op__cpu_unary_span(ctx, &span, copy);
  }
  if (fast == C2OP__FAST_ROWS) return negate_gradient_rows(ctx, x, y, elem_size);
  return negate_gradient_general(ctx, x, y);
}

/* What c2op__fast_direct (or c2op__fast_direct_nd) found, carried out. */
static inline c2op_status negate_gradient_direct(const c2op_context *ctx, const DLTensor *x,
                                                 DLTensor *y, int fast, const c2op__span *span) {
  /* (the copy kernel of every ISA: c2op__cpu_unary_kernel_isa) */
  if (fast == C2OP__FAST_SPAN) {
    if (span->x != span->y)
      c2op__copy__scalar.contig(span->x, span->y, span->numel, span->elem_size);
    return C2OP_OK;
  }
  if (fast == C2OP__FAST_SPAN_PLANNED)
    return span->x == span->y ? C2OP_OK /* nothing to copy */
                              : c2op__cpu_unary_span_planned(ctx, span->x, span->y, span->numel,
                                                             span->elem_size, &c2op__copy__scalar);
  if (fast == C2OP__FAST_ROWS) return negate_gradient_rows(ctx, x, y, span->elem_size);
  return negate_gradient_planned(ctx, x, y);
}

/* The direct path for more than C2OP__DIRECT_MAX_DIMS dims, out of line. */
__attribute__((noinline)) static c2op_status
negate_gradient_more_dims(const c2op_context *ctx, const DLTensor *x, DLTensor *y) {
  c2op__span span;
  return negate_gradient_direct(ctx, x, y, c2op__fast_direct_nd(x, y, &span), &span);
}

c2op_status c2op_negate_gradient_ex(const c2op_context *ctx, const DLTensor *x, DLTensor *y) {
  c2op__clear_error();
  /* The common cases (as in c2op_negative_ex) skip the general checks and
   * planning; the result is the same. */
  if (x && y && (uint32_t)x->ndim > C2OP__DIRECT_MAX_DIMS)
    return negate_gradient_more_dims(ctx, x, y);
  c2op__span span;
  const int fast = x && y ? c2op__fast_direct(x, y, &span) : C2OP__FAST_NONE;
  return negate_gradient_direct(ctx, x, y, fast, &span);
}

c2op_status c2op_negate_gradient(const DLTensor *x, DLTensor *y) {
  return c2op_negate_gradient_ex(NULL, x, y);
}

/* Registry kernels: the same entry point, each insisting on its device. */
static c2op_status negate_gradient_cpu_kernel(const c2op_context *ctx, int32_t num_inputs,
                                              const DLTensor *const *inputs, int32_t num_outputs,
                                              DLTensor *const *outputs) {
  return c2op__unary_registry_run("NegateGradient", C2OP_DEVICE_CPU, c2op_negate_gradient_ex, ctx,
                                  num_inputs, inputs, num_outputs, outputs);
}

#ifdef C2OP_HAVE_CUDA
static c2op_status negate_gradient_cuda_kernel(const c2op_context *ctx, int32_t num_inputs,
                                               const DLTensor *const *inputs, int32_t num_outputs,
                                               DLTensor *const *outputs) {
  return c2op__unary_registry_run("NegateGradient", C2OP_DEVICE_CUDA, c2op_negate_gradient_ex, ctx,
                                  num_inputs, inputs, num_outputs, outputs);
}
#define NEGATE_GRADIENT_CUDA_KERNEL negate_gradient_cuda_kernel
#else
#define NEGATE_GRADIENT_CUDA_KERNEL NULL
#endif

static const c2op_inplace_pair negate_gradient_inplace[] = {{0, 0}};
static const char *const negate_gradient_input_names[] = {"X"};
static const char *const negate_gradient_input_docs[] = {"Input tensor (any shape and dtype)."};
static const char *const negate_gradient_output_names[] = {"Y"};
static const char *const negate_gradient_output_docs[] = {
    "Output tensor: a copy of X (the same buffer when run in place)."};

static const c2op_op_schema negate_gradient_schema = {
    .name = "NegateGradient",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .inplace = negate_gradient_inplace,
    .num_inplace = 1,
    .infer = c2op_infer_identical,
    .inference_name = "IdenticalTypeAndShape",
    .onnx_name = NULL,
    .onnx_note = "No ONNX op: at inference the forward pass is ONNX Identity; ONNX has no "
                 "gradient-reversal op",
    .dtypes = NULL,
    .num_dtypes = 0,
    .doc = "The gradient reversal layer of domain-adversarial training. Forward: Y = X, a "
           "copy (no copy at all in place). Backward: X_grad = -Y_grad, so the layers "
           "before it are trained to fool what comes after.",
    .input_names = negate_gradient_input_names,
    .input_docs = negate_gradient_input_docs,
    .output_names = negate_gradient_output_names,
    .output_docs = negate_gradient_output_docs,
};

const c2op__op_entry c2op__negate_gradient_op = {
    .schema = &negate_gradient_schema,
    .cpu_kernel = negate_gradient_cpu_kernel,
    .cuda_kernel = NEGATE_GRADIENT_CUDA_KERNEL,
    .gradient = c2op__gradient_negative_of_output,
};
