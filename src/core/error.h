/* error.h - status codes and the thread-local error message (internal). */
#ifndef C2OP_CORE_ERROR_H
#define C2OP_CORE_ERROR_H

#include "c2op.h"

/* Records `status` with a printf-style message as this thread's last error
 * and returns `status`, so error paths are one line:
 *   return c2op__error(C2OP_ERR_NULL_POINTER, "x is NULL");
 * Arguments may point into the current message: the message is formatted
 * into a buffer of its own before it replaces the current one. */
c2op_status c2op__error(c2op_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with `fmt...` + ": " (used to add context
 * such as "op 2 (Negative)"); returns `status`. Both record `status` with
 * the message. A message past the 1023-byte buffer keeps its start and its
 * end around " ... " (arguments may point into the current message). */
c2op_status c2op__error_prefix(c2op_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After a user's callback (a kernel, a shape inference, a gradient maker)
 * returned `status`; call c2op__clear_error() just before it. On success
 * the message is cleared again, whatever failing c2op call the callback
 * tolerated on the way. On failure a callback that left no message gets
 * "<what> returned <status> without a message"; one whose message has
 * another status (a call it tolerated before failing for a reason of its
 * own) gets the same, with that call's status and message in parentheses.
 * Returns `status`. */
c2op_status c2op__after_callback(c2op_status status, const char *what);

/* Set when this thread's last call failed; c2op_last_error() shows the
 * message only then. Initial-exec TLS (one byte of the static TLS block, so
 * a dlopen-ed libc2op still loads): clearing it is one load (and a store
 * after a failure), where the message buffer's general-dynamic TLS costs a
 * __tls_get_addr call. */
#ifdef __cplusplus /* the CUDA sources are C++ (nvcc takes no tls_model) */
extern thread_local unsigned char c2op__has_error;
#else
extern _Thread_local unsigned char c2op__has_error __attribute__((tls_model("initial-exec")));
#endif

/* Clears the last error; every public fallible entry point calls it first.
 * A load, and a store only after a failure: in a loop of 16-float calls
 * the unconditional store cost 6-9% (in-process A/B; a store competes
 * with the kernel's for the store port, docs/PERFORMANCE.md, "Call
 * overhead"); 1 and 4 KiB calls read level. */
static inline void c2op__clear_error(void) {
  if (c2op__has_error) c2op__has_error = 0;
}

/* One-line error returns. */
#define C2OP_RETURN_IF(cond, status, ...)                                      \
  do {                                                                         \
    if (cond) return c2op__error((status), __VA_ARGS__);                       \
  } while (0)

#define C2OP_TRY(expr)                                                         \
  do {                                                                         \
    c2op_status c2op_try_s_ = (expr);                                          \
    if (c2op_try_s_ != C2OP_OK) return c2op_try_s_;                            \
  } while (0)

#endif
