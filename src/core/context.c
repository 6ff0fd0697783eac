/* context.c - execution contexts: thread count and CUDA stream; byte-count
 * settings from the environment. */
#include "core/context.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"

/* The largest thread count a context accepts. */
#define C2OP_MAX_THREADS 1024

static const c2op_context default_context = {0, NULL};

/* 0 until computed; then read with one atomic load per call. */
static atomic_int automatic_threads;
static pthread_once_t automatic_once = PTHREAD_ONCE_INIT;

/* C2OP_NUM_THREADS when set to a valid number, else the online CPUs. */
static void compute_automatic_threads(void) {
  int32_t n = 0;
  const char *env = getenv("C2OP_NUM_THREADS");
  if (env && *env) {
    char *end = NULL;
    long v = strtol(env, &end, 10);
    if (end && *end == '\0' && v >= 1 && v <= C2OP_MAX_THREADS) n = (int32_t)v;
  }
  if (n == 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus >= 1 ? (int32_t)(cpus > C2OP_MAX_THREADS ? C2OP_MAX_THREADS : cpus) : 1;
  }
  atomic_store_explicit(&automatic_threads, n, memory_order_release);
}

int32_t c2op__context_threads(const c2op_context *ctx) {
  if (ctx && ctx->num_threads > 0) return ctx->num_threads;
  int32_t n = atomic_load_explicit(&automatic_threads, memory_order_acquire);
  if (n == 0) {
    pthread_once(&automatic_once, compute_automatic_threads);
    n = atomic_load_explicit(&automatic_threads, memory_order_acquire);
  }
  return n;
}

c2op_status c2op_context_create(c2op_context **ctx_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ctx_out, C2OP_ERR_NULL_POINTER, "ctx_out is NULL");
  c2op_context *ctx = c2op__malloc(sizeof *ctx);
  C2OP_RETURN_IF(!ctx, C2OP_ERR_OUT_OF_MEMORY, "ctx: out of memory");
  *ctx = default_context;
  *ctx_out = ctx;
  return C2OP_OK;
}

void c2op_context_destroy(c2op_context *ctx) { c2op__free(ctx); }

c2op_status c2op_context_set_num_threads(c2op_context *ctx, int32_t num_threads) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ctx, C2OP_ERR_NULL_POINTER, "ctx is NULL");
  C2OP_RETURN_IF(num_threads < 0 || num_threads > C2OP_MAX_THREADS, C2OP_ERR_INVALID_ARGUMENT,
                 "num_threads: %d is out of range [0, %d] (0 = automatic)", (int)num_threads,
                 C2OP_MAX_THREADS);
  ctx->num_threads = num_threads;
  return C2OP_OK;
}

c2op_status c2op_context_get_num_threads(const c2op_context *ctx, int32_t *num_threads_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ctx, C2OP_ERR_NULL_POINTER, "ctx is NULL");
  C2OP_RETURN_IF(!num_threads_out, C2OP_ERR_NULL_POINTER, "num_threads_out is NULL");
  *num_threads_out = ctx->num_threads;
  return C2OP_OK;
}

c2op_status c2op_context_set_cuda_stream(c2op_context *ctx, void *stream) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ctx, C2OP_ERR_NULL_POINTER, "ctx is NULL");
  ctx->cuda_stream = stream;
  return C2OP_OK;
}

c2op_status c2op_context_get_cuda_stream(const c2op_context *ctx, void **stream_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ctx, C2OP_ERR_NULL_POINTER, "ctx is NULL");
  C2OP_RETURN_IF(!stream_out, C2OP_ERR_NULL_POINTER, "stream_out is NULL");
  *stream_out = ctx->cuda_stream;
  return C2OP_OK;
}

int64_t c2op__env_bytes(const char *name, int64_t fallback) {
  const char *e = getenv(name);
  if (!e || !*e) return fallback;
  int64_t v = 0;
  for (const char *c = e; *c; c++) {
    if (*c < '0' || *c > '9') return fallback;
    const int d = *c - '0';
    v = v > (INT64_MAX - d) / 10 ? INT64_MAX : v * 10 + d;
  }
  return v;
}
