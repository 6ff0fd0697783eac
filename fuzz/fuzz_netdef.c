/*
 * fuzz_netdef.c - libFuzzer target for the NetDef text reader and writer:
 * c2op_net_from_text on arbitrary bytes.
 *
 * Checks:
 *  - an error leaves *net_out untouched and gives a message that starts
 *    with "line L, column C: " where line L exists in the input and column
 *    C is at most one past its end; the message is printable ASCII;
 *  - a net read is written (c2op_net_to_text: NUL-terminated, the length it
 *    reports), read back, and the two nets are equal field by field; the
 *    second text equals the first (the writer's output is a fixed point).
 * Everything is freed (ASan's leak check).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2op.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail) {
  fprintf(stderr, "\nfuzz_netdef: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort();
}

static int str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static void check_equal(const c2op_net *a, const c2op_net *b) {
  if (!str_eq(c2op_net_name(a), c2op_net_name(b))) die("net names differ", c2op_net_name(b));
  if (c2op_net_num_ops(a) != c2op_net_num_ops(b)) die("op counts differ", NULL);
  for (int32_t i = 0; i < c2op_net_num_ops(a); i++) {
    const c2op_op_def *x = NULL, *y = NULL;
    if (c2op_net_op(a, i, &x) != C2OP_OK || c2op_net_op(b, i, &y) != C2OP_OK || !x || !y)
      die("c2op_net_op failed", c2op_last_error());
    if (!str_eq(x->type, y->type) || !str_eq(x->name, y->name))
      die("op type or name differs", y->type);
    if (x->num_inputs != y->num_inputs || x->num_outputs != y->num_outputs)
      die("op blob counts differ", x->type);
    for (int32_t k = 0; k < x->num_inputs; k++)
      if (!str_eq(x->inputs[k], y->inputs[k])) die("op input differs", y->inputs[k]);
    for (int32_t k = 0; k < x->num_outputs; k++)
      if (!str_eq(x->outputs[k], y->outputs[k])) die("op output differs", y->outputs[k]);
    if (x->is_gradient_op != y->is_gradient_op ||
        x->device_option.device_type != y->device_option.device_type ||
        x->device_option.device_id != y->device_option.device_id)
      die("op flags or device option differ", x->type);
  }
  for (int which = 0; which < 2; which++) {
    int32_t n = which ? c2op_net_num_external_outputs(a) : c2op_net_num_external_inputs(a);
    int32_t m = which ? c2op_net_num_external_outputs(b) : c2op_net_num_external_inputs(b);
    if (n != m) die("external blob counts differ", NULL);
    for (int32_t i = 0; i < n; i++) {
      const char *s = NULL, *t = NULL;
      c2op_status s1 =
          which ? c2op_net_external_output(a, i, &s) : c2op_net_external_input(a, i, &s);
      c2op_status s2 =
          which ? c2op_net_external_output(b, i, &t) : c2op_net_external_input(b, i, &t);
      if (s1 != C2OP_OK || s2 != C2OP_OK || !str_eq(s, t)) die("external blob differs", t);
    }
  }
}

/* "line L, column C: ..." with L and C inside (or just past) the input. */
static void check_message(const uint8_t *data, size_t size) {
  const char *msg = c2op_last_error();
  if (!msg || !*msg) die("an error without a message", NULL);
  for (const char *c = msg; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
      die("the message has a byte that is not printable ASCII", msg);
  long long line = 0, col = 0;
  int used = 0;
  if (sscanf(msg, "line %lld, column %lld: %n", &line, &col, &used) != 2 || used == 0)
    die("the message does not start with \"line L, column C: \"", msg);
  long long lines = 1, len_of_line = 0, cur = 0;
  for (size_t i = 0; i < size; i++) {
    if (data[i] == '\n') {
      if (lines == line) len_of_line = cur;
      lines++;
      cur = 0;
    } else {
      cur++;
    }
  }
  if (lines == line) len_of_line = cur;
  if (line < 1 || line > lines) die("the message names a line that is not there", msg);
  if (col < 1 || col > len_of_line + 1) die("the message names a column past the line", msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  c2op_net *const sentinel = (c2op_net *)(uintptr_t)0x5eed;
  c2op_net *net = sentinel;
  /* From a copy of exactly `size` bytes, so ASan sees any read past them. */
  char *text = malloc(size ? size : 1);
  if (!text) return 0;
  memcpy(text, data, size);
  c2op_status st = c2op_net_from_text(text, size, &net);
  free(text);
  if (st != C2OP_OK) {
    if (net != sentinel) die("an error, but *net_out was written", c2op_last_error());
    check_message(data, size);
    if (getenv("FUZZ_VERBOSE"))
      fprintf(stderr, "refused: %s: %s\n", c2op_status_name(st), c2op_last_error());
    return 0;
  }
  if (!net || net == sentinel) die("OK without a net", NULL);
  if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "read: %d ops\n", (int)c2op_net_num_ops(net));

  char *out1 = NULL, *out2 = NULL;
  size_t len1 = 0, len2 = 0;
  if (c2op_net_to_text(net, &out1, &len1) != C2OP_OK || !out1)
    die("c2op_net_to_text failed on a net read from text", c2op_last_error());
  if (strlen(out1) != len1) die("the text's length is not what c2op_net_to_text said", out1);
  c2op_net *again = NULL;
  if (c2op_net_from_text(out1, len1, &again) != C2OP_OK)
    die("the written text does not read back", c2op_last_error());
  check_equal(net, again);
  if (c2op_net_to_text(again, &out2, &len2) != C2OP_OK || !out2)
    die("c2op_net_to_text failed the second time", c2op_last_error());
  if (len1 != len2 || strcmp(out1, out2) != 0)
    die("writing the read-back net gives other text", out2);
  c2op_free(out1);
  c2op_free(out2);
  c2op_net_destroy(again);
  c2op_net_destroy(net);
  return 0;
}
