/* unary_cuda.cu - the CUDA elementwise backend: Negative and NegateGradient
 * kernels, device checks, workspace memory.
 *
 * Semantics match the CPU exactly: floats flip the sign bit of every lane
 * (XOR), integers negate modulo 2^bits through unsigned arithmetic, copies
 * move bytes. Indexing is 64-bit throughout.
 *
 * Two kernels:
 *  - vec_kernel: dense x and y with the same alignment modulo 16: 16-byte
 *    loads and stores, kVecPerThread vectors per thread issued before any
 *    store; thread 0 also does the unaligned head and the tail lanes, so a
 *    call is one launch.
 *  - strided_kernel: any layout of the plan (dims innermost first, byte
 *    strides), one element per thread and grid-stride; lanes are read with
 *    typed loads when every address is lane-aligned, else byte by byte.
 * Copies of dense tensors use cudaMemcpyAsync. Partial overlap of x and y
 * goes through a stream-ordered scratch buffer (cudaMallocAsync). */
#include <cuda_runtime.h>
#include <stdint.h>
#include <string.h>

extern "C" {
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "core/unary_op.h"
}
#include "cuda/cuda_backend.h"

namespace {

/* Threads per block and 16-byte vectors per thread of the dense kernel,
 * overridable at build time for tuning. Measured on an H100 (docs/gpu/):
 * 256 x 2 beat 256 x 4, 128 x 4 and 512 x 4 from 4 MiB up and matched
 * 128 x 2; see docs/PERFORMANCE.md. */
#ifndef C2OP_CUDA_THREADS
#define C2OP_CUDA_THREADS 256
#endif
#ifndef C2OP_CUDA_VEC_PER_THREAD
#define C2OP_CUDA_VEC_PER_THREAD 2
#endif
constexpr int kThreads = C2OP_CUDA_THREADS;
constexpr int kVecPerThread = C2OP_CUDA_VEC_PER_THREAD;
constexpr int64_t kMaxBlocks = (int64_t)1 << 20;

template <typename L> struct SignMask;
template <> struct SignMask<uint16_t> { static constexpr uint16_t value = 0x8000u; };
template <> struct SignMask<uint32_t> { static constexpr uint32_t value = 0x80000000u; };
template <> struct SignMask<uint64_t> { static constexpr uint64_t value = 0x8000000000000000ull; };

/* One lane of the op. */
template <int OP, typename L> __device__ __forceinline__ L apply(L v) {
  if constexpr (OP == C2OP__UNARY_NEG_INT) {
    return (L)((L)0 - v); /* unsigned: wraps modulo 2^bits */
  } else if constexpr (OP == C2OP__UNARY_NEG_FLOAT) {
    return (L)(v ^ SignMask<L>::value);
  } else {
    return v;
  }
}

/* The op on a 16-byte vector of lanes of type L. */
template <int OP, typename L> __device__ __forceinline__ uint4 apply_vec(uint4 v) {
  if constexpr (OP == C2OP__UNARY_NEG_INT && sizeof(L) == 1) {
    v.x = __vneg4(v.x); /* per-byte negation, wrapping */
    v.y = __vneg4(v.y);
    v.z = __vneg4(v.z);
    v.w = __vneg4(v.w);
    return v;
  } else if constexpr (OP == C2OP__UNARY_NEG_INT && sizeof(L) == 2) {
    v.x = __vneg2(v.x); /* per-halfword negation, wrapping */
    v.y = __vneg2(v.y);
    v.z = __vneg2(v.z);
    v.w = __vneg2(v.w);
    return v;
  } else {
    L lanes[16 / sizeof(L)];
    memcpy(lanes, &v, 16);
#pragma unroll
    for (int i = 0; i < (int)(16 / sizeof(L)); i++) lanes[i] = apply<OP, L>(lanes[i]);
    memcpy(&v, lanes, 16);
    return v;
  }
}

/* Dense pass: `head` lanes at x/y, then `nvec` aligned vectors, then `tail`
 * lanes. In place (x == y) is fine: each address is read and written by the
 * same thread, read first. */
template <int OP, typename L>
__global__ void vec_kernel(const char *x, char *y, int64_t head, int64_t nvec, int64_t tail) {
  const uint4 *xv = reinterpret_cast<const uint4 *>(x + head * (int64_t)sizeof(L));
  uint4 *yv = reinterpret_cast<uint4 *>(y + head * (int64_t)sizeof(L));
  const int64_t base = (int64_t)blockIdx.x * blockDim.x * kVecPerThread + threadIdx.x;
  uint4 v[kVecPerThread];
#pragma unroll
  for (int k = 0; k < kVecPerThread; k++) {
    const int64_t i = base + (int64_t)k * blockDim.x;
    if (i < nvec) v[k] = xv[i];
  }
#pragma unroll
  for (int k = 0; k < kVecPerThread; k++) {
    const int64_t i = base + (int64_t)k * blockDim.x;
    if (i < nvec) yv[i] = apply_vec<OP, L>(v[k]);
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    const L *xl = reinterpret_cast<const L *>(x);
    L *yl = reinterpret_cast<L *>(y);
    for (int64_t i = 0; i < head; i++) yl[i] = apply<OP, L>(xl[i]);
    const int64_t t0 = head + nvec * (int64_t)(16 / sizeof(L));
    for (int64_t i = t0; i < t0 + tail; i++) yl[i] = apply<OP, L>(xl[i]);
  }
}

/* The plan as the strided kernel sees it: byte strides. */
struct StridedArgs {
  int32_t ndim;
  int32_t lanes; /* lanes of type L per element */
  int64_t numel;
  int64_t shape[C2OP_MAX_NDIM];
  int64_t xs[C2OP_MAX_NDIM];
  int64_t ys[C2OP_MAX_NDIM];
};

template <typename L, bool BYTEWISE> __device__ __forceinline__ L load_lane(const char *p) {
  if constexpr (BYTEWISE) {
    L v;
    unsigned char *b = reinterpret_cast<unsigned char *>(&v);
#pragma unroll
    for (int i = 0; i < (int)sizeof(L); i++) b[i] = (unsigned char)p[i];
    return v;
  } else {
    return *reinterpret_cast<const L *>(p);
  }
}

template <typename L, bool BYTEWISE> __device__ __forceinline__ void store_lane(char *p, L v) {
  if constexpr (BYTEWISE) {
    const unsigned char *b = reinterpret_cast<const unsigned char *>(&v);
#pragma unroll
    for (int i = 0; i < (int)sizeof(L); i++) p[i] = (char)b[i];
  } else {
    *reinterpret_cast<L *>(p) = v;
  }
}

/* I is the type used to split the linear index into per-dim indices:
 * uint32_t when the element count fits (64-bit division is several times
 * slower on the GPU), else int64_t. Offsets are always 64-bit. */
template <int OP, typename L, bool BYTEWISE, typename I>
__global__ void strided_kernel(const char *x, char *y, StridedArgs a) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < a.numel; i += step) {
    I rest = (I)i;
    int64_t xo = 0, yo = 0;
    for (int32_t d = 0; d < a.ndim; d++) {
      const I n = (I)a.shape[d];
      const I q = rest / n;
      const int64_t idx = (int64_t)(rest - q * n);
      rest = q;
      xo += idx * a.xs[d];
      yo += idx * a.ys[d];
    }
    for (int32_t l = 0; l < a.lanes; l++) {
      const L v = load_lane<L, BYTEWISE>(x + xo + (int64_t)l * (int64_t)sizeof(L));
      store_lane<L, BYTEWISE>(y + yo + (int64_t)l * (int64_t)sizeof(L), apply<OP, L>(v));
    }
  }
}

c2op_status cuda_error(cudaError_t e, const char *what) {
  (void)cudaGetLastError(); /* clear a non-sticky error */
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver)
    return c2op__error(C2OP_ERR_NO_DEVICE, "%s: no usable CUDA device: %s", what,
                       cudaGetErrorString(e));
  return c2op__error(C2OP_ERR_CUDA, "%s: CUDA error %s: %s", what, cudaGetErrorName(e),
                     cudaGetErrorString(e));
}

#define CUDA_TRY(call, what)                                                   \
  do {                                                                         \
    cudaError_t cuda_try_e_ = (call);                                          \
    if (cuda_try_e_ != cudaSuccess) return cuda_error(cuda_try_e_, what);      \
  } while (0)

/* Selects the device for the duration of a scope and restores the previous
 * one. */
struct DeviceGuard {
  int previous = -1;
  c2op_status status = C2OP_OK;
  explicit DeviceGuard(int32_t device) {
    cudaError_t e = cudaGetDevice(&previous);
    if (e == cudaSuccess && previous != device) e = cudaSetDevice(device);
    if (e != cudaSuccess) {
      status = cuda_error(e, "selecting the CUDA device");
      previous = -1;
    }
  }
  ~DeviceGuard() {
    if (previous >= 0) (void)cudaSetDevice(previous);
  }
};

template <int OP, typename L>
c2op_status launch_strided(const c2op__plan *p, const char *x, char *y, int32_t lanes,
                           cudaStream_t stream) {
  StridedArgs a;
  memset(&a, 0, sizeof a);
  a.ndim = p->ndim;
  a.lanes = lanes;
  a.numel = p->numel;
  const int64_t e = (int64_t)p->elem_size;
  uintptr_t bits = (uintptr_t)x | (uintptr_t)y;
  for (int32_t d = 0; d < p->ndim; d++) {
    a.shape[d] = p->shape[d];
    a.xs[d] = p->xs[d] * e;
    a.ys[d] = p->ys[d] * e;
    bits |= (uintptr_t)a.xs[d] | (uintptr_t)a.ys[d];
  }
  int64_t blocks = (p->numel + kThreads - 1) / kThreads;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  const bool aligned = (bits & (sizeof(L) - 1)) == 0;
  const bool small = p->numel <= (int64_t)UINT32_MAX;
  if (aligned && small)
    strided_kernel<OP, L, false, uint32_t><<<(unsigned)blocks, kThreads, 0, stream>>>(x, y, a);
  else if (aligned)
    strided_kernel<OP, L, false, int64_t><<<(unsigned)blocks, kThreads, 0, stream>>>(x, y, a);
  else if (small)
    strided_kernel<OP, L, true, uint32_t><<<(unsigned)blocks, kThreads, 0, stream>>>(x, y, a);
  else
    strided_kernel<OP, L, true, int64_t><<<(unsigned)blocks, kThreads, 0, stream>>>(x, y, a);
  CUDA_TRY(cudaGetLastError(), "launching the strided kernel");
  return C2OP_OK;
}

template <int OP, typename L>
c2op_status launch_plan(const c2op__plan *p, const char *x, char *y, cudaStream_t stream) {
  const int32_t lanes = (int32_t)(p->elem_size / sizeof(L));
  const int dense = p->ndim == 1 && p->xs[0] == 1 && p->ys[0] == 1;
  const uintptr_t xa = (uintptr_t)x, ya = (uintptr_t)y;
  if (!dense || (xa & 15) != (ya & 15) || (xa & (sizeof(L) - 1)) != 0)
    return launch_strided<OP, L>(p, x, y, lanes, stream);
  const int64_t total = p->numel * lanes; /* lanes of type L */
  int64_t head = (int64_t)(((16 - (xa & 15)) & 15) / sizeof(L));
  if (head > total) head = total;
  const int64_t per_vec = (int64_t)(16 / sizeof(L));
  const int64_t nvec = (total - head) / per_vec;
  const int64_t tail = total - head - nvec * per_vec;
  int64_t blocks = (nvec + (int64_t)kThreads * kVecPerThread - 1) / ((int64_t)kThreads * kVecPerThread);
  if (blocks < 1) blocks = 1;
  if (blocks > INT32_MAX) return launch_strided<OP, L>(p, x, y, lanes, stream);
  vec_kernel<OP, L><<<(unsigned)blocks, kThreads, 0, stream>>>(x, y, head, nvec, tail);
  CUDA_TRY(cudaGetLastError(), "launching the vector kernel");
  return C2OP_OK;
}

/* Picks the lane type: for a copy the widest that divides the element. */
c2op_status run_plan(const c2op__plan *p, const char *x, char *y, c2op__unary_op op,
                     size_t lane_bytes, cudaStream_t stream) {
  if (op == C2OP__UNARY_COPY) {
    if (p->ndim == 1 && p->xs[0] == 1 && p->ys[0] == 1) {
      CUDA_TRY(cudaMemcpyAsync(y, x, (size_t)p->numel * p->elem_size, cudaMemcpyDeviceToDevice,
                               stream),
               "copying on the device");
      return C2OP_OK;
    }
    const size_t e = p->elem_size;
    if (e % 8 == 0) return launch_plan<C2OP__UNARY_COPY, uint64_t>(p, x, y, stream);
    if (e % 4 == 0) return launch_plan<C2OP__UNARY_COPY, uint32_t>(p, x, y, stream);
    if (e % 2 == 0) return launch_plan<C2OP__UNARY_COPY, uint16_t>(p, x, y, stream);
    return launch_plan<C2OP__UNARY_COPY, uint8_t>(p, x, y, stream);
  }
  if (op == C2OP__UNARY_NEG_INT) {
    switch (lane_bytes) {
    case 1: return launch_plan<C2OP__UNARY_NEG_INT, uint8_t>(p, x, y, stream);
    case 2: return launch_plan<C2OP__UNARY_NEG_INT, uint16_t>(p, x, y, stream);
    case 4: return launch_plan<C2OP__UNARY_NEG_INT, uint32_t>(p, x, y, stream);
    case 8: return launch_plan<C2OP__UNARY_NEG_INT, uint64_t>(p, x, y, stream);
    default: break;
    }
  }
  if (op == C2OP__UNARY_NEG_FLOAT) {
    switch (lane_bytes) {
    case 2: return launch_plan<C2OP__UNARY_NEG_FLOAT, uint16_t>(p, x, y, stream);
    case 4: return launch_plan<C2OP__UNARY_NEG_FLOAT, uint32_t>(p, x, y, stream);
    case 8: return launch_plan<C2OP__UNARY_NEG_FLOAT, uint64_t>(p, x, y, stream);
    default: break;
    }
  }
  return c2op__error(C2OP_ERR_INTERNAL, "no CUDA kernel for op %d with %zu-byte lanes", (int)op,
                     lane_bytes);
}

c2op_status check_pointer(const DLTensor *t, const char *name, int32_t device_id) {
  cudaPointerAttributes attr;
  cudaError_t e = cudaPointerGetAttributes(&attr, t->data);
  if (e != cudaSuccess) return cuda_error(e, name);
  if (attr.type == cudaMemoryTypeUnregistered || attr.type == cudaMemoryTypeHost)
    return c2op__error(C2OP_ERR_INVALID_ARGUMENT,
                       "%s: data %p is host memory, but the tensor says CUDA:%d", name, t->data,
                       (int)device_id);
  if (attr.type == cudaMemoryTypeDevice && attr.device != device_id)
    return c2op__error(C2OP_ERR_DEVICE_MISMATCH,
                       "%s: data %p lives on CUDA:%d, but the tensor says CUDA:%d", name, t->data,
                       attr.device, (int)device_id);
  return C2OP_OK;
}

} // namespace

extern "C" c2op_status c2op__cuda_check(const DLTensor *x, const DLTensor *y, int32_t device_id) {
  int count = 0;
  CUDA_TRY(cudaGetDeviceCount(&count), "x: device CUDA");
  C2OP_RETURN_IF(device_id < 0 || device_id >= count, C2OP_ERR_NO_DEVICE,
                 "x: device CUDA:%d does not exist (%d CUDA devices)", (int)device_id, count);
  int64_t numel = 0;
  C2OP_TRY(c2op__check_tensor(y, "y", &numel));
  if (numel == 0) return C2OP_OK;
  C2OP_TRY(check_pointer(x, "x", device_id));
  return check_pointer(y, "y", device_id);
}

extern "C" c2op_status c2op__cuda_unary(const c2op_context *ctx, const c2op__plan *plan,
                                        int32_t device_id, c2op__unary_op op,
                                        size_t lane_bytes) {
  if (plan->numel == 0) return C2OP_OK;
  cudaStream_t stream = ctx ? static_cast<cudaStream_t>(ctx->cuda_stream) : nullptr;
  DeviceGuard guard(device_id);
  if (guard.status != C2OP_OK) return guard.status;
  if (!plan->overlap) return run_plan(plan, plan->x, plan->y, op, lane_bytes, stream);

  /* x and y overlap without being the same elements: copy x densely (in the
   * plan's dim order) to scratch, then run from it; all stream-ordered. */
  const size_t bytes = (size_t)plan->numel * plan->elem_size;
  void *scratch = nullptr;
  cudaError_t e = cudaMallocAsync(&scratch, bytes, stream);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    return c2op__error(C2OP_ERR_OUT_OF_MEMORY,
                       "x: out of device memory for a %zu-byte scratch copy (x and y overlap)",
                       bytes);
  }
  CUDA_TRY(e, "allocating scratch memory");
  c2op__plan to_scratch = *plan, from_scratch = *plan;
  int64_t s = 1;
  for (int32_t d = 0; d < plan->ndim; d++) {
    to_scratch.ys[d] = s;
    from_scratch.xs[d] = s;
    s *= plan->shape[d];
  }
  to_scratch.overlap = from_scratch.overlap = 0;
  c2op_status st = run_plan(&to_scratch, plan->x, static_cast<char *>(scratch),
                            C2OP__UNARY_COPY, 0, stream);
  if (st == C2OP_OK)
    st = run_plan(&from_scratch, static_cast<const char *>(scratch), plan->y, op, lane_bytes,
                  stream);
  e = cudaFreeAsync(scratch, stream);
  if (st == C2OP_OK && e != cudaSuccess) return cuda_error(e, "freeing scratch memory");
  return st;
}

extern "C" c2op_status c2op__cuda_malloc(int32_t device_id, size_t bytes, void **out) {
  DeviceGuard guard(device_id);
  if (guard.status != C2OP_OK) return guard.status;
  void *p = nullptr;
  cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    return c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of device memory for %zu bytes on CUDA:%d",
                       bytes, (int)device_id);
  }
  CUDA_TRY(e, "allocating device memory");
  *out = p;
  return C2OP_OK;
}

extern "C" void c2op__cuda_free(int32_t device_id, void *ptr) {
  if (!ptr) return;
  DeviceGuard guard(device_id);
  (void)cudaFree(ptr);
}

extern "C" c2op_status c2op__cuda_memcpy_sync(int32_t device_id, void *dst, const void *src,
                                              size_t bytes, int kind) {
  DeviceGuard guard(device_id);
  if (guard.status != C2OP_OK) return guard.status;
  CUDA_TRY(cudaDeviceSynchronize(), "waiting for the device");
  if (bytes == 0) return C2OP_OK;
  const cudaMemcpyKind k = kind == 0   ? cudaMemcpyHostToDevice
                           : kind == 1 ? cudaMemcpyDeviceToHost
                                       : cudaMemcpyDeviceToDevice;
  CUDA_TRY(cudaMemcpy(dst, src, bytes, k), "copying between host and device");
  return C2OP_OK;
}
