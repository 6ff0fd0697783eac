/*
 * peer.h - the interface between c2op-bench and a peer library's C or C++
 * entry point, loaded at run time (dlopen) so that c2op-bench builds and runs
 * without the peer.
 *
 * A peer module exports one symbol, `c2op_bench_peer_entry` (a c2op_bench_peer).
 * For each row c2op-bench calls prepare() with the row's x and y (DLPack
 * tensors on the CPU: y may be x, in place), times run() interleaved with
 * its other candidates, and calls release(). Every peer call happens on
 * c2op-bench's main thread; a peer may use threads of its own inside run().
 *
 * Peers (bench/peers/): numpy_peer.c (NumPy's own C inner loop of
 * numpy.negative, through an embedded Python) and torch_peer.cpp
 * (at::neg_out, PyTorch's C++ entry point).
 */
#ifndef C2OP_BENCH_PEER_H_
#define C2OP_BENCH_PEER_H_

#include <stddef.h>

#include <dlpack/dlpack.h>

#ifdef __cplusplus
extern "C" {
#endif

#define C2OP_BENCH_PEER_ABI 1

typedef struct c2op_bench_peer {
  int abi;          /* C2OP_BENCH_PEER_ABI */
  const char *name; /* the column: "numpy", "torch" */
  /* Starts the peer (once, before any prepare). 0 on success; otherwise a
   * message in why and the peer is not used. version names the library. */
  int (*open)(const char **version, char *why, size_t why_len);
  /* A call computing y = -x with `threads` threads. 0 and *call on success;
   * nonzero when the peer cannot do this row (dtype, layout, threads), with
   * the reason in why. */
  int (*prepare)(const DLTensor *x, const DLTensor *y, int threads, void **call, char *why,
                 size_t why_len);
  /* One call: 0, or nonzero when it failed (c2op-bench then reports the
   * row as failed). */
  int (*run)(void *call);
  void (*release)(void *call);
} c2op_bench_peer;

#ifdef __cplusplus
}
#endif

#endif /* C2OP_BENCH_PEER_H_ */
