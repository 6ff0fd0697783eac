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

#endif
