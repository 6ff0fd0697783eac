/* cuda_backend.h - what the CUDA backend offers the ops layer and the
 * workspace (internal; C linkage, implemented in .cu files).
 *
 * Everything here runs asynchronously on the given stream unless said
 * otherwise; errors of the CUDA runtime become C2OP_ERR_CUDA with CUDA's
 * message, a missing GPU or driver C2OP_ERR_NO_DEVICE. */
#ifndef C2OP_CUDA_CUDA_BACKEND_H
#define C2OP_CUDA_CUDA_BACKEND_H

#include <stddef.h>

#include "c2op.h"
#include "core/tensor.h"
#include "core/unary_op.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks that a CUDA device `device_id` exists and that x's and y's data
 * are memory that device can access (device or managed memory). */
c2op_status c2op__cuda_check(const DLTensor *x, const DLTensor *y, int32_t device_id);

/* Checks that a CUDA device `device_id` exists and that t's data is memory
 * that device can access; messages name the tensor `name`. */
c2op_status c2op__cuda_check_tensor(const DLTensor *t, const char *name, int32_t device_id);

/* Runs `op` over the plan on device `device_id`, on the context's stream
 * (NULL context: the default stream). Partial overlap goes through a
 * stream-ordered scratch copy of x. */
c2op_status c2op__cuda_unary(const c2op_context *ctx, const c2op__plan *plan, int32_t device_id,
                             c2op__unary_op op, size_t lane_bytes);

/* Sum: y = inputs[0] + ... + inputs[num_inputs - 1] with the ADD op `add`
 * in lanes of `lane_bytes`, on device `device_id` and the context's stream.
 * The caller has checked the tensors (same shape, dtype and device, device
 * pointers). When no input overlaps y the sum goes straight into y (the
 * first two inputs in one fused pass where they allow); otherwise (inputs
 * aliasing y) it is accumulated in a stream-ordered scratch buffer, then
 * copied to y. y's own layout is checked first, and every plan is built
 * before anything is launched, so layout errors leave y untouched and name
 * the tensor at fault. */
c2op_status c2op__cuda_sum(const c2op_context *ctx, int32_t device_id, int32_t num_inputs,
                           const DLTensor *const *inputs, DLTensor *y, c2op__unary_op add,
                           size_t lane_bytes);

/* Device memory for workspace blobs (synchronous). */
c2op_status c2op__cuda_malloc(int32_t device_id, size_t bytes, void **out);
void c2op__cuda_free(int32_t device_id, void *ptr);
/* Waits for all work queued on device `device_id`, on any stream. */
c2op_status c2op__cuda_synchronize(int32_t device_id);
/* Copies bytes between host and device or device and device, and waits for
 * the device first (so work queued on any stream is done). kind: 0 host to
 * device, 1 device to host, 2 device to device. */
c2op_status c2op__cuda_memcpy_sync(int32_t device_id, void *dst, const void *src, size_t bytes,
                                   int kind);

/* Test hooks (tests/test_cuda_host.c; no GPU needed). The backend's
 * planning and kernel bodies run on the host over host memory: every block
 * and thread of each launch in turn, malloc and memcpy standing in for the
 * stream-ordered CUDA calls. `*kernel` (when not NULL) receives the name of
 * the last kernel run: "vector32" ("vector" when its indices are 64-bit:
 * past 2^32 vectors, or C2OP_CUDA_INDEX32=0), "rows", "tiled", "strided",
 * "strided-bytewise", "memcpy" or "none" (Sum also "add2"). */
c2op_status c2op__cuda_emulate_unary(const c2op__plan *plan, c2op__unary_op op,
                                     size_t lane_bytes, const char **kernel);
/* `kernels` (when kernels_size > 0) receives the kernels run in order,
 * space-separated ("add2 vector", "memcpy vector memcpy"). */
c2op_status c2op__cuda_emulate_sum(int32_t num_inputs, const DLTensor *const *inputs,
                                   DLTensor *y, c2op__unary_op add, size_t lane_bytes,
                                   char *kernels, size_t kernels_size);
/* Whether the dense kernel would index a run of `lanes` lanes of
 * `lane_bytes` from address `start` in 32 bits (unless C2OP_CUDA_INDEX32=0):
 * 1 when every index and the vector count fit, else 0. */
int c2op__cuda_dense_index32(uintptr_t start, int64_t lanes, size_t lane_bytes);
/* Whether the dense kernel uses streaming (evict-first) accesses for a
 * tensor of `bytes`: 1 from C2OP_CUDA_STREAMING_MIN_BYTES to
 * C2OP_CUDA_STREAMING_MAX_BYTES (defaults 8 MiB and 128 MiB) in a build
 * that streams (C2OP_CUDA_VEC_HINT=1, the default). */
int c2op__cuda_dense_streams(int64_t bytes);
/* When the rows kernel takes the plan (lanes of `lane_bytes`): returns 1,
 * the byte offsets from plan->x and plan->y of row `row`'s first element,
 * the block shape (tx threads along a row, ty rows) and the lanes per
 * chunk of a row. Else returns 0. */
int c2op__cuda_rows_layout(const c2op__plan *plan, size_t lane_bytes, int64_t row,
                           int64_t *x_off, int64_t *y_off, int32_t *tx, int32_t *ty,
                           int64_t *chunk_lanes);

#ifdef __cplusplus
}
#endif

#endif
