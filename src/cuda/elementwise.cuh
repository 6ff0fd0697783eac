/* elementwise.cuh - what the CUDA elementwise kernels compute, as
 * __host__ __device__ code (internal, C++; included by the .cu files).
 *
 * Everything a kernel does per thread lives here: the lane semantics of each
 * op, the index and row math, and the three kernel bodies (dense vectors,
 * padded rows, any strides) as functors called with the thread's
 * coordinates. On the GPU a one-line __global__ wrapper calls them; on the
 * host the test hook of cuda_backend.h calls them for every block and thread
 * in turn over host memory, so that the math is checked against the CPU on
 * a machine without a GPU (tests/test_cuda_host.c).
 *
 * Semantics are the CPU's, bit for bit (src/cpu/add_scalar.c and the
 * negation kernels): floats negate by flipping the sign bit, integers
 * negate and add modulo 2^bits through unsigned types, float32/float64 add
 * in IEEE round to nearest even, float16 and bfloat16 add in float32 and
 * round once with the CPU's conversions.
 *
 * The float additions and the float16/bfloat16 conversions come from
 * core/float_bits.h, which the CPU kernels use too: one source for both
 * backends, NaN rule included (a GPU alone would give its canonical NaN). */
#ifndef C2OP_CUDA_ELEMENTWISE_CUH
#define C2OP_CUDA_ELEMENTWISE_CUH

#include <cuda_runtime.h>
#include <stdint.h>
#include <string.h>

#include "c2op.h"
#include "core/float_bits.h"
#include "core/unary_op.h"

#define C2OP_HD __host__ __device__ __forceinline__
/* Loop unrolling on the device; the host compiler knows no such pragma. */
#ifdef __CUDA_ARCH__
#define C2OP_UNROLL _Pragma("unroll")
#else
#define C2OP_UNROLL
#endif

namespace c2op_cuda {

/* Threads per block and 16-byte vectors per thread, overridable at build
 * time for tuning (scripts/gpu-tune). Measured on an H100 (docs/gpu/):
 * 256 x 2 beat 256 x 4, 128 x 4 and 512 x 4 from 4 MiB up and matched
 * 128 x 2 in a first sweep; on a later machine 128 x 2 (torch.neg's own
 * shape) kept 1.00x torch.neg from 256 MiB up where 256 x 2 fell to 0.98x
 * (docs/gpu/2026-11-27-b/; docs/PERFORMANCE.md). kThreads must be a power
 * of two, at least 32. */
#ifndef C2OP_CUDA_THREADS
#define C2OP_CUDA_THREADS 128
#endif
#ifndef C2OP_CUDA_VEC_PER_THREAD
#define C2OP_CUDA_VEC_PER_THREAD 2
#endif
constexpr int kThreads = C2OP_CUDA_THREADS;
constexpr int kVecPerThread = C2OP_CUDA_VEC_PER_THREAD;
constexpr int64_t kMaxBlocks = (int64_t)1 << 20;
constexpr int64_t kMaxGridY = 65535;
/* Plans whose rows are shorter than this many bytes take the strided
 * kernel: a row kernel would leave most of a warp idle. Not measured yet. */
constexpr int64_t kRowsMinBytes = 64;

static_assert(kThreads >= 32 && (kThreads & (kThreads - 1)) == 0,
              "C2OP_CUDA_THREADS must be a power of two >= 32");

/* A thread's coordinates, as the kernel bodies see them. */
struct Tid {
  int64_t bx, by; /* block index */
  int64_t gx, gy; /* grid size in blocks */
  int32_t tx, ty; /* thread index in the block */
  int32_t bdx, bdy; /* block size */
};

/* ---- loads and stores ----------------------------------------------------
 * On the device: typed accesses (the callers guarantee alignment). On the
 * host (the emulation): memcpy, which has no aliasing or alignment rules,
 * so misaligned accesses, which would fault on a GPU, are counted instead
 * (the test hooks fail when any happened). */
inline thread_local int64_t host_misaligned = 0;

template <typename T> C2OP_HD T load(const char *p) {
#ifdef __CUDA_ARCH__
  return *reinterpret_cast<const T *>(p);
#else
  if ((uintptr_t)p % sizeof(T) != 0) host_misaligned++;
  T v;
  memcpy(&v, p, sizeof v);
  return v;
#endif
}

template <typename T> C2OP_HD void store(char *p, T v) {
#ifdef __CUDA_ARCH__
  *reinterpret_cast<T *>(p) = v;
#else
  if ((uintptr_t)p % sizeof(T) != 0) host_misaligned++;
  memcpy(p, &v, sizeof v);
#endif
}

/* The 16-byte accesses of vec_block (the dense and rows kernels): plain,
 * or, with CS, streaming (ld/st.global.cs: evict first). Each byte is
 * touched once, so keeping it in L2 helps no later access of the same
 * call. Measured on an H100 against torch.neg (plain accesses), 4-5 runs
 * each (docs/gpu/2026-11-27-b/): streaming 1.04-1.05x at 16 MiB (plain
 * 0.99-1.01x) and 1.01x at 64 MiB (plain 0.99-1.00x), but 1.00-1.02x at
 * 4 MiB (plain 1.03-1.05x) and 0.996-0.999x from 256 MiB (plain
 * 0.998-1.003x). So the dense kernel streams tensors from
 * C2OP_CUDA_STREAMING_MIN_BYTES to C2OP_CUDA_STREAMING_MAX_BYTES
 * (unary_cuda.cu), the rows kernel always; C2OP_CUDA_VEC_HINT=0 at build
 * time turns streaming off everywhere (scripts/gpu-tune's h0). The cost: y
 * leaves a streaming call marked to be evicted first, so a consumer
 * reading it straight after finds less of it in L2 than after plain stores
 * (not measured). */
#ifndef C2OP_CUDA_VEC_HINT
#define C2OP_CUDA_VEC_HINT 1
#endif
constexpr bool kStreamingBuilt = C2OP_CUDA_VEC_HINT == 1;

template <bool CS> C2OP_HD uint4 load_vec(const char *p) {
#ifdef __CUDA_ARCH__
  if constexpr (CS) return __ldcs(reinterpret_cast<const uint4 *>(p));
#endif
  return load<uint4>(p);
}

template <bool CS> C2OP_HD void store_vec(char *p, uint4 v) {
#ifdef __CUDA_ARCH__
  if constexpr (CS) {
    __stcs(reinterpret_cast<uint4 *>(p), v);
    return;
  }
#endif
  store<uint4>(p, v);
}

/* A lane at a byte address that may not be aligned to it. */
template <typename L, bool BYTEWISE> C2OP_HD L load_lane(const char *p) {
  if constexpr (BYTEWISE) {
    L v;
    unsigned char *b = reinterpret_cast<unsigned char *>(&v);
    for (int i = 0; i < (int)sizeof(L); i++) b[i] = (unsigned char)p[i];
    return v;
  } else {
    return load<L>(p);
  }
}

template <typename L, bool BYTEWISE> C2OP_HD void store_lane(char *p, L v) {
  if constexpr (BYTEWISE) {
    const unsigned char *b = reinterpret_cast<const unsigned char *>(&v);
    for (int i = 0; i < (int)sizeof(L); i++) p[i] = (char)b[i];
  } else {
    store<L>(p, v);
  }
}

/* ---- the ops ------------------------------------------------------------- */

/* Whether op reads y (y += x) besides writing it. */
template <int OP> constexpr bool kReadsY = OP >= C2OP__UNARY_ADD_INT;

template <typename L> struct SignMask;
template <> struct SignMask<uint16_t> { static constexpr uint16_t value = 0x8000u; };
template <> struct SignMask<uint32_t> { static constexpr uint32_t value = 0x80000000u; };
template <> struct SignMask<uint64_t> { static constexpr uint64_t value = 0x8000000000000000ull; };

/* One lane: the new y from x (and the old y for additions). */
template <int OP, typename L> C2OP_HD L apply(L x, L y) {
  if constexpr (OP == C2OP__UNARY_NEG_INT) {
    return (L)((L)0 - x); /* unsigned: wraps modulo 2^bits */
  } else if constexpr (OP == C2OP__UNARY_NEG_FLOAT) {
    return (L)(x ^ SignMask<L>::value);
  } else if constexpr (OP == C2OP__UNARY_ADD_INT) {
    return (L)((L)x + (L)y); /* unsigned: wraps modulo 2^bits */
  } else if constexpr (OP == C2OP__UNARY_ADD_FLOAT && sizeof(L) == 4) {
    return c2op__add_f32_bits(x, y);
  } else if constexpr (OP == C2OP__UNARY_ADD_FLOAT && sizeof(L) == 8) {
    return c2op__add_f64_bits(x, y);
  } else if constexpr (OP == C2OP__UNARY_ADD_HALF) {
    return c2op__add_f16_bits(x, y);
  } else if constexpr (OP == C2OP__UNARY_ADD_BFLOAT) {
    return c2op__add_bf16_bits(x, y);
  } else {
    (void)y;
    return x;
  }
}

/* The op on a 16-byte vector of lanes of type L. */
template <int OP, typename L> C2OP_HD uint4 apply_vec(uint4 x, uint4 y) {
#ifdef __CUDA_ARCH__
  if constexpr (OP == C2OP__UNARY_NEG_INT && sizeof(L) == 1) {
    x.x = __vneg4(x.x); /* per-byte negation, wrapping */
    x.y = __vneg4(x.y);
    x.z = __vneg4(x.z);
    x.w = __vneg4(x.w);
    return x;
  } else if constexpr (OP == C2OP__UNARY_NEG_INT && sizeof(L) == 2) {
    x.x = __vneg2(x.x); /* per-halfword negation, wrapping */
    x.y = __vneg2(x.y);
    x.z = __vneg2(x.z);
    x.w = __vneg2(x.w);
    return x;
  } else if constexpr (OP == C2OP__UNARY_ADD_INT && sizeof(L) == 1) {
    x.x = __vadd4(x.x, y.x); /* per-byte addition, wrapping */
    x.y = __vadd4(x.y, y.y);
    x.z = __vadd4(x.z, y.z);
    x.w = __vadd4(x.w, y.w);
    return x;
  } else if constexpr (OP == C2OP__UNARY_ADD_INT && sizeof(L) == 2) {
    x.x = __vadd2(x.x, y.x); /* per-halfword addition, wrapping */
    x.y = __vadd2(x.y, y.y);
    x.z = __vadd2(x.z, y.z);
    x.w = __vadd2(x.w, y.w);
    return x;
  }
#endif
  constexpr int n = (int)(16 / sizeof(L));
  L a[n], b[n];
  memcpy(a, &x, 16);
  memcpy(b, &y, 16);
C2OP_UNROLL
  for (int i = 0; i < n; i++) a[i] = apply<OP, L>(a[i], b[i]);
  memcpy(&x, a, 16);
  return x;
}

/* One lane at byte addresses xp, yp. */
template <int OP, typename L, bool BYTEWISE> C2OP_HD void lane_op(const char *xp, char *yp) {
  const L xv = load_lane<L, BYTEWISE>(xp);
  const L yv = kReadsY<OP> ? load_lane<L, BYTEWISE>(yp) : (L)0;
  store_lane<L, BYTEWISE>(yp, apply<OP, L>(xv, yv));
}

/* One thread's share of a run of 16-byte vectors: vectors base, base +
 * stride, ... (kVecPerThread of them, those below nvec), all loaded before
 * any is stored. Shared by the dense and the rows kernels. I is the type of
 * the vector index: int64_t, or uint32_t where the caller has checked that
 * every index it forms fits (then the index math is 32-bit, and the byte
 * offset one widening multiply). */
template <int OP, typename L, typename I = int64_t, bool FULL = false, bool CS = kStreamingBuilt>
C2OP_HD void vec_block(const char *xv, char *yv, I base, I stride, I nvec) {
  uint4 v[kVecPerThread] = {}, w[kVecPerThread] = {};
C2OP_UNROLL
  for (int k = 0; k < kVecPerThread; k++) {
    const I i = base + (I)k * stride;
    if (FULL || i < nvec) {
      v[k] = load_vec<CS>(xv + (uint64_t)i * 16);
      w[k] = kReadsY<OP> ? load_vec<CS>(yv + (uint64_t)i * 16) : v[k];
    }
  }
C2OP_UNROLL
  for (int k = 0; k < kVecPerThread; k++) {
    const I i = base + (I)k * stride;
    if (FULL || i < nvec) store_vec<CS>(yv + (uint64_t)i * 16, apply_vec<OP, L>(v[k], w[k]));
  }
}

/* ---- dense kernel --------------------------------------------------------
 * `head` lanes at x/y, then `nvec` 16-byte aligned vectors (at xv/yv), then
 * `tail` lanes. Each thread loads its kVecPerThread vectors before storing
 * any; a thread whose vectors are all below nvec (all but the last block's)
 * does so without a bounds test, as few instructions as the loads need;
 * thread 0 of block 0 also does the head and the tail. In place (x == y) is
 * fine: each address is read and written by one thread, read first. 1-D
 * grid of kThreads-thread blocks. I: the vector index type (vec_block);
 * uint32_t only when the grid times kThreads x kVecPerThread is at most
 * 2^32 (index32_fits). CS: streaming accesses (load_vec). EDGES = false:
 * no head or tail code, for head = tail = 0 (C2OP_CUDA_EDGE_FREE). */
template <int OP, typename L, typename I = int64_t, bool CS = false, bool EDGES = true>
struct VecBody {
  const char *x;
  char *y;
  const char *xv; /* x + head lanes */
  char *yv;       /* y + head lanes */
  int64_t head, nvec, tail;

  C2OP_HD void operator()(const Tid &t) const {
    const I base = (I)t.bx * (I)(kThreads * kVecPerThread) + (I)t.tx;
    if (base + (I)((kVecPerThread - 1) * kThreads) < (I)nvec)
      vec_block<OP, L, I, true, CS>(xv, yv, base, (I)kThreads, (I)nvec);
    else
      vec_block<OP, L, I, false, CS>(xv, yv, base, (I)kThreads, (I)nvec);
    if constexpr (EDGES) {
      if (t.bx == 0 && t.tx == 0) {
        const int64_t sz = (int64_t)sizeof(L);
        for (int64_t i = 0; i < head; i++) lane_op<OP, L, false>(x + i * sz, y + i * sz);
        const int64_t t0 = head + nvec * (int64_t)(16 / sizeof(L));
        for (int64_t i = t0; i < t0 + tail; i++) lane_op<OP, L, false>(x + i * sz, y + i * sz);
      }
    }
  }
};

/* ---- fused addition of two dense tensors ---------------------------------
 * Sum's first step when it accumulates in y itself: y = a + b over dense
 * a, b and y that share their alignment modulo 16, laid out like VecBody
 * (head lanes, 16-byte vectors, tail lanes). a is the running sum, b the
 * addend (Sum's NaN rule keeps a's NaN). */
template <int OP, typename L> struct Add2Body {
  const char *a, *b;
  char *y;
  int64_t head, nvec, tail;

  C2OP_HD void lane(int64_t i) const {
    const int64_t o = i * (int64_t)sizeof(L);
    store<L>(y + o, apply<OP, L>(load<L>(b + o), load<L>(a + o)));
  }

  C2OP_HD void operator()(const Tid &t) const {
    const int64_t h = head * (int64_t)sizeof(L);
    const int64_t base = t.bx * t.bdx * kVecPerThread + t.tx;
    uint4 va[kVecPerThread] = {}, vb[kVecPerThread] = {};
C2OP_UNROLL
    for (int k = 0; k < kVecPerThread; k++) {
      const int64_t i = base + (int64_t)k * t.bdx;
      if (i < nvec) {
        va[k] = load<uint4>(a + h + i * 16);
        vb[k] = load<uint4>(b + h + i * 16);
      }
    }
C2OP_UNROLL
    for (int k = 0; k < kVecPerThread; k++) {
      const int64_t i = base + (int64_t)k * t.bdx;
      if (i < nvec) store<uint4>(y + h + i * 16, apply_vec<OP, L>(vb[k], va[k]));
    }
    if (t.bx == 0 && t.tx == 0) {
      for (int64_t i = 0; i < head; i++) lane(i);
      const int64_t t0 = head + nvec * (int64_t)(16 / sizeof(L));
      for (int64_t i = t0; i < t0 + tail; i++) lane(i);
    }
  }
};

/* ---- strided kernel ------------------------------------------------------
 * Any layout of a plan (dims innermost first, byte strides): one element
 * per thread, grid-stride, 1-D grid. I is the type used to split the linear
 * index into per-dim indices: uint32_t when the element count fits (64-bit
 * division is several times slower on the GPU), else int64_t. Offsets are
 * always 64-bit. */
struct StridedArgs {
  int32_t ndim;
  int32_t lanes; /* lanes of type L per element */
  int64_t numel;
  int64_t shape[C2OP_MAX_NDIM];
  int64_t xs[C2OP_MAX_NDIM];
  int64_t ys[C2OP_MAX_NDIM];
};

template <int OP, typename L, bool BYTEWISE, typename I> struct StridedBody {
  const char *x;
  char *y;
  StridedArgs a;

  C2OP_HD void operator()(const Tid &t) const {
    const int64_t step = t.gx * t.bdx;
    for (int64_t i = t.bx * t.bdx + t.tx; i < a.numel; i += step) {
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
        const int64_t o = (int64_t)l * (int64_t)sizeof(L);
        lane_op<OP, L, BYTEWISE>(x + xo + o, y + yo + o);
      }
    }
  }
};

/* ---- rows kernel ---------------------------------------------------------
 * Plans whose innermost dim is contiguous in both x and y (padded rows, a
 * slice of columns, any outer strides): a row is a dense run of
 * `row_lanes` lanes; rows sit at the offsets that dims 1.. give.
 *
 * 2-D blocks of tx x ty threads: ty rows per block, tx threads along a
 * row, each doing kVecPerThread 16-byte vectors of a chunk of the row; the
 * grid's x walks rows (grid-stride), its y walks chunks (grid-stride).
 * A row whose x and y start at the same address modulo 16 goes by vectors,
 * with its unaligned head and its tail lanes done by the first threads of
 * chunk 0; any other row goes lane by lane, still coalesced (thread t does
 * lanes t, t + tx, ...). All lanes are aligned to L (checked by the
 * launcher). */
struct RowsArgs {
  int32_t ndim;      /* the plan's dims; dim 0 is the row */
  int64_t row_lanes; /* lanes of type L per row */
  int64_t nrows;     /* product of shape[1..ndim) */
  int64_t chunk_lanes; /* lanes per chunk: tx * kVecPerThread * (16 / L) */
  int64_t nchunks;   /* chunks per row */
  int64_t shape[C2OP_MAX_NDIM]; /* dims 1.. are used */
  int64_t xs[C2OP_MAX_NDIM];    /* byte strides */
  int64_t ys[C2OP_MAX_NDIM];
};

/* Byte offsets in x and y of the first lane of row `r`: r split over dims
 * 1..ndim-1, innermost first. Two dims (the common case: one row stride)
 * need no division, which costs the GPU dozens of instructions. */
/* Byte offsets in x and y of linear index r split over dims [d0, d1) of
 * shape/xs/ys, innermost first (64-bit division). Shared by the rows and
 * tiled kernels. */
C2OP_HD void split_offsets(int64_t r, const int64_t *shape, const int64_t *xs, const int64_t *ys,
                           int32_t d0, int32_t d1, int64_t *xo, int64_t *yo) {
  int64_t x = 0, y = 0;
  for (int32_t d = d0; d < d1; d++) {
    const int64_t n = shape[d];
    const int64_t q = r / n;
    const int64_t idx = r - q * n;
    r = q;
    x += idx * xs[d];
    y += idx * ys[d];
  }
  *xo = x;
  *yo = y;
}

C2OP_HD void row_offsets(const RowsArgs &a, int64_t r, int64_t *xo, int64_t *yo) {
  if (a.ndim == 2) {
    *xo = r * a.xs[1];
    *yo = r * a.ys[1];
    return;
  }
  split_offsets(r, a.shape, a.xs, a.ys, 1, a.ndim, xo, yo);
}

/* The launch shape of the rows kernel for rows of `row_lanes` lanes of
 * `lane` bytes: tx the smallest power of two from 32 to kThreads whose
 * vectors cover a row, ty = kThreads / tx rows per block. */
struct RowsShape {
  int32_t tx, ty;
  int64_t chunk_lanes, nchunks;
  int64_t grid_x, grid_y;
};

C2OP_HD RowsShape rows_shape(int64_t row_lanes, int64_t nrows, int64_t lane) {
  RowsShape s;
  const int64_t per_vec = 16 / lane;
  const int64_t row_vecs = (row_lanes + per_vec - 1) / per_vec;
  const int64_t want = (row_vecs + kVecPerThread - 1) / kVecPerThread;
  s.tx = 32;
  while (s.tx < kThreads && s.tx < want) s.tx *= 2;
  s.ty = kThreads / s.tx;
  s.chunk_lanes = (int64_t)s.tx * kVecPerThread * per_vec;
  s.nchunks = (row_lanes + s.chunk_lanes - 1) / s.chunk_lanes;
  s.grid_x = (nrows + s.ty - 1) / s.ty;
  if (s.grid_x > kMaxBlocks) s.grid_x = kMaxBlocks;
  if (s.grid_x < 1) s.grid_x = 1;
  s.grid_y = s.nchunks < kMaxGridY ? s.nchunks : kMaxGridY;
  if (s.grid_y < 1) s.grid_y = 1;
  return s;
}

template <int OP, typename L> struct RowsBody {
  const char *x;
  char *y;
  RowsArgs a;

  /* Chunk c of a row whose x and y are equally aligned modulo 16. */
  C2OP_HD void vec_chunk(const Tid &t, const char *xr, char *yr, int64_t c) const {
    const int64_t sz = (int64_t)sizeof(L), per_vec = 16 / sz;
    int64_t head = (int64_t)(((16 - ((uintptr_t)yr & 15)) & 15) / sizeof(L));
    if (head > a.row_lanes) head = a.row_lanes;
    const int64_t nvec = (a.row_lanes - head) / per_vec;
    const int64_t tail = a.row_lanes - head - nvec * per_vec;
    const char *xv = xr + head * sz;
    char *yv = yr + head * sz;
    const int64_t base = c * t.bdx * kVecPerThread + t.tx;
    vec_block<OP, L>(xv, yv, base, (int64_t)t.bdx, nvec);
    if (c == 0) {
      if (t.tx < head) lane_op<OP, L, false>(xr + t.tx * sz, yr + t.tx * sz);
      if (t.tx < tail) {
        const int64_t j = head + nvec * per_vec + t.tx;
        lane_op<OP, L, false>(xr + j * sz, yr + j * sz);
      }
    }
  }

  /* Chunk c of any other row, lane by lane: thread t does lanes t,
   * t + bdx, ..., all of them loaded before any is stored (a store through
   * a char pointer could alias the next load, so the compiler would not
   * overlap them by itself; measured 0.78x of a copy on an H100 one by
   * one). A chunk holds kLanes lanes per thread. */
  static constexpr int kLanes = kVecPerThread * (int)(16 / sizeof(L));
  C2OP_HD void lane_chunk(const Tid &t, const char *xr, char *yr, int64_t c) const {
    const int64_t sz = (int64_t)sizeof(L);
    int64_t end = (c + 1) * a.chunk_lanes;
    if (end > a.row_lanes) end = a.row_lanes;
    const int64_t j0 = c * a.chunk_lanes + t.tx;
    L xv[kLanes] = {}, yv[kLanes] = {};
C2OP_UNROLL
    for (int k = 0; k < kLanes; k++) {
      const int64_t j = j0 + (int64_t)k * t.bdx;
      if (j < end) {
        xv[k] = load<L>(xr + j * sz);
        yv[k] = kReadsY<OP> ? load<L>(yr + j * sz) : (L)0;
      }
    }
C2OP_UNROLL
    for (int k = 0; k < kLanes; k++) {
      const int64_t j = j0 + (int64_t)k * t.bdx;
      if (j < end) store<L>(yr + j * sz, apply<OP, L>(xv[k], yv[k]));
    }
  }

  C2OP_HD void operator()(const Tid &t) const {
    for (int64_t r = t.bx * t.bdy + t.ty; r < a.nrows; r += t.gx * t.bdy) {
      int64_t xo, yo;
      row_offsets(a, r, &xo, &yo);
      const char *xr = x + xo;
      char *yr = y + yo;
      const bool vec = (((uintptr_t)xr ^ (uintptr_t)yr) & 15) == 0;
      for (int64_t c = t.by; c < a.nchunks; c += t.gy) {
        if (vec)
          vec_chunk(t, xr, yr, c);
        else
          lane_chunk(t, xr, yr, c);
      }
    }
  }
};

/* ---- tiled kernel (transposes) ------------------------------------------
 * Plans where y is contiguous along dim 0 (ys[0] == 1) and x along another
 * dim b (xs[b] == 1), e.g. a transposed x copied out into a compact y. The
 * strided kernel reads x there with a stride between neighbouring threads,
 * so every lane costs a memory sector. Here a block of kTile x kTileRows
 * threads moves kTile x kTile tiles of elements (dims 0 and b): it reads a
 * tile of x with consecutive threads on consecutive elements of dim b into
 * shared memory, syncs, and writes the tile to y with consecutive threads
 * on consecutive elements of dim 0. Each thread moves kTile / kTileRows
 * elements per phase. The other dims are batches (the grid's y walks
 * them, grid-stride; the grid's x walks tiles, grid-stride).
 *
 * The body has two phases, load and store, with a barrier between them:
 * on the GPU the entry runs both with __syncthreads; the host emulation
 * runs the load phase of every thread of the block, then the store phase. */
/* Rows of threads per tile (scripts/gpu-tune's rN). 4 moved transposes
 * 8-16% faster than 8 on an H100 in two sessions (second session: 0.75x of
 * a copy at 16 MiB and 0.88-0.89x from 64 MiB, against 0.66x and
 * 0.79-0.83x; docs/gpu/2026-11-27/tile-rows-4.txt,
 * docs/gpu/2026-11-27-b/call1-tune.txt), test_cuda passing with it. */
#ifndef C2OP_CUDA_TILE_ROWS
#define C2OP_CUDA_TILE_ROWS 4
#endif
constexpr int kTile = 32;
constexpr int kTileRows = C2OP_CUDA_TILE_ROWS;
static_assert(kTileRows >= 1 && kTile % kTileRows == 0,
              "C2OP_CUDA_TILE_ROWS must divide 32");

struct TileArgs {
  int64_t n0, nb;           /* extents of dim 0 and of dim b */
  int64_t tiles0, ntiles;   /* tiles along dim 0; tiles in all */
  int64_t nbatch;           /* product of the other dims' extents */
  int64_t x0, yb;           /* byte strides: x along dim 0, y along dim b */
  int32_t nbd;              /* the other dims, innermost first: */
  int64_t bshape[C2OP_MAX_NDIM];
  int64_t bxs[C2OP_MAX_NDIM]; /* byte strides */
  int64_t bys[C2OP_MAX_NDIM];
};

/* An element in shared memory: LANES lanes of L (complex: 2 lanes). */
template <typename L, int LANES> struct TileElem {
  L l[LANES];
};
/* One tile; the row pitch of kTile + 1 elements keeps the column reads of
 * the store phase on distinct banks. */
template <typename L, int LANES> struct TileSmem {
  TileElem<L, LANES> e[kTile][kTile + 1];
};

template <int OP, typename L, int LANES> struct TileBody {
  using Smem = TileSmem<L, LANES>;
  static constexpr int64_t kElem = (int64_t)sizeof(L) * LANES;
  const char *x;
  char *y;
  TileArgs a;

  /* Byte offsets in x and y of batch `b`. */
  C2OP_HD void batch_offsets(int64_t b, int64_t *xo, int64_t *yo) const {
    split_offsets(b, a.bshape, a.bxs, a.bys, 0, a.nbd, xo, yo);
  }

  /* The first index along dim 0 and along dim b of tile `tile`, with 32-bit
   * division (64-bit division costs the GPU dozens of instructions; the
   * launcher keeps ntiles below 2^32). */
  C2OP_HD void tile_origin(int64_t tile, int64_t *i0, int64_t *j0) const {
    const uint32_t tl = (uint32_t)tile, n = (uint32_t)a.tiles0, q = tl / n;
    *i0 = (int64_t)(tl - q * n) * kTile;
    *j0 = (int64_t)q * kTile;
  }

  /* Reads tile `tile` of batch `batch` of x into s. */
  C2OP_HD void read_tile(const Tid &t, int64_t tile, int64_t batch, Smem &s) const {
    int64_t xo, yo;
    batch_offsets(batch, &xo, &yo);
    int64_t i0, j;
    tile_origin(tile, &i0, &j);
    j += t.tx;
    if (j >= a.nb) return;
    const char *xb = x + xo + j * kElem;
    constexpr int kPer = kTile / kTileRows;
    TileElem<L, LANES> v[kPer] = {}; /* all loads issued before any shared store */
C2OP_UNROLL
    for (int k = 0; k < kPer; k++) {
      const int r = t.ty + k * kTileRows;
      if (i0 + r < a.n0) {
        const char *p = xb + (i0 + r) * a.x0;
C2OP_UNROLL
        for (int l = 0; l < LANES; l++) v[k].l[l] = load<L>(p + l * (int64_t)sizeof(L));
      }
    }
C2OP_UNROLL
    for (int k = 0; k < kPer; k++) {
      const int r = t.ty + k * kTileRows;
      if (i0 + r < a.n0) s.e[r][t.tx] = v[k];
    }
  }

  /* Writes tile `tile` of batch `batch` of y from s, applying the op. */
  C2OP_HD void write_tile(const Tid &t, int64_t tile, int64_t batch, const Smem &s) const {
    int64_t xo, yo;
    batch_offsets(batch, &xo, &yo);
    int64_t i, j0;
    tile_origin(tile, &i, &j0);
    i += t.tx;
    if (i >= a.n0) return;
    char *yb = y + yo + i * kElem;
    constexpr int kPer = kTile / kTileRows;
    TileElem<L, LANES> old[kPer] = {}; /* additions: y's loads before any store */
    if (kReadsY<OP>) {
C2OP_UNROLL
      for (int k = 0; k < kPer; k++) {
        const int c = t.ty + k * kTileRows;
        if (j0 + c < a.nb)
C2OP_UNROLL
          for (int l = 0; l < LANES; l++)
            old[k].l[l] = load<L>(yb + (j0 + c) * a.yb + l * (int64_t)sizeof(L));
      }
    }
C2OP_UNROLL
    for (int k = 0; k < kPer; k++) {
      const int c = t.ty + k * kTileRows;
      if (j0 + c < a.nb) {
        char *p = yb + (j0 + c) * a.yb;
C2OP_UNROLL
        for (int l = 0; l < LANES; l++)
          store<L>(p + l * (int64_t)sizeof(L), apply<OP, L>(s.e[t.tx][c].l[l], old[k].l[l]));
      }
    }
  }
};

} // namespace c2op_cuda

#endif
