/* cmd_info.c - `c2op schema`, `c2op grad` and `c2op version`: what the
 * registered operators are, their gradients, and what this build has. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char schema_help[] =
    "usage: c2op schema [OP] [--json]\n"
    "\n"
    "Without OP, lists the registered ops with the first sentence of their docs.\n"
    "With OP, shows its schema: inputs and outputs (names, counts, docs), in-place\n"
    "pairs, type and shape inference, ONNX name, dtypes, whether it has a gradient,\n"
    "and its docs. --json prints the same as JSON (a list without OP, an object\n"
    "with OP).\n";

static const char grad_help[] =
    "usage: c2op grad OP\n"
    "\n"
    "Prints, as NetDef text, the gradient op defs that OP's gradient maker gives\n"
    "for OP(X -> Y) (the schema's input and output names; Y's gradient is\n"
    "Y_grad). The output can be read back by `c2op net`.\n";

static const char version_help[] =
    "usage: c2op version\n"
    "\n"
    "Prints the version of c2op, whether this build has the CUDA backend, and the\n"
    "CPU code path the kernels use.\n";

/* Looks up an op by name; prints a usage error listing the ops if none. */
static int find_schema(const char *cmd, const char *op, const c2op_op_schema **schema) {
  if (c2op_schema_lookup(op, schema) == C2OP_OK) return CLI_OK;
  char known[512];
  size_t used = 0;
  known[0] = '\0';
  for (int32_t i = 0; i < c2op_schema_count() && used + 64 < sizeof known; i++) {
    const c2op_op_schema *s = NULL;
    if (c2op_schema_at(i, &s) == C2OP_OK)
      used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", s->name);
  }
  return cli_usage_error(cmd, "unknown op '%s' (registered ops: %s)", op, known);
}

/* The op def OP(X -> Y) named after the schema's inputs and outputs. */
static c2op_status forward_def(const c2op_op_schema *s, c2op_op_def **def) {
  const char *ins[8], *outs[8];
  char in_names[8][32], out_names[8][32];
  int32_t ni = s->min_inputs > 0 ? s->min_inputs : 1, no = s->min_outputs > 0 ? s->min_outputs : 1;
  if (ni > 8) ni = 8;
  if (no > 8) no = 8;
  for (int32_t i = 0; i < ni; i++) {
    if (s->input_names && i < (s->max_inputs == INT32_MAX ? s->min_inputs : s->max_inputs) &&
        s->input_names[i])
      snprintf(in_names[i], sizeof in_names[i], "%s", s->input_names[i]);
    else
      snprintf(in_names[i], sizeof in_names[i], ni == 1 ? "X" : "X%d", (int)i);
    ins[i] = in_names[i];
  }
  for (int32_t i = 0; i < no; i++) {
    if (s->output_names && s->output_names[i])
      snprintf(out_names[i], sizeof out_names[i], "%s", s->output_names[i]);
    else
      snprintf(out_names[i], sizeof out_names[i], no == 1 ? "Y" : "Y%d", (int)i);
    outs[i] = out_names[i];
  }
  return c2op_op_def_create(s->name, ni, ins, no, outs, def);
}

/* Whether the op has a gradient maker (C2OP_ERR_NO_GRADIENT says not). */
static int has_gradient(const c2op_op_schema *s) {
  c2op_op_def *def = NULL;
  if (forward_def(s, &def) != C2OP_OK) return 0;
  c2op_gradient *g = NULL;
  c2op_status st = c2op_get_gradient_defs(def, NULL, &g);
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(def);
  return st == C2OP_OK;
}

/* The first sentence of a doc string, into buf. */
static const char *first_sentence(const char *doc, char *buf, size_t size) {
  if (!doc) return "";
  const char *end = strstr(doc, ". ");
  size_t n = end ? (size_t)(end - doc) + 1 : strlen(doc);
  if (n >= size) n = size - 1;
  memcpy(buf, doc, n);
  buf[n] = '\0';
  return buf;
}

static void json_string(const char *s) {
  if (!s) {
    fputs("null", stdout);
    return;
  }
  putchar('"');
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\')
      printf("\\%c", *c);
    else if (*c == '\n')
      fputs("\\n", stdout);
    else if (*c == '\t')
      fputs("\\t", stdout);
    else if (*c < 0x20)
      printf("\\u%04x", *c);
    else
      putchar(*c);
  }
  putchar('"');
}

/* Number of name/doc entries the schema gives for inputs (or outputs). */
static int32_t described(int32_t min, int32_t max) {
  return max == INT32_MAX ? min : max;
}

static void print_io_json(const char *key, int32_t min, int32_t max, const char *const *names,
                          const char *const *docs) {
  printf("  \"%s\": {\"min\": %d, \"max\": ", key, (int)min);
  if (max == INT32_MAX)
    fputs("null", stdout);
  else
    printf("%d", (int)max);
  fputs(", \"names\": [", stdout);
  for (int32_t i = 0; i < described(min, max); i++) {
    if (i) fputs(", ", stdout);
    json_string(names ? names[i] : NULL);
  }
  fputs("], \"docs\": [", stdout);
  for (int32_t i = 0; i < described(min, max); i++) {
    if (i) fputs(", ", stdout);
    json_string(docs ? docs[i] : NULL);
  }
  fputs("]},\n", stdout);
}

static void print_schema_json(const c2op_op_schema *s) {
  fputs("{\n  \"name\": ", stdout);
  json_string(s->name);
  fputs(",\n  \"doc\": ", stdout);
  json_string(s->doc);
  fputs(",\n", stdout);
  print_io_json("inputs", s->min_inputs, s->max_inputs, s->input_names, s->input_docs);
  print_io_json("outputs", s->min_outputs, s->max_outputs, s->output_names, s->output_docs);
  fputs("  \"inplace\": [", stdout);
  for (int32_t i = 0; i < s->num_inplace; i++)
    printf("%s{\"input\": %d, \"output\": %d}", i ? ", " : "", (int)s->inplace[i].input,
           (int)s->inplace[i].output);
  fputs("],\n  \"inference\": ", stdout);
  json_string(s->infer ? (s->inference_name ? s->inference_name : "custom") : NULL);
  fputs(",\n  \"onnx\": ", stdout);
  json_string(s->onnx_name);
  fputs(",\n  \"onnx_note\": ", stdout);
  json_string(s->onnx_note);
  fputs(",\n  \"dtypes\": ", stdout);
  if (s->num_dtypes == 0) {
    fputs("\"any\"", stdout);
  } else {
    fputs("[", stdout);
    for (int32_t i = 0; i < s->num_dtypes; i++) {
      if (i) fputs(", ", stdout);
      json_string(cli_dtype_name(s->dtypes[i]));
    }
    fputs("]", stdout);
  }
  printf(",\n  \"gradient\": %s\n}", has_gradient(s) ? "true" : "false");
}

static const char *io_name(const char *const *names, int32_t i, int32_t n_described,
                           const char *fallback, char *buf, size_t size) {
  int32_t k = i < n_described ? i : n_described - 1;
  if (names && k >= 0 && names[k]) {
    if (i < n_described) return names[k];
    snprintf(buf, size, "%s...", names[k]);
    return buf;
  }
  snprintf(buf, size, "%s%d", fallback, (int)i);
  return buf;
}

static void print_count(const char *what, int32_t min, int32_t max) {
  if (min == max)
    printf("%s: %d\n", what, (int)min);
  else if (max == INT32_MAX)
    printf("%s: %d or more\n", what, (int)min);
  else
    printf("%s: %d to %d\n", what, (int)min, (int)max);
}

/* Prints text wrapped at 78 columns, each line starting with `indent`. */
static void print_wrapped(const char *text, const char *indent) {
  const size_t width = 78 - strlen(indent);
  while (*text) {
    size_t n = strlen(text);
    if (n > width) {
      n = width;
      while (n > 0 && text[n] != ' ')
        n--;
      if (n == 0) n = width;
    }
    printf("%s%.*s\n", indent, (int)n, text);
    text += n;
    while (*text == ' ')
      text++;
  }
}

static void print_schema_text(const c2op_op_schema *s) {
  char buf[64];
  printf("%s\n", s->name);
  if (s->doc) print_wrapped(s->doc, "  ");
  putchar('\n');
  print_count("inputs", s->min_inputs, s->max_inputs);
  int32_t nd = described(s->min_inputs, s->max_inputs);
  for (int32_t i = 0; i < nd; i++)
    printf("  %-4s %s\n", io_name(s->input_names, i, nd, "X", buf, sizeof buf),
           s->input_docs && s->input_docs[i] ? s->input_docs[i] : "");
  print_count("outputs", s->min_outputs, s->max_outputs);
  nd = described(s->min_outputs, s->max_outputs);
  for (int32_t i = 0; i < nd; i++)
    printf("  %-4s %s\n", io_name(s->output_names, i, nd, "Y", buf, sizeof buf),
           s->output_docs && s->output_docs[i] ? s->output_docs[i] : "");
  fputs("in place: ", stdout);
  if (s->num_inplace == 0) fputs("no", stdout);
  for (int32_t i = 0; i < s->num_inplace; i++) {
    char a[64], b[64];
    printf("%sinput %d (%s) -> output %d (%s)", i ? ", " : "", (int)s->inplace[i].input,
           io_name(s->input_names, s->inplace[i].input, described(s->min_inputs, s->max_inputs),
                   "X", a, sizeof a),
           (int)s->inplace[i].output,
           io_name(s->output_names, s->inplace[i].output, described(s->min_outputs, s->max_outputs),
                   "Y", b, sizeof b));
  }
  printf("\ninference: %s\n",
         s->infer ? (s->inference_name ? s->inference_name : "custom") : "none");
  printf("ONNX: %s\n", s->onnx_name ? s->onnx_name : "none");
  if (s->onnx_note) print_wrapped(s->onnx_note, "  ");
  fputs("dtypes: ", stdout);
  if (s->num_dtypes == 0) fputs("any", stdout);
  for (int32_t i = 0; i < s->num_dtypes; i++)
    printf("%s%s", i ? ", " : "", cli_dtype_name(s->dtypes[i]));
  if (has_gradient(s))
    printf("\ngradient: yes (c2op grad %s prints it)\n", s->name);
  else
    printf("\ngradient: none\n");
}

int cli_cmd_schema(int argc, char **argv) {
  const char *op = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) {
      fputs(schema_help, stdout);
      return CLI_OK;
    }
    if (strcmp(argv[i], "--json") == 0)
      json = 1;
    else if (argv[i][0] == '-' && argv[i][1] != '\0')
      return cli_usage_error("schema", "unknown option '%s'", argv[i]);
    else if (!op)
      op = argv[i];
    else
      return cli_usage_error("schema", "unexpected argument '%s'", argv[i]);
  }
  if (op) {
    const c2op_op_schema *s = NULL;
    int rc = find_schema("schema", op, &s);
    if (rc != CLI_OK) return rc;
    if (json) {
      print_schema_json(s);
      putchar('\n');
    } else {
      print_schema_text(s);
    }
    return CLI_OK;
  }
  int32_t n = c2op_schema_count();
  if (json) fputs("[", stdout);
  for (int32_t i = 0; i < n; i++) {
    const c2op_op_schema *s = NULL;
    if (c2op_schema_at(i, &s) != C2OP_OK) continue;
    if (json) {
      if (i) fputs(", ", stdout);
      print_schema_json(s);
    } else {
      char buf[256];
      printf("%-16s %s\n", s->name, first_sentence(s->doc, buf, sizeof buf));
    }
  }
  if (json) fputs("]\n", stdout);
  return CLI_OK;
}

int cli_cmd_grad(int argc, char **argv) {
  const char *op = NULL;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) {
      fputs(grad_help, stdout);
      return CLI_OK;
    }
    if (argv[i][0] == '-' && argv[i][1] != '\0')
      return cli_usage_error("grad", "unknown option '%s'", argv[i]);
    if (op) return cli_usage_error("grad", "unexpected argument '%s'", argv[i]);
    op = argv[i];
  }
  if (!op) return cli_usage_error("grad", "missing OP");
  const c2op_op_schema *s = NULL;
  int rc = find_schema("grad", op, &s);
  if (rc != CLI_OK) return rc;
  c2op_op_def *def = NULL;
  c2op_gradient *g = NULL;
  c2op_net *net = NULL;
  char *text = NULL;
  rc = CLI_FAIL;
  if (forward_def(s, &def) != C2OP_OK) {
    cli_error("%s: %s", op, c2op_last_error());
    goto done;
  }
  c2op_status st = c2op_get_gradient_defs(def, NULL, &g);
  if (st == C2OP_ERR_NO_GRADIENT) {
    cli_error("%s has no gradient: %s", op, c2op_last_error());
    goto done;
  }
  if (st != C2OP_OK || c2op_net_create("", &net) != C2OP_OK) {
    cli_error("%s: %s", op, c2op_last_error());
    goto done;
  }
  for (int32_t i = 0; i < g->num_ops; i++) {
    if (c2op_net_add_op(net, g->ops[i]) != C2OP_OK) {
      cli_error("%s: %s", op, c2op_last_error());
      goto done;
    }
  }
  if (c2op_net_to_text(net, &text, NULL) != C2OP_OK) {
    cli_error("%s: %s", op, c2op_last_error());
    goto done;
  }
  printf("# gradient of %s(", op);
  for (int32_t i = 0; i < def->num_inputs; i++)
    printf("%s%s", i ? ", " : "", def->inputs[i]);
  fputs(") -> ", stdout);
  for (int32_t i = 0; i < def->num_outputs; i++)
    printf("%s%s", i ? ", " : "", def->outputs[i]);
  fputs(": reads", stdout);
  for (int32_t i = 0; i < def->num_outputs; i++)
    printf(" %s_grad", def->outputs[i]);
  fputs(", writes", stdout);
  int any = 0;
  for (int32_t i = 0; i < g->num_input_grads; i++) {
    if (g->input_grads[i]) {
      printf(" %s", g->input_grads[i]);
      any = 1;
    }
  }
  printf("%s\n%s", any ? "" : " nothing", text);
  rc = CLI_OK;
done:
  c2op_free(text);
  c2op_net_destroy(net);
  c2op_gradient_destroy(g);
  c2op_op_def_destroy(def);
  return rc;
}

int cli_cmd_version(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) {
      fputs(version_help, stdout);
      return CLI_OK;
    }
    return cli_usage_error("version", "unexpected argument '%s'", argv[i]);
  }
  printf("c2op %d.%d.%d (library %s)\n", C2OP_VERSION_MAJOR, C2OP_VERSION_MINOR, C2OP_VERSION_PATCH,
         c2op_version_string());
  printf("CUDA: %s\n", c2op_has_cuda() ? "compiled in" : "not compiled in");
#ifdef C2OP_CLI_HAVE_CPU_ISA_NAME
  printf("CPU code path: %s\n", c2op_cpu_isa_name());
#else
  printf("CPU code path: portable C loops (this library reports no ISA dispatch)\n");
#endif
  return CLI_OK;
}
