/* op_def.c - op definitions (Caffe2's OperatorDef): owned strings. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

static void free_names(char **names, int32_t n) {
  if (!names) return;
  for (int32_t i = 0; i < n; i++) c2op__free(names[i]);
  c2op__free(names);
}

void c2op_op_def_destroy(c2op_op_def *def) {
  if (!def) return;
  c2op__free(def->type);
  c2op__free(def->name);
  free_names(def->inputs, def->num_inputs);
  free_names(def->outputs, def->num_outputs);
  c2op__free(def);
}

static c2op_status check_names(const char *what, int32_t n, const char *const *names) {
  C2OP_RETURN_IF(n < 0, C2OP_ERR_INVALID_ARGUMENT, "num_%s: %d is negative", what, (int)n);
  C2OP_RETURN_IF(n > 0 && !names, C2OP_ERR_NULL_POINTER, "%s is NULL but num_%s is %d", what,
                 what, (int)n);
  for (int32_t i = 0; i < n; i++) {
    C2OP_RETURN_IF(!names[i], C2OP_ERR_NULL_POINTER, "%s[%d] is NULL", what, (int)i);
    C2OP_RETURN_IF(!names[i][0], C2OP_ERR_INVALID_ARGUMENT, "%s[%d] is an empty blob name",
                   what, (int)i);
  }
  return C2OP_OK;
}

/* Copies n names into a new array (calloc'd so a partial copy frees). */
static char **copy_names(int32_t n, const char *const *names) {
  char **copy = c2op__calloc((size_t)(n > 0 ? n : 1), sizeof *copy);
  if (!copy) return NULL;
  for (int32_t i = 0; i < n; i++) {
    copy[i] = c2op__strdup(names[i]);
    if (!copy[i]) {
      free_names(copy, n);
      return NULL;
    }
  }
  return copy;
}

c2op_status c2op_op_def_create(const char *type, int32_t num_inputs, const char *const *inputs,
                               int32_t num_outputs, const char *const *outputs,
                               c2op_op_def **def_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!def_out, C2OP_ERR_NULL_POINTER, "def_out is NULL");
  C2OP_RETURN_IF(!type, C2OP_ERR_NULL_POINTER, "type is NULL");
  C2OP_RETURN_IF(!type[0], C2OP_ERR_INVALID_ARGUMENT, "type is empty");
  C2OP_TRY(check_names("inputs", num_inputs, inputs));
  C2OP_TRY(check_names("outputs", num_outputs, outputs));
  c2op_op_def *def = c2op__calloc(1, sizeof *def);
  if (def) {
    def->type = c2op__strdup(type);
    def->name = c2op__strdup("");
    def->inputs = copy_names(num_inputs, inputs);
    if (def->inputs) def->num_inputs = num_inputs;
    def->outputs = copy_names(num_outputs, outputs);
    if (def->outputs) def->num_outputs = num_outputs;
  }
  if (!def || !def->type || !def->name || !def->inputs || !def->outputs) {
    c2op_op_def_destroy(def);
    return c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory creating op def '%s'", type);
  }
  def->device_option.device_type = C2OP_DEVICE_CPU;
  def->device_option.device_id = 0;
  *def_out = def;
  return C2OP_OK;
}

c2op_status c2op_op_def_clone(const c2op_op_def *def, c2op_op_def **def_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!def, C2OP_ERR_NULL_POINTER, "def is NULL");
  C2OP_RETURN_IF(!def_out, C2OP_ERR_NULL_POINTER, "def_out is NULL");
  c2op_op_def *copy = NULL;
  C2OP_TRY(c2op_op_def_create(def->type, def->num_inputs, (const char *const *)def->inputs,
                              def->num_outputs, (const char *const *)def->outputs, &copy));
  c2op_status s = c2op_op_def_set_name(copy, def->name ? def->name : "");
  if (s != C2OP_OK) {
    c2op_op_def_destroy(copy);
    return s;
  }
  copy->is_gradient_op = def->is_gradient_op;
  copy->device_option = def->device_option;
  *def_out = copy;
  return C2OP_OK;
}

c2op_status c2op_op_def_set_name(c2op_op_def *def, const char *name) {
  c2op__clear_error();
  C2OP_RETURN_IF(!def, C2OP_ERR_NULL_POINTER, "def is NULL");
  C2OP_RETURN_IF(!name, C2OP_ERR_NULL_POINTER, "name is NULL");
  char *copy = c2op__strdup(name);
  C2OP_RETURN_IF(!copy, C2OP_ERR_OUT_OF_MEMORY, "out of memory copying name");
  c2op__free(def->name);
  def->name = copy;
  return C2OP_OK;
}

static c2op_status set_blob(char **names, int32_t n, const char *what, int32_t i,
                            const char *blob) {
  C2OP_RETURN_IF(!blob, C2OP_ERR_NULL_POINTER, "blob is NULL");
  C2OP_RETURN_IF(!blob[0], C2OP_ERR_INVALID_ARGUMENT, "blob is an empty name");
  C2OP_RETURN_IF(i < 0 || i >= n, C2OP_ERR_INVALID_ARGUMENT,
                 "i: %d is out of range for %d %s", (int)i, (int)n, what);
  char *copy = c2op__strdup(blob);
  C2OP_RETURN_IF(!copy, C2OP_ERR_OUT_OF_MEMORY, "out of memory copying blob name");
  c2op__free(names[i]);
  names[i] = copy;
  return C2OP_OK;
}

c2op_status c2op_op_def_set_input(c2op_op_def *def, int32_t i, const char *blob) {
  c2op__clear_error();
  C2OP_RETURN_IF(!def, C2OP_ERR_NULL_POINTER, "def is NULL");
  return set_blob(def->inputs, def->num_inputs, "inputs", i, blob);
}

c2op_status c2op_op_def_set_output(c2op_op_def *def, int32_t i, const char *blob) {
  c2op__clear_error();
  C2OP_RETURN_IF(!def, C2OP_ERR_NULL_POINTER, "def is NULL");
  return set_blob(def->outputs, def->num_outputs, "outputs", i, blob);
}
