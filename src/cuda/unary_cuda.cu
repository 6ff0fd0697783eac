/* unary_cuda.cu - the CUDA elementwise backend: the kernels of Negative,
 * NegateGradient and Sum, device checks, workspace memory.
 *
 * Semantics match the CPU exactly (elementwise.cuh says how; it holds every
 * kernel body as __host__ __device__ code). Offsets are 64-bit throughout;
 * index math is 32-bit only where it provably fits (the strided kernel's
 * dim split, the tiled kernel's tile numbers, the dense kernel's vector
 * index below 2^32 vectors unless C2OP_CUDA_INDEX32=0).
 *
 * Four kernels picked per plan (launch_plan), and Sum's fused first
 * addition (Add2Body, sum_direct):
 *  - VecBody: dense x and y with the same alignment modulo 16: 16-byte
 *    loads and stores (streaming from 8 to 128 MiB: dense_streams),
 *    kVecPerThread vectors per thread issued before any store; thread 0
 *    also does the unaligned head and the tail lanes, so a call is one
 *    launch (and a kernel without that code when there are none:
 *    C2OP_CUDA_EDGE_FREE).
 *  - RowsBody: the innermost dim contiguous in x and y, rows of at least
 *    kRowsMinBytes (padded rows, column slices; any outer strides): a 2-D
 *    grid, blocks over rows, threads along a row with 16-byte vectors
 *    wherever a row's x and y are equally aligned modulo 16.
 *  - TileBody: y contiguous along dim 0 and x along another dim (a
 *    transpose copied out, say): 32 x 32 tiles through shared memory, so
 *    that both x's reads and y's writes are coalesced.
 *  - StridedBody: any other layout (steps, short transposes), one element per
 *    thread and grid-stride; lanes are read with typed loads when every
 *    address is lane-aligned, else byte by byte.
 * Copies of dense tensors use cudaMemcpyAsync. Partial overlap of x and y
 * goes through a stream-ordered scratch buffer (cudaMallocAsync); so does
 * Sum's accumulator, when an input overlaps y.
 *
 * Every launch, copy and scratch buffer goes through an Exec: on the GPU
 * it works on the stream; for the test hooks (host = true) it runs the same
 * bodies for every block and thread in turn over host memory, with malloc
 * and memcpy standing in for their stream-ordered CUDA versions. */
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <type_traits>

extern "C" {
#include "core/context.h"
#include "core/error.h"
#include "core/tensor.h"
#include "core/unary_op.h"
}
#include "cuda/cuda_backend.h"
#include "cuda/elementwise.cuh"

using namespace c2op_cuda;

namespace {

/* The calling GPU thread's coordinates. */
__device__ Tid this_thread() {
  Tid t;
  t.bx = blockIdx.x;
  t.by = blockIdx.y;
  t.gx = gridDim.x;
  t.gy = gridDim.y;
  t.tx = (int32_t)threadIdx.x;
  t.ty = (int32_t)threadIdx.y;
  t.bdx = (int32_t)blockDim.x;
  t.bdy = (int32_t)blockDim.y;
  return t;
}

template <typename K> __global__ void kernel_entry(K k) { k(this_thread()); }

/* The tiled kernel: both phases of every tile of the block's share, with a
 * barrier after each (the body writes and reads the shared tile). */
template <typename K> __global__ void tiled_entry(K k) {
  __shared__ typename K::Smem s;
  const Tid t = this_thread();
  for (int64_t tile = t.bx; tile < k.a.ntiles; tile += t.gx)
    for (int64_t b = t.by; b < k.a.nbatch; b += t.gy) {
      k.read_tile(t, tile, b, s);
      __syncthreads();
      k.write_tile(t, tile, b, s);
      __syncthreads();
    }
}

c2op_status cuda_error(cudaError_t e, const char *what) {
  (void)cudaGetLastError(); /* clear a non-sticky error */
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver || e == cudaErrorInvalidDevice)
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

/* C2OP_ERR_NO_DEVICE unless CUDA:device_id exists; `name` heads the
 * message. */
c2op_status check_device(const char *name, int32_t device_id) {
  int count = 0;
  char what[64];
  snprintf(what, sizeof what, "%s: device CUDA", name);
  CUDA_TRY(cudaGetDeviceCount(&count), what);
  C2OP_RETURN_IF(device_id < 0 || device_id >= count, C2OP_ERR_NO_DEVICE,
                 "%s: device CUDA:%d does not exist (%d CUDA devices)", name, (int)device_id,
                 count);
  return C2OP_OK;
}

/* Selects the device for the duration of a scope and restores the previous
 * one. A device id that does not exist is refused before cudaSetDevice sees
 * it (no CUDA call fails: compute-sanitizer reports every failed call); the
 * range is checked only when the device changes, so not on the common path
 * of a call on the current device. */
struct DeviceGuard {
  int previous = -1;
  c2op_status status = C2OP_OK;
  explicit DeviceGuard(int32_t device) {
    cudaError_t e = cudaGetDevice(&previous);
    if (e == cudaSuccess && previous != device) {
      status = check_device("selecting the CUDA device", device);
      if (status != C2OP_OK) {
        previous = -1;
        return;
      }
      e = cudaSetDevice(device);
    }
    if (e != cudaSuccess) {
      status = cuda_error(e, "selecting the CUDA device");
      previous = -1;
    }
  }
  ~DeviceGuard() {
    if (previous >= 0) (void)cudaSetDevice(previous);
  }
};

/* Where the work runs: the GPU on `stream`, or the host (test hooks). */
struct Exec {
  cudaStream_t stream = nullptr;
  bool host = false;
  const char **trace = nullptr; /* host: receives the name of the last kernel */
  char *log = nullptr;          /* host: the kernels run, space-separated */
  size_t log_size = 0;
};

/* Records a host launch of kernel `name` (test hooks). */
void note(const Exec &ex, const char *name) {
  if (ex.trace) *ex.trace = name;
  if (ex.log) {
    const size_t used = strlen(ex.log);
    snprintf(ex.log + used, ex.log_size - used, "%s%s", used ? " " : "", name);
  }
}

/* The result of a launch just made: CUDA's launch error, if any, named. */
c2op_status launch_result(const char *name) {
  const cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess) return C2OP_OK;
  char what[64];
  snprintf(what, sizeof what, "launching the %s kernel", name);
  return cuda_error(e, what);
}

/* Host emulation: f(t) for every thread of block (t.bx, t.by). */
template <typename F> void each_thread(Tid &t, F &&f) {
  for (t.ty = 0; t.ty < t.bdy; t.ty++)
    for (t.tx = 0; t.tx < t.bdx; t.tx++) f(t);
}

/* A host grid of gx x gy blocks of bdx x bdy threads, block index unset. */
Tid host_grid(int64_t gx, int64_t gy, int32_t bdx, int32_t bdy) {
  Tid t;
  t.gx = gx;
  t.gy = gy;
  t.bdx = bdx;
  t.bdy = bdy;
  return t;
}

template <typename K>
c2op_status launch(const Exec &ex, const K &k, int64_t gx, int64_t gy, int32_t bdx, int32_t bdy,
                   const char *name) {
  if (ex.host) {
    note(ex, name);
    Tid t = host_grid(gx, gy, bdx, bdy);
    for (t.by = 0; t.by < gy; t.by++)
      for (t.bx = 0; t.bx < gx; t.bx++) each_thread(t, k);
    return C2OP_OK;
  }
  kernel_entry<K><<<dim3((unsigned)gx, (unsigned)gy), dim3((unsigned)bdx, (unsigned)bdy), 0,
                    ex.stream>>>(k);
  return launch_result(name);
}

/* Launches a tiled body (TileBody): on the host, each block's tiles in
 * turn, every thread's load phase, then every thread's store phase. */
template <typename K>
c2op_status launch_tiled(const Exec &ex, const K &k, int64_t gx, int64_t gy, const char *name) {
  if (ex.host) {
    note(ex, name);
    typename K::Smem *s = static_cast<typename K::Smem *>(malloc(sizeof(typename K::Smem)));
    C2OP_RETURN_IF(!s, C2OP_ERR_OUT_OF_MEMORY, "emulated %s kernel: out of memory", name);
    Tid t = host_grid(gx, gy, kTile, kTileRows);
    for (t.by = 0; t.by < gy; t.by++)
      for (t.bx = 0; t.bx < gx; t.bx++)
        for (int64_t tile = t.bx; tile < k.a.ntiles; tile += gx)
          for (int64_t b = t.by; b < k.a.nbatch; b += gy) {
            memset(s, 0xA5, sizeof *s); /* stale tile contents must not leak */
            each_thread(t, [&](const Tid &u) { k.read_tile(u, tile, b, *s); });
            each_thread(t, [&](const Tid &u) { k.write_tile(u, tile, b, *s); });
          }
    free(s);
    return C2OP_OK;
  }
  tiled_entry<K><<<dim3((unsigned)gx, (unsigned)gy), dim3(kTile, kTileRows), 0, ex.stream>>>(k);
  return launch_result(name);
}

c2op_status copy_dense(const Exec &ex, char *y, const char *x, size_t bytes) {
  if (ex.host) {
    note(ex, "memcpy");
    memcpy(y, x, bytes);
    return C2OP_OK;
  }
  CUDA_TRY(cudaMemcpyAsync(y, x, bytes, cudaMemcpyDeviceToDevice, ex.stream),
           "copying on the device");
  return C2OP_OK;
}

/* A stream-ordered scratch buffer of `bytes` (at least 1); `name` and `why`
 * word the out-of-memory message. */
c2op_status scratch_alloc(const Exec &ex, size_t bytes, const char *name, const char *why,
                          void **out) {
  if (bytes == 0) bytes = 1;
  if (ex.host) {
    *out = malloc(bytes);
    C2OP_RETURN_IF(!*out, C2OP_ERR_OUT_OF_MEMORY, "%s: out of memory for a %zu-byte %s", name,
                   bytes, why);
    return C2OP_OK;
  }
  cudaError_t e = cudaMallocAsync(out, bytes, ex.stream);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    return c2op__error(C2OP_ERR_OUT_OF_MEMORY, "%s: out of device memory for a %zu-byte %s",
                       name, bytes, why);
  }
  CUDA_TRY(e, "allocating scratch memory");
  return C2OP_OK;
}

c2op_status scratch_free(const Exec &ex, void *p) {
  if (ex.host) {
    free(p);
    return C2OP_OK;
  }
  CUDA_TRY(cudaFreeAsync(p, ex.stream), "freeing scratch memory");
  return C2OP_OK;
}

/* Whether x, y and every byte stride of the plan are multiples of `lane`. */
bool lanes_aligned(const c2op__plan *p, const char *x, const char *y, size_t lane) {
  uintptr_t bits = (uintptr_t)x | (uintptr_t)y;
  const int64_t e = (int64_t)p->elem_size;
  for (int32_t d = 0; d < p->ndim; d++) bits |= (uintptr_t)(p->xs[d] * e) | (uintptr_t)(p->ys[d] * e);
  return (bits & (lane - 1)) == 0;
}

template <int OP, typename L>
c2op_status launch_strided(const Exec &ex, const c2op__plan *p, const char *x, char *y,
                           int32_t lanes) {
  StridedArgs a;
  memset(&a, 0, sizeof a);
  a.ndim = p->ndim;
  a.lanes = lanes;
  a.numel = p->numel;
  const int64_t e = (int64_t)p->elem_size;
  for (int32_t d = 0; d < p->ndim; d++) {
    a.shape[d] = p->shape[d];
    a.xs[d] = p->xs[d] * e;
    a.ys[d] = p->ys[d] * e;
  }
  int64_t blocks = (p->numel + kThreads - 1) / kThreads;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  const bool aligned = lanes_aligned(p, x, y, sizeof(L));
  const bool small = p->numel <= (int64_t)UINT32_MAX;
  if (aligned && small)
    return launch(ex, StridedBody<OP, L, false, uint32_t>{x, y, a}, blocks, 1, kThreads, 1,
                  "strided");
  if (aligned)
    return launch(ex, StridedBody<OP, L, false, int64_t>{x, y, a}, blocks, 1, kThreads, 1,
                  "strided");
  if (small)
    return launch(ex, StridedBody<OP, L, true, uint32_t>{x, y, a}, blocks, 1, kThreads, 1,
                  "strided-bytewise");
  return launch(ex, StridedBody<OP, L, true, int64_t>{x, y, a}, blocks, 1, kThreads, 1,
                "strided-bytewise");
}

/* Whether the rows kernel takes the plan, for lanes of `lane` bytes. */
bool rows_eligible(const c2op__plan *p, const char *x, const char *y, size_t lane) {
  return p->ndim >= 2 && p->xs[0] == 1 && p->ys[0] == 1 &&
         ((((uintptr_t)x | (uintptr_t)y) & (lane - 1)) == 0) &&
         p->shape[0] * (int64_t)p->elem_size >= kRowsMinBytes;
}

/* The rows kernel's arguments for a plan it takes. */
RowsArgs rows_args(const c2op__plan *p, size_t lane, RowsShape *shape) {
  RowsArgs a;
  memset(&a, 0, sizeof a);
  a.ndim = p->ndim;
  const int64_t e = (int64_t)p->elem_size;
  a.row_lanes = p->shape[0] * (e / (int64_t)lane);
  a.nrows = 1;
  for (int32_t d = 1; d < p->ndim; d++) {
    a.shape[d] = p->shape[d];
    a.xs[d] = p->xs[d] * e;
    a.ys[d] = p->ys[d] * e;
    a.nrows *= p->shape[d];
  }
  *shape = rows_shape(a.row_lanes, a.nrows, (int64_t)lane);
  a.chunk_lanes = shape->chunk_lanes;
  a.nchunks = shape->nchunks;
  return a;
}

/* Tiles need this many elements along both transposed dims; below it the
 * strided kernel wastes less of a block. */
constexpr int64_t kTileMinExtent = 8;

/* The tiled kernel's dim b for a plan, with lanes of `lane` bytes: y
 * contiguous along dim 0, x along dim b, both long enough, one or two
 * lanes per element, every address aligned to the lane; else 0. */
int32_t tile_dim(const c2op__plan *p, const char *x, const char *y, size_t lane) {
  if (p->ndim < 2 || p->ys[0] != 1 || p->xs[0] == 1 || p->shape[0] < kTileMinExtent) return 0;
  const size_t lanes = p->elem_size / lane;
  if (lanes != 1 && lanes != 2) return 0;
  int32_t b = 0;
  for (int32_t d = 1; d < p->ndim && b == 0; d++)
    if (p->xs[d] == 1 && p->shape[d] >= kTileMinExtent) b = d;
  return b != 0 && lanes_aligned(p, x, y, lane) ? b : 0;
}

template <int OP, typename L, int LANES>
c2op_status launch_tile(const Exec &ex, const c2op__plan *p, const char *x, char *y, int32_t b) {
  TileArgs a;
  memset(&a, 0, sizeof a);
  const int64_t e = (int64_t)p->elem_size;
  a.n0 = p->shape[0];
  a.nb = p->shape[b];
  a.tiles0 = (a.n0 + kTile - 1) / kTile;
  a.ntiles = a.tiles0 * ((a.nb + kTile - 1) / kTile);
  a.x0 = p->xs[0] * e;
  a.yb = p->ys[b] * e;
  a.nbatch = 1;
  for (int32_t d = 1; d < p->ndim; d++) {
    if (d == b) continue;
    a.bshape[a.nbd] = p->shape[d];
    a.bxs[a.nbd] = p->xs[d] * e;
    a.bys[a.nbd] = p->ys[d] * e;
    a.nbatch *= p->shape[d];
    a.nbd++;
  }
  if (a.ntiles > (int64_t)UINT32_MAX) /* 2^38 elements or more: not on today's GPUs */
    return launch_strided<OP, L>(ex, p, x, y, (int32_t)(p->elem_size / sizeof(L)));
  const int64_t gx = a.ntiles < kMaxBlocks ? a.ntiles : kMaxBlocks;
  const int64_t gy = a.nbatch < kMaxGridY ? a.nbatch : kMaxGridY;
  return launch_tiled(ex, TileBody<OP, L, LANES>{x, y, a}, gx, gy, "tiled");
}

/* A dense run of `total` lanes of `lane` bytes starting at `start`, as the
 * vector kernels take it: head lanes up to the first 16-byte boundary,
 * nvec vectors, tail lanes, and the blocks of kThreads x kVecPerThread
 * vectors that cover it. */
struct DenseSplit {
  int64_t head, nvec, tail, blocks;
};

DenseSplit dense_split(uintptr_t start, int64_t total, size_t lane) {
  DenseSplit d;
  d.head = (int64_t)(((16 - (start & 15)) & 15) / lane);
  if (d.head > total) d.head = total;
  const int64_t per_vec = (int64_t)(16 / lane);
  d.nvec = (total - d.head) / per_vec;
  d.tail = total - d.head - d.nvec * per_vec;
  const int64_t per_block = (int64_t)kThreads * kVecPerThread;
  d.blocks = (d.nvec + per_block - 1) / per_block;
  if (d.blocks < 1) d.blocks = 1;
  return d;
}

/* Whether the dense kernel's 32-bit indices cover d: every index it forms
 * (below blocks x kThreads x kVecPerThread) and the vector count itself
 * (which the kernel compares them with) fit in 32 bits. */
bool index32_fits(const DenseSplit &d) {
  return d.nvec <= (int64_t)UINT32_MAX &&
         d.blocks * (int64_t)kThreads * kVecPerThread <= ((int64_t)1 << 32);
}

/* Whether the dense kernel uses 32-bit vector indices where they fit
 * (index32_fits): C2OP_CUDA_INDEX32=1 or 0 in the environment, read once;
 * unset, the build's default, C2OP_CUDA_INDEX32 (1: 32-bit where they fit).
 * torch.neg's kernel indexes in 32 bits too; on an H100 the 32-bit variant
 * was 1-2% faster at 16 and 64 MiB and never slower (docs/PERFORMANCE.md;
 * scripts/gpu-tune: variants ending in "i"). */
#ifndef C2OP_CUDA_INDEX32
#define C2OP_CUDA_INDEX32 1
#endif
bool index32_enabled() {
  static const bool on = [] {
    const char *e = getenv("C2OP_CUDA_INDEX32");
    return e && *e ? strcmp(e, "1") == 0 : C2OP_CUDA_INDEX32 != 0;
  }();
  return on;
}

/* Whether the dense kernel streams (load_vec's CS, elementwise.cuh) a
 * tensor of `bytes`: when the build streams and bytes is from
 * C2OP_CUDA_STREAMING_MIN_BYTES to C2OP_CUDA_STREAMING_MAX_BYTES (the
 * environment, read once, by c2op__env_bytes's rule). Defaults 8 MiB and
 * 128 MiB: on the H100 streaming won at 16 and 64 MiB and lost at 4 MiB
 * and from 256 MiB (docs/PERFORMANCE.md, "CUDA"); the bounds sit between
 * those sizes. */
#ifndef C2OP_CUDA_STREAMING_MIN_BYTES
#define C2OP_CUDA_STREAMING_MIN_BYTES ((int64_t)8 << 20)
#endif
#ifndef C2OP_CUDA_STREAMING_MAX_BYTES
#define C2OP_CUDA_STREAMING_MAX_BYTES ((int64_t)128 << 20)
#endif
bool dense_streams(int64_t bytes) {
  static const int64_t min_bytes =
      c2op__env_bytes("C2OP_CUDA_STREAMING_MIN_BYTES", C2OP_CUDA_STREAMING_MIN_BYTES);
  static const int64_t max_bytes =
      c2op__env_bytes("C2OP_CUDA_STREAMING_MAX_BYTES", C2OP_CUDA_STREAMING_MAX_BYTES);
  return kStreamingBuilt && bytes >= min_bytes && bytes <= max_bytes;
}

/* The dense kernel without the head and tail code (VecBody's EDGES =
 * false) when there are no head or tail lanes, as for any float tensor of a
 * multiple of 4 elements from cudaMalloc. Thread 0 of block 0 otherwise
 * reads the edge counts from the kernel parameters after its stores, and
 * the block, and so the kernel, ends that much later: on an H100, 8-80 ns
 * per kernel at 4 KiB-1 MiB, enough to put c2op behind torch.neg there
 * (the figures: docs/PERFORMANCE.md, "CUDA"; scripts/gpu-ncu-ab repeats
 * the measurement). 0 at build time keeps the edge code in every launch,
 * for such A/B runs. */
#ifndef C2OP_CUDA_EDGE_FREE
#define C2OP_CUDA_EDGE_FREE 1
#endif
template <int OP, typename L, typename I, bool CS>
c2op_status launch_dense(const Exec &ex, const char *x, char *y, const DenseSplit &d,
                         const char *name) {
  const char *xv = x + d.head * (int64_t)sizeof(L);
  char *yv = y + d.head * (int64_t)sizeof(L);
  if (C2OP_CUDA_EDGE_FREE && d.head == 0 && d.tail == 0)
    return launch(ex, VecBody<OP, L, I, CS, false>{x, y, xv, yv, 0, d.nvec, 0}, d.blocks, 1,
                  kThreads, 1, name);
  return launch(ex, VecBody<OP, L, I, CS>{x, y, xv, yv, d.head, d.nvec, d.tail}, d.blocks, 1,
                kThreads, 1, name);
}

template <int OP, typename L>
c2op_status launch_plan(const Exec &ex, const c2op__plan *p, const char *x, char *y) {
  const int32_t lanes = (int32_t)(p->elem_size / sizeof(L));
  const int dense = p->ndim == 1 && p->xs[0] == 1 && p->ys[0] == 1;
  const uintptr_t xa = (uintptr_t)x, ya = (uintptr_t)y;
  if (!dense || (xa & 15) != (ya & 15) || (xa & (sizeof(L) - 1)) != 0) {
    if (rows_eligible(p, x, y, sizeof(L))) {
      RowsShape s;
      const RowsArgs a = rows_args(p, sizeof(L), &s);
      return launch(ex, RowsBody<OP, L>{x, y, a}, s.grid_x, s.grid_y, s.tx, s.ty, "rows");
    }
    if (const int32_t b = tile_dim(p, x, y, sizeof(L)))
      return lanes == 1 ? launch_tile<OP, L, 1>(ex, p, x, y, b)
                        : launch_tile<OP, L, 2>(ex, p, x, y, b);
    return launch_strided<OP, L>(ex, p, x, y, lanes);
  }
  const DenseSplit d = dense_split(xa, p->numel * lanes, sizeof(L));
  if (d.blocks > INT32_MAX) return launch_strided<OP, L>(ex, p, x, y, lanes);
  const bool i32 = index32_enabled() && index32_fits(d);
  if (dense_streams(p->numel * (int64_t)p->elem_size))
    return i32 ? launch_dense<OP, L, uint32_t, true>(ex, x, y, d, "vector32")
               : launch_dense<OP, L, int64_t, true>(ex, x, y, d, "vector");
  return i32 ? launch_dense<OP, L, uint32_t, false>(ex, x, y, d, "vector32")
             : launch_dense<OP, L, int64_t, false>(ex, x, y, d, "vector");
}

template <int OP> using OpTag = std::integral_constant<int, OP>;

/* Calls f(OpTag<OP>{}, L{}) for the op and lane type that (op, lane_bytes)
 * name among those the kernels are built for (copies aside); returns
 * whether there was one. */
template <typename F> bool with_kernel_types(c2op__unary_op op, size_t lane_bytes, F &&f) {
  if (lane_bytes > 8) return false;
  switch ((int)op * 16 + (int)lane_bytes) {
  case C2OP__UNARY_NEG_INT * 16 + 1: f(OpTag<C2OP__UNARY_NEG_INT>{}, uint8_t{}); return true;
  case C2OP__UNARY_NEG_INT * 16 + 2: f(OpTag<C2OP__UNARY_NEG_INT>{}, uint16_t{}); return true;
  case C2OP__UNARY_NEG_INT * 16 + 4: f(OpTag<C2OP__UNARY_NEG_INT>{}, uint32_t{}); return true;
  case C2OP__UNARY_NEG_INT * 16 + 8: f(OpTag<C2OP__UNARY_NEG_INT>{}, uint64_t{}); return true;
  case C2OP__UNARY_NEG_FLOAT * 16 + 2: f(OpTag<C2OP__UNARY_NEG_FLOAT>{}, uint16_t{}); return true;
  case C2OP__UNARY_NEG_FLOAT * 16 + 4: f(OpTag<C2OP__UNARY_NEG_FLOAT>{}, uint32_t{}); return true;
  case C2OP__UNARY_NEG_FLOAT * 16 + 8: f(OpTag<C2OP__UNARY_NEG_FLOAT>{}, uint64_t{}); return true;
  case C2OP__UNARY_ADD_INT * 16 + 1: f(OpTag<C2OP__UNARY_ADD_INT>{}, uint8_t{}); return true;
  case C2OP__UNARY_ADD_INT * 16 + 2: f(OpTag<C2OP__UNARY_ADD_INT>{}, uint16_t{}); return true;
  case C2OP__UNARY_ADD_INT * 16 + 4: f(OpTag<C2OP__UNARY_ADD_INT>{}, uint32_t{}); return true;
  case C2OP__UNARY_ADD_INT * 16 + 8: f(OpTag<C2OP__UNARY_ADD_INT>{}, uint64_t{}); return true;
  case C2OP__UNARY_ADD_FLOAT * 16 + 4: f(OpTag<C2OP__UNARY_ADD_FLOAT>{}, uint32_t{}); return true;
  case C2OP__UNARY_ADD_FLOAT * 16 + 8: f(OpTag<C2OP__UNARY_ADD_FLOAT>{}, uint64_t{}); return true;
  case C2OP__UNARY_ADD_HALF * 16 + 2: f(OpTag<C2OP__UNARY_ADD_HALF>{}, uint16_t{}); return true;
  case C2OP__UNARY_ADD_BFLOAT * 16 + 2: f(OpTag<C2OP__UNARY_ADD_BFLOAT>{}, uint16_t{}); return true;
  default: return false;
  }
}

/* Picks the lane type: for a copy the widest that divides the element. */
c2op_status run_plan(const Exec &ex, const c2op__plan *p, const char *x, char *y,
                     c2op__unary_op op, size_t lane_bytes) {
  if (op == C2OP__UNARY_COPY) {
    if (p->ndim == 1 && p->xs[0] == 1 && p->ys[0] == 1)
      return copy_dense(ex, y, x, (size_t)p->numel * p->elem_size);
    const size_t e = p->elem_size;
    if (e % 8 == 0) return launch_plan<C2OP__UNARY_COPY, uint64_t>(ex, p, x, y);
    if (e % 4 == 0) return launch_plan<C2OP__UNARY_COPY, uint32_t>(ex, p, x, y);
    if (e % 2 == 0) return launch_plan<C2OP__UNARY_COPY, uint16_t>(ex, p, x, y);
    return launch_plan<C2OP__UNARY_COPY, uint8_t>(ex, p, x, y);
  }
  c2op_status st = C2OP_OK;
  if (with_kernel_types(op, lane_bytes, [&](auto opc, auto lane) {
        st = launch_plan<decltype(opc)::value, decltype(lane)>(ex, p, x, y);
      }))
    return st;
  return c2op__error(C2OP_ERR_INTERNAL, "no CUDA kernel for op %d with %zu-byte lanes", (int)op,
                     lane_bytes);
}

/* y = op(x) over a plan; partial overlap goes through a scratch copy of x
 * (densely, in the plan's dim order), all stream-ordered. */
c2op_status unary(const Exec &ex, const c2op__plan *plan, c2op__unary_op op, size_t lane_bytes) {
  if (plan->numel == 0) return C2OP_OK;
  if (!plan->overlap) return run_plan(ex, plan, plan->x, plan->y, op, lane_bytes);
  const size_t bytes = (size_t)plan->numel * plan->elem_size;
  void *scratch = nullptr;
  C2OP_TRY(scratch_alloc(ex, bytes, "x", "scratch copy (x and y overlap)", &scratch));
  c2op__plan to_scratch, from_scratch;
  c2op__plan_through_scratch(plan, static_cast<char *>(scratch), &to_scratch, &from_scratch);
  c2op_status st =
      run_plan(ex, &to_scratch, to_scratch.x, to_scratch.y, C2OP__UNARY_COPY, 0);
  if (st == C2OP_OK)
    st = run_plan(ex, &from_scratch, from_scratch.x, from_scratch.y, op, lane_bytes);
  const c2op_status f = scratch_free(ex, scratch);
  return st != C2OP_OK ? st : f;
}

/* y = a + b as one pass when both plans (a -> y, b -> y) are dense, with
 * a, b and y aligned alike modulo 16 and to the lane; returns 0 (nothing
 * launched) otherwise. */
template <int OP, typename L>
int add2_dense(const Exec &ex, const c2op__plan *pa, const c2op__plan *pb, c2op_status *st) {
  const auto dense = [](const c2op__plan *p) {
    return p->ndim == 1 && p->xs[0] == 1 && p->ys[0] == 1;
  };
  const uintptr_t a = (uintptr_t)pa->x, b = (uintptr_t)pb->x, y = (uintptr_t)pa->y;
  if (!dense(pa) || !dense(pb) || pa->y != pb->y || (a & 15) != (y & 15) ||
      (b & 15) != (y & 15) || (y & (sizeof(L) - 1)) != 0)
    return 0;
  const DenseSplit d = dense_split(y, pa->numel * (int64_t)(pa->elem_size / sizeof(L)), sizeof(L));
  if (d.blocks > INT32_MAX) return 0;
  *st = launch(ex, Add2Body<OP, L>{pa->x, pb->x, pa->y, d.head, d.nvec, d.tail}, d.blocks, 1,
               kThreads, 1, "add2");
  return 1;
}

int add2(const Exec &ex, const c2op__plan *pa, const c2op__plan *pb, c2op__unary_op add,
         size_t lane_bytes, c2op_status *st) {
  int done = 0;
  with_kernel_types(add, lane_bytes, [&](auto opc, auto lane) {
    if constexpr (kReadsY<decltype(opc)::value>)
      done = add2_dense<decltype(opc)::value, decltype(lane)>(ex, pa, pb, st);
  });
  return done;
}

/* Sum straight into y, when no input overlaps y except inputs[0] being
 * exactly y: returns 0 (nothing launched) otherwise. The first two inputs
 * go in one fused pass where they and y are dense (add2), else inputs[0]
 * is copied to y (unless it is y); the others are added in place. */
int sum_direct(const Exec &ex, int32_t n, const DLTensor *const *inputs, DLTensor *y,
               c2op__unary_op add, size_t lane_bytes, c2op__plan *plans, c2op_status *st) {
  const size_t elem = c2op__dtype_size(y->dtype);
  char name[32];
  for (int32_t i = 0; i < n; i++) {
    snprintf(name, sizeof name, "inputs[%d]", (int)i);
    if (c2op__plan_unary(inputs[i], name, y, "outputs[0]", elem, &plans[i]) != C2OP_OK ||
        plans[i].overlap || (plans[i].inplace && i > 0))
      return 0; /* errors are reported by the general path's planning */
  }
  int32_t next = 1;
  *st = C2OP_OK;
  if (n >= 2 && !plans[0].inplace && add2(ex, &plans[0], &plans[1], add, lane_bytes, st))
    next = 2;
  else if (!plans[0].inplace)
    *st = run_plan(ex, &plans[0], plans[0].x, plans[0].y, C2OP__UNARY_COPY, 0);
  for (int32_t i = next; *st == C2OP_OK && i < n; i++)
    *st = run_plan(ex, &plans[i], plans[i].x, plans[i].y, add, lane_bytes);
  return 1;
}

/* Sum: y = inputs[0] + inputs[1] + ... Straight into y where no input
 * overlaps it (sum_direct); else accumulated in a compact scratch tensor
 * (inputs may alias y or each other), then copied to y. The caller has
 * checked the tensors (same shape, dtype and device). Every plan is built
 * before anything is launched, so a layout error leaves y untouched. */
c2op_status sum(const Exec &ex, int32_t num_inputs, const DLTensor *const *inputs, DLTensor *y,
                c2op__unary_op add, size_t lane_bytes) {
  int64_t numel = 0;
  C2OP_TRY(c2op__check_tensor(y, "outputs[0]", &numel));
  if (numel == 0) return C2OP_OK;
  const size_t elem = c2op__dtype_size(y->dtype);
  /* y's own layout first, as the CPU kernel does: errors in y name y,
   * whatever the inputs are. */
  size_t acc_bytes;
  C2OP_TRY(c2op__sum_output_bytes(y, numel, elem, &acc_bytes));
  c2op__plan *plans =
      static_cast<c2op__plan *>(malloc(((size_t)num_inputs + 1) * sizeof(c2op__plan)));
  C2OP_RETURN_IF(!plans, C2OP_ERR_OUT_OF_MEMORY, "Sum: out of memory for plans");
  c2op_status s = C2OP_OK;
  if (sum_direct(ex, num_inputs, inputs, y, add, lane_bytes, plans, &s)) {
    free(plans);
    return s;
  }
  void *acc = nullptr;
  s = scratch_alloc(ex, acc_bytes, "Sum", "accumulator", &acc);
  if (s != C2OP_OK) {
    free(plans);
    return s;
  }
  s = c2op__plan_sum(num_inputs, inputs, y, acc, plans);
  if (s == C2OP_OK) s = run_plan(ex, &plans[0], plans[0].x, plans[0].y, C2OP__UNARY_COPY, 0);
  for (int32_t i = 1; s == C2OP_OK && i < num_inputs; i++)
    s = run_plan(ex, &plans[i], plans[i].x, plans[i].y, add, lane_bytes);
  if (s == C2OP_OK)
    s = run_plan(ex, &plans[num_inputs], plans[num_inputs].x, plans[num_inputs].y,
                 C2OP__UNARY_COPY, 0);
  const c2op_status f = scratch_free(ex, acc);
  free(plans);
  return s != C2OP_OK ? s : f;
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

Exec stream_exec(const c2op_context *ctx) {
  Exec ex;
  ex.stream = ctx ? static_cast<cudaStream_t>(ctx->cuda_stream) : nullptr;
  return ex;
}

} // namespace

extern "C" c2op_status c2op__cuda_check(const DLTensor *x, const DLTensor *y, int32_t device_id) {
  C2OP_TRY(check_device("x", device_id));
  int64_t numel = 0;
  C2OP_TRY(c2op__check_tensor(y, "y", &numel));
  if (numel == 0) return C2OP_OK;
  C2OP_TRY(check_pointer(x, "x", device_id));
  return check_pointer(y, "y", device_id);
}

extern "C" c2op_status c2op__cuda_check_tensor(const DLTensor *t, const char *name,
                                               int32_t device_id) {
  C2OP_TRY(check_device(name, device_id));
  int64_t numel = 0;
  C2OP_TRY(c2op__check_tensor(t, name, &numel));
  if (numel == 0) return C2OP_OK;
  C2OP_RETURN_IF(!t->data, C2OP_ERR_NULL_POINTER, "%s: data is NULL", name);
  return check_pointer(t, name, device_id);
}

extern "C" c2op_status c2op__cuda_unary(const c2op_context *ctx, const c2op__plan *plan,
                                        int32_t device_id, c2op__unary_op op,
                                        size_t lane_bytes) {
  if (plan->numel == 0) return C2OP_OK;
  DeviceGuard guard(device_id);
  if (guard.status != C2OP_OK) return guard.status;
  return unary(stream_exec(ctx), plan, op, lane_bytes);
}

extern "C" c2op_status c2op__cuda_sum(const c2op_context *ctx, int32_t device_id,
                                      int32_t num_inputs, const DLTensor *const *inputs,
                                      DLTensor *y, c2op__unary_op add, size_t lane_bytes) {
  DeviceGuard guard(device_id);
  if (guard.status != C2OP_OK) return guard.status;
  return sum(stream_exec(ctx), num_inputs, inputs, y, add, lane_bytes);
}

/* The result of an emulated call: misaligned accesses, which a GPU would
 * fault on, make it fail. */
static c2op_status emulation_result(c2op_status s) {
  const int64_t bad = host_misaligned;
  host_misaligned = 0;
  if (s == C2OP_OK && bad != 0)
    return c2op__error(C2OP_ERR_INTERNAL, "emulated kernel: %lld misaligned accesses",
                       (long long)bad);
  return s;
}

extern "C" c2op_status c2op__cuda_emulate_unary(const c2op__plan *plan, c2op__unary_op op,
                                                size_t lane_bytes, const char **kernel) {
  Exec ex;
  ex.host = true;
  ex.trace = kernel;
  if (kernel) *kernel = "none";
  host_misaligned = 0;
  return emulation_result(unary(ex, plan, op, lane_bytes));
}

extern "C" c2op_status c2op__cuda_emulate_sum(int32_t num_inputs, const DLTensor *const *inputs,
                                              DLTensor *y, c2op__unary_op add, size_t lane_bytes,
                                              char *kernels, size_t kernels_size) {
  Exec ex;
  ex.host = true;
  ex.log = kernels_size ? kernels : nullptr;
  ex.log_size = kernels_size;
  if (ex.log) ex.log[0] = '\0';
  host_misaligned = 0;
  return emulation_result(sum(ex, num_inputs, inputs, y, add, lane_bytes));
}

extern "C" int c2op__cuda_dense_index32(uintptr_t start, int64_t lanes, size_t lane_bytes) {
  return index32_fits(dense_split(start, lanes, lane_bytes)) ? 1 : 0;
}

extern "C" int c2op__cuda_dense_streams(int64_t bytes) { return dense_streams(bytes) ? 1 : 0; }

extern "C" int c2op__cuda_rows_layout(const c2op__plan *plan, size_t lane_bytes, int64_t row,
                                      int64_t *x_off, int64_t *y_off, int32_t *tx, int32_t *ty,
                                      int64_t *chunk_lanes) {
  if (!rows_eligible(plan, plan->x, plan->y, lane_bytes)) return 0;
  RowsShape s;
  const RowsArgs a = rows_args(plan, lane_bytes, &s);
  row_offsets(a, row, x_off, y_off);
  *tx = s.tx;
  *ty = s.ty;
  *chunk_lanes = s.chunk_lanes;
  return 1;
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

extern "C" c2op_status c2op__cuda_synchronize(int32_t device_id) {
  DeviceGuard guard(device_id);
  if (guard.status != C2OP_OK) return guard.status;
  CUDA_TRY(cudaDeviceSynchronize(), "waiting for the device");
  return C2OP_OK;
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
