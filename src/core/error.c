/* error.c - status names and the thread-local last-error message. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define C2OP_ERROR_CAPACITY 1024

static _Thread_local char last_error[C2OP_ERROR_CAPACITY];

/* Whether this thread's last call failed (error.h). The message buffer is
 * written only on failure; this one byte is what every call clears. */
_Thread_local unsigned char c2op__has_error;

const char *c2op_status_name(c2op_status status) {
  switch (status) {
  case C2OP_OK: return "C2OP_OK";
  case C2OP_ERR_NULL_POINTER: return "C2OP_ERR_NULL_POINTER";
  case C2OP_ERR_INVALID_ARGUMENT: return "C2OP_ERR_INVALID_ARGUMENT";
  case C2OP_ERR_UNSUPPORTED_DTYPE: return "C2OP_ERR_UNSUPPORTED_DTYPE";
  case C2OP_ERR_UNSUPPORTED_DEVICE: return "C2OP_ERR_UNSUPPORTED_DEVICE";
  case C2OP_ERR_SHAPE_MISMATCH: return "C2OP_ERR_SHAPE_MISMATCH";
  case C2OP_ERR_DTYPE_MISMATCH: return "C2OP_ERR_DTYPE_MISMATCH";
  case C2OP_ERR_DEVICE_MISMATCH: return "C2OP_ERR_DEVICE_MISMATCH";
  case C2OP_ERR_OVERLAP: return "C2OP_ERR_OVERLAP";
  case C2OP_ERR_OUT_OF_MEMORY: return "C2OP_ERR_OUT_OF_MEMORY";
  case C2OP_ERR_NOT_FOUND: return "C2OP_ERR_NOT_FOUND";
  case C2OP_ERR_ALREADY_EXISTS: return "C2OP_ERR_ALREADY_EXISTS";
  case C2OP_ERR_SCHEMA_VIOLATION: return "C2OP_ERR_SCHEMA_VIOLATION";
  case C2OP_ERR_NO_GRADIENT: return "C2OP_ERR_NO_GRADIENT";
  case C2OP_ERR_NO_DEVICE: return "C2OP_ERR_NO_DEVICE";
  case C2OP_ERR_CUDA: return "C2OP_ERR_CUDA";
  case C2OP_ERR_OVERFLOW: return "C2OP_ERR_OVERFLOW";
  case C2OP_ERR_INTERNAL: return "C2OP_ERR_INTERNAL";
  }
  return "C2OP_ERR_UNKNOWN";
}

const char *c2op_last_error(void) { return c2op__has_error ? last_error : ""; }

c2op_status c2op__error(c2op_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  c2op__has_error = 1;
  return status;
}

c2op_status c2op__error_prefix(c2op_status status, const char *fmt, ...) {
  char prefix[256];
  char old[C2OP_ERROR_CAPACITY];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  snprintf(old, sizeof old, "%s", c2op_last_error());
  /* prefix + ": " + old, truncated to the buffer. */
  size_t used = 0;
  const char *parts[3] = {prefix, ": ", old};
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(parts[i]);
    if (n > sizeof last_error - 1 - used) n = sizeof last_error - 1 - used;
    memcpy(last_error + used, parts[i], n);
    used += n;
  }
  last_error[used] = '\0';
  c2op__has_error = 1;
  return status;
}

const char *c2op_version_string(void) { return "0.1.0"; }
