/* error.c - status names and the thread-local last-error message. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

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

/* The status of the message in last_error (c2op__after_callback compares). */
static _Thread_local c2op_status last_status;

/* Byte `i` of the concatenation of parts[0..n). */
static unsigned char byte_at(const char *const *parts, const size_t *lens, int n, size_t i) {
  for (int k = 0; k < n; i -= lens[k], k++)
    if (i < lens[k]) return (unsigned char)parts[k][i];
  return 0;
}

/* Copies bytes [from, to) of the concatenation of parts[0..n) to out. */
static char *copy_range(char *out, const char *const *parts, const size_t *lens, int n,
                        size_t from, size_t to) {
  size_t at = 0;
  for (int k = 0; k < n && from < to; at += lens[k], k++) {
    if (from >= at + lens[k]) continue;
    const size_t a = from - at, b = (to < at + lens[k] ? to : at + lens[k]) - at;
    memcpy(out, parts[k] + a, b - a);
    out += b - a;
    from = at + b;
  }
  return out;
}

/* Stores the concatenation of parts[0..n) as the message (no part may
 * point into last_error). A message that does not fit keeps its head and
 * its tail around " ... ", each cut at a UTF-8 character boundary: a long
 * name (a blob's, a net's) then costs the middle of the message, while the
 * argument named at its start and the problem stated at its end survive. */
static void store_parts(const char *const *parts, const size_t *lens, int n) {
  size_t len = 0;
  for (int k = 0; k < n; k++) len += lens[k];
  if (len < sizeof last_error) {
    *copy_range(last_error, parts, lens, n, 0, len) = '\0';
    return;
  }
  static const char gap[] = " ... ";
  const size_t room = sizeof last_error - 1 - (sizeof gap - 1);
  size_t head = room / 2, tail_at = len - (room - head);
  while (head > 0 && (byte_at(parts, lens, n, head) & 0xC0) == 0x80) head--;
  while (tail_at < len && (byte_at(parts, lens, n, tail_at) & 0xC0) == 0x80) tail_at++;
  char *out = copy_range(last_error, parts, lens, n, 0, head);
  memcpy(out, gap, sizeof gap - 1);
  *copy_range(out + sizeof gap - 1, parts, lens, n, tail_at, len) = '\0';
}

/* Formats into `buf` (`size` bytes, twice the message's capacity, so most
 * messages fit); one too long for it goes to a c2op__malloc'ed buffer, set
 * in *heap (free with c2op__free), or when that fails is cut to `buf`.
 * Returns the text and its length. */
__attribute__((format(printf, 4, 0))) static const char *format_into(char *buf, size_t size,
                                                                    char **heap,
                                                                    const char *fmt, va_list ap,
                                                                    size_t *len_out) {
  va_list again;
  va_copy(again, ap);
  *heap = NULL;
  const int n = vsnprintf(buf, size, fmt, ap);
  size_t len = n < 0 ? 0 : (size_t)n;
  if (n < 0) buf[0] = '\0';
  if (len >= size) {
    *heap = c2op__malloc(len + 1);
    if (*heap)
      vsnprintf(*heap, len + 1, fmt, again);
    else
      len = size - 1; /* out of memory: the part that fits */
  }
  va_end(again);
  *len_out = len;
  return *heap ? *heap : buf;
}

c2op_status c2op__error(c2op_status status, const char *fmt, ...) {
  char buf[2 * C2OP_ERROR_CAPACITY], *heap;
  size_t len;
  va_list ap;
  va_start(ap, fmt);
  const char *msg = format_into(buf, sizeof buf, &heap, fmt, ap, &len);
  va_end(ap);
  store_parts(&msg, &len, 1);
  c2op__free(heap);
  last_status = status;
  c2op__has_error = 1;
  return status;
}

c2op_status c2op__error_prefix(c2op_status status, const char *fmt, ...) {
  char old[C2OP_ERROR_CAPACITY]; /* the message as it is: the prefix goes before it */
  const char *current = c2op_last_error();
  const size_t olen = strlen(current);
  memcpy(old, current, olen + 1);
  char buf[2 * C2OP_ERROR_CAPACITY], *heap;
  size_t plen;
  va_list ap;
  va_start(ap, fmt);
  const char *prefix = format_into(buf, sizeof buf, &heap, fmt, ap, &plen);
  va_end(ap);
  const char *parts[3] = {prefix, ": ", old};
  const size_t lens[3] = {plen, 2, olen};
  store_parts(parts, lens, 3);
  c2op__free(heap);
  last_status = status;
  c2op__has_error = 1;
  return status;
}

c2op_status c2op__after_callback(c2op_status status, const char *what) {
  if (status == C2OP_OK) {
    c2op__clear_error(); /* whatever it tried and tolerated on the way */
    return C2OP_OK;
  }
  if (!c2op__has_error || !last_error[0])
    return c2op__error(status, "%s returned %s without a message", what,
                       c2op_status_name(status));
  if (last_status != status) /* the message is a tolerated call's, not this failure's */
    return c2op__error(status,
                       "%s returned %s without a message (its last failing c2op call, %s, "
                       "said: %s)",
                       what, c2op_status_name(status), c2op_status_name(last_status),
                       last_error); /* read into format_into's buffer before it is replaced */
  return status;
}

const char *c2op_version_string(void) { return "0.1.0"; }
