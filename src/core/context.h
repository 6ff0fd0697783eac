/* context.h - execution contexts (internal view). */
#ifndef C2OP_CORE_CONTEXT_H
#define C2OP_CORE_CONTEXT_H

#include "c2op.h"

struct c2op_context {
  int32_t num_threads; /* 0 = automatic */
  void *cuda_stream;   /* cudaStream_t, NULL = default stream */
};

/* The number of threads a CPU kernel may use under `ctx` (>= 1). */
int32_t c2op__context_threads(const c2op_context *ctx);

/* A byte count from environment variable `name` (the CPU's and the CUDA
 * backend's size settings): decimal digits only, no sign or space, a value
 * past INT64_MAX read as INT64_MAX ("never"); unset, empty or anything
 * else gives `fallback`. */
int64_t c2op__env_bytes(const char *name, int64_t fallback);

#endif
