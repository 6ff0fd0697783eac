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

/* Runs `op` over the plan on device `device_id`, on the context's stream
 * (NULL context: the default stream). Partial overlap goes through a
 * stream-ordered scratch copy of x. */
c2op_status c2op__cuda_unary(const c2op_context *ctx, const c2op__plan *plan, int32_t device_id,
                             c2op__unary_op op, size_t lane_bytes);

/* Device memory for workspace blobs (synchronous). */
c2op_status c2op__cuda_malloc(int32_t device_id, size_t bytes, void **out);
void c2op__cuda_free(int32_t device_id, void *ptr);
/* Copies bytes between host and device or device and device, and waits for
 * the device first (so work queued on any stream is done). kind: 0 host to
 * device, 1 device to host, 2 device to device. */
c2op_status c2op__cuda_memcpy_sync(int32_t device_id, void *dst, const void *src, size_t bytes,
                                   int kind);

#ifdef __cplusplus
}
#endif

#endif
