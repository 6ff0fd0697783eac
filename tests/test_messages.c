/* test_messages.c - the thread-local message store (core/error.c): every
 * message fits the 1023 bytes c2op_last_error() promises, a longer one
 * keeps its start and its end around " ... " with both cuts on UTF-8
 * character boundaries, and a prefix composes with either. Drives the
 * internal c2op__error and c2op__error_prefix directly (static link), with
 * lengths around the buffer's size and multi-byte characters at every
 * alignment, so that each boundary rule is exercised on its own. */
#include <stdio.h>
#include <string.h>

#include "c2op_test.h"
#include "core/error.h"

enum { CAP = 1023 }; /* bytes of message, the NUL aside */

/* Whether s is valid UTF-8 (no cut character at either end, or anywhere). */
static int valid_utf8(const unsigned char *s) {
  while (*s) {
    const int n = *s < 0x80 ? 1 : (*s >> 5) == 6 ? 2 : (*s >> 4) == 14 ? 3 : (*s >> 3) == 30 ? 4 : 0;
    if (!n) return 0;
    for (int i = 1; i < n; i++)
      if ((s[i] & 0xC0) != 0x80) return 0;
    s += n;
  }
  return 1;
}

static const char *set(const char *msg) {
  CHECK_EQ_INT(c2op__error(C2OP_ERR_INTERNAL, "%s", msg), C2OP_ERR_INTERNAL);
  return c2op_last_error();
}

/* ASCII around the size: up to 1023 bytes whole, from 1024 cut. */
static void ascii_messages_around_the_capacity(void) {
  static char msg[2 * CAP];
  for (size_t n = CAP - 2; n <= CAP + 3; n++) {
    memset(msg, 'a', n);
    msg[0] = 'A';
    msg[n - 1] = 'Z';
    msg[n] = '\0';
    const char *m = set(msg);
    if (n <= CAP) {
      CHECK_EQ_STR(m, msg);
    } else {
      CHECK_EQ_INT(strlen(m), CAP);
      CHECK(m[0] == 'A' && m[CAP - 1] == 'Z');
      CHECK(strstr(m, " ... ") != NULL);
    }
  }
}

/* Characters of 2, 3 and 4 bytes after 0-3 ASCII bytes: for some
 * alignment each cut falls inside a character; the result is valid UTF-8
 * and keeps the first and the last character whole. */
static void cuts_fall_between_characters(void) {
  static const char *chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
  static char msg[4096];
  int moved_head = 0, moved_tail = 0;
  for (int c = 0; c < 3; c++) {
    const size_t w = strlen(chars[c]);
    for (size_t lead = 0; lead < 4; lead++) {
      for (size_t extra = 0; extra < 4; extra++) {
        size_t k = 0;
        for (size_t i = 0; i < lead; i++) msg[k++] = 'x';
        while (k + w <= 1500 + extra * w) {
          memcpy(msg + k, chars[c], w);
          k += w;
        }
        msg[k] = '\0';
        const char *m = set(msg);
        const size_t len = strlen(m);
        CHECK(len <= CAP);
        CHECK(valid_utf8((const unsigned char *)m));
        CHECK(strncmp(m, msg, lead + w) == 0);               /* the start, whole */
        CHECK(strcmp(m + len - w, msg + k - w) == 0);         /* the end, whole */
        const char *gap = strstr(m, " ... ");
        CHECK(gap != NULL);
        if (!gap) continue;
        /* Where the cuts would be without the boundary rule. */
        const size_t room = CAP - 5, head = room / 2, tail_at = k - (room - head);
        if ((size_t)(gap - m) != head) moved_head = 1;
        if (k - strlen(gap + 5) != tail_at) moved_tail = 1;
      }
    }
  }
  CHECK(moved_head); /* both rules were needed somewhere */
  CHECK(moved_tail);
}

/* Nothing but continuation bytes, or lead bytes: stays in bounds. */
static void invalid_utf8_stays_in_bounds(void) {
  static char msg[3001];
  memset(msg, 0x80, 3000);
  CHECK(strlen(set(msg)) <= CAP);
  memset(msg, 0xF0, 3000);
  CHECK(strlen(set(msg)) <= CAP);
}

/* A prefix before a message: whole when both fit; else the prefix's start
 * and the message's end survive. Formats may read the current message. */
static void prefixes_compose(void) {
  set("y is NULL");
  CHECK_EQ_INT(c2op__error_prefix(C2OP_ERR_NULL_POINTER, "op %d (%s)", 2, "K"),
               C2OP_ERR_NULL_POINTER);
  CHECK_EQ_STR(c2op_last_error(), "op 2 (K): y is NULL");
  static char name[2001];
  memset(name, 'n', 2000);
  set("input 0 'missing' is not in the workspace");
  c2op__error_prefix(C2OP_ERR_NOT_FOUND, "net '%s' op %d (%s)", name, 0, "Negative");
  const char *m = c2op_last_error();
  CHECK_EQ_INT(strlen(m), CAP);
  CHECK(strncmp(m, "net 'nnnn", 9) == 0);
  const char *end = "' op 0 (Negative): input 0 'missing' is not in the workspace";
  CHECK(strcmp(m + CAP - strlen(end), end) == 0);
  /* The current message as an argument of the next. */
  set("first");
  c2op__error(C2OP_ERR_INTERNAL, "again: %s", c2op_last_error());
  CHECK_EQ_STR(c2op_last_error(), "again: first");
  c2op__error_prefix(C2OP_ERR_INTERNAL, "[%s]", c2op_last_error());
  CHECK_EQ_STR(c2op_last_error(), "[again: first]: again: first");
}

/* After a callback: OK clears; an error keeps a message of its own status,
 * and replaces none or one of another status (a tolerated call's). */
static void callbacks_results(void) {
  set("tolerated");
  CHECK_EQ_INT(c2op__after_callback(C2OP_OK, "the kernel"), C2OP_OK);
  CHECK_EQ_STR(c2op_last_error(), "");
  CHECK_EQ_INT(c2op__after_callback(C2OP_ERR_SHAPE_MISMATCH, "the kernel"),
               C2OP_ERR_SHAPE_MISMATCH);
  CHECK_EQ_STR(c2op_last_error(), "the kernel returned C2OP_ERR_SHAPE_MISMATCH without a message");
  c2op__error(C2OP_ERR_SHAPE_MISMATCH, "y: shape [2] does not match x: shape [3]");
  c2op__after_callback(C2OP_ERR_SHAPE_MISMATCH, "the kernel");
  CHECK_EQ_STR(c2op_last_error(), "y: shape [2] does not match x: shape [3]");
  c2op__error(C2OP_ERR_NOT_FOUND, "op 'Opt' is not registered");
  c2op__after_callback(C2OP_ERR_UNSUPPORTED_DTYPE, "the kernel");
  CHECK_EQ_STR(c2op_last_error(),
               "the kernel returned C2OP_ERR_UNSUPPORTED_DTYPE without a message (its last "
               "failing c2op call, C2OP_ERR_NOT_FOUND, said: op 'Opt' is not registered)");
}

int main(void) {
  RUN(ascii_messages_around_the_capacity);
  RUN(cuts_fall_between_characters);
  RUN(invalid_utf8_stays_in_bounds);
  RUN(prefixes_compose);
  RUN(callbacks_results);
  return TEST_MAIN_END();
}
