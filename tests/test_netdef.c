/*
 * test_netdef.c - the NetDef text reader and writer (c2op_net_from_text,
 * c2op_net_to_text): the syntax of protobuf text format, the fields c2op
 * reads, error messages with line, column and token, and round trips
 * (fixed texts and random nets, the seed printed).
 */
#include "framework_util.h"

/* Reads `text`; returns the net or NULL (status checked by the caller). */
static c2op_status read_text(const char *text, c2op_net **net) {
  *net = NULL;
  return c2op_net_from_text(text, strlen(text), net);
}

static c2op_net *read_ok(const char *text) {
  c2op_net *net = NULL;
  CHECK_OK(read_text(text, &net));
  return net;
}

static const c2op_op_def *op_at(const c2op_net *net, int32_t i) {
  const c2op_op_def *d = NULL;
  CHECK_OK(c2op_net_op(net, i, &d));
  return d;
}

static const char *ext(const c2op_net *net, int output, int32_t i) {
  const char *b = NULL;
  if (output)
    CHECK_OK(c2op_net_external_output(net, i, &b));
  else
    CHECK_OK(c2op_net_external_input(net, i, &b));
  return b ? b : "(none)";
}

/* Whether two nets have the same name, ops (every field) and externals. */
static int nets_equal(const c2op_net *a, const c2op_net *b, char *why, size_t size) {
  if (strcmp(c2op_net_name(a), c2op_net_name(b)) != 0) {
    snprintf(why, size, "names differ");
    return 0;
  }
  if (c2op_net_num_ops(a) != c2op_net_num_ops(b)) {
    snprintf(why, size, "op counts differ: %d vs %d", (int)c2op_net_num_ops(a),
             (int)c2op_net_num_ops(b));
    return 0;
  }
  for (int32_t i = 0; i < c2op_net_num_ops(a); i++) {
    const c2op_op_def *x = NULL, *y = NULL;
    c2op_net_op(a, i, &x);
    c2op_net_op(b, i, &y);
    int same = x && y && strcmp(x->type, y->type) == 0 && strcmp(x->name, y->name) == 0 &&
               x->num_inputs == y->num_inputs && x->num_outputs == y->num_outputs &&
               x->is_gradient_op == y->is_gradient_op &&
               x->device_option.device_type == y->device_option.device_type &&
               x->device_option.device_id == y->device_option.device_id;
    for (int32_t k = 0; same && k < x->num_inputs; k++)
      same = strcmp(x->inputs[k], y->inputs[k]) == 0;
    for (int32_t k = 0; same && k < x->num_outputs; k++)
      same = strcmp(x->outputs[k], y->outputs[k]) == 0;
    if (!same) {
      snprintf(why, size, "op %d differs", (int)i);
      return 0;
    }
  }
  for (int output = 0; output < 2; output++) {
    int32_t n = output ? c2op_net_num_external_outputs(a) : c2op_net_num_external_inputs(a);
    int32_t m = output ? c2op_net_num_external_outputs(b) : c2op_net_num_external_inputs(b);
    if (n != m) {
      snprintf(why, size, "external %s counts differ", output ? "output" : "input");
      return 0;
    }
    for (int32_t i = 0; i < n; i++) {
      const char *x = NULL, *y = NULL;
      if (output) {
        c2op_net_external_output(a, i, &x);
        c2op_net_external_output(b, i, &y);
      } else {
        c2op_net_external_input(a, i, &x);
        c2op_net_external_input(b, i, &y);
      }
      if (!x || !y || strcmp(x, y) != 0) {
        snprintf(why, size, "external %s %d differs", output ? "output" : "input", (int)i);
        return 0;
      }
    }
  }
  return 1;
}

/* write(net) read back equals net; returns the text (caller frees). */
static char *check_round_trip(const c2op_net *net) {
  char *text = NULL;
  size_t len = 0;
  CHECK_OK(c2op_net_to_text(net, &text, &len));
  if (!text) return NULL;
  CHECK_EQ_INT(len, strlen(text));
  c2op_net *back = NULL;
  c2op_status s = c2op_net_from_text(text, len, &back);
  if (s != C2OP_OK) {
    TEST_FAIL_("reading back failed: %s\n--- text ---\n%s", c2op_last_error(), text);
  } else {
    char why[128];
    if (!nets_equal(net, back, why, sizeof why))
      TEST_FAIL_("round trip changed the net (%s)\n--- text ---\n%s", why, text);
  }
  c2op_net_destroy(back);
  return text;
}

/* Checks `text` fails with `status` and a message containing each of the
 * (up to three) fragments, and that net_out is untouched. */
static void check_error(const char *text, c2op_status status, const char *f1, const char *f2,
                        const char *f3) {
  c2op_net *sentinel = (c2op_net *)&sentinel;
  c2op_net *net = sentinel;
  c2op_status s = c2op_net_from_text(text, strlen(text), &net);
  if (s != status)
    TEST_FAIL_("text [%s]: got %s (%s), expected %s", text, c2op_status_name(s), c2op_last_error(),
               c2op_status_name(status));
  const char *msg = c2op_last_error();
  if (f1) CHECK_CONTAINS(msg, f1);
  if (f2) CHECK_CONTAINS(msg, f2);
  if (f3) CHECK_CONTAINS(msg, f3);
  CHECK(net == sentinel);
  if (net != sentinel) c2op_net_destroy(net);
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */
/* ------------------------------------------------------------------------ */

static void reads_every_field_of_the_subset(void) {
  c2op_net *net = read_ok("name: \"grl\"\n"
                          "op {\n"
                          "  input: \"X\"\n"
                          "  output: \"Y\"\n"
                          "  name: \"reverse\"\n"
                          "  type: \"NegateGradient\"\n"
                          "  device_option { device_type: 1 device_id: 3 }\n"
                          "  is_gradient_op: true\n"
                          "}\n"
                          "op { input: \"Y\" output: \"Z\" type: \"Negative\" }\n"
                          "external_input: \"X\"\n"
                          "external_output: \"Z\"\n");
  if (!net) return;
  CHECK_EQ_STR(c2op_net_name(net), "grl");
  CHECK_EQ_INT(c2op_net_num_ops(net), 2);
  const c2op_op_def *d = op_at(net, 0);
  if (d) {
    CHECK_EQ_STR(d->type, "NegateGradient");
    CHECK_EQ_STR(d->name, "reverse");
    CHECK_EQ_INT(d->num_inputs, 1);
    CHECK_EQ_STR(d->inputs[0], "X");
    CHECK_EQ_INT(d->num_outputs, 1);
    CHECK_EQ_STR(d->outputs[0], "Y");
    CHECK_EQ_INT(d->is_gradient_op, 1);
    CHECK_EQ_INT(d->device_option.device_type, C2OP_DEVICE_CUDA);
    CHECK_EQ_INT(d->device_option.device_id, 3);
  }
  d = op_at(net, 1);
  if (d) {
    CHECK_EQ_STR(d->type, "Negative");
    CHECK_EQ_STR(d->name, "");
    CHECK_EQ_INT(d->is_gradient_op, 0);
    CHECK_EQ_INT(d->device_option.device_type, C2OP_DEVICE_CPU);
    CHECK_EQ_INT(d->device_option.device_id, 0);
  }
  CHECK_EQ_INT(c2op_net_num_external_inputs(net), 1);
  CHECK_EQ_STR(ext(net, 0, 0), "X");
  CHECK_EQ_INT(c2op_net_num_external_outputs(net), 1);
  CHECK_EQ_STR(ext(net, 1, 0), "Z");
  c2op_net_destroy(net);
}

static void empty_text_and_comments_give_an_empty_net(void) {
  const char *texts[] = {"", "   \n\t\n", "# only a comment", "# a\n# b\n\n"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    c2op_net *net = read_ok(texts[i]);
    if (!net) continue;
    CHECK_EQ_STR(c2op_net_name(net), "");
    CHECK_EQ_INT(c2op_net_num_ops(net), 0);
    CHECK_EQ_INT(c2op_net_num_external_inputs(net), 0);
    c2op_net_destroy(net);
  }
  c2op_net *net = NULL;
  CHECK_OK(c2op_net_from_text(NULL, 0, &net));
  c2op_net_destroy(net);
}

static void accepts_the_usual_protobuf_text_syntax(void) {
  /* Colons before messages, <> messages, separators, lists, single quotes,
   * concatenation, comments at line ends, bool spellings. */
  c2op_net *net = read_ok("name: 'n' 'et'; # trailing comment\n"
                          "op: < input: ['A', \"B\"], output: \"S\" type: \"Sum\"; >\n"
                          "op [{type: 'Negative' input: 'S' output: 'T' is_gradient_op: True},"
                          " {type: \"Negative\" input: 'T' output: 'U' is_gradient_op: t}]\n"
                          "op { type: 'Negative' input: 'U' output: 'V' is_gradient_op: 1 "
                          "device_option: < device_type: 0x0; device_id: 010 > },\n"
                          "op { type: 'Negative' input: 'V' output: 'W' is_gradient_op: False}"
                          "external_input: [] external_input: ['A'] external_input: 'B'\n"
                          "external_output: ['W']");
  if (!net) return;
  CHECK_EQ_STR(c2op_net_name(net), "net");
  CHECK_EQ_INT(c2op_net_num_ops(net), 5);
  const c2op_op_def *d = op_at(net, 0);
  if (d) {
    CHECK_EQ_STR(d->type, "Sum");
    CHECK_EQ_INT(d->num_inputs, 2);
    if (d->num_inputs == 2) {
      CHECK_EQ_STR(d->inputs[0], "A");
      CHECK_EQ_STR(d->inputs[1], "B");
    }
  }
  if ((d = op_at(net, 1))) CHECK_EQ_INT(d->is_gradient_op, 1);
  if ((d = op_at(net, 2))) CHECK_EQ_INT(d->is_gradient_op, 1);
  if ((d = op_at(net, 3))) {
    CHECK_EQ_INT(d->is_gradient_op, 1);
    CHECK_EQ_INT(d->device_option.device_id, 8); /* octal 010 */
  }
  if ((d = op_at(net, 4))) CHECK_EQ_INT(d->is_gradient_op, 0);
  CHECK_EQ_INT(c2op_net_num_external_inputs(net), 2);
  CHECK_EQ_INT(c2op_net_num_external_outputs(net), 1);
  c2op_net_destroy(net);
}

static void decodes_string_escapes(void) {
  c2op_net *net = read_ok("name: \"a\\nb\\tc\\\\d\\\"e\\'f\\101\\x42\\u00e9\\U0001F600\\0011\"");
  if (!net) return;
  /* \101 = 'A', \x42 = 'B', é = C3 A9, U+1F600 = F0 9F 98 80, \001 then '1'. */
  CHECK_EQ_STR(c2op_net_name(net), "a\nb\tc\\d\"e'fAB\xC3\xA9\xF0\x9F\x98\x80\x01"
                                   "1");
  c2op_net_destroy(net);
}

static void a_blob_name_may_be_any_nonempty_bytes(void) {
  c2op_net *net = read_ok("op { type: 'Negative' input: 'x y/z:0' output: '\\377\\200' }");
  if (!net) return;
  const c2op_op_def *d = op_at(net, 0);
  if (d) {
    CHECK_EQ_STR(d->inputs[0], "x y/z:0");
    CHECK_EQ_STR(d->outputs[0], "\xff\x80");
  }
  c2op_net_destroy(net);
}

/* ------------------------------------------------------------------------ */
/* Errors: line, column, token                                               */
/* ------------------------------------------------------------------------ */

static void unknown_fields_are_errors_with_their_position(void) {
  check_error("name: \"n\"\nop {\n  type: \"Negative\"\n  arg { name: \"k\" }\n}\n",
              C2OP_ERR_INVALID_ARGUMENT, "line 4, column 3:", "'arg'", "in op");
  check_error("type: \"dag\"", C2OP_ERR_INVALID_ARGUMENT, "line 1, column 1:", "'type'", "the net");
  check_error("op { type: 'Negative' input: 'X' output: 'Y'\n"
              "  device_option { device_type: 0 numa_node_id: 1 } }",
              C2OP_ERR_INVALID_ARGUMENT, "line 2, column 34:", "'numa_node_id'", "device_option");
}

static void unknown_op_types_are_errors(void) {
  check_error("op {\n  type: \"Relu\" input: \"X\" output: \"Y\"\n}", C2OP_ERR_NOT_FOUND,
              "line 2, column 9:", "'Relu'", "Negative");
  check_error("op { input: \"X\" output: \"Y\" }", C2OP_ERR_INVALID_ARGUMENT,
              "line 1, column 4:", "no 'type'", NULL);
}

static void counts_outside_the_schema_are_errors(void) {
  check_error("\n\nop { type: 'Negative' input: 'A' input: 'B' output: 'Y' }",
              C2OP_ERR_SCHEMA_VIOLATION, "line 3, column 4:", "'Negative' has 2 inputs",
              "exactly 1");
  check_error("op { type: 'NegateGradient' input: 'A' }", C2OP_ERR_SCHEMA_VIOLATION,
              "has 0 outputs", "exactly 1", NULL);
  check_error("op { type: 'Sum' output: 'Y' }", C2OP_ERR_SCHEMA_VIOLATION, "has 0 inputs",
              "at least 1", NULL);
}

static void syntax_errors_name_line_column_and_token(void) {
  check_error("name \"n\"", C2OP_ERR_INVALID_ARGUMENT, "line 1, column 6:", "expected ':'",
              "'\"n\"'");
  check_error("op {\n  type: 'Negative'\n", C2OP_ERR_INVALID_ARGUMENT, "line 3, column 1:", "'}'",
              "end of input");
  check_error("op { type: 'Negative' input: 'X' output: 'Y' >", C2OP_ERR_INVALID_ARGUMENT,
              "line 1, column 46:", "'>'", NULL);
  check_error("op < type: 'Negative' }", C2OP_ERR_INVALID_ARGUMENT, "line 1, column 23:", "'}'",
              NULL);
  check_error("name: \"unterminated\nop {}", C2OP_ERR_INVALID_ARGUMENT,
              "line 1, column 7:", "not closed", NULL);
  check_error("name: 'a\\qb'", C2OP_ERR_INVALID_ARGUMENT, "line 1, column 9:", "unknown escape",
              "\\q");
  check_error("name: 42", C2OP_ERR_INVALID_ARGUMENT, "line 1, column 7:", "quoted string", "'42'");
  check_error("op { type: Negative }", C2OP_ERR_INVALID_ARGUMENT, "column 12:", "'Negative'", NULL);
  check_error("op: 'x'", C2OP_ERR_INVALID_ARGUMENT, "column 5:", "expected '{'", "''x''");
  check_error("name: 'a' $", C2OP_ERR_INVALID_ARGUMENT, "line 1, column 11:", "'$'", NULL);
  check_error("\"name\": 'a'", C2OP_ERR_INVALID_ARGUMENT,
              "line 1, column 1:", "expected a field name", NULL);
  check_error("op { type: 'Negative' input: ['X', ] output: 'Z' }", C2OP_ERR_INVALID_ARGUMENT,
              "column 36:", "quoted string", "']'");
  check_error("name: ['a']", C2OP_ERR_INVALID_ARGUMENT, "column 7:", "not repeated", NULL);
}

static void concatenated_strings_make_one_value(void) {
  c2op_net *net = read_ok("op { type: 'Nega' \"tive\" input: ['X' 'Y'] output: 'Z' }");
  if (!net) return;
  const c2op_op_def *d = op_at(net, 0);
  if (d) {
    CHECK_EQ_STR(d->type, "Negative");
    CHECK_EQ_STR(d->inputs[0], "XY");
  }
  c2op_net_destroy(net);
}

static void bad_values_are_errors(void) {
  check_error("op { type: 'Negative' input: '' output: 'Y' }", C2OP_ERR_INVALID_ARGUMENT,
              "column 30:", "empty blob name", NULL);
  check_error("external_input: \"a\\0b\"", C2OP_ERR_INVALID_ARGUMENT, "NUL", NULL, NULL);
  check_error("op { type: 'Negative' input: 'X' output: 'Y' is_gradient_op: yes }",
              C2OP_ERR_INVALID_ARGUMENT, "column 62:", "true or false", "'yes'");
  check_error("op { type: 'Negative' input: 'X' output: 'Y'\n"
              "device_option { device_type: 2 } }",
              C2OP_ERR_INVALID_ARGUMENT, "line 2, column 30:", "device_type 2", "1 = CUDA");
  check_error("op { type: 'Negative' input: 'X' output: 'Y' device_option { device_id: -1 } }",
              C2OP_ERR_INVALID_ARGUMENT, "'-1'", "out of range", NULL);
  check_error("op { type: 'Negative' input: 'X' output: 'Y' device_option { device_id: "
              "99999999999999999999999 } }",
              C2OP_ERR_INVALID_ARGUMENT, "out of range", NULL, NULL);
  check_error("op { type: 'Negative' input: 'X' output: 'Y' device_option { device_id: 1.5 } }",
              C2OP_ERR_INVALID_ARGUMENT, "takes an integer", "'1.5'", NULL);
  check_error("name: '\\u12'", C2OP_ERR_INVALID_ARGUMENT, "column 8:", "hex digits", NULL);
  check_error("name: '\\ud800'", C2OP_ERR_INVALID_ARGUMENT, "column 8:", "U+D800", NULL);
  check_error("name: '\\777'", C2OP_ERR_INVALID_ARGUMENT, "larger than a byte", NULL, NULL);
  /* A NUL byte in the text itself (length covers it). */
  c2op_net *net = NULL;
  CHECK_STATUS(c2op_net_from_text("name: 'a'\0", 10, &net), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "line 1, column 10:");
  CHECK(net == NULL);
}

static void singular_fields_given_twice_are_errors(void) {
  check_error("name: 'a'\nname: 'b'", C2OP_ERR_INVALID_ARGUMENT,
              "line 2, column 1:", "'name' is given twice", "first at line 1, column 1");
  check_error("op { type: 'Negative' type: 'Negative' input: 'X' output: 'Y' }",
              C2OP_ERR_INVALID_ARGUMENT, "column 23:", "'type' is given twice", NULL);
  check_error("op { type: 'Negative' input: 'X' output: 'Y' device_option {} device_option {} }",
              C2OP_ERR_INVALID_ARGUMENT, "'device_option' is given twice", NULL, NULL);
}

static void null_arguments_are_refused(void) {
  c2op_net *net = NULL;
  CHECK_STATUS(c2op_net_from_text("x", 1, NULL), C2OP_ERR_NULL_POINTER);
  CHECK_STATUS(c2op_net_from_text(NULL, 3, &net), C2OP_ERR_NULL_POINTER);
  CHECK(net == NULL);
  char *text = NULL;
  CHECK_STATUS(c2op_net_to_text(NULL, &text, NULL), C2OP_ERR_NULL_POINTER);
  CHECK(text == NULL);
  c2op_net *n = read_ok("");
  if (n) CHECK_STATUS(c2op_net_to_text(n, NULL, NULL), C2OP_ERR_NULL_POINTER);
  c2op_net_destroy(n);
  c2op_free(NULL);
}

/* ------------------------------------------------------------------------ */
/* Writing and round trips                                                   */
/* ------------------------------------------------------------------------ */

static void writes_the_canonical_text(void) {
  c2op_net *net = read_ok("name:'n' op{type:'Negative' input:'X' output:'Y'}"
                          "op{type:'NegateGradient' name:'g' input:'Y' output:'Y' "
                          "is_gradient_op:1 device_option{device_type:1 device_id:2}}"
                          "op{type:'Negative' input:'Y' output:'Z' device_option{device_type:1}}"
                          "external_input:'X' external_output:'Z'");
  if (!net) return;
  char *text = check_round_trip(net);
  CHECK_EQ_STR(text, "name: \"n\"\n"
                     "op {\n"
                     "  input: \"X\"\n"
                     "  output: \"Y\"\n"
                     "  type: \"Negative\"\n"
                     "}\n"
                     "op {\n"
                     "  input: \"Y\"\n"
                     "  output: \"Y\"\n"
                     "  name: \"g\"\n"
                     "  type: \"NegateGradient\"\n"
                     "  device_option {\n"
                     "    device_type: 1\n"
                     "    device_id: 2\n"
                     "  }\n"
                     "  is_gradient_op: true\n"
                     "}\n"
                     "op {\n"
                     "  input: \"Y\"\n"
                     "  output: \"Z\"\n"
                     "  type: \"Negative\"\n"
                     "  device_option {\n"
                     "    device_type: 1\n"
                     "  }\n"
                     "}\n"
                     "external_input: \"X\"\n"
                     "external_output: \"Z\"\n");
  c2op_free(text);
  c2op_net_destroy(net);
}

static void writes_escapes_that_read_back(void) {
  c2op_net *net = NULL;
  CHECK_OK(c2op_net_create("q\"uote'\\back\nnl\ttab\x01\x7f\xc3\xa9", &net));
  if (!net) return;
  CHECK_OK(c2op_net_add_external_input(net, "a b"));
  char *text = check_round_trip(net);
  CHECK_EQ_STR(text, "name: \"q\\\"uote\\'\\\\back\\nnl\\ttab\\001\\177\\303\\251\"\n"
                     "external_input: \"a b\"\n");
  c2op_free(text);
  c2op_net_destroy(net);
}

static void an_empty_net_writes_empty_text(void) {
  c2op_net *net = NULL;
  CHECK_OK(c2op_net_create("", &net));
  if (!net) return;
  char *text = NULL;
  size_t len = 99;
  CHECK_OK(c2op_net_to_text(net, &text, &len));
  CHECK_EQ_STR(text, "");
  CHECK_EQ_INT(len, 0);
  c2op_free(text);
  c2op_net_destroy(net);
}

static void a_backward_net_round_trips(void) {
  c2op_net *fwd = read_ok("op { type: 'NegateGradient' input: 'X' output: 'H' }"
                          "op { type: 'Negative' input: 'H' output: 'A' }"
                          "op { type: 'Negative' input: 'H' output: 'B' }"
                          "op { type: 'Sum' input: ['A', 'B'] output: 'Y' }");
  if (!fwd) return;
  c2op_net *bwd = NULL;
  const char *outs[] = {"A", "B"};
  CHECK_OK(c2op_net_build_backward(fwd, 2, outs, &bwd));
  if (bwd) {
    CHECK(c2op_net_num_ops(bwd) >= 3);
    char *text = check_round_trip(bwd);
    CHECK_CONTAINS(text, "is_gradient_op: true");
    CHECK_CONTAINS(text, "H_grad");
    c2op_free(text);
  }
  c2op_net_destroy(bwd);
  c2op_net_destroy(fwd);
}

/* A random name of 1-12 bytes, any byte but NUL. */
static void random_name(uint64_t *st, char *out) {
  int64_t n = test_rand_range(st, 1, 12);
  for (int64_t i = 0; i < n; i++) {
    int64_t kind = test_rand_range(st, 0, 3);
    out[i] = kind == 0 ? (char)test_rand_range(st, 1, 255) : (char)test_rand_range(st, 'a', 'z');
  }
  out[n] = '\0';
}

static void random_nets_round_trip(void) {
  uint64_t st = test_seed() ^ 0x6e657464656675ull;
  static const char *const types[] = {"Negative", "NegateGradient", "Sum"};
  for (int iter = 0; iter < 300; iter++) {
    char name[16];
    random_name(&st, name);
    c2op_net *net = NULL;
    CHECK_OK(c2op_net_create(test_rand_range(&st, 0, 1) ? name : "", &net));
    if (!net) return;
    int64_t nops = test_rand_range(&st, 0, 5);
    for (int64_t k = 0; k < nops; k++) {
      const char *type = types[test_rand_range(&st, 0, 2)];
      int32_t ni = strcmp(type, "Sum") == 0 ? (int32_t)test_rand_range(&st, 1, 4) : 1;
      char names[5][16];
      const char *ins[4], *outs[1];
      for (int32_t i = 0; i < ni; i++) {
        random_name(&st, names[i]);
        ins[i] = names[i];
      }
      random_name(&st, names[4]);
      outs[0] = names[4];
      c2op_op_def *def = fu_op(type, ni, ins, 1, outs);
      if (!def) continue;
      if (test_rand_range(&st, 0, 1)) {
        random_name(&st, name);
        CHECK_OK(c2op_op_def_set_name(def, name));
      }
      def->is_gradient_op = (int32_t)test_rand_range(&st, 0, 1);
      def->device_option.device_type = (int32_t)test_rand_range(&st, 0, 1);
      def->device_option.device_id = (int32_t)test_rand_range(&st, 0, 2) * 1000;
      CHECK_OK(c2op_net_add_op(net, def));
      c2op_op_def_destroy(def);
    }
    for (int64_t k = test_rand_range(&st, 0, 3); k > 0; k--) {
      random_name(&st, name);
      CHECK_OK(c2op_net_add_external_input(net, name));
      random_name(&st, name);
      CHECK_OK(c2op_net_add_external_output(net, name));
    }
    char *text = check_round_trip(net);
    /* Reading what was written and writing it again gives the same text. */
    if (text) {
      c2op_net *again = NULL;
      CHECK_OK(c2op_net_from_text(text, strlen(text), &again));
      char *text2 = NULL;
      if (again) CHECK_OK(c2op_net_to_text(again, &text2, NULL));
      if (text2) CHECK_EQ_STR(text2, text);
      c2op_free(text2);
      c2op_net_destroy(again);
    }
    c2op_free(text);
    c2op_net_destroy(net);
  }
}

/* Every prefix of a valid text either reads or fails with a located
 * message: the reader never crashes or runs past the end. */
static void every_prefix_reads_or_fails_cleanly(void) {
  const char *text = "name: 'n' # c\nop < input: ['A', \"B\\x41\"]; output: 'S' type: 'Sum' >\n"
                     "op { type: 'Negative' input: 'S' output: 'T' is_gradient_op: true "
                     "device_option { device_type: 1 device_id: 0x2 } }\n"
                     "external_input: 'A' external_output: ['T']\n";
  size_t n = strlen(text);
  for (size_t len = 0; len <= n; len++) {
    char *copy = malloc(len ? len : 1); /* exact size: ASan catches overreads */
    if (!copy) return;
    memcpy(copy, text, len);
    c2op_net *net = NULL;
    c2op_status s = c2op_net_from_text(copy, len, &net);
    if (s == C2OP_OK)
      CHECK(net != NULL);
    else if (strncmp(c2op_last_error(), "line ", 5) != 0)
      TEST_FAIL_("prefix %zu: message without a position: %s", len, c2op_last_error());
    c2op_net_destroy(net);
    free(copy);
  }
}

int main(void) {
  RUN(reads_every_field_of_the_subset);
  RUN(empty_text_and_comments_give_an_empty_net);
  RUN(accepts_the_usual_protobuf_text_syntax);
  RUN(decodes_string_escapes);
  RUN(a_blob_name_may_be_any_nonempty_bytes);
  RUN(unknown_fields_are_errors_with_their_position);
  RUN(unknown_op_types_are_errors);
  RUN(counts_outside_the_schema_are_errors);
  RUN(syntax_errors_name_line_column_and_token);
  RUN(concatenated_strings_make_one_value);
  RUN(bad_values_are_errors);
  RUN(singular_fields_given_twice_are_errors);
  RUN(null_arguments_are_refused);
  RUN(writes_the_canonical_text);
  RUN(writes_escapes_that_read_back);
  RUN(an_empty_net_writes_empty_text);
  RUN(a_backward_net_round_trips);
  RUN(random_nets_round_trip);
  RUN(every_prefix_reads_or_fails_cleanly);
  return TEST_MAIN_END();
}
