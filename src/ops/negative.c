/* negative.c - the Negative op: y = -x (ONNX Neg). */
#include <pthread.h>
#include <stdatomic.h>

#include "core/error.h"
#include "core/fast_path.h"
#include "core/tensor.h"
#include "cpu/unary_cpu.h"
#include "ops/ops.h"
#include "ops/unary.h"

/* What negating `dtype` means: integer wrap or sign flip, on which lanes.
 * Returns 0 for a dtype Negative does not support. No message: this runs
 * on every call, and formatting costs more than a small tensor's work. */
static int negative_classify(DLDataType dtype, c2op__unary_op *op, size_t *lane_bytes) {
  if (dtype.lanes != 1) return 0;
  switch (dtype.code) {
  case kDLInt:
  case kDLUInt:
    if (dtype.bits == 8 || dtype.bits == 16 || dtype.bits == 32 || dtype.bits == 64) {
      *op = C2OP__UNARY_NEG_INT;
      *lane_bytes = dtype.bits / 8;
      return 1;
    }
    return 0;
  case kDLFloat:
    if (dtype.bits == 16 || dtype.bits == 32 || dtype.bits == 64) {
      *op = C2OP__UNARY_NEG_FLOAT;
      *lane_bytes = dtype.bits / 8;
      return 1;
    }
    return 0;
  case kDLBfloat:
    if (dtype.bits == 16) {
      *op = C2OP__UNARY_NEG_FLOAT;
      *lane_bytes = 2;
      return 1;
    }
    return 0;
  case kDLComplex:
    if (dtype.bits == 64 || dtype.bits == 128) {
      *op = C2OP__UNARY_NEG_FLOAT;
      *lane_bytes = dtype.bits / 16; /* both parts flip */
      return 1;
    }
    return 0;
  default: return 0;
  }
}

/* negative_classify, or the message that says why not. */
static c2op_status negative_semantics(DLDataType dtype, const char *name, c2op__unary_op *op,
                                      size_t *lane_bytes) {
  if (negative_classify(dtype, op, lane_bytes)) return C2OP_OK;
  char buf[64];
  c2op__format_dtype(dtype, buf, sizeof buf);
  C2OP_RETURN_IF(dtype.code == C2OP_DL_BOOL, C2OP_ERR_UNSUPPORTED_DTYPE,
                 "%s: Negative does not support dtype %s; to invert booleans use logical not "
                 "(y = !x)",
                 name, buf);
  C2OP_RETURN_IF(dtype.lanes != 1, C2OP_ERR_UNSUPPORTED_DTYPE,
                 "%s: Negative does not support vector dtype %s (lanes must be 1)", name, buf);
  return c2op__error(C2OP_ERR_UNSUPPORTED_DTYPE,
                     "%s: Negative does not support dtype %s (supported: int8-64, uint8-64, "
                     "float16, bfloat16, float32, float64, complex64, complex128)",
                     name, buf);
}

/* The CPU kernel for each supported dtype, by type code (0-7) and width in
 * bytes (bits / 8, 1 to 31; NULL where Negative has no kernel), filled
 * once from the ISA in use. Every call looks its kernel up here. The
 * entries point at static const kernels, so a relaxed load of one is
 * enough; the fast path reads them without waiting for the fill, and a
 * NULL it meets (unsupported, or not filled yet) sends the call on to the
 * full plan, which fills the table first. */
enum { FAST_CODES = 8, FAST_WIDTHS = 32 };
static _Atomic(const c2op__unary_kernel *) fast_kernels[FAST_CODES][FAST_WIDTHS];
static pthread_once_t fast_kernels_once = PTHREAD_ONCE_INIT;
static _Atomic int fast_kernels_ready;

static void fill_fast_kernels(void) {
  for (int code = 0; code < FAST_CODES; code++) {
    for (int w = 1; w < FAST_WIDTHS; w++) {
      const DLDataType dt = {(uint8_t)code, (uint8_t)(8 * w), 1};
      c2op__unary_op op;
      size_t lane_bytes;
      if (negative_classify(dt, &op, &lane_bytes))
        atomic_store_explicit(&fast_kernels[code][w], c2op__cpu_unary_kernel(op, lane_bytes),
                              memory_order_relaxed);
    }
  }
  atomic_store_explicit(&fast_kernels_ready, 1, memory_order_release);
}

/* The table's entry for dt, without filling it: NULL for a dtype of
 * another shape (vector lanes, an unknown code, bits not whole bytes). */
static inline const c2op__unary_kernel *fast_kernel_entry(DLDataType dt) {
  if (dt.lanes != 1 || dt.code >= FAST_CODES || (dt.bits & 7) != 0) return NULL;
  return atomic_load_explicit(&fast_kernels[dt.code][dt.bits >> 3], memory_order_relaxed);
}

static const c2op__unary_kernel *fast_kernel(DLDataType dt) {
  if (!atomic_load_explicit(&fast_kernels_ready, memory_order_acquire))
    pthread_once(&fast_kernels_once, fill_fast_kernels);
  return fast_kernel_entry(dt);
}

/* Everything the fast path does not take: the full checks, which say what
 * is wrong, then the general plan. */
__attribute__((noinline)) static c2op_status negative_general(const c2op_context *ctx,
                                                              const DLTensor *x, DLTensor *y) {
  C2OP_TRY(c2op__check_same(x, "x", y, "y"));
  c2op__unary_op op = C2OP__UNARY_COPY;
  size_t lane_bytes = 0;
  C2OP_TRY(negative_semantics(x->dtype, "x", &op, &lane_bytes));
  return c2op__unary_run(ctx, x, y, op, lane_bytes);
}

/* Padded rows and slices of columns (C2OP__FAST_ROWS), out of line (see
 * c2op__plan_fast), else the general path. */
__attribute__((noinline)) static c2op_status negative_rows(const c2op_context *ctx,
                                                           const DLTensor *x, DLTensor *y,
                                                           size_t elem_size) {
  c2op__rows rows;
  const c2op__unary_kernel *kernel = fast_kernel(x->dtype);
  if (kernel && c2op__rows_of(x, y, elem_size, &rows))
    return c2op__cpu_unary_rows(ctx, &rows, kernel);
  return negative_general(ctx, x, y);
}

/* What c2op_negative_ex's direct path does not take: the other common
 * cases (c2op__plan_fast), then the general checks and plan. */
__attribute__((noinline)) static c2op_status negative_planned(const c2op_context *ctx,
                                                              const DLTensor *x, DLTensor *y) {
  c2op__span span;
  size_t elem_size;
  const int fast = c2op__plan_fast(x, y, &span, &elem_size);
  const c2op__unary_kernel *kernel;
  if (fast == C2OP__FAST_SPAN && (kernel = fast_kernel(x->dtype)) != NULL)
    return c2op__cpu_unary_span(ctx, &span, kernel);
  if (fast == C2OP__FAST_ROWS) return negative_rows(ctx, x, y, elem_size);
  return negative_general(ctx, x, y);
}

/* What c2op__fast_direct (or c2op__fast_direct_nd) found, carried out. */
static inline c2op_status negative_direct(const c2op_context *ctx, const DLTensor *x, DLTensor *y,
                                          int fast, const c2op__span *span) {
  const c2op__unary_kernel *kernel;
  if (fast == C2OP__FAST_SPAN && (kernel = fast_kernel_entry(x->dtype)) != NULL) {
    kernel->contig(span->x, span->y, span->numel, span->elem_size);
    return C2OP_OK;
  }
  if (fast == C2OP__FAST_SPAN_PLANNED && (kernel = fast_kernel_entry(x->dtype)) != NULL)
    return c2op__cpu_unary_span_planned(ctx, span->x, span->y, span->numel, span->elem_size,
                                        kernel);
  if (fast == C2OP__FAST_ROWS) return negative_rows(ctx, x, y, span->elem_size);
  return negative_planned(ctx, x, y);
}

/* The direct path for more than C2OP__DIRECT_MAX_DIMS dims, out of line. */
__attribute__((noinline)) static c2op_status negative_more_dims(const c2op_context *ctx,
                                                                const DLTensor *x, DLTensor *y) {
  c2op__span span;
  return negative_direct(ctx, x, y, c2op__fast_direct_nd(x, y, &span), &span);
}

c2op_status c2op_negative_ex(const c2op_context *ctx, const DLTensor *x, DLTensor *y) {
  c2op__clear_error();
  /* The common cases skip the general checks and planning, which would
   * cost more than a small tensor's work; the result is the same. Dense
   * tensors with the fewest checks (docs/PERFORMANCE.md, "Call overhead"):
   * small ones straight to the kernel, larger ones to the driver without a
   * plan; then padded rows; then the rest. More than 3 dims leave first,
   * before the entry point needs any register it must save
   * (C2OP__DIRECT_MAX_DIMS). */
  if (x && y && (uint32_t)x->ndim > C2OP__DIRECT_MAX_DIMS) return negative_more_dims(ctx, x, y);
  c2op__span span;
  const int fast = x && y ? c2op__fast_direct(x, y, &span) : C2OP__FAST_NONE;
  return negative_direct(ctx, x, y, fast, &span);
}

c2op_status c2op_negative(const DLTensor *x, DLTensor *y) {
  return c2op_negative_ex(NULL, x, y);
}

/* Registry kernels: the same entry point, each insisting on its device. */
static c2op_status negative_cpu_kernel(const c2op_context *ctx, int32_t num_inputs,
                                       const DLTensor *const *inputs, int32_t num_outputs,
                                       DLTensor *const *outputs) {
  return c2op__unary_registry_run("Negative", C2OP_DEVICE_CPU, c2op_negative_ex, ctx, num_inputs,
                                  inputs, num_outputs, outputs);
}

#ifdef C2OP_HAVE_CUDA
static c2op_status negative_cuda_kernel(const c2op_context *ctx, int32_t num_inputs,
                                        const DLTensor *const *inputs, int32_t num_outputs,
                                        DLTensor *const *outputs) {
  return c2op__unary_registry_run("Negative", C2OP_DEVICE_CUDA, c2op_negative_ex, ctx, num_inputs,
                                  inputs, num_outputs, outputs);
}
#define NEGATIVE_CUDA_KERNEL negative_cuda_kernel
#else
#define NEGATIVE_CUDA_KERNEL NULL
#endif

static const DLDataType negative_dtypes[] = {
    {kDLInt, 8, 1},      {kDLInt, 16, 1},      {kDLInt, 32, 1},   {kDLInt, 64, 1},
    {kDLUInt, 8, 1},     {kDLUInt, 16, 1},     {kDLUInt, 32, 1},  {kDLUInt, 64, 1},
    {kDLFloat, 16, 1},   {kDLBfloat, 16, 1},   {kDLFloat, 32, 1}, {kDLFloat, 64, 1},
    {kDLComplex, 64, 1}, {kDLComplex, 128, 1},
};
static const c2op_inplace_pair negative_inplace[] = {{0, 0}};
static const char *const negative_input_names[] = {"X"};
static const char *const negative_input_docs[] = {"Input tensor (any shape, numeric dtype)."};
static const char *const negative_output_names[] = {"Y"};
static const char *const negative_output_docs[] = {
    "Output tensor: the elementwise negation of X, same shape and dtype."};

static const c2op_op_schema negative_schema = {
    .name = "Negative",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .inplace = negative_inplace,
    .num_inplace = 1,
    .infer = c2op_infer_identical,
    .inference_name = "IdenticalTypeAndShape",
    .onnx_name = "Neg",
    .onnx_note = "ONNX Neg (opset 13 allows float, double, float16, bfloat16, int8-64; c2op "
                 "also takes unsigned and complex dtypes)",
    .dtypes = negative_dtypes,
    .num_dtypes = (int32_t)(sizeof negative_dtypes / sizeof negative_dtypes[0]),
    .doc = "Computes the elementwise negation Y = -X. Signed integers wrap like two's "
           "complement (-INT_MIN == INT_MIN), unsigned integers negate modulo 2^bits, "
           "floating-point and complex values flip their sign bit (IEEE negate: -(+0.0) is "
           "-0.0, NaN payloads are kept). Runs in place when Y is X.",
    .input_names = negative_input_names,
    .input_docs = negative_input_docs,
    .output_names = negative_output_names,
    .output_docs = negative_output_docs,
};

const c2op__op_entry c2op__negative_op = {
    .schema = &negative_schema,
    .cpu_kernel = negative_cpu_kernel,
    .cuda_kernel = NEGATIVE_CUDA_KERNEL,
    .gradient = c2op__gradient_negative_of_output,
};
