/* error.c - status names and the thread-local last-error message. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Stores `msg` (`len` bytes) as the message. A message that does not fit
 * keeps its head and its tail around " ... ", each cut at a UTF-8
 * character boundary: a long name (a blob's, a net's) then costs the middle
 * of the message, while the argument named at its start and the problem
 * stated at its end both survive. */
static void store_message(const char *msg, size_t len) {
  if (len < sizeof last_error) {
    memmove(last_error, msg, len);
    last_error[len] = '\0';
    return;
  }
  static const char gap[] = " ... ";
  const size_t room = sizeof last_error - 1 - (sizeof gap - 1);
  size_t head = room / 2, tail_at = len - (room - head);
  while (head > 0 && ((unsigned char)msg[head] & 0xC0) == 0x80) head--;
  while (tail_at < len && ((unsigned char)msg[tail_at] & 0xC0) == 0x80) tail_at++;
  char *out = last_error;
  memmove(out, msg, head);
  memcpy(out + head, gap, sizeof gap - 1);
  memmove(out + head + sizeof gap - 1, msg + tail_at, len - tail_at);
  out[head + sizeof gap - 1 + (len - tail_at)] = '\0';
}

/* vsnprintf into a buffer of its own: the message, whole, with its length;
 * NULL when out of memory or for a bad format. Free with free(). */
__attribute__((format(printf, 2, 0))) static char *format_whole(size_t *len_out,
                                                                const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  const int n = vsnprintf(NULL, 0, fmt, ap);
  char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (buf) vsnprintf(buf, (size_t)n + 1, fmt, again);
  va_end(again);
  *len_out = n >= 0 ? (size_t)n : 0;
  return buf;
}

c2op_status c2op__error(c2op_status status, const char *fmt, ...) {
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  const int n = vsnprintf(last_error, sizeof last_error, fmt, ap);
  if (n >= (int)sizeof last_error) { /* too long: keep head and tail (else the head alone) */
    size_t len;
    char *whole = format_whole(&len, fmt, again);
    if (whole) store_message(whole, len);
    free(whole);
  }
  va_end(again);
  va_end(ap);
  c2op__has_error = 1;
  return status;
}

c2op_status c2op__error_prefix(c2op_status status, const char *fmt, ...) {
  size_t plen = 0;
  va_list ap;
  va_start(ap, fmt);
  char *prefix = format_whole(&plen, fmt, ap);
  va_end(ap);
  const char *old = c2op_last_error();
  const size_t olen = strlen(old);
  char *whole = prefix ? malloc(plen + 2 + olen) : NULL;
  if (whole) {
    memcpy(whole, prefix, plen);
    memcpy(whole + plen, ": ", 2);
    memcpy(whole + plen + 2, old, olen);
    store_message(whole, plen + 2 + olen);
  } else { /* out of memory: the message as it was, prefix left out */
    memmove(last_error, old, olen + 1);
  }
  free(whole);
  free(prefix);
  c2op__has_error = 1;
  return status;
}

c2op_status c2op__after_callback(c2op_status status, const char *what) {
  if (status == C2OP_OK) {
    c2op__clear_error(); /* whatever it tried and tolerated on the way */
    return C2OP_OK;
  }
  if (!c2op__has_error || !last_error[0])
    c2op__error(status, "%s returned %s without a message", what, c2op_status_name(status));
  return status;
}

const char *c2op_version_string(void) { return "0.1.0"; }
