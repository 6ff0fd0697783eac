/* tensor.h - DLTensor validation, formatting and elementwise plans
 * (internal, device-agnostic).
 *
 * An elementwise op y = f(x) is prepared in three steps, all before y is
 * written: check each tensor's structure, check that x and y agree, then
 * build a plan: the layout with size-1 dims dropped, y's negative strides
 * flipped (in x too), dims sorted by y's stride and contiguous dims merged,
 * y proven free of self-overlap, and x/y overlap classified. */
#ifndef C2OP_CORE_TENSOR_H
#define C2OP_CORE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "c2op.h"

/* Where a tensor's memory lives, as far as dispatch is concerned. */
typedef enum {
  C2OP__DEVICE_HOST = 0, /* kDLCPU, kDLCUDAHost */
  C2OP__DEVICE_CUDA = 1, /* kDLCUDA */
  C2OP__DEVICE_OTHER = 2 /* anything else: unsupported */
} c2op__device_class;

c2op__device_class c2op__device_class_of(DLDevice device);

/* Human-readable names for messages. */
void c2op__format_dtype(DLDataType dtype, char *buf, size_t size);
void c2op__format_shape(int32_t ndim, const int64_t *shape, char *buf, size_t size);
void c2op__format_device(DLDevice device, char *buf, size_t size);

/* Element size in bytes when bits * lanes is a positive multiple of 8, else 0. */
size_t c2op__dtype_size(DLDataType dtype);

/* Checks one tensor's structure: not NULL, ndim in range, shape present and
 * non-negative, element count within int64. Names the tensor `name` in
 * messages. Writes the element count. */
c2op_status c2op__check_tensor(const DLTensor *t, const char *name, int64_t *numel_out);

/* c2op__check_tensor, then for a tensor with elements: data not NULL, and
 * its elements of `elem_size` bytes within the address space (what a pass
 * reading it checks, with `name` in the messages). */
c2op_status c2op__check_extent(const DLTensor *t, const char *name, size_t elem_size);

/* The x/y agreement checks of an elementwise op: both structurally valid,
 * same device class (host/CUDA) and device, same dtype, same shape. */
c2op_status c2op__check_same(const DLTensor *x, const char *xname, const DLTensor *y,
                             const char *yname);

/* How an elementwise pass over x and y runs. Dims are innermost first;
 * strides are in elements; x and y point at the element with index 0 in
 * every (possibly flipped) dim. */
typedef struct {
  int32_t ndim;                 /* >= 1 */
  int64_t shape[C2OP_MAX_NDIM]; /* all > 1, except a single dim of 1 */
  int64_t xs[C2OP_MAX_NDIM];
  int64_t ys[C2OP_MAX_NDIM];
  const char *x;
  char *y;
  size_t elem_size;
  int64_t numel;
  int inplace; /* y describes exactly x's elements */
  int overlap; /* x and y memory overlap otherwise: read x in full first */
} c2op__plan;

/* A dense pass: x and y as `numel` contiguous elements each, from these
 * addresses. Small, unlike a plan: the fast path of a call fills this and
 * leaves the plan (about 800 bytes of stack) untouched. */
typedef struct {
  const char *x;
  char *y;
  int64_t numel;
  size_t elem_size;
} c2op__span;

/* The one-dim plan of a span. */
void c2op__plan_of_span(const c2op__span *span, c2op__plan *plan);

/* A pass over rows: x and y as `rows` runs of `cols` contiguous elements,
 * each run `xpitch` (in x) and `ypitch` (in y) elements after the one
 * before (padded rows, a slice of columns). x and y are disjoint, or the
 * same elements (`inplace`). Small, like a span: the fast path fills it
 * and c2op__cpu_unary_rows runs the kernel over its rows without a plan. */
typedef struct {
  const char *x;
  char *y;
  int64_t rows, cols; /* both >= 2 */
  int64_t xpitch, ypitch;
  size_t elem_size;
  int inplace;
} c2op__rows;

/* The plan the general path builds for such rows (rows innermost-first). */
void c2op__plan_of_rows(const c2op__rows *rows, c2op__plan *plan);

/* Builds the plan for an elementwise pass from x to y (already checked with
 * c2op__check_same) with elements of `elem_size` bytes. Fails with
 * C2OP_ERR_OVERLAP when y's elements may overlap each other,
 * C2OP_ERR_NULL_POINTER for NULL data, C2OP_ERR_OVERFLOW for extents that
 * do not fit the address space. */
c2op_status c2op__plan_unary(const DLTensor *x, const char *xname, DLTensor *y,
                             const char *yname, size_t elem_size, c2op__plan *plan);

/* A pass whose x and y partly overlap, split in two through `scratch`, a
 * dense buffer of the plan's elements in its dim order: *to copies x into
 * scratch, *from runs from scratch to y (what every backend does then). */
void c2op__plan_through_scratch(const c2op__plan *plan, char *scratch, c2op__plan *to,
                                c2op__plan *from);

/* Sum's output on its own, before anything else: y's extent and that it
 * does not overlap itself (errors name "outputs[0]"), then the bytes of a
 * compact accumulator of y's `numel` elements of `elem` bytes (checked
 * against size_t). Both backends call it first, so that a bad y is
 * reported as y whatever else is wrong. */
c2op_status c2op__sum_output_bytes(DLTensor *y, int64_t numel, size_t elem, size_t *bytes);

/* Sum's passes over tensors already checked alike: plans[i] (i < n) takes
 * inputs[i] into `acc`, a compact buffer of y's shape and dtype (the first
 * copies, the others add), plans[n] copies acc to y. Every plan is built
 * before anything runs, so a layout error leaves y untouched. */
c2op_status c2op__plan_sum(int32_t n, const DLTensor *const *inputs, DLTensor *y, void *acc,
                           c2op__plan *plans);

#endif
